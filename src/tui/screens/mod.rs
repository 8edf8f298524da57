//! Drawing: a title line, the current screen, a notice line and a hint bar. Every function
//! here takes `&App` and only reads it.

mod main_tabs;
mod overlay;
mod sign_in;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::app::{App, Screen};
use super::text::clean;
use super::widgets::totp;

const SPINNER: [&str; 8] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧"];

/// Draws the whole frame.
pub fn draw(app: &App, f: &mut Frame) {
    let area = f.area();
    let t = &app.theme;
    f.render_widget(Block::default().style(t.base), area);
    if app.too_small() {
        overlay::too_small(app, f, area);
        return;
    }
    let notice_rows = notice_lines(app, area.width as usize).len().max(1) as u16;
    let hint_rows = hint_lines(app, area.width as usize).len() as u16;
    let [header, body, notice, hints] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(notice_rows),
        Constraint::Length(hint_rows),
    ])
    .areas(area);
    draw_header(app, f, header);
    let body = body.inner(ratatui::layout::Margin {
        horizontal: 1,
        vertical: 0,
    });
    match &app.screen {
        Screen::Starting => {
            f.render_widget(Paragraph::new("Opening the store…").style(t.dim), body)
        }
        Screen::FirstRun(form) => sign_in::first_run(app, form, f, body),
        Screen::Login(form) => sign_in::login(app, form, f, body),
        Screen::SecondFactor { form, backup } => {
            sign_in::second_factor(app, form, *backup, f, body)
        }
        Screen::PasswordChange(form) => sign_in::password_change(app, form, f, body),
        Screen::Lock(form) => sign_in::lock(app, form, f, body),
        Screen::TotpSetup { setup, qr, form } => totp::setup(
            &app.theme,
            "Administrators must use 2FA.",
            setup.as_ref(),
            qr.as_ref(),
            Some(form),
            f,
            body,
        ),
        Screen::BackupCodes { codes, .. } => totp::backup_codes(
            &app.theme,
            "2FA is on. Save these backup codes now.",
            "Press Enter once you have saved them.",
            codes,
            f,
            body,
        ),
        Screen::Main { tab } => main_tabs::draw(app, *tab, f, body),
    }
    draw_notice(app, f, notice);
    draw_hints(app, f, hints);
    if app.help {
        overlay::help(app, f, area);
    }
    if app.confirm_quit {
        overlay::confirm_quit(app, f, area);
    }
}

fn draw_header(app: &App, f: &mut Frame, area: Rect) {
    let t = &app.theme;
    let left = format!(" Stockroom — {}", app.screen.title());
    let width = area.width as usize;
    let who = app
        .session
        .as_ref()
        .map(|s| format!("{} ({}) · ", clean(&s.username), s.role))
        .unwrap_or_default();
    // Keep who is signed in; shorten the store's location to what fits.
    let room = width.saturating_sub(left.chars().count() + who.chars().count() + 3);
    let store = short_store(&clean(&app.store_label), room);
    let right = format!("{who}{store} ");
    let pad = width.saturating_sub(left.chars().count() + right.chars().count());
    let line = Line::from(vec![
        Span::styled(left, t.title),
        Span::styled(" ".repeat(pad), t.base),
        Span::styled(right, t.dim),
    ]);
    f.render_widget(Paragraph::new(line).style(t.base), area);
}

/// The notice in at most two lines of `width`, wrapped between words: a longer one ends with
/// `…` after its last whole word (a number is never cut).
fn notice_lines(app: &App, width: usize) -> Vec<String> {
    match (&app.busy, &app.notice) {
        (None, Some(n)) => {
            let prefix = if n.error { "Error: " } else { "" };
            crate::tui::text::wrap_at_most(
                &format!("{prefix}{}", clean(&n.text)),
                width.saturating_sub(1),
                2,
            )
        }
        _ => Vec::new(),
    }
}

fn draw_notice(app: &App, f: &mut Frame, area: Rect) {
    let t = &app.theme;
    let lines: Vec<Line> = if let Some(what) = app.busy {
        vec![Line::from(Span::styled(
            format!(" {} {what}…", SPINNER[app.spinner % SPINNER.len()]),
            t.accent,
        ))]
    } else {
        let style = match &app.notice {
            Some(n) if n.error => t.error,
            _ => t.ok,
        };
        notice_lines(app, area.width as usize)
            .into_iter()
            .map(|l| Line::styled(format!(" {l}"), style))
            .collect()
    };
    f.render_widget(Paragraph::new(lines).style(t.base), area);
}

fn draw_hints(app: &App, f: &mut Frame, area: Rect) {
    let t = &app.theme;
    let lines: Vec<Line> = hint_lines(app, area.width as usize)
        .into_iter()
        .map(Line::from)
        .collect();
    f.render_widget(Paragraph::new(lines).style(t.dim), area);
}

/// The hints laid out in at most two lines of `width`: whole hints only, those that do not
/// fit left to the help (`?` lists them all).
pub fn hint_lines(app: &App, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for (k, what) in overlay::hints(app) {
        let item = format!("{k} {what}");
        let last = lines.last_mut().expect("one line at least");
        let sep = if last.is_empty() { " " } else { " · " };
        if last.chars().count() + sep.chars().count() + item.chars().count() <= width {
            last.push_str(sep);
            last.push_str(&item);
        } else if lines.len() < 2 {
            lines.push(format!(" {item}"));
        }
    }
    lines
}

/// The store's location in at most `room` characters: whole if it fits, else the scheme and
/// the end of it (the database or file name matters most).
pub fn short_store(label: &str, room: usize) -> String {
    let n = label.chars().count();
    if n <= room {
        return label.to_string();
    }
    let scheme = label.split_once("://").map(|(s, _)| s).unwrap_or("");
    let prefix = if scheme.is_empty() {
        "…".to_string()
    } else {
        format!("{scheme}:…")
    };
    let keep = room.saturating_sub(prefix.chars().count());
    if keep < 4 {
        return String::new();
    }
    let tail: String = label.chars().skip(n - keep).collect();
    format!("{prefix}{tail}")
}
