//! The figures of the reports, gathered in SQL on either backend: sums of integer cents
//! (line totals rounded exactly as [`crate::store::money::line_total_cents`]), counts and
//! groupings. Revenue counts every order that is not rejected, as on the Dashboard; rejected
//! orders are listed and counted by status only.

use chrono::{Datelike, Months, NaiveDate};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Integer, Text};

use crate::db::dynamic::{self, Cell};
use crate::db::models::{Customer, OrderStatus};
use crate::db::schema::{customers, stores};
use crate::db::{AnyConnection, dialect};
use crate::error::Result;

/// One order of a customer's history.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct OrderLine {
    #[diesel(sql_type = Integer)]
    pub order_id: i32,
    #[diesel(sql_type = Date)]
    pub order_date: NaiveDate,
    #[diesel(sql_type = Text)]
    pub store: String,
    #[diesel(sql_type = BigInt)]
    pub status: i64,
    #[diesel(sql_type = BigInt)]
    pub line_count: i64,
    #[diesel(sql_type = BigInt)]
    pub items: i64,
    #[diesel(sql_type = BigInt)]
    pub total_cents: i64,
}

impl OrderLine {
    pub fn status_name(&self) -> &'static str {
        status_name(self.status)
    }
}

pub fn status_name(code: i64) -> &'static str {
    i16::try_from(code)
        .ok()
        .and_then(OrderStatus::from_code)
        .map_or("Unknown", OrderStatus::name)
}

/// Totals over orders: all of them, the rejected ones, and the revenue and items of the rest.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub orders: i64,
    pub rejected: i64,
    pub items: i64,
    pub revenue_cents: i64,
}

impl Totals {
    /// Orders whose revenue counts.
    pub fn sold(&self) -> i64 {
        self.orders - self.rejected
    }

    /// Revenue per order that is not rejected, rounded half up to the cent.
    pub fn average_cents(&self) -> i64 {
        let n = self.sold();
        if n <= 0 {
            0
        } else {
            (self.revenue_cents + n / 2) / n
        }
    }
}

/// Everything the customer report shows.
#[derive(Debug, Clone)]
pub struct CustomerData {
    pub customer: Customer,
    /// Oldest first.
    pub orders: Vec<OrderLine>,
    pub totals: Totals,
    /// `(YYYY-MM, cents)` from the first to the last month with an order.
    pub by_month: Vec<(String, i64)>,
}

#[derive(QueryableByName)]
struct Counted {
    #[diesel(sql_type = BigInt)]
    orders: i64,
    #[diesel(sql_type = BigInt)]
    rejected: i64,
}

#[derive(QueryableByName)]
struct Summed {
    #[diesel(sql_type = BigInt)]
    items: i64,
    #[diesel(sql_type = BigInt)]
    cents: i64,
}

#[derive(QueryableByName)]
struct Monthly {
    #[diesel(sql_type = Text)]
    ym: String,
    #[diesel(sql_type = BigInt)]
    orders: i64,
    #[diesel(sql_type = BigInt)]
    items: i64,
    #[diesel(sql_type = BigInt)]
    cents: i64,
}

/// SQL pieces for the connection's dialect.
struct Sql {
    line_total: String,
    big: String,
    month: String,
    rejected: i16,
}

impl Sql {
    fn new(conn: &AnyConnection) -> Sql {
        Sql {
            line_total: dialect::line_total_sql(conn, "oi."),
            big: dialect::as_bigint(conn, "{}"),
            month: dialect::month_of(conn, "o.order_date"),
            rejected: OrderStatus::Rejected.code(),
        }
    }
    fn big(&self, expr: &str) -> String {
        self.big.replace("{}", expr)
    }
    fn revenue(&self) -> String {
        self.big(&format!("COALESCE(SUM({}), 0)", self.line_total))
    }
    fn quantity(&self) -> String {
        self.big("COALESCE(SUM(oi.quantity), 0)")
    }
}

fn load<T>(conn: &mut AnyConnection, sql: &str, cells: &[Cell]) -> Result<Vec<T>>
where
    T: QueryableByName<diesel::mysql::Mysql> + QueryableByName<diesel::sqlite::Sqlite> + 'static,
{
    let refs: Vec<&Cell> = cells.iter().collect();
    Ok(dynamic::load_by_name(conn, sql, &refs)?)
}

/// Totals of the orders matching `filter` (a `WHERE` clause on `orders o`).
fn totals(conn: &mut AnyConnection, q: &Sql, filter: &str, cells: &[Cell]) -> Result<Totals> {
    let counted: Vec<Counted> = load(
        conn,
        &format!(
            "SELECT {} AS orders, {} AS rejected FROM orders o {filter}",
            q.big("COUNT(*)"),
            q.big(&format!(
                "COALESCE(SUM(CASE WHEN o.order_status = {} THEN 1 ELSE 0 END), 0)",
                q.rejected
            ))
        ),
        cells,
    )?;
    let summed: Vec<Summed> = load(
        conn,
        &format!(
            "SELECT {} AS items, {} AS cents FROM orders o JOIN order_items oi ON oi.order_id = o.order_id \
             {filter} AND o.order_status <> {}",
            q.quantity(),
            q.revenue(),
            q.rejected
        ),
        cells,
    )?;
    let (orders, rejected) = counted.first().map_or((0, 0), |c| (c.orders, c.rejected));
    let (items, revenue_cents) = summed.first().map_or((0, 0), |s| (s.items, s.cents));
    Ok(Totals {
        orders,
        rejected,
        items,
        revenue_cents,
    })
}

/// Orders, items and revenue by `YYYY-MM` of the orders matching `filter` that are not
/// rejected.
fn monthly(
    conn: &mut AnyConnection,
    q: &Sql,
    filter: &str,
    cells: &[Cell],
) -> Result<Vec<Monthly>> {
    load(
        conn,
        &format!(
            "SELECT {m} AS ym, {} AS orders, {} AS items, {} AS cents FROM orders o \
             LEFT JOIN order_items oi ON oi.order_id = o.order_id {filter} AND o.order_status <> {} \
             GROUP BY {m} ORDER BY ym",
            q.big("COUNT(DISTINCT o.order_id)"),
            q.quantity(),
            q.revenue(),
            q.rejected,
            m = q.month
        ),
        cells,
    )
}

/// `YYYY-MM` of a date.
pub fn month_key(d: NaiveDate) -> String {
    format!("{}-{:02}", d.year(), d.month())
}

/// Every month from `first` to `last` (both `YYYY-MM-01`), in order.
fn months_between(first: NaiveDate, last: NaiveDate) -> Vec<NaiveDate> {
    let mut out = Vec::new();
    let mut m = first;
    while m <= last {
        out.push(m);
        m = m + Months::new(1);
    }
    out
}

fn first_of_month(d: NaiveDate) -> NaiveDate {
    d.with_day(1).expect("every month has a first day")
}

/// The customer report's data, or `None` when there is no such customer.
pub fn customer(conn: &mut AnyConnection, customer_id: i32) -> Result<Option<CustomerData>> {
    let Some(customer) = customers::table
        .find(customer_id)
        .select(Customer::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let q = Sql::new(conn);
    let cells = [Cell::Int(Some(customer_id))];
    let filter = "WHERE o.customer_id = ?";
    let orders: Vec<OrderLine> = load(
        conn,
        &format!(
            "SELECT o.order_id AS order_id, o.order_date AS order_date, s.store_name AS store, \
             {} AS status, {} AS line_count, {} AS items, {} AS total_cents \
             FROM orders o JOIN stores s ON s.store_id = o.store_id \
             LEFT JOIN order_items oi ON oi.order_id = o.order_id {filter} \
             GROUP BY o.order_id, o.order_date, s.store_name, o.order_status \
             ORDER BY o.order_date, o.order_id",
            q.big("o.order_status"),
            q.big("COUNT(oi.item_id)"),
            q.quantity(),
            q.revenue()
        ),
        &cells,
    )?;
    let totals = totals(conn, &q, filter, &cells)?;
    let months = monthly(conn, &q, filter, &cells)?;
    let by_month = match (orders.first(), orders.last()) {
        (Some(a), Some(b)) => {
            months_between(first_of_month(a.order_date), first_of_month(b.order_date))
                .into_iter()
                .map(|m| {
                    let key = month_key(m);
                    let cents = months.iter().find(|r| r.ym == key).map_or(0, |r| r.cents);
                    (key, cents)
                })
                .collect()
        }
        _ => Vec::new(),
    };
    Ok(Some(CustomerData {
        customer,
        orders,
        totals,
        by_month,
    }))
}

/// A row of a grouping: a name, the items sold and the revenue.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct Group {
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = BigInt)]
    pub items: i64,
    #[diesel(sql_type = BigInt)]
    pub cents: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct ProductSales {
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Text)]
    pub brand: String,
    #[diesel(sql_type = BigInt)]
    pub items: i64,
    #[diesel(sql_type = BigInt)]
    pub cents: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct StaffSales {
    #[diesel(sql_type = Text)]
    pub first_name: String,
    #[diesel(sql_type = Text)]
    pub last_name: String,
    #[diesel(sql_type = Text)]
    pub store: String,
    #[diesel(sql_type = BigInt)]
    pub orders: i64,
    #[diesel(sql_type = BigInt)]
    pub cents: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthSales {
    pub month: String,
    pub orders: i64,
    pub items: i64,
    pub cents: i64,
}

/// Everything the sales report shows.
#[derive(Debug, Clone)]
pub struct SalesData {
    /// `(id, name)`, or `None` for all stores.
    pub store: Option<(i32, String)>,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub totals: Totals,
    /// Every month of the range, oldest first.
    pub by_month: Vec<MonthSales>,
    /// Every status, with its count of orders.
    pub by_status: Vec<(OrderStatus, i64)>,
    pub by_category: Vec<Group>,
    pub by_brand: Vec<Group>,
    pub top_products: Vec<ProductSales>,
    pub by_staff: Vec<StaffSales>,
}

/// Products listed in the sales report.
pub const TOP_PRODUCTS: usize = 20;

#[derive(QueryableByName)]
struct StatusCount {
    #[diesel(sql_type = BigInt)]
    code: i64,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// The name of store `id`, if there is one.
pub fn store_name(conn: &mut AnyConnection, id: i32) -> Result<Option<String>> {
    Ok(stores::table
        .find(id)
        .select(stores::store_name)
        .first(conn)
        .optional()?)
}

/// The sales report's data for `store` (or all) from `from` to `to`, both included.
pub fn sales(
    conn: &mut AnyConnection,
    store: Option<(i32, String)>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<SalesData> {
    let q = Sql::new(conn);
    let mut cells = vec![Cell::Date(Some(from)), Cell::Date(Some(to))];
    let mut filter = "WHERE o.order_date >= ? AND o.order_date <= ?".to_string();
    if let Some((id, _)) = &store {
        filter.push_str(" AND o.store_id = ?");
        cells.push(Cell::Int(Some(*id)));
    }
    let totals = totals(conn, &q, &filter, &cells)?;
    let months = monthly(conn, &q, &filter, &cells)?;
    let by_month = months_between(first_of_month(from), first_of_month(to))
        .into_iter()
        .map(|m| {
            let key = month_key(m);
            match months.iter().find(|r| r.ym == key) {
                Some(r) => MonthSales {
                    month: key,
                    orders: r.orders,
                    items: r.items,
                    cents: r.cents,
                },
                None => MonthSales {
                    month: key,
                    orders: 0,
                    items: 0,
                    cents: 0,
                },
            }
        })
        .collect();
    let counts: Vec<StatusCount> = load(
        conn,
        &format!(
            "SELECT {} AS code, {} AS n FROM orders o {filter} GROUP BY o.order_status",
            q.big("o.order_status"),
            q.big("COUNT(*)")
        ),
        &cells,
    )?;
    let by_status = OrderStatus::ALL
        .iter()
        .map(|s| {
            let n = counts
                .iter()
                .find(|c| c.code == i64::from(s.code()))
                .map_or(0, |c| c.n);
            (*s, n)
        })
        .collect();
    let sold = format!(
        "FROM orders o JOIN order_items oi ON oi.order_id = o.order_id \
         JOIN products p ON p.product_id = oi.product_id"
    );
    let not_rejected = format!("AND o.order_status <> {}", q.rejected);
    let group = |conn: &mut AnyConnection, table: &str, key: &str, name: &str| {
        load::<Group>(
            conn,
            &format!(
                "SELECT g.{name} AS name, {} AS items, {} AS cents {sold} \
                 JOIN {table} g ON g.{key} = p.{key} {filter} {not_rejected} \
                 GROUP BY g.{key}, g.{name} ORDER BY cents DESC, name",
                q.quantity(),
                q.revenue()
            ),
            &cells,
        )
    };
    let by_category = group(conn, "categories", "category_id", "category_name")?;
    let by_brand = group(conn, "brands", "brand_id", "brand_name")?;
    let top_products: Vec<ProductSales> = load(
        conn,
        &format!(
            "SELECT p.product_name AS name, b.brand_name AS brand, {} AS items, {} AS cents {sold} \
             JOIN brands b ON b.brand_id = p.brand_id {filter} {not_rejected} \
             GROUP BY p.product_id, p.product_name, b.brand_name \
             ORDER BY cents DESC, p.product_id LIMIT {TOP_PRODUCTS}",
            q.quantity(),
            q.revenue()
        ),
        &cells,
    )?;
    let by_staff: Vec<StaffSales> = load(
        conn,
        &format!(
            "SELECT st.first_name AS first_name, st.last_name AS last_name, s.store_name AS store, \
             {} AS orders, {} AS cents FROM orders o \
             JOIN staffs st ON st.staff_id = o.staff_id JOIN stores s ON s.store_id = o.store_id \
             LEFT JOIN order_items oi ON oi.order_id = o.order_id {filter} {not_rejected} \
             GROUP BY st.staff_id, st.first_name, st.last_name, s.store_id, s.store_name \
             ORDER BY cents DESC, st.staff_id, s.store_id",
            q.big("COUNT(DISTINCT o.order_id)"),
            q.revenue()
        ),
        &cells,
    )?;
    Ok(SalesData {
        store,
        from,
        to,
        totals,
        by_month,
        by_status,
        by_category,
        by_brand,
        top_products,
        by_staff,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn averages_round_half_up_over_orders_not_rejected() {
        let t = Totals {
            orders: 3,
            rejected: 1,
            items: 4,
            revenue_cents: 301,
        };
        assert_eq!(t.sold(), 2);
        assert_eq!(t.average_cents(), 151);
        assert_eq!(Totals::default().average_cents(), 0);
    }

    #[test]
    fn months_run_from_first_to_last() {
        let d = |y, m| NaiveDate::from_ymd_opt(y, m, 1).unwrap();
        let m = months_between(d(2017, 11), d(2018, 2));
        assert_eq!(
            m.into_iter().map(month_key).collect::<Vec<_>>(),
            ["2017-11", "2017-12", "2018-01", "2018-02"]
        );
    }
}
