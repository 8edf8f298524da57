//! The end of a store's day. An X report (any time, any role at the till) shows what the
//! store has taken since its last close: sales and refunds by tender, cash handed over,
//! change given, and the cash the drawer should hold. A Z close (Managers, Administrators)
//! takes those payments for the store's business day, once: expected cash = float + cash
//! taken − change given − cash refunds, variance = counted − expected (over or short), a
//! number per store counting up. A second close of a store and day is refused in words, also
//! when two terminals close at once; payments after a close count toward the next one. A
//! close is never changed; audited.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use super::Tender;
use crate::auth::audit::{self, Event};
use crate::auth::{Actor, Auth, Permission};
use crate::db::dynamic::{self, Cell};
use crate::db::schema::{day_closes, payments, stores};
use crate::db::{AnyConnection, dialect, tx};
use crate::error::{Error, Result};
use crate::money::format_cents;

/// Money of one tender over a set of payments.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct TenderFigures {
    /// Taken for sales (what the tender paid toward totals).
    pub taken_cents: i64,
    /// Refunded.
    pub refunded_cents: i64,
    /// Handed over (cash: with the change).
    pub tendered_cents: i64,
}

/// The figures of a set of payments.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct DayFigures {
    pub cash: TenderFigures,
    pub card: TenderFigures,
    pub other: TenderFigures,
    /// Change given from cash.
    pub change_cents: i64,
    /// Orders paid and refunds made.
    pub sales: u64,
    pub refunds: u64,
    /// The first and last payment (Unix seconds), none without payments.
    pub first_at: Option<i64>,
    pub last_at: Option<i64>,
}

impl DayFigures {
    /// Cash that should be in the drawer beyond its float: taken − change − refunds.
    pub fn cash_net_cents(&self) -> i64 {
        self.cash.tendered_cents - self.change_cents - self.cash.refunded_cents
    }

    pub fn of(&self, t: Tender) -> &TenderFigures {
        match t {
            Tender::Cash => &self.cash,
            Tender::Card => &self.card,
            Tender::Other => &self.other,
        }
    }
}

/// A close as recorded.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Closed {
    pub close_id: i32,
    pub number: i32,
    pub float_cents: i64,
    pub counted_cents: i64,
    pub expected_cents: i64,
    pub closed_at: i64,
    pub actor: String,
}

impl Closed {
    /// Counted − expected: positive over, negative short.
    pub fn variance_cents(&self) -> i64 {
        self.counted_cents - self.expected_cents
    }
}

/// An X report, or a Z close's report.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DayReport {
    pub store_id: i32,
    pub store: String,
    pub business_day: NaiveDate,
    /// The close this is (a Z report), or none (an X report of what is open).
    pub closed: Option<Closed>,
    /// The store's last close before what is open (for an X report).
    pub last_close: Option<(i32, NaiveDate)>,
    pub figures: DayFigures,
}

fn invalid(field: &str, message: String) -> Error {
    Error::InvalidField {
        field: field.into(),
        message,
    }
}

/// The payments of a store not closed yet, or of one close: (id, order, return, tender,
/// amount, tendered, at).
type PaymentRow = (i32, i32, Option<i32>, String, i64, i64, i64);

fn payment_rows(
    conn: &mut AnyConnection,
    store: i32,
    close: Option<i32>,
    lock: bool,
) -> Result<Vec<PaymentRow>> {
    payment_rows_before(conn, store, close, lock, i64::MAX)
}

/// [`payment_rows`] taken before `until` (Unix seconds).
fn payment_rows_before(
    conn: &mut AnyConnection,
    store: i32,
    close: Option<i32>,
    lock: bool,
    until: i64,
) -> Result<Vec<PaymentRow>> {
    let lock = match (lock, &*conn) {
        (true, AnyConnection::Mysql(_)) => " FOR UPDATE",
        _ => "",
    };
    let (clause, cells) = match close {
        Some(c) => ("close_id = ?", vec![Cell::Int(Some(c))]),
        None => (
            "store_id = ? AND close_id IS NULL AND at < ?",
            vec![Cell::Int(Some(store)), Cell::BigInt(Some(until))],
        ),
    };
    let rows = dynamic::load_json(
        conn,
        &format!(
            "SELECT JSON_ARRAY(payment_id, order_id, return_id, tender, amount_cents, \
             tendered_cents, at) AS r FROM payments WHERE {clause} ORDER BY payment_id{lock}"
        ),
        &cells.iter().collect::<Vec<_>>(),
    )?;
    Ok(rows
        .iter()
        .map(|j| {
            let int = |i: usize| j.get(i).and_then(|v| v.as_i64()).unwrap_or(0);
            (
                int(0) as i32,
                int(1) as i32,
                j.get(2).and_then(|v| v.as_i64()).map(|v| v as i32),
                j.get(3).and_then(|v| v.as_str()).unwrap_or("").to_string(),
                int(4),
                int(5),
                int(6),
            )
        })
        .collect())
}

fn figures(rows: &[PaymentRow]) -> DayFigures {
    let mut f = DayFigures::default();
    let mut orders = std::collections::HashSet::new();
    let mut refunds = std::collections::HashSet::new();
    for (_, order, ret, tender, amount, tendered, at) in rows {
        let t = Tender::parse(tender).unwrap_or(Tender::Other);
        let slot = match t {
            Tender::Cash => &mut f.cash,
            Tender::Card => &mut f.card,
            Tender::Other => &mut f.other,
        };
        if *amount >= 0 {
            slot.taken_cents += amount;
            slot.tendered_cents += tendered;
            if t == Tender::Cash {
                f.change_cents += tendered - amount;
            }
            orders.insert(*order);
        } else {
            slot.refunded_cents += -amount;
            refunds.insert(ret.unwrap_or(-order));
        }
        f.first_at = Some(f.first_at.map_or(*at, |x: i64| x.min(*at)));
        f.last_at = Some(f.last_at.map_or(*at, |x: i64| x.max(*at)));
    }
    f.sales = orders.len() as u64;
    f.refunds = refunds.len() as u64;
    f
}

fn store_name(conn: &mut AnyConnection, store: i32) -> Result<String> {
    stores::table
        .find(store)
        .select(stores::store_name)
        .first::<String>(conn)
        .optional()?
        .ok_or_else(|| invalid("store", format!("there is no store {store}")))
}

type CloseRow = (i32, NaiveDate, i32, i64, i64, i64, i64, String);

fn close_of(conn: &mut AnyConnection, store: i32, day: NaiveDate) -> Result<Option<CloseRow>> {
    Ok(day_closes::table
        .filter(day_closes::store_id.eq(store))
        .filter(day_closes::business_day.eq(day))
        .select((
            day_closes::close_id,
            day_closes::business_day,
            day_closes::number,
            day_closes::float_cents,
            day_closes::counted_cents,
            day_closes::expected_cents,
            day_closes::closed_at,
            day_closes::actor,
        ))
        .first(conn)
        .optional()?)
}

fn last_close(conn: &mut AnyConnection, store: i32) -> Result<Option<(i32, NaiveDate)>> {
    Ok(day_closes::table
        .filter(day_closes::store_id.eq(store))
        .order(day_closes::number.desc())
        .select((day_closes::number, day_closes::business_day))
        .first(conn)
        .optional()?)
}

fn closed(c: CloseRow) -> Closed {
    Closed {
        close_id: c.0,
        number: c.2,
        float_cents: c.3,
        counted_cents: c.4,
        expected_cents: c.5,
        closed_at: c.6,
        actor: c.7,
    }
}

/// The day's report for a store: the Z close of `date` when one is given and the store was
/// closed that day; else (no date, or today's) an X report of everything taken since the last
/// close. Needs `CreateOrders` (the till's staff).
pub fn day_report(
    auth: &Auth,
    actor: &Actor,
    store: i32,
    date: Option<NaiveDate>,
) -> Result<DayReport> {
    let mut conn = auth.db().conn()?;
    let conn = &mut *conn;
    auth.authorize(conn, actor, Permission::CreateOrders)?;
    let name = store_name(conn, store)?;
    let today = crate::store::zones::store_today(conn, store, auth.now())?;
    let day = date.unwrap_or(today);
    // Without a date, what is open now (after today's close, the next day's payments).
    let asked = match date {
        Some(d) => close_of(conn, store, d)?,
        None => None,
    };
    if let Some(c) = asked {
        let rows = payment_rows(conn, store, Some(c.0), false)?;
        return Ok(DayReport {
            store_id: store,
            store: name,
            business_day: day,
            closed: Some(closed(c)),
            last_close: None,
            figures: figures(&rows),
        });
    }
    if day != today {
        return Err(invalid(
            "date",
            format!(
                "{name} has no close on {day}; without --date the report shows what is open now"
            ),
        ));
    }
    let rows = payment_rows(conn, store, None, false)?;
    Ok(DayReport {
        store_id: store,
        store: name,
        business_day: day,
        closed: None,
        last_close: last_close(conn, store)?,
        figures: figures(&rows),
    })
}

/// Closes a store's business day (`date`, default the store's today): the payments not closed
/// yet are taken by this close, its number is the store's next, and the variance is what was
/// counted less what was expected. Refused in words when the day is closed already (also when
/// another terminal closes it at the same moment), is in the future, or precedes the last
/// close. Needs `CloseDay`.
pub fn close_day(
    auth: &Auth,
    actor: &Actor,
    store: i32,
    float_cents: i64,
    counted_cents: i64,
    date: Option<NaiveDate>,
) -> Result<DayReport> {
    for (field, v) in [("float", float_cents), ("counted", counted_cents)] {
        if !(0..=crate::bounds::MAX_TENDER_CENTS).contains(&v) {
            return Err(invalid(
                field,
                format!(
                    "{} is not an amount from 0.00 to {}",
                    format_cents(v),
                    format_cents(crate::bounds::MAX_TENDER_CENTS)
                ),
            ));
        }
    }
    let mut conn = auth.db().conn()?;
    tx::write(&mut conn, |conn| {
        auth.authorize(conn, actor, Permission::CloseDay)?;
        // The store's row is locked first: closes of one store take turns, and a sale in
        // flight (its order holds the row in share mode) commits before the close reads.
        let lock = match conn {
            AnyConnection::Mysql(_) => " FOR UPDATE",
            AnyConnection::Sqlite(_) => "",
        };
        let found = dynamic::load_count(
            conn,
            &format!(
                "SELECT COUNT(*) AS n FROM (SELECT store_id FROM stores WHERE store_id = ?{lock}) s"
            ),
            &[&Cell::Int(Some(store))],
        )?;
        if found == 0 {
            return Err(invalid("store", format!("there is no store {store}")));
        }
        let name = store_name(conn, store)?;
        let today = crate::store::zones::store_today(conn, store, auth.now())?;
        let day = date.unwrap_or(today);
        if day > today {
            return Err(invalid(
                "date",
                format!("{day} has not come yet at {name} (its today is {today})"),
            ));
        }
        if let Some(c) = close_of(conn, store, day)? {
            return Err(Error::Conflict(format!(
                "{name} was closed for {day} already (close #{} by {}); nothing was written",
                c.2,
                crate::text::escape(&c.7)
            )));
        }
        let last = last_close(conn, store)?;
        if let Some((n, d)) = last
            && d > day
        {
            return Err(invalid(
                "date",
                format!("{name}'s last close, #{n}, was for {d}, after {day}"),
            ));
        }
        // A past day's close takes what was taken up to that day's end in the store's zone,
        // never what came after.
        let zone = crate::store::zones::of_store(conn, store)?;
        let until = crate::store::zones::day_end(zone, day);
        let rows = payment_rows_before(conn, store, None, true, until)?;
        let f = figures(&rows);
        let expected = float_cents
            .checked_add(f.cash_net_cents())
            .ok_or_else(|| invalid("float", "the expected cash is too large".into()))?;
        let number = last.map_or(1, |(n, _)| n + 1);
        let now = auth.now();
        let made = diesel::insert_into(day_closes::table)
            .values((
                day_closes::store_id.eq(store),
                day_closes::business_day.eq(day),
                day_closes::number.eq(number),
                day_closes::float_cents.eq(float_cents),
                day_closes::counted_cents.eq(counted_cents),
                day_closes::expected_cents.eq(expected),
                day_closes::closed_at.eq(now),
                day_closes::actor.eq(crate::text::escape_bounded(&actor.name, 128)),
            ))
            .execute(conn);
        match made {
            Ok(_) => {}
            // Another terminal closed this store at the same moment: run again, and the
            // second look finds its close and says so.
            Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
                return Err(Error::Busy(format!(
                    "{name} was being closed on another terminal; nothing was written"
                )));
            }
            Err(e) => return Err(e.into()),
        }
        let close_id = dialect::last_insert_id(conn)? as i32;
        let ids: Vec<i32> = rows.iter().map(|r| r.0).collect();
        for chunk in ids.chunks(500) {
            diesel::update(payments::table.filter(payments::payment_id.eq_any(chunk)))
                .set(payments::close_id.eq(Some(close_id)))
                .execute(conn)?;
        }
        let c = Closed {
            close_id,
            number,
            float_cents,
            counted_cents,
            expected_cents: expected,
            closed_at: now,
            actor: actor.name.clone(),
        };
        let v = c.variance_cents();
        audit::record(
            conn,
            now,
            &actor.name,
            &actor.terminal,
            Event::DayClosed,
            &format!(
                "store={store} day={day} close={number} payments={} expected={} counted={} {}",
                ids.len(),
                format_cents(expected),
                format_cents(counted_cents),
                match v.signum() {
                    1 => format!("over {}", format_cents(v)),
                    -1 => format!("short {}", format_cents(-v)),
                    _ => "even".into(),
                }
            ),
        )?;
        Ok(DayReport {
            store_id: store,
            store: name,
            business_day: day,
            closed: Some(c),
            last_close: last,
            figures: f,
        })
    })
}

/// The report as lines people read (the command line and the TUI show the same); `float`
/// gives the cash expected in the drawer for an X report.
pub fn report_lines(r: &DayReport, float: Option<i64>) -> Vec<String> {
    let f = &r.figures;
    let mut out = Vec::new();
    match &r.closed {
        Some(c) => out.push(format!(
            "{} — Z close #{} for {} (closed by {})",
            crate::text::escape(&r.store),
            c.number,
            r.business_day,
            crate::text::escape(&c.actor)
        )),
        None => out.push(format!(
            "{} — X report, {} (open since {})",
            crate::text::escape(&r.store),
            r.business_day,
            match r.last_close {
                Some((n, d)) => format!("close #{n} of {d}"),
                None => "the first sale".into(),
            }
        )),
    }
    out.push(format!(
        "sales {}  refunds {}",
        crate::text::group_digits(f.sales),
        crate::text::group_digits(f.refunds)
    ));
    out.push(format!("{:<8}{:>14}{:>14}", "tender", "taken", "refunded"));
    for t in Tender::ALL {
        let x = f.of(t);
        out.push(format!(
            "{:<8}{:>14}{:>14}",
            t.as_str(),
            format_cents(x.taken_cents),
            format_cents(x.refunded_cents)
        ));
    }
    out.push(format!(
        "cash handed over {}, change given {}, cash refunds {}",
        format_cents(f.cash.tendered_cents),
        format_cents(f.change_cents),
        format_cents(f.cash.refunded_cents)
    ));
    match (&r.closed, float) {
        (Some(c), _) => {
            let v = c.variance_cents();
            out.push(format!(
                "expected cash {} (float {} {}), counted {}: {}",
                format_cents(c.expected_cents),
                format_cents(c.float_cents),
                signed(f.cash_net_cents()),
                format_cents(c.counted_cents),
                match v.signum() {
                    1 => format!("over {}", format_cents(v)),
                    -1 => format!("short {}", format_cents(-v)),
                    _ => "even".into(),
                }
            ));
        }
        (None, Some(fl)) => out.push(format!(
            "expected cash {} (float {} {})",
            format_cents(fl + f.cash_net_cents()),
            format_cents(fl),
            signed(f.cash_net_cents())
        )),
        (None, None) => out.push(format!(
            "expected cash: the float {}",
            signed(f.cash_net_cents())
        )),
    }
    out
}

/// `+ 12.50` or `− 30.00`: an amount added to or taken from another.
pub fn signed(cents: i64) -> String {
    if cents < 0 {
        format!("− {}", format_cents(-cents))
    } else {
        format!("+ {}", format_cents(cents))
    }
}
