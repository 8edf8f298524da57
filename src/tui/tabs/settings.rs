//! The Settings tab: your own account (change your password, new backup codes, how many are
//! left — each after typing your password again, wrong ones counted toward lockout), and the
//! settings in force: the store, where files live, security limits, key bindings.

use std::any::Any;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::{Cmd, Ctx, Hint, Notice, Tab, TabId};
use crate::error::Error;
use crate::tui::keymap::Action;
use crate::tui::screens::{boxed, centered, form_lines};
use crate::tui::text::clean;
use crate::tui::widgets::form::{Form, FormEvent};
use crate::tui::widgets::input::TextInput;
use crate::tui::work::{Reply, Work};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormKind {
    Password,
    BackupCodes,
}

#[derive(Debug)]
enum SettingsReply {
    CodesLeft(Result<i64, Error>),
    PasswordChanged(Result<(), Error>),
    NewCodes(Result<Vec<String>, Error>),
}

#[derive(Debug, Default)]
pub struct SettingsTab {
    pub form: Option<(FormKind, Form)>,
    /// New backup codes, shown once until a key is pressed.
    pub codes: Option<Vec<String>>,
    pub codes_left: Option<i64>,
    loaded: bool,
}

impl SettingsTab {
    fn load(&mut self) -> Cmd {
        Cmd::Run(Work::new("codes", |w| {
            SettingsReply::CodesLeft(w.auth.backup_codes_remaining(w.session.user_id))
        }))
    }

    fn submit(&mut self) -> Cmd {
        let Some((kind, form)) = &mut self.form else {
            return Cmd::Done;
        };
        match kind {
            FormKind::Password => {
                let (current, new, again) = (
                    form.fields[0].take(),
                    form.value(1).to_string(),
                    form.value(2).to_string(),
                );
                if new != again {
                    form.clear_secrets();
                    form.focus = 0;
                    return Cmd::Notice(Notice::error(
                        "The two new passwords differ; type them again.",
                    ));
                }
                Cmd::Run(Work::new("act", move |w| {
                    SettingsReply::PasswordChanged(
                        w.auth.change_own_password(w.session, &current, &new),
                    )
                }))
            }
            FormKind::BackupCodes => {
                let current = form.fields[0].take();
                Cmd::Run(Work::new("act", move |w| {
                    SettingsReply::NewCodes(w.auth.regenerate_backup_codes(w.session, &current))
                }))
            }
        }
    }
}

impl Tab for SettingsTab {
    fn id(&self) -> TabId {
        TabId::Settings
    }

    fn on_open(&mut self, _: &Ctx) -> Option<Cmd> {
        (!self.loaded).then(|| {
            self.loaded = true;
            self.load()
        })
    }

    fn handle_key(&mut self, key: &KeyEvent, action: Option<Action>, _: &Ctx) -> Option<Cmd> {
        if self.codes.take().is_some() {
            return Some(Cmd::Notice(Notice::info(
                "Backup codes hidden; they are not shown again.",
            )));
        }
        if let Some((_, form)) = &mut self.form {
            return Some(match form.handle(key, action) {
                FormEvent::Submit => self.submit(),
                FormEvent::Cancel => {
                    self.form = None;
                    Cmd::Notice(Notice::info("Nothing was changed."))
                }
                _ => Cmd::Done,
            });
        }
        Some(match key.code {
            KeyCode::Char('p') => {
                self.form = Some((
                    FormKind::Password,
                    Form::new(vec![
                        TextInput::secret("Current password"),
                        TextInput::secret("New password"),
                        TextInput::secret("Repeat it"),
                    ]),
                ));
                Cmd::Done
            }
            KeyCode::Char('b') => {
                self.form = Some((
                    FormKind::BackupCodes,
                    Form::new(vec![TextInput::secret("Your password")]),
                ));
                Cmd::Done
            }
            _ => return None,
        })
    }

    fn on_reply(&mut self, reply: Reply, _: &Ctx) -> Option<Cmd> {
        let fail = |this: &mut Self, e: &Error| {
            if let Some((_, form)) = &mut this.form {
                form.clear_secrets();
                form.focus = 0;
            }
            Some(Cmd::failed(e))
        };
        match reply.done::<SettingsReply>()? {
            SettingsReply::CodesLeft(Ok(n)) => {
                self.codes_left = Some(n);
                None
            }
            SettingsReply::CodesLeft(Err(e)) => Some(Cmd::failed(&e)),
            SettingsReply::PasswordChanged(Ok(())) => {
                self.form = None;
                Some(Cmd::Notice(Notice::info("Your password was changed.")))
            }
            SettingsReply::NewCodes(Ok(codes)) => {
                self.form = None;
                self.codes_left = Some(codes.len() as i64);
                self.codes = Some(codes);
                Some(Cmd::Notice(Notice::info(
                    "New backup codes: write them down now; the old ones no longer work.",
                )))
            }
            SettingsReply::PasswordChanged(Err(e)) | SettingsReply::NewCodes(Err(e)) => {
                fail(self, &e)
            }
        }
    }

    fn draw(&self, ctx: &Ctx, f: &mut Frame, area: Rect) {
        let t = ctx.theme;
        let mut lines = vec![
            Line::styled("Your account", t.title),
            Line::from(format!(
                "  signed in as   {} ({})",
                clean(ctx.username),
                ctx.role
            )),
            Line::from(format!(
                "  backup codes   {}",
                self.codes_left
                    .map_or("…".to_string(), |n| format!("{n} left"))
            )),
            Line::from("  p change your password · b new backup codes (2FA users)"),
            Line::default(),
            Line::styled("In force", t.title),
            Line::from(format!("  theme          {}", ctx.theme.name.as_str())),
        ];
        for (k, v) in ctx.settings {
            lines.push(Line::from(format!("  {:<14} {}", clean(k), clean(v))));
        }
        lines.push(Line::styled(
            "Change these in the config file (stockroom --help says where) or with STOCKROOM_* variables.",
            t.dim,
        ));
        f.render_widget(
            Paragraph::new(lines)
                .wrap(Wrap { trim: false })
                .block(boxed(t, "Settings"))
                .style(t.base),
            area,
        );
        let overlay = |title: &str, lines: Vec<Line>, f: &mut Frame| {
            let r = centered(area, 64, lines.len() as u16 + 4);
            f.render_widget(Clear, r);
            f.render_widget(
                Paragraph::new(lines)
                    .wrap(Wrap { trim: false })
                    .block(boxed(t, title))
                    .style(t.base),
                r,
            );
        };
        if let Some((kind, form)) = &self.form {
            let mut lines = form_lines(form, t);
            if *kind == FormKind::Password {
                let unmet = ctx.policy.unmet(form.value(1), ctx.username);
                lines.push(Line::default());
                lines.push(if unmet.is_empty() {
                    Line::styled("New password: meets every rule.", t.ok)
                } else {
                    Line::styled(format!("Still needs: {}.", unmet.join(", ")), t.dim)
                });
            }
            let title = match kind {
                FormKind::Password => "Change your password",
                FormKind::BackupCodes => "New backup codes",
            };
            overlay(title, lines, f);
        }
        if let Some(codes) = &self.codes {
            let mut lines = vec![Line::from("Each works once. Any key hides them for good.")];
            lines.push(Line::default());
            for pair in codes.chunks(2) {
                lines.push(Line::from(format!("   {}", pair.join("     "))));
            }
            overlay("Your new backup codes", lines, f);
        }
    }

    fn hints(&self, _: &Ctx) -> Vec<Hint> {
        let h = |k: &str, what: &'static str| (k.to_string(), what);
        if self.codes.is_some() {
            return vec![h("any key", "hide the codes")];
        }
        if self.form.is_some() {
            return vec![h("Enter", "next / save"), h("Esc", "cancel")];
        }
        vec![h("p", "change password"), h("b", "new backup codes")]
    }

    fn editing(&self) -> bool {
        self.form.is_some() || self.codes.is_some()
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
