//! `stockroom demo [--scale N] [--seed S] [--replace]`.

use std::time::Instant;

use clap::Args;

use super::Context;
use super::progress::ProgressPrinter;
use crate::db::migrate;
use crate::error::Result;
use crate::store::demo::{self, DemoOptions};
use crate::worker::CancelToken;

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Multiplies customers, orders and order lines (1 ≈ the original store)
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub scale: u32,
    /// Same seed, same rows
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Delete the store's data first (users are kept)
    #[arg(long)]
    pub replace: bool,
}

pub fn run(ctx: &Context, args: DemoArgs) -> Result<u8> {
    let db = ctx.database()?;
    migrate::run(&mut *db.conn()?)?;
    let opts = DemoOptions {
        scale: args.scale,
        seed: args.seed,
        replace: args.replace,
    };
    let started = Instant::now();
    let mut printer = ProgressPrinter::new();
    let summary = demo::load(&db, &opts, &CancelToken::new(), &mut |p| printer.show(&p))?;
    printer.finish();
    let elapsed = started.elapsed();
    let total: u64 = summary.tables.iter().map(|(_, n)| n).sum();
    for (table, rows) in &summary.tables {
        crate::outln!("{table:<12} {:>10}", super::progress::group(*rows));
    }
    crate::outln!(
        "loaded {} rows (scale {}, seed {}) in {:.1} s",
        super::progress::group(total),
        opts.scale,
        opts.seed,
        elapsed.as_secs_f64()
    );
    tracing::info!(
        scale = opts.scale,
        seed = opts.seed,
        rows = total,
        ms = elapsed.as_millis() as u64,
        "demo loaded"
    );
    Ok(super::exit::OK)
}
