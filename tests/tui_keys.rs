//! Keys that must always work and forms that do not surprise, driven by keys into the real
//! app at 80×24 and 120×40: Ctrl-L and Ctrl-O win over every tab and form (and over a
//! `[keys]` binding's letters, which still type); forms reopen with the last entry selected,
//! so typing replaces it; a changed Data form asks before Esc drops it; every tab's help
//! lists its keys; `/` narrows the Data tab's tables; an empty store says what each role can
//! do about it.

mod common;

use crossterm::event::{KeyCode, KeyModifiers};
use stockroom::auth::{Auth, Role};
use stockroom::tui::app::Screen;
use stockroom::tui::harness::Harness;
use stockroom::tui::keymap::KeyMap;
use stockroom::tui::tabs::data::DataTab;
use stockroom::tui::tabs::etl::EtlTab;
use stockroom::tui::tabs::reports::{FROM, ReportsTab, STORE};
use stockroom::tui::theme::ThemeName;

use common::TestDb;
use common::accounts::{self, PASSWORD, add};
use common::admin::{admin_harness_sized, open};

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

/// `who` (no 2FA) signed in on a harness of `size`, with `[keys]` overrides.
fn signed_in(auth: &Auth, who: &str, size: (u16, u16), keys: &[(&str, &str)]) -> Harness {
    let dir = tempfile::tempdir().unwrap().keep();
    let mut opts = Harness::options(ThemeName::Dark, dir.join("c.toml"));
    let overrides = keys
        .iter()
        .map(|(k, a)| (k.to_string(), a.to_string()))
        .collect();
    opts.keymap = KeyMap::with_overrides(&overrides).unwrap();
    let mut h = Harness::new(auth.clone(), opts, size.0, size.1);
    h.type_text(who);
    h.press(KeyCode::Enter);
    h.type_text(PASSWORD);
    h.press(KeyCode::Enter);
    assert!(
        matches!(h.app.screen, Screen::Main { .. }),
        "{}",
        h.render()
    );
    h
}

fn ctrl(h: &mut Harness, c: char) {
    h.press_with(KeyCode::Char(c), KeyModifiers::CONTROL);
}

/// Ctrl-L locks, whatever is in front; the password unlocks to the same tab.
fn locks_and_comes_back(h: &mut Harness, what: &str) {
    let before = h.app.screen.clone();
    ctrl(h, 'l');
    assert!(
        matches!(h.app.screen, Screen::Lock(_)),
        "Ctrl-L locks on {what}: {}",
        h.render()
    );
    h.type_text(PASSWORD);
    h.press(KeyCode::Enter);
    assert_eq!(h.app.screen, before, "back where it was on {what}");
}

#[test]
fn ctrl_l_and_ctrl_o_win_over_every_tab_and_form() {
    for size in SIZES {
        let t = TestDb::sqlite();
        let dir = tempfile::tempdir().unwrap();
        let (mut h, auth, _) = admin_harness_sized(&t, dir.path(), ThemeName::Dark, size);
        add(&auth, "emil", Role::Employee);
        for title in h.app.tabs() {
            open(&mut h, title);
            locks_and_comes_back(&mut h, title);
        }
        // In forms and pickers too, with what was typed kept.
        open(&mut h, "Users");
        h.press(KeyCode::Char('/'));
        locks_and_comes_back(&mut h, "the Users search");
        h.press(KeyCode::Esc);
        h.press(KeyCode::Home);
        h.press(KeyCode::Char('s'));
        let users = |h: &Harness| {
            h.app
                .tab::<stockroom::tui::tabs::users::UsersTab>()
                .unwrap()
                .picker
                .is_some()
        };
        assert!(users(&h), "s links a member of staff");
        locks_and_comes_back(&mut h, "the staff picker");
        assert!(users(&h), "the picker is still open");
        h.press(KeyCode::Esc);
        open(&mut h, "Orders");
        h.press(KeyCode::Char('n'));
        h.type_text("debra");
        locks_and_comes_back(&mut h, "the new-order form");
        let ed = h
            .app
            .tab::<stockroom::tui::tabs::orders::OrdersTab>()
            .unwrap()
            .editor
            .as_ref()
            .expect("the form is still open");
        assert_eq!(ed.customer.input.value, "debra");
        h.press(KeyCode::Esc);
        h.press(KeyCode::Char('y'));
        open(&mut h, "Reports");
        h.press(KeyCode::Char('c'));
        locks_and_comes_back(&mut h, "the customer report's search");
        h.press(KeyCode::Esc);
        // Ctrl-O on Reports signs out: nothing goes to the clipboard.
        ctrl(&mut h, 'o');
        assert!(
            matches!(h.app.screen, Screen::Login(_)),
            "Ctrl-O signs out: {}",
            h.render()
        );
        assert_eq!(h.app.take_clipboard(), None, "no path was copied");
        // A Manager without 2FA: Ctrl-O on Settings signs out, never "Turn 2FA on"; Ctrl-L on
        // Users locks, never "Link".
        add(&auth, "mona", Role::Manager);
        let mut m = signed_in(&auth, "mona", size, &[]);
        open(&mut m, "Settings");
        assert!(m.render().contains("o turn 2FA on"), "{}", m.render());
        ctrl(&mut m, 'o');
        assert!(matches!(m.app.screen, Screen::Login(_)), "{}", m.render());
        assert!(!m.render().contains("Turn 2FA on"));
    }
}

#[test]
fn keys_bound_in_the_config_win_too_and_letters_bound_to_actions_still_type() {
    let t = TestDb::sqlite();
    let (auth, _) = accounts::auth(&t);
    add(&auth, "root", Role::Administrator);
    add(&auth, "mona", Role::Manager);
    for size in SIZES {
        let mut h = signed_in(
            &auth,
            "mona",
            size,
            &[("f2", "lock_now"), ("x", "next_field")],
        );
        open(&mut h, "Data");
        h.press(KeyCode::Enter); // categories
        h.press(KeyCode::Char('n'));
        assert!(h.app.tab::<DataTab>().unwrap().editor.is_some());
        h.press(KeyCode::Tab);
        h.type_text("xylophones");
        let ed = h.app.tab::<DataTab>().unwrap().editor.as_ref().unwrap();
        assert_eq!(ed.form.fields[1].value, "xylophones", "x types");
        h.press(KeyCode::F(2));
        assert!(matches!(h.app.screen, Screen::Lock(_)), "{}", h.render());
        h.type_text(PASSWORD);
        h.press(KeyCode::Enter);
        let ed = h.app.tab::<DataTab>().unwrap().editor.as_ref().unwrap();
        assert_eq!(ed.form.fields[1].value, "xylophones", "kept under the lock");
    }
}

#[test]
fn forms_reopen_with_the_last_entry_selected_so_typing_replaces_it() {
    let t = TestDb::sqlite();
    let (auth, _) = accounts::auth(&t);
    add(&auth, "root", Role::Administrator);
    add(&auth, "emil", Role::Employee);
    add(&auth, "mona", Role::Manager);
    for size in SIZES {
        let mut h = signed_in(&auth, "emil", size, &[]);
        open(&mut h, "Reports");
        let reports = |h: &Harness| h.app.tab::<ReportsTab>().unwrap().sales.clone();
        // The sales report: store 2, then store 9 — not 29; 2018-13 then 2018-10.
        h.press(KeyCode::Char('s'));
        h.type_text("2");
        h.press(KeyCode::Tab);
        h.type_text("2018-13");
        h.press(KeyCode::Esc);
        h.press(KeyCode::Char('s'));
        assert!(
            h.render().contains("2018-13"),
            "the last entry is shown: {}",
            h.render()
        );
        h.type_text("9");
        h.press(KeyCode::Tab);
        h.type_text("2018-10");
        assert_eq!(reports(&h).value(STORE), "9");
        assert_eq!(reports(&h).value(FROM), "2018-10");
        h.press(KeyCode::Esc);
        // The customer report's search.
        h.press(KeyCode::Char('c'));
        h.type_text("alane hoover");
        h.press(KeyCode::Esc);
        h.press(KeyCode::Char('c'));
        h.type_text("debra burks");
        assert_eq!(
            h.app.tab::<ReportsTab>().unwrap().search.value,
            "debra burks"
        );
        h.press(KeyCode::Esc);
        // The Orders search and days.
        open(&mut h, "Orders");
        h.press(KeyCode::Char('/'));
        h.type_text("adelle");
        h.press(KeyCode::Enter);
        h.press(KeyCode::Char('/'));
        h.type_text("moon");
        h.press(KeyCode::Enter);
        let o = h
            .app
            .tab::<stockroom::tui::tabs::orders::OrdersTab>()
            .unwrap();
        assert_eq!(o.applied_search.as_deref(), Some("moon"));
        h.press(KeyCode::Char('d'));
        h.type_text("2018-04");
        h.press(KeyCode::Enter);
        h.press(KeyCode::Char('d'));
        h.press(KeyCode::End);
        h.press(KeyCode::Backspace);
        h.type_text("5");
        h.press(KeyCode::Enter);
        assert!(
            h.render().contains("2018-05-01 to 2018-05-31"),
            "End keeps the entry and edits its end: {}",
            h.render()
        );
        // The ETL tab: the file path never reappears as an API URL, and is selected.
        let mut m = signed_in(&auth, "mona", size, &[]);
        open(&mut m, "ETL");
        m.press(KeyCode::Char('i'));
        m.type_text("/tmp/nowhere.csv");
        m.press(KeyCode::Esc);
        m.press(KeyCode::Char('i'));
        m.type_text("/tmp/other.csv");
        assert_eq!(
            m.app.tab::<EtlTab>().unwrap().source.value,
            "/tmp/other.csv"
        );
        m.press(KeyCode::Esc);
        // The Data search.
        open(&mut m, "Data");
        m.press(KeyCode::Enter);
        m.press(KeyCode::Char('/'));
        m.type_text("road");
        m.press(KeyCode::Enter);
        m.press(KeyCode::Char('/'));
        m.type_text("kids");
        assert_eq!(m.app.tab::<DataTab>().unwrap().search.value, "kids");
    }
    // An administrator's API URL starts empty after a file path.
    let t = TestDb::sqlite();
    let dir = tempfile::tempdir().unwrap();
    let (mut a, _, _) = admin_harness_sized(&t, dir.path(), ThemeName::Dark, (80, 24));
    open(&mut a, "ETL");
    a.press(KeyCode::Char('i'));
    a.type_text("/tmp/nowhere.csv");
    a.press(KeyCode::Esc);
    a.press(KeyCode::Char('a'));
    assert_eq!(a.app.tab::<EtlTab>().unwrap().source.value, "");
    a.type_text("http://127.0.0.1:9/api");
    assert_eq!(
        a.app.tab::<EtlTab>().unwrap().source.value,
        "http://127.0.0.1:9/api"
    );
    // The audit filter comes back with the filter in force, each field selected.
    a.press(KeyCode::Esc);
    open(&mut a, "Audit");
    a.press(KeyCode::Char('/'));
    a.type_text("root");
    for _ in 0..5 {
        a.press(KeyCode::Enter);
    }
    a.press(KeyCode::Char('/'));
    a.type_text("emil");
    let f = a
        .app
        .tab::<stockroom::tui::tabs::audit::AuditTab>()
        .unwrap()
        .form
        .clone()
        .unwrap();
    assert_eq!(f.value(0), "emil");
}

#[test]
fn a_changed_data_form_asks_before_esc_drops_it_and_an_id_the_store_gives_is_not_required() {
    let t = TestDb::sqlite();
    let (auth, _) = accounts::auth(&t);
    add(&auth, "root", Role::Administrator);
    add(&auth, "mona", Role::Manager);
    for size in SIZES {
        let mut h = signed_in(&auth, "mona", size, &[]);
        open(&mut h, "Data");
        h.press(KeyCode::Char('/'));
        h.type_text("customers");
        h.press(KeyCode::Enter);
        h.press(KeyCode::Enter);
        assert_eq!(h.app.tab::<DataTab>().unwrap().table, Some("customers"));
        h.press(KeyCode::Char('n'));
        let s = h.render();
        assert!(s.contains("first_name*"), "{s}");
        assert!(!s.contains("customer_id*"), "the store numbers it: {s}");
        // Nothing typed: Esc closes at once.
        h.press(KeyCode::Esc);
        assert!(h.app.tab::<DataTab>().unwrap().editor.is_none());
        h.press(KeyCode::Char('n'));
        h.press(KeyCode::Tab);
        h.type_text("Zed");
        h.press(KeyCode::Esc);
        let s = h.render();
        assert!(
            s.contains("Drop your changes? y drops them; any other key keeps them."),
            "{s}"
        );
        h.press(KeyCode::Char('n'));
        let ed = h.app.tab::<DataTab>().unwrap().editor.as_ref().unwrap();
        assert_eq!(ed.form.fields[1].value, "Zed", "kept as typed");
        h.press(KeyCode::Esc);
        h.press(KeyCode::Char('y'));
        assert!(h.app.tab::<DataTab>().unwrap().editor.is_none());
        assert!(h.render().contains("Nothing was saved"));
        h.press(KeyCode::Esc);
    }
}

#[test]
fn every_tab_s_help_lists_its_keys_and_slash_narrows_the_data_tables() {
    for size in SIZES {
        let t = TestDb::sqlite();
        let dir = tempfile::tempdir().unwrap();
        let (mut h, _, _) = admin_harness_sized(&t, dir.path(), ThemeName::Dark, size);
        let wanted: &[(&str, &[&str])] = &[
            ("Dashboard", &["[ ]", "p", "s", "r", ", ."]),
            ("Data", &["j/k", "Enter", "/", "Esc"]),
            (
                "Orders",
                &[
                    "n",
                    "f",
                    "s",
                    "2018-01..2018-03",
                    "p c x",
                    "PgUp/PgDn",
                    "Home",
                    "Esc",
                ],
            ),
            ("Stock", &["Enter", "/", "s", "r", "Home"]),
            ("Reports", &["c", "s", "o", "y", "r"]),
            ("ETL", &["i", "s", "d", "Enter", "Home/End"]),
            ("Users", &["/", "Enter", "g", "Home", "F5"]),
            ("Audit", &["Enter", "/", "x", "r", "Home"]),
            ("Settings", &["p"]),
        ];
        for (title, keys) in wanted {
            if !h.app.tabs().contains(title) {
                continue;
            }
            open(&mut h, title);
            h.press(KeyCode::Char('?'));
            let s = h.render();
            assert!(s.contains(&format!("Keys: {title}")), "{s}");
            for k in *keys {
                assert!(
                    s.contains(&format!(" {k} ")),
                    "{title} help lists `{k}`: {s}"
                );
            }
            assert!(
                s.contains("sign out") && s.contains("lock the screen"),
                "{s}"
            );
            h.press(KeyCode::Char('x'));
            assert!(!h.app.help);
        }
        // The Data tab's tables, narrowed by `/`.
        open(&mut h, "Data");
        h.press(KeyCode::Char('/'));
        h.type_text("order");
        let s = h.render();
        assert!(s.contains("orders") && s.contains("order_items"), "{s}");
        assert!(!s.contains("customers") && !s.contains("brands"), "{s}");
        h.press(KeyCode::Enter);
        h.press(KeyCode::Char('j'));
        h.press(KeyCode::Enter);
        assert_eq!(h.app.tab::<DataTab>().unwrap().table, Some("order_items"));
    }
}

#[test]
fn an_empty_store_tells_each_role_what_it_can_do() {
    let t = TestDb::sqlite();
    let (auth, _) = accounts::auth(&t);
    add(&auth, "root", Role::Administrator);
    add(&auth, "emil", Role::Employee);
    add(&auth, "mona", Role::Manager);
    for size in SIZES {
        let e = signed_in(&auth, "emil", size, &[]).render();
        assert!(e.contains("a manager or administrator loads it"), "{e}");
        assert!(!e.contains("stockroom demo"), "{e}");
        let m = signed_in(&auth, "mona", size, &[]).render();
        assert!(m.contains("the ETL tab imports CSV or JSON files"), "{m}");
        assert!(!m.contains("stockroom demo"), "{m}");
    }
    let t = TestDb::sqlite();
    let dir = tempfile::tempdir().unwrap();
    let (mut a, _, _) = admin_harness_sized(&t, dir.path(), ThemeName::Dark, (80, 24));
    let s = a.render();
    assert!(s.contains("`stockroom demo` on the"), "{s}");
}

#[test]
fn a_data_form_s_reference_picker_marks_with_up_and_down_and_takes_the_marked_one() {
    let t = TestDb::sqlite();
    let (auth, _) = accounts::auth(&t);
    add(&auth, "root", Role::Administrator);
    add(&auth, "mona", Role::Manager);
    let mut ids = Vec::new();
    for name in ["Trek", "Trekking Co", "Trek Junior"] {
        let key = stockroom::store::data::add(
            &auth,
            &accounts::cli(),
            "brands",
            &[stockroom::store::data::FieldChange {
                field: "brand_name".into(),
                value: name.into(),
            }],
        )
        .unwrap();
        ids.push(key.0[0]);
    }
    for size in SIZES {
        let mut h = signed_in(&auth, "mona", size, &[]);
        open(&mut h, "Data");
        h.press(KeyCode::Char('/'));
        h.type_text("products");
        h.press(KeyCode::Enter);
        h.press(KeyCode::Enter);
        h.press(KeyCode::Char('n'));
        let at = {
            let ed = h.app.tab::<DataTab>().unwrap().editor.as_ref().unwrap();
            ed.fields.iter().position(|f| f.name == "brand_id").unwrap()
        };
        for _ in 0..at {
            h.press(KeyCode::Tab);
        }
        h.type_text("trek");
        let shown: Vec<i32> = h
            .app
            .tab::<DataTab>()
            .unwrap()
            .editor
            .as_ref()
            .unwrap()
            .matches
            .iter()
            .map(|m| m.0)
            .collect();
        assert_eq!(shown.len(), 3, "{}", h.render());
        h.press(KeyCode::Down);
        h.press(KeyCode::Down);
        h.press(KeyCode::Up);
        assert!(
            h.render().contains(&format!("› #{}", shown[1])),
            "{}",
            h.render()
        );
        h.press(KeyCode::Enter);
        let ed = h.app.tab::<DataTab>().unwrap().editor.as_ref().unwrap();
        assert_eq!(ed.form.fields[at].value, shown[1].to_string());
        assert_eq!(ed.form.focus, at, "taking a match stays on the field");
        h.press(KeyCode::Esc);
        h.press(KeyCode::Char('y'));
        h.press(KeyCode::Esc);
    }
}

fn users(h: &Harness) -> &stockroom::tui::tabs::users::UsersTab {
    h.app.tab().unwrap()
}

#[test]
fn changing_your_own_account_is_refused_before_anything_is_asked() {
    for size in SIZES {
        let t = TestDb::sqlite();
        let dir = tempfile::tempdir().unwrap();
        let (mut h, auth, _) = admin_harness_sized(&t, dir.path(), ThemeName::Dark, size);
        add(&auth, "emil", Role::Employee);
        open(&mut h, "Users");
        let root = users(&h)
            .users
            .iter()
            .position(|u| u.username == "root")
            .unwrap();
        h.press(KeyCode::Home);
        for _ in 0..root {
            h.press(KeyCode::Char('j'));
        }
        for (key, said) in [
            ('x', "you cannot deactivate your own account"),
            ('r', "you cannot demote your own account"),
            ('f', "you cannot reset the 2FA of your own account"),
            ('p', "you cannot reset the password of your own account"),
        ] {
            h.press(KeyCode::Char(key));
            let s = h.render();
            assert!(s.contains(said), "{key}: {s}");
            let u = users(&h);
            assert!(
                u.confirm.is_none() && u.form.is_none() && !u.picking_role,
                "{key}: nothing asked"
            );
        }
        // Another account is asked about first.
        h.press(KeyCode::Home);
        let emil = users(&h)
            .users
            .iter()
            .position(|u| u.username == "emil")
            .unwrap();
        for _ in 0..emil {
            h.press(KeyCode::Char('j'));
        }
        h.press(KeyCode::Char('x'));
        assert!(h.render().contains("Deactivate `emil`?"), "{}", h.render());
        h.press(KeyCode::Char('n'));
    }
}
