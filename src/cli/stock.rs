//! `stockroom stock verify|moves|receive|transfer|count`: the stock ledger for scripts and
//! headless terminals, through the same service as the TUI (Managers' and Administrators'
//! rights for receiving, transferring and counting; every change audited).

use chrono::NaiveDate;
use clap::{Args, Subcommand};

use super::Context;
use super::output::{Cell, Format, print_rows};
use crate::auth::Actor;
use crate::error::{Error, Result};
use crate::store::stock::{self, MoveQuery, StockLine};

#[derive(Debug, Subcommand)]
pub enum StockCommand {
    /// Compare every stock row with the sum of its moves (exit 1 listing those that differ)
    Verify {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// The ledger's moves, newest first
    Moves(MovesArgs),
    /// Goods in from a supplier: `stock receive --store 1 --line 12:10 --ref PO-88`
    Receive {
        #[arg(long)]
        store: i32,
        /// PRODUCT_ID:UNITS, once per line
        #[arg(long = "line", required = true, value_name = "PRODUCT:UNITS")]
        lines: Vec<String>,
        /// The supplier's delivery note or order number
        #[arg(long = "ref", value_name = "TEXT")]
        reference: Option<String>,
    },
    /// Move units between stores: `stock transfer --from 1 --to 2 --line 12:3`
    Transfer {
        #[arg(long)]
        from: i32,
        #[arg(long)]
        to: i32,
        /// PRODUCT_ID:UNITS, once per line
        #[arg(long = "line", required = true, value_name = "PRODUCT:UNITS")]
        lines: Vec<String>,
        /// The transfer docket's number, or why (kept with the moves; at most 255 characters)
        #[arg(long)]
        note: Option<String>,
    },
    /// Record a count: `stock count --store 1 --line 12:7` (the difference becomes a move)
    Count {
        #[arg(long)]
        store: i32,
        /// PRODUCT_ID:COUNTED, once per line
        #[arg(long = "line", required = true, value_name = "PRODUCT:COUNTED")]
        lines: Vec<String>,
        /// Why, or what was counted
        #[arg(long)]
        note: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct MovesArgs {
    #[arg(long)]
    pub store: Option<i32>,
    #[arg(long)]
    pub product: Option<i32>,
    /// Moves on or after this day (UTC)
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub since: Option<String>,
    /// Moves on the page: 1 to 1,000
    #[arg(long, default_value_t = 50)]
    pub limit: u64,
    /// Moves to skip; past the end the page is empty
    #[arg(long, default_value_t = 0)]
    pub offset: u64,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// `12:10`: a product id and a number of units (a usage error otherwise).
pub fn parse_line(text: &str) -> Result<StockLine> {
    let bad = |why: &str| {
        Error::Usage(format!(
            "--line `{}` {why}",
            crate::text::escape_bounded(text, 40)
        ))
    };
    let (p, u) = text
        .split_once(':')
        .ok_or_else(|| bad("is not PRODUCT_ID:UNITS"))?;
    let product_id = p
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|id| (1..=crate::bounds::MAX_KEY).contains(id))
        .ok_or_else(|| {
            bad(&format!(
                "has a product id `{}` that is not a whole number from 1 to {}",
                crate::text::escape_bounded(p.trim(), 20),
                crate::text::group_digits(crate::bounds::MAX_KEY as u64)
            ))
        })? as i32;
    let units = u.trim().parse::<i64>().map_err(|_| {
        bad(&format!(
            "has units `{}` that are not a whole number",
            crate::text::escape_bounded(u.trim(), 20)
        ))
    })?;
    let units = i32::try_from(units).map_err(|_| {
        bad(&format!(
            "names more units than a line may hold ({})",
            crate::text::group_digits(crate::bounds::MAX_LINE_UNITS as u64)
        ))
    })?;
    Ok(StockLine { product_id, units })
}

/// `1 unit`, `3 units`.
fn units(n: i32) -> String {
    format!("{n} unit{}", if n == 1 { "" } else { "s" })
}

fn lines(texts: &[String]) -> Result<Vec<StockLine>> {
    texts.iter().map(|t| parse_line(t)).collect()
}

pub fn run(ctx: &Context, cmd: StockCommand) -> Result<u8> {
    let auth = match cmd {
        StockCommand::Verify { .. } | StockCommand::Moves(_) => ctx.auth_existing()?,
        _ => ctx.auth()?,
    };
    let actor = Actor::cli(&ctx.sources);
    match cmd {
        StockCommand::Verify { format } => {
            const HEADER: [&str; 8] = [
                "store_id",
                "product_id",
                "stock",
                "moves",
                "difference",
                "store",
                "product",
                "stock_row",
            ];
            let wrong = stock::verify(&auth, &actor)?;
            if wrong.is_empty() {
                if format == Format::Table {
                    let (_, rows) = stock::levels(
                        &auth,
                        &actor,
                        &stock::LevelQuery {
                            limit: 1,
                            ..Default::default()
                        },
                    )?;
                    crate::outln!(
                        "every stock row equals the sum of its moves ({} rows checked)",
                        crate::text::group_digits(rows)
                    );
                } else {
                    print_rows(format, &HEADER, &[]);
                }
                return Ok(super::exit::OK);
            }
            let rows: Vec<Vec<Cell>> = wrong
                .iter()
                .map(|m| {
                    vec![
                        Cell::Int(m.store_id.into()),
                        Cell::Int(m.product_id.into()),
                        Cell::Int(m.stock),
                        Cell::Int(m.moves),
                        Cell::Delta(m.difference()),
                        Cell::Text(m.store.clone()),
                        Cell::Text(m.product.clone()),
                        Cell::Bool(m.has_row),
                    ]
                })
                .collect();
            print_rows(format, &HEADER, &rows);
            eprintln!(
                "stockroom: {} stock row{} differ{} from the sum of {} moves (a row of 0 with no \
                 stock_row was deleted); `stockroom stock count --store S --line P:COUNTED` \
                 records what is on the shelf and puts the books right",
                wrong.len(),
                if wrong.len() == 1 { "" } else { "s" },
                if wrong.len() == 1 { "s" } else { "" },
                if wrong.len() == 1 { "its" } else { "their" }
            );
            Ok(super::exit::FAILURE)
        }
        StockCommand::Moves(a) => {
            if !(1..=stock::MAX_MOVES_PAGE).contains(&a.limit) {
                return Err(Error::Usage(format!(
                    "--limit {} is out of bounds: a page holds 1 to {} moves; read further \
                     pages with --offset",
                    a.limit,
                    crate::text::group_digits(stock::MAX_MOVES_PAGE)
                )));
            }
            let since = a
                .since
                .as_deref()
                .map(|t| {
                    NaiveDate::parse_from_str(t.trim(), "%Y-%m-%d").map_err(|_| {
                        Error::Usage(format!(
                            "--since `{}` is not a date (YYYY-MM-DD)",
                            crate::text::escape_bounded(t, 40)
                        ))
                    })
                })
                .transpose()?;
            let (moves, total) = stock::moves(
                &auth,
                &actor,
                &MoveQuery {
                    store: a.store,
                    product: a.product,
                    since,
                    offset: a.offset,
                    limit: a.limit,
                },
            )?;
            let rows: Vec<Vec<Cell>> = moves
                .iter()
                .map(|m| {
                    vec![
                        Cell::Int(m.move_id.into()),
                        Cell::Time(m.at),
                        Cell::Int(m.store_id.into()),
                        Cell::Text(m.store.clone()),
                        Cell::Int(m.product_id.into()),
                        Cell::Text(m.product.clone()),
                        Cell::Delta(m.quantity.into()),
                        Cell::Text(m.reason.clone()),
                        Cell::text_or_null(m.reference.as_deref()),
                        Cell::text_or_null(m.note.as_deref()),
                        Cell::Text(m.actor.clone()),
                    ]
                })
                .collect();
            print_rows(
                a.format,
                &[
                    "move_id",
                    "at",
                    "store_id",
                    "store",
                    "product_id",
                    "product",
                    "quantity",
                    "reason",
                    "reference",
                    "note",
                    "actor",
                ],
                &rows,
            );
            if a.format == Format::Table {
                eprintln!(
                    "{}",
                    super::data::range_text(a.offset, moves.len() as u64, total)
                        .replacen("rows", "moves", 1)
                );
            }
            Ok(super::exit::OK)
        }
        StockCommand::Receive {
            store,
            lines: l,
            reference,
        } => {
            let l = lines(&l)?;
            let now = stock::receive(&auth, &actor, store, &l, reference.as_deref())?;
            for (x, n) in l.iter().zip(&now) {
                crate::outln!(
                    "received {} of {} (#{}) at {}: {} there now",
                    units(x.units),
                    n.product,
                    n.product_id,
                    n.store,
                    n.quantity
                );
            }
            Ok(super::exit::OK)
        }
        StockCommand::Transfer {
            from,
            to,
            lines: l,
            note,
        } => {
            let l = lines(&l)?;
            let now = stock::transfer_noted(&auth, &actor, from, to, &l, note.as_deref())?;
            for (x, (a, b)) in l.iter().zip(&now) {
                crate::outln!(
                    "moved {} of {} (#{}) from {} ({} left) to {} ({} there now)",
                    units(x.units),
                    a.product,
                    a.product_id,
                    a.store,
                    a.quantity,
                    b.store,
                    b.quantity
                );
            }
            Ok(super::exit::OK)
        }
        StockCommand::Count {
            store,
            lines: l,
            note,
        } => {
            let l = lines(&l)?;
            let found = stock::count(&auth, &actor, store, &l, note.as_deref())?;
            for c in &found {
                crate::outln!(
                    "{} (#{}) at {}: counted {}, the ledger said {} ({:+})",
                    c.product,
                    c.product_id,
                    c.store,
                    c.counted,
                    c.expected,
                    c.counted - c.expected
                );
            }
            Ok(super::exit::OK)
        }
    }
}
