//! Where records come from: a CSV file streamed from disk (UTF-8 with or without BOM, CRLF,
//! quoted commas and newlines), or a JSON array of objects (`json`: a file, or the API's
//! collections spooled to disk). Both give text fields under a header, with the line (or
//! item) number for messages.

mod json;

pub(crate) use json::{JsonCursor, JsonError};
pub use json::{JsonFileSource, json_text, type_problem};

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, Result};
use crate::text::escape;

/// What one input may hold at most, so a hostile file cannot exhaust memory or flood the
/// terminal: columns in the header, bytes in one record (a CSV line or a JSON object).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InputLimits {
    pub max_columns: usize,
    pub max_record_bytes: u64,
}

impl Default for InputLimits {
    fn default() -> Self {
        use crate::config::defaults as d;
        InputLimits {
            max_columns: d::IMPORT_MAX_COLUMNS as usize,
            max_record_bytes: d::IMPORT_MAX_FIELD_BYTES.into(),
        }
    }
}

impl InputLimits {
    pub fn from_config(cfg: &crate::config::Config) -> Self {
        InputLimits {
            max_columns: cfg.import_max_columns as usize,
            max_record_bytes: cfg.import_max_field_bytes.into(),
        }
    }

    fn too_wide(&self, label: &str, columns: usize) -> Option<Error> {
        (columns > self.max_columns).then(|| {
            Error::Invalid(format!(
                "{label}: the header has {} columns; at most {} are read (import_max_columns); nothing was written",
                crate::text::group_digits(columns as u64),
                crate::text::group_digits(self.max_columns as u64)
            ))
        })
    }

    fn too_long(&self, label: &str, line: u64) -> Error {
        Error::Invalid(format!(
            "{label}: line {line}: a record longer than {} bytes (import_max_field_bytes); nothing was written",
            crate::text::group_digits(self.max_record_bytes)
        ))
    }
}

/// A byte count shared by a source and the readers under it; atomic, so that a source can
/// be handed to a reader thread.
#[derive(Debug, Default)]
pub struct Counter(AtomicU64);

impl Counter {
    fn new(v: u64) -> Self {
        Counter(AtomicU64::new(v))
    }

    fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    fn set(&self, v: u64) {
        self.0.store(v, Ordering::Relaxed)
    }
}

/// Read-ahead the parsers may hold beyond the record they are on.
const SLACK: u64 = 1 << 16;

/// The marker error [`Bounded`] returns once a record runs past its limit.
#[derive(Debug)]
struct RecordTooLong;

impl std::fmt::Display for RecordTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("record too long")
    }
}

impl std::error::Error for RecordTooLong {}

fn is_too_long(e: &std::io::Error) -> bool {
    e.get_ref().is_some_and(|i| i.is::<RecordTooLong>())
}

/// Counts the bytes handed to a parser and refuses to hand over more than the current
/// record's allowance (moved forward by the source after each record).
struct Bounded<R> {
    inner: R,
    given: Arc<Counter>,
    allowed_until: Arc<Counter>,
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.given.get() > self.allowed_until.get() {
            return Err(std::io::Error::other(RecordTooLong));
        }
        let n = self.inner.read(buf)?;
        self.given.set(self.given.get() + n as u64);
        Ok(n)
    }
}

/// One input record.
#[derive(Debug, Clone)]
pub struct Record {
    /// The line the record starts on (CSV), or its position (JSON).
    pub line: u64,
    pub fields: Vec<String>,
}

/// A record that could not even be read (bad UTF-8, torn quoting, a JSON value of a type
/// its column cannot hold).
#[derive(Debug, Clone)]
pub struct ReadError {
    pub line: u64,
    /// What is wrong, cell by cell (the column empty when the whole record is unreadable).
    pub problems: Vec<Problem>,
    /// The record as far as it was read, for the rejects file.
    pub fields: Vec<String>,
}

/// One thing wrong with a record that could not be read.
#[derive(Debug, Clone)]
pub struct Problem {
    pub column: String,
    pub value: String,
    pub reason: String,
}

impl ReadError {
    /// A record that cannot be read at all.
    pub fn whole(line: u64, reason: String) -> ReadError {
        ReadError {
            line,
            problems: vec![Problem {
                column: String::new(),
                value: String::new(),
                reason,
            }],
            fields: Vec::new(),
        }
    }

    /// The row errors this stands for, as the run reports them.
    pub fn row_errors(&self, source: &str) -> Vec<crate::etl::report::RowError> {
        self.problems
            .iter()
            .map(|p| crate::etl::report::RowError {
                source: source.to_string(),
                line: self.line,
                column: p.column.clone(),
                value: p.value.clone(),
                reason: p.reason.clone(),
            })
            .collect()
    }
}

pub trait Source {
    /// For messages: the file path or URL.
    fn label(&self) -> &str;
    fn headers(&self) -> &[String];
    fn next_record(&mut self) -> Option<std::result::Result<Record, ReadError>>;
    /// Bytes read so far and in all, if known.
    fn bytes(&self) -> (u64, Option<u64>);
    /// A failure that ended the source early (the API went away): the run must not commit.
    fn take_error(&mut self) -> Option<Error> {
        None
    }

    /// This source as one a reader thread may borrow, when it can move between threads (a
    /// file; not the API's sources, which share one client).
    fn as_send(&mut self) -> Option<&mut (dyn Source + Send)> {
        None
    }
}

/// Skips a UTF-8 byte-order mark at the start of a reader.
fn skip_bom<R: Read>(inner: R) -> std::io::Result<BufReader<R>> {
    let mut r = BufReader::with_capacity(1 << 16, inner);
    let buf = r.fill_buf()?;
    if buf.starts_with(&[0xEF, 0xBB, 0xBF]) {
        r.consume(3);
    }
    Ok(r)
}

/// Turns CRLF into LF on the fly (a lone CR is kept), so the CSV parser's line numbers match
/// what an editor shows, and counts the raw bytes read for progress.
pub struct CrlfToLf<R> {
    inner: R,
    pending_cr: bool,
    tmp: Vec<u8>,
    raw: Arc<Counter>,
}

impl<R: Read> CrlfToLf<R> {
    pub fn new(inner: R) -> Self {
        CrlfToLf {
            inner,
            pending_cr: false,
            tmp: vec![0; 1 << 16],
            raw: Default::default(),
        }
    }
}

impl<R: Read> Read for CrlfToLf<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if out.len() < 2 {
            return self.inner.read(out);
        }
        loop {
            // Room for a held-back CR plus what is read.
            let want = (out.len() - 1).min(self.tmp.len());
            let n = self.inner.read(&mut self.tmp[..want])?;
            self.raw.set(self.raw.get() + n as u64);
            let mut w = 0;
            if n == 0 {
                if self.pending_cr {
                    self.pending_cr = false;
                    out[0] = b'\r';
                    return Ok(1);
                }
                return Ok(0);
            }
            if self.pending_cr {
                self.pending_cr = false;
                if self.tmp[0] != b'\n' {
                    out[w] = b'\r';
                    w += 1;
                }
            }
            for i in 0..n {
                let b = self.tmp[i];
                if b == b'\r' {
                    if i + 1 == n {
                        self.pending_cr = true;
                    } else if self.tmp[i + 1] != b'\n' {
                        out[w] = b;
                        w += 1;
                    }
                } else {
                    out[w] = b;
                    w += 1;
                }
            }
            if w > 0 {
                return Ok(w);
            }
        }
    }
}

/// A CSV file, read in constant memory.
pub struct CsvSource {
    label: String,
    reader: csv::Reader<Bounded<CrlfToLf<BufReader<File>>>>,
    raw_bytes: Arc<Counter>,
    headers: Vec<String>,
    record: csv::ByteRecord,
    total: Option<u64>,
    limits: InputLimits,
    allowed_until: Arc<Counter>,
    error: Option<Error>,
}

/// The path as shown in messages (control characters escaped).
pub fn shown(path: &Path) -> String {
    escape(&path.display().to_string()).into_owned()
}

impl CsvSource {
    pub fn open(path: &Path, limits: InputLimits) -> Result<CsvSource> {
        let label = shown(path);
        let file = File::open(path).map_err(|e| Error::file(&label, e))?;
        Self::from_file(file, label, limits)
    }

    /// Reads `file` (opened from a path, or a spooled copy of a pipe), named `label`.
    pub fn from_file(file: File, label: String, limits: InputLimits) -> Result<CsvSource> {
        let total = file
            .metadata()
            .ok()
            .filter(|m| m.is_file())
            .map(|m| m.len());
        let normalized = CrlfToLf::new(skip_bom(file).map_err(|e| Error::file(&label, e))?);
        let raw_bytes = normalized.raw.clone();
        let given = Arc::new(Counter::new(0));
        let allowed_until = Arc::new(Counter::new(limits.max_record_bytes + SLACK));
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .has_headers(true)
            .buffer_capacity(1 << 16)
            .from_reader(Bounded {
                inner: normalized,
                given,
                allowed_until: allowed_until.clone(),
            });
        let headers = reader
            .byte_headers()
            .map_err(|e| match e.kind() {
                csv::ErrorKind::Io(io) if is_too_long(io) => limits.too_long(&label, 1),
                _ => Error::Invalid(format!("{label}: cannot read the header line: {e}")),
            })?
            .iter()
            .map(|h| {
                String::from_utf8_lossy(h)
                    .trim()
                    .trim_start_matches('\u{feff}')
                    .to_string()
            })
            .collect::<Vec<_>>();
        if let Some(e) = limits.too_wide(&label, headers.len()) {
            return Err(e);
        }
        if headers.iter().all(|h| h.is_empty()) {
            return Err(Error::Invalid(format!(
                "{label}: the file is empty or has no header line"
            )));
        }
        allowed_until.set(reader.position().byte() + limits.max_record_bytes + SLACK);
        Ok(CsvSource {
            label,
            reader,
            raw_bytes,
            headers,
            record: csv::ByteRecord::new(),
            total,
            limits,
            allowed_until,
            error: None,
        })
    }
}

impl Source for CsvSource {
    fn as_send(&mut self) -> Option<&mut (dyn Source + Send)> {
        Some(self)
    }

    fn label(&self) -> &str {
        &self.label
    }

    fn headers(&self) -> &[String] {
        &self.headers
    }

    fn next_record(&mut self) -> Option<std::result::Result<Record, ReadError>> {
        if self.error.is_some() {
            return None;
        }
        match self.reader.read_byte_record(&mut self.record) {
            Ok(false) => None,
            Ok(true) => {
                let line = self.record.position().map(|p| p.line()).unwrap_or(0);
                let end = self.reader.position().byte();
                let start = self.record.position().map(|p| p.byte()).unwrap_or(end);
                if end - start > self.limits.max_record_bytes {
                    self.error = Some(self.limits.too_long(&self.label, line));
                    return None;
                }
                self.allowed_until
                    .set(end + self.limits.max_record_bytes + SLACK);
                let mut fields = Vec::with_capacity(self.record.len());
                for (i, f) in self.record.iter().enumerate() {
                    match std::str::from_utf8(f) {
                        Ok(s) => fields.push(s.to_string()),
                        Err(_) => {
                            let col = self
                                .headers
                                .get(i)
                                .cloned()
                                .unwrap_or_else(|| format!("#{}", i + 1));
                            let lossy = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
                            return Some(Err(ReadError {
                                line,
                                problems: vec![Problem {
                                    column: col,
                                    value: crate::text::escape_bounded(&lossy(f), 60),
                                    reason: "is not valid UTF-8".into(),
                                }],
                                fields: self.record.iter().map(lossy).collect(),
                            }));
                        }
                    }
                }
                Some(Ok(Record { line, fields }))
            }
            Err(e) => {
                let line = e
                    .position()
                    .map(|p| p.line())
                    .unwrap_or_else(|| self.reader.position().line());
                match e.kind() {
                    csv::ErrorKind::Io(io) if is_too_long(io) => {
                        self.error = Some(self.limits.too_long(&self.label, line));
                        None
                    }
                    csv::ErrorKind::Io(io) => {
                        self.error = Some(Error::Invalid(format!(
                            "{}: cannot be read past line {line}: {io}",
                            self.label
                        )));
                        None
                    }
                    // A torn record ends the file's reading; report it as one bad row.
                    _ => Some(Err(ReadError::whole(line, format!("unreadable CSV: {e}")))),
                }
            }
        }
    }

    fn bytes(&self) -> (u64, Option<u64>) {
        (self.raw_bytes.get(), self.total)
    }

    fn take_error(&mut self) -> Option<Error> {
        self.error.take()
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::CrlfToLf;

    #[test]
    fn crlf_becomes_lf_across_chunk_edges() {
        for chunk in [2usize, 3, 4, 7, 64] {
            let input = b"a,b\r\n1,\"x\r\ny\"\r\nlone\rcr\r".to_vec();
            let mut r = CrlfToLf::new(&input[..]);
            let mut out = Vec::new();
            let mut buf = vec![0u8; chunk];
            loop {
                let n = r.read(&mut buf).unwrap();
                if n == 0 {
                    break;
                }
                out.extend_from_slice(&buf[..n]);
            }
            assert_eq!(out, b"a,b\n1,\"x\ny\"\nlone\rcr\r", "chunk {chunk}");
            assert_eq!(r.raw.get(), input.len() as u64);
        }
    }
}
