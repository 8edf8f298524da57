//! Open sessions, as an administrator sees and ends them: each user's terminals with when they
//! started and were last active, and "end this session" (the terminal returns to the sign-in
//! at its next check). Audited.

use diesel::prelude::*;

use super::audit::Event;
use super::{Actor, Auth, Permission};
use crate::db::models::User;
use crate::db::schema::sessions;
use crate::db::tx;
use crate::error::{Error, Result};

/// An open session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenSession {
    pub session_id: i32,
    pub terminal: String,
    pub started_at: i64,
    pub last_seen_at: i64,
}

impl Auth {
    /// The open sessions of `username`, newest first (needs `ViewUsers`).
    pub fn open_sessions(&self, actor: &Actor, username: &str) -> Result<Vec<OpenSession>> {
        let mut conn = self.db().conn()?;
        self.authorize(&mut conn, actor, Permission::ViewUsers)?;
        let user = User::by_username(&mut conn, &super::signin::normalize_username(username))?
            .ok_or_else(|| {
                Error::NotFound(format!("there is no user `{}`", super::clean(username)))
            })?;
        let rows: Vec<(i32, String, i64, i64)> = sessions::table
            .filter(sessions::user_id.eq(user.user_id))
            .filter(sessions::ended_at.is_null())
            .order(sessions::session_id.desc())
            .select((
                sessions::session_id,
                sessions::terminal,
                sessions::started_at,
                sessions::last_seen_at,
            ))
            .load(&mut *conn)?;
        Ok(rows
            .into_iter()
            .map(
                |(session_id, terminal, started_at, last_seen_at)| OpenSession {
                    session_id,
                    terminal,
                    started_at,
                    last_seen_at,
                },
            )
            .collect())
    }

    /// Ends one session (needs `ManageUsers`); its terminal returns to the sign-in.
    pub fn end_session(&self, actor: &Actor, session_id: i32) -> Result<()> {
        let mut conn = self.db().conn()?;
        tx::write(&mut conn, |conn| {
            self.authorize(conn, actor, Permission::ManageUsers)?;
            let n = diesel::update(sessions::table.find(session_id))
                .filter(sessions::ended_at.is_null())
                .set((
                    sessions::ended_at.eq(Some(self.now())),
                    sessions::end_reason
                        .eq(Some(format!("ended by {}", super::clean(&actor.name)))),
                ))
                .execute(conn)?;
            if n == 0 {
                return Err(Error::NotFound(format!(
                    "session {session_id} is not open (it has ended already)"
                )));
            }
            super::audit::record(
                conn,
                self.now(),
                &actor.name,
                &actor.terminal,
                Event::SessionEnded,
                &format!("session={session_id} ended by an administrator"),
            )?;
            Ok(())
        })
    }
}
