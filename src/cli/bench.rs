//! `stockroom bench …`: measured figures for the speed targets, printed, not asserted.
//! `bench demo` loads demo data into a throwaway SQLite file (or the store given with
//! `--database-url`, which must be empty unless `--replace`) and reports time, rows/s and peak
//! memory.

use std::time::Instant;

use clap::{Args, Subcommand};

use super::Context;
use super::bench_timing::{Runs, median_of_rounds, ms_since, timed};
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
    /// Import N generated order_items rows from CSV and compare with the database's own bulk loader
    Import(BenchImportArgs),
    /// Time the Data tab's pages, sorts and searches on demo data
    Data(super::bench_data::BenchDataArgs),
    /// Time the Dashboard's figures, saving an order, and 8 terminals selling at once
    Sales(super::bench_sales::BenchSalesArgs),
    /// Time the Dashboard's refresh on demo data (all stores/all time, one store/one month)
    Dashboard(super::bench_dashboard::BenchDashboardArgs),
    /// Time saving orders, alone and from N terminals at once, and check no stock went negative
    Orders(super::bench_orders::BenchOrdersArgs),
    /// Time the PDF reports (customer, sales for one store and one year) and their memory
    Report(super::bench_report::BenchReportArgs),
}

#[derive(Debug, Args)]
pub struct BenchImportArgs {
    #[arg(long, default_value_t = 1_000_000)]
    pub rows: u64,
    /// Rows per multi-row statement (0: sized from the table's width)
    #[arg(long, default_value_t = 0)]
    pub batch: usize,
    /// Skip the baseline (LOAD DATA LOCAL INFILE / sqlite3 .import)
    #[arg(long)]
    pub no_baseline: bool,
    /// Rounds of baseline and import, in turn (the order alternates); the median is reported
    #[arg(long, default_value_t = 3)]
    pub rounds: u32,
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
        BenchCommand::Import(args) => import(ctx, explicit_url, &args),
        BenchCommand::Data(args) => super::bench_data::run(ctx, explicit_url, &args),
        BenchCommand::Sales(args) => super::bench_sales::run(ctx, explicit_url, &args),
        BenchCommand::Dashboard(args) => super::bench_dashboard::run(ctx, explicit_url, &args),
        BenchCommand::Orders(args) => super::bench_orders::run(ctx, explicit_url, &args),
        BenchCommand::Report(args) => super::bench_report::run(ctx, explicit_url, &args),
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
            crate::outln!(
                "bench demo: backend {}, scale {}",
                target.backend_name(),
                args.scale
            );
            for (table, n) in &summary.tables {
                crate::outln!("  {table:<12} {:>12}", group(*n));
            }
            crate::outln!(
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
        let db = Database::connect(&target, cfg.pool_size)?;
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
        let ms = ms_since(t0);
        if !matches!(app.screen, Screen::Login(_)) {
            return Err(crate::Error::Invalid(
                "start-up did not reach the login screen".into(),
            ));
        }
        if i > 0 {
            startup.push(ms);
        }
    }
    let startup = Runs::new(startup);
    crate::outln!(
        "start-up to a drawn login screen (embedded store, warm): median {:.1} ms, max {:.1} ms over {} runs",
        startup.median(),
        startup.max(),
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
    let frames = Runs::new(
        (0..2_000)
            .map(|_| {
                timed(|| {
                    h.render();
                })
                .0
            })
            .collect(),
    );
    crate::outln!(
        "full frame at 200×60: mean {:.3} ms, p99 {:.3} ms, max {:.3} ms over {} frames",
        frames.mean(),
        frames.percentile(99),
        frames.max(),
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
        lat.push(ms_since(t0));
        std::thread::sleep(Duration::from_millis(20));
    }
    let worker_answered_during = rrx.try_recv().is_ok();
    holder.join().ok();
    let lat = Runs::new(lat);
    crate::outln!(
        "key press to drawn frame while the worker is blocked on the database: max {:.3} ms over {} keys (worker answered meanwhile: {})",
        lat.max(),
        lat.len(),
        worker_answered_during
    );
    let _ = std::fs::remove_dir_all(&dir);
    Ok(super::exit::OK)
}

/// The generated order lines: order, item, product, quantity, price in cents, discount in
/// basis points.
fn order_item(i: u64) -> (u64, u64, u64, u64, u64, u64) {
    const PRICES: [u64; 6] = [37_999, 59_999, 179_999, 299_999, 8_999, 74_999];
    const DISCOUNTS: [u64; 4] = [500, 700, 1_000, 2_000];
    (
        i / 7 + 1,
        i % 7 + 1,
        (i * 7_919) % 321 + 1,
        i % 3 + 1,
        PRICES[(i % 6) as usize],
        DISCOUNTS[(i % 4) as usize],
    )
}

/// Writes `rows` order lines for existing orders (seven lines per order) as the importer's
/// CSV (prices and discounts as people write them) or, `native`, as the table stores them
/// (cents and basis points, in the table's column order) for `sqlite3 .import`, so both
/// loaders store the same rows.
fn write_order_items(path: &std::path::Path, rows: u64, native: bool) -> Result<u64> {
    use std::io::Write;
    let f = std::fs::File::create(path).map_err(|e| crate::Error::file(path, e))?;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
    let io = |e: std::io::Error| crate::Error::file(path, e);
    if native {
        writeln!(
            w,
            "order_id,item_id,product_id,quantity,list_price_cents,discount_bp"
        )
    } else {
        writeln!(
            w,
            "order_id,item_id,product_id,quantity,list_price,discount"
        )
    }
    .map_err(io)?;
    for i in 0..rows {
        let (o, item, p, q, cents, bp) = order_item(i);
        if native {
            writeln!(w, "{o},{item},{p},{q},{cents},{bp}")
        } else {
            let discount = format!("{:.4}", bp as f64 / 10_000.0);
            writeln!(
                w,
                "{o},{item},{p},{q},{}.{:02},{}",
                cents / 100,
                cents % 100,
                discount.trim_end_matches('0')
            )
        }
        .map_err(io)?;
    }
    w.flush().map_err(io)?;
    Ok(std::fs::metadata(path).map(|m| m.len()).unwrap_or(0))
}

fn mysql_args(url: &str, file: &std::path::Path) -> Vec<String> {
    // mysql://user:pass@host:port/db
    let rest = url.trim_start_matches("mysql://");
    let (auth, hostdb) = rest.rsplit_once('@').unwrap_or(("root", rest));
    let (user, pass) = auth.split_once(':').unwrap_or((auth, ""));
    let (hostport, db) = hostdb.split_once('/').unwrap_or((hostdb, ""));
    let (host, port) = hostport.split_once(':').unwrap_or((hostport, "3306"));
    let mut a = vec![
        format!("--host={host}"),
        format!("--port={port}"),
        format!("--user={user}"),
        "--local-infile=1".into(),
    ];
    if !pass.is_empty() {
        a.push(format!("--password={pass}"));
    }
    a.push(db.split('?').next().unwrap_or(db).to_string());
    a.push("-e".into());
    // The client loads as Stockroom's own bulk writers do: marked, so the triggers that keep
    // the Dashboard's months current skip each row (they would add ~10 s a million rows).
    a.push(format!(
        "SET @stockroom_bulk = 1; \
         LOAD DATA LOCAL INFILE '{}' INTO TABLE order_items FIELDS TERMINATED BY ',' IGNORE 1 LINES \
         (order_id, item_id, product_id, quantity, @p, @d) \
         SET list_price_cents = ROUND(@p * 100), discount_bp = ROUND(@d * 10000)",
        file.display()
    ));
    a
}

/// A fingerprint of the stored order lines, to check that both loaders stored the same rows.
fn order_items_fingerprint(db: &Database) -> Result<Vec<i64>> {
    let mut conn = db.conn()?;
    let sum = |e: &str| crate::db::dialect::as_bigint(&conn, &format!("COALESCE(SUM({e}), 0)"));
    let sql = format!(
        "SELECT JSON_ARRAY(COUNT(*), {}, {}, {}, {}, {}) AS r FROM order_items",
        sum("order_id * 7 + item_id"),
        sum("product_id * quantity"),
        sum("list_price_cents"),
        sum("discount_bp"),
        sum("(list_price_cents % 1000) * item_id"),
    );
    let rows = crate::db::dynamic::load_json(&mut conn, &sql, &[])?;
    Ok(rows
        .first()
        .map(|r| r.iter().filter_map(|v| v.as_i64()).collect())
        .unwrap_or_default())
}

/// `bench import`: N generated order lines from CSV against the database's own bulk loader
/// (LOAD DATA LOCAL INFILE / sqlite3 .import), in alternating rounds on the same store, then
/// the same file again (every row unchanged).
pub fn import(ctx: &Context, explicit_url: bool, args: &BenchImportArgs) -> Result<u8> {
    use diesel::RunQueryDsl;

    use crate::db::schema::users;
    use crate::etl::{self, ImportOptions};

    let dir = tempfile_dir()?;
    let target = if explicit_url {
        ctx.config.database.clone()
    } else {
        DbTarget::Sqlite(dir.join("bench.db"))
    };
    let db = Database::connect(&target, 2)?;
    migrate::run(&mut *db.conn()?)?;
    {
        use diesel::QueryDsl;
        let n: i64 = users::table.count().get_result(&mut *db.conn()?)?;
        if n > 0 {
            return Err(crate::Error::Invalid(
                "bench import replaces the store's data; point it at a scratch store without users"
                    .into(),
            ));
        }
    }
    let scale = (args
        .rows
        .div_ceil(7)
        .div_ceil(crate::store::demo::ORDERS_PER_SCALE))
    .max(1) as u32;
    crate::outln!(
        "preparing: demo --scale {scale} for the orders, then an empty order_items table"
    );
    demo::load(
        &db,
        &DemoOptions {
            scale,
            seed: 1,
            replace: true,
        },
        &CancelToken::new(),
        &mut |_| {},
    )?;
    // TRUNCATE on MySQL (nothing references order_items): a DELETE would leave InnoDB purge
    // work running during the next load and make the figures depend on the order of the runs.
    // On SQLite the WAL is checkpointed and emptied, so every load starts from the same file.
    let clear = |db: &Database| -> Result<()> {
        use diesel::connection::SimpleConnection;
        let mut conn = db.conn()?;
        let sql = crate::db::dialect::empty_table_sql(&conn, "order_items");
        diesel::sql_query(sql).execute(&mut *conn)?;
        if let DbTarget::Sqlite(_) = &target {
            conn.batch_execute("PRAGMA wal_checkpoint(TRUNCATE)")?;
        }
        Ok(())
    };
    clear(&db)?;
    let file = dir.join("order_items.csv");
    let bytes = write_order_items(&file, args.rows, false)?;
    crate::outln!(
        "file: {} rows, {:.1} MiB",
        group(args.rows),
        bytes as f64 / 1_048_576.0
    );

    let baseline: Option<(&str, Vec<String>, Option<std::path::PathBuf>)> = if args.no_baseline {
        None
    } else {
        match &target {
            DbTarget::Mysql(url) => Some(("mariadb", mysql_args(url, &file), None)),
            DbTarget::Sqlite(path) => {
                let native = dir.join("order_items_native.csv");
                write_order_items(&native, args.rows, true)?;
                Some((
                    "sqlite3",
                    vec![
                        path.display().to_string(),
                        ".bail on".into(),
                        ".mode csv".into(),
                        format!(".import --skip 1 {} order_items", native.display()),
                    ],
                    Some(native),
                ))
            }
        }
    };

    let opts = ImportOptions {
        batch_rows: args.batch,
        ..ImportOptions::default()
    };
    let ours = |db: &Database| -> Result<(f64, crate::etl::ImportReport)> {
        let plan = etl::plan_file(&file, opts.limits)?;
        let mut conn = db.conn()?;
        let t0 = Instant::now();
        let report = crate::etl::run::load(
            &mut conn,
            vec![plan],
            &opts,
            &CancelToken::new(),
            &mut |_| {},
            &mut |_, _| Ok(()),
        )?;
        Ok((t0.elapsed().as_secs_f64(), report))
    };
    let theirs = |tool: &str, cmd_args: &[String]| -> std::result::Result<f64, String> {
        let t0 = Instant::now();
        match std::process::Command::new(tool).args(cmd_args).output() {
            Ok(o) if o.status.success() && o.stderr.is_empty() => Ok(t0.elapsed().as_secs_f64()),
            Ok(o) => Err(format!(
                "failed: {}",
                String::from_utf8_lossy(&o.stderr).trim()
            )),
            Err(e) => Err(format!("not run: {e}")),
        }
    };

    let rounds = args.rounds.max(1);
    let mut our_secs = Vec::new();
    let mut their_secs = Vec::new();
    let mut ratios = Vec::new();
    let mut baseline_ok = baseline.is_some();
    let mut ours_last = false;
    let mut last_report = None;
    for round in 0..rounds {
        // Alternate which goes first, so neither always meets a warmer cache.
        let ours_first = round % 2 == 1;
        let mut t_ours = None;
        let mut t_theirs = None;
        for step in 0..2 {
            let run_ours = (step == 0) == ours_first;
            if run_ours {
                clear(&db)?;
                let (secs, report) = ours(&db)?;
                t_ours = Some(secs);
                last_report = Some(report);
                ours_last = true;
            } else if let (Some((tool, cmd_args, _)), true) = (&baseline, baseline_ok) {
                clear(&db)?;
                match theirs(tool, cmd_args) {
                    Ok(secs) => t_theirs = Some(secs),
                    Err(e) => {
                        crate::outln!("baseline {tool} {e}");
                        baseline_ok = false;
                    }
                }
                if round == 0 && baseline_ok {
                    let theirs_rows = order_items_fingerprint(&db)?;
                    clear(&db)?;
                    ours(&db)?;
                    let ours_rows = order_items_fingerprint(&db)?;
                    crate::outln!(
                        "stored rows identical to the baseline's: {}",
                        if theirs_rows == ours_rows {
                            "yes"
                        } else {
                            "NO"
                        }
                    );
                }
                ours_last = false;
            }
        }
        let o = t_ours.unwrap_or(f64::NAN);
        our_secs.push(o);
        match t_theirs {
            Some(b) => {
                their_secs.push(b);
                ratios.push(b / o);
                crate::outln!(
                    "round {}: {} {b:.2} s, stockroom {o:.2} s, ratio {:.2}",
                    round + 1,
                    baseline.as_ref().map(|b| b.0).unwrap_or(""),
                    b / o
                );
            }
            None => crate::outln!("round {}: stockroom {o:.2} s", round + 1),
        }
    }
    let first = median_of_rounds(&our_secs);
    let (read, counts, rejected) = last_report.map(|r| r.totals()).unwrap_or_default();
    crate::outln!(
        "stockroom import: median {first:.2} s = {} rows/s ({} read, {} inserted, {} rejected, validated and upserted)",
        group((args.rows as f64 / first) as u64),
        group(read),
        group(counts.inserted),
        group(rejected),
    );
    if let (Some((tool, ..)), false) = (&baseline, ratios.is_empty()) {
        let b = median_of_rounds(&their_secs);
        crate::outln!(
            "baseline {tool}: median {b:.2} s = {} rows/s",
            group((args.rows as f64 / b) as u64)
        );
        let sorted = Runs::new(ratios.clone());
        crate::outln!(
            "ratio to the baseline (its time / ours, per round): median {:.2} over {} alternating rounds (min {:.2}, max {:.2}; target ≥ 1.0)",
            median_of_rounds(&ratios),
            ratios.len(),
            sorted.min(),
            sorted.max()
        );
    }
    if !ours_last {
        clear(&db)?;
        ours(&db)?;
    }
    let (again, report) = ours(&db)?;
    let (_, c, _) = report.totals();
    crate::outln!(
        "same file again: {again:.2} s = {:.2}× the first import (target ≤ 1.5); {} inserted, {} updated, {} unchanged",
        again / first,
        group(c.inserted),
        group(c.updated),
        group(c.unchanged)
    );
    crate::outln!(
        "peak memory of this process: {:.1} MiB",
        peak_rss_mib().unwrap_or(f64::NAN)
    );
    if !explicit_url {
        let _ = std::fs::remove_dir_all(&dir);
    } else {
        let _ = std::fs::remove_file(&file);
        if let Some((_, _, Some(native))) = &baseline {
            let _ = std::fs::remove_file(native);
        }
    }
    Ok(super::exit::OK)
}
