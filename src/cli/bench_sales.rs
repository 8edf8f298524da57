//! `stockroom bench sales`: the Dashboard and the Orders service on `demo --scale N` (a
//! throwaway SQLite file, or `--database-url`, loaded when empty): a Dashboard refresh for all
//! stores and all time and for one store and one month; saving one order; and 8 terminals
//! (threads) selling at once — orders per second, the share of transactions re-run, and
//! whether any stock went below zero.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::time::Instant;

use clap::Args;
use diesel::prelude::*;

use super::Context;
use super::bench_store::Bench;
use super::bench_timing::{median_worst, repeat};
use crate::auth::{Auth, AuthSettings, Role, SecretKey, SystemClock};
use crate::db::schema::{staffs, stocks};
use crate::db::{Database, DbTarget, tx};
use crate::error::Result;
use crate::store::dashboard::{self, DashboardQuery, Period};
use crate::store::orders::{self, NewLine, NewOrder};

#[derive(Debug, Args)]
pub struct BenchSalesArgs {
    /// Demo scale loaded into an empty store
    #[arg(long, default_value_t = 100)]
    pub scale: u32,
    /// Runs of each measured call
    #[arg(long, default_value_t = 15)]
    pub runs: usize,
    /// Orders each of the 8 terminals sells
    #[arg(long, default_value_t = 50)]
    pub orders: usize,
    /// Other nodes of the same cluster (mysql://…): the 8 terminals are spread over the store
    /// and these, round-robin (`--also URL --also URL`)
    #[arg(long = "also", value_name = "URL")]
    pub also: Vec<String>,
}

pub fn run(ctx: &Context, explicit_url: bool, args: &BenchSalesArgs) -> Result<u8> {
    let b = Bench::prepare(ctx, explicit_url, "sales", args.scale, 10)?;
    let (db, auth, actor, options) = (&b.db, &b.auth, &b.actor, b.options);
    crate::outln!(
        "bench sales: backend {}, {} runs each (median / worst)",
        b.target.backend_name(),
        args.runs
    );
    let figures = |label: &str, q: DashboardQuery| -> Result<String> {
        let (t, _) = repeat(args.runs, |_| dashboard::load(auth, actor, &q))?;
        Ok(median_worst(label, 40, &t))
    };
    let base = DashboardQuery {
        store: None,
        period: Some(Period::All),
        low_stock_threshold: 5,
        target_per_store_month_cents: 10_000_000,
    };
    crate::outln!(
        "{}",
        figures("dashboard, all stores, all time", base.clone())?
    );
    crate::outln!(
        "{}",
        figures(
            "dashboard, one store, latest month",
            DashboardQuery {
                store: Some(1),
                period: None,
                ..base.clone()
            }
        )?
    );

    // Selling: each terminal sells one unit of products store 1 holds plenty of.
    let mut conn = db.conn()?;
    let staff: i32 = staffs::table
        .filter(staffs::store_id.eq(1))
        .select(staffs::staff_id)
        .first(&mut *conn)?;
    let products: Vec<i32> = stocks::table
        .filter(stocks::store_id.eq(1))
        .order(stocks::product_id)
        .select(stocks::product_id)
        .limit(20)
        .load(&mut *conn)?;
    // Enough stock for every sale of the run, so that only contention is measured.
    diesel::update(stocks::table.filter(stocks::store_id.eq(1)))
        .set(stocks::quantity.eq(1_000_000))
        .execute(&mut *conn)?;
    drop(conn);
    let sale = |i: usize| NewOrder {
        customer_id: Some(1 + (i % 50) as i32),
        store_id: 1,
        staff_id: staff,
        lines: vec![
            NewLine {
                product_id: products[i % products.len()],
                quantity: 1,
                discount_bp: 0,
            },
            NewLine {
                product_id: products[(i + 7) % products.len()],
                quantity: 2,
                discount_bp: 500,
            },
        ],
    };
    let (t, _) = repeat(args.runs, |i| orders::create(auth, actor, &sale(i)))?;
    crate::outln!("{}", median_worst("save one order (2 lines)", 40, &t));

    // The terminals' nodes: the store's, then any others of the cluster.
    let mut auths = vec![auth.clone()];
    for url in &args.also {
        let target = DbTarget::parse(url).map_err(crate::Error::Config)?;
        let node = Database::connect_with(&target, &options)?;
        auths.push(Auth::new(
            node,
            AuthSettings::default(),
            SecretKey::generate(),
            Arc::new(SystemClock),
            "bench".into(),
        ));
    }
    let (started0, retried0) = tx::stats();
    let failed = Arc::new(AtomicU64::new(0));
    let go = Arc::new(Barrier::new(8));
    let t0 = Instant::now();
    let handles: Vec<_> = (0..8)
        .map(|k| {
            let (auth, actor, go, failed) = (
                auths[k % auths.len()].clone(),
                actor.clone(),
                go.clone(),
                failed.clone(),
            );
            let orders_n = args.orders;
            let sales: Vec<NewOrder> = (0..orders_n).map(|i| sale(k * 1000 + i)).collect();
            std::thread::spawn(move || {
                go.wait();
                for s in &sales {
                    if orders::create(&auth, &actor, s).is_err() {
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    for h in handles {
        let _ = h.join();
    }
    let secs = t0.elapsed().as_secs_f64();
    let (started1, retried1) = tx::stats();
    let total = 8 * args.orders as u64;
    let failed = failed.load(Ordering::Relaxed);
    let negative: i64 = stocks::table
        .filter(stocks::quantity.lt(0))
        .count()
        .get_result(&mut *db.conn()?)?;
    crate::outln!(
        "  8 terminals selling at once ({} node{})    {:>8.0} orders/s  ({} orders, {} refused, {:.1} % of transactions re-run, {} stock rows below zero)",
        auths.len(),
        if auths.len() == 1 { "" } else { "s" },
        (total - failed) as f64 / secs,
        total,
        failed,
        (retried1 - retried0) as f64 * 100.0 / (started1 - started0).max(1) as f64,
        negative
    );
    // Sign-ins: 8 terminals, each its own user, password and session (bcrypt at cost 10).
    let settings = AuthSettings {
        bcrypt_cost: 10,
        ..AuthSettings::default()
    };
    let signers: Vec<Auth> = auths
        .iter()
        .map(|a| {
            Auth::new(
                a.db().clone(),
                settings.clone(),
                SecretKey::generate(),
                Arc::new(SystemClock),
                "bench".into(),
            )
        })
        .collect();
    let stamp = std::process::id();
    for k in 0..8 {
        let name = format!("bench{stamp}x{k}");
        if signers[0]
            .add_user(actor, &name, Role::Manager, None, "Bench-Pass-2026!")
            .is_err()
        {
            // The first account of an empty store must be an administrator.
            signers[0].add_user(
                actor,
                &format!("boss{stamp}"),
                Role::Administrator,
                None,
                "Bench-Pass-2026!",
            )?;
            signers[0].add_user(actor, &name, Role::Manager, None, "Bench-Pass-2026!")?;
        }
    }
    let (started0, retried0) = tx::stats();
    let per = 10;
    let go = Arc::new(Barrier::new(8));
    let t0 = Instant::now();
    let handles: Vec<_> = (0..8)
        .map(|k| {
            let (auth, go) = (signers[k % signers.len()].clone(), go.clone());
            let name = format!("bench{stamp}x{k}");
            std::thread::spawn(move || {
                go.wait();
                let mut ok = 0u64;
                for _ in 0..per {
                    if let Ok(p) = auth.begin_sign_in(&name, "Bench-Pass-2026!")
                        && let Ok(s) = auth.finish_sign_in(p)
                    {
                        let _ = auth.sign_out(&s, "bench");
                        ok += 1;
                    }
                }
                ok
            })
        })
        .collect();
    let ok: u64 = handles.into_iter().map(|h| h.join().unwrap_or(0)).sum();
    let secs = t0.elapsed().as_secs_f64();
    let (started1, retried1) = tx::stats();
    crate::outln!(
        "  8 terminals signing in and out            {:>8.0} sign-ins/s ({ok} of {}, {:.1} % of transactions re-run)",
        ok as f64 / secs,
        8 * per,
        (retried1 - retried0) as f64 * 100.0 / (started1 - started0).max(1) as f64
    );
    b.finish();
    Ok(super::exit::OK)
}
