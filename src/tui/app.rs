//! The application state and its one `update`: keys, ticks and worker results come in as
//! [`Msg`]s, jobs for the worker go out through the outbox. Drawing (in `screens/`) only
//! reads this state.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::etl_tab::{EtlRun, EtlTab};
use super::jobs::{EtlTask, Job, JobResult};
use super::keymap::{Action, KeyMap};
use super::theme::{Theme, ThemeName};
use super::widgets::form::{Form, FormEvent};
use super::widgets::input::TextInput;
use super::widgets::qr::QrBlocks;
use crate::auth::{Permission, Role, Session, SessionState, Step, TotpSetup};

/// Everything the loop feeds the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Msg {
    Key(KeyEvent),
    Resize(u16, u16),
    Tick,
    Job(JobResult),
    /// The terminal went away (SIGHUP) or we were told to stop (SIGTERM, SIGINT).
    Signal(&'static str),
}

/// The smallest terminal the screens are laid out for.
pub const MIN_SIZE: (u16, u16) = (80, 24);

/// The tabs of the main screen and the permission each needs (DESIGN §4, §7).
pub const TABS: [(&str, Permission); 8] = [
    ("Dashboard", Permission::ViewData),
    ("Data", Permission::ViewData),
    ("Orders", Permission::CreateOrders),
    ("Reports", Permission::ExportData),
    ("ETL", Permission::ImportCsv),
    ("Users", Permission::ViewUsers),
    ("Audit", Permission::ViewAudit),
    ("Settings", Permission::ChangeSettings),
];

/// The tabs a role may use.
pub fn tabs_for(role: Role) -> Vec<&'static str> {
    TABS.iter()
        .filter(|(_, p)| role.allows(*p))
        .map(|(n, _)| *n)
        .collect()
}

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

fn login_form(username: &str) -> Form {
    let mut user = TextInput::new("Username");
    user.value = username.to_string();
    let mut f = Form::new(vec![user, TextInput::secret("Password")]);
    if !username.is_empty() {
        f.focus = 1;
    }
    f
}

fn code_form() -> Form {
    let mut code = TextInput::new("Code");
    code.max_chars = 16;
    Form::new(vec![code])
}

/// A line of feedback; errors are marked in words, not only in colour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub error: bool,
    pub text: String,
}

/// How the app was set up.
#[derive(Debug, Clone)]
pub struct AppOptions {
    pub store_label: String,
    pub theme: ThemeName,
    pub no_color: bool,
    pub keymap: KeyMap,
    /// The config file the theme is saved to.
    pub config_path: std::path::PathBuf,
    /// Ticks between session checks, and between activity notes to the store.
    pub check_every: u64,
    pub touch_every: u64,
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
    /// What the worker is doing for the user right now (drawn with a spinner).
    pub busy: Option<&'static str>,
    pub spinner: usize,
    pub help: bool,
    pub confirm_quit: bool,
    pub quit: bool,
    pub size: (u16, u16),
    config_path: std::path::PathBuf,
    in_flight: usize,
    outbox: Vec<Job>,
    ticks: u64,
    last_check: u64,
    last_touch: u64,
    check_every: u64,
    touch_every: u64,
    resume_tab: usize,
    username: String,
    /// The ETL tab.
    pub etl: EtlTab,
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
            config_path: opts.config_path,
            in_flight: 0,
            outbox: Vec::new(),
            ticks: 0,
            last_check: 0,
            last_touch: 0,
            check_every: opts.check_every.max(1),
            touch_every: opts.touch_every.max(1),
            resume_tab: 0,
            username: String::new(),
            etl: EtlTab::default(),
        };
        app.send(Job::CheckUsers);
        app
    }

    /// Jobs to hand to the worker.
    pub fn take_jobs(&mut self) -> Vec<Job> {
        std::mem::take(&mut self.outbox)
    }

    /// Jobs sent whose results have not come back.
    pub fn in_flight(&self) -> usize {
        self.in_flight + self.outbox.len()
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
        self.notice = Some(Notice {
            error: true,
            text: text.into(),
        });
    }

    fn info(&mut self, text: impl Into<String>) {
        self.notice = Some(Notice {
            error: false,
            text: text.into(),
        });
    }

    pub fn too_small(&self) -> bool {
        self.size.0 < MIN_SIZE.0 || self.size.1 < MIN_SIZE.1
    }

    /// The tabs of the signed-in role.
    pub fn tabs(&self) -> Vec<&'static str> {
        self.session
            .as_ref()
            .map(|s| tabs_for(s.role))
            .unwrap_or_default()
    }

    /// Folds one message into the state.
    pub fn update(&mut self, msg: Msg) {
        match msg {
            Msg::Key(k) if k.kind != KeyEventKind::Release => self.on_key(k),
            Msg::Key(_) => {}
            Msg::Resize(w, h) => self.size = (w, h),
            Msg::Tick => self.on_tick(),
            // Events of a running ETL job are not answers to a request.
            Msg::Job(JobResult::Etl(ev)) => self.etl.on_event(ev),
            Msg::Job(r) => {
                self.in_flight = self.in_flight.saturating_sub(1);
                self.on_result(r);
            }
            Msg::Signal(name) => {
                self.quit_now(name);
            }
        }
    }

    fn quit_now(&mut self, reason: &str) {
        // A running import is cancelled: it rolls back and writes nothing.
        if let Some(run) = &self.etl.running {
            run.cancel.cancel();
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
        let typing = (self.screen.form().is_some() || self.etl_editing())
            && matches!(key.code, KeyCode::Char(_) | KeyCode::Backspace)
            && !key
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
        let wants_quit = is_ctrl_c || (action == Some(Action::Quit) && !typing);
        if wants_quit {
            if self.busy.is_some() || self.etl.running.is_some() {
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
            Start(&'static str, Job, Option<String>),
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
                    let name = user.trim().to_lowercase();
                    Then::Start(
                        "Creating the administrator",
                        Job::CreateFirstAdmin {
                            username: user,
                            password: pw,
                        },
                        Some(name),
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
                    let name = user.trim().to_lowercase();
                    Then::Start(
                        "Checking your password",
                        Job::BeginSignIn {
                            username: user,
                            password: pw,
                        },
                        Some(name),
                    )
                }
            }
            Screen::SecondFactor { form, .. } => Then::Start(
                "Checking the code",
                Job::SecondFactor {
                    code: form.fields[0].take(),
                },
                None,
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
                None,
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
                        None,
                    )
                }
            }
            Screen::Lock(f) => Then::Start(
                "Checking your password",
                Job::Unlock {
                    password: f.fields[0].take(),
                },
                None,
            ),
            _ => Then::Nothing,
        };
        match then {
            Then::Start(what, job, name) => {
                if let Some(name) = name {
                    self.username = name;
                }
                self.start(what, job);
            }
            Then::Error(text) => self.error(text),
            Then::Nothing => {}
        }
    }

    fn cancel(&mut self) {
        match self.screen {
            Screen::SecondFactor { .. } | Screen::TotpSetup { .. } | Screen::PasswordChange(_) => {
                self.send(Job::CancelSignIn);
                self.screen = Screen::Login(login_form(&self.username));
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
            && self.tabs().get(tab) == Some(&"ETL")
            && self.on_etl_key(key, action)
        {
            return;
        }
        match &mut self.screen {
            Screen::BackupCodes { next, .. } if key.code == KeyCode::Enter => {
                let next = *next;
                self.route(next);
            }
            Screen::Main { tab } => {
                let n = self
                    .session
                    .as_ref()
                    .map(|s| tabs_for(s.role).len())
                    .unwrap_or(1)
                    .max(1);
                match action {
                    Some(Action::NextField | Action::NextTab | Action::Right) => {
                        *tab = (*tab + 1) % n
                    }
                    Some(Action::PrevField | Action::PrevTab | Action::Left) => {
                        *tab = (*tab + n - 1) % n
                    }
                    Some(a) if a.tab_index().is_some_and(|i| i < n) => {
                        *tab = a.tab_index().unwrap_or(0)
                    }
                    Some(Action::SignOut) => self.start(
                        "Signing out",
                        Job::SignOut {
                            reason: "signed out".into(),
                        },
                    ),
                    Some(Action::LockNow) => {
                        self.resume_tab = *tab;
                        self.screen = Screen::Lock(Form::new(vec![TextInput::secret("Password")]));
                        self.send(Job::LockNoted);
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }

    /// Whether the ETL tab's source field has the keyboard.
    pub fn etl_editing(&self) -> bool {
        self.etl.editing
            && matches!(self.screen, Screen::Main { tab } if self.tabs().get(tab) == Some(&"ETL"))
    }

    fn start_etl(&mut self, what: String, task: EtlTask) {
        if self.etl.running.is_some() {
            self.error("A job is already running; press c to cancel it first.");
            return;
        }
        let cancel = crate::worker::CancelToken::new();
        self.etl.running = Some(EtlRun {
            what,
            cancel: cancel.clone(),
            started: std::time::Instant::now(),
            tables: Vec::new(),
        });
        self.etl.last = None;
        self.notice = None;
        self.send(Job::Etl { task, cancel });
    }

    fn start_import(&mut self) {
        let source = self.etl.source.value.trim().to_string();
        if source.is_empty() {
            self.error("Type a file, a folder or (for an API) a URL first.");
            return;
        }
        let options = crate::etl::ImportOptions {
            skip_invalid: self.etl.skip_invalid,
            rejects: self
                .etl
                .skip_invalid
                .then(|| std::env::temp_dir().join("stockroom-rejects.csv")),
            dry_run: self.etl.dry_run,
            ..crate::etl::ImportOptions::default()
        };
        if self.etl.api {
            self.start_etl(
                format!("API import from {source}"),
                EtlTask::Api {
                    url: source,
                    options,
                },
            );
        } else {
            let paths = source
                .split_whitespace()
                .map(std::path::PathBuf::from)
                .collect();
            self.start_etl(
                format!("CSV import of {source}"),
                EtlTask::Csv { paths, options },
            );
        }
    }

    /// Keys of the ETL tab; returns whether the key was used.
    fn on_etl_key(&mut self, key: KeyEvent, action: Option<Action>) -> bool {
        let admin = self
            .session
            .as_ref()
            .is_some_and(|s| s.role == Role::Administrator);
        if self.etl.editing {
            match key.code {
                KeyCode::Enter => {
                    self.etl.editing = false;
                    self.start_import();
                }
                KeyCode::Esc => self.etl.editing = false,
                _ => {
                    self.etl.source.handle(&key);
                }
            }
            return true;
        }
        match key.code {
            KeyCode::Char('i') => {
                self.etl.api = false;
                self.etl.editing = true;
            }
            KeyCode::Char('a') if admin => {
                self.etl.api = true;
                self.etl.editing = true;
            }
            KeyCode::Char('a') => self.error("Only administrators may import from an API."),
            KeyCode::Char('s') => self.etl.skip_invalid = !self.etl.skip_invalid,
            KeyCode::Char('d') => self.etl.dry_run = !self.etl.dry_run,
            KeyCode::Char('x') => self.start_etl("Connection test".into(), EtlTask::TestConnection),
            KeyCode::Char('m') => self.start_etl("Migrations".into(), EtlTask::Migrate),
            KeyCode::Char('c') | KeyCode::Esc if self.etl.running.is_some() => {
                if let Some(r) = &self.etl.running {
                    r.cancel.cancel();
                }
                self.info("Cancelling: the import rolls back.");
            }
            KeyCode::Enter => self.start_import(),
            _ => return action == Some(Action::Search),
        }
        true
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

    fn back_to_login(&mut self, notice: Notice) {
        self.session = None;
        self.time_left = None;
        self.screen = Screen::Login(login_form(&self.username));
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
                    Screen::Login(login_form(""))
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
                    *qr = QrBlocks::new(&setup.uri, 4).zip(QrBlocks::new(&setup.uri, 2));
                    *s = Some(setup);
                }
            }
            JobResult::BackupCodes { codes, next } => {
                self.screen = Screen::BackupCodes { codes, next };
                self.notice = None;
            }
            JobResult::SignedIn(s) => {
                self.session = Some(s);
                self.screen = Screen::Main { tab: 0 };
                self.notice = None;
                self.last_check = self.ticks;
                self.last_touch = self.ticks;
            }
            JobResult::Session(state) => match state {
                SessionState::Active {
                    idle_left,
                    absolute_left,
                } => self.time_left = Some((idle_left, absolute_left)),
                SessionState::Idle => {
                    if let Screen::Main { tab } = self.screen {
                        self.resume_tab = tab;
                        self.screen = Screen::Lock(Form::new(vec![TextInput::secret("Password")]));
                        self.send(Job::LockNoted);
                        self.info("Locked after inactivity. Type your password to continue.");
                    }
                }
                SessionState::Expired => self.back_to_login(Notice {
                    error: true,
                    text: "Your session reached its time limit. Sign in again.".into(),
                }),
                SessionState::Ended { reason } => self.back_to_login(Notice {
                    error: true,
                    text: format!(
                        "Your session ended ({}). Sign in again.",
                        super::text::clean(&reason)
                    ),
                }),
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
                    self.back_to_login(Notice {
                        error: false,
                        text: "Signed out.".into(),
                    });
                }
            }
            JobResult::Done | JobResult::Etl(_) => {}
            JobResult::Failed(msg) => {
                if let Some(f) = self.screen.form_mut() {
                    f.clear_secrets();
                }
                let ended = msg.contains("session has ended");
                if ended || (matches!(self.screen, Screen::Lock(_)) && msg.contains("locked")) {
                    self.back_to_login(Notice {
                        error: true,
                        text: msg,
                    });
                } else if matches!(self.screen, Screen::Lock(_)) {
                    // A wrong password at the lock screen may have locked the account.
                    self.error(msg);
                    self.send(Job::CheckSession);
                } else {
                    self.error(msg);
                }
            }
        }
    }
}
