//! What each store holds: stock rows with their product's and store's names, filtered by
//! store and by words in the product's or brand's name, paged in SQL (the Stock tab's list).

use crate::auth::{Actor, Auth, Permission};
use crate::db::dynamic::{self, Cell};
use crate::error::Result;

/// Which stock rows to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LevelQuery {
    pub store: Option<i32>,
    /// Words in the product's or brand's name, or a product id.
    pub search: Option<String>,
    pub offset: u64,
    pub limit: u64,
}

/// A store's stock of a product.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Level {
    pub store_id: i32,
    pub store: String,
    pub product_id: i32,
    pub product: String,
    pub brand: String,
    pub quantity: i32,
}

/// Stock rows by store, then product name (needs `ViewData`); the page and how many match.
pub fn levels(auth: &Auth, actor: &Actor, q: &LevelQuery) -> Result<(Vec<Level>, u64)> {
    let mut conn = auth.db().conn()?;
    auth.authorize(&mut conn, actor, Permission::ViewData)?;
    let mut parts: Vec<String> = Vec::new();
    let mut cells: Vec<Cell> = Vec::new();
    if let Some(s) = q.store {
        parts.push("k.store_id = ?".into());
        cells.push(Cell::Int(Some(s)));
    }
    if let Some(text) = q.search.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        if let Ok(id) = text.parse::<i32>() {
            parts.push("k.product_id = ?".into());
            cells.push(Cell::Int(Some(id)));
        } else if let Some((clause, more)) =
            crate::store::words::clause(&conn, text, &["p.product_name", "b.brand_name"])
        {
            parts.push(clause);
            cells.extend(more);
        }
    }
    let filter = if parts.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", parts.join(" AND "))
    };
    let from = "FROM stocks k JOIN products p ON p.product_id = k.product_id \
                JOIN brands b ON b.brand_id = p.brand_id \
                JOIN stores s ON s.store_id = k.store_id";
    let refs: Vec<&Cell> = cells.iter().collect();
    let total = dynamic::load_count(
        &mut conn,
        &format!("SELECT COUNT(*) AS n {from}{filter}"),
        &refs,
    )? as u64;
    let limit = q.limit.clamp(1, 500);
    let sql = format!(
        "SELECT JSON_ARRAY(k.store_id, s.store_name, k.product_id, p.product_name, \
         b.brand_name, k.quantity) AS r {from}{filter} \
         ORDER BY k.store_id, p.product_name, k.product_id LIMIT {limit} OFFSET {}",
        q.offset
    );
    let rows = dynamic::load_json(&mut conn, &sql, &refs)?
        .iter()
        .map(|j| {
            let int = |i: usize| j.get(i).and_then(|v| v.as_i64()).unwrap_or(0);
            let text = |i: usize| j.get(i).and_then(|v| v.as_str()).unwrap_or("").to_string();
            Level {
                store_id: int(0) as i32,
                store: text(1),
                product_id: int(2) as i32,
                product: text(3),
                brand: text(4),
                quantity: int(5) as i32,
            }
        })
        .collect();
    Ok((rows, total))
}
