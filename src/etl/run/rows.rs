//! Records to rows: one record's cells parsed by their column's kind and its names resolved
//! to keys, with a reason for each bad cell; and the keys already given earlier in the run,
//! so that a repeated key is a bad row rather than a row written and counted twice.

use std::collections::HashMap;

use crate::db::AnyConnection;
use crate::etl::mapping::{From, Mapping};
use crate::etl::report::RowError;
use crate::etl::resolve::Resolver;
use crate::etl::source::Record;
use crate::tables::cell::{self as value, Cell, DateFormat};
use crate::tables::spec::Resolve;

/// Why a name was not resolved when converting without the database (never shown: a file
/// with names to resolve is converted on the writer's thread, with the database at hand).
const NO_LOOKUPS: &str = "cannot be looked up here";

/// A parsed cell checked against the store's bounds (prices, units, keys, model years: see
/// `crate::bounds`; discounts are bounded by their kind), a time zone against the IANA names.
fn within_bounds(table: &str, column: &str, c: Cell) -> std::result::Result<Cell, String> {
    use chrono::Datelike;
    if column == "time_zone"
        && let Cell::Text(Some(t)) = &c
    {
        crate::store::zones::parse(t)?;
    }
    let v = match &c {
        Cell::Int(Some(v)) if !column.starts_with("discount") => i64::from(*v),
        Cell::BigInt(Some(v)) => *v,
        _ => return Ok(c),
    };
    crate::bounds::check(table, column, v, chrono::Utc::now().year())?;
    Ok(c)
}

/// Converts one record; on failure, the reasons (one per bad cell). Names are resolved to
/// keys through `names`.
pub(super) fn convert(
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
            From::Field(_) => match value::parse(raw, col.kind, dates)
                .and_then(|c| within_bounds(m.table.name, col.name, c))
            {
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

/// Keys already loaded in this run, per table, with the line that gave them: a key repeated
/// in the input would be written twice and counted twice, so the later row is refused.
#[derive(Default)]
pub(super) struct SeenKeys {
    ints: HashMap<u64, u64>,
    texts: HashMap<String, u64>,
}

impl SeenKeys {
    /// The line that already gave this row's key, or records it.
    pub(super) fn first_line(
        &mut self,
        cells: &[Cell],
        key_idx: &[usize],
        line: u64,
    ) -> Option<u64> {
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
pub(super) fn key_text(m: &Mapping, cols: &[&str], cells: &[Cell]) -> (String, String) {
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
