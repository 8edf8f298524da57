//! A product brand.

use diesel::prelude::*;

use crate::db::schema::brands;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = brands, check_for_backend(crate::db::MultiBackend))]
pub struct Brand {
    pub brand_id: i32,
    pub brand_name: String,
}
