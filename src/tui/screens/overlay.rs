//! What sits over a screen: the help for its keys, the quit question, the small-terminal
//! message, and the hint bar's contents.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph, Wrap};

use crate::tui::app::{App, MIN_SIZE, Screen};
use crate::tui::keymap::Action;
use crate::tui::widgets::boxed::{boxed, centered};

/// The keys of the current screen, most used first: (key, what it does).
pub fn hints(app: &App) -> Vec<(String, &'static str)> {
    let k = |a: Action| app.keymap.key_for(a);
    let mut h: Vec<(String, &'static str)> = match &app.screen {
        Screen::FirstRun(_) | Screen::Login(_) | Screen::PasswordChange(_) => {
            vec![
                ("Enter".into(), "next/submit"),
                ("Tab".into(), "next field"),
            ]
        }
        Screen::SecondFactor { .. } => vec![
            ("Enter".into(), "check"),
            (k(Action::UseBackupCode), "backup code"),
            ("Esc".into(), "cancel"),
        ],
        Screen::TotpSetup { .. } => {
            vec![("Enter".into(), "confirm code"), ("Esc".into(), "cancel")]
        }
        Screen::BackupCodes { .. } => vec![("Enter".into(), "I have saved them")],
        Screen::Lock(_) => vec![("Enter".into(), "unlock"), ("Esc".into(), "sign out")],
        Screen::Main { .. } => {
            let mut h = app
                .current_tab()
                .map(|t| t.hints(&app.ctx()))
                .unwrap_or_default();
            // While a tab takes typed text, letters type: only the keys that still work.
            if app.current_tab().is_some_and(|t| t.editing()) {
                h.extend([("F1".into(), "help"), ("Ctrl-C".into(), "quit")]);
            } else {
                h.extend([
                    (k(Action::Help), "help"),
                    ("Tab/1-9".into(), "tabs"),
                    (k(Action::SignOut), "sign out"),
                    (k(Action::LockNow), "lock"),
                    (k(Action::Quit), "quit"),
                ]);
            }
            h
        }
        Screen::Starting => vec![],
    };
    if !matches!(app.screen, Screen::Main { .. }) {
        h.push(("F1".into(), "help"));
        h.push(("Ctrl-C".into(), "quit"));
    }
    h
}

/// The keys that work everywhere on the current screen, for the help.
fn general_keys(app: &App) -> Vec<(String, &'static str)> {
    let k = |a: Action| app.keymap.key_for(a);
    if app.screen.form().is_some() {
        // Letters type into the fields here: only keys that do not.
        return vec![
            ("Tab / Shift-Tab".into(), "next / previous field"),
            ("Ctrl-U".into(), "clear a field"),
            ("Ctrl-T".into(), "dark or light theme"),
            ("F1".into(), "this help"),
            ("Ctrl-C".into(), "quit"),
        ];
    }
    let typing = app.current_tab().is_some_and(|t| t.editing());
    let mut v = vec![
        ("Tab / 1-9".into(), "switch tab"),
        (k(Action::SignOut), "sign out"),
        (k(Action::LockNow), "lock the screen"),
        (
            if typing {
                "Ctrl-T".into()
            } else {
                format!("{} / Ctrl-T", k(Action::ToggleTheme))
            },
            "dark or light theme",
        ),
    ];
    v.push((
        if typing {
            "Ctrl-C".into()
        } else {
            format!("{} / Ctrl-C", k(Action::Quit))
        },
        "quit (asks while a job runs)",
    ));
    v
}

pub fn help(app: &App, f: &mut Frame, area: Rect) {
    let t = &app.theme;
    let title = match app.current_tab() {
        Some(tab) => tab.id().title(),
        None => app.screen.title(),
    };
    let mut lines = vec![Line::styled(format!("Keys: {title}"), t.title)];
    let own: Vec<(String, &'static str)> = match app.current_tab() {
        Some(tab) => tab.hints(&app.ctx()),
        None => hints(app)
            .into_iter()
            .filter(|(k, _)| k != "F1" && k != "Ctrl-C")
            .collect(),
    };
    for (key, what) in own {
        lines.push(Line::from(format!("  {key:<16} {what}")));
    }
    lines.push(Line::default());
    for (key, what) in general_keys(app) {
        lines.push(Line::from(format!("  {key:<16} {what}")));
    }
    lines.push(Line::default());
    lines.push(Line::styled("Press any key to close.", t.dim));
    let r = centered(area, 64, lines.len() as u16 + 2);
    f.render_widget(Clear, r);
    f.render_widget(
        Paragraph::new(lines).block(boxed(t, "Help")).style(t.base),
        r,
    );
}

pub fn confirm_quit(app: &App, f: &mut Frame, area: Rect) {
    let t = &app.theme;
    let r = centered(area, 50, 5);
    f.render_widget(Clear, r);
    let lines = vec![
        Line::from("A job is still running."),
        Line::styled("Quit anyway? y = quit, any other key = stay", t.accent),
    ];
    f.render_widget(
        Paragraph::new(lines).block(boxed(t, "Quit?")).style(t.base),
        r,
    );
}

pub fn too_small(app: &App, f: &mut Frame, area: Rect) {
    let t = &app.theme;
    let lines = vec![
        Line::styled("Stockroom — terminal too small", t.title),
        Line::default(),
        Line::from(format!(
            "This window is {}×{}; Stockroom needs at least {}×{}.",
            app.size.0, app.size.1, MIN_SIZE.0, MIN_SIZE.1
        )),
        Line::from("Enlarge it, or press q to quit."),
    ];
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: true })
            .style(t.base),
        area,
    );
}
