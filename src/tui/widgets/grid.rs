//! A table of rows that fits any width: columns kept by priority (the rest hidden, named in
//! the footer), widths from the content, long values cut with an ellipsis, the sort shown in
//! the header with an arrow, the selected row marked with `›` as well as colour.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::tui::text::clean;
use crate::tui::theme::Theme;

/// One column as the grid needs it.
#[derive(Debug, Clone)]
pub struct Column {
    pub title: String,
    /// 1 is kept longest on a narrow screen.
    pub priority: u8,
    pub numeric: bool,
}

/// The widest a column grows.
const MAX_WIDTH: usize = 40;
/// The narrowest a cut column is drawn.
const MIN_CUT: usize = 6;

/// Which columns are shown and how wide, for `width` cells: `None` for a hidden column.
pub fn fit(columns: &[Column], rows: &[Vec<String>], width: usize) -> Vec<Option<usize>> {
    let wanted: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            rows.iter()
                .map(|r| r.get(i).map_or(0, |v| v.width()))
                .chain([c.title.width() + 2])
                .max()
                .unwrap_or(1)
                .min(MAX_WIDTH)
        })
        .collect();
    let mut order: Vec<usize> = (0..columns.len()).collect();
    order.sort_by_key(|&i| (columns[i].priority, i));
    let mut out = vec![None; columns.len()];
    // Two cells for the row marker.
    let mut left = width.saturating_sub(2);
    for i in order {
        let gap = if out.iter().any(Option::is_some) {
            1
        } else {
            0
        };
        if left < gap + MIN_CUT.min(wanted[i]) {
            continue;
        }
        let w = wanted[i].min(left - gap);
        out[i] = Some(w);
        left -= w + gap;
    }
    out
}

/// `text` in `w` cells (wide characters count two): cut with `…`, padded, numbers to the
/// right.
pub fn cell(text: &str, w: usize, numeric: bool) -> String {
    let text = clean(text);
    let n = text.width();
    if n > w {
        let mut cut = String::new();
        let mut used = 0;
        for ch in text.chars() {
            let cw = ch.width().unwrap_or(0);
            if used + cw > w.saturating_sub(1) {
                break;
            }
            used += cw;
            cut.push(ch);
        }
        format!("{cut}…{}", " ".repeat(w.saturating_sub(used + 1)))
    } else if numeric {
        format!("{}{text}", " ".repeat(w - n))
    } else {
        format!("{text}{}", " ".repeat(w - n))
    }
}

/// What to draw.
pub struct Grid<'a> {
    pub columns: &'a [Column],
    pub rows: &'a [Vec<String>],
    pub selected: Option<usize>,
    /// Column and whether descending.
    pub sort: Option<(usize, bool)>,
    /// Number the columns (the hidden ones too, in what `draw` returns) by their place, for
    /// picking one by its digit.
    pub numbered: bool,
}

impl Grid<'_> {
    /// Draws the header and as many rows as fit; returns the titles of hidden columns.
    pub fn draw(&self, t: &Theme, f: &mut Frame, area: Rect) -> Vec<String> {
        let widths = fit(self.columns, self.rows, area.width as usize);
        let mut header = vec![Span::styled("  ", t.base)];
        for (i, c) in self.columns.iter().enumerate() {
            let Some(w) = widths[i] else { continue };
            if header.len() > 1 {
                header.push(Span::styled(" ", t.base));
            }
            let arrow = match self.sort {
                Some((s, false)) if s == i => "↑",
                Some((s, true)) if s == i => "↓",
                _ => "",
            };
            let title = format!("{}{arrow}", self.title(i));
            header.push(Span::styled(cell(&title, w, c.numeric), t.title));
        }
        let mut lines = vec![Line::from(header)];
        for (r, row) in self.rows.iter().enumerate() {
            let chosen = self.selected == Some(r);
            let style = if chosen { t.focus } else { t.base };
            let mut spans = vec![Span::styled(if chosen { "› " } else { "  " }, style)];
            let mut first = true;
            for (i, c) in self.columns.iter().enumerate() {
                let Some(w) = widths[i] else { continue };
                if !first {
                    spans.push(Span::styled(" ", style));
                }
                first = false;
                let v = row.get(i).map(String::as_str).unwrap_or("");
                spans.push(Span::styled(cell(v, w, c.numeric), style));
            }
            lines.push(Line::from(spans));
        }
        f.render_widget(Paragraph::new(lines).style(t.base), area);
        (0..self.columns.len())
            .filter(|&i| widths[i].is_none())
            .map(|i| self.title(i))
            .collect()
    }

    /// Column `i`'s title, numbered from 1 when picking.
    fn title(&self, i: usize) -> String {
        if self.numbered {
            format!("{}:{}", i + 1, self.columns[i].title)
        } else {
            self.columns[i].title.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(t: &str, p: u8) -> Column {
        Column {
            title: t.into(),
            priority: p,
            numeric: false,
        }
    }

    #[test]
    fn narrow_screens_keep_the_important_columns() {
        let cols = [
            col("id", 1),
            col("name", 1),
            col("street", 5),
            col("city", 3),
        ];
        let rows = vec![vec![
            "17".to_string(),
            "Debra Burks".into(),
            "9273 Thorne Ave.".into(),
            "Orchard Park".into(),
        ]];
        let wide = fit(&cols, &rows, 200);
        assert!(wide.iter().all(Option::is_some));
        let narrow = fit(&cols, &rows, 30);
        assert!(narrow[0].is_some() && narrow[1].is_some());
        assert!(narrow[2].is_none(), "the street goes first: {narrow:?}");
        let used: usize = narrow.iter().flatten().sum::<usize>() + 2;
        assert!(used <= 30);
    }

    #[test]
    fn cells_are_cut_and_cleaned() {
        assert_eq!(cell("abcdefgh", 5, false), "abcd…");
        assert_eq!(cell("12", 5, true), "   12");
        assert_eq!(cell("a\u{1b}[2Jb", 5, false), "a[2Jb");
        assert_eq!(cell("王小明", 4, false), "王… ");
        assert_eq!(cell("王小", 6, false), "王小  ");
    }
}
