//! No password, TOTP secret or backup code in clear: not in the SQLite file (and its WAL), not
//! in any MySQL column, not in the log file. Its own test binary, so it owns the log subscriber.

mod common;

use diesel::prelude::*;
use diesel::sql_types::Text;
use stockroom::auth::{Role, Step, totp};
use stockroom::config::{Config, Flags, Sources};

use common::TestDb;
use common::accounts::{self, PASSWORD, add, cli};

const WRONG: &str = "Wrong-Guess-Xyzzy-42";
const RESET: &str = "Reset-Pass-Plugh-77";

/// Runs the flows that handle every kind of secret; returns the secrets to look for.
fn exercise(t: &TestDb) -> Vec<String> {
    let (auth, clock) = accounts::auth(t);
    add(&auth, "root", Role::Administrator);
    add(&auth, "emil", Role::Employee);
    let mut p = auth.begin_sign_in("root", PASSWORD).unwrap();
    assert_eq!(p.step(), Step::TotpSetup);
    let setup = auth.totp_setup(&mut p).unwrap();
    let code = totp::code_at(&setup.secret, stockroom::auth::Clock::now(&clock)).unwrap();
    let backup = auth.confirm_totp_setup(&mut p, &code).unwrap();
    auth.finish_sign_in(p).unwrap();
    let mut p = auth.begin_sign_in("root", PASSWORD).unwrap();
    auth.verify_second_factor(&mut p, &backup[3]).unwrap();
    auth.finish_sign_in(p).unwrap();
    let _ = auth.begin_sign_in("root", WRONG);
    let _ = auth.begin_sign_in(WRONG, WRONG);
    auth.reset_password(&cli(), "emil", RESET).unwrap();
    let mut secrets = vec![
        PASSWORD.to_string(),
        WRONG.to_string(),
        RESET.to_string(),
        setup.secret.clone(),
    ];
    secrets.push(totp::grouped(&setup.secret));
    for c in backup {
        secrets.push(c.replace('-', ""));
        secrets.push(c);
    }
    secrets
}

fn assert_absent(haystack: &str, secrets: &[String], place: &str) {
    let haystack = haystack.to_lowercase();
    for s in secrets {
        // The wrong guess was typed as a password and as a username: it is in neither form.
        assert!(
            !haystack.contains(&s.to_lowercase()),
            "{place} contains a secret: {s}"
        );
    }
}

#[derive(QueryableByName)]
struct Cell {
    #[diesel(sql_type = Text)]
    v: String,
}

#[test]
fn secrets_never_stored_or_logged_in_clear() {
    let home = tempfile::tempdir().unwrap();
    let src = Sources {
        env: [
            ("HOME", home.path().to_str().unwrap()),
            ("STOCKROOM_LOG_LEVEL", "trace"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect(),
    };
    let cfg = Config::load(&Flags::default(), &src).unwrap();
    let guard = stockroom::logging::init(&cfg, &src).unwrap();
    let log_path = guard.path.clone();

    // SQLite: the raw bytes of the database file and its WAL.
    let lite = TestDb::sqlite();
    let secrets = exercise(&lite);
    let db_path = lite.url.trim_start_matches("sqlite://").to_string();
    let mut bytes = std::fs::read(&db_path).unwrap();
    bytes.extend(std::fs::read(format!("{db_path}-wal")).unwrap_or_default());
    let raw = String::from_utf8_lossy(&bytes);
    for s in &secrets {
        assert!(
            !raw.to_lowercase().contains(&s.to_lowercase()),
            "the SQLite file contains {s}"
        );
    }
    assert!(
        raw.contains("signin.failure"),
        "the search does read the data"
    );

    // MySQL: every text column of the account tables.
    if let Some(my) = TestDb::mysql() {
        let secrets = exercise(&my);
        let mut conn = my.db.conn().unwrap();
        let mut all = String::new();
        for (table, cols) in [
            (
                "users",
                "CONCAT_WS('|', username, password_hash, role, COALESCE(totp_secret_enc, ''))",
            ),
            ("backup_codes", "code_hash"),
            (
                "audit_events",
                "CONCAT_WS('|', actor, terminal, event, details)",
            ),
            (
                "sessions",
                "CONCAT_WS('|', terminal, COALESCE(end_reason, ''))",
            ),
        ] {
            let rows: Vec<Cell> = diesel::sql_query(format!("SELECT {cols} AS v FROM {table}"))
                .load(&mut *conn)
                .unwrap();
            for r in rows {
                all.push_str(&r.v);
                all.push('\n');
            }
        }
        assert!(all.contains("$2"), "bcrypt hashes are there");
        assert_absent(&all, &secrets, "MySQL");
        let details: Vec<Cell> = diesel::sql_query("SELECT details AS v FROM audit_events")
            .load(&mut *conn)
            .unwrap();
        assert!(
            details.iter().all(|d| !d.v.contains(WRONG)),
            "a mistyped password is never in the details"
        );
    }

    drop(guard); // flushes the log
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        log.contains("signin.success"),
        "the log was written: {log_path:?}"
    );
    assert_absent(&log, &secrets, "the log file");
}
