//! A member of staff, working at one store, maybe under a manager.

use diesel::prelude::*;

use crate::db::schema::staffs;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = staffs, check_for_backend(crate::db::MultiBackend))]
#[diesel(treat_none_as_default_value = false)]
pub struct Staff {
    pub staff_id: i32,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: Option<String>,
    pub active: bool,
    pub store_id: i32,
    pub manager_id: Option<i32>,
}
