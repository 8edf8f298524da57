//! The values the data browser shows, typed (money in cents, discounts in basis points, an
//! order status as its code), with the one way each is written for people: `1,799.99`, `7 %`,
//! `Completed`, `—` for nothing. Keys of records, as typed on a command line (`17`, `1:5`).

use chrono::NaiveDate;
use serde_json::Value as Json;

use super::views::Shown;
use crate::db::models::OrderStatus;
use crate::money;

/// One shown value.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(untagged)]
pub enum Value {
    Null,
    Int(i64),
    Text(String),
    Money(i64),
    Discount(i64),
    Date(NaiveDate),
    Status(i16),
    Bool(bool),
}

impl Value {
    /// Reads a value the database gave as JSON.
    pub fn from_json(j: &Json, shown: Shown) -> Value {
        let int = || {
            j.as_i64()
                .or_else(|| j.as_str().and_then(|s| s.parse().ok()))
        };
        match (j, shown) {
            (Json::Null, _) => Value::Null,
            (_, Shown::Int) => int().map(Value::Int).unwrap_or(Value::Null),
            (_, Shown::Money) => int().map(Value::Money).unwrap_or(Value::Null),
            (_, Shown::Discount) => int().map(Value::Discount).unwrap_or(Value::Null),
            (_, Shown::Status) => int()
                .map(|v| Value::Status(v as i16))
                .unwrap_or(Value::Null),
            (_, Shown::Bool) => Value::Bool(j.as_bool().unwrap_or_else(|| int() == Some(1))),
            (_, Shown::Date) => j
                .as_str()
                .and_then(|s| NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d").ok())
                .map(Value::Date)
                .unwrap_or(Value::Null),
            (Json::String(s), Shown::Text) => Value::Text(s.clone()),
            (other, Shown::Text) => Value::Text(other.to_string()),
        }
    }

    /// The value as people read it.
    pub fn display(&self) -> String {
        match self {
            Value::Null => "—".into(),
            Value::Int(v) => v.to_string(),
            Value::Text(s) => s.clone(),
            Value::Money(c) => money::format_cents(*c),
            Value::Discount(bp) => {
                let whole = bp / 100;
                match bp % 100 {
                    0 => format!("{whole} %"),
                    frac => format!("{whole}.{:02} %", frac).replace("0 %", " %"),
                }
            }
            Value::Date(d) => d.format("%Y-%m-%d").to_string(),
            Value::Status(code) => OrderStatus::from_code(*code)
                .map(|s| s.name().to_string())
                .unwrap_or_else(|| format!("status {code}")),
            Value::Bool(b) => if *b { "yes" } else { "no" }.into(),
        }
    }

    /// Whether it is right-aligned in a table (numbers and money).
    pub fn is_numeric(&self) -> bool {
        matches!(self, Value::Int(_) | Value::Money(_) | Value::Discount(_))
    }
}

/// A record's key: one number, or two (`stocks`: store and product; `order_items`: order and
/// line).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Key(pub Vec<i32>);

impl Key {
    /// Parses `17` or `1:5` for a key of `parts` numbers.
    pub fn parse(text: &str, parts: usize) -> Result<Key, String> {
        let nums: Result<Vec<i32>, _> = text.split(':').map(|p| p.trim().parse::<i32>()).collect();
        match nums {
            Ok(v) if v.len() == parts => Ok(Key(v)),
            _ if parts == 2 => Err(format!(
                "`{}` is not a key of this table (two numbers: `STORE:PRODUCT` or `ORDER:LINE`)",
                crate::text::escape_bounded(text, 40)
            )),
            _ => Err(format!(
                "`{}` is not a key of this table (a number)",
                crate::text::escape_bounded(text, 40)
            )),
        }
    }
}

impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self.0.iter().map(|v| v.to_string()).collect();
        f.write_str(&parts.join(":"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_as_people_expect() {
        assert_eq!(Value::Money(179_999).display(), "1,799.99");
        assert_eq!(Value::Discount(700).display(), "7 %");
        assert_eq!(Value::Discount(1_250).display(), "12.5 %");
        assert_eq!(Value::Discount(1_255).display(), "12.55 %");
        assert_eq!(Value::Status(4).display(), "Completed");
        assert_eq!(Value::Null.display(), "—");
        assert_eq!(
            Value::from_json(&serde_json::json!("2016-01-03"), Shown::Date).display(),
            "2016-01-03"
        );
        assert_eq!(Key::parse("1:5", 2), Ok(Key(vec![1, 5])));
        assert!(Key::parse("1", 2).is_err());
        assert_eq!(Key(vec![1, 5]).to_string(), "1:5");
    }
}
