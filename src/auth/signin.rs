//! Sign-in as a state machine: password → (TOTP or backup code | forced 2FA setup for an
//! Administrator without 2FA) → (forced password change) → signed-in session. A
//! [`PendingSignIn`] can only be made by [`Auth::begin_sign_in`] and only advanced by the
//! step it is at, so no step can be skipped by calling a later one.

use diesel::prelude::*;

use super::audit::Event;
use super::secret_key::SecretKey;
use super::session::{self, Session};
use super::{Auth, Role, SIGN_IN_FAILED, backup_codes, lockout, password, totp};
use crate::db::AnyConnection;
use crate::db::models::User;
use crate::db::models::backup_code::NewBackupCode;
use crate::db::schema::{backup_codes as codes_t, users};
use crate::error::{Error, Result};

/// What the front end must show next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Ask for a TOTP code or a backup code.
    SecondFactor,
    /// An Administrator without 2FA: show the QR code and confirm a first code.
    TotpSetup,
    /// The password was reset: choose a new one.
    PasswordChange,
    /// Every check passed: call [`Auth::finish_sign_in`].
    Done,
}

/// A sign-in in progress. Not `Clone`: it moves through the steps once.
#[derive(Debug)]
pub struct PendingSignIn {
    user_id: i32,
    username: String,
    role: Role,
    step: Step,
    begun_at: i64,
    second_factor_done: bool,
    setup_secret: Option<String>,
}

/// What the 2FA setup screen shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TotpSetup {
    pub secret: String,
    pub uri: String,
}

/// How long a sign-in may sit between steps.
const PENDING_TTL_SECS: i64 = 10 * 60;

impl PendingSignIn {
    pub fn step(&self) -> Step {
        self.step
    }
    pub fn username(&self) -> &str {
        &self.username
    }
    pub fn role(&self) -> Role {
        self.role
    }
}

fn next_step(user: &User, second_factor_done: bool) -> Step {
    let is_admin = Role::parse(&user.role) == Some(Role::Administrator);
    if user.totp_enabled && !second_factor_done {
        Step::SecondFactor
    } else if !user.totp_enabled && is_admin {
        Step::TotpSetup
    } else if user.must_change_password {
        Step::PasswordChange
    } else {
        Step::Done
    }
}

/// Lower-cased, trimmed username as stored.
pub fn normalize_username(name: &str) -> String {
    name.trim().to_lowercase()
}

impl Auth {
    /// Step 1: username and password. Every failure gives [`SIGN_IN_FAILED`] after one bcrypt
    /// verify, whatever the cause.
    pub fn begin_sign_in(&self, username: &str, password_typed: &str) -> Result<PendingSignIn> {
        let now = self.now();
        let name = normalize_username(username);
        let mut conn = self.db.conn()?;
        let Some(user) = User::by_username(&mut conn, &name)? else {
            password::dummy_verify(password_typed, self.settings().bcrypt_cost);
            // Never what was typed: it may be a password (see `unknown_name`).
            let actor = self.unknown_user_actor(&mut conn, &name)?;
            self.audit(
                &mut conn,
                &actor,
                Event::SignInFailure,
                "reason=unknown_user",
            )?;
            return Err(Error::Auth(SIGN_IN_FAILED.into()));
        };
        let ok = password::verify(password_typed, &user.password_hash);
        if !user.active {
            self.audit(
                &mut conn,
                &user.username,
                Event::SignInFailure,
                "reason=deactivated",
            )?;
            return Err(Error::Auth(SIGN_IN_FAILED.into()));
        }
        if user.is_locked(now) || !ok {
            let reason = if user.is_locked(now) {
                "locked"
            } else {
                "wrong_password"
            };
            self.record_failed_attempt(
                &mut conn,
                &user,
                Event::SignInFailure,
                &format!("reason={reason} step=password"),
            )?;
            return Err(Error::Auth(SIGN_IN_FAILED.into()));
        }
        Ok(PendingSignIn {
            user_id: user.user_id,
            username: user.username.clone(),
            role: Role::parse(&user.role).unwrap_or(Role::Employee),
            step: next_step(&user, false),
            begun_at: now,
            second_factor_done: false,
            setup_secret: None,
        })
    }

    /// Counts a failed attempt (atomically), audits it as `event`, and audits the lock if this
    /// failure caused one. Every path that checks a password or a code goes through here.
    pub(super) fn record_failed_attempt(
        &self,
        conn: &mut AnyConnection,
        user: &User,
        event: Event,
        details: &str,
    ) -> Result<bool> {
        // One transaction, re-run whole when another terminal (or another cluster node)
        // counted at the same moment: every failure is counted exactly once.
        crate::db::tx::write(conn, |conn| -> Result<bool> {
            let locked = lockout::record_failure(
                conn,
                user.user_id,
                self.now(),
                self.settings().lockout_threshold,
                self.settings().lock_secs,
            )?;
            self.audit(conn, &user.username, event, details)?;
            if locked {
                self.audit(
                    conn,
                    &user.username,
                    Event::AccountLocked,
                    &format!("minutes={} {details}", self.settings().lock_secs / 60),
                )?;
            }
            Ok(locked)
        })
    }

    /// Re-reads the user for a later step: it must still be active and unlocked, and the
    /// pending sign-in must be at `expected` and fresh.
    fn resume(&self, conn: &mut AnyConnection, p: &PendingSignIn, expected: Step) -> Result<User> {
        if p.step != expected {
            return Err(Error::Auth(format!(
                "sign-in step out of order: expected {:?}, this sign-in is at {:?}",
                expected, p.step
            )));
        }
        if self.now() - p.begun_at > PENDING_TTL_SECS {
            return Err(Error::Auth(
                "The sign-in took too long; start again.".into(),
            ));
        }
        let user = User::by_id(conn, p.user_id)?
            .filter(|u| u.active)
            .ok_or_else(|| Error::Auth(SIGN_IN_FAILED.into()))?;
        if user.is_locked(self.now()) {
            // The password was right: who they are is no secret to them.
            return Err(self.locked_error());
        }
        Ok(user)
    }

    /// The error for an account that failed too often, shown only to someone who has
    /// given its password (never at the password step, which stays vague).
    pub(crate) fn locked_error(&self) -> Error {
        Error::Locked(format!(
            "Too many failed attempts: the account is locked for {} minutes (an administrator \
             can unlock it sooner with `stockroom user unlock`).",
            self.settings().lock_secs / 60
        ))
    }

    /// Step 2a: a TOTP code (each time step accepted once) or an unused backup code.
    pub fn verify_second_factor(&self, p: &mut PendingSignIn, code: &str) -> Result<()> {
        let mut conn = self.db.conn()?;
        let user = self.resume(&mut conn, p, Step::SecondFactor)?;
        // Without the key no code can be checked: refuse before counting a failure.
        let key = self.secret_key(&mut conn)?;
        let now = self.now();
        let accepted = if totp::looks_like_code(code) {
            let secret = totp_secret(&key, &user)?;
            match totp::matching_step(&secret, code, now)? {
                // Claim the step atomically: a replay (or a race) finds it taken.
                Some(step) => {
                    diesel::update(users::table.find(user.user_id))
                        .filter(
                            users::totp_last_step
                                .is_null()
                                .or(users::totp_last_step.lt(step)),
                        )
                        .set(users::totp_last_step.eq(Some(step)))
                        .execute(&mut *conn)?
                        == 1
                }
                None => false,
            }
        } else if let Some(normalized) = backup_codes::normalize(code) {
            let used = diesel::update(codes_t::table)
                .filter(codes_t::user_id.eq(user.user_id))
                .filter(codes_t::code_hash.eq(backup_codes::hash(&key, &normalized)))
                .filter(codes_t::used_at.is_null())
                .set(codes_t::used_at.eq(Some(now)))
                .execute(&mut *conn)?
                == 1;
            if used {
                let left = remaining_codes(&mut conn, user.user_id)?;
                self.audit(
                    &mut conn,
                    &user.username,
                    Event::BackupCodeUsed,
                    &format!("remaining={left}"),
                )?;
            }
            used
        } else {
            false
        };
        if !accepted {
            let locked = self.record_failed_attempt(
                &mut conn,
                &user,
                Event::TotpFailure,
                "reason=bad_code step=second_factor",
            )?;
            if locked {
                return Err(self.locked_error());
            }
            return Err(Error::Auth(
                "That code is not valid (codes work once; check your phone's clock).".into(),
            ));
        }
        p.second_factor_done = true;
        p.step = next_step(&user, true);
        Ok(())
    }

    /// Step 2b: the secret and URI to show on the forced 2FA setup screen.
    pub fn totp_setup(&self, p: &mut PendingSignIn) -> Result<TotpSetup> {
        if p.step != Step::TotpSetup {
            return Err(Error::Auth(
                "2FA setup is not the current sign-in step".into(),
            ));
        }
        let secret = p.setup_secret.get_or_insert_with(totp::new_secret).clone();
        self.setup_for(&p.username, secret)
    }

    /// What a 2FA setup screen shows for `secret`. The secret is sealed with the key when
    /// confirmed: without a key, this says so before any QR is shown.
    pub(super) fn setup_for(&self, username: &str, secret: String) -> Result<TotpSetup> {
        self.secret_key(&mut *self.db.conn()?)?;
        Ok(TotpSetup {
            uri: totp::uri(&secret, username)?,
            secret,
        })
    }

    /// Step 2b: confirms the first code; turns 2FA on and returns the backup codes, shown once.
    pub fn confirm_totp_setup(&self, p: &mut PendingSignIn, code: &str) -> Result<Vec<String>> {
        let mut conn = self.db.conn()?;
        let user = self.resume(&mut conn, p, Step::TotpSetup)?;
        let secret = p
            .setup_secret
            .clone()
            .ok_or_else(|| Error::Auth("2FA setup has not been shown yet".into()))?;
        let codes = self.enable_totp(&mut conn, &user, &secret, code, "2fa_setup")?;
        p.second_factor_done = true;
        p.setup_secret = None;
        let mut refreshed = user;
        refreshed.totp_enabled = true;
        p.step = next_step(&refreshed, true);
        Ok(codes)
    }

    /// Turns 2FA on for `user` once `code` matches `secret` (a wrong code counts toward
    /// lockout): seals the secret, makes a fresh set of backup codes (returned, to be shown
    /// once) and audits. Used by the forced setup at sign-in and by Settings.
    pub(super) fn enable_totp(
        &self,
        conn: &mut AnyConnection,
        user: &User,
        secret: &str,
        code: &str,
        step_name: &str,
    ) -> Result<Vec<String>> {
        let key = self.secret_key(conn)?;
        let now = self.now();
        let Some(step) = totp::matching_step(secret, code, now)? else {
            let locked = self.record_failed_attempt(
                conn,
                user,
                Event::TotpFailure,
                &format!("reason=bad_code step={step_name}"),
            )?;
            if locked {
                return Err(self.locked_error());
            }
            return Err(Error::Auth(
                "That code does not match; check your phone's clock and type the current code."
                    .into(),
            ));
        };
        let sealed = key.encrypt(secret.as_bytes(), &user_context(user.user_id));
        conn.transaction::<_, Error, _>(|conn| {
            diesel::update(users::table.find(user.user_id))
                .set((
                    users::totp_enabled.eq(true),
                    users::totp_secret_enc.eq(Some(sealed)),
                    users::totp_last_step.eq(Some(step)),
                ))
                .execute(conn)?;
            let codes = self.replace_backup_codes(conn, &key, user.user_id)?;
            self.audit(
                conn,
                &user.username,
                Event::TotpEnabled,
                &format!("step={step_name}"),
            )?;
            Ok(codes)
        })
    }

    /// Step 3: a new password after a reset, checked against the policy.
    pub fn change_password_at_sign_in(
        &self,
        p: &mut PendingSignIn,
        new_password: &str,
    ) -> Result<()> {
        let mut conn = self.db.conn()?;
        let user = self.resume(&mut conn, p, Step::PasswordChange)?;
        self.set_password(&mut conn, &user, new_password, false)?;
        self.audit(
            &mut conn,
            &user.username,
            Event::PasswordChanged,
            "step=sign_in",
        )?;
        p.step = Step::Done;
        Ok(())
    }

    /// Last step: opens the session.
    pub fn finish_sign_in(&self, p: PendingSignIn) -> Result<Session> {
        let mut conn = self.db.conn()?;
        let user = self.resume(&mut conn, &p, Step::Done)?;
        let now = self.now();
        // One transaction, re-run whole when other terminals (or cluster nodes) sign the same
        // user in at the same moment.
        crate::db::tx::write(&mut conn, |conn| -> Result<Session> {
            lockout::record_success(conn, user.user_id, now)?;
            // Sessions of this user left behind by a process that died are closed now.
            self.close_stale(conn, Some(user.user_id))?;
            let s = session::start(conn, &user, &self.terminal, now)?;
            self.audit(
                conn,
                &user.username,
                Event::SignInSuccess,
                &format!(
                    "session={} second_factor={}",
                    s.session_id, p.second_factor_done
                ),
            )?;
            Ok(s)
        })
    }

    /// Replaces a user's backup codes with a fresh set; returns them for showing once.
    pub(crate) fn replace_backup_codes(
        &self,
        conn: &mut AnyConnection,
        key: &SecretKey,
        user_id: i32,
    ) -> Result<Vec<String>> {
        let now = self.now();
        let codes = backup_codes::generate();
        diesel::delete(codes_t::table.filter(codes_t::user_id.eq(user_id))).execute(conn)?;
        let rows: Vec<NewBackupCode> = codes
            .iter()
            .map(|c| NewBackupCode {
                user_id,
                code_hash: backup_codes::hash(key, &backup_codes::normalize(c).unwrap_or_default()),
                created_at: now,
            })
            .collect();
        crate::db::bulk_insert!(conn, codes_t::table, &rows)?;
        Ok(codes)
    }

    /// Checks and stores a new password (policy, length, different from the current one).
    pub(crate) fn set_password(
        &self,
        conn: &mut AnyConnection,
        user: &User,
        new_password: &str,
        must_change: bool,
    ) -> Result<()> {
        password::check_length(new_password)?;
        self.settings().policy.check(new_password, &user.username)?;
        if password::verify(new_password, &user.password_hash) {
            return Err(Error::Invalid(
                "the new password must differ from the current one".into(),
            ));
        }
        let hash = password::hash(new_password, self.settings().bcrypt_cost)?;
        diesel::update(users::table.find(user.user_id))
            .set((
                users::password_hash.eq(hash),
                users::must_change_password.eq(must_change),
                users::password_changed_at.eq(self.now()),
            ))
            .execute(conn)?;
        Ok(())
    }

    /// Unused backup codes left for a user.
    pub fn backup_codes_remaining(&self, user_id: i32) -> Result<i64> {
        Ok(remaining_codes(&mut *self.db.conn()?, user_id)?)
    }
}

fn remaining_codes(conn: &mut AnyConnection, user_id: i32) -> QueryResult<i64> {
    codes_t::table
        .filter(codes_t::user_id.eq(user_id))
        .filter(codes_t::used_at.is_null())
        .count()
        .get_result(conn)
}

/// Decrypts a user's TOTP secret; a wrong or missing key is an error, never a bypass.
pub(super) fn totp_secret(key: &SecretKey, user: &User) -> Result<String> {
    let sealed = user.totp_secret_enc.as_deref().ok_or_else(|| {
        Error::Config(format!("{} has 2FA on but no stored secret", user.username))
    })?;
    let plain = key.decrypt(sealed, &user_context(user.user_id))?;
    String::from_utf8(plain).map_err(|_| Error::Config("a stored 2FA secret is malformed".into()))
}

/// Binds an encrypted secret to its user, so it cannot be copied to another account.
fn user_context(user_id: i32) -> Vec<u8> {
    format!("stockroom-totp-user:{user_id}").into_bytes()
}
