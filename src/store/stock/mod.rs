//! The stock ledger (DESIGN §3): a store's stock of a product changes only through [`apply`],
//! which moves `stocks.quantity` by a conditional update and writes the move that explains it
//! (`stock_moves`: who, when, why, what for) in the same transaction, so every stock row
//! equals the sum of its moves. Sales, rejects, line edits, receipts, transfers, counts and
//! imports all come here; [`verify`] finds any row that a write behind Stockroom's back made
//! disagree with its moves.

mod actions;
mod levels;
mod moves;
mod verify;

pub(crate) use actions::count_one;
pub use actions::{Counted, StockLine, count, receive, transfer, transfer_noted};
pub use levels::{Level, LevelQuery, levels};
pub use moves::{MAX_PAGE as MAX_MOVES_PAGE, MoveQuery, MoveRow, moves};
pub use verify::{Mismatch, verify};

use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use crate::db::AnyConnection;
use crate::db::dynamic::{self, Cell};
use crate::db::schema::{stock_moves, stocks};
use crate::error::{Error, Result};

pub use crate::bounds::{MAX_LINE_UNITS, MAX_STOCK};

/// Why stock changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// The stock there was when the ledger began.
    Opening,
    /// A stock file or API imported (the difference it made).
    Import,
    /// Units sold on an order (or given back when a Pending order's line shrinks).
    Sale,
    /// Units given back when an order is rejected or a Pending order deleted.
    Reject,
    /// Goods in from a supplier.
    Receive,
    TransferOut,
    TransferIn,
    /// A count: the difference between what was counted and what the ledger said.
    Count,
    /// A correction that is not a count (a stock row removed).
    Adjust,
    /// Units a customer brought back.
    Return,
}

impl Reason {
    pub const ALL: [Reason; 10] = [
        Reason::Opening,
        Reason::Import,
        Reason::Sale,
        Reason::Reject,
        Reason::Receive,
        Reason::TransferOut,
        Reason::TransferIn,
        Reason::Count,
        Reason::Adjust,
        Reason::Return,
    ];

    /// The stored and typed name (`transfer_out`).
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Opening => "opening",
            Reason::Import => "import",
            Reason::Sale => "sale",
            Reason::Reject => "reject",
            Reason::Receive => "receive",
            Reason::TransferOut => "transfer_out",
            Reason::TransferIn => "transfer_in",
            Reason::Count => "count",
            Reason::Adjust => "adjust",
            Reason::Return => "return",
        }
    }

    pub fn parse(text: &str) -> Option<Reason> {
        let t = text.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        Reason::ALL.into_iter().find(|r| r.as_str() == t)
    }
}

/// What a move records besides its quantity.
#[derive(Debug, Clone)]
pub struct MoveInfo<'a> {
    pub reason: Reason,
    /// What caused it (`order 1617`, `PO-88`, `to store 2`).
    pub reference: Option<String>,
    pub note: Option<&'a str>,
    /// Who (a username or `cli:USER@HOST`).
    pub actor: &'a str,
    /// Unix seconds.
    pub at: i64,
}

/// Changes the stock of `product` in `store` by `delta` (negative takes) and records the move,
/// inside the caller's transaction. Taking more than there is writes nothing and says what is
/// left; a stock row is made when units arrive where there was none; no row may exceed
/// [`MAX_STOCK`]. A zero `delta` records the move only for a count (a count that found what
/// the ledger said). Returns the new quantity.
pub(crate) fn apply(
    conn: &mut AnyConnection,
    store: i32,
    product: i32,
    delta: i32,
    info: &MoveInfo<'_>,
) -> Result<i32> {
    let row = stocks::table.find((store, product));
    let after = if delta < 0 {
        let taken = diesel::update(row)
            .filter(stocks::quantity.ge(-delta))
            .set(stocks::quantity.eq(stocks::quantity + delta))
            .execute(conn)?;
        if taken != 1 {
            return Err(short(conn, store, product, -delta)?);
        }
        current(conn, store, product)?.unwrap_or(0)
    } else if delta > 0 {
        let given = diesel::update(row)
            .filter(stocks::quantity.le(MAX_STOCK - delta))
            .set(stocks::quantity.eq(stocks::quantity + delta))
            .execute(conn)?;
        if given == 1 {
            current(conn, store, product)?.unwrap_or(0)
        } else {
            match current(conn, store, product)? {
                Some(q) => return Err(over(conn, store, product, q, delta)?),
                None => insert_row(conn, store, product, delta)?,
            }
        }
    } else {
        if info.reason != Reason::Count {
            return Ok(current(conn, store, product)?.unwrap_or(0));
        }
        current(conn, store, product)?.unwrap_or(0)
    };
    record(conn, store, product, delta, info)?;
    Ok(after)
}

/// A new stock row holding `delta`; when another terminal made the row first (MySQL: the
/// duplicate key), the units are added to it instead.
fn insert_row(conn: &mut AnyConnection, store: i32, product: i32, delta: i32) -> Result<i32> {
    if delta > MAX_STOCK {
        return Err(over(conn, store, product, 0, delta)?);
    }
    let made = diesel::insert_into(stocks::table)
        .values((
            stocks::store_id.eq(store),
            stocks::product_id.eq(product),
            stocks::quantity.eq(delta),
        ))
        .execute(conn);
    match made {
        Ok(_) => Ok(delta),
        Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
            let given = diesel::update(stocks::table.find((store, product)))
                .filter(stocks::quantity.le(MAX_STOCK - delta))
                .set(stocks::quantity.eq(stocks::quantity + delta))
                .execute(conn)?;
            let q = current(conn, store, product)?.unwrap_or(0);
            if given == 1 {
                Ok(q)
            } else {
                Err(over(conn, store, product, q, delta)?)
            }
        }
        Err(e) => Err(e.into()),
    }
}

/// A count: the stock row becomes `counted` and the move is the difference from the sum of
/// the pair's moves (see [`actions::count_one`]); returns that sum. The stock row is locked
/// first, and every move of the pair is written under that lock, so the sum is stable.
pub(crate) fn set_counted(
    conn: &mut AnyConnection,
    store: i32,
    product: i32,
    counted: i32,
    info: &MoveInfo<'_>,
) -> Result<i32> {
    if !(0..=MAX_STOCK).contains(&counted) {
        return Err(over(conn, store, product, 0, counted)?);
    }
    let held = current_locked(conn, store, product)?;
    let ledger = dynamic::load_count(
        conn,
        &format!(
            "SELECT {} AS n FROM stock_moves WHERE store_id = ? AND product_id = ?",
            crate::db::dialect::as_bigint(conn, "COALESCE(SUM(quantity), 0)")
        ),
        &[&Cell::Int(Some(store)), &Cell::Int(Some(product))],
    )?;
    let ledger = i32::try_from(ledger).unwrap_or(i32::MAX);
    match held {
        Some(_) => {
            diesel::update(stocks::table.find((store, product)))
                .set(stocks::quantity.eq(counted))
                .execute(conn)?;
        }
        None if counted != 0 => {
            insert_row(conn, store, product, counted)?;
        }
        None => {}
    }
    record(conn, store, product, counted - ledger, info)?;
    Ok(ledger)
}

/// Writes one move.
pub(crate) fn record(
    conn: &mut AnyConnection,
    store: i32,
    product: i32,
    delta: i32,
    info: &MoveInfo<'_>,
) -> Result<()> {
    diesel::insert_into(stock_moves::table)
        .values((
            stock_moves::store_id.eq(store),
            stock_moves::product_id.eq(product),
            stock_moves::quantity.eq(delta),
            stock_moves::reason.eq(info.reason.as_str()),
            stock_moves::reference.eq(info
                .reference
                .as_deref()
                .map(|r| crate::text::escape_bounded(r, 64))),
            stock_moves::note.eq(info.note.map(|n| crate::text::escape_bounded(n, 255))),
            stock_moves::actor.eq(crate::text::escape_bounded(info.actor, 128)),
            stock_moves::at.eq(info.at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Enters every stock row that has no moves yet into the ledger as an `opening` move (a store
/// loaded in bulk: the demo data). Returns the moves written.
pub(crate) fn record_opening(conn: &mut AnyConnection, actor: &str, note: &str) -> Result<usize> {
    let now = crate::db::dialect::unix_now_sql(conn);
    Ok(dynamic::execute(
        conn,
        &format!(
            "INSERT INTO stock_moves (store_id, product_id, quantity, reason, reference, note, actor, at) \
             SELECT s.store_id, s.product_id, s.quantity, 'opening', NULL, ?, ?, {now} FROM stocks s \
             WHERE s.quantity <> 0 AND NOT EXISTS (SELECT 1 FROM stock_moves m \
               WHERE m.store_id = s.store_id AND m.product_id = s.product_id) \
             ORDER BY s.store_id, s.product_id"
        ),
        &[
            &Cell::Text(Some(note.into())),
            &Cell::Text(Some(actor.into())),
        ],
    )?)
}

/// Every stock row's quantity, read (and on MySQL locked to the end of the transaction) before
/// an import of `stocks` writes, so that [`record_import`] can write the difference it made.
pub fn snapshot(conn: &mut AnyConnection) -> Result<std::collections::HashMap<(i32, i32), i32>> {
    let lock = match conn {
        AnyConnection::Mysql(_) => " FOR UPDATE",
        AnyConnection::Sqlite(_) => "",
    };
    Ok(dynamic::load_json(
        conn,
        &format!("SELECT JSON_ARRAY(store_id, product_id, quantity) AS r FROM stocks{lock}"),
        &[],
    )?
    .iter()
    .map(|j| {
        let int = |i: usize| j.get(i).and_then(|v| v.as_i64()).unwrap_or(0) as i32;
        ((int(0), int(1)), int(2))
    })
    .collect())
}

/// After an import wrote `stocks`: each row whose quantity differs from `before` gets an
/// `import` move of the difference, in the import's transaction (an import never deletes).
/// Returns the moves written.
pub fn record_import(
    conn: &mut AnyConnection,
    before: &std::collections::HashMap<(i32, i32), i32>,
    info: &MoveInfo<'_>,
) -> Result<usize> {
    let after = snapshot(conn)?;
    let mut changed: Vec<((i32, i32), i32)> = after
        .iter()
        .filter_map(|(k, q)| {
            let was = before.get(k).copied().unwrap_or(0);
            (*q != was).then_some((*k, q - was))
        })
        .collect();
    changed.sort_unstable();
    for ((store, product), delta) in &changed {
        record(conn, *store, *product, *delta, info)?;
    }
    Ok(changed.len())
}

/// The stock of a product in a store, `None` without a stock row.
pub(crate) fn current(conn: &mut AnyConnection, store: i32, product: i32) -> Result<Option<i32>> {
    Ok(stocks::table
        .find((store, product))
        .select(stocks::quantity)
        .first(conn)
        .optional()?)
}

/// The stock of a product in a store, read with a lock held to the end of the transaction
/// (MySQL `FOR UPDATE`; SQLite's writers are serialised already), for a count.
pub(crate) fn current_locked(
    conn: &mut AnyConnection,
    store: i32,
    product: i32,
) -> Result<Option<i32>> {
    let lock = match conn {
        AnyConnection::Mysql(_) => " FOR UPDATE",
        AnyConnection::Sqlite(_) => "",
    };
    let rows = dynamic::load_json(
        conn,
        &format!(
            "SELECT JSON_ARRAY(quantity) AS r FROM stocks WHERE store_id = ? AND product_id = ?{lock}"
        ),
        &[&Cell::Int(Some(store)), &Cell::Int(Some(product))],
    )?;
    Ok(rows
        .first()
        .and_then(|r| r.first())
        .and_then(|v| v.as_i64())
        .map(|v| v as i32))
}

/// The names of a product and a store, for messages (the ids when there are none).
pub(crate) fn names(
    conn: &mut AnyConnection,
    store: i32,
    product: i32,
) -> Result<(String, String)> {
    use crate::db::schema::{products, stores};
    let p: Option<String> = products::table
        .find(product)
        .select(products::product_name)
        .first(conn)
        .optional()?;
    let s: Option<String> = stores::table
        .find(store)
        .select(stores::store_name)
        .first(conn)
        .optional()?;
    Ok((
        p.map(|n| crate::text::escape(&n).into_owned())
            .unwrap_or_else(|| format!("product {product}")),
        s.map(|n| crate::text::escape(&n).into_owned())
            .unwrap_or_else(|| format!("store {store}")),
    ))
}

/// "not enough stock: Trek 820 at Baldwin Bikes: 2 left, 5 asked; nothing was written".
fn short(conn: &mut AnyConnection, store: i32, product: i32, asked: i32) -> Result<Error> {
    let left = current(conn, store, product)?.unwrap_or(0);
    let (p, s) = names(conn, store, product)?;
    Ok(Error::Conflict(format!(
        "not enough stock: {p} at {s}: {left} left, {asked} asked; nothing was written"
    )))
}

fn over(conn: &mut AnyConnection, store: i32, product: i32, has: i32, delta: i32) -> Result<Error> {
    let (p, s) = names(conn, store, product)?;
    Ok(Error::InvalidField {
        field: "quantity".into(),
        message: format!(
            "{p} at {s} would hold {} units (it holds {has}, {delta} more); a store holds at most \
             {} of a product; nothing was written",
            i64::from(has) + i64::from(delta),
            crate::text::group_digits(MAX_STOCK as u64)
        ),
    })
}
