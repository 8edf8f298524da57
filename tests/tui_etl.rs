//! The ETL tab, driven by keys over a real SQLite store: an import with per-table progress
//! and a summary, rejected rows listed, administrator actions, and cancelling mid-run.

mod common;

use std::io::Write;
use std::path::Path;

use crossterm::event::KeyCode;
use diesel::prelude::*;
use stockroom::auth::Role;
use stockroom::tui::harness::Harness;
use stockroom::tui::theme::ThemeName;

use common::TestDb;
use common::accounts::{self, PASSWORD, add};

fn signed_in(t: &TestDb, who: &str, role: Role) -> (Harness, tempfile::TempDir) {
    let (auth, _) = accounts::auth(t);
    add(&auth, "root", Role::Administrator);
    if who != "root" {
        add(&auth, who, role);
    }
    let dir = tempfile::tempdir().unwrap();
    let mut h = Harness::new(
        auth.clone(),
        Harness::options(ThemeName::Dark, dir.path().join("c.toml")),
        100,
        30,
    );
    if role == Role::Administrator {
        // Administrators set up 2FA first: do it through the service, then sign in with a code.
        let mut p = auth.begin_sign_in(who, PASSWORD).unwrap();
        let setup = auth.totp_setup(&mut p).unwrap();
        auth.confirm_totp_setup(
            &mut p,
            &stockroom::auth::totp::code_at(&setup.secret, auth.now()).unwrap(),
        )
        .unwrap();
        auth.finish_sign_in(p).unwrap();
        h.type_text(who);
        h.press(KeyCode::Enter);
        h.type_text(PASSWORD);
        h.press(KeyCode::Enter);
        h.type_text(&stockroom::auth::totp::code_at(&setup.secret, auth.now() + 30).unwrap());
        h.press(KeyCode::Enter);
    } else {
        h.type_text(who);
        h.press(KeyCode::Enter);
        h.type_text(PASSWORD);
        h.press(KeyCode::Enter);
    }
    assert!(h.render().contains("Stockroom — Main"), "{}", h.render());
    (h, dir)
}

fn open_etl(h: &mut Harness) {
    let n = h
        .app
        .tabs()
        .iter()
        .position(|t| *t == "ETL")
        .expect("an ETL tab")
        + 1;
    h.press(KeyCode::Char(char::from_digit(n as u32, 10).unwrap()));
    assert!(h.render().contains("i import CSV"), "{}", h.render());
}

fn fixture() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/original/csv")
        .display()
        .to_string()
}

#[test]
fn a_manager_imports_a_folder_and_sees_the_summary() {
    let t = TestDb::sqlite();
    let (mut h, _d) = signed_in(&t, "mona", Role::Manager);
    open_etl(&mut h);
    assert!(
        !h.render().contains("a import API"),
        "a manager is not offered the API"
    );
    h.press(KeyCode::Char('i'));
    // Typing in the field: `q`, `t` and digits are text here, not actions.
    h.type_text(&fixture());
    assert!(!h.app.quit);
    h.press(KeyCode::Enter);
    h.settle_until(|a| a.etl().is_some_and(|e| e.last.is_some()));
    let screen = h.render();
    assert!(
        screen.contains("Done: Imported 25 rows: 25 new, 0 changed, 0 unchanged."),
        "{screen}"
    );
    assert!(
        screen.contains("order_items") && screen.contains("customers"),
        "{screen}"
    );
    // An API import is refused for a manager, in the service too.
    h.press(KeyCode::Char('a'));
    assert!(
        h.render()
            .contains("Error: Only administrators may import from an API.")
    );
    h.press(KeyCode::Char('x'));
    h.settle_until(|a| {
        a.etl()
            .and_then(|e| e.last.as_ref())
            .is_some_and(|l| !l.ok())
    });
    assert!(h.render().contains("permission denied"), "{}", h.render());
}

#[test]
fn rejected_rows_are_listed_and_nothing_is_written() {
    let t = TestDb::sqlite();
    let (mut h, dir) = signed_in(&t, "mona", Role::Manager);
    let f = dir.path().join("brands.csv");
    std::fs::write(&f, "brand_id,brand_name\n1,Trek\nx,Bad\n3,\n").unwrap();
    open_etl(&mut h);
    h.press(KeyCode::Char('i'));
    h.type_text(&f.display().to_string());
    h.press(KeyCode::Enter);
    h.settle_until(|a| a.etl().is_some_and(|e| e.last.is_some()));
    let screen = h.render();
    assert!(
        screen.contains("Error: 2 bad rows: nothing was written."),
        "{screen}"
    );
    assert!(screen.contains("Rejected rows (2 shown):"), "{screen}");
    assert!(
        screen.contains("brands.csv:3: column `brand_id` value `x`"),
        "{screen}"
    );
    let n: i64 = stockroom::db::schema::brands::table
        .count()
        .get_result(&mut *t.db.conn().unwrap())
        .unwrap();
    assert_eq!(n, 0);
}

#[test]
fn an_administrator_tests_the_connection_and_runs_migrations() {
    let t = TestDb::sqlite();
    let (mut h, _d) = signed_in(&t, "root", Role::Administrator);
    open_etl(&mut h);
    assert!(
        h.render()
            .contains("a import API · x test connection · m migrate")
    );
    h.press(KeyCode::Char('x'));
    h.settle_until(|a| a.etl().is_some_and(|e| e.last.is_some()));
    assert!(h.render().contains("answers: SQLite 3."), "{}", h.render());
    h.press(KeyCode::Char('m'));
    h.settle_until(|a| {
        a.etl()
            .and_then(|e| e.last.as_ref())
            .is_some_and(|l| l.headline().contains("schema"))
    });
    assert!(
        h.render().contains("Done: The schema is up to date."),
        "{}",
        h.render()
    );
}

#[test]
fn cancelling_mid_run_keeps_nothing() {
    let t = TestDb::sqlite();
    let (mut h, dir) = signed_in(&t, "mona", Role::Manager);
    let f = dir.path().join("customers.csv");
    let mut w = std::io::BufWriter::new(std::fs::File::create(&f).unwrap());
    writeln!(w, "customer_id,first_name,last_name,email").unwrap();
    // Big enough to be still running after a second and a half (SQLite takes ~300k rows/s).
    for i in 1..=2_000_000 {
        writeln!(w, "{i},F{i},L{i},c{i}@example.com").unwrap();
    }
    drop(w);
    open_etl(&mut h);
    h.press(KeyCode::Char('i'));
    h.type_text(&f.display().to_string());
    h.press(KeyCode::Enter);
    // Progress arrives while the job runs, and the UI keeps drawing; a rate appears once
    // a second has passed (before that it would mean nothing).
    h.settle_until(|a| {
        a.etl()
            .and_then(|e| e.running.as_ref())
            .is_some_and(|r| r.tables.first().is_some_and(|g| g.rows > 0))
    });
    let young = h
        .app
        .etl()
        .and_then(|e| e.running.as_ref())
        .and_then(|r| r.tables.first())
        .is_some_and(|g| g.started.elapsed() < std::time::Duration::from_millis(800));
    if young {
        assert!(
            !h.render().contains("rows/s"),
            "no rate in the first second"
        );
    }
    h.settle_until(|a| {
        a.etl().and_then(|e| e.running.as_ref()).is_some_and(|r| {
            r.tables.first().is_some_and(|g| {
                g.rows > 0 && g.started.elapsed() > std::time::Duration::from_millis(1100)
            })
        })
    });
    let screen = h.render();
    assert!(
        screen.contains("Running: CSV import of")
            && screen.contains("customers")
            && screen.contains("rows/s"),
        "{screen}"
    );
    h.press(KeyCode::Char('c'));
    h.settle_until(|a| a.etl().is_some_and(|e| e.last.is_some()));
    assert!(
        h.render().contains("Cancelled: nothing was written."),
        "{}",
        h.render()
    );
    let n: i64 = stockroom::db::schema::customers::table
        .count()
        .get_result(&mut *t.db.conn().unwrap())
        .unwrap();
    assert_eq!(n, 0);
}
