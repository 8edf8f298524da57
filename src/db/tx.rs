//! Write transactions: the one way the services write. A transaction is begun so that it
//! can finish (SQLite `BEGIN IMMEDIATE`, so a second writer waits for the lock at the start
//! instead of failing half-way; MySQL `READ COMMITTED`, so reads inside see what other
//! terminals committed), and a transient conflict (deadlock, lock-wait timeout, busy store,
//! Galera certification failure) re-runs the whole transaction a bounded number of times
//! with jittered backoff. Work that cannot be re-run (an import reading a stream) uses
//! [`write_once`]. Inside an open transaction the work runs as part of it and the outermost
//! write decides (commits, or rolls back and re-runs it whole).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::result::Error as DieselError;

use super::AnyConnection;
use super::fault;

/// Attempts of a re-runnable transaction (the first run and the retries).
pub const ATTEMPTS: u32 = 5;

/// Whether an error is a transient conflict worth re-running the transaction for.
pub trait Transient {
    fn is_transient(&self) -> bool;
}

impl Transient for DieselError {
    fn is_transient(&self) -> bool {
        fault::classify(self).is_transient()
    }
}

impl Transient for crate::Error {
    fn is_transient(&self) -> bool {
        crate::Error::is_transient(self)
    }
}

static STARTED: AtomicU64 = AtomicU64::new(0);
static RETRIED: AtomicU64 = AtomicU64::new(0);

/// Transactions begun and re-runs made by this process, for the benches.
pub fn stats() -> (u64, u64) {
    (
        STARTED.load(Ordering::Relaxed),
        RETRIED.load(Ordering::Relaxed),
    )
}

/// Begins a top-level write transaction; `Ok(false)` when one is already open.
fn begin(conn: &mut AnyConnection) -> Result<bool, DieselError> {
    let r = match conn {
        AnyConnection::Sqlite(c) => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")
        }
        AnyConnection::Mysql(c) => AnsiTransactionManager::begin_transaction_sql(
            c,
            // Bulk writers mark their own transaction (see `dialect::bulk_writes`); every
            // other begins with the mark off, so it can never outlive one.
            "SET TRANSACTION ISOLATION LEVEL READ COMMITTED; SET @stockroom_bulk = NULL; \
             START TRANSACTION",
        ),
    };
    match r {
        Ok(()) => Ok(true),
        Err(DieselError::AlreadyInTransaction) => Ok(false),
        Err(e) => Err(e),
    }
}

fn commit(conn: &mut AnyConnection) -> Result<(), DieselError> {
    match conn {
        AnyConnection::Sqlite(c) => AnsiTransactionManager::commit_transaction(c),
        AnyConnection::Mysql(c) => AnsiTransactionManager::commit_transaction(c),
    }
}

fn rollback(conn: &mut AnyConnection) {
    let r = match conn {
        AnyConnection::Sqlite(c) => AnsiTransactionManager::rollback_transaction(c),
        AnyConnection::Mysql(c) => AnsiTransactionManager::rollback_transaction(c),
    };
    if let Err(e) = r {
        // The server may already have ended it (deadlock, lost connection); the pool drops
        // a connection whose transaction state is broken.
        tracing::debug!(error = %e, "rollback after a failed transaction");
    }
}

/// Runs `f` once as a transaction: committed when it returns `Ok`, rolled back otherwise.
pub fn write_once<T, E>(
    conn: &mut AnyConnection,
    f: impl FnOnce(&mut AnyConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<DieselError>,
{
    run(conn, f).0
}

/// [`write_once`], also saying whether it was a top-level transaction (not a savepoint).
fn run<T, E>(
    conn: &mut AnyConnection,
    f: impl FnOnce(&mut AnyConnection) -> Result<T, E>,
) -> (Result<T, E>, bool)
where
    E: From<DieselError>,
{
    match begin(conn) {
        Ok(true) => {}
        // Inside an open transaction the work runs as part of it, without a savepoint of its
        // own: a failure goes up to the outermost write, which rolls back and re-runs it whole
        // (a savepoint would not survive a server that ended the transaction — a deadlock
        // victim, a cluster conflict — and its rollback would fail instead).
        Ok(false) => return (f(conn), false),
        Err(e) => return (Err(e.into()), true),
    }
    STARTED.fetch_add(1, Ordering::Relaxed);
    let r = match f(conn) {
        Ok(v) => match commit(conn) {
            Ok(()) => Ok(v),
            Err(e) => {
                rollback(conn);
                Err(e.into())
            }
        },
        Err(e) => {
            rollback(conn);
            Err(e)
        }
    };
    (r, true)
}

/// Runs `f` as a transaction, re-running it (up to [`ATTEMPTS`] in all) when it fails with a
/// transient conflict. `f` must be safe to run again: everything it wrote was rolled back.
pub fn write<T, E>(
    conn: &mut AnyConnection,
    mut f: impl FnMut(&mut AnyConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<DieselError> + Transient + std::fmt::Display,
{
    let mut attempt = 1;
    loop {
        match run(conn, &mut f) {
            (Err(e), true) if e.is_transient() && attempt < ATTEMPTS => {
                RETRIED.fetch_add(1, Ordering::Relaxed);
                tracing::info!(attempt, error = %e, "transient conflict; running the transaction again");
                std::thread::sleep(backoff(attempt));
                attempt += 1;
            }
            (other, _) => return other,
        }
    }
}

/// Full jitter over an exponential ceiling: 0..(25 ms × 2^attempt), at most 1 s.
fn backoff(attempt: u32) -> Duration {
    let ceiling = (25u64 << attempt.min(6)).min(1_000);
    Duration::from_millis(rand::random_range(1..=ceiling))
}
