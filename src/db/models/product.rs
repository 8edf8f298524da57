//! A product of the catalogue; its list price is in cents, its barcode (if it has one) unique.

use diesel::prelude::*;

use crate::db::schema::products;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = products, check_for_backend(crate::db::MultiBackend))]
pub struct Product {
    pub product_id: i32,
    pub product_name: String,
    pub brand_id: i32,
    pub category_id: i32,
    pub model_year: i32,
    pub list_price_cents: i64,
    /// EAN-8, EAN-13, UPC-A or a store's own code (see `crate::barcode`).
    pub barcode: Option<String>,
}
