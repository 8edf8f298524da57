//! Helpers of the Users, Audit and Settings tab tests: an administrator signed in on a
//! harness (2FA set up through the service), tabs opened and users selected by keys, and two
//! members of staff to link.

use crossterm::event::KeyCode;
use diesel::connection::SimpleConnection;
use stockroom::auth::{Auth, Role, totp};
use stockroom::tui::harness::Harness;
use stockroom::tui::tabs::users::UsersTab;
use stockroom::tui::theme::ThemeName;

use super::TestDb;
use super::accounts::{self, PASSWORD, add};

/// An administrator `root` signed in on a harness of `size`; returns their 2FA secret.
pub fn admin_harness_sized(
    t: &TestDb,
    dir: &std::path::Path,
    theme: ThemeName,
    size: (u16, u16),
) -> (Harness, Auth, String) {
    let (auth, _) = accounts::auth(t);
    add(&auth, "root", Role::Administrator);
    let mut p = auth.begin_sign_in("root", PASSWORD).unwrap();
    let setup = auth.totp_setup(&mut p).unwrap();
    auth.confirm_totp_setup(&mut p, &totp::code_at(&setup.secret, auth.now()).unwrap())
        .unwrap();
    auth.finish_sign_in(p).unwrap();
    let mut h = Harness::new(
        auth.clone(),
        Harness::options(theme, dir.join("c.toml")),
        size.0,
        size.1,
    );
    h.type_text("root");
    h.press(KeyCode::Enter);
    h.type_text(PASSWORD);
    h.press(KeyCode::Enter);
    h.type_text(&totp::code_at(&setup.secret, auth.now() + 30).unwrap());
    h.press(KeyCode::Enter);
    assert!(
        h.render().contains("root (Administrator)"),
        "{}",
        h.render()
    );
    (h, auth, setup.secret)
}

/// [`admin_harness_sized`] at 100×30 in the dark theme.
pub fn admin_harness(t: &TestDb, dir: &std::path::Path) -> (Harness, Auth, String) {
    admin_harness_sized(t, dir, ThemeName::Dark, (100, 30))
}

/// A harness with `who` (no 2FA) signed in.
pub fn user_harness(auth: &Auth, dir: &std::path::Path, who: &str) -> Harness {
    let mut h = Harness::new(
        auth.clone(),
        Harness::options(ThemeName::Dark, dir.join(format!("{who}.toml"))),
        100,
        30,
    );
    h.type_text(who);
    h.press(KeyCode::Enter);
    h.type_text(PASSWORD);
    h.press(KeyCode::Enter);
    h
}

pub fn open(h: &mut Harness, title: &str) {
    let n = h.app.tabs().iter().position(|t| *t == title).unwrap() + 1;
    h.press(KeyCode::Char(char::from_digit(n as u32, 10).unwrap()));
}

pub fn select(h: &mut Harness, user: &str) {
    let i = h
        .app
        .tab::<UsersTab>()
        .unwrap()
        .users
        .iter()
        .position(|u| u.username == user)
        .unwrap();
    h.press(KeyCode::Home);
    for _ in 0..20 {
        h.press(KeyCode::Char('k'));
    }
    for _ in 0..i {
        h.press(KeyCode::Char('j'));
    }
}

/// A store with two members of staff: #1 Jane Doe and #2 Genna Serrano.
pub fn add_staff(t: &TestDb) {
    t.db.conn()
        .unwrap()
        .batch_execute(
            "INSERT INTO stores (store_id, store_name) VALUES (1, 'Main Street');
             INSERT INTO staffs (staff_id, first_name, last_name, email, active, store_id)
             VALUES (1, 'Jane', 'Doe', 'jane@example.com', 1, 1),
                    (2, 'Genna', 'Serrano', 'genna@example.com', 1, 1);",
        )
        .unwrap();
}
