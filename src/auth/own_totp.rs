//! Your own 2FA from Settings, each step after typing your password again (a wrong one
//! counts toward lockout): turn it on (the same setup as the forced one at sign-in), show the
//! QR code again, turn it off (never for an Administrator). Audited; never the secret.

use diesel::prelude::*;

use super::audit::Event;
use super::session::Session;
use super::signin::totp_secret;
use super::{Actor, Auth, Permission, Role, TotpSetup, totp};
use crate::db::models::User;
use crate::db::schema::{backup_codes, users};
use crate::db::{AnyConnection, tx};
use crate::error::{Error, Result};

/// Whether your 2FA is on, and how many backup codes are left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Own2fa {
    pub enabled: bool,
    pub codes_left: i64,
}

impl Auth {
    /// The session must still be open and the account active; then the password again.
    fn own_account(&self, conn: &mut AnyConnection, s: &Session, current: &str) -> Result<User> {
        self.authorize(conn, &Actor::from_session(s), Permission::ViewData)?;
        self.confirm_own_password(conn, s, current)
    }

    /// Your 2FA state (for the Settings tab).
    pub fn own_2fa(&self, s: &Session) -> Result<Own2fa> {
        let mut conn = self.db().conn()?;
        let enabled = users::table
            .find(s.user_id)
            .select(users::totp_enabled)
            .first(&mut *conn)?;
        Ok(Own2fa {
            enabled,
            codes_left: self.backup_codes_remaining(s.user_id)?,
        })
    }

    /// Turning 2FA on, first step: a new secret to show (stored only once a code confirms it).
    pub fn begin_own_totp(&self, s: &Session, current: &str) -> Result<TotpSetup> {
        let user = self.own_account(&mut *self.db().conn()?, s, current)?;
        if user.totp_enabled {
            return Err(Error::Invalid(
                "2FA is already on; `s` shows its QR code again".into(),
            ));
        }
        self.setup_for(&user.username, totp::new_secret())
    }

    /// Turning 2FA on, last step: the first code from the app confirms `setup`; returns the
    /// backup codes, to be shown once.
    pub fn confirm_own_totp(
        &self,
        s: &Session,
        setup: &TotpSetup,
        code: &str,
    ) -> Result<Vec<String>> {
        let mut conn = self.db().conn()?;
        self.authorize(&mut conn, &Actor::from_session(s), Permission::ViewData)?;
        let user = User::by_id(&mut conn, s.user_id)?
            .ok_or_else(|| Error::SessionEnded("the account is gone; sign in again".into()))?;
        if user.totp_enabled {
            return Err(Error::Invalid("2FA is already on".into()));
        }
        self.enable_totp(&mut conn, &user, &setup.secret, code, "settings")
    }

    /// Your 2FA secret again, to scan on a new phone.
    pub fn show_own_totp(&self, s: &Session, current: &str) -> Result<TotpSetup> {
        let mut conn = self.db().conn()?;
        let user = self.own_account(&mut conn, s, current)?;
        if !user.totp_enabled {
            return Err(Error::Invalid("2FA is off; `o` turns it on".into()));
        }
        let secret = totp_secret(&self.secret_key(&mut conn)?, &user)?;
        self.audit(&mut conn, &user.username, Event::TotpShown, "step=settings")?;
        self.setup_for(&user.username, secret)
    }

    /// Whether you may turn your 2FA off: not as an Administrator (2FA is mandatory for them).
    /// Asked before the password, so a refusal costs nothing.
    pub fn may_disable_own_totp(&self, s: &Session) -> Result<()> {
        self.refuse_admin_2fa_off(&mut *self.db().conn()?, s)
    }

    fn refuse_admin_2fa_off(&self, conn: &mut AnyConnection, s: &Session) -> Result<()> {
        let role = User::by_id(conn, s.user_id)?
            .and_then(|u| Role::parse(&u.role))
            .unwrap_or(Role::Employee);
        if role == Role::Administrator {
            return Err(Error::Forbidden(
                "2FA is mandatory for Administrators and cannot be turned off".into(),
            ));
        }
        Ok(())
    }

    /// Turns your 2FA off and revokes your backup codes. Refused for an Administrator, before
    /// the password is checked.
    pub fn disable_own_totp(&self, s: &Session, current: &str) -> Result<()> {
        let mut conn = self.db().conn()?;
        self.refuse_admin_2fa_off(&mut conn, s)?;
        let user = self.own_account(&mut conn, s, current)?;
        if !user.totp_enabled {
            return Err(Error::Invalid("2FA is already off".into()));
        }
        tx::write::<_, Error>(&mut conn, |conn| {
            diesel::update(users::table.find(user.user_id))
                .set((
                    users::totp_enabled.eq(false),
                    users::totp_secret_enc.eq(None::<String>),
                    users::totp_last_step.eq(None::<i64>),
                ))
                .execute(conn)?;
            diesel::delete(backup_codes::table.filter(backup_codes::user_id.eq(user.user_id)))
                .execute(conn)?;
            self.audit(conn, &user.username, Event::TotpDisabled, "step=settings")
        })
    }
}
