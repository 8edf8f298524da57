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

    // A month is summed only once it is over in every store's own zone.
    let today = super::zones::latest_today(&mut conn, auth.now())?;
    let (mut groups, top_products) = match period {
        // Any run of days: straight from the lines.
        Period::Range { .. } => from_lines(&mut conn, bounds, start, end, q.store)?,
        _ => from_months(&mut conn, bounds, start, end, q.store, today)?,
    };
    // Revenue is net of returns, in the month of the return.
    groups.extend(refunds(&mut conn, bounds, start, end, q.store)?);
    let (mut revenue_cents, mut items_sold) = (0i64, 0i64);
    let mut month_cents: HashMap<String, i64> = HashMap::new();
    let mut staff_cents: HashMap<i64, i64> = HashMap::new();
    for g in &groups {
        *month_cents.entry(g.month.clone()).or_default() += g.cents;
        if g.in_period {
            revenue_cents += g.cents;
            items_sold += g.items;
            *staff_cents.entry(g.staff).or_default() += g.cents;
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

/// Items and cents by product id.
type ProductSums = HashMap<i64, (i64, i64)>;
/// A best-of row: name, items or orders, cents.
type Best = (String, i64, i64);

/// Sales of one month and staff member, and whether in the period asked for.
struct Group {
    month: String,
    staff: i64,
    in_period: bool,
    items: i64,
    cents: i64,
}

/// Refunds of orders not rejected, as negative groups by month of the return and the order's
/// member of staff, over the period and the twelve months drawn.
fn refunds(
    conn: &mut AnyConnection,
    bounds: Option<(NaiveDate, NaiveDate)>,
    start: NaiveDate,
    end: NaiveDate,
    store: Option<i32>,
) -> Result<Vec<Group>> {
    let mut parts = vec![format!(
        "o.order_status <> {}",
        OrderStatus::Rejected.code()
    )];
    let mut cells = Vec::new();
    if let Some((from, to)) = bounds {
        parts.push("r.return_date >= ? AND r.return_date < ?".into());
        cells.push(Cell::Date(Some(from.min(start))));
        cells.push(Cell::Date(Some(to.max(end))));
    }
    if let Some(s) = store {
        parts.push("r.store_id = ?".into());
        cells.push(Cell::Int(Some(s)));
    }
    let sum = dialect::as_bigint(conn, "SUM(r.refund_cents)");
    let rows = json_rows(
        conn,
        &format!(
            "SELECT JSON_ARRAY(r.return_date, o.staff_id, {sum}) AS r \
             FROM order_returns r JOIN orders o ON o.order_id = r.order_id \
             WHERE {} GROUP BY r.return_date, o.staff_id",
            parts.join(" AND ")
        ),
        &cells,
    )?;
    Ok(rows
        .iter()
        .map(|j| {
            let day = j
                .first()
                .and_then(|v| v.as_str())
                .and_then(|d| NaiveDate::parse_from_str(d.get(..10).unwrap_or(d), "%Y-%m-%d").ok());
            Group {
                month: day
                    .map(|d| format!("{}-{:02}", d.year(), d.month()))
                    .unwrap_or_default(),
                staff: int(j, 1),
                in_period: match (bounds, day) {
                    (Some((from, to)), Some(d)) => d >= from && d < to,
                    (None, _) => true,
                    _ => false,
                },
                items: 0,
                cents: -int(j, 2),
            }
        })
        .collect())
}

/// The best products, `(name, items, cents)`, from `(product id, items, cents)` sums.
fn best_products(
    conn: &mut AnyConnection,
    sums: HashMap<i64, (i64, i64)>,
) -> Result<Vec<(String, i64, i64)>> {
    let mut best: Vec<(i64, (i64, i64))> = sums.into_iter().collect();
    best.sort_by(|a, b| b.1.1.cmp(&a.1.1).then(a.0.cmp(&b.0)));
    best.truncate(TOP);
    if best.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<String> = best.iter().map(|(id, _)| id.to_string()).collect();
    let names: HashMap<i64, String> = json_rows(
        conn,
        &format!(
            "SELECT JSON_ARRAY(product_id, product_name) AS r FROM products WHERE product_id IN ({})",
            ids.join(", ")
        ),
        &[],
    )?
    .iter()
    .map(|j| (int(j, 0), text(j, 1)))
    .collect();
    Ok(best
        .into_iter()
        .map(|(id, (items, cents))| {
            let name = names
                .get(&id)
                .cloned()
                .unwrap_or_else(|| format!("product {id}"));
            (name, items, cents)
        })
        .collect())
}

/// Sums of the lines of orders not rejected between two days (`None`: no bound), of one store
/// or all: by month and staff member (`in_period` from `period`), and by product within
/// `period`.
fn line_sums(
    conn: &mut AnyConnection,
    scan: (Option<NaiveDate>, Option<NaiveDate>),
    period: Option<(NaiveDate, NaiveDate)>,
    store: Option<i32>,
) -> Result<(Vec<Group>, ProductSums)> {
    let lt = dialect::line_total_sql(conn, "oi.");
    let month = dialect::month_of(conn, "o.order_date");
    let rejected = OrderStatus::Rejected.code();
    let mut parts = vec![format!("o.order_status <> {rejected}")];
    let mut cells = Vec::new();
    if let Some(from) = scan.0 {
        parts.push("o.order_date >= ?".into());
        cells.push(Cell::Date(Some(from)));
    }
    if let Some(to) = scan.1 {
        parts.push("o.order_date < ?".into());
        cells.push(Cell::Date(Some(to)));
    }
    if let Some(s) = store {
        parts.push("o.store_id = ?".into());
        cells.push(Cell::Int(Some(s)));
    }
    let filter = parts.join(" AND ");
    let (in_period, mut flag_cells) = match period {
        Some((from, to)) => (
            "CASE WHEN o.order_date >= ? AND o.order_date < ? THEN 1 ELSE 0 END",
            vec![Cell::Date(Some(from)), Cell::Date(Some(to))],
        ),
        None => ("1", Vec::new()),
    };
    flag_cells.extend(cells.iter().cloned());
    let big_of = dialect::as_bigint(conn, "{}");
    let big = |e: &str| big_of.replace("{}", e);
    let groups = json_rows(
        conn,
        &format!(
            "SELECT JSON_ARRAY(x.m, x.s, x.p, {}, {}) AS r FROM (SELECT MIN({month}) AS m, \
             MIN(o.staff_id) AS s, MIN({in_period}) AS p, SUM(oi.quantity) AS q, SUM({lt}) AS c \
             FROM orders o JOIN order_items oi ON oi.order_id = o.order_id WHERE {filter} \
             GROUP BY o.order_id) x GROUP BY x.m, x.s, x.p",
            big("SUM(x.q)"),
            big("SUM(x.c)")
        ),
        &flag_cells,
    )?
    .iter()
    .map(|j| Group {
        month: text(j, 0),
        staff: int(j, 1),
        in_period: int(j, 2) == 1,
        items: int(j, 3),
        cents: int(j, 4),
    })
    .collect();
    // The products, over the period's part of the scan only.
    let mut pcells = cells;
    let mut pfilter = filter;
    if let Some((from, to)) = period {
        pfilter.push_str(" AND o.order_date >= ? AND o.order_date < ?");
        pcells.push(Cell::Date(Some(from)));
        pcells.push(Cell::Date(Some(to)));
    }
    let products = json_rows(
        conn,
        &format!(
            "SELECT JSON_ARRAY(oi.product_id, {}, {}) AS r FROM orders o \
             JOIN order_items oi ON oi.order_id = o.order_id WHERE {pfilter} \
             GROUP BY oi.product_id",
            big("SUM(oi.quantity)"),
            big(&format!("SUM({lt})"))
        ),
        &pcells,
    )?
    .iter()
    .map(|j| (int(j, 0), (int(j, 1), int(j, 2))))
    .collect();
    Ok((groups, products))
}

/// A run of days (`stats --from … --to …`): every figure from the lines.
fn from_lines(
    conn: &mut AnyConnection,
    bounds: Option<(NaiveDate, NaiveDate)>,
    start: NaiveDate,
    end: NaiveDate,
    store: Option<i32>,
) -> Result<(Vec<Group>, Vec<Best>)> {
    let scan = match bounds {
        Some((from, to)) => (Some(from.min(start)), Some(to.max(end))),
        None => (None, None),
    };
    let (groups, sums) = line_sums(conn, scan, bounds, store)?;
    let top = best_products(conn, sums)?;
    Ok((groups, top))
}

/// A month, quarter, year or all time: the months before the current one from the monthly
/// totals (summed first where they are not yet), the current month and later from the lines.
fn from_months(
    conn: &mut AnyConnection,
    bounds: Option<(NaiveDate, NaiveDate)>,
    start: NaiveDate,
    end: NaiveDate,
    store: Option<i32>,
    today: NaiveDate,
) -> Result<(Vec<Group>, Vec<Best>)> {
    use super::sales_summary::{self, month_key};
    // All time runs from the first order to the month after the last.
    let (first, last) = match order_span(conn, None)? {
        Some(span) => span,
        None => return Ok((Vec::new(), Vec::new())),
    };
    let (pfrom, pto) = match bounds {
        Some(b) => b,
        None => (
            sales_summary::month_start(first),
            sales_summary::month_start(last) + Months::new(1),
        ),
    };
    let lo = pfrom.min(start);
    let hi = pto.max(end);
    // When the totals cannot be written now (another terminal holds the store's write lock
    // for a long import), everything comes from the lines, as slow as that is.
    let tail = match sales_summary::ensure(conn, lo, hi, today) {
        Ok(tail) => tail,
        Err(e) => {
            tracing::warn!(error = %e, "monthly totals not summed; reading the order lines");
            lo
        }
    };
    let in_period = |m: &str| m >= month_key(pfrom).as_str() && m < month_key(pto).as_str();
    // The summed months.
    let mut cells = vec![
        Cell::Text(Some(month_key(lo))),
        Cell::Text(Some(month_key(tail))),
    ];
    let store_part = match store {
        Some(s) => {
            cells.push(Cell::Int(Some(s)));
            " AND store_id = ?"
        }
        None => "",
    };
    let big_of = dialect::as_bigint(conn, "{}");
    let big = |e: &str| big_of.replace("{}", e);
    let mut groups: Vec<Group> = json_rows(
        conn,
        &format!(
            "SELECT JSON_ARRAY(month, staff_id, {}, {}) AS r FROM sales_by_staff \
             WHERE month >= ? AND month < ?{store_part} GROUP BY month, staff_id",
            big("SUM(items)"),
            big("SUM(cents)")
        ),
        &cells,
    )?
    .iter()
    .map(|j| {
        let month = text(j, 0);
        Group {
            in_period: in_period(&month),
            month,
            staff: int(j, 1),
            items: int(j, 2),
            cents: int(j, 3),
        }
    })
    .collect();
    let mut pcells = vec![
        Cell::Text(Some(month_key(pfrom.max(lo)))),
        Cell::Text(Some(month_key(pto.min(tail)))),
    ];
    pcells.extend(cells.into_iter().skip(2));
    let mut products: HashMap<i64, (i64, i64)> = HashMap::new();
    for j in json_rows(
        conn,
        &format!(
            "SELECT JSON_ARRAY(product_id, {}, {}) AS r FROM sales_by_product \
             WHERE month >= ? AND month < ?{store_part} GROUP BY product_id",
            big("SUM(items)"),
            big("SUM(cents)")
        ),
        &pcells,
    )? {
        let e = products.entry(int(&j, 0)).or_default();
        e.0 += int(&j, 1);
        e.1 += int(&j, 2);
    }
    // The current month and later, from the lines.
    if tail < hi {
        let period = Some((pfrom.max(tail), pto.max(tail)));
        let (g, p) = line_sums(conn, (Some(tail), Some(hi)), period, store)?;
        groups.extend(g);
        for (id, (items, cents)) in p {
            let e = products.entry(id).or_default();
            e.0 += items;
            e.1 += cents;
        }
    }
    let top = best_products(conn, products)?;
    Ok((groups, top))
}

/// The first and last order dates (of `store`), or `None` when there are no orders.
fn order_span(
    conn: &mut AnyConnection,
    store: Option<i32>,
) -> Result<Option<(NaiveDate, NaiveDate)>> {
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
    Ok(rows
        .first()
        .and_then(|j| Some((date(j.first())?, date(j.get(1))?))))
}

/// Months from the first to the last order (all time's span, for the target).
fn by_month_span(conn: &mut AnyConnection, store: Option<i32>) -> Result<i64> {
    Ok(match order_span(conn, store)? {
        Some((a, b)) => {
            i64::from((b.year() - a.year()) * 12) + i64::from(b.month()) - i64::from(a.month()) + 1
        }
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
    order_span(&mut conn, store)
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
