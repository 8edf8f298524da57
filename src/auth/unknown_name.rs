//! What the audit trail and the log keep of a sign-in under a username that does not exist:
//! never the text typed (people type their password into the username field), only a short
//! keyed hash of it, so repeated attempts with the same name can be told apart and counted.
//!
//! The hash key is a random 32-byte key kept in the store itself (`store_keys`, made by the
//! first process that needs it), not in the 2FA key file: the hash must work on every
//! terminal of a store whether or not that terminal holds the key file (commands run without
//! it), and must be the same on every terminal so attempts made on different terminals
//! correlate. It is out of reach of those who read the trail or the log (TUI users with
//! `ViewAudit`, whoever reads the log file), who therefore cannot test guesses against a
//! hash; whoever holds the store's credentials can, as they could read far more. The hash is
//! cut to 40 bits: plenty to tell a store's failed names apart, short in a log line.

use diesel::prelude::*;

use super::secret_key::{SecretKey, from_hex, to_hex};
use crate::db::AnyConnection;
use crate::db::schema::store_keys;
use crate::error::{Error, Result};

/// The `store_keys` row of this key.
const KEY_NAME: &str = "unknown_username";

/// Hex digits of the hash that are kept.
pub const HASH_HEX: usize = 10;

/// The actor recorded for a sign-in under an unknown username: `unknown-user:<hash>`.
/// Usernames cannot hold `:`, so this never names a real account.
pub fn actor(key: &SecretKey, normalized_name: &str) -> String {
    let mut h = key.mac("unknown-username", normalized_name.as_bytes());
    h.truncate(HASH_HEX);
    format!("unknown-user:{h}")
}

/// Reads the store's key, creating it when missing. Two processes creating it at once end
/// with the one that was inserted first: the loser's insert fails and it reads the row back.
pub fn store_key(conn: &mut AnyConnection, now: i64) -> Result<SecretKey> {
    if let Some(k) = read(conn)? {
        return Ok(k);
    }
    let fresh = SecretKey::generate();
    let inserted = diesel::insert_into(store_keys::table)
        .values((
            store_keys::name.eq(KEY_NAME),
            store_keys::key_hex.eq(to_hex(fresh.bytes())),
            store_keys::created_at.eq(now),
        ))
        .execute(conn);
    match (inserted, read(conn)?) {
        (_, Some(k)) => Ok(k),
        (Err(e), None) => Err(e.into()),
        (Ok(_), None) => Err(Error::Database(
            "the store key for unknown usernames was written but cannot be read back".into(),
        )),
    }
}

fn read(conn: &mut AnyConnection) -> Result<Option<SecretKey>> {
    let hex: Option<String> = store_keys::table
        .find(KEY_NAME)
        .select(store_keys::key_hex)
        .first(conn)
        .optional()?;
    hex.map(|h| {
        from_hex(&h)
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .map(|b| SecretKey::from_bytes(&b))
            .ok_or_else(|| {
                Error::Database(format!("store_keys row `{KEY_NAME}` is not 64 hex digits"))
            })
    })
    .transpose()
}
