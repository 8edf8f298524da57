//! Creating an order: its lines priced from the products, the stock taken from the store by
//! conditional updates, the order and lines written — all in one transaction, re-run whole on
//! a conflict. Short stock on any line writes nothing and names the product, the store and
//! what is left.

use chrono::{Days, NaiveDate};
use diesel::prelude::*;

use crate::auth::audit::{self, Event};
use crate::auth::{Actor, Auth, Permission};
use crate::db::schema::{customers, order_items, orders, products, staffs, stocks, stores};
use crate::db::{AnyConnection, dialect, tx};
use crate::error::{Error, Result};

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

/// Creates an order (needs `CreateOrders`); returns its id.
pub fn create(auth: &Auth, actor: &Actor, order: &NewOrder) -> Result<i32> {
    if order.lines.is_empty() {
        return Err(invalid("lines", "an order needs at least one line".into()));
    }
    // The same product twice is one line of the sum.
    let mut lines: Vec<NewLine> = Vec::new();
    for (i, l) in order.lines.iter().enumerate() {
        if l.quantity < 1 {
            return Err(invalid(
                &format!("line {}", i + 1),
                format!("quantity {} is not a positive number", l.quantity),
            ));
        }
        if !(0..=10_000).contains(&l.discount_bp) {
            return Err(invalid(
                &format!("line {}", i + 1),
                "the discount must be between 0 and 100 %".into(),
            ));
        }
        match lines.iter_mut().find(|x| x.product_id == l.product_id) {
            Some(x) if x.discount_bp == l.discount_bp => x.quantity += l.quantity,
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
    let today = chrono::DateTime::from_timestamp(auth.now(), 0)
        .map(|d| d.date_naive())
        .unwrap_or_default();
    let mut conn = auth.db().conn()?;
    tx::write(&mut conn, |conn| {
        auth.authorize(conn, actor, Permission::CreateOrders)?;
        let store_name = check_parties(conn, order)?;
        // Stock rows are taken in product order, so two terminals selling the same products
        // lock them in the same order and do not deadlock (a deadlock would still be re-run).
        let mut by_product: Vec<&NewLine> = lines.iter().collect();
        by_product.sort_by_key(|l| l.product_id);
        let mut prices = std::collections::HashMap::with_capacity(lines.len());
        for l in by_product {
            let (name, price): (String, i64) = products::table
                .find(l.product_id)
                .select((products::product_name, products::list_price_cents))
                .first(conn)
                .optional()?
                .ok_or_else(|| {
                    invalid("product", format!("there is no product {}", l.product_id))
                })?;
            take_stock(conn, order.store_id, &store_name, l, &name)?;
            prices.insert(l.product_id, price);
        }
        // The lines keep the order they were given in.
        let priced: Vec<(&NewLine, i64)> =
            lines.iter().map(|l| (l, prices[&l.product_id])).collect();
        let id = insert_order(conn, order, today)?;
        crate::store::sales_summary::sold_on(conn, today)?;
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
        let total: i64 = priced
            .iter()
            .map(|(l, p)| crate::store::money::line_total_cents(*p, l.quantity, l.discount_bp))
            .sum();
        audit::record(
            conn,
            auth.now(),
            &actor.name,
            &actor.terminal,
            Event::OrderCreated,
            &format!(
                "order={id} store={} lines={} total={}",
                order.store_id,
                priced.len(),
                crate::store::money::format_cents(total)
            ),
        )?;
        Ok(id)
    })
}

/// The customer, store and staff exist (and the staff member works there); the store's name.
fn check_parties(conn: &mut AnyConnection, order: &NewOrder) -> Result<String> {
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
    let staff_store: Option<i32> = staffs::table
        .find(order.staff_id)
        .select(staffs::store_id)
        .first(conn)
        .optional()?;
    match staff_store {
        None => Err(invalid(
            "staff",
            format!("there is no staff member {}", order.staff_id),
        )),
        Some(s) if s != order.store_id => Err(invalid(
            "staff",
            format!(
                "staff member {} works at another store than {store}",
                order.staff_id
            ),
        )),
        Some(_) => Ok(store),
    }
}

/// Takes `l.quantity` from the store's stock, or says what is left.
fn take_stock(
    conn: &mut AnyConnection,
    store_id: i32,
    store: &str,
    l: &NewLine,
    product: &str,
) -> Result<()> {
    let taken = diesel::update(stocks::table.find((store_id, l.product_id)))
        .filter(stocks::quantity.ge(l.quantity))
        .set(stocks::quantity.eq(stocks::quantity - l.quantity))
        .execute(conn)?;
    if taken == 1 {
        return Ok(());
    }
    let left: Option<i32> = stocks::table
        .find((store_id, l.product_id))
        .select(stocks::quantity)
        .first(conn)
        .optional()?;
    Err(Error::Conflict(format!(
        "not enough stock: {} at {}: {} left, {} asked; nothing was written",
        crate::text::escape(product),
        crate::text::escape(store),
        left.unwrap_or(0),
        l.quantity
    )))
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
