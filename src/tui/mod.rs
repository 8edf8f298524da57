//! The terminal UI (DESIGN §7): one input thread, the workers and a ticker, all on crossbeam
//! channels and handled in one `select!`; state changes in `App::update`, drawing in
//! `screens::draw`. However it ends — quit, error, panic, SIGTERM, a hang-up or a terminal
//! that is gone — the session is ended and audited first, then the terminal is restored if
//! it is still there.

pub mod app;
pub mod clipboard;
pub mod harness;
pub mod jobs;
pub mod keymap;
pub mod screens;
pub mod tabs;
pub mod text;
pub mod theme;
pub mod widgets;
pub mod work;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crossbeam_channel::{Receiver, select, unbounded};
use crossterm::event::{self, Event};

use self::app::{App, AppOptions, Msg};
use self::jobs::{JobResult, Workers};
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
        data_dir: cfg.data_dir.clone(),
        policy: crate::auth::AuthSettings::from_config(cfg).policy,
        settings: settings_summary(cfg),
        shop: self::tabs::ShopSettings {
            currency: cfg.currency_symbol.clone(),
            low_stock_threshold: cfg.low_stock_threshold,
            target_per_store_month_cents: i64::from(cfg.sales_target_per_store_month) * 100,
        },
        reports: crate::report::ReportOptions::from_config(cfg),
        check_every: 8,  // 2 s
        touch_every: 40, // 10 s
    })
}

/// What the Settings tab shows of the configuration (the store-wide settings an
/// Administrator may change it shows live, from the services).
fn settings_summary(cfg: &Config) -> Vec<(String, String)> {
    let mut v = vec![
        ("store".to_string(), cfg.database.redacted()),
        ("data folder".into(), cfg.data_dir.display().to_string()),
        ("log folder".into(), cfg.log_dir.display().to_string()),
        (
            "reports folder".into(),
            cfg.reports_dir.display().to_string(),
        ),
        (
            "config file".into(),
            cfg.config_file
                .as_ref()
                .map_or("(none: defaults)".to_string(), |p| p.display().to_string()),
        ),
        (
            "password minimum".into(),
            format!("{} characters", cfg.password_min_length),
        ),
    ];
    for (k, val) in &cfg.keys {
        v.push((format!("key {k}"), val.clone()));
    }
    v
}

fn input_thread(stop: Arc<AtomicBool>) -> Receiver<Msg> {
    let (tx, rx) = unbounded();
    std::thread::Builder::new()
        .name("stockroom-input".into())
        .spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                // A failing reader means the terminal is gone (a dropped SSH connection).
                match event::poll(Duration::from_millis(100)) {
                    Ok(true) => {}
                    Ok(false) => continue,
                    Err(_) => {
                        let _ = tx.send(Msg::Signal(app::HUNG_UP));
                        break;
                    }
                }
                let msg = match event::read() {
                    Ok(Event::Key(k)) => Msg::Key(k),
                    Ok(Event::Resize(w, h)) => Msg::Resize(w, h),
                    Ok(_) => continue,
                    Err(_) => Msg::Signal(app::HUNG_UP),
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
                    SIGHUP => app::HUNG_UP,
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

/// Whether standard input and output are a terminal (the TUI needs one).
pub fn has_terminal() -> bool {
    use std::io::IsTerminal;
    std::io::stdin().is_terminal() && std::io::stdout().is_terminal()
}

/// What to say when there is no terminal.
pub const NO_TERMINAL: &str = "the TUI needs a terminal: connect with `ssh -t`, or run a \
     subcommand (`stockroom --help` lists them)";

/// Tab work threads: a few, and fewer than the pool's connections so the account worker and
/// an import always find one.
fn pool_threads(cfg: &Config) -> usize {
    (cfg.pool_size as usize).saturating_sub(2).clamp(1, 4)
}

/// Runs the TUI until the user quits, a signal arrives or the terminal goes away.
pub fn run(cfg: &Config, src: &Sources, auth: Auth) -> Result<()> {
    if !has_terminal() {
        return Err(Error::Usage(NO_TERMINAL.into()));
    }
    let opts = options(cfg, src)?;
    let (res_tx, res_rx) = unbounded::<JobResult>();
    let workers = Workers::spawn(auth, pool_threads(cfg), res_tx);
    let signals = signal_thread()?;
    // ratatui's init installs a panic hook that restores the terminal before the message.
    let mut terminal =
        ratatui::try_init().map_err(|e| Error::Usage(format!("{NO_TERMINAL} ({e})")))?;
    let stop = Arc::new(AtomicBool::new(false));
    let input = input_thread(stop.clone());
    let ticker = crossbeam_channel::tick(TICK);
    let mut app = App::new(opts);
    if let Ok(size) = terminal.size() {
        app.update(Msg::Resize(size.width, size.height));
    }
    let mut gone = false;
    loop {
        for job in app.take_jobs() {
            workers.send(job);
        }
        if app.quit {
            break;
        }
        // A draw that fails means the terminal is gone (EIO, EPIPE): end as on a hang-up.
        if let Err(e) = terminal.draw(|f| screens::draw(&app, f)) {
            tracing::info!(error = %e, "the terminal is gone");
            gone = true;
            app.update(Msg::Signal(app::HUNG_UP));
            continue;
        }
        if let Some(text) = app.take_clipboard()
            && let Err(e) = clipboard::copy(terminal.backend_mut(), &text)
        {
            tracing::info!(error = %e, "could not send the clipboard escape");
        }
        let msg = select! {
            recv(input) -> m => m.unwrap_or(Msg::Signal(app::HUNG_UP)),
            recv(res_rx) -> r => match r { Ok(r) => Msg::Job(r), Err(_) => Msg::Signal("worker stopped") },
            recv(signals) -> s => s.unwrap_or(Msg::Signal("signal")),
            recv(ticker) -> _ => Msg::Tick,
        };
        if matches!(msg, Msg::Signal(app::HUNG_UP)) {
            gone = true;
        }
        app.update(msg);
    }
    stop.store(true, Ordering::Relaxed);
    // The sign-out is queued before anything touches the terminal, and waited for (bounded).
    let worker = workers.close();
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while !worker.is_finished() && std::time::Instant::now() < deadline {
        let _ = res_rx.recv_timeout(Duration::from_millis(50));
    }
    // Restore only a terminal that is still there, and never panic over one that is not
    // (dropping ratatui's terminal would try to show the cursor, and report failing to on a
    // stderr that is gone, which panics).
    if gone {
        std::mem::forget(terminal);
    } else {
        let _ = ratatui::try_restore();
    }
    Ok(())
}
