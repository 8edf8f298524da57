//! Backup codes: ten per user, 10 characters from a 31-letter alphabet without look-alikes
//! (≈ 49.5 bits each), shown once as `xxxx-xxxx-xx`, stored as keyed hashes, single use.

use rand::Rng;

use super::secret_key::SecretKey;

pub const COUNT: usize = 10;
const LEN: usize = 10;
/// No 0/o, 1/l/i: nothing that reads like something else.
const ALPHABET: &[u8] = b"23456789abcdefghjkmnpqrstuvwxyz";

/// A fresh set of codes, formatted for display.
pub fn generate() -> Vec<String> {
    let mut rng = rand::rng();
    (0..COUNT)
        .map(|_| {
            let raw: String = (0..LEN)
                .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
                .collect();
            format(&raw)
        })
        .collect()
}

fn format(raw: &str) -> String {
    format!("{}-{}-{}", &raw[..4], &raw[4..8], &raw[8..])
}

/// The canonical form of what a user typed (case, dashes and spaces ignored), if it can be a code.
pub fn normalize(input: &str) -> Option<String> {
    let s: String = input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    (s.len() == LEN && s.bytes().all(|b| ALPHABET.contains(&b))).then_some(s)
}

/// The stored form of a code.
pub fn hash(key: &SecretKey, normalized: &str) -> String {
    key.mac("backup-code", normalized.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_readable_unique_and_strong() {
        let codes = generate();
        assert_eq!(codes.len(), COUNT);
        let bits = (LEN as f64) * (ALPHABET.len() as f64).log2();
        assert!(bits >= 40.0, "{bits} bits");
        for c in &codes {
            assert_eq!(c.len(), 12);
            assert_eq!(&c[4..5], "-");
            assert!(normalize(c).is_some());
            assert!(!c.contains(['0', 'o', '1', 'l', 'i']));
        }
        let mut uniq = codes.clone();
        uniq.sort();
        uniq.dedup();
        assert_eq!(uniq.len(), COUNT);
        assert_eq!(normalize(" ABCD-EFGH-JK "), Some("abcdefghjk".into()));
        assert_eq!(normalize("abcd-efgh"), None);
        assert_eq!(normalize("0000-0000-00"), None);
    }
}
