//! One line of an order: a product, a quantity, the price in cents and a discount in basis points.

use diesel::prelude::*;

use crate::db::schema::order_items;
use crate::store::money;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = order_items, check_for_backend(crate::db::MultiBackend))]
pub struct OrderItem {
    pub order_id: i32,
    pub item_id: i32,
    pub product_id: i32,
    pub quantity: i32,
    pub list_price_cents: i64,
    pub discount_bp: i32,
}

impl OrderItem {
    /// The line's total after discount, in cents.
    pub fn total_cents(&self) -> i64 {
        money::line_total_cents(self.list_price_cents, self.quantity, self.discount_bp)
    }
}
