//! Dashboard figures on real SQLite and MariaDB, checked against an independent computation
//! in Rust over every order and line (to the cent), per store and per period.

mod common;

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use diesel::prelude::*;
use stockroom::db::models::{Order, OrderItem};
use stockroom::db::schema::{order_items, orders};
use stockroom::store::dashboard::{self, DashboardQuery, Period};
use stockroom::store::demo::{DemoOptions, load};
use stockroom::store::money::line_total_cents;
use stockroom::worker::CancelToken;

use common::TestDb;
use common::accounts::{self, cli};

fn demo(t: &TestDb) {
    load(
        &t.db,
        &DemoOptions {
            scale: 1,
            seed: 11,
            replace: false,
        },
        &CancelToken::new(),
        &mut |_| {},
    )
    .unwrap();
}

struct Expected {
    revenue: i64,
    orders: u64,
    items: i64,
    by_status: HashMap<i16, u64>,
}

fn expected(t: &TestDb, bounds: Option<(NaiveDate, NaiveDate)>, store: Option<i32>) -> Expected {
    let mut conn = t.db.conn().unwrap();
    let all: Vec<Order> = orders::table
        .select(Order::as_select())
        .load(&mut *conn)
        .unwrap();
    let lines: Vec<OrderItem> = order_items::table
        .select(OrderItem::as_select())
        .load(&mut *conn)
        .unwrap();
    let mut by_order: HashMap<i32, Vec<&OrderItem>> = HashMap::new();
    for l in &lines {
        by_order.entry(l.order_id).or_default().push(l);
    }
    let mut e = Expected {
        revenue: 0,
        orders: 0,
        items: 0,
        by_status: HashMap::new(),
    };
    for o in all.iter().filter(|o| {
        bounds.is_none_or(|(a, b)| o.order_date >= a && o.order_date < b)
            && store.is_none_or(|s| o.store_id == s)
    }) {
        e.orders += 1;
        *e.by_status.entry(o.order_status).or_default() += 1;
        if o.order_status != 3 {
            for l in by_order.get(&o.order_id).into_iter().flatten() {
                e.revenue += line_total_cents(l.list_price_cents, l.quantity, l.discount_bp);
                e.items += l.quantity as i64;
            }
        }
    }
    e
}

both_backends!(
    figures_equal_an_independent_count_to_the_cent,
    |t: TestDb| {
        demo(&t);
        let (auth, _) = accounts::auth(&t);
        let q = |store, period| DashboardQuery {
            store,
            period,
            low_stock_threshold: 5,
            target_per_store_month_cents: 10_000_000,
        };
        // The default period: the latest month with orders.
        let f = dashboard::load(&auth, &cli(), &q(None, None)).unwrap();
        let latest: NaiveDate = orders::table
            .select(diesel::dsl::max(orders::order_date))
            .first::<Option<NaiveDate>>(&mut *t.db.conn().unwrap())
            .unwrap()
            .unwrap();
        assert_eq!(
            f.period,
            Period::Month {
                year: latest.year(),
                month: latest.month()
            }
        );
        for store in [None, Some(1), Some(2)] {
            for period in [
                f.period,
                Period::Quarter {
                    year: latest.year(),
                    quarter: 1,
                },
                Period::Year {
                    year: latest.year() - 1,
                },
                Period::All,
            ] {
                let got = dashboard::load(&auth, &cli(), &q(store, Some(period))).unwrap();
                let e = expected(&t, period.bounds(), store);
                let label = format!("{store:?} {}", period.label());
                assert_eq!(got.revenue_cents, e.revenue, "{label}");
                assert_eq!(got.orders, e.orders, "{label}");
                assert_eq!(got.items_sold, e.items, "{label}");
                for (s, n) in &got.orders_by_status {
                    assert_eq!(
                        *n,
                        e.by_status.get(&s.code()).copied().unwrap_or(0),
                        "{label} {s:?}"
                    );
                }
                let sold = e.orders - e.by_status.get(&3).copied().unwrap_or(0);
                if sold > 0 {
                    assert_eq!(
                        got.average_order_cents,
                        (e.revenue + sold as i64 / 2) / sold as i64,
                        "{label}"
                    );
                }
                // Months add up to the period when it lies within the last twelve months.
                if let Period::Month { .. } | Period::Quarter { .. } = period {
                    let in_window: i64 = got.by_month.iter().map(|(_, c)| c).sum();
                    assert!(in_window >= got.revenue_cents, "{label}");
                }
                assert!(
                    got.top_products.windows(2).all(|w| w[0].2 >= w[1].2),
                    "best first"
                );
                assert!(got.low_stock.iter().all(|(_, _, q)| *q <= 5));
                assert!(
                    got.low_stock.windows(2).all(|w| w[0].2 <= w[1].2),
                    "worst first"
                );
            }
        }
        // An unknown store is refused by name.
        assert!(
            dashboard::load(&auth, &cli(), &q(Some(999), None))
                .unwrap_err()
                .to_string()
                .contains("there is no store 999")
        );
    }
);
