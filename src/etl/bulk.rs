//! MySQL/MariaDB's fast way to load a table that starts empty: the checked rows stream as
//! tab-separated text through a private FIFO into one `LOAD DATA LOCAL INFILE`, inside the
//! import's transaction (a rollback or a killed client undoes it like any other write).
//!
//! With `LOCAL` the server turns a duplicate key, a missing parent or a failed CHECK into a
//! warning and skips the row, so this way is taken only where no row can meet one: the
//! table is empty when its turn comes (every key is new), it has no unique index but its
//! primary key on the columns written (a products file without barcodes), keys repeated in
//! the file are refused by the reader as everywhere, and each foreign key is checked here
//! against its parent's keys (a bad row is named with its line, as the batch way names it).
//! Any warning the load still gives ends the run: everything is rolled back. Elsewhere (a
//! table with rows, a server with `local_infile` off, a table with other unique keys written)
//! the batch way is used. On a Galera node the load is one write set like
//! any transaction (measured: a million order lines through a 3-node cluster on loopback).

use std::collections::HashSet;
use std::fs::File;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use diesel::sql_types::Integer;

use super::mapping::Mapping;
use crate::db::dynamic::{self, Cell};
use crate::db::{AnyConnection, dialect};
use crate::error::{Error, Result};

/// Tables whose only unique index is their primary key (see the migrations; a test compares
/// this list with the MySQL schema).
pub const ONLY_KEY_UNIQUE: &[&str] = &["customers", "stocks", "orders", "order_items"];

/// Tables whose other unique indexes are on these nullable columns only: rows that do not
/// write them leave them empty (never a duplicate), so such a file streams like the above.
pub const UNIQUE_ONLY_IN: &[(&str, &[&str])] = &[("products", &["barcode"])];

/// Whether rows writing `cols` can meet no unique index of `table` but its primary key.
fn only_key_unique(table: &str, cols: &[&str]) -> bool {
    ONLY_KEY_UNIQUE.contains(&table)
        || UNIQUE_ONLY_IN
            .iter()
            .any(|(t, unique)| *t == table && !unique.iter().any(|u| cols.contains(u)))
}

/// Whether the rows of `m` may go through `LOAD DATA` on this connection now.
pub fn usable(conn: &mut AnyConnection, m: &Mapping, cols: &[&str]) -> Result<bool> {
    if !matches!(conn, AnyConnection::Mysql(_))
        || !only_key_unique(m.table.name, cols)
        || m.key != m.table.key
        || m.table
            .foreign_keys
            .iter()
            .any(|fk| fk.parent == m.table.name)
        || cols.is_empty()
    {
        return Ok(false);
    }
    let local_infile = dialect::server_variable(conn, "local_infile")?
        .is_some_and(|v| v.eq_ignore_ascii_case("ON") || v == "1");
    if !local_infile {
        return Ok(false);
    }
    let sql = format!(
        "SELECT COUNT(*) AS n FROM (SELECT 1 FROM {} LIMIT 1) x",
        m.table.name
    );
    Ok(dynamic::load_count(conn, &sql, &[])? == 0)
}

/// The keys of each parent a table's rows point at, read once before its rows stream.
pub struct Parents {
    /// (the column's position among the written columns, its name, the parent, its keys)
    checks: Vec<(usize, &'static str, &'static str, HashSet<i32>)>,
}

impl Parents {
    pub fn load(conn: &mut AnyConnection, m: &Mapping, cols: &[&str]) -> Result<Parents> {
        #[derive(diesel::QueryableByName)]
        struct K {
            #[diesel(sql_type = Integer)]
            k: i32,
        }
        let mut checks = Vec::new();
        for fk in m.table.foreign_keys {
            let Some(i) = cols.iter().position(|c| *c == fk.column) else {
                continue;
            };
            let sql = format!("SELECT {} AS k FROM {}", fk.parent_key, fk.parent);
            let keys: HashSet<i32> = dynamic::load_by_name::<K>(conn, &sql, &[])?
                .into_iter()
                .map(|r| r.k)
                .collect();
            checks.push((i, fk.column, fk.parent, keys));
        }
        Ok(Parents { checks })
    }

    /// The first foreign key of `row` whose parent row does not exist: (column, value,
    /// reason), worded as the batch way words it.
    pub fn missing(&self, row: &[Cell]) -> Option<(String, String, String)> {
        self.checks.iter().find_map(|(i, column, parent, keys)| {
            let v = row[*i].as_int()?;
            (!keys.contains(&v)).then(|| {
                (
                    column.to_string(),
                    v.to_string(),
                    format!("refers to a row of {parent} that does not exist"),
                )
            })
        })
    }
}

/// Appends `row` as one line of `LOAD DATA`'s default format (tab between fields, `\N` for
/// NULL, backslash escapes).
pub fn encode(row: &[Cell], out: &mut Vec<u8>) {
    for (i, c) in row.iter().enumerate() {
        if i > 0 {
            out.push(b'\t');
        }
        match c {
            _ if c.is_null() => out.extend_from_slice(b"\\N"),
            Cell::Int(Some(v)) => {
                let _ = write!(out, "{v}");
            }
            Cell::SmallInt(Some(v)) => {
                let _ = write!(out, "{v}");
            }
            Cell::BigInt(Some(v)) => {
                let _ = write!(out, "{v}");
            }
            Cell::Bool(Some(b)) => out.push(if *b { b'1' } else { b'0' }),
            Cell::Date(Some(d)) => {
                let _ = write!(out, "{}", d.format("%Y-%m-%d"));
            }
            Cell::Text(Some(t)) => {
                for b in t.bytes() {
                    match b {
                        b'\\' => out.extend_from_slice(b"\\\\"),
                        b'\t' => out.extend_from_slice(b"\\t"),
                        b'\n' => out.extend_from_slice(b"\\n"),
                        b'\r' => out.extend_from_slice(b"\\r"),
                        0 => out.extend_from_slice(b"\\0"),
                        b => out.push(b),
                    }
                }
            }
            _ => out.extend_from_slice(b"\\N"),
        }
    }
    out.push(b'\n');
}

/// A FIFO in a new folder private to the user, both removed when it is dropped.
pub struct Fifo {
    dir: PathBuf,
    path: PathBuf,
}

impl Fifo {
    pub fn new() -> Result<Fifo> {
        let dir = std::env::temp_dir().join(format!(
            "stockroom-load-{}-{:016x}",
            std::process::id(),
            rand::random::<u64>()
        ));
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&dir)
            .map_err(|e| Error::file(&dir, e))?;
        let path = dir.join("rows.tsv");
        let fifo = Fifo { dir, path };
        let c = std::ffi::CString::new(fifo.path.as_os_str().as_encoded_bytes())
            .map_err(|e| Error::Invalid(e.to_string()))?;
        // SAFETY: mkfifo reads the NUL-terminated path only.
        if unsafe { libc::mkfifo(c.as_ptr(), 0o600) } != 0 {
            return Err(Error::file(&fifo.path, std::io::Error::last_os_error()));
        }
        Ok(fifo)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Opens the writing end once the client library has opened the reading end; `None`
    /// when `gave_up()` says the load ended without reading (the server refused it).
    pub fn open_writer(&self, gave_up: impl Fn() -> bool) -> Result<Option<File>> {
        let started = Instant::now();
        loop {
            match std::fs::OpenOptions::new()
                .write(true)
                .custom_flags(libc::O_NONBLOCK)
                .open(&self.path)
            {
                Ok(f) => {
                    // Writes wait for the reader from here on.
                    use std::os::fd::AsRawFd;
                    // SAFETY: fcntl on a descriptor this function owns.
                    unsafe {
                        let fd = f.as_raw_fd();
                        let flags = libc::fcntl(fd, libc::F_GETFL);
                        libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK);
                    }
                    return Ok(Some(f));
                }
                Err(e) if e.raw_os_error() == Some(libc::ENXIO) => {
                    if gave_up() {
                        return Ok(None);
                    }
                    let wait = if started.elapsed() < Duration::from_millis(50) {
                        Duration::from_micros(200)
                    } else {
                        Duration::from_millis(5)
                    };
                    std::thread::sleep(wait);
                }
                Err(e) => return Err(Error::file(&self.path, e)),
            }
        }
    }
}

impl Drop for Fifo {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
        let _ = std::fs::remove_dir(&self.dir);
    }
}

/// The `LOAD DATA` statement for `table`'s `cols` read from `path`.
pub fn statement(table: &str, cols: &[&str], path: &Path) -> String {
    // The path is ours (a fresh private folder); quotes and backslashes are escaped anyway.
    let p = path
        .display()
        .to_string()
        .replace('\\', "\\\\")
        .replace('\'', "\\'");
    format!(
        "LOAD DATA LOCAL INFILE '{p}' INTO TABLE {table} CHARACTER SET utf8mb4 \
         FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' ({})",
        cols.join(", ")
    )
}

/// Runs the load and fails when the server skipped or changed anything (a warning).
pub fn run(conn: &mut AnyConnection, sql: &str, table: &str) -> Result<()> {
    use diesel::connection::SimpleConnection;
    // The count is kept in the same round trip: the next statement would clear it.
    conn.batch_execute(&format!(
        "{sql}; SET @stockroom_load_warnings = @@warning_count"
    ))?;
    let warnings = dynamic::load_count(
        conn,
        "SELECT CAST(@stockroom_load_warnings AS SIGNED) AS n",
        &[],
    )?;
    if warnings == 0 {
        return Ok(());
    }
    Err(Error::Database(format!(
        "the server skipped or changed {warnings} row(s) of {table} while loading them; \
         nothing was written (`--no-bulk-load` names the rows)"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_written_in_load_datas_format() {
        let mut out = Vec::new();
        encode(
            &[
                Cell::Int(Some(7)),
                Cell::Text(Some("a\tb\\c\nd\re\0".into())),
                Cell::Text(None),
                Cell::Date(chrono::NaiveDate::from_ymd_opt(2016, 1, 5)),
                Cell::Bool(Some(true)),
                Cell::BigInt(Some(-199_999)),
                Cell::SmallInt(Some(4)),
            ],
            &mut out,
        );
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "7\ta\\tb\\\\c\\nd\\re\\0\t\\N\t2016-01-05\t1\t-199999\t4\n"
        );
    }
}
