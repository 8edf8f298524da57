//! The TOTP QR code in Unicode half blocks: two modules per character row, dark modules on a
//! light background with a light quiet zone, in fixed colours whatever the theme, so a phone
//! scans it from the terminal.

use qrcode::{Color as Module, EcLevel, QrCode};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::widgets::Widget;

/// A QR code ready to draw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrBlocks {
    /// Modules including the quiet zone; `true` = dark.
    modules: Vec<Vec<bool>>,
}

impl QrBlocks {
    /// Encodes `data` (error correction L keeps it small enough for 80×24) with a quiet zone
    /// of `quiet` modules.
    pub fn new(data: &str, quiet: usize) -> Option<QrBlocks> {
        let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::L).ok()?;
        let w = code.width();
        let colors = code.to_colors();
        let size = w + 2 * quiet;
        let mut modules = vec![vec![false; size]; size];
        for y in 0..w {
            for x in 0..w {
                modules[y + quiet][x + quiet] = colors[y * w + x] == Module::Dark;
            }
        }
        Some(QrBlocks { modules })
    }

    /// Columns and rows it needs.
    pub fn size(&self) -> (u16, u16) {
        let n = self.modules.len();
        (n as u16, n.div_ceil(2) as u16)
    }
}

impl Widget for &QrBlocks {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let style = Style::default().fg(Color::Black).bg(Color::White);
        let n = self.modules.len();
        for row in 0..n.div_ceil(2) {
            for x in 0..n {
                let (cx, cy) = (area.x + x as u16, area.y + row as u16);
                if cx >= area.right() || cy >= area.bottom() {
                    continue;
                }
                let top = self.modules[2 * row][x];
                let bottom = self.modules.get(2 * row + 1).is_some_and(|r| r[x]);
                let symbol = match (top, bottom) {
                    (true, true) => "█",
                    (true, false) => "▀",
                    (false, true) => "▄",
                    (false, false) => " ",
                };
                buf[(cx, cy)].set_symbol(symbol).set_style(style);
            }
        }
    }
}
