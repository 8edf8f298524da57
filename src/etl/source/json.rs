//! JSON input: a cursor that reads one value at a time from a stream within the record limit
//! (never a whole array as a tree), the JSON file source built on it (an array of objects,
//! what `export --format json` writes; also the API's spooled collections), and the check
//! that each value's JSON type is one its column can hold.

use std::io::{BufRead, BufReader, Read};
use std::sync::Arc;

use serde_json::{Map, Value};

use super::{
    Bounded, Counter, InputLimits, Problem, ReadError, Record, SLACK, Source, is_too_long,
};
use crate::error::{Error, Result};
use crate::etl::mapping::{From as Feed, Mapping};
use crate::tables::spec::Kind;
use crate::text::escape;

/// Reads JSON values one at a time from a stream; each value may take at most the record
/// limit (plus the read-ahead) before the reader refuses to hand over more bytes.
pub(crate) struct JsonCursor<R> {
    reader: BufReader<Bounded<R>>,
    given: Arc<Counter>,
    allowed_until: Arc<Counter>,
    max: u64,
}

/// Why a value could not be read.
pub(crate) enum JsonError {
    /// Longer than the record limit.
    TooLong,
    /// Reading the stream failed.
    Io(std::io::Error),
    /// Not valid JSON (the parser's words).
    Syntax(String),
}

impl From<std::io::Error> for JsonError {
    fn from(e: std::io::Error) -> Self {
        if is_too_long(&e) {
            JsonError::TooLong
        } else {
            JsonError::Io(e)
        }
    }
}

impl From<serde_json::Error> for JsonError {
    fn from(e: serde_json::Error) -> Self {
        if e.is_io() {
            std::io::Error::from(e).into()
        } else {
            JsonError::Syntax(e.to_string())
        }
    }
}

impl<R: Read> JsonCursor<R> {
    pub(crate) fn new(inner: R, max: u64) -> Self {
        let given = Arc::new(Counter::new(0));
        let allowed_until = Arc::new(Counter::new(max + SLACK));
        JsonCursor {
            reader: BufReader::with_capacity(
                1 << 16,
                Bounded {
                    inner,
                    given: given.clone(),
                    allowed_until: allowed_until.clone(),
                },
            ),
            given,
            allowed_until,
            max,
        }
    }

    /// Bytes taken from the stream so far.
    pub(crate) fn read_bytes(&self) -> u64 {
        self.given.get()
    }

    /// Starts the allowance of the next value (one record's worth from here).
    pub(crate) fn allow_next(&mut self) {
        self.allowed_until.set(self.given.get() + self.max + SLACK);
    }

    /// The next byte that is not white space, left unread.
    pub(crate) fn peek(&mut self) -> std::result::Result<Option<u8>, JsonError> {
        loop {
            let buf = self.reader.fill_buf()?;
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

    pub(crate) fn consume(&mut self, n: usize) {
        self.reader.consume(n);
    }

    /// Skips a UTF-8 byte-order mark.
    pub(crate) fn skip_bom(&mut self) -> std::result::Result<(), JsonError> {
        if self.reader.fill_buf()?.starts_with(&[0xEF, 0xBB, 0xBF]) {
            self.reader.consume(3);
        }
        Ok(())
    }

    /// One value (an object, array, string or literal: no number, whose end the parser finds
    /// only by reading one byte past it).
    pub(crate) fn value<T: serde::de::DeserializeOwned>(
        &mut self,
    ) -> std::result::Result<T, JsonError> {
        let mut de = serde_json::Deserializer::from_reader(&mut self.reader);
        Ok(T::deserialize(&mut de)?)
    }

    /// Passes over one value of any kind without keeping it.
    pub(crate) fn skip_value(&mut self) -> std::result::Result<(), JsonError> {
        match self.peek()? {
            Some(b'-' | b'0'..=b'9') => loop {
                let buf = self.reader.fill_buf()?;
                let n = buf
                    .iter()
                    .position(|b| !matches!(b, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
                    .unwrap_or(buf.len());
                let end = n < buf.len() || buf.is_empty();
                self.reader.consume(n);
                if end {
                    return Ok(());
                }
            },
            _ => self.value::<serde::de::IgnoredAny>().map(|_| ()),
        }
    }
}

/// A JSON file holding an array of objects (what `export --format json` writes), read one
/// object at a time in constant memory. The header is the first object's keys.
pub struct JsonFileSource {
    label: String,
    headers: Vec<String>,
    cursor: JsonCursor<Box<dyn Read + Send>>,
    limits: InputLimits,
    /// Per header, the kind of the column it feeds (values of other JSON types are refused).
    kinds: Vec<Option<Kind>>,
    pending: Option<Map<String, Value>>,
    position: u64,
    done: bool,
    total: Option<u64>,
    error: Option<Error>,
}

impl JsonFileSource {
    pub fn open(path: &std::path::Path, limits: InputLimits) -> Result<JsonFileSource> {
        let label = super::shown(path);
        let file = std::fs::File::open(path).map_err(|e| Error::file(&label, e))?;
        let total = file
            .metadata()
            .ok()
            .filter(|m| m.is_file())
            .map(|m| m.len());
        Self::from_reader(Box::new(file), label, limits, total)
    }

    /// Reads the array from `inner` (a file, a spooled copy), naming it `label` in messages.
    pub fn from_reader(
        inner: Box<dyn Read + Send>,
        label: String,
        limits: InputLimits,
        total: Option<u64>,
    ) -> Result<JsonFileSource> {
        let mut src = JsonFileSource {
            label,
            headers: Vec::new(),
            cursor: JsonCursor::new(inner, limits.max_record_bytes),
            limits,
            kinds: Vec::new(),
            pending: None,
            position: 0,
            done: false,
            total,
            error: None,
        };
        src.cursor.skip_bom().map_err(|e| src.fail(e))?;
        match src.cursor.peek().map_err(|e| src.fail(e))? {
            Some(b'[') => src.cursor.consume(1),
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

    /// Checks each value's JSON type against the column its header feeds.
    pub fn expect(&mut self, m: &Mapping) {
        self.kinds = vec![None; self.headers.len()];
        for (col, from) in &m.columns {
            let (i, kind) = match *from {
                Feed::Field(i) => (i, col.kind),
                Feed::Name(_, i) => (i, Kind::Text(usize::MAX)),
                Feed::ManagerRow(i) => (i, Kind::Int),
            };
            if let Some(k) = self.kinds.get_mut(i) {
                *k = Some(kind);
            }
        }
    }

    fn fail(&self, e: JsonError) -> Error {
        match e {
            JsonError::TooLong => self.limits.too_long(&self.label, self.position + 1),
            JsonError::Io(e) => Error::file(&self.label, e),
            JsonError::Syntax(s) => self.malformed(&s),
        }
    }

    fn next_object(&mut self) -> Result<Option<Map<String, Value>>> {
        if self.done {
            return Ok(None);
        }
        let peek = |s: &mut Self| s.cursor.peek().map_err(|e| s.fail(e));
        if self.position > 0 || self.pending.is_some() {
            match peek(self)? {
                Some(b',') => self.cursor.consume(1),
                Some(b']') => {
                    self.done = true;
                    return Ok(None);
                }
                _ => return Err(self.malformed("expected `,` or `]`")),
            }
        }
        match peek(self)? {
            Some(b']') if self.position == 0 && self.pending.is_none() => {
                self.done = true;
                return Ok(None);
            }
            Some(b'{') => {}
            None => return Err(self.malformed("the array is not closed")),
            _ => return Err(self.malformed("expected an object")),
        }
        self.cursor.allow_next();
        self.cursor.value().map(Some).map_err(|e| self.fail(e))
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
        let mut problems = Vec::new();
        let fields = self
            .headers
            .iter()
            .enumerate()
            .map(|(i, h)| {
                let v = obj.get(h);
                let text = v.map(json_text).unwrap_or_default();
                if let (Some(v), Some(Some(kind))) = (v, self.kinds.get(i))
                    && let Some(reason) = type_problem(v, *kind)
                {
                    problems.push(Problem {
                        column: h.clone(),
                        value: crate::text::escape_bounded(&text, 60),
                        reason,
                    });
                }
                text
            })
            .collect();
        if !problems.is_empty() {
            return Some(Err(ReadError {
                line: self.position,
                problems,
                fields,
            }));
        }
        Some(Ok(Record {
            line: self.position,
            fields,
        }))
    }

    fn bytes(&self) -> (u64, Option<u64>) {
        (self.cursor.read_bytes(), self.total)
    }

    fn take_error(&mut self) -> Option<Error> {
        self.error.take()
    }
}

/// What a column of `kind` holds, for messages.
fn holds(kind: Kind) -> &'static str {
    match kind {
        Kind::Int | Kind::AtLeast(_) => "a whole number",
        Kind::Text(_) => "text",
        Kind::Barcode => "a barcode",
        Kind::Date => "a date",
        Kind::Bool => "yes or no",
        Kind::Money => "an amount",
        Kind::Discount => "a fraction",
        Kind::Status => "an order status",
    }
}

/// Why a JSON value cannot go into a column of `kind`, if it cannot: an object or an array
/// never (it would be stored as its text), true/false only where the column is yes/no, and
/// no negative zero (`-0`, which would become 0).
pub fn type_problem(v: &Value, kind: Kind) -> Option<String> {
    let what = match v {
        Value::Null | Value::String(_) => return None,
        Value::Number(n) => {
            let negative_zero = !n.is_i64()
                && !n.is_u64()
                && n.as_f64().is_some_and(|f| f == 0.0 && f.is_sign_negative());
            if !negative_zero {
                return None;
            }
            return Some(format!(
                "is -0, a negative zero; the column holds {}",
                holds(kind)
            ));
        }
        Value::Bool(_) if kind == Kind::Bool => return None,
        Value::Bool(_) => "a JSON true/false",
        Value::Object(_) => "a JSON object",
        Value::Array(_) => "a JSON array",
    };
    Some(format!("is {what}; the column holds {}", holds(kind)))
}

/// A JSON value as the text a CSV cell would hold.
pub fn json_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => if *b { "1" } else { "0" }.into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn json_types_a_column_cannot_hold_are_named() {
        let text = Kind::Text(50);
        assert_eq!(type_problem(&json!("x"), text), None);
        assert_eq!(type_problem(&json!(14127), text), None);
        assert_eq!(type_problem(&json!(null), Kind::Int), None);
        assert_eq!(type_problem(&json!(true), Kind::Bool), None);
        assert_eq!(type_problem(&json!(0), Kind::Int), None);
        assert_eq!(
            type_problem(&json!({"x": 1}), text).as_deref(),
            Some("is a JSON object; the column holds text")
        );
        assert_eq!(
            type_problem(&json!([1]), Kind::Money).as_deref(),
            Some("is a JSON array; the column holds an amount")
        );
        assert_eq!(
            type_problem(&json!(true), text).as_deref(),
            Some("is a JSON true/false; the column holds text")
        );
        let minus_zero: Value = serde_json::from_str("-0").unwrap();
        assert_eq!(
            type_problem(&minus_zero, Kind::Int).as_deref(),
            Some("is -0, a negative zero; the column holds a whole number")
        );
    }

    #[test]
    fn a_cursor_skips_numbers_without_losing_what_follows() {
        let mut c = JsonCursor::new(&b" 12.5e3 , \"x\" ]"[..], 1 << 20);
        c.skip_value().ok().unwrap();
        assert_eq!(c.peek().ok().unwrap(), Some(b','));
        c.consume(1);
        assert_eq!(c.value::<String>().ok().unwrap(), "x");
        assert_eq!(c.peek().ok().unwrap(), Some(b']'));
    }
}
