//! User management (DESIGN §8 `user …`): create, list, change role, activate/deactivate,
//! unlock, reset password or 2FA, and a user's own password and backup codes. Each function
//! checks its permission here, and the last active Administrator is protected.

use diesel::prelude::*;

use super::audit::{self, AuditFilter, Event};
use super::session::{Session, end_all_for_user};
use super::signin::normalize_username;
use super::{Actor, Auth, Permission, Role, lockout, password};
use crate::db::models::user::NewUser;
use crate::db::models::{AuditEvent, SessionRow, User};
use crate::db::schema::{backup_codes, sessions, staffs, users};
use crate::db::{AnyConnection, tx};
use crate::error::{Error, Result};

/// A row of the user list.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UserSummary {
    pub username: String,
    pub role: Role,
    pub active: bool,
    pub locked: bool,
    pub failed_attempts: i32,
    pub totp_enabled: bool,
    pub must_change_password: bool,
    pub staff_id: Option<i32>,
    /// The linked member of staff's name.
    pub staff_name: Option<String>,
    pub last_login_at: Option<i64>,
    /// Sessions open now; a stale one (idle past the limit) counts as ended.
    pub open_sessions: i64,
    /// When a lock-out ends (Unix seconds), while it lasts.
    pub locked_until: Option<i64>,
    /// Backup codes not used yet.
    pub backup_codes_left: i64,
}

/// Which accounts to list: a search in usernames and linked staff names, and a page
/// (`limit` 0: all).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserQuery {
    pub search: Option<String>,
    pub offset: i64,
    pub limit: i64,
}

/// A page of accounts and how many match.
#[derive(Debug, Clone, PartialEq)]
pub struct UserPage {
    pub users: Vec<UserSummary>,
    pub total: i64,
    pub offset: i64,
}

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

/// A member of staff found by [`Auth::find_staff`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffMatch {
    pub staff_id: i32,
    pub name: String,
    /// The account already linked to them, if any.
    pub linked_to: Option<String>,
}

/// Checks a new username: 3–32 of `a-z 0-9 . _ -`, starting with a letter.
pub fn validate_username(name: &str) -> Result<String> {
    let n = normalize_username(name);
    let ok = (3..=32).contains(&n.len())
        && n.starts_with(|c: char| c.is_ascii_lowercase())
        && n.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || ".-_".contains(c));
    if ok {
        Ok(n)
    } else {
        Err(Error::Invalid(format!(
            "username `{}` is not allowed: use 3 to 32 letters, digits, `.`, `_` or `-`, starting with a letter",
            super::clean(name)
        )))
    }
}

impl Auth {
    fn target(&self, conn: &mut AnyConnection, username: &str) -> Result<User> {
        User::by_username(conn, &normalize_username(username))?
            .ok_or_else(|| Error::NotFound(format!("no user named `{}`", super::clean(username))))
    }

    /// Creates the first Administrator of an empty store (TUI first run, or `user add` on an
    /// empty store). Refused once any account exists.
    pub fn create_first_administrator(&self, username: &str, password_plain: &str) -> Result<()> {
        let name = validate_username(username)?;
        let mut conn = self.db.conn()?;
        tx::write::<_, Error>(&mut conn, |conn| {
            if User::count_guarded(conn)? > 0 {
                return Err(Error::Forbidden(
                    "the store already has users; sign in instead".into(),
                ));
            }
            self.insert_user(
                conn,
                &name,
                Role::Administrator,
                None,
                password_plain,
                false,
            )?;
            self.audit(
                conn,
                "first-run",
                Event::UserCreated,
                &format!("user={name} role=administrator"),
            )
        })
    }

    fn insert_user(
        &self,
        conn: &mut AnyConnection,
        name: &str,
        role: Role,
        staff_id: Option<i32>,
        password_plain: &str,
        must_change: bool,
    ) -> Result<()> {
        password::check_length(password_plain)?;
        self.settings().policy.check(password_plain, name)?;
        if User::by_username(conn, name)?.is_some() {
            return Err(Error::Invalid(format!(
                "a user named `{name}` already exists"
            )));
        }
        if let Some(sid) = staff_id {
            let exists: i64 = staffs::table.find(sid).count().get_result(conn)?;
            if exists == 0 {
                return Err(Error::Invalid(format!(
                    "there is no member of staff with id {sid}"
                )));
            }
        }
        let hash = password::hash(password_plain, self.settings().bcrypt_cost)?;
        let now = self.now();
        diesel::insert_into(users::table)
            .values(NewUser {
                username: name,
                password_hash: &hash,
                role: role.as_str(),
                staff_id,
                active: true,
                failed_attempts: 0,
                must_change_password: must_change,
                password_changed_at: now,
                totp_enabled: false,
                created_at: now,
            })
            .execute(conn)?;
        Ok(())
    }

    /// Creates a user. On an empty store only an Administrator can be created (the first
    /// account); afterwards it takes `ManageUsers`.
    pub fn add_user(
        &self,
        actor: &Actor,
        username: &str,
        role: Role,
        staff_id: Option<i32>,
        password_plain: &str,
    ) -> Result<()> {
        let name = validate_username(username)?;
        let mut conn = self.db.conn()?;
        tx::write::<_, Error>(&mut conn, |conn| {
            let first = User::count_guarded(conn)? == 0;
            if first && role != Role::Administrator {
                return Err(Error::Invalid(
                    "the store has no users yet: the first account must be an administrator".into(),
                ));
            }
            self.authorize(conn, actor, Permission::ManageUsers)?;
            self.insert_user(conn, &name, role, staff_id, password_plain, false)?;
            self.audit(
                conn,
                &actor.name,
                Event::UserCreated,
                &format!("user={name} role={}", role.as_str()),
            )
        })
    }

    /// Every account (needs `ViewUsers`).
    pub fn list_users(&self, actor: &Actor) -> Result<Vec<UserSummary>> {
        Ok(self.list_users_page(actor, &UserQuery::default())?.users)
    }

    /// A page of the accounts by username, those whose username or linked staff member's
    /// name contains the search (any case), paged in SQL, with how many match (needs
    /// `ViewUsers`).
    pub fn list_users_page(&self, actor: &Actor, q: &UserQuery) -> Result<UserPage> {
        let mut conn = self.db.conn()?;
        self.authorize(&mut conn, actor, Permission::ViewUsers)?;
        // Closing stale sessions is housekeeping: a store that refuses writes still lists.
        if let Err(e) = self.close_stale(&mut conn, None) {
            tracing::warn!(error = %e, "could not close stale sessions");
        }
        let pattern = q
            .search
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(|t| format!("%{}%", t.replace(['%', '_', '\\'], "").to_lowercase()));
        let matching = |pattern: &Option<String>| {
            let mut b = users::table.left_join(staffs::table).into_boxed();
            if let Some(p) = pattern {
                b = b.filter(
                    lower(users::username)
                        .like(p.clone())
                        .or(lower(staffs::first_name).nullable().like(p.clone()))
                        .or(lower(staffs::last_name).nullable().like(p.clone())),
                );
            }
            b
        };
        let total: i64 = matching(&pattern).count().get_result(&mut *conn)?;
        // An OFFSET needs a LIMIT in SQL: "all" is the largest one.
        let page = matching(&pattern)
            .order(users::username)
            .select((
                User::as_select(),
                staffs::first_name.nullable(),
                staffs::last_name.nullable(),
            ))
            .limit(if q.limit > 0 { q.limit } else { i64::MAX })
            .offset(q.offset.max(0));
        let rows: Vec<(User, Option<String>, Option<String>)> = page.load(&mut *conn)?;
        let ids: Vec<i32> = rows.iter().map(|(u, _, _)| u.user_id).collect();
        let now = self.now();
        let idle = self.settings().idle_secs;
        let mut open = std::collections::HashMap::<i32, i64>::new();
        for row in sessions::table
            .filter(sessions::ended_at.is_null())
            .filter(sessions::user_id.eq_any(&ids))
            .select(SessionRow::as_select())
            .load(&mut *conn)?
        {
            if !super::session::is_over(&row, idle, now) {
                *open.entry(row.user_id).or_default() += 1;
            }
        }
        let codes: std::collections::HashMap<i32, i64> = backup_codes::table
            .filter(backup_codes::used_at.is_null())
            .filter(backup_codes::user_id.eq_any(&ids))
            .group_by(backup_codes::user_id)
            .select((backup_codes::user_id, diesel::dsl::count_star()))
            .load::<(i32, i64)>(&mut *conn)?
            .into_iter()
            .collect();
        let users = rows
            .into_iter()
            .map(|(u, first, last)| UserSummary {
                staff_name: match (first, last) {
                    (Some(f), Some(l)) => Some(format!("{f} {l}")),
                    _ => None,
                },
                open_sessions: open.get(&u.user_id).copied().unwrap_or(0),
                backup_codes_left: codes.get(&u.user_id).copied().unwrap_or(0),
                locked: u.is_locked(now),
                locked_until: u.locked_until.filter(|t| *t > now),
                role: Role::parse(&u.role).unwrap_or(Role::Employee),
                username: u.username,
                active: u.active,
                failed_attempts: u.failed_attempts,
                totp_enabled: u.totp_enabled,
                must_change_password: u.must_change_password,
                staff_id: u.staff_id,
                last_login_at: u.last_login_at,
            })
            .collect();
        Ok(UserPage {
            users,
            total,
            offset: q.offset.max(0),
        })
    }

    /// Members of staff whose name contains `text` (or whose id it is), for linking one to an
    /// account (needs `ManageUsers`). At most `limit`, by name.
    pub fn find_staff(&self, actor: &Actor, text: &str, limit: i64) -> Result<Vec<StaffMatch>> {
        let mut conn = self.db.conn()?;
        self.authorize(&mut conn, actor, Permission::ManageUsers)?;
        let text = text.trim();
        // Lower-cased on both sides: MySQL compares this text case-sensitively.
        let pattern = format!("%{}%", text.replace(['%', '_', '\\'], "").to_lowercase());
        let mut q = staffs::table
            .left_join(users::table)
            .select((
                staffs::staff_id,
                staffs::first_name,
                staffs::last_name,
                users::username.nullable(),
            ))
            .order((staffs::first_name, staffs::last_name, staffs::staff_id))
            .limit(limit)
            .into_boxed();
        q = match text.trim_start_matches('#').parse::<i32>() {
            Ok(id) => q.filter(staffs::staff_id.eq(id)),
            Err(_) => q.filter(
                lower(staffs::first_name)
                    .like(pattern.clone())
                    .or(lower(staffs::last_name).like(pattern)),
            ),
        };
        Ok(q.load::<(i32, String, String, Option<String>)>(&mut *conn)?
            .into_iter()
            .map(|(staff_id, first, last, linked_to)| StaffMatch {
                staff_id,
                name: format!("{first} {last}"),
                linked_to,
            })
            .collect())
    }

    /// Links `username` to the member of staff `staff_id`, or unlinks them (`None`). The
    /// member of staff must exist and not be linked to another account. Audited.
    pub fn link_staff(&self, actor: &Actor, username: &str, staff_id: Option<i32>) -> Result<()> {
        let mut conn = self.db.conn()?;
        tx::write::<_, Error>(&mut conn, |conn| {
            self.authorize(conn, actor, Permission::ManageUsers)?;
            let user = self.target(conn, username)?;
            let (event, details) = match staff_id {
                Some(sid) => {
                    let exists: i64 = staffs::table.find(sid).count().get_result(conn)?;
                    if exists == 0 {
                        return Err(Error::NotFound(format!(
                            "there is no member of staff with id {sid}"
                        )));
                    }
                    let other: Option<String> = users::table
                        .filter(users::staff_id.eq(sid))
                        .filter(users::user_id.ne(user.user_id))
                        .select(users::username)
                        .first(conn)
                        .optional()?;
                    if let Some(other) = other {
                        return Err(Error::Invalid(format!(
                            "member of staff {sid} is already linked to `{other}`; unlink them first"
                        )));
                    }
                    (
                        Event::StaffLinked,
                        format!("user={} staff={sid}", user.username),
                    )
                }
                None => match user.staff_id {
                    Some(was) => (
                        Event::StaffUnlinked,
                        format!("user={} staff_was={was}", user.username),
                    ),
                    None => {
                        return Err(Error::Invalid(format!(
                            "`{}` is not linked to a member of staff",
                            user.username
                        )));
                    }
                },
            };
            diesel::update(users::table.find(user.user_id))
                .set(users::staff_id.eq(staff_id))
                .execute(conn)?;
            self.audit(conn, &actor.name, event, &details)
        })
    }

    /// An administrator does not lock themself out: deactivating, demoting, resetting the
    /// password or the 2FA of one's own account is for another administrator (your own password
    /// and 2FA are changed in Settings, with your password).
    fn refuse_self(actor: &Actor, user: &User, what: &str) -> Result<()> {
        if actor.user_id == Some(user.user_id) {
            return Err(Error::Invalid(format!(
                "you cannot {what} your own account; ask another administrator"
            )));
        }
        Ok(())
    }

    fn refuse_last_admin(&self, conn: &mut AnyConnection, user: &User, what: &str) -> Result<()> {
        if user.role == Role::Administrator.as_str()
            && user.active
            && User::other_active_admins(conn, user.user_id)? == 0
        {
            return Err(Error::Invalid(format!(
                "`{}` is the last active administrator and cannot be {what}",
                user.username
            )));
        }
        Ok(())
    }

    /// Refuses now what the change would refuse about its target — one's own account, the
    /// last active Administrator — so a front end can say so before asking "are you sure?".
    /// Changes nothing; the change itself checks again.
    pub fn may_change_user(&self, actor: &Actor, username: &str, change: UserChange) -> Result<()> {
        let mut conn = self.db.conn()?;
        self.authorize(&mut conn, actor, Permission::ManageUsers)?;
        let user = self.target(&mut conn, username)?;
        match change {
            UserChange::Deactivate => {
                Self::refuse_self(actor, &user, "deactivate")?;
                self.refuse_last_admin(&mut conn, &user, "deactivated")
            }
            UserChange::Demote => {
                Self::refuse_self(actor, &user, "demote")?;
                self.refuse_last_admin(&mut conn, &user, "demoted")
            }
            UserChange::ResetPassword => Self::refuse_self(actor, &user, "reset the password of"),
            UserChange::Reset2fa => Self::refuse_self(actor, &user, "reset the 2FA of"),
        }
    }

    /// Changes a user's role; the last active Administrator cannot be demoted.
    pub fn set_role(&self, actor: &Actor, username: &str, role: Role) -> Result<()> {
        let mut conn = self.db.conn()?;
        tx::write::<_, Error>(&mut conn, |conn| {
            self.authorize(conn, actor, Permission::ManageUsers)?;
            let user = self.target(conn, username)?;
            if role != Role::Administrator {
                Self::refuse_self(actor, &user, "demote")?;
                self.refuse_last_admin(conn, &user, "demoted")?;
            }
            diesel::update(users::table.find(user.user_id))
                .set(users::role.eq(role.as_str()))
                .execute(conn)?;
            self.audit(
                conn,
                &actor.name,
                Event::RoleChanged,
                &format!(
                    "user={} from={} to={}",
                    user.username,
                    user.role,
                    role.as_str()
                ),
            )
        })
    }

    /// Activates or deactivates a user; deactivation ends their sessions everywhere.
    pub fn set_active(&self, actor: &Actor, username: &str, active: bool) -> Result<()> {
        let mut conn = self.db.conn()?;
        tx::write::<_, Error>(&mut conn, |conn| {
            self.authorize(conn, actor, Permission::ManageUsers)?;
            let user = self.target(conn, username)?;
            if !active {
                Self::refuse_self(actor, &user, "deactivate")?;
                self.refuse_last_admin(conn, &user, "deactivated")?;
            }
            diesel::update(users::table.find(user.user_id))
                .set(users::active.eq(active))
                .execute(conn)?;
            let ended = if active {
                0
            } else {
                end_all_for_user(conn, user.user_id, self.now(), "account deactivated")?
            };
            let event = if active {
                Event::UserActivated
            } else {
                Event::UserDeactivated
            };
            self.audit(
                conn,
                &actor.name,
                event,
                &format!("user={} sessions_ended={ended}", user.username),
            )
        })
    }

    /// Lifts a lockout.
    pub fn unlock_user(&self, actor: &Actor, username: &str) -> Result<()> {
        let mut conn = self.db.conn()?;
        self.authorize(&mut conn, actor, Permission::ManageUsers)?;
        let user = self.target(&mut conn, username)?;
        lockout::unlock(&mut conn, user.user_id)?;
        self.audit(
            &mut conn,
            &actor.name,
            Event::UserUnlocked,
            &format!("user={}", user.username),
        )
    }

    /// Sets a new password that the user must change at next sign-in; ends their sessions.
    pub fn reset_password(&self, actor: &Actor, username: &str, new_password: &str) -> Result<()> {
        let mut conn = self.db.conn()?;
        tx::write::<_, Error>(&mut conn, |conn| {
            self.authorize(conn, actor, Permission::ManageUsers)?;
            let user = self.target(conn, username)?;
            Self::refuse_self(actor, &user, "reset the password of")?;
            self.set_password(conn, &user, new_password, true)?;
            lockout::unlock(conn, user.user_id)?;
            let ended = end_all_for_user(conn, user.user_id, self.now(), "password reset")?;
            self.audit(
                conn,
                &actor.name,
                Event::PasswordReset,
                &format!("user={} sessions_ended={ended}", user.username),
            )
        })
    }

    /// Turns a user's 2FA off (an Administrator must set it up again at next sign-in),
    /// revokes their backup codes and ends their sessions.
    pub fn reset_2fa(&self, actor: &Actor, username: &str) -> Result<()> {
        let mut conn = self.db.conn()?;
        tx::write::<_, Error>(&mut conn, |conn| {
            self.authorize(conn, actor, Permission::ManageUsers)?;
            let user = self.target(conn, username)?;
            Self::refuse_self(actor, &user, "reset the 2FA of")?;
            diesel::update(users::table.find(user.user_id))
                .set((
                    users::totp_enabled.eq(false),
                    users::totp_secret_enc.eq(None::<String>),
                    users::totp_last_step.eq(None::<i64>),
                ))
                .execute(conn)?;
            diesel::delete(backup_codes::table.filter(backup_codes::user_id.eq(user.user_id)))
                .execute(conn)?;
            let ended = end_all_for_user(conn, user.user_id, self.now(), "2FA reset")?;
            self.audit(
                conn,
                &actor.name,
                Event::TotpReset,
                &format!("user={} sessions_ended={ended}", user.username),
            )
        })
    }

    pub(super) fn confirm_own_password(
        &self,
        conn: &mut AnyConnection,
        s: &Session,
        current: &str,
    ) -> Result<User> {
        let user = User::by_id(conn, s.user_id)?
            .ok_or_else(|| Error::Auth(super::SIGN_IN_FAILED.into()))?;
        if !password::verify(current, &user.password_hash) {
            self.record_failed_attempt(
                conn,
                &user,
                Event::SignInFailure,
                "reason=wrong_password step=reconfirm",
            )?;
            return Err(Error::Auth("The current password is wrong.".into()));
        }
        Ok(user)
    }

    /// Changes your own password; asks for the current one again.
    pub fn change_own_password(
        &self,
        s: &Session,
        current: &str,
        new_password: &str,
    ) -> Result<()> {
        let mut conn = self.db.conn()?;
        let user = self.confirm_own_password(&mut conn, s, current)?;
        self.set_password(&mut conn, &user, new_password, false)?;
        self.audit(
            &mut conn,
            &user.username,
            Event::PasswordChanged,
            "step=self_service",
        )
    }

    /// Replaces your backup codes (the old set stops working); asks for the password again.
    pub fn regenerate_backup_codes(&self, s: &Session, current: &str) -> Result<Vec<String>> {
        let mut conn = self.db.conn()?;
        let user = self.confirm_own_password(&mut conn, s, current)?;
        if !user.totp_enabled {
            return Err(Error::Invalid(
                "turn on 2FA before making backup codes".into(),
            ));
        }
        let key = self.secret_key(&mut conn)?;
        tx::write::<_, Error>(&mut conn, |conn| {
            let codes = self.replace_backup_codes(conn, &key, user.user_id)?;
            self.audit(
                conn,
                &user.username,
                Event::BackupCodesRegenerated,
                "count=10",
            )?;
            Ok(codes)
        })
    }

    /// The audit trail, newest first (needs `ViewAudit`).
    pub fn audit_log(&self, actor: &Actor, filter: &AuditFilter) -> Result<Vec<AuditEvent>> {
        if let Some(e) = &filter.event
            && !audit::Event::is_known_filter(e)
        {
            return Err(Error::Invalid(format!(
                "`{}` is not an event kind; use one of: {}",
                crate::text::escape_bounded(e, 64),
                audit::Event::ALL
                    .iter()
                    .map(|e| e.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        let mut conn = self.db.conn()?;
        self.authorize(&mut conn, actor, Permission::ViewAudit)?;
        Ok(audit::list(&mut conn, filter)?)
    }
}

/// A change of an account that may be refused because of whose account it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserChange {
    Deactivate,
    /// A new role below Administrator.
    Demote,
    ResetPassword,
    Reset2fa,
}
