//! What relates to a record, for its detail view: a customer's orders with their totals, an
//! order's lines with the order's total, a product's stock in every store, a store's staff, a
//! staff member's manager and reports, the products of a brand or a category.

use super::value::{Key, Value};
use super::views::{Shown, View};
use crate::db::dynamic::{self, Cell};
use crate::db::{AnyConnection, dialect};
use crate::error::Result;

/// Rows shown under a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Related {
    pub title: &'static str,
    pub columns: Vec<(&'static str, Shown)>,
    pub rows: Vec<Vec<Value>>,
    /// More rows exist than are listed.
    pub more: bool,
    /// A total under the rows (an order's total).
    pub total: Option<Value>,
}

/// Rows listed at most under a record.
const LISTED: usize = 50;

fn query(
    conn: &mut AnyConnection,
    title: &'static str,
    columns: &[(&'static str, Shown)],
    sql: &str,
    key: &[i32],
) -> Result<Related> {
    let cells: Vec<Cell> = key.iter().map(|v| Cell::Int(Some(*v))).collect();
    let refs: Vec<&Cell> = cells.iter().collect();
    let sql = format!("{sql} LIMIT {}", LISTED + 1);
    let mut rows: Vec<Vec<Value>> = dynamic::load_json(conn, &sql, &refs)?
        .iter()
        .map(|j| {
            columns
                .iter()
                .zip(j)
                .map(|((_, s), v)| Value::from_json(v, *s))
                .collect()
        })
        .collect();
    let more = rows.len() > LISTED;
    rows.truncate(LISTED);
    Ok(Related {
        title,
        columns: columns.to_vec(),
        rows,
        more,
        total: None,
    })
}

/// The related records of `key` in `view`'s table.
pub fn of(conn: &mut AnyConnection, view: &View, key: &Key) -> Result<Vec<Related>> {
    use Shown::*;
    let k = key.0.as_slice();
    let line_total = dialect::line_total_sql(conn, "oi.");
    let products = |filter: &str| {
        format!(
            "SELECT JSON_ARRAY(p.product_id, p.product_name, b.brand_name, p.list_price_cents) AS r \
             FROM products p JOIN brands b ON b.brand_id = p.brand_id WHERE {filter} = ? \
             ORDER BY p.product_name, p.product_id"
        )
    };
    let product_cols = [
        ("product_id", Int),
        ("product", Text),
        ("brand", Text),
        ("list_price", Money),
    ];
    let staff_cols = [
        ("staff_id", Int),
        ("name", Text),
        ("email", Text),
        ("active", Bool),
    ];
    let staff = |filter: &str| {
        format!(
            "SELECT JSON_ARRAY(s.staff_id, CONCAT(s.first_name, ' ', s.last_name), s.email, s.active) AS r \
             FROM staffs s WHERE {filter} ORDER BY s.last_name, s.first_name, s.staff_id"
        )
    };
    Ok(match view.table {
        "categories" => vec![query(
            conn,
            "Products",
            &product_cols,
            &products("p.category_id"),
            k,
        )?],
        "brands" => vec![query(
            conn,
            "Products",
            &product_cols,
            &products("p.brand_id"),
            k,
        )?],
        "products" => vec![query(
            conn,
            "Stock in every store",
            &[("store", Text), ("quantity", Int)],
            "SELECT JSON_ARRAY(s.store_name, COALESCE(st.quantity, 0)) AS r FROM stores s \
             LEFT JOIN stocks st ON st.store_id = s.store_id AND st.product_id = ? \
             ORDER BY s.store_name",
            k,
        )?],
        "stores" => vec![query(
            conn,
            "Staff",
            &staff_cols,
            &staff("s.store_id = ?"),
            k,
        )?],
        "staffs" => vec![
            query(
                conn,
                "Manager",
                &staff_cols,
                &staff("s.staff_id = (SELECT manager_id FROM staffs WHERE staff_id = ?)"),
                k,
            )?,
            query(conn, "Reports", &staff_cols, &staff("s.manager_id = ?"), k)?,
        ],
        "customers" => vec![query(
            conn,
            "Orders",
            &[
                ("order_id", Int),
                ("order_date", Date),
                ("status", Status),
                ("store", Text),
                ("total", Money),
            ],
            &format!(
                "SELECT JSON_ARRAY(o.order_id, o.order_date, o.order_status, s.store_name, \
                 (SELECT COALESCE(SUM({line_total}), 0) FROM order_items oi WHERE oi.order_id = o.order_id)) AS r \
                 FROM orders o JOIN stores s ON s.store_id = o.store_id WHERE o.customer_id = ? \
                 ORDER BY o.order_date DESC, o.order_id DESC"
            ),
            k,
        )?],
        "orders" => {
            let mut lines = query(
                conn,
                "Lines",
                &[
                    ("item_id", Int),
                    ("product", Text),
                    ("quantity", Int),
                    ("list_price", Money),
                    ("discount", Discount),
                    ("total", Money),
                ],
                &format!(
                    "SELECT JSON_ARRAY(oi.item_id, p.product_name, oi.quantity, oi.list_price_cents, \
                     oi.discount_bp, {line_total}) AS r FROM order_items oi \
                     JOIN products p ON p.product_id = oi.product_id WHERE oi.order_id = ? \
                     ORDER BY oi.item_id"
                ),
                k,
            )?;
            let cells = [Cell::Int(Some(k[0]))];
            let sum = dialect::as_bigint(conn, &format!("COALESCE(SUM({line_total}), 0)"));
            let total = dynamic::load_count(
                conn,
                &format!("SELECT {sum} AS n FROM order_items oi WHERE oi.order_id = ?"),
                &cells.iter().collect::<Vec<_>>(),
            )?;
            lines.total = Some(Value::Money(total));
            vec![lines]
        }
        _ => Vec::new(),
    })
}
