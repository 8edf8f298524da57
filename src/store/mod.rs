//! Business operations on the store data: demo data, browsing and editing the tables, and
//! (later) orders and dashboard figures. Knows nothing of the terminal.

pub mod dashboard;
pub mod data;
pub mod demo;
/// Money's old path: [`crate::money`] is below the services, so that the tables' cell parsing
/// can read amounts; kept here for src/tui, src/store/orders and the tests.
pub use crate::money;
mod names;
pub mod orders;
pub mod sales_summary;
pub mod stock;
pub mod till;
pub mod words;
pub mod zones;

/// Whether the store holds no data yet (no products, customers or orders), so a front end
/// can say how to load some. Reads counts only; needs no permission beyond being signed in.
pub fn is_empty(auth: &crate::auth::Auth) -> crate::error::Result<bool> {
    use crate::db::schema::{customers, orders, products};
    use diesel::prelude::*;
    let mut conn = auth.db().conn()?;
    let any = |n: i64| n > 0;
    Ok(!(any(products::table.count().get_result(&mut *conn)?)
        || any(customers::table.count().get_result(&mut *conn)?)
        || any(orders::table.count().get_result(&mut *conn)?)))
}

/// [`is_empty`] on a database directly (for the benchmarks, which load demo data first).
pub fn is_empty_db(db: &crate::db::Database) -> crate::error::Result<bool> {
    use crate::db::schema::orders;
    use diesel::prelude::*;
    let n: i64 = orders::table.count().get_result(&mut *db.conn()?)?;
    Ok(n == 0)
}
