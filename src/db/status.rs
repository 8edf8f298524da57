//! `db status`: which backend, which server version, which schema version, how many rows.

use diesel::prelude::*;
use diesel::sql_types::Text;

use super::migrate::{self, SchemaVersion};
use super::schema::*;
use super::{AnyConnection, Database};
use crate::error::Result;

#[derive(Debug, Clone, serde::Serialize)]
pub struct DbStatus {
    pub backend: &'static str,
    pub location: String,
    pub server_version: String,
    pub schema_version: Option<String>,
    pub pending_migrations: Vec<String>,
    /// Rows per table; empty until the schema is migrated.
    pub tables: Vec<TableRows>,
}

/// One table's row count.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TableRows {
    pub table: &'static str,
    pub rows: i64,
}

#[derive(QueryableByName)]
struct VersionRow {
    #[diesel(sql_type = Text)]
    v: String,
}

/// The server's own version string.
pub fn server_version(conn: &mut AnyConnection) -> QueryResult<String> {
    let sql = super::dialect::server_version_sql(conn);
    Ok(diesel::sql_query(sql).get_result::<VersionRow>(conn)?.v)
}

/// Rows in every table, parents first.
pub fn row_counts(conn: &mut AnyConnection) -> QueryResult<Vec<(&'static str, i64)>> {
    macro_rules! counts {
        ($($t:ident),*) => {
            vec![$((stringify!($t), $t::table.count().get_result::<i64>(conn)?)),*]
        };
    }
    Ok(counts!(
        categories,
        brands,
        products,
        stores,
        staffs,
        stocks,
        customers,
        orders,
        order_items,
        users,
        backup_codes,
        sessions,
        audit_events,
        import_runs
    ))
}

/// Reads the store's status.
pub fn read(db: &Database) -> Result<DbStatus> {
    let mut conn = db.conn()?;
    let server_version = server_version(&mut conn)?;
    let SchemaVersion { applied, pending } = migrate::version(&mut conn)?;
    let tables = if applied.is_empty() {
        Vec::new()
    } else {
        row_counts(&mut conn)?
            .into_iter()
            .map(|(table, rows)| TableRows { table, rows })
            .collect()
    };
    Ok(DbStatus {
        backend: conn.backend_name(),
        location: db.target().redacted(),
        server_version,
        schema_version: applied.last().cloned(),
        pending_migrations: pending,
        tables,
    })
}
