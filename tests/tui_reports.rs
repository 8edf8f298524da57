//! The Reports tab driven by keys over a real store: a customer found by typing and its report
//! written on a worker (the PDF parsed back, the audit row there), a sales report after the
//! form's own refusals and the service's, the path copied with OSC 52, and the tab drawn at
//! 80×24 and 200×60 in both themes.

mod common;

use std::path::Path;
use std::process::Command;

use crossterm::event::{KeyCode, KeyModifiers};
use diesel::prelude::*;
use stockroom::auth::Role;
use stockroom::db::models::Customer;
use stockroom::db::schema::{audit_events, customers};
use stockroom::store::demo::{DemoOptions, load};
use stockroom::tui::harness::Harness;
use stockroom::tui::tabs::reports::{Mode, ReportsTab};
use stockroom::tui::theme::ThemeName;
use stockroom::worker::CancelToken;

use common::TestDb;
use common::accounts::{self, PASSWORD, add};

const ZOE: i32 = 90_001;

/// Demo data, and a customer whose name is in two scripts.
fn store() -> TestDb {
    let t = TestDb::sqlite();
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
    diesel::insert_into(customers::table)
        .values(&Customer {
            customer_id: ZOE,
            first_name: "Zoë".into(),
            last_name: "王小明".into(),
            phone: None,
            email: "zoe.wang@example.cn".into(),
            street: None,
            city: Some("Dublin".into()),
            state: None,
            zip_code: None,
        })
        .execute(&mut *t.db.conn().unwrap())
        .unwrap();
    t
}

fn signed_in(t: &TestDb, dir: &Path, who: &str, theme: ThemeName, size: (u16, u16)) -> Harness {
    let (auth, _) = accounts::auth(t);
    if common::count(t, "users") == 0 {
        add(&auth, "root", Role::Administrator);
    }
    add(&auth, who, Role::Employee);
    let mut h = Harness::new(
        auth,
        Harness::options(theme, dir.join("c.toml")),
        size.0,
        size.1,
    );
    h.type_text(who);
    h.press(KeyCode::Enter);
    h.type_text(PASSWORD);
    h.press(KeyCode::Enter);
    let n = h.app.tabs().iter().position(|t| *t == "Reports").unwrap() + 1;
    h.press(KeyCode::Char(char::from_digit(n as u32, 10).unwrap()));
    h
}

fn tab(h: &Harness) -> &ReportsTab {
    h.app.tab::<ReportsTab>().unwrap()
}

fn pdftotext(path: &Path) -> String {
    let out = Command::new("pdftotext")
        .args([path.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext (poppler-utils) must be installed");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn notice(h: &Harness) -> String {
    h.app
        .notice
        .as_ref()
        .map(|n| n.text.clone())
        .unwrap_or_default()
}

#[test]
fn a_clerk_writes_a_customer_report_found_by_name_and_copies_its_path() {
    let t = store();
    let dir = tempfile::tempdir().unwrap();
    let mut h = signed_in(&t, dir.path(), "clerk", ThemeName::Dark, (100, 30));
    let s = h.render();
    assert!(s.contains("No reports yet"), "{s}");

    // `o` with nothing written says so; it copies nothing.
    h.press(KeyCode::Char('o'));
    assert!(notice(&h).contains("No report yet"), "{}", notice(&h));
    assert_eq!(h.app.take_clipboard(), None);

    h.press(KeyCode::Char('c'));
    assert_eq!(tab(&h).mode, Mode::Customer);
    // `q` is typed into the search, not taken as quit.
    h.type_text("qzz");
    assert!(!h.app.quit);
    assert!(h.render().contains("No customer matches"), "{}", h.render());
    for _ in 0..3 {
        h.press(KeyCode::Backspace);
    }
    // Enter with no customer picked writes nothing and says what to do.
    h.press(KeyCode::Enter);
    assert!(notice(&h).contains("No customer chosen"), "{}", notice(&h));
    h.type_text("wang@");
    h.settle_until(|a| a.tab::<ReportsTab>().is_some_and(|r| !r.matches.is_empty()));
    assert_eq!(tab(&h).matches[0].customer_id, ZOE);
    assert!(h.render().contains("Zoë 王小明"), "{}", h.render());
    h.press(KeyCode::Enter);
    h.settle_until(|a| a.tab::<ReportsTab>().is_some_and(|r| r.last.is_some()));

    let path = tab(&h).last.as_ref().unwrap().1.path.clone().unwrap();
    let reports = dir.path().join("reports");
    assert!(path.starts_with(&reports), "{}", path.display());
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    assert!(name.starts_with(&format!("customer-{ZOE}-")), "{name}");
    let text = pdftotext(&path);
    assert!(text.contains("王小明") && text.contains("Zoë"), "{text}");
    assert!(
        notice(&h).contains("Customer report written"),
        "{}",
        notice(&h)
    );
    h.settle_until(|a| a.tab::<ReportsTab>().is_some_and(|r| r.recent.len() == 1));
    let s = h.render();
    assert!(s.contains(&name), "{s}");
    let audited: i64 = audit_events::table
        .filter(audit_events::event.eq("report"))
        .filter(audit_events::details.like(format!("%customer={ZOE}%")))
        .count()
        .get_result(&mut *t.db.conn().unwrap())
        .unwrap();
    assert_eq!(audited, 1);

    // `o` sends the path through OSC 52 (the terminal loop writes the escape).
    h.press(KeyCode::Char('o'));
    assert_eq!(h.app.take_clipboard(), Some(path.display().to_string()));
    assert!(notice(&h).contains("clipboard"), "{}", notice(&h));

    // The same report again: a second file, never overwriting the first.
    h.press(KeyCode::Char('c'));
    h.press(KeyCode::Enter);
    h.settle_until(|a| a.tab::<ReportsTab>().is_some_and(|r| r.recent.len() == 2));
    let second = tab(&h).last.as_ref().unwrap().1.path.clone().unwrap();
    assert_ne!(second, path);
    assert!(path.exists() && second.exists());
}

#[test]
fn the_sales_form_refuses_bad_fields_and_the_service_refuses_an_unknown_store() {
    let t = store();
    let dir = tempfile::tempdir().unwrap();
    let mut h = signed_in(&t, dir.path(), "clerk", ThemeName::Dark, (100, 30));
    h.settle();
    h.press(KeyCode::Char('s'));
    assert_eq!(tab(&h).mode, Mode::Sales);
    assert!(h.render().contains("empty: all stores"), "{}", h.render());

    // A store that is not a number: refused in the form, the store field focused again.
    h.type_text("x");
    h.press(KeyCode::Enter);
    h.press(KeyCode::Enter);
    h.press(KeyCode::Enter);
    assert!(notice(&h).contains("is not a store id"), "{}", notice(&h));
    assert_eq!(tab(&h).sales.focus, stockroom::tui::tabs::reports::STORE);

    // A date that is not one names the field.
    h.press_with(KeyCode::Char('u'), KeyModifiers::CONTROL);
    h.press(KeyCode::Enter);
    h.type_text("31/12/2016");
    h.press(KeyCode::Enter);
    h.press(KeyCode::Enter);
    assert!(notice(&h).starts_with("From"), "{}", notice(&h));

    // A store that does not exist: the service says so, nothing is written, the form stays.
    h.press_with(KeyCode::Char('u'), KeyModifiers::CONTROL);
    h.type_text("2016-01");
    h.press(KeyCode::BackTab);
    h.type_text("999");
    h.press(KeyCode::Enter);
    h.press(KeyCode::Enter);
    h.type_text("2016-12");
    h.press(KeyCode::Enter);
    h.settle();
    assert!(notice(&h).contains("999"), "{}", notice(&h));
    assert_eq!(tab(&h).mode, Mode::Sales);
    assert!(tab(&h).last.is_none());
    assert!(!dir.path().join("reports").exists() || tab(&h).recent.is_empty());

    // All stores for 2016: written.
    h.press(KeyCode::Up);
    h.press(KeyCode::Up);
    h.press_with(KeyCode::Char('u'), KeyModifiers::CONTROL);
    h.press(KeyCode::Down);
    h.press(KeyCode::Down);
    h.press(KeyCode::Enter);
    h.settle_until(|a| a.tab::<ReportsTab>().is_some_and(|r| r.recent.len() == 1));
    let path = tab(&h).last.as_ref().unwrap().1.path.clone().unwrap();
    let text = pdftotext(&path);
    assert!(
        text.contains("2016-01-01") && text.contains("2016-12-31"),
        "{text}"
    );
    assert_eq!(tab(&h).mode, Mode::Browse);
}

#[test]
fn the_reports_tab_draws_at_80x24_and_200x60_in_both_themes() {
    let t = store();
    let dir = tempfile::tempdir().unwrap();
    for (theme, tag) in [(ThemeName::Dark, "dark"), (ThemeName::Light, "light")] {
        for (w, hgt) in [(80u16, 24u16), (200, 60)] {
            let who = format!("r{tag}{w}");
            let mut h = signed_in(&t, dir.path(), &who, theme, (w, hgt));
            h.settle();
            h.press(KeyCode::Char('c'));
            // Every word: `zoe` alone also finds the demo's Zoés (accents fold).
            h.type_text("zoe 王");
            h.settle_until(|a| a.tab::<ReportsTab>().is_some_and(|r| !r.matches.is_empty()));
            let s = h.render().replace(&who, "emil");
            assert!(
                s.contains("Zoë 王小明") && s.contains("No reports yet"),
                "{s}"
            );
            common::snapshot_file(&format!("reports_{tag}_{w}x{hgt}"), &s);
        }
    }
}
