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
                h.push(("F1".into(), "help"));
                for (a, what) in [(Action::SignOut, "sign out"), (Action::LockNow, "lock")] {
                    if let Some(key) = app.keymap.non_typing_key_for(a) {
                        h.push((key, what));
                    }
                }
                h.push(("Ctrl-C".into(), "quit"));
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
    let own: Vec<(String, &'static str)> = match app.current_tab() {
        Some(tab) => tab.help(&app.ctx()),
        None => hints(app)
            .into_iter()
            .filter(|(k, _)| k != "F1" && k != "Ctrl-C")
            .collect(),
    };
    // Every key of the screen, then the keys that work everywhere; in two columns when one
    // is taller than the screen.
    let mut entries: Vec<Option<(String, &'static str)>> = own.into_iter().map(Some).collect();
    entries.push(None);
    entries.extend(general_keys(app).into_iter().map(Some));
    let room = area.height.saturating_sub(5) as usize;
    let columns = if entries.len() > room { 2 } else { 1 };
    let width = if columns == 2 {
        area.width.saturating_sub(2)
    } else {
        76.min(area.width.saturating_sub(2))
    };
    let col_w = (width as usize - 2) / columns;
    let key_w = entries
        .iter()
        .flatten()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(8)
        .min(18);
    let cell = |e: &Option<(String, &'static str)>| match e {
        Some((key, what)) => {
            let text = format!(" {key:<key_w$} {what}");
            crate::tui::widgets::grid::cell(&text, col_w, false)
        }
        None => " ".repeat(col_w),
    };
    let per_col = entries.len().div_ceil(columns);
    let mut lines = vec![Line::styled(format!("Keys: {title}"), t.title)];
    for r in 0..per_col {
        let mut row = String::new();
        for c in 0..columns {
            if let Some(e) = entries.get(c * per_col + r) {
                row.push_str(&cell(e));
            }
        }
        lines.push(Line::from(row.trim_end().to_string()));
    }
    lines.push(Line::styled("Press any key to close.", t.dim));
    let r = centered(area, width, lines.len() as u16 + 2);
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
