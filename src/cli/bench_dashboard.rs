//! `stockroom bench dashboard`: the Dashboard's refresh on `demo --scale N` (a throwaway
//! SQLite file, or the store given with `--database-url`, loaded when empty) for all stores
//! over all time and for one store over one month, median and worst of repeated runs.
//! Also the setup `bench orders` shares: the store, loaded, with a service and an actor.

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;

use super::Context;
use crate::auth::{Actor, Auth, AuthSettings, Role, SecretKey, SystemClock};
use crate::db::{Database, DbTarget, migrate};
use crate::error::Result;
use crate::store::dashboard::{self, DashboardQuery, Period};
use crate::store::demo::{self, DemoOptions};
use crate::worker::CancelToken;

#[derive(Debug, Args)]
pub struct BenchDashboardArgs {
    /// Demo scale loaded into an empty store
    #[arg(long, default_value_t = 100)]
    pub scale: u32,
    /// Runs of each refresh
    #[arg(long, default_value_t = 15)]
    pub runs: usize,
}

/// A store loaded with demo data, the services over it and who acts.
pub struct Bench {
    pub target: DbTarget,
    pub db: Database,
    pub auth: Auth,
    pub actor: Actor,
    /// The throwaway directory to remove afterwards (none for `--database-url`).
    dir: Option<PathBuf>,
}

impl Bench {
    /// Opens (and migrates) the store with at least `pool` connections, loading
    /// `demo --scale N` when it has no orders.
    pub fn prepare(
        ctx: &Context,
        explicit_url: bool,
        name: &str,
        scale: u32,
        pool: u32,
    ) -> Result<Bench> {
        let dir =
            std::env::temp_dir().join(format!("stockroom-bench-{name}-{}", std::process::id()));
        let target = if explicit_url {
            ctx.config.database.clone()
        } else {
            DbTarget::Sqlite(dir.join("bench.db"))
        };
        let mut options = ctx.config.db_options();
        options.pool_size = options.pool_size.max(pool);
        let db = Database::connect_with(&target, &options)?;
        migrate::run(&mut *db.conn()?)?;
        let orders = crate::db::status::read(&db)?
            .tables
            .iter()
            .find(|t| t.table == "orders")
            .map_or(0, |t| t.rows);
        if orders == 0 {
            crate::outln!("loading demo --scale {scale} into {}", target.redacted());
            demo::load(
                &db,
                &DemoOptions {
                    scale,
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
            std::sync::Arc::new(SystemClock),
            "bench".into(),
        );
        let actor = Actor {
            name: "bench".into(),
            role: Role::Administrator,
            terminal: "bench".into(),
            user_id: None,
            session_id: None,
        };
        Ok(Bench {
            target,
            db,
            auth,
            actor,
            dir: (!explicit_url).then_some(dir),
        })
    }

    /// Closes the store and removes a throwaway one.
    pub fn finish(self) {
        let dir = self.dir.clone();
        drop(self);
        if let Some(d) = dir {
            let _ = std::fs::remove_dir_all(d);
        }
    }
}

/// Median and worst of `ms`, sorted in place.
pub fn median_worst(ms: &mut [f64]) -> (f64, f64) {
    ms.sort_by(f64::total_cmp);
    (ms[ms.len() / 2], ms[ms.len() - 1])
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
        let t0 = Instant::now();
        dashboard::load(&b.auth, &b.actor, &query(None, Some(Period::All)))?;
        ms.push(t0.elapsed().as_secs_f64() * 1000.0);
    }
    let (median, worst) = median_worst(&mut ms);
    crate::outln!(
        "  {:<24} {median:>8.1} ms {worst:>8.1} ms   (every month summed again, once per change)",
        "first look after import"
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
        let mut ms = Vec::with_capacity(runs);
        let mut orders = 0;
        for _ in 0..runs {
            let t0 = Instant::now();
            let f = dashboard::load(&b.auth, &b.actor, &q)?;
            ms.push(t0.elapsed().as_secs_f64() * 1000.0);
            orders = f.orders;
        }
        let (median, worst) = median_worst(&mut ms);
        crate::outln!(
            "  {label:<24} {median:>8.1} ms {worst:>8.1} ms   target < {target:.0} ms ({} orders, {})",
            super::progress::group(orders),
            q.period.map_or("latest month".into(), Period::label)
        );
    }
    b.finish();
    Ok(super::exit::OK)
}
