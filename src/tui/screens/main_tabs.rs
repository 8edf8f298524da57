//! The main screen: the tab bar of the role's tabs, one line saying who is signed in and for
//! how long, and the tab in front.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::tui::app::App;
use crate::tui::text::clean;

/// `7h59m`, or `15m` under an hour.
fn hm(secs: i64) -> String {
    let m = secs.max(0) / 60;
    if m < 60 {
        format!("{m}m")
    } else {
        format!("{}h{:02}m", m / 60, m % 60)
    }
}

pub fn draw(app: &App, tab: usize, f: &mut Frame, area: Rect) {
    let t = &app.theme;
    let ids = app.tab_ids();
    // `[N Title]` for the tab in front, `N Title` for the others, one space apart; short
    // titles when the full ones do not fit the width.
    let width = |short: bool| -> usize {
        ids.iter()
            .enumerate()
            .map(|(i, id)| {
                let name = if short { id.short_title() } else { id.title() };
                format!("{} {name}", i + 1).chars().count() + 1
            })
            .sum::<usize>()
            + 2
    };
    let short = width(false) > area.width as usize;
    let tabs: Vec<&str> = ids
        .iter()
        .map(|id| if short { id.short_title() } else { id.title() })
        .collect();
    let [bar, info, body] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
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
            Some((idle, absolute)) => {
                format!("ends in {} · locks after {} idle", hm(absolute), hm(idle))
            }
            None => "session just started".into(),
        };
        // One line: who, and for how long (the store is on the title line).
        let who: String = clean(&s.username).chars().take(24).collect();
        let line = format!("{who} ({}) · {left}", s.role);
        f.render_widget(Paragraph::new(line).style(t.dim), info);
    }
    if let Some(tab) = app.current_tab() {
        tab.draw(&app.ctx(), f, body);
    }
}
