//! Text that came from the database, a file or a user is cleaned before it is drawn, so a
//! customer name cannot inject terminal escape sequences; and text wrapped at word
//! boundaries to a width, so a message or a name is never cut mid-word or mid-number.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Removes control characters (ESC, CR, BEL, …); tabs and newlines become spaces.
pub fn clean(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c {
            '\t' | '\n' | '\r' => Some(' '),
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect()
}

/// `text` in lines of at most `width` cells, broken between words; a word longer than a line
/// is broken where it must be.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let sep = usize::from(!line.is_empty());
        if line.width() + sep + word.width() <= width {
            if sep == 1 {
                line.push(' ');
            }
            line.push_str(word);
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        // A word wider than the line: as much as fits on each.
        for ch in word.chars() {
            if line.width() + ch.width().unwrap_or(0) > width {
                lines.push(std::mem::take(&mut line));
            }
            line.push(ch);
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// [`wrap`] in at most `max` lines: when the text needs more, the last line ends with `…`
/// after the last whole word that fits (a number is kept whole or left out, never cut).
pub fn wrap_at_most(text: &str, width: usize, max: usize) -> Vec<String> {
    let mut lines = wrap(text, width);
    if lines.len() <= max.max(1) {
        return lines;
    }
    lines.truncate(max.max(1));
    let last = lines.last_mut().expect("one line at least");
    let mut words: Vec<&str> = last.split(' ').collect();
    loop {
        let candidate = format!("{}…", words.join(" "));
        if candidate.width() <= width || words.len() <= 1 {
            *last = candidate;
            break;
        }
        words.pop();
    }
    lines
}

/// Parts joined with ` · ` in lines of at most `width` cells, each part kept on one line
/// where it fits one (a date range is not split between lines); at most `max` lines.
pub fn join_parts(parts: &[String], width: usize, max: usize) -> Vec<String> {
    let mut lines: Vec<String> = vec![String::new()];
    for part in parts {
        let last = lines.last_mut().expect("one line at least");
        let sep = if last.is_empty() { "" } else { " · " };
        if last.width() + sep.width() + part.width() <= width {
            last.push_str(sep);
            last.push_str(part);
        } else if part.width() <= width {
            lines.push(part.clone());
        } else {
            lines.extend(wrap(part, width));
        }
    }
    if lines.len() > max.max(1) {
        let text = lines.join(" ");
        return wrap_at_most(&text, width, max);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_escapes() {
        assert_eq!(super::clean("Bob\x1b[2J\x07 Smith\r\n"), "Bob[2J Smith  ");
        assert_eq!(super::clean("Zoé 王"), "Zoé 王");
    }

    #[test]
    fn wraps_between_words_and_never_cuts_a_number() {
        let t = "The customer report is written (1 page, 39.6 KB). o copies its path.";
        let lines = wrap(t, 30);
        assert!(lines.iter().all(|l| l.width() <= 30), "{lines:?}");
        assert_eq!(lines.join(" "), t);
        let short = wrap_at_most(t, 30, 2);
        assert_eq!(short.len(), 2);
        assert!(short[1].ends_with('…'), "{short:?}");
        assert!(!short.join(" ").contains("39.…"), "{short:?}");
        assert_eq!(wrap("", 10), vec![String::new()]);
        assert_eq!(wrap("abcdefghij", 4), vec!["abcd", "efgh", "ij"]);
        let parts = [
            "orders 1–12 of 30".to_string(),
            "2018-01-01 to 2018-03-31".into(),
        ];
        assert_eq!(join_parts(&parts, 30, 2), parts.to_vec());
        assert_eq!(join_parts(&parts, 60, 2), vec![parts.join(" · ")]);
    }
}
