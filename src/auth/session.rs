//! Sessions: one row per signed-in terminal. Idle time locks the screen, the absolute limit
//! ends the session, and an administrator's action (deactivate, reset password or 2FA) ends
//! a user's sessions everywhere, seen by each terminal at its next check. A session whose
//! process died without signing out (SIGKILL, power loss) is stale once it has been idle
//! past the limit: it counts as ended and is closed, with an audit line, when next noticed.

use diesel::prelude::*;

use super::audit::Event;
use super::{Auth, Role, password};
use crate::db::AnyConnection;
use crate::db::models::session::NewSession;
use crate::db::models::{SessionRow, User};
use crate::db::schema::{sessions, users};
use crate::error::{Error, Result};

/// A signed-in session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub session_id: i32,
    pub user_id: i32,
    pub username: String,
    pub role: Role,
    pub started_at: i64,
    pub terminal: String,
    pub totp_enabled: bool,
}

/// What a session's check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionState {
    /// Usable; seconds until the idle lock and until the absolute end.
    Active { idle_left: i64, absolute_left: i64 },
    /// Idle too long: the screen locks until the password is entered again.
    Idle,
    /// The absolute limit passed; the session is over.
    Expired,
    /// Ended elsewhere (sign-out, or an administrator's action).
    Ended { reason: String },
}

pub(crate) fn start(
    conn: &mut AnyConnection,
    user: &User,
    terminal: &str,
    now: i64,
) -> Result<Session> {
    // The id this connection inserted, whatever other terminals (or cluster nodes, which
    // step AUTO_INCREMENT by their number) insert at the same moment.
    let id = crate::db::tx::write(conn, |conn| -> Result<i32> {
        diesel::insert_into(sessions::table)
            .values(NewSession {
                user_id: user.user_id,
                terminal,
                started_at: now,
                last_seen_at: now,
            })
            .execute(conn)?;
        Ok(crate::db::dialect::last_insert_id(conn)? as i32)
    })?;
    Ok(Session {
        session_id: id,
        user_id: user.user_id,
        username: user.username.clone(),
        role: Role::parse(&user.role).unwrap_or(Role::Employee),
        started_at: now,
        terminal: terminal.to_string(),
        totp_enabled: user.totp_enabled,
    })
}

/// Ends every open session of a user; returns how many.
pub(crate) fn end_all_for_user(
    conn: &mut AnyConnection,
    user_id: i32,
    now: i64,
    reason: &str,
) -> QueryResult<usize> {
    diesel::update(sessions::table)
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::ended_at.is_null())
        .set((
            sessions::ended_at.eq(Some(now)),
            sessions::end_reason.eq(Some(reason)),
        ))
        .execute(conn)
}

fn end_one(
    conn: &mut AnyConnection,
    session_id: i32,
    now: i64,
    reason: &str,
) -> QueryResult<usize> {
    diesel::update(sessions::table.find(session_id))
        .filter(sessions::ended_at.is_null())
        .set((
            sessions::ended_at.eq(Some(now)),
            sessions::end_reason.eq(Some(reason)),
        ))
        .execute(conn)
}

impl Auth {
    /// One cheap check per tick: ended elsewhere, deactivated, expired, idle or active.
    pub fn check_session(&self, s: &Session) -> Result<SessionState> {
        let now = self.now();
        let mut conn = self.db.conn()?;
        let row: Option<(SessionRow, bool)> = sessions::table
            .inner_join(users::table)
            .filter(sessions::session_id.eq(s.session_id))
            .select((SessionRow::as_select(), users::active))
            .first(&mut *conn)
            .optional()?;
        let Some((row, active)) = row else {
            return Ok(SessionState::Ended {
                reason: "the session no longer exists".into(),
            });
        };
        if row.ended_at.is_some() {
            return Ok(SessionState::Ended {
                reason: row.end_reason.unwrap_or_else(|| "ended".into()),
            });
        }
        if !active {
            end_one(&mut conn, s.session_id, now, "account deactivated")?;
            return Ok(SessionState::Ended {
                reason: "account deactivated".into(),
            });
        }
        let absolute_left = row.started_at + self.settings().max_session_secs - now;
        if absolute_left <= 0 {
            if end_one(&mut conn, s.session_id, now, "session time limit reached")? == 1 {
                self.audit(
                    &mut conn,
                    &s.username,
                    Event::SessionEnded,
                    "reason=time_limit",
                )?;
            }
            return Ok(SessionState::Expired);
        }
        let idle_left = row.last_seen_at + self.settings().idle_secs - now;
        if idle_left <= 0 {
            return Ok(SessionState::Idle);
        }
        Ok(SessionState::Active {
            idle_left,
            absolute_left,
        })
    }

    /// Records activity (front ends call this on input, at most every few seconds).
    pub fn touch_session(&self, s: &Session) -> Result<()> {
        diesel::update(sessions::table.find(s.session_id))
            .filter(sessions::ended_at.is_null())
            .set(sessions::last_seen_at.eq(self.now()))
            .execute(&mut *self.db.conn()?)?;
        Ok(())
    }

    /// Audits the screen lock after the idle timeout.
    pub fn note_session_locked(&self, s: &Session) -> Result<()> {
        self.audit(
            &mut *self.db.conn()?,
            &s.username,
            Event::SessionLocked,
            &format!("session={}", s.session_id),
        )
    }

    /// Unlocks an idle session with the password. Failures count toward lockout; a locked
    /// account ends the session.
    pub fn unlock_session(&self, s: &Session, password_typed: &str) -> Result<()> {
        let now = self.now();
        let mut conn = self.db.conn()?;
        let user = User::by_id(&mut conn, s.user_id)?
            .ok_or_else(|| Error::Auth(super::SIGN_IN_FAILED.into()))?;
        let ok = password::verify(password_typed, &user.password_hash);
        if ok && user.active && !user.is_locked(now) {
            let still_open = diesel::update(sessions::table.find(s.session_id))
                .filter(sessions::ended_at.is_null())
                .set(sessions::last_seen_at.eq(now))
                .execute(&mut *conn)?;
            if still_open == 0 {
                // Closed meanwhile (stale, or ended by an administrator): sign in again.
                return Err(Error::SessionEnded(
                    "the session has ended; sign in again".into(),
                ));
            }
            super::lockout::record_success(&mut conn, user.user_id, now)?;
            self.audit(
                &mut conn,
                &s.username,
                Event::SessionUnlocked,
                &format!("session={}", s.session_id),
            )?;
            return Ok(());
        }
        let locked_now = self.record_failed_attempt(
            &mut conn,
            &user,
            Event::SignInFailure,
            "reason=wrong_password step=unlock",
        )?;
        if locked_now || user.is_locked(now) {
            end_one(&mut conn, s.session_id, now, "account locked")?;
            return Err(self.locked_error());
        }
        Err(Error::Auth("Wrong password.".into()))
    }

    /// Signs out (or ends the session after a terminal hang-up): `reason` is audited.
    pub fn sign_out(&self, s: &Session, reason: &str) -> Result<()> {
        let mut conn = self.db.conn()?;
        if end_one(&mut conn, s.session_id, self.now(), reason)? == 1 {
            self.audit(
                &mut conn,
                &s.username,
                super::audit::Event::SignOut,
                &format!("session={} reason={}", s.session_id, super::clean(reason)),
            )?;
        }
        Ok(())
    }
}

/// An open session whose process may have died: idle past the limit.
fn stale_filter(
    idle_secs: i64,
    now: i64,
) -> diesel::dsl::And<
    diesel::dsl::IsNull<sessions::ended_at>,
    diesel::dsl::LtEq<sessions::last_seen_at, i64>,
> {
    sessions::ended_at
        .is_null()
        .and(sessions::last_seen_at.le(now - idle_secs))
}

/// Whether a session counts as ended at `now`: closed, or open but stale.
pub fn is_over(row: &SessionRow, idle_secs: i64, now: i64) -> bool {
    row.ended_at.is_some() || row.last_seen_at <= now - idle_secs
}

impl Auth {
    /// Closes every stale session (idle past the limit, so its terminal is locked or its
    /// process gone), each with an audit line; `user_id` limits it to one user's. Returns how
    /// many were closed. Two terminals doing this at once close and audit each session once.
    pub(crate) fn close_stale(
        &self,
        conn: &mut AnyConnection,
        user_id: Option<i32>,
    ) -> Result<usize> {
        let now = self.now();
        let mut q = sessions::table
            .inner_join(users::table)
            .filter(stale_filter(self.settings().idle_secs, now))
            .select((SessionRow::as_select(), users::username))
            .into_boxed();
        if let Some(uid) = user_id {
            q = q.filter(sessions::user_id.eq(uid));
        }
        let stale: Vec<(SessionRow, String)> = q.load(conn)?;
        let mut closed = 0;
        for (row, username) in stale {
            let since = super::clock::format_utc(row.last_seen_at);
            let reason = format!("stale: no activity since {since}");
            closed += crate::db::tx::write::<_, Error>(conn, |conn| {
                let n = diesel::update(sessions::table.find(row.session_id))
                    .filter(stale_filter(self.settings().idle_secs, now))
                    .set((
                        sessions::ended_at.eq(Some(now)),
                        sessions::end_reason.eq(Some(reason.as_str())),
                    ))
                    .execute(conn)?;
                if n == 1 {
                    self.audit(
                        conn,
                        &username,
                        Event::SessionEnded,
                        &format!(
                            "session={} stale, no activity since {since}; terminal {}",
                            row.session_id, row.terminal
                        ),
                    )?;
                }
                Ok(n)
            })?;
        }
        if closed > 0 {
            tracing::info!(closed, "closed stale sessions");
        }
        Ok(closed)
    }

    /// Closes every stale session of the store (see [`Auth::close_stale`]); the TUI calls it
    /// at start. Returns how many were closed.
    pub fn close_stale_sessions(&self) -> Result<usize> {
        self.close_stale(&mut *self.db.conn()?, None)
    }
}
