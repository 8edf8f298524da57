//! A customer of the chain.

use diesel::prelude::*;

use crate::db::schema::customers;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = customers, check_for_backend(crate::db::MultiBackend))]
#[diesel(treat_none_as_default_value = false)]
pub struct Customer {
    pub customer_id: i32,
    pub first_name: String,
    pub last_name: String,
    pub phone: Option<String>,
    pub email: String,
    pub street: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub zip_code: Option<String>,
}
