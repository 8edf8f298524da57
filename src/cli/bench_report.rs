//! `stockroom bench report`: the PDF reports on `demo --scale N` (a throwaway SQLite file, or
//! the store given with `--database-url`, loaded when empty): the customer report of the
//! customer with the most orders and of a typical one, and the sales report for one store and
//! one year, each from request to a file on disk — the first run (fonts parsed) apart, then
//! median and worst — with the peak memory of the measured part and the resident memory
//! before and after many reports (flat memory).

use chrono::{Datelike, NaiveDate};
use clap::Args;
use diesel::prelude::*;

use super::Context;
use super::bench_store::Bench;
use super::bench_timing::{repeat, timed};
use crate::db::schema::orders;
use crate::error::Result;
use crate::report::{self, ReportOptions, SalesQuery, Target};

#[derive(Debug, Args)]
pub struct BenchReportArgs {
    /// Demo scale loaded into an empty store
    #[arg(long, default_value_t = 100)]
    pub scale: u32,
    /// Runs of each report
    #[arg(long, default_value_t = 20)]
    pub runs: usize,
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
    let b = Bench::prepare(ctx, explicit_url, "report", args.scale, 1)?;
    let (db, auth, actor, dir) = (&b.db, &b.auth, &b.actor, b.dir.clone());
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
        b.target.backend_name(),
        args.runs,
        out_dir.display()
    );
    let peak_reset = reset_peak();
    let rss_before = status_mib("VmRSS:");
    let measure = |label: &str, f: &dyn Fn() -> Result<report::ReportFile>| -> Result<()> {
        let (first_ms, first) = timed(f);
        let first = first?;
        let (t, _) = repeat(args.runs, |_| f())?;
        crate::outln!(
            "  {label:<44} first {first_ms:>7.1} ms  median {:>7.1} ms  worst {:>7.1} ms  ({} pages, {} KiB)",
            t.median(),
            t.max(),
            first.pages,
            first.bytes / 1024
        );
        Ok(())
    };
    let busiest_id = busiest.0.unwrap_or(1);
    measure(
        &format!("customer report, {} orders (the most)", busiest.1),
        &|| report::customer(auth, actor, busiest_id, &o),
    )?;
    let typical_id = typical.unwrap_or(1);
    measure(&format!("customer report, customer {typical_id}"), &|| {
        report::customer(auth, actor, typical_id, &o)
    })?;
    let q = SalesQuery {
        store: Some(1),
        from: NaiveDate::from_ymd_opt(year, 1, 1),
        to: NaiveDate::from_ymd_opt(year, 12, 31),
    };
    measure(
        &format!("sales report, store 1, {year} ({year_orders} orders)"),
        &|| report::sales(auth, actor, &q, &o),
    )?;
    let all = SalesQuery {
        store: None,
        ..q.clone()
    };
    measure(&format!("sales report, all stores, {year}"), &|| {
        report::sales(auth, actor, &all, &o)
    })?;
    let rss_mid = status_mib("VmRSS:");
    for _ in 0..args.runs * 5 {
        report::customer(auth, actor, typical_id, &o)?;
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
    b.finish();
    let _ = std::fs::remove_dir_all(&dir);
    Ok(super::exit::OK)
}
