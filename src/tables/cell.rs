//! Turning one text cell into a typed value, with a reason when it cannot be.

use chrono::NaiveDate;

use super::spec::Kind;
use crate::db::models::OrderStatus;
use crate::money;

/// Cells that mean "no value".
pub const NULL_TOKENS: [&str; 7] = ["", "NULL", "null", "None", "NaN", "nan", "N/A"];

pub use crate::db::dynamic::Cell;

/// The null of a kind.
pub fn null_of(kind: Kind) -> Cell {
    match kind {
        Kind::Int | Kind::AtLeast(_) | Kind::Discount => Cell::Int(None),
        Kind::Money => Cell::BigInt(None),
        Kind::Status => Cell::SmallInt(None),
        Kind::Text(_) | Kind::Barcode => Cell::Text(None),
        Kind::Date => Cell::Date(None),
        Kind::Bool => Cell::Bool(None),
    }
}

/// How dates are written in the input.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum DateFormat {
    /// ISO `YYYY-MM-DD`, or `DD/MM/YYYY` when the value has slashes.
    #[default]
    Auto,
    /// A chrono format string such as `%d/%m/%Y`.
    Pattern(String),
}

impl DateFormat {
    pub fn parse(text: &str) -> DateFormat {
        match text.trim().to_ascii_lowercase().as_str() {
            "" | "auto" => DateFormat::Auto,
            "iso" => DateFormat::Pattern("%Y-%m-%d".into()),
            "dmy" | "dd/mm/yyyy" => DateFormat::Pattern("%d/%m/%Y".into()),
            "mdy" | "mm/dd/yyyy" => DateFormat::Pattern("%m/%d/%Y".into()),
            _ => DateFormat::Pattern(text.trim().to_string()),
        }
    }
}

/// Whether the trimmed text is a null token.
pub fn is_null_token(t: &str) -> bool {
    NULL_TOKENS.contains(&t)
}

/// Dates further ahead than this many years are taken for typing mistakes.
const YEARS_AHEAD: i32 = 5;

fn parse_date(t: &str, fmt: &DateFormat) -> Result<NaiveDate, String> {
    use chrono::Datelike;
    let d = parse_date_text(t, fmt)?;
    let latest = chrono::Utc::now().date_naive().year() + YEARS_AHEAD;
    if d.year() < 100 {
        Err("has a two-digit year; write the year in full (1999, 2016)".into())
    } else if d.year() < 1900 || d.year() > latest {
        Err(format!("is outside the years 1900–{latest}"))
    } else {
        Ok(d)
    }
}

fn parse_date_text(t: &str, fmt: &DateFormat) -> Result<NaiveDate, String> {
    let attempt = |pattern: &str| NaiveDate::parse_from_str(t, pattern);
    let parsed = match fmt {
        DateFormat::Pattern(p) => attempt(p),
        DateFormat::Auto if t.contains('/') => attempt("%d/%m/%Y"),
        DateFormat::Auto => attempt("%Y-%m-%d"),
    };
    parsed.map_err(|e| {
        let expected = match fmt {
            DateFormat::Pattern(p) => p.clone(),
            DateFormat::Auto => "YYYY-MM-DD or DD/MM/YYYY".into(),
        };
        if e.kind() == chrono::format::ParseErrorKind::OutOfRange {
            "is not a real date".to_string()
        } else {
            format!("is not a date ({expected})")
        }
    })
}

/// Parses one cell. `Ok(null)` for null tokens (the caller checks required columns).
pub fn parse(raw: &str, kind: Kind, dates: &DateFormat) -> Result<Cell, String> {
    let t = raw.trim();
    if is_null_token(t) {
        return Ok(null_of(kind));
    }
    Ok(match kind {
        Kind::Int => Cell::Int(Some(parse_int(t)?)),
        Kind::AtLeast(min) => {
            let v = parse_int(t)?;
            if v < min {
                return Err(match min {
                    0 => "is negative; it must be 0 or more".to_string(),
                    _ => format!("must be {min} or more"),
                });
            }
            Cell::Int(Some(v))
        }
        Kind::Text(max) => {
            // Quoted newlines and tabs are data; other control characters (ESC, BEL, …) are not.
            if t.chars()
                .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
            {
                return Err("contains control characters".into());
            }
            let n = t.chars().count();
            if n > max {
                return Err(format!("is {n} characters long; at most {max} fit"));
            }
            Cell::Text(Some(t.to_string()))
        }
        Kind::Barcode => Cell::Text(Some(crate::barcode::check(t)?)),
        Kind::Date => Cell::Date(Some(parse_date(t, dates)?)),
        Kind::Bool => Cell::Bool(Some(match t.to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "y" | "t" => true,
            "0" | "false" | "no" | "n" | "f" => false,
            _ => return Err("is not yes/no (1/0, true/false)".into()),
        })),
        Kind::Money => {
            let cents = money::parse_cents(t)?;
            if cents < 0 {
                return Err("is negative".into());
            }
            Cell::BigInt(Some(cents))
        }
        Kind::Discount => Cell::Int(Some(money::parse_discount_bp(t)?)),
        Kind::Status => {
            let code = match t.parse::<i16>() {
                Ok(c) => OrderStatus::from_code(c),
                Err(_) => OrderStatus::ALL
                    .into_iter()
                    .find(|s| s.name().eq_ignore_ascii_case(t)),
            };
            Cell::SmallInt(Some(
                code.ok_or_else(|| {
                    "is not an order status (1–4 or Pending, Processing, Rejected, Completed)"
                        .to_string()
                })?
                .code(),
            ))
        }
    })
}

/// A whole number; `12.0` is accepted, `12.5` is not.
pub fn parse_int(t: &str) -> Result<i32, String> {
    let t = t.trim();
    if let Ok(v) = t.parse::<i32>() {
        return Ok(v);
    }
    if let Some(whole) = t.strip_suffix(".0").or_else(|| t.strip_suffix(".00"))
        && let Ok(v) = whole.parse::<i32>()
    {
        return Ok(v);
    }
    Err("is not a whole number".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_cells() {
        let auto = DateFormat::Auto;
        for null in NULL_TOKENS {
            assert!(parse(null, Kind::Int, &auto).unwrap().is_null(), "{null:?}");
        }
        assert_eq!(
            parse(" 9273 Thorne Ave. ", Kind::Text(255), &auto),
            Ok(Cell::Text(Some("9273 Thorne Ave.".into())))
        );
        assert_eq!(
            parse("03/01/2016", Kind::Date, &auto),
            Ok(Cell::Date(NaiveDate::from_ymd_opt(2016, 1, 3)))
        );
        assert_eq!(
            parse("2016-01-03", Kind::Date, &auto),
            Ok(Cell::Date(NaiveDate::from_ymd_opt(2016, 1, 3)))
        );
        assert!(
            parse("31/02/2016", Kind::Date, &auto)
                .unwrap_err()
                .contains("not a real date")
        );
        assert!(parse("2016-13-01", Kind::Date, &auto).is_err());
        let us = DateFormat::parse("mdy");
        assert_eq!(
            parse("01/03/2016", Kind::Date, &us),
            Ok(Cell::Date(NaiveDate::from_ymd_opt(2016, 1, 3)))
        );
        assert_eq!(
            parse("1799.99", Kind::Money, &auto),
            Ok(Cell::BigInt(Some(179_999)))
        );
        assert!(parse("-1", Kind::Money, &auto).is_err());
        assert_eq!(
            parse("-3", Kind::AtLeast(0), &auto),
            Err("is negative; it must be 0 or more".into())
        );
        assert_eq!(parse("0", Kind::AtLeast(0), &auto), Ok(Cell::Int(Some(0))));
        assert!(parse("0", Kind::AtLeast(1), &auto).is_err());
        assert!(
            parse("31/12/99", Kind::Date, &auto)
                .unwrap_err()
                .contains("two-digit year")
        );
        assert!(
            parse("1899-12-31", Kind::Date, &auto)
                .unwrap_err()
                .contains("outside the years 1900")
        );
        assert!(parse("2999-01-01", Kind::Date, &auto).is_err());
        assert!(parse("1900-01-01", Kind::Date, &auto).is_ok());
        assert_eq!(
            parse("0.07", Kind::Discount, &auto),
            Ok(Cell::Int(Some(700)))
        );
        assert_eq!(
            parse("Completed", Kind::Status, &auto),
            Ok(Cell::SmallInt(Some(4)))
        );
        assert!(parse("7", Kind::Status, &auto).is_err());
        assert_eq!(
            parse("14127", Kind::Text(10), &auto),
            Ok(Cell::Text(Some("14127".into())))
        );
        assert!(
            parse("x".repeat(11).as_str(), Kind::Text(10), &auto)
                .unwrap_err()
                .contains("at most 10")
        );
        assert_eq!(parse("12.0", Kind::Int, &auto), Ok(Cell::Int(Some(12))));
        assert!(parse("12.5", Kind::Int, &auto).is_err());
        assert_eq!(parse("yes", Kind::Bool, &auto), Ok(Cell::Bool(Some(true))));
    }
}
