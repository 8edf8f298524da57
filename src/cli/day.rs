//! `stockroom day report|close`: the end of a store's day for scripts and headless terminals —
//! an X report of what is open (or a past day's close), and the Z close with the float and the
//! cash counted (Managers and Administrators), through the till's service.

use chrono::NaiveDate;
use clap::Subcommand;

use super::Context;
use super::output::Format;
use crate::auth::Actor;
use crate::error::{Error, Result};
use crate::money::parse_cents;
use crate::store::till::{self, DayReport};

#[derive(Debug, Subcommand)]
pub enum DayCommand {
    /// What a store took since its last close (an X report), or a past day's close
    Report {
        #[arg(long)]
        store: i32,
        /// A day closed before (YYYY-MM-DD); default: what is open now
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: Option<String>,
        /// The float in the drawer, to show the cash expected in it
        #[arg(long = "float", value_name = "AMOUNT")]
        float_amount: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Close a store's day (a Z close): `day close --store 1 --float 200 --counted 1234.50`
    Close {
        #[arg(long)]
        store: i32,
        /// The float the drawer started with
        #[arg(long = "float", value_name = "AMOUNT")]
        float_amount: String,
        /// The cash counted in the drawer now
        #[arg(long, value_name = "AMOUNT")]
        counted: String,
        /// The business day closed (default: the store's today)
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

fn amount(text: &str, field: &str) -> Result<i64> {
    parse_cents(text).map_err(|why| {
        Error::Usage(format!(
            "--{field} `{}` {why}",
            crate::text::escape_bounded(text, 30)
        ))
    })
}

fn date(text: Option<&str>) -> Result<Option<NaiveDate>> {
    text.map(|t| {
        NaiveDate::parse_from_str(t.trim(), "%Y-%m-%d").map_err(|_| {
            Error::Usage(format!(
                "--date `{}` is not a date (YYYY-MM-DD)",
                crate::text::escape_bounded(t, 30)
            ))
        })
    })
    .transpose()
}

fn print(r: &DayReport, float: Option<i64>, format: Format) -> Result<()> {
    match format {
        Format::Json => {
            crate::outln!(
                "{}",
                serde_json::to_string_pretty(r).map_err(|e| Error::Invalid(e.to_string()))?
            );
        }
        _ => {
            for l in till::report_lines(r, float) {
                crate::outln!("{l}");
            }
        }
    }
    Ok(())
}

pub fn run(ctx: &Context, cmd: DayCommand) -> Result<u8> {
    let actor = Actor::cli(&ctx.sources);
    let (DayCommand::Report { format, .. } | DayCommand::Close { format, .. }) = &cmd;
    if *format == Format::Csv {
        return Err(Error::Usage(
            "--format csv: the day's report is a table or one JSON object (--format json)".into(),
        ));
    }
    match cmd {
        DayCommand::Report {
            store,
            date: d,
            float_amount,
            format,
        } => {
            let auth = ctx.auth_existing()?;
            let float = float_amount
                .as_deref()
                .map(|t| amount(t, "float"))
                .transpose()?;
            let r = till::day_report(&auth, &actor, store, date(d.as_deref())?)?;
            print(&r, float, format)?;
        }
        DayCommand::Close {
            store,
            float_amount,
            counted,
            date: d,
            format,
        } => {
            let auth = ctx.auth()?;
            let float = amount(&float_amount, "float")?;
            let counted = amount(&counted, "counted")?;
            let r = till::close_day(&auth, &actor, store, float, counted, date(d.as_deref())?)?;
            print(&r, Some(float), format)?;
        }
    }
    Ok(super::exit::OK)
}
