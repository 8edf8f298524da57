//! The till's desk driven by keys into the real app: paying a sale in cash with the change
//! shown as it is typed (too little refused, nothing written) and the receipt after it, at
//! 80×24; a return from an order's view, its receipt again, and the day's X report and Z
//! close, at 120×40; an employee may see the day but not close it.

mod common;

use crossterm::event::KeyCode;
use diesel::prelude::*;
use stockroom::auth::Role;
use stockroom::db::schema::{payments, staffs};
use stockroom::store::data::{self, FieldChange, Key};
use stockroom::store::stock::{self, StockLine};
use stockroom::tui::harness::Harness;
use stockroom::tui::tabs::orders::OrdersTab;
use stockroom::tui::tabs::orders::editor::Stage;
use stockroom::tui::theme::ThemeName;

use common::accounts::{self, PASSWORD, add, cli};
use common::admin::{open, user_harness};
use common::shop::{demo, qty};
use common::{TestDb, count};

/// Product 7 at 72.99 with 5 in store 1; a member of staff of store 1.
fn shop(t: &TestDb, auth: &stockroom::auth::Auth) -> i32 {
    demo(t, 4);
    data::set(
        auth,
        &cli(),
        "products",
        &Key(vec![7]),
        None,
        &[FieldChange {
            field: "list_price".into(),
            value: "72.99".into(),
        }],
    )
    .unwrap();
    stock::count(
        auth,
        &cli(),
        1,
        &[StockLine {
            product_id: 7,
            units: 5,
        }],
        None,
    )
    .unwrap();
    staffs::table
        .filter(staffs::store_id.eq(1))
        .filter(staffs::active.eq(true))
        .select(staffs::staff_id)
        .first(&mut *t.db.conn().unwrap())
        .unwrap()
}

fn stage(h: &Harness) -> Option<Stage> {
    h.app
        .tab::<OrdersTab>()
        .unwrap()
        .editor
        .as_ref()
        .map(|e| e.stage)
}

#[test]
fn a_cash_sale_shows_its_change_refuses_too_little_and_prints_its_receipt_at_80x24() {
    let t = TestDb::sqlite();
    let (auth, _) = accounts::auth(&t);
    let staff = shop(&t, &auth);
    add(&auth, "root", Role::Administrator);
    auth.add_user(&cli(), "emil", Role::Employee, Some(staff), PASSWORD)
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut h = Harness::new(
        auth.clone(),
        Harness::options(ThemeName::Dark, dir.path().join("c.toml")),
        80,
        24,
    );
    h.type_text("emil");
    h.press(KeyCode::Enter);
    h.type_text(PASSWORD);
    h.press(KeyCode::Enter);
    open(&mut h, "Orders");
    h.press(KeyCode::Char('n'));
    // A walk-in: Enter on the empty customer goes on to the first line.
    h.press(KeyCode::Enter);
    h.type_text("7");
    h.press(KeyCode::Enter);
    h.press_with(KeyCode::Char('s'), crossterm::event::KeyModifiers::CONTROL);
    assert_eq!(stage(&h), Some(Stage::Pay), "{}", h.render());
    let s = h.render();
    assert!(
        s.contains("Pay by") && s.contains("[Card]") && s.contains("72.99"),
        "{s}"
    );
    // Too little cash: said as it is typed, refused on Enter, nothing written.
    let before = count(&t, "orders");
    h.type_text("50");
    assert!(h.render().contains("short $22.99"), "{}", h.render());
    h.press(KeyCode::Enter);
    assert!(h.render().contains("22.99 short"), "{}", h.render());
    assert_eq!((count(&t, "orders"), stage(&h)), (before, Some(Stage::Pay)));
    // 100 handed over: the change shows, then is given.
    h.press(KeyCode::Backspace);
    h.press(KeyCode::Backspace);
    h.type_text("100");
    assert!(h.render().contains("change $27.01"), "{}", h.render());
    h.press(KeyCode::Enter);
    let s = h.render();
    assert!(
        s.contains("saved (1 line") && s.contains("change $27.01"),
        "{s}"
    );
    assert!(
        s.contains("Receipt of order") && s.contains("Change"),
        "{s}"
    );
    assert_eq!(count(&t, "orders"), before + 1);
    let paid: (String, i64, i64) = payments::table
        .order(payments::payment_id.desc())
        .select((
            payments::tender,
            payments::amount_cents,
            payments::tendered_cents,
        ))
        .first(&mut *t.db.conn().unwrap())
        .unwrap();
    assert_eq!(paid, ("cash".into(), 7_299, 10_000));
    assert_eq!(qty(&t, 1, 7), 4);
    // The next key puts the receipt away and does its work: `n` starts the next sale.
    h.press(KeyCode::Char('n'));
    assert!(stage(&h).is_some(), "{}", h.render());
    h.press(KeyCode::Esc);
    // An employee sees the day (their own store's, filled in), but does not close it.
    h.press(KeyCode::Char('z'));
    h.press(KeyCode::Enter);
    let s = h.render();
    assert!(
        s.contains("X report") && s.contains("change given 27.01"),
        "{s}"
    );
    h.press(KeyCode::Char('Z'));
    assert!(
        h.render()
            .contains("Managers and Administrators close the day"),
        "{}",
        h.render()
    );
}

#[test]
fn a_manager_takes_a_return_reprints_and_closes_the_day_at_120x40() {
    let t = TestDb::sqlite();
    let (auth, _) = accounts::auth(&t);
    let staff = shop(&t, &auth);
    add(&auth, "root", Role::Administrator);
    add(&auth, "mona", Role::Manager);
    let sold = stockroom::store::orders::sell_paid(
        &auth,
        &cli(),
        &stockroom::store::orders::NewOrder {
            customer_id: None,
            store_id: 1,
            staff_id: staff,
            lines: vec![stockroom::store::orders::NewLine {
                product_id: 7,
                quantity: 2,
                discount_bp: 0,
            }],
        },
        &[stockroom::store::till::TenderSpec::parse("cash:200").unwrap()],
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut h = user_harness(&auth, dir.path(), "mona");
    h.resize(120, 40);
    open(&mut h, "Orders");
    // The newest order: complete it, then take one unit back.
    h.press(KeyCode::Enter);
    assert!(
        h.render().contains(&format!("Order {}", sold.order_id)),
        "{}",
        h.render()
    );
    assert!(h.render().contains("paid cash $145.98"), "{}", h.render());
    h.press(KeyCode::Char('p'));
    h.press(KeyCode::Char('c'));
    h.press(KeyCode::Char('b'));
    let s = h.render();
    assert!(
        s.contains("Return from order") && s.contains("Units"),
        "{s}"
    );
    // The only product is filled in; the units are selected: 1, then restock and refund as
    // paid: Enter on each field, the last saves.
    for _ in 0..3 {
        h.press(KeyCode::Enter);
    }
    let s = h.render();
    assert!(s.contains("1 unit back; refund $72.99 by cash"), "{s}");
    assert!(s.contains("1 unit returned"), "{s}");
    assert_eq!(qty(&t, 1, 7), 4);
    // The receipt again, with its return.
    h.press(KeyCode::Char('R'));
    let s = h.render();
    assert!(s.contains("Return 1") && s.contains("Refund (cash)"), "{s}");
    h.press(KeyCode::Esc);
    h.press(KeyCode::Esc);
    // The day: the X report, then the Z close with the float and the cash counted.
    h.press(KeyCode::Char('z'));
    h.type_text("1");
    h.press(KeyCode::Enter);
    let s = h.render();
    assert!(
        s.contains("X report") && s.contains("Z closes the day"),
        "{s}"
    );
    h.press(KeyCode::Char('Z'));
    h.type_text("200");
    h.press(KeyCode::Enter);
    h.type_text("272.99");
    h.press(KeyCode::Enter);
    let s = h.render();
    assert!(s.contains("Z close #1") && s.contains("even"), "{s}");
    assert_eq!(count(&t, "day_closes"), 1);
}
