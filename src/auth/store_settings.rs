//! The store-wide settings an Administrator may change from the Settings tab or with
//! `stockroom settings set`: lockout, session limits, low stock, sales target and currency.
//! Each value is checked against its allowed range, written to the config file where it
//! lives, and audited. The security limits apply at once in this process; every other
//! terminal reads the file at its next start.

use std::fmt;
use std::path::Path;

use super::audit::Event;
use super::{Actor, Auth, AuthSettings, Permission};
use crate::error::{Error, Result};

/// A setting that may be changed while Stockroom runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Editable {
    /// The config file's key.
    pub key: &'static str,
    /// How the Settings tab names it.
    pub label: &'static str,
    pub unit: &'static str,
}

const fn e(key: &'static str, label: &'static str, unit: &'static str) -> Editable {
    Editable { key, label, unit }
}

pub const CURRENCY: &str = "currency_symbol";

/// Every setting that may be changed, in the order shown.
pub const EDITABLE: [Editable; 7] = [
    e("lockout_threshold", "lockout after", "failed attempts"),
    e("lockout_minutes", "lockout lasts", "minutes"),
    e("idle_timeout_minutes", "idle lock after", "minutes"),
    e("session_max_hours", "sessions end after", "hours"),
    e("low_stock_threshold", "low stock at", "items or fewer"),
    e(
        "sales_target_per_store_month",
        "sales target",
        "per store and month",
    ),
    e(CURRENCY, "currency symbol", "1 to 8 characters"),
];

/// A checked value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Number(u32),
    Text(String),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Number(n) => write!(f, "{n}"),
            Value::Text(t) => f.write_str(t),
        }
    }
}

/// The setting behind a config key.
pub fn editable(key: &str) -> Result<Editable> {
    EDITABLE.into_iter().find(|e| e.key == key).ok_or_else(|| {
        Error::Invalid(format!(
            "`{}` cannot be changed here; one of: {}",
            super::clean(key),
            EDITABLE.map(|e| e.key).join(", ")
        ))
    })
}

/// The allowed range of a numeric setting.
pub fn range(key: &str) -> Option<(u32, u32)> {
    crate::config::RANGES
        .iter()
        .find(|(k, ..)| *k == key)
        .map(|&(_, lo, hi)| (lo, hi))
}

/// Checks `text` for the setting `key`; the error names the setting and what it allows.
pub fn parse(key: &str, text: &str) -> Result<Value> {
    let e = editable(key)?;
    if key == CURRENCY {
        let n = text.chars().count();
        if let Some(c) = text.chars().find(|c| crate::text::is_invisible(*c)) {
            return Err(Error::Invalid(format!(
                "{} ({key}) must be visible characters: U+{:04X} is a control or \
                 invisible character",
                e.label, c as u32
            )));
        }
        if (1..=8).contains(&n) && !text.trim().is_empty() {
            return Ok(Value::Text(text.to_string()));
        }
        return Err(Error::Invalid(format!(
            "{} ({key}) must be 1 to 8 visible characters, such as $, € or `CHF `",
            e.label
        )));
    }
    let (lo, hi) = range(key).unwrap_or((0, u32::MAX));
    let g = |n: u32| crate::text::group_digits(n.into());
    match text.trim().replace([',', '_'], "").parse::<u32>() {
        Ok(n) if (lo..=hi).contains(&n) => Ok(Value::Number(n)),
        _ => Err(Error::Invalid(format!(
            "{} ({key}) must be a whole number from {} to {} {}; `{}` is not",
            e.label,
            g(lo),
            g(hi),
            e.unit,
            crate::text::escape_bounded(text, 32)
        ))),
    }
}

/// The value in force of a security setting (`None` for the others).
pub fn auth_value(s: &AuthSettings, key: &str) -> Option<u32> {
    let v = match key {
        "lockout_threshold" => i64::from(s.lockout_threshold),
        "lockout_minutes" => s.lock_secs / 60,
        "idle_timeout_minutes" => s.idle_secs / 60,
        "session_max_hours" => s.max_session_secs / 3600,
        _ => return None,
    };
    u32::try_from(v).ok()
}

impl Auth {
    /// Changes a store-wide setting (needs `ChangeSettings`): checks it, saves it to
    /// `config_file`, applies the security limits to these services at once, and audits.
    pub fn change_store_setting(
        &self,
        actor: &Actor,
        config_file: &Path,
        key: &str,
        text: &str,
    ) -> Result<Value> {
        let mut conn = self.db().conn()?;
        self.authorize(&mut conn, actor, Permission::ChangeSettings)?;
        let value = parse(key, text)?;
        let toml_value = match &value {
            Value::Number(n) => toml::Value::Integer(i64::from(*n)),
            Value::Text(t) => toml::Value::String(t.clone()),
        };
        crate::config::save_value(config_file, key, toml_value)?;
        if let Value::Number(n) = value {
            let n = i64::from(n);
            self.update_settings(|s| match key {
                "lockout_threshold" => s.lockout_threshold = n as u32,
                "lockout_minutes" => s.lock_secs = n * 60,
                "idle_timeout_minutes" => s.idle_secs = n * 60,
                "session_max_hours" => s.max_session_secs = n * 3600,
                _ => {}
            });
        }
        self.audit(
            &mut conn,
            &actor.name,
            Event::SettingChanged,
            &format!("key={key} value={value} file={}", config_file.display()),
        )?;
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_checked_and_errors_name_the_field_and_range() {
        assert_eq!(parse("lockout_threshold", " 7 ").unwrap(), Value::Number(7));
        let err = parse("lockout_threshold", "0").unwrap_err().to_string();
        assert!(
            err.contains("lockout_threshold") && err.contains("from 1 to 100"),
            "{err}"
        );
        let err = parse("idle_timeout_minutes", "lots")
            .unwrap_err()
            .to_string();
        assert!(err.contains("1 to 1,440"), "{err}");
        assert_eq!(
            parse("sales_target_per_store_month", "250,000").unwrap(),
            Value::Number(250_000)
        );
        assert_eq!(parse(CURRENCY, "CHF ").unwrap(), Value::Text("CHF ".into()));
        assert!(parse(CURRENCY, "").is_err());
        assert!(parse(CURRENCY, "\u{1b}[2J").is_err());
        assert!(parse(CURRENCY, "too long a symbol").is_err());
        let e = parse(CURRENCY, "$\u{202e}").unwrap_err().to_string();
        assert!(e.contains("U+202E") && e.contains("invisible"), "{e}");
        assert!(parse(CURRENCY, "\u{200b}$").is_err());
        assert!(
            parse("bcrypt_cost", "12")
                .unwrap_err()
                .to_string()
                .contains("cannot be changed")
        );
    }
}
