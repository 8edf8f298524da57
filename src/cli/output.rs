//! How listing commands print: an aligned table for people, CSV and JSON for programs. Cells
//! are typed, so the machine forms carry values, not display text: numbers are numbers,
//! nothing is `null` in JSON and empty in CSV, money is a decimal string (`"1799.99"`, as
//! `export` writes it), a discount a fraction (`"0.07"`), a day `YYYY-MM-DD`, a time RFC 3339
//! in UTC, yes/no `true`/`false`; JSON objects keep the columns' order.

use chrono::NaiveDate;
use clap::ValueEnum;
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
}

/// One typed value of a listing.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Int(i64),
    /// A change of a count: `+3` in a table, `3` elsewhere.
    Delta(i64),
    Text(String),
    /// Integer cents: `1,799.99` in a table, `"1799.99"` in CSV and JSON.
    Money(i64),
    /// Basis points: `7.5 %` in a table, `"0.075"` in CSV and JSON.
    Discount(i64),
    Bool(bool),
    Date(NaiveDate),
    /// Unix seconds, UTC: `2026-01-02 10:00:00 UTC` in a table, `2026-01-02T10:00:00Z`.
    Time(i64),
    /// A fraction or a measure: printed with up to four decimals.
    Number(f64),
}

impl Cell {
    /// Text, or null when missing.
    pub fn text_or_null(v: Option<&str>) -> Cell {
        v.map_or(Cell::Null, |s| Cell::Text(s.to_string()))
    }

    /// A number, or null when missing.
    pub fn int_or_null(v: Option<impl Into<i64>>) -> Cell {
        v.map_or(Cell::Null, |n| Cell::Int(n.into()))
    }

    /// As people read it in a table.
    pub fn display(&self) -> String {
        match self {
            Cell::Null => "—".into(),
            Cell::Int(n) => n.to_string(),
            Cell::Delta(n) => format!("{n:+}"),
            Cell::Text(s) => s.clone(),
            Cell::Money(c) => crate::money::format_cents(*c),
            Cell::Discount(bp) => format!("{} %", percent(*bp)),
            Cell::Bool(b) => if *b { "yes" } else { "no" }.into(),
            Cell::Date(d) => d.format("%Y-%m-%d").to_string(),
            Cell::Time(t) => crate::auth::clock::format_utc(*t),
            Cell::Number(x) => number(*x),
        }
    }

    /// As a CSV field: plain values, empty for nothing.
    pub fn plain(&self) -> String {
        match self {
            Cell::Null => String::new(),
            Cell::Int(n) | Cell::Delta(n) => n.to_string(),
            Cell::Text(s) => s.clone(),
            Cell::Money(c) => crate::money::plain_cents(*c),
            Cell::Discount(bp) => {
                crate::money::plain_discount(i32::try_from(*bp).unwrap_or(i32::MAX))
            }
            Cell::Bool(b) => b.to_string(),
            Cell::Date(d) => d.format("%Y-%m-%d").to_string(),
            Cell::Time(t) => rfc3339(*t),
            Cell::Number(x) => number(*x),
        }
    }

    /// As a JSON value.
    pub fn json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Cell::Null => J::Null,
            Cell::Int(n) | Cell::Delta(n) => J::from(*n),
            Cell::Bool(b) => J::Bool(*b),
            Cell::Number(x) => serde_json::Number::from_f64((x * 10_000.0).round() / 10_000.0)
                .map_or(J::Null, J::Number),
            other => J::String(other.plain()),
        }
    }
}

/// `7.5` for 750 basis points.
fn percent(bp: i64) -> String {
    let s = format!("{}.{:02}", bp / 100, (bp % 100).abs());
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn number(x: f64) -> String {
    let s = format!("{x:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() || s == "-" {
        "0".into()
    } else {
        s.to_string()
    }
}

/// `2026-01-02T10:00:00Z`.
pub fn rfc3339(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|| t.to_string())
}

impl From<&crate::store::data::Value> for Cell {
    fn from(v: &crate::store::data::Value) -> Cell {
        use crate::store::data::Value as V;
        match v {
            V::Null => Cell::Null,
            V::Int(n) => Cell::Int(*n),
            V::Text(s) => Cell::Text(s.clone()),
            V::Money(c) => Cell::Money(*c),
            V::Discount(bp) => Cell::Discount(*bp),
            V::Date(d) => Cell::Date(*d),
            V::Status(_) => Cell::Text(v.display()),
            V::Bool(b) => Cell::Bool(*b),
        }
    }
}

/// One row as a JSON object, its keys in the columns' order.
struct Object<'a>(&'a [&'a str], &'a [Cell]);

impl Serialize for Object<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0.iter().zip(self.1) {
            m.serialize_entry(k, &v.json())?;
        }
        m.end()
    }
}

struct Objects<'a>(&'a [&'a str], &'a [Vec<Cell>]);

impl Serialize for Objects<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.1.len()))?;
        for row in self.1 {
            seq.serialize_element(&Object(self.0, row))?;
        }
        seq.end()
    }
}

/// The rows as a JSON array of objects, keys in the columns' order.
pub fn json_rows(header: &[&str], rows: &[Vec<Cell>]) -> serde_json::Value {
    serde_json::to_value(Objects(header, rows)).unwrap_or(serde_json::Value::Null)
}

/// One row as a JSON object, keys in the columns' order.
pub fn json_object(header: &[&str], row: &[Cell]) -> serde_json::Value {
    serde_json::to_value(Object(header, row)).unwrap_or(serde_json::Value::Null)
}

/// Prints a JSON value, pretty, with its keys in the order they were built.
pub fn print_json(v: &impl Serialize) {
    crate::outln!("{}", serde_json::to_string_pretty(v).unwrap_or_default());
}

/// Prints rows of typed cells under a header in the chosen format. Cells hold text from
/// outside (names, audit details): in table and CSV output their control characters are
/// escaped, so printing them cannot drive the terminal; JSON escapes them itself. Every line
/// ends with a newline, and standard output is flushed before the caller writes a footer to
/// standard error.
pub fn print_rows(format: Format, header: &[&str], rows: &[Vec<Cell>]) {
    let esc = |s: String| crate::text::escape(&s).into_owned();
    match format {
        Format::Table => {
            let shown: Vec<Vec<String>> = rows
                .iter()
                .map(|r| r.iter().map(|c| esc(c.display())).collect())
                .collect();
            let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
            for row in &shown {
                for (w, cell) in widths.iter_mut().zip(row) {
                    *w = (*w).max(cell.chars().count());
                }
            }
            let line = |cells: Vec<&str>| {
                cells
                    .iter()
                    .zip(&widths)
                    .map(|(c, w)| format!("{c:<w$}"))
                    .collect::<Vec<_>>()
                    .join("  ")
                    .trim_end()
                    .to_string()
            };
            crate::outln!("{}", line(header.to_vec()));
            for row in &shown {
                crate::outln!("{}", line(row.iter().map(String::as_str).collect()));
            }
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            let _ = w.write_record(header);
            for row in rows {
                let _ = w.write_record(row.iter().map(|c| esc(c.plain())));
            }
            let bytes = w.into_inner().unwrap_or_default();
            let text = String::from_utf8_lossy(&bytes);
            for l in text.lines() {
                crate::outln!("{l}");
            }
        }
        Format::Json => print_json(&Objects(header, rows)),
    }
    use std::io::Write;
    let _ = std::io::stdout().flush();
}

/// A line of a command's output. A reader that went away (`| head -1`) ends the command
/// quietly with success, as Unix tools do, never with a panic.
pub fn write_line(args: std::fmt::Arguments) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_fmt(args).and_then(|_| out.write_all(b"\n")) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        tracing::warn!(error = %e, "could not write the output");
    }
}

/// `println!` for command output (see [`write_line`]).
#[macro_export]
macro_rules! outln {
    () => {
        $crate::cli::output::write_line(format_args!(""))
    };
    ($($arg:tt)*) => {
        $crate::cli::output::write_line(format_args!($($arg)*))
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_typed_for_programs_and_worded_for_people() {
        let d = NaiveDate::from_ymd_opt(2018, 4, 1).unwrap();
        let row = [
            Cell::Int(1),
            Cell::Null,
            Cell::Money(179_999),
            Cell::Discount(750),
            Cell::Bool(true),
            Cell::Date(d),
            Cell::Time(0),
            Cell::Delta(3),
        ];
        let shown: Vec<String> = row.iter().map(Cell::display).collect();
        assert_eq!(
            shown,
            [
                "1",
                "—",
                "1,799.99",
                "7.5 %",
                "yes",
                "2018-04-01",
                "1970-01-01 00:00:00 UTC",
                "+3"
            ]
        );
        let plain: Vec<String> = row.iter().map(Cell::plain).collect();
        assert_eq!(
            plain,
            [
                "1",
                "",
                "1799.99",
                "0.075",
                "true",
                "2018-04-01",
                "1970-01-01T00:00:00Z",
                "3"
            ]
        );
        let j = json_object(&["a", "b", "c", "d", "e", "f", "g", "h"], &row);
        assert_eq!(
            serde_json::to_string(&j).unwrap(),
            r#"{"a":1,"b":null,"c":"1799.99","d":"0.075","e":true,"f":"2018-04-01","g":"1970-01-01T00:00:00Z","h":3}"#
        );
        assert_eq!(Cell::Number(0.123456).json(), serde_json::json!(0.1235));
    }
}
