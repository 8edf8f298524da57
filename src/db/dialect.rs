//! The SQL that differs between MySQL and SQLite, behind one `match` on the connection.

use diesel::QueryResult;

use super::AnyConnection;
use super::dynamic::Cell;

/// Integer division that truncates, in the connection's dialect (`DIV` vs `/`).
pub fn int_div(conn: &AnyConnection) -> &'static str {
    match conn {
        AnyConnection::Mysql(_) => "DIV",
        AnyConnection::Sqlite(_) => "/",
    }
}

/// SQL for an order line's total in cents, rounded half up exactly like
/// [`crate::money::line_total_cents`]; columns `quantity`, `list_price_cents`,
/// `discount_bp` must be in scope (optionally qualified by `prefix`, e.g. `"oi."`).
pub fn line_total_sql(conn: &AnyConnection, prefix: &str) -> String {
    format!(
        "(({p}list_price_cents * {p}quantity * (10000 - {p}discount_bp) + 5000) {div} 10000)",
        p = prefix,
        div = int_div(conn)
    )
}

/// Marks (or unmarks) this MySQL session as a bulk writer, inside its write transaction: the
/// triggers that forget the Dashboard's months then skip each row, and the writer forgets
/// them all itself (`store::sales_summary::forget_all`) before it commits. Every write
/// transaction begins unmarked (`tx`). Nothing on SQLite, whose triggers are cheap.
pub fn bulk_writes(conn: &mut AnyConnection, on: bool) -> QueryResult<()> {
    use diesel::connection::SimpleConnection;
    match conn {
        AnyConnection::Mysql(c) => c.batch_execute(if on {
            "SET @stockroom_bulk = 1"
        } else {
            "SET @stockroom_bulk = NULL"
        }),
        AnyConnection::Sqlite(_) => Ok(()),
    }
}

/// The database's clock as Unix seconds, in SQL.
pub fn unix_now_sql(conn: &AnyConnection) -> &'static str {
    match conn {
        AnyConnection::Mysql(_) => "UNIX_TIMESTAMP()",
        AnyConnection::Sqlite(_) => "CAST(strftime('%s', 'now') AS INTEGER)",
    }
}

/// The key of the row this connection inserted last (`LAST_INSERT_ID()` /
/// `last_insert_rowid()`): exact whatever other terminals insert, on one server or a cluster.
pub fn last_insert_id(conn: &mut AnyConnection) -> diesel::QueryResult<i64> {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
    }
    let sql = match conn {
        AnyConnection::Mysql(_) => "SELECT CAST(LAST_INSERT_ID() AS SIGNED) AS id",
        AnyConnection::Sqlite(_) => "SELECT last_insert_rowid() AS id",
    };
    Ok(diesel::sql_query(sql).get_result::<Id>(conn)?.id)
}

/// Whether the connection's transaction is still open. A MySQL server ends a transaction on
/// its own after a deadlock or a lost connection; SQLite ends one only on failures that are
/// never row refusals (a full disk, an I/O error), so there it is taken as open.
pub fn transaction_alive(conn: &mut AnyConnection) -> bool {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Open {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    match conn {
        AnyConnection::Mysql(_) => {
            diesel::sql_query("SELECT CAST(@@in_transaction AS SIGNED) AS n")
                .get_result::<Open>(conn)
                .is_ok_and(|o| o.n == 1)
        }
        AnyConnection::Sqlite(_) => true,
    }
}

/// An inner join that reads its left side first, as written (the optimizer would
/// otherwise scan the whole right side of a small derived table's join).
pub fn join_in_order(conn: &AnyConnection) -> &'static str {
    match conn {
        AnyConnection::Mysql(_) => "STRAIGHT_JOIN",
        AnyConnection::Sqlite(_) => "CROSS JOIN",
    }
}

/// `expr` as a 64-bit integer (`SUM` of integers is a decimal on MySQL).
pub fn as_bigint(conn: &AnyConnection, expr: &str) -> String {
    match conn {
        AnyConnection::Mysql(_) => format!("CAST({expr} AS SIGNED)"),
        AnyConnection::Sqlite(_) => format!("CAST({expr} AS INTEGER)"),
    }
}

/// `a` equals `b`, a NULL equalling a NULL (`<=>` / `IS`).
pub fn null_safe_eq(conn: &AnyConnection, a: &str, b: &str) -> String {
    match conn {
        AnyConnection::Mysql(_) => format!("{a} <=> {b}"),
        AnyConnection::Sqlite(_) => format!("{a} IS {b}"),
    }
}

/// `expr` contains a pattern bound as `?` (folded by [`crate::text::fold`], `!` escaping),
/// ignoring case and accents: MySQL's binary collation is compared in a case- and
/// accent-insensitive one (which finds `José` by `jose`), half the cost of `LOWER` on every
/// row; SQLite folds the column the same way as the pattern (`stockroom_fold`).
pub fn like_ci(conn: &AnyConnection, expr: &str) -> String {
    match conn {
        AnyConnection::Mysql(_) => {
            format!("{expr} COLLATE utf8mb4_general_ci LIKE ? ESCAPE '!'")
        }
        // Folded like the pattern (case and accents) by the function every pooled SQLite
        // connection registers (see `db::pool`); ASCII text (as many characters as bytes:
        // most rows) skips the call, as LIKE already ignores its case.
        AnyConnection::Sqlite(_) => format!(
            "CASE WHEN length({expr}) = octet_length({expr}) THEN {expr} \
             ELSE stockroom_fold({expr}) END LIKE ? ESCAPE '!'"
        ),
    }
}

diesel::define_sql_function! {
    /// Text folded for searching ([`crate::text::fold`]); registered on SQLite connections.
    fn stockroom_fold(x: diesel::sql_types::Nullable<diesel::sql_types::Text>) -> diesel::sql_types::Nullable<diesel::sql_types::Text>;
}

/// Registers `stockroom_fold` on a SQLite connection.
pub fn register_fold(conn: &mut diesel::sqlite::SqliteConnection) -> diesel::QueryResult<()> {
    stockroom_fold_utils::register_impl(conn, |x: Option<String>| x.map(|s| crate::text::fold(&s)))
}

/// An upsert of `value_rows` (`(?,…),…`) into `table`, matched on `key`: rows that differ
/// are updated, equal ones left alone.
pub fn upsert_sql(
    conn: &AnyConnection,
    table: &str,
    cols: &str,
    value_rows: &str,
    key: &[&str],
    others: &[&str],
) -> String {
    let (head, tail) = upsert_parts(conn, table, cols, key, others);
    format!("{head}{value_rows}{tail}")
}

/// The text of an upsert around its value rows: `INSERT … VALUES ` and ` ON …`.
pub fn upsert_parts(
    conn: &AnyConnection,
    table: &str,
    cols: &str,
    key: &[&str],
    others: &[&str],
) -> (String, String) {
    let head = format!("INSERT INTO {table} ({cols}) VALUES ");
    match conn {
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
            (
                head,
                format!(" ON CONFLICT ({}) {conflict}", key.join(", ")),
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
            (head, format!(" ON DUPLICATE KEY UPDATE {set}"))
        }
    }
}

/// Whether an import may count a table's rows once for the whole table (`COUNT(*)` before
/// and after, plus the rows each statement changed) instead of asking which keys exist before
/// every batch: SQLite, whose `changes()` counts inserted rows and rows an upsert really
/// updated, and whose failed statement undoes itself and leaves the transaction open.
pub fn counts_per_table(conn: &AnyConnection) -> bool {
    matches!(conn, AnyConnection::Sqlite(_))
}

/// Runs an upsert made of [`upsert_parts`] and `rows` as a prepared statement the connection
/// keeps for the next batch of the same size; returns the rows changed (inserted, or updated
/// because they differed). SQLite only: on MySQL it runs [`run_upsert`], whose count means
/// something else.
pub fn run_upsert_kept<R: AsRef<[Cell]>>(
    conn: &mut AnyConnection,
    head: &str,
    tail: &str,
    rows: &[R],
) -> QueryResult<u64> {
    match conn {
        AnyConnection::Sqlite(c) => {
            Ok(super::dynamic::execute_rows_sqlite(c, head, rows, tail)? as u64)
        }
        AnyConnection::Mysql(_) => {
            let values = std::iter::repeat_n(
                format!("({})", vec!["?"; rows[0].as_ref().len()].join(",")),
                rows.len(),
            )
            .collect::<Vec<_>>()
            .join(",");
            run_upsert(conn, &format!("{head}{values}{tail}"), rows)
        }
    }
}

/// The rows of `table` (for per-table counts).
pub fn count_rows(conn: &mut AnyConnection, table: &str) -> QueryResult<i64> {
    super::dynamic::load_count(conn, &format!("SELECT COUNT(*) AS n FROM {table}"), &[])
}

/// SQLite pages an import keeps in memory (`cache_size`, negative = KiB): the default 2 MiB
/// spills dirty pages into the WAL in the middle of the transaction.
const IMPORT_CACHE_KIB: i64 = 8 * 1024;

/// A SQLite connection's settings an import changes, to be put back.
#[derive(Debug, Clone, Copy)]
pub struct SavedSettings {
    cache_size: i64,
    temp_store: i64,
}

/// Gives an import a larger page cache, and keeps each batch's statement journal (the pages
/// a refused batch would restore) in memory instead of a temporary file; returns what to hand
/// to [`end_import_settings`]. Nothing on MySQL.
pub fn begin_import_settings(conn: &mut AnyConnection) -> QueryResult<Option<SavedSettings>> {
    use diesel::RunQueryDsl;
    use diesel::connection::SimpleConnection;
    #[derive(diesel::QueryableByName)]
    struct CacheSize {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        cache_size: i64,
    }
    #[derive(diesel::QueryableByName)]
    struct TempStore {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        temp_store: i64,
    }
    match conn {
        AnyConnection::Sqlite(_) => {
            let saved = SavedSettings {
                cache_size: diesel::sql_query("PRAGMA cache_size")
                    .get_result::<CacheSize>(conn)?
                    .cache_size,
                temp_store: diesel::sql_query("PRAGMA temp_store")
                    .get_result::<TempStore>(conn)?
                    .temp_store,
            };
            conn.batch_execute(&format!(
                "PRAGMA cache_size = -{IMPORT_CACHE_KIB}; PRAGMA temp_store = MEMORY"
            ))?;
            Ok(Some(saved))
        }
        AnyConnection::Mysql(_) => Ok(None),
    }
}

/// Undoes [`begin_import_settings`]: the page cache and temporary store as they were, and
/// the import's prepared statements (tens of thousands of parameters each) released.
pub fn end_import_settings(conn: &mut AnyConnection, saved: Option<SavedSettings>) {
    use diesel::connection::SimpleConnection;
    if let (AnyConnection::Sqlite(c), Some(s)) = (&mut *conn, saved) {
        super::dynamic::clear_statement_cache(c);
        if let Err(e) = c.batch_execute(&format!(
            "PRAGMA cache_size = {}; PRAGMA temp_store = {}",
            s.cache_size, s.temp_store
        )) {
            tracing::debug!(error = %e, "could not restore the import's connection settings");
        }
    }
}

/// Runs an upsert from [`upsert_sql`] with `rows`; returns the rows the server says it
/// touched. MySQL: one text-protocol statement with escaped literals is several times faster
/// than binding tens of thousands of parameters, and `ROW_COUNT()` gives the count.
pub fn run_upsert<R: AsRef<[Cell]>>(
    conn: &mut AnyConnection,
    sql: &str,
    rows: &[R],
) -> QueryResult<u64> {
    use diesel::RunQueryDsl;
    use diesel::connection::SimpleConnection;
    match conn {
        AnyConnection::Mysql(_) => {
            let sql = mysql_literal_sql(sql, rows);
            conn.batch_execute(&sql)?;
            #[derive(diesel::QueryableByName)]
            struct RowCount {
                #[diesel(sql_type = diesel::sql_types::BigInt)]
                n: i64,
            }
            Ok(diesel::sql_query("SELECT ROW_COUNT() AS n")
                .get_result::<RowCount>(conn)?
                .n
                .max(0) as u64)
        }
        AnyConnection::Sqlite(_) => {
            let cells: Vec<&Cell> = rows.iter().flat_map(|r| r.as_ref().iter()).collect();
            Ok(super::dynamic::execute(conn, sql, &cells)? as u64)
        }
    }
}

/// Rows an upsert of `n` rows changed, from what the server reported (`affected`) and how
/// many were new.
pub fn upsert_updated(conn: &AnyConnection, affected: u64, inserted: u64, n: u64) -> u64 {
    match conn {
        // SQLite counts inserted rows and rows whose update ran (they differed).
        AnyConnection::Sqlite(_) => affected.saturating_sub(inserted),
        // MySQL with CLIENT_FOUND_ROWS: 1 per insert, 2 per change, 1 per unchanged row.
        AnyConnection::Mysql(_) => affected.saturating_sub(n),
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

/// The server's name and version.
pub fn server_version_sql(conn: &AnyConnection) -> &'static str {
    match conn {
        AnyConnection::Mysql(_) => "SELECT VERSION() AS v",
        AnyConnection::Sqlite(_) => "SELECT 'SQLite ' || sqlite_version() AS v",
    }
}

/// Empties a table no other table refers to, as fast as the backend allows (`TRUNCATE`
/// leaves no purge work behind on InnoDB).
pub fn empty_table_sql(conn: &AnyConnection, table: &str) -> String {
    match conn {
        AnyConnection::Mysql(_) => format!("TRUNCATE TABLE {table}"),
        AnyConnection::Sqlite(_) => format!("DELETE FROM {table}"),
    }
}

/// A MySQL/MariaDB server variable's value as `SHOW VARIABLES` gives it (`None` when the
/// server has no such variable).
pub fn server_variable(conn: &mut AnyConnection, name: &str) -> QueryResult<Option<String>> {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Var {
        #[diesel(sql_type = diesel::sql_types::Text)]
        #[diesel(column_name = Value)]
        value: String,
    }
    let rows: Vec<Var> = diesel::sql_query(format!("SHOW VARIABLES LIKE '{name}'")).load(conn)?;
    Ok(rows.into_iter().next().map(|v| v.value))
}

/// On a Galera cluster node, makes this session's reads (and updates/deletes) causal: they
/// first wait until the node has applied every write set committed anywhere before them
/// (`wsrep_sync_wait` = 1 | 2). Nothing on a single server or on SQLite.
pub fn causal_reads(conn: &mut AnyConnection) -> QueryResult<()> {
    use diesel::connection::SimpleConnection;
    if let AnyConnection::Mysql(_) = conn
        && server_variable(conn, "wsrep_on")?.is_some_and(|v| v.eq_ignore_ascii_case("ON"))
    {
        conn.batch_execute("SET SESSION wsrep_sync_wait = 3")?;
    }
    Ok(())
}

/// `YYYY-MM` of a date expression.
pub fn month_of(conn: &AnyConnection, expr: &str) -> String {
    match conn {
        AnyConnection::Mysql(_) => format!("DATE_FORMAT({expr}, '%Y-%m')"),
        AnyConnection::Sqlite(_) => format!("strftime('%Y-%m', {expr})"),
    }
}
