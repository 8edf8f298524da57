//! The application state and its one `update`: keys, ticks and worker results come in as
//! [`Msg`]s, jobs for the worker go out through the outbox. Drawing (in `screens/`) only
//! reads this state.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use std::collections::HashMap;
use std::path::PathBuf;

use super::jobs::{Job, JobResult};
use super::keymap::{Action, KeyMap};
use super::tabs::{self, Cmd, Ctx, Tab, TabId};
use super::theme::{Theme, ThemeName};
use super::widgets::form::{Form, FormEvent};
use super::widgets::input::TextInput;
use super::widgets::qr::QrBlocks;
use super::widgets::totp::{self, code_form};
use super::work::{Body, Reply, TabJob, TabReply};
use crate::auth::{Actor, Session, SessionState, Step, TotpSetup};
use crate::error::ErrorKind;

pub use super::tabs::Notice;

/// Everything the loop feeds the app.
#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    Resize(u16, u16),
    Tick,
    Job(JobResult),
    /// The terminal went away (SIGHUP, input or output failing) or we were told to stop
    /// (SIGTERM, SIGINT); the text is what the audit trail records.
    Signal(&'static str),
}

/// The smallest terminal the screens are laid out for.
pub const MIN_SIZE: (u16, u16) = (80, 24);

/// What the audit trail records when the terminal goes away under a session.
pub const HUNG_UP: &str = "terminal hung up";

/// Where the user is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Screen {
    Starting,
    FirstRun(Form),
    Login(Form),
    SecondFactor {
        form: Form,
        backup: bool,
    },
    TotpSetup {
        setup: Option<TotpSetup>,
        qr: Option<(QrBlocks, QrBlocks)>,
        form: Form,
    },
    BackupCodes {
        codes: Vec<String>,
        next: Step,
    },
    PasswordChange(Form),
    Main {
        tab: usize,
    },
    Lock(Form),
}

impl Screen {
    /// The title on the first line (scripts driving a terminal look for it).
    pub fn title(&self) -> &'static str {
        match self {
            Screen::Starting => "Starting",
            Screen::FirstRun(_) => "First run: create the administrator",
            Screen::Login(_) => "Sign in",
            Screen::SecondFactor { .. } => "Two-factor code",
            Screen::TotpSetup { .. } => "Set up two-factor authentication",
            Screen::BackupCodes { .. } => "Your backup codes",
            Screen::PasswordChange(_) => "Choose a new password",
            Screen::Main { .. } => "Main",
            Screen::Lock(_) => "Locked",
        }
    }

    fn form_mut(&mut self) -> Option<&mut Form> {
        match self {
            Screen::FirstRun(f)
            | Screen::Login(f)
            | Screen::PasswordChange(f)
            | Screen::Lock(f) => Some(f),
            Screen::SecondFactor { form, .. } | Screen::TotpSetup { form, .. } => Some(form),
            _ => None,
        }
    }

    pub fn form(&self) -> Option<&Form> {
        match self {
            Screen::FirstRun(f)
            | Screen::Login(f)
            | Screen::PasswordChange(f)
            | Screen::Lock(f) => Some(f),
            Screen::SecondFactor { form, .. } | Screen::TotpSetup { form, .. } => Some(form),
            _ => None,
        }
    }
}

/// A sign-in form: always empty, the cursor on the username (the next person at a shared
/// terminal is someone else).
fn login_form() -> Form {
    Form::new(vec![
        TextInput::new("Username"),
        TextInput::secret("Password"),
    ])
}

fn lock_form() -> Form {
    Form::new(vec![TextInput::secret("Password")])
}

/// How the app was set up.
#[derive(Debug, Clone)]
pub struct AppOptions {
    pub store_label: String,
    pub theme: ThemeName,
    pub no_color: bool,
    pub keymap: KeyMap,
    /// The config file the theme is saved to.
    pub config_path: PathBuf,
    /// The user's data folder (rejects files of imports).
    pub data_dir: PathBuf,
    /// The password rules (for feedback as a password is typed).
    pub policy: crate::auth::policy::PasswordPolicy,
    /// Settings in force, as (name, value), shown on the Settings tab.
    pub settings: Vec<(String, String)>,
    /// Store-wide settings (currency, low stock, sales target).
    pub shop: super::tabs::ShopSettings,
    /// The chain name, currency and folder of PDF reports.
    pub reports: crate::report::ReportOptions,
    /// Ticks between session checks, and between activity notes to the store.
    pub check_every: u64,
    pub touch_every: u64,
}

/// Why the lock screen is up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockCause {
    /// The user pressed the lock key.
    Manual,
    /// No activity for the idle limit.
    Idle,
}

#[derive(Debug)]
pub struct App {
    pub screen: Screen,
    pub theme: Theme,
    pub keymap: KeyMap,
    pub store_label: String,
    pub session: Option<Session>,
    /// Seconds until the idle lock and until the session's end, from the last check.
    pub time_left: Option<(i64, i64)>,
    pub notice: Option<Notice>,
    /// What the account worker is doing for the user right now (drawn with a spinner).
    pub busy: Option<&'static str>,
    pub spinner: usize,
    pub help: bool,
    pub confirm_quit: bool,
    pub quit: bool,
    pub size: (u16, u16),
    pub lock_cause: LockCause,
    /// Whether the store held no data at sign-in (the main screen says how to load some).
    pub store_empty: bool,
    config_path: PathBuf,
    data_dir: PathBuf,
    policy: crate::auth::policy::PasswordPolicy,
    settings: Vec<(String, String)>,
    shop: super::tabs::ShopSettings,
    reports: crate::report::ReportOptions,
    /// Text to put on the clipboard (OSC 52) at the next draw.
    clipboard: Option<String>,
    in_flight: usize,
    outbox: Vec<Job>,
    ticks: u64,
    last_check: u64,
    last_touch: u64,
    check_every: u64,
    touch_every: u64,
    resume_tab: usize,
    /// The signed-in session's tabs: built new at each sign-in, dropped at its end.
    tabs: Vec<Box<dyn Tab>>,
    /// Counts sessions, so replies to an earlier one are dropped.
    generation: u64,
    next_seq: u64,
    /// The newest request per tab and slot; older replies are stale.
    latest: HashMap<(TabId, &'static str), u64>,
}

impl App {
    /// A new app; its first job asks whether the store has any user.
    pub fn new(opts: AppOptions) -> App {
        let mut app = App {
            screen: Screen::Starting,
            theme: Theme::new(opts.theme, opts.no_color),
            keymap: opts.keymap,
            store_label: opts.store_label,
            session: None,
            time_left: None,
            notice: None,
            busy: Some("Opening the store"),
            spinner: 0,
            help: false,
            confirm_quit: false,
            quit: false,
            size: MIN_SIZE,
            lock_cause: LockCause::Idle,
            store_empty: false,
            config_path: opts.config_path,
            data_dir: opts.data_dir,
            policy: opts.policy,
            settings: opts.settings,
            shop: opts.shop,
            reports: opts.reports,
            clipboard: None,
            in_flight: 0,
            outbox: Vec::new(),
            ticks: 0,
            last_check: 0,
            last_touch: 0,
            check_every: opts.check_every.max(1),
            touch_every: opts.touch_every.max(1),
            resume_tab: 0,
            tabs: Vec::new(),
            generation: 0,
            next_seq: 0,
            latest: HashMap::new(),
        };
        app.send(Job::CheckUsers);
        app
    }

    /// Jobs to hand to the workers.
    pub fn take_jobs(&mut self) -> Vec<Job> {
        std::mem::take(&mut self.outbox)
    }

    /// Jobs sent (or about to be) whose results have not come back.
    pub fn in_flight(&self) -> usize {
        self.in_flight
    }

    fn send(&mut self, job: Job) {
        self.in_flight += 1;
        self.outbox.push(job);
    }

    fn start(&mut self, what: &'static str, job: Job) {
        self.busy = Some(what);
        self.notice = None;
        self.send(job);
    }

    fn error(&mut self, text: impl Into<String>) {
        self.notice = Some(Notice::error(text));
    }

    fn info(&mut self, text: impl Into<String>) {
        self.notice = Some(Notice::info(text));
    }

    pub fn too_small(&self) -> bool {
        self.size.0 < MIN_SIZE.0 || self.size.1 < MIN_SIZE.1
    }

    /// The titles of the signed-in user's tabs.
    pub fn tabs(&self) -> Vec<&'static str> {
        self.tabs.iter().map(|t| t.id().title()).collect()
    }

    /// The tab in front, when the main screen is up.
    pub fn current_tab(&self) -> Option<&dyn Tab> {
        match self.screen {
            Screen::Main { tab } => self.tabs.get(tab).map(|t| t.as_ref()),
            _ => None,
        }
    }

    /// The signed-in user's tab of type `T` (for tests and benchmarks).
    pub fn tab<T: Tab>(&self) -> Option<&T> {
        self.tabs
            .iter()
            .find_map(|t| t.as_any().downcast_ref::<T>())
    }

    /// What tabs read from around them.
    pub fn ctx(&self) -> Ctx<'_> {
        Ctx {
            role: self
                .session
                .as_ref()
                .map_or(crate::auth::Role::Employee, |s| s.role),
            theme: &self.theme,
            spinner: self.spinner,
            data_dir: &self.data_dir,
            size: self.size,
            policy: &self.policy,
            settings: &self.settings,
            username: self.session.as_ref().map_or("", |s| s.username.as_str()),
            shop: &self.shop,
            reports: &self.reports,
            config_path: &self.config_path,
        }
    }

    /// Text a tab asked to copy, for the terminal loop to send as OSC 52.
    pub fn take_clipboard(&mut self) -> Option<String> {
        self.clipboard.take()
    }

    /// Folds one message into the state.
    pub fn update(&mut self, msg: Msg) {
        match msg {
            Msg::Key(k) if k.kind != KeyEventKind::Release => self.on_key(k),
            Msg::Key(_) => {}
            Msg::Resize(w, h) => self.size = (w, h),
            Msg::Tick => self.on_tick(),
            Msg::Job(JobResult::Tab(r)) => self.on_tab_reply(r),
            Msg::Job(r) => {
                self.in_flight = self.in_flight.saturating_sub(1);
                self.on_result(r);
            }
            Msg::Signal(reason) => self.quit_now(reason),
        }
    }

    fn quit_now(&mut self, reason: &str) {
        // Running work is cancelled: an import rolls back and writes nothing.
        for t in self.tabs.iter_mut() {
            t.cancel();
        }
        if self.session.is_some() {
            self.send(Job::SignOut {
                reason: reason.to_string(),
            });
        }
        self.quit = true;
    }

    fn on_tick(&mut self) {
        self.ticks += 1;
        self.spinner = self.spinner.wrapping_add(1);
        let signed_in = matches!(self.screen, Screen::Main { .. } | Screen::Lock(_));
        if signed_in && self.session.is_some() && self.ticks - self.last_check >= self.check_every {
            self.last_check = self.ticks;
            self.send(Job::CheckSession);
        }
    }

    /// Whether typed characters go into a text field now.
    fn typing(&self) -> bool {
        self.screen.form().is_some() || self.current_tab().is_some_and(|t| t.editing())
    }

    fn on_key(&mut self, key: KeyEvent) {
        let action = self.keymap.action(&key);
        let is_ctrl_c =
            key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL);
        if self.confirm_quit {
            match key.code {
                KeyCode::Char('y') | KeyCode::Char('Y') => self.quit_now("quit"),
                _ => self.confirm_quit = false,
            }
            return;
        }
        if self.too_small() {
            // Only quitting works until the window is large enough.
            if is_ctrl_c || key.code == KeyCode::Char('q') {
                self.quit_now("quit");
            }
            return;
        }
        // The help box closes on any key (`q` included), never quitting under it.
        if self.help && !is_ctrl_c {
            self.help = false;
            return;
        }
        // A notice answers the last action; the next key starts afresh.
        if matches!(self.screen, Screen::Main { .. }) && self.busy.is_none() {
            self.notice = None;
        }
        let typing = self.typing()
            && matches!(key.code, KeyCode::Char(_) | KeyCode::Backspace)
            && !key
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
        let wants_quit = is_ctrl_c || (action == Some(Action::Quit) && !typing);
        if wants_quit {
            if self.busy.is_some() || self.tabs.iter().any(|t| t.busy()) {
                self.confirm_quit = true;
            } else {
                self.quit_now("quit");
            }
            return;
        }
        if self.help {
            self.help = false;
            return;
        }
        if key.code == KeyCode::F(1) || (action == Some(Action::Help) && !typing) {
            self.help = true;
            return;
        }
        if key.code == KeyCode::Char('t') && key.modifiers.contains(KeyModifiers::CONTROL)
            || (action == Some(Action::ToggleTheme) && !typing)
        {
            self.toggle_theme();
            return;
        }
        // Activity keeps the session alive (noted in the store at most every few ticks).
        if matches!(self.screen, Screen::Main { .. })
            && self.ticks - self.last_touch >= self.touch_every
        {
            self.last_touch = self.ticks;
            self.send(Job::Touch);
        }
        if self.screen.form().is_some() {
            self.on_form_key(key, action);
        } else {
            self.on_screen_key(key, action);
        }
    }

    fn toggle_theme(&mut self) {
        let name = self.theme.name.toggled();
        self.theme = Theme::new(name, self.theme.no_color);
        self.send(Job::SaveTheme {
            path: self.config_path.clone(),
            theme: name.as_str().into(),
        });
    }

    fn on_form_key(&mut self, key: KeyEvent, action: Option<Action>) {
        if let Screen::SecondFactor { backup, .. } = &mut self.screen
            && action == Some(Action::UseBackupCode)
        {
            *backup = !*backup;
            return;
        }
        let busy = self.busy.is_some();
        let Some(form) = self.screen.form_mut() else {
            return;
        };
        match form.handle(&key, action) {
            FormEvent::Submit if !busy => self.submit(),
            FormEvent::Cancel => self.cancel(),
            _ => {}
        }
    }

    fn submit(&mut self) {
        enum Then {
            Start(&'static str, Job),
            Error(&'static str),
            Nothing,
        }
        let then = match &mut self.screen {
            Screen::FirstRun(f) => {
                let (user, pw, again) = (
                    f.value(0).to_string(),
                    f.value(1).to_string(),
                    f.value(2).to_string(),
                );
                if pw != again {
                    f.clear_secrets();
                    f.focus = 1;
                    Then::Error("The two passwords differ; type them again.")
                } else {
                    Then::Start(
                        "Creating the administrator",
                        Job::CreateFirstAdmin {
                            username: user,
                            password: pw,
                        },
                    )
                }
            }
            Screen::Login(f) => {
                let user = f.value(0).to_string();
                let pw = f.fields[1].take();
                if user.trim().is_empty() {
                    f.focus = 0;
                    Then::Error("Type your username.")
                } else {
                    Then::Start(
                        "Checking your password",
                        Job::BeginSignIn {
                            username: user,
                            password: pw,
                        },
                    )
                }
            }
            Screen::SecondFactor { form, .. } => Then::Start(
                "Checking the code",
                Job::SecondFactor {
                    code: form.fields[0].take(),
                },
            ),
            Screen::TotpSetup {
                form,
                setup: Some(_),
                ..
            } => Then::Start(
                "Turning on two-factor authentication",
                Job::ConfirmTotp {
                    code: form.fields[0].take(),
                },
            ),
            Screen::PasswordChange(f) => {
                let (pw, again) = (f.value(0).to_string(), f.value(1).to_string());
                f.clear_secrets();
                f.focus = 0;
                if pw != again {
                    Then::Error("The two passwords differ; type them again.")
                } else {
                    Then::Start(
                        "Saving the new password",
                        Job::ChangePassword { password: pw },
                    )
                }
            }
            Screen::Lock(f) => Then::Start(
                "Checking your password",
                Job::Unlock {
                    password: f.fields[0].take(),
                },
            ),
            _ => Then::Nothing,
        };
        match then {
            Then::Start(what, job) => self.start(what, job),
            Then::Error(text) => self.error(text),
            Then::Nothing => {}
        }
    }

    fn cancel(&mut self) {
        match self.screen {
            Screen::SecondFactor { .. } | Screen::TotpSetup { .. } | Screen::PasswordChange(_) => {
                self.send(Job::CancelSignIn);
                self.screen = Screen::Login(login_form());
                self.info("Sign-in cancelled.");
            }
            Screen::Lock(_) => self.start(
                "Signing out",
                Job::SignOut {
                    reason: "signed out at the lock screen".into(),
                },
            ),
            _ => {}
        }
    }

    fn on_screen_key(&mut self, key: KeyEvent, action: Option<Action>) {
        if let Screen::Main { tab } = self.screen
            && let Some(cmd) = self.tab_key(tab, &key, action)
        {
            self.apply(tab, cmd);
            return;
        }
        match self.screen {
            Screen::BackupCodes { next, .. } if key.code == KeyCode::Enter => self.route(next),
            Screen::Main { tab } => {
                let n = self.tabs.len().max(1);
                let to = match action {
                    Some(Action::NextField | Action::NextTab | Action::Right) => (tab + 1) % n,
                    Some(Action::PrevField | Action::PrevTab | Action::Left) => (tab + n - 1) % n,
                    Some(a) if a.tab_index().is_some_and(|i| i < n) => a.tab_index().unwrap_or(0),
                    Some(Action::SignOut) => {
                        self.start(
                            "Signing out",
                            Job::SignOut {
                                reason: "signed out".into(),
                            },
                        );
                        return;
                    }
                    Some(Action::LockNow) => {
                        self.lock(LockCause::Manual);
                        return;
                    }
                    _ => return,
                };
                self.open_tab(to);
            }
            _ => {}
        }
    }

    /// Offers a key to tab `i`.
    fn tab_key(&mut self, i: usize, key: &KeyEvent, action: Option<Action>) -> Option<Cmd> {
        self.with_tab(i, |t, ctx| t.handle_key(key, action, ctx))
    }

    /// Runs `f` on tab `i` with the context tabs read, while someone is signed in. The tab is
    /// lent out of the collection for the call, so the context can borrow the rest of the app.
    fn with_tab(
        &mut self,
        i: usize,
        f: impl FnOnce(&mut dyn Tab, &Ctx) -> Option<Cmd>,
    ) -> Option<Cmd> {
        self.session.as_ref()?;
        let mut tabs = std::mem::take(&mut self.tabs);
        let cmd = tabs.get_mut(i).and_then(|t| f(t.as_mut(), &self.ctx()));
        self.tabs = tabs;
        cmd
    }

    /// Brings tab `i` to the front.
    fn open_tab(&mut self, i: usize) {
        if i >= self.tabs.len() {
            return;
        }
        self.screen = Screen::Main { tab: i };
        if let Some(cmd) = self.with_tab(i, |t, ctx| t.on_open(ctx)) {
            self.apply(i, cmd);
        }
    }

    /// Carries out what tab `i` asked for.
    fn apply(&mut self, i: usize, cmd: Cmd) {
        match cmd {
            Cmd::Done => {}
            Cmd::Batch(cmds) => {
                for c in cmds {
                    self.apply(i, c);
                }
            }
            Cmd::Notice(n) => self.notice = Some(n),
            Cmd::Copy(text) => self.clipboard = Some(text),
            Cmd::Shop(shop) => {
                self.reports.currency = shop.currency.clone();
                self.shop = shop;
            }
            Cmd::SessionEnded(text) => self.back_to_login(Notice::error(text)),
            Cmd::Run(work) => {
                let (Some(s), Some(t)) = (&self.session, self.tabs.get(i)) else {
                    return;
                };
                self.next_seq += 1;
                let tab = t.id();
                self.latest.insert((tab, work.slot), self.next_seq);
                let job = TabJob {
                    tab,
                    generation: self.generation,
                    seq: self.next_seq,
                    actor: Actor::from_session(s),
                    session: s.clone(),
                    work,
                };
                if job.work.long {
                    // Not waited for: it reports as it goes, and may run for minutes.
                    self.outbox.push(Job::Tab(Box::new(job)));
                } else {
                    self.send(Job::Tab(Box::new(job)));
                }
            }
        }
    }

    fn on_tab_reply(&mut self, r: TabReply) {
        let settles = !matches!(r.body, Body::Event(_));
        if settles && !r.long {
            self.in_flight = self.in_flight.saturating_sub(1);
        }
        // Replies of an earlier session, or to a request since superseded, are dropped.
        let current =
            r.generation == self.generation && self.latest.get(&(r.tab, r.slot)) == Some(&r.seq);
        if !current || self.session.is_none() {
            return;
        }
        if settles {
            self.latest.remove(&(r.tab, r.slot));
        }
        let Some(i) = self.tabs.iter().position(|t| t.id() == r.tab) else {
            return;
        };
        let reply = match r.body {
            Body::Event(e) => Reply::Event(e),
            Body::Done(d) => Reply::Done(d),
            Body::Panicked => {
                self.error("Something went wrong inside Stockroom (a bug; the log has details).");
                Reply::Lost
            }
        };
        if let Some(cmd) = self.with_tab(i, |t, ctx| t.on_reply(reply, ctx)) {
            self.apply(i, cmd);
        }
    }

    fn lock(&mut self, cause: LockCause) {
        if let Screen::Main { tab } = self.screen {
            self.resume_tab = tab;
        }
        self.lock_cause = cause;
        self.notice = None;
        self.screen = Screen::Lock(lock_form());
        self.send(Job::LockNoted);
    }

    /// Moves to the screen for a sign-in step.
    fn route(&mut self, step: Step) {
        match step {
            Step::SecondFactor => {
                self.screen = Screen::SecondFactor {
                    form: code_form(),
                    backup: false,
                }
            }
            Step::TotpSetup => {
                self.screen = Screen::TotpSetup {
                    setup: None,
                    qr: None,
                    form: code_form(),
                };
                self.start("Preparing two-factor setup", Job::TotpSetup);
            }
            Step::PasswordChange => {
                self.screen = Screen::PasswordChange(Form::new(vec![
                    TextInput::secret("New password"),
                    TextInput::secret("Repeat it"),
                ]));
                self.info("Your password was reset: choose a new one.");
            }
            Step::Done => self.start("Opening your session", Job::Finish),
        }
    }

    /// Ends what the session left on screen: its tabs (and their work), its notice, its
    /// name; the sign-in comes back empty.
    fn back_to_login(&mut self, notice: Notice) {
        for t in self.tabs.iter_mut() {
            t.cancel();
        }
        self.tabs.clear();
        self.latest.clear();
        self.generation += 1;
        self.session = None;
        self.time_left = None;
        self.store_empty = false;
        self.help = false;
        self.screen = Screen::Login(login_form());
        self.notice = Some(notice);
    }

    fn on_result(&mut self, r: JobResult) {
        let user_facing = !matches!(r, JobResult::Done | JobResult::Session(_));
        if user_facing {
            self.busy = None;
        }
        match r {
            JobResult::HasUsers(has) => {
                self.busy = None;
                self.screen = if has {
                    Screen::Login(login_form())
                } else {
                    Screen::FirstRun(Form::new(vec![
                        TextInput::new("Username"),
                        TextInput::secret("Password"),
                        TextInput::secret("Repeat it"),
                    ]))
                };
            }
            JobResult::Step(step) => self.route(step),
            JobResult::Setup(setup) => {
                if let Screen::TotpSetup { setup: s, qr, .. } = &mut self.screen {
                    *qr = totp::qr_pair(&setup);
                    *s = Some(setup);
                }
            }
            JobResult::BackupCodes { codes, next } => {
                self.screen = Screen::BackupCodes { codes, next };
                self.notice = None;
            }
            JobResult::SignedIn { session, empty } => {
                // A new session gets new tabs: nothing of an earlier user's survives.
                self.generation += 1;
                self.latest.clear();
                self.tabs = tabs::build(session.role);
                self.session = Some(session);
                self.store_empty = empty;
                self.notice = empty.then(|| {
                    Notice::info(
                        "Empty store: `stockroom demo` loads demo data; the ETL tab imports files.",
                    )
                });
                self.last_check = self.ticks;
                self.last_touch = self.ticks;
                self.open_tab(0);
            }
            JobResult::Session(state) => match state {
                SessionState::Active {
                    idle_left,
                    absolute_left,
                } => self.time_left = Some((idle_left, absolute_left)),
                SessionState::Idle => {
                    if matches!(self.screen, Screen::Main { .. }) {
                        self.lock(LockCause::Idle);
                        self.info("Locked after inactivity. Type your password to continue.");
                    }
                }
                SessionState::Expired => self.back_to_login(Notice::error(
                    "Your session reached its time limit. Sign in again.",
                )),
                SessionState::Ended { reason } => self.back_to_login(Notice::error(format!(
                    "Your session ended ({}). Sign in again.",
                    super::text::clean(&reason)
                ))),
            },
            JobResult::Unlocked => {
                self.screen = Screen::Main {
                    tab: self.resume_tab,
                };
                self.notice = None;
                self.last_touch = self.ticks;
            }
            JobResult::SignedOut => {
                if !self.quit {
                    self.back_to_login(Notice::info("Signed out."));
                }
            }
            JobResult::Done | JobResult::Tab(_) => {}
            JobResult::Failed { kind, message } => {
                if let Some(f) = self.screen.form_mut() {
                    f.clear_secrets();
                }
                let at_lock = matches!(self.screen, Screen::Lock(_));
                let signing_in = matches!(
                    self.screen,
                    Screen::SecondFactor { .. }
                        | Screen::TotpSetup { .. }
                        | Screen::PasswordChange(_)
                );
                match kind {
                    ErrorKind::SessionEnded => self.back_to_login(Notice::error(message)),
                    // The account locked itself: whoever is here proved the password, so
                    // they may be told; the sign-in (or the session) is over.
                    ErrorKind::Locked if at_lock || signing_in => {
                        self.send(Job::CancelSignIn);
                        self.back_to_login(Notice::error(message))
                    }
                    // A wrong password at the lock screen may have ended the session.
                    _ if at_lock => {
                        self.error(message);
                        self.send(Job::CheckSession);
                    }
                    _ => self.error(message),
                }
            }
        }
    }
}
