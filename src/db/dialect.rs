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
