//! One line of the append-only audit trail.

use diesel::prelude::*;

use crate::db::schema::audit_events;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = audit_events, check_for_backend(crate::db::MultiBackend))]
pub struct AuditEvent {
    pub audit_event_id: i32,
    pub at: i64,
    pub actor: String,
    pub terminal: String,
    pub event: String,
    pub details: String,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = audit_events)]
pub struct NewAuditEvent<'a> {
    pub at: i64,
    pub actor: &'a str,
    pub terminal: &'a str,
    pub event: &'a str,
    pub details: &'a str,
}
