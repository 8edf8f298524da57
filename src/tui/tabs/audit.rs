//! The Audit tab: who did what, when, from which terminal — newest first, paged in SQL,
//! filtered by user, event kind, terminal and dates; an event's full details; export of the
//! filtered log. `g` reloads and keeps the position.

use std::any::Any;
use std::path::PathBuf;

use chrono::{Local, NaiveDate, TimeZone};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph};

use super::{Cmd, Ctx, Hint, Notice, Tab, TabId};
use crate::auth::audit::{AuditEvent, AuditFilter};
use crate::error::Error;
use crate::tui::keymap::Action;
use crate::tui::text::{clean, wrap};
use crate::tui::widgets::boxed::{boxed, centered};
use crate::tui::widgets::form::{Form, FormEvent, form_lines};
use crate::tui::widgets::grid::{Column, Grid};
use crate::tui::widgets::input::TextInput;
use crate::tui::widgets::page::page_rows;
use crate::tui::work::{Reply, Work};

#[derive(Debug)]
enum AuditReply {
    Page(u64, Result<Vec<AuditEvent>, Error>),
    Exported(PathBuf, Result<u64, Error>),
}

#[derive(Debug)]
pub struct AuditTab {
    pub events: Vec<AuditEvent>,
    pub offset: u64,
    pub cursor: usize,
    pub filter: AuditFilter,
    /// The filter form: user, event, terminal, from, to.
    pub form: Option<Form>,
    pub detail: bool,
    pub loaded: bool,
    rows: u64,
}

impl Default for AuditTab {
    fn default() -> Self {
        AuditTab {
            events: Vec::new(),
            offset: 0,
            cursor: 0,
            filter: AuditFilter::default(),
            form: None,
            detail: false,
            loaded: false,
            rows: 20,
        }
    }
}

fn local_time(at: i64) -> String {
    Local
        .timestamp_opt(at, 0)
        .single()
        .map(|d| d.format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_default()
}

/// The start of a day typed as `YYYY-MM-DD`, local time.
fn day_start(text: &str, field: &str) -> Result<Option<i64>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let d = NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .map_err(|_| format!("{field}: `{}` is not a date (YYYY-MM-DD)", clean(t)))?;
    Ok(Local
        .from_local_datetime(&d.and_hms_opt(0, 0, 0).expect("midnight"))
        .earliest()
        .map(|d| d.timestamp()))
}

impl AuditTab {
    fn load(&mut self, ctx: &Ctx, offset: u64) -> Cmd {
        self.rows = page_rows(ctx.size);
        let f = AuditFilter {
            limit: self.rows as i64,
            offset: offset as i64,
            ..self.filter.clone()
        };
        Cmd::Run(Work::new("page", move |w| {
            AuditReply::Page(offset, w.auth.audit_log(w.actor, &f))
        }))
    }

    fn apply_form(&mut self, ctx: &Ctx) -> Cmd {
        let Some(form) = &self.form else {
            return Cmd::Done;
        };
        let text = |i: usize| {
            let v = form.value(i).trim().to_string();
            (!v.is_empty()).then_some(v)
        };
        let since = day_start(form.value(3), "from");
        let until = day_start(form.value(4), "to").map(|u| u.map(|t| t + 86_400));
        let (since, until) = match (since, until) {
            (Ok(s), Ok(u)) => (s, u),
            (Err(m), _) | (_, Err(m)) => return Cmd::Notice(Notice::error(m)),
        };
        self.filter = AuditFilter {
            actor: text(0),
            event: text(1),
            terminal: text(2),
            since,
            until,
            ..AuditFilter::default()
        };
        self.form = None;
        self.cursor = 0;
        self.load(ctx, 0)
    }

    fn describe_filter(&self) -> String {
        let f = &self.filter;
        let mut parts = Vec::new();
        if let Some(a) = &f.actor {
            parts.push(format!("user {}", clean(a)));
        }
        if let Some(e) = &f.event {
            parts.push(format!("event {}", clean(e)));
        }
        if let Some(t) = &f.terminal {
            parts.push(format!("terminal {}*", clean(t)));
        }
        if let Some(s) = f.since {
            parts.push(format!("from {}", &local_time(s)[..10]));
        }
        if let Some(u) = f.until {
            parts.push(format!("to {}", &local_time(u - 86_400)[..10]));
        }
        if parts.is_empty() {
            "all events".into()
        } else {
            parts.join(", ")
        }
    }
}

impl Tab for AuditTab {
    fn id(&self) -> TabId {
        TabId::Audit
    }

    fn on_open(&mut self, ctx: &Ctx) -> Option<Cmd> {
        if self.loaded {
            return self.on_resize(ctx);
        }
        Some(self.load(ctx, 0))
    }

    fn on_resize(&mut self, ctx: &Ctx) -> Option<Cmd> {
        (self.loaded && self.rows != page_rows(ctx.size)).then(|| self.load(ctx, self.offset))
    }

    fn handle_key(&mut self, key: &KeyEvent, action: Option<Action>, ctx: &Ctx) -> Option<Cmd> {
        if let Some(form) = &mut self.form {
            return Some(match form.handle(key, action) {
                FormEvent::Submit => self.apply_form(ctx),
                FormEvent::Cancel => {
                    self.form = None;
                    Cmd::Done
                }
                _ => Cmd::Done,
            });
        }
        if self.detail {
            self.detail = false;
            return Some(Cmd::Done);
        }
        let n = self.events.len();
        Some(match key.code {
            KeyCode::Down | KeyCode::Char('j') if self.cursor + 1 < n => {
                self.cursor += 1;
                Cmd::Done
            }
            KeyCode::Down | KeyCode::Char('j') | KeyCode::PageDown if n as u64 == self.rows => {
                self.cursor = 0;
                self.load(ctx, self.offset + self.rows)
            }
            KeyCode::Up | KeyCode::Char('k') if self.cursor > 0 => {
                self.cursor -= 1;
                Cmd::Done
            }
            KeyCode::Up | KeyCode::Char('k') | KeyCode::PageUp if self.offset > 0 => {
                self.cursor = 0;
                self.load(ctx, self.offset.saturating_sub(self.rows))
            }
            KeyCode::Home => {
                self.cursor = 0;
                self.load(ctx, 0)
            }
            KeyCode::Char('r') | KeyCode::Char('g') => self.load(ctx, self.offset),
            KeyCode::Enter if n > 0 => {
                self.detail = true;
                Cmd::Done
            }
            KeyCode::Char('/') => {
                let f = &self.filter;
                let field = |label, v: &Option<String>| {
                    let mut t = TextInput::new(label);
                    t.value = v.clone().unwrap_or_default();
                    t
                };
                let day = |label, v: Option<i64>, back: i64| {
                    let mut t = TextInput::new(label);
                    t.value = v
                        .map(|s| local_time(s - back)[..10].to_string())
                        .unwrap_or_default();
                    t
                };
                // The filter in force, selected: typing replaces a field, never appends.
                self.form = Some(
                    Form::new(vec![
                        field("User", &f.actor),
                        field("Event", &f.event),
                        field("Terminal", &f.terminal),
                        day("From", f.since, 0),
                        day("To", f.until, 86_400),
                    ])
                    .select_all(),
                );
                Cmd::Done
            }
            KeyCode::Esc
                if self.filter.actor.is_some()
                    || self.filter.event.is_some()
                    || self.filter.terminal.is_some()
                    || self.filter.since.is_some()
                    || self.filter.until.is_some() =>
            {
                self.filter = AuditFilter::default();
                self.cursor = 0;
                self.load(ctx, 0)
            }
            KeyCode::Char('x') => {
                let stamp = Local::now().format("%Y%m%d-%H%M%S");
                let path = ctx
                    .data_dir
                    .join("exports")
                    .join(format!("audit-{stamp}.csv"));
                let f = self.filter.clone();
                Cmd::Run(Work::new("export", move |w| {
                    let r = w.auth.export_audit(w.actor, &f, &path);
                    AuditReply::Exported(path, r)
                }))
            }
            _ => return None,
        })
    }

    fn on_reply(&mut self, reply: Reply, _: &Ctx) -> Option<Cmd> {
        match reply.done::<AuditReply>()? {
            AuditReply::Page(offset, Ok(events)) => {
                self.loaded = true;
                self.offset = offset;
                self.events = events;
                self.cursor = self.cursor.min(self.events.len().saturating_sub(1));
                None
            }
            AuditReply::Page(_, Err(e)) | AuditReply::Exported(_, Err(e)) => Some(Cmd::failed(&e)),
            AuditReply::Exported(path, Ok(n)) => Some(Cmd::Notice(Notice::info(format!(
                "Exported {} events to {}",
                crate::text::group_digits(n),
                path.display()
            )))),
        }
    }

    fn draw(&self, ctx: &Ctx, f: &mut Frame, area: Rect) {
        let t = ctx.theme;
        let block = boxed(t, "Audit");
        let inner = block.inner(area);
        f.render_widget(block, area);
        let [head, body] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(inner);
        let range = if self.events.is_empty() {
            "no events".to_string()
        } else {
            format!(
                "events {}–{}",
                self.offset + 1,
                self.offset + self.events.len() as u64
            )
        };
        f.render_widget(
            Paragraph::new(format!(
                "{range} · newest first · {}",
                self.describe_filter()
            ))
            .style(t.dim),
            head,
        );
        let col = |title: &str, priority: u8| Column {
            title: title.into(),
            priority,
            numeric: false,
        };
        let columns = [
            col("when", 1),
            col("user", 1),
            col("event", 1),
            col("terminal", 3),
            col("details", 2),
        ];
        let rows: Vec<Vec<String>> = self
            .events
            .iter()
            .map(|e| {
                vec![
                    local_time(e.at),
                    e.actor.clone(),
                    e.event.clone(),
                    e.terminal.clone(),
                    e.details.clone(),
                ]
            })
            .collect();
        Grid {
            columns: &columns,
            rows: &rows,
            selected: Some(self.cursor),
            sort: None,
            numbered: false,
        }
        .draw(t, f, body);
        if self.detail
            && let Some(e) = self.events.get(self.cursor)
        {
            // The details wrapped whole: the box grows to hold them (and, taller than the
            // screen, shows what fits).
            let w = area.width.saturating_sub(6);
            let inner = w.saturating_sub(2) as usize;
            let mut lines = vec![
                Line::from(format!("when      {}", local_time(e.at))),
                Line::from(format!("user      {}", clean(&e.actor))),
                Line::from(format!("terminal  {}", clean(&e.terminal))),
                Line::from(format!("event     {}", clean(&e.event))),
                Line::default(),
            ];
            for l in wrap(&clean(&e.details), inner) {
                lines.push(Line::from(l));
            }
            lines.push(Line::default());
            lines.push(Line::styled("Any key closes.", t.dim));
            let r = centered(area, w, lines.len() as u16 + 2);
            f.render_widget(Clear, r);
            f.render_widget(
                Paragraph::new(lines).block(boxed(t, "Event")).style(t.base),
                r,
            );
        }
        if let Some(form) = &self.form {
            let w = 76.min(area.width);
            let note = |text: &str| -> Vec<Line> {
                wrap(text, w.saturating_sub(2) as usize)
                    .into_iter()
                    .map(|l| Line::styled(l, t.dim))
                    .collect()
            };
            let mut lines = note(
                "Empty fields match everything; dates as YYYY-MM-DD; Enter on the last applies.",
            );
            lines.extend(form_lines(form, t));
            lines.extend(note(
                "Events: signin, signout, user, session, import, export, record, …",
            ));
            let r = centered(area, w, lines.len() as u16 + 2);
            f.render_widget(Clear, r);
            f.render_widget(
                Paragraph::new(lines)
                    .block(boxed(t, "Filter"))
                    .style(t.base),
                r,
            );
        }
    }

    fn hints(&self, _: &Ctx) -> Vec<Hint> {
        self.keys(false)
    }

    fn help(&self, _: &Ctx) -> Vec<Hint> {
        self.keys(true)
    }

    fn editing(&self) -> bool {
        self.form.is_some()
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl AuditTab {
    /// The keys of what is in front: the most used for the hint bar, every one for the help.
    fn keys(&self, all: bool) -> Vec<Hint> {
        let h = |k: &str, what: &'static str| (k.to_string(), what);
        if self.form.is_some() {
            return vec![
                h("Enter", "next / apply"),
                h("Tab/Shift-Tab", "move"),
                h("Ctrl-U", "clear a field"),
                h("Esc", "cancel"),
            ];
        }
        if self.detail {
            return vec![h("any key", "close")];
        }
        let mut v = vec![
            h("j/k PgUp/PgDn", "move"),
            h("Enter", "details"),
            h("/", "filter"),
            h("Esc", "clear filter"),
            h("x", "export CSV"),
            h("r", "reload"),
        ];
        if all {
            v.extend([
                h("Home", "newest events"),
                h("g", "reload, as r (new events where you are)"),
            ]);
        }
        v
    }
}
