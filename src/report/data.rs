//! The figures of the reports, gathered in SQL on either backend: sums of integer cents
//! (line totals rounded exactly as [`crate::money::line_total_cents`]), counts and
//! groupings. Revenue counts every order that is not rejected, as on the Dashboard; rejected
//! orders are listed and counted by status only.

use std::collections::BTreeMap;

use chrono::{Datelike, Months, NaiveDate};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Integer, Nullable, Text};

use crate::db::dynamic::{self, Cell};
use crate::db::models::{Customer, OrderStatus};
use crate::db::schema::{brands, categories, customers, products, staffs, stores};
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
    /// Units the customer brought back, oldest first.
    pub returns: Vec<CustomerReturn>,
}

/// A return of a customer's order.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct CustomerReturn {
    #[diesel(sql_type = Integer)]
    pub return_id: i32,
    #[diesel(sql_type = Date)]
    pub return_date: NaiveDate,
    #[diesel(sql_type = Integer)]
    pub order_id: i32,
    #[diesel(sql_type = BigInt)]
    pub units: i64,
    #[diesel(sql_type = BigInt)]
    pub refund_cents: i64,
    #[diesel(sql_type = Text)]
    pub tender: String,
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
    let returns: Vec<CustomerReturn> = load(
        conn,
        &format!(
            "SELECT r.return_id AS return_id, r.return_date AS return_date, \
             r.order_id AS order_id, {} AS units, r.refund_cents AS refund_cents, \
             r.tender AS tender FROM order_returns r JOIN orders o ON o.order_id = r.order_id \
             {filter} ORDER BY r.return_date, r.return_id",
            q.big(
                "(SELECT COALESCE(SUM(l.quantity), 0) FROM return_lines l WHERE l.return_id = r.return_id)"
            )
        ),
        &cells,
    )?;
    Ok(Some(CustomerData {
        customer,
        orders,
        totals,
        by_month,
        returns,
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
    /// The first and the last day with an order in the range (`None` without orders).
    pub order_days: Option<(NaiveDate, NaiveDate)>,
    /// Every month from the first to the last with orders in the range, oldest first (the
    /// months between without sales listed as zero): however wide the range, the report is
    /// as long as the store's history.
    pub by_month: Vec<MonthSales>,
    /// Every status, with its count of orders.
    pub by_status: Vec<(OrderStatus, i64)>,
    pub by_category: Vec<Group>,
    pub by_brand: Vec<Group>,
    pub top_products: Vec<ProductSales>,
    pub by_staff: Vec<StaffSales>,
    /// Refunds of returns made in the range (orders not rejected): taken off the revenue, in
    /// the month of each return.
    pub refunds_cents: i64,
}

/// Products listed in the sales report.
pub const TOP_PRODUCTS: usize = 20;

#[derive(QueryableByName)]
struct Span {
    #[diesel(sql_type = Nullable<Date>)]
    first: Option<NaiveDate>,
    #[diesel(sql_type = Nullable<Date>)]
    last: Option<NaiveDate>,
}

#[derive(QueryableByName)]
struct StatusCount {
    #[diesel(sql_type = BigInt)]
    code: i64,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct ProductTotal {
    #[diesel(sql_type = Integer)]
    id: i32,
    #[diesel(sql_type = BigInt)]
    items: i64,
    #[diesel(sql_type = BigInt)]
    cents: i64,
}

#[derive(QueryableByName)]
struct StaffTotal {
    #[diesel(sql_type = Integer)]
    staff_id: i32,
    #[diesel(sql_type = Integer)]
    store_id: i32,
    #[diesel(sql_type = BigInt)]
    orders: i64,
    #[diesel(sql_type = BigInt)]
    cents: i64,
}

/// A product's name, brand and category.
struct Named {
    name: String,
    brand_id: i32,
    brand: String,
    category_id: i32,
    category: String,
}

/// Names of the products `ids`, looked up a thousand at a time.
fn product_names(
    conn: &mut AnyConnection,
    ids: impl Iterator<Item = i32>,
) -> Result<BTreeMap<i32, Named>> {
    let ids: Vec<i32> = ids.collect();
    let mut out = BTreeMap::new();
    for chunk in ids.chunks(1_000) {
        let rows: Vec<(i32, String, i32, String, i32, String)> = products::table
            .inner_join(brands::table)
            .inner_join(categories::table)
            .filter(products::product_id.eq_any(chunk))
            .select((
                products::product_id,
                products::product_name,
                brands::brand_id,
                brands::brand_name,
                categories::category_id,
                categories::category_name,
            ))
            .load(conn)?;
        for (id, name, brand_id, brand, category_id, category) in rows {
            out.insert(
                id,
                Named {
                    name,
                    brand_id,
                    brand,
                    category_id,
                    category,
                },
            );
        }
    }
    Ok(out)
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
    let span: Vec<Span> = load(
        conn,
        &format!(
            "SELECT MIN(o.order_date) AS first, MAX(o.order_date) AS last FROM orders o {filter}"
        ),
        &cells,
    )?;
    let order_days = span.first().and_then(|s| s.first.zip(s.last));
    let by_month = order_days
        .map_or_else(Vec::new, |(first, last)| {
            months_between(first_of_month(first), first_of_month(last))
        })
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
    // Sales by product, then by staff member and store: aggregated in SQL over the orders
    // alone (joining the names in the same statement lets MariaDB start from the small
    // tables and look the orders up per product — seconds instead of milliseconds), then
    // named and rolled up here by adding whole cents.
    let products: Vec<ProductTotal> = load(
        conn,
        &format!(
            "SELECT oi.product_id AS id, {} AS items, {} AS cents FROM orders o \
             JOIN order_items oi ON oi.order_id = o.order_id {filter} AND o.order_status <> {} \
             GROUP BY oi.product_id",
            q.quantity(),
            q.revenue(),
            q.rejected
        ),
        &cells,
    )?;
    let names = product_names(conn, products.iter().map(|p| p.id))?;
    let mut by_category: BTreeMap<(i32, String), (i64, i64)> = BTreeMap::new();
    let mut by_brand: BTreeMap<(i32, String), (i64, i64)> = BTreeMap::new();
    let mut top: Vec<(i32, ProductSales)> = Vec::with_capacity(products.len());
    for p in &products {
        let Some(n) = names.get(&p.id) else { continue };
        for (map, key) in [
            (&mut by_category, (n.category_id, n.category.clone())),
            (&mut by_brand, (n.brand_id, n.brand.clone())),
        ] {
            let e = map.entry(key).or_insert((0, 0));
            e.0 += p.items;
            e.1 += p.cents;
        }
        top.push((
            p.id,
            ProductSales {
                name: n.name.clone(),
                brand: n.brand.clone(),
                items: p.items,
                cents: p.cents,
            },
        ));
    }
    let ranked = |m: BTreeMap<(i32, String), (i64, i64)>| {
        let mut v: Vec<Group> = m
            .into_iter()
            .map(|((_, name), (items, cents))| Group { name, items, cents })
            .collect();
        v.sort_by(|a, b| b.cents.cmp(&a.cents).then_with(|| a.name.cmp(&b.name)));
        v
    };
    let by_category = ranked(by_category);
    let by_brand = ranked(by_brand);
    top.sort_by(|a, b| b.1.cents.cmp(&a.1.cents).then(a.0.cmp(&b.0)));
    let top_products: Vec<ProductSales> =
        top.into_iter().take(TOP_PRODUCTS).map(|(_, p)| p).collect();

    let staff: Vec<StaffTotal> = load(
        conn,
        &format!(
            "SELECT o.staff_id AS staff_id, o.store_id AS store_id, {} AS orders, {} AS cents \
             FROM orders o LEFT JOIN order_items oi ON oi.order_id = o.order_id {filter} \
             AND o.order_status <> {} GROUP BY o.staff_id, o.store_id",
            q.big("COUNT(DISTINCT o.order_id)"),
            q.revenue(),
            q.rejected
        ),
        &cells,
    )?;
    let people: BTreeMap<i32, (String, String)> = staffs::table
        .select((staffs::staff_id, staffs::first_name, staffs::last_name))
        .load::<(i32, String, String)>(conn)?
        .into_iter()
        .map(|(id, f, l)| (id, (f, l)))
        .collect();
    let shops: BTreeMap<i32, String> = stores::table
        .select((stores::store_id, stores::store_name))
        .load::<(i32, String)>(conn)?
        .into_iter()
        .collect();
    let mut staff = staff;
    staff.sort_by(|a, b| {
        b.cents
            .cmp(&a.cents)
            .then(a.staff_id.cmp(&b.staff_id))
            .then(a.store_id.cmp(&b.store_id))
    });
    let by_staff = staff
        .into_iter()
        .map(|s| {
            let (first_name, last_name) = people.get(&s.staff_id).cloned().unwrap_or_default();
            StaffSales {
                first_name,
                last_name,
                store: shops.get(&s.store_id).cloned().unwrap_or_default(),
                orders: s.orders,
                cents: s.cents,
            }
        })
        .collect();
    // Revenue is net of returns, in the month of each return.
    let mut totals = totals;
    let mut by_month: Vec<MonthSales> = by_month;
    let mut rcells = vec![Cell::Date(Some(from)), Cell::Date(Some(to))];
    let mut rfilter = format!(
        "WHERE r.return_date >= ? AND r.return_date <= ? AND o.order_status <> {}",
        q.rejected
    );
    if let Some((id, _)) = &store {
        rfilter.push_str(" AND r.store_id = ?");
        rcells.push(Cell::Int(Some(*id)));
    }
    let refunds: Vec<Monthly> = load(
        conn,
        &format!(
            "SELECT {m} AS ym, {z} AS orders, {z} AS items, {} AS cents FROM order_returns r \
             JOIN orders o ON o.order_id = r.order_id {rfilter} GROUP BY {m} ORDER BY ym",
            q.big("SUM(r.refund_cents)"),
            m = q.month.replace("o.order_date", "r.return_date"),
            z = q.big("0"),
        ),
        &rcells,
    )?;
    let mut refunds_cents = 0i64;
    for r in &refunds {
        refunds_cents += r.cents;
        match by_month.iter_mut().find(|m| m.month == r.ym) {
            Some(m) => m.cents -= r.cents,
            None => by_month.push(MonthSales {
                month: r.ym.clone(),
                orders: 0,
                items: 0,
                cents: -r.cents,
            }),
        }
    }
    by_month.sort_by(|a, b| a.month.cmp(&b.month));
    totals.revenue_cents -= refunds_cents;
    Ok(SalesData {
        refunds_cents,
        store,
        from,
        to,
        totals,
        order_days,
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
