//! Moving an order through its statuses: Pending → Processing → Completed (the shipped date
//! set), Pending or Processing → Rejected (the stock put back, once). The change is a
//! conditional update on the status it comes from, so two terminals cannot both make it;
//! every other transition is refused with the reason. Audited.

use diesel::prelude::*;

use super::OrderStatus;
use crate::auth::audit::{self, Event};
use crate::auth::{Actor, Auth, Permission};
use crate::db::schema::{order_items, orders, return_lines};
use crate::db::{AnyConnection, tx};
use crate::error::{Error, Result};
use crate::store::stock::{self, MoveInfo, Reason};

/// The statuses an order may come from to reach `to`.
fn allowed_from(to: OrderStatus) -> &'static [OrderStatus] {
    use OrderStatus::*;
    match to {
        Processing => &[Pending],
        Completed => &[Processing],
        Rejected => &[Pending, Processing],
        Pending => &[],
    }
}

/// Changes an order's status (needs `CreateOrders`).
pub fn set_status(auth: &Auth, actor: &Actor, order_id: i32, to: OrderStatus) -> Result<()> {
    let mut conn = auth.db().conn()?;
    tx::write(&mut conn, |conn| {
        auth.authorize(conn, actor, Permission::CreateOrders)?;
        let from: i16 = orders::table
            .find(order_id)
            .select(orders::order_status)
            .first(conn)
            .optional()?
            .ok_or_else(|| Error::NotFound(format!("there is no order {order_id}")))?;
        let from = OrderStatus::from_code(from).unwrap_or(OrderStatus::Pending);
        // Shipped on the store's own day, as the order was dated.
        let store: i32 = orders::table
            .find(order_id)
            .select(orders::store_id)
            .first(conn)?;
        let today = crate::store::zones::store_today(conn, store, auth.now())?;
        let sources = allowed_from(to);
        if !sources.contains(&from) {
            return Err(Error::Invalid(format!(
                "order {order_id} is {}: it cannot become {}{}",
                from.name(),
                to.name(),
                match (from, to) {
                    (_, OrderStatus::Pending) =>
                        " (an order never goes back to Pending)".to_string(),
                    (OrderStatus::Completed | OrderStatus::Rejected, _) => {
                        format!(" ({} is final)", from.name())
                    }
                    _ => format!(
                        " (only from {})",
                        sources
                            .iter()
                            .map(|s| s.name())
                            .collect::<Vec<_>>()
                            .join(" or ")
                    ),
                }
            )));
        }
        let codes: Vec<i16> = sources.iter().map(|s| s.code()).collect();
        let q =
            diesel::update(orders::table.find(order_id)).filter(orders::order_status.eq_any(codes));
        let changed = if to == OrderStatus::Completed {
            q.set((
                orders::order_status.eq(to.code()),
                orders::shipped_date.eq(Some(today)),
            ))
            .execute(conn)?
        } else {
            q.set(orders::order_status.eq(to.code())).execute(conn)?
        };
        if changed != 1 {
            // Another terminal moved it between the read and the update.
            return Err(Error::Conflict(format!(
                "order {order_id} was changed on another terminal; nothing was written — look again"
            )));
        }
        if to == OrderStatus::Rejected {
            // The stock goes back exactly once: only the update that made it Rejected gets here.
            give_back(conn, order_id, &actor.name, auth.now(), None)?;
            // What was paid and not refunded yet goes back by the same tenders.
            crate::store::till::refund_all(conn, order_id, &actor.name, auth.now())?;
        }
        audit::record(
            conn,
            auth.now(),
            &actor.name,
            &actor.terminal,
            Event::OrderStatusChanged,
            &format!("order={order_id} from={} to={}", from.name(), to.name()),
        )?;
        Ok(())
    })
}

/// Puts an order's units back into its store's stock as `reject` moves (inside the caller's
/// transaction): a rejected order, or a Pending one deleted.
pub(crate) fn give_back(
    conn: &mut AnyConnection,
    order_id: i32,
    actor: &str,
    at: i64,
    note: Option<&str>,
) -> Result<()> {
    // Units returned already came back (or were written off) with their return.
    let sold: Vec<(i32, i32, i32)> = order_items::table
        .filter(order_items::order_id.eq(order_id))
        .select((
            order_items::item_id,
            order_items::product_id,
            order_items::quantity,
        ))
        .load(conn)?;
    let returned: Vec<(i32, i32)> = return_lines::table
        .filter(return_lines::order_id.eq(order_id))
        .select((return_lines::item_id, return_lines::quantity))
        .load(conn)?;
    let mut lines: Vec<(i32, i32)> = sold
        .iter()
        .map(|(item, product, q)| {
            let back: i32 = returned
                .iter()
                .filter(|(i, _)| i == item)
                .map(|(_, n)| n)
                .sum();
            (*product, q - back)
        })
        .filter(|(_, q)| *q > 0)
        .collect();
    lines.sort_unstable();
    let store: i32 = orders::table
        .find(order_id)
        .select(orders::store_id)
        .first(conn)?;
    let info = MoveInfo {
        reason: Reason::Reject,
        reference: Some(format!("order {order_id}")),
        note,
        actor,
        at,
    };
    for (product, qty) in lines {
        stock::apply(conn, store, product, qty, &info)?;
    }
    Ok(())
}
