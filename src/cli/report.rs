//! `stockroom report customer|sales`: the PDF reports (the same services as the Reports
//! tab), written to the reports folder, to `--out FILE` (a folder: into it; a FIFO or a
//! device: written into), or with `--out -` to standard output.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::Context;
use crate::auth::Actor;
use crate::error::{Error, Result};
use crate::report::{self, ReportFile, ReportOptions, SalesQuery, Target};

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// A customer's details, totals, spending by month and order history
    Customer(CustomerArgs),
    /// Revenue and orders by month, category, brand, product and staff member, and order
    /// status counts, for one store or all over a range of days
    Sales(SalesArgs),
    /// A store's day: the Z close of a day closed, or the X report of what is open now
    Day(DayArgs),
}

#[derive(Debug, Args)]
pub struct DayArgs {
    #[arg(long)]
    pub store: i32,
    /// A day closed before, YYYY-MM-DD (default: what is open now)
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub date: Option<String>,
    /// Where to write the PDF: a new file (never over one), a folder, a FIFO or device, or
    /// `-` for standard output; default: the reports folder
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CustomerArgs {
    /// The customer's id
    pub id: i32,
    /// Where to write the PDF: a new file (never over one), a folder, a FIFO or device, or
    /// `-` for standard output; default: the reports folder
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct SalesArgs {
    /// One store's id (default: all stores)
    #[arg(long)]
    pub store: Option<i32>,
    /// First day, YYYY-MM-DD or YYYY-MM (default: the last full month)
    #[arg(long, value_name = "DATE")]
    pub from: Option<String>,
    /// Last day, included: YYYY-MM-DD or YYYY-MM (the month's last day)
    #[arg(long, value_name = "DATE")]
    pub to: Option<String>,
    /// Where to write the PDF: a new file (never over one), a folder, a FIFO or device, or
    /// `-` for standard output; default: the reports folder
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

fn options(ctx: &Context, out: &Option<PathBuf>) -> Result<ReportOptions> {
    let mut o = ReportOptions::from_config(&ctx.config);
    o.target = match out {
        None => Target::Folder,
        Some(p) if p.as_os_str() == "-" => {
            if std::io::stdout().is_terminal() {
                return Err(Error::InvalidField {
                    field: "--out".into(),
                    message: "a PDF is not written to a terminal; redirect standard output or give a file"
                        .into(),
                });
            }
            Target::Stdout
        }
        Some(p) => Target::File(p.clone()),
    };
    Ok(o)
}

fn pages(n: usize) -> String {
    if n == 1 {
        "1 page".into()
    } else {
        format!("{n} pages")
    }
}

fn finish(what: &str, r: ReportFile) -> Result<u8> {
    match &r.path {
        Some(path) => {
            eprintln!("{what}: {}, {} bytes, written to:", pages(r.pages), r.bytes);
            crate::outln!("{}", report::shown(path));
        }
        None => eprintln!(
            "{what}: {}, {} bytes, written to {}",
            pages(r.pages),
            r.bytes,
            r.to
        ),
    }
    Ok(super::exit::OK)
}

pub fn run(ctx: &Context, cmd: ReportCommand) -> Result<u8> {
    match cmd {
        ReportCommand::Customer(a) => {
            let o = options(ctx, &a.out)?;
            let auth = ctx.auth_existing()?;
            let actor = Actor::cli(&ctx.sources);
            let r = report::customer(&auth, &actor, a.id, &o)?;
            finish("customer report", r)
        }
        ReportCommand::Sales(a) => {
            let o = options(ctx, &a.out)?;
            let q = SalesQuery {
                store: a.store,
                from: a
                    .from
                    .as_deref()
                    .map(|t| report::parse_date("--from", t, false))
                    .transpose()?,
                to: a
                    .to
                    .as_deref()
                    .map(|t| report::parse_date("--to", t, true))
                    .transpose()?,
            };
            let auth = ctx.auth_existing()?;
            let actor = Actor::cli(&ctx.sources);
            let r = report::sales(&auth, &actor, &q, &o)?;
            finish("sales report", r)
        }
        ReportCommand::Day(a) => {
            let o = options(ctx, &a.out)?;
            let date = a
                .date
                .as_deref()
                .map(|t| report::parse_date("--date", t, false))
                .transpose()?;
            let auth = ctx.auth_existing()?;
            let actor = Actor::cli(&ctx.sources);
            let r = report::day(&auth, &actor, a.store, date, &o)?;
            finish("day report", r)
        }
    }
}
