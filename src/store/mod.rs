//! Business operations on the store data: money rules, demo data, browsing and editing the
//! tables, and (later) orders and dashboard figures. Knows nothing of the terminal.

pub mod dashboard;
pub mod data;
pub mod demo;
pub mod money;
mod names;
pub mod orders;

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
