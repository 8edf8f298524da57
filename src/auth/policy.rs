//! The password policy of DESIGN §5, applied on every path that sets a password. The message
//! names each rule the password misses.

use crate::error::{Error, Result};

/// Passwords people pick first; compared case-insensitively.
const COMMON: &str = include_str!("common_passwords.txt");

#[derive(Debug, Clone)]
pub struct PasswordPolicy {
    pub min_length: usize,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        PasswordPolicy { min_length: 8 }
    }
}

impl PasswordPolicy {
    /// The rules `password` breaks (empty when it is acceptable).
    pub fn unmet(&self, password: &str, username: &str) -> Vec<String> {
        let mut missing = Vec::new();
        if password.chars().count() < self.min_length {
            missing.push(format!("at least {} characters", self.min_length));
        }
        if !password.chars().any(|c| c.is_uppercase()) {
            missing.push("an uppercase letter".into());
        }
        if !password.chars().any(|c| c.is_lowercase()) {
            missing.push("a lowercase letter".into());
        }
        if !password.chars().any(|c| c.is_ascii_digit()) {
            missing.push("a digit".into());
        }
        if !password
            .chars()
            .any(|c| !c.is_alphanumeric() && !c.is_whitespace())
        {
            missing.push("a special character (such as ! # % - _)".into());
        }
        if password.len() > super::password::MAX_BYTES {
            missing.push(format!("at most {} bytes", super::password::MAX_BYTES));
        }
        if password.chars().any(char::is_control) {
            missing.push("no control characters".into());
        }
        let lower = password.to_lowercase();
        if COMMON
            .lines()
            .any(|w| !w.is_empty() && w.eq_ignore_ascii_case(&lower))
        {
            missing.push("not a commonly used password".into());
        }
        if !username.is_empty() && lower.contains(&username.to_lowercase()) {
            missing.push("not containing the username".into());
        }
        missing
    }

    /// `Ok` when acceptable, else an error that lists every unmet rule.
    pub fn check(&self, password: &str, username: &str) -> Result<()> {
        let missing = self.unmet(password, username);
        if missing.is_empty() {
            Ok(())
        } else {
            Err(Error::Invalid(format!(
                "the password does not meet the policy; it needs: {}",
                missing.join("; ")
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_each_unmet_rule() {
        let p = PasswordPolicy::default();
        assert!(p.check("Tr1cky-Bikes", "ann").is_ok());
        let err = p.check("abc", "ann").unwrap_err().to_string();
        for rule in [
            "at least 8 characters",
            "an uppercase letter",
            "a digit",
            "a special character",
        ] {
            assert!(err.contains(rule), "{err} lacks {rule}");
        }
        assert!(!err.contains("a lowercase letter"), "{err}");
        let err = p.check("P@ssw0rd", "ann").unwrap_err().to_string();
        assert!(err.contains("commonly used"), "{err}");
        let err = p.check("Ann-2024-Bikes", "ann").unwrap_err().to_string();
        assert!(err.contains("username"), "{err}");
        let err = p
            .check(&format!("Aa1!{}", "x".repeat(70)), "ann")
            .unwrap_err()
            .to_string();
        assert!(err.contains("at most 72 bytes"), "{err}");
        let long = PasswordPolicy { min_length: 12 };
        assert!(
            long.check("Short-Pw1", "x")
                .unwrap_err()
                .to_string()
                .contains("12")
        );
    }
}
