//! A user account: who may sign in, with which role, and the state of their security.

use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::schema::users;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = users, primary_key(user_id), check_for_backend(crate::db::MultiBackend))]
pub struct User {
    pub user_id: i32,
    pub username: String,
    pub password_hash: String,
    pub role: String,
    pub staff_id: Option<i32>,
    pub active: bool,
    pub failed_attempts: i32,
    pub locked_until: Option<i64>,
    pub must_change_password: bool,
    pub password_changed_at: i64,
    pub last_login_at: Option<i64>,
    pub totp_enabled: bool,
    pub totp_secret_enc: Option<String>,
    pub totp_last_step: Option<i64>,
    pub created_at: i64,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub username: &'a str,
    pub password_hash: &'a str,
    pub role: &'a str,
    pub staff_id: Option<i32>,
    pub active: bool,
    pub failed_attempts: i32,
    pub must_change_password: bool,
    pub password_changed_at: i64,
    pub totp_enabled: bool,
    pub created_at: i64,
}

impl User {
    pub fn by_username(conn: &mut AnyConnection, name: &str) -> QueryResult<Option<User>> {
        users::table
            .filter(users::username.eq(name))
            .select(User::as_select())
            .first(conn)
            .optional()
    }

    pub fn by_id(conn: &mut AnyConnection, id: i32) -> QueryResult<Option<User>> {
        users::table
            .find(id)
            .select(User::as_select())
            .first(conn)
            .optional()
    }

    pub fn all(conn: &mut AnyConnection) -> QueryResult<Vec<User>> {
        users::table
            .order(users::username)
            .select(User::as_select())
            .load(conn)
    }

    pub fn count(conn: &mut AnyConnection) -> QueryResult<i64> {
        users::table.count().get_result(conn)
    }

    /// How many accounts exist, read after writing the accounts guard (see
    /// [`super::guard`]), so two terminals creating the first administrator cannot both
    /// see none.
    pub fn count_guarded(conn: &mut AnyConnection) -> QueryResult<i64> {
        super::guard::touch(conn, super::guard::ACCOUNTS)?;
        users::table.count().get_result(conn)
    }

    /// Active administrators other than `except`, read after writing the accounts guard, so
    /// two administrators cannot demote each other at once, on one server or on two nodes.
    pub fn other_active_admins(conn: &mut AnyConnection, except: i32) -> QueryResult<i64> {
        super::guard::touch(conn, super::guard::ACCOUNTS)?;
        users::table
            .filter(users::role.eq("administrator"))
            .filter(users::active.eq(true))
            .filter(users::user_id.ne(except))
            .count()
            .get_result(conn)
    }

    /// Whether the account is locked at `now`.
    pub fn is_locked(&self, now: i64) -> bool {
        self.locked_until.is_some_and(|t| t > now)
    }
}
