//! The application state and its one `update`: keys, ticks and worker results come in as
//! [`Msg`]s, jobs for the worker go out through the outbox. Drawing (in `screens/`) only
//! reads this state. The global keys are here; the sign-in state machine, the tab routing
//! and the account worker's answers are in the modules below, all parts of that `update`.

mod results;
mod routing;
mod screen;
mod sign_in;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use std::collections::HashMap;
use std::path::PathBuf;

use super::jobs::{Job, JobResult};
use super::keymap::{Action, KeyMap};
use super::tabs::{Ctx, Tab, TabId};
use super::theme::{Theme, ThemeName};
use crate::auth::Session;

pub use super::tabs::Notice;
pub use screen::{LockCause, Screen};

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
    /// Requests that change the store, not yet answered.
    writing: std::collections::HashSet<u64>,
    /// Writes answered this session: figures read before the last one are old.
    wrote: u64,
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
            writing: Default::default(),
            wrote: 0,
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

    /// The signed-in user's tabs.
    pub fn tab_ids(&self) -> Vec<super::tabs::TabId> {
        self.tabs.iter().map(|t| t.id()).collect()
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
            wrote: self.wrote,
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
            Msg::Resize(w, h) => {
                self.size = (w, h);
                self.tab_resized();
            }
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
        self.tab_tick();
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
        // Signing out and locking win over every tab's keys (a tab never sees them), in a
        // form too: their keys do not type.
        if matches!(self.screen, Screen::Main { .. }) && !typing {
            match action {
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
                _ => {}
            }
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
}
