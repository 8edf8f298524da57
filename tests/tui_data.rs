//! The Data tab driven by keys over real stores: paging, sorting and searching in SQL, a
//! record with its related records, edits checked per field and against another terminal's
//! change, deletes refused in words, export of what is listed, permissions by role, replies
//! of an ended session dropped, and 80×24 / 200×60 snapshots in both themes.

mod common;

use std::path::Path;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use diesel::prelude::*;
use stockroom::auth::{Actor, Auth, Role};
use stockroom::store::data::{self, FieldChange, Key};
use stockroom::store::demo::{DemoOptions, load};
use stockroom::tui::app::Msg;
use stockroom::tui::harness::Harness;
use stockroom::tui::tabs::data::{DataTab, Pane};
use stockroom::tui::theme::ThemeName;
use stockroom::worker::CancelToken;

use common::accounts::{self, PASSWORD, add, cli};
use common::{TestDb, count};

fn fixture(auth: &Auth) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/original/csv");
    stockroom::etl::import_csv(
        auth,
        &cli(),
        &[dir],
        &Default::default(),
        &CancelToken::new(),
        &mut |_| {},
    )
    .unwrap();
}

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

/// A harness signed in as `who` (a Manager or Employee: no 2FA step) with its data tab open.
fn signed_in(t: &TestDb, dir: &Path, who: &str, role: Role, size: (u16, u16)) -> Harness {
    let (auth, _) = accounts::auth(t);
    if accounts_empty(t) {
        add(&auth, "root", Role::Administrator);
    }
    add(&auth, who, role);
    open_data(auth, dir, who, size)
}

/// A harness over `auth` signed in as `who` (an existing account without 2FA) with its data
/// tab open.
fn open_data(auth: Auth, dir: &Path, who: &str, size: (u16, u16)) -> Harness {
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
    let n = h.app.tabs().iter().position(|t| *t == "Data").unwrap() + 1;
    h.press(KeyCode::Char(char::from_digit(n as u32, 10).unwrap()));
    h
}

fn accounts_empty(t: &TestDb) -> bool {
    count(t, "users") == 0
}

fn data_tab(h: &Harness) -> &DataTab {
    h.app.tab::<DataTab>().unwrap()
}

/// Opens the table at `i` in the list.
fn open_table(h: &mut Harness, table: &str) {
    let i = data::VIEWS.iter().position(|v| v.table == table).unwrap();
    for _ in 0..i {
        h.press(KeyCode::Char('j'));
    }
    h.press(KeyCode::Enter);
    assert_eq!(data_tab(h).pane, Pane::Rows);
}

fn shown_ids(h: &Harness) -> Vec<i32> {
    data_tab(h)
        .page
        .as_ref()
        .unwrap()
        .rows
        .iter()
        .map(|r| r.key.0[0])
        .collect()
}

both_backends!(
    pages_cover_every_row_once_in_both_directions,
    |t: TestDb| {
        demo(&t);
        let dir = tempfile::tempdir().unwrap();
        let mut h = signed_in(&t, dir.path(), "mona", Role::Manager, (100, 30));
        open_table(&mut h, "customers");
        let total = count(&t, "customers") as usize;
        let screen = h.render();
        assert!(
            screen.contains(&format!(
                "rows 1–{} of {}",
                stockroom::tui::tabs::data::page_rows((100, 30)),
                stockroom::store::money::group_digits(total as u64)
            )),
            "{screen}"
        );
        // Down through every row, one key at a time, then back up.
        let mut seen = Vec::new();
        for _ in 0..total {
            let tab = data_tab(&h);
            let p = tab.page.as_ref().unwrap();
            seen.push(p.rows[tab.cursor].key.0[0]);
            h.press(KeyCode::Char('j'));
        }
        let mut sorted = seen.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), total, "every row once going down");
        let mut back = Vec::new();
        for _ in 0..total {
            let tab = data_tab(&h);
            let p = tab.page.as_ref().unwrap();
            back.push(p.rows[tab.cursor].key.0[0]);
            h.press(KeyCode::Char('k'));
        }
        back.reverse();
        assert_eq!(back, seen, "the same rows coming back up");
        // End shows the last rows; Home the first.
        h.press(KeyCode::End);
        assert!(h.render().contains(&format!(
            "of {}",
            stockroom::store::money::group_digits(total as u64)
        )));
        assert_eq!(*shown_ids(&h).last().unwrap(), *seen.last().unwrap());
        h.press(KeyCode::Home);
        assert_eq!(shown_ids(&h)[0], seen[0]);
    }
);

both_backends!(
    page_keys_pressed_before_the_page_arrives_all_count,
    |t: TestDb| {
        demo(&t);
        let dir = tempfile::tempdir().unwrap();
        let mut h = signed_in(&t, dir.path(), "mona", Role::Manager, (80, 24));
        open_table(&mut h, "orders");
        let rows = stockroom::tui::tabs::data::page_rows((80, 24));
        // Three PageDowns before any page comes back, as a quick hand does.
        for _ in 0..3 {
            h.feed(Msg::Key(KeyEvent::new(
                KeyCode::PageDown,
                KeyModifiers::NONE,
            )));
        }
        // Meanwhile the status line says so first, where 80 columns never cut it.
        let screen = h.render();
        assert!(screen.contains("│loading… · rows 1–"), "{screen}");
        h.settle();
        assert_eq!(data_tab(&h).page.as_ref().unwrap().offset, 3 * rows);
        for _ in 0..2 {
            h.feed(Msg::Key(KeyEvent::new(KeyCode::PageUp, KeyModifiers::NONE)));
        }
        h.settle();
        assert_eq!(data_tab(&h).page.as_ref().unwrap().offset, rows);
        assert!(
            h.render()
                .contains(&format!("rows {}–{}", rows + 1, 2 * rows)),
            "{}",
            h.render()
        );
    }
);

both_backends!(
    a_column_hidden_at_80_columns_is_sorted_by_its_number,
    |t: TestDb| {
        demo(&t);
        let dir = tempfile::tempdir().unwrap();
        let mut h = signed_in(&t, dir.path(), "mona", Role::Manager, (80, 24));
        open_table(&mut h, "staffs");
        let screen = h.render();
        assert!(screen.contains("Hidden at this width:"), "{screen}");
        let header = |screen: &str| {
            screen
                .lines()
                .find(|l| l.contains("staff_id"))
                .unwrap()
                .to_string()
        };
        assert!(!header(&screen).contains("manager"), "{screen}");
        // `s` numbers every column, the hidden ones on the line below the rows.
        h.press(KeyCode::Char('s'));
        let screen = h.render();
        let manager = data::view_of("staffs")
            .unwrap()
            .column("manager")
            .unwrap()
            .0
            + 1;
        assert!(screen.contains(&format!("{manager}:manager")), "{screen}");
        assert!(screen.contains("1–9 sort by that column"), "{screen}");
        h.press(KeyCode::Char(char::from_digit(manager as u32, 10).unwrap()));
        let screen = h.render();
        assert!(screen.contains("sorted by manager ↑ ascending"), "{screen}");
        assert!(
            header(&screen).contains("manager↑"),
            "the sorted column is shown: {screen}"
        );
        // Staff without a manager first, then by the manager's name.
        let tab = data_tab(&h);
        let page = tab.page.as_ref().unwrap();
        assert_eq!(page.sort.0 + 1, manager);
        assert!(page.rows[0].values[manager - 1].display() == "—");
        // A number past the last column says how many there are.
        h.press(KeyCode::Char('s'));
        h.press(KeyCode::Char('9'));
        assert!(
            h.render().contains("staffs has 8 columns: press 1 to 8"),
            "{}",
            h.render()
        );
    }
);

both_backends!(sort_and_search_are_done_in_sql, |t: TestDb| {
    demo(&t);
    let dir = tempfile::tempdir().unwrap();
    let mut h = signed_in(&t, dir.path(), "mona", Role::Manager, (200, 60));
    open_table(&mut h, "customers");
    // `s` numbers the columns; 3 is last_name at this width.
    h.press(KeyCode::Char('s'));
    assert!(h.render().contains("3:last_name"), "{}", h.render());
    h.press(KeyCode::Char('3'));
    let screen = h.render();
    assert!(
        screen.contains("sorted by last_name ↑ ascending"),
        "{screen}"
    );
    let names: Vec<String> = data_tab(&h)
        .page
        .as_ref()
        .unwrap()
        .rows
        .iter()
        .map(|r| r.values[2].display())
        .collect();
    let mut sorted = names.clone();
    sorted.sort_by_key(|s| s.to_lowercase());
    assert_eq!(
        names.iter().map(|s| s.to_lowercase()).collect::<Vec<_>>(),
        sorted.iter().map(|s| s.to_lowercase()).collect::<Vec<_>>()
    );
    h.press(KeyCode::Char('s'));
    h.press(KeyCode::Char('3'));
    assert!(
        h.render().contains("last_name ↓ descending"),
        "{}",
        h.render()
    );
    // Search by a last name that exists.
    let who = names[0].clone();
    h.press(KeyCode::Char('/'));
    h.type_text(&who);
    h.press(KeyCode::Enter);
    let tab = data_tab(&h);
    let p = tab.page.as_ref().unwrap();
    assert!(p.total >= 1);
    assert!(p.rows.iter().all(|r| {
        r.values
            .iter()
            .any(|v| v.display().to_lowercase().contains(&who.to_lowercase()))
    }));
    assert!(h.render().contains(&format!("search “{who}”")));
    // Esc clears the search.
    h.press(KeyCode::Esc);
    assert_eq!(
        data_tab(&h).page.as_ref().unwrap().total as i64,
        count(&t, "customers")
    );
});

#[test]
fn a_record_shows_its_related_records() {
    let t = TestDb::sqlite();
    let dir = tempfile::tempdir().unwrap();
    let (auth, _) = accounts::auth(&t);
    fixture(&auth);
    let mut h = signed_in(&t, dir.path(), "mona", Role::Manager, (100, 30));
    open_table(&mut h, "customers");
    h.press(KeyCode::Enter);
    assert_eq!(data_tab(&h).pane, Pane::Detail);
    let screen = h.render();
    assert!(screen.contains("customer 1"), "{screen}");
    assert!(
        screen.contains("Debra") && screen.contains("Orders"),
        "{screen}"
    );
    h.press(KeyCode::Esc);
    assert_eq!(data_tab(&h).pane, Pane::Rows);
}

both_backends!(
    an_edit_is_checked_saved_audited_and_refused_when_overtaken,
    |t: TestDb| {
        let dir = tempfile::tempdir().unwrap();
        let (auth, _) = accounts::auth(&t);
        add(&auth, "root", Role::Administrator);
        fixture(&auth);
        let mut h = signed_in(&t, dir.path(), "mona", Role::Manager, (100, 30));
        open_table(&mut h, "customers");
        h.press(KeyCode::Char('e'));
        let ed = data_tab(&h).editor.as_ref().expect("the form is open");
        let email = ed.fields.iter().position(|f| f.name == "email").unwrap();
        let city = ed.fields.iter().position(|f| f.name == "city").unwrap();
        // A bad e-mail: refused, naming the field, the cursor put on it, nothing lost.
        for _ in 0..email {
            h.press(KeyCode::Tab);
        }
        h.press_with(KeyCode::Char('u'), KeyModifiers::CONTROL);
        h.type_text("not-an-e-mail");
        let n = data_tab(&h).editor.as_ref().unwrap().fields.len();
        for _ in email..n {
            h.press(KeyCode::Enter);
        }
        let screen = h.render();
        assert!(screen.contains("Error: email"), "{screen}");
        let ed = data_tab(&h).editor.as_ref().expect("still open");
        assert_eq!(ed.form.focus, email);
        assert_eq!(ed.form.fields[email].value, "not-an-e-mail");
        // Fix it, change the city, save.
        h.press_with(KeyCode::Char('u'), KeyModifiers::CONTROL);
        h.type_text("debra@example.com");
        while data_tab(&h).editor.as_ref().unwrap().form.focus != city {
            h.press(KeyCode::Tab);
        }
        h.press_with(KeyCode::Char('u'), KeyModifiers::CONTROL);
        h.type_text("Shelbyville");
        let focus = data_tab(&h).editor.as_ref().unwrap().form.focus;
        for _ in focus..n {
            h.press(KeyCode::Enter);
        }
        assert!(data_tab(&h).editor.is_none(), "{}", h.render());
        assert!(h.render().contains("Saved: "), "{}", h.render());
        let stored: Option<String> = {
            use stockroom::db::schema::customers::dsl::*;
            customers
                .find(1)
                .select(city)
                .first(&mut *t.db.conn().unwrap())
                .unwrap()
        };
        assert_eq!(stored.as_deref(), Some("Shelbyville"));
        assert!(count(&t, "audit_events") > 0);

        // Another terminal changes the record while the form is open: the save is refused and
        // what was typed stays.
        h.press(KeyCode::Char('e'));
        data::set(
            &auth,
            &cli(),
            "customers",
            &Key(vec![1]),
            None,
            &[FieldChange {
                field: "city".into(),
                value: "Ogdenville".into(),
            }],
        )
        .unwrap();
        while data_tab(&h).editor.as_ref().unwrap().form.focus != city {
            h.press(KeyCode::Tab);
        }
        h.press_with(KeyCode::Char('u'), KeyModifiers::CONTROL);
        h.type_text("North Haverbrook");
        let focus = data_tab(&h).editor.as_ref().unwrap().form.focus;
        for _ in focus..n {
            h.press(KeyCode::Enter);
        }
        let screen = h.render();
        assert!(screen.contains("changed on another terminal"), "{screen}");
        let ed = data_tab(&h).editor.as_ref().expect("the form stays open");
        assert_eq!(ed.form.fields[city].value, "North Haverbrook");
        let stored: Option<String> = {
            use stockroom::db::schema::customers::dsl::*;
            customers
                .find(1)
                .select(city)
                .first(&mut *t.db.conn().unwrap())
                .unwrap()
        };
        assert_eq!(stored.as_deref(), Some("Ogdenville"));
    }
);

#[test]
fn roles_decide_who_edits_and_deletes_and_a_refused_delete_says_why() {
    let t = TestDb::sqlite();
    let dir = tempfile::tempdir().unwrap();
    let (auth, _) = accounts::auth(&t);
    add(&auth, "root", Role::Administrator);
    fixture(&auth);
    let mut h = signed_in(&t, dir.path(), "emil", Role::Employee, (100, 30));
    open_table(&mut h, "customers");
    let screen = h.render();
    assert!(
        !screen.contains("e edit") && !screen.contains("d delete"),
        "{screen}"
    );
    h.press(KeyCode::Char('e'));
    assert!(h.render().contains("permission denied"), "{}", h.render());
    assert!(data_tab(&h).editor.is_none());
    // Refused before any question; and the service refuses too, whatever a front end offers.
    h.press(KeyCode::Char('d'));
    assert!(h.render().contains("permission denied"), "{}", h.render());
    assert!(data_tab(&h).confirm.is_none());
    let emil = Actor::from_session(h.app.session.as_ref().unwrap());
    assert!(matches!(
        data::delete(&auth, &emil, "customers", &Key(vec![1])),
        Err(stockroom::Error::Forbidden(_))
    ));
    assert!(matches!(
        data::add(
            &auth,
            &emil,
            "brands",
            &[FieldChange {
                field: "brand_name".into(),
                value: "X".into()
            }]
        ),
        Err(stockroom::Error::Forbidden(_))
    ));
    h.press(KeyCode::Char('n'));
    assert!(
        data_tab(&h).editor.is_none(),
        "no form to fill in for nothing"
    );
    assert_eq!(count(&t, "customers"), 3);

    // A manager edits but cannot delete.
    let mut h = signed_in(&t, dir.path(), "mona", Role::Manager, (100, 30));
    open_table(&mut h, "customers");
    assert!(h.render().contains("e edit") && !h.render().contains("d delete"));
    h.press(KeyCode::Char('d'));
    assert!(h.render().contains("permission denied"), "{}", h.render());
    assert!(
        data_tab(&h).confirm.is_none(),
        "no question before a refusal"
    );
    let mona = Actor::from_session(h.app.session.as_ref().unwrap());
    assert!(matches!(
        data::delete(&auth, &mona, "customers", &Key(vec![1])),
        Err(stockroom::Error::Forbidden(_))
    ));
}

#[test]
fn an_administrator_deletes_and_a_blocked_delete_names_the_blockers() {
    let t = TestDb::sqlite();
    let dir = tempfile::tempdir().unwrap();
    let (auth, _) = accounts::auth(&t);
    add(&auth, "root", Role::Administrator);
    fixture(&auth);
    // An administrator signs in with 2FA through the service first.
    let mut p = auth.begin_sign_in("root", PASSWORD).unwrap();
    let setup = auth.totp_setup(&mut p).unwrap();
    auth.confirm_totp_setup(
        &mut p,
        &stockroom::auth::totp::code_at(&setup.secret, auth.now()).unwrap(),
    )
    .unwrap();
    auth.finish_sign_in(p).unwrap();
    let mut h = Harness::new(
        auth.clone(),
        Harness::options(ThemeName::Dark, dir.path().join("c.toml")),
        100,
        30,
    );
    h.type_text("root");
    h.press(KeyCode::Enter);
    h.type_text(PASSWORD);
    h.press(KeyCode::Enter);
    h.type_text(&stockroom::auth::totp::code_at(&setup.secret, auth.now() + 30).unwrap());
    h.press(KeyCode::Enter);
    h.press(KeyCode::Char('2'));
    open_table(&mut h, "customers");
    // Customer 1 has orders: refused in words.
    h.press(KeyCode::Char('d'));
    assert!(h.render().contains("Delete customer 1"), "{}", h.render());
    h.press(KeyCode::Char('y'));
    let screen = h.render();
    assert!(screen.contains("customer 1 has"), "{screen}");
    assert_eq!(count(&t, "customers"), 3);
    // A customer without orders goes, after the question; any other key keeps it.
    let free = data::add(
        &auth,
        &cli(),
        "customers",
        &[
            FieldChange {
                field: "first_name".into(),
                value: "Zoë".into(),
            },
            FieldChange {
                field: "last_name".into(),
                value: "王小明".into(),
            },
            FieldChange {
                field: "email".into(),
                value: "zoe@example.com".into(),
            },
        ],
    )
    .unwrap();
    h.press(KeyCode::Char('r'));
    h.press(KeyCode::End);
    assert_eq!(*shown_ids(&h).last().unwrap(), free.0[0]);
    h.press(KeyCode::Char('d'));
    h.press(KeyCode::Char('n'));
    assert_eq!(count(&t, "customers"), 4);
    h.press(KeyCode::Char('d'));
    h.press(KeyCode::Char('y'));
    assert!(
        h.render().contains(&format!("Deleted customer {free}")),
        "{}",
        h.render()
    );
    assert_eq!(count(&t, "customers"), 3);
}

#[test]
fn export_writes_what_is_listed_and_is_audited() {
    let t = TestDb::sqlite();
    let dir = tempfile::tempdir().unwrap();
    let (auth, _) = accounts::auth(&t);
    add(&auth, "root", Role::Administrator);
    fixture(&auth);
    let mut h = signed_in(&t, dir.path(), "mona", Role::Manager, (100, 30));
    open_table(&mut h, "customers");
    h.press(KeyCode::Char('/'));
    h.type_text("yahoo");
    h.press(KeyCode::Enter);
    let listed = data_tab(&h).page.as_ref().unwrap().total;
    h.press(KeyCode::Char('x'));
    let screen = h.render();
    assert!(
        screen.contains(&format!("Exported {listed} rows to")),
        "{screen}"
    );
    let exports = dir.path().join("data").join("exports");
    let file = std::fs::read_dir(&exports)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let text = std::fs::read_to_string(&file).unwrap();
    assert_eq!(text.lines().count() as u64, listed + 1, "{text}");
    assert!(text.lines().skip(1).all(|l| l.contains("yahoo")), "{text}");
    let audited: i64 = {
        use stockroom::db::schema::audit_events::dsl::*;
        audit_events
            .filter(event.eq("export"))
            .count()
            .get_result(&mut *t.db.conn().unwrap())
            .unwrap()
    };
    assert_eq!(audited, 1);
}

#[test]
fn a_reply_for_an_ended_session_is_dropped() {
    let t = TestDb::sqlite();
    let dir = tempfile::tempdir().unwrap();
    let (auth, _) = accounts::auth(&t);
    add(&auth, "root", Role::Administrator);
    fixture(&auth);
    let mut h = signed_in(&t, dir.path(), "mona", Role::Manager, (100, 30));
    // Ask for a page, and sign out before its reply is read.
    h.feed(Msg::Key(crossterm::event::KeyEvent::new(
        KeyCode::Enter,
        KeyModifiers::NONE,
    )));
    h.feed(Msg::Key(crossterm::event::KeyEvent::new(
        KeyCode::Char('o'),
        KeyModifiers::CONTROL,
    )));
    h.settle();
    h.type_text("mona");
    h.press(KeyCode::Enter);
    h.type_text(PASSWORD);
    h.press(KeyCode::Enter);
    h.press(KeyCode::Char('2'));
    let tab = data_tab(&h);
    assert_eq!(tab.pane, Pane::Tables);
    assert!(
        tab.page.is_none(),
        "the old session's page never reaches the new one"
    );
}

#[test]
fn names_from_outside_draw_harmlessly_and_snapshots_hold() {
    let t = TestDb::sqlite();
    let dir = tempfile::tempdir().unwrap();
    let (auth, _) = accounts::auth(&t);
    add(&auth, "root", Role::Administrator);
    fixture(&auth);
    // Another program stored a name with escape sequences (Stockroom refuses to).
    diesel::sql_query("UPDATE customers SET first_name = 'Kasha' || char(27) || '[2J' || char(7) WHERE customer_id = 2")
        .execute(&mut *t.db.conn().unwrap())
        .unwrap();
    for (theme, tag) in [(ThemeName::Dark, "dark"), (ThemeName::Light, "light")] {
        for (w, hgt) in [(80u16, 24u16), (200, 60)] {
            let mut h = signed_in(
                &t,
                dir.path(),
                &format!("m{tag}{w}"),
                Role::Manager,
                (w, hgt),
            );
            if theme == ThemeName::Light {
                h.press_with(KeyCode::Char('t'), KeyModifiers::CONTROL);
            }
            open_table(&mut h, "customers");
            let screen = h.render();
            assert!(!screen.contains('\u{1b}') && !screen.contains('\u{7}'));
            assert!(screen.contains("Kasha[2J"), "{screen}");
            common::snapshot_file(
                &format!("data_customers_{tag}_{w}x{hgt}"),
                &screen.replace(&format!("m{tag}{w}"), "mona"),
            );
        }
    }
}

#[test]
fn a_foreign_key_is_picked_by_searching_its_name() {
    let t = TestDb::sqlite();
    let dir = tempfile::tempdir().unwrap();
    let (auth, _) = accounts::auth(&t);
    add(&auth, "root", Role::Administrator);
    fixture(&auth);
    let trek: i32 = {
        use stockroom::db::schema::brands::dsl::*;
        brands
            .filter(brand_name.eq("Trek"))
            .select(brand_id)
            .first(&mut *t.db.conn().unwrap())
            .unwrap()
    };
    let mut h = signed_in(&t, dir.path(), "mona", Role::Manager, (100, 30));
    open_table(&mut h, "products");
    h.press(KeyCode::Char('n'));
    let at = data_tab(&h)
        .editor
        .as_ref()
        .unwrap()
        .fields
        .iter()
        .position(|f| f.name == "brand_id")
        .unwrap();
    for _ in 0..at {
        h.press(KeyCode::Tab);
    }
    h.type_text("tre");
    let screen = h.render();
    assert!(
        screen.contains("Matching brands") && screen.contains("Trek"),
        "{screen}"
    );
    h.press(KeyCode::Enter);
    let ed = data_tab(&h).editor.as_ref().unwrap();
    assert_eq!(ed.form.fields[at].value, trek.to_string());
    assert_eq!(ed.form.focus, at, "picking stays on the field");
}

/// A server that stops answering (a frozen host) under a signed-in terminal: the page asked
/// for fails in the statement time limit with the message the CLI gives, on the status line,
/// and the keys that need no database keep working.
#[test]
fn a_frozen_server_is_named_on_the_status_line_and_the_keys_still_work() {
    use std::time::{Duration, Instant};
    use stockroom::db::{Database, DbOptions, DbTarget};
    let Some(t) = TestDb::mysql() else { return };
    let (auth, _) = accounts::auth(&t);
    add(&auth, "root", Role::Administrator);
    fixture(&auth);
    add(&auth, "mona", Role::Manager);
    let server = common::mysql_server_url();
    let proxy = common::proxy::FreezableProxy::start(server.rsplit('@').next().unwrap());
    let db_name = t.url.rsplit('/').next().unwrap();
    let url = format!("mysql://root@127.0.0.1:{}/{db_name}", proxy.port);
    let db = Database::connect_with(
        &DbTarget::parse(&url).unwrap(),
        &DbOptions {
            statement_timeout: Duration::from_secs(2),
            connect_timeout: Duration::from_secs(2),
            ..DbOptions::sized(4)
        },
    )
    .unwrap();
    let via_proxy = Auth::new(
        db,
        accounts::settings(),
        stockroom::auth::SecretKey::generate(),
        std::sync::Arc::new(stockroom::auth::SystemClock),
        "tty-frozen".into(),
    );
    let dir = tempfile::tempdir().unwrap();
    let mut h = open_data(via_proxy, dir.path(), "mona", (100, 30));
    assert_eq!(data_tab(&h).pane, Pane::Tables);

    proxy.freeze();
    let asked = Instant::now();
    h.press(KeyCode::Enter);
    let screen = h.render();
    let waited = asked.elapsed();
    assert!(waited < Duration::from_secs(10), "{waited:?}");
    assert!(
        screen.contains(&format!("127.0.0.1:{} does not answer", proxy.port)),
        "{screen}"
    );
    assert!(
        !screen.contains("Loading…") && screen.contains("could not be read"),
        "{screen}"
    );
    // Help, moving the cursor and switching tabs need no database.
    h.press(KeyCode::F(1));
    assert!(h.render().contains("Ctrl-C"), "{}", h.render());
    h.press(KeyCode::Esc);
    h.press(KeyCode::Char('k'));
    let dashboard = h.app.tabs().iter().position(|t| *t == "Settings").unwrap() + 1;
    h.press(KeyCode::Char(
        char::from_digit(dashboard as u32, 10).unwrap(),
    ));
    assert!(h.render().contains("Settings"), "{}", h.render());
}

#[test]
fn a_page_left_past_the_end_by_another_terminal_shows_the_last_row() {
    let t = TestDb::sqlite();
    let dir = tempfile::tempdir().unwrap();
    let (auth, _) = accounts::auth(&t);
    for i in 0..60 {
        let name = format!("Brand {i:02}");
        let v = [FieldChange {
            field: "brand_name".into(),
            value: name,
        }];
        data::add(&auth, &cli(), "brands", &v).unwrap();
    }
    let mut h = signed_in(&t, dir.path(), "mona", Role::Manager, (80, 24));
    open_table(&mut h, "brands");
    h.press(KeyCode::End);
    assert!(data_tab(&h).page.as_ref().unwrap().offset > 40);
    // Another terminal deletes most brands; a reload asks for a page past the end.
    diesel::sql_query("DELETE FROM brands WHERE brand_id > 20")
        .execute(&mut *t.db.conn().unwrap())
        .unwrap();
    h.press(KeyCode::Char('r'));
    h.settle();
    assert_eq!(shown_ids(&h).last(), Some(&20), "{}", h.render());
}
