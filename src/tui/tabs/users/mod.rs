//! The Users tab: every account with its role, state and 2FA; Administrators create users,
//! change roles, link a member of staff (searched by name), deactivate, unlock and reset
//! passwords or 2FA — each after a question that names the user, each refused by the service
//! with its reason in words. Managers read only.

mod draw;
mod staff_picker;

use std::any::Any;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;

use super::{Cmd, Ctx, Hint, Notice, Tab, TabId};
use crate::auth::users::{StaffMatch, UserChange, UserPage, UserQuery, UserSummary};
use crate::auth::{OpenSession, Permission, Role};
use crate::error::Error;
use crate::tui::keymap::Action;
use crate::tui::text::clean;
use crate::tui::widgets::form::{Form, FormEvent};
use crate::tui::widgets::input::TextInput;
use crate::tui::widgets::page::page_rows;
use crate::tui::work::{Reply, Work};
use staff_picker::{Picked, StaffPicker};

/// An account action waiting for `y`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Act {
    SetRole(Role),
    SetActive(bool),
    Unlock,
    Reset2fa,
    EndSession(i32),
    Link(i32),
    Unlink,
}

/// What a form is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormKind {
    Create,
    ResetPassword,
}

/// What follows when the service finds nothing against a change of this account.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Then {
    /// Ask this question before doing it.
    Ask(String, Act),
    /// Pick the new role.
    PickRole,
    /// The new password's form.
    ResetForm,
}

#[derive(Debug)]
enum UsersReply {
    List(Result<UserPage, Error>),
    /// The service's refusal of a change of `user`, or nothing against it.
    Checked(String, Then, Result<(), Error>),
    Done(String, Result<(), Error>),
    Sessions(String, Result<Vec<OpenSession>, Error>),
    Staff(Result<Vec<StaffMatch>, Error>),
}

#[derive(Debug)]
pub struct UsersTab {
    pub users: Vec<UserSummary>,
    pub cursor: usize,
    pub loaded: bool,
    /// `r` was pressed: the next key picks the role.
    pub picking_role: bool,
    pub confirm: Option<(String, String, Act)>,
    pub form: Option<(FormKind, String, Form)>,
    /// A user's open sessions (Enter), with the one chosen.
    pub sessions: Option<(String, Vec<OpenSession>, usize)>,
    /// Choosing a member of staff to link to an account.
    pub picker: Option<StaffPicker>,
    /// The page shown: its first row, how many match, rows per page.
    pub offset: i64,
    pub total: i64,
    rows: i64,
    /// `/` search in usernames and linked staff names.
    pub search: TextInput,
    pub searching: bool,
    pub applied_search: Option<String>,
}

impl Default for UsersTab {
    fn default() -> Self {
        let mut search = TextInput::new("Search");
        search.max_chars = 64;
        UsersTab {
            users: Vec::new(),
            cursor: 0,
            loaded: false,
            picking_role: false,
            confirm: None,
            form: None,
            sessions: None,
            picker: None,
            offset: 0,
            total: 0,
            rows: 20,
            search,
            searching: false,
            applied_search: None,
        }
    }
}

fn role_of(key: char) -> Option<Role> {
    match key {
        'e' => Some(Role::Employee),
        'm' => Some(Role::Manager),
        'a' => Some(Role::Administrator),
        _ => None,
    }
}

pub(super) fn when(ts: Option<i64>) -> String {
    ts.and_then(|t| chrono::DateTime::from_timestamp(t, 0))
        .map(|d| {
            d.with_timezone(&chrono::Local)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_else(|| "never".into())
}

impl UsersTab {
    fn load(&mut self) -> Cmd {
        let q = UserQuery {
            search: self.applied_search.clone(),
            offset: self.offset,
            limit: self.rows,
        };
        Cmd::Run(Work::new("list", move |w| {
            UsersReply::List(w.auth.list_users_page(w.actor, &q))
        }))
    }

    fn load_at(&mut self, ctx: &Ctx, offset: i64) -> Cmd {
        self.rows = page_rows(ctx.size) as i64;
        self.offset = offset.max(0);
        self.load()
    }

    fn selected(&self) -> Option<&UserSummary> {
        self.users.get(self.cursor)
    }

    fn run(&mut self, what: String, act: Act, user: String) -> Cmd {
        Cmd::Run(Work::new("act", move |w| {
            let r = match act {
                Act::SetRole(role) => w.auth.set_role(w.actor, &user, role),
                Act::SetActive(on) => w.auth.set_active(w.actor, &user, on),
                Act::Unlock => w.auth.unlock_user(w.actor, &user),
                Act::Reset2fa => w.auth.reset_2fa(w.actor, &user),
                Act::EndSession(id) => w.auth.end_session(w.actor, id),
                Act::Link(id) => w.auth.link_staff(w.actor, &user, Some(id)),
                Act::Unlink => w.auth.link_staff(w.actor, &user, None),
            };
            UsersReply::Done(what, r)
        }))
    }

    /// Asks the service whether `change` of `user` would be refused (one's own account, the
    /// last administrator) before anything else is asked or typed.
    fn check(user: String, change: UserChange, then: Then) -> Cmd {
        Cmd::Run(Work::new("check", move |w| {
            let r = w.auth.may_change_user(w.actor, &user, change);
            UsersReply::Checked(user, then, r)
        }))
    }

    fn search_staff(text: String) -> Cmd {
        Cmd::Run(Work::new("staff", move |w| {
            UsersReply::Staff(w.auth.find_staff(w.actor, &text, staff_picker::SHOWN))
        }))
    }

    fn picker_key(&mut self, key: &KeyEvent) -> Cmd {
        let Some(p) = &mut self.picker else {
            return Cmd::Done;
        };
        match p.handle(key) {
            Picked::Search(text) => Self::search_staff(text),
            Picked::Chosen(m) => {
                let user = p.user.clone();
                let q = format!(
                    "Link `{}` to member of staff #{} {}?",
                    clean(&user),
                    m.staff_id,
                    clean(&m.name)
                );
                self.picker = None;
                self.confirm = Some((q, user, Act::Link(m.staff_id)));
                Cmd::Done
            }
            Picked::Cancel => {
                self.picker = None;
                Cmd::Notice(Notice::info("Nothing was changed."))
            }
            Picked::Nothing => Cmd::Done,
        }
    }

    fn submit_form(&mut self) -> Cmd {
        let Some((kind, user, form)) = &mut self.form else {
            return Cmd::Done;
        };
        let kind = *kind;
        let user = user.clone();
        let (name, role, pw, again) = match kind {
            FormKind::Create => (
                form.value(0).trim().to_string(),
                form.value(1).trim().to_lowercase(),
                form.value(2).to_string(),
                form.value(3).to_string(),
            ),
            FormKind::ResetPassword => (
                user,
                String::new(),
                form.value(0).to_string(),
                form.value(1).to_string(),
            ),
        };
        if pw != again {
            form.clear_secrets();
            form.focus = form.fields.len() - 2;
            return Cmd::Notice(Notice::error("The two passwords differ; type them again."));
        }
        match kind {
            FormKind::Create => {
                let Some(role) = Role::parse(&role) else {
                    form.focus = 1;
                    return Cmd::Notice(Notice::error(
                        "role: type employee, manager or administrator",
                    ));
                };
                Cmd::Run(Work::new("act", move |w| {
                    let r = w.auth.add_user(w.actor, &name, role, None, &pw);
                    UsersReply::Done(format!("Created `{name}` ({role})"), r)
                }))
            }
            FormKind::ResetPassword => Cmd::Run(Work::new("act", move |w| {
                let r = w.auth.reset_password(w.actor, &name, &pw);
                UsersReply::Done(
                    format!("Password of `{name}` reset: they choose a new one at next sign-in"),
                    r,
                )
            })),
        }
    }
}

impl Tab for UsersTab {
    fn id(&self) -> TabId {
        TabId::Users
    }

    fn on_open(&mut self, ctx: &Ctx) -> Option<Cmd> {
        if self.loaded {
            return self.on_resize(ctx);
        }
        Some(self.load_at(ctx, 0))
    }

    fn on_resize(&mut self, ctx: &Ctx) -> Option<Cmd> {
        (self.loaded && self.rows != page_rows(ctx.size) as i64)
            .then(|| self.load_at(ctx, self.offset))
    }

    fn handle_key(&mut self, key: &KeyEvent, action: Option<Action>, ctx: &Ctx) -> Option<Cmd> {
        if self.searching {
            match key.code {
                KeyCode::Enter => {
                    self.searching = false;
                    let t = self.search.value.trim().to_string();
                    self.applied_search = (!t.is_empty()).then_some(t);
                    self.cursor = 0;
                    return Some(self.load_at(ctx, 0));
                }
                KeyCode::Esc => self.searching = false,
                _ => {
                    self.search.handle(key);
                }
            }
            return Some(Cmd::Done);
        }
        if let Some((_, user, act)) = self.confirm.take() {
            if key.code == KeyCode::Char('y') {
                let what = match &act {
                    Act::SetRole(r) => format!("`{user}` is now {r}"),
                    Act::SetActive(true) => format!("`{user}` is active again"),
                    Act::SetActive(false) => {
                        format!("`{user}` is deactivated; their sessions ended")
                    }
                    Act::Unlock => format!("`{user}` is unlocked"),
                    Act::Reset2fa => {
                        format!("2FA of `{user}` reset; they set it up at next sign-in")
                    }
                    Act::EndSession(id) => format!(
                        "Session {id} of `{user}` ended; that terminal returns to the sign-in"
                    ),
                    Act::Link(id) => format!("`{user}` is linked to member of staff #{id}"),
                    Act::Unlink => format!("`{user}` is no longer linked to a member of staff"),
                };
                self.sessions = None;
                return Some(self.run(what, act, user));
            }
            return Some(Cmd::Notice(Notice::info("Nothing was changed.")));
        }
        if self.picker.is_some() {
            return Some(self.picker_key(key));
        }
        if let Some((_, _, form)) = &mut self.form {
            return Some(match form.handle(key, action) {
                FormEvent::Submit => self.submit_form(),
                FormEvent::Cancel => {
                    self.form = None;
                    Cmd::Notice(Notice::info("Nothing was changed."))
                }
                _ => Cmd::Done,
            });
        }
        if let Some((user, list, cursor)) = &mut self.sessions {
            match key.code {
                KeyCode::Down | KeyCode::Char('j') => {
                    *cursor = (*cursor + 1).min(list.len().saturating_sub(1))
                }
                KeyCode::Up | KeyCode::Char('k') => *cursor = cursor.saturating_sub(1),
                KeyCode::Char('e') if ctx.role.allows(Permission::ManageUsers) => {
                    if let Some(s) = list.get(*cursor) {
                        let q = format!(
                            "End session {} of `{}` on {}? That terminal returns to the sign-in.",
                            s.session_id,
                            clean(user),
                            clean(&s.terminal)
                        );
                        self.confirm = Some((q, user.clone(), Act::EndSession(s.session_id)));
                        self.sessions = None;
                        return Some(Cmd::Done);
                    }
                }
                _ => self.sessions = None,
            }
            return Some(Cmd::Done);
        }
        if self.picking_role {
            self.picking_role = false;
            let (KeyCode::Char(c), Some(u)) = (key.code, self.selected()) else {
                return Some(Cmd::Done);
            };
            let Some(role) = role_of(c) else {
                return Some(Cmd::Notice(Notice::info("Nothing was changed.")));
            };
            let q = format!("Make `{}` {role}?", clean(&u.username));
            self.confirm = Some((q, u.username.clone(), Act::SetRole(role)));
            return Some(Cmd::Done);
        }
        let admin = ctx.role.allows(Permission::ManageUsers);
        let user = self.selected().cloned();
        let ask = |this: &mut Self, q: String, act: Act| {
            if let Some(u) = &user {
                this.confirm = Some((q, u.username.clone(), act));
            }
            Cmd::Done
        };
        Some(match key.code {
            KeyCode::Down | KeyCode::Char('j') if self.cursor + 1 < self.users.len() => {
                self.cursor += 1;
                Cmd::Done
            }
            KeyCode::Down | KeyCode::Char('j') | KeyCode::PageDown
                if self.offset + (self.users.len() as i64) < self.total =>
            {
                self.cursor = 0;
                self.load_at(ctx, self.offset + self.rows)
            }
            KeyCode::Up | KeyCode::Char('k') if self.cursor > 0 => {
                self.cursor -= 1;
                Cmd::Done
            }
            KeyCode::Up | KeyCode::Char('k') | KeyCode::PageUp if self.offset > 0 => {
                self.cursor = 0;
                self.load_at(ctx, self.offset - self.rows)
            }
            KeyCode::Down | KeyCode::Up | KeyCode::Char('j') | KeyCode::Char('k') => Cmd::Done,
            KeyCode::Home => {
                self.cursor = 0;
                self.load_at(ctx, 0)
            }
            KeyCode::Char('/') => {
                self.searching = true;
                self.search.select();
                Cmd::Done
            }
            KeyCode::Esc if self.applied_search.is_some() => {
                self.applied_search = None;
                self.search.clear();
                self.cursor = 0;
                self.load_at(ctx, 0)
            }
            KeyCode::Char('g') | KeyCode::F(5) => self.load_at(ctx, self.offset),
            KeyCode::Enter if user.is_some() => {
                let name = user.clone().expect("checked").username;
                Cmd::Run(Work::new("sessions", move |w| {
                    let r = w.auth.open_sessions(w.actor, &name);
                    UsersReply::Sessions(name, r)
                }))
            }
            _ if !admin => return None,
            KeyCode::Char('n') => {
                let mut role = TextInput::new("Role");
                role.set("employee");
                self.form = Some((
                    FormKind::Create,
                    String::new(),
                    Form::new(vec![
                        TextInput::new("Username"),
                        role,
                        TextInput::secret("Password"),
                        TextInput::secret("Repeat it"),
                    ]),
                ));
                Cmd::Done
            }
            // What the service would refuse about whose account it is, it refuses first.
            KeyCode::Char('r') if user.is_some() => {
                let u = user.clone().expect("checked").username;
                Self::check(u, UserChange::Demote, Then::PickRole)
            }
            KeyCode::Char('x') if user.is_some() => {
                let u = user.clone().expect("checked");
                if u.active {
                    let q = format!(
                        "Deactivate `{}`? Their sessions end now.",
                        clean(&u.username)
                    );
                    Self::check(
                        u.username,
                        UserChange::Deactivate,
                        Then::Ask(q, Act::SetActive(false)),
                    )
                } else {
                    let q = format!("Activate `{}` again?", clean(&u.username));
                    ask(self, q, Act::SetActive(true))
                }
            }
            KeyCode::Char('u') if user.is_some() => {
                let q = format!(
                    "Unlock `{}`?",
                    clean(&user.as_ref().expect("checked").username)
                );
                ask(self, q, Act::Unlock)
            }
            KeyCode::Char('f') if user.is_some() => {
                let u = user.clone().expect("checked").username;
                let q = format!(
                    "Reset the 2FA of `{}`? Their backup codes stop working and their sessions end.",
                    clean(&u)
                );
                Self::check(u, UserChange::Reset2fa, Then::Ask(q, Act::Reset2fa))
            }
            // `s` for staff: `l` (like `h`) switches tabs, whatever tab is in front.
            KeyCode::Char('s') if user.is_some() => {
                self.picker = Some(StaffPicker::new(user.expect("checked").username));
                Self::search_staff(String::new())
            }
            KeyCode::Char('S') if user.is_some() => {
                let u = user.as_ref().expect("checked");
                let q = match (&u.staff_id, &u.staff_name) {
                    (Some(id), name) => format!(
                        "Unlink `{}` from member of staff #{id} {}?",
                        clean(&u.username),
                        clean(name.as_deref().unwrap_or(""))
                    ),
                    (None, _) => format!(
                        "Unlink `{}` from their member of staff?",
                        clean(&u.username)
                    ),
                };
                ask(self, q, Act::Unlink)
            }
            KeyCode::Char('p') if user.is_some() => {
                let u = user.clone().expect("checked").username;
                Self::check(u, UserChange::ResetPassword, Then::ResetForm)
            }
            _ => return None,
        })
    }

    fn on_reply(&mut self, reply: Reply, _: &Ctx) -> Option<Cmd> {
        match reply.done::<UsersReply>()? {
            UsersReply::List(Ok(page)) => {
                self.users = page.users;
                self.total = page.total;
                self.offset = page.offset;
                self.loaded = true;
                self.cursor = self.cursor.min(self.users.len().saturating_sub(1));
                None
            }
            UsersReply::List(Err(e)) => Some(Cmd::failed(&e)),
            UsersReply::Checked(_, _, Err(e)) => Some(Cmd::failed(&e)),
            UsersReply::Checked(user, then, Ok(())) => match then {
                Then::Ask(q, act) => {
                    self.confirm = Some((q, user, act));
                    None
                }
                Then::PickRole => {
                    self.picking_role = true;
                    Some(Cmd::Notice(Notice::info(format!(
                        "New role of `{}`: e employee, m manager, a administrator (any other key: none)",
                        clean(&user)
                    ))))
                }
                Then::ResetForm => {
                    self.form = Some((
                        FormKind::ResetPassword,
                        user,
                        Form::new(vec![
                            TextInput::secret("Temporary password"),
                            TextInput::secret("Repeat it"),
                        ]),
                    ));
                    None
                }
            },
            UsersReply::Done(what, Ok(())) => {
                self.form = None;
                Some(Cmd::Batch(vec![
                    Cmd::Notice(Notice::info(format!("{what}."))),
                    self.load(),
                ]))
            }
            UsersReply::Sessions(name, Ok(list)) => {
                self.sessions = Some((name, list, 0));
                None
            }
            UsersReply::Sessions(_, Err(e)) => Some(Cmd::failed(&e)),
            UsersReply::Staff(Ok(found)) => {
                if let Some(p) = &mut self.picker {
                    p.matches = found;
                    p.at = p.at.min(p.matches.len().saturating_sub(1));
                }
                None
            }
            UsersReply::Staff(Err(e)) => {
                self.picker = None;
                Some(Cmd::failed(&e))
            }
            UsersReply::Done(_, Err(e)) => {
                if let Some((_, _, form)) = &mut self.form {
                    form.clear_secrets();
                }
                Some(Cmd::failed(&e))
            }
        }
    }

    fn draw(&self, ctx: &Ctx, f: &mut Frame, area: Rect) {
        draw::draw(self, ctx, f, area)
    }

    fn hints(&self, ctx: &Ctx) -> Vec<Hint> {
        self.keys(ctx, false)
    }

    fn help(&self, ctx: &Ctx) -> Vec<Hint> {
        self.keys(ctx, true)
    }

    fn editing(&self) -> bool {
        self.form.is_some()
            || self.searching
            || self.confirm.is_some()
            || self.picking_role
            || self.sessions.is_some()
            || self.picker.is_some()
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl UsersTab {
    /// The keys of what is in front: the most used for the hint bar, every one for the help.
    fn keys(&self, ctx: &Ctx, all: bool) -> Vec<Hint> {
        let h = |k: &str, what: &'static str| (k.to_string(), what);
        if self.confirm.is_some() {
            return vec![h("y", "yes"), h("any other key", "no")];
        }
        if self.form.is_some() {
            return vec![
                h("Enter", "next / save"),
                h("Tab/Shift-Tab", "move"),
                h("Esc", "cancel"),
            ];
        }
        if self.sessions.is_some() {
            let mut v = vec![h("j/k", "choose")];
            if ctx.role.allows(Permission::ManageUsers) {
                v.push(h("e", "end session"));
            }
            v.push(h("any other key", "close"));
            return v;
        }
        if self.picker.is_some() {
            return vec![
                h("type", "a staff name or id"),
                h("↑/↓", "choose"),
                h("Enter", "link"),
                h("Esc", "cancel"),
            ];
        }
        if self.picking_role {
            return vec![
                h("e / m / a", "employee / manager / administrator"),
                h("any other key", "leave the role"),
            ];
        }
        if self.searching {
            return vec![
                h("Enter", "search"),
                h("Ctrl-U", "clear"),
                h("Esc", "stop typing"),
            ];
        }
        let mut v = vec![
            h("j/k PgUp/PgDn", "move"),
            h("/", "search"),
            h("Enter", "sessions"),
            h("g", "reload"),
        ];
        if ctx.role.allows(Permission::ManageUsers) {
            v.extend([
                h("n", "new user"),
                h("r", "role"),
                h("x", "(de)activate"),
                h("u", "unlock"),
                h("p", "reset password"),
                h("f", "reset 2FA"),
                h("s", "link staff"),
                h("S", "unlink staff"),
            ]);
        }
        if all {
            v.extend([
                h("Home", "first page"),
                h("F5", "reload, as g"),
                h("Esc", "clear the search"),
            ]);
        }
        v
    }
}
