//! Accounts and security (DESIGN §4–5) as services that the TUI and the CLI both call:
//! sign-in state machine, passwords and policy, lockout, TOTP, backup codes, sessions,
//! permissions and the audit trail. Nothing here knows about the terminal.

pub mod audit;
mod audit_export;
mod audit_prune;
pub use audit_prune::Pruned;
mod own_totp;
mod sessions_admin;
pub mod store_settings;
pub use own_totp::Own2fa;
pub use sessions_admin::OpenSession;
pub mod backup_codes;
pub mod clock;
pub mod lockout;
pub mod password;
pub mod permission;
pub mod policy;
pub mod secret_key;
pub mod session;
pub mod signin;
pub mod terminal;
pub mod totp;
pub mod unknown_name;
pub mod users;

use std::sync::{Arc, OnceLock, RwLock};

use diesel::prelude::*;

pub use clock::{Clock, ManualClock, SystemClock};
pub use permission::{Permission, Role};
pub use policy::PasswordPolicy;
pub use secret_key::SecretKey;
use secret_key::{KeySource, LazyKey};
pub use session::{Session, SessionState};
pub use signin::{PendingSignIn, Step, TotpSetup};

use crate::config::{Config, Sources};
use crate::db::models::SessionRow;
use crate::db::models::User;
use crate::db::schema::{backup_codes as codes_t, sessions, users as users_t};
use crate::db::{AnyConnection, Database};
use crate::error::{Error, Result};

/// The tunable parts of the security baseline.
#[derive(Debug, Clone)]
pub struct AuthSettings {
    pub bcrypt_cost: u32,
    pub lockout_threshold: u32,
    pub lock_secs: i64,
    pub idle_secs: i64,
    pub max_session_secs: i64,
    pub policy: PasswordPolicy,
}

impl AuthSettings {
    pub fn from_config(cfg: &Config) -> Self {
        AuthSettings {
            bcrypt_cost: cfg.bcrypt_cost,
            lockout_threshold: cfg.lockout_threshold,
            lock_secs: cfg.lockout_minutes as i64 * 60,
            idle_secs: cfg.idle_timeout_minutes as i64 * 60,
            max_session_secs: cfg.session_max_hours as i64 * 3600,
            policy: PasswordPolicy {
                min_length: cfg.password_min_length as usize,
            },
        }
    }
}

impl Default for AuthSettings {
    fn default() -> Self {
        use crate::config::defaults as d;
        AuthSettings {
            bcrypt_cost: d::BCRYPT_COST,
            lockout_threshold: d::LOCKOUT_THRESHOLD,
            lock_secs: d::LOCKOUT_MINUTES as i64 * 60,
            idle_secs: d::IDLE_TIMEOUT_MINUTES as i64 * 60,
            max_session_secs: d::SESSION_MAX_HOURS as i64 * 3600,
            policy: PasswordPolicy::default(),
        }
    }
}

/// Who is acting: a signed-in user (checked against the store on every call) or the
/// operating-system user running a command (who already holds the database credentials).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The username, or `cli:USER@HOST`.
    pub name: String,
    pub role: Role,
    pub terminal: String,
    pub user_id: Option<i32>,
    pub session_id: Option<i32>,
}

impl Actor {
    /// The shell user running a command (DESIGN §8): acts with Administrator rights.
    pub fn cli(env: &Sources) -> Actor {
        Actor {
            name: terminal::cli_actor(&env.env),
            role: Role::Administrator,
            terminal: terminal::describe(&env.env),
            user_id: None,
            session_id: None,
        }
    }

    /// The user of a signed-in session.
    pub fn from_session(s: &Session) -> Actor {
        Actor {
            name: s.username.clone(),
            role: s.role,
            terminal: s.terminal.clone(),
            user_id: Some(s.user_id),
            session_id: Some(s.session_id),
        }
    }
}

/// The account and security services over one store.
#[derive(Clone, Debug)]
pub struct Auth {
    db: Database,
    /// Shared by every clone: a setting changed by an Administrator applies at once.
    settings: Arc<RwLock<AuthSettings>>,
    /// The 2FA key, read on first need: only TOTP secrets and backup-code hashes use it.
    key: Arc<LazyKey>,
    /// The store's key for hashing unknown usernames ([`unknown_name`]), read once.
    name_key: Arc<OnceLock<SecretKey>>,
    clock: Arc<dyn Clock>,
    terminal: String,
}

/// The one message for a wrong password, an unknown user, a locked or a deactivated account.
pub const SIGN_IN_FAILED: &str =
    "Sign-in failed: wrong username or password, or the account is locked or deactivated.";

impl Auth {
    pub fn new(
        db: Database,
        settings: AuthSettings,
        key: SecretKey,
        clock: Arc<dyn Clock>,
        terminal: String,
    ) -> Self {
        Self::with_key_source(db, settings, KeySource::Ready(key), clock, terminal)
    }

    fn with_key_source(
        db: Database,
        settings: AuthSettings,
        source: KeySource,
        clock: Arc<dyn Clock>,
        terminal: String,
    ) -> Self {
        let cost = settings.bcrypt_cost;
        // The dummy hash for unknown users is made off the caller's thread.
        std::thread::spawn(move || password::warm_dummy(cost));
        Auth {
            db,
            settings: Arc::new(RwLock::new(settings)),
            key: Arc::new(LazyKey {
                source,
                loaded: OnceLock::new(),
            }),
            name_key: Arc::new(OnceLock::new()),
            clock,
            terminal,
        }
    }

    /// Opens the services over the configured key: `STOCKROOM_SECRET_KEY`, else the key
    /// file. Nothing is read here: the key is read when a TOTP secret or a backup code is
    /// first handled, so every other command works on a terminal without the key file.
    pub fn open(db: Database, cfg: &Config, src: &Sources, terminal: String) -> Result<Self> {
        let source = match src
            .env
            .get("STOCKROOM_SECRET_KEY")
            .filter(|v| !v.is_empty())
        {
            Some(hex) => match SecretKey::from_hex(hex) {
                Ok(k) => KeySource::Ready(k),
                Err(e) => KeySource::Invalid(format!("STOCKROOM_SECRET_KEY: {e}")),
            },
            None => KeySource::File(cfg.secret_key_file.clone()),
        };
        Ok(Self::with_key_source(
            db,
            AuthSettings::from_config(cfg),
            source,
            Arc::new(SystemClock),
            terminal,
        ))
    }

    /// The 2FA key, read (or, while no stored secret depends on it, created) on first need.
    pub(crate) fn secret_key(&self, conn: &mut AnyConnection) -> Result<SecretKey> {
        if let Some(k) = self.key.loaded.get() {
            return Ok(k.clone());
        }
        let key = match &self.key.source {
            KeySource::Ready(k) => k.clone(),
            KeySource::Invalid(msg) => return Err(Error::Config(msg.clone())),
            KeySource::File(path) => {
                let sealed: i64 = users_t::table
                    .filter(users_t::totp_secret_enc.is_not_null())
                    .count()
                    .get_result(conn)?;
                let codes: i64 = codes_t::table.count().get_result(conn)?;
                SecretKey::load_or_create(path, sealed + codes == 0)?
            }
        };
        Ok(self.key.loaded.get_or_init(|| key).clone())
    }

    /// The actor recorded for a sign-in under an unknown username (see [`unknown_name`]).
    pub(crate) fn unknown_user_actor(
        &self,
        conn: &mut AnyConnection,
        name: &str,
    ) -> Result<String> {
        let key = match self.name_key.get() {
            Some(k) => k,
            None => {
                let k = unknown_name::store_key(conn, self.now())?;
                self.name_key.get_or_init(|| k)
            }
        };
        Ok(unknown_name::actor(key, name))
    }

    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    /// The settings in force now (an Administrator may change some while running).
    pub fn settings(&self) -> AuthSettings {
        self.settings
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Changes the settings in force for every clone of these services.
    pub(crate) fn update_settings(&self, f: impl FnOnce(&mut AuthSettings)) {
        f(&mut self.settings.write().unwrap_or_else(|e| e.into_inner()));
    }

    pub fn db(&self) -> &Database {
        &self.db
    }

    pub fn terminal(&self) -> &str {
        &self.terminal
    }

    fn audit(
        &self,
        conn: &mut AnyConnection,
        actor: &str,
        event: audit::Event,
        details: &str,
    ) -> Result<()> {
        audit::record(conn, self.now(), actor, &self.terminal, event, details)?;
        Ok(())
    }

    /// Checks that `actor` may do `p` now: for a signed-in user, the account must still be
    /// active, the session open, and the role as stored today must allow it.
    pub fn authorize(&self, conn: &mut AnyConnection, actor: &Actor, p: Permission) -> Result<()> {
        let role = match (actor.user_id, actor.session_id) {
            (None, _) => actor.role,
            (Some(uid), sid) => {
                let user = User::by_id(conn, uid)?
                    .filter(|u| u.active)
                    .ok_or_else(|| {
                        Error::SessionEnded("the account is no longer active; sign in again".into())
                    })?;
                if let Some(sid) = sid {
                    let open: Option<SessionRow> = sessions::table
                        .find(sid)
                        .filter(sessions::ended_at.is_null())
                        .select(SessionRow::as_select())
                        .first(conn)
                        .optional()?;
                    if open.is_none() {
                        return Err(Error::SessionEnded(
                            "the session has ended; sign in again".into(),
                        ));
                    }
                }
                Role::parse(&user.role).unwrap_or(Role::Employee)
            }
        };
        if role.allows(p) {
            Ok(())
        } else {
            tracing::warn!(actor = %actor.name, role = %role, permission = ?p, "permission denied");
            Err(Error::Forbidden(format!(
                "a{} {role} may not {}",
                if role == Role::Administrator || role == Role::Employee {
                    "n"
                } else {
                    ""
                },
                p.describe()
            )))
        }
    }

    /// [`Auth::authorize`] with a connection of its own.
    pub fn require(&self, actor: &Actor, p: Permission) -> Result<()> {
        self.authorize(&mut *self.db.conn()?, actor, p)
    }

    /// Whether any account exists (the TUI offers first-run setup when not).
    pub fn has_users(&self) -> Result<bool> {
        Ok(User::count(&mut *self.db.conn()?)? > 0)
    }
}

/// Strips control characters and bounds the length of user-supplied text for the audit trail.
pub(crate) fn clean(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).take(64).collect()
}
