//! Embedded migrations, one folder per backend with the same versions.

use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::AnyConnection;
use crate::error::{Error, Result};

const MYSQL: EmbeddedMigrations = embed_migrations!("migrations/mysql");
const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

fn err(e: Box<dyn std::error::Error + Send + Sync>) -> Error {
    Error::Database(format!("migration failed: {e}"))
}

/// How long a command waits for another terminal's migration to finish.
const MIGRATION_WAIT: std::time::Duration = std::time::Duration::from_secs(120);

/// Applies pending migrations; returns the versions applied (empty when up to date). Safe
/// to run from several processes at once: on SQLite the migrations run in one `BEGIN
/// IMMEDIATE` transaction (the others wait for it, then find nothing to do); on MySQL, whose
/// DDL commits as it goes, under the store-wide lock `migrate`.
pub fn run(conn: &mut AnyConnection) -> Result<Vec<String>> {
    let applied = match conn {
        AnyConnection::Mysql(c) => {
            if !c.has_pending_migration(MYSQL).map_err(err)? {
                return Ok(Vec::new());
            }
            super::lock::with_lock(c, "migrate", MIGRATION_WAIT, |c| {
                let done = c.run_pending_migrations(MYSQL).map_err(err)?;
                Ok(done.iter().map(|v| v.to_string()).collect::<Vec<_>>())
            })?
        }
        AnyConnection::Sqlite(_) => super::tx::write_once(conn, |conn| match conn {
            AnyConnection::Sqlite(c) => {
                let done = c.run_pending_migrations(SQLITE).map_err(err)?;
                Ok::<_, Error>(done.iter().map(|v| v.to_string()).collect::<Vec<_>>())
            }
            AnyConnection::Mysql(_) => unreachable!("matched as SQLite"),
        })?,
    };
    if applied
        .iter()
        .any(|v| v.replace(['-', '_'], "").starts_with(TILL_VERSION))
    {
        record_default_zone(conn)?;
    }
    Ok(applied)
}

/// The migration that gave stores their time zones.
const TILL_VERSION: &str = "20261224000000";

/// This machine's IANA zone: `TZ` when it names one, else the system's, else UTC.
pub fn machine_zone() -> chrono_tz::Tz {
    let parse = |t: &str| {
        t.trim()
            .trim_start_matches(':')
            .parse::<chrono_tz::Tz>()
            .ok()
    };
    std::env::var("TZ")
        .ok()
        .and_then(|t| parse(&t))
        .or_else(|| iana_time_zone::get_timezone().ok().and_then(|t| parse(&t)))
        .unwrap_or(chrono_tz::Tz::UTC)
}

/// Records the zone of the machine that ran the time-zone migration as the chain's default
/// (stores without a zone of their own use it); the first to record it decides.
fn record_default_zone(conn: &mut AnyConnection) -> Result<()> {
    let sql = match conn {
        AnyConnection::Mysql(_) => {
            "INSERT IGNORE INTO chain_settings (name, value) VALUES ('default_time_zone', ?)"
        }
        AnyConnection::Sqlite(_) => {
            "INSERT OR IGNORE INTO chain_settings (name, value) VALUES ('default_time_zone', ?)"
        }
    };
    let zone = super::dynamic::Cell::Text(Some(machine_zone().name().to_string()));
    super::dynamic::execute(conn, sql, &[&zone])?;
    Ok(())
}

/// The schema's state: applied versions (oldest first) and pending ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaVersion {
    pub applied: Vec<String>,
    pub pending: Vec<String>,
}

impl SchemaVersion {
    /// The newest applied version, if any.
    pub fn current(&self) -> Option<&str> {
        self.applied.last().map(String::as_str)
    }
}

/// Reads which migrations are applied and which are pending.
pub fn version(conn: &mut AnyConnection) -> Result<SchemaVersion> {
    fn strings<V: std::fmt::Display>(versions: impl IntoIterator<Item = V>) -> Vec<String> {
        let mut v: Vec<String> = versions.into_iter().map(|v| v.to_string()).collect();
        v.sort();
        v
    }
    let (applied, pending) = match conn {
        AnyConnection::Mysql(c) => (
            strings(c.applied_migrations().map_err(err)?),
            strings(
                c.pending_migrations(MYSQL)
                    .map_err(err)?
                    .iter()
                    .map(|m| m.name().version().to_string()),
            ),
        ),
        AnyConnection::Sqlite(c) => (
            strings(c.applied_migrations().map_err(err)?),
            strings(
                c.pending_migrations(SQLITE)
                    .map_err(err)?
                    .iter()
                    .map(|m| m.name().version().to_string()),
            ),
        ),
    };
    Ok(SchemaVersion { applied, pending })
}
