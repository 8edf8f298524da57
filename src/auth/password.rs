//! Password hashing with bcrypt. Passwords over 72 bytes are refused, never truncated.
//! Unknown users get a dummy verify so they cost the same time as real ones.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use crate::error::{Error, Result};

/// bcrypt reads at most 72 bytes; longer passwords are refused rather than cut.
pub const MAX_BYTES: usize = 72;

/// Hashes a password at `cost`.
pub fn hash(password: &str, cost: u32) -> Result<String> {
    check_length(password)?;
    // bcrypt uses the first 72 bytes; with at most 72 there is nothing it could drop.
    bcrypt::hash(password, cost)
        .map_err(|e| Error::Invalid(format!("cannot hash the password: {e}")))
}

/// Refuses passwords bcrypt would truncate.
pub fn check_length(password: &str) -> Result<()> {
    if password.len() > MAX_BYTES {
        return Err(Error::Invalid(format!(
            "the password is {} bytes long; at most {MAX_BYTES} bytes are allowed",
            password.len()
        )));
    }
    Ok(())
}

/// Whether `password` matches `hash`. Over-long passwords and malformed hashes never match.
pub fn verify(password: &str, hash: &str) -> bool {
    password.len() <= MAX_BYTES && bcrypt::verify(password, hash).unwrap_or(false)
}

fn dummy_hashes() -> &'static Mutex<HashMap<u32, String>> {
    static CELL: OnceLock<Mutex<HashMap<u32, String>>> = OnceLock::new();
    CELL.get_or_init(|| Mutex::new(HashMap::new()))
}

fn dummy_hash(cost: u32) -> String {
    if let Some(h) = dummy_hashes()
        .lock()
        .ok()
        .and_then(|m| m.get(&cost).cloned())
    {
        return h;
    }
    let h = bcrypt::hash("stockroom-dummy-password", cost).unwrap_or_default();
    if let Ok(mut m) = dummy_hashes().lock() {
        m.insert(cost, h.clone());
    }
    h
}

/// Prepares the dummy hash for `cost` (call early, off the UI thread).
pub fn warm_dummy(cost: u32) {
    let _ = dummy_hash(cost);
}

/// Spends the time of one real verify, for users that do not exist.
pub fn dummy_verify(password: &str, cost: u32) {
    let h = dummy_hash(cost);
    let truncated: String = password.chars().take(MAX_BYTES).collect();
    let _ = bcrypt::verify(truncated, &h);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_refuse_long_passwords() {
        let h = hash("Correct-Horse-9", 10).unwrap();
        assert!(h.starts_with("$2"));
        assert!(verify("Correct-Horse-9", &h));
        assert!(!verify("correct-horse-9", &h));
        let long = "A1!".repeat(25); // 75 bytes
        let err = hash(&long, 10).unwrap_err().to_string();
        assert!(err.contains("75 bytes") && err.contains("72"), "{err}");
        // 72 bytes is fine; 73 is refused (multibyte characters count in bytes).
        let h72 = hash(&"a".repeat(72), 10).unwrap();
        assert!(verify(&"a".repeat(72), &h72));
        assert!(
            !verify(&"a".repeat(71), &h72),
            "every one of the 72 bytes counts"
        );
        assert!(hash(&format!("{}é", "a".repeat(71)), 10).is_err());
        assert!(!verify(&long, &h));
        assert!(!verify("x", "not a hash"));
    }
}
