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
