//! Drives the real app, with the real worker over a real store, into ratatui's
//! `TestBackend`: for flow tests, snapshots and the `bench tui` figures.

use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, unbounded};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::app::{App, AppOptions, Msg};
use super::jobs::{JobResult, Workers};
use super::keymap::KeyMap;
use super::screens;
use super::tabs::etl::EtlTab;
use super::theme::ThemeName;
use crate::auth::Auth;

pub struct Harness {
    pub app: App,
    pub terminal: Terminal<TestBackend>,
    workers: Option<Workers>,
    results: Receiver<JobResult>,
}

impl Harness {
    /// Options for tests: session checked every tick, activity noted every tick.
    pub fn options(theme: ThemeName, config_path: std::path::PathBuf) -> AppOptions {
        AppOptions {
            store_label: "sqlite://test.db".into(),
            theme,
            no_color: false,
            keymap: KeyMap::defaults(),
            data_dir: config_path
                .parent()
                .map(|p| p.join("data"))
                .unwrap_or_else(std::env::temp_dir),
            policy: crate::auth::policy::PasswordPolicy::default(),
            settings: vec![("store".into(), "sqlite://test.db".into())],
            shop: crate::tui::tabs::ShopSettings::default(),
            reports: crate::report::ReportOptions {
                chain_name: "Stockroom".into(),
                currency: "$".into(),
                reports_dir: config_path
                    .parent()
                    .map(|p| p.join("reports"))
                    .unwrap_or_else(std::env::temp_dir),
                target: crate::report::Target::Folder,
            },
            config_path,
            check_every: 1,
            touch_every: 1,
        }
    }

    pub fn new(auth: Auth, opts: AppOptions, width: u16, height: u16) -> Harness {
        let (res_tx, res_rx) = unbounded();
        let workers = Workers::spawn(auth, 2, res_tx);
        let mut app = App::new(opts);
        app.update(Msg::Resize(width, height));
        let mut h = Harness {
            app,
            terminal: Terminal::new(TestBackend::new(width, height)).expect("test terminal"),
            workers: Some(workers),
            results: res_rx,
        };
        h.settle();
        h
    }

    /// Sends queued jobs and folds results until nothing is in flight.
    pub fn settle(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            for job in self.app.take_jobs() {
                if let Some(w) = &self.workers {
                    w.send(job);
                }
            }
            if self.app.in_flight() == 0 {
                break;
            }
            match self
                .results
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            {
                Ok(r) => self.app.update(Msg::Job(r)),
                Err(_) => panic!("the worker did not answer within 30 s"),
            }
        }
    }

    /// Folds results (and sends jobs) until `done(app)` holds; panics after 60 s.
    pub fn settle_until(&mut self, done: impl Fn(&App) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            for job in self.app.take_jobs() {
                if let Some(w) = &self.workers {
                    w.send(job);
                }
            }
            if done(&self.app) {
                return;
            }
            match self
                .results
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            {
                Ok(r) => self.app.update(Msg::Job(r)),
                Err(_) => panic!("the condition did not hold within 60 s"),
            }
        }
    }

    /// Feeds a message without waiting for the worker.
    pub fn feed(&mut self, msg: Msg) {
        self.app.update(msg);
    }

    pub fn press(&mut self, code: KeyCode) {
        self.press_with(code, KeyModifiers::NONE);
    }

    pub fn press_with(&mut self, code: KeyCode, mods: KeyModifiers) {
        self.app.update(Msg::Key(KeyEvent::new(code, mods)));
        self.settle();
    }

    /// Types text into the focused field.
    pub fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.app.update(Msg::Key(KeyEvent::new(
                KeyCode::Char(c),
                KeyModifiers::NONE,
            )));
        }
        self.settle();
    }

    pub fn tick(&mut self) {
        self.app.update(Msg::Tick);
        self.settle();
    }

    pub fn resize(&mut self, w: u16, h: u16) {
        self.terminal.backend_mut().resize(w, h);
        self.app.update(Msg::Resize(w, h));
    }

    /// Draws a frame and returns its text, one line per row, as a terminal shows it: the cell
    /// after a double-width character is hidden under it (and never redrawn, so it may hold
    /// an older frame's text).
    pub fn render(&mut self) -> String {
        use unicode_width::UnicodeWidthStr;
        self.terminal
            .draw(|f| screens::draw(&self.app, f))
            .expect("draw");
        let buf = self.terminal.backend().buffer();
        let mut out = String::new();
        for y in 0..buf.area.height {
            let mut x = 0;
            while x < buf.area.width {
                let symbol = buf[(x, y)].symbol();
                out.push_str(symbol);
                x += symbol.width().max(1) as u16;
            }
            out.push('\n');
        }
        out
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        self.workers.take();
    }
}

/// Accessors for tests and benchmarks that name a concrete tab: they live here, so the app
/// itself knows tabs only through the `Tab` trait.
impl App {
    /// The ETL tab, when the user has one.
    pub fn etl(&self) -> Option<&EtlTab> {
        self.tab()
    }
}
