//! A product category.

use diesel::prelude::*;

use crate::db::schema::categories;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = categories, check_for_backend(crate::db::MultiBackend))]
pub struct Category {
    pub category_id: i32,
    pub category_name: String,
}
