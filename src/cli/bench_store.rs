//! The store a bench command measures: a throwaway SQLite file in the bench's own temporary
//! folder, or the store given with `--database-url`; migrated, and loaded with
//! `demo --scale N` when it has no orders; with the services over it and an administrator to
//! act as.

use std::path::PathBuf;

use super::Context;
use crate::auth::{Actor, Auth, AuthSettings, Role, SecretKey, SystemClock};
use crate::db::{Database, DbOptions, DbTarget, migrate};
use crate::error::Result;
use crate::store::demo::{self, DemoOptions};
use crate::worker::CancelToken;

/// A store loaded with demo data, the services over it and who acts.
pub struct Bench {
    pub target: DbTarget,
    /// The options the store was opened with (for other nodes of a cluster).
    pub options: DbOptions,
    pub db: Database,
    pub auth: Auth,
    pub actor: Actor,
    /// The bench's temporary folder: the throwaway store's, and anything else it writes.
    pub dir: PathBuf,
    /// Whether the store is a throwaway one in `dir` (none for `--database-url`).
    throwaway: bool,
}

impl Bench {
    /// Opens (and migrates) the store with at least `pool` connections, loading
    /// `demo --scale N` when it has no orders.
    pub fn prepare(
        ctx: &Context,
        explicit_url: bool,
        name: &str,
        scale: u32,
        pool: u32,
    ) -> Result<Bench> {
        let dir =
            std::env::temp_dir().join(format!("stockroom-bench-{name}-{}", std::process::id()));
        let target = if explicit_url {
            ctx.config.database.clone()
        } else {
            DbTarget::Sqlite(dir.join("bench.db"))
        };
        let mut options = ctx.config.db_options();
        options.pool_size = options.pool_size.max(pool);
        let db = Database::connect_with(&target, &options)?;
        migrate::run(&mut *db.conn()?)?;
        let orders = crate::db::status::read(&db)?
            .tables
            .iter()
            .find(|t| t.table == "orders")
            .map_or(0, |t| t.rows);
        if orders == 0 {
            crate::outln!("loading demo --scale {scale} into {}", target.redacted());
            demo::load(
                &db,
                &DemoOptions {
                    scale,
                    seed: 42,
                    replace: false,
                },
                &CancelToken::new(),
                &mut |_| {},
            )?;
        }
        let auth = Auth::new(
            db.clone(),
            AuthSettings::default(),
            SecretKey::generate(),
            std::sync::Arc::new(SystemClock),
            "bench".into(),
        );
        let actor = Actor {
            name: "bench".into(),
            role: Role::Administrator,
            terminal: "bench".into(),
            user_id: None,
            session_id: None,
        };
        Ok(Bench {
            target,
            options,
            db,
            auth,
            actor,
            dir,
            throwaway: !explicit_url,
        })
    }

    /// Closes the store and removes a throwaway one.
    pub fn finish(self) {
        let dir = self.throwaway.then(|| self.dir.clone());
        drop(self);
        if let Some(d) = dir {
            let _ = std::fs::remove_dir_all(d);
        }
    }
}
