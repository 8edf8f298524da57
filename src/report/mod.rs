//! PDF reports (DESIGN §2, issue 10): the customer report and the sales report as services
//! the TUI and the CLI both call. Figures come from SQL ([`data`]); pages are laid out with
//! embedded, subset fonts ([`layout`], [`chart`]); files go to the reports folder, created
//! private and never overwriting another report ([`output`]); every report is audited.
//! Exporting reports is open to every role (`Permission::ExportData`).

pub mod chart;
mod customer;
pub mod data;
mod day;
pub mod fonts;
pub mod layout;
pub mod output;
mod sales;

use std::path::{Path, PathBuf};

use chrono::{Datelike, Local, Months, NaiveDate, TimeZone, Utc};

pub use output::{RecentReport, recent};

use crate::auth::audit::{self, Event};
use crate::auth::{Actor, Auth, Permission};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::money::format_cents;

/// Where a report goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The reports folder, under a name made from the report (`customer-7-2026-12-03.pdf`).
    Folder,
    /// `--out PATH`: this file (a numbered name beside it when it exists); a folder takes the
    /// report under its default name; a FIFO or a character device is written into; `-` is
    /// standard output.
    File(PathBuf),
    /// Standard output (`--out -`); a failed write is a failure, audited as such.
    Stdout,
    /// Nowhere: the PDF is returned in [`ReportFile::pdf`] for the caller to use.
    Bytes,
}

/// How reports are made and where they go.
#[derive(Debug, Clone)]
pub struct ReportOptions {
    /// Atop every report.
    pub chain_name: String,
    /// Before amounts.
    pub currency: String,
    /// The reports folder.
    pub reports_dir: PathBuf,
    pub target: Target,
}

impl ReportOptions {
    /// The configured chain name, currency and reports folder, writing to the folder.
    pub fn from_config(cfg: &Config) -> ReportOptions {
        ReportOptions {
            chain_name: cfg.chain_name.clone(),
            currency: cfg.currency_symbol.clone(),
            reports_dir: cfg.reports_dir.clone(),
            target: Target::Folder,
        }
    }
}

/// A finished report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportFile {
    /// The file written (`None` for standard output, a FIFO, a device or [`Target::Bytes`]).
    pub path: Option<PathBuf>,
    /// Where it went, as shown to people (`standard output`, `/dev/lp0`, the file).
    pub to: String,
    /// Its size.
    pub bytes: u64,
    pub pages: usize,
    /// The PDF itself, for [`Target::Bytes`].
    pub pdf: Option<Vec<u8>>,
}

/// Which sales: one store or all, from one day to another (both included). Missing dates
/// mean the last full month.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SalesQuery {
    pub store: Option<i32>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// What every page shares: names, the currency and the time the report was made.
pub(crate) struct Styling {
    pub chain: String,
    pub currency: String,
    /// The generation time, UTC and local.
    pub generated: String,
    /// The footer's left part.
    pub footer: String,
    /// When the report was made (Unix seconds): the PDF's creation date.
    pub now: i64,
}

impl Styling {
    fn new(o: &ReportOptions, now: i64, actor: &Actor) -> Styling {
        let generated = generated_at(now);
        Styling {
            chain: crate::text::escape(&o.chain_name).into_owned(),
            currency: o.currency.clone(),
            footer: format!(
                "{} · generated {generated} for {}",
                crate::text::escape(&o.chain_name),
                crate::text::escape(&actor.name)
            ),
            generated,
            now,
        }
    }

    /// `$1,799.99`; a negative amount `-$30.00`.
    pub fn money(&self, cents: i64) -> String {
        let sign = if cents < 0 { "-" } else { "" };
        format!("{sign}{}{}", self.currency, format_cents(cents.abs()))
    }
}

/// `2026-12-03 07:31 UTC (08:31 local, UTC+01:00)`.
pub fn generated_at(now: i64) -> String {
    let utc = Utc.timestamp_opt(now, 0).single().unwrap_or_else(Utc::now);
    let local = utc.with_timezone(&Local);
    format!(
        "{} UTC ({} local, UTC{})",
        utc.format("%Y-%m-%d %H:%M"),
        local.format("%Y-%m-%d %H:%M"),
        local.format("%:z")
    )
}

/// The local calendar day of `now`.
pub fn local_day(now: i64) -> NaiveDate {
    Utc.timestamp_opt(now, 0)
        .single()
        .unwrap_or_else(Utc::now)
        .with_timezone(&Local)
        .date_naive()
}

/// The last full month before `today`: its first and last day.
pub fn last_full_month(today: NaiveDate) -> (NaiveDate, NaiveDate) {
    let this_month = today.with_day(1).expect("every month has a first day");
    let from = this_month - Months::new(1);
    (from, this_month.pred_opt().expect("a day before"))
}

/// Parses a date given for `field`: `YYYY-MM-DD`, or `YYYY-MM` for the month's first day
/// (`end` false) or last day (`end` true).
pub fn parse_date(field: &str, text: &str, end: bool) -> Result<NaiveDate> {
    let t = text.trim();
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return Ok(d);
    }
    if let Ok(first) = NaiveDate::parse_from_str(&format!("{t}-01"), "%Y-%m-%d") {
        return Ok(if end {
            (first + Months::new(1)).pred_opt().expect("a day before")
        } else {
            first
        });
    }
    Err(Error::InvalidField {
        field: field.into(),
        message: format!(
            "`{}` is not a date (expected YYYY-MM-DD or YYYY-MM)",
            crate::text::escape_bounded(t, 40)
        ),
    })
}

/// Records a report in the audit trail.
fn record(auth: &Auth, actor: &Actor, details: &str) -> Result<()> {
    let mut conn = auth.db().conn()?;
    audit::record(
        &mut conn,
        auth.now(),
        &actor.name,
        &actor.terminal,
        Event::Report,
        details,
    )
    .map_err(Error::from)
}

/// Writes a finished PDF where `o` says, audits what happened (a failed write is audited as
/// failed, with its reason), and describes the result. A file appears whole or not at all;
/// the audit row and the file go together: when the audit cannot be written, the file is
/// removed.
fn deliver(
    auth: &Auth,
    actor: &Actor,
    o: &ReportOptions,
    default_name: &str,
    what: &str,
    pdf: Vec<u8>,
    pages: usize,
) -> Result<ReportFile> {
    use std::io::Write;
    let bytes = pdf.len() as u64;
    let details = |to: &str| {
        format!(
            "{what} pages={pages} bytes={bytes} to={}",
            crate::text::escape_bounded(to, 200)
        )
    };
    let mut out = match &o.target {
        Target::Bytes => {
            record(auth, actor, &details("-"))?;
            return Ok(ReportFile {
                path: None,
                to: "-".into(),
                bytes,
                pages,
                pdf: Some(pdf),
            });
        }
        Target::Folder => output::new_file(&o.reports_dir.join(default_name))?,
        Target::File(p) => output::open(p, default_name)?,
        Target::Stdout => crate::files::out::Output::stdout(None),
    };
    let written = out
        .write_all(&pdf)
        .map_err(|e| out.error(e))
        .and_then(|_| out.commit())
        .and_then(|placed| {
            if out.closed() {
                Err(out.error(std::io::Error::from(std::io::ErrorKind::BrokenPipe)))
            } else {
                Ok(placed)
            }
        });
    let to = match &written {
        Ok(Some(p)) => p.display().to_string(),
        _ if matches!(o.target, Target::Stdout) => "-".to_string(),
        _ => out.shown().to_string(),
    };
    let path = match written {
        Ok(p) => p,
        Err(e) => {
            let failed = format!(
                "{} failed={}",
                details(&to),
                crate::text::escape_bounded(&e.to_string(), 200)
            );
            if let Err(audit) = record(auth, actor, &failed) {
                tracing::warn!(error = %audit, "a failed report could not be audited");
            }
            return Err(e);
        }
    };
    if let Err(e) = record(auth, actor, &details(&to)) {
        if let Some(p) = &path {
            let _ = std::fs::remove_file(p);
        }
        return Err(e);
    }
    Ok(ReportFile {
        to: match (&path, &o.target) {
            (Some(p), _) => shown(p),
            (None, Target::Stdout) => "standard output".into(),
            (None, _) => out.shown().to_string(),
        },
        path,
        bytes,
        pages,
        pdf: None,
    })
}

/// The customer report for `customer_id` (needs `ExportData`).
pub fn customer(
    auth: &Auth,
    actor: &Actor,
    customer_id: i32,
    o: &ReportOptions,
) -> Result<ReportFile> {
    let data = {
        let mut conn = auth.db().conn()?;
        auth.authorize(&mut conn, actor, Permission::ExportData)?;
        data::customer(&mut conn, customer_id)?
    }
    .ok_or_else(|| Error::NotFound(format!("there is no customer {customer_id}")))?;
    let now = auth.now();
    let (pdf, pages) = customer::render(&data, &Styling::new(o, now, actor));
    deliver(
        auth,
        actor,
        o,
        &format!(
            "customer-{customer_id}-{}.pdf",
            local_day(now).format("%Y-%m-%d")
        ),
        &format!(
            "report=customer customer={customer_id} orders={}",
            data.orders.len()
        ),
        pdf,
        pages,
    )
}

/// The sales report for one store or all over a range of days (needs `ExportData`).
pub fn sales(auth: &Auth, actor: &Actor, q: &SalesQuery, o: &ReportOptions) -> Result<ReportFile> {
    let now = auth.now();
    let (default_from, default_to) = last_full_month(local_day(now));
    let (from, to) = match (q.from, q.to) {
        (None, None) => (default_from, default_to),
        (Some(f), None) => (f, local_day(now)),
        (None, Some(t)) => (t.with_day(1).expect("every month has a first day"), t),
        (Some(f), Some(t)) => (f, t),
    };
    if from > to {
        return Err(Error::InvalidField {
            field: "to".into(),
            message: format!(
                "the range is empty: {} is before {}",
                to.format("%Y-%m-%d"),
                from.format("%Y-%m-%d")
            ),
        });
    }
    let data = {
        let mut conn = auth.db().conn()?;
        auth.authorize(&mut conn, actor, Permission::ExportData)?;
        let store = match q.store {
            Some(id) => Some((
                id,
                data::store_name(&mut conn, id)?.ok_or_else(|| Error::InvalidField {
                    field: "store".into(),
                    message: format!("there is no store {id}"),
                })?,
            )),
            None => None,
        };
        data::sales(&mut conn, store, from, to)?
    };
    let (pdf, pages) = sales::render(&data, &Styling::new(o, now, actor));
    let scope = match q.store {
        Some(id) => format!("store-{id}"),
        None => "all".to_string(),
    };
    let span = format!("{}-to-{}", from.format("%Y-%m-%d"), to.format("%Y-%m-%d"));
    deliver(
        auth,
        actor,
        o,
        &format!("sales-{scope}-{span}.pdf"),
        &format!(
            "report=sales store={} from={} to={} orders={}",
            q.store.map_or("all".to_string(), |s| s.to_string()),
            from.format("%Y-%m-%d"),
            to.format("%Y-%m-%d"),
            data.totals.orders
        ),
        pdf,
        pages,
    )
}

/// A store's day as a PDF: the Z close of `date`, or the X report of what is open (needs
/// `CreateOrders`, as the day's report does).
pub fn day(
    auth: &Auth,
    actor: &Actor,
    store: i32,
    date: Option<NaiveDate>,
    o: &ReportOptions,
) -> Result<ReportFile> {
    let r = crate::store::till::day_report(auth, actor, store, date)?;
    let now = auth.now();
    let (pdf, pages) = day::render(&r, &Styling::new(o, now, actor));
    let kind = if r.closed.is_some() { "z" } else { "x" };
    deliver(
        auth,
        actor,
        o,
        &format!(
            "day-{kind}-store-{store}-{}.pdf",
            r.business_day.format("%Y-%m-%d")
        ),
        &format!(
            "report=day store={store} day={} close={}",
            r.business_day,
            r.closed
                .as_ref()
                .map_or("open".to_string(), |c| c.number.to_string())
        ),
        pdf,
        pages,
    )
}

/// The reports folder's latest files (for the Reports tab).
pub fn latest(o: &ReportOptions, limit: usize) -> Result<Vec<RecentReport>> {
    recent(&o.reports_dir, limit)
}

/// Shows a path as text safe to print.
pub fn shown(path: &Path) -> String {
    crate::text::escape(&path.display().to_string()).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_default_range() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(
            last_full_month(d(2026, 1, 15)),
            (d(2025, 12, 1), d(2025, 12, 31))
        );
        assert_eq!(
            last_full_month(d(2024, 3, 1)),
            (d(2024, 2, 1), d(2024, 2, 29))
        );
        assert_eq!(parse_date("from", "2017-02", false).unwrap(), d(2017, 2, 1));
        assert_eq!(parse_date("to", "2017-02", true).unwrap(), d(2017, 2, 28));
        assert_eq!(parse_date("to", "2017-02-03", true).unwrap(), d(2017, 2, 3));
        let e = parse_date("from", "02/03/2017", false).unwrap_err();
        assert!(e.to_string().starts_with("from: "), "{e}");
    }
}
