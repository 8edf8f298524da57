//! `stockroom import csv|api …` and `stockroom export …`.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::Context;
use super::progress::{ProgressPrinter, group};
use crate::auth::Actor;
use crate::error::Result;
use crate::etl::{self, ImportOptions, ImportReport, Outcome};
use crate::tables::cell::DateFormat;
use crate::worker::CancelToken;

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import CSV files or folders (a file's table comes from its name or its header)
    Csv(CsvArgs),
    /// Import a REST API's collections (Administrators)
    Api(ApiArgs),
}

#[derive(Debug, Args)]
#[command(
    after_help = "Credentials: user info in the URL (https://USER:PASSWORD@host/, sent as \
Basic credentials) or a token in the STOCKROOM_API_TOKEN environment variable (sent as \
`Authorization: Bearer …`); either goes to the URL's origin only and is never printed, logged \
or stored. Every page is read (at most 256 MiB per response, on the wire and decoded) before \
anything is written."
)]
pub struct ApiArgs {
    /// Base URL; collections are looked for at /NAME, /api/NAME and /v1/NAME
    pub url: String,
    /// Only these tables (comma-separated)
    #[arg(long, value_delimiter = ',')]
    pub tables: Vec<String>,
    /// Requests per second
    #[arg(long, default_value_t = 10.0)]
    pub rate: f64,
    /// Retries of a request on network errors, 408, 429 and 5xx
    #[arg(long, default_value_t = 5)]
    pub max_retries: u32,
    /// Time limit in seconds on one attempt of one request (connecting, the answer, its body)
    #[arg(long, default_value_t = 30)]
    pub timeout: u64,
    /// Time limit on the whole run's reading, every page and wait included (`90s`, `30m`, `2h`)
    #[arg(long, default_value = "30m", value_parser = parse_span, value_name = "TIME")]
    pub deadline: std::time::Duration,
    /// Also read pages and redirects on this origin (`https://cdn.example.com`); repeatable.
    /// Credentials are never sent there
    #[arg(long = "allow-origin", value_name = "ORIGIN")]
    pub allow_origin: Vec<String>,
    #[command(flatten)]
    pub common: CommonImportArgs,
}

/// `312 B`, `48.0 kB`, `1.2 MB`.
fn size(n: u64) -> String {
    match n {
        0..1_000 => format!("{n} B"),
        1_000..1_000_000 => format!("{:.1} kB", n as f64 / 1e3),
        _ => format!("{:.1} MB", n as f64 / 1e6),
    }
}

/// `90s`, `30m`, `2h` or a number of minutes.
fn parse_span(s: &str) -> std::result::Result<std::time::Duration, String> {
    let t = s.trim();
    let (n, unit) = match t.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => t.split_at(i),
        None => (t, "m"),
    };
    let n: u64 = n
        .parse()
        .map_err(|_| format!("`{s}` is not a time such as 90s, 30m or 2h"))?;
    let secs = match unit.trim() {
        "s" => n,
        "m" | "min" => n.saturating_mul(60),
        "h" => n.saturating_mul(3600),
        _ => return Err(format!("`{s}` is not a time such as 90s, 30m or 2h")),
    };
    if secs == 0 {
        return Err("the deadline must be at least 1s".into());
    }
    Ok(std::time::Duration::from_secs(secs))
}

#[derive(Debug, Args)]
pub struct CsvArgs {
    /// Files or folders
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub common: CommonImportArgs,
}

#[derive(Debug, Args)]
pub struct CommonImportArgs {
    /// Load the good rows and write the bad ones to the rejects file (exit status 3)
    #[arg(long)]
    pub skip_invalid: bool,
    /// Where to write rejected rows (default with --skip-invalid: rejects.csv)
    #[arg(long, value_name = "FILE")]
    pub rejects: Option<PathBuf>,
    /// Validate and report; write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Dates: auto (ISO, or DD/MM/YYYY when slashed), iso, dmy, mdy or a chrono pattern
    #[arg(long, default_value = "auto", value_name = "FMT")]
    pub date_format: String,
    /// MySQL/MariaDB: write every table in batches, never through LOAD DATA LOCAL INFILE
    #[arg(long)]
    pub no_bulk_load: bool,
}

impl CommonImportArgs {
    pub fn options(&self, ctx: &Context) -> ImportOptions {
        ImportOptions {
            limits: etl::source::InputLimits::from_config(&ctx.config),
            skip_invalid: self.skip_invalid,
            rejects: self
                .rejects
                .clone()
                .or_else(|| self.skip_invalid.then(|| PathBuf::from("rejects.csv"))),
            dry_run: self.dry_run,
            date_format: DateFormat::parse(&self.date_format),
            bulk: !self.no_bulk_load,
            // Pipes and API pages are copied here first (private, unlinked files).
            spool_dir: Some(ctx.config.data_dir.clone()),
            ..ImportOptions::default()
        }
    }
}

/// Prints the per-table summary and the bad rows; returns the exit status.
pub fn print_report(r: &ImportReport, opts: &ImportOptions) -> u8 {
    crate::outln!(
        "{:<12} {:>10} {:>10} {:>10} {:>10} {:>10}  source",
        "table",
        "read",
        "inserted",
        "updated",
        "unchanged",
        "rejected"
    );
    for t in &r.tables {
        crate::outln!(
            "{:<12} {:>10} {:>10} {:>10} {:>10} {:>10}  {}",
            t.table,
            group(t.read),
            group(t.counts.inserted),
            group(t.counts.updated),
            group(t.counts.unchanged),
            group(t.rejected),
            t.source
        );
        if !t.extra_columns.is_empty() {
            crate::outln!(
                "  note: ignored extra column(s) {}",
                crate::text::name_list(&t.extra_columns, 5)
            );
        }
        if t.bulk {
            crate::outln!(
                "  note: loaded in one stream (LOAD DATA LOCAL INFILE): the table was empty"
            );
        }
    }
    for n in &r.notes {
        crate::outln!("note: {}", crate::text::escape(n));
    }
    for e in &r.errors {
        eprintln!("{e}");
    }
    let listed = r.errors.len() as u64;
    if r.rejected_rows > 0 && listed < r.rejected_rows {
        eprintln!(
            "… {} more bad rows not listed here{}",
            r.rejected_rows - listed,
            match &opts.rejects {
                Some(p) => format!("; all are in {}", etl::source::shown(p)),
                None => "; use --rejects FILE to get them all".into(),
            }
        );
    }
    let (read, counts, _) = r.totals();
    let verdict = match r.outcome {
        Outcome::Committed => format!(
            "imported: {} inserted, {} updated, {} unchanged",
            group(counts.inserted),
            group(counts.updated),
            group(counts.unchanged)
        ),
        Outcome::CommittedWithRejects => format!(
            "imported the good rows; {} bad rows skipped{}",
            group(r.rejected_rows),
            opts.rejects
                .as_ref()
                .map(|p| format!(" (written to {})", etl::source::shown(p)))
                .unwrap_or_default()
        ),
        Outcome::RolledBack => format!(
            "{} bad rows: nothing was written (fix them, or use --skip-invalid)",
            group(r.rejected_rows)
        ),
        Outcome::DryRun => format!(
            "dry run: nothing was written ({} bad rows)",
            group(r.rejected_rows)
        ),
        Outcome::Cancelled => "cancelled: nothing was written".into(),
    };
    crate::outln!(
        "{verdict}; {} rows read in {}",
        group(read),
        super::progress::duration_and_rate(read, r.duration_ms)
    );
    r.exit_code()
}

/// A cancel token that Ctrl-C (SIGINT) or SIGTERM sets: the run stops at its next batch,
/// rolls back and is recorded as cancelled. A second Ctrl-C ends the process at once (the
/// database then rolls the open transaction back).
fn interruptible() -> Result<CancelToken> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let cancel = CancelToken::new();
    for sig in [SIGINT, SIGTERM] {
        signal_hook::flag::register_conditional_shutdown(sig, 130, cancel.flag())?;
        signal_hook::flag::register(sig, cancel.flag())?;
    }
    Ok(cancel)
}

pub fn import(ctx: &Context, cmd: ImportCommand) -> Result<u8> {
    let auth = ctx.auth()?;
    let actor = Actor::cli(&ctx.sources);
    let cancel = interruptible()?;
    match cmd {
        ImportCommand::Csv(args) => {
            let opts = args.common.options(ctx);
            let mut printer = ProgressPrinter::new();
            let report = etl::import_csv(&auth, &actor, &args.paths, &opts, &cancel, &mut |p| {
                printer.show(&p)
            });
            printer.finish();
            let report = report?;
            Ok(print_report(&report, &opts))
        }
        ImportCommand::Api(args) => {
            let opts = args.common.options(ctx);
            let api = etl::api::ApiOptions {
                tables: args.tables.clone(),
                rate: args.rate,
                max_retries: args.max_retries,
                timeout: std::time::Duration::from_secs(args.timeout.max(1)),
                deadline: args.deadline,
                allow_origins: args.allow_origin.clone(),
                bearer_token: ctx
                    .sources
                    .env
                    .get(etl::api::TOKEN_VAR)
                    .filter(|t| !t.trim().is_empty())
                    .map(|t| etl::api::Secret(t.clone())),
                ..etl::api::ApiOptions::default()
            };
            let mut printer = ProgressPrinter::new();
            let run =
                etl::api::import_api(&auth, &actor, &args.url, &api, &opts, &cancel, &mut |p| {
                    printer.show(&p)
                });
            printer.finish();
            let run = run?;
            if !run.missing.is_empty() {
                crate::outln!(
                    "note: the API has no collection for {}",
                    run.missing.join(", ")
                );
            }
            crate::outln!(
                "{} requests, {} retried, {} received",
                run.requests,
                run.retries,
                size(run.received)
            );
            Ok(print_report(&run.report, &opts))
        }
    }
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// categories, brands, products, stores, staffs, stocks, customers, orders or order_items
    pub table: String,
    /// Write here instead of standard output
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = ExportFormatArg::Csv)]
    pub format: ExportFormatArg,
    /// For opening in a spreadsheet: prefix text cells that start with = + - @ with `'`, so
    /// they are not run as formulas (the file then no longer imports back exactly)
    #[arg(long)]
    pub spreadsheet: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormatArg {
    Csv,
    Json,
}

pub fn export(ctx: &Context, args: ExportArgs) -> Result<u8> {
    use crate::files::out::{Naming, Output, is_stdout};
    let auth = ctx.auth_existing()?;
    let actor = Actor::cli(&ctx.sources);
    let format = match args.format {
        ExportFormatArg::Csv => etl::export::ExportFormat::Csv,
        ExportFormatArg::Json => etl::export::ExportFormat::Json,
    };
    let cancel = CancelToken::new();
    // A file is written beside its name and renamed over it at the end (never a half-written
    // file); a FIFO, a device or `-` is written straight into. A reader that goes away
    // (`| head`) ends the export quietly.
    let (mut out, to_stdout) = match args.out.as_deref() {
        Some(path) if !is_stdout(path) => (
            Output::open(path, Naming::Replace, Some(cancel.clone()))?,
            false,
        ),
        _ => (Output::stdout(Some(cancel.clone())), true),
    };
    let out_shown = out.shown().to_string();
    let mut printer = ProgressPrinter::new();
    let result = etl::export::export(
        &auth,
        &actor,
        &args.table,
        format,
        args.spreadsheet,
        &mut out,
        &out_shown,
        &cancel,
        &mut |p| {
            if !to_stdout {
                printer.show(&p)
            }
        },
    );
    printer.finish();
    if out.closed() {
        return Ok(super::exit::OK);
    }
    let summary = result?;
    if !to_stdout {
        eprintln!(
            "exported {} rows of {} to {}",
            group(summary.rows),
            args.table,
            out.written()
                .map_or_else(|| out.shown().to_string(), etl::source::shown)
        );
    }
    warn_formulas(&summary, args.spreadsheet);
    Ok(super::exit::OK)
}

/// Warns when a plain CSV export holds cells a spreadsheet would run as formulas.
fn warn_formulas(s: &etl::export::ExportSummary, spreadsheet: bool) {
    if s.formula_cells > 0 && !spreadsheet {
        eprintln!(
            "warning: {} cells start with = + - or @ and would run as formulas if this file is \
             opened in a spreadsheet; export with --spreadsheet for that use",
            group(s.formula_cells)
        );
    }
}
