//! The bounds that keep every sum safe (README "Bounds"): prices, quantities, stock and keys
//! given by people or files stay far enough inside the columns' and 64-bit arithmetic's
//! ranges that no total can overflow and no single row can spend a table's numbering.
//! The services, the importer and the forms all check against these.

/// The highest unit price, in cents (1,000,000.00).
pub const MAX_UNIT_PRICE_CENTS: i64 = 100_000_000;
/// The most units one line of an order, a receipt, a transfer or a count may name.
pub const MAX_LINE_UNITS: i32 = 100_000;
/// The most units a store may hold of one product.
pub const MAX_STOCK: i32 = 10_000_000;
/// The highest key a person or a file may give a record (the columns hold 2,147,483,647: the
/// margin keeps the database's own numbering from running out after one stray row).
pub const MAX_KEY: i64 = 2_000_000_000;
/// The earliest model year.
pub const MIN_MODEL_YEAR: i32 = 1900;

/// The latest model year: next year's models and one more (`today_year` + 2).
pub fn max_model_year(today_year: i32) -> i32 {
    today_year + 2
}

/// Checks a whole-number value of `table.column` (cents for prices) against its bound; the
/// message names the bound. `this_year` is the current year (for model years).
pub fn check(table: &str, column: &str, value: i64, this_year: i32) -> Result<(), String> {
    let (lo, hi, what): (i64, i64, &str) = match (table, column) {
        (_, "list_price_cents") => (0, MAX_UNIT_PRICE_CENTS, "a unit price"),
        ("order_items", "quantity") => (1, MAX_LINE_UNITS as i64, "units on a line"),
        ("stocks", "quantity") => (0, MAX_STOCK as i64, "units a store holds of a product"),
        ("products", "model_year") => (
            MIN_MODEL_YEAR as i64,
            max_model_year(this_year) as i64,
            "a model year",
        ),
        ("order_items", "item_id") => (1, MAX_LINE_ITEMS, "a line number"),
        (_, c) if c.ends_with("_id") => (1, MAX_KEY, "a key"),
        _ => return Ok(()),
    };
    if (lo..=hi).contains(&value) {
        return Ok(());
    }
    let shown = |v: i64| {
        if column == "list_price_cents" {
            format!("{}.{:02}", grouped(v / 100), (v % 100).abs())
        } else if column == "model_year" {
            v.to_string()
        } else {
            grouped(v)
        }
    };
    Err(format!(
        "{} is out of bounds: {what} is from {} to {}",
        shown(value),
        shown(lo),
        shown(hi)
    ))
}

/// The most one tender may hand over or be charged, in cents (100,000,000.00).
pub const MAX_TENDER_CENTS: i64 = 10_000_000_000;

/// The most lines an order may hold.
pub const MAX_LINE_ITEMS: i64 = 10_000;

fn grouped(n: i64) -> String {
    let digits = crate::text::group_digits(n.unsigned_abs());
    if n < 0 { format!("-{digits}") } else { digits }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_name_the_limit() {
        assert_eq!(
            check("products", "list_price_cents", 100_000_000, 2026),
            Ok(())
        );
        assert_eq!(
            check(
                "products",
                "list_price_cents",
                9_223_372_036_854_775_807,
                2026
            )
            .unwrap_err(),
            "92,233,720,368,547,758.07 is out of bounds: a unit price is from 0.00 to 1,000,000.00"
        );
        assert!(check("products", "model_year", -5, 2026).is_err());
        assert!(check("products", "model_year", 99_999, 2026).is_err());
        assert_eq!(check("products", "model_year", 2028, 2026), Ok(()));
        assert!(check("products", "model_year", 2029, 2026).is_err());
        assert!(check("orders", "order_id", 2_147_483_647, 2026).is_err());
        assert_eq!(check("orders", "order_id", 2_000_000_000, 2026), Ok(()));
        assert!(check("order_items", "quantity", 100_001, 2026).is_err());
        assert!(check("stocks", "quantity", -1, 2026).is_err());
        assert_eq!(check("customers", "first_name", 5, 2026), Ok(()));
    }
}
