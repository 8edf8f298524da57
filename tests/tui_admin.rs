//! The Users, Audit and Settings tabs driven by keys: accounts created and changed by an
//! Administrator with each refusal in words, read-only for a Manager; the audit log filtered,
//! detailed and exported; your own password and backup codes changed in Settings.

mod common;

use crossterm::event::{KeyCode, KeyModifiers};
use diesel::prelude::*;
use stockroom::auth::Role;
use stockroom::tui::harness::Harness;
use stockroom::tui::tabs::audit::AuditTab;
use stockroom::tui::tabs::users::UsersTab;
use stockroom::tui::theme::ThemeName;

use common::accounts::{self, PASSWORD, add};
use common::admin::{admin_harness, open, select};
use common::{TestDb, count};

#[test]
fn an_administrator_manages_accounts_and_each_refusal_is_in_words() {
    let t = TestDb::sqlite();
    let dir = tempfile::tempdir().unwrap();
    let (mut h, auth, _) = admin_harness(&t, dir.path());
    open(&mut h, "Users");
    assert!(h.render().contains("root"), "{}", h.render());
    // A new user: the password rules answer as it is typed.
    h.press(KeyCode::Char('n'));
    h.type_text("emil");
    h.press(KeyCode::Enter);
    h.press_with(KeyCode::Char('u'), KeyModifiers::CONTROL);
    h.type_text("employee");
    h.press(KeyCode::Enter);
    h.type_text("short");
    assert!(
        h.render().contains("Password still needs"),
        "{}",
        h.render()
    );
    h.type_text("-Enough-2026");
    assert!(h.render().contains("meets every rule"), "{}", h.render());
    h.press(KeyCode::Enter);
    h.type_text("short-Enough-2026");
    h.press(KeyCode::Enter);
    assert!(
        h.render().contains("Created `emil` (Employee)"),
        "{}",
        h.render()
    );
    assert!(!h.render().contains("short-Enough-2026"));
    // Promote emil to manager, after a question naming him.
    select(&mut h, "emil");
    h.press(KeyCode::Char('r'));
    h.press(KeyCode::Char('m'));
    assert!(
        h.render().contains("Make `emil` Manager?"),
        "{}",
        h.render()
    );
    h.press(KeyCode::Char('y'));
    assert!(
        h.render().contains("`emil` is now Manager"),
        "{}",
        h.render()
    );
    let role: String = {
        use stockroom::db::schema::users::dsl::*;
        users
            .filter(username.eq("emil"))
            .select(role)
            .first(&mut *t.db.conn().unwrap())
            .unwrap()
    };
    assert_eq!(role, "manager");
    // An administrator cannot demote or deactivate themselves: the service says why before
    // anything is asked.
    select(&mut h, "root");
    h.press(KeyCode::Char('r'));
    let s = h.render();
    assert!(s.contains("you cannot demote your own account"), "{s}");
    let users = |h: &Harness| h.app.tab::<UsersTab>().unwrap().picking_role;
    assert!(!users(&h), "no role is asked for");
    select(&mut h, "root");
    h.press(KeyCode::Char('x'));
    let s = h.render();
    assert!(s.contains("you cannot deactivate your own account"), "{s}");
    assert!(!s.contains("Deactivate `root`?"), "{s}");
    assert!(h.app.tab::<UsersTab>().unwrap().confirm.is_none());
    let (still_admin, still_active): (String, bool) = {
        use stockroom::db::schema::users::dsl::*;
        users
            .filter(username.eq("root"))
            .select((role, active))
            .first(&mut *t.db.conn().unwrap())
            .unwrap()
    };
    assert_eq!(
        (still_admin.as_str(), still_active),
        ("administrator", true)
    );
    // Any other key than y changes nothing.
    select(&mut h, "emil");
    h.press(KeyCode::Char('x'));
    h.press(KeyCode::Char('n'));
    assert!(h.render().contains("Nothing was changed."));
    // Reset emil's password: he must choose a new one at sign-in.
    h.press(KeyCode::Char('p'));
    h.type_text("Temp-Pass-2026!");
    h.press(KeyCode::Enter);
    h.type_text("Temp-Pass-2026!");
    h.press(KeyCode::Enter);
    assert!(
        h.render().contains("Password of `emil` reset"),
        "{}",
        h.render()
    );
    let p = auth.begin_sign_in("emil", "Temp-Pass-2026!").unwrap();
    assert_eq!(p.step(), stockroom::auth::Step::PasswordChange);
    // Every change left an audit row.
    let n: i64 = {
        use stockroom::db::schema::audit_events::dsl::*;
        audit_events
            .filter(event.like("user.%"))
            .count()
            .get_result(&mut *t.db.conn().unwrap())
            .unwrap()
    };
    assert!(n >= 3, "{n}");
}

#[test]
fn a_manager_reads_users_and_employees_have_no_users_tab() {
    let t = TestDb::sqlite();
    let dir = tempfile::tempdir().unwrap();
    let (auth, _) = accounts::auth(&t);
    add(&auth, "root", Role::Administrator);
    add(&auth, "mona", Role::Manager);
    add(&auth, "emil", Role::Employee);
    for (who, has) in [("mona", true), ("emil", false)] {
        let mut h = Harness::new(
            auth.clone(),
            Harness::options(ThemeName::Dark, dir.path().join("c.toml")),
            100,
            30,
        );
        h.type_text(who);
        h.press(KeyCode::Enter);
        h.type_text(PASSWORD);
        h.press(KeyCode::Enter);
        assert_eq!(h.app.tabs().contains(&"Users"), has, "{who}");
        if has {
            open(&mut h, "Users");
            let s = h.render();
            assert!(s.contains("read only"), "{s}");
            assert!(!s.contains("n new user"), "{s}");
            h.press(KeyCode::Char('n'));
            assert!(h.app.tab::<UsersTab>().unwrap().form.is_none());
            // The service refuses a Manager whatever the screen offers.
            let actor = stockroom::auth::Actor::from_session(h.app.session.as_ref().unwrap());
            assert!(matches!(
                auth.set_active(&actor, "emil", false),
                Err(stockroom::Error::Forbidden(_))
            ));
        }
    }
    assert_eq!(count(&t, "users"), 3);
}

#[test]
fn the_audit_log_filters_shows_details_and_exports() {
    let t = TestDb::sqlite();
    let dir = tempfile::tempdir().unwrap();
    let (mut h, _auth, _) = admin_harness(&t, dir.path());
    open(&mut h, "Audit");
    let s = h.render();
    assert!(
        s.contains("newest first") && s.contains("signin.success"),
        "{s}"
    );
    // Filter: event kind `user` only.
    h.press(KeyCode::Char('/'));
    h.press(KeyCode::Enter);
    h.type_text("user");
    for _ in 0..4 {
        h.press(KeyCode::Enter);
    }
    let tab = h.app.tab::<AuditTab>().unwrap();
    assert!(!tab.events.is_empty());
    assert!(tab.events.iter().all(|e| e.event.starts_with("user.")));
    assert!(h.render().contains("event user"), "{}", h.render());
    // Details of the first.
    h.press(KeyCode::Enter);
    assert!(h.render().contains("Any key closes."), "{}", h.render());
    h.press(KeyCode::Char('z'));
    // A bad date is refused, naming the field.
    h.press(KeyCode::Char('/'));
    for _ in 0..3 {
        h.press(KeyCode::Enter);
    }
    h.type_text("2026-02-30");
    h.press(KeyCode::Enter);
    h.press(KeyCode::Enter);
    assert!(
        h.render().contains("from: `2026-02-30` is not a date"),
        "{}",
        h.render()
    );
    h.press(KeyCode::Esc);
    // Export what is filtered.
    h.press(KeyCode::Char('x'));
    let s = h.render();
    assert!(s.contains("Exported") && s.contains("audit-"), "{s}");
    let dirp = dir.path().join("data").join("exports");
    let file = std::fs::read_dir(&dirp)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let text = std::fs::read_to_string(file).unwrap();
    assert!(text.starts_with("at_utc,actor,terminal,event,details"));
    assert!(text.lines().skip(1).all(|l| l.contains(",user.")), "{text}");
}

#[test]
fn settings_change_your_password_and_renew_backup_codes() {
    let t = TestDb::sqlite();
    let dir = tempfile::tempdir().unwrap();
    let (mut h, auth, secret) = admin_harness(&t, dir.path());
    open(&mut h, "Settings");
    assert!(
        h.render().contains("on · 10 backup codes left"),
        "{}",
        h.render()
    );
    // A wrong password is refused and counted.
    h.press(KeyCode::Char('b'));
    h.type_text("Not-My-Pass-1");
    h.press(KeyCode::Enter);
    assert!(h.render().contains("Error:"), "{}", h.render());
    let failed: i32 = {
        use stockroom::db::schema::users::dsl::*;
        users
            .filter(username.eq("root"))
            .select(failed_attempts)
            .first(&mut *t.db.conn().unwrap())
            .unwrap()
    };
    assert_eq!(failed, 1);
    h.press(KeyCode::Esc);
    // New codes: shown once; the new ones work, once.
    h.press(KeyCode::Char('b'));
    h.type_text(PASSWORD);
    h.press(KeyCode::Enter);
    let codes = h
        .app
        .tab::<stockroom::tui::tabs::settings::SettingsTab>()
        .unwrap()
        .codes
        .clone()
        .unwrap();
    assert_eq!(codes.len(), 10);
    assert!(h.render().contains(&codes[0]));
    h.press(KeyCode::Char('z'));
    assert!(!h.render().contains(&codes[0]));
    let mut p = auth.begin_sign_in("root", PASSWORD).unwrap();
    auth.verify_second_factor(&mut p, &codes[0]).unwrap();
    let mut p = auth.begin_sign_in("root", PASSWORD).unwrap();
    assert!(
        auth.verify_second_factor(&mut p, &codes[0]).is_err(),
        "once only"
    );
    // Change the password; the new one signs in.
    h.press(KeyCode::Char('p'));
    h.type_text(PASSWORD);
    h.press(KeyCode::Enter);
    h.type_text("Brand-New-Pass-7");
    h.press(KeyCode::Enter);
    h.type_text("Brand-New-Pass-7");
    h.press(KeyCode::Enter);
    assert!(
        h.render().contains("Your password was changed."),
        "{}",
        h.render()
    );
    assert!(auth.begin_sign_in("root", "Brand-New-Pass-7").is_ok());
    let _ = secret;
}

#[test]
fn an_administrator_ends_a_session_and_that_terminal_returns_to_sign_in() {
    let t = TestDb::sqlite();
    let dir = tempfile::tempdir().unwrap();
    let (mut h, auth, _) = admin_harness(&t, dir.path());
    add(&auth, "mona", Role::Manager);
    let mut other = Harness::new(
        auth.clone(),
        Harness::options(ThemeName::Dark, dir.path().join("c2.toml")),
        100,
        30,
    );
    other.type_text("mona");
    other.press(KeyCode::Enter);
    other.type_text(PASSWORD);
    other.press(KeyCode::Enter);
    assert!(other.render().contains("mona (Manager)"));
    open(&mut h, "Users");
    h.press(KeyCode::Char('g'));
    select(&mut h, "mona");
    h.press(KeyCode::Enter);
    let s = h.render();
    assert!(s.contains("1 open session of `mona`"), "{s}");
    h.press(KeyCode::Char('e'));
    assert!(h.render().contains("End session"), "{}", h.render());
    h.press(KeyCode::Char('y'));
    assert!(
        h.render().contains("ended; that terminal returns"),
        "{}",
        h.render()
    );
    // The other terminal finds out at its next check.
    other.tick();
    let s = other.render();
    assert!(
        matches!(other.app.screen, stockroom::tui::app::Screen::Login(_)),
        "{s}"
    );
    assert!(s.contains("ended by root"), "{s}");
}

#[test]
fn the_users_tab_pages_searches_and_shows_lock_ends_and_codes_left() {
    let t = TestDb::sqlite();
    let dir = tempfile::tempdir().unwrap();
    let (mut h, auth, _) = admin_harness(&t, dir.path());
    for i in 0..30 {
        add(&auth, &format!("clerk{i:02}"), Role::Employee);
    }
    for _ in 0..5 {
        let _ = auth.begin_sign_in("clerk05", "wrong password");
    }
    open(&mut h, "Users");
    h.press(KeyCode::Char('g'));
    let tab = |h: &Harness| {
        let u = h.app.tab::<UsersTab>().unwrap();
        (u.offset, u.total, u.users.len())
    };
    let (offset, total, shown) = tab(&h);
    assert_eq!((offset, total), (0, 31));
    assert!(shown < 31, "a page, not every account");
    assert!(h.render().contains(&format!("accounts 1–{shown} of 31")));
    // Paging on: every account once.
    let mut seen: Vec<String> = Vec::new();
    loop {
        let u = h.app.tab::<UsersTab>().unwrap();
        seen.extend(u.users.iter().map(|x| x.username.clone()));
        if u.offset + u.users.len() as i64 >= u.total {
            break;
        }
        h.press(KeyCode::PageDown);
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!((seen.len(), unique.len()), (31, 31));
    // A search, and the lock-out's end in words; Esc shows everyone again.
    h.press(KeyCode::Char('/'));
    h.type_text("CLERK0");
    h.press(KeyCode::Enter);
    let s = h.render();
    assert_eq!(tab(&h).1, 10, "{s}");
    assert!(s.contains("search “CLERK0”"), "{s}");
    assert!(s.contains("locked to "), "{s}");
    h.press(KeyCode::Esc);
    assert_eq!(tab(&h).1, 31);
}

#[test]
fn deactivate_activate_unlock_and_reset_2fa_by_keys_each_change_the_row_and_are_audited() {
    let t = TestDb::sqlite();
    let dir = tempfile::tempdir().unwrap();
    let (mut h, auth, _) = admin_harness(&t, dir.path());
    add(&auth, "emil", Role::Employee);
    for _ in 0..5 {
        let _ = auth.begin_sign_in("emil", "wrong password");
    }
    open(&mut h, "Users");
    h.press(KeyCode::Char('g'));
    let row = |t: &TestDb| -> (bool, Option<i64>, bool) {
        use stockroom::db::schema::users::dsl::*;
        users
            .filter(username.eq("emil"))
            .select((active, locked_until, totp_enabled))
            .first(&mut *t.db.conn().unwrap())
            .unwrap()
    };
    let audited = |t: &TestDb, ev: &str| -> i64 {
        use stockroom::db::schema::audit_events::dsl::*;
        audit_events
            .filter(event.eq(ev))
            .filter(details.like("%emil%"))
            .count()
            .get_result(&mut *t.db.conn().unwrap())
            .unwrap()
    };
    assert!(row(&t).1.is_some(), "emil is locked out");
    select(&mut h, "emil");
    h.press(KeyCode::Char('u'));
    h.press(KeyCode::Char('y'));
    assert!(h.render().contains("`emil` is unlocked"), "{}", h.render());
    assert_eq!(row(&t).1, None);
    select(&mut h, "emil");
    h.press(KeyCode::Char('x'));
    h.press(KeyCode::Char('y'));
    assert!(
        h.render().contains("`emil` is deactivated"),
        "{}",
        h.render()
    );
    assert!(!row(&t).0);
    select(&mut h, "emil");
    h.press(KeyCode::Char('x'));
    h.press(KeyCode::Char('y'));
    assert!(
        h.render().contains("`emil` is active again"),
        "{}",
        h.render()
    );
    assert!(row(&t).0);
    // emil's 2FA (turned on here directly in the store) is reset by the administrator.
    {
        use diesel::connection::SimpleConnection;
        t.db.conn()
            .unwrap()
            .batch_execute("UPDATE users SET totp_enabled = 1 WHERE username = 'emil'")
            .unwrap();
    }
    assert!(row(&t).2);
    select(&mut h, "emil");
    h.press(KeyCode::Char('f'));
    h.press(KeyCode::Char('y'));
    assert!(!row(&t).2, "{}", h.render());
    assert_eq!(audited(&t, "2fa.reset"), 1);
    for ev in ["user.unlocked", "user.deactivated", "user.activated"] {
        assert_eq!(audited(&t, ev), 1, "{ev}");
    }
}

#[test]
fn the_audit_tab_shows_new_events_on_r_where_you_are() {
    let t = TestDb::sqlite();
    let dir = tempfile::tempdir().unwrap();
    let (mut h, auth, _) = admin_harness(&t, dir.path());
    add(&auth, "emil", Role::Employee);
    open(&mut h, "Audit");
    h.press(KeyCode::Char('j'));
    h.press(KeyCode::Char('j'));
    let before = h.app.tab::<AuditTab>().unwrap().events.len();
    let cursor = h.app.tab::<AuditTab>().unwrap().cursor;
    assert_eq!(cursor, 2);
    add(&auth, "mona", Role::Manager);
    h.press(KeyCode::Char('r'));
    let tab = h.app.tab::<AuditTab>().unwrap();
    assert_eq!(tab.events.len(), before + 1);
    assert_eq!(tab.cursor, cursor, "the position is kept");
    assert!(
        tab.events
            .iter()
            .any(|e| e.event == "user.created" && e.details.contains("mona"))
    );
}
