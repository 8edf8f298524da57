//! Money is integer cents and discounts are integer basis points; nothing here uses floats.

/// Grouping digits is the text module's; this path (and `store::money::group_digits`) is kept
/// for its callers in src/tui and the tests.
pub use crate::text::group_digits;

/// Parses a decimal amount such as `1799.99`, `1,799.99` or `$12` into cents, exactly.
/// More than two decimals are refused unless they are zeros.
pub fn parse_cents(text: &str) -> Result<i64, String> {
    let t = text.trim();
    let (negative, t) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t),
    };
    let t = t.strip_prefix('$').unwrap_or(t).replace(',', "");
    let (whole, frac) = match t.split_once('.') {
        Some((w, f)) => (w, f),
        None => (t.as_str(), ""),
    };
    if whole.is_empty() && frac.is_empty() {
        return Err("is not an amount".to_string());
    }
    if !whole.chars().all(|c| c.is_ascii_digit()) || !frac.chars().all(|c| c.is_ascii_digit()) {
        return Err("is not an amount".to_string());
    }
    let frac_trimmed = frac.trim_end_matches('0');
    if frac_trimmed.len() > 2 {
        return Err("has fractions of a cent".to_string());
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole
            .parse()
            .map_err(|_| "is too large an amount".to_string())?
    };
    let mut frac_cents = format!("{frac_trimmed:0<2}");
    frac_cents.truncate(2);
    let cents = whole
        .checked_mul(100)
        .and_then(|c| c.checked_add(frac_cents.parse::<i64>().unwrap_or(0)))
        .ok_or_else(|| "is too large an amount".to_string())?;
    Ok(if negative { -cents } else { cents })
}

/// Parses a discount given as a fraction (`0.07` = 7 %) into basis points (700), exactly.
pub fn parse_discount_bp(text: &str) -> Result<i32, String> {
    let t = text.trim();
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    if (whole.is_empty() && frac.is_empty())
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
    {
        return Err("is not a discount (expected a fraction such as 0.07)".to_string());
    }
    let frac_trimmed = frac.trim_end_matches('0');
    if frac_trimmed.len() > 4 {
        return Err("is finer than a basis point".to_string());
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| "is out of range".to_string())?
    };
    let frac_bp: i64 = format!("{frac_trimmed:0<4}").parse().unwrap_or(0);
    let bp = whole * 10_000 + frac_bp;
    if !(0..=10_000).contains(&bp) {
        return Err("is outside 0 to 1".to_string());
    }
    Ok(bp as i32)
}

/// A line's total after discount, in cents, rounded half up: the same figure as
/// [`crate::db::dialect::line_total_sql`] computes in the database.
pub fn line_total_cents(list_price_cents: i64, quantity: i32, discount_bp: i32) -> i64 {
    let gross = list_price_cents as i128 * quantity as i128;
    let net = gross * (10_000 - discount_bp as i128);
    ((net + 5_000).div_euclid(10_000)) as i64
}

/// Formats cents as `1,799.99` (no currency sign).
pub fn format_cents(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!("{sign}{}.{:02}", group_digits(abs / 100), abs % 100)
}

/// Formats cents as a plain decimal (`1799.99`), the form the importer reads back.
pub fn plain_cents(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// Formats basis points as a fraction (`700` → `0.07`), the form the importer reads back.
pub fn plain_discount(bp: i32) -> String {
    let s = format!("{}.{:04}", bp / 10_000, bp % 10_000);
    let s = s.trim_end_matches('0');
    s.strip_suffix('.')
        .map(|w| format!("{w}.0"))
        .unwrap_or_else(|| s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_money_exactly() {
        assert_eq!(parse_cents("1799.99"), Ok(179_999));
        assert_eq!(parse_cents("1,799.99"), Ok(179_999));
        assert_eq!(parse_cents(" $12 "), Ok(1_200));
        assert_eq!(parse_cents("0.1"), Ok(10));
        assert_eq!(parse_cents(".5"), Ok(50));
        assert_eq!(parse_cents("2.500"), Ok(250));
        assert_eq!(parse_cents("-3.01"), Ok(-301));
        assert!(
            parse_cents("2.505")
                .unwrap_err()
                .contains("fractions of a cent")
        );
        assert!(parse_cents("abc").is_err());
        assert!(parse_cents("").is_err());
        assert!(parse_cents("1e5").is_err());
        assert!(parse_cents("99999999999999999999").is_err());
    }

    #[test]
    fn parses_discounts() {
        assert_eq!(parse_discount_bp("0.07"), Ok(700));
        assert_eq!(parse_discount_bp("0.2"), Ok(2_000));
        assert_eq!(parse_discount_bp("0"), Ok(0));
        assert_eq!(parse_discount_bp("1"), Ok(10_000));
        assert_eq!(parse_discount_bp("0.0725"), Ok(725));
        assert!(parse_discount_bp("1.5").is_err());
        assert!(parse_discount_bp("0.00001").is_err());
        assert!(parse_discount_bp("-0.1").is_err());
    }

    #[test]
    fn line_totals_round_half_up() {
        // 1,799.99 × 2 with 7 %: 3,599.98 × 0.93 = 3,347.9814 → 3,347.98
        assert_eq!(line_total_cents(179_999, 2, 700), 334_798);
        // 0.05 with 50 %: 0.025 → 0.03
        assert_eq!(line_total_cents(5, 1, 5_000), 3);
        assert_eq!(line_total_cents(59_999, 1, 2_000), 47_999);
    }

    #[test]
    fn formats() {
        assert_eq!(format_cents(179_999), "1,799.99");
        assert_eq!(format_cents(-5), "-0.05");
        assert_eq!(format_cents(123_456_789), "1,234,567.89");
        assert_eq!(plain_cents(179_999), "1799.99");
        assert_eq!(plain_discount(700), "0.07");
        assert_eq!(plain_discount(2_000), "0.2");
        assert_eq!(plain_discount(0), "0.0");
        assert_eq!(plain_discount(10_000), "1.0");
        for bp in [0, 1, 700, 725, 9_999, 10_000] {
            assert_eq!(parse_discount_bp(&plain_discount(bp)), Ok(bp));
        }
    }
}
