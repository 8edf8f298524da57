//! Space and words at 80×24 and 120×40, driven by keys into the real app: the status line
//! wraps between words and never cuts a number; the Orders line of filters wraps; Orders and
//! Audit use the height (and read again at a new size); an audit event's details are wrapped
//! whole; a locked account's state leaves the Users columns in view.

mod common;

use crossterm::event::KeyCode;
use stockroom::auth::{Auth, Role};
use stockroom::store::demo::{DemoOptions, load};
use stockroom::tui::harness::Harness;
use stockroom::tui::tabs::audit::AuditTab;
use stockroom::tui::tabs::orders::OrdersTab;
use stockroom::tui::theme::ThemeName;
use stockroom::tui::widgets::page::page_rows;
use stockroom::worker::CancelToken;

use common::TestDb;
use common::accounts::{self, PASSWORD, add, cli};
use common::admin::{admin_harness_sized, open};

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

fn demo(t: &TestDb) {
    load(
        &t.db,
        &DemoOptions {
            scale: 1,
            seed: 3,
            replace: false,
        },
        &CancelToken::new(),
        &mut |_| {},
    )
    .unwrap();
}

fn signed_in(auth: &Auth, who: &str, size: (u16, u16)) -> Harness {
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
    h
}

/// The rows between the tab and the hint bar that hold the status line, joined.
fn status(screen: &str, rows: usize) -> String {
    let lines: Vec<&str> = screen.lines().collect();
    let n = lines.len();
    lines[n - 2 - rows..n - 2]
        .iter()
        .map(|l| l.trim())
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn a_long_message_wraps_between_words_and_keeps_its_numbers_whole() {
    let t = TestDb::sqlite();
    demo(&t);
    let (auth, _) = accounts::auth(&t);
    add(&auth, "root", Role::Administrator);
    add(&auth, "emil", Role::Employee);
    for size in SIZES {
        let mut h = signed_in(&auth, "emil", size);
        open(&mut h, "Reports");
        h.press(KeyCode::Char('c'));
        h.type_text("1");
        h.press(KeyCode::Enter);
        h.settle_until(|a| {
            a.notice
                .as_ref()
                .is_some_and(|n| n.text.contains("written"))
        });
        let text = h.app.notice.clone().unwrap().text;
        let s = h.render();
        let shown = status(&s, 2);
        assert!(
            shown.contains(&text),
            "the whole message `{text}` is on screen: {s}"
        );
        assert!(text.contains(" page, ") && text.contains(" KB); o copies its path."));
        for line in s.lines() {
            assert!(line.chars().count() <= size.0 as usize);
        }
    }
}

#[test]
fn the_orders_filters_wrap_and_the_lists_use_the_height() {
    let t = TestDb::sqlite();
    demo(&t);
    let (auth, _) = accounts::auth(&t);
    add(&auth, "root", Role::Administrator);
    add(&auth, "emil", Role::Employee);
    // A store, three months and a search: every part whole, at either size.
    let filter = |h: &mut Harness| {
        open(h, "Orders");
        h.press(KeyCode::Char('s'));
        h.press(KeyCode::Char('d'));
        h.type_text("2018-01..2018-03");
        h.press(KeyCode::Enter);
        h.press(KeyCode::Char('/'));
        h.type_text("a");
        h.press(KeyCode::Enter);
        let s = h.render();
        assert!(s.contains("2018-01-01 to 2018-03-31"), "{s}");
        assert!(s.contains("search “a”"), "{s}");
    };
    filter(&mut signed_in(&auth, "emil", (120, 40)));
    let mut h = signed_in(&auth, "emil", (80, 24));
    filter(&mut h);
    // From 80×24 to 120×40: the page read again with the rows the height holds.
    let rows = |h: &Harness| {
        h.app
            .tab::<OrdersTab>()
            .unwrap()
            .page
            .as_ref()
            .unwrap()
            .orders
            .len() as u64
    };
    h.press(KeyCode::Esc);
    assert_eq!(rows(&h), page_rows((80, 24)));
    h.resize(120, 40);
    h.settle();
    assert_eq!(rows(&h), page_rows((120, 40)));
    assert_eq!(page_rows((120, 40)), 28);
    let s = h.render();
    assert!(s.contains("orders 1–28 of"), "{s}");
}

#[test]
fn audit_uses_the_height_and_its_details_are_wrapped_whole() {
    for size in SIZES {
        let t = TestDb::sqlite();
        let dir = tempfile::tempdir().unwrap();
        let (mut h, auth, _) = admin_harness_sized(&t, dir.path(), ThemeName::Dark, (80, 24));
        // Enough events for a tall page, and one with long details.
        for _ in 0..30 {
            let _ = auth.begin_sign_in("nobody", "wrong");
        }
        let long = format!("{}END-OF-THE-NAME", "Very long category name ".repeat(8));
        stockroom::store::data::add(
            &auth,
            &cli(),
            "categories",
            &[stockroom::store::data::FieldChange {
                field: "category_name".into(),
                value: long.clone(),
            }],
        )
        .unwrap();
        open(&mut h, "Audit");
        h.resize(size.0, size.1);
        h.settle();
        let shown = h.app.tab::<AuditTab>().unwrap().events.len() as u64;
        assert_eq!(shown, page_rows(size), "{}", h.render());
        // The newest event is the addition: its details, wrapped, end on screen.
        h.press(KeyCode::Home);
        h.press(KeyCode::Enter);
        let s = h.render();
        assert!(s.contains("END-OF-THE-NAME"), "{s}");
        assert!(s.contains("Any key closes."), "{s}");
    }
}

#[test]
fn a_locked_account_leaves_the_users_columns_in_view() {
    for size in SIZES {
        let t = TestDb::sqlite();
        let dir = tempfile::tempdir().unwrap();
        let (mut h, auth, _) = admin_harness_sized(&t, dir.path(), ThemeName::Dark, size);
        add(&auth, "clerk05", Role::Employee);
        for _ in 0..5 {
            let _ = auth.begin_sign_in("clerk05", "wrong password");
        }
        open(&mut h, "Users");
        h.press(KeyCode::Char('g'));
        let s = h.render();
        let row = s
            .lines()
            .find(|l| l.contains("clerk05"))
            .expect("the account is listed");
        assert!(row.contains("locked to "), "{row}");
        assert!(!row.contains("active, locked"), "{row}");
        let header = s.lines().find(|l| l.contains("username")).unwrap();
        for col in ["role", "state", "2FA", "staff", "last sign-in"] {
            assert!(header.contains(col), "{col} in view: {header}");
        }
    }
}
