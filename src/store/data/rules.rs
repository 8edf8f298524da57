//! The store's rules on the Data tab's generic edits (DESIGN §3), so `data set|add|delete`
//! cannot go around the orders and stock services: an order's status changes only through
//! its workflow; its store cannot change while it has lines; its staff member is active and
//! works at its store; lines change only while the order is Pending and no money has moved
//! on it, moving stock with them; a Pending order deleted gives its stock back, a Processing
//! or Completed one cannot be deleted; a stock quantity typed is a count with a reason, written through the ledger.

use crate::db::AnyConnection;
use crate::db::dynamic::{self, Cell};
use crate::db::models::OrderStatus;
use crate::error::{Error, Result};
use crate::store::stock::{self, MoveInfo, Reason};

/// Who changes what, when: for the moves an edit writes.
pub struct Doer<'a> {
    pub actor: &'a str,
    pub at: i64,
}

/// The pseudo-field a stock edit gives its reason in (`reason=found in the back room`).
pub const REASON: &str = "reason";

fn invalid(field: &str, message: String) -> Error {
    Error::InvalidField {
        field: field.into(),
        message,
    }
}

/// The value of `column` after an edit: the new one when it is written, else the stored one.
pub struct Row<'a> {
    pub columns: &'a [&'static str],
    pub before: &'a [Cell],
    pub writes: &'a [(usize, Cell)],
}

impl Row<'_> {
    fn idx(&self, column: &str) -> usize {
        self.columns
            .iter()
            .position(|c| *c == column)
            .expect("a column of the table")
    }

    pub fn before(&self, column: &str) -> Option<i32> {
        self.before[self.idx(column)].as_int()
    }

    pub fn after(&self, column: &str) -> Option<i32> {
        let i = self.idx(column);
        let int = |c: &Cell| match c {
            Cell::SmallInt(v) => v.map(i32::from),
            c => c.as_int(),
        };
        self.writes
            .iter()
            .find(|(j, _)| *j == i)
            .map(|(_, c)| int(c))
            .unwrap_or_else(|| int(&self.before[i]))
    }

    pub fn changes(&self, column: &str) -> bool {
        let i = self.idx(column);
        self.writes.iter().any(|(j, _)| *j == i)
    }
}

fn lines_of(conn: &mut AnyConnection, order_id: i32) -> Result<i64> {
    Ok(dynamic::load_count(
        conn,
        "SELECT COUNT(*) AS n FROM order_items WHERE order_id = ?",
        &[&Cell::Int(Some(order_id))],
    )?)
}

fn status_refused() -> Error {
    invalid(
        "order_status",
        "changes only through the order's actions (`stockroom order set-status ID …`, or p, c \
         and x on the order in the Orders tab)"
            .into(),
    )
}

fn pending_only(order_id: i32, status: OrderStatus) -> Error {
    Error::Conflict(format!(
        "order {order_id} is {}: its lines change only while it is Pending; nothing was written",
        status.name()
    ))
}

/// Refuses a change of lines once money has moved on the order: its payments (and any refunds
/// of returns) were taken for exactly these lines, so the takings and the day close would no
/// longer agree with them.
fn unpaid(conn: &mut AnyConnection, order_id: i32) -> Result<()> {
    let count = |conn: &mut AnyConnection, table: &str| {
        dynamic::load_count(
            conn,
            &format!("SELECT COUNT(*) AS n FROM {table} WHERE order_id = ?"),
            &[&Cell::Int(Some(order_id))],
        )
    };
    let (paid, returned) = (count(conn, "payments")?, count(conn, "order_returns")?);
    if paid == 0 && returned == 0 {
        return Ok(());
    }
    let what = match (paid, returned) {
        (_, 0) => "has been paid for",
        (0, _) => "has returns",
        _ => "has been paid for and has returns",
    };
    Err(Error::Conflict(format!(
        "order {order_id} {what}: its lines cannot change (return units, or reject the order \
         to refund it); nothing was written"
    )))
}

/// An edit of an order: never its status; its store only while it has no lines; its parties
/// checked as on a sale.
pub fn order_edit(conn: &mut AnyConnection, order_id: i32, row: &Row<'_>) -> Result<()> {
    if row.changes("order_status") {
        return Err(status_refused());
    }
    if row.changes("store_id") && lines_of(conn, order_id)? > 0 {
        return Err(invalid(
            "store_id",
            format!(
                "order {order_id} has lines, whose stock came from its store: its store cannot \
                 change (reject it and sell again from the other store)"
            ),
        ));
    }
    if row.changes("store_id") || row.changes("staff_id") || row.changes("customer_id") {
        crate::store::orders::check_parties(
            conn,
            row.after("customer_id"),
            row.after("store_id").unwrap_or(0),
            row.after("staff_id").unwrap_or(0),
        )?;
    }
    Ok(())
}

/// A new order: Pending (no other status may be given), its parties checked as on a sale.
pub fn order_add(conn: &mut AnyConnection, row: &Row<'_>) -> Result<()> {
    if row
        .after("order_status")
        .is_some_and(|s| s != i32::from(OrderStatus::Pending.code()))
    {
        return Err(invalid(
            "order_status",
            "a new order starts Pending; it moves on through the order's actions".into(),
        ));
    }
    crate::store::orders::check_parties(
        conn,
        row.after("customer_id"),
        row.after("store_id").unwrap_or(0),
        row.after("staff_id").unwrap_or(0),
    )?;
    Ok(())
}

/// Deleting an order: a Pending one gives its stock back; a Processing or Completed one is
/// refused; a Rejected one (its stock back already) just goes.
pub fn order_delete(conn: &mut AnyConnection, order_id: i32, by: &Doer<'_>) -> Result<()> {
    let (status, _) = crate::store::orders::locked(conn, order_id)?;
    match status {
        OrderStatus::Pending => {
            crate::store::orders::give_back(conn, order_id, by.actor, by.at, Some("order deleted"))
        }
        OrderStatus::Rejected => Ok(()),
        OrderStatus::Processing | OrderStatus::Completed => Err(Error::Conflict(format!(
            "order {order_id} is {}: a Processing or Completed order cannot be deleted \
             (reject a Processing one instead); nothing was deleted",
            status.name()
        ))),
    }
}

fn sale<'a>(order_id: i32, note: &'a str, by: &Doer<'a>) -> MoveInfo<'a> {
    MoveInfo {
        reason: Reason::Sale,
        reference: Some(format!("order {order_id}")),
        note: Some(note),
        actor: by.actor,
        at: by.at,
    }
}

/// Applies stock changes of several products in product order (the lock order of a sale).
fn move_all(
    conn: &mut AnyConnection,
    store: i32,
    mut deltas: Vec<(i32, i32)>,
    info: &MoveInfo<'_>,
) -> Result<()> {
    deltas.sort_unstable();
    for (product, delta) in deltas {
        if delta != 0 {
            stock::apply(conn, store, product, delta, info)?;
        }
    }
    Ok(())
}

/// An edit of a line of a Pending order: a change of product or quantity gives the old units
/// back and takes the new ones (short stock refused with what is left).
pub fn line_edit(
    conn: &mut AnyConnection,
    order_id: i32,
    row: &Row<'_>,
    by: &Doer<'_>,
) -> Result<()> {
    let (status, store) = crate::store::orders::locked(conn, order_id)?;
    if status != OrderStatus::Pending {
        return Err(pending_only(order_id, status));
    }
    unpaid(conn, order_id)?;
    let (old_p, old_q) = (
        row.before("product_id").unwrap_or(0),
        row.before("quantity").unwrap_or(0),
    );
    let (new_p, new_q) = (
        row.after("product_id").unwrap_or(0),
        row.after("quantity").unwrap_or(0),
    );
    let deltas = if old_p == new_p {
        vec![(old_p, old_q - new_q)]
    } else {
        vec![(old_p, old_q), (new_p, -new_q)]
    };
    move_all(conn, store, deltas, &sale(order_id, "line changed", by))
}

/// A line added without a number, a price or a discount: the order's next line number, the
/// product's list price, no discount (`parsed` holds (field index, value) in field order).
pub fn line_defaults(
    conn: &mut AnyConnection,
    columns: &[&'static str],
    parsed: &mut Vec<(usize, Cell)>,
) -> Result<()> {
    let at = |c: &str| columns.iter().position(|x| *x == c).expect("a column");
    let value = |p: &Vec<(usize, Cell)>, c: &str| {
        p.iter()
            .find(|(j, v)| *j == at(c) && !v.is_null())
            .map(|(_, v)| v.clone())
    };
    let order = value(parsed, "order_id")
        .and_then(|c| c.as_int())
        .unwrap_or(0);
    if value(parsed, "item_id").is_none() {
        let next = dynamic::load_count(
            conn,
            "SELECT COALESCE(MAX(item_id), 0) + 1 AS n FROM order_items WHERE order_id = ?",
            &[&Cell::Int(Some(order))],
        )?;
        parsed.retain(|(j, _)| *j != at("item_id"));
        parsed.push((at("item_id"), Cell::Int(Some(next as i32))));
    }
    if value(parsed, "list_price_cents").is_none() {
        let product = value(parsed, "product_id")
            .and_then(|c| c.as_int())
            .unwrap_or(0);
        let price = dynamic::load_json(
            conn,
            "SELECT JSON_ARRAY(list_price_cents) AS r FROM products WHERE product_id = ?",
            &[&Cell::Int(Some(product))],
        )?
        .first()
        .and_then(|r| r.first().and_then(|v| v.as_i64()))
        .ok_or_else(|| invalid("product_id", format!("there is no product {product}")))?;
        parsed.retain(|(j, _)| *j != at("list_price_cents"));
        parsed.push((at("list_price_cents"), Cell::BigInt(Some(price))));
    }
    if value(parsed, "discount_bp").is_none() {
        parsed.retain(|(j, _)| *j != at("discount_bp"));
        parsed.push((at("discount_bp"), Cell::Int(Some(0))));
    }
    parsed.sort_by_key(|(i, _)| *i);
    Ok(())
}

/// A new line on a Pending order: its units taken from the order's store.
pub fn line_add(
    conn: &mut AnyConnection,
    order_id: i32,
    row: &Row<'_>,
    by: &Doer<'_>,
) -> Result<()> {
    let (status, store) = crate::store::orders::locked(conn, order_id)?;
    if status != OrderStatus::Pending {
        return Err(pending_only(order_id, status));
    }
    unpaid(conn, order_id)?;
    let (p, q) = (
        row.after("product_id").unwrap_or(0),
        row.after("quantity").unwrap_or(0),
    );
    move_all(
        conn,
        store,
        vec![(p, -q)],
        &sale(order_id, "line added", by),
    )
}

/// A line removed from a Pending order: its units back in the order's store.
pub fn line_delete(
    conn: &mut AnyConnection,
    order_id: i32,
    product: i32,
    quantity: i32,
    by: &Doer<'_>,
) -> Result<()> {
    let (status, store) = crate::store::orders::locked(conn, order_id)?;
    if status != OrderStatus::Pending {
        return Err(pending_only(order_id, status));
    }
    unpaid(conn, order_id)?;
    move_all(
        conn,
        store,
        vec![(product, quantity)],
        &sale(order_id, "line removed", by),
    )
}

/// The reason a stock edit gives, required when the quantity changes (at most 255
/// characters: it is kept with the move, never cut).
pub fn count_reason(reason: Option<&str>) -> Result<&str> {
    let r = reason
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .ok_or_else(|| {
            invalid(
                REASON,
                "a change of stock is a count: give the reason (the reason field, or reason=… on \
             the command line)"
                    .into(),
            )
        })?;
    if r.chars().count() > 255 {
        return Err(invalid(
            REASON,
            format!("is {} characters; at most 255", r.chars().count()),
        ));
    }
    Ok(r)
}

/// A stock quantity typed in the Data tab: the new quantity as a `count` move with its reason;
/// returns what the ledger said before.
pub fn stock_count(
    conn: &mut AnyConnection,
    store: i32,
    product: i32,
    counted: i32,
    reason: &str,
    by: &Doer<'_>,
) -> Result<i32> {
    let info = MoveInfo {
        reason: Reason::Count,
        reference: None,
        note: Some(reason),
        actor: by.actor,
        at: by.at,
    };
    stock::count_one(conn, store, product, counted, &info)
}

/// A stock row deleted: what it held leaves as an `adjust` move first.
pub fn stock_delete(
    conn: &mut AnyConnection,
    store: i32,
    product: i32,
    by: &Doer<'_>,
) -> Result<()> {
    let held = stock::current(conn, store, product)?.unwrap_or(0);
    if held != 0 {
        let info = MoveInfo {
            reason: Reason::Adjust,
            reference: None,
            note: Some("stock row deleted"),
            actor: by.actor,
            at: by.at,
        };
        stock::apply(conn, store, product, -held, &info)?;
    }
    Ok(())
}
