//! `stockroom bench …`: measured figures for the speed targets, printed, not asserted.
//! `bench demo` loads demo data into a throwaway SQLite file (or the store given with
//! `--database-url`, which must be empty unless `--replace`) and reports time, rows/s and peak
//! memory.

use std::time::Instant;

use clap::{Args, Subcommand};

use super::Context;
use super::progress::group;
use crate::db::{Database, DbTarget, migrate};
use crate::error::Result;
use crate::store::demo::{self, DemoOptions};
use crate::worker::CancelToken;

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Time `demo --scale N` (default: into a temporary SQLite file)
    Demo(BenchDemoArgs),
    /// Time the TUI: start-up to the login screen, frames at 200×60, keys while the worker is blocked
    Tui,
}

#[derive(Debug, Args)]
pub struct BenchDemoArgs {
    #[arg(long, default_value_t = 100)]
    pub scale: u32,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Replace the data of the store given with --database-url
    #[arg(long)]
    pub replace: bool,
}

/// Peak resident memory of this process in MiB (Linux `VmHWM`), if known.
pub fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

pub fn run(ctx: &Context, explicit_url: bool, cmd: BenchCommand) -> Result<u8> {
    match cmd {
        BenchCommand::Tui => tui(ctx),
        BenchCommand::Demo(args) => {
            let tmp;
            let target = if explicit_url {
                ctx.config.database.clone()
            } else {
                tmp = tempfile_dir()?;
                DbTarget::Sqlite(tmp.join("bench.db"))
            };
            let db = Database::connect(&target, ctx.config.pool_size)?;
            migrate::run(&mut *db.conn()?)?;
            let opts = DemoOptions {
                scale: args.scale,
                seed: args.seed,
                replace: args.replace,
            };
            let started = Instant::now();
            let summary = demo::load(&db, &opts, &CancelToken::new(), &mut |_| {})?;
            let secs = started.elapsed().as_secs_f64();
            let rows: u64 = summary.tables.iter().map(|(_, n)| n).sum();
            println!(
                "bench demo: backend {}, scale {}",
                target.backend_name(),
                args.scale
            );
            for (table, n) in &summary.tables {
                println!("  {table:<12} {:>12}", group(*n));
            }
            println!(
                "  total {} rows in {secs:.2} s = {} rows/s; peak memory {:.1} MiB",
                group(rows),
                group((rows as f64 / secs) as u64),
                peak_rss_mib().unwrap_or(f64::NAN)
            );
            if !explicit_url && let DbTarget::Sqlite(path) = &target {
                let _ = std::fs::remove_dir_all(path.parent().unwrap_or(path));
            }
            Ok(super::exit::OK)
        }
    }
}

fn tempfile_dir() -> Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("stockroom-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| crate::Error::file(&dir, e))?;
    Ok(dir)
}

/// `bench tui`: start-up to a drawn login screen, full frames at 200×60, and key-to-frame
/// latency while the worker is stuck behind a database lock.
pub fn tui(_ctx: &Context) -> Result<u8> {
    use std::time::Duration;

    use crossbeam_channel::unbounded;
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use diesel::connection::SimpleConnection;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    use crate::auth::{Actor, Auth, AuthSettings, Role, SecretKey, SystemClock};
    use crate::config::Sources;
    use crate::tui::app::{App, Msg, Screen};
    use crate::tui::harness::Harness;
    use crate::tui::jobs::{self, Job};
    use crate::tui::screens;
    use crate::tui::theme::ThemeName;

    let dir = tempfile_dir()?;
    let target = DbTarget::Sqlite(dir.join("tui.db"));
    let cfg_src = Sources::default();
    let mut cfg = crate::config::Config::load(&crate::config::Flags::default(), &cfg_src)?;
    cfg.database = target.clone();
    cfg.secret_key_file = dir.join("secret.key");
    cfg.bcrypt_cost = 10;
    {
        let db = Database::connect(&target, 2)?;
        migrate::run(&mut *db.conn()?)?;
        let auth = Auth::open(db, &cfg, &cfg_src, "bench".into())?;
        let cli = Actor {
            name: "bench".into(),
            role: Role::Administrator,
            terminal: "bench".into(),
            user_id: None,
            session_id: None,
        };
        auth.add_user(&cli, "root", Role::Administrator, None, "Bench-Pass-123!")?;
        auth.add_user(&cli, "emil", Role::Employee, None, "Bench-Pass-123!")?;
    }

    // 1. Start-up: open the store, migrate, open the services, start the worker, ask for users,
    //    draw the login screen. Warm disk: the first run is discarded.
    let mut startup = Vec::new();
    for i in 0..21 {
        let t0 = Instant::now();
        let db = Database::connect(&target, ctx_pool())?;
        migrate::run(&mut *db.conn()?)?;
        let auth = Auth::open(db, &cfg, &cfg_src, "bench".into())?;
        let (jtx, jrx) = unbounded();
        let (rtx, rrx) = unbounded();
        jobs::spawn(auth, jrx, rtx);
        let mut app = App::new(crate::tui::options(&cfg, &cfg_src)?);
        for j in app.take_jobs() {
            let _ = jtx.send(j);
        }
        let r = rrx
            .recv_timeout(Duration::from_secs(10))
            .map_err(|_| crate::Error::Invalid("no answer".into()))?;
        app.update(Msg::Job(r));
        let mut term = Terminal::new(TestBackend::new(80, 24))
            .map_err(|e| crate::Error::Invalid(e.to_string()))?;
        term.draw(|f| screens::draw(&app, f))
            .map_err(|e| crate::Error::Invalid(e.to_string()))?;
        let ms = t0.elapsed().as_secs_f64() * 1000.0;
        if !matches!(app.screen, Screen::Login(_)) {
            return Err(crate::Error::Invalid(
                "start-up did not reach the login screen".into(),
            ));
        }
        if i > 0 {
            startup.push(ms);
        }
    }
    startup.sort_by(f64::total_cmp);
    println!(
        "start-up to a drawn login screen (embedded store, warm): median {:.1} ms, max {:.1} ms over {} runs",
        startup[startup.len() / 2],
        startup[startup.len() - 1],
        startup.len()
    );

    // 2. Full frames of the main screen at 200×60.
    let db = Database::connect(&target, 4)?;
    let auth = Auth::new(
        db.clone(),
        AuthSettings {
            bcrypt_cost: 10,
            ..AuthSettings::default()
        },
        SecretKey::generate(),
        std::sync::Arc::new(SystemClock),
        "bench".into(),
    );
    let mut h = Harness::new(
        auth.clone(),
        Harness::options(ThemeName::Dark, dir.join("c.toml")),
        200,
        60,
    );
    h.type_text("emil");
    h.press(KeyCode::Enter);
    h.type_text("Bench-Pass-123!");
    h.press(KeyCode::Enter);
    let mut frames = Vec::new();
    for _ in 0..2_000 {
        let t0 = Instant::now();
        h.render();
        frames.push(t0.elapsed().as_secs_f64() * 1000.0);
    }
    frames.sort_by(f64::total_cmp);
    println!(
        "full frame at 200×60: mean {:.3} ms, p99 {:.3} ms, max {:.3} ms over {} frames",
        frames.iter().sum::<f64>() / frames.len() as f64,
        frames[frames.len() * 99 / 100],
        frames[frames.len() - 1],
        frames.len()
    );

    // 3. Key presses while the worker waits 3 s on a database lock held elsewhere.
    let (jtx, jrx) = unbounded();
    let (rtx, rrx) = unbounded();
    jobs::spawn(auth, jrx, rtx);
    let mut app = App::new(Harness::options(ThemeName::Dark, dir.join("c.toml")));
    for j in app.take_jobs() {
        let _ = jtx.send(j);
    }
    app.update(Msg::Job(
        rrx.recv_timeout(Duration::from_secs(10))
            .map_err(|_| crate::Error::Invalid("no answer".into()))?,
    ));
    let lock_path = dir.join("tui.db");
    let (locked_tx, locked_rx) = unbounded();
    let holder = std::thread::spawn(move || {
        use diesel::Connection;
        let mut c =
            diesel::SqliteConnection::establish(&lock_path.to_string_lossy()).expect("open");
        c.batch_execute("BEGIN EXCLUSIVE").expect("lock");
        let _ = locked_tx.send(());
        std::thread::sleep(Duration::from_secs(3));
        c.batch_execute("COMMIT").expect("unlock");
    });
    locked_rx.recv().ok();
    // A sign-in that has to write (the failure count) now waits on the lock in the worker.
    let _ = jtx.send(Job::BeginSignIn {
        username: "emil".into(),
        password: "wrong".into(),
    });
    let mut term = Terminal::new(TestBackend::new(200, 60))
        .map_err(|e| crate::Error::Invalid(e.to_string()))?;
    let mut lat = Vec::new();
    let started = Instant::now();
    while started.elapsed() < Duration::from_millis(2_500) {
        let t0 = Instant::now();
        app.update(Msg::Key(KeyEvent::new(
            KeyCode::Char('x'),
            KeyModifiers::NONE,
        )));
        term.draw(|f| screens::draw(&app, f))
            .map_err(|e| crate::Error::Invalid(e.to_string()))?;
        lat.push(t0.elapsed().as_secs_f64() * 1000.0);
        std::thread::sleep(Duration::from_millis(20));
    }
    let worker_answered_during = rrx.try_recv().is_ok();
    holder.join().ok();
    lat.sort_by(f64::total_cmp);
    println!(
        "key press to drawn frame while the worker is blocked on the database: max {:.3} ms over {} keys (worker answered meanwhile: {})",
        lat[lat.len() - 1],
        lat.len(),
        worker_answered_during
    );
    let _ = std::fs::remove_dir_all(&dir);
    Ok(super::exit::OK)
}

fn ctx_pool() -> u32 {
    crate::config::defaults::POOL_SIZE
}
