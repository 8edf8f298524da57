//! The sign-in screens: first run, login, second factor, password change, lock.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use crate::tui::app::App;
use crate::tui::text::clean;
use crate::tui::widgets::boxed::{boxed, centered};
use crate::tui::widgets::form::{Form, form_lines};

fn panel(
    app: &App,
    title: &str,
    intro: Vec<Line<'static>>,
    form: &Form,
    f: &mut Frame,
    area: Rect,
) {
    let t = &app.theme;
    let mut lines = intro;
    lines.push(Line::default());
    lines.extend(form_lines(form, t));
    let h = lines.len() as u16 + 4;
    let r = centered(area, 70, h);
    f.render_widget(
        Paragraph::new(lines)
            .block(boxed(t, title))
            .wrap(Wrap { trim: false })
            .style(t.base),
        r,
    );
}

fn policy_line(app: &App) -> Line<'static> {
    Line::styled(
        "Passwords: 8+ characters with upper, lower, digit and special character.",
        app.theme.dim,
    )
}

pub fn first_run(app: &App, form: &Form, f: &mut Frame, area: Rect) {
    let intro = vec![
        Line::from("This store has no users yet. Create the first administrator."),
        Line::from("Two-factor authentication is set up right after."),
        policy_line(app),
    ];
    panel(app, "Create the administrator", intro, form, f, area);
}

pub fn login(app: &App, form: &Form, f: &mut Frame, area: Rect) {
    let intro = vec![Line::from("Sign in with your Stockroom account.")];
    panel(app, "Sign in", intro, form, f, area);
}

pub fn second_factor(app: &App, form: &Form, backup: bool, f: &mut Frame, area: Rect) {
    let key = app
        .keymap
        .key_for(crate::tui::keymap::Action::UseBackupCode);
    let intro = if backup {
        vec![
            Line::from("Type one of your backup codes (xxxx-xxxx-xx). Each works once."),
            Line::styled(
                format!("{key}: use the code from your app instead"),
                app.theme.dim,
            ),
        ]
    } else {
        vec![
            Line::from("Type the 6-digit code from your authenticator app."),
            Line::styled(format!("{key}: use a backup code"), app.theme.dim),
        ]
    };
    panel(app, "Two-factor code", intro, form, f, area);
}

pub fn password_change(app: &App, form: &Form, f: &mut Frame, area: Rect) {
    let intro = vec![
        Line::from("Your password was reset. Choose a new one."),
        policy_line(app),
    ];
    panel(app, "New password", intro, form, f, area);
}

pub fn lock(app: &App, form: &Form, f: &mut Frame, area: Rect) {
    let who = app
        .session
        .as_ref()
        .map(|s| clean(&s.username))
        .unwrap_or_default();
    let why = match app.lock_cause {
        crate::tui::app::LockCause::Manual => "is locked".to_string(),
        crate::tui::app::LockCause::Idle => "locked itself after inactivity".to_string(),
    };
    let intro = vec![
        Line::from(format!("The session of {who} {why}.")),
        Line::from("Type your password to continue where you were; Esc signs out."),
    ];
    panel(app, "Locked", intro, form, f, area);
}
