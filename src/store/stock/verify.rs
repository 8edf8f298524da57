//! `stock verify`: every stock row against the sum of its moves, in one statement (one
//! consistent read), listing each store and product where they differ — a write made behind
//! Stockroom's back, or moves with no stock row left.

use crate::auth::{Actor, Auth, Permission};
use crate::db::dialect;
use crate::db::dynamic;
use crate::error::Result;

/// A store and product whose stock is not the sum of its moves.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Mismatch {
    pub store_id: i32,
    pub product_id: i32,
    /// `stocks.quantity` (0 when there is no row).
    pub stock: i64,
    /// The sum of the moves.
    pub moves: i64,
    /// The store's and the product's names.
    pub store: String,
    pub product: String,
    /// Whether there is a stock row (none: it was deleted behind the ledger's back).
    pub has_row: bool,
}

impl Mismatch {
    /// What the row holds beyond (or short of) its moves.
    pub fn difference(&self) -> i64 {
        self.stock - self.moves
    }
}

/// Pairs whose stock differs from the sum of their moves (empty: the ledger holds). Needs
/// `ViewData`.
pub fn verify(auth: &Auth, actor: &Actor) -> Result<Vec<Mismatch>> {
    let mut conn = auth.db().conn()?;
    auth.authorize(&mut conn, actor, Permission::ViewData)?;
    let total = dialect::as_bigint(&conn, "SUM(quantity)");
    // One grouped pass over the covering index (store, product, quantity) for the pairs with
    // moves, and a probe of that index for stock rows without any.
    let sql = format!(
        "SELECT JSON_ARRAY(x.store_id, x.product_id, x.stock, x.moved, s.store_name, \
           p.product_name, x.has_row) AS r FROM ( \
           SELECT g.store_id, g.product_id, COALESCE(s.quantity, 0) AS stock, g.total AS moved, \
             CASE WHEN s.store_id IS NULL THEN 0 ELSE 1 END AS has_row \
           FROM (SELECT store_id, product_id, {total} AS total \
             FROM stock_moves GROUP BY store_id, product_id) g \
           LEFT JOIN stocks s ON s.store_id = g.store_id AND s.product_id = g.product_id \
           WHERE COALESCE(s.quantity, 0) <> g.total \
           UNION ALL \
           SELECT s.store_id, s.product_id, s.quantity AS stock, 0 AS moved, 1 AS has_row \
           FROM stocks s \
           WHERE s.quantity <> 0 AND NOT EXISTS (SELECT 1 FROM stock_moves m \
             WHERE m.store_id = s.store_id AND m.product_id = s.product_id) \
         ) x LEFT JOIN stores s ON s.store_id = x.store_id \
         LEFT JOIN products p ON p.product_id = x.product_id ORDER BY x.store_id, x.product_id"
    );
    Ok(dynamic::load_json(&mut conn, &sql, &[])?
        .iter()
        .map(|j| {
            let int = |i: usize| j.get(i).and_then(|v| v.as_i64()).unwrap_or(0);
            Mismatch {
                store_id: int(0) as i32,
                product_id: int(1) as i32,
                stock: int(2),
                moves: int(3),
                store: j.get(4).and_then(|v| v.as_str()).unwrap_or("").to_string(),
                product: j.get(5).and_then(|v| v.as_str()).unwrap_or("").to_string(),
                has_row: int(6) != 0,
            }
        })
        .collect())
}
