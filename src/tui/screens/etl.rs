//! The ETL tab: the source and options, one gauge per table with rows/s and ETA while a job
//! runs, then the summary and the rejected rows. Bars are drawn in text, so they read the
//! same in 16 colours and with NO_COLOR.

use std::time::Instant;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::boxed;
use crate::auth::Role;
use crate::store::money::group_digits;
use crate::tui::app::App;
use crate::tui::etl_tab::TableGauge;
use crate::tui::text::clean;

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
    if !g.done {
        s.push_str(&format!(
            "  {:>9} rows/s",
            group_digits(g.rows_per_sec(now) as u64)
        ));
        if let Some(eta) = g.eta_secs(now) {
            s.push_str(&format!("  ETA {eta}s"));
        }
    } else {
        s.push_str("  done");
    }
    if g.rejects > 0 {
        s.push_str(&format!("  {} bad", group_digits(g.rejects)));
    }
    s
}

pub fn draw(app: &App, f: &mut Frame, area: Rect) {
    let t = &app.theme;
    let e = &app.etl;
    let admin = app
        .session
        .as_ref()
        .is_some_and(|s| s.role == Role::Administrator);
    let [head, body] = Layout::vertical([Constraint::Length(4), Constraint::Min(1)]).areas(area);
    let check = |on: bool| if on { "[x]" } else { "[ ]" };
    let mut keys = "i import CSV".to_string();
    if admin {
        keys.push_str(" · a import API · x test connection · m migrate");
    }
    keys.push_str(" · s skip invalid · d dry run · Enter start · c cancel");
    let field = if e.editing {
        Span::styled(format!("{}▏", e.source.shown()), t.focus)
    } else {
        Span::styled(e.source.shown(), t.base)
    };
    let lines = vec![
        Line::styled(keys, t.dim),
        Line::from(vec![
            Span::styled(if e.editing { "› " } else { "  " }, t.accent),
            Span::styled(if e.api { "API URL: " } else { "Files:   " }, t.base),
            field,
        ]),
        Line::from(format!(
            "  {} skip invalid rows (to a rejects file)   {} dry run (write nothing)",
            check(e.skip_invalid),
            check(e.dry_run)
        )),
    ];
    f.render_widget(Paragraph::new(lines).style(t.base), head);

    let now = Instant::now();
    let mut lines: Vec<Line> = Vec::new();
    if let Some(r) = &e.running {
        lines.push(Line::styled(
            format!(
                "Running: {} ({:.0} s)",
                clean(&r.what),
                (now - r.started).as_secs_f64()
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
        let (mark, style) = if last.ok {
            ("Done: ", t.ok)
        } else {
            ("Error: ", t.error)
        };
        lines.push(Line::styled(
            format!("{mark}{}", clean(&last.outcome)),
            style,
        ));
        if !last.what.is_empty() {
            lines.push(Line::styled(clean(&last.what), t.dim));
        }
        for l in &last.lines {
            lines.push(Line::from(clean(l)));
        }
        if !last.rejected.is_empty() {
            lines.push(Line::styled(
                format!("Rejected rows ({} shown):", last.rejected.len()),
                t.error,
            ));
            for r in &last.rejected {
                lines.push(Line::from(clean(r)));
            }
        }
    } else {
        lines.push(Line::from("Import CSV files or folders (tables from file names or headers, loaded parents first)."));
        lines.push(Line::from("A run is all-or-nothing unless you skip invalid rows; importing the same data again changes nothing."));
    }
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(boxed(t, "ETL"))
            .style(t.base),
        body,
    );
}
