//! Embedded migrations, one folder per backend with the same versions.

use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::AnyConnection;
use crate::error::{Error, Result};

const MYSQL: EmbeddedMigrations = embed_migrations!("migrations/mysql");
const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

fn err(e: Box<dyn std::error::Error + Send + Sync>) -> Error {
    Error::Database(format!("migration failed: {e}"))
}

/// Applies pending migrations; returns the versions applied (empty when up to date).
pub fn run(conn: &mut AnyConnection) -> Result<Vec<String>> {
    let applied = match conn {
        AnyConnection::Mysql(c) => c.run_pending_migrations(MYSQL).map_err(err)?,
        AnyConnection::Sqlite(c) => c.run_pending_migrations(SQLITE).map_err(err)?,
    };
    Ok(applied.iter().map(|v| v.to_string()).collect())
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
