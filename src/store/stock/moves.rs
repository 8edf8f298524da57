//! The ledger's history: moves newest first, filtered by store, product and date, paged in
//! SQL, with the product's and store's names.

use chrono::NaiveDate;

use crate::auth::{Actor, Auth, Permission};
use crate::db::dynamic::{self, Cell};
use crate::error::Result;

/// Which moves to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MoveQuery {
    pub store: Option<i32>,
    pub product: Option<i32>,
    /// Moves on or after this day (UTC).
    pub since: Option<NaiveDate>,
    pub offset: u64,
    pub limit: u64,
}

/// One move.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MoveRow {
    pub move_id: i32,
    /// Unix seconds.
    pub at: i64,
    pub store_id: i32,
    pub store: String,
    pub product_id: i32,
    pub product: String,
    /// Signed: negative units left the store.
    pub quantity: i32,
    pub reason: String,
    pub reference: Option<String>,
    pub note: Option<String>,
    pub actor: String,
}

/// The largest page read at once.
pub const MAX_PAGE: u64 = 1_000;

/// Moves newest first (needs `ViewData`); the page and how many match in all.
pub fn moves(auth: &Auth, actor: &Actor, q: &MoveQuery) -> Result<(Vec<MoveRow>, u64)> {
    let mut conn = auth.db().conn()?;
    auth.authorize(&mut conn, actor, Permission::ViewData)?;
    // A store or product that does not exist is named, not answered with an empty list.
    for (field, table, key, id) in [
        ("store", "stores", "store_id", q.store),
        ("product", "products", "product_id", q.product),
    ] {
        if let Some(id) = id {
            let n = dynamic::load_count(
                &mut conn,
                &format!("SELECT COUNT(*) AS n FROM {table} WHERE {key} = ?"),
                &[&Cell::Int(Some(id))],
            )?;
            if n == 0 {
                return Err(crate::error::Error::InvalidField {
                    field: field.into(),
                    message: format!("there is no {field} {id}"),
                });
            }
        }
    }
    let mut parts: Vec<&str> = Vec::new();
    let mut cells: Vec<Cell> = Vec::new();
    if let Some(s) = q.store {
        parts.push("m.store_id = ?");
        cells.push(Cell::Int(Some(s)));
    }
    if let Some(p) = q.product {
        parts.push("m.product_id = ?");
        cells.push(Cell::Int(Some(p)));
    }
    if let Some(d) = q.since {
        parts.push("m.at >= ?");
        cells.push(Cell::BigInt(Some(
            d.and_hms_opt(0, 0, 0)
                .unwrap_or_default()
                .and_utc()
                .timestamp(),
        )));
    }
    let filter = if parts.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", parts.join(" AND "))
    };
    let refs: Vec<&Cell> = cells.iter().collect();
    let total = dynamic::load_count(
        &mut conn,
        &format!("SELECT COUNT(*) AS n FROM stock_moves m{filter}"),
        &refs,
    )? as u64;
    let limit = q.limit.clamp(1, MAX_PAGE);
    let sql = format!(
        "SELECT JSON_ARRAY(m.move_id, m.at, m.store_id, s.store_name, m.product_id, \
         p.product_name, m.quantity, m.reason, m.reference, m.note, m.actor) AS r \
         FROM stock_moves m JOIN stores s ON s.store_id = m.store_id \
         JOIN products p ON p.product_id = m.product_id{filter} \
         ORDER BY m.move_id DESC LIMIT {limit} OFFSET {}",
        q.offset
    );
    let rows = dynamic::load_json(&mut conn, &sql, &refs)?
        .iter()
        .map(|j| {
            let int = |i: usize| j.get(i).and_then(|v| v.as_i64()).unwrap_or(0);
            let text = |i: usize| j.get(i).and_then(|v| v.as_str()).map(String::from);
            MoveRow {
                move_id: int(0) as i32,
                at: int(1),
                store_id: int(2) as i32,
                store: text(3).unwrap_or_default(),
                product_id: int(4) as i32,
                product: text(5).unwrap_or_default(),
                quantity: int(6) as i32,
                reason: text(7).unwrap_or_default(),
                reference: text(8),
                note: text(9),
                actor: text(10).unwrap_or_default(),
            }
        })
        .collect();
    Ok((rows, total))
}
