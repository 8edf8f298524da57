//! Where records come from: a CSV file streamed from disk (UTF-8 with or without BOM, CRLF,
//! quoted commas and newlines), or JSON objects from the API (`api.rs`). Both give text fields under a
//! header, with the line (or item) number for messages.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{Map, Value};

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

/// A record that could not even be read (bad UTF-8, torn quoting).
#[derive(Debug, Clone)]
pub struct ReadError {
    pub line: u64,
    pub reason: String,
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
                            return Some(Err(ReadError {
                                line,
                                reason: format!("column `{col}` is not valid UTF-8"),
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
                    _ => Some(Err(ReadError {
                        line,
                        reason: format!("unreadable CSV: {e}"),
                    })),
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

/// A JSON file holding an array of objects (what `export --format json` writes), read one
/// object at a time in constant memory. The header is the first object's keys.
pub struct JsonFileSource {
    label: String,
    headers: Vec<String>,
    reader: BufReader<Bounded<File>>,
    given: Arc<Counter>,
    allowed_until: Arc<Counter>,
    limits: InputLimits,
    pending: Option<Map<String, Value>>,
    position: u64,
    done: bool,
    total: Option<u64>,
    error: Option<Error>,
}

impl JsonFileSource {
    pub fn open(path: &Path, limits: InputLimits) -> Result<JsonFileSource> {
        let label = shown(path);
        let file = File::open(path).map_err(|e| Error::file(&label, e))?;
        let total = file
            .metadata()
            .ok()
            .filter(|m| m.is_file())
            .map(|m| m.len());
        let given = Arc::new(Counter::new(0));
        let allowed_until = Arc::new(Counter::new(limits.max_record_bytes + SLACK));
        let mut src = JsonFileSource {
            label,
            headers: Vec::new(),
            reader: BufReader::with_capacity(
                1 << 16,
                Bounded {
                    inner: file,
                    given: given.clone(),
                    allowed_until: allowed_until.clone(),
                },
            ),
            given,
            allowed_until,
            limits,
            pending: None,
            position: 0,
            done: false,
            total,
            error: None,
        };
        // Skip a byte-order mark, then expect the array.
        if src.peek()? == Some(0xEF) {
            src.reader.consume(3);
        }
        match src.peek()? {
            Some(b'[') => src.reader.consume(1),
            _ => {
                return Err(Error::Invalid(format!(
                    "{}: not a JSON array of objects (the form `export --format json` writes)",
                    src.label
                )));
            }
        }
        src.pending = src.next_object()?;
        src.headers = src
            .pending
            .as_ref()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default();
        if let Some(e) = limits.too_wide(&src.label, src.headers.len()) {
            return Err(e);
        }
        Ok(src)
    }

    fn io(&self, e: std::io::Error) -> Error {
        if is_too_long(&e) {
            self.limits.too_long(&self.label, self.position + 1)
        } else {
            Error::file(&self.label, e)
        }
    }

    /// The next byte that is not white space, left unread.
    fn peek(&mut self) -> Result<Option<u8>> {
        loop {
            let buf = match self.reader.fill_buf() {
                Ok(b) => b,
                Err(e) => return Err(self.io(e)),
            };
            match buf.iter().position(|b| !b.is_ascii_whitespace()) {
                Some(i) => {
                    let b = buf[i];
                    self.reader.consume(i);
                    return Ok(Some(b));
                }
                None if buf.is_empty() => return Ok(None),
                None => {
                    let n = buf.len();
                    self.reader.consume(n);
                }
            }
        }
    }

    fn next_object(&mut self) -> Result<Option<Map<String, Value>>> {
        if self.done {
            return Ok(None);
        }
        if self.position > 0 || self.pending.is_some() {
            match self.peek()? {
                Some(b',') => self.reader.consume(1),
                Some(b']') => {
                    self.done = true;
                    return Ok(None);
                }
                _ => return Err(self.malformed("expected `,` or `]`")),
            }
        }
        match self.peek()? {
            Some(b']') if self.position == 0 && self.pending.is_none() => {
                self.done = true;
                return Ok(None);
            }
            Some(b'{') => {}
            None => return Err(self.malformed("the array is not closed")),
            _ => return Err(self.malformed("expected an object")),
        }
        self.allowed_until
            .set(self.given.get() + self.limits.max_record_bytes + SLACK);
        let mut de = serde_json::Deserializer::from_reader(&mut self.reader);
        match <Map<String, Value> as serde::Deserialize>::deserialize(&mut de) {
            Ok(obj) => Ok(Some(obj)),
            Err(e) if e.is_io() => Err(self.limits.too_long(&self.label, self.position + 1)),
            Err(e) => Err(self.malformed(&e.to_string())),
        }
    }

    fn malformed(&self, what: &str) -> Error {
        Error::Invalid(format!(
            "{}: item {}: not valid JSON ({}); nothing was written",
            self.label,
            self.position + 1,
            escape(what)
        ))
    }
}

impl Source for JsonFileSource {
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
        let obj = match self.pending.take() {
            Some(o) => o,
            None => match self.next_object() {
                Ok(Some(o)) => o,
                Ok(None) => return None,
                Err(e) => {
                    self.error = Some(e);
                    return None;
                }
            },
        };
        self.position += 1;
        let fields = self
            .headers
            .iter()
            .map(|h| obj.get(h).map(json_text).unwrap_or_default())
            .collect();
        Some(Ok(Record {
            line: self.position,
            fields,
        }))
    }

    fn bytes(&self) -> (u64, Option<u64>) {
        (self.given.get(), self.total)
    }

    fn take_error(&mut self) -> Option<Error> {
        self.error.take()
    }
}

/// A JSON value as the text a CSV cell would hold.
pub fn json_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Bool(b) => if *b { "1" } else { "0" }.into(),
        other => other.to_string(),
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
