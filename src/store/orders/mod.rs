//! Orders: listed newest first and paged in SQL, shown with their lines and total, created
//! with the stock they take in one transaction, and moved through their statuses (DESIGN §3).
//! Stock only ever changes by conditional SQL (`quantity = quantity - n WHERE quantity >= n`),
//! so terminals sharing a store — or a cluster — cannot oversell.

pub mod choose;
mod create;
mod status;

pub(crate) use create::check_customer_store_staff as check_parties;
pub use create::{NewLine, NewOrder, Sold, create, sell, sell_paid};
pub(crate) use status::give_back;
pub use status::set_status;

use chrono::NaiveDate;

use crate::auth::{Actor, Auth, Permission};
use crate::db::dynamic::{self, Cell};
pub use crate::db::models::OrderStatus;
use crate::db::{AnyConnection, dialect};
use crate::error::{Error, Result};

/// Which orders to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderQuery {
    pub status: Option<OrderStatus>,
    pub store: Option<i32>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// An order id, or text in the customer's name or e-mail.
    pub search: Option<String>,
    pub offset: u64,
    pub limit: u64,
}

/// One order in a list.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OrderSummary {
    pub order_id: i32,
    pub order_date: NaiveDate,
    pub status: OrderStatus,
    pub customer: Option<String>,
    pub store: String,
    pub staff: String,
    pub lines: i64,
    pub total_cents: i64,
}

/// A page of orders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderPage {
    pub orders: Vec<OrderSummary>,
    pub offset: u64,
    pub total: u64,
}

/// One line of an order.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OrderLine {
    pub item_id: i32,
    pub product_id: i32,
    pub product: String,
    pub quantity: i32,
    pub list_price_cents: i64,
    pub discount_bp: i32,
    pub total_cents: i64,
}

/// An order with its lines.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OrderDetail {
    pub summary: OrderSummary,
    pub required_date: NaiveDate,
    pub shipped_date: Option<NaiveDate>,
    pub lines: Vec<OrderLine>,
    /// How it was paid, and refunds (negative), in order; empty for orders from before
    /// payments were recorded (imports, demo data).
    pub payments: Vec<crate::store::till::Paid>,
    /// Units brought back.
    pub returns: Vec<ReturnSummary>,
}

/// One return of an order.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ReturnSummary {
    pub return_id: i32,
    pub return_date: NaiveDate,
    pub tender: String,
    pub refund_cents: i64,
    pub restocked: bool,
    /// (item, product name, units, refund)
    pub lines: Vec<(i32, String, i32, i64)>,
}

/// The largest page read at once.
pub const MAX_PAGE: u64 = 500;

fn summary_select(conn: &AnyConnection) -> String {
    let line_total = dialect::line_total_sql(conn, "oi.");
    let total = dialect::as_bigint(conn, &format!("COALESCE(SUM({line_total}), 0)"));
    format!(
        "SELECT JSON_ARRAY(o.order_id, o.order_date, o.order_status, \
         CASE WHEN cu.customer_id IS NULL THEN NULL ELSE CONCAT(cu.first_name, ' ', cu.last_name) END, \
         s.store_name, CONCAT(st.first_name, ' ', st.last_name), \
         (SELECT COUNT(*) FROM order_items oi WHERE oi.order_id = o.order_id), \
         (SELECT {total} FROM order_items oi WHERE oi.order_id = o.order_id)) AS r \
         FROM orders o LEFT JOIN customers cu ON cu.customer_id = o.customer_id \
         JOIN stores s ON s.store_id = o.store_id JOIN staffs st ON st.staff_id = o.staff_id"
    )
}

fn date_of(j: &serde_json::Value) -> NaiveDate {
    j.as_str()
        .and_then(|s| NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d").ok())
        .unwrap_or_default()
}

fn summary_of(j: &[serde_json::Value]) -> OrderSummary {
    let int = |i: usize| j.get(i).and_then(|v| v.as_i64()).unwrap_or(0);
    let text = |i: usize| j.get(i).and_then(|v| v.as_str()).map(String::from);
    OrderSummary {
        order_id: int(0) as i32,
        order_date: date_of(&j[1]),
        status: OrderStatus::from_code(int(2) as i16).unwrap_or(OrderStatus::Pending),
        customer: text(3),
        store: text(4).unwrap_or_default(),
        staff: text(5).unwrap_or_default(),
        lines: int(6),
        total_cents: int(7),
    }
}

/// Orders newest first, filtered and paged in SQL (needs `ViewData`).
pub fn list(auth: &Auth, actor: &Actor, q: &OrderQuery) -> Result<OrderPage> {
    let mut conn = auth.db().conn()?;
    auth.authorize(&mut conn, actor, Permission::ViewData)?;
    let mut parts: Vec<String> = Vec::new();
    let mut cells: Vec<Cell> = Vec::new();
    if let Some(s) = q.status {
        parts.push("o.order_status = ?".into());
        cells.push(Cell::SmallInt(Some(s.code())));
    }
    if let Some(s) = q.store {
        parts.push("o.store_id = ?".into());
        cells.push(Cell::Int(Some(s)));
    }
    if let Some(d) = q.from {
        parts.push("o.order_date >= ?".into());
        cells.push(Cell::Date(Some(d)));
    }
    if let Some(d) = q.to {
        parts.push("o.order_date <= ?".into());
        cells.push(Cell::Date(Some(d)));
    }
    if let Some(text) = q.search.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        if let Ok(id) = text.trim_start_matches('#').parse::<i32>() {
            parts.push("o.order_id = ?".into());
            cells.push(Cell::Int(Some(id)));
        } else if let Some((words, more)) =
            crate::store::words::clause(&conn, text, &["cu.first_name", "cu.last_name", "cu.email"])
        {
            // Every word in the customer's name or e-mail (`debra burks`).
            parts.push(crate::store::words::in_parent(
                "o.customer_id",
                "cu.customer_id",
                "customers cu",
                &words,
            ));
            cells.extend(more);
        }
    }
    let filter = if parts.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", parts.join(" AND "))
    };
    let refs: Vec<&Cell> = cells.iter().collect();
    let total = dynamic::load_count(
        &mut conn,
        &format!("SELECT COUNT(*) AS n FROM orders o{filter}"),
        &refs,
    )? as u64;
    let limit = q.limit.clamp(1, MAX_PAGE);
    let sql = format!(
        "{}{filter} ORDER BY o.order_date DESC, o.order_id DESC LIMIT {limit} OFFSET {}",
        summary_select(&conn),
        q.offset
    );
    let orders = dynamic::load_json(&mut conn, &sql, &refs)?
        .iter()
        .map(|j| summary_of(j))
        .collect();
    Ok(OrderPage {
        orders,
        offset: q.offset,
        total,
    })
}

/// One order with its lines (needs `ViewData`).
pub fn show(auth: &Auth, actor: &Actor, order_id: i32) -> Result<OrderDetail> {
    let mut conn = auth.db().conn()?;
    auth.authorize(&mut conn, actor, Permission::ViewData)?;
    detail(&mut conn, order_id)
}

pub(crate) fn detail(conn: &mut AnyConnection, order_id: i32) -> Result<OrderDetail> {
    use crate::db::schema::orders;
    use diesel::prelude::*;
    let id = Cell::Int(Some(order_id));
    let sql = format!("{} WHERE o.order_id = ?", summary_select(conn));
    let summary = dynamic::load_json(conn, &sql, &[&id])?
        .first()
        .map(|j| summary_of(j))
        .ok_or_else(|| Error::NotFound(format!("there is no order {order_id}")))?;
    let (required_date, shipped_date): (NaiveDate, Option<NaiveDate>) = orders::table
        .find(order_id)
        .select((orders::required_date, orders::shipped_date))
        .first(conn)?;
    let line_total = dialect::line_total_sql(conn, "oi.");
    let sql = format!(
        "SELECT JSON_ARRAY(oi.item_id, oi.product_id, p.product_name, oi.quantity, \
         oi.list_price_cents, oi.discount_bp, {}) AS r FROM order_items oi \
         JOIN products p ON p.product_id = oi.product_id WHERE oi.order_id = ? ORDER BY oi.item_id",
        dialect::as_bigint(conn, &line_total)
    );
    let lines = dynamic::load_json(conn, &sql, &[&id])?
        .iter()
        .map(|j| {
            let int = |i: usize| j.get(i).and_then(|v| v.as_i64()).unwrap_or(0);
            OrderLine {
                item_id: int(0) as i32,
                product_id: int(1) as i32,
                product: j.get(2).and_then(|v| v.as_str()).unwrap_or("").to_string(),
                quantity: int(3) as i32,
                list_price_cents: int(4),
                discount_bp: int(5) as i32,
                total_cents: int(6),
            }
        })
        .collect();
    let payments = crate::store::till::payments_of(conn, order_id)?
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    let returns = returns_of(conn, order_id)?;
    Ok(OrderDetail {
        summary,
        required_date,
        shipped_date,
        lines,
        payments,
        returns,
    })
}

fn returns_of(conn: &mut AnyConnection, order_id: i32) -> Result<Vec<ReturnSummary>> {
    let id = Cell::Int(Some(order_id));
    let heads = dynamic::load_json(
        conn,
        "SELECT JSON_ARRAY(return_id, return_date, tender, refund_cents, restocked) AS r \
         FROM order_returns WHERE order_id = ? ORDER BY return_id",
        &[&id],
    )?;
    let lines = dynamic::load_json(
        conn,
        "SELECT JSON_ARRAY(r.return_id, r.item_id, p.product_name, r.quantity, r.refund_cents) AS r \
         FROM return_lines r JOIN products p ON p.product_id = r.product_id \
         WHERE r.order_id = ? ORDER BY r.return_id, r.item_id",
        &[&id],
    )?;
    Ok(heads
        .iter()
        .map(|h| {
            let int =
                |j: &[serde_json::Value], i: usize| j.get(i).and_then(|v| v.as_i64()).unwrap_or(0);
            let rid = int(h, 0) as i32;
            ReturnSummary {
                return_id: rid,
                return_date: date_of(&h[1]),
                tender: h.get(2).and_then(|v| v.as_str()).unwrap_or("").to_string(),
                refund_cents: int(h, 3),
                restocked: h
                    .get(4)
                    .is_some_and(|v| v.as_bool().unwrap_or(v.as_i64() == Some(1))),
                lines: lines
                    .iter()
                    .filter(|l| int(l, 0) as i32 == rid)
                    .map(|l| {
                        (
                            int(l, 1) as i32,
                            l.get(2).and_then(|v| v.as_str()).unwrap_or("").to_string(),
                            int(l, 3) as i32,
                            int(l, 4),
                        )
                    })
                    .collect(),
            }
        })
        .collect())
}

/// A status typed by a person: `pending`, `processing`, `completed`, `rejected` (or 1–4).
pub fn parse_status(text: &str) -> Result<OrderStatus> {
    let t = text.trim();
    t.parse::<i16>()
        .ok()
        .and_then(OrderStatus::from_code)
        .or_else(|| {
            OrderStatus::ALL
                .into_iter()
                .find(|s| s.name().eq_ignore_ascii_case(t))
        })
        .ok_or_else(|| Error::InvalidField {
            field: "status".into(),
            message: format!(
                "`{}` is not a status (pending, processing, completed or rejected)",
                crate::text::escape_bounded(t, 40)
            ),
        })
}

/// An order's status and store, its row locked to the end of the transaction (MySQL), so a
/// status change on another terminal waits for this edit or is seen by it.
pub(crate) fn locked(conn: &mut AnyConnection, order_id: i32) -> Result<(OrderStatus, i32)> {
    let lock = match conn {
        AnyConnection::Mysql(_) => " FOR UPDATE",
        AnyConnection::Sqlite(_) => "",
    };
    let rows = dynamic::load_json(
        conn,
        &format!(
            "SELECT JSON_ARRAY(order_status, store_id) AS r FROM orders WHERE order_id = ?{lock}"
        ),
        &[&Cell::Int(Some(order_id))],
    )?;
    let row = rows.first().ok_or_else(|| Error::InvalidField {
        field: "order_id".into(),
        message: format!("there is no order {order_id}"),
    })?;
    let int = |i: usize| row.get(i).and_then(|v| v.as_i64()).unwrap_or(0);
    Ok((
        OrderStatus::from_code(int(0) as i16).unwrap_or(OrderStatus::Pending),
        int(1) as i32,
    ))
}
