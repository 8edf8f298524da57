//! `stockroom data list|show|set|add|delete`: the Data tab's services for scripts and
//! headless admins, with the same permissions (the shell user acts as an Administrator) and
//! the same audit.

use clap::{Args, Subcommand};

use super::Context;
use super::output::{Cell, Format, print_rows};
use crate::auth::Actor;
use crate::error::{Error, Result};
use crate::store::data::{self, Direction, FieldChange, Key, ListQuery};

#[derive(Debug, Subcommand)]
pub enum DataCommand {
    /// List a table's rows, paged, searched and sorted in the database
    List(ListArgs),
    /// Show one record with its related records
    Show { table: String, key: String },
    /// Change fields of a record: `data set customers 17 city=Shelbyville phone=`
    Set {
        table: String,
        key: String,
        #[arg(required = true, value_name = "FIELD=VALUE")]
        values: Vec<String>,
    },
    /// Add a record: `data add brands brand_name=Cannondale`
    Add {
        table: String,
        #[arg(required = true, value_name = "FIELD=VALUE")]
        values: Vec<String>,
    },
    /// Delete a record (Administrators)
    Delete { table: String, key: String },
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// categories, brands, products, stores, staffs, stocks, customers, orders or order_items
    pub table: String,
    /// Text to look for (names, e-mail, phone, city, …; a number also matches the id), in any
    /// case and with or without accents; at most 200 characters
    #[arg(long)]
    pub search: Option<String>,
    /// A column, optionally `:desc` (e.g. `list_price:desc`)
    #[arg(long, value_name = "COL[:desc]")]
    pub sort: Option<String>,
    /// Rows on the page: 0 to 1,000 (0 only counts)
    #[arg(long, default_value_t = 50)]
    pub limit: u64,
    /// Rows to skip; past the end the page is empty
    #[arg(long, default_value_t = 0)]
    pub offset: u64,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

fn changes(values: &[String]) -> Result<Vec<FieldChange>> {
    values
        .iter()
        .map(|v| match v.split_once('=') {
            Some((f, val)) => Ok(FieldChange {
                field: f.trim().to_string(),
                value: val.to_string(),
            }),
            None => Err(Error::Invalid(format!(
                "`{}` is not FIELD=VALUE",
                crate::text::escape_bounded(v, 60)
            ))),
        })
        .collect()
}

fn key_of(table: &str, key: &str) -> Result<Key> {
    let view = data::view_of(table)?;
    Key::parse(key, view.key.len()).map_err(|message| Error::InvalidField {
        field: "key".into(),
        message,
    })
}

pub fn run(ctx: &Context, cmd: DataCommand) -> Result<u8> {
    let auth = match cmd {
        DataCommand::List(_) | DataCommand::Show { .. } => ctx.auth_existing()?,
        _ => ctx.auth()?,
    };
    let actor = Actor::cli(&ctx.sources);
    match cmd {
        DataCommand::List(a) => {
            let sort = a.sort.as_deref().map(|s| match s.rsplit_once(':') {
                Some((c, d)) if d.eq_ignore_ascii_case("desc") => {
                    (c.to_string(), Direction::Descending)
                }
                Some((c, d)) if d.eq_ignore_ascii_case("asc") => {
                    (c.to_string(), Direction::Ascending)
                }
                _ => (s.to_string(), Direction::Ascending),
            });
            let page = data::list(
                &auth,
                &actor,
                &ListQuery {
                    table: a.table,
                    search: a.search,
                    sort,
                    offset: a.offset,
                    limit: a.limit,
                    known_total: None,
                },
            )?;
            let header: Vec<&str> = page.view.columns.iter().map(|c| c.name).collect();
            let rows: Vec<Vec<Cell>> = page
                .rows
                .iter()
                .map(|r| r.values.iter().map(Cell::from).collect())
                .collect();
            print_rows(a.format, &header, &rows);
            if a.format == Format::Table {
                eprintln!(
                    "{}",
                    range_text(page.offset, page.rows.len() as u64, page.total)
                );
            }
        }
        DataCommand::Show { table, key } => {
            let key = key_of(&table, &key)?;
            let rec = data::show(&auth, &actor, &table, &key)?;
            let width = rec
                .view
                .columns
                .iter()
                .map(|c| c.name.len())
                .max()
                .unwrap_or(0);
            for (c, v) in rec.view.columns.iter().zip(&rec.row.values) {
                crate::outln!("{:<width$}  {}", c.name, crate::text::escape(&v.display()));
            }
            for rel in &rec.related {
                crate::outln!();
                crate::outln!("{}", rel.title);
                let header: Vec<&str> = rel.columns.iter().map(|(n, _)| *n).collect();
                let rows: Vec<Vec<Cell>> = rel
                    .rows
                    .iter()
                    .map(|r| r.iter().map(Cell::from).collect())
                    .collect();
                print_rows(Format::Table, &header, &rows);
                if rel.more {
                    crate::outln!("… more not listed");
                }
                if let Some(t) = &rel.total {
                    crate::outln!("total {}", t.display());
                }
            }
        }
        DataCommand::Set { table, key, values } => {
            let key = key_of(&table, &key)?;
            let change = data::set(&auth, &actor, &table, &key, None, &changes(&values)?)?;
            let noun = data::view_of(&table)?.noun;
            if change.changed.is_empty() {
                crate::outln!("{noun} {key}: nothing to change");
            }
            for (f, old, new) in &change.changed {
                crate::outln!(
                    "{noun} {key}: {f} {} → {}",
                    crate::text::escape(old),
                    crate::text::escape(new)
                );
            }
        }
        DataCommand::Add { table, values } => {
            let key = data::add(&auth, &actor, &table, &changes(&values)?)?;
            crate::outln!("added {} {key}", data::view_of(&table)?.noun);
        }
        DataCommand::Delete { table, key } => {
            let key = key_of(&table, &key)?;
            crate::outln!("deleted {}", data::delete(&auth, &actor, &table, &key)?);
        }
    }
    Ok(super::exit::OK)
}

/// `rows 201–240 of 161,500`; `no rows from 2,001 (of 1,445)` past the end.
pub fn range_text(offset: u64, shown: u64, total: u64) -> String {
    use crate::text::group_digits as g;
    if shown == 0 && offset > 0 {
        format!("no rows from {} (of {})", g(offset + 1), g(total))
    } else if shown == 0 {
        format!("no rows (of {})", g(total))
    } else {
        format!(
            "rows {}–{} of {}",
            g(offset + 1),
            g(offset + shown),
            g(total)
        )
    }
}
