//! One line of an order: a product, a quantity, the price in cents and a discount in basis
//! points. Its total is a business rule (`money::line_total_cents`), not the data layer's.

use diesel::prelude::*;

use crate::db::schema::order_items;

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
