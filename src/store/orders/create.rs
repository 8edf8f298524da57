//! Creating an order: its lines priced from the products, the stock taken from the store by
//! conditional updates, the order and lines written — all in one transaction, re-run whole on
//! a conflict. Short stock on any line writes nothing and names the product, the store and
//! what is left.

use chrono::{Days, NaiveDate};
use diesel::prelude::*;

use crate::auth::audit::{self, Event};
use crate::auth::{Actor, Auth, Permission};
use crate::bounds::MAX_LINE_UNITS;
use crate::db::schema::{customers, order_items, orders, products, staffs, stores};
use crate::db::{AnyConnection, dialect, tx};
use crate::error::{Error, Result};
use crate::store::stock::{self, MoveInfo, Reason};
use crate::store::till::{Paid, TenderSpec};

/// A line to sell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLine {
    pub product_id: i32,
    pub quantity: i32,
    /// Basis points (700 = 7 %).
    pub discount_bp: i32,
}

/// An order to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrder {
    pub customer_id: Option<i32>,
    pub store_id: i32,
    pub staff_id: i32,
    pub lines: Vec<NewLine>,
}

/// Days from the order to the date it is required by.
const REQUIRED_IN_DAYS: u64 = 3;

fn invalid(field: &str, message: String) -> Error {
    Error::InvalidField {
        field: field.into(),
        message,
    }
}

/// What a sale wrote, known before its commit (a front end reports it without reading again:
/// nothing may fail after the commit).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sold {
    pub order_id: i32,
    pub lines: usize,
    pub total_cents: i64,
    /// The order's date: its store's local day.
    pub order_date: NaiveDate,
    /// How it was paid (empty when no tender was given).
    pub paid: Vec<Paid>,
}

/// Creates an order (needs `CreateOrders`); returns its id.
pub fn create(auth: &Auth, actor: &Actor, order: &NewOrder) -> Result<i32> {
    sell(auth, actor, order).map(|s| s.order_id)
}

/// [`create`], returning what was written.
pub fn sell(auth: &Auth, actor: &Actor, order: &NewOrder) -> Result<Sold> {
    sell_paid(auth, actor, order, &[])
}

/// [`sell`], paid with `tenders` (which must cover the total: too little writes nothing; the
/// change is given from cash).
pub fn sell_paid(
    auth: &Auth,
    actor: &Actor,
    order: &NewOrder,
    tenders: &[TenderSpec],
) -> Result<Sold> {
    if order.lines.is_empty() {
        return Err(invalid("lines", "an order needs at least one line".into()));
    }
    // The same product twice is one line of the sum.
    let mut lines: Vec<NewLine> = Vec::new();
    for (i, l) in order.lines.iter().enumerate() {
        if !(1..=MAX_LINE_UNITS).contains(&l.quantity) {
            return Err(invalid(
                &format!("line {}", i + 1),
                format!(
                    "quantity {} is not a number from 1 to {}",
                    l.quantity,
                    crate::text::group_digits(MAX_LINE_UNITS as u64)
                ),
            ));
        }
        if !(0..=10_000).contains(&l.discount_bp) {
            return Err(invalid(
                &format!("line {}", i + 1),
                "the discount must be between 0 and 100 %".into(),
            ));
        }
        match lines.iter_mut().find(|x| x.product_id == l.product_id) {
            Some(x) if x.discount_bp == l.discount_bp => {
                x.quantity += l.quantity;
                if x.quantity > MAX_LINE_UNITS {
                    return Err(invalid(
                        &format!("line {}", i + 1),
                        format!(
                            "product {} comes to {} units on its lines; a line holds at most {}",
                            l.product_id,
                            x.quantity,
                            crate::text::group_digits(MAX_LINE_UNITS as u64)
                        ),
                    ));
                }
            }
            Some(_) => {
                return Err(invalid(
                    &format!("line {}", i + 1),
                    format!(
                        "product {} is on two lines with different discounts",
                        l.product_id
                    ),
                ));
            }
            None => lines.push(l.clone()),
        }
    }
    let mut conn = auth.db().conn()?;
    tx::write(&mut conn, |conn| {
        auth.authorize(conn, actor, Permission::CreateOrders)?;
        check_parties(conn, order)?;
        // Dated by the store's own day, wherever the terminal is.
        let today = crate::store::zones::store_today(conn, order.store_id, auth.now())?;
        let id = insert_order(conn, order, today)?;
        // Stock rows are taken in product order, so two terminals selling the same products
        // lock them in the same order and do not deadlock (a deadlock would still be re-run).
        let mut by_product: Vec<&NewLine> = lines.iter().collect();
        by_product.sort_by_key(|l| l.product_id);
        let mut prices = std::collections::HashMap::with_capacity(lines.len());
        let sale = MoveInfo {
            reason: Reason::Sale,
            reference: Some(format!("order {id}")),
            note: None,
            actor: &actor.name,
            at: auth.now(),
        };
        for l in by_product {
            let price: i64 = products::table
                .find(l.product_id)
                .select(products::list_price_cents)
                .first(conn)
                .optional()?
                .ok_or_else(|| {
                    invalid("product", format!("there is no product {}", l.product_id))
                })?;
            stock::apply(conn, order.store_id, l.product_id, -l.quantity, &sale)?;
            prices.insert(l.product_id, price);
        }
        // The lines keep the order they were given in.
        let priced: Vec<(&NewLine, i64)> =
            lines.iter().map(|l| (l, prices[&l.product_id])).collect();
        let total = order_total(&priced)?;
        for (i, (l, price)) in priced.iter().enumerate() {
            diesel::insert_into(order_items::table)
                .values((
                    order_items::order_id.eq(id),
                    order_items::item_id.eq(i as i32 + 1),
                    order_items::product_id.eq(l.product_id),
                    order_items::quantity.eq(l.quantity),
                    order_items::list_price_cents.eq(*price),
                    order_items::discount_bp.eq(l.discount_bp),
                ))
                .execute(conn)?;
        }
        let paid = crate::store::till::allocate(total, tenders)?;
        crate::store::till::record_payments(
            conn,
            id,
            order.store_id,
            &paid,
            &actor.name,
            auth.now(),
        )?;
        audit::record(
            conn,
            auth.now(),
            &actor.name,
            &actor.terminal,
            Event::OrderCreated,
            &format!(
                "order={id} store={} lines={} total={}{}",
                order.store_id,
                priced.len(),
                crate::money::format_cents(total),
                crate::store::till::describe(&paid)
            ),
        )?;
        Ok(Sold {
            order_id: id,
            lines: priced.len(),
            total_cents: total,
            order_date: today,
            paid,
        })
    })
}

/// The customer, store and staff exist (and the staff member works there); the store's name.
fn check_parties(conn: &mut AnyConnection, order: &NewOrder) -> Result<String> {
    check_customer_store_staff(conn, order.customer_id, order.store_id, order.staff_id)
}

/// The total of priced lines with checked arithmetic: a sum past 64 bits is refused before
/// anything is kept (the bounds make it unreachable, but never a wrapped number).
pub(crate) fn order_total(priced: &[(&NewLine, i64)]) -> Result<i64> {
    priced.iter().try_fold(0i64, |sum, (l, p)| {
        sum.checked_add(crate::money::line_total_cents(
            *p,
            l.quantity,
            l.discount_bp,
        ))
        .ok_or_else(|| invalid("lines", "the order's total is too large".into()))
    })
}

/// The customer, store and staff exist, and the member of staff is active and works at the
/// store (an order's parties, on a sale or an edit); the store's name.
pub(crate) fn check_customer_store_staff(
    conn: &mut AnyConnection,
    customer: Option<i32>,
    store_id: i32,
    staff_id: i32,
) -> Result<String> {
    let order = NewOrder {
        customer_id: customer,
        store_id,
        staff_id,
        lines: Vec::new(),
    };
    if let Some(c) = order.customer_id {
        let n: i64 = customers::table.find(c).count().get_result(conn)?;
        if n == 0 {
            return Err(invalid("customer", format!("there is no customer {c}")));
        }
    }
    let store: Option<String> = stores::table
        .find(order.store_id)
        .select(stores::store_name)
        .first(conn)
        .optional()?;
    let store =
        store.ok_or_else(|| invalid("store", format!("there is no store {}", order.store_id)))?;
    let staff_store: Option<(i32, bool)> = staffs::table
        .find(order.staff_id)
        .select((staffs::store_id, staffs::active))
        .first(conn)
        .optional()?;
    match staff_store {
        None => Err(invalid(
            "staff",
            format!("there is no staff member {}", order.staff_id),
        )),
        Some((_, false)) => Err(invalid(
            "staff",
            format!(
                "staff member {} is not active; an order is taken by active staff",
                order.staff_id
            ),
        )),
        Some((s, _)) if s != order.store_id => Err(invalid(
            "staff",
            format!(
                "staff member {} works at another store than {store}",
                order.staff_id
            ),
        )),
        Some(_) => Ok(store),
    }
}

fn insert_order(conn: &mut AnyConnection, order: &NewOrder, today: NaiveDate) -> Result<i32> {
    diesel::insert_into(orders::table)
        .values((
            orders::customer_id.eq(order.customer_id),
            orders::order_status.eq(super::OrderStatus::Pending.code()),
            orders::order_date.eq(today),
            orders::required_date.eq(today
                .checked_add_days(Days::new(REQUIRED_IN_DAYS))
                .unwrap_or(today)),
            orders::shipped_date.eq(None::<NaiveDate>),
            orders::store_id.eq(order.store_id),
            orders::staff_id.eq(order.staff_id),
        ))
        .execute(conn)?;
    Ok(dialect::last_insert_id(conn)? as i32)
}
