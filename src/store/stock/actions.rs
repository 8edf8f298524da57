//! Receiving, transferring and counting stock (Managers and Administrators): each one
//! transaction through the retry helper, its lines applied in (store, product) order so
//! terminals working on the same products never deadlock, audited, all or nothing.

use diesel::prelude::*;

use super::{Level, MAX_LINE_UNITS, MAX_STOCK, MoveInfo, Reason, apply};
use crate::auth::audit::{self, Event};
use crate::auth::{Actor, Auth, Permission};
use crate::db::schema::{products, stores};
use crate::db::{AnyConnection, tx};
use crate::error::{Error, Result};

/// A product and a number of units (received, transferred, or counted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StockLine {
    pub product_id: i32,
    pub units: i32,
}

fn invalid(field: &str, message: String) -> Error {
    Error::InvalidField {
        field: field.into(),
        message,
    }
}

/// Lines checked: at least one, units within bounds (counted may be 0), one line per product
/// (a product named twice is refused: the person meant one of them).
fn checked(lines: &[StockLine], counted: bool) -> Result<Vec<StockLine>> {
    if lines.is_empty() {
        return Err(invalid(
            "lines",
            "give at least one PRODUCT:UNITS line".into(),
        ));
    }
    let (low, high) = if counted {
        (0, MAX_STOCK)
    } else {
        (1, MAX_LINE_UNITS)
    };
    let mut out: Vec<StockLine> = Vec::with_capacity(lines.len());
    for (i, l) in lines.iter().enumerate() {
        if !(low..=high).contains(&l.units) {
            return Err(invalid(
                &format!("line {}", i + 1),
                format!(
                    "{} units of product {} is not a number from {low} to {}",
                    l.units,
                    l.product_id,
                    crate::text::group_digits(high as u64)
                ),
            ));
        }
        if out.iter().any(|x| x.product_id == l.product_id) {
            return Err(invalid(
                &format!("line {}", i + 1),
                format!("product {} is named on two lines", l.product_id),
            ));
        }
        out.push(*l);
    }
    out.sort_by_key(|l| l.product_id);
    Ok(out)
}

fn store_name(conn: &mut AnyConnection, field: &str, id: i32) -> Result<String> {
    stores::table
        .find(id)
        .select(stores::store_name)
        .first::<String>(conn)
        .optional()?
        .ok_or_else(|| invalid(field, format!("there is no store {id}")))
}

fn check_products(conn: &mut AnyConnection, lines: &[StockLine]) -> Result<()> {
    for l in lines {
        let n: i64 = products::table
            .find(l.product_id)
            .count()
            .get_result(conn)?;
        if n == 0 {
            return Err(invalid(
                "product",
                format!("there is no product {}", l.product_id),
            ));
        }
    }
    Ok(())
}

fn units(lines: &[StockLine]) -> i64 {
    lines.iter().map(|l| i64::from(l.units)).sum()
}

/// Goods in from a supplier: each line's units added to the store's stock (a stock row made
/// where there was none). `reference` is the supplier's delivery note or order number.
pub fn receive(
    auth: &Auth,
    actor: &Actor,
    store: i32,
    lines: &[StockLine],
    reference: Option<&str>,
) -> Result<Vec<Level>> {
    let lines = checked(lines, false)?;
    let reference = bounded("ref", reference, 64)?;
    let mut conn = auth.db().conn()?;
    tx::write(&mut conn, |conn| {
        auth.authorize(conn, actor, Permission::ManageStock)?;
        store_name(conn, "store", store)?;
        check_products(conn, &lines)?;
        let info = MoveInfo {
            reason: Reason::Receive,
            reference: reference.map(String::from),
            note: None,
            actor: &actor.name,
            at: auth.now(),
        };
        let mut now_held = Vec::with_capacity(lines.len());
        for l in &lines {
            let q = apply(conn, store, l.product_id, l.units, &info)?;
            now_held.push(level(conn, store, l.product_id, q)?);
        }
        audit::record(
            conn,
            auth.now(),
            &actor.name,
            &actor.terminal,
            Event::StockReceived,
            &format!(
                "store={store} lines={} units={}{}",
                lines.len(),
                units(&lines),
                reference.map(|r| format!(" ref={r}")).unwrap_or_default()
            ),
        )?;
        Ok(now_held)
    })
}

/// Units moved from one store to another: taken from `from` (a short line refused with what
/// is left there) and added to `to`, both or nothing. Returns what each store holds after.
pub fn transfer(
    auth: &Auth,
    actor: &Actor,
    from: i32,
    to: i32,
    lines: &[StockLine],
) -> Result<Vec<(Level, Level)>> {
    transfer_noted(auth, actor, from, to, lines, None)
}

/// [`transfer`] with a note (the transfer docket's number, why).
pub fn transfer_noted(
    auth: &Auth,
    actor: &Actor,
    from: i32,
    to: i32,
    lines: &[StockLine],
    note: Option<&str>,
) -> Result<Vec<(Level, Level)>> {
    if from == to {
        return Err(invalid(
            "to",
            format!("store {to} is the store the units come from"),
        ));
    }
    let lines = checked(lines, false)?;
    let note = bounded("note", note, 255)?;
    let mut conn = auth.db().conn()?;
    tx::write(&mut conn, |conn| {
        auth.authorize(conn, actor, Permission::ManageStock)?;
        store_name(conn, "from", from)?;
        store_name(conn, "to", to)?;
        check_products(conn, &lines)?;
        let at = auth.now();
        let out = MoveInfo {
            reason: Reason::TransferOut,
            reference: Some(format!("to store {to}")),
            note,
            actor: &actor.name,
            at,
        };
        let into = MoveInfo {
            reason: Reason::TransferIn,
            reference: Some(format!("from store {from}")),
            ..out.clone()
        };
        let mut after = Vec::with_capacity(lines.len());
        for l in &lines {
            // Rows are locked in (store, product) order whichever way the units go.
            let (left, got) = if from < to {
                let a = apply(conn, from, l.product_id, -l.units, &out)?;
                (a, apply(conn, to, l.product_id, l.units, &into)?)
            } else {
                let b = apply(conn, to, l.product_id, l.units, &into)?;
                (apply(conn, from, l.product_id, -l.units, &out)?, b)
            };
            after.push((
                level(conn, from, l.product_id, left)?,
                level(conn, to, l.product_id, got)?,
            ));
        }
        audit::record(
            conn,
            at,
            &actor.name,
            &actor.terminal,
            Event::StockTransferred,
            &format!(
                "from={from} to={to} lines={} units={}{}",
                lines.len(),
                units(&lines),
                note.map(|n| format!(" note={n}")).unwrap_or_default()
            ),
        )?;
        Ok(after)
    })
}

/// A store's stock of a product as it stands, named.
fn level(conn: &mut AnyConnection, store: i32, product: i32, quantity: i32) -> Result<Level> {
    let (p, s) = super::names(conn, store, product)?;
    Ok(Level {
        store_id: store,
        store: s,
        product_id: product,
        product: p,
        brand: String::new(),
        quantity,
    })
}

/// Free text given with a change (a reference, a note): trimmed, empty as none, refused past
/// `max` characters (never cut: it is kept with the moves).
fn bounded<'a>(field: &str, text: Option<&'a str>, max: usize) -> Result<Option<&'a str>> {
    let t = text.map(str::trim).filter(|t| !t.is_empty());
    if let Some(t) = t
        && t.chars().count() > max
    {
        return Err(invalid(
            field,
            format!("is {} characters; at most {max}", t.chars().count()),
        ));
    }
    Ok(t)
}

/// What a count found against what the ledger said.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Counted {
    pub product_id: i32,
    pub product: String,
    pub store: String,
    pub expected: i32,
    pub counted: i32,
}

/// A count: each line's counted units become the store's stock, the difference recorded as a
/// `count` move (a count that agrees is recorded too). Returns what was expected per line.
pub fn count(
    auth: &Auth,
    actor: &Actor,
    store: i32,
    lines: &[StockLine],
    note: Option<&str>,
) -> Result<Vec<Counted>> {
    let lines = checked(lines, true)?;
    let note = bounded("note", note, 255)?;
    let mut conn = auth.db().conn()?;
    tx::write(&mut conn, |conn| {
        auth.authorize(conn, actor, Permission::ManageStock)?;
        store_name(conn, "store", store)?;
        check_products(conn, &lines)?;
        let info = MoveInfo {
            reason: Reason::Count,
            reference: None,
            note,
            actor: &actor.name,
            at: auth.now(),
        };
        let mut found = Vec::with_capacity(lines.len());
        for l in &lines {
            let found_now = count_one(conn, store, l.product_id, l.units, &info)?;
            let (product, store_name) = super::names(conn, store, l.product_id)?;
            found.push(Counted {
                product_id: l.product_id,
                product,
                store: store_name,
                expected: found_now,
                counted: l.units,
            });
        }
        audit::record(
            conn,
            auth.now(),
            &actor.name,
            &actor.terminal,
            Event::StockCounted,
            &format!(
                "store={store} lines={} {}",
                found.len(),
                found
                    .iter()
                    .map(|c| format!("{}: {} → {}", c.product_id, c.expected, c.counted))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        )?;
        Ok(found)
    })
}

/// Sets one stock row to `counted` as a count move, inside the caller's transaction; returns
/// what the ledger held before. The move is the difference from the sum of the ledger's moves
/// (which the stock row equals, unless something wrote behind Stockroom's back: then the count
/// puts the books right, and `stock verify` holds again).
pub(crate) fn count_one(
    conn: &mut AnyConnection,
    store: i32,
    product: i32,
    counted: i32,
    info: &MoveInfo<'_>,
) -> Result<i32> {
    super::set_counted(conn, store, product, counted, info)
}
