//! Export any store table to CSV or JSON, streamed in keyset-paged chunks, in the form the
//! importer reads back unchanged: ids for keys, decimal money (`1799.99`), fractional
//! discounts (`0.07`), ISO dates, empty for null. The output is put in place whole (a file
//! by way of a temporary, see [`crate::files::out`]) before the export is audited.

use std::io::Write;

use diesel::prelude::*;

use crate::auth::audit::{self, Event};
use crate::auth::{Actor, Auth, Permission};
use crate::db::AnyConnection;
use crate::db::models::*;
use crate::db::schema::*;
use crate::error::{Error, Result};
use crate::files::out::Output;
use crate::money::{plain_cents, plain_discount};
use crate::text::looks_like_formula;
use crate::worker::{CancelToken, Progress};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Json,
}

/// A value as exported: text, a number, or nothing.
#[derive(Debug, Clone, PartialEq)]
pub enum Out {
    Null,
    Num(i64),
    /// Text (also decimal money, so it never passes through a float).
    Str(String),
}

fn s(v: &str) -> Out {
    Out::Str(v.to_string())
}
fn os(v: &Option<String>) -> Out {
    v.as_deref().map(s).unwrap_or(Out::Null)
}
fn n(v: impl Into<i64>) -> Out {
    Out::Num(v.into())
}
fn on(v: Option<i32>) -> Out {
    v.map(n).unwrap_or(Out::Null)
}
fn d(v: chrono::NaiveDate) -> Out {
    Out::Str(v.format("%Y-%m-%d").to_string())
}

const PAGE: i64 = 5_000;

/// Calls `emit` for every row of `table` in key order, one page at a time.
fn each_row(
    conn: &mut AnyConnection,
    table: &str,
    emit: &mut dyn FnMut(Vec<Out>) -> Result<()>,
) -> Result<()> {
    macro_rules! paged {
        ($t:ident, $model:ty, $key:expr, $after:expr, $row:expr) => {{
            let mut last: Option<$model> = None;
            loop {
                let mut q = $t::table
                    .select(<$model>::as_select())
                    .order($key)
                    .limit(PAGE)
                    .into_boxed();
                if let Some(l) = &last {
                    q = q.filter($after(l));
                }
                let page: Vec<$model> = q.load(conn)?;
                let len = page.len();
                for r in &page {
                    emit($row(r))?;
                }
                if (len as i64) < PAGE {
                    break;
                }
                last = page.into_iter().last();
            }
        }};
    }
    match table {
        "categories" => paged!(
            categories,
            Category,
            categories::category_id,
            |l: &Category| categories::category_id.gt(l.category_id),
            |r: &Category| vec![n(r.category_id), s(&r.category_name)]
        ),
        "brands" => paged!(
            brands,
            Brand,
            brands::brand_id,
            |l: &Brand| brands::brand_id.gt(l.brand_id),
            |r: &Brand| vec![n(r.brand_id), s(&r.brand_name)]
        ),
        "products" => paged!(
            products,
            Product,
            products::product_id,
            |l: &Product| products::product_id.gt(l.product_id),
            |r: &Product| vec![
                n(r.product_id),
                s(&r.product_name),
                n(r.brand_id),
                n(r.category_id),
                n(r.model_year),
                s(&plain_cents(r.list_price_cents)),
                os(&r.barcode)
            ]
        ),
        "stores" => paged!(
            stores,
            Store,
            stores::store_id,
            |l: &Store| stores::store_id.gt(l.store_id),
            |r: &Store| vec![
                n(r.store_id),
                s(&r.store_name),
                os(&r.phone),
                os(&r.email),
                os(&r.street),
                os(&r.city),
                os(&r.state),
                os(&r.zip_code),
                os(&r.time_zone)
            ]
        ),
        "staffs" => paged!(
            staffs,
            Staff,
            staffs::staff_id,
            |l: &Staff| staffs::staff_id.gt(l.staff_id),
            |r: &Staff| vec![
                n(r.staff_id),
                s(&r.first_name),
                s(&r.last_name),
                s(&r.email),
                os(&r.phone),
                n(r.active as i32),
                n(r.store_id),
                on(r.manager_id)
            ]
        ),
        "stocks" => paged!(
            stocks,
            Stock,
            (stocks::store_id, stocks::product_id),
            |l: &Stock| stocks::store_id.gt(l.store_id).or(stocks::store_id
                .eq(l.store_id)
                .and(stocks::product_id.gt(l.product_id))),
            |r: &Stock| vec![n(r.store_id), n(r.product_id), n(r.quantity)]
        ),
        "customers" => paged!(
            customers,
            Customer,
            customers::customer_id,
            |l: &Customer| customers::customer_id.gt(l.customer_id),
            |r: &Customer| vec![
                n(r.customer_id),
                s(&r.first_name),
                s(&r.last_name),
                os(&r.phone),
                s(&r.email),
                os(&r.street),
                os(&r.city),
                os(&r.state),
                os(&r.zip_code)
            ]
        ),
        "orders" => paged!(
            orders,
            Order,
            orders::order_id,
            |l: &Order| orders::order_id.gt(l.order_id),
            |r: &Order| vec![
                n(r.order_id),
                on(r.customer_id),
                n(r.order_status),
                d(r.order_date),
                d(r.required_date),
                r.shipped_date.map(d).unwrap_or(Out::Null),
                n(r.store_id),
                n(r.staff_id)
            ]
        ),
        "order_items" => paged!(
            order_items,
            OrderItem,
            (order_items::order_id, order_items::item_id),
            |l: &OrderItem| order_items::order_id
                .gt(l.order_id)
                .or(order_items::order_id
                    .eq(l.order_id)
                    .and(order_items::item_id.gt(l.item_id))),
            |r: &OrderItem| vec![
                n(r.order_id),
                n(r.item_id),
                n(r.product_id),
                n(r.quantity),
                s(&plain_cents(r.list_price_cents)),
                s(&plain_discount(r.discount_bp))
            ]
        ),
        other => return Err(not_a_table(other)),
    }
    Ok(())
}

/// What an export wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExportSummary {
    pub rows: u64,
    /// Text cells a spreadsheet would run as formulas (neutralised with `'` when asked).
    pub formula_cells: u64,
}

/// Where an export is written. [`Destination::commit`] puts it in place once every row was
/// written (a file named by the user appears whole, by way of a temporary: [`Output`]),
/// before the export is audited.
pub trait Destination: Write {
    /// Finishes the output; returns the file it became, if any.
    fn commit(&mut self) -> Result<Option<std::path::PathBuf>>;
}

impl Destination for Output {
    fn commit(&mut self) -> Result<Option<std::path::PathBuf>> {
        Output::commit(self)
    }
}

impl Destination for Vec<u8> {
    fn commit(&mut self) -> Result<Option<std::path::PathBuf>> {
        Ok(None)
    }
}

impl Destination for std::fs::File {
    fn commit(&mut self) -> Result<Option<std::path::PathBuf>> {
        self.sync_all()?;
        Ok(None)
    }
}

/// "cannot write to DESTINATION: the disk is full".
fn write_failed(destination: &str, e: &std::io::Error) -> Error {
    Error::Invalid(format!(
        "cannot write to {destination}: {}; nothing was exported there",
        crate::error::io_words(e)
    ))
}

fn csv_failed(destination: &str, e: csv::Error) -> Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => write_failed(destination, &io),
        other => Error::Invalid(format!("cannot write to {destination}: {other:?}")),
    }
}

/// Where exported rows go.
enum Sink<'a> {
    Csv {
        w: Box<csv::Writer<&'a mut dyn Write>>,
        spreadsheet: bool,
        formula_cells: u64,
    },
    Json {
        out: &'a mut dyn Write,
        header: Vec<&'static str>,
        first: bool,
    },
}

impl Sink<'_> {
    fn row(&mut self, cells: Vec<Out>, destination: &str) -> Result<()> {
        match self {
            Sink::Csv {
                w,
                spreadsheet,
                formula_cells,
            } => {
                let fields = cells.into_iter().map(|c| match c {
                    Out::Null => String::new(),
                    Out::Num(v) => v.to_string(),
                    Out::Str(s) if looks_like_formula(&s) => {
                        *formula_cells += 1;
                        if *spreadsheet { format!("'{s}") } else { s }
                    }
                    Out::Str(s) => s,
                });
                w.write_record(fields)
                    .map_err(|e| csv_failed(destination, e))
            }
            Sink::Json { out, header, first } => {
                out.write_all(if *first { b"\n" } else { b",\n" })
                    .map_err(|e| write_failed(destination, &e))?;
                *first = false;
                let obj: serde_json::Map<String, serde_json::Value> = header
                    .iter()
                    .zip(cells)
                    .map(|(k, v)| {
                        let v = match v {
                            Out::Null => serde_json::Value::Null,
                            Out::Num(n) => serde_json::Value::from(n),
                            Out::Str(s) => serde_json::Value::String(s),
                        };
                        (k.to_string(), v)
                    })
                    .collect();
                serde_json::to_writer(&mut **out, &obj).map_err(|e| match e.io_error_kind() {
                    Some(_) => write_failed(destination, &std::io::Error::from(e)),
                    None => Error::Invalid(format!("cannot write to {destination}: {e}")),
                })
            }
        }
    }

    fn finish(self, destination: &str) -> Result<()> {
        match self {
            Sink::Csv { mut w, .. } => w.flush().map_err(|e| write_failed(destination, &e)),
            Sink::Json { out, .. } => out
                .write_all(b"\n]\n")
                .and_then(|_| out.flush())
                .map_err(|e| write_failed(destination, &e)),
        }
    }
}

/// Writes `table` to `out` (shown as `destination`) and puts it in place
/// ([`Destination::commit`]: a file appears whole, or not at all). Needs `ExportData`; audited once the output is in place. A plain CSV
/// export is exact (it imports back); with `spreadsheet`, text cells a spreadsheet would run
/// as formulas are prefixed with `'`.
#[allow(clippy::too_many_arguments)]
pub fn export(
    auth: &Auth,
    actor: &Actor,
    table: &str,
    format: ExportFormat,
    spreadsheet: bool,
    out: &mut dyn Destination,
    destination: &str,
    cancel: &CancelToken,
    progress: &mut dyn FnMut(Progress),
) -> Result<ExportSummary> {
    auth.require(actor, Permission::ExportData)?;
    let spec = crate::tables::spec::table(table).ok_or_else(|| not_a_table(table))?;
    let header = header_for(spec);
    let mut conn = auth.db().conn()?;
    let writer: &mut dyn Write = out;
    let mut sink = match format {
        ExportFormat::Csv => {
            let mut w = csv::Writer::from_writer(writer);
            w.write_record(&header)
                .map_err(|e| csv_failed(destination, e))?;
            Sink::Csv {
                w: Box::new(w),
                spreadsheet,
                formula_cells: 0,
            }
        }
        ExportFormat::Json => {
            writer
                .write_all(b"[")
                .map_err(|e| write_failed(destination, &e))?;
            Sink::Json {
                out: writer,
                header,
                first: true,
            }
        }
    };
    let mut rows = 0u64;
    each_row(&mut conn, spec.name, &mut |cells| {
        if rows > 0 && rows.is_multiple_of(PAGE as u64) {
            cancel.check()?;
            progress(Progress {
                table: spec.name,
                rows_done: rows,
                rows_total: None,
                bytes_done: 0,
                bytes_total: None,
                rejects: 0,
            });
        }
        rows += 1;
        sink.row(cells, destination)
    })?;
    let formula_cells = match &sink {
        Sink::Csv { formula_cells, .. } => *formula_cells,
        Sink::Json { .. } => 0,
    };
    sink.finish(destination)?;
    let placed = out.commit()?;
    progress(Progress::rows(spec.name, rows, rows));
    audit::record(
        &mut conn,
        auth.now(),
        &actor.name,
        &actor.terminal,
        Event::Export,
        &format!(
            "table={} rows={rows} format={} to={}",
            spec.name,
            if format == ExportFormat::Csv {
                "csv"
            } else {
                "json"
            },
            crate::text::escape_bounded(
                &placed.map_or_else(|| destination.to_string(), |p| p.display().to_string()),
                200
            )
        ),
    )?;
    Ok(ExportSummary {
        rows,
        formula_cells,
    })
}

fn not_a_table(table: &str) -> Error {
    Error::Invalid(format!(
        "`{}` is not an exportable table (one of: {})",
        table.chars().take(64).collect::<String>(),
        crate::tables::spec::TABLES
            .iter()
            .map(|t| t.name)
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

/// The exported header of a table: its columns in table order, with money and discounts
/// under the names their values are written in (`list_price`, `discount`).
pub fn header_for(spec: &crate::tables::spec::TableSpec) -> Vec<&'static str> {
    use crate::tables::spec::Kind;
    spec.columns
        .iter()
        .map(|c| match c.kind {
            Kind::Money | Kind::Discount => c.aliases.first().copied().unwrap_or(c.name),
            _ => c.name,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn headers_name_money_as_written() {
        let h = super::header_for(crate::tables::spec::table("order_items").unwrap());
        assert_eq!(
            h,
            [
                "order_id",
                "item_id",
                "product_id",
                "quantity",
                "list_price",
                "discount"
            ]
        );
    }
}
