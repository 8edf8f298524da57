//! Drawing the Users tab: the accounts with their state (a lock's end in few words, so the
//! columns fit 80 wide), and over them the question, a form, the staff picker or a user's
//! sessions. Reads only.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::{FormKind, UsersTab, when};
use crate::auth::Permission;
use crate::tui::tabs::Ctx;
use crate::tui::text::clean;
use crate::tui::widgets::boxed::{boxed, centered};
use crate::tui::widgets::form::form_lines;
use crate::tui::widgets::grid::{Column, Grid};

pub fn draw(tab: &UsersTab, ctx: &Ctx, f: &mut Frame, area: Rect) {
    let t = ctx.theme;
    let block = boxed(t, "Users");
    let inner = block.inner(area);
    f.render_widget(block, area);
    let [head, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(inner);
    let admin = ctx.role.allows(Permission::ManageUsers);
    let range = if tab.total == 0 {
        "no accounts".to_string()
    } else {
        format!(
            "accounts {}–{} of {}",
            tab.offset + 1,
            tab.offset + tab.users.len() as i64,
            tab.total
        )
    };
    let status = if tab.searching {
        Line::from(vec![
            ratatui::text::Span::styled("Search (username or staff name): ", t.accent),
            ratatui::text::Span::styled(format!("{}▏", tab.search.shown()), t.focus),
        ])
    } else {
        Line::styled(
            format!(
                "{range}{}{}",
                tab.applied_search
                    .as_deref()
                    .map(|s| format!(" · search “{}”", clean(s)))
                    .unwrap_or_default(),
                if admin {
                    ""
                } else {
                    " · read only (Administrators change accounts)"
                }
            ),
            t.dim,
        )
    };
    f.render_widget(Paragraph::new(status), head);
    let col = |title: &str, priority: u8| Column {
        title: title.into(),
        priority,
        numeric: false,
    };
    let columns = [
        col("username", 1),
        col("role", 1),
        col("state", 1),
        col("2FA", 2),
        col("failed", 3),
        col("staff", 2),
        col("last sign-in", 2),
        col("sessions open", 3),
        col("codes left", 4),
    ];
    let rows: Vec<Vec<String>> = tab
        .users
        .iter()
        .map(|u| {
            // In few words, so the columns after it fit 80 wide: "active" only when nothing
            // else is to say; a lock's end as its time (and day, when not today).
            let mut state: Vec<String> = Vec::new();
            if !u.active {
                state.push("deactivated".into());
            }
            if let Some(t) = u.locked_until {
                state.push(format!("locked to {}", lock_end(t)));
            } else if u.locked {
                state.push("locked".into());
            }
            if u.must_change_password {
                state.push("new password due".into());
            }
            if state.is_empty() {
                state.push("active".into());
            }
            vec![
                u.username.clone(),
                u.role.to_string(),
                state.join(", "),
                if u.totp_enabled { "on" } else { "off" }.into(),
                u.failed_attempts.to_string(),
                match (u.staff_id, &u.staff_name) {
                    (Some(id), Some(name)) => format!("#{id} {name}"),
                    (Some(id), None) => format!("#{id}"),
                    (None, _) => "—".into(),
                },
                when(u.last_login_at),
                u.open_sessions.to_string(),
                if u.totp_enabled {
                    u.backup_codes_left.to_string()
                } else {
                    "—".into()
                },
            ]
        })
        .collect();
    Grid {
        columns: &columns,
        rows: &rows,
        selected: Some(tab.cursor),
        sort: None,
        numbered: false,
    }
    .draw(t, f, body);
    let overlay = |title: &str, lines: Vec<Line>, f: &mut Frame| {
        let r = centered(area, 70, lines.len() as u16 + 2);
        f.render_widget(Clear, r);
        f.render_widget(
            Paragraph::new(lines)
                .wrap(Wrap { trim: true })
                .block(boxed(t, title))
                .style(t.base),
            r,
        );
    };
    if let Some(p) = &tab.picker {
        overlay(
            &format!("Link {} to a member of staff", clean(&p.user)),
            p.lines(t),
            f,
        );
    }
    if let Some((q, _, _)) = &tab.confirm {
        overlay(
            "Confirm",
            vec![
                Line::from(q.clone()),
                Line::styled(
                    "y does it; any other key leaves things as they are.",
                    t.accent,
                ),
            ],
            f,
        );
    }
    if let Some((user, list, cursor)) = &tab.sessions {
        let mut lines = vec![Line::from(format!(
            "{} open session{} of `{}`:",
            list.len(),
            if list.len() == 1 { "" } else { "s" },
            clean(user)
        ))];
        for (i, s) in list.iter().enumerate() {
            lines.push(Line::from(format!(
                "{} #{} {} · started {} · active {}",
                if i == *cursor { "›" } else { " " },
                s.session_id,
                clean(&s.terminal),
                when(Some(s.started_at)),
                when(Some(s.last_seen_at))
            )));
        }
        lines.push(Line::styled(
            if ctx.role.allows(Permission::ManageUsers) {
                "j/k choose · e end the session · any other key closes"
            } else {
                "any key closes"
            },
            t.dim,
        ));
        overlay("Sessions", lines, f);
    }
    if let Some((kind, user, form)) = &tab.form {
        let title = match kind {
            FormKind::Create => "New user".to_string(),
            FormKind::ResetPassword => format!("Reset the password of {}", clean(user)),
        };
        let mut lines = form_lines(form, t);
        let pw_at = match kind {
            FormKind::Create => 2,
            FormKind::ResetPassword => 0,
        };
        let username = match kind {
            FormKind::Create => form.value(0),
            FormKind::ResetPassword => user.as_str(),
        };
        let unmet = ctx.policy.unmet(form.value(pw_at), username);
        lines.push(Line::default());
        if unmet.is_empty() {
            lines.push(Line::styled("Password: meets every rule.", t.ok));
        } else {
            lines.push(Line::styled(
                format!("Password still needs: {}.", unmet.join(", ")),
                t.dim,
            ));
        }
        if *kind == FormKind::Create {
            lines.push(Line::styled(
                "Role: employee, manager or administrator.",
                t.dim,
            ));
        }
        overlay(&title, lines, f);
    }
}

/// When a lock ends, local time: `14:05` today, `12-08 14:05` another day.
fn lock_end(at: i64) -> String {
    let Some(t) = chrono::DateTime::from_timestamp(at, 0) else {
        return "—".into();
    };
    let t = t.with_timezone(&chrono::Local);
    if t.date_naive() == chrono::Local::now().date_naive() {
        t.format("%H:%M").to_string()
    } else {
        t.format("%m-%d %H:%M").to_string()
    }
}
