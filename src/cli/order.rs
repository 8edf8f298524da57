//! `stockroom order create|list|show|set-status`: selling and advancing orders from scripts
//! and headless terminals, through the same service (stock taken atomically, statuses moved
//! only along the allowed paths, audited). Exit 1 with the reason on short stock or a refused
//! transition.

use chrono::NaiveDate;
use clap::{Args, Subcommand};

use super::Context;
use super::output::{Format, print_rows};
use crate::auth::Actor;
use crate::error::{Error, Result};
use crate::money::{format_cents, parse_cents};
use crate::store::orders::{self, NewLine, NewOrder, OrderQuery};

#[derive(Debug, Subcommand)]
pub enum OrderCommand {
    /// Sell: `order create --customer 7 --store 1 --staff 2 --line 12:1 --line 40:2:7`
    Create(CreateArgs),
    /// Orders newest first
    List(ListArgs),
    /// One order with its lines and total
    Show { id: i32 },
    /// Move an order on: pending, processing, completed or rejected
    SetStatus { id: i32, status: String },
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    #[arg(long)]
    pub customer: Option<i32>,
    #[arg(long)]
    pub store: i32,
    #[arg(long)]
    pub staff: i32,
    /// PRODUCT_ID:QTY[:DISCOUNT_PERCENT], once per line
    #[arg(long = "line", required = true, value_name = "PRODUCT:QTY[:DISCOUNT%]")]
    pub lines: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[arg(long)]
    pub status: Option<String>,
    #[arg(long)]
    pub store: Option<i32>,
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub from: Option<String>,
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub to: Option<String>,
    /// An order id, or text in the customer's name or e-mail
    #[arg(long)]
    pub search: Option<String>,
    #[arg(long, default_value_t = 50)]
    pub limit: u64,
    #[arg(long, default_value_t = 0)]
    pub offset: u64,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// `12:1` or `40:2:7` (7 % off).
fn parse_line(text: &str) -> Result<NewLine> {
    let bad = |why: &str| Error::InvalidField {
        field: "--line".into(),
        message: format!("`{}` {why}", crate::text::escape_bounded(text, 40)),
    };
    let parts: Vec<&str> = text.split(':').collect();
    if !(2..=3).contains(&parts.len()) {
        return Err(bad("is not PRODUCT_ID:QTY[:DISCOUNT_PERCENT]"));
    }
    let product_id = parts[0]
        .trim()
        .parse()
        .map_err(|_| bad("has no product id"))?;
    let quantity = parts[1]
        .trim()
        .parse()
        .map_err(|_| bad("has no quantity"))?;
    let discount_bp = match parts.get(2) {
        None => 0,
        // A percentage with at most two decimals: 7.5 % is 750 basis points, as 7.50 is
        // 750 cents.
        Some(p) => match parse_cents(p.trim()) {
            Ok(bp) if (0..=10_000).contains(&bp) => bp as i32,
            _ => return Err(bad("has a discount that is not a percentage from 0 to 100")),
        },
    };
    Ok(NewLine {
        product_id,
        quantity,
        discount_bp,
    })
}

fn date(text: Option<&str>, field: &str) -> Result<Option<NaiveDate>> {
    text.map(|t| {
        NaiveDate::parse_from_str(t.trim(), "%Y-%m-%d").map_err(|_| Error::InvalidField {
            field: field.into(),
            message: format!(
                "`{}` is not a date (YYYY-MM-DD)",
                crate::text::escape_bounded(t, 40)
            ),
        })
    })
    .transpose()
}

pub fn run(ctx: &Context, cmd: OrderCommand) -> Result<u8> {
    let auth = match cmd {
        OrderCommand::List(_) | OrderCommand::Show { .. } => ctx.auth_existing()?,
        _ => ctx.auth()?,
    };
    let actor = Actor::cli(&ctx.sources);
    match cmd {
        OrderCommand::Create(a) => {
            let lines = a
                .lines
                .iter()
                .map(|l| parse_line(l))
                .collect::<Result<Vec<_>>>()?;
            let sold = orders::sell(
                &auth,
                &actor,
                &NewOrder {
                    customer_id: a.customer,
                    store_id: a.store,
                    staff_id: a.staff,
                    lines,
                },
            )?;
            crate::outln!(
                "order {} created: {} lines, total {}",
                sold.order_id,
                sold.lines,
                format_cents(sold.total_cents)
            );
        }
        OrderCommand::List(a) => {
            let page = orders::list(
                &auth,
                &actor,
                &OrderQuery {
                    status: a.status.as_deref().map(orders::parse_status).transpose()?,
                    store: a.store,
                    from: date(a.from.as_deref(), "--from")?,
                    to: date(a.to.as_deref(), "--to")?,
                    search: a.search,
                    offset: a.offset,
                    limit: a.limit,
                },
            )?;
            let rows: Vec<Vec<String>> = page
                .orders
                .iter()
                .map(|o| {
                    vec![
                        o.order_id.to_string(),
                        o.order_date.to_string(),
                        o.status.name().into(),
                        o.customer.clone().unwrap_or_else(|| "—".into()),
                        o.store.clone(),
                        o.staff.clone(),
                        o.lines.to_string(),
                        format_cents(o.total_cents),
                    ]
                })
                .collect();
            print_rows(
                a.format,
                &[
                    "order_id", "date", "status", "customer", "store", "staff", "lines", "total",
                ],
                &rows,
            );
            if a.format == Format::Table {
                eprintln!(
                    "orders {}–{} of {}",
                    page.offset + 1,
                    page.offset + page.orders.len() as u64,
                    page.total
                );
            }
        }
        OrderCommand::Show { id } => {
            let o = orders::show(&auth, &actor, id)?;
            let s = &o.summary;
            crate::outln!("order      {}", s.order_id);
            crate::outln!("status     {}", s.status.name());
            crate::outln!("date       {} (required {})", s.order_date, o.required_date);
            crate::outln!(
                "shipped    {}",
                o.shipped_date.map_or("—".to_string(), |d| d.to_string())
            );
            crate::outln!(
                "customer   {}",
                crate::text::escape(s.customer.as_deref().unwrap_or("—"))
            );
            crate::outln!("store      {}", crate::text::escape(&s.store));
            crate::outln!("staff      {}", crate::text::escape(&s.staff));
            let rows: Vec<Vec<String>> = o
                .lines
                .iter()
                .map(|l| {
                    vec![
                        l.item_id.to_string(),
                        l.product.clone(),
                        l.quantity.to_string(),
                        format_cents(l.list_price_cents),
                        format!("{} %", l.discount_bp as f64 / 100.0),
                        format_cents(l.total_cents),
                    ]
                })
                .collect();
            crate::outln!();
            print_rows(
                Format::Table,
                &["item", "product", "qty", "price", "discount", "total"],
                &rows,
            );
            crate::outln!("total      {}", format_cents(s.total_cents));
        }
        OrderCommand::SetStatus { id, status } => {
            let to = orders::parse_status(&status)?;
            orders::set_status(&auth, &actor, id, to)?;
            crate::outln!("order {id} is now {}", to.name());
        }
    }
    Ok(super::exit::OK)
}
