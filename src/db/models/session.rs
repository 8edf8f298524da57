//! A signed-in session on one terminal.

use diesel::prelude::*;

use crate::db::schema::sessions;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = sessions, check_for_backend(crate::db::MultiBackend))]
pub struct SessionRow {
    pub session_id: i32,
    pub user_id: i32,
    pub terminal: String,
    pub started_at: i64,
    pub last_seen_at: i64,
    pub ended_at: Option<i64>,
    pub end_reason: Option<String>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = sessions)]
pub struct NewSession<'a> {
    pub user_id: i32,
    pub terminal: &'a str,
    pub started_at: i64,
    pub last_seen_at: i64,
}
