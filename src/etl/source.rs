//! Where records come from: a CSV file streamed from disk (UTF-8 with or without BOM, CRLF,
//! quoted commas and newlines), or JSON objects from the API (`api.rs`). Both give text fields under a
//! header, with the line (or item) number for messages.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use crate::error::{Error, Result};

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
    raw: std::rc::Rc<std::cell::Cell<u64>>,
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
    reader: csv::Reader<CrlfToLf<BufReader<File>>>,
    raw_bytes: std::rc::Rc<std::cell::Cell<u64>>,
    headers: Vec<String>,
    record: csv::ByteRecord,
    total: Option<u64>,
}

impl CsvSource {
    pub fn open(path: &Path) -> Result<CsvSource> {
        let file = File::open(path).map_err(|e| Error::file(path, e))?;
        let total = file.metadata().ok().map(|m| m.len());
        let normalized = CrlfToLf::new(skip_bom(file).map_err(|e| Error::file(path, e))?);
        let raw_bytes = normalized.raw.clone();
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .has_headers(true)
            .from_reader(normalized);
        let headers = reader
            .byte_headers()
            .map_err(|e| {
                Error::Invalid(format!(
                    "{}: cannot read the header line: {e}",
                    path.display()
                ))
            })?
            .iter()
            .map(|h| {
                String::from_utf8_lossy(h)
                    .trim()
                    .trim_start_matches('\u{feff}')
                    .to_string()
            })
            .collect::<Vec<_>>();
        if headers.iter().all(|h| h.is_empty()) {
            return Err(Error::Invalid(format!(
                "{}: the file is empty or has no header line",
                path.display()
            )));
        }
        Ok(CsvSource {
            label: path.display().to_string(),
            reader,
            raw_bytes,
            headers,
            record: csv::ByteRecord::new(),
            total,
        })
    }
}

impl Source for CsvSource {
    fn label(&self) -> &str {
        &self.label
    }

    fn headers(&self) -> &[String] {
        &self.headers
    }

    fn next_record(&mut self) -> Option<std::result::Result<Record, ReadError>> {
        match self.reader.read_byte_record(&mut self.record) {
            Ok(false) => None,
            Ok(true) => {
                let line = self.record.position().map(|p| p.line()).unwrap_or(0);
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
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                // A torn record ends the file's reading; report it as one bad row.
                let reason = format!("unreadable CSV: {e}");
                Some(Err(ReadError { line, reason }))
            }
        }
    }

    fn bytes(&self) -> (u64, Option<u64>) {
        (self.raw_bytes.get(), self.total)
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
