//! The Dashboard and Orders tabs driven by keys over a real store: a new order sold end to
//! end with a customer search and a product search, a short-stock refusal that keeps what was
//! typed, status changes, and the Dashboard at 80×24 and 200×60 in both themes.

mod common;

use crossterm::event::{KeyCode, KeyModifiers};
use diesel::prelude::*;
use stockroom::auth::Role;
use stockroom::db::schema::stocks;
use stockroom::store::demo::{DemoOptions, load};
use stockroom::tui::harness::Harness;
use stockroom::tui::tabs::dashboard::DashboardTab;
use stockroom::tui::tabs::orders::OrdersTab;
use stockroom::tui::tabs::orders::editor::Focus;
use stockroom::tui::theme::ThemeName;
use stockroom::worker::CancelToken;

use common::accounts::{self, PASSWORD, add};
use common::{TestDb, count};

fn demo(t: &TestDb) {
    load(
        &t.db,
        &DemoOptions {
            scale: 1,
            seed: 5,
            replace: false,
        },
        &CancelToken::new(),
        &mut |_| {},
    )
    .unwrap();
}

fn signed_in(t: &TestDb, dir: &std::path::Path, who: &str, size: (u16, u16)) -> Harness {
    let (auth, _) = accounts::auth(t);
    if count(t, "users") == 0 {
        add(&auth, "root", Role::Administrator);
    }
    add(&auth, who, Role::Employee);
    let mut h = Harness::new(
        auth,
        Harness::options(ThemeName::Dark, dir.join("c.toml")),
        size.0,
        size.1,
    );
    h.type_text(who);
    h.press(KeyCode::Enter);
    h.type_text(PASSWORD);
    h.press(KeyCode::Enter);
    h
}

fn open(h: &mut Harness, title: &str) {
    let n = h.app.tabs().iter().position(|t| *t == title).unwrap() + 1;
    h.press(KeyCode::Char(char::from_digit(n as u32, 10).unwrap()));
}

#[test]
fn a_clerk_sells_with_searches_and_is_told_when_stock_is_short() {
    let t = TestDb::sqlite();
    demo(&t);
    let dir = tempfile::tempdir().unwrap();
    let mut h = signed_in(&t, dir.path(), "emil", (120, 40));
    open(&mut h, "Orders");
    assert!(h.render().contains("newest first"), "{}", h.render());
    // A product of store 1 with stock, and one of its staff.
    let (product, left): (i32, i32) = stocks::table
        .filter(stocks::store_id.eq(1))
        .filter(stocks::quantity.gt(1))
        .select((stocks::product_id, stocks::quantity))
        .first(&mut *t.db.conn().unwrap())
        .unwrap();
    let customer_name: String = {
        use stockroom::db::schema::customers::dsl::*;
        customers
            .find(1)
            .select(last_name)
            .first(&mut *t.db.conn().unwrap())
            .unwrap()
    };
    let orders_before = count(&t, "orders");
    h.press(KeyCode::Char('n'));
    // The customer by name: Enter takes the marked (first) match, named on the form.
    h.type_text(&customer_name);
    let s = h.render();
    assert!(s.contains("#") && s.contains(&customer_name), "{s}");
    h.press(KeyCode::Enter);
    let chosen = form(&h)
        .customer
        .chosen
        .clone()
        .expect("a customer is taken");
    assert!(chosen.name.contains(&customer_name), "{chosen:?}");
    // ... and the store field has the keyboard, so nothing typed next reaches the customer.
    assert_eq!(form(&h).focus, Focus::Store);
    // A store by part of its name picks that store, not the first one listed.
    let second: String = stockroom::db::schema::stores::table
        .find(2)
        .select(stockroom::db::schema::stores::store_name)
        .first(&mut *t.db.conn().unwrap())
        .unwrap();
    h.type_text(&second[..4].to_lowercase());
    h.press(KeyCode::Enter);
    assert_eq!(form(&h).store.chosen.as_ref().map(|c| c.id), Some(2));
    assert!(h.render().contains(&second), "the store shows by name");
    // Back to the store field: typing replaces the name shown; store 1 by id.
    h.press(KeyCode::BackTab);
    assert_eq!(form(&h).focus, Focus::Store);
    h.type_text("1");
    h.press(KeyCode::Enter);
    assert_eq!(form(&h).store.chosen.as_ref().map(|c| c.id), Some(1));
    // Staff of store 1 offered; Enter takes the marked one.
    assert_eq!(form(&h).focus, Focus::Staff);
    h.press(KeyCode::Enter);
    assert!(form(&h).staff.chosen.is_some());
    assert_eq!(form(&h).focus, Focus::Product(0));
    // Line 1: the product by id shows its price and what is left.
    h.type_text(&product.to_string());
    let s = h.render();
    assert!(s.contains(&format!("{left} left")), "{s}");
    h.press(KeyCode::Enter);
    assert_eq!(form(&h).focus, Focus::Quantity(0));
    // More than is left: refused, what was typed stays.
    h.type_text(&(left + 1).to_string());
    h.press_with(KeyCode::Char('s'), KeyModifiers::CONTROL);
    // The pay stage: Enter pays by card; the service refuses and the lines come back.
    h.press(KeyCode::Enter);
    let s = h.render();
    assert!(
        s.contains("not enough stock") && s.contains(&format!("{left} left")),
        "{s}"
    );
    assert!(
        h.app.tab::<OrdersTab>().unwrap().editor.is_some(),
        "the form stays"
    );
    assert_eq!(count(&t, "orders"), orders_before);
    // Fix the quantity and sell: Enter on the empty line after it.
    assert_eq!(form(&h).focus, Focus::Quantity(0));
    h.press_with(KeyCode::Char('u'), KeyModifiers::CONTROL);
    h.type_text("1");
    let s = h.render();
    assert!(s.contains("Running total"), "{s}");
    h.press(KeyCode::Enter);
    assert_eq!(form(&h).focus, Focus::Product(1));
    h.press(KeyCode::Enter);
    assert!(h.render().contains("Pay by"), "{}", h.render());
    h.press(KeyCode::Enter);
    let s = h.render();
    assert!(s.contains("saved (1 line,"), "{s}");
    assert_eq!(count(&t, "orders"), orders_before + 1);
    let now: i32 = stocks::table
        .find((1, product))
        .select(stocks::quantity)
        .first(&mut *t.db.conn().unwrap())
        .unwrap();
    assert_eq!(now, left - 1);
    // The receipt shows after the sale; Enter puts it away.
    assert!(h.render().contains("Receipt of order"), "{}", h.render());
    h.press(KeyCode::Enter);
    // Open it and move it on; rejecting asks first and puts the stock back.
    h.press(KeyCode::Enter);
    assert!(h.render().contains("Pending"), "{}", h.render());
    h.press(KeyCode::Char('c'));
    assert!(
        h.render().contains("only from Processing"),
        "{}",
        h.render()
    );
    h.press(KeyCode::Char('p'));
    assert!(h.render().contains("is now Processing"), "{}", h.render());
    h.press(KeyCode::Char('x'));
    h.press(KeyCode::Char('y'));
    assert!(h.render().contains("is now Rejected"), "{}", h.render());
    let back: i32 = stocks::table
        .find((1, product))
        .select(stocks::quantity)
        .first(&mut *t.db.conn().unwrap())
        .unwrap();
    assert_eq!(back, left);
}

#[test]
fn the_dashboard_draws_at_80x24_and_200x60_in_both_themes() {
    let t = TestDb::sqlite();
    demo(&t);
    let dir = tempfile::tempdir().unwrap();
    for (theme, tag) in [(ThemeName::Dark, "dark"), (ThemeName::Light, "light")] {
        for (w, hgt) in [(80u16, 24u16), (200, 60)] {
            let who = format!("d{tag}{w}");
            let mut h = signed_in(&t, dir.path(), &who, (w, hgt));
            if theme == ThemeName::Light {
                h.press_with(KeyCode::Char('t'), KeyModifiers::CONTROL);
            }
            // The Dashboard is the first tab: it loads when shown.
            h.settle_until(|a| a.tab::<DashboardTab>().is_some_and(|d| d.figures.is_some()));
            let s = h.render().replace(&who, "emil");
            assert!(s.contains("Revenue") && s.contains("Target"), "{s}");
            assert!(s.contains("Revenue by month"), "{s}");
            common::snapshot_file(&format!("dashboard_{tag}_{w}x{hgt}"), &s);
            // Keys that arrive together (over SSH they do) each count: three months back.
            let before = h.app.tab::<DashboardTab>().unwrap().period.unwrap();
            for _ in 0..3 {
                h.feed(stockroom::tui::app::Msg::Key(
                    crossterm::event::KeyEvent::new(KeyCode::Char('['), KeyModifiers::NONE),
                ));
            }
            h.settle();
            let after = h
                .app
                .tab::<DashboardTab>()
                .unwrap()
                .figures
                .as_ref()
                .unwrap()
                .period;
            assert_eq!(after, before.previous().previous().previous());
            for _ in 0..3 {
                h.press(KeyCode::Char(']'));
            }
            // The period moves back, and all time shows everything.
            h.press(KeyCode::Char('['));
            h.press(KeyCode::Char('p'));
            h.press(KeyCode::Char('p'));
            h.press(KeyCode::Char('p'));
            assert!(h.render().contains("all time"), "{}", h.render());
            // Counts in thousands are grouped as money is.
            let all = stockroom::store::money::group_digits(common::count(&t, "orders") as u64);
            assert!(all.contains(','), "the demo has over 999 orders");
            assert!(
                h.render().contains(&format!("Orders    {all} ·")),
                "{}",
                h.render()
            );
        }
    }
}

fn form(h: &Harness) -> &stockroom::tui::tabs::orders::editor::Editor {
    h.app
        .tab::<OrdersTab>()
        .unwrap()
        .editor
        .as_ref()
        .expect("the new-order form is open")
}

#[test]
fn a_linked_clerk_sells_from_their_store_finds_customers_by_full_name_and_is_asked_before_dropping()
{
    let t = TestDb::sqlite();
    demo(&t);
    let dir = tempfile::tempdir().unwrap();
    let mut h = signed_in(&t, dir.path(), "emil", (120, 40));
    // emil works as staff member 3 (linked after signing in: the form reads it when opened).
    let (auth, _) = accounts::auth(&t);
    auth.link_staff(&accounts::cli(), "emil", Some(3)).unwrap();
    let (store, first, last): (i32, String, String) = {
        use stockroom::db::schema::staffs::dsl::*;
        staffs
            .find(3)
            .select((store_id, first_name, last_name))
            .first(&mut *t.db.conn().unwrap())
            .unwrap()
    };
    open(&mut h, "Orders");
    h.press(KeyCode::Char('n'));
    assert_eq!(form(&h).store.chosen.as_ref().map(|c| c.id), Some(store));
    assert_eq!(form(&h).staff.chosen.as_ref().map(|c| c.id), Some(3));
    let s = h.render();
    assert!(
        s.contains(&format!("{first} {last}")) && s.contains("(you)"),
        "{s}"
    );
    // Nothing typed yet: Esc closes the form at once.
    h.press(KeyCode::Esc);
    assert!(h.app.tab::<OrdersTab>().unwrap().editor.is_none());

    // A customer found by first and last name together.
    let (cid, cfirst, clast): (i32, String, String) = {
        use stockroom::db::schema::customers::dsl::*;
        customers
            .find(7)
            .select((customer_id, first_name, last_name))
            .first(&mut *t.db.conn().unwrap())
            .unwrap()
    };
    h.press(KeyCode::Char('n'));
    h.type_text(&format!("{} {}", cfirst.to_uppercase(), clast));
    let s = h.render();
    assert!(s.contains(&format!("#{cid} {cfirst} {clast}")), "{s}");
    // Esc with something typed asks; any other key keeps the form as it was.
    h.press(KeyCode::Esc);
    let s = h.render();
    assert!(s.contains("Drop this order?"), "{s}");
    assert!(
        !s.contains("q quit"),
        "the hint bar offers no letter key while the form takes text: {s}"
    );
    h.press(KeyCode::Char('n'));
    assert_eq!(
        form(&h).customer.input.value,
        format!("{} {}", cfirst.to_uppercase(), clast)
    );
    assert!(h.render().contains("The order is still here"));
    h.press(KeyCode::Esc);
    h.press(KeyCode::Char('y'));
    assert!(h.app.tab::<OrdersTab>().unwrap().editor.is_none());
    assert!(h.render().contains("Nothing was sold"), "{}", h.render());
}

#[test]
fn rejecting_a_final_order_is_refused_at_once_without_a_question() {
    use stockroom::db::schema::orders::dsl::*;
    let t = TestDb::sqlite();
    demo(&t);
    let dir = tempfile::tempdir().unwrap();
    let completed: i32 = orders
        .filter(order_status.eq(4))
        .select(order_id)
        .order(order_id.desc())
        .first(&mut *t.db.conn().unwrap())
        .unwrap();
    let mut h = signed_in(&t, dir.path(), "emil", (120, 40));
    open(&mut h, "Orders");
    h.press(KeyCode::Char('/'));
    h.type_text(&completed.to_string());
    h.press(KeyCode::Enter);
    h.press(KeyCode::Enter);
    assert!(h.render().contains("Completed"), "{}", h.render());
    h.press(KeyCode::Char('x'));
    let s = h.render();
    assert!(!s.contains("Reject order"), "{s}");
    assert!(s.contains("Completed is final"), "{s}");
}

#[test]
fn orders_are_narrowed_to_a_store_and_days_and_esc_shows_them_all_again() {
    use stockroom::db::schema::orders::dsl::*;
    let t = TestDb::sqlite();
    demo(&t);
    let dir = tempfile::tempdir().unwrap();
    let mut h = signed_in(&t, dir.path(), "emil", (120, 40));
    open(&mut h, "Orders");
    let total = |h: &Harness| {
        h.app
            .tab::<OrdersTab>()
            .unwrap()
            .page
            .as_ref()
            .unwrap()
            .total as i64
    };
    assert_eq!(total(&h), count(&t, "orders"));
    let first_store: (i32, String) = {
        use stockroom::db::schema::stores;
        stores::table
            .order(stores::store_id)
            .select((stores::store_id, stores::store_name))
            .first(&mut *t.db.conn().unwrap())
            .unwrap()
    };
    h.press(KeyCode::Char('s'));
    let s = h.render();
    assert!(s.contains(&format!("store {}", first_store.1)), "{s}");
    let in_store: i64 = orders
        .filter(store_id.eq(first_store.0))
        .count()
        .get_result(&mut *t.db.conn().unwrap())
        .unwrap();
    assert_eq!(total(&h), in_store);
    // A month typed wrongly is refused in words; then April 2018.
    h.press(KeyCode::Char('d'));
    h.type_text("2018-13");
    h.press(KeyCode::Enter);
    assert!(h.render().contains("is not a date"), "{}", h.render());
    h.press_with(KeyCode::Char('u'), KeyModifiers::CONTROL);
    h.type_text("2018-04");
    h.press(KeyCode::Enter);
    let d = |m, day| chrono::NaiveDate::from_ymd_opt(2018, m, day).unwrap();
    let april: i64 = orders
        .filter(store_id.eq(first_store.0))
        .filter(order_date.ge(d(4, 1)))
        .filter(order_date.le(d(4, 30)))
        .count()
        .get_result(&mut *t.db.conn().unwrap())
        .unwrap();
    assert!(april > 0);
    assert_eq!(total(&h), april);
    assert!(
        h.render().contains("2018-04-01 to 2018-04-30"),
        "{}",
        h.render()
    );
    for o in &h
        .app
        .tab::<OrdersTab>()
        .unwrap()
        .page
        .as_ref()
        .unwrap()
        .orders
    {
        assert!(o.order_date >= d(4, 1) && o.order_date <= d(4, 30));
    }
    h.press(KeyCode::Esc);
    assert_eq!(total(&h), count(&t, "orders"));
}

#[test]
fn a_new_customer_is_added_at_the_till_by_an_employee_and_becomes_the_order_s_customer() {
    use stockroom::db::schema::customers::dsl::*;
    let t = TestDb::sqlite();
    demo(&t);
    let dir = tempfile::tempdir().unwrap();
    let mut h = signed_in(&t, dir.path(), "emil", (120, 40));
    open(&mut h, "Orders");
    h.press(KeyCode::Char('n'));
    h.type_text("Zoë Quintana-Ruiz");
    assert!(
        h.render().contains("Ctrl-N adds a new customer"),
        "{}",
        h.render()
    );
    h.press_with(KeyCode::Char('n'), KeyModifiers::CONTROL);
    let s = h.render();
    assert!(s.contains("New customer"), "{s}");
    // The name typed is split into first and last name; the e-mail has the keyboard.
    let nc = form(&h).new_customer.as_ref().unwrap();
    assert_eq!(
        (nc.value(0), nc.value(1), nc.focus),
        ("Zoë", "Quintana-Ruiz", 2)
    );
    // A malformed e-mail is refused naming the field; nothing is written.
    let before = count(&t, "customers");
    h.type_text("not-an-address");
    h.press(KeyCode::Enter);
    h.type_text("555-0100");
    h.press(KeyCode::Enter);
    assert!(h.render().contains("email"), "{}", h.render());
    assert_eq!(count(&t, "customers"), before);
    h.press(KeyCode::BackTab);
    h.press_with(KeyCode::Char('u'), KeyModifiers::CONTROL);
    h.type_text("zoe@example.com");
    h.press(KeyCode::Enter);
    h.press(KeyCode::Enter);
    let s = h.render();
    assert!(s.contains("added; they are this order's customer"), "{s}");
    assert_eq!(count(&t, "customers"), before + 1);
    let (id, mail): (i32, String) = customers
        .filter(last_name.eq("Quintana-Ruiz"))
        .select((customer_id, email))
        .first(&mut *t.db.conn().unwrap())
        .unwrap();
    assert_eq!(mail, "zoe@example.com");
    assert_eq!(form(&h).customer.chosen.as_ref().map(|c| c.id), Some(id));
    assert!(
        h.render().contains("Zoë Quintana-Ruiz"),
        "named: {}",
        h.render()
    );
    assert_eq!(form(&h).focus, Focus::Store);
    assert!(form(&h).new_customer.is_none());
    // Audited as an addition by the clerk.
    let n: i64 = {
        use stockroom::db::schema::audit_events;
        audit_events::table
            .filter(audit_events::actor.eq("emil"))
            .filter(audit_events::details.like("%customers%"))
            .count()
            .get_result(&mut *t.db.conn().unwrap())
            .unwrap()
    };
    assert_eq!(n, 1);
}
