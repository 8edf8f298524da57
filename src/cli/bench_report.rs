//! `stockroom bench report`: the PDF reports on `demo --scale N` (a throwaway SQLite file, or
//! the store given with `--database-url`, loaded when empty): the customer report of the
//! customer with the most orders and of a typical one, and the sales report for one store and
//! one year, each from request to a file on disk — the first run (fonts parsed) apart, then
//! median and worst — with the peak memory of the measured part and the resident memory
//! before and after many reports (flat memory).

use std::sync::Arc;
use std::time::Instant;

use chrono::{Datelike, NaiveDate};
use clap::Args;
use diesel::prelude::*;

use super::Context;
use crate::auth::{Actor, Auth, AuthSettings, Role, SecretKey, SystemClock};
use crate::db::schema::orders;
use crate::db::{Database, DbTarget, migrate};
use crate::error::Result;
use crate::report::{self, ReportOptions, SalesQuery, Target};
use crate::store::demo::{self, DemoOptions};
use crate::worker::CancelToken;

#[derive(Debug, Args)]
pub struct BenchReportArgs {
    /// Demo scale loaded into an empty store
    #[arg(long, default_value_t = 100)]
    pub scale: u32,
    /// Runs of each report
    #[arg(long, default_value_t = 20)]
    pub runs: usize,
}

fn median_worst(mut ms: Vec<f64>) -> (f64, f64) {
    ms.sort_by(f64::total_cmp);
    (ms[ms.len() / 2], ms[ms.len() - 1])
}

/// A field of `/proc/self/status` in MiB (`VmRSS`, `VmHWM`).
fn status_mib(key: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kib| kib.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kib| kib / 1024.0)
}

/// Starts the peak-memory count afresh (Linux: `5` to `/proc/self/clear_refs`).
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

pub fn run(ctx: &Context, explicit_url: bool, args: &BenchReportArgs) -> Result<u8> {
    let dir = std::env::temp_dir().join(format!("stockroom-bench-report-{}", std::process::id()));
    let target = if explicit_url {
        ctx.config.database.clone()
    } else {
        DbTarget::Sqlite(dir.join("bench.db"))
    };
    let db = Database::connect_with(&target, &ctx.config.db_options())?;
    migrate::run(&mut *db.conn()?)?;
    if crate::store::is_empty_db(&db)? {
        crate::outln!(
            "loading demo --scale {} into {}",
            args.scale,
            target.redacted()
        );
        demo::load(
            &db,
            &DemoOptions {
                scale: args.scale,
                seed: 42,
                replace: false,
            },
            &CancelToken::new(),
            &mut |_| {},
        )?;
    }
    let auth = Auth::new(
        db.clone(),
        AuthSettings::default(),
        SecretKey::generate(),
        Arc::new(SystemClock),
        "bench".into(),
    );
    let actor = Actor {
        name: "bench".into(),
        role: Role::Administrator,
        terminal: "bench".into(),
        user_id: None,
        session_id: None,
    };
    let out_dir = dir.join("reports");
    let o = ReportOptions {
        reports_dir: out_dir.clone(),
        target: Target::Folder,
        ..ReportOptions::from_config(&ctx.config)
    };

    // The customers: the one with the most orders, and the one of the first order.
    let mut conn = db.conn()?;
    let busiest: (Option<i32>, i64) = orders::table
        .filter(orders::customer_id.is_not_null())
        .group_by(orders::customer_id)
        .select((orders::customer_id, diesel::dsl::count_star()))
        .order((diesel::dsl::count_star().desc(), orders::customer_id))
        .first(&mut *conn)?;
    let typical: Option<i32> = orders::table
        .filter(orders::customer_id.is_not_null())
        .order(orders::order_id)
        .select(orders::customer_id)
        .first(&mut *conn)?;
    // The year with the most orders of store 1.
    let dates: Vec<NaiveDate> = orders::table
        .filter(orders::store_id.eq(1))
        .select(orders::order_date)
        .load(&mut *conn)?;
    drop(conn);
    let mut per_year = std::collections::BTreeMap::new();
    for d in &dates {
        *per_year.entry(d.year()).or_insert(0u64) += 1;
    }
    let (year, year_orders) = per_year
        .iter()
        .max_by_key(|(y, n)| (**n, -**y))
        .map_or((2017, 0), |(y, n)| (*y, *n));
    drop(dates);

    crate::outln!(
        "bench report: backend {}, {} runs each (first run apart; median / worst), files written to {}",
        target.backend_name(),
        args.runs,
        out_dir.display()
    );
    let peak_reset = reset_peak();
    let rss_before = status_mib("VmRSS:");
    let measure = |label: &str, f: &dyn Fn() -> Result<report::ReportFile>| -> Result<()> {
        let t0 = Instant::now();
        let first = f()?;
        let first_ms = t0.elapsed().as_secs_f64() * 1000.0;
        let mut ms = Vec::new();
        for _ in 0..args.runs {
            let t0 = Instant::now();
            f()?;
            ms.push(t0.elapsed().as_secs_f64() * 1000.0);
        }
        let (m, w) = median_worst(ms);
        crate::outln!(
            "  {label:<44} first {first_ms:>7.1} ms  median {m:>7.1} ms  worst {w:>7.1} ms  ({} pages, {} KiB)",
            first.pages,
            first.bytes / 1024
        );
        Ok(())
    };
    let busiest_id = busiest.0.unwrap_or(1);
    measure(
        &format!("customer report, {} orders (the most)", busiest.1),
        &|| report::customer(&auth, &actor, busiest_id, &o),
    )?;
    let typical_id = typical.unwrap_or(1);
    measure(&format!("customer report, customer {typical_id}"), &|| {
        report::customer(&auth, &actor, typical_id, &o)
    })?;
    let q = SalesQuery {
        store: Some(1),
        from: NaiveDate::from_ymd_opt(year, 1, 1),
        to: NaiveDate::from_ymd_opt(year, 12, 31),
    };
    measure(
        &format!("sales report, store 1, {year} ({year_orders} orders)"),
        &|| report::sales(&auth, &actor, &q, &o),
    )?;
    let all = SalesQuery {
        store: None,
        ..q.clone()
    };
    measure(&format!("sales report, all stores, {year}"), &|| {
        report::sales(&auth, &actor, &all, &o)
    })?;
    let rss_mid = status_mib("VmRSS:");
    for _ in 0..args.runs * 5 {
        report::customer(&auth, &actor, typical_id, &o)?;
    }
    let rss_after = status_mib("VmRSS:");
    crate::outln!(
        "  memory: peak {:.1} MiB while reporting{}; resident {rss_before:.1} MiB before, {rss_mid:.1} MiB after the runs above, {rss_after:.1} MiB after {} more customer reports",
        status_mib("VmHWM:"),
        if peak_reset {
            ""
        } else {
            " (peak since start: could not reset)"
        },
        args.runs * 5
    );
    // The folder holds the reports, and the throwaway store unless one was given.
    let _ = std::fs::remove_dir_all(&dir);
    Ok(super::exit::OK)
}
