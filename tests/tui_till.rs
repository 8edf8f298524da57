//! The till as store staff use it, driven by keys into the real app over a real store at
//! 80×24 and 120×40: a two-line sale to the second of three namesakes, one line scanned, in at
//! most 8 keys besides the text; barcodes scanned again, unknown, mistyped and typed faster
//! than the lookups; every picker's ↑/↓ and Enter; long sales keeping the total in view; and
//! the service's refusals shown where they belong.

mod common;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use diesel::prelude::*;
use stockroom::auth::{Auth, Role};
use stockroom::db::schema::{order_items, orders, staffs, stocks, stores};
use stockroom::store::demo::{DemoOptions, load};
use stockroom::store::orders::choose;
use stockroom::tui::app::Msg;
use stockroom::tui::harness::Harness;
use stockroom::tui::tabs::orders::OrdersTab;
use stockroom::tui::tabs::orders::editor::{Editor, Focus};
use stockroom::tui::theme::ThemeName;
use stockroom::worker::CancelToken;

use common::accounts::{self, PASSWORD, add, cli};
use common::{TestDb, count};

fn demo(t: &TestDb) {
    load(
        &t.db,
        &DemoOptions {
            scale: 1,
            seed: 7,
            replace: false,
        },
        &CancelToken::new(),
        &mut |_| {},
    )
    .unwrap();
}

/// `who`, an Employee (linked to `staff` when given), signed in on a harness of `size`.
fn clerk(auth: &Auth, who: &str, staff: Option<i32>, size: (u16, u16)) -> Harness {
    auth.add_user(&cli(), who, Role::Employee, staff, PASSWORD)
        .unwrap();
    let dir = tempfile::tempdir().unwrap().keep();
    let mut h = Harness::new(
        auth.clone(),
        Harness::options(ThemeName::Dark, dir.join("c.toml")),
        size.0,
        size.1,
    );
    h.type_text(who);
    h.press(KeyCode::Enter);
    h.type_text(PASSWORD);
    h.press(KeyCode::Enter);
    assert!(
        h.render().contains(&format!("{who} (Employee)")),
        "{}",
        h.render()
    );
    h
}

fn ed(h: &Harness) -> &Editor {
    h.app
        .tab::<OrdersTab>()
        .unwrap()
        .editor
        .as_ref()
        .expect("the new-order form is open")
}

fn open_orders(h: &mut Harness) {
    let n = h.app.tabs().iter().position(|t| *t == "Orders").unwrap() + 1;
    h.press(KeyCode::Char(char::from_digit(n as u32, 10).unwrap()));
}

/// The store a member of staff works at, and its name.
fn store_of(t: &TestDb, staff: i32) -> (i32, String) {
    staffs::table
        .inner_join(stores::table)
        .filter(staffs::staff_id.eq(staff))
        .select((stores::store_id, stores::store_name))
        .first(&mut *t.db.conn().unwrap())
        .unwrap()
}

/// Products of `store` with at least `n` in stock, fewest first: (id, name, barcode).
fn in_stock(t: &TestDb, store: i32, n: i32) -> Vec<(i32, String, Option<String>)> {
    use stockroom::db::schema::products;
    stocks::table
        .inner_join(products::table)
        .filter(stocks::store_id.eq(store))
        .filter(stocks::quantity.ge(n))
        .order(stocks::product_id)
        .select((
            products::product_id,
            products::product_name,
            products::barcode,
        ))
        .load(&mut *t.db.conn().unwrap())
        .unwrap()
}

fn stock(t: &TestDb, store: i32, product: i32) -> i32 {
    stocks::table
        .find((store, product))
        .select(stocks::quantity)
        .first(&mut *t.db.conn().unwrap())
        .unwrap()
}

/// Keys pressed, each counted unless it types text.
struct Till {
    h: Harness,
    keys: usize,
}

impl Till {
    fn key(&mut self, code: KeyCode) {
        self.key_with(code, KeyModifiers::NONE);
    }

    fn key_with(&mut self, code: KeyCode, mods: KeyModifiers) {
        self.keys += 1;
        self.h.press_with(code, mods);
    }

    fn text(&mut self, s: &str) {
        self.h.type_text(s);
    }
}

both_backends!(
    a_new_employee_sells_two_lines_to_the_second_of_three_namesakes_one_scanned_in_at_most_8_keys,
    |t: TestDb| {
        demo(&t);
        let (auth, _) = accounts::auth(&t);
        add(&auth, "root", Role::Administrator);
        let staff = 8;
        let (store, store_name) = store_of(&t, staff);
        // Three customers of one name, told apart by their e-mail.
        let namesakes: Vec<i32> = (1..=3)
            .map(|i| {
                choose::add_customer(
                    &auth,
                    &cli(),
                    "Zelda",
                    "Quarrington",
                    &format!("zelda.q{i}@example.com"),
                    "",
                )
                .unwrap()
            })
            .collect();
        for (size, who) in [((80, 24), "ada"), ((120, 40), "bea")] {
            let products = in_stock(&t, store, 3);
            // One line scanned, the other found by its name (the first the search offers).
            let (scanned, scanned_name, code) = products[0].clone();
            let code = code.expect("demo products have barcodes");
            let named = choose::products(&auth, &cli(), store, &products[1].1).unwrap()[0].clone();
            assert_ne!(named.product_id, scanned);
            let before = (
                stock(&t, store, scanned),
                stock(&t, store, named.product_id),
            );
            let orders_before = count(&t, "orders");

            let mut till = Till {
                h: clerk(&auth, who, Some(staff), size),
                keys: 0,
            };
            let tab = till
                .h
                .app
                .tabs()
                .iter()
                .position(|t| *t == "Orders")
                .unwrap()
                + 1;
            till.key(KeyCode::Char(char::from_digit(tab as u32, 10).unwrap()));
            till.key(KeyCode::Char('n'));
            // The store and the clerk are filled in, by name.
            assert_eq!(ed(&till.h).store.chosen.as_ref().map(|c| c.id), Some(store));
            assert_eq!(ed(&till.h).staff.chosen.as_ref().map(|c| c.id), Some(staff));
            till.text("zelda quarrington");
            let s = till.h.render();
            for id in &namesakes {
                assert!(s.contains(&format!("#{id} Zelda Quarrington")), "{s}");
            }
            // ↓ marks the second namesake; Enter takes it and goes to the first line.
            till.key(KeyCode::Down);
            till.key(KeyCode::Enter);
            assert_eq!(
                ed(&till.h).customer.chosen.as_ref().map(|c| c.id),
                Some(namesakes[1])
            );
            assert_eq!(ed(&till.h).focus, Focus::Product(0));
            // The scanner types the code and Enter: the product is on a line at once.
            till.text(&code);
            till.key(KeyCode::Enter);
            assert_eq!(
                ed(&till.h).focus,
                Focus::Product(1),
                "ready for the next scan"
            );
            // The second product by its name.
            till.text(&named.name);
            till.key(KeyCode::Enter);
            let s = till.h.render();
            // Every label, the chosen names, whole product names and the total are on screen.
            for want in [
                "Customer",
                "Zelda Quarrington",
                "Store",
                store_name.as_str(),
                "Staff",
                "(you)",
                scanned_name.as_str(),
                named.name.as_str(),
                "Running total",
                "2 lines · 2 items",
            ] {
                assert!(s.contains(want), "{want} at {size:?}:\n{s}");
            }
            assert!(
                s.contains("Customer  Zelda Quarrington"),
                "a label and its value apart: {s}"
            );
            till.key_with(KeyCode::Char('s'), KeyModifiers::CONTROL);
            // Paid by card: Enter.
            till.key(KeyCode::Enter);
            let s = till.h.render();
            assert!(s.contains("saved (2 lines,"), "{s}");
            assert!(till.keys <= 8, "{} keys besides the text", till.keys);
            assert_eq!(
                till.keys, 8,
                "tab, n, ↓, Enter, Enter, Enter, Ctrl-S, Enter (card)"
            );

            // The store holds the sale: the second namesake's, at the clerk's store, by them.
            assert_eq!(count(&t, "orders"), orders_before + 1);
            let (id, customer, at, by): (i32, Option<i32>, i32, i32) = orders::table
                .order(orders::order_id.desc())
                .select((
                    orders::order_id,
                    orders::customer_id,
                    orders::store_id,
                    orders::staff_id,
                ))
                .first(&mut *t.db.conn().unwrap())
                .unwrap();
            assert_eq!((customer, at, by), (Some(namesakes[1]), store, staff));
            let mut lines: Vec<(i32, i32)> = order_items::table
                .filter(order_items::order_id.eq(id))
                .select((order_items::product_id, order_items::quantity))
                .load(&mut *t.db.conn().unwrap())
                .unwrap();
            lines.sort();
            let mut want = vec![(scanned, 1), (named.product_id, 1)];
            want.sort();
            assert_eq!(lines, want);
            assert_eq!(
                (
                    stock(&t, store, scanned),
                    stock(&t, store, named.product_id)
                ),
                (before.0 - 1, before.1 - 1)
            );
        }
    }
);

#[test]
fn a_code_scanned_again_counts_up_an_unknown_or_mistyped_one_says_so_and_fast_scans_keep_their_order()
 {
    let t = TestDb::sqlite();
    demo(&t);
    let (auth, _) = accounts::auth(&t);
    add(&auth, "root", Role::Administrator);
    let (store, _) = store_of(&t, 8);
    let products = in_stock(&t, store, 5);
    let code = |i: usize| products[i].2.clone().unwrap();
    for size in [(80, 24), (120, 40)] {
        let mut h = clerk(&auth, &format!("c{}", size.0), Some(8), size);
        open_orders(&mut h);
        h.press(KeyCode::Char('n'));
        h.press(KeyCode::Enter); // a walk-in: on to the first line
        assert_eq!(ed(&h).focus, Focus::Product(0));
        h.type_text(&code(0));
        h.press(KeyCode::Enter);
        h.type_text(&code(0));
        h.press(KeyCode::Enter);
        assert_eq!(ed(&h).sold().count(), 1, "one line");
        assert_eq!(ed(&h).lines[0].units(), Some(2), "scanned again: one more");
        // An EAN-13 with the right check digit that no product has: said, and kept.
        let unknown = stockroom::barcode::in_store_ean13(9_999_999);
        h.type_text(&unknown);
        h.press(KeyCode::Enter);
        let s = h.render();
        assert!(
            s.contains(&format!("No product has the barcode {unknown}")),
            "{s}"
        );
        assert_eq!(ed(&h).typed_here(), unknown, "what was typed stays");
        // A misread code: its check digit is named.
        h.press_with(KeyCode::Char('u'), KeyModifiers::CONTROL);
        let mut bad = code(1);
        let last = bad.pop().unwrap().to_digit(10).unwrap();
        bad.push(char::from_digit((last + 1) % 10, 10).unwrap());
        h.type_text(&bad);
        h.press(KeyCode::Enter);
        let s = h.render();
        assert!(
            s.contains("is not a valid EAN-13 code: its check digit should be"),
            "{s}"
        );
        assert_eq!(ed(&h).sold().count(), 1);
        // A scanner types two codes, each with Enter, faster than the lookups answer: each
        // Enter waits for its matches, the keys after it follow in order.
        h.press_with(KeyCode::Char('u'), KeyModifiers::CONTROL);
        for c in [code(1), code(2)] {
            for ch in c.chars() {
                h.feed(Msg::Key(KeyEvent::new(
                    KeyCode::Char(ch),
                    KeyModifiers::NONE,
                )));
            }
            h.feed(Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
        }
        h.settle();
        let sold: Vec<i32> = ed(&h).sold().map(|(_, _, c)| c.product_id).collect();
        assert_eq!(
            sold,
            vec![products[0].0, products[1].0, products[2].0],
            "in the order scanned"
        );
        assert_eq!(ed(&h).focus, Focus::Product(3));
        // Enter on the empty line sells; the counts are the ones shown.
        let left = stock(&t, store, products[0].0);
        h.press(KeyCode::Enter);
        h.press(KeyCode::Enter);
        assert!(h.render().contains("saved (3 lines,"), "{}", h.render());
        assert_eq!(stock(&t, store, products[0].0), left - 2);
    }
}

#[test]
fn a_upc_a_code_is_found_when_the_scanner_sends_it_as_an_ean_13() {
    let t = TestDb::sqlite();
    demo(&t);
    let (auth, _) = accounts::auth(&t);
    add(&auth, "root", Role::Administrator);
    let (store, _) = store_of(&t, 8);
    let product = in_stock(&t, store, 1)[0].0;
    stockroom::store::data::set(
        &auth,
        &cli(),
        "products",
        &stockroom::store::data::Key(vec![product]),
        None,
        &[stockroom::store::data::FieldChange {
            field: "barcode".into(),
            value: "036000291452".into(),
        }],
    )
    .unwrap();
    let mut h = clerk(&auth, "upc", Some(8), (80, 24));
    open_orders(&mut h);
    h.press(KeyCode::Char('n'));
    h.press(KeyCode::Enter);
    h.type_text("0036000291452");
    h.press(KeyCode::Enter);
    let sold: Vec<i32> = ed(&h).sold().map(|(_, _, c)| c.product_id).collect();
    assert_eq!(sold, vec![product]);
}

#[test]
fn every_picker_marks_with_up_and_down_and_takes_the_marked_one_with_enter() {
    let t = TestDb::sqlite();
    demo(&t);
    let (auth, _) = accounts::auth(&t);
    add(&auth, "root", Role::Administrator);
    let all_stores: Vec<(i32, String)> = stores::table
        .order(stores::store_id)
        .select((stores::store_id, stores::store_name))
        .load(&mut *t.db.conn().unwrap())
        .unwrap();
    for size in [(80, 24), (120, 40)] {
        // Not linked: the store and staff are picked too.
        let mut h = clerk(&auth, &format!("p{}", size.0), None, size);
        open_orders(&mut h);
        h.press(KeyCode::Char('n'));
        // The customer: ↓ ↓ ↑ marks the second match.
        h.type_text("an");
        let offered = match &ed(&h).current().unwrap().matches {
            stockroom::tui::tabs::orders::editor::Matches::Customers(c) => c.clone(),
            other => panic!("{other:?}"),
        };
        assert!(offered.len() >= 3);
        h.press(KeyCode::Down);
        h.press(KeyCode::Down);
        h.press(KeyCode::Up);
        let s = h.render();
        assert!(
            s.contains(&format!("› #{} ", offered[1].customer_id)),
            "the marked match has the marker: {s}"
        );
        h.press(KeyCode::Enter);
        assert_eq!(
            ed(&h).customer.chosen.as_ref().map(|c| c.id),
            Some(offered[1].customer_id)
        );
        // The store field lists every store; ↓ and Enter take the second.
        assert_eq!(ed(&h).focus, Focus::Store);
        let s = h.render();
        for (_, name) in &all_stores {
            assert!(s.contains(name.as_str()), "{s}");
        }
        h.press(KeyCode::Down);
        h.press(KeyCode::Enter);
        let store = all_stores[1].0;
        assert_eq!(ed(&h).store.chosen.as_ref().map(|c| c.id), Some(store));
        assert!(h.render().contains(&all_stores[1].1), "named, not an id");
        // The staff of that store; ↓ and Enter take the second.
        let staff: Vec<i32> = choose::staff_of(&auth, &cli(), store)
            .unwrap()
            .iter()
            .map(|s| s.0)
            .collect();
        assert_eq!(ed(&h).focus, Focus::Staff);
        h.press(KeyCode::Down);
        h.press(KeyCode::Enter);
        assert_eq!(ed(&h).staff.chosen.as_ref().map(|c| c.id), Some(staff[1]));
        // A product: ↓ and Enter take the second match; the quantity has the keyboard.
        h.type_text("trek");
        let products = match &ed(&h).current().unwrap().matches {
            stockroom::tui::tabs::orders::editor::Matches::Products(p) => p.clone(),
            other => panic!("{other:?}"),
        };
        h.press(KeyCode::Down);
        h.press(KeyCode::Enter);
        let line = ed(&h).lines[0].chosen.clone().unwrap();
        assert_eq!(line.product_id, products[1].product_id);
        assert_eq!(ed(&h).focus, Focus::Quantity(0));
        // The quantity shows 1, selected: typing replaces it.
        h.type_text("3");
        assert_eq!(ed(&h).lines[0].units(), Some(3));
        // Outside a list, ↑/↓ go to the field above or below.
        h.press(KeyCode::Up);
        assert_eq!(ed(&h).focus, Focus::Product(0));
        h.press(KeyCode::Esc);
        h.press(KeyCode::Char('y'));
        assert!(h.app.tab::<OrdersTab>().unwrap().editor.is_none());
    }
}

#[test]
fn a_long_sale_keeps_its_total_and_the_line_being_typed_in_view() {
    let t = TestDb::sqlite();
    demo(&t);
    let (auth, _) = accounts::auth(&t);
    add(&auth, "root", Role::Administrator);
    let (store, _) = store_of(&t, 8);
    let products = in_stock(&t, store, 1);
    assert!(products.len() >= 30);
    for (size, n) in [((80, 24), 12), ((120, 40), 30)] {
        let mut h = clerk(&auth, &format!("long{}", size.0), Some(8), size);
        open_orders(&mut h);
        h.press(KeyCode::Char('n'));
        h.press(KeyCode::Enter);
        for p in products.iter().take(n) {
            h.type_text(p.2.as_deref().unwrap());
            h.press(KeyCode::Enter);
        }
        assert_eq!(ed(&h).sold().count(), n);
        let s = h.render();
        assert!(s.contains(&format!("{n} lines · {n} items")), "{s}");
        assert!(s.contains("Running total"), "{s}");
        assert!(
            s.contains("lines above"),
            "the first lines scrolled away: {s}"
        );
        assert!(
            s.contains(&format!("›{} ▏", n + 1)),
            "the line being typed is in view: {s}"
        );
        assert!(
            s.contains(&products[n - 1].1),
            "the last product is in view: {s}"
        );
        // Back to the first line: it comes into view, the total stays.
        while ed(&h).focus != Focus::Product(0) {
            h.press(KeyCode::BackTab);
        }
        let s = h.render();
        assert!(s.contains(&products[0].1), "{s}");
        assert!(s.contains("Running total"), "{s}");
        h.press(KeyCode::Esc);
        h.press(KeyCode::Char('y'));
    }
}

#[test]
fn the_service_s_refusals_show_as_they_come_with_the_field_they_name() {
    let t = TestDb::sqlite();
    demo(&t);
    let (auth, _) = accounts::auth(&t);
    add(&auth, "root", Role::Administrator);
    let (store, _) = store_of(&t, 8);
    let p = in_stock(&t, store, 1)[0].clone();
    for size in [(80, 24), (120, 40)] {
        let mut h = clerk(&auth, &format!("r{}", size.0), Some(8), size);
        open_orders(&mut h);
        h.press(KeyCode::Char('n'));
        h.press(KeyCode::Enter);
        h.type_text(&p.1);
        h.press(KeyCode::Enter);
        h.type_text("100001");
        let orders_before = count(&t, "orders");
        h.press_with(KeyCode::Char('s'), KeyModifiers::CONTROL);
        h.press(KeyCode::Enter);
        let s = h.render();
        assert!(
            s.contains("quantity 100001 is not a number from 1 to 100,000"),
            "{s}"
        );
        assert_eq!(ed(&h).focus, Focus::Quantity(0), "the line it names");
        assert_eq!(count(&t, "orders"), orders_before);
        // The clerk's staff record is deactivated meanwhile: the service says so and the
        // staff field has the keyboard.
        h.press_with(KeyCode::Char('u'), KeyModifiers::CONTROL);
        h.type_text("1");
        diesel::update(staffs::table.find(8))
            .set(staffs::active.eq(false))
            .execute(&mut *t.db.conn().unwrap())
            .unwrap();
        h.press_with(KeyCode::Char('s'), KeyModifiers::CONTROL);
        h.press(KeyCode::Enter);
        let s = h.render();
        assert!(s.contains("staff member 8 is not active"), "{s}");
        assert_eq!(ed(&h).focus, Focus::Staff);
        assert_eq!(count(&t, "orders"), orders_before);
        diesel::update(staffs::table.find(8))
            .set(staffs::active.eq(true))
            .execute(&mut *t.db.conn().unwrap())
            .unwrap();
        // Text left unpicked is named before anything is sent.
        h.press(KeyCode::BackTab);
        h.press(KeyCode::BackTab);
        assert_eq!(ed(&h).focus, Focus::Customer);
        h.type_text("nobody at all here");
        h.press_with(KeyCode::Char('s'), KeyModifiers::CONTROL);
        let s = h.render();
        assert!(s.contains("is not picked yet"), "{s}");
        assert_eq!(ed(&h).focus, Focus::Customer);
        h.press(KeyCode::Esc);
        let s = h.render();
        assert!(
            s.contains("Drop this order? y drops it; any other key keeps it."),
            "whole at {size:?}: {s}"
        );
        h.press(KeyCode::Char('y'));
    }
}
