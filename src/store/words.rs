//! Text searches as people type them: every word must be found in one of the searched columns,
//! in any case and with or without accents (`debra burks` finds Debra Burks, `bjorn` finds
//! Björn, `trek fuel` the Trek Fuel bikes), each word taken literally (`%`, `_` and `!` are
//! not wildcards), on both backends: MySQL/MariaDB compare in an accent-insensitive
//! collation, SQLite through the `stockroom_fold` function on both sides.

use crate::db::dialect;
use crate::db::dynamic::Cell;

/// Words read from a search at most.
const MAX_WORDS: usize = 8;

/// The longest search text, in characters (a database refuses far longer patterns with a
/// message of its own).
pub const MAX_CHARS: usize = 200;

/// Checks the length of a search text; the error says the bound.
pub fn check(text: &str) -> Result<(), String> {
    let n = text.chars().count();
    if n > MAX_CHARS {
        return Err(format!(
            "a search is at most {MAX_CHARS} characters (this one has {})",
            crate::text::group_digits(n as u64)
        ));
    }
    Ok(())
}

/// The `LIKE` pattern of one word (folded as [`crate::text::fold`], `!` escaping).
pub fn pattern(word: &str) -> String {
    let mut p = String::from("%");
    for ch in crate::text::fold(word.trim()).chars() {
        if matches!(ch, '%' | '_' | '!') {
            p.push('!');
        }
        p.push(ch);
    }
    p.push('%');
    p
}

/// `(a LIKE ? OR b LIKE ?) AND (…)`, one group per word, and the cells to bind; `None` when
/// `text` has no word.
pub fn clause(
    conn: &crate::db::AnyConnection,
    text: &str,
    cols: &[&str],
) -> Option<(String, Vec<Cell>)> {
    let mut parts = Vec::new();
    let mut cells = Vec::new();
    // A caller that did not [`check`] still never sends more than the bound.
    let text = match text.char_indices().nth(MAX_CHARS) {
        Some((at, _)) => &text[..at],
        None => text,
    };
    for word in text.split_whitespace().take(MAX_WORDS) {
        let any: Vec<String> = cols.iter().map(|c| dialect::like_ci(conn, c)).collect();
        parts.push(format!("({})", any.join(" OR ")));
        cells.extend(cols.iter().map(|_| Cell::Text(Some(pattern(word)))));
    }
    (!parts.is_empty()).then(|| (parts.join(" AND "), cells))
}

/// `column IN (…)` the keys of the parent rows (`key` of `from`) that `clause` finds. The
/// parent's matching keys are gathered once: DISTINCT keeps MariaDB from turning the subquery
/// into a join that tests every row's parent, twice as slow.
pub fn in_parent(column: &str, key: &str, from: &str, clause: &str) -> String {
    format!("{column} IN (SELECT k FROM (SELECT DISTINCT {key} AS k FROM {from} WHERE {clause}) m)")
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_word_is_taken_literally() {
        assert_eq!(super::pattern(" 50%_o!K "), "%50!%!_o!!k%");
    }
}
