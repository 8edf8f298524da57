//! The SQL that differs between MySQL and SQLite, behind one `match` on the connection.

use super::AnyConnection;

/// Integer division that truncates, in the connection's dialect (`DIV` vs `/`).
pub fn int_div(conn: &AnyConnection) -> &'static str {
    match conn {
        AnyConnection::Mysql(_) => "DIV",
        AnyConnection::Sqlite(_) => "/",
    }
}

/// SQL for an order line's total in cents, rounded half up exactly like
/// [`crate::store::money::line_total_cents`]; columns `quantity`, `list_price_cents`,
/// `discount_bp` must be in scope (optionally qualified by `prefix`, e.g. `"oi."`).
pub fn line_total_sql(conn: &AnyConnection, prefix: &str) -> String {
    format!(
        "(({p}list_price_cents * {p}quantity * (10000 - {p}discount_bp) + 5000) {div} 10000)",
        p = prefix,
        div = int_div(conn)
    )
}

/// The key of the row this connection inserted last (`LAST_INSERT_ID()` /
/// `last_insert_rowid()`): exact whatever other terminals insert, on one server or a cluster.
pub fn last_insert_id(conn: &mut AnyConnection) -> diesel::QueryResult<i64> {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
    }
    let sql = match conn {
        AnyConnection::Mysql(_) => "SELECT CAST(LAST_INSERT_ID() AS SIGNED) AS id",
        AnyConnection::Sqlite(_) => "SELECT last_insert_rowid() AS id",
    };
    Ok(diesel::sql_query(sql).get_result::<Id>(conn)?.id)
}

/// Whether the connection's transaction is still open. A MySQL server ends a transaction on
/// its own after a deadlock or a lost connection; SQLite ends one only on failures that are
/// never row refusals (a full disk, an I/O error), so there it is taken as open.
pub fn transaction_alive(conn: &mut AnyConnection) -> bool {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Open {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    match conn {
        AnyConnection::Mysql(_) => {
            diesel::sql_query("SELECT CAST(@@in_transaction AS SIGNED) AS n")
                .get_result::<Open>(conn)
                .is_ok_and(|o| o.n == 1)
        }
        AnyConnection::Sqlite(_) => true,
    }
}

/// `expr` as a 64-bit integer (`SUM` of integers is a decimal on MySQL).
pub fn as_bigint(conn: &AnyConnection, expr: &str) -> String {
    match conn {
        AnyConnection::Mysql(_) => format!("CAST({expr} AS SIGNED)"),
        AnyConnection::Sqlite(_) => format!("CAST({expr} AS INTEGER)"),
    }
}

/// `a` equals `b`, a NULL equalling a NULL (`<=>` / `IS`).
pub fn null_safe_eq(conn: &AnyConnection, a: &str, b: &str) -> String {
    match conn {
        AnyConnection::Mysql(_) => format!("{a} <=> {b}"),
        AnyConnection::Sqlite(_) => format!("{a} IS {b}"),
    }
}

/// `expr` contains a pattern bound as `?` (lower case, `!` escaping), ignoring case: SQLite's
/// `LIKE` already ignores ASCII case (and reads an index-free column fastest as it is);
/// MySQL's binary collation needs `LOWER`.
pub fn like_ci(conn: &AnyConnection, expr: &str) -> String {
    match conn {
        AnyConnection::Mysql(_) => format!("LOWER({expr}) LIKE ? ESCAPE '!'"),
        AnyConnection::Sqlite(_) => format!("{expr} LIKE ? ESCAPE '!'"),
    }
}
