//! The Dashboard's figures for a period and a store (or all), computed in SQL — never by
//! loading orders: revenue (the lines of every order not rejected), orders by status, the
//! average order, the completion rate, items sold, progress against a sales target, revenue
//! by month for the twelve months up to the period's end, the best products and staff, and
//! the products a store is running out of.

use std::collections::HashMap;

use chrono::{Datelike, Months, NaiveDate};

use crate::auth::{Actor, Auth, Permission};
use crate::db::dynamic::{self, Cell};
use crate::db::models::OrderStatus;
use crate::db::{AnyConnection, dialect};
use crate::error::{Error, Result};

/// A period of the Dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Period {
    Month {
        year: i32,
        month: u32,
    },
    Quarter {
        year: i32,
        quarter: u32,
    },
    Year {
        year: i32,
    },
    /// Any run of days, `from` to `to` inclusive (`stats --from … --to …`).
    Range {
        from: NaiveDate,
        to: NaiveDate,
    },
    All,
}

impl Period {
    /// First day, and the day after the last (`None` for all time).
    pub fn bounds(self) -> Option<(NaiveDate, NaiveDate)> {
        let d = |y, m| NaiveDate::from_ymd_opt(y, m, 1).expect("a valid month");
        Some(match self {
            Period::Month { year, month } => {
                let start = d(year, month);
                (start, start + Months::new(1))
            }
            Period::Quarter { year, quarter } => {
                let start = d(year, (quarter - 1) * 3 + 1);
                (start, start + Months::new(3))
            }
            Period::Year { year } => (d(year, 1), d(year + 1, 1)),
            Period::Range { from, to } => (from, to + chrono::Days::new(1)),
            Period::All => return None,
        })
    }

    /// How many months it spans (for the target); all time counts the months with orders.
    fn months(self) -> u32 {
        match self {
            Period::Month { .. } => 1,
            Period::Quarter { .. } => 3,
            Period::Year { .. } => 12,
            // The calendar months it touches.
            Period::Range { from, to } => {
                let m = (to.year() - from.year()) * 12 + to.month() as i32 - from.month() as i32;
                (m + 1).max(1) as u32
            }
            Period::All => 0,
        }
    }

    /// In words: `2018-04`, `2018 Q2`, `2018`, `all time`.
    pub fn label(self) -> String {
        match self {
            Period::Month { year, month } => format!("{year}-{month:02}"),
            Period::Quarter { year, quarter } => format!("{year} Q{quarter}"),
            Period::Year { year } => year.to_string(),
            Period::Range { from, to } => format!("{from} to {to}"),
            Period::All => "all time".into(),
        }
    }

    /// The same kind of period containing `date` (a range: as many days from `date`).
    pub fn like(self, date: NaiveDate) -> Period {
        match self {
            Period::Month { .. } => Period::Month {
                year: date.year(),
                month: date.month(),
            },
            Period::Quarter { .. } => Period::Quarter {
                year: date.year(),
                quarter: (date.month() - 1) / 3 + 1,
            },
            Period::Year { .. } => Period::Year { year: date.year() },
            // As many days, starting on `date`.
            Period::Range { from, to } => Period::Range {
                from: date,
                to: date + (to - from),
            },
            Period::All => Period::All,
        }
    }

    /// The period before (`None` for all time).
    pub fn previous(self) -> Period {
        match (self, self.bounds()) {
            (Period::Range { from, to }, _) => self.like(from - (to - from) - chrono::Days::new(1)),
            (_, Some((start, _))) => self.like(start - chrono::Days::new(1)),
            (_, None) => self,
        }
    }

    /// The period after.
    pub fn next(self) -> Period {
        match self.bounds() {
            Some((_, end)) => self.like(end),
            None => self,
        }
    }
}

/// What to compute.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DashboardQuery {
    pub store: Option<i32>,
    /// `None`: the latest month that has orders.
    pub period: Option<Period>,
    /// Products at or below this many in a store are listed as low.
    pub low_stock_threshold: u32,
    /// The target for one store and one month, in cents.
    pub target_per_store_month_cents: i64,
}

/// The figures.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Figures {
    pub period: Period,
    pub store: Option<i32>,
    pub revenue_cents: i64,
    pub orders_by_status: Vec<(OrderStatus, u64)>,
    pub orders: u64,
    pub average_order_cents: i64,
    /// Completed orders among all orders of the period (0 to 1).
    pub completion_rate: f64,
    pub items_sold: i64,
    pub target_cents: i64,
    /// `(YYYY-MM, cents)` for the twelve months up to the period's end, oldest first.
    pub by_month: Vec<(String, i64)>,
    /// `(product, items, cents)`, best first.
    pub top_products: Vec<(String, i64, i64)>,
    /// `(staff member, orders, cents)`, best first.
    pub top_staff: Vec<(String, i64, i64)>,
    /// `(store, product, quantity)`, lowest first.
    pub low_stock: Vec<(String, String, i64)>,
}

/// Rows of the best-of lists and the low-stock list.
const TOP: usize = 10;
const LOW_LISTED: usize = 30;

/// `WHERE` parts and binds for the orders of a period and store (alias `o`).
fn order_filter(period: Option<(NaiveDate, NaiveDate)>, store: Option<i32>) -> (String, Vec<Cell>) {
    let mut parts = Vec::new();
    let mut cells = Vec::new();
    if let Some((from, to)) = period {
        parts.push("o.order_date >= ? AND o.order_date < ?");
        cells.push(Cell::Date(Some(from)));
        cells.push(Cell::Date(Some(to)));
    }
    if let Some(s) = store {
        parts.push("o.store_id = ?");
        cells.push(Cell::Int(Some(s)));
    }
    let sql = if parts.is_empty() {
        " WHERE 1 = 1".to_string()
    } else {
        format!(" WHERE {}", parts.join(" AND "))
    };
    (sql, cells)
}

fn json_rows(
    conn: &mut AnyConnection,
    sql: &str,
    cells: &[Cell],
) -> Result<Vec<Vec<serde_json::Value>>> {
    let refs: Vec<&Cell> = cells.iter().collect();
    Ok(dynamic::load_json(conn, sql, &refs)?)
}

fn int(j: &[serde_json::Value], i: usize) -> i64 {
    j.get(i)
        .and_then(|v| {
            v.as_i64()
                .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        })
        .unwrap_or(0)
}

fn text(j: &[serde_json::Value], i: usize) -> String {
    j.get(i).and_then(|v| v.as_str()).unwrap_or("").to_string()
}

/// The latest month with orders (of `store`), or `None` when there are none.
fn latest_month(conn: &mut AnyConnection, store: Option<i32>) -> Result<Option<Period>> {
    let (filter, cells) = order_filter(None, store);
    let rows = json_rows(
        conn,
        &format!("SELECT JSON_ARRAY(MAX(o.order_date)) AS r FROM orders o{filter}"),
        &cells,
    )?;
    Ok(rows
        .first()
        .and_then(|j| j.first())
        .and_then(|v| v.as_str())
        .and_then(|s| NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d").ok())
        .map(|d| Period::Month {
            year: d.year(),
            month: d.month(),
        }))
}

/// Computes the Dashboard (needs `ViewData`).
pub fn load(auth: &Auth, actor: &Actor, q: &DashboardQuery) -> Result<Figures> {
    let mut conn = auth.db().conn()?;
    auth.authorize(&mut conn, actor, Permission::ViewData)?;
    if let Some(s) = q.store {
        let n = dynamic::load_count(
            &mut conn,
            "SELECT COUNT(*) AS n FROM stores WHERE store_id = ?",
            &[&Cell::Int(Some(s))],
        )?;
        if n == 0 {
            return Err(Error::InvalidField {
                field: "store".into(),
                message: format!("there is no store {s}"),
            });
        }
    }
    let period = match q.period {
        Some(p) => p,
        None => latest_month(&mut conn, q.store)?.unwrap_or(Period::All),
    };
    let bounds = period.bounds();
    let (filter, cells) = order_filter(bounds, q.store);
    let lt = dialect::line_total_sql(&conn, "oi.");
    let big_of = dialect::as_bigint(&conn, "{}");
    let big = |e: &str| big_of.replace("{}", e);
    let rejected = OrderStatus::Rejected.code();

    // Orders by status and, for those not rejected, by staff member: orders alone, no lines.
    let by_status = json_rows(
        &mut conn,
        &format!(
            "SELECT JSON_ARRAY(o.order_status, o.staff_id, COUNT(*)) AS r FROM orders o{filter} \
             GROUP BY o.order_status, o.staff_id"
        ),
        &cells,
    )?;
    let mut orders_by_status: Vec<(OrderStatus, u64)> =
        OrderStatus::ALL.iter().map(|s| (*s, 0)).collect();
    let mut staff_orders: HashMap<i64, i64> = HashMap::new();
    for j in &by_status {
        if let Some(s) = OrderStatus::from_code(int(j, 0) as i16)
            && let Some(slot) = orders_by_status.iter_mut().find(|(x, _)| *x == s)
        {
            slot.1 += int(j, 2) as u64;
            if s != OrderStatus::Rejected {
                *staff_orders.entry(int(j, 1)).or_default() += int(j, 2);
            }
        }
    }
    let orders: u64 = orders_by_status.iter().map(|(_, n)| n).sum();
    let completed = orders_by_status
        .iter()
        .find(|(s, _)| *s == OrderStatus::Completed)
        .map_or(0, |(_, n)| *n);
    let sold_orders: u64 = orders_by_status
        .iter()
        .filter(|(s, _)| *s != OrderStatus::Rejected)
        .map(|(_, n)| n)
        .sum();

    // The twelve whole months up to the period's end.
    let end = match bounds {
        Some((_, end)) => end,
        None => latest_month(&mut conn, q.store)?
            .and_then(|p| p.bounds())
            .map_or_else(
                || NaiveDate::from_ymd_opt(2000, 1, 1).expect("valid"),
                |(_, e)| e,
            ),
    };
    let end = match end.day() {
        1 => end,
        _ => NaiveDate::from_ymd_opt(end.year(), end.month(), 1).expect("valid") + Months::new(1),
    };
    let start = end - Months::new(12);

    // One pass over the lines of orders not rejected, in the period and in those months:
    // summed by month, staff member and whether in the period. Revenue, items, the months
    // and the best staff all come from these few groups.
    let month = dialect::month_of(&conn, "o.order_date");
    let (in_period, mut scan_cells) = match bounds {
        Some((from, to)) => (
            "CASE WHEN o.order_date >= ? AND o.order_date < ? THEN 1 ELSE 0 END",
            vec![Cell::Date(Some(from)), Cell::Date(Some(to))],
        ),
        None => ("1", Vec::new()),
    };
    let (scan_filter, more) = order_filter(
        bounds.map(|(from, to)| (from.min(start), to.max(end))),
        q.store,
    );
    scan_cells.extend(more);
    // Lines are summed per order first (in key order, no sort), then the orders per group.
    let groups_sql = format!(
        "SELECT JSON_ARRAY(x.m, x.s, x.p, {}, {}) AS r FROM (SELECT MIN({month}) AS m, \
         MIN(o.staff_id) AS s, MIN({in_period}) AS p, SUM({lt}) AS c, SUM(oi.quantity) AS q \
         FROM orders o JOIN order_items oi ON oi.order_id = o.order_id{scan_filter} \
         AND o.order_status <> {rejected} GROUP BY o.order_id) x GROUP BY x.m, x.s, x.p",
        big("SUM(x.c)"),
        big("SUM(x.q)")
    );
    // The best products. The same sums, shaped for each planner: over all time SQLite walks
    // the products and their lines by index (no sort of every line); otherwise, and always on
    // MySQL/MariaDB (which would take that order and read every line), the period's lines are
    // summed first and named after ranking.
    let top_sql = match &*conn {
        AnyConnection::Sqlite(_) if bounds.is_none() => format!(
            "SELECT JSON_ARRAY(p.product_name, {}, {}) AS r FROM products p \
             JOIN order_items oi ON oi.product_id = p.product_id \
             JOIN orders o ON o.order_id = oi.order_id{filter} AND o.order_status <> {rejected} \
             GROUP BY p.product_id ORDER BY SUM({lt}) DESC, p.product_id LIMIT {TOP}",
            big("SUM(oi.quantity)"),
            big(&format!("SUM({lt})"))
        ),
        _ => format!(
            "SELECT JSON_ARRAY(p.product_name, {}, {}) AS r FROM (SELECT oi.product_id AS id, \
             SUM(oi.quantity) AS q, SUM({lt}) AS c FROM orders o \
             JOIN order_items oi ON oi.order_id = o.order_id{filter} AND o.order_status <> {rejected} \
             GROUP BY oi.product_id ORDER BY c DESC, oi.product_id LIMIT {TOP}) t \
             JOIN products p ON p.product_id = t.id ORDER BY t.c DESC, t.id",
            big("t.q"),
            big("t.c")
        ),
    };
    // The two passes over the lines run at once, each on its own connection (one after the
    // other when the pool has a single connection: neither waits while holding one).
    drop(conn);
    let (groups, top_products) = std::thread::scope(|scope| {
        let lines = scope.spawn(|| -> Result<Vec<Vec<serde_json::Value>>> {
            let mut c = auth.db().conn()?;
            json_rows(&mut c, &groups_sql, &scan_cells)
        });
        let top = (|| -> Result<Vec<Vec<serde_json::Value>>> {
            let mut c = auth.db().conn()?;
            json_rows(&mut c, &top_sql, &cells)
        })();
        let groups = lines
            .join()
            .map_err(|_| Error::Invalid("the Dashboard's query thread failed".into()))?;
        Ok::<_, Error>((groups?, top?))
    })?;
    let top_products: Vec<(String, i64, i64)> = top_products
        .iter()
        .map(|j| (text(j, 0), int(j, 1), int(j, 2)))
        .collect();
    let mut conn = auth.db().conn()?;
    let (mut revenue_cents, mut items_sold) = (0i64, 0i64);
    let mut month_cents: HashMap<String, i64> = HashMap::new();
    let mut staff_cents: HashMap<i64, i64> = HashMap::new();
    for j in &groups {
        let cents = int(j, 3);
        *month_cents.entry(text(j, 0)).or_default() += cents;
        if int(j, 2) == 1 {
            revenue_cents += cents;
            items_sold += int(j, 4);
            *staff_cents.entry(int(j, 1)).or_default() += cents;
        }
    }
    let by_month: Vec<(String, i64)> = (0..12)
        .map(|i| {
            let m = start + Months::new(i);
            let key = format!("{}-{:02}", m.year(), m.month());
            let cents = month_cents.get(&key).copied().unwrap_or(0);
            (key, cents)
        })
        .collect();

    // The best staff: named after ranking.
    let mut best: Vec<(i64, i64)> = staff_cents.into_iter().collect();
    best.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    best.truncate(TOP);
    let names: HashMap<i64, String> = if best.is_empty() {
        HashMap::new()
    } else {
        let ids: Vec<String> = best.iter().map(|(id, _)| id.to_string()).collect();
        json_rows(
            &mut conn,
            &format!(
                "SELECT JSON_ARRAY(staff_id, CONCAT(first_name, ' ', last_name)) AS r \
                 FROM staffs WHERE staff_id IN ({})",
                ids.join(", ")
            ),
            &[],
        )?
        .iter()
        .map(|j| (int(j, 0), text(j, 1)))
        .collect()
    };
    let top_staff = best
        .iter()
        .map(|(id, cents)| {
            (
                names
                    .get(id)
                    .cloned()
                    .unwrap_or_else(|| format!("staff {id}")),
                staff_orders.get(id).copied().unwrap_or(0),
                *cents,
            )
        })
        .collect();

    // Low stock, worst first.
    let mut low_cells = vec![Cell::Int(Some(
        q.low_stock_threshold.min(i32::MAX as u32) as i32
    ))];
    let store_part = match q.store {
        Some(s) => {
            low_cells.push(Cell::Int(Some(s)));
            " AND k.store_id = ?"
        }
        None => "",
    };
    let low_stock = json_rows(
        &mut conn,
        &format!(
            "SELECT JSON_ARRAY(s.store_name, p.product_name, k.quantity) AS r FROM stocks k \
             JOIN stores s ON s.store_id = k.store_id JOIN products p ON p.product_id = k.product_id \
             WHERE k.quantity <= ?{store_part} ORDER BY k.quantity, s.store_name, p.product_name LIMIT {LOW_LISTED}"
        ),
        &low_cells,
    )?
    .iter()
    .map(|j| (text(j, 0), text(j, 1), int(j, 2)))
    .collect();

    // The target: per store and month, times the stores and months looked at.
    let stores = match q.store {
        Some(_) => 1,
        None => dynamic::load_count(&mut conn, "SELECT COUNT(*) AS n FROM stores", &[])?.max(1),
    };
    let months_n = match period.months() {
        0 => by_month_span(&mut conn, q.store)?,
        n => n as i64,
    };
    Ok(Figures {
        period,
        store: q.store,
        revenue_cents,
        orders_by_status,
        orders,
        average_order_cents: if sold_orders == 0 {
            0
        } else {
            (revenue_cents + sold_orders as i64 / 2) / sold_orders as i64
        },
        completion_rate: if orders == 0 {
            0.0
        } else {
            completed as f64 / orders as f64
        },
        items_sold,
        target_cents: q.target_per_store_month_cents * stores * months_n.max(1),
        by_month,
        top_products,
        top_staff,
        low_stock,
    })
}

/// Months from the first to the last order (all time's span, for the target).
fn by_month_span(conn: &mut AnyConnection, store: Option<i32>) -> Result<i64> {
    let (filter, cells) = order_filter(None, store);
    let rows = json_rows(
        conn,
        &format!(
            "SELECT JSON_ARRAY(MIN(o.order_date), MAX(o.order_date)) AS r FROM orders o{filter}"
        ),
        &cells,
    )?;
    let date = |v: Option<&serde_json::Value>| {
        v.and_then(|v| v.as_str())
            .and_then(|s| NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d").ok())
    };
    Ok(match rows.first() {
        Some(j) => match (date(j.first()), date(j.get(1))) {
            (Some(a), Some(b)) => {
                i64::from((b.year() - a.year()) * 12) + i64::from(b.month()) - i64::from(a.month())
                    + 1
            }
            _ => 1,
        },
        None => 1,
    })
}

/// The first and last order dates (of `store`), or `None` when there are no orders (needs
/// `ViewData`): what an open-ended range of days runs to.
pub fn order_dates(
    auth: &Auth,
    actor: &Actor,
    store: Option<i32>,
) -> Result<Option<(NaiveDate, NaiveDate)>> {
    let mut conn = auth.db().conn()?;
    auth.authorize(&mut conn, actor, Permission::ViewData)?;
    let (filter, cells) = order_filter(None, store);
    let rows = json_rows(
        &mut conn,
        &format!(
            "SELECT JSON_ARRAY(MIN(o.order_date), MAX(o.order_date)) AS r FROM orders o{filter}"
        ),
        &cells,
    )?;
    let date = |v: Option<&serde_json::Value>| {
        v.and_then(|v| v.as_str())
            .and_then(|s| NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d").ok())
    };
    Ok(rows
        .first()
        .and_then(|j| Some((date(j.first())?, date(j.get(1))?))))
}

/// The stores, `(id, name)`, for choosing one (needs `ViewData`).
pub fn stores(auth: &Auth, actor: &Actor) -> Result<Vec<(i32, String)>> {
    use crate::db::schema::stores;
    use diesel::prelude::*;
    let mut conn = auth.db().conn()?;
    auth.authorize(&mut conn, actor, Permission::ViewData)?;
    Ok(stores::table
        .order(stores::store_id)
        .select((stores::store_id, stores::store_name))
        .load(&mut *conn)?)
}
