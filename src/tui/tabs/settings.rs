//! The Settings tab: your own account — change your password, turn 2FA on (the same screens
//! as the forced setup), show its QR code again, new backup codes, turn 2FA off (not for
//! Administrators) — each after typing your password again, wrong ones counted toward
//! lockout; the store-wide settings, changed by Administrators; and the settings in force.

mod draw;
mod qr_view;

use std::any::Any;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;

use super::{Cmd, Ctx, Hint, Notice, ShopSettings, Tab, TabId};
use crate::auth::store_settings::{self, EDITABLE, Value};
use crate::auth::{AuthSettings, Own2fa, Permission, Role, TotpSetup};
use crate::error::Error;
use crate::tui::keymap::Action;
use crate::tui::widgets::form::{Form, FormEvent};
use crate::tui::widgets::input::TextInput;
use crate::tui::work::{Reply, Work};
pub use qr_view::QrView;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormKind {
    Password,
    BackupCodes,
    TotpOn,
    ShowQr,
    TotpOff,
    /// A store-wide setting, by its config key.
    Store(&'static str),
}

enum SettingsReply {
    Loaded(Result<Own2fa, Error>, AuthSettings),
    PasswordChanged(Result<(), Error>),
    NewCodes(Result<Vec<String>, Error>),
    Setup(Result<TotpSetup, Error>),
    Shown(Result<TotpSetup, Error>),
    Enabled(Result<Vec<String>, Error>),
    MayDisable(Result<(), Error>),
    Disabled(Result<(), Error>),
    Changed(&'static str, Result<Value, Error>),
}

#[derive(Debug, Default)]
pub struct SettingsTab {
    pub form: Option<(FormKind, Form)>,
    /// New backup codes, shown once until a key is pressed.
    pub codes: Option<Vec<String>>,
    pub own: Option<Own2fa>,
    /// The security limits in force (from the services).
    pub limits: Option<AuthSettings>,
    /// The QR code: 2FA being turned on, or shown again.
    pub qr: Option<QrView>,
    /// Choosing a store-wide setting to change (Administrators).
    pub picking: Option<usize>,
    loaded: bool,
}

fn password_form() -> Form {
    Form::new(vec![TextInput::secret("Your password")])
}

impl SettingsTab {
    fn load(&mut self) -> Cmd {
        Cmd::Run(Work::new("load", |w| {
            SettingsReply::Loaded(w.auth.own_2fa(w.session), w.auth.settings())
        }))
    }

    fn submit(&mut self, ctx: &Ctx) -> Cmd {
        let Some((kind, form)) = &mut self.form else {
            return Cmd::Done;
        };
        if *kind == FormKind::Password {
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
            return Cmd::Run(Work::new("act", move |w| {
                SettingsReply::PasswordChanged(
                    w.auth.change_own_password(w.session, &current, &new),
                )
            }));
        }
        let typed = form.fields[0].take();
        let kind = *kind;
        let path = ctx.config_path.to_path_buf();
        Cmd::Run(Work::new("act", move |w| {
            let (a, s) = (w.auth, w.session);
            match kind {
                FormKind::BackupCodes => {
                    SettingsReply::NewCodes(a.regenerate_backup_codes(s, &typed))
                }
                FormKind::TotpOn => SettingsReply::Setup(a.begin_own_totp(s, &typed)),
                FormKind::ShowQr => SettingsReply::Shown(a.show_own_totp(s, &typed)),
                FormKind::TotpOff => SettingsReply::Disabled(a.disable_own_totp(s, &typed)),
                FormKind::Store(key) => {
                    SettingsReply::Changed(key, a.change_store_setting(w.actor, &path, key, &typed))
                }
                FormKind::Password => unreachable!("handled above"),
            }
        }))
    }

    fn qr_key(&mut self, key: &KeyEvent, action: Option<Action>) -> Cmd {
        let Some(view) = &mut self.qr else {
            return Cmd::Done;
        };
        let Some(form) = &mut view.form else {
            self.qr = None;
            return Cmd::Notice(Notice::info("The QR code is hidden."));
        };
        match form.handle(key, action) {
            FormEvent::Submit => {
                let code = form.fields[0].take();
                let setup = view.setup.clone();
                Cmd::Run(Work::new("act", move |w| {
                    SettingsReply::Enabled(w.auth.confirm_own_totp(w.session, &setup, &code))
                }))
            }
            FormEvent::Cancel => {
                self.qr = None;
                Cmd::Notice(Notice::info("2FA stays off; nothing was changed."))
            }
            _ => Cmd::Done,
        }
    }

    fn pick_key(&mut self, key: &KeyEvent, ctx: &Ctx) -> Cmd {
        let Some(at) = &mut self.picking else {
            return Cmd::Done;
        };
        match key.code {
            KeyCode::Down | KeyCode::Char('j') => *at = (*at + 1).min(EDITABLE.len() - 1),
            KeyCode::Up | KeyCode::Char('k') => *at = at.saturating_sub(1),
            KeyCode::Enter => {
                let e = EDITABLE[*at];
                let mut input = TextInput::new(e.label);
                input.set(draw::value_of(self, ctx, e.key));
                self.picking = None;
                self.form = Some((FormKind::Store(e.key), Form::new(vec![input])));
            }
            _ => self.picking = None,
        }
        Cmd::Done
    }

    fn changed(&mut self, key: &'static str, value: Value, ctx: &Ctx) -> Cmd {
        self.form = None;
        let e = store_settings::editable(key).ok();
        let mut shop: ShopSettings = ctx.shop.clone();
        match (key, &value) {
            ("low_stock_threshold", Value::Number(n)) => shop.low_stock_threshold = *n,
            ("sales_target_per_store_month", Value::Number(n)) => {
                shop.target_per_store_month_cents = i64::from(*n) * 100
            }
            (store_settings::CURRENCY, Value::Text(t)) => shop.currency = t.clone(),
            _ => {}
        }
        Cmd::Batch(vec![
            Cmd::Shop(shop),
            Cmd::Notice(Notice::info(format!(
                "{} is now {}: saved to {}; in use here now, on other terminals from their next start.",
                e.map_or(key, |e| e.label),
                crate::tui::text::clean(&value.to_string()),
                ctx.config_path.display()
            ))),
            self.load(),
        ])
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

    fn handle_key(&mut self, key: &KeyEvent, action: Option<Action>, ctx: &Ctx) -> Option<Cmd> {
        if self.codes.take().is_some() {
            return Some(Cmd::Notice(Notice::info(
                "Backup codes hidden; they are not shown again.",
            )));
        }
        if self.qr.is_some() {
            return Some(self.qr_key(key, action));
        }
        if let Some((_, form)) = &mut self.form {
            return Some(match form.handle(key, action) {
                FormEvent::Submit => self.submit(ctx),
                FormEvent::Cancel => {
                    self.form = None;
                    Cmd::Notice(Notice::info("Nothing was changed."))
                }
                _ => Cmd::Done,
            });
        }
        if self.picking.is_some() {
            return Some(self.pick_key(key, ctx));
        }
        let ask = |this: &mut Self, kind: FormKind| {
            this.form = Some((kind, password_form()));
            Cmd::Done
        };
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
            KeyCode::Char('b') => ask(self, FormKind::BackupCodes),
            KeyCode::Char('o') => ask(self, FormKind::TotpOn),
            KeyCode::Char('s') => ask(self, FormKind::ShowQr),
            // Refused for an Administrator before the password is asked.
            KeyCode::Char('f') => Cmd::Run(Work::new("act", |w| {
                SettingsReply::MayDisable(w.auth.may_disable_own_totp(w.session))
            })),
            KeyCode::Char('e') if ctx.role.allows(Permission::ChangeSettings) => {
                self.picking = Some(0);
                Cmd::Done
            }
            _ => return None,
        })
    }

    fn on_reply(&mut self, reply: Reply, ctx: &Ctx) -> Option<Cmd> {
        let fail = |this: &mut Self, e: &Error| {
            if let Some((_, form)) = &mut this.form {
                form.clear_secrets();
                form.focus = 0;
            }
            if let Some(form) = this.qr.as_mut().and_then(|q| q.form.as_mut()) {
                form.clear_secrets();
            }
            Some(Cmd::failed(e))
        };
        match reply.done::<SettingsReply>()? {
            SettingsReply::Loaded(own, limits) => {
                self.limits = Some(limits);
                match own {
                    Ok(own) => self.own = Some(own),
                    Err(e) => return Some(Cmd::failed(&e)),
                }
                None
            }
            SettingsReply::PasswordChanged(Ok(())) => {
                self.form = None;
                Some(Cmd::Notice(Notice::info("Your password was changed.")))
            }
            SettingsReply::NewCodes(Ok(codes)) => {
                self.form = None;
                self.codes = Some(codes);
                Some(Cmd::Batch(vec![
                    Cmd::Notice(Notice::info(
                        "New backup codes: write them down now; the old ones no longer work.",
                    )),
                    self.load(),
                ]))
            }
            SettingsReply::Setup(Ok(setup)) => {
                self.form = None;
                self.qr = Some(QrView::confirm(setup));
                None
            }
            SettingsReply::Shown(Ok(setup)) => {
                self.form = None;
                self.qr = Some(QrView::show(setup));
                None
            }
            SettingsReply::Enabled(Ok(codes)) => {
                self.qr = None;
                self.codes = Some(codes);
                Some(Cmd::Batch(vec![
                    Cmd::Notice(Notice::info(
                        "2FA is on: it is asked for at every sign-in from now on.",
                    )),
                    self.load(),
                ]))
            }
            SettingsReply::MayDisable(Ok(())) => {
                self.form = Some((FormKind::TotpOff, password_form()));
                None
            }
            SettingsReply::Disabled(Ok(())) => {
                self.form = None;
                Some(Cmd::Batch(vec![
                    Cmd::Notice(Notice::info(
                        "2FA is off; your backup codes no longer work.",
                    )),
                    self.load(),
                ]))
            }
            SettingsReply::Changed(key, Ok(value)) => Some(self.changed(key, value, ctx)),
            SettingsReply::PasswordChanged(Err(e))
            | SettingsReply::Disabled(Err(e))
            | SettingsReply::MayDisable(Err(e))
            | SettingsReply::Changed(_, Err(e)) => fail(self, &e),
            SettingsReply::NewCodes(Err(e)) | SettingsReply::Enabled(Err(e)) => fail(self, &e),
            SettingsReply::Setup(Err(e)) | SettingsReply::Shown(Err(e)) => fail(self, &e),
        }
    }

    fn draw(&self, ctx: &Ctx, f: &mut Frame, area: Rect) {
        draw::draw(self, ctx, f, area);
    }

    fn hints(&self, ctx: &Ctx) -> Vec<Hint> {
        let h = |k: &str, what: &'static str| (k.to_string(), what);
        if self.codes.is_some() {
            return vec![h("any key", "hide the codes")];
        }
        if let Some(q) = &self.qr {
            return match q.form {
                Some(_) => vec![h("Enter", "turn 2FA on"), h("Esc", "cancel")],
                None => vec![h("any key", "hide the code")],
            };
        }
        if self.form.is_some() {
            return vec![h("Enter", "next / save"), h("Esc", "cancel")];
        }
        if self.picking.is_some() {
            return vec![h("j/k", "choose"), h("Enter", "change"), h("Esc", "back")];
        }
        let mut v = vec![h("p", "change password")];
        match self.own.map(|o| o.enabled) {
            Some(true) => {
                v.extend([h("b", "new backup codes"), h("s", "show 2FA QR")]);
                if ctx.role != Role::Administrator {
                    v.push(h("f", "turn 2FA off"));
                }
            }
            Some(false) => v.push(h("o", "turn 2FA on")),
            None => {}
        }
        if ctx.role.allows(Permission::ChangeSettings) {
            v.push(h("e", "store-wide settings"));
        }
        v
    }

    fn editing(&self) -> bool {
        self.form.is_some() || self.codes.is_some() || self.qr.is_some() || self.picking.is_some()
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
