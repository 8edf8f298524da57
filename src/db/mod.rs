//! The database layer: one connection enum over MySQL/MariaDB and SQLite, the pool, the
//! migrations, the portable schema, one model per table, and the little SQL that differs.

pub mod bulk;
pub mod dialect;
pub mod dynamic;
pub mod fault;
pub mod lock;
pub mod migrate;
pub mod models;
pub mod pool;
pub mod schema;
pub mod status;
pub mod tx;
pub mod url;
pub mod watchdog;

/// Multi-row inserts on either backend (defined in [`bulk`]); callers name it here, as
/// `crate::db::bulk_insert!`. `#[macro_export]` also puts it at the crate root.
pub use crate::bulk_insert;
pub use pool::{Database, DbOptions, PooledConn};
pub use url::DbTarget;

use diesel::mysql::MysqlConnection;
use diesel::sqlite::SqliteConnection;

/// A connection to either backend; queries that compile for both go through this enum.
#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    Mysql(MysqlConnection),
    Sqlite(SqliteConnection),
}

impl AnyConnection {
    /// `"mysql"` or `"sqlite"`.
    pub fn backend_name(&self) -> &'static str {
        match self {
            AnyConnection::Mysql(_) => "mysql",
            AnyConnection::Sqlite(_) => "sqlite",
        }
    }
}
