//! The Stock tab driven by keys at 80×24 and 120×40: stock found by product and store, a
//! product's moves, and goods received, transferred and counted by a Manager through the
//! ledger (the store checked after each); an Employee sees stock and moves but cannot move it.

mod common;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use stockroom::auth::Role;
use stockroom::store::stock;
use stockroom::tui::app::Msg;
use stockroom::tui::harness::Harness;
use stockroom::tui::tabs::stock::StockTab;

use common::TestDb;
use common::accounts::{self, add, cli};
use common::admin::{open, user_harness};
use common::shop::{demo, qty};

fn tab(h: &Harness) -> &StockTab {
    h.app.tab::<StockTab>().unwrap()
}

#[test]
fn a_manager_receives_transfers_and_counts_by_keys_at_80x24() {
    let t = TestDb::sqlite();
    demo(&t, 3);
    let dir = tempfile::tempdir().unwrap();
    let (auth, _) = accounts::auth(&t);
    add(&auth, "root", Role::Administrator);
    add(&auth, "mona", Role::Manager);
    let mut h = user_harness(&auth, dir.path(), "mona");
    h.resize(80, 24);
    open(&mut h, "Stock");
    let s = h.render();
    assert!(s.contains("every store") && s.contains("units"), "{s}");
    assert!(
        s.contains("i receive"),
        "the hint bar offers receiving: {s}"
    );
    // Find product 7 in store 1 by its id, then by store.
    h.press(KeyCode::Char('/'));
    h.type_text("7");
    h.press(KeyCode::Enter);
    h.press(KeyCode::Char('s'));
    h.type_text("1");
    h.press(KeyCode::Enter);
    assert_eq!(tab(&h).levels.len(), 1, "{}", h.render());
    let before = qty(&t, 1, 7);
    assert!(h.render().contains("store 1, `7`"), "{}", h.render());
    // Receive 5: store and product are filled in, the cursor is on the units.
    h.press(KeyCode::Char('i'));
    let s = h.render();
    assert!(s.contains("Receive goods") && s.contains("› Units"), "{s}");
    h.type_text("5");
    h.press(KeyCode::Enter);
    h.type_text("PO-88");
    h.press(KeyCode::Enter);
    assert!(
        h.render().contains("(#7) at Santa Cruz Bikes"),
        "{}",
        h.render()
    );
    assert_eq!(qty(&t, 1, 7), before + 5);
    assert_eq!(tab(&h).levels[0].quantity, before + 5, "the list reloads");
    // A transfer of more than there is is refused in words, the form kept.
    let to_before = qty(&t, 2, 7);
    h.press(KeyCode::Char('m'));
    assert!(h.render().contains("› To store"), "{}", h.render());
    h.type_text("2");
    h.press(KeyCode::Enter);
    h.press(KeyCode::Enter);
    h.type_text("100000");
    h.press(KeyCode::Enter);
    h.press(KeyCode::Enter);
    let s = h.render();
    assert!(s.contains("not enough stock"), "{s}");
    assert!(tab(&h).form.is_some(), "what was typed stays");
    // Put right: 2 units (the cursor was on the note: back to the units).
    h.press(KeyCode::BackTab);
    for _ in 0..6 {
        h.press(KeyCode::Backspace);
    }
    h.type_text("2");
    h.press(KeyCode::Enter);
    h.press(KeyCode::Enter);
    assert!(
        h.render().contains("(#7) from Santa Cruz Bikes"),
        "{}",
        h.render()
    );
    assert_eq!((qty(&t, 1, 7), qty(&t, 2, 7)), (before + 3, to_before + 2));
    // A count: what is on the shelf becomes the stock.
    h.press(KeyCode::Char('c'));
    h.type_text("1");
    h.press(KeyCode::Enter);
    h.type_text("shelf");
    h.press(KeyCode::Enter);
    assert!(
        h.render()
            .contains(&format!("said {} (-{})", before + 3, before + 2)),
        "{}",
        h.render()
    );
    assert_eq!(qty(&t, 1, 7), 1);
    // Store and product by name: receive one more, typed rather than picked.
    h.press(KeyCode::Char('i'));
    h.press(KeyCode::BackTab);
    h.type_text("Sun Bicycles Moto Comp - 2016");
    h.press(KeyCode::BackTab);
    h.type_text("santa cruz");
    h.press(KeyCode::Tab);
    h.press(KeyCode::Tab);
    h.type_text("1");
    h.press(KeyCode::Enter);
    h.press(KeyCode::Enter);
    assert!(
        h.render().contains("(#7) at Santa Cruz Bikes"),
        "{}",
        h.render()
    );
    assert_eq!(qty(&t, 1, 7), 2);
    h.press(KeyCode::Char('c'));
    h.type_text("1");
    h.press(KeyCode::Enter);
    h.press(KeyCode::Enter);
    assert_eq!(qty(&t, 1, 7), 1);
    // The product's moves, newest first, with their reasons.
    h.press(KeyCode::Enter);
    let s = h.render();
    assert!(s.contains("Stock — moves of"), "{s}");
    let reasons: Vec<&str> = tab(&h)
        .history
        .as_ref()
        .unwrap()
        .moves
        .iter()
        .map(|m| m.reason.as_str())
        .collect();
    assert_eq!(
        &reasons[..5],
        ["count", "receive", "count", "transfer_out", "receive"]
    );
    assert!(s.contains("transfer out"), "{s}");
    h.press(KeyCode::Esc);
    assert!(tab(&h).history.is_none());
    assert!(stock::verify(&auth, &cli()).unwrap().is_empty());
}

#[test]
fn an_employee_sees_stock_and_moves_but_cannot_move_it_at_120x40() {
    let t = TestDb::sqlite();
    demo(&t, 3);
    let dir = tempfile::tempdir().unwrap();
    let (auth, _) = accounts::auth(&t);
    add(&auth, "root", Role::Administrator);
    add(&auth, "emil", Role::Employee);
    let mut h = user_harness(&auth, dir.path(), "emil");
    h.resize(120, 40);
    open(&mut h, "Stock");
    let s = h.render();
    assert!(s.contains("rows 1–") && !s.contains("i receive"), "{s}");
    let shown = tab(&h).levels.len();
    assert!(shown > 20, "the page uses the height: {shown}");
    let first = tab(&h).levels[0].clone();
    for key in ['i', 'm', 'c'] {
        h.press(KeyCode::Char(key));
        assert!(
            tab(&h).form.is_none(),
            "{key} opened a form for an employee"
        );
        assert!(
            h.render().contains("Managers and Administrators receive"),
            "{}",
            h.render()
        );
    }
    // Three quick PageDowns before any page arrives move three pages.
    for _ in 0..3 {
        h.app.update(Msg::Key(KeyEvent::new(
            KeyCode::PageDown,
            KeyModifiers::NONE,
        )));
    }
    h.settle();
    let at = tab(&h).offset;
    assert_eq!(at, 3 * shown as u64, "{}", h.render());
    h.press(KeyCode::Home);
    // PageDown pages on in SQL.
    h.press(KeyCode::PageDown);
    assert_eq!(tab(&h).offset, shown as u64);
    h.press(KeyCode::PageUp);
    assert_eq!(tab(&h).levels[0], first);
    h.press(KeyCode::Enter);
    let s = h.render();
    assert!(s.contains("opening"), "{s}");
    assert_eq!(qty(&t, first.store_id, first.product_id), first.quantity);
}
