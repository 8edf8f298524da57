//! Guard rows: a transaction that checks a rule spanning many rows (there is no user yet;
//! another active administrator remains) first writes its guard row. Writers of the same
//! guard then queue on one server and conflict on a cluster (one is retried), so the check
//! reads what the other committed: a conditional write that holds across nodes, unlike
//! `SELECT … FOR UPDATE`, whose locks a Galera cluster does not share.

use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::schema::guards;

/// The guard of the accounts rules (first administrator, last active administrator).
pub const ACCOUNTS: &str = "accounts";

/// Writes the guard row `name` (created if missing) inside the caller's transaction.
pub fn touch(conn: &mut AnyConnection, name: &str) -> QueryResult<()> {
    let n = diesel::update(guards::table.find(name))
        .set(guards::version.eq(guards::version + 1))
        .execute(conn)?;
    if n == 0 {
        diesel::insert_into(guards::table)
            .values((guards::name.eq(name), guards::version.eq(1i64)))
            .execute(conn)?;
    }
    Ok(())
}
