//! Failure counting in SQL, so terminals racing on one account cannot lose a count or slip
//! past the limit: every failure is one atomic increment, and the lock is set by a
//! conditional update inside the same transaction.

use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::schema::users;

/// Records one failed attempt at `now`. Returns true if this failure locked the account.
/// Runs in the caller's write transaction (see `record_failed_attempt`), which is re-run
/// whole on a conflict: no savepoint of its own, which a cluster's abort would invalidate.
pub fn record_failure(
    conn: &mut AnyConnection,
    user_id: i32,
    now: i64,
    threshold: u32,
    lock_secs: i64,
) -> QueryResult<bool> {
    // A lock that has run out starts a new count.
    diesel::update(users::table.find(user_id))
        .filter(users::locked_until.le(now))
        .set((
            users::failed_attempts.eq(0),
            users::locked_until.eq(None::<i64>),
        ))
        .execute(conn)?;
    diesel::update(users::table.find(user_id))
        .set(users::failed_attempts.eq(users::failed_attempts + 1))
        .execute(conn)?;
    let locked = diesel::update(users::table.find(user_id))
        .filter(users::failed_attempts.ge(threshold as i32))
        .filter(users::locked_until.is_null())
        .set(users::locked_until.eq(now + lock_secs))
        .execute(conn)?;
    Ok(locked == 1)
}

/// Clears the count after a successful sign-in.
pub fn record_success(conn: &mut AnyConnection, user_id: i32, now: i64) -> QueryResult<()> {
    // Only when something changes: terminals signing the same user in at the same moment
    // then do not all write the same row (on a cluster such writes conflict at commit).
    diesel::update(users::table.find(user_id))
        .filter(
            users::failed_attempts
                .ne(0)
                .or(users::locked_until.is_not_null())
                .or(users::last_login_at.is_null())
                .or(users::last_login_at.lt(now)),
        )
        .set((
            users::failed_attempts.eq(0),
            users::locked_until.eq(None::<i64>),
            users::last_login_at.eq(Some(now)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Lifts a lock (administrator action).
pub fn unlock(conn: &mut AnyConnection, user_id: i32) -> QueryResult<usize> {
    diesel::update(users::table.find(user_id))
        .set((
            users::failed_attempts.eq(0),
            users::locked_until.eq(None::<i64>),
        ))
        .execute(conn)
}
