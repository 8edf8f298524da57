//! Batched upserts with exact counts. Per batch: one query counts which keys exist, one
//! multi-row upsert writes (SQLite `ON CONFLICT … DO UPDATE … WHERE changed` with bound
//! values; MySQL `ON DUPLICATE KEY UPDATE` as escaped literals, measured ~20–30 % faster
//! than binding 30,000 values). SQLite's affected-row count splits updated from unchanged;
//! on MySQL the stored rows of the batch's keys are read (locked) and compared first, as its
//! count cannot tell a changed row from an unchanged one under `CLIENT_FOUND_ROWS`, and only
//! new and changed rows are written.

use std::collections::HashSet;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Nullable, Text};

use crate::db::{AnyConnection, dialect};
use crate::tables::cell::Cell;

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

fn load_keys(conn: &mut AnyConnection, sql: &str, cells: &[&Cell]) -> QueryResult<Vec<KeyRow>> {
    crate::db::dynamic::load_by_name(conn, sql, cells)
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

/// Whether a stored value (as `JSON_ARRAY` gives it) equals a cell about to be written.
fn same(stored: &serde_json::Value, c: &Cell) -> bool {
    use serde_json::Value as J;
    let int = |v: Option<i64>| match (stored, v) {
        (J::Null, None) => true,
        (J::Number(n), Some(v)) => n.as_i64() == Some(v),
        (J::Bool(b), Some(v)) => i64::from(*b) == v,
        _ => false,
    };
    match c {
        Cell::Int(v) => int(v.map(i64::from)),
        Cell::SmallInt(v) => int(v.map(i64::from)),
        Cell::BigInt(v) => int(*v),
        Cell::Bool(v) => int(v.map(i64::from)),
        Cell::Text(v) => match (stored, v) {
            (J::Null, None) => true,
            (J::String(s), Some(v)) => s == v,
            _ => false,
        },
        Cell::Date(v) => match (stored, v) {
            (J::Null, None) => true,
            (J::String(s), Some(d)) => s.get(..10) == Some(d.to_string().as_str()),
            _ => false,
        },
    }
}

/// What the stored rows say about a batch (MySQL): how many of its keys exist, how many of
/// those rows differ from what is about to be written, and which rows need writing at all
/// (new or changed).
struct Compared {
    existing: u64,
    changed: u64,
    write: Vec<bool>,
}

/// MySQL: reads the stored rows of the batch's keys, locked until the run ends (so a row found
/// unchanged stays so and need not be written), and compares them with the batch.
fn compare_stored<R: AsRef<[Cell]>>(
    conn: &mut AnyConnection,
    table: &str,
    columns: &[&str],
    key: &[&str],
    key_idx: &[usize],
    rows: &[R],
) -> QueryResult<Compared> {
    let rows: Vec<&[Cell]> = rows.iter().map(|r| r.as_ref()).collect();
    let firsts: Vec<&Cell> = {
        let mut seen: HashSet<&Cell> = HashSet::with_capacity(rows.len());
        rows.iter()
            .map(|r| &r[key_idx[0]])
            .filter(|c| seen.insert(*c))
            .collect()
    };
    let sql = format!(
        "SELECT JSON_ARRAY({}) AS r FROM {table} WHERE {} IN ({}) FOR UPDATE",
        columns.join(", "),
        key[0],
        placeholders(firsts.len())
    );
    let stored: std::collections::HashMap<KeyValue, Vec<serde_json::Value>> =
        crate::db::dynamic::load_json(conn, &sql, &firsts)?
            .into_iter()
            .filter_map(|j| {
                let k = match key_idx {
                    [a] => match &j[*a] {
                        serde_json::Value::String(t) => KeyValue::Text(t.clone()),
                        v => KeyValue::Int(v.as_i64()? as i32, None),
                    },
                    [a, b, ..] => {
                        KeyValue::Int(j[*a].as_i64()? as i32, Some(j[*b].as_i64()? as i32))
                    }
                    [] => return None,
                };
                Some((k, j))
            })
            .collect();
    let (mut existing, mut changed) = (0, 0);
    let mut write = Vec::with_capacity(rows.len());
    for r in &rows {
        match key_of(r, key_idx).and_then(|k| stored.get(&k)) {
            Some(old) => {
                existing += 1;
                let differs =
                    old.len() != r.len() || old.iter().zip(r.iter()).any(|(o, c)| !same(o, c));
                changed += u64::from(differs);
                write.push(differs);
            }
            None => write.push(true),
        }
    }
    Ok(Compared {
        existing,
        changed,
        write,
    })
}

/// The unique columns besides each table's key (see the migrations).
const UNIQUE_COLUMNS: &[(&str, &[&str])] = &[
    ("products", &["barcode"]),
    ("brands", &["brand_name"]),
    ("categories", &["category_name"]),
    ("stores", &["store_name"]),
    ("staffs", &["email"]),
];

/// MySQL: refuses a batch giving a unique value of another column (a product's barcode, a
/// brand's name, a member of staff's e-mail) that
/// another row holds, in the store or in the batch. `ON DUPLICATE KEY UPDATE` would otherwise
/// take such a row for an update of the row holding the value, and overwrite it; refused, the
/// batch is written row by row and the row named by its line, as on SQLite.
fn refuse_taken_values(
    conn: &mut AnyConnection,
    table: &str,
    columns: &[&str],
    key: &[&str],
    key_idx: &[usize],
    rows: &[&[Cell]],
) -> QueryResult<()> {
    let Some((_, unique)) = UNIQUE_COLUMNS.iter().find(|(t, _)| *t == table) else {
        return Ok(());
    };
    // Rows matched on the unique column itself (a file without ids) cannot meet another's.
    if unique.contains(&key[0]) {
        return Ok(());
    }
    // Staff e-mails are one person's whatever their case (the column compares so on MySQL).
    let fold = |col: &str, v: &str| {
        if col == "email" {
            v.to_lowercase()
        } else {
            v.to_string()
        }
    };
    let taken = |what: String| {
        diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            Box::new(what),
        )
    };
    for col in unique.iter() {
        let Some(at) = columns.iter().position(|c| c == col) else {
            continue;
        };
        let mut given: std::collections::HashMap<String, Option<KeyValue>> = Default::default();
        for r in rows {
            if let Cell::Text(Some(v)) = &r[at]
                && given.insert(fold(col, v), key_of(r, key_idx)).is_some()
            {
                return Err(taken(format!("{col} `{v}` is given to two rows")));
            }
        }
        if given.is_empty() {
            continue;
        }
        let values: Vec<Cell> = given
            .keys()
            .map(|v| Cell::Text(Some(v.to_string())))
            .collect();
        let refs: Vec<&Cell> = values.iter().collect();
        let sql = format!(
            "SELECT JSON_ARRAY({}, {col}) AS r FROM {table} WHERE {col} IN ({})",
            key[0],
            placeholders(values.len())
        );
        for j in crate::db::dynamic::load_json(conn, &sql, &refs)? {
            let (Some(holder), Some(v)) = (j[0].as_i64(), j[1].as_str()) else {
                continue;
            };
            if given
                .get(&fold(col, v))
                .is_some_and(|k| *k != Some(KeyValue::Int(holder as i32, None)))
            {
                return Err(taken(format!(
                    "{col} `{v}` already belongs to {} {holder}",
                    key[0]
                )));
            }
        }
    }
    Ok(())
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
    // MySQL/MariaDB report a changed row like an unchanged one under CLIENT_FOUND_ROWS (which
    // the driver sets), so there the stored rows are read and compared before the write.
    // There the rows found unchanged are not written at all (a re-import of the same file
    // reads and compares, and writes nothing).
    let compared = match conn {
        AnyConnection::Mysql(_) => Some(compare_stored(conn, table, columns, key, &key_idx, rows)?),
        AnyConnection::Sqlite(_) => None,
    };
    let existing = match &compared {
        Some(c) => c.existing,
        None => count_existing(conn, table, key, &key_idx, rows)? as u64,
    };
    let n = rows.len() as u64;
    let inserted = n.saturating_sub(existing);
    let rows: Vec<&[Cell]> = match &compared {
        Some(c) => rows
            .iter()
            .zip(&c.write)
            .filter(|(_, w)| **w)
            .map(|(r, _)| r.as_ref())
            .collect(),
        None => rows.iter().map(|r| r.as_ref()).collect(),
    };
    if rows.is_empty() {
        return Ok(Counts {
            inserted,
            updated: 0,
            unchanged: existing,
        });
    }
    if matches!(conn, AnyConnection::Mysql(_)) {
        refuse_taken_values(conn, table, columns, key, &key_idx, &rows)?;
    }
    let value_rows = std::iter::repeat_n(format!("({})", placeholders(columns.len())), rows.len())
        .collect::<Vec<_>>()
        .join(",");
    let others: Vec<&str> = columns
        .iter()
        .copied()
        .filter(|c| !key.contains(c))
        .collect();
    let cols = columns.join(", ");
    let sql = dialect::upsert_sql(conn, table, &cols, &value_rows, key, &others);
    let affected = dialect::run_upsert(conn, &sql, &rows)?;
    let updated = match &compared {
        Some(c) => c.changed,
        None => dialect::upsert_updated(conn, affected, inserted, n),
    };
    Ok(Counts {
        inserted,
        updated,
        unchanged: existing.saturating_sub(updated),
    })
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
    let rows: Vec<N> = crate::db::dynamic::load_by_name(conn, &sql, &[value])?;
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
