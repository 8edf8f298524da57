//! How many of a product a store holds.

use diesel::prelude::*;

use crate::db::schema::stocks;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = stocks, check_for_backend(crate::db::MultiBackend))]
pub struct Stock {
    pub store_id: i32,
    pub product_id: i32,
    pub quantity: i32,
}
