//! `stockroom bench data`: the Data tab's queries on `demo --scale N` (a throwaway SQLite
//! file, or the store given with `--database-url`, loaded when empty): first, next, middle
//! and last pages, sort changes and searches on the largest tables, median and worst of
//! repeated runs, each from request to typed rows.

use std::time::Instant;

use clap::Args;

use super::Context;
use super::progress::group;
use crate::auth::{Actor, Auth, AuthSettings, Role, SecretKey, SystemClock};
use crate::db::{Database, DbTarget, migrate};
use crate::error::Result;
use crate::store::data::{self, Direction, ListQuery};
use crate::store::demo::{self, DemoOptions};
use crate::worker::CancelToken;

#[derive(Debug, Args)]
pub struct BenchDataArgs {
    /// Demo scale loaded into an empty store
    #[arg(long, default_value_t = 100)]
    pub scale: u32,
    /// Runs of each query
    #[arg(long, default_value_t = 15)]
    pub runs: usize,
}

pub fn run(ctx: &Context, explicit_url: bool, args: &BenchDataArgs) -> Result<u8> {
    let dir = std::env::temp_dir().join(format!("stockroom-bench-data-{}", std::process::id()));
    let target = if explicit_url {
        ctx.config.database.clone()
    } else {
        DbTarget::Sqlite(dir.join("bench.db"))
    };
    let db = Database::connect_with(&target, &ctx.config.db_options())?;
    migrate::run(&mut *db.conn()?)?;
    let status = crate::db::status::read(&db)?;
    let orders = status
        .tables
        .iter()
        .find(|t| t.table == "orders")
        .map(|t| t.rows)
        .unwrap_or(0);
    if orders == 0 {
        crate::outln!(
            "loading demo --scale {} into {}",
            args.scale,
            target.redacted()
        );
        demo::load(
            &db,
            &DemoOptions {
                scale: args.scale,
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
    crate::outln!(
        "bench data: backend {}, page of 40 rows, {} runs each (median / worst)",
        target.backend_name(),
        args.runs
    );
    let page = |table: &str, sort: Option<(&str, Direction)>, search: Option<&str>, offset: u64| {
        ListQuery {
            table: table.into(),
            search: search.map(String::from),
            sort: sort.map(|(c, d)| (c.into(), d)),
            offset,
            limit: 40,
            known_total: None,
        }
    };
    let measure = |label: &str, q: ListQuery| -> Result<()> {
        let mut ms = Vec::with_capacity(args.runs);
        let mut total = 0;
        for _ in 0..args.runs {
            let t0 = Instant::now();
            let p = data::list(&auth, &actor, &q)?;
            ms.push(t0.elapsed().as_secs_f64() * 1000.0);
            total = p.total;
        }
        ms.sort_by(f64::total_cmp);
        crate::outln!(
            "  {label:<46} {:>8.1} ms {:>8.1} ms   ({} rows match)",
            ms[ms.len() / 2],
            ms[ms.len() - 1],
            group(total)
        );
        Ok(())
    };
    for table in ["orders", "order_items", "customers"] {
        let total = data::list(&auth, &actor, &page(table, None, None, 0))?.total;
        measure(&format!("{table}: first page"), page(table, None, None, 0))?;
        // Paging on, as the tab does: the count of the page on screen is kept.
        let on = |offset: u64| ListQuery {
            known_total: Some(total),
            ..page(table, None, None, offset)
        };
        measure(&format!("{table}: next page"), on(40))?;
        measure(&format!("{table}: middle page"), on(total / 2))?;
        measure(&format!("{table}: last page"), on(total.saturating_sub(40)))?;
    }
    measure(
        "orders: sort by order_date, newest first",
        page(
            "orders",
            Some(("order_date", Direction::Descending)),
            None,
            0,
        ),
    )?;
    measure(
        "orders: sort by status",
        page("orders", Some(("status", Direction::Ascending)), None, 0),
    )?;
    measure(
        "orders: sort by customer name",
        page("orders", Some(("customer", Direction::Ascending)), None, 0),
    )?;
    // Sorted by a parent's name, paging on: read parent by parent near either end, sorted
    // in SQL in the middle.
    let orders = data::list(&auth, &actor, &page("orders", None, None, 0))?.total;
    let by_customer = |offset: u64| ListQuery {
        known_total: Some(orders),
        ..page(
            "orders",
            Some(("customer", Direction::Ascending)),
            None,
            offset,
        )
    };
    measure("orders: by customer name, next page", by_customer(40))?;
    measure("orders: by customer name, page 100", by_customer(4_000))?;
    measure(
        "orders: by customer name, middle page",
        by_customer(orders / 2),
    )?;
    measure(
        "orders: sort by store",
        page("orders", Some(("store", Direction::Ascending)), None, 0),
    )?;
    measure(
        "order_items: sort by product",
        page(
            "order_items",
            Some(("product", Direction::Ascending)),
            None,
            0,
        ),
    )?;
    measure(
        "customers: sort by last_name",
        page(
            "customers",
            Some(("last_name", Direction::Ascending)),
            None,
            0,
        ),
    )?;
    measure(
        "customers: search `lane`",
        page("customers", None, Some("lane"), 0),
    )?;
    measure(
        "orders: search a customer name `lane`",
        page("orders", None, Some("lane"), 0),
    )?;
    measure(
        "products: search a brand `trek`",
        page("products", None, Some("trek"), 0),
    )?;
    measure(
        "order_items: search a product `trek`",
        page("order_items", None, Some("trek"), 0),
    )?;
    if !explicit_url {
        drop(db);
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(super::exit::OK)
}
