//! `stockroom stats`: the Dashboard's figures for scripts and headless admins (the same
//! service), as a table, CSV or JSON.

use chrono::{Datelike, NaiveDate};
use clap::Args;

use super::Context;
use super::output::{Format, print_rows};
use crate::auth::Actor;
use crate::error::{Error, Result};
use crate::money::format_cents;
use crate::store::dashboard::{self, DashboardQuery, Period};

#[derive(Debug, Args)]
pub struct StatsArgs {
    #[arg(long)]
    pub store: Option<i32>,
    /// A month (`2018-04`), a quarter (`2018-Q2`), a year (`2018`) or `all`; default: the
    /// latest month with orders
    #[arg(long, conflicts_with_all = ["from", "to"])]
    pub period: Option<String>,
    /// The first day of a range of days (default: the first order's day)
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub from: Option<String>,
    /// The last day of a range of days, included (default: the last order's day)
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub to: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// `2018-04`, `2018-Q2`, `2018`, `all`.
pub fn parse_period(text: &str) -> Result<Period> {
    let t = text.trim();
    let bad = || Error::InvalidField {
        field: "--period".into(),
        message: format!(
            "`{}` is not a month (2018-04), a quarter (2018-Q2), a year (2018) or `all`",
            crate::text::escape_bounded(t, 40)
        ),
    };
    if t.eq_ignore_ascii_case("all") {
        return Ok(Period::All);
    }
    if let Some((y, q)) = t.split_once("-Q").or_else(|| t.split_once("-q")) {
        let year = y.parse().map_err(|_| bad())?;
        let quarter: u32 = q.parse().map_err(|_| bad())?;
        return (1..=4)
            .contains(&quarter)
            .then_some(Period::Quarter { year, quarter })
            .ok_or_else(bad);
    }
    if let Ok(d) = NaiveDate::parse_from_str(&format!("{t}-01"), "%Y-%m-%d") {
        return Ok(Period::Month {
            year: d.year(),
            month: d.month(),
        });
    }
    match t.parse::<i32>() {
        Ok(year) if (1900..=9999).contains(&year) => Ok(Period::Year { year }),
        _ => Err(bad()),
    }
}

/// A day typed for `field`.
fn parse_day(field: &str, text: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| Error::InvalidField {
        field: field.into(),
        message: format!(
            "`{}` is not a day (YYYY-MM-DD)",
            crate::text::escape_bounded(text, 40)
        ),
    })
}

/// `--from`/`--to` as a range of days; an open end runs to the first or last order.
fn range(auth: &crate::auth::Auth, actor: &Actor, a: &StatsArgs) -> Result<Option<Period>> {
    if a.from.is_none() && a.to.is_none() {
        return Ok(None);
    }
    let from = a
        .from
        .as_deref()
        .map(|t| parse_day("--from", t))
        .transpose()?;
    let to = a.to.as_deref().map(|t| parse_day("--to", t)).transpose()?;
    let known = match (from, to) {
        (Some(_), Some(_)) => None,
        _ => dashboard::order_dates(auth, actor, a.store)?,
    };
    let from = from.or(known.map(|k| k.0)).or(to).unwrap_or_default();
    // An open end past the orders (or none at all) leaves a range of one day.
    let to = to.or(known.map(|k| k.1)).unwrap_or(from).max(from);
    Ok(Some(Period::Range { from, to }))
}

pub fn run(ctx: &Context, a: StatsArgs) -> Result<u8> {
    let auth = ctx.auth_existing()?;
    let actor = Actor::cli(&ctx.sources);
    let cur = &ctx.config.currency_symbol;
    if let (Some(f), Some(t)) = (&a.from, &a.to)
        && parse_day("--from", f)? > parse_day("--to", t)?
    {
        return Err(Error::InvalidField {
            field: "--to".into(),
            message: format!("{t} is before --from {f}"),
        });
    }
    let period = match &a.period {
        Some(p) => Some(parse_period(p)?),
        None => range(&auth, &actor, &a)?,
    };
    let f = dashboard::load(
        &auth,
        &actor,
        &DashboardQuery {
            store: a.store,
            period,
            low_stock_threshold: ctx.config.low_stock_threshold,
            target_per_store_month_cents: i64::from(ctx.config.sales_target_per_store_month) * 100,
        },
    )?;
    if a.format == Format::Json {
        crate::outln!(
            "{}",
            serde_json::to_string_pretty(&f).map_err(|e| Error::Invalid(e.to_string()))?
        );
        return Ok(super::exit::OK);
    }
    let money = |c: i64| format!("{cur}{}", format_cents(c));
    let mut rows: Vec<Vec<String>> = vec![
        vec!["period".into(), f.period.label()],
        vec![
            "store".into(),
            f.store.map_or("all".into(), |s| s.to_string()),
        ],
        vec!["revenue".into(), money(f.revenue_cents)],
        vec!["orders".into(), f.orders.to_string()],
    ];
    for (s, n) in &f.orders_by_status {
        rows.push(vec![
            format!("orders {}", s.name().to_lowercase()),
            n.to_string(),
        ]);
    }
    rows.extend([
        vec!["average order".into(), money(f.average_order_cents)],
        vec![
            "completion rate".into(),
            format!("{:.1} %", f.completion_rate * 100.0),
        ],
        vec!["items sold".into(), f.items_sold.to_string()],
        vec!["target".into(), money(f.target_cents)],
        vec![
            "of target".into(),
            format!(
                "{:.1} %",
                f.revenue_cents as f64 * 100.0 / f.target_cents.max(1) as f64
            ),
        ],
    ]);
    for (m, c) in &f.by_month {
        rows.push(vec![format!("revenue {m}"), money(*c)]);
    }
    for (i, (p, n, c)) in f.top_products.iter().enumerate() {
        rows.push(vec![
            format!("top product {}", i + 1),
            format!("{p}: {n} sold, {}", money(*c)),
        ]);
    }
    for (i, (s, n, c)) in f.top_staff.iter().enumerate() {
        rows.push(vec![
            format!("top staff {}", i + 1),
            format!("{s}: {n} orders, {}", money(*c)),
        ]);
    }
    for (s, p, q) in &f.low_stock {
        rows.push(vec!["low stock".into(), format!("{s}: {p}: {q} left")]);
    }
    print_rows(a.format, &["figure", "value"], &rows);
    Ok(super::exit::OK)
}
