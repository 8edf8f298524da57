//! The batch writer: a table's rows upserted a batch at a time. On SQLite, while no batch has
//! been refused, the fast way (one kept prepared statement, the table counted once);
//! otherwise each batch in a savepoint with exact counts, and a refused batch row by row to
//! name the rows the database refuses.

use diesel::Connection;

use super::Sink;
use crate::db::fault::{self, Fault};
use crate::db::{AnyConnection, dialect};
use crate::error::{Error, Result};
use crate::etl::mapping::Mapping;
use crate::etl::report::{RowError, TableReport};
use crate::etl::write;
use crate::tables::cell::Cell;

/// Names the reason a single row was refused by the database.
fn diagnose(
    conn: &mut AnyConnection,
    m: &Mapping,
    cols: &[&str],
    row: &[Cell],
    db_error: &str,
) -> (String, String, String) {
    for fk in m.table.foreign_keys {
        if let Some(i) = cols.iter().position(|c| *c == fk.column)
            && !row[i].is_null()
            && !write::parent_exists(conn, fk.parent, fk.parent_key, &row[i]).unwrap_or(true)
        {
            let v = row[i].as_int().map(|v| v.to_string()).unwrap_or_default();
            return (
                fk.column.to_string(),
                v,
                format!("refers to a row of {} that does not exist", fk.parent),
            );
        }
    }
    (
        String::new(),
        String::new(),
        format!("refused by the database: {}", crate::text::escape(db_error)),
    )
}

pub(super) struct Pending {
    pub(super) cells: Vec<Cell>,
    pub(super) line: u64,
    pub(super) fields: Vec<String>,
}

/// Upserts one batch in a savepoint. A refusal of the batch's data is looked into row by row;
/// any other failure ends the run (the caller rolls everything back).
fn flush(
    conn: &mut AnyConnection,
    m: &Mapping,
    cols: &[&str],
    label: &str,
    batch: &mut Vec<Pending>,
    report: &mut TableReport,
    sink: &mut Sink,
) -> Result<()> {
    if batch.is_empty() {
        return Ok(());
    }
    let rows: Vec<&[Cell]> = batch.iter().map(|p| p.cells.as_slice()).collect();
    match savepoint(conn, |c| {
        write::upsert(c, m.table.name, cols, &m.key, &rows)
    })? {
        Ok(counts) => report.counts += counts,
        Err(_) => {
            // Find the rows the database refuses, one at a time.
            for p in batch.iter() {
                let one = std::slice::from_ref(&p.cells);
                match savepoint(conn, |c| write::upsert(c, m.table.name, cols, &m.key, one))? {
                    Ok(counts) => report.counts += counts,
                    Err(raw) => {
                        let (column, value, reason) = diagnose(conn, m, cols, &p.cells, &raw);
                        report.rejected += 1;
                        sink.reject(
                            vec![RowError {
                                source: label.into(),
                                line: p.line,
                                column,
                                value,
                                reason,
                            }],
                            &p.fields,
                        )?;
                    }
                }
            }
        }
    }
    batch.clear();
    Ok(())
}

/// Runs `f` in a savepoint. `Err(message)` only for a refusal of the data (the transaction
/// lives on); every other failure, or a transaction the server has ended, is returned as the
/// run-ending error.
fn savepoint<T>(
    conn: &mut AnyConnection,
    f: impl FnOnce(&mut AnyConnection) -> diesel::QueryResult<T>,
) -> Result<std::result::Result<T, String>> {
    // The first failure, before any failed `ROLLBACK TO SAVEPOINT` hides it.
    let mut first: Option<(Fault, String)> = None;
    let r = conn
        .transaction(|c| f(c).inspect_err(|e| first = Some((fault::classify(e), e.to_string()))));
    match r {
        Ok(v) => Ok(Ok(v)),
        Err(e) => {
            let (f, msg) = first.unwrap_or_else(|| (fault::classify(&e), e.to_string()));
            refusal(conn, f, msg).map(Err)
        }
    }
}

/// What a failed write means for the run: `Ok(message)` for a refusal of the data while the
/// transaction lives on; the run-ending error otherwise.
fn refusal(conn: &mut AnyConnection, f: Fault, msg: String) -> Result<String> {
    if let Some(frozen) = crate::db::watchdog::take_timeout() {
        return Err(Error::Unavailable(frozen));
    }
    if f == Fault::Row && dialect::transaction_alive(conn) {
        Ok(msg)
    } else if f == Fault::Row {
        Err(Error::from_db(Fault::Lost, &msg))
    } else {
        Err(Error::from_db(f, &msg))
    }
}

/// SQLite's way of writing a table while no batch has been refused: each batch is one kept
/// prepared upsert without a savepoint of its own (a refused statement undoes itself and
/// leaves the transaction open), and the table is counted once: the rows it gained are the
/// inserted ones, the rows the statements changed beyond those the updated ones.
pub(super) struct Fast {
    head: String,
    tail: String,
    rows_before: i64,
    written: u64,
    changed: u64,
}

/// Writes one table's batches, the fast way while it can, else batch by batch in savepoints
/// with exact counts (the only way that names the rows the database refuses).
pub(super) struct Writer<'a> {
    m: &'a Mapping,
    cols: &'a [&'a str],
    label: &'a str,
    pub(super) fast: Option<Fast>,
    /// Where written batches go to be freed (the reader thread that allocated them, which
    /// frees them without contending for the writer's time), if anywhere.
    pub(super) spent: Option<crossbeam_channel::Sender<Vec<Pending>>>,
}

impl<'a> Writer<'a> {
    pub(super) fn new(
        conn: &mut AnyConnection,
        m: &'a Mapping,
        cols: &'a [&'a str],
        label: &'a str,
        by_row: bool,
    ) -> Result<Self> {
        let fast = if !by_row && !m.key.is_empty() && dialect::counts_per_table(conn) {
            let others: Vec<&str> = cols
                .iter()
                .copied()
                .filter(|c| !m.key.contains(c))
                .collect();
            let (head, tail) =
                dialect::upsert_parts(conn, m.table.name, &cols.join(", "), &m.key, &others);
            Some(Fast {
                head,
                tail,
                rows_before: dialect::count_rows(conn, m.table.name)?,
                written: 0,
                changed: 0,
            })
        } else {
            None
        };
        Ok(Writer {
            m,
            cols,
            label,
            fast,
            spent: None,
        })
    }

    /// Writes `batch` and empties it.
    pub(super) fn flush(
        &mut self,
        conn: &mut AnyConnection,
        batch: &mut Vec<Pending>,
        report: &mut TableReport,
        sink: &mut Sink,
    ) -> Result<()> {
        if batch.is_empty() {
            return Ok(());
        }
        if let Some(f) = &mut self.fast {
            let rows: Vec<&[Cell]> = batch.iter().map(|p| p.cells.as_slice()).collect();
            match dialect::run_upsert_kept(conn, &f.head, &f.tail, &rows) {
                Ok(changed) => {
                    f.written += rows.len() as u64;
                    f.changed += changed;
                    match &self.spent {
                        Some(tx) => {
                            let _ = tx.send(std::mem::take(batch));
                        }
                        None => batch.clear(),
                    }
                    return Ok(());
                }
                Err(e) => {
                    // A refusal undid this statement alone: count what went before, then
                    // write this batch and the rest of the table the diagnosing way.
                    refusal(conn, fault::classify(&e), e.to_string())?;
                    self.finish(conn, report)?;
                }
            }
        }
        flush(conn, self.m, self.cols, self.label, batch, report, sink)
    }

    /// Adds what the fast way wrote to `report` (once the table's last batch is written).
    pub(super) fn finish(
        &mut self,
        conn: &mut AnyConnection,
        report: &mut TableReport,
    ) -> Result<()> {
        if let Some(f) = self.fast.take() {
            let now = dialect::count_rows(conn, self.m.table.name)?;
            let inserted = (now - f.rows_before).max(0) as u64;
            let updated = f.changed.saturating_sub(inserted);
            report.counts += write::Counts {
                inserted,
                updated,
                unchanged: f.written.saturating_sub(inserted + updated),
            };
        }
        Ok(())
    }
}
