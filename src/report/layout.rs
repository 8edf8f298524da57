//! Page layout on printpdf's operations: A4 pages, text measured with the embedded fonts
//! (runs switch to the fallback face for characters DejaVu Sans lacks), values cut with an
//! ellipsis to fit their column, tables whose header repeats on every page, and a footer with
//! "Page X of Y" added once the page count is known. Knows nothing of the data.

use std::borrow::Cow;

use printpdf::{
    Color, DateTime, FontId, Line, LinePoint, Mm, Op, PaintMode, PdfDocument, PdfFontHandle,
    PdfPage, PdfSaveOptions, Point, Pt, Rect, Rgb, TextItem, TextMatrix,
};

use super::fonts::{self, Which};

/// The PDF's producer and creator.
pub const PRODUCER: &str = concat!("Stockroom ", env!("CARGO_PKG_VERSION"));

/// A4 in points.
pub const PAGE_W: f32 = 595.28;
pub const PAGE_H: f32 = 841.89;
pub const MARGIN: f32 = 40.0;
/// The lowest a line of content may sit (the footer is below).
const BOTTOM: f32 = MARGIN + 24.0;
const TOP: f32 = PAGE_H - MARGIN;
pub const CONTENT_W: f32 = PAGE_W - 2.0 * MARGIN;

/// Body text size.
pub const BODY: f32 = 9.0;
const ROW_H: f32 = 13.0;
const CELL_PAD: f32 = 3.0;

pub const BLACK: (f32, f32, f32) = (0.0, 0.0, 0.0);
pub const GREY: (f32, f32, f32) = (0.35, 0.35, 0.35);
pub const LIGHT: (f32, f32, f32) = (0.9, 0.9, 0.9);
pub const ACCENT: (f32, f32, f32) = (0.18, 0.4, 0.7);

fn rgb((r, g, b): (f32, f32, f32)) -> Color {
    Color::Rgb(Rgb::new(r, g, b, None))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// A table column: its title, its share of the content width, and how values sit in it.
#[derive(Debug, Clone)]
pub struct Column {
    pub title: String,
    pub weight: f32,
    pub align: Align,
}

impl Column {
    pub fn left(title: &str, weight: f32) -> Column {
        Column {
            title: title.into(),
            weight,
            align: Align::Left,
        }
    }
    pub fn right(title: &str, weight: f32) -> Column {
        Column {
            title: title.into(),
            weight,
            align: Align::Right,
        }
    }
}

/// The width of `text` at `size` points, from the fonts' advances.
pub fn width(text: &str, size: f32) -> f32 {
    text.chars().map(|c| fonts::pick(c).1).sum::<f32>() * size
}

/// `text` cut to fit `max` points at `size`, an ellipsis marking the cut.
pub fn fit(text: &str, size: f32, max: f32) -> Cow<'_, str> {
    if width(text, size) <= max {
        return Cow::Borrowed(text);
    }
    let budget = max - width("…", size);
    let mut used = 0.0;
    let mut out = String::new();
    for c in text.chars() {
        let w = fonts::pick(c).1 * size;
        if used + w > budget {
            break;
        }
        used += w;
        out.push(c);
    }
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    out.push('…');
    Cow::Owned(out)
}

/// A document being laid out, page by page, top to bottom.
pub struct Layout {
    doc: PdfDocument,
    main: FontId,
    fallback: Option<FontId>,
    pages: Vec<Vec<Op>>,
    /// The baseline of the next line, in points from the bottom of the page.
    pub y: f32,
    running_head: String,
}

impl Layout {
    /// A document titled `title`; pages after the first carry `running_head` on top.
    pub fn new(title: &str, running_head: &str) -> Layout {
        let mut doc = PdfDocument::new(title);
        let main = doc.add_font(&fonts::main().font);
        Layout {
            doc,
            main,
            fallback: None,
            pages: vec![Vec::new()],
            y: TOP - 14.0,
            running_head: running_head.to_string(),
        }
    }

    pub fn page_count(&self) -> usize {
        self.pages.len()
    }

    fn ops(&mut self) -> &mut Vec<Op> {
        self.pages.last_mut().expect("a layout always has a page")
    }

    fn font(&mut self, which: Which) -> FontId {
        match which {
            Which::Main => self.main.clone(),
            Which::Fallback => match &self.fallback {
                Some(id) => id.clone(),
                None => {
                    let id = self.doc.add_font(&fonts::fallback().font);
                    self.fallback = Some(id.clone());
                    id
                }
            },
        }
    }

    /// Starts a new page with the running head.
    pub fn new_page(&mut self) {
        self.pages.push(Vec::new());
        let head = self.running_head.clone();
        let y = TOP - 8.0;
        let shown = fit(&head, 8.0, CONTENT_W).into_owned();
        self.text_colored(MARGIN, y, 8.0, &shown, GREY);
        self.hline(MARGIN, MARGIN + CONTENT_W, y - 5.0, 0.5, LIGHT);
        self.y = y - 22.0;
    }

    /// Makes sure `height` points fit above the bottom margin, starting a page if not;
    /// returns whether a page was started.
    pub fn room(&mut self, height: f32) -> bool {
        if self.y - height < BOTTOM {
            self.new_page();
            true
        } else {
            false
        }
    }

    /// Moves down by `dy` points.
    pub fn skip(&mut self, dy: f32) {
        self.y -= dy;
    }

    /// Draws `text` with its left edge at `x` and its baseline at `y`.
    pub fn text(&mut self, x: f32, y: f32, size: f32, text: &str) {
        self.text_colored(x, y, size, text, BLACK);
    }

    pub fn text_colored(&mut self, x: f32, y: f32, size: f32, text: &str, color: (f32, f32, f32)) {
        if text.is_empty() {
            return;
        }
        // Split into runs of one face each; what no face has is drawn as one marker.
        let mut runs: Vec<(Which, String, f32)> = Vec::new();
        for c in text.chars().filter_map(fonts::drawn) {
            let (which, adv) = fonts::pick(c);
            match runs.last_mut() {
                Some((w, s, width)) if *w == which => {
                    s.push(c);
                    *width += adv * size;
                }
                _ => runs.push((which, c.to_string(), adv * size)),
            }
        }
        let mut ops = vec![Op::StartTextSection, Op::SetFillColor { col: rgb(color) }];
        let mut at = x;
        for (which, run, w) in runs {
            let font = self.font(which);
            ops.push(Op::SetFont {
                font: PdfFontHandle::External(font),
                size: Pt(size),
            });
            ops.push(Op::SetTextMatrix {
                matrix: TextMatrix::Translate(Pt(at), Pt(y)),
            });
            ops.push(Op::ShowText {
                items: vec![TextItem::Text(run)],
            });
            at += w;
        }
        ops.push(Op::EndTextSection);
        self.ops().extend(ops);
    }

    /// Draws `text` with its right edge at `right`.
    pub fn text_right(&mut self, right: f32, y: f32, size: f32, text: &str) {
        let w = width(text, size);
        self.text(right - w, y, size, text);
    }

    /// A filled rectangle; `(x, y)` is its lower-left corner.
    pub fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, color: (f32, f32, f32)) {
        self.ops().extend([
            Op::SetFillColor { col: rgb(color) },
            Op::DrawRectangle {
                rectangle: Rect {
                    mode: Some(PaintMode::Fill),
                    ..Rect::from_xywh(Pt(x), Pt(y), Pt(w), Pt(h))
                },
            },
        ]);
    }

    /// A horizontal line.
    pub fn hline(&mut self, x0: f32, x1: f32, y: f32, thickness: f32, color: (f32, f32, f32)) {
        self.line(x0, y, x1, y, thickness, color);
    }

    pub fn line(&mut self, x0: f32, y0: f32, x1: f32, y1: f32, thick: f32, color: (f32, f32, f32)) {
        let p = |x: f32, y: f32| LinePoint {
            p: Point { x: Pt(x), y: Pt(y) },
            bezier: false,
        };
        self.ops().extend([
            Op::SetOutlineColor { col: rgb(color) },
            Op::SetOutlineThickness { pt: Pt(thick) },
            Op::DrawLine {
                line: Line {
                    points: vec![p(x0, y0), p(x1, y1)],
                    is_closed: false,
                },
            },
        ]);
    }

    /// A title line of `size` points, with some room after it.
    pub fn heading(&mut self, text: &str, size: f32) {
        self.room(size * 2.0 + ROW_H * 2.0);
        self.y -= size * 0.4;
        let shown = fit(text, size, CONTENT_W).into_owned();
        self.text(MARGIN, self.y, size, &shown);
        self.y -= size * 1.2;
    }

    /// A line of body text.
    pub fn paragraph(&mut self, text: &str) {
        self.room(ROW_H);
        let shown = fit(text, BODY, CONTENT_W).into_owned();
        self.text(MARGIN, self.y, BODY, &shown);
        self.y -= ROW_H;
    }

    /// `label: value` pairs in two columns of label and value.
    pub fn fields(&mut self, pairs: &[(&str, String)]) {
        let label_w = 110.0;
        for (label, value) in pairs {
            self.room(ROW_H);
            self.text_colored(MARGIN, self.y, BODY, label, GREY);
            let shown = fit(value, BODY, CONTENT_W - label_w).into_owned();
            self.text(MARGIN + label_w, self.y, BODY, &shown);
            self.y -= ROW_H;
        }
    }

    fn column_edges(cols: &[Column]) -> Vec<(f32, f32)> {
        let total: f32 = cols.iter().map(|c| c.weight).sum::<f32>().max(f32::EPSILON);
        let mut x = MARGIN;
        cols.iter()
            .map(|c| {
                let w = CONTENT_W * c.weight / total;
                let edge = (x, x + w);
                x += w;
                edge
            })
            .collect()
    }

    fn cell(&mut self, (x0, x1): (f32, f32), align: Align, text: &str) {
        let shown = fit(text, BODY, (x1 - x0) - 2.0 * CELL_PAD).into_owned();
        let y = self.y;
        match align {
            Align::Left => self.text(x0 + CELL_PAD, y, BODY, &shown),
            Align::Right => self.text_right(x1 - CELL_PAD, y, BODY, &shown),
        }
    }

    fn table_header(&mut self, cols: &[Column], edges: &[(f32, f32)]) {
        self.rect(MARGIN, self.y - 4.0, CONTENT_W, ROW_H, LIGHT);
        for (c, e) in cols.iter().zip(edges) {
            let title = c.title.clone();
            self.cell(*e, c.align, &title);
        }
        self.y -= ROW_H;
    }

    /// A table: the header, then the rows, the header repeated atop each new page.
    pub fn table(&mut self, cols: &[Column], rows: &[Vec<String>]) {
        let edges = Self::column_edges(cols);
        self.room(ROW_H * 2.0);
        self.table_header(cols, &edges);
        for row in rows {
            if self.room(ROW_H) {
                self.table_header(cols, &edges);
            }
            for ((c, e), v) in cols.iter().zip(&edges).zip(row) {
                self.cell(*e, c.align, v);
            }
            self.y -= ROW_H;
        }
        self.hline(MARGIN, MARGIN + CONTENT_W, self.y + ROW_H - 4.0, 0.5, GREY);
        self.y -= 6.0;
    }

    /// Adds the footer (`left` and "Page X of Y") to every page and writes the PDF, dated
    /// `created` (Unix seconds) and produced by this Stockroom. Returns the bytes and the page
    /// count.
    pub fn finish(mut self, left: &str, created: i64) -> (Vec<u8>, usize) {
        let total = self.pages.len();
        let y = MARGIN - 8.0;
        for i in 0..total {
            let label = format!("Page {} of {}", i + 1, total);
            let label_w = width(&label, 8.0);
            let shown = fit(left, 8.0, CONTENT_W - label_w - 12.0).into_owned();
            // Draw onto page i: swap it to the end for the drawing helpers.
            let page = std::mem::take(&mut self.pages[i]);
            self.pages.push(page);
            self.hline(MARGIN, MARGIN + CONTENT_W, y + 10.0, 0.5, LIGHT);
            self.text_colored(MARGIN, y, 8.0, &shown, GREY);
            self.text_colored(MARGIN + CONTENT_W - label_w, y, 8.0, &label, GREY);
            let page = self.pages.pop().expect("pushed above");
            self.pages[i] = page;
        }
        let pages: Vec<PdfPage> = self
            .pages
            .into_iter()
            .map(|ops| PdfPage::new(Mm(210.0), Mm(297.0), ops))
            .collect();
        let mut warnings = Vec::new();
        let when = DateTime::from_unix_timestamp(created).unwrap_or_else(|_| DateTime::now());
        let info = &mut self.doc.metadata.info;
        info.creation_date = when;
        info.modification_date = when;
        info.metadata_date = when;
        info.producer = PRODUCER.to_string();
        info.creator = PRODUCER.to_string();
        let mut doc = self
            .doc
            .with_pages(pages)
            .to_lopdf_document(&PdfSaveOptions::default(), &mut warnings);
        for w in warnings.iter().take(5) {
            tracing::debug!(warning = ?w, "pdf writer");
        }
        // printpdf always writes an empty `GTS_PDFXVersion`, which readers take for a PDF/X
        // claim, and empty fields: the file claims no standard it does not meet.
        if let Ok(id) = doc.trailer.get(b"Info").and_then(|o| o.as_reference())
            && let Ok(info) = doc.get_object_mut(id).and_then(|o| o.as_dict_mut())
        {
            for key in [
                &b"GTS_PDFXVersion"[..],
                b"Identifier",
                b"Subject",
                b"Author",
                b"Keywords",
            ] {
                info.remove(key);
            }
        }
        let mut bytes = Vec::new();
        if let Err(e) = doc.save_to(&mut bytes) {
            tracing::warn!(error = %e, "pdf writer");
        }
        (bytes, total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_are_cut_with_an_ellipsis_to_fit() {
        let long = "Wolfeschlegelsteinhausenbergerdorff-Müller 王小明 and more";
        let cut = fit(long, BODY, 80.0);
        assert!(cut.ends_with('…'));
        assert!(width(&cut, BODY) <= 80.0);
        assert_eq!(fit("Zoë", BODY, 80.0), "Zoë");
    }

    #[test]
    fn pages_are_numbered_once_the_count_is_known() {
        let mut l = Layout::new("t", "head");
        let rows: Vec<Vec<String>> = (0..150).map(|i| vec![i.to_string()]).collect();
        l.table(&[Column::right("n", 1.0)], &rows);
        let (bytes, pages) = l.finish("footer", 1_800_000_000);
        assert!(pages >= 3);
        assert!(bytes.starts_with(b"%PDF"));
    }
}
