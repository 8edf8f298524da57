//! The stream writer (MySQL/MariaDB, a table that starts empty): rows read and checked on the
//! reader thread, their parents checked here, and the good rows streamed through a FIFO into
//! one `LOAD DATA LOCAL INFILE` inside the run's transaction.

use std::time::Instant;

use super::Sink;
use super::reader::{CHUNKS_AHEAD, Chunk, Reading, joined, read_chunks};
use super::rows::SeenKeys;
use crate::db::AnyConnection;
use crate::error::{Error, Result};
use crate::etl::bulk;
use crate::etl::report::{RowError, TableReport};
use crate::etl::source::Source;
use crate::worker::{CancelToken, Progress};

/// Reads `src` on a reader thread, checks each row's parents and streams the rows into one
/// `LOAD DATA` running on a thread of its own (MySQL/MariaDB, a table that starts empty);
/// returns the bytes read. Rows are refused and counted as the batch way refuses them.
#[allow(clippy::too_many_arguments)]
pub(super) fn read_and_load(
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
