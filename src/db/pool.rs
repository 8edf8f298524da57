//! The r2d2 pool: establishes the concrete backend chosen from the URL (so a refused MySQL
//! login reports the server's own words), and sets each SQLite connection's pragmas.

use std::time::Duration;

use diesel::Connection;
use diesel::connection::SimpleConnection;
use diesel::mysql::MysqlConnection;
use diesel::r2d2::{ManageConnection, Pool, PooledConnection};
use diesel::sqlite::SqliteConnection;

use super::{AnyConnection, DbTarget};
use crate::error::{Error, Result};

/// A connection borrowed from the pool.
pub type PooledConn = PooledConnection<Manager>;

/// Opens connections of one backend.
#[derive(Debug)]
pub struct Manager {
    target: DbTarget,
}

/// Why a connection could not be opened or is no longer usable.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConnectError(String);

impl Manager {
    fn open(&self) -> std::result::Result<AnyConnection, ConnectError> {
        match &self.target {
            DbTarget::Mysql(url) => {
                let mut conn = MysqlConnection::establish(url)
                    .map_err(|e| ConnectError(super::url::redact_text(&e.to_string())))?;
                conn.batch_execute(
                    "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_DATE,NO_ZERO_IN_DATE,\
                     ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'; SET time_zone = '+00:00'",
                )
                .map_err(|e| ConnectError(e.to_string()))?;
                Ok(AnyConnection::Mysql(conn))
            }
            DbTarget::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(&path.to_string_lossy())
                    .map_err(|e| ConnectError(format!("{}: {e}", path.display())))?;
                // busy_timeout first, so parallel connects wait instead of failing on WAL setup.
                conn.batch_execute(
                    "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
                )
                .map_err(|e| ConnectError(format!("{}: {e}", path.display())))?;
                Ok(AnyConnection::Sqlite(conn))
            }
        }
    }
}

impl ManageConnection for Manager {
    type Connection = AnyConnection;
    type Error = ConnectError;

    fn connect(&self) -> std::result::Result<AnyConnection, ConnectError> {
        self.open()
    }

    fn is_valid(&self, conn: &mut AnyConnection) -> std::result::Result<(), ConnectError> {
        conn.batch_execute("SELECT 1")
            .map_err(|e| ConnectError(e.to_string()))
    }

    fn has_broken(&self, _conn: &mut AnyConnection) -> bool {
        std::thread::panicking()
    }
}

/// The store: a pool of connections to one backend.
#[derive(Clone)]
pub struct Database {
    pool: Pool<Manager>,
    target: DbTarget,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("target", &self.target.redacted())
            .finish()
    }
}

impl Database {
    /// Connects to `target` with a pool of `size` connections. The first connection is opened
    /// directly, so an unreachable or refusing server fails at once with its own message.
    pub fn connect(target: &DbTarget, size: u32) -> Result<Self> {
        if let DbTarget::Sqlite(path) = target
            && let Some(dir) = path.parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir).map_err(|e| Error::file(dir, e))?;
        }
        let manager = Manager {
            target: target.clone(),
        };
        let first = manager.open().map_err(|e| {
            Error::Database(format!("cannot connect to {}: {e}", target.redacted()))
        })?;
        let pool = Pool::builder()
            .max_size(size.max(1))
            .min_idle(Some(0))
            .connection_timeout(Duration::from_secs(10))
            .build_unchecked(manager);
        // It proved the store answers; the pool opens its own connections on demand.
        drop(first);
        Ok(Database {
            pool,
            target: target.clone(),
        })
    }

    /// Borrows a connection.
    pub fn conn(&self) -> Result<PooledConn> {
        Ok(self.pool.get()?)
    }

    /// Which store this is.
    pub fn target(&self) -> &DbTarget {
        &self.target
    }
}
