//! Returns: units of a Completed or Processing order (or a till sale paid for, though still
//! Pending) brought back, never more than were sold
//! less those already returned. Each unit is refunded what was paid for it (the line's price
//! with its discount), and the refunds of a line's units always add up exactly to the line's
//! total: the first k of n units are worth ⌊total·k/n⌋, so the last unit returned takes the
//! rest of the line's rounding. Restocked units come back through the stock ledger as
//! `return` moves; damaged ones (`restock: false`) are refunded without a move. The refund is
//! a payment of its own (negative), on the store's business day; audited.

use diesel::prelude::*;

use super::{Paid, Tender};
use crate::auth::audit::{self, Event};
use crate::auth::{Actor, Auth, Permission};
use crate::db::dynamic::{self, Cell};
use crate::db::models::OrderStatus;
use crate::db::schema::{order_returns, return_lines};
use crate::db::{AnyConnection, dialect, tx};
use crate::error::{Error, Result};
use crate::money::{format_cents, line_total_cents};
use crate::store::stock::{self, MoveInfo, Reason};

/// Units of a product to take back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReturnLine {
    pub product_id: i32,
    pub quantity: i32,
}

/// What a return wrote.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Returned {
    pub return_id: i32,
    pub order_id: i32,
    pub refund_cents: i64,
    pub tender: Tender,
    pub restocked: bool,
    /// (item, product, units, refund) per order line touched.
    pub lines: Vec<(i32, i32, i32, i64)>,
}

/// The refund of `now` more units of a line of `sold` units totalling `line_total`, when
/// `before` were returned already: ⌊total·(before+now)/sold⌋ − ⌊total·before/sold⌋, all of
/// the total once every unit is back.
pub fn refund_share(line_total: i64, sold: i32, before: i32, now: i32) -> i64 {
    let cum = |k: i32| -> i64 {
        if k >= sold {
            line_total
        } else {
            ((line_total as i128 * k as i128) / sold.max(1) as i128) as i64
        }
    };
    cum(before + now) - cum(before)
}

fn invalid(field: &str, message: String) -> Error {
    Error::InvalidField {
        field: field.into(),
        message,
    }
}

/// An order line with what is left to return: (item, product, sold, returned, line total).
type OpenLine = (i32, i32, i32, i32, i64);

fn open_lines(conn: &mut AnyConnection, order_id: i32) -> Result<Vec<OpenLine>> {
    let rows = dynamic::load_json(
        conn,
        "SELECT JSON_ARRAY(oi.item_id, oi.product_id, oi.quantity, oi.list_price_cents, \
         oi.discount_bp, (SELECT COALESCE(SUM(r.quantity), 0) FROM return_lines r \
         WHERE r.order_id = oi.order_id AND r.item_id = oi.item_id)) AS r \
         FROM order_items oi WHERE oi.order_id = ? ORDER BY oi.item_id",
        &[&Cell::Int(Some(order_id))],
    )?;
    Ok(rows
        .iter()
        .map(|j| {
            let int = |i: usize| {
                j.get(i)
                    .and_then(|v| {
                        v.as_i64()
                            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
                    })
                    .unwrap_or(0)
            };
            (
                int(0) as i32,
                int(1) as i32,
                int(2) as i32,
                int(5) as i32,
                line_total_cents(int(3), int(2) as i32, int(4) as i32),
            )
        })
        .collect())
}

/// Takes units of a Completed or Processing order back (needs `CreateOrders`: every role
/// takes returns at the till). `refund` defaults to the tender the order was paid with first
/// (cash when it has none recorded).
pub fn return_items(
    auth: &Auth,
    actor: &Actor,
    order_id: i32,
    lines: &[ReturnLine],
    restock: bool,
    refund: Option<Tender>,
) -> Result<Returned> {
    if lines.is_empty() {
        return Err(invalid(
            "lines",
            "give at least one PRODUCT:QTY to take back".into(),
        ));
    }
    for (i, l) in lines.iter().enumerate() {
        if !(1..=crate::bounds::MAX_LINE_UNITS).contains(&l.quantity) {
            return Err(invalid(
                &format!("line {}", i + 1),
                format!("{} units is not a number from 1 to 100,000", l.quantity),
            ));
        }
        if lines[..i].iter().any(|x| x.product_id == l.product_id) {
            return Err(invalid(
                &format!("line {}", i + 1),
                format!("product {} is named on two lines", l.product_id),
            ));
        }
    }
    let mut conn = auth.db().conn()?;
    tx::write(&mut conn, |conn| {
        auth.authorize(conn, actor, Permission::CreateOrders)?;
        let (status, store) = crate::store::orders::locked(conn, order_id)?;
        // A till sale paid for and taken home is still Pending: it takes returns too.
        let paid = status == OrderStatus::Pending
            && super::payments_of(conn, order_id)?
                .iter()
                .any(|(p, _)| p.amount_cents > 0);
        if !(matches!(status, OrderStatus::Completed | OrderStatus::Processing) || paid) {
            return Err(Error::Conflict(format!(
                "order {order_id} is {}: only a Completed or Processing order, or one paid at \
                 the till, takes returns (a Pending one is changed or rejected); nothing was \
                 written",
                status.name()
            )));
        }
        let open = open_lines(conn, order_id)?;
        // (item, product, units now, refund now)
        let mut taken: Vec<(i32, i32, i32, i64)> = Vec::new();
        for l in lines {
            let mine: Vec<&OpenLine> = open.iter().filter(|o| o.1 == l.product_id).collect();
            if mine.is_empty() {
                return Err(invalid(
                    "line",
                    format!("order {order_id} has no line of product {}", l.product_id),
                ));
            }
            let sold: i32 = mine.iter().map(|o| o.2).sum();
            let back: i32 = mine.iter().map(|o| o.3).sum();
            if l.quantity > sold - back {
                return Err(Error::Conflict(format!(
                    "order {order_id}: product {} sold {sold}, {back} returned already: at most \
                     {} can come back; nothing was written",
                    l.product_id,
                    sold - back
                )));
            }
            let mut want = l.quantity;
            for o in mine {
                let n = want.min(o.2 - o.3);
                if n > 0 {
                    taken.push((o.0, o.1, n, refund_share(o.4, o.2, o.3, n)));
                    want -= n;
                }
            }
        }
        let refund_cents = taken
            .iter()
            .try_fold(0i64, |s, t| s.checked_add(t.3))
            .ok_or_else(|| invalid("lines", "the refund is too large".into()))?;
        let tender = match refund {
            Some(t) => t,
            None => super::payments_of(conn, order_id)?
                .iter()
                .find(|(p, r)| r.is_none() && p.amount_cents > 0)
                .map(|(p, _)| p.tender)
                .unwrap_or(Tender::Cash),
        };
        let now = auth.now();
        let day = crate::store::zones::store_today(conn, store, now)?;
        diesel::insert_into(order_returns::table)
            .values((
                order_returns::order_id.eq(order_id),
                order_returns::store_id.eq(store),
                order_returns::return_date.eq(day),
                order_returns::refund_cents.eq(refund_cents),
                order_returns::tender.eq(tender.as_str()),
                order_returns::restocked.eq(restock),
                order_returns::at.eq(now),
                order_returns::actor.eq(crate::text::escape_bounded(&actor.name, 128)),
            ))
            .execute(conn)?;
        let return_id = dialect::last_insert_id(conn)? as i32;
        for (item, product, n, cents) in &taken {
            diesel::insert_into(return_lines::table)
                .values((
                    return_lines::return_id.eq(return_id),
                    return_lines::item_id.eq(item),
                    return_lines::order_id.eq(order_id),
                    return_lines::product_id.eq(product),
                    return_lines::quantity.eq(n),
                    return_lines::refund_cents.eq(cents),
                ))
                .execute(conn)?;
        }
        if refund_cents > 0 {
            super::insert(
                conn,
                order_id,
                Some(return_id),
                store,
                &Paid {
                    tender,
                    amount_cents: -refund_cents,
                    tendered_cents: -refund_cents,
                },
                &actor.name,
                now,
            )?;
        }
        if restock {
            let mut units: Vec<(i32, i32)> = Vec::new();
            for (_, product, n, _) in &taken {
                match units.iter_mut().find(|u| u.0 == *product) {
                    Some(u) => u.1 += n,
                    None => units.push((*product, *n)),
                }
            }
            units.sort_unstable();
            let info = MoveInfo {
                reason: Reason::Return,
                reference: Some(format!("order {order_id} return {return_id}")),
                note: None,
                actor: &actor.name,
                at: now,
            };
            for (product, n) in units {
                stock::apply(conn, store, product, n, &info)?;
            }
        }
        audit::record(
            conn,
            now,
            &actor.name,
            &actor.terminal,
            Event::OrderReturned,
            &format!(
                "order={order_id} return={return_id} units={} refund={} {}{}",
                taken.iter().map(|t| i64::from(t.2)).sum::<i64>(),
                format_cents(refund_cents),
                tender.as_str(),
                if restock { "" } else { " not restocked" }
            ),
        )?;
        Ok(Returned {
            return_id,
            order_id,
            refund_cents,
            tender,
            restocked: restock,
            lines: taken,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::refund_share;

    #[test]
    fn refunds_of_a_line_add_up_to_its_total() {
        // 3 units of 99.99 at 10 % off: 269.97 (rounded from 269.973).
        let total = crate::money::line_total_cents(9_999, 3, 1_000);
        assert_eq!(total, 26_997);
        let one = refund_share(total, 3, 0, 1);
        let two = refund_share(total, 3, 1, 2);
        assert_eq!(one + two, total);
        assert_eq!((one, two), (8_999, 17_998));
        // Any split, any line.
        for (t, n) in [(1, 3), (10_000, 7), (26_997, 3), (100, 1)] {
            for k in 0..=n {
                assert_eq!(refund_share(t, n, 0, k) + refund_share(t, n, k, n - k), t);
            }
        }
    }
}
