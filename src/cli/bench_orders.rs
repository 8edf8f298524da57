//! `stockroom bench orders`: saving an order (its lines, its stock, its audit line, in one
//! transaction) one at a time, then N terminals (threads) saving orders at once — orders per
//! second, refusals for short stock, and a check that no stock went below zero and that the
//! stock taken equals the quantities sold, and `stock verify` over the ledger afterwards. Each
//! order is paid (card, or cash with change), and the day's X report of a store is timed. Writes orders into the store it is given: use a
//! throwaway one (the default SQLite file) or a bench database.

use std::sync::{Arc, Barrier};
use std::time::Instant;

use clap::Args;

use super::Context;
use super::bench_store::Bench;
use super::bench_timing::{Runs, timed};
use super::progress::group;
use crate::db::dynamic;
use crate::error::{Error, Result};
use crate::store::demo::Rng;
use crate::store::orders::{self, NewLine, NewOrder};
use crate::store::till::TenderSpec;

#[derive(Debug, Args)]
pub struct BenchOrdersArgs {
    /// Demo scale loaded into an empty store
    #[arg(long, default_value_t = 100)]
    pub scale: u32,
    /// Orders saved one at a time
    #[arg(long, default_value_t = 200)]
    pub runs: usize,
    /// Terminals saving at once
    #[arg(long, default_value_t = 8)]
    pub threads: usize,
    /// Orders each terminal saves
    #[arg(long, default_value_t = 100)]
    pub per_thread: usize,
}

/// What orders may be made of: each store's active staff and the products it stocks.
struct Shop {
    stores: Vec<(i32, i32, Vec<i32>)>,
    customers: i64,
}

impl Shop {
    fn read(b: &Bench) -> Result<Shop> {
        let mut conn = b.db.conn()?;
        let staff = dynamic::load_json(
            &mut conn,
            "SELECT JSON_ARRAY(store_id, MIN(staff_id)) AS r FROM staffs WHERE active = 1 \
             GROUP BY store_id ORDER BY store_id",
            &[],
        )?;
        let mut stores = Vec::new();
        for j in staff {
            let (store, staff) = (j[0].as_i64().unwrap_or(0), j[1].as_i64().unwrap_or(0));
            let products: Vec<i32> = dynamic::load_json(
                &mut conn,
                &format!(
                    "SELECT JSON_ARRAY(product_id) AS r FROM stocks WHERE store_id = {store} \
                     AND quantity > 0 ORDER BY product_id"
                ),
                &[],
            )?
            .iter()
            .map(|j| j[0].as_i64().unwrap_or(0) as i32)
            .collect();
            if !products.is_empty() {
                stores.push((store as i32, staff as i32, products));
            }
        }
        let customers = dynamic::load_count(&mut conn, "SELECT COUNT(*) AS n FROM customers", &[])?;
        if stores.is_empty() || customers == 0 {
            return Err(Error::Invalid(
                "bench orders needs stores with staff and stock, and customers".into(),
            ));
        }
        Ok(Shop { stores, customers })
    }

    /// An order of one to three lines of one or two units, at random.
    fn order(&self, rng: &mut Rng) -> NewOrder {
        let (store, staff, products) = &self.stores[rng.next_u64() as usize % self.stores.len()];
        let n = 1 + rng.next_u64() as usize % 3;
        let mut lines: Vec<NewLine> = Vec::new();
        for _ in 0..n {
            let product_id = products[rng.next_u64() as usize % products.len()];
            if lines.iter().all(|l| l.product_id != product_id) {
                lines.push(NewLine {
                    product_id,
                    quantity: 1 + (rng.next_u64() % 2) as i32,
                    discount_bp: [0, 500, 1000][rng.next_u64() as usize % 3],
                });
            }
        }
        NewOrder {
            customer_id: Some(1 + (rng.next_u64() % self.customers as u64) as i32),
            store_id: *store,
            staff_id: *staff,
            lines,
        }
    }
}

/// How a bench order is paid: by card, or cash handed over well above any total.
fn tender(rng: &mut Rng) -> Vec<TenderSpec> {
    let spec = if rng.chance(50) {
        "card"
    } else {
        "cash:100000"
    };
    vec![TenderSpec::parse(spec).expect("a tender")]
}

/// Total stock, rows below zero, and units sold on orders after `after_id`.
fn stock_state(b: &Bench, after_id: i64) -> Result<(i64, i64, i64)> {
    let mut conn = b.db.conn()?;
    let total = dynamic::load_count(
        &mut conn,
        "SELECT COALESCE(SUM(quantity), 0) AS n FROM stocks",
        &[],
    )?;
    let negative = dynamic::load_count(
        &mut conn,
        "SELECT COUNT(*) AS n FROM stocks WHERE quantity < 0",
        &[],
    )?;
    let sold = dynamic::load_count(
        &mut conn,
        &format!(
            "SELECT COALESCE(SUM(quantity), 0) AS n FROM order_items WHERE order_id > {after_id}"
        ),
        &[],
    )?;
    Ok((total, negative, sold))
}

fn short_stock(e: &Error) -> bool {
    matches!(e, Error::Conflict(m) if m.starts_with("not enough stock"))
}

pub fn run(ctx: &Context, explicit_url: bool, args: &BenchOrdersArgs) -> Result<u8> {
    let threads = args.threads.max(1);
    let b = Bench::prepare(ctx, explicit_url, "orders", args.scale, threads as u32 + 1)?;
    let shop = Shop::read(&b)?;
    let first_id = {
        let mut conn = b.db.conn()?;
        dynamic::load_count(
            &mut conn,
            "SELECT COALESCE(MAX(order_id), 0) AS n FROM orders",
            &[],
        )?
    };
    let (stock_before, _, _) = stock_state(&b, first_id)?;
    crate::outln!(
        "bench orders: backend {}, orders of 1–3 lines",
        b.target.backend_name()
    );

    // One terminal, one order at a time.
    let mut rng = Rng::new(7);
    let mut ms = Vec::with_capacity(args.runs.max(1));
    let mut refused = 0u64;
    for _ in 0..args.runs.max(1) {
        let o = shop.order(&mut rng);
        let pay = tender(&mut rng);
        match timed(|| orders::sell_paid(&b.auth, &b.actor, &o, &pay)) {
            (t, Ok(_)) => ms.push(t),
            (_, Err(e)) if short_stock(&e) => refused += 1,
            (_, Err(e)) => return Err(e),
        }
    }
    let t = Runs::new(ms);
    if !t.is_empty() {
        crate::outln!(
            "  save an order: median {:.1} ms, p99 {:.1} ms, worst {:.1} ms over {} orders ({refused} refused for short stock), target < 20 ms",
            t.median(),
            t.percentile(99),
            t.max(),
            t.len()
        );
    }

    // N terminals at once.
    let go = Arc::new(Barrier::new(threads));
    let t0 = Instant::now();
    let handles: Vec<_> = (0..threads)
        .map(|i| {
            let (auth, actor, go) = (b.auth.clone(), b.actor.clone(), go.clone());
            let orders: Vec<(NewOrder, Vec<TenderSpec>)> = {
                let mut rng = Rng::new(1_000 + i as u64);
                (0..args.per_thread)
                    .map(|_| (shop.order(&mut rng), tender(&mut rng)))
                    .collect()
            };
            std::thread::spawn(move || -> Result<(u64, u64)> {
                go.wait();
                let (mut saved, mut refused) = (0, 0);
                for (o, pay) in &orders {
                    match orders::sell_paid(&auth, &actor, o, pay) {
                        Ok(_) => saved += 1,
                        Err(e) if short_stock(&e) => refused += 1,
                        Err(e) => return Err(e),
                    }
                }
                Ok((saved, refused))
            })
        })
        .collect();
    let (mut saved, mut refused) = (0u64, 0u64);
    let mut failure = None;
    for h in handles {
        match h.join() {
            Ok(Ok((s, r))) => {
                saved += s;
                refused += r;
            }
            Ok(Err(e)) => failure = Some(e),
            Err(_) => failure = Some(Error::Invalid("a bench thread panicked".into())),
        }
    }
    let secs = t0.elapsed().as_secs_f64();
    if let Some(e) = failure {
        return Err(e);
    }
    let (stock_after, negative, sold) = stock_state(&b, first_id)?;
    crate::outln!(
        "  {threads} terminals at once: {} orders saved in {secs:.2} s = {:.0} orders/s ({} refused for short stock)",
        group(saved),
        saved as f64 / secs,
        group(refused)
    );
    crate::outln!(
        "  stock rows below zero: {negative}; stock taken {} = units sold {} ({})",
        group((stock_before - stock_after).max(0) as u64),
        group(sold.max(0) as u64),
        if stock_before - stock_after == sold {
            "consistent"
        } else {
            "INCONSISTENT"
        }
    );
    // The stock ledger after it all: every row equals the sum of its moves.
    let (verify_ms, wrong) = timed(|| crate::store::stock::verify(&b.auth, &b.actor));
    let wrong = wrong?;
    let moves = dynamic::load_count(
        &mut *b.db.conn()?,
        "SELECT COUNT(*) AS n FROM stock_moves",
        &[],
    )?;
    crate::outln!(
        "  stock verify over {} moves: {} in {verify_ms:.0} ms",
        group(moves.max(0) as u64),
        if wrong.is_empty() {
            "every row equals its moves".to_string()
        } else {
            format!("{} rows DIFFER", wrong.len())
        }
    );
    // The day's X report of a store that took these payments.
    let (report_ms, report) = timed(|| crate::store::till::day_report(&b.auth, &b.actor, 1, None));
    let report = report?;
    crate::outln!(
        "  day report of store 1 over {} sales and their payments: {report_ms:.0} ms (target < 200 ms)",
        group(report.figures.sales)
    );
    b.finish();
    Ok(
        if negative == 0 && stock_before - stock_after == sold && wrong.is_empty() {
            super::exit::OK
        } else {
            super::exit::FAILURE
        },
    )
}
