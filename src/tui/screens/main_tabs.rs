//! The main screen: the tabs the role may use, who is signed in, the store, the time left.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::boxed;
use crate::tui::app::App;
use crate::tui::text::clean;

fn describe(tab: &str) -> &'static str {
    match tab {
        "Dashboard" => "Sales, orders and stock at a glance.",
        "Data" => "Browse and search every table of the store.",
        "Orders" => "Create orders and move them through their statuses.",
        "Reports" => "PDF customer and sales reports.",
        "Users" => "Accounts, roles, locks and 2FA.",
        "Audit" => "Who did what, when, from which terminal.",
        "Settings" => "Store and security settings.",
        _ => "",
    }
}

fn hm(secs: i64) -> String {
    let m = secs.max(0) / 60;
    format!("{}h{:02}m", m / 60, m % 60)
}

pub fn draw(app: &App, tab: usize, f: &mut Frame, area: Rect) {
    let t = &app.theme;
    let tabs = app.tabs();
    let [bar, info, body] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(2),
        Constraint::Min(1),
    ])
    .areas(area);
    let mut spans = Vec::new();
    for (i, name) in tabs.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" ", t.base));
        }
        if i == tab {
            spans.push(Span::styled(format!("[{} {name}]", i + 1), t.tab_active));
        } else {
            spans.push(Span::styled(format!("{} {name}", i + 1), t.dim));
        }
    }
    f.render_widget(Paragraph::new(Line::from(spans)).style(t.base), bar);
    if let Some(s) = &app.session {
        let left = match app.time_left {
            Some((idle, absolute)) => format!(
                "session ends in {} · locks after {} idle",
                hm(absolute),
                hm(idle)
            ),
            None => "session just started".into(),
        };
        // The store is on the title line; this line says who and for how long.
        let line = format!("Signed in as {} ({}) · {left}", clean(&s.username), s.role);
        f.render_widget(
            Paragraph::new(line).wrap(Wrap { trim: true }).style(t.dim),
            info,
        );
    }
    let name = tabs.get(tab).copied().unwrap_or("Dashboard");
    if name == "ETL" {
        super::etl::draw(app, f, body);
        return;
    }
    let lines = vec![
        Line::from(describe(name)),
        Line::default(),
        Line::styled("This part of Stockroom is not in this build yet.", t.dim),
    ];
    f.render_widget(
        Paragraph::new(lines).block(boxed(t, name)).style(t.base),
        body,
    );
}
