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
use super::{bulk, write};
use crate::db::fault::{self, Fault};
use crate::db::{AnyConnection, dialect, tx};
use crate::error::{Error, Result};
use crate::tables::cell::{self as value, Cell, DateFormat};
use crate::tables::spec::Resolve;
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
    /// On MySQL/MariaDB, load a table that starts empty through `LOAD DATA LOCAL INFILE`
    /// (see [`super::bulk`]); off, every table goes the batch way.
    pub bulk: bool,
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

/// Why a name was not resolved when converting without the database (never shown: a file
/// with names to resolve is converted on the writer's thread, with the database at hand).
const NO_LOOKUPS: &str = "cannot be looked up here";

/// Converts one record; on failure, the reasons (one per bad cell). Names are resolved to
/// keys through `names`.
fn convert(
    mut names: Option<(&mut AnyConnection, &mut Resolver)>,
    m: &Mapping,
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
            From::Name(Resolve::StoreByName, _) => {
                let found = match names.as_mut() {
                    Some((conn, resolver)) => resolver.store_id(conn, raw),
                    None => Err(NO_LOOKUPS.to_string()),
                };
                match found {
                    Ok(id) => cells.push(Cell::Int(Some(id))),
                    Err(reason) => errors.push(err(header, raw, reason)),
                }
            }
            From::Name(Resolve::StaffByFirstName, _) => {
                let store = m
                    .columns
                    .iter()
                    .position(|(c, _)| c.name == "store_id")
                    .and_then(|p| cells.get(p))
                    .and_then(Cell::as_int);
                let found = match names.as_mut() {
                    Some((conn, resolver)) => resolver.staff_id(conn, raw, store),
                    None => Err(NO_LOOKUPS.to_string()),
                };
                match found {
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
struct Fast {
    head: String,
    tail: String,
    rows_before: i64,
    written: u64,
    changed: u64,
}

/// Writes one table's batches, the fast way while it can, else batch by batch in savepoints
/// with exact counts (the only way that names the rows the database refuses).
struct Writer<'a> {
    m: &'a Mapping,
    cols: &'a [&'a str],
    label: &'a str,
    fast: Option<Fast>,
    /// Where written batches go to be freed (the reader thread that allocated them, which
    /// frees them without contending for the writer's time), if anywhere.
    spent: Option<crossbeam_channel::Sender<Vec<Pending>>>,
}

impl<'a> Writer<'a> {
    fn new(
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
    fn flush(
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
    fn finish(&mut self, conn: &mut AnyConnection, report: &mut TableReport) -> Result<()> {
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

/// What the reader thread needs to turn records into rows.
struct Reading<'a> {
    m: &'a Mapping,
    headers: &'a [String],
    key_idx: &'a [usize],
    cols: &'a [&'a str],
    dates: &'a DateFormat,
    label: &'a str,
    batch_rows: usize,
}

/// What the reader thread hands the writer: the rows refused on reading or checking, in
/// order, then (when one is complete, or at the end) a batch of rows to write.
struct Chunk {
    read: u64,
    rejects: Vec<(Vec<RowError>, Vec<String>)>,
    rows: Vec<Pending>,
    bytes: (u64, Option<u64>),
}

/// Rejected rows a chunk carries at most, so a file of bad rows streams too.
const CHUNK_REJECTS: usize = 1_000;

/// Chunks on their way from the reader to the writer (each up to a batch of rows).
const CHUNKS_AHEAD: usize = 2;

/// Reads, converts and checks every record of `src` (on the reader thread), sending the
/// batches in order; stops early when the writer has gone. Returns the bytes read.
fn read_chunks(
    src: &mut (dyn Source + Send),
    r: &Reading,
    seen: &mut SeenKeys,
    tx: crossbeam_channel::Sender<Chunk>,
    spent: crossbeam_channel::Receiver<Vec<Pending>>,
) -> Result<(u64, Option<u64>)> {
    let label = r.label;
    let mut chunk = Chunk {
        read: 0,
        rejects: Vec::new(),
        rows: Vec::with_capacity(r.batch_rows),
        bytes: (0, None),
    };
    while let Some(next) = src.next_record() {
        chunk.read += 1;
        match next {
            Err(e) => chunk.rejects.push((
                vec![RowError {
                    source: label.to_string(),
                    line: e.line,
                    column: String::new(),
                    value: String::new(),
                    reason: e.reason,
                }],
                Vec::new(),
            )),
            Ok(rec) => match convert(None, r.m, r.dates, label, &rec, r.headers) {
                Ok((cells, _)) => match seen.first_line(&cells, r.key_idx, rec.line) {
                    Some(first) => {
                        let (column, value) = key_text(r.m, r.cols, &cells);
                        chunk.rejects.push((
                            vec![RowError {
                                source: label.to_string(),
                                line: rec.line,
                                reason: format!("{column} {value} is already on line {first}"),
                                column,
                                value,
                            }],
                            rec.fields,
                        ));
                    }
                    None => chunk.rows.push(Pending {
                        cells,
                        line: rec.line,
                        fields: rec.fields,
                    }),
                },
                Err(errors) => chunk.rejects.push((errors, rec.fields)),
            },
        }
        let full = chunk.rows.len() >= r.batch_rows;
        if full || chunk.rejects.len() >= CHUNK_REJECTS {
            // Rows go only in whole batches before the end, so batches are cut as when one
            // thread does both.
            let rows = if full {
                std::mem::replace(&mut chunk.rows, Vec::with_capacity(r.batch_rows))
            } else {
                Vec::new()
            };
            let done = Chunk {
                read: std::mem::take(&mut chunk.read),
                rejects: std::mem::take(&mut chunk.rejects),
                rows,
                bytes: src.bytes(),
            };
            if tx.send(done).is_err() {
                return Ok(src.bytes());
            }
            // Free here what the writer has written.
            for written in spent.try_iter() {
                drop(written);
            }
        }
    }
    if let Some(e) = src.take_error() {
        return Err(e);
    }
    chunk.bytes = src.bytes();
    let bytes = chunk.bytes;
    let _ = tx.send(chunk);
    Ok(bytes)
}

/// Reads `src` on a reader thread and writes its batches here, in order; returns the bytes
/// read. Rows are refused and counted exactly as when one thread does both.
#[allow(clippy::too_many_arguments)]
fn read_and_write(
    conn: &mut AnyConnection,
    src: &mut (dyn Source + Send),
    r: &Reading,
    seen: &mut SeenKeys,
    w: &mut Writer,
    report: &mut TableReport,
    sink: &mut Sink,
    cancel: &CancelToken,
    progress: &mut dyn FnMut(Progress),
) -> Result<(u64, Option<u64>)> {
    let (tx, rx) = crossbeam_channel::bounded::<Chunk>(CHUNKS_AHEAD);
    let (spent_tx, spent_rx) = crossbeam_channel::unbounded();
    w.spent = Some(spent_tx);
    std::thread::scope(|scope| {
        let reader = std::thread::Builder::new()
            .name("import-reader".into())
            .spawn_scoped(scope, move || read_chunks(src, r, seen, tx, spent_rx))
            .map_err(|e| Error::Invalid(format!("cannot start the reader thread: {e}")))?;
        // The receiver goes with this closure: a writer that stops ends the reader too.
        let written = (move || -> Result<()> {
            let mut last_progress = Instant::now();
            for mut chunk in rx {
                report.read += chunk.read;
                for (errors, fields) in chunk.rejects {
                    report.rejected += 1;
                    sink.reject(errors, &fields)?;
                }
                if !chunk.rows.is_empty() {
                    cancel.check()?;
                    w.flush(conn, &mut chunk.rows, report, sink)?;
                }
                if last_progress.elapsed().as_millis() >= 100 {
                    last_progress = Instant::now();
                    cancel.check()?;
                    progress(Progress {
                        table: r.m.table.name,
                        rows_done: report.read,
                        rows_total: None,
                        bytes_done: chunk.bytes.0,
                        bytes_total: chunk.bytes.1,
                        rejects: report.rejected,
                    });
                }
            }
            Ok(())
        })();
        let read = joined(reader);
        written?;
        read
    })
}

/// A scoped thread's result, its panic carried on to this thread.
fn joined<T>(handle: std::thread::ScopedJoinHandle<'_, T>) -> T {
    match handle.join() {
        Ok(v) => v,
        Err(panic) => std::panic::resume_unwind(panic),
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

/// Reads `src` on a reader thread, checks each row's parents and streams the rows into one
/// `LOAD DATA` running on a thread of its own (MySQL/MariaDB, a table that starts empty);
/// returns the bytes read. Rows are refused and counted as the batch way refuses them.
#[allow(clippy::too_many_arguments)]
fn read_and_load(
    conn: &mut AnyConnection,
    src: &mut (dyn Source + Send),
    r: &Reading,
    seen: &mut SeenKeys,
    report: &mut TableReport,
    sink: &mut Sink,
    cancel: &CancelToken,
    progress: &mut dyn FnMut(Progress),
) -> Result<(u64, Option<u64>)> {
    use std::io::Write;
    let parents = bulk::Parents::load(conn, r.m, r.cols)?;
    let fifo = bulk::Fifo::new()?;
    let sql = bulk::statement(r.m.table.name, r.cols, fifo.path());
    let table = r.m.table.name;
    let (tx, rx) = crossbeam_channel::bounded::<Chunk>(CHUNKS_AHEAD);
    let (spent_tx, spent_rx) = crossbeam_channel::unbounded();
    std::thread::scope(|scope| {
        let reader = std::thread::Builder::new()
            .name("import-reader".into())
            .spawn_scoped(scope, move || read_chunks(src, r, seen, tx, spent_rx))
            .map_err(|e| Error::Invalid(format!("cannot start the reader thread: {e}")))?;
        let loader = std::thread::Builder::new()
            .name("import-load".into())
            .spawn_scoped(scope, || bulk::run(conn, &sql, table))
            .map_err(|e| Error::Invalid(format!("cannot start the loading thread: {e}")))?;
        // The receiver and the FIFO's writing end go with this closure: however it ends,
        // the reader stops and the load sees the end of its input.
        let fed = (|| -> Result<u64> {
            let Some(mut file) = fifo.open_writer(|| loader.is_finished())? else {
                return Ok(0);
            };
            let failed = |e: std::io::Error| Error::file(fifo.path(), e);
            let mut buf: Vec<u8> = Vec::with_capacity(1 << 20);
            let mut sent = 0u64;
            let mut last_progress = Instant::now();
            for chunk in rx {
                report.read += chunk.read;
                for (errors, fields) in chunk.rejects {
                    report.rejected += 1;
                    sink.reject(errors, &fields)?;
                }
                cancel.check()?;
                for p in &chunk.rows {
                    match parents.missing(&p.cells) {
                        Some((column, value, reason)) => {
                            report.rejected += 1;
                            sink.reject(
                                vec![RowError {
                                    source: r.label.to_string(),
                                    line: p.line,
                                    column,
                                    value,
                                    reason,
                                }],
                                &p.fields,
                            )?;
                        }
                        None => {
                            bulk::encode(&p.cells, &mut buf);
                            sent += 1;
                        }
                    }
                }
                if buf.len() >= 1 << 19 {
                    file.write_all(&buf).map_err(failed)?;
                    buf.clear();
                }
                let _ = spent_tx.send(chunk.rows);
                if last_progress.elapsed().as_millis() >= 100 {
                    last_progress = Instant::now();
                    progress(Progress {
                        table,
                        rows_done: report.read,
                        rows_total: None,
                        bytes_done: chunk.bytes.0,
                        bytes_total: chunk.bytes.1,
                        rejects: report.rejected,
                    });
                }
            }
            file.write_all(&buf).map_err(failed)?;
            Ok(sent)
        })();
        let loaded = joined(loader);
        let read = joined(reader);
        // The load's own failure says most (a broken pipe only follows from it).
        loaded?;
        let sent = fed?;
        report.counts.inserted += sent;
        read
    })
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
        let bytes = read_and_load(conn, src, &read, seen, &mut report, sink, cancel, progress)?;
        resolver.invalidate(m.table.name);
        progress(table_done(m.table.name, &report, bytes));
        return Ok(report);
    }
    let mut w = Writer::new(conn, &m, &cols, &label, by_row)?;
    if w.fast.is_some()
        && !lookups
        && let Some(src) = src.as_send()
    {
        let bytes = read_and_write(
            conn,
            src,
            &read,
            seen,
            &mut w,
            &mut report,
            sink,
            cancel,
            progress,
        )?;
        w.finish(conn, &mut report)?;
        resolver.invalidate(m.table.name);
        progress(table_done(m.table.name, &report, bytes));
        return Ok(report);
    }
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
                    w.flush(conn, &mut batch, &mut report, sink)?;
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
            w.flush(conn, &mut batch, &mut report, sink)?;
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
    w.flush(conn, &mut batch, &mut report, sink)?;
    w.finish(conn, &mut report)?;
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
    progress(table_done(m.table.name, &report, src.bytes()));
    Ok(report)
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
    mut plans: Vec<Planned>,
    opts: &ImportOptions,
    cancel: &CancelToken,
    progress: &mut dyn FnMut(Progress),
    on_commit: &mut dyn FnMut(&mut AnyConnection, &ImportReport) -> Result<()>,
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
