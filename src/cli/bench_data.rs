//! `stockroom bench data`: the Data tab's queries on `demo --scale N` (a throwaway SQLite
//! file, or the store given with `--database-url`, loaded when empty): first, next, middle
//! and last pages, sort changes and searches on the largest tables, median and worst of
//! repeated runs, each from request to typed rows.

use clap::Args;

use super::Context;
use super::bench_store::Bench;
use super::bench_timing::{median_worst, repeat};
use super::progress::group;
use crate::error::Result;
use crate::store::data::{self, Direction, ListQuery};

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
    let b = Bench::prepare(ctx, explicit_url, "data", args.scale, 1)?;
    let (auth, actor) = (&b.auth, &b.actor);
    crate::outln!(
        "bench data: backend {}, page of 40 rows, {} runs each (median / worst)",
        b.target.backend_name(),
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
        let (t, last) = repeat(args.runs, |_| data::list(auth, actor, &q))?;
        crate::outln!(
            "{}   ({} rows match)",
            median_worst(label, 46, &t),
            group(last.map_or(0, |p| p.total))
        );
        Ok(())
    };
    for table in ["orders", "order_items", "customers"] {
        let total = data::list(auth, actor, &page(table, None, None, 0))?.total;
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
    let orders = data::list(auth, actor, &page("orders", None, None, 0))?.total;
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
    b.finish();
    Ok(super::exit::OK)
}
