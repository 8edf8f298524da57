//! The till: how orders are paid (tenders, change), returns with their refunds and restocking,
//! and the end of the day per store (an X report any time, a Z close once a day), each one
//! transaction through the retry helper, audited, on the store's own business day.

mod close;
mod receipt;
mod returns;
mod tender;

pub use close::{
    Closed, DayFigures, DayReport, TenderFigures, close_day, day_report, report_lines, signed,
};
pub use receipt::{WIDTHS, receipt};
pub use returns::{ReturnLine, Returned, refund_share, return_items};
pub use tender::{Paid, Tender, TenderSpec, allocate};

use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::schema::payments;
use crate::error::Result;

/// Writes an order's payments (inside the caller's transaction).
pub(crate) fn record_payments(
    conn: &mut AnyConnection,
    order_id: i32,
    store_id: i32,
    paid: &[Paid],
    actor: &str,
    at: i64,
) -> Result<()> {
    for p in paid {
        insert(conn, order_id, None, store_id, p, actor, at)?;
    }
    Ok(())
}

/// One payment row (a refund has a negative amount and its return).
fn insert(
    conn: &mut AnyConnection,
    order_id: i32,
    return_id: Option<i32>,
    store_id: i32,
    p: &Paid,
    actor: &str,
    at: i64,
) -> Result<()> {
    diesel::insert_into(payments::table)
        .values((
            payments::order_id.eq(order_id),
            payments::return_id.eq(return_id),
            payments::store_id.eq(store_id),
            payments::tender.eq(p.tender.as_str()),
            payments::amount_cents.eq(p.amount_cents),
            payments::tendered_cents.eq(p.tendered_cents),
            payments::close_id.eq(None::<i32>),
            payments::at.eq(at),
            payments::actor.eq(crate::text::escape_bounded(actor, 128)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Refunds what an order's tenders paid and was not refunded yet, tender by tender (a
/// rejected order; inside the caller's transaction).
pub(crate) fn refund_all(
    conn: &mut AnyConnection,
    order_id: i32,
    actor: &str,
    at: i64,
) -> Result<()> {
    let rows: Vec<(String, i64, i32)> = payments::table
        .filter(payments::order_id.eq(order_id))
        .select((payments::tender, payments::amount_cents, payments::store_id))
        .load(conn)?;
    // What is still unrefunded over every tender (a return refunded by another tender than
    // the one that paid counts too), given back tender by tender up to that.
    let mut left: i64 = rows.iter().map(|r| r.1).sum();
    for t in Tender::ALL {
        if left <= 0 {
            break;
        }
        let net: i64 = rows
            .iter()
            .filter(|r| Tender::parse(&r.0) == Some(t))
            .map(|r| r.1)
            .sum();
        let back = net.min(left);
        if back > 0 {
            insert(
                conn,
                order_id,
                None,
                rows[0].2,
                &Paid {
                    tender: t,
                    amount_cents: -back,
                    tendered_cents: -back,
                },
                actor,
                at,
            )?;
            left -= back;
        }
    }
    Ok(())
}

/// ` paid=cash 72.99 (change 27.01), card 10.00` for the audit line; empty without tenders.
pub fn describe(paid: &[Paid]) -> String {
    if paid.is_empty() {
        return String::new();
    }
    format!(
        " paid={}",
        paid.iter()
            .map(|p| {
                let change = p.change_cents();
                format!(
                    "{} {}{}",
                    p.tender.as_str(),
                    crate::money::format_cents(p.amount_cents),
                    if change > 0 {
                        format!(" (change {})", crate::money::format_cents(change))
                    } else {
                        String::new()
                    }
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// An order's payments, in order (refunds negative).
pub fn payments_of(conn: &mut AnyConnection, order_id: i32) -> Result<Vec<(Paid, Option<i32>)>> {
    let rows: Vec<(String, i64, i64, Option<i32>)> = payments::table
        .filter(payments::order_id.eq(order_id))
        .order(payments::payment_id)
        .select((
            payments::tender,
            payments::amount_cents,
            payments::tendered_cents,
            payments::return_id,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(t, a, h, r)| {
            (
                Paid {
                    tender: Tender::parse(&t).unwrap_or(Tender::Other),
                    amount_cents: a,
                    tendered_cents: h,
                },
                r,
            )
        })
        .collect())
}
