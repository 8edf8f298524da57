//! Batched multi-row writes. diesel cannot compile these through the connection enum, so
//! each runs on the concrete connection (one `match`, here).

/// Inserts a slice of `Insertable` rows as one multi-row `INSERT` on either backend.
#[macro_export]
macro_rules! bulk_insert {
    ($conn:expr, $table:expr, $rows:expr) => {{
        use diesel::RunQueryDsl as _;
        match $conn {
            $crate::db::AnyConnection::Mysql(c) => {
                diesel::insert_into($table).values($rows).execute(c)
            }
            $crate::db::AnyConnection::Sqlite(c) => {
                diesel::insert_into($table).values($rows).execute(c)
            }
        }
    }};
}

/// Rows per multi-row statement: well under both backends' bind-parameter limits
/// (SQLite 32,766; MySQL 65,535) for our widest table.
pub const BATCH_ROWS: usize = 1_000;
