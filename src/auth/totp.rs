//! TOTP (RFC 6238): SHA1, 6 digits, 30 s, ±1 step. The caller stores the last accepted step
//! so each code is accepted once.

use totp_rs::{Algorithm, Builder, Secret, Totp};

use crate::error::{Error, Result};

pub const ISSUER: &str = "Stockroom";

/// A new random secret (160 bits), base32.
pub fn new_secret() -> String {
    Secret::generate().to_base32()
}

fn build(secret_b32: &str, username: &str) -> Result<Totp> {
    let secret = Secret::try_from_base32(secret_b32)
        .map_err(|_| Error::Invalid("the 2FA secret is not valid base32".into()))?;
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(30)
        .with_secret(secret)
        .with_issuer(Some(ISSUER))
        .with_account_name(username)
        .build()
        .map_err(|e| Error::Invalid(format!("cannot set up 2FA: {e:?}")))
}

/// The `otpauth://` URI an authenticator app scans.
pub fn uri(secret_b32: &str, username: &str) -> Result<String> {
    build(secret_b32, username)?
        .to_url()
        .map_err(|e| Error::Invalid(format!("cannot set up 2FA: {e:?}")))
}

/// The code for `unix_secs` (tests, and the setup screen's self-check).
pub fn code_at(secret_b32: &str, unix_secs: i64) -> Result<String> {
    Ok(build(secret_b32, "x")?
        .generate(unix_secs.max(0) as u64)
        .to_string())
}

/// The time step `code` matches at `unix_secs` (±1 step), if any. Spaces are ignored.
pub fn matching_step(secret_b32: &str, code: &str, unix_secs: i64) -> Result<Option<i64>> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        return Ok(None);
    }
    Ok(build(secret_b32, "x")?
        .check(&code, unix_secs.max(0) as u64)
        .map(|s| s as i64))
}

/// The secret in groups of four for reading aloud or typing: `ABCD EFGH …`.
pub fn grouped(secret_b32: &str) -> String {
    secret_b32
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether `input` looks like a TOTP code (six digits) rather than a backup code.
pub fn looks_like_code(input: &str) -> bool {
    let digits: String = input.chars().filter(|c| !c.is_whitespace()).collect();
    digits.len() == 6 && digits.chars().all(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_plus_minus_one_step_only() {
        let s = new_secret();
        assert_eq!(s.len(), 32);
        let t = 1_700_000_010;
        let now = code_at(&s, t).unwrap();
        assert_eq!(matching_step(&s, &now, t).unwrap(), Some(t / 30));
        let spaced = format!("{} {}", &now[..3], &now[3..]);
        assert_eq!(matching_step(&s, &spaced, t).unwrap(), Some(t / 30));
        for (offset, ok) in [(-60, false), (-30, true), (30, true), (60, false)] {
            let c = code_at(&s, t + offset).unwrap();
            let got = matching_step(&s, &c, t).unwrap();
            assert_eq!(got.is_some(), ok || c == now, "offset {offset}");
        }
        assert_eq!(matching_step(&s, "abcdef", t).unwrap(), None);
        let u = uri(&s, "ann").unwrap();
        assert!(u.starts_with("otpauth://totp/Stockroom:ann?"), "{u}");
        assert!(
            u.contains(&format!("secret={s}")) && u.contains("issuer=Stockroom"),
            "{u}"
        );
        assert_eq!(grouped("ABCDEFGHIJ"), "ABCD EFGH IJ");
    }
}
