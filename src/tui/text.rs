//! Text that came from the database, a file or a user is cleaned before it is drawn, so a
//! customer name cannot inject terminal escape sequences.

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

#[cfg(test)]
mod tests {
    #[test]
    fn strips_escapes() {
        assert_eq!(super::clean("Bob\x1b[2J\x07 Smith\r\n"), "Bob[2J Smith  ");
        assert_eq!(super::clean("Zoé 王"), "Zoé 王");
    }
}
