//! One import run: every source opened and its header checked before anything is written;
//! then, in one transaction, each source in foreign-key order is streamed, converted,
//! batched and upserted. Bad rows are collected (and streamed to a rejects file); at the end
//! the run commits, or rolls back when it found bad rows (unless `--skip-invalid`), when it
//! is a dry run, or when it was cancelled. A killed process leaves no partial data either.
//! A database failure that is not about one row (deadlock, lock wait, lost or frozen server,
//! full disk) ends the run and rolls it all back; only a row refusal, while the transaction
//! is known to be alive, sends the batch row by row to find the bad rows.

use std::collections::HashMap;
use std::time::Instant;

use diesel::Connection;

use super::mapping::{From, Mapping};
use super::report::{ImportReport, LISTED_ERRORS, Outcome, RejectWriter, RowError, TableReport};
use super::resolve::Resolver;
use super::source::InputLimits;
use super::source::{Record, Source};
use super::spec::Resolve;
use super::value::{self, Cell, DateFormat};
use super::write;
use crate::db::fault::{self, Fault};
use crate::db::{AnyConnection, dialect, tx};
use crate::error::{Error, Result};
use crate::worker::{CancelToken, Progress};

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
        }
    }
}

/// A source with its checked mapping.
pub struct Planned {
    pub source: Box<dyn Source>,
    pub mapping: Mapping,
}

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

/// Converts one record; on failure, the reasons (one per bad cell).
fn convert(
    conn: &mut AnyConnection,
    m: &Mapping,
    resolver: &mut Resolver,
    dates: &DateFormat,
    label: &str,
    rec: &Record,
    headers: &[String],
) -> std::result::Result<(Vec<Cell>, Option<i32>), Vec<RowError>> {
    let (line, fields) = (rec.line, rec.fields.as_slice());
    let mut cells = Vec::with_capacity(m.columns.len());
    let mut errors = Vec::new();
    let mut manager_row = None;
    let err = |column: &str, value: &str, reason: String| RowError {
        source: label.to_string(),
        line,
        column: column.to_string(),
        value: value.to_string(),
        reason,
    };
    if fields.len() != headers.len() {
        return Err(vec![err(
            "",
            "",
            format!(
                "has {} fields; the header has {}",
                fields.len(),
                headers.len()
            ),
        )]);
    }
    for (col, from) in &m.columns {
        let (i, header) = match from {
            From::Field(i) | From::Name(_, i) | From::ManagerRow(i) => (*i, headers[*i].as_str()),
        };
        let raw = fields[i].as_str();
        let blank = value::is_null_token(raw.trim());
        if blank {
            if col.required {
                errors.push(err(header, raw, "is required but empty".into()));
            } else if !matches!(from, From::ManagerRow(_)) {
                cells.push(value::null_of(col.kind));
            }
            continue;
        }
        match from {
            From::Field(_) => match value::parse(raw, col.kind, dates) {
                Ok(c) => cells.push(c),
                Err(reason) => errors.push(err(header, raw, reason)),
            },
            From::Name(Resolve::StoreByName, _) => match resolver.store_id(conn, raw) {
                Ok(id) => cells.push(Cell::Int(Some(id))),
                Err(reason) => errors.push(err(header, raw, reason)),
            },
            From::Name(Resolve::StaffByFirstName, _) => {
                let store = m
                    .columns
                    .iter()
                    .position(|(c, _)| c.name == "store_id")
                    .and_then(|p| cells.get(p))
                    .and_then(Cell::as_int);
                match resolver.staff_id(conn, raw, store) {
                    Ok(id) => cells.push(Cell::Int(Some(id))),
                    Err(reason) => errors.push(err(header, raw, reason)),
                }
            }
            From::Name(Resolve::None, _) => {}
            From::ManagerRow(_) => match value::parse_int(raw) {
                Ok(r) if r >= 1 => manager_row = Some(r),
                Ok(_) | Err(_) => {
                    errors.push(err(header, raw, "is not a row number of this file".into()))
                }
            },
        }
    }
    if errors.is_empty() {
        Ok((cells, manager_row))
    } else {
        Err(errors)
    }
}

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

struct Pending {
    cells: Vec<Cell>,
    line: u64,
    fields: Vec<String>,
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
            if let Some(frozen) = crate::db::watchdog::take_timeout() {
                return Err(Error::Unavailable(frozen));
            }
            let (f, msg) = first.unwrap_or_else(|| (fault::classify(&e), e.to_string()));
            if f == Fault::Row && dialect::transaction_alive(conn) {
                Ok(Err(msg))
            } else if f == Fault::Row {
                Err(Error::from_db(Fault::Lost, &msg))
            } else {
                Err(Error::from_db(f, &msg))
            }
        }
    }
}

/// Keys already loaded in this run, per table, with the line that gave them: a key repeated
/// in the input would be written twice and counted twice, so the later row is refused.
#[derive(Default)]
struct SeenKeys {
    ints: HashMap<u64, u64>,
    texts: HashMap<String, u64>,
}

impl SeenKeys {
    /// The line that already gave this row's key, or records it.
    fn first_line(&mut self, cells: &[Cell], key_idx: &[usize], line: u64) -> Option<u64> {
        let int = |i: usize| cells.get(i).and_then(Cell::as_int);
        match key_idx {
            [a] if int(*a).is_some() => {
                let k = int(*a)? as u32 as u64;
                self.first_int(k, line)
            }
            [a, b] => {
                let k = ((int(*a)? as u32 as u64) << 32) | int(*b)? as u32 as u64;
                self.first_int(k, line)
            }
            [a] => match cells.get(*a) {
                Some(Cell::Text(Some(t))) => match self.texts.get(t) {
                    Some(l) => Some(*l),
                    None => {
                        self.texts.insert(t.clone(), line);
                        None
                    }
                },
                _ => None,
            },
            _ => None,
        }
    }

    fn first_int(&mut self, k: u64, line: u64) -> Option<u64> {
        match self.ints.get(&k) {
            Some(l) => Some(*l),
            None => {
                self.ints.insert(k, line);
                None
            }
        }
    }
}

/// "customer_id 5001" for a key, for messages.
fn key_text(m: &Mapping, cols: &[&str], cells: &[Cell]) -> (String, String) {
    let parts: Vec<(String, String)> = m
        .key
        .iter()
        .filter_map(|k| {
            let i = cols.iter().position(|c| c == k)?;
            let v = match &cells[i] {
                Cell::Int(Some(v)) => v.to_string(),
                Cell::Text(Some(t)) => t.clone(),
                _ => String::new(),
            };
            Some((k.to_string(), v))
        })
        .collect();
    let column = parts
        .iter()
        .map(|(k, _)| k.as_str())
        .collect::<Vec<_>>()
        .join("+");
    let value = parts
        .iter()
        .map(|(_, v)| v.as_str())
        .collect::<Vec<_>>()
        .join("+");
    (column, value)
}

#[allow(clippy::too_many_arguments)]
fn load_one(
    conn: &mut AnyConnection,
    plan: &mut Planned,
    opts: &ImportOptions,
    resolver: &mut Resolver,
    seen: &mut SeenKeys,
    sink: &mut Sink,
    cancel: &CancelToken,
    progress: &mut dyn FnMut(Progress),
) -> Result<TableReport> {
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
    let mut report = TableReport {
        table: m.table.name.into(),
        source: label.clone(),
        extra_columns: m.extra.clone(),
        ..TableReport::default()
    };
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
    let mut batch: Vec<Pending> = Vec::with_capacity(batch_rows);
    let mut last_progress = Instant::now();
    while let Some(next) = src.next_record() {
        report.read += 1;
        let rec = match next {
            Ok(r) => r,
            Err(e) => {
                report.rejected += 1;
                sink.reject(
                    vec![RowError {
                        source: label.clone(),
                        line: e.line,
                        column: String::new(),
                        value: String::new(),
                        reason: e.reason,
                    }],
                    &[],
                )?;
                row_emails.push(None);
                continue;
            }
        };
        let converted = convert(
            conn,
            &m,
            resolver,
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
                    flush(conn, &m, &cols, &label, &mut batch, &mut report, sink)?;
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
            flush(conn, &m, &cols, &label, &mut batch, &mut report, sink)?;
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
    flush(conn, &m, &cols, &label, &mut batch, &mut report, sink)?;
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
    let (done, total) = src.bytes();
    progress(Progress {
        table: m.table.name,
        rows_done: report.read,
        rows_total: Some(report.read),
        bytes_done: total.unwrap_or(done),
        bytes_total: total,
        rejects: report.rejected,
    });
    Ok(report)
}

/// Loads the planned sources (already in foreign-key order) in one transaction. When the run
/// is to be committed, `on_commit` runs inside that same transaction just before the commit
/// (the run's record and audit line), so the data and its record stand or fall together.
pub fn load(
    conn: &mut AnyConnection,
    mut plans: Vec<Planned>,
    opts: &ImportOptions,
    cancel: &CancelToken,
    progress: &mut dyn FnMut(Progress),
    on_commit: &mut dyn FnMut(&mut AnyConnection, &ImportReport) -> Result<()>,
) -> Result<ImportReport> {
    let started = Instant::now();
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
    let result = tx::write_once::<(), Abort>(conn, |conn| {
        for plan in plans.iter_mut() {
            let table = plan.mapping.table.name;
            tables.push(load_one(
                conn,
                plan,
                opts,
                &mut resolver,
                seen.entry(table).or_default(),
                &mut sink,
                cancel,
                progress,
            )?);
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
        // Orders or their lines changed: the Dashboard's monthly totals are summed again.
        if plans
            .iter()
            .any(|p| matches!(p.mapping.table.name, "orders" | "order_items"))
        {
            crate::store::sales_summary::forget_all(conn)?;
        }
        on_commit(conn, &draft)?;
        Ok(())
    });
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
