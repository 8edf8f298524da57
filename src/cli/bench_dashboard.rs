//! `stockroom bench dashboard`: the Dashboard's refresh on `demo --scale N` (a throwaway
//! SQLite file, or the store given with `--database-url`, loaded when empty) for all stores
//! over all time and for one store over one month, median and worst of repeated runs.

use clap::Args;

use super::Context;
use super::bench_store::Bench;
use super::bench_timing::{Runs, median_worst, repeat, timed};
use crate::error::Result;
use crate::store::dashboard::{self, DashboardQuery, Period};

#[derive(Debug, Args)]
pub struct BenchDashboardArgs {
    /// Demo scale loaded into an empty store
    #[arg(long, default_value_t = 100)]
    pub scale: u32,
    /// Runs of each refresh
    #[arg(long, default_value_t = 15)]
    pub runs: usize,
}

pub fn run(ctx: &Context, explicit_url: bool, args: &BenchDashboardArgs) -> Result<u8> {
    let b = Bench::prepare(ctx, explicit_url, "dashboard", args.scale, 1)?;
    let runs = args.runs.max(1);
    crate::outln!(
        "bench dashboard: backend {}, {} runs each (median / worst)",
        b.target.backend_name(),
        runs
    );
    let query = |store: Option<i32>, period: Option<Period>| DashboardQuery {
        store,
        period,
        low_stock_threshold: ctx.config.low_stock_threshold,
        target_per_store_month_cents: i64::from(ctx.config.sales_target_per_store_month) * 100,
    };
    // The first look after an import, an edit or a rejection of an older order: every month
    // of the monthly totals summed again from the lines.
    let mut ms = Vec::with_capacity(runs);
    for _ in 0..runs {
        let mut conn = b.auth.db().conn()?;
        crate::db::tx::write(&mut conn, |c| {
            crate::store::sales_summary::forget_all(c).map_err(crate::error::Error::from)
        })?;
        drop(conn);
        let (t, f) = timed(|| dashboard::load(&b.auth, &b.actor, &query(None, Some(Period::All))));
        f?;
        ms.push(t);
    }
    crate::outln!(
        "{}   (every month summed again, once per change)",
        median_worst("first look after import", 24, &Runs::new(ms))
    );
    // The latest month with orders: what the tab opens on.
    let latest = dashboard::load(&b.auth, &b.actor, &query(None, None))?.period;
    let cases = [
        (
            "all stores, all time",
            query(None, Some(Period::All)),
            300.0,
        ),
        ("one store, one month", query(Some(1), Some(latest)), 100.0),
        ("all stores, one month", query(None, Some(latest)), 100.0),
        (
            "one store, all time",
            query(Some(1), Some(Period::All)),
            300.0,
        ),
    ];
    for (label, q, target) in cases {
        let (t, last) = repeat(runs, |_| dashboard::load(&b.auth, &b.actor, &q))?;
        crate::outln!(
            "{}   target < {target:.0} ms ({} orders, {})",
            median_worst(label, 24, &t),
            super::progress::group(last.map_or(0, |f| f.orders)),
            q.period.map_or("latest month".into(), Period::label)
        );
    }
    b.finish();
    Ok(super::exit::OK)
}
