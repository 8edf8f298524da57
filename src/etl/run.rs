//! One import run: every source opened and its header checked before anything is written;
//! then, in one transaction, each source in foreign-key order is streamed, converted,
//! batched and upserted. Bad rows are collected (and streamed to a rejects file); at the end
//! the run commits, or rolls back when it found bad rows (unless `--skip-invalid`), when it
//! is a dry run, or when it was cancelled. A killed process leaves no partial data either.

use std::time::Instant;

use diesel::Connection;

use super::mapping::{From, Mapping};
use super::report::{ImportReport, LISTED_ERRORS, Outcome, RejectWriter, RowError, TableReport};
use super::resolve::Resolver;
use super::source::{Record, Source};
use super::spec::Resolve;
use super::value::{self, Cell, DateFormat};
use super::write;
use crate::db::AnyConnection;
use crate::error::{Error, Result};
use crate::worker::{CancelToken, Progress};

#[derive(Debug, Clone)]
pub struct ImportOptions {
    pub skip_invalid: bool,
    pub rejects: Option<std::path::PathBuf>,
    pub dry_run: bool,
    pub date_format: DateFormat,
    /// Rows per statement; 0 sizes batches from the table's width.
    pub batch_rows: usize,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            skip_invalid: false,
            rejects: None,
            dry_run: false,
            date_format: DateFormat::Auto,
            batch_rows: 0,
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
                cells.push(Cell::null(col.kind));
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
                v.clone(),
                format!("refers to {} {v}, which does not exist", fk.parent),
            );
        }
    }
    (
        String::new(),
        String::new(),
        format!("refused by the database: {db_error}"),
    )
}

struct Pending {
    cells: Vec<Cell>,
    line: u64,
    fields: Vec<String>,
}

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
    // The batch runs in a savepoint, so a refused batch leaves nothing behind.
    match conn.transaction(|c| write::upsert(c, m.table.name, cols, &m.key, &rows)) {
        Ok(counts) => report.counts += counts,
        Err(_) => {
            // Find the rows the database refuses, one at a time.
            for p in batch.iter() {
                match conn.transaction(|c| {
                    write::upsert(
                        c,
                        m.table.name,
                        cols,
                        &m.key,
                        std::slice::from_ref(&p.cells),
                    )
                }) {
                    Ok(counts) => report.counts += counts,
                    Err(e) => {
                        let (column, value, reason) =
                            diagnose(conn, m, cols, &p.cells, &e.to_string());
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

fn load_one(
    conn: &mut AnyConnection,
    plan: &mut Planned,
    opts: &ImportOptions,
    resolver: &mut Resolver,
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
        match convert(
            conn,
            &m,
            resolver,
            &opts.date_format,
            &label,
            &rec,
            &headers,
        ) {
            Ok((cells, manager)) => {
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

/// Loads the planned sources (already in foreign-key order) in one transaction.
pub fn load(
    conn: &mut AnyConnection,
    mut plans: Vec<Planned>,
    opts: &ImportOptions,
    cancel: &CancelToken,
    progress: &mut dyn FnMut(Progress),
) -> Result<ImportReport> {
    let started = Instant::now();
    let mut sink = Sink {
        listed: Vec::new(),
        rejected_rows: 0,
        rejects: opts
            .rejects
            .as_deref()
            .map(RejectWriter::create)
            .transpose()?,
    };
    let mut tables = Vec::new();
    let mut resolver = Resolver::default();
    let result = conn.transaction::<(), Abort, _>(|conn| {
        for plan in plans.iter_mut() {
            tables.push(load_one(
                conn,
                plan,
                opts,
                &mut resolver,
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
    })
}
