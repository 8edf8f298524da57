//! A sign-in under an unknown username (often a password typed into the wrong field) leaves
//! no trace of what was typed: not in any column of any table, not in the log file. Only a
//! short keyed hash, the same for the same name on every terminal of the store. Its own
//! test binary, so it owns the log subscriber.

mod common;

use std::sync::Arc;

use diesel::prelude::*;
use diesel::sql_types::{Nullable, Text};
use stockroom::auth::audit::AuditFilter;
use stockroom::auth::{Auth, ManualClock, Role, SecretKey};
use stockroom::config::{Config, Flags, Sources};
use stockroom::db::schema::audit_events;

use common::TestDb;
use common::accounts::{self, PASSWORD, add, cli};

/// What the user typed into the username field: their password.
const TYPED: &str = "adm1n!pass";

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct Cell {
    #[diesel(sql_type = Nullable<Text>)]
    v: Option<String>,
}

/// Every column of every table of the store, as text.
fn every_cell(t: &TestDb) -> String {
    let mut conn = t.db.conn().unwrap();
    let mysql = t.backend() == "mysql";
    let tables: Vec<Name> = diesel::sql_query(if mysql {
        "SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()"
    } else {
        "SELECT name FROM sqlite_master WHERE type = 'table'"
    })
    .load(&mut *conn)
    .unwrap();
    assert!(tables.len() >= 15, "every table is read");
    let mut out = String::new();
    for Name { name: table } in tables {
        let cols: Vec<Name> = diesel::sql_query(if mysql {
            format!(
                "SELECT COLUMN_NAME AS name FROM information_schema.COLUMNS \
                 WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '{table}'"
            )
        } else {
            format!("SELECT name FROM pragma_table_info('{table}')")
        })
        .load(&mut *conn)
        .unwrap();
        for Name { name: col } in cols {
            let cast = if mysql { "CHAR" } else { "TEXT" };
            let rows: Vec<Cell> =
                diesel::sql_query(format!("SELECT CAST({col} AS {cast}) AS v FROM {table}"))
                    .load(&mut *conn)
                    .unwrap();
            for r in rows {
                out.push_str(&r.v.unwrap_or_default());
                out.push('\n');
            }
        }
    }
    out
}

fn failure_actors(t: &TestDb) -> Vec<(String, String)> {
    audit_events::table
        .filter(audit_events::event.eq("signin.failure"))
        .order(audit_events::audit_event_id)
        .select((audit_events::actor, audit_events::details))
        .load(&mut *t.db.conn().unwrap())
        .unwrap()
}

fn exercise(t: &TestDb) {
    let (auth, _clock) = accounts::auth(t);
    add(&auth, "root", Role::Administrator);
    let before = common::snapshot(t);
    for typed in [TYPED, "  ADM1N!pass ", "someone-else"] {
        assert!(auth.begin_sign_in(typed, PASSWORD).is_err());
    }
    // Another terminal (another process, another 2FA key) of the same store.
    let other = Auth::new(
        t.db.clone(),
        accounts::settings(),
        SecretKey::generate(),
        Arc::new(ManualClock::new(accounts::START)),
        "tty-other".into(),
    );
    assert!(other.begin_sign_in(TYPED, "x").is_err());

    assert_eq!(
        common::snapshot(t),
        before,
        "the store tables are untouched"
    );
    let all = every_cell(t);
    assert!(all.contains("signin.failure"), "the search reads the trail");
    for needle in [TYPED, "ADM1N!pass", "adm1n"] {
        assert!(
            !all.contains(needle),
            "`{needle}` is stored in {}",
            t.backend()
        );
    }
    let rows = failure_actors(t);
    assert_eq!(rows.len(), 4, "{rows:?}");
    for (actor, details) in &rows {
        assert_eq!(details, "reason=unknown_user");
        let hash = actor.strip_prefix("unknown-user:").expect(actor);
        assert_eq!(hash.len(), 10, "{actor}");
        assert!(hash.chars().all(|c| c.is_ascii_hexdigit()), "{actor}");
    }
    // The same name (as normalised) gives the same hash on both terminals; another differs.
    assert_eq!(rows[0].0, rows[1].0);
    assert_eq!(rows[0].0, rows[3].0);
    assert_ne!(rows[0].0, rows[2].0);
    // Which an administrator can filter on.
    let listed = auth
        .audit_log(
            &cli(),
            &AuditFilter {
                actor: Some(rows[0].0.clone()),
                limit: 100,
                ..AuditFilter::default()
            },
        )
        .unwrap();
    assert_eq!(listed.len(), 3);
}

#[test]
fn an_unknown_username_is_never_recorded_as_typed() {
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

    let lite = TestDb::sqlite();
    exercise(&lite);
    // And not in the raw bytes of the SQLite file and its WAL (free pages included).
    let db_path = lite.url.trim_start_matches("sqlite://").to_string();
    let mut bytes = std::fs::read(&db_path).unwrap();
    bytes.extend(std::fs::read(format!("{db_path}-wal")).unwrap_or_default());
    let raw = String::from_utf8_lossy(&bytes).to_lowercase();
    assert!(raw.contains("unknown-user:"), "the search reads the data");
    assert!(!raw.contains(TYPED), "the SQLite file holds {TYPED}");

    if let Some(my) = TestDb::mysql() {
        exercise(&my);
    }

    drop(guard); // flushes the log
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        log.contains("unknown-user:") && log.contains("unknown_user"),
        "the failures were logged: {log_path:?}"
    );
    let lower = log.to_lowercase();
    assert!(!lower.contains(TYPED), "the log holds {TYPED}");
    assert!(!lower.contains("adm1n"), "the log holds part of {TYPED}");
}
