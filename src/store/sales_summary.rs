//! Monthly sales totals kept aside for the Dashboard, so a year or all time reads a few
//! thousand rows instead of every order line: for each month summed (`sales_months`), the
//! lines of orders not rejected by store and staff member (`sales_by_staff`) and by store and
//! product (`sales_by_product`).
//!
//! Derived data, summed on first need and never for the current month or later. The database
//! forgets a month itself whenever orders or their lines in it change, whoever writes them —
//! Stockroom, a DBA, another program — by triggers the migrations create
//! (`2026-12-23-000000_stock_ledger`), in the writer's own transaction; the month is summed
//! again on the next look. Summing updates one lock row first and the MySQL triggers read it
//! in share mode, so a month is never recorded as summed from lines that a concurrent change
//! was rewriting (on SQLite writers are serialised anyway).

use chrono::{Datelike, Months, NaiveDate};

use crate::db::dynamic::{self, Cell};
use crate::db::models::OrderStatus;
use crate::db::{AnyConnection, dialect, tx};
use crate::error::Result;

/// `YYYY-MM` of a day.
pub fn month_key(d: NaiveDate) -> String {
    format!("{}-{:02}", d.year(), d.month())
}

/// The first day of the month holding `d`.
pub fn month_start(d: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(d.year(), d.month(), 1).expect("a valid month")
}

/// Takes the lock row: summing and forgetting never interleave.
fn lock(conn: &mut AnyConnection) -> diesel::QueryResult<()> {
    dynamic::execute(
        conn,
        "UPDATE sales_summary_lock SET changes = changes + 1 WHERE id = 1",
        &[],
    )
    .map(|_| ())
}

/// Forgets every summed month (inside the caller's transaction): an import or a demo load
/// may have changed any of them.
pub fn forget_all(conn: &mut AnyConnection) -> diesel::QueryResult<()> {
    lock(conn)?;
    for table in ["sales_months", "sales_by_staff", "sales_by_product"] {
        dynamic::execute(conn, &format!("DELETE FROM {table}"), &[])?;
    }
    Ok(())
}

/// Begins a bulk write of orders or lines (an import, the demo load), inside its transaction:
/// the triggers' work for each row is spared. On SQLite (writers serialised) every month is
/// forgotten now, so each row's trigger finds nothing summed at its first look; on MySQL the
/// session is marked so the triggers skip, and [`end_bulk`] forgets the months just before
/// the commit (holding the lock row only briefly, so sales are not held up meanwhile).
pub fn begin_bulk(conn: &mut AnyConnection) -> diesel::QueryResult<()> {
    match conn {
        AnyConnection::Sqlite(_) => forget_all(conn),
        AnyConnection::Mysql(_) => dialect::bulk_writes(conn, true),
    }
}

/// Ends what [`begin_bulk`] began, before the commit.
pub fn end_bulk(conn: &mut AnyConnection) -> diesel::QueryResult<()> {
    match conn {
        AnyConnection::Sqlite(_) => Ok(()),
        AnyConnection::Mysql(_) => {
            dialect::bulk_writes(conn, false)?;
            forget_all(conn)
        }
    }
}

/// Makes sure every month from `from` up to (not including) `to` is summed, except the
/// current month (holding `today`) and later; returns the first month left to the lines.
pub fn ensure(
    conn: &mut AnyConnection,
    from: NaiveDate,
    to: NaiveDate,
    today: NaiveDate,
) -> Result<NaiveDate> {
    let from = month_start(from);
    let until = to.min(month_start(today));
    if from >= until {
        return Ok(from.max(until));
    }
    let done: std::collections::HashSet<String> = dynamic::load_json(
        conn,
        "SELECT JSON_ARRAY(month) AS r FROM sales_months WHERE month >= ? AND month < ?",
        &[
            &Cell::Text(Some(month_key(from))),
            &Cell::Text(Some(month_key(until))),
        ],
    )?
    .iter()
    .filter_map(|j| j.first().and_then(|v| v.as_str()).map(String::from))
    .collect();
    // Runs of months not summed yet, each summed in one transaction.
    let mut m = from;
    while m < until {
        if done.contains(&month_key(m)) {
            m = m + Months::new(1);
            continue;
        }
        let start = m;
        while m < until && !done.contains(&month_key(m)) {
            m = m + Months::new(1);
        }
        sum_months(conn, start, m)?;
    }
    Ok(until)
}

/// Sums the months from `start` up to `end` (whole months) and records them as summed.
fn sum_months(conn: &mut AnyConnection, start: NaiveDate, end: NaiveDate) -> Result<()> {
    let lt = dialect::line_total_sql(conn, "oi.");
    let month = dialect::month_of(conn, "o.order_date");
    let rejected = OrderStatus::Rejected.code();
    let (a, b) = (month_key(start), month_key(end));
    let range = [Cell::Date(Some(start)), Cell::Date(Some(end))];
    let keys = [Cell::Text(Some(a)), Cell::Text(Some(b))];
    let by_staff = format!(
        "INSERT INTO sales_by_staff (month, store_id, staff_id, items, cents) \
         SELECT x.m, x.st, x.sf, SUM(x.q), SUM(x.c) FROM (SELECT MIN({month}) AS m, \
         MIN(o.store_id) AS st, MIN(o.staff_id) AS sf, SUM(oi.quantity) AS q, SUM({lt}) AS c \
         FROM orders o JOIN order_items oi ON oi.order_id = o.order_id \
         WHERE o.order_date >= ? AND o.order_date < ? AND o.order_status <> {rejected} \
         GROUP BY o.order_id) x GROUP BY x.m, x.st, x.sf"
    );
    let by_product = format!(
        "INSERT INTO sales_by_product (month, store_id, product_id, items, cents) \
         SELECT {month}, o.store_id, oi.product_id, SUM(oi.quantity), SUM({lt}) \
         FROM orders o JOIN order_items oi ON oi.order_id = o.order_id \
         WHERE o.order_date >= ? AND o.order_date < ? AND o.order_status <> {rejected} \
         GROUP BY {month}, o.store_id, oi.product_id"
    );
    tx::write(conn, |conn| {
        lock(conn)?;
        // Another terminal may have summed some of them meanwhile: sum the run afresh.
        for table in ["sales_months", "sales_by_staff", "sales_by_product"] {
            dynamic::execute(
                conn,
                &format!("DELETE FROM {table} WHERE month >= ? AND month < ?"),
                &[&keys[0], &keys[1]],
            )?;
        }
        dynamic::execute(conn, &by_staff, &[&range[0], &range[1]])?;
        dynamic::execute(conn, &by_product, &[&range[0], &range[1]])?;
        let mut m = start;
        while m < end {
            dynamic::execute(
                conn,
                "INSERT INTO sales_months (month) VALUES (?)",
                &[&Cell::Text(Some(month_key(m)))],
            )?;
            m = m + Months::new(1);
        }
        Ok::<_, crate::error::Error>(())
    })
}
