//! `stockroom stats`: the Dashboard's figures for scripts and headless admins (the same
//! service), as a table, CSV or JSON. The JSON is a flat, documented shape (README, "The
//! command line as a data API"): the period with its first and last day, statuses as an
//! object, money in integer cents.

use chrono::{Datelike, NaiveDate};
use clap::Args;

use super::Context;
use super::output::{Cell, Format, print_json, print_rows};
use crate::auth::Actor;
use crate::error::{Error, Result};
use crate::money::format_cents;
use crate::store::dashboard::{self, DashboardQuery, Figures, Period};

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
        let days = match f.period {
            Period::All => dashboard::order_dates(&auth, &actor, a.store)?,
            p => p
                .bounds()
                .map(|(from, end)| (from, end.pred_opt().unwrap_or(end))),
        };
        print_json(&json(&f, days));
        return Ok(super::exit::OK);
    }
    let money = |c: i64| {
        if a.format == Format::Table {
            Cell::Text(format!("{cur}{}", format_cents(c)))
        } else {
            Cell::Money(c)
        }
    };
    let text = |t: &str| Cell::Text(t.to_string());
    let mut rows: Vec<Vec<Cell>> = vec![
        vec![text("period"), Cell::Text(f.period.label())],
        vec![
            text("store"),
            f.store.map_or(text("all"), |s| Cell::Int(s.into())),
        ],
        vec![text("revenue"), money(f.revenue_cents)],
        vec![text("orders"), Cell::Int(f.orders as i64)],
    ];
    for (s, n) in &f.orders_by_status {
        rows.push(vec![
            Cell::Text(format!("orders {}", s.name().to_lowercase())),
            Cell::Int(*n as i64),
        ]);
    }
    let percent = |x: f64| {
        if a.format == Format::Table {
            Cell::Text(format!("{x:.1} %"))
        } else {
            Cell::Number(x)
        }
    };
    rows.extend([
        vec![text("average order"), money(f.average_order_cents)],
        vec![text("completion rate"), percent(f.completion_rate * 100.0)],
        vec![text("items sold"), Cell::Int(f.items_sold)],
        vec![text("target"), money(f.target_cents)],
        vec![
            text("of target"),
            percent(f.revenue_cents as f64 * 100.0 / f.target_cents.max(1) as f64),
        ],
    ]);
    for (m, c) in &f.by_month {
        rows.push(vec![Cell::Text(format!("revenue {m}")), money(*c)]);
    }
    let shown = |c: i64| format!("{cur}{}", format_cents(c));
    for (i, (p, n, c)) in f.top_products.iter().enumerate() {
        rows.push(vec![
            Cell::Text(format!("top product {}", i + 1)),
            Cell::Text(format!("{p}: {n} sold, {}", shown(*c))),
        ]);
    }
    for (i, (s, n, c)) in f.top_staff.iter().enumerate() {
        rows.push(vec![
            Cell::Text(format!("top staff {}", i + 1)),
            Cell::Text(format!("{s}: {n} orders, {}", shown(*c))),
        ]);
    }
    for (s, p, q) in &f.low_stock {
        rows.push(vec![
            text("low stock"),
            Cell::Text(format!("{s}: {p}: {q} left")),
        ]);
    }
    print_rows(a.format, &["figure", "value"], &rows);
    Ok(super::exit::OK)
}

/// The kind of a period, as the JSON names it.
fn kind(p: Period) -> &'static str {
    match p {
        Period::Month { .. } => "month",
        Period::Quarter { .. } => "quarter",
        Period::Year { .. } => "year",
        Period::Range { .. } => "range",
        Period::All => "all",
    }
}

/// The documented JSON of the figures; `days` are the period's first and last day (for all
/// time, the first and the last order's, `None` without orders).
pub fn json(f: &Figures, days: Option<(NaiveDate, NaiveDate)>) -> serde_json::Value {
    use serde_json::json;
    let day = |d: Option<NaiveDate>| d.map(|d| d.format("%Y-%m-%d").to_string());
    let statuses: serde_json::Map<String, serde_json::Value> = f
        .orders_by_status
        .iter()
        .map(|(s, n)| (s.name().to_lowercase(), json!(n)))
        .collect();
    json!({
        "period": {
            "kind": kind(f.period),
            "label": f.period.label(),
            "from": day(days.map(|d| d.0)),
            "to": day(days.map(|d| d.1)),
        },
        "store_id": f.store,
        "revenue_cents": f.revenue_cents,
        "orders": f.orders,
        "orders_by_status": statuses,
        "average_order_cents": f.average_order_cents,
        "completion_rate": (f.completion_rate * 10_000.0).round() / 10_000.0,
        "items_sold": f.items_sold,
        "target_cents": f.target_cents,
        "revenue_by_month": f.by_month.iter().map(|(m, c)| json!({
            "month": m,
            "revenue_cents": c,
        })).collect::<Vec<_>>(),
        "top_products": f.top_products.iter().map(|(p, n, c)| json!({
            "product": p,
            "items": n,
            "revenue_cents": c,
        })).collect::<Vec<_>>(),
        "top_staff": f.top_staff.iter().map(|(s, n, c)| json!({
            "staff": s,
            "orders": n,
            "revenue_cents": c,
        })).collect::<Vec<_>>(),
        "low_stock": f.low_stock.iter().map(|(s, p, q)| json!({
            "store": s,
            "product": p,
            "quantity": q,
        })).collect::<Vec<_>>(),
    })
}
