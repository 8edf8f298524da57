//! Draws the Reports tab: the report being chosen (or written) above, the latest reports
//! below with the full path of the one under the cursor. Reads only.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::{Ctx, Mode, ReportsTab};
use crate::tui::text::clean;
use crate::tui::widgets::boxed::boxed;
use crate::tui::widgets::form::{form_lines, value_spans};

const SPINNER: [&str; 4] = ["◐", "◓", "◑", "◒"];

/// `12.3 KB`.
pub fn size(bytes: u64) -> String {
    match bytes {
        b if b < 1024 => format!("{b} B"),
        b if b < 1024 * 1024 => format!("{:.1} KB", b as f64 / 1024.0),
        b => format!("{:.1} MB", b as f64 / (1024.0 * 1024.0)),
    }
}

/// A file time as local date and minute.
fn when(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .map(|t| {
            t.with_timezone(&chrono::Local)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_else(|| "—".into())
}

fn chooser(tab: &ReportsTab, ctx: &Ctx) -> Vec<Line<'static>> {
    let t = ctx.theme;
    if let Some(kind) = tab.writing {
        return vec![Line::styled(
            format!(
                "{} Writing the {}…",
                SPINNER[ctx.spinner % SPINNER.len()],
                kind.name()
            ),
            t.accent,
        )];
    }
    match tab.mode {
        Mode::Browse => vec![
            Line::from(vec![
                Span::styled("c ", t.accent),
                Span::raw("Customer report: details, totals, spending by month, every order"),
            ]),
            Line::from(vec![
                Span::styled("s ", t.accent),
                Span::raw("Sales report: by month, category, brand, product and staff; statuses"),
            ]),
            Line::styled(
                format!(
                    "Reports are written to {}",
                    crate::report::shown(&ctx.reports.reports_dir)
                ),
                t.dim,
            ),
        ],
        Mode::Customer => {
            let mut first = vec![Span::styled("› Customer:     ", t.accent)];
            first.extend(value_spans(&tab.search, true, t));
            let mut lines = vec![Line::from(first)];
            if tab.matches.is_empty() {
                lines.push(Line::styled(
                    if tab.search.value.trim().is_empty() {
                        "  Type part of a name, an e-mail, a phone, or an id."
                    } else {
                        "  No customer matches."
                    },
                    t.dim,
                ));
            }
            for (i, c) in tab.matches.iter().enumerate() {
                let mark = if i == tab.pick { "› " } else { "  " };
                let text = format!(
                    "{mark}{:>6}  {}  {}  {}",
                    c.customer_id,
                    clean(&c.name),
                    clean(&c.email),
                    c.phone.as_deref().map_or("—".into(), clean)
                );
                lines.push(Line::styled(
                    text,
                    if i == tab.pick { t.focus } else { t.base },
                ));
            }
            lines
        }
        Mode::Sales => {
            let mut lines = form_lines(&tab.sales, t);
            let stores: Vec<String> = tab
                .stores
                .iter()
                .map(|(id, n)| format!("{id} {}", clean(n)))
                .collect();
            lines.push(Line::styled(
                format!("  Stores: {} (empty: all stores)", stores.join(" · ")),
                t.dim,
            ));
            lines.push(Line::styled(
                "  Dates: YYYY-MM or YYYY-MM-DD, both included; both empty: the last full month",
                t.dim,
            ));
            lines
        }
    }
}

fn listing(tab: &ReportsTab, ctx: &Ctx, height: usize) -> Vec<Line<'static>> {
    let t = ctx.theme;
    if tab.recent.is_empty() {
        return vec![Line::styled(
            "No reports yet: c writes a customer report, s a sales report.",
            t.dim,
        )];
    }
    // Keep the cursor in view.
    // Rows for the list: the box's borders and the selected path (up to three lines) aside.
    let rows = height.saturating_sub(6).max(1);
    let first = tab.cursor.saturating_sub(rows - 1);
    let mut lines: Vec<Line> = tab
        .recent
        .iter()
        .enumerate()
        .skip(first)
        .take(rows)
        .map(|(i, r)| {
            let name = r
                .path
                .file_name()
                .map(|n| clean(&n.to_string_lossy()))
                .unwrap_or_default();
            let mark = if i == tab.cursor { "› " } else { "  " };
            Line::styled(
                format!(
                    "{mark}{name:<40} {:>9}  {}",
                    size(r.bytes),
                    when(r.modified)
                ),
                if i == tab.cursor { t.focus } else { t.base },
            )
        })
        .collect();
    if let Some(p) = tab.selected_path() {
        lines.push(Line::default());
        lines.push(Line::styled(
            format!("{} (o copies it)", crate::report::shown(p)),
            t.dim,
        ));
    }
    lines
}

pub fn draw(tab: &ReportsTab, ctx: &Ctx, f: &mut Frame, area: Rect) {
    let t = ctx.theme;
    let top = chooser(tab, ctx);
    let top_height = (top.len() as u16 + 2).min(area.height / 2).max(3);
    let [upper, lower] =
        Layout::vertical([Constraint::Length(top_height), Constraint::Min(3)]).areas(area);
    let title = match (tab.writing, tab.mode) {
        (Some(_), _) => "Reports · writing",
        (None, Mode::Browse) => "Reports",
        (None, Mode::Customer) => "Reports · customer report",
        (None, Mode::Sales) => "Reports · sales report",
    };
    f.render_widget(
        Paragraph::new(top)
            .wrap(Wrap { trim: false })
            .block(boxed(t, title))
            .style(t.base),
        upper,
    );
    f.render_widget(
        Paragraph::new(listing(tab, ctx, lower.height as usize))
            .wrap(Wrap { trim: false })
            .block(boxed(t, "Latest reports"))
            .style(t.base),
        lower,
    );
}
