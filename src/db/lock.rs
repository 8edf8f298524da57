//! A named lock shared by every terminal of a MySQL store (and every node of a cluster), for
//! work that must not run twice at once, such as applying migrations. It is a row in a small
//! table: whoever inserts it holds the lock, the others wait for it to go. No `GET_LOCK`, which
//! a Galera cluster does not share between nodes. A holder that died is recognised by age.

use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::mysql::MysqlConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use crate::error::{Error, Result};

/// A lock older than this is taken to belong to a process that died.
const STALE_SECS: i64 = 600;

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Runs `f` while holding the lock `name`, waiting at most `wait` for another holder.
pub fn with_lock<T>(
    conn: &mut MysqlConnection,
    name: &str,
    wait: Duration,
    f: impl FnOnce(&mut MysqlConnection) -> Result<T>,
) -> Result<T> {
    conn.batch_execute(
        "CREATE TABLE IF NOT EXISTS __stockroom_locks (\
         name VARCHAR(64) NOT NULL PRIMARY KEY, holder VARCHAR(128) NOT NULL, \
         acquired_at BIGINT NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
    )?;
    let holder = format!(
        "{}:{}:{:016x}",
        std::fs::read_to_string("/etc/hostname")
            .unwrap_or_default()
            .trim()
            .chars()
            .take(64)
            .collect::<String>(),
        std::process::id(),
        rand::random::<u64>()
    );
    let started = Instant::now();
    loop {
        let taken = diesel::sql_query(
            "INSERT INTO __stockroom_locks (name, holder, acquired_at) VALUES (?, ?, ?)",
        )
        .bind::<Text, _>(name)
        .bind::<Text, _>(&holder)
        .bind::<BigInt, _>(now())
        .execute(conn);
        match taken {
            Ok(_) => break,
            Err(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            )) => {
                // Someone holds it: clear it if its holder is long gone, else wait.
                diesel::sql_query(
                    "DELETE FROM __stockroom_locks WHERE name = ? AND acquired_at < ?",
                )
                .bind::<Text, _>(name)
                .bind::<BigInt, _>(now() - STALE_SECS)
                .execute(conn)?;
                if started.elapsed() >= wait {
                    return Err(Error::Busy(format!(
                        "another terminal is {name}ing the store (waited {} s); try again when it has finished",
                        wait.as_secs()
                    )));
                }
                std::thread::sleep(Duration::from_millis(100 + rand::random_range(0..100)));
            }
            Err(e) => return Err(e.into()),
        }
    }
    let result = f(conn);
    let released = diesel::sql_query("DELETE FROM __stockroom_locks WHERE name = ? AND holder = ?")
        .bind::<Text, _>(name)
        .bind::<Text, _>(&holder)
        .execute(conn);
    if let Err(e) = released {
        tracing::warn!(lock = name, error = %e, "could not release a lock; it expires by age");
    }
    result
}
