//! A shop of the chain.

use diesel::prelude::*;

use crate::db::schema::stores;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = stores, check_for_backend(crate::db::MultiBackend))]
#[diesel(treat_none_as_default_value = false)]
pub struct Store {
    pub store_id: i32,
    pub store_name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub street: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub zip_code: Option<String>,
    /// An IANA zone name; none: the chain's default zone.
    pub time_zone: Option<String>,
}
