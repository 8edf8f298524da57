//! Snapshots of the Users, Audit and Settings tabs at 80×24 and 200×60 in both themes, and
//! no secret (password, code, TOTP secret) in any snapshot, log line or audit row. One test:
//! it owns the binary's log subscriber.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use crossterm::event::KeyCode;
use diesel::prelude::*;
use stockroom::auth::Role;
use stockroom::tui::tabs::settings::SettingsTab;
use stockroom::tui::theme::ThemeName;

use common::accounts::{PASSWORD, add};
use common::admin::{add_staff, admin_harness_sized, open};
use common::{TestDb, snapshot_file};

/// Every log line of the run, at every level.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Local times (`2027-01-15 08:00`) depend on the machine's time zone: masked.
fn mask_times(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let shape = "dddd-dd-dd dd:dd";
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let fits = i + shape.len() <= chars.len()
            && shape.chars().enumerate().all(|(k, s)| {
                let c = chars[i + k];
                if s == 'd' { c.is_ascii_digit() } else { c == s }
            });
        if fits {
            out.push_str("YYYY-MM-DD hh:mm");
            i += shape.len();
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

#[test]
fn users_audit_and_settings_snapshots_hold_and_no_secret_is_ever_shown_or_logged() {
    let log = Captured::default();
    let writer = log.clone();
    tracing::subscriber::set_global_default(
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish(),
    )
    .unwrap();
    let mut secrets: Vec<String> = vec![PASSWORD.into()];
    let mut rows_checked = 0;
    for theme in [ThemeName::Dark, ThemeName::Light] {
        for (w, ht) in [(80u16, 24u16), (200, 60)] {
            let tag = format!("{}_{w}x{ht}", theme.as_str());
            let t = TestDb::sqlite();
            let dir = tempfile::tempdir().unwrap();
            let (mut h, auth, secret) = admin_harness_sized(&t, dir.path(), theme, (w, ht));
            secrets.push(secret.clone());
            add_staff(&t);
            add(&auth, "emil", Role::Employee);
            add(&auth, "mona", Role::Manager);
            auth.link_staff(&common::accounts::cli(), "emil", Some(1))
                .unwrap();
            open(&mut h, "Users");
            h.press(KeyCode::Char('g'));
            let users = h.render();
            open(&mut h, "Audit");
            let audit = h.render();
            open(&mut h, "Settings");
            // New backup codes, shown once, then hidden: never in the snapshot.
            h.press(KeyCode::Char('b'));
            h.type_text(PASSWORD);
            h.press(KeyCode::Enter);
            secrets.extend(h.app.tab::<SettingsTab>().unwrap().codes.clone().unwrap());
            h.press(KeyCode::Char('z'));
            let settings = h.render();
            for (name, screen) in [
                ("users", &users),
                ("audit", &audit),
                ("settings", &settings),
            ] {
                for s in &secrets {
                    assert!(!screen.contains(s.as_str()), "{name} shows a secret");
                }
                snapshot_file(&format!("{name}_{tag}"), &mask_times(screen));
            }
            let rows: Vec<(String, String)> = {
                use stockroom::db::schema::audit_events::dsl::*;
                audit_events
                    .select((actor, details))
                    .load(&mut *t.db.conn().unwrap())
                    .unwrap()
            };
            for (a, d) in &rows {
                for s in &secrets {
                    assert!(
                        !a.contains(s.as_str()) && !d.contains(s.as_str()),
                        "{a} {d}"
                    );
                }
            }
            rows_checked += rows.len();
        }
    }
    assert!(rows_checked > 20, "{rows_checked}");
    let text = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    assert!(text.contains("audit"), "the log was captured");
    for s in &secrets {
        assert!(!text.contains(s.as_str()), "a secret reached the log");
    }
}
