//! SQL built at run time (imports, the data browser): typed values to bind, statements run
//! with them on either backend, and rows read back as JSON arrays (`JSON_ARRAY(…)` on both
//! backends), so a query's columns need no Rust type of their own.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use super::AnyConnection;

/// A typed value, ready to bind.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Cell {
    Int(Option<i32>),
    BigInt(Option<i64>),
    SmallInt(Option<i16>),
    Text(Option<String>),
    Date(Option<NaiveDate>),
    Bool(Option<bool>),
}

impl Cell {
    pub fn is_null(&self) -> bool {
        matches!(
            self,
            Cell::Int(None)
                | Cell::BigInt(None)
                | Cell::SmallInt(None)
                | Cell::Text(None)
                | Cell::Date(None)
                | Cell::Bool(None)
        )
    }

    pub fn as_int(&self) -> Option<i32> {
        match self {
            Cell::Int(v) => *v,
            _ => None,
        }
    }
}

/// Binds `cells` in order onto a boxed `sql_query`.
#[macro_export]
macro_rules! bind_cells {
    ($q:ident, $cells:expr) => {
        for c in $cells {
            use diesel::sql_types as st;
            use $crate::db::dynamic::Cell as C;
            $q = match c {
                C::Int(v) => $q.bind::<st::Nullable<st::Integer>, _>(*v),
                C::BigInt(v) => $q.bind::<st::Nullable<st::BigInt>, _>(*v),
                C::SmallInt(v) => $q.bind::<st::Nullable<st::SmallInt>, _>(*v),
                C::Text(v) => $q.bind::<st::Nullable<st::Text>, _>(v.as_deref()),
                C::Date(v) => $q.bind::<st::Nullable<st::Date>, _>(*v),
                C::Bool(v) => $q.bind::<st::Nullable<st::Bool>, _>(*v),
            };
        }
    };
}

/// Runs `sql` with `cells` bound in order; returns the affected rows.
pub fn execute(conn: &mut AnyConnection, sql: &str, cells: &[&Cell]) -> QueryResult<usize> {
    match conn {
        AnyConnection::Mysql(c) => {
            let mut q = diesel::sql_query(sql).into_boxed::<diesel::mysql::Mysql>();
            bind_cells!(q, cells.iter().copied());
            q.execute(c)
        }
        AnyConnection::Sqlite(c) => {
            let mut q = diesel::sql_query(sql).into_boxed::<diesel::sqlite::Sqlite>();
            bind_cells!(q, cells.iter().copied());
            q.execute(c)
        }
    }
}

/// Rows of `sql` with `cells` bound, read by name into `T`.
pub fn load_by_name<T>(conn: &mut AnyConnection, sql: &str, cells: &[&Cell]) -> QueryResult<Vec<T>>
where
    T: QueryableByName<diesel::mysql::Mysql> + QueryableByName<diesel::sqlite::Sqlite> + 'static,
{
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

#[derive(QueryableByName)]
struct JsonRow {
    #[diesel(sql_type = Text)]
    r: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Runs a query whose only column is `r`, a `JSON_ARRAY(…)` of the row's values, and parses
/// each row.
pub fn load_json(
    conn: &mut AnyConnection,
    sql: &str,
    cells: &[&Cell],
) -> QueryResult<Vec<Vec<serde_json::Value>>> {
    let rows: Vec<JsonRow> = match conn {
        AnyConnection::Mysql(c) => {
            let mut q = diesel::sql_query(sql).into_boxed::<diesel::mysql::Mysql>();
            bind_cells!(q, cells.iter().copied());
            q.load(c)?
        }
        AnyConnection::Sqlite(c) => {
            let mut q = diesel::sql_query(sql).into_boxed::<diesel::sqlite::Sqlite>();
            bind_cells!(q, cells.iter().copied());
            q.load(c)?
        }
    };
    rows.into_iter()
        .map(|r| {
            serde_json::from_str(&r.r)
                .map_err(|e| diesel::result::Error::DeserializationError(Box::new(e)))
        })
        .collect()
}

/// Runs a query whose only column is `n`, a count.
pub fn load_count(conn: &mut AnyConnection, sql: &str, cells: &[&Cell]) -> QueryResult<i64> {
    let rows: Vec<Count> = match conn {
        AnyConnection::Mysql(c) => {
            let mut q = diesel::sql_query(sql).into_boxed::<diesel::mysql::Mysql>();
            bind_cells!(q, cells.iter().copied());
            q.load(c)?
        }
        AnyConnection::Sqlite(c) => {
            let mut q = diesel::sql_query(sql).into_boxed::<diesel::sqlite::Sqlite>();
            bind_cells!(q, cells.iter().copied());
            q.load(c)?
        }
    };
    Ok(rows.first().map(|c| c.n).unwrap_or(0))
}

/// A multi-row statement `head (?,…),(?,…)… tail` with every row's cells bound, for SQLite.
/// Unlike a `sql_query` (never cached, so its 30,000 parameters were parsed again for every
/// batch) it is safe to cache: diesel's statement cache keys it by its SQL text and bind
/// types (`HAS_STATIC_QUERY_ID` is false, as the SQL is only known at run time), which are
/// the same for every batch of one table, column set and batch size, so every batch after the
/// first finds the statement prepared and only binds.
pub struct RowsQuery<'a, R> {
    pub head: &'a str,
    pub rows: &'a [R],
    pub tail: &'a str,
}

impl<R> diesel::query_builder::QueryId for RowsQuery<'_, R> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<R: AsRef<[Cell]>> diesel::query_builder::QueryFragment<diesel::sqlite::Sqlite>
    for RowsQuery<'_, R>
{
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, diesel::sqlite::Sqlite>,
    ) -> QueryResult<()> {
        use diesel::sql_types as st;
        out.push_sql(self.head);
        for (i, row) in self.rows.iter().enumerate() {
            out.push_sql(if i == 0 { "(" } else { ",(" });
            for (j, c) in row.as_ref().iter().enumerate() {
                if j > 0 {
                    out.push_sql(",");
                }
                match c {
                    Cell::Int(v) => out.push_bind_param::<st::Nullable<st::Integer>, _>(v)?,
                    Cell::BigInt(v) => out.push_bind_param::<st::Nullable<st::BigInt>, _>(v)?,
                    Cell::SmallInt(v) => out.push_bind_param::<st::Nullable<st::SmallInt>, _>(v)?,
                    Cell::Text(v) => out.push_bind_param::<st::Nullable<st::Text>, _>(v)?,
                    Cell::Date(v) => out.push_bind_param::<st::Nullable<st::Date>, _>(v)?,
                    Cell::Bool(v) => out.push_bind_param::<st::Nullable<st::Bool>, _>(v)?,
                }
            }
            out.push_sql(")");
        }
        out.push_sql(self.tail);
        Ok(())
    }
}

impl<R, C> RunQueryDsl<C> for RowsQuery<'_, R> {}

/// Runs `head` + the rows' value lists + `tail` on SQLite as a cached prepared statement;
/// returns the rows it changed (`changes()`).
pub fn execute_rows_sqlite<R: AsRef<[Cell]>>(
    conn: &mut diesel::SqliteConnection,
    head: &str,
    rows: &[R],
    tail: &str,
) -> QueryResult<usize> {
    RowsQuery { head, rows, tail }.execute(conn)
}

/// Forgets every prepared statement this SQLite connection keeps (the import's large
/// upserts included); the next queries are prepared again as needed.
pub fn clear_statement_cache(conn: &mut diesel::SqliteConnection) {
    use diesel::connection::CacheSize;
    conn.set_prepared_statement_cache_size(CacheSize::Disabled);
    conn.set_prepared_statement_cache_size(CacheSize::Unbounded);
}
