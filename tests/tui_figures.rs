//! The Dashboard's figures are current, driven by keys into the real app at 80×24 and
//! 120×40: refreshed when the tab is shown again after a sale or a reject in this terminal,
//! every minute while shown, with the time they were read; opened on a linked employee's
//! store; amounts on the month bars; `[` and `]` stay within the months with orders.

mod common;

use crossterm::event::KeyCode;
use diesel::prelude::*;
use stockroom::auth::{Auth, Role};
use stockroom::db::schema::{staffs, stocks, stores};
use stockroom::store::demo::{DemoOptions, load};
use stockroom::store::orders::{self, NewLine, NewOrder, OrderStatus};
use stockroom::tui::harness::Harness;
use stockroom::tui::tabs::dashboard::{DashboardTab, REFRESH_TICKS, thousands};
use stockroom::tui::theme::ThemeName;
use stockroom::worker::CancelToken;

use common::TestDb;
use common::accounts::{self, PASSWORD, add, cli};

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

fn demo(t: &TestDb) {
    load(
        &t.db,
        &DemoOptions {
            scale: 1,
            seed: 11,
            replace: false,
        },
        &CancelToken::new(),
        &mut |_| {},
    )
    .unwrap();
}

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
    h.settle_until(|a| a.tab::<DashboardTab>().is_some_and(|d| d.figures.is_some()));
    h
}

fn dash(h: &Harness) -> &DashboardTab {
    h.app.tab::<DashboardTab>().unwrap()
}

fn orders_shown(h: &Harness) -> u64 {
    dash(h).figures.as_ref().unwrap().orders
}

fn rejected_shown(h: &Harness) -> u64 {
    dash(h)
        .figures
        .as_ref()
        .unwrap()
        .orders_by_status
        .iter()
        .find(|(s, _)| *s == OrderStatus::Rejected)
        .unwrap()
        .1
}

fn open(h: &mut Harness, title: &str) {
    let n = h.app.tabs().iter().position(|t| *t == title).unwrap() + 1;
    h.press(KeyCode::Char(char::from_digit(n as u32, 10).unwrap()));
}

fn store_of(t: &TestDb, staff: i32) -> (i32, String) {
    staffs::table
        .inner_join(stores::table)
        .filter(staffs::staff_id.eq(staff))
        .select((stores::store_id, stores::store_name))
        .first(&mut *t.db.conn().unwrap())
        .unwrap()
}

fn a_product_with_a_code(t: &TestDb, store: i32) -> (i32, String) {
    use stockroom::db::schema::products;
    stocks::table
        .inner_join(products::table)
        .filter(stocks::store_id.eq(store))
        .filter(stocks::quantity.ge(3))
        .select((products::product_id, products::barcode.assume_not_null()))
        .first(&mut *t.db.conn().unwrap())
        .unwrap()
}

#[test]
fn the_dashboard_is_read_again_after_a_sale_or_a_reject_here_and_every_minute_and_says_when() {
    let t = TestDb::sqlite();
    demo(&t);
    let (auth, _) = accounts::auth(&t);
    add(&auth, "root", Role::Administrator);
    let (store, store_name) = store_of(&t, 8);
    let (product, code) = a_product_with_a_code(&t, store);
    for (i, size) in SIZES.into_iter().enumerate() {
        let mut h = clerk(&auth, &format!("dash{i}"), Some(8), size);
        let s = h.render();
        assert!(s.contains("as of "), "{s}");
        assert!(s.contains(&store_name), "opened on the clerk's store: {s}");
        // All time, so a sale today shows.
        for _ in 0..3 {
            h.press(KeyCode::Char('p'));
        }
        assert!(h.render().contains("all time"), "{}", h.render());
        let before = orders_shown(&h);
        // A sale in this terminal: shown when the Dashboard is shown again, without `r`.
        open(&mut h, "Orders");
        h.press(KeyCode::Char('n'));
        h.press(KeyCode::Enter);
        h.type_text(&code);
        h.press(KeyCode::Enter);
        h.press(KeyCode::Enter);
        h.press(KeyCode::Enter);
        assert!(h.render().contains("saved (1 line,"), "{}", h.render());
        open(&mut h, "Dashboard");
        assert_eq!(orders_shown(&h), before + 1);
        // A reject too.
        let rejected = rejected_shown(&h);
        open(&mut h, "Orders");
        h.press(KeyCode::Enter);
        h.press(KeyCode::Char('x'));
        h.press(KeyCode::Char('y'));
        assert!(h.render().contains("is now Rejected"), "{}", h.render());
        open(&mut h, "Dashboard");
        assert_eq!(rejected_shown(&h), rejected + 1);
        // Another terminal's sale shows within a minute while the tab is shown.
        orders::create(
            &auth,
            &cli(),
            &NewOrder {
                customer_id: None,
                store_id: store,
                staff_id: 8,
                lines: vec![NewLine {
                    product_id: product,
                    quantity: 1,
                    discount_bp: 0,
                }],
            },
        )
        .unwrap();
        for _ in 0..REFRESH_TICKS - 1 {
            h.tick();
        }
        assert_eq!(orders_shown(&h), before + 1, "not yet a minute");
        h.tick();
        assert_eq!(orders_shown(&h), before + 2, "read again after a minute");
        assert!(dash(&h).as_of.is_some());
    }
}

#[test]
fn a_linked_employee_opens_on_their_store_and_s_still_switches() {
    let t = TestDb::sqlite();
    demo(&t);
    let (auth, _) = accounts::auth(&t);
    add(&auth, "root", Role::Administrator);
    let (store, name) = store_of(&t, 8);
    for (i, size) in SIZES.into_iter().enumerate() {
        let mut h = clerk(&auth, &format!("linked{i}"), Some(8), size);
        assert_eq!(dash(&h).store, Some(store));
        assert!(
            h.render().contains(&format!("· {name} ·")),
            "{}",
            h.render()
        );
        let mut seen = vec![dash(&h).store];
        for _ in 0..4 {
            h.press(KeyCode::Char('s'));
            seen.push(dash(&h).store);
        }
        assert!(seen.contains(&None), "all stores on the way: {seen:?}");
        // Unlinked, all stores.
        let mut h = clerk(&auth, &format!("unlinked{i}"), None, size);
        assert_eq!(dash(&h).store, None);
        assert!(h.render().contains("all stores"));
    }
}

#[test]
fn the_month_bars_carry_their_amounts_and_the_brackets_stay_within_the_orders() {
    let t = TestDb::sqlite();
    demo(&t);
    let (auth, _) = accounts::auth(&t);
    add(&auth, "root", Role::Administrator);
    for (i, size) in SIZES.into_iter().enumerate() {
        let mut h = clerk(&auth, &format!("bars{i}"), None, size);
        let s = h.render();
        let fig = dash(&h).figures.clone().unwrap();
        // The latest months' amounts are on their bars (in thousands).
        for (_, cents) in fig.by_month.iter().rev().take(6) {
            assert!(
                s.contains(&thousands(*cents)),
                "{} on a bar: {s}",
                thousands(*cents)
            );
        }
        // The best staff's names are whole, and no "1 orders".
        for (name, _, _) in fig.top_staff.iter().take(3) {
            assert!(s.contains(name.as_str()), "{name}: {s}");
        }
        assert!(!s.contains(" 1 orders"), "{s}");
        // The latest month with orders is the last `]` goes to.
        let period = dash(&h).period;
        h.press(KeyCode::Char(']'));
        assert_eq!(dash(&h).period, period);
        assert!(
            h.render().contains("this is the latest period with orders"),
            "{}",
            h.render()
        );
        // `[` goes back to the first month with orders, and no further.
        let (first, _) = dash(&h).span.unwrap();
        for _ in 0..60 {
            h.press(KeyCode::Char('['));
        }
        let (start, _) = dash(&h).period.unwrap().bounds().unwrap();
        assert_eq!(start, first.with_day(1).unwrap());
        assert!(
            h.render()
                .contains("this is the earliest period with orders"),
            "{}",
            h.render()
        );
    }
}

use chrono::Datelike;
