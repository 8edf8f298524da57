//! A single-use backup code, stored as a keyed hash.

use diesel::prelude::*;

use crate::db::schema::backup_codes;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = backup_codes, check_for_backend(crate::db::MultiBackend))]
pub struct BackupCode {
    pub backup_code_id: i32,
    pub user_id: i32,
    pub code_hash: String,
    pub created_at: i64,
    pub used_at: Option<i64>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = backup_codes)]
pub struct NewBackupCode {
    pub user_id: i32,
    pub code_hash: String,
    pub created_at: i64,
}
