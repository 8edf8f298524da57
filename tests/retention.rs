//! A store that runs for years: the log rotates daily and keeps the configured number of
//! files (the CLI against a log folder with old files in it), and `audit prune` removes old
//! events — Administrators only, exporting them first in the audit export's form, audited,
//! never removing its own record.

mod common;

use std::path::Path;

use diesel::prelude::*;
use stockroom::Error;
use stockroom::auth::audit::AuditFilter;
use stockroom::auth::{Actor, Role};
use stockroom::db::schema::audit_events;

use common::TestDb;
use common::accounts::{self, PASSWORD, START, add, cli, sign_in};
use common::api::stockroom;

/// The regular files of the log folder whose names start with `stockroom.`, sorted.
fn log_files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_type().unwrap().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("stockroom."))
        .collect();
    v.sort();
    v
}

#[test]
fn the_log_rotates_daily_and_keeps_the_configured_number_of_files() {
    use std::os::unix::fs::PermissionsExt;
    let home = tempfile::tempdir().unwrap();
    let logs = home.path().join(".local/state/stockroom");
    std::fs::create_dir_all(&logs).unwrap();
    // A log from before rotation, then five old days.
    std::fs::write(logs.join("stockroom.log"), "{\"old\":\"unrotated\"}\n").unwrap();
    for d in 1..=5 {
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(logs.join(format!("stockroom.2020-01-0{d}.log")), "{}\n").unwrap();
    }
    let today = format!("stockroom.{}.log", chrono::Utc::now().format("%Y-%m-%d"));
    let commands: [&[&str]; 2] = [
        &["db", "migrate"],
        &["audit", "prune", "--before", "2001-01-01"],
    ];
    for (round, args) in commands.iter().enumerate() {
        let out = stockroom(home.path(), args)
            .env("STOCKROOM_LOG_MAX_FILES", "3")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        if round == 1 {
            let said = String::from_utf8_lossy(&out.stdout).into_owned();
            assert!(
                said.contains("removed 0 audit events from before 2001-01-01"),
                "{said}"
            );
        }
        // The newest three files, today's among them, on the first run of the day and after.
        assert_eq!(
            log_files(&logs),
            [
                "stockroom.2020-01-04.log".to_string(),
                "stockroom.2020-01-05.log".into(),
                today.clone()
            ],
            "round {round}"
        );
    }
    // `stockroom.log` points at today's file, which is private and holds both commands.
    let link = std::fs::read_link(logs.join("stockroom.log")).unwrap();
    assert_eq!(link.file_name().unwrap().to_string_lossy(), today);
    let text = std::fs::read_to_string(logs.join("stockroom.log")).unwrap();
    assert_eq!(text.matches("command started").count(), 2, "{text}");
    let mode = std::fs::metadata(logs.join(&today))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    // The setting is checked like the others.
    let out = stockroom(home.path(), &["audit"])
        .env("STOCKROOM_LOG_MAX_FILES", "0")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("log_max_files must be between 1 and 3,650"),
        "{err}"
    );
}

/// The trail's events as (event, details), oldest first.
fn trail(t: &TestDb) -> Vec<(String, String)> {
    audit_events::table
        .order(audit_events::audit_event_id.asc())
        .select((audit_events::event, audit_events::details))
        .load(&mut *t.db.conn().unwrap())
        .unwrap()
}

both_backends!(
    audit_prune_removes_old_events_and_records_itself,
    |t: TestDb| {
        let (auth, clock) = accounts::auth(&t);
        // Old events on the first day, newer ones ten days later.
        add(&auth, "root", Role::Administrator);
        add(&auth, "mona", Role::Manager);
        let old = trail(&t).len() as u64;
        assert!(old >= 2);
        clock.advance(10 * 86_400);
        let (mona, _) = sign_in(&auth, "mona", PASSWORD, None);
        let newer = trail(&t).len() as u64 - old;
        // Managers may read the trail, not prune it.
        let err = auth
            .prune_audit(&Actor::from_session(&mona), START + 86_400, None)
            .unwrap_err();
        assert!(matches!(err, Error::Forbidden(_)), "{err}");
        // The future is refused.
        let err = auth
            .prune_audit(&cli(), auth.now() + 60, None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("in the future"), "{err}");
        // The whole trail as the audit export writes it, to compare with the prune's file.
        let dir = tempfile::tempdir().unwrap();
        let all = dir.path().join("all.csv");
        auth.export_audit(
            &cli(),
            &AuditFilter {
                limit: 100_000,
                ..AuditFilter::default()
            },
            &all,
        )
        .unwrap();
        let before = trail(&t).len() as u64;
        // An existing file is never overwritten, and then nothing is removed.
        let err = auth
            .prune_audit(&cli(), START + 86_400, Some(&all))
            .unwrap_err()
            .to_string();
        assert!(err.contains("already exists"), "{err}");
        assert_eq!(trail(&t).len() as u64, before);
        // Events before the second day go to the file, then out of the trail.
        let file = dir.path().join("old.csv");
        let pruned = auth
            .prune_audit(&cli(), START + 86_400, Some(&file))
            .unwrap();
        assert_eq!(pruned.removed, old);
        assert_eq!(pruned.exported.as_deref(), Some(file.as_path()));
        let written = std::fs::read_to_string(&file).unwrap();
        let exported = std::fs::read_to_string(&all).unwrap();
        let lines: Vec<&str> = written.lines().collect();
        assert_eq!(lines.len() as u64, old + 1, "{written}");
        assert_eq!(
            lines[0],
            exported.lines().next().unwrap(),
            "the same header"
        );
        for l in &lines[1..] {
            assert!(
                exported.lines().any(|e| e == *l),
                "{l} is a row of the export"
            );
        }
        let after = trail(&t);
        assert_eq!(after.len() as u64, before - old + 1);
        let (event, details) = after.last().unwrap();
        assert_eq!(event, "audit.pruned");
        assert!(
            details.contains(&format!("removed={old}")) && details.contains("old.csv"),
            "{details}"
        );
        // Everything up to now, the first prune's record included: only the new prune's own
        // record is left.
        clock.advance(60);
        let pruned = auth.prune_audit(&cli(), auth.now(), None).unwrap();
        assert_eq!(pruned.removed, after.len() as u64);
        assert!(pruned.removed > newer);
        let left = trail(&t);
        assert_eq!(left.len(), 1, "{left:?}");
        assert_eq!(left[0].0, "audit.pruned");
        assert!(left[0].1.contains(&format!("removed={}", after.len())));
    }
);
