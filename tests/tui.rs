//! The terminal UI, driven by key events over a real SQLite store and drawn into ratatui's
//! `TestBackend`: flows, snapshots of every screen in both themes, the QR code decoded.

mod common;

use crossterm::event::{KeyCode, KeyModifiers};
use ratatui::style::Color;
use stockroom::auth::{Auth, Clock, ManualClock, Role, totp};
use stockroom::tui::app::{Msg, Screen};
use stockroom::tui::harness::Harness;
use stockroom::tui::theme::ThemeName;

use common::TestDb;
use common::accounts::{self, PASSWORD, add};

struct Env {
    _t: TestDb,
    auth: Auth,
    clock: ManualClock,
    dir: tempfile::TempDir,
}

fn env() -> Env {
    let t = TestDb::sqlite();
    let (auth, clock) = accounts::auth(&t);
    Env {
        _t: t,
        auth,
        clock,
        dir: tempfile::tempdir().unwrap(),
    }
}

fn harness(e: &Env, theme: ThemeName) -> Harness {
    let opts = Harness::options(theme, e.dir.path().join("config.toml"));
    Harness::new(e.auth.clone(), opts, 80, 24)
}

fn sign_in_keys(h: &mut Harness, user: &str, pw: &str) {
    h.type_text(user);
    h.press(KeyCode::Enter);
    h.type_text(pw);
    h.press(KeyCode::Enter);
}

fn setup_secret(h: &Harness) -> String {
    match &h.app.screen {
        Screen::TotpSetup { setup: Some(s), .. } => s.secret.clone(),
        other => panic!("not on the 2FA setup screen: {}", other.title()),
    }
}

#[test]
fn first_run_creates_the_administrator_sets_up_2fa_and_opens_main() {
    let e = env();
    let mut h = harness(&e, ThemeName::Dark);
    let screen = h.render();
    assert!(
        screen
            .lines()
            .next()
            .unwrap()
            .contains("Stockroom — First run"),
        "{screen}"
    );
    h.type_text("root");
    h.press(KeyCode::Enter);
    h.type_text(PASSWORD);
    h.press(KeyCode::Tab);
    h.type_text("Not-The-Same-1");
    h.press(KeyCode::Enter);
    assert!(
        h.render().contains("Error: The two passwords differ"),
        "{}",
        h.render()
    );
    h.type_text(PASSWORD);
    h.press(KeyCode::Enter);
    h.type_text(PASSWORD);
    h.press(KeyCode::Enter);
    let screen = h.render();
    assert!(
        screen.contains("Set up two-factor authentication"),
        "{screen}"
    );
    assert!(!screen.contains(PASSWORD), "passwords are never drawn");
    let secret = setup_secret(&h);
    assert!(
        screen.contains(&totp::grouped(&secret)[..19]),
        "the secret is shown as grouped text:\n{screen}"
    );
    // A wrong code keeps 2FA off.
    let right = totp::code_at(&secret, e.clock.now()).unwrap();
    h.type_text(if right == "000000" {
        "111111"
    } else {
        "000000"
    });
    h.press(KeyCode::Enter);
    assert!(
        h.render().contains("Error: That code does not match"),
        "{}",
        h.render()
    );
    h.type_text(&right);
    h.press(KeyCode::Enter);
    let screen = h.render();
    assert!(
        screen.contains("Your backup codes")
            && screen.contains("Press Enter once you have saved them"),
        "{screen}"
    );
    let codes = match &h.app.screen {
        Screen::BackupCodes { codes, .. } => codes.clone(),
        _ => unreachable!(),
    };
    assert!(
        codes.iter().all(|c| screen.contains(c.as_str())),
        "all ten codes shown once"
    );
    h.press(KeyCode::Char('x'));
    assert!(
        matches!(h.app.screen, Screen::BackupCodes { .. }),
        "only Enter confirms"
    );
    h.press(KeyCode::Enter);
    let screen = h.render();
    assert!(
        screen.lines().next().unwrap().contains("Stockroom — Main"),
        "{screen}"
    );
    assert!(screen.contains("root (Administrator)"), "{screen}");
    for tab in [
        "Dashboard",
        "Data",
        "Orders",
        "Reports",
        "ETL",
        "Users",
        "Audit",
        "Settings",
    ] {
        assert!(screen.contains(tab), "administrator sees {tab}");
    }
    h.tick();
    assert!(
        h.render().contains("ends in 11h59m") || h.render().contains("ends in 12h00m"),
        "{}",
        h.render()
    );
}

#[test]
fn the_qr_code_on_screen_decodes_to_the_otpauth_uri() {
    for theme in [ThemeName::Dark, ThemeName::Light] {
        let e = env();
        e.auth.create_first_administrator("root", PASSWORD).unwrap();
        let mut h = harness(&e, theme);
        sign_in_keys(&mut h, "root", PASSWORD);
        let uri = match &h.app.screen {
            Screen::TotpSetup { setup: Some(s), .. } => s.uri.clone(),
            _ => panic!("expected the setup screen"),
        };
        h.render();
        let buf = h.terminal.backend().buffer().clone();
        // Find the QR by its dark modules, then step out over the quiet zone.
        let modules: Vec<(u16, u16)> = (0..buf.area.height)
            .flat_map(|y| (0..buf.area.width).map(move |x| (x, y)))
            .filter(|&(x, y)| matches!(buf[(x, y)].symbol(), "█" | "▀" | "▄"))
            .collect();
        assert!(!modules.is_empty(), "a QR code is drawn");
        let quiet = 2u16;
        let x0 = modules.iter().map(|c| c.0).min().unwrap() - quiet;
        let x1 = modules.iter().map(|c| c.0).max().unwrap() + quiet;
        let y0 = modules.iter().map(|c| c.1).min().unwrap() - 1;
        let y1 = modules.iter().map(|c| c.1).max().unwrap() + 1;
        assert!(y1 < 23, "fits above the notice and hint lines at 80×24");
        // The quiet zone is light (white background) on every side, whatever the theme.
        for y in y0..=y1 {
            for x in x0..=x1 {
                let edge = y == y0 || y == y1 || x < x0 + quiet || x > x1 - quiet;
                if edge {
                    let cell = &buf[(x, y)];
                    let light = cell.symbol() == " "
                        || (y == y0 && cell.symbol() == "▄")
                        || (y == y1 && cell.symbol() == "▀");
                    assert!(
                        light && cell.bg == Color::White,
                        "quiet zone at ({x},{y}): {:?} {:?}",
                        cell.symbol(),
                        cell.bg
                    );
                }
            }
        }
        let scale = 4usize;
        let (w, hgt) = ((x1 - x0 + 1) as usize, ((y1 - y0 + 1) * 2) as usize);
        let dark = |px: usize, py: usize| -> bool {
            let cell = &buf[(x0 + px as u16, y0 + (py / 2) as u16)];
            match cell.symbol() {
                "█" => true,
                "▀" => py.is_multiple_of(2),
                "▄" => py % 2 == 1,
                _ => false,
            }
        };
        let mut img =
            rqrr::PreparedImage::prepare_from_greyscale(w * scale, hgt * scale, |x, y| {
                if dark(x / scale, y / scale) { 0 } else { 255 }
            });
        let grids = img.detect_grids();
        assert_eq!(grids.len(), 1, "one QR code found ({theme:?})");
        let (_, content) = grids[0].decode().expect("decodes");
        assert_eq!(
            content, uri,
            "the QR code carries the otpauth URI ({theme:?})"
        );
        assert!(content.starts_with("otpauth://totp/Stockroom:root?secret="));
    }
}

#[test]
fn wrong_passwords_lead_to_the_lockout_message() {
    let e = env();
    add(&e.auth, "root", Role::Administrator);
    add(&e.auth, "emil", Role::Employee);
    let mut h = harness(&e, ThemeName::Dark);
    assert!(h.render().contains("Stockroom — Sign in"));
    sign_in_keys(&mut h, "emil", "Wrong-Guess-1");
    for _ in 0..4 {
        assert!(
            h.render().contains("Error: Sign-in failed"),
            "{}",
            h.render()
        );
        h.type_text("Wrong-Guess-1");
        h.press(KeyCode::Enter);
    }
    let screen = h.render();
    assert!(
        screen.contains("locked"),
        "the message says an account may be locked:\n{screen}"
    );
    h.type_text(PASSWORD);
    h.press(KeyCode::Enter);
    assert!(
        h.render().contains("Error: Sign-in failed"),
        "the right password is refused while locked"
    );
    assert!(matches!(h.app.screen, Screen::Login(_)));
}

#[test]
fn backup_code_sign_in() {
    let e = env();
    add(&e.auth, "root", Role::Administrator);
    let mut p = e.auth.begin_sign_in("root", PASSWORD).unwrap();
    let setup = e.auth.totp_setup(&mut p).unwrap();
    let codes = e
        .auth
        .confirm_totp_setup(
            &mut p,
            &totp::code_at(&setup.secret, e.clock.now()).unwrap(),
        )
        .unwrap();
    e.auth.finish_sign_in(p).unwrap();
    let mut h = harness(&e, ThemeName::Dark);
    sign_in_keys(&mut h, "root", PASSWORD);
    assert!(
        h.render().contains("Type the 6-digit code"),
        "{}",
        h.render()
    );
    h.press_with(KeyCode::Char('b'), KeyModifiers::CONTROL);
    assert!(
        h.render().contains("Type one of your backup codes"),
        "{}",
        h.render()
    );
    h.type_text(&codes[4]);
    h.press(KeyCode::Enter);
    assert!(h.render().contains("Stockroom — Main"), "{}", h.render());
    assert_eq!(e.auth.backup_codes_remaining(1).unwrap(), 9);
}

#[test]
fn idle_timeout_locks_and_the_password_returns_to_the_same_tab() {
    let e = env();
    add(&e.auth, "root", Role::Administrator);
    add(&e.auth, "mona", Role::Manager);
    let mut h = harness(&e, ThemeName::Dark);
    sign_in_keys(&mut h, "mona", PASSWORD);
    h.press(KeyCode::Char('3'));
    assert!(h.render().contains("[3 Orders]"), "{}", h.render());
    e.clock.advance(31 * 60);
    h.tick();
    let screen = h.render();
    assert!(
        screen
            .lines()
            .next()
            .unwrap()
            .contains("Stockroom — Locked"),
        "{screen}"
    );
    h.type_text("Wrong-Guess-1");
    h.press(KeyCode::Enter);
    assert!(
        h.render().contains("Error: Wrong password"),
        "{}",
        h.render()
    );
    h.type_text(PASSWORD);
    h.press(KeyCode::Enter);
    let screen = h.render();
    assert!(
        screen.contains("Stockroom — Main") && screen.contains("[3 Orders]"),
        "{screen}"
    );
}

#[test]
fn an_employee_sees_no_etl_or_users_tab() {
    let e = env();
    add(&e.auth, "root", Role::Administrator);
    add(&e.auth, "emil", Role::Employee);
    let mut h = harness(&e, ThemeName::Light);
    sign_in_keys(&mut h, "emil", PASSWORD);
    let screen = h.render();
    assert!(screen.contains("emil (Employee)"), "{screen}");
    let tab_bar = screen.lines().nth(1).unwrap();
    assert!(
        tab_bar.contains("Dashboard") && tab_bar.contains("Reports"),
        "{tab_bar}"
    );
    // Settings is everyone's (their own password and codes).
    assert!(tab_bar.contains("Settings"), "{tab_bar}");
    for hidden in ["ETL", "Users", "Audit"] {
        assert!(
            !tab_bar.contains(hidden),
            "employee must not see {hidden}: {tab_bar}"
        );
    }
    h.press(KeyCode::Char('8'));
    assert!(
        matches!(h.app.screen, Screen::Main { tab: 0 }),
        "no tab 8 for an employee"
    );
}

#[test]
fn a_small_terminal_gets_a_message_and_quit_still_works() {
    let e = env();
    add(&e.auth, "root", Role::Administrator);
    let mut h = harness(&e, ThemeName::Dark);
    h.resize(60, 20);
    let screen = h.render();
    assert!(
        screen.contains("terminal too small") && screen.contains("60×20"),
        "{screen}"
    );
    h.press(KeyCode::Char('q'));
    assert!(h.app.quit);
}

#[test]
fn session_ended_elsewhere_returns_to_sign_in() {
    let e = env();
    add(&e.auth, "root", Role::Administrator);
    add(&e.auth, "emil", Role::Employee);
    let mut h = harness(&e, ThemeName::Dark);
    sign_in_keys(&mut h, "emil", PASSWORD);
    assert!(h.render().contains("Stockroom — Main"));
    e.auth.set_active(&accounts::cli(), "emil", false).unwrap();
    h.tick();
    let screen = h.render();
    assert!(
        screen.contains("Stockroom — Sign in") && screen.contains("account deactivated"),
        "{screen}"
    );
}

#[test]
fn theme_switch_is_remembered_and_quit_asks_while_a_job_runs() {
    let e = env();
    add(&e.auth, "root", Role::Administrator);
    add(&e.auth, "emil", Role::Employee);
    let mut h = harness(&e, ThemeName::Dark);
    h.render();
    let dark_bg = h.terminal.backend().buffer()[(0, 5)].bg;
    sign_in_keys(&mut h, "emil", PASSWORD);
    h.press(KeyCode::Char('t'));
    h.render();
    assert_ne!(h.terminal.backend().buffer()[(0, 5)].bg, dark_bg);
    let cfg = std::fs::read_to_string(e.dir.path().join("config.toml")).unwrap();
    assert_eq!(cfg.trim(), "theme = \"light\"");
    // While a job runs, quit asks first.
    h.press_with(KeyCode::Char('o'), KeyModifiers::CONTROL);
    sign_in_keys_no_wait(&mut h, "emil", PASSWORD);
    h.feed(Msg::Key(crossterm::event::KeyEvent::new(
        KeyCode::Char('c'),
        KeyModifiers::CONTROL,
    )));
    assert!(h.app.confirm_quit && !h.app.quit);
    assert!(h.render().contains("Quit anyway?"));
    h.feed(Msg::Key(crossterm::event::KeyEvent::new(
        KeyCode::Char('n'),
        KeyModifiers::NONE,
    )));
    assert!(!h.app.confirm_quit && !h.app.quit);
    h.settle();
}

fn sign_in_keys_no_wait(h: &mut Harness, user: &str, pw: &str) {
    for c in user.chars() {
        h.feed(Msg::Key(crossterm::event::KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::NONE,
        )));
    }
    h.feed(Msg::Key(crossterm::event::KeyEvent::new(
        KeyCode::Enter,
        KeyModifiers::NONE,
    )));
    for c in pw.chars() {
        h.feed(Msg::Key(crossterm::event::KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::NONE,
        )));
    }
    h.feed(Msg::Key(crossterm::event::KeyEvent::new(
        KeyCode::Enter,
        KeyModifiers::NONE,
    )));
}

#[test]
fn help_overlay_and_control_characters() {
    let e = env();
    add(&e.auth, "root", Role::Administrator);
    let mut opts = Harness::options(ThemeName::Dark, e.dir.path().join("c.toml"));
    opts.store_label = "evil\x1b[2J\x07store".into();
    let mut h = Harness::new(e.auth.clone(), opts, 80, 24);
    let screen = h.render();
    assert!(
        !screen.contains('\x1b') && !screen.contains('\x07'),
        "{screen:?}"
    );
    assert!(screen.contains("evil[2Jstore"));
    h.press(KeyCode::F(1));
    assert!(h.render().contains("Keys: Sign in"), "{}", h.render());
    h.press(KeyCode::Esc);
    assert!(!h.render().contains("Keys: Sign in"));
    // In a text field, `q` and `?` are typed, not actions.
    h.type_text("q?");
    assert!(!h.app.quit && !h.app.help);
    assert!(h.render().contains("q?"));
}

// ---- Snapshots of every screen, both themes ----

/// Compares against `tests/snapshots/NAME.txt`; `UPDATE_SNAPSHOTS=1` rewrites it.
fn snapshot(name: &str, text: &str) {
    let text = common::mask_clock(text);
    let text = text.as_str();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(format!("{name}.txt"));
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() || !path.exists() {
        std::fs::write(&path, text).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        text, expected,
        "snapshot {name} differs (UPDATE_SNAPSHOTS=1 to accept)"
    );
}

/// Masks what is random from one run to the next: the QR modules and the secret.
fn mask_setup(text: &str, secret: &str) -> String {
    let grouped = totp::grouped(secret);
    let mut out = text.to_string();
    for part in grouped.split(' ') {
        out = out.replace(part, "XXXX");
    }
    // The QR occupies the left columns of the body rows; its modules differ per secret.
    let qr_cols = out
        .lines()
        .map(|l| {
            l.rfind(['█', '▀', '▄'])
                .map(|i| l[..i].chars().count() + 3)
                .unwrap_or(0)
        })
        .max()
        .unwrap_or(0);
    out.lines()
        .enumerate()
        .map(|(y, l)| {
            if (1..=21).contains(&y) {
                l.chars()
                    .enumerate()
                    .map(|(x, c)| if x < qr_cols { '#' } else { c })
                    .collect::<String>()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

#[test]
fn snapshots_of_every_screen_in_both_themes() {
    for theme in [ThemeName::Dark, ThemeName::Light] {
        let tag = theme.as_str();
        let e = env();
        let mut h = harness(&e, theme);
        let bg = |h: &Harness| h.terminal.backend().buffer()[(40, 12)].bg;
        snapshot(&format!("first_run_{tag}"), &h.render());
        let expected_bg = if theme == ThemeName::Dark {
            Color::Black
        } else {
            Color::White
        };
        assert_eq!(bg(&h), expected_bg);
        h.type_text("root");
        h.press(KeyCode::Enter);
        h.type_text(PASSWORD);
        h.press(KeyCode::Enter);
        h.type_text(PASSWORD);
        h.press(KeyCode::Enter);
        let secret = setup_secret(&h);
        let screen = h.render();
        snapshot(&format!("totp_setup_{tag}"), &mask_setup(&screen, &secret));
        h.type_text(&totp::code_at(&secret, e.clock.now()).unwrap());
        h.press(KeyCode::Enter);
        let codes = match &h.app.screen {
            Screen::BackupCodes { codes, .. } => codes.clone(),
            _ => panic!(),
        };
        let mut screen = h.render();
        for c in &codes {
            screen = screen.replace(c.as_str(), "xxxx-xxxx-xx");
        }
        snapshot(&format!("backup_codes_{tag}"), &screen);
        h.press(KeyCode::Enter);
        snapshot(&format!("main_{tag}"), &h.render());
        h.press(KeyCode::Char('?'));
        snapshot(&format!("help_main_{tag}"), &h.render());
        h.press(KeyCode::Esc);
        h.press_with(KeyCode::Char('l'), KeyModifiers::CONTROL);
        snapshot(&format!("lock_{tag}"), &h.render());
        h.press(KeyCode::Esc);
        h.type_text("root");
        h.press(KeyCode::Enter);
        h.type_text("Wrong-Guess-1");
        h.press(KeyCode::Enter);
        snapshot(&format!("login_error_{tag}"), &h.render());
        h.type_text(PASSWORD);
        h.press(KeyCode::Enter);
        snapshot(&format!("second_factor_{tag}"), &h.render());
        h.press_with(KeyCode::Char('b'), KeyModifiers::CONTROL);
        snapshot(&format!("second_factor_backup_{tag}"), &h.render());
        h.press(KeyCode::Esc);
        e.auth
            .reset_password(&accounts::cli(), "root", "Temp-Pass-123")
            .unwrap();
        e.clock.advance(60);
        // A cancelled sign-in starts again from an empty form, the cursor on the username.
        h.type_text("root");
        h.press(KeyCode::Enter);
        h.type_text("Temp-Pass-123");
        h.press(KeyCode::Enter);
        h.type_text(&totp::code_at(&secret, e.clock.now()).unwrap());
        h.press(KeyCode::Enter);
        snapshot(&format!("password_change_{tag}"), &h.render());
        h.resize(60, 20);
        snapshot(&format!("too_small_{tag}"), &h.render());
    }
}

#[test]
fn no_color_draws_without_colours_and_keeps_meaning_in_words() {
    let e = env();
    add(&e.auth, "root", Role::Administrator);
    let mut opts = Harness::options(ThemeName::Dark, e.dir.path().join("c.toml"));
    opts.no_color = true;
    let mut h = Harness::new(e.auth.clone(), opts, 80, 24);
    sign_in_keys(&mut h, "root", "Wrong-Guess-1");
    let screen = h.render();
    assert!(screen.contains("Error: Sign-in failed"), "{screen}");
    let buf = h.terminal.backend().buffer();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            let c = &buf[(x, y)];
            assert!(
                c.fg == Color::Reset && c.bg == Color::Reset,
                "({x},{y}) {:?}/{:?}",
                c.fg,
                c.bg
            );
        }
    }
}
