//! What a database error means for the work in hand: a refusal of one row (a constraint, a
//! value the column refuses), a transient conflict worth re-running the whole transaction
//! for (deadlock, lock wait, busy store, cluster certification failure), or the end of the
//! transaction and often of the connection (lost or frozen server, full disk, read-only).
//! Only a row refusal leaves the surrounding transaction alive; everything else must end it.

use std::sync::atomic::{AtomicU64, Ordering};

use diesel::result::{DatabaseErrorKind, Error as DieselError};

/// How long a statement waits for another writer's lock (set when the pool is built; the
/// messages quote it).
static LOCK_WAIT_SECS: AtomicU64 = AtomicU64::new(10);

/// Records the lock wait in force, for messages.
pub fn set_lock_wait_secs(secs: u64) {
    LOCK_WAIT_SECS.store(secs, Ordering::Relaxed);
}

/// The lock wait in force.
pub fn lock_wait_secs() -> u64 {
    LOCK_WAIT_SECS.load(Ordering::Relaxed)
}

/// The classes of database failure that callers act on differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The statement was refused because of the data it carried; the transaction lives on.
    Row,
    /// Another writer got in the way (deadlock, lock-wait timeout, busy SQLite file, Galera
    /// certification failure): nothing of this transaction stays; re-running it may succeed.
    Conflict(ConflictKind),
    /// The server went away, stopped answering, or the connection broke.
    Lost,
    /// The disk (or a file-size limit) is full.
    Full,
    /// The store refuses writes.
    ReadOnly,
    /// Anything else (syntax, missing table, …): a bug or a schema problem, not retryable.
    Other,
}

/// Which kind of conflict, for the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConflictKind {
    Deadlock,
    LockWait,
    Busy,
}

/// Classifies a diesel error. MySQL errors sent through the text protocol carry no kind, so
/// the server's message (stable across MySQL and MariaDB versions) decides there.
pub fn classify(e: &DieselError) -> Fault {
    match e {
        DieselError::DatabaseError(kind, info) => {
            let msg = info.message();
            match kind {
                DatabaseErrorKind::UniqueViolation
                | DatabaseErrorKind::ForeignKeyViolation
                | DatabaseErrorKind::NotNullViolation
                | DatabaseErrorKind::CheckViolation => Fault::Row,
                DatabaseErrorKind::SerializationFailure => Fault::Conflict(ConflictKind::Deadlock),
                DatabaseErrorKind::ReadOnlyTransaction => Fault::ReadOnly,
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand => {
                    Fault::Lost
                }
                _ => classify_message(msg),
            }
        }
        DieselError::BrokenTransactionManager | DieselError::RollbackErrorOnCommit { .. } => {
            Fault::Lost
        }
        _ => Fault::Other,
    }
}

/// Classifies a server or SQLite error message.
pub fn classify_message(msg: &str) -> Fault {
    let m = msg.to_ascii_lowercase();
    let has = |needles: &[&str]| needles.iter().any(|n| m.contains(n));
    if has(&[
        "deadlock",
        "wsrep detected deadlock",
        "certification failure",
    ]) {
        Fault::Conflict(ConflictKind::Deadlock)
    } else if has(&["lock wait timeout"]) {
        Fault::Conflict(ConflictKind::LockWait)
    } else if has(&[
        "database is locked",
        "database table is locked",
        "database is busy",
    ]) {
        Fault::Conflict(ConflictKind::Busy)
    } else if has(&[
        "database or disk is full",
        "disk i/o error",
        "no space left",
        "disk full",
        "is full",
        "file too large",
        "errno: 28",
    ]) {
        Fault::Full
    } else if has(&["readonly database", "read-only", "read only"]) {
        Fault::ReadOnly
    } else if has(&[
        "lost connection",
        "gone away",
        "can't connect",
        "cannot connect",
        "connection refused",
        "connection was killed",
        "server shutdown",
        "i/o error",
        "broken pipe",
        "not connected",
        "does not answer",
        "query execution was interrupted",
        "interrupted",
        "commands out of sync",
        "savepoint",
        "no transaction is active",
        "cannot rollback",
        "cannot commit",
    ]) {
        Fault::Lost
    } else if has(&[
        "duplicate entry",
        "constraint failed",
        "constraint fails",
        "foreign key constraint",
        "cannot be null",
        "data too long",
        "out of range value",
        "incorrect",
        "truncated",
        "datatype mismatch",
        "check constraint",
        "is violated",
        "unique constraint",
        "not null constraint",
        "invalid utf8",
    ]) {
        Fault::Row
    } else {
        Fault::Other
    }
}

impl Fault {
    /// Whether re-running the whole transaction may succeed.
    pub fn is_transient(self) -> bool {
        matches!(self, Fault::Conflict(_))
    }
}

/// A one-line sentence for a failure that ended a transaction; `None` for row refusals and
/// for failures with nothing better to say than the driver's words.
pub fn describe(fault: Fault, lock_wait_secs: u64) -> Option<String> {
    Some(match fault {
        Fault::Conflict(ConflictKind::Deadlock) => {
            "another terminal was writing the same rows at the same moment (deadlock); \
             nothing was written — run it again"
                .into()
        }
        Fault::Conflict(ConflictKind::LockWait) => format!(
            "the rows are held by another terminal's unfinished write (waited {lock_wait_secs} s); \
             nothing was written — run it again when that write has finished"
        ),
        Fault::Conflict(ConflictKind::Busy) => format!(
            "another process is writing to the store (waited {lock_wait_secs} s); \
             nothing was written — run it again when it has finished"
        ),
        Fault::Full => "the database's disk is full or failing (or a file-size limit was \
             reached); nothing was written"
            .into(),
        Fault::ReadOnly => "the store is read-only here; nothing was written".into(),
        Fault::Lost => "the connection to the database was lost; nothing was written".into(),
        Fault::Row | Fault::Other => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_server_messages() {
        let cases = [
            (
                "Deadlock found when trying to get lock; try restarting transaction",
                Fault::Conflict(ConflictKind::Deadlock),
            ),
            (
                "Lock wait timeout exceeded; try restarting transaction",
                Fault::Conflict(ConflictKind::LockWait),
            ),
            ("database is locked", Fault::Conflict(ConflictKind::Busy)),
            ("database or disk is full", Fault::Full),
            ("The table 'order_items' is full", Fault::Full),
            ("disk I/O error", Fault::Full),
            ("Lost connection to server during query", Fault::Lost),
            ("MySQL server has gone away", Fault::Lost),
            ("SAVEPOINT diesel_savepoint_1 does not exist", Fault::Lost),
            ("attempt to write a readonly database", Fault::ReadOnly),
            ("Duplicate entry '5' for key 'PRIMARY'", Fault::Row),
            (
                "Cannot add or update a child row: a foreign key constraint fails",
                Fault::Row,
            ),
            ("Data too long for column 'phone' at row 3", Fault::Row),
            (
                "Out of range value for column 'quantity' at row 1",
                Fault::Row,
            ),
            ("UNIQUE constraint failed: users.username", Fault::Row),
            ("FOREIGN KEY constraint failed", Fault::Row),
            ("no such table: widgets", Fault::Other),
        ];
        for (msg, want) in cases {
            assert_eq!(classify_message(msg), want, "{msg}");
        }
        assert!(Fault::Conflict(ConflictKind::Busy).is_transient());
        assert!(!Fault::Lost.is_transient());
        assert!(!Fault::Row.is_transient());
    }
}
