//! The TrueType fonts reports embed (shipped in `assets/fonts/` with their licences): DejaVu
//! Sans for most scripts and Droid Sans Fallback for the characters it lacks (Chinese,
//! Japanese, Korean). Each is parsed once per process; widths come from the fonts' own
//! metrics, so a layout can measure text before it draws it.

use std::sync::OnceLock;

use printpdf::ParsedFont;

static MAIN_BYTES: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static FALLBACK_BYTES: &[u8] = include_bytes!("../../assets/fonts/DroidSansFallback.ttf");

/// One parsed face with its metrics.
pub struct Face {
    pub font: ParsedFont,
    units_per_em: f32,
    /// Advances of the ASCII characters, in ems (most report text).
    ascii: [Option<f32>; 128],
}

impl Face {
    fn parse(bytes: &[u8], name: &str) -> Face {
        let mut warnings = Vec::new();
        // The fonts are part of the program: failing to parse them is a build defect.
        let font = ParsedFont::from_bytes(bytes, 0, &mut warnings)
            .unwrap_or_else(|| panic!("the embedded font {name} does not parse"));
        let units_per_em = f32::from(font.font_metrics.units_per_em.max(1));
        let mut face = Face {
            font,
            units_per_em,
            ascii: [None; 128],
        };
        for c in 0u8..128 {
            face.ascii[c as usize] = face.lookup(c as char);
        }
        face
    }

    fn lookup(&self, c: char) -> Option<f32> {
        let gid = self.font.lookup_glyph_index(c as u32).filter(|g| *g != 0)?;
        Some(f32::from(self.font.get_horizontal_advance(gid)) / self.units_per_em)
    }

    /// The advance of `c` in ems, if the face has a glyph for it.
    pub fn advance(&self, c: char) -> Option<f32> {
        match self.ascii.get(c as usize) {
            Some(a) => *a,
            None => self.lookup(c),
        }
    }
}

/// DejaVu Sans.
pub fn main() -> &'static Face {
    static FACE: OnceLock<Face> = OnceLock::new();
    FACE.get_or_init(|| Face::parse(MAIN_BYTES, "DejaVu Sans"))
}

/// Droid Sans Fallback (parsed only when some text needs it).
pub fn fallback() -> &'static Face {
    static FACE: OnceLock<Face> = OnceLock::new();
    FACE.get_or_init(|| Face::parse(FALLBACK_BYTES, "Droid Sans Fallback"))
}

/// Which face draws a character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    Main,
    Fallback,
}

/// Drawn in place of a character neither face has (an emoji such as 🚲, a rare script):
/// the replacement character �, visible and the same wherever it stands, never an empty
/// box that reads as a different letter in each viewer.
pub const MISSING_GLYPH: char = '\u{fffd}';

/// The character drawn for `c`: itself when a face has it, [`MISSING_GLYPH`] when none has,
/// nothing for a control character.
pub fn drawn(c: char) -> Option<char> {
    if main().advance(c).is_some() {
        Some(c)
    } else if c.is_control() {
        None
    } else if fallback().advance(c).is_some() {
        Some(c)
    } else {
        Some(MISSING_GLYPH)
    }
}

/// The face that draws `c` (DejaVu Sans first), and its advance in ems; a character neither
/// face has is measured as the [`MISSING_GLYPH`] drawn in its place.
pub fn pick(c: char) -> (Which, f32) {
    if let Some(a) = main().advance(c) {
        return (Which::Main, a);
    }
    if c.is_control() {
        return (Which::Main, 0.0);
    }
    match fallback().advance(c) {
        Some(a) => (Which::Fallback, a),
        None => (Which::Main, main().advance(MISSING_GLYPH).unwrap_or(0.5)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin_from_dejavu_and_chinese_from_the_fallback() {
        assert_eq!(pick('Z').0, Which::Main);
        assert_eq!(pick('ë').0, Which::Main);
        assert_eq!(pick('王').0, Which::Fallback);
        // Widths come from the font: a W is wider than an i.
        assert!(pick('W').1 > pick('i').1 * 2.0);
        assert!(pick('王').1 > 0.5);
        // What no face has is drawn as the replacement character, which DejaVu Sans has.
        assert!(main().advance(MISSING_GLYPH).is_some());
        assert_eq!(drawn('🚲'), Some(MISSING_GLYPH));
        assert_eq!(drawn('😀'), Some('😀'));
        assert_eq!(drawn('\u{7}'), None);
    }
}
