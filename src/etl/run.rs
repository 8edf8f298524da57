//! One import run: every source opened and its header checked before anything is written;
//! then, in one transaction, each source in foreign-key order is streamed, converted,
//! batched and upserted. Bad rows are collected (and streamed to a rejects file); at the end
//! the run commits, or rolls back when it found bad rows (unless `--skip-invalid`), when it
//! is a dry run, or when it was cancelled. A killed process leaves no partial data either.
//! A database failure that is not about one row (deadlock, lock wait, lost or frozen server,
//! full disk) ends the run and rolls it all back; only a row refusal, while the transaction
//! is known to be alive, sends the batch row by row to find the bad rows.
//!
//! Here: the run's options, the run itself and each table's load. Its parts: `rows` (records
//! to rows), `reader` (the reader thread), `batch` (the batch writer), `stream` (the stream
//! writer, `LOAD DATA`) and `record` (the run's record in `import_runs` and the audit trail).

mod batch;
mod reader;
mod record;
mod rows;
mod stream;

use std::collections::HashMap;
use std::time::Instant;

use super::mapping::{From, Mapping};
use super::report::{ImportReport, LISTED_ERRORS, Outcome, RejectWriter, RowError, TableReport};
use super::resolve::Resolver;
use super::source::{InputLimits, Source};
use super::{bulk, write};
use crate::db::{AnyConnection, dialect, tx};
use crate::error::{Error, Result};
use crate::tables::cell::{Cell, DateFormat};
use crate::worker::{CancelToken, Progress};
use batch::{Pending, Writer};
use reader::{Reading, read_and_write};
pub use record::{run_and_record, run_recorded};
use rows::{SeenKeys, convert, key_text};
use stream::read_and_load;

#[derive(Debug, Clone)]
pub struct ImportOptions {
    pub skip_invalid: bool,
    pub rejects: Option<std::path::PathBuf>,
    /// Without `rejects`: bad rows go to a new file `rejects-<run id>.csv` in this folder,
    /// created exclusively and private to the user (the TUI's choice).
    pub rejects_dir: Option<std::path::PathBuf>,
    pub dry_run: bool,
    pub date_format: DateFormat,
    /// Rows per statement; 0 sizes batches from the table's width.
    pub batch_rows: usize,
    /// Header width and record size allowed.
    pub limits: InputLimits,
    /// On MySQL/MariaDB, load a table that starts empty through `LOAD DATA LOCAL INFILE`
    /// (see [`super::bulk`]); off, every table goes the batch way.
    pub bulk: bool,
    /// Where what comes from the network or a pipe is copied before the write (private,
    /// unlinked files); the system's temporary folder when `None`.
    pub spool_dir: Option<std::path::PathBuf>,
    /// Who the stock ledger's `import` moves name, and their reference (the run).
    pub moved_by: Option<(String, String)>,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            skip_invalid: false,
            rejects: None,
            rejects_dir: None,
            dry_run: false,
            date_format: DateFormat::Auto,
            batch_rows: 0,
            limits: InputLimits::default(),
            bulk: true,
            spool_dir: None,
            moved_by: None,
        }
    }
}

/// A source with its checked mapping.
pub struct Planned {
    pub source: Box<dyn Source>,
    pub mapping: Mapping,
}

/// The run's bad rows: counted, the first [`LISTED_ERRORS`] listed, every one written to the
/// rejects file when there is one.
struct Sink {
    listed: Vec<RowError>,
    rejected_rows: u64,
    rejects: Option<RejectWriter>,
}

impl Sink {
    fn reject(&mut self, errors: Vec<RowError>, record: &[String]) -> Result<()> {
        if errors.is_empty() {
            return Ok(());
        }
        self.rejected_rows += 1;
        for e in errors {
            if let Some(w) = &mut self.rejects {
                w.write(&e, record)?;
            }
            if self.listed.len() < LISTED_ERRORS {
                self.listed.push(e);
            }
        }
        Ok(())
    }
}

enum Abort {
    Failed(Error),
    Invalid,
    DryRun,
    Cancelled,
}

impl std::convert::From<diesel::result::Error> for Abort {
    fn from(e: diesel::result::Error) -> Self {
        Abort::Failed(e.into())
    }
}

impl std::convert::From<Error> for Abort {
    fn from(e: Error) -> Self {
        match e {
            Error::Cancelled => Abort::Cancelled,
            other => Abort::Failed(other),
        }
    }
}

/// The progress event that says a table is done: every row read, `bytes` (read, size) all of
/// the source.
fn table_done(table: &'static str, report: &TableReport, bytes: (u64, Option<u64>)) -> Progress {
    Progress {
        table,
        rows_done: report.read,
        rows_total: Some(report.read),
        bytes_done: bytes.1.unwrap_or(bytes.0),
        bytes_total: bytes.1,
        rejects: report.rejected,
    }
}

/// A table's report before any of its rows is read.
fn new_report(plan: &Planned) -> TableReport {
    TableReport {
        table: plan.mapping.table.name.into(),
        source: plan.source.label().to_string(),
        extra_columns: plan.mapping.extra.clone(),
        ..TableReport::default()
    }
}

/// Loads one source into `report` (which keeps what was read should the load fail).
#[allow(clippy::too_many_arguments)]
fn load_one(
    conn: &mut AnyConnection,
    plan: &mut Planned,
    report: &mut TableReport,
    opts: &ImportOptions,
    resolver: &mut Resolver,
    seen: &mut SeenKeys,
    sink: &mut Sink,
    cancel: &CancelToken,
    progress: &mut dyn FnMut(Progress),
) -> Result<()> {
    let m = plan.mapping.clone();
    let src = &mut plan.source;
    let label = src.label().to_string();
    let headers = src.headers().to_vec();
    let cols: Vec<&str> = m
        .columns
        .iter()
        .filter(|(_, f)| !matches!(f, From::ManagerRow(_)))
        .map(|(c, _)| c.name)
        .collect();
    let key_idx: Vec<usize> = m
        .key
        .iter()
        .filter_map(|k| cols.iter().position(|c| c == k))
        .collect();
    // Staff managers given by row number are set once every row of the file is in.
    let by_row = m.manager_by_row().is_some();
    let email_idx = cols.iter().position(|c| *c == "email");
    let mut row_emails: Vec<Option<String>> = Vec::new();
    let mut managers: Vec<(String, i32, u64, Vec<String>, bool)> = Vec::new();
    let batch_rows = match (by_row, opts.batch_rows) {
        (true, _) => 1,
        (false, 0) => write::batch_rows(cols.len()),
        (false, n) => n.min(write::batch_rows(cols.len())),
    };
    // Files whose rows need no look-ups in the store are read and checked on a thread of
    // their own while this one writes.
    let lookups = m.columns.iter().any(|(_, f)| matches!(f, From::Name(..)));
    let read = Reading {
        m: &m,
        headers: &headers,
        key_idx: &key_idx,
        cols: &cols,
        dates: &opts.date_format,
        label: &label,
        batch_rows,
    };
    if opts.bulk
        && !by_row
        && !lookups
        && let Some(src) = src.as_send()
        && bulk::usable(conn, &m, &cols)?
    {
        report.bulk = true;
        let bytes = read_and_load(conn, src, &read, seen, report, sink, cancel, progress)?;
        resolver.invalidate(m.table.name);
        progress(table_done(m.table.name, report, bytes));
        return Ok(());
    }
    let mut w = Writer::new(conn, &m, &cols, &label, by_row)?;
    if w.fast.is_some()
        && !lookups
        && let Some(src) = src.as_send()
    {
        let bytes = read_and_write(
            conn, src, &read, seen, &mut w, report, sink, cancel, progress,
        )?;
        w.finish(conn, report)?;
        resolver.invalidate(m.table.name);
        progress(table_done(m.table.name, report, bytes));
        return Ok(());
    }
    let mut batch: Vec<Pending> = Vec::with_capacity(batch_rows);
    let mut last_progress = Instant::now();
    while let Some(next) = src.next_record() {
        report.read += 1;
        let rec = match next {
            Ok(r) => r,
            Err(e) => {
                report.rejected += 1;
                sink.reject(e.row_errors(&label), &e.fields)?;
                row_emails.push(None);
                continue;
            }
        };
        let converted = convert(
            Some((&mut *conn, &mut *resolver)),
            &m,
            &opts.date_format,
            &label,
            &rec,
            &headers,
        )
        .map(|(cells, manager)| {
            let repeat_of = seen.first_line(&cells, &key_idx, rec.line);
            (cells, manager, repeat_of)
        });
        match converted {
            Ok((cells, _, Some(first))) => {
                let (column, value) = key_text(&m, &cols, &cells);
                report.rejected += 1;
                row_emails.push(None);
                sink.reject(
                    vec![RowError {
                        source: label.clone(),
                        line: rec.line,
                        reason: format!("{column} {value} is already on line {first}"),
                        column,
                        value,
                    }],
                    &rec.fields,
                )?;
            }
            Ok((cells, manager, None)) => {
                if by_row {
                    let email = email_idx.and_then(|i| match &cells[i] {
                        Cell::Text(t) => t.clone(),
                        _ => None,
                    });
                    row_emails.push(email.clone());
                    let before = report.counts;
                    batch.push(Pending {
                        cells,
                        line: rec.line,
                        fields: rec.fields.clone(),
                    });
                    w.flush(conn, &mut batch, report, sink)?;
                    let unchanged = report.counts.unchanged > before.unchanged;
                    if let (Some(email), Some(r)) = (email, manager) {
                        managers.push((email, r, rec.line, rec.fields, unchanged));
                    }
                } else {
                    batch.push(Pending {
                        cells,
                        line: rec.line,
                        fields: rec.fields,
                    });
                }
            }
            Err(errors) => {
                report.rejected += 1;
                row_emails.push(None);
                sink.reject(errors, &rec.fields)?;
            }
        }
        if batch.len() >= batch_rows {
            cancel.check()?;
            w.flush(conn, &mut batch, report, sink)?;
        }
        if last_progress.elapsed().as_millis() >= 100 {
            last_progress = Instant::now();
            cancel.check()?;
            let (done, total) = src.bytes();
            progress(Progress {
                table: m.table.name,
                rows_done: report.read,
                rows_total: None,
                bytes_done: done,
                bytes_total: total,
                rejects: report.rejected,
            });
        }
    }
    if let Some(e) = src.take_error() {
        return Err(e);
    }
    w.flush(conn, &mut batch, report, sink)?;
    w.finish(conn, report)?;
    for (email, row, line, fields, was_unchanged) in managers {
        let manager_email = row_emails.get(row as usize - 1).cloned().flatten();
        let manager_id = match &manager_email {
            Some(e) => write::staff_id_by_email(conn, e)?,
            None => None,
        };
        match manager_id {
            Some(id) => {
                if write::set_manager(conn, &email, id)? && was_unchanged {
                    report.counts.unchanged -= 1;
                    report.counts.updated += 1;
                }
            }
            None => {
                report.rejected += 1;
                let reason = format!("manager row {row} is not a loaded row of this file");
                sink.reject(
                    vec![RowError {
                        source: label.clone(),
                        line,
                        column: "manager_id".into(),
                        value: row.to_string(),
                        reason,
                    }],
                    &fields,
                )?;
            }
        }
    }
    resolver.invalidate(m.table.name);
    progress(table_done(m.table.name, report, src.bytes()));
    Ok(())
}

/// The import's own connection settings (SQLite's larger page cache, its kept statements),
/// undone however the run ends, before the connection goes back to the pool.
struct ImportSettings<'c> {
    conn: &'c mut AnyConnection,
    was: Option<dialect::SavedSettings>,
}

impl Drop for ImportSettings<'_> {
    fn drop(&mut self) {
        dialect::end_import_settings(self.conn, self.was);
    }
}

/// Loads the planned sources (already in foreign-key order) in one transaction. When the run
/// is to be committed, `on_commit` runs inside that same transaction just before the commit
/// (the run's record and audit line), so the data and its record stand or fall together.
pub fn load(
    conn: &mut AnyConnection,
    plans: Vec<Planned>,
    opts: &ImportOptions,
    cancel: &CancelToken,
    progress: &mut dyn FnMut(Progress),
    on_commit: &mut dyn FnMut(&mut AnyConnection, &ImportReport) -> Result<()>,
) -> Result<ImportReport> {
    load_counted(conn, plans, opts, cancel, progress, on_commit, &mut 0)
}

/// [`load`], also setting `read` to the records read, however the run ends (a failed run
/// is recorded with what it read).
pub(crate) fn load_counted(
    conn: &mut AnyConnection,
    mut plans: Vec<Planned>,
    opts: &ImportOptions,
    cancel: &CancelToken,
    progress: &mut dyn FnMut(Progress),
    on_commit: &mut dyn FnMut(&mut AnyConnection, &ImportReport) -> Result<()>,
    read: &mut u64,
) -> Result<ImportReport> {
    let started = Instant::now();
    let was = dialect::begin_import_settings(conn)?;
    let settings = ImportSettings { conn, was };
    let conn = &mut *settings.conn;
    let mut sink = Sink {
        listed: Vec::new(),
        rejected_rows: 0,
        rejects: opts
            .rejects
            .as_deref()
            .map(|p| RejectWriter::create(p, opts.rejects_dir.is_some()))
            .transpose()?,
    };
    let mut tables = Vec::new();
    let mut resolver = Resolver::default();
    let mut seen: HashMap<&'static str, SeenKeys> = HashMap::new();
    let sales = plans
        .iter()
        .any(|p| matches!(p.mapping.table.name, "orders" | "order_items"));
    let result = tx::write_once::<(), Abort>(conn, |conn| {
        // Orders or their lines: the Dashboard's months are forgotten once for the run, not
        // by the triggers for each row.
        if sales {
            crate::store::sales_summary::begin_bulk(conn)?;
        }
        for plan in plans.iter_mut() {
            let table = plan.mapping.table.name;
            // Stock changes go into the ledger: the difference each row was imported with.
            let stock_before = (table == "stocks")
                .then(|| crate::store::stock::snapshot(conn))
                .transpose()?;
            tables.push(new_report(plan));
            let report = tables.last_mut().expect("just pushed");
            load_one(
                conn,
                plan,
                report,
                opts,
                &mut resolver,
                seen.entry(table).or_default(),
                &mut sink,
                cancel,
                progress,
            )?;
            if let Some(before) = &stock_before {
                let (actor, reference) = opts
                    .moved_by
                    .clone()
                    .unwrap_or_else(|| ("import".into(), "import".into()));
                let info = crate::store::stock::MoveInfo {
                    reason: crate::store::stock::Reason::Import,
                    reference: Some(reference),
                    note: None,
                    actor: &actor,
                    at: chrono::Utc::now().timestamp(),
                };
                crate::store::stock::record_import(conn, before, &info)?;
            }
        }
        if cancel.is_cancelled() {
            return Err(Abort::Cancelled);
        }
        if opts.dry_run {
            return Err(Abort::DryRun);
        }
        if sink.rejected_rows > 0 && !opts.skip_invalid {
            return Err(Abort::Invalid);
        }
        let draft = ImportReport {
            tables: tables.clone(),
            errors: Vec::new(),
            rejected_rows: sink.rejected_rows,
            outcome: if sink.rejected_rows > 0 {
                Outcome::CommittedWithRejects
            } else {
                Outcome::Committed
            },
            duration_ms: started.elapsed().as_millis() as u64,
            notes: Vec::new(),
            rejects_file: None,
        };
        if sales {
            crate::store::sales_summary::end_bulk(conn)?;
        }
        on_commit(conn, &draft)?;
        Ok(())
    });
    *read = tables.iter().map(|t| t.read).sum();
    let outcome = match result {
        Ok(()) if sink.rejected_rows > 0 => Outcome::CommittedWithRejects,
        Ok(()) => Outcome::Committed,
        Err(Abort::Invalid) => Outcome::RolledBack,
        Err(Abort::DryRun) => Outcome::DryRun,
        Err(Abort::Cancelled) => Outcome::Cancelled,
        Err(Abort::Failed(e)) => return Err(e),
    };
    if let Some(w) = sink.rejects.take() {
        w.finish()?;
    }
    Ok(ImportReport {
        tables,
        errors: sink.listed,
        rejected_rows: sink.rejected_rows,
        outcome,
        duration_ms: started.elapsed().as_millis() as u64,
        notes: Vec::new(),
        rejects_file: None,
    })
}
