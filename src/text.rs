//! Showing text that came from outside (files, the API, the database, what a user typed):
//! control characters and invisible direction overrides are escaped (`\u{1b}`), so a crafted
//! value cannot retitle, clear or rewrite the terminal it is printed on (nor, written to a
//! spreadsheet, run as a formula). Also numbers and durations as people read them.

use std::borrow::Cow;

/// Whether `c` must not reach a terminal as it is.
fn dangerous(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` as searches compare it: lower case, accents and other marks removed (`Björn` →
/// `bjorn`, `JOSÉ` → `jose`), as MySQL's `utf8mb4_general_ci` compares them. Letters that do
/// not decompose (`ø`, `ł`, `ß`) stay themselves, on both backends. ASCII text only changes
/// case.
pub fn fold(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    use unicode_normalization::char::is_combining_mark;
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    text.nfd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Whether `c` is a control character, a direction override or another character that takes
/// no room on screen (zero-width spaces and joiners, the byte-order mark, line and paragraph
/// separators): never part of a setting that is shown, such as a currency symbol.
pub fn is_invisible(c: char) -> bool {
    dangerous(c)
        || matches!(
            c,
            '\u{ad}'
                | '\u{61c}'
                | '\u{180e}'
                | '\u{200b}'..='\u{200d}'
                | '\u{2028}'..='\u{2029}'
                | '\u{2060}'..='\u{2064}'
                | '\u{feff}'
                | '\u{fff9}'..='\u{fffb}'
        )
}

/// `text` with control characters written as escapes (`\n`, `\t`, `\u{1b}`).
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(dangerous) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if dangerous(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// [`escape`], then at most `max` characters (an ellipsis marks the cut).
pub fn escape_bounded(text: &str, max: usize) -> String {
    let e = escape(text);
    if e.chars().count() <= max {
        return e.into_owned();
    }
    let mut s: String = e.chars().take(max.saturating_sub(1)).collect();
    s.push('…');
    s
}

/// Whether a spreadsheet would run this text as a formula (`=`, `+`, `-`, `@`, or a leading
/// tab or carriage return).
pub fn looks_like_formula(s: &str) -> bool {
    s.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// `1234567` → `1,234,567`.
pub fn group_digits(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// A list of names for a message: the first `shown`, then "and N more".
pub fn name_list(names: &[String], shown: usize) -> String {
    let mut parts: Vec<String> = names
        .iter()
        .take(shown)
        .map(|n| escape_bounded(n, 40))
        .collect();
    if names.len() > shown {
        parts.push(format!(
            "and {} more",
            group_digits((names.len() - shown) as u64)
        ));
    }
    parts.join(", ")
}

/// Below this, a rate or an ETA is noise.
pub const MEANINGFUL: std::time::Duration = std::time::Duration::from_secs(1);

/// `60 ms`, `2.4 s`.
pub fn duration(ms: u64) -> String {
    if ms < 1_000 {
        format!("{ms} ms")
    } else {
        format!("{:.1} s", ms as f64 / 1000.0)
    }
}

/// `2.4 s (41,000 rows/s)`, or just `60 ms` when the run was too short for a rate.
pub fn duration_and_rate(rows: u64, ms: u64) -> String {
    if ms < MEANINGFUL.as_millis() as u64 {
        duration(ms)
    } else {
        format!(
            "{} ({} rows/s)",
            duration(ms),
            group_digits((rows as f64 * 1000.0 / ms as f64) as u64)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_a_terminal_would_obey() {
        assert_eq!(escape("plain José 王"), "plain José 王");
        assert_eq!(
            escape("\u{1b}]0;PWNED\u{7}\u{1b}[2J"),
            "\\u{1b}]0;PWNED\\u{7}\\u{1b}[2J"
        );
        assert_eq!(escape("a\nb\tc"), "a\\nb\\tc");
        assert_eq!(escape("x\u{202e}y"), "x\\u{202e}y");
        assert_eq!(escape_bounded("abcdef", 4), "abc…");
        assert_eq!(fold("Björn Ångström"), "bjorn angstrom");
        assert_eq!(fold("JOSÉ Zoë Müller"), "jose zoe muller");
        assert_eq!(fold("Søren"), "søren");
        assert_eq!(fold("王小明"), "王小明");
        let names: Vec<String> = (0..1_000_000).map(|i| format!("c{i}")).collect();
        assert_eq!(name_list(&names, 3), "c0, c1, c2, and 999,997 more");
    }
}
