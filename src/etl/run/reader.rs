//! The reader thread: a file's records read, converted and checked on a thread of their own
//! and handed over in chunks, in order; and the writing side that takes the chunks and writes
//! them batch by batch on the connection's thread.

use std::time::Instant;

use super::Sink;
use super::batch::{Pending, Writer};
use super::rows::{SeenKeys, convert, key_text};
use crate::db::AnyConnection;
use crate::error::{Error, Result};
use crate::etl::mapping::Mapping;
use crate::etl::report::{RowError, TableReport};
use crate::etl::source::Source;
use crate::tables::cell::DateFormat;
use crate::worker::{CancelToken, Progress};

/// What the reader thread needs to turn records into rows.
pub(super) struct Reading<'a> {
    pub(super) m: &'a Mapping,
    pub(super) headers: &'a [String],
    pub(super) key_idx: &'a [usize],
    pub(super) cols: &'a [&'a str],
    pub(super) dates: &'a DateFormat,
    pub(super) label: &'a str,
    pub(super) batch_rows: usize,
}

/// What the reader thread hands the writer: the rows refused on reading or checking, in
/// order, then (when one is complete, or at the end) a batch of rows to write.
pub(super) struct Chunk {
    pub(super) read: u64,
    pub(super) rejects: Vec<(Vec<RowError>, Vec<String>)>,
    pub(super) rows: Vec<Pending>,
    pub(super) bytes: (u64, Option<u64>),
}

/// Rejected rows a chunk carries at most, so a file of bad rows streams too.
const CHUNK_REJECTS: usize = 1_000;

/// Chunks on their way from the reader to the writer (each up to a batch of rows).
pub(super) const CHUNKS_AHEAD: usize = 2;

/// Reads, converts and checks every record of `src` (on the reader thread), sending the
/// batches in order; stops early when the writer has gone. Returns the bytes read.
pub(super) fn read_chunks(
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
            Err(e) => chunk.rejects.push((e.row_errors(label), e.fields)),
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
pub(super) fn read_and_write(
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
pub(super) fn joined<T>(handle: std::thread::ScopedJoinHandle<'_, T>) -> T {
    match handle.join() {
        Ok(v) => v,
        Err(panic) => std::panic::resume_unwind(panic),
    }
}
