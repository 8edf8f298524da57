//! The account actions added to the Users and Settings tabs, driven by keys on real SQLite:
//! a member of staff linked by searching their name and unlinked; your own 2FA turned on (then
//! asked at sign-in), shown again and turned off, never off for an Administrator, wrong
//! passwords counted; store-wide settings changed by an Administrator, read-only otherwise.

mod common;

use crossterm::event::{KeyCode, KeyModifiers};
use diesel::prelude::*;
use stockroom::auth::{Actor, Role, totp};
use stockroom::tui::app::Screen;
use stockroom::tui::tabs::settings::SettingsTab;

use common::TestDb;
use common::accounts::{self, PASSWORD, add};
use common::admin::{add_staff, admin_harness, open, select, user_harness};

fn failed_attempts(t: &TestDb, who: &str) -> i32 {
    use stockroom::db::schema::users::dsl::*;
    users
        .filter(username.eq(who))
        .select(failed_attempts)
        .first(&mut *t.db.conn().unwrap())
        .unwrap()
}

fn audit_count(t: &TestDb, kind: &str) -> i64 {
    use stockroom::db::schema::audit_events::dsl::*;
    audit_events
        .filter(event.eq(kind))
        .count()
        .get_result(&mut *t.db.conn().unwrap())
        .unwrap()
}

fn staff_of(t: &TestDb, who: &str) -> Option<i32> {
    use stockroom::db::schema::users::dsl::*;
    users
        .filter(username.eq(who))
        .select(staff_id)
        .first(&mut *t.db.conn().unwrap())
        .unwrap()
}

#[test]
fn a_member_of_staff_is_linked_by_name_and_unlinked_with_questions_naming_the_user() {
    let t = TestDb::sqlite();
    let dir = tempfile::tempdir().unwrap();
    let (mut h, auth, _) = admin_harness(&t, dir.path());
    add_staff(&t);
    add(&auth, "emil", Role::Employee);
    add(&auth, "mona", Role::Manager);
    open(&mut h, "Users");
    h.press(KeyCode::Char('g'));
    select(&mut h, "emil");
    h.press(KeyCode::Char('s'));
    let s = h.render();
    assert!(s.contains("Jane Doe") && s.contains("Genna Serrano"), "{s}");
    h.type_text("serr");
    let s = h.render();
    assert!(
        s.contains("#2 Genna Serrano") && !s.contains("Jane Doe"),
        "{s}"
    );
    h.press(KeyCode::Enter);
    assert!(
        h.render()
            .contains("Link `emil` to member of staff #2 Genna Serrano?"),
        "{}",
        h.render()
    );
    h.press(KeyCode::Char('y'));
    let s = h.render();
    assert!(s.contains("`emil` is linked to member of staff #2"), "{s}");
    assert!(s.contains("#2 Genna"), "the list names them: {s}");
    assert_eq!(staff_of(&t, "emil"), Some(2));
    // Someone already linked is refused for another account, in words.
    select(&mut h, "mona");
    h.press(KeyCode::Char('s'));
    h.type_text("genna");
    h.press(KeyCode::Enter);
    h.press(KeyCode::Char('y'));
    assert!(
        h.render().contains("already linked to `emil`"),
        "{}",
        h.render()
    );
    assert_eq!(staff_of(&t, "mona"), None);
    // Unlink, after a question naming the user and the member of staff.
    select(&mut h, "emil");
    h.press(KeyCode::Char('S'));
    assert!(
        h.render()
            .contains("Unlink `emil` from member of staff #2 Genna Serrano?"),
        "{}",
        h.render()
    );
    h.press(KeyCode::Char('y'));
    assert!(h.render().contains("no longer linked"), "{}", h.render());
    assert_eq!(staff_of(&t, "emil"), None);
    assert_eq!(audit_count(&t, "user.staff_linked"), 1);
    assert_eq!(audit_count(&t, "user.staff_unlinked"), 1);
}

#[test]
fn two_factor_turned_on_in_settings_is_then_asked_at_sign_in_and_can_be_turned_off() {
    let t = TestDb::sqlite();
    let dir = tempfile::tempdir().unwrap();
    let (auth, _) = accounts::auth(&t);
    add(&auth, "root", Role::Administrator);
    add(&auth, "emil", Role::Employee);
    let mut h = user_harness(&auth, dir.path(), "emil");
    open(&mut h, "Settings");
    assert!(h.render().contains("2FA           off"), "{}", h.render());
    // A wrong password is refused and counted toward lockout.
    h.press(KeyCode::Char('o'));
    h.type_text("Not-My-Pass-1");
    h.press(KeyCode::Enter);
    assert!(
        h.render().contains("current password is wrong"),
        "{}",
        h.render()
    );
    assert_eq!(failed_attempts(&t, "emil"), 1);
    h.type_text(PASSWORD);
    h.press(KeyCode::Enter);
    let secret = {
        let tab = h.app.tab::<SettingsTab>().unwrap();
        tab.qr.as_ref().expect("the QR view").setup.secret.clone()
    };
    let s = h.render();
    assert!(
        s.contains("Turn on two-factor authentication.") && s.contains('▀'),
        "{s}"
    );
    assert!(s.contains(totp::grouped(&secret).split(' ').next().unwrap()));
    // A wrong first code is refused (and counted); the right one turns 2FA on.
    h.type_text("000000");
    h.press(KeyCode::Enter);
    assert!(h.render().contains("does not match"), "{}", h.render());
    assert_eq!(failed_attempts(&t, "emil"), 2);
    h.type_text(&totp::code_at(&secret, auth.now()).unwrap());
    h.press(KeyCode::Enter);
    let codes = h.app.tab::<SettingsTab>().unwrap().codes.clone().unwrap();
    assert_eq!(codes.len(), 10);
    let s = h.render();
    assert!(s.contains(&codes[0]) && s.contains("2FA is on"), "{s}");
    h.press(KeyCode::Char('z'));
    let s = h.render();
    assert!(!s.contains(&codes[0]), "{s}");
    assert!(s.contains("on · 10 backup codes left"), "{s}");
    // The QR code again, after the password: the same secret.
    h.press(KeyCode::Char('s'));
    h.type_text(PASSWORD);
    h.press(KeyCode::Enter);
    let shown = h.app.tab::<SettingsTab>().unwrap().qr.as_ref().unwrap();
    assert!(shown.form.is_none());
    assert_eq!(shown.setup.secret, secret);
    assert!(h.render().contains("to scan on a new phone"));
    h.press(KeyCode::Char('q'));
    assert!(!h.app.quit && h.app.tab::<SettingsTab>().unwrap().qr.is_none());
    // Another terminal: 2FA is now asked at sign-in.
    let mut other = stockroom::tui::harness::Harness::new(
        auth.clone(),
        stockroom::tui::harness::Harness::options(
            stockroom::tui::theme::ThemeName::Dark,
            dir.path().join("o.toml"),
        ),
        100,
        30,
    );
    other.type_text("emil");
    other.press(KeyCode::Enter);
    other.type_text(PASSWORD);
    other.press(KeyCode::Enter);
    assert!(
        matches!(other.app.screen, Screen::SecondFactor { .. }),
        "{}",
        other.render()
    );
    other.type_text(&totp::code_at(&secret, auth.now() + 30).unwrap());
    other.press(KeyCode::Enter);
    assert!(matches!(other.app.screen, Screen::Main { .. }));
    // Turned off: the backup codes stop working, sign-in asks only the password.
    h.press(KeyCode::Char('f'));
    h.type_text(PASSWORD);
    h.press(KeyCode::Enter);
    assert!(h.render().contains("2FA is off"), "{}", h.render());
    let p = auth.begin_sign_in("emil", PASSWORD).unwrap();
    assert_eq!(p.step(), stockroom::auth::Step::Done);
    assert_eq!(audit_count(&t, "2fa.enabled"), 1);
    assert_eq!(audit_count(&t, "2fa.shown"), 1);
    assert_eq!(audit_count(&t, "2fa.disabled"), 1);
    // Nothing secret reached the audit trail.
    let rows: Vec<(String, String)> = {
        use stockroom::db::schema::audit_events::dsl::*;
        audit_events
            .select((actor, details))
            .load(&mut *t.db.conn().unwrap())
            .unwrap()
    };
    for (a, d) in rows {
        for s in [
            PASSWORD,
            "Not-My-Pass-1",
            secret.as_str(),
            codes[0].as_str(),
        ] {
            assert!(!a.contains(s) && !d.contains(s), "{a} {d}");
        }
    }
}

#[test]
fn an_administrator_cannot_turn_2fa_off_and_wrong_re_entries_count() {
    let t = TestDb::sqlite();
    let dir = tempfile::tempdir().unwrap();
    let (mut h, _auth, _) = admin_harness(&t, dir.path());
    open(&mut h, "Settings");
    assert!(!h.render().contains("turn 2FA off"), "{}", h.render());
    h.press(KeyCode::Char('f'));
    let s = h.render();
    assert!(s.contains("mandatory for Administrators"), "{s}");
    assert!(h.app.tab::<SettingsTab>().unwrap().form.is_none());
    assert_eq!(failed_attempts(&t, "root"), 0);
    h.press(KeyCode::Char('s'));
    h.type_text("Wrong-Guess-42");
    h.press(KeyCode::Enter);
    assert!(h.render().contains("Error:"), "{}", h.render());
    assert_eq!(failed_attempts(&t, "root"), 1);
    assert_eq!(audit_count(&t, "2fa.disabled"), 0);
}

#[test]
fn store_wide_settings_are_checked_saved_and_used_at_once() {
    let t = TestDb::sqlite();
    let dir = tempfile::tempdir().unwrap();
    let (mut h, auth, _) = admin_harness(&t, dir.path());
    add(&auth, "mona", Role::Manager);
    open(&mut h, "Settings");
    assert!(
        h.render().contains("lockout after      5 failed attempts"),
        "{}",
        h.render()
    );
    h.press(KeyCode::Char('e'));
    h.press(KeyCode::Enter);
    h.press_with(KeyCode::Char('u'), KeyModifiers::CONTROL);
    h.type_text("0");
    h.press(KeyCode::Enter);
    let s = h.render();
    assert!(
        s.contains("lockout after (lockout_threshold) must be a whole number from 1 to 100"),
        "{s}"
    );
    h.press_with(KeyCode::Char('u'), KeyModifiers::CONTROL);
    h.type_text("3");
    h.press(KeyCode::Enter);
    let s = h.render();
    assert!(s.contains("lockout after is now 3"), "{s}");
    assert!(s.contains("lockout after      3 failed attempts"), "{s}");
    let file = dir.path().join("c.toml");
    let parsed = stockroom::config::Config::parse_file(&file).unwrap();
    assert_eq!(parsed.lockout_threshold, Some(3));
    // This process uses it at once: three wrong passwords lock mona.
    assert_eq!(auth.settings().lockout_threshold, 3);
    for _ in 0..3 {
        assert!(auth.begin_sign_in("mona", "Wrong-Guess-1").is_err());
    }
    assert_eq!(audit_count(&t, "signin.locked"), 1);
    // The currency: the running app draws with the new one.
    h.press(KeyCode::Char('e'));
    for _ in 0..6 {
        h.press(KeyCode::Char('j'));
    }
    h.press(KeyCode::Enter);
    h.press_with(KeyCode::Char('u'), KeyModifiers::CONTROL);
    h.type_text("€");
    h.press(KeyCode::Enter);
    assert_eq!(h.app.ctx().shop.currency, "€");
    assert!(h.render().contains("“€”"), "{}", h.render());
    assert_eq!(
        stockroom::config::Config::parse_file(&file)
            .unwrap()
            .currency_symbol
            .as_deref(),
        Some("€")
    );
    assert_eq!(audit_count(&t, "settings.changed"), 2);
    // A Manager reads them; the service refuses them a change.
    auth.unlock_user(&accounts::cli(), "mona").unwrap();
    let mut m = user_harness(&auth, dir.path(), "mona");
    open(&mut m, "Settings");
    let s = m.render();
    assert!(s.contains("Read only: Administrators change these."), "{s}");
    m.press(KeyCode::Char('e'));
    assert!(m.app.tab::<SettingsTab>().unwrap().picking.is_none());
    let actor = Actor::from_session(m.app.session.as_ref().unwrap());
    let err = auth
        .change_store_setting(&actor, &file, "lockout_threshold", "9")
        .unwrap_err();
    assert!(matches!(err, stockroom::Error::Forbidden(_)), "{err}");
    assert_eq!(
        stockroom::config::Config::parse_file(&file)
            .unwrap()
            .lockout_threshold,
        Some(3)
    );
}
