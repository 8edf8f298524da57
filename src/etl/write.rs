//! Batched upserts with exact counts. Per batch: one query counts which keys exist, one
//! multi-row upsert writes (SQLite `ON CONFLICT … DO UPDATE … WHERE changed` with bound
//! values; MySQL `ON DUPLICATE KEY UPDATE` as escaped literals, measured ~20–30 % faster
//! than binding 30,000 values), and the affected-row count splits updated from unchanged.

use std::collections::HashSet;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Nullable, Text};

use super::value::Cell;
use crate::db::AnyConnection;

/// Rows per statement for a table of `columns` columns: large batches are much faster, and
/// SQLite allows at most 32,766 bound values per statement (MySQL 65,535).
pub fn batch_rows(columns: usize) -> usize {
    (30_000 / columns.max(1)).clamp(1, 5_000)
}

/// Rows written by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
}

impl std::ops::AddAssign for Counts {
    fn add_assign(&mut self, o: Counts) {
        self.inserted += o.inserted;
        self.updated += o.updated;
        self.unchanged += o.unchanged;
    }
}

/// A key's value, for matching existing rows.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum KeyValue {
    Int(i32, Option<i32>),
    Text(String),
}

fn key_of(row: &[Cell], key_idx: &[usize]) -> Option<KeyValue> {
    match (&row[key_idx[0]], key_idx.get(1).map(|i| &row[*i])) {
        (Cell::Int(Some(a)), None) => Some(KeyValue::Int(*a, None)),
        (Cell::Int(Some(a)), Some(Cell::Int(Some(b)))) => Some(KeyValue::Int(*a, Some(*b))),
        (Cell::Text(Some(t)), None) => Some(KeyValue::Text(t.clone())),
        _ => None,
    }
}

#[derive(QueryableByName)]
struct KeyRow {
    #[diesel(sql_type = Nullable<Integer>)]
    a: Option<i32>,
    #[diesel(sql_type = Nullable<Integer>)]
    b: Option<i32>,
    #[diesel(sql_type = Nullable<Text>)]
    t: Option<String>,
}

use crate::bind_cells;
use crate::db::dynamic::execute;

fn load_keys(conn: &mut AnyConnection, sql: &str, cells: &[&Cell]) -> QueryResult<Vec<KeyRow>> {
    match conn {
        AnyConnection::Mysql(c) => {
            let mut q = diesel::sql_query(sql).into_boxed::<diesel::mysql::Mysql>();
            bind_cells!(q, cells.iter().copied());
            q.load(c)
        }
        AnyConnection::Sqlite(c) => {
            let mut q = diesel::sql_query(sql).into_boxed::<diesel::sqlite::Sqlite>();
            bind_cells!(q, cells.iter().copied());
            q.load(c)
        }
    }
}

fn placeholders(n: usize) -> String {
    let mut s = String::with_capacity(n * 2);
    for i in 0..n {
        if i > 0 {
            s.push(',');
        }
        s.push('?');
    }
    s
}

/// How many of the batch's keys already exist.
fn count_existing<R: AsRef<[Cell]>>(
    conn: &mut AnyConnection,
    table: &str,
    key: &[&str],
    key_idx: &[usize],
    rows: &[R],
) -> QueryResult<usize> {
    let rows: Vec<&[Cell]> = rows.iter().map(|r| r.as_ref()).collect();
    let wanted: HashSet<KeyValue> = rows.iter().filter_map(|r| key_of(r, key_idx)).collect();
    let firsts: Vec<&Cell> = {
        let mut seen: HashSet<&Cell> = HashSet::with_capacity(rows.len());
        rows.iter()
            .map(|r| &r[key_idx[0]])
            .filter(|c| seen.insert(*c))
            .collect()
    };
    let is_text = matches!(rows[0][key_idx[0]], Cell::Text(_));
    let select = match (is_text, key.get(1)) {
        (true, _) => format!("SELECT NULL AS a, NULL AS b, {} AS t", key[0]),
        (false, Some(k2)) => format!("SELECT {} AS a, {k2} AS b, NULL AS t", key[0]),
        (false, None) => format!("SELECT {} AS a, NULL AS b, NULL AS t", key[0]),
    };
    let sql = format!(
        "{select} FROM {table} WHERE {} IN ({})",
        key[0],
        placeholders(firsts.len())
    );
    let found = load_keys(conn, &sql, &firsts)?;
    Ok(found
        .into_iter()
        .filter_map(|k| match (k.a, k.t) {
            (Some(a), _) => Some(KeyValue::Int(a, k.b)),
            (None, Some(t)) => Some(KeyValue::Text(t)),
            _ => None,
        })
        .filter(|k| wanted.contains(k))
        .count())
}

/// Upserts `rows` (cells in `columns` order) matched on `key`; returns what happened.
pub fn upsert<R: AsRef<[Cell]>>(
    conn: &mut AnyConnection,
    table: &str,
    columns: &[&str],
    key: &[&str],
    rows: &[R],
) -> QueryResult<Counts> {
    if rows.is_empty() {
        return Ok(Counts::default());
    }
    let key_idx: Vec<usize> = key
        .iter()
        .filter_map(|k| columns.iter().position(|c| c == k))
        .collect();
    let existing = count_existing(conn, table, key, &key_idx, rows)? as u64;
    let n = rows.len() as u64;
    let value_rows = std::iter::repeat_n(format!("({})", placeholders(columns.len())), rows.len())
        .collect::<Vec<_>>()
        .join(",");
    let others: Vec<&str> = columns
        .iter()
        .copied()
        .filter(|c| !key.contains(c))
        .collect();
    let cols = columns.join(", ");
    let sql = match conn {
        AnyConnection::Sqlite(_) => {
            let conflict = if others.is_empty() {
                "DO NOTHING".to_string()
            } else {
                format!(
                    "DO UPDATE SET {} WHERE {}",
                    others
                        .iter()
                        .map(|c| format!("{c} = excluded.{c}"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    others
                        .iter()
                        .map(|c| format!("{table}.{c} IS NOT excluded.{c}"))
                        .collect::<Vec<_>>()
                        .join(" OR ")
                )
            };
            format!(
                "INSERT INTO {table} ({cols}) VALUES {value_rows} ON CONFLICT ({}) {conflict}",
                key.join(", ")
            )
        }
        AnyConnection::Mysql(_) => {
            let set = if others.is_empty() {
                format!("{k} = {k}", k = key[0])
            } else {
                others
                    .iter()
                    .map(|c| format!("{c} = VALUES({c})"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            format!(
                "INSERT INTO {table} ({cols}) VALUES {value_rows} ON DUPLICATE KEY UPDATE {set}"
            )
        }
    };
    let affected = match conn {
        // MySQL: one text-protocol statement with escaped literals is several times faster
        // than binding tens of thousands of parameters; ROW_COUNT() gives the affected rows.
        AnyConnection::Mysql(_) => {
            let sql = mysql_literal_sql(&sql, rows);
            conn.batch_execute(&sql)?;
            #[derive(QueryableByName)]
            struct RowCount {
                #[diesel(sql_type = BigInt)]
                n: i64,
            }
            diesel::sql_query("SELECT ROW_COUNT() AS n")
                .get_result::<RowCount>(conn)?
                .n
                .max(0) as u64
        }
        AnyConnection::Sqlite(_) => {
            let cells: Vec<&Cell> = rows.iter().flat_map(|r| r.as_ref().iter()).collect();
            execute(conn, &sql, &cells)? as u64
        }
    };
    let inserted = n.saturating_sub(existing);
    let updated = match conn {
        // SQLite counts inserted rows and rows whose update ran (they differed).
        AnyConnection::Sqlite(_) => affected.saturating_sub(inserted),
        // MySQL with CLIENT_FOUND_ROWS: 1 per insert, 2 per change, 1 per unchanged row.
        AnyConnection::Mysql(_) => affected.saturating_sub(n),
    };
    Ok(Counts {
        inserted,
        updated,
        unchanged: existing.saturating_sub(updated),
    })
}

/// Appends `c` as a MySQL literal. Strings are escaped as `mysql_real_escape_string` does
/// for utf8mb4 (the connection's character set): NUL, newline, CR, backslash, quotes and
/// Ctrl-Z; a UTF-8 multibyte sequence never contains those bytes.
pub fn push_mysql_literal(out: &mut String, c: &Cell) {
    use std::fmt::Write;
    match c {
        Cell::Int(Some(v)) => write!(out, "{v}").unwrap_or(()),
        Cell::BigInt(Some(v)) => write!(out, "{v}").unwrap_or(()),
        Cell::SmallInt(Some(v)) => write!(out, "{v}").unwrap_or(()),
        Cell::Bool(Some(v)) => out.push(if *v { '1' } else { '0' }),
        Cell::Date(Some(d)) => write!(out, "'{}'", d.format("%Y-%m-%d")).unwrap_or(()),
        Cell::Text(Some(t)) => {
            out.push('\'');
            for ch in t.chars() {
                match ch {
                    '\0' => out.push_str("\\0"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    '\\' => out.push_str("\\\\"),
                    '\'' => out.push_str("\\'"),
                    '"' => out.push_str("\\\""),
                    '\x1a' => out.push_str("\\Z"),
                    other => out.push(other),
                }
            }
            out.push('\'');
        }
        _ => out.push_str("NULL"),
    }
}

/// Replaces the `(?,…),…` value rows of a prepared upsert with literals.
fn mysql_literal_sql<R: AsRef<[Cell]>>(sql: &str, rows: &[R]) -> String {
    let (head, tail) = sql
        .split_once(" VALUES ")
        .expect("an INSERT … VALUES statement");
    let tail = &tail[tail.find(" ON ").unwrap_or(tail.len())..];
    let mut out = String::with_capacity(sql.len() + rows.len() * 64);
    out.push_str(head);
    out.push_str(" VALUES ");
    for (i, r) in rows.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('(');
        for (j, c) in r.as_ref().iter().enumerate() {
            if j > 0 {
                out.push(',');
            }
            push_mysql_literal(&mut out, c);
        }
        out.push(')');
    }
    out.push_str(tail);
    out
}

/// Whether the parent row a foreign key points at exists.
pub fn parent_exists(
    conn: &mut AnyConnection,
    parent: &str,
    parent_key: &str,
    value: &Cell,
) -> QueryResult<bool> {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let sql = format!("SELECT COUNT(*) AS n FROM {parent} WHERE {parent_key} = ?");
    let rows: Vec<N> = match conn {
        AnyConnection::Mysql(c) => {
            let mut q = diesel::sql_query(sql).into_boxed::<diesel::mysql::Mysql>();
            bind_cells!(q, [value]);
            q.load(c)?
        }
        AnyConnection::Sqlite(c) => {
            let mut q = diesel::sql_query(sql).into_boxed::<diesel::sqlite::Sqlite>();
            bind_cells!(q, [value]);
            q.load(c)?
        }
    };
    Ok(rows.first().is_some_and(|r| r.n > 0))
}

/// Sets `staffs.manager_id` for the staff member with `email`; returns whether it changed.
pub fn set_manager(conn: &mut AnyConnection, email: &str, manager: i32) -> QueryResult<bool> {
    use crate::db::schema::staffs;
    let n = diesel::update(staffs::table)
        .filter(staffs::email.eq(email))
        .filter(
            staffs::manager_id
                .is_null()
                .or(staffs::manager_id.ne(manager)),
        )
        .set(staffs::manager_id.eq(Some(manager)))
        .execute(conn)?;
    Ok(n > 0)
}

/// The id of the staff member with `email`.
pub fn staff_id_by_email(conn: &mut AnyConnection, email: &str) -> QueryResult<Option<i32>> {
    use crate::db::schema::staffs;
    staffs::table
        .filter(staffs::email.eq(email))
        .select(staffs::staff_id)
        .first(conn)
        .optional()
}
