//! `stockroom order create|list|show|set-status`: selling and advancing orders from scripts
//! and headless terminals, through the same service (stock taken atomically, statuses moved
//! only along the allowed paths, audited). Exit 1 with the reason on short stock or a refused
//! transition.

use chrono::NaiveDate;
use clap::{Args, Subcommand};

use super::Context;
use super::output::{Cell, Format, json_rows, print_json, print_rows};
use crate::auth::Actor;
use crate::error::{Error, Result};
use crate::money::{format_cents, parse_cents};
use crate::store::orders::{self, NewLine, NewOrder, OrderQuery};
use crate::store::till::{ReturnLine, Tender, TenderSpec};

#[derive(Debug, Subcommand)]
pub enum OrderCommand {
    /// Sell: `order create --customer 7 --store 1 --staff 2 --line 12:1 --line 40:2:7`
    Create(CreateArgs),
    /// Orders newest first
    List(ListArgs),
    /// One order with its lines and total
    Show {
        id: i32,
        #[arg(long, value_enum, default_value_t = ShowFormat::Table)]
        format: ShowFormat,
    },
    /// Move an order on: pending, processing, completed or rejected
    SetStatus { id: i32, status: String },
    /// Take units of a Completed or Processing order back: `order return 12 --line 40:1`
    Return {
        id: i32,
        /// PRODUCT_ID:UNITS, once per product
        #[arg(long = "line", required = true, value_name = "PRODUCT:UNITS")]
        lines: Vec<String>,
        /// Damaged: refund without putting the units back in stock
        #[arg(long)]
        no_restock: bool,
        /// How the refund is given (default: the tender the order was paid with)
        #[arg(long, value_name = "cash|card|other")]
        refund: Option<String>,
    },
    /// An order's receipt as text for a receipt printer
    Receipt {
        id: i32,
        /// 42 or 48 columns
        #[arg(long, default_value_t = 42)]
        width: usize,
        /// Write to this file instead of standard output
        #[arg(long, value_name = "FILE")]
        out: Option<std::path::PathBuf>,
    },
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
    /// How it is paid: cash:AMOUNT (what was handed over), card or other (the rest, or
    /// card:AMOUNT); repeatable
    #[arg(long = "pay", value_name = "cash:AMOUNT|card|other[:AMOUNT]")]
    pub pay: Vec<String>,
}

/// How `order show` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ShowFormat {
    Table,
    Json,
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
    /// An order id, or text in the customer's name or e-mail (at most 200 characters)
    #[arg(long)]
    pub search: Option<String>,
    /// Orders on the page: 1 to 500
    #[arg(long, default_value_t = 50)]
    pub limit: u64,
    /// Orders to skip; past the end the page is empty
    #[arg(long, default_value_t = 0)]
    pub offset: u64,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// `12:1` or `40:2:7` (7 % off). A malformed line is a usage error (exit 2), naming the
/// part and its bound.
fn parse_line(text: &str) -> Result<NewLine> {
    let bad = |why: &str| {
        Error::Usage(format!(
            "--line `{}` {why}",
            crate::text::escape_bounded(text, 40)
        ))
    };
    let parts: Vec<&str> = text.split(':').collect();
    if !(2..=3).contains(&parts.len()) {
        return Err(bad("is not PRODUCT_ID:QTY[:DISCOUNT_PERCENT]"));
    }
    let product_id = parts[0]
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|n| (1..=crate::bounds::MAX_KEY).contains(n))
        .ok_or_else(|| {
            bad(&format!(
                "has no product id (a whole number from 1 to {})",
                crate::text::group_digits(crate::bounds::MAX_KEY as u64)
            ))
        })? as i32;
    let max = crate::bounds::MAX_LINE_UNITS;
    let quantity = match parts[1].trim().parse::<i64>() {
        Ok(q) if (1..=i64::from(max)).contains(&q) => q as i32,
        Ok(_) => {
            return Err(bad(&format!(
                "has a quantity out of bounds: units on a line are from 1 to {}",
                crate::text::group_digits(max as u64)
            )));
        }
        Err(_)
            if parts[1].trim().chars().all(|c| c.is_ascii_digit())
                && !parts[1].trim().is_empty() =>
        {
            return Err(bad(&format!(
                "has a quantity out of bounds: units on a line are from 1 to {}",
                crate::text::group_digits(max as u64)
            )));
        }
        Err(_) => return Err(bad("has no quantity (a whole number of units)")),
    };
    let discount_bp = match parts.get(2) {
        None => 0,
        // A percentage with at most two decimals: 7.5 % is 750 basis points, as 7.50 is
        // 750 cents.
        Some(p) => match parse_cents(p.trim()) {
            Ok(bp) if (0..=10_000).contains(&bp) => bp as i32,
            Err(why) if why.contains("fractions") => {
                return Err(bad(
                    "has a discount finer than a hundredth of a percent (at most two decimals: 7.25)",
                ));
            }
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
    if let OrderCommand::List(a) = &cmd {
        if !(1..=orders::MAX_PAGE).contains(&a.limit) {
            return Err(Error::Usage(format!(
                "--limit {} is out of bounds: a page holds 1 to {} orders; read further pages \
                 with --offset",
                a.limit,
                orders::MAX_PAGE
            )));
        }
        if let Some(t) = &a.search {
            crate::store::words::check(t).map_err(|m| Error::Usage(format!("--search: {m}")))?;
        }
    }
    let auth = match cmd {
        OrderCommand::List(_) | OrderCommand::Show { .. } | OrderCommand::Receipt { .. } => {
            ctx.auth_existing()?
        }
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
            let tenders = a
                .pay
                .iter()
                .map(|t| TenderSpec::parse(t))
                .collect::<Result<Vec<_>>>()?;
            let sold = orders::sell_paid(
                &auth,
                &actor,
                &NewOrder {
                    customer_id: a.customer,
                    store_id: a.store,
                    staff_id: a.staff,
                    lines,
                },
                &tenders,
            )?;
            let change: i64 = sold.paid.iter().map(|p| p.change_cents()).sum();
            crate::outln!(
                "order {} created: {} line{}, total {}{}{}",
                sold.order_id,
                sold.lines,
                if sold.lines == 1 { "" } else { "s" },
                format_cents(sold.total_cents),
                crate::store::till::describe(&sold.paid).replacen(" paid=", "; paid ", 1),
                if change > 0 && sold.paid.len() > 1 {
                    format!("; change {}", format_cents(change))
                } else {
                    String::new()
                }
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
            let rows: Vec<Vec<Cell>> = page
                .orders
                .iter()
                .map(|o| {
                    vec![
                        Cell::Int(o.order_id.into()),
                        Cell::Date(o.order_date),
                        Cell::Text(o.status.name().into()),
                        Cell::text_or_null(o.customer.as_deref()),
                        Cell::Text(o.store.clone()),
                        Cell::Text(o.staff.clone()),
                        Cell::Int(o.lines),
                        Cell::Money(o.total_cents),
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
                    "{}",
                    super::data::range_text(page.offset, page.orders.len() as u64, page.total)
                        .replacen("rows", "orders", 1)
                );
            }
        }
        OrderCommand::Show { id, format } => {
            let o = orders::show(&auth, &actor, id)?;
            let s = &o.summary;
            const LINE: [&str; 7] = [
                "item_id",
                "product_id",
                "product",
                "quantity",
                "list_price",
                "discount",
                "total",
            ];
            let lines: Vec<Vec<Cell>> = o
                .lines
                .iter()
                .map(|l| {
                    vec![
                        Cell::Int(l.item_id.into()),
                        Cell::Int(l.product_id.into()),
                        Cell::Text(l.product.clone()),
                        Cell::Int(l.quantity.into()),
                        Cell::Money(l.list_price_cents),
                        Cell::Discount(l.discount_bp.into()),
                        Cell::Money(l.total_cents),
                    ]
                })
                .collect();
            if format == ShowFormat::Json {
                let mut order = super::output::json_object(
                    &[
                        "order_id",
                        "status",
                        "order_date",
                        "required_date",
                        "shipped_date",
                        "customer",
                        "store",
                        "staff",
                        "total",
                    ],
                    &[
                        Cell::Int(s.order_id.into()),
                        Cell::Text(s.status.name().into()),
                        Cell::Date(s.order_date),
                        Cell::Date(o.required_date),
                        o.shipped_date.map_or(Cell::Null, Cell::Date),
                        Cell::text_or_null(s.customer.as_deref()),
                        Cell::Text(s.store.clone()),
                        Cell::Text(s.staff.clone()),
                        Cell::Money(s.total_cents),
                    ],
                );
                order["lines"] = json_rows(&LINE, &lines);
                let payments: Vec<Vec<Cell>> = o
                    .payments
                    .iter()
                    .map(|p| {
                        vec![
                            Cell::Text(p.tender.as_str().into()),
                            Cell::Money(p.amount_cents),
                            Cell::Money(p.tendered_cents),
                            Cell::Money(p.change_cents().max(0)),
                        ]
                    })
                    .collect();
                order["payments"] =
                    json_rows(&["tender", "amount", "tendered", "change"], &payments);
                let returns: Vec<Vec<Cell>> = o
                    .returns
                    .iter()
                    .map(|r| {
                        vec![
                            Cell::Int(r.return_id.into()),
                            Cell::Date(r.return_date),
                            Cell::Int(r.lines.iter().map(|l| i64::from(l.2)).sum()),
                            Cell::Money(r.refund_cents),
                            Cell::Text(r.tender.clone()),
                            Cell::Bool(r.restocked),
                        ]
                    })
                    .collect();
                order["returns"] = json_rows(
                    &[
                        "return_id",
                        "return_date",
                        "units",
                        "refund",
                        "tender",
                        "restocked",
                    ],
                    &returns,
                );
                print_json(&order);
                return Ok(super::exit::OK);
            }
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
            crate::outln!();
            print_rows(
                Format::Table,
                &[
                    "item",
                    "product_id",
                    "product",
                    "qty",
                    "price",
                    "discount",
                    "total",
                ],
                &lines,
            );
            crate::outln!("total      {}", format_cents(s.total_cents));
            let sales: Vec<_> = o.payments.iter().filter(|p| p.amount_cents > 0).collect();
            if sales.is_empty() {
                crate::outln!("paid       no tender recorded");
            }
            for p in sales {
                let change = p.change_cents();
                crate::outln!(
                    "paid       {} {}{}",
                    p.tender.as_str(),
                    format_cents(p.amount_cents),
                    if change > 0 {
                        format!(
                            " (handed {}, change {})",
                            format_cents(p.tendered_cents),
                            format_cents(change)
                        )
                    } else {
                        String::new()
                    }
                );
            }
            for r in &o.returns {
                crate::outln!(
                    "return {}   {}: {} unit{} back, refund {} {}{}",
                    r.return_id,
                    r.return_date,
                    r.lines.iter().map(|l| l.2).sum::<i32>(),
                    if r.lines.iter().map(|l| l.2).sum::<i32>() == 1 {
                        ""
                    } else {
                        "s"
                    },
                    format_cents(r.refund_cents),
                    r.tender,
                    if r.restocked { "" } else { ", not restocked" }
                );
            }
        }
        OrderCommand::Return {
            id,
            lines,
            no_restock,
            refund,
        } => {
            let lines = lines
                .iter()
                .map(|l| {
                    super::stock::parse_line(l).map(|s| ReturnLine {
                        product_id: s.product_id,
                        quantity: s.units,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            let refund = refund
                .as_deref()
                .map(|t| {
                    Tender::parse(t).ok_or_else(|| {
                        Error::Usage(format!(
                            "--refund `{}` is not cash, card or other",
                            crate::text::escape_bounded(t, 20)
                        ))
                    })
                })
                .transpose()?;
            let r =
                crate::store::till::return_items(&auth, &actor, id, &lines, !no_restock, refund)?;
            crate::outln!(
                "order {id}: return #{}: {} unit{} back, refund {} {}{}",
                r.return_id,
                r.lines.iter().map(|l| i64::from(l.2)).sum::<i64>(),
                if r.lines.iter().map(|l| l.2).sum::<i32>() == 1 {
                    ""
                } else {
                    "s"
                },
                format_cents(r.refund_cents),
                r.tender.as_str(),
                if r.restocked {
                    ", back in stock"
                } else {
                    ", not restocked"
                }
            );
        }
        OrderCommand::Receipt { id, width, out } => {
            let text = crate::store::till::receipt(&auth, &actor, id, width)?;
            match out {
                Some(path) => {
                    std::fs::write(&path, &text).map_err(|e| Error::File {
                        path: path.clone(),
                        source: e,
                    })?;
                    crate::outln!("receipt of order {id} written to {}", path.display());
                }
                None => crate::outln!("{}", text.trim_end_matches('\n')),
            }
        }
        OrderCommand::SetStatus { id, status } => {
            let to = orders::parse_status(&status)?;
            orders::set_status(&auth, &actor, id, to)?;
            crate::outln!("order {id} is now {}", to.name());
        }
    }
    Ok(super::exit::OK)
}
