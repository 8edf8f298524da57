//! The r2d2 pool: establishes the concrete backend chosen from the URL (so a refused MySQL
//! login reports the server's own words), with time limits on connecting, on each statement
//! and on waiting for another writer's lock, and sets each SQLite connection's pragmas. The
//! embedded store's file and folder are private to their owner.

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

/// Time limits and size of a pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DbOptions {
    pub pool_size: u32,
    /// Connecting, including the server's greeting and sign-in.
    pub connect_timeout: Duration,
    /// One statement (MySQL): past it the connection is cut and the work fails.
    pub statement_timeout: Duration,
    /// Waiting for another writer's lock (MySQL `innodb_lock_wait_timeout`, SQLite
    /// `busy_timeout`).
    pub lock_wait: Duration,
}

impl Default for DbOptions {
    fn default() -> Self {
        use crate::config::defaults as d;
        DbOptions {
            pool_size: d::POOL_SIZE,
            connect_timeout: Duration::from_secs(d::DB_CONNECT_TIMEOUT_SECS.into()),
            statement_timeout: Duration::from_secs(d::DB_STATEMENT_TIMEOUT_SECS.into()),
            lock_wait: Duration::from_secs(d::DB_LOCK_WAIT_SECS.into()),
        }
    }
}

impl DbOptions {
    /// The defaults with another pool size.
    pub fn sized(pool_size: u32) -> Self {
        DbOptions {
            pool_size,
            ..DbOptions::default()
        }
    }
}

/// Opens connections of one backend.
#[derive(Debug)]
pub struct Manager {
    target: DbTarget,
    options: DbOptions,
}

/// Why a connection could not be opened or is no longer usable.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConnectError(String);

impl Manager {
    fn open(&self) -> std::result::Result<AnyConnection, ConnectError> {
        match &self.target {
            DbTarget::Mysql(url) => {
                let server = super::url::server_of(url);
                let o = self.options;
                let owned = url.clone();
                let (mut conn, fd) =
                    super::watchdog::connect_with_deadline(&server, o.connect_timeout, move || {
                        MysqlConnection::establish(&owned)
                            .map_err(|e| super::url::redact_text(&e.to_string()))
                    })
                    .map_err(ConnectError)?;
                if let Some(fd) = fd {
                    conn.set_instrumentation(super::watchdog::watch(
                        fd,
                        &server,
                        o.statement_timeout,
                    ));
                }
                conn.batch_execute(&format!(
                    "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_DATE,NO_ZERO_IN_DATE,\
                     ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'; SET time_zone = '+00:00'; \
                     SET SESSION innodb_lock_wait_timeout = {}",
                    o.lock_wait.as_secs().max(1)
                ))
                .map_err(|e| ConnectError(crate::Error::from(e).to_string()))?;
                let mut conn = AnyConnection::Mysql(conn);
                // On a Galera node, reads wait until this node has applied what other nodes
                // committed before them (stock left, lockout counts, a session's state).
                super::dialect::causal_reads(&mut conn)
                    .map_err(|e| ConnectError(crate::Error::from(e).to_string()))?;
                Ok(conn)
            }
            DbTarget::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(&path.to_string_lossy())
                    .map_err(|e| ConnectError(format!("{}: {e}", path.display())))?;
                // busy_timeout first, so parallel connects wait instead of failing on WAL setup.
                conn.batch_execute(&format!(
                    "PRAGMA busy_timeout = {}; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
                    self.options.lock_wait.as_millis().max(1)
                ))
                .map_err(|e| ConnectError(format!("{}: {e}", path.display())))?;
                super::dialect::register_fold(&mut conn)
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

    fn has_broken(&self, conn: &mut AnyConnection) -> bool {
        std::thread::panicking()
            || match conn {
                AnyConnection::Mysql(c) => c
                    .instrumentation()
                    .downcast_ref::<super::watchdog::Watch>()
                    .is_some_and(|w| w.0.fired()),
                AnyConnection::Sqlite(_) => false,
            }
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
    /// Connects to `target` with a pool of `size` connections and the default time limits.
    pub fn connect(target: &DbTarget, size: u32) -> Result<Self> {
        Self::connect_with(target, &DbOptions::sized(size))
    }

    /// Connects to a store that must already exist: commands that only read never create
    /// one (an SQLite file that is missing is reported, with how to create it).
    pub fn open_existing(target: &DbTarget, options: &DbOptions) -> Result<Self> {
        if let DbTarget::Sqlite(path) = target
            && !path.exists()
        {
            return Err(Error::NotFound(format!(
                "there is no store at {}; create it with `stockroom db migrate` \
                 (or load demo data with `stockroom demo`)",
                crate::text::escape(&path.display().to_string())
            )));
        }
        Self::connect_with(target, options)
    }

    /// Connects to `target`. The first connection is opened directly, so an unreachable or
    /// refusing server fails at once with its own message. A new SQLite store is created
    /// private to its owner (folder 0700, file 0600).
    pub fn connect_with(target: &DbTarget, options: &DbOptions) -> Result<Self> {
        if let DbTarget::Sqlite(path) = target {
            crate::files::create_private_file(path)?;
        }
        super::fault::set_lock_wait_secs(options.lock_wait.as_secs().max(1));
        let manager = Manager {
            target: target.clone(),
            options: *options,
        };
        let first = manager.open().map_err(|e| {
            Error::Unavailable(format!("cannot connect to {}: {e}", target.redacted()))
        })?;
        let pool = Pool::builder()
            .max_size(options.pool_size.max(1))
            .min_idle(Some(0))
            .connection_timeout(options.connect_timeout.max(Duration::from_secs(1)))
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
        self.pool
            .get()
            .map_err(|e| match super::watchdog::take_timeout() {
                // The check of a pooled connection ran into a server that stopped answering.
                Some(no_answer) => Error::Unavailable(no_answer),
                None => Error::Unavailable(format!(
                    "no connection to {}: {}",
                    self.target.redacted(),
                    super::url::redact_text(&e.to_string())
                )),
            })
    }

    /// Which store this is.
    pub fn target(&self) -> &DbTarget {
        &self.target
    }
}
