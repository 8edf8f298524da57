//! Drawing the ETL tab: the source and options above; below, the running job's gauges (one
//! per table, with rows, rate and time left) or the last job's outcome, scrollable. Reads
//! only.

use std::time::Instant;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::{EtlTab, Status, TableGauge};
use crate::text::{duration, group_digits};
use crate::tui::tabs::Ctx;
use crate::tui::text::clean;
use crate::tui::widgets::boxed::boxed;
use crate::tui::widgets::form::value_spans;

fn bar(f: Option<f64>, width: usize) -> String {
    match f {
        Some(f) => {
            let filled = (f * width as f64).round() as usize;
            format!(
                "[{}{}] {:>3}%",
                "#".repeat(filled),
                "-".repeat(width - filled.min(width)),
                (f * 100.0).floor() as u64
            )
        }
        None => format!("[{}]  …", "~".repeat(width)),
    }
}

fn gauge_line(g: &TableGauge, now: Instant) -> String {
    let mut s = format!(
        "{:<12} {} {:>11} rows",
        g.table,
        bar(g.fraction(), 20),
        group_digits(g.rows)
    );
    if g.done {
        s.push_str("  done");
    } else {
        if let Some(rate) = g.rows_per_sec(now) {
            s.push_str(&format!("  {:>9} rows/s", group_digits(rate as u64)));
        }
        if let Some(eta) = g.eta_secs(now) {
            s.push_str(&format!("  ETA {eta}s"));
        }
    }
    if g.rejects > 0 {
        s.push_str(&format!("  {} bad", group_digits(g.rejects)));
    }
    s
}

pub fn draw(e: &EtlTab, ctx: &Ctx, f: &mut Frame, area: Rect) {
    let t = ctx.theme;
    let [head, body] = Layout::vertical([Constraint::Length(3), Constraint::Min(1)]).areas(area);
    let check = |on: bool| if on { "[x]" } else { "[ ]" };
    let mut first = vec![
        Span::styled(if e.editing { "› " } else { "  " }, t.accent),
        Span::styled(if e.api { "API URL: " } else { "Files:   " }, t.base),
    ];
    first.extend(value_spans(&e.source, e.editing, t));
    let lines = vec![
        Line::from(first),
        Line::from(format!(
            "  {} skip invalid rows (to a rejects file)   {} dry run (write nothing)",
            check(e.skip_invalid),
            check(e.dry_run)
        )),
    ];
    f.render_widget(Paragraph::new(lines).style(t.base), head);

    let now = Instant::now();
    let mut lines: Vec<Line> = Vec::new();
    let mut scroll = 0;
    if let Some(r) = &e.running {
        lines.push(Line::styled(
            format!(
                "Running: {} ({})",
                clean(&r.what),
                duration((now - r.started).as_millis() as u64)
            ),
            t.accent,
        ));
        for g in &r.tables {
            lines.push(Line::from(gauge_line(g, now)));
        }
        lines.push(Line::styled(
            "Press c to cancel: nothing of this run is kept.",
            t.dim,
        ));
    } else if let Some(last) = &e.last {
        let (mark, style) = match last.status() {
            Status::Ok => ("Done: ", t.ok),
            Status::Warning => ("Done with warnings: ", t.accent),
            Status::Failed => ("Error: ", t.error),
        };
        lines.push(Line::styled(
            format!("{mark}{}", clean(&last.headline())),
            style,
        ));
        if !last.what.is_empty() {
            lines.push(Line::styled(clean(&last.what), t.dim));
        }
        for (heading, l) in last.detail() {
            let style = if heading { t.error } else { t.base };
            lines.push(Line::styled(clean(&l), style));
        }
        scroll = e.scroll;
    } else {
        lines.push(Line::from(
            "Import CSV or JSON files or folders (tables from file names or headers, loaded parents first).",
        ));
        lines.push(Line::from(
            "A run is all-or-nothing unless you skip invalid rows; importing the same data again changes nothing.",
        ));
    }
    let total = lines.len();
    let title = if scroll > 0 || total > body.height.saturating_sub(2) as usize {
        format!(
            "ETL · lines {}–{} of {total}",
            scroll + 1,
            (scroll + body.height.saturating_sub(2) as usize).min(total)
        )
    } else {
        "ETL".to_string()
    };
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((scroll.min(u16::MAX as usize) as u16, 0))
            .block(boxed(t, &title))
            .style(t.base),
        body,
    );
}
