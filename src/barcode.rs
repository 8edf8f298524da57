//! Product barcodes: what a code may be (EAN-8, EAN-13, UPC-A with their check digits
//! verified, or any short code a store prints), and the forms one product's code may arrive
//! in from a scanner (a UPC-A read as a 13-digit EAN with a leading 0, and back).

/// The longest code kept.
pub const MAX_LEN: usize = 64;

/// The kind of a code of digits whose length makes it an EAN/UPC code.
pub fn gtin_kind(code: &str) -> Option<&'static str> {
    if !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    match code.len() {
        8 => Some("EAN-8"),
        12 => Some("UPC-A"),
        13 => Some("EAN-13"),
        _ => None,
    }
}

/// The check digit the GS1 rule gives for `body` (all digits but the last): weights 3 and 1
/// alternating from the right.
pub fn check_digit(body: &str) -> u32 {
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    (10 - sum % 10) % 10
}

/// Checks a code as typed or imported: trimmed, 1–64 printable characters without spaces;
/// an EAN-8, UPC-A or EAN-13 must carry the right check digit. Returns the code to store,
/// or why it cannot be one (a sentence fragment after the code's field name).
pub fn check(text: &str) -> Result<String, String> {
    let code = text.trim();
    if code.is_empty() {
        return Err("is empty".into());
    }
    let n = code.chars().count();
    if n > MAX_LEN {
        return Err(format!("is {n} characters long; at most {MAX_LEN} fit"));
    }
    if code.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("has spaces or control characters; a barcode has neither".into());
    }
    if let Some(kind) = gtin_kind(code) {
        let (body, last) = code.split_at(code.len() - 1);
        let want = check_digit(body);
        let got = u32::from(last.as_bytes()[0] - b'0');
        if want != got {
            return Err(format!(
                "is not a valid {kind} code: its check digit should be {want}, not {got}"
            ));
        }
    }
    Ok(code.to_string())
}

/// The stored forms a scanned code may match: itself, and a UPC-A as the EAN-13 with a
/// leading 0 (or that EAN-13 as its UPC-A), since scanners are set up either way.
pub fn equivalents(code: &str) -> Vec<String> {
    let code = code.trim();
    let mut out = vec![code.to_string()];
    match gtin_kind(code) {
        Some("UPC-A") => out.push(format!("0{code}")),
        Some("EAN-13") if code.starts_with('0') => out.push(code[1..].to_string()),
        _ => {}
    }
    out
}

/// Whether `a` and `b` name the same code (see [`equivalents`]).
pub fn same(a: &str, b: &str) -> bool {
    equivalents(a).iter().any(|x| x == b.trim())
}

/// An EAN-13 in the range GS1 leaves to a store's own use (prefix 20): `20`, ten digits of
/// `n`, and the check digit. The demo data numbers its products this way.
pub fn in_store_ean13(n: u64) -> String {
    let body = format!("20{:010}", n % 10_000_000_000);
    let check = check_digit(&body);
    format!("{body}{check}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digits_of_real_codes() {
        // EAN-13 of a book, UPC-A of a can, an EAN-8.
        assert_eq!(check("9780306406157"), Ok("9780306406157".into()));
        assert_eq!(check(" 036000291452 "), Ok("036000291452".into()));
        assert_eq!(check("96385074"), Ok("96385074".into()));
        let e = check("9780306406158").unwrap_err();
        assert!(
            e.contains("EAN-13") && e.contains("should be 7, not 8"),
            "{e}"
        );
        assert!(check("036000291453").unwrap_err().contains("UPC-A"));
        assert!(check("96385075").unwrap_err().contains("EAN-8"));
    }

    #[test]
    fn a_store_s_own_codes_are_kept_as_they_are() {
        assert_eq!(check("SKU-0042"), Ok("SKU-0042".into()));
        assert_eq!(check("12345"), Ok("12345".into()));
        assert!(check("two words").is_err());
        assert!(check("").is_err());
        assert!(check(&"9".repeat(65)).unwrap_err().contains("at most 64"));
    }

    #[test]
    fn upc_and_ean_forms_of_one_code_match() {
        assert!(same("036000291452", "0036000291452"));
        assert!(same("0036000291452", "036000291452"));
        assert!(!same("9780306406157", "780306406157"));
        let code = in_store_ean13(42);
        assert_eq!(code.len(), 13);
        assert!(code.starts_with("200000000042"));
        assert_eq!(check(&code), Ok(code.clone()));
    }
}
