//! The terminal UI (DESIGN §7): one input thread, the account worker and a ticker, all on
//! crossbeam channels and handled in one `select!`; state changes in `App::update`, drawing in
//! `screens::draw`. The terminal is restored on exit, error, panic, SIGTERM and SIGHUP, and
//! the session is ended and audited.

pub mod app;
pub mod etl_tab;
pub mod harness;
pub mod jobs;
pub mod keymap;
pub mod screens;
pub mod text;
pub mod theme;
pub mod widgets;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crossbeam_channel::{Receiver, select, unbounded};
use crossterm::event::{self, Event};

use self::app::{App, AppOptions, Msg};
use self::jobs::{Job, JobResult};
use self::keymap::KeyMap;
use self::theme::ThemeName;
use crate::auth::Auth;
use crate::config::{Config, Sources};
use crate::error::{Error, Result};

/// How often the loop ticks (spinner, session checks).
pub const TICK: Duration = Duration::from_millis(250);

/// Builds the app's options from the configuration.
pub fn options(cfg: &Config, src: &Sources) -> Result<AppOptions> {
    Ok(AppOptions {
        store_label: cfg.database.redacted(),
        theme: ThemeName::parse(&cfg.theme),
        no_color: src.env.get("NO_COLOR").is_some_and(|v| !v.is_empty()),
        keymap: KeyMap::with_overrides(&cfg.keys).map_err(Error::Config)?,
        config_path: cfg
            .config_file
            .clone()
            .unwrap_or_else(|| Config::user_config_path(src)),
        check_every: 8,  // 2 s
        touch_every: 40, // 10 s
    })
}

fn input_thread(stop: Arc<AtomicBool>) -> Receiver<Msg> {
    let (tx, rx) = unbounded();
    std::thread::Builder::new()
        .name("stockroom-input".into())
        .spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                match event::poll(Duration::from_millis(100)) {
                    Ok(true) => {}
                    Ok(false) => continue,
                    Err(_) => break,
                }
                let msg = match event::read() {
                    Ok(Event::Key(k)) => Msg::Key(k),
                    Ok(Event::Resize(w, h)) => Msg::Resize(w, h),
                    Ok(_) => continue,
                    Err(_) => break,
                };
                if tx.send(msg).is_err() {
                    break;
                }
            }
        })
        .expect("spawn the input thread");
    rx
}

fn signal_thread() -> Result<Receiver<Msg>> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let (tx, rx) = unbounded();
    let mut signals = signal_hook::iterator::Signals::new([SIGTERM, SIGHUP, SIGINT])?;
    std::thread::Builder::new()
        .name("stockroom-signals".into())
        .spawn(move || {
            for sig in signals.forever() {
                let name = match sig {
                    SIGHUP => "terminal hung up (SIGHUP)",
                    SIGTERM => "terminated (SIGTERM)",
                    _ => "interrupted (SIGINT)",
                };
                if tx.send(Msg::Signal(name)).is_err() {
                    break;
                }
            }
        })?;
    Ok(rx)
}

/// Runs the TUI until the user quits or a signal arrives.
pub fn run(cfg: &Config, src: &Sources, auth: Auth) -> Result<()> {
    let opts = options(cfg, src)?;
    let (job_tx, job_rx) = unbounded::<Job>();
    let (res_tx, res_rx) = unbounded::<JobResult>();
    let worker = jobs::spawn(auth, job_rx, res_tx);
    let signals = signal_thread()?;
    // ratatui::init installs a panic hook that restores the terminal before the message.
    let mut terminal = ratatui::init();
    let stop = Arc::new(AtomicBool::new(false));
    let input = input_thread(stop.clone());
    let ticker = crossbeam_channel::tick(TICK);
    let mut app = App::new(opts);
    if let Ok(size) = terminal.size() {
        app.update(Msg::Resize(size.width, size.height));
    }
    let result = (|| -> Result<()> {
        loop {
            for job in app.take_jobs() {
                let _ = job_tx.send(job);
            }
            if app.quit {
                break;
            }
            terminal.draw(|f| screens::draw(&app, f))?;
            let msg = select! {
                recv(input) -> m => match m { Ok(m) => m, Err(_) => Msg::Signal("input closed") },
                recv(res_rx) -> r => match r { Ok(r) => Msg::Job(r), Err(_) => Msg::Signal("worker stopped") },
                recv(signals) -> s => s.unwrap_or(Msg::Signal("signal")),
                recv(ticker) -> _ => Msg::Tick,
            };
            app.update(msg);
        }
        Ok(())
    })();
    // Restore first, whatever happened; then let the worker end the session (audited).
    stop.store(true, Ordering::Relaxed);
    ratatui::restore();
    for job in app.take_jobs() {
        let _ = job_tx.send(job);
    }
    if result.is_err() && app.session.is_some() {
        let _ = job_tx.send(Job::SignOut {
            reason: "error".into(),
        });
    }
    drop(job_tx);
    // Wait (bounded) for the sign-out to be written.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while !worker.is_finished() && std::time::Instant::now() < deadline {
        let _ = res_rx.recv_timeout(Duration::from_millis(50));
    }
    result
}
