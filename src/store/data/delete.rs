//! Deleting records (Administrators): refused in words while other records depend on the
//! record ("customer 17 has 3 orders"); an order goes with its lines, a Pending one giving its
//! stock back first, and a stock row leaves through the ledger; audited with its values.

use super::edit::spec_of;
use super::rules;
use super::value::Key;
use super::{find, view_of};
use crate::auth::audit::{self, Event};
use crate::auth::{Actor, Auth, Permission};
use crate::db::dynamic::{self, Cell};
use crate::db::tx;
use crate::error::{Error, Result};

/// Records that depend on a record: (parent table, child table, child column, what one is,
/// what several are).
const DEPENDENTS: [(&str, &str, &str, &str, &str); 17] = [
    (
        "categories",
        "products",
        "category_id",
        "product",
        "products",
    ),
    ("brands", "products", "brand_id", "product", "products"),
    (
        "products",
        "stocks",
        "product_id",
        "stock row",
        "stock rows",
    ),
    (
        "products",
        "order_items",
        "product_id",
        "order line",
        "order lines",
    ),
    (
        "stores",
        "staffs",
        "store_id",
        "member of staff",
        "members of staff",
    ),
    ("stores", "stocks", "store_id", "stock row", "stock rows"),
    ("stores", "orders", "store_id", "order", "orders"),
    ("staffs", "orders", "staff_id", "order", "orders"),
    ("staffs", "staffs", "manager_id", "report", "reports"),
    (
        "staffs",
        "users",
        "staff_id",
        "user account",
        "user accounts",
    ),
    ("customers", "orders", "customer_id", "order", "orders"),
    ("orders", "order_items", "order_id", "line", "lines"),
    (
        "products",
        "stock_moves",
        "product_id",
        "stock move",
        "stock moves",
    ),
    (
        "stores",
        "stock_moves",
        "store_id",
        "stock move",
        "stock moves",
    ),
    ("orders", "payments", "order_id", "payment", "payments"),
    ("orders", "order_returns", "order_id", "return", "returns"),
    (
        "stores",
        "day_closes",
        "store_id",
        "day close",
        "day closes",
    ),
];

/// Deletes a record (Administrators). Refused in words while other records depend on it
/// ("customer 17 has 3 orders"); an order goes with its lines. Audited with its values.
pub fn delete(auth: &Auth, actor: &Actor, table: &str, key: &Key) -> Result<String> {
    let view = view_of(table)?;
    let spec = spec_of(view);
    let mut conn = auth.db().conn()?;
    tx::write(&mut conn, |conn| {
        auth.authorize(conn, actor, Permission::DeleteRecords)?;
        let row = find(conn, view, key)?;
        let id = Cell::Int(key.0.first().copied());
        let mut blockers = Vec::new();
        let mut lines = 0;
        for (parent, child, column, one, many) in DEPENDENTS {
            if parent != view.table {
                continue;
            }
            let n = dynamic::load_count(
                conn,
                &format!("SELECT COUNT(*) AS n FROM {child} WHERE {column} = ?"),
                &[&id],
            )?;
            if n > 0 && child == "order_items" && parent == "orders" {
                lines = n;
            } else if n > 0 {
                let what = if n == 1 { one } else { many };
                blockers.push(format!("{} {what}", crate::text::group_digits(n as u64)));
            }
        }
        if !blockers.is_empty() {
            return Err(Error::Conflict(format!(
                "{} {key} has {}; nothing was deleted",
                view.noun,
                blockers.join(" and ")
            )));
        }
        let by = rules::Doer {
            actor: &actor.name,
            at: auth.now(),
        };
        match view.table {
            "orders" => rules::order_delete(conn, key.0[0], &by)?,
            "order_items" => {
                let line = dynamic::load_json(
                    conn,
                    "SELECT JSON_ARRAY(product_id, quantity) AS r FROM order_items \
                     WHERE order_id = ? AND item_id = ?",
                    &[&Cell::Int(Some(key.0[0])), &Cell::Int(Some(key.0[1]))],
                )?;
                if let Some(l) = line.first() {
                    let int = |i: usize| l.get(i).and_then(|v| v.as_i64()).unwrap_or(0) as i32;
                    rules::line_delete(conn, key.0[0], int(0), int(1), &by)?;
                }
            }
            "stocks" => rules::stock_delete(conn, key.0[0], key.0[1], &by)?,
            _ => {}
        }
        let clause = spec
            .key
            .iter()
            .map(|k| format!("{k} = ?"))
            .collect::<Vec<_>>()
            .join(" AND ");
        let cells: Vec<Cell> = key.0.iter().map(|v| Cell::Int(Some(*v))).collect();
        if lines > 0 {
            dynamic::execute(conn, "DELETE FROM order_items WHERE order_id = ?", &[&id])?;
        }
        let n = dynamic::execute(
            conn,
            &format!("DELETE FROM {} WHERE {clause}", spec.name),
            &cells.iter().collect::<Vec<_>>(),
        )?;
        if n == 0 {
            return Err(Error::NotFound(format!("there is no {} {key}", view.noun)));
        }
        let what = if lines > 0 {
            let s = if lines == 1 { "" } else { "s" };
            format!("{} {key} and its {lines} line{s}", view.noun)
        } else {
            format!("{} {key}", view.noun)
        };
        audit::record(
            conn,
            auth.now(),
            &actor.name,
            &actor.terminal,
            Event::RecordDeleted,
            &format!(
                "table={} key={key} lines={lines} was {}",
                view.table,
                view.columns
                    .iter()
                    .zip(&row.values)
                    .map(|(c, v)| format!("{}: {}", c.name, v.display()))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        )?;
        Ok(what)
    })
}
