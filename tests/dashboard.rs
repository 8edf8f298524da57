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

/// Every figure of the Dashboard, worked out in Rust from the rows themselves.
struct Reference {
    by_status: HashMap<i16, u64>,
    revenue: i64,
    items: i64,
    average: i64,
    completion: f64,
    by_month: Vec<(String, i64)>,
    top_products: Vec<(String, i64, i64)>,
    top_staff: Vec<(String, i64, i64)>,
    low: Vec<(String, String, i64)>,
    low_total: usize,
    target: i64,
}

fn reference(t: &TestDb, period: Period, store: Option<i32>, threshold: i32) -> Reference {
    use stockroom::db::schema::{products, staffs, stocks, stores};
    let mut conn = t.db.conn().unwrap();
    let all: Vec<Order> = orders::table
        .select(Order::as_select())
        .load(&mut *conn)
        .unwrap();
    let lines: Vec<OrderItem> = order_items::table
        .select(OrderItem::as_select())
        .load(&mut *conn)
        .unwrap();
    let product_names: HashMap<i32, String> = products::table
        .select((products::product_id, products::product_name))
        .load(&mut *conn)
        .unwrap()
        .into_iter()
        .collect();
    let staff_names: HashMap<i32, String> = staffs::table
        .select((staffs::staff_id, staffs::first_name, staffs::last_name))
        .load::<(i32, String, String)>(&mut *conn)
        .unwrap()
        .into_iter()
        .map(|(id, f, l)| (id, format!("{f} {l}")))
        .collect();
    let store_names: HashMap<i32, String> = stores::table
        .select((stores::store_id, stores::store_name))
        .load(&mut *conn)
        .unwrap()
        .into_iter()
        .collect();
    let stock_rows: Vec<(i32, i32, i32)> = stocks::table
        .select((stocks::store_id, stocks::product_id, stocks::quantity))
        .load(&mut *conn)
        .unwrap();
    let by_id: HashMap<i32, &Order> = all.iter().map(|o| (o.order_id, o)).collect();
    let of_store = |o: &Order| store.is_none_or(|s| o.store_id == s);
    let bounds = period.bounds();
    let in_period = |o: &Order| {
        of_store(o) && bounds.is_none_or(|(a, b)| o.order_date >= a && o.order_date < b)
    };
    let mut r = Reference {
        by_status: HashMap::new(),
        revenue: 0,
        items: 0,
        average: 0,
        completion: 0.0,
        by_month: Vec::new(),
        top_products: Vec::new(),
        top_staff: Vec::new(),
        low: Vec::new(),
        low_total: 0,
        target: 0,
    };
    let mut staff_orders: HashMap<i32, i64> = HashMap::new();
    for o in all.iter().filter(|o| in_period(o)) {
        *r.by_status.entry(o.order_status).or_default() += 1;
        if o.order_status != 3 {
            *staff_orders.entry(o.staff_id).or_default() += 1;
        }
    }
    // Chart window: twelve whole months up to the period's end (or the latest order's month).
    let end = match bounds {
        Some((_, e)) => e,
        None => {
            let last = all
                .iter()
                .filter(|o| of_store(o))
                .map(|o| o.order_date)
                .max()
                .unwrap();
            NaiveDate::from_ymd_opt(last.year(), last.month(), 1).unwrap() + chrono::Months::new(1)
        }
    };
    let end = if end.day() == 1 {
        end
    } else {
        NaiveDate::from_ymd_opt(end.year(), end.month(), 1).unwrap() + chrono::Months::new(1)
    };
    let start = end - chrono::Months::new(12);
    let mut months: HashMap<String, i64> = HashMap::new();
    let mut products: HashMap<i32, (i64, i64)> = HashMap::new();
    let mut staff: HashMap<i32, i64> = HashMap::new();
    for l in &lines {
        let o = by_id[&l.order_id];
        if o.order_status == 3 || !of_store(o) {
            continue;
        }
        let cents = line_total_cents(l.list_price_cents, l.quantity, l.discount_bp);
        if o.order_date >= start && o.order_date < end {
            *months
                .entry(format!(
                    "{}-{:02}",
                    o.order_date.year(),
                    o.order_date.month()
                ))
                .or_default() += cents;
        }
        if in_period(o) {
            r.revenue += cents;
            r.items += l.quantity as i64;
            let p = products.entry(l.product_id).or_default();
            p.0 += l.quantity as i64;
            p.1 += cents;
            *staff.entry(o.staff_id).or_default() += cents;
        }
    }
    r.by_month = (0..12)
        .map(|i| {
            let m = start + chrono::Months::new(i);
            let key = format!("{}-{:02}", m.year(), m.month());
            let c = months.get(&key).copied().unwrap_or(0);
            (key, c)
        })
        .collect();
    let mut p: Vec<(i32, (i64, i64))> = products.into_iter().collect();
    p.sort_by(|a, b| b.1.1.cmp(&a.1.1).then(a.0.cmp(&b.0)));
    r.top_products = p
        .iter()
        .take(10)
        .map(|(id, (q, c))| (product_names[id].clone(), *q, *c))
        .collect();
    let mut s: Vec<(i32, i64)> = staff.into_iter().collect();
    s.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    r.top_staff = s
        .iter()
        .take(10)
        .map(|(id, c)| (staff_names[id].clone(), staff_orders[id], *c))
        .collect();
    let orders_n: u64 = r.by_status.values().sum();
    let sold = orders_n - r.by_status.get(&3).copied().unwrap_or(0);
    if sold > 0 {
        r.average = (r.revenue + sold as i64 / 2) / sold as i64;
    }
    if orders_n > 0 {
        r.completion = r.by_status.get(&4).copied().unwrap_or(0) as f64 / orders_n as f64;
    }
    let mut low: Vec<(String, String, i64)> = stock_rows
        .iter()
        .filter(|(st, _, q)| *q <= threshold && store.is_none_or(|s| *st == s))
        .map(|(st, p, q)| (store_names[st].clone(), product_names[p].clone(), *q as i64))
        .collect();
    low.sort_by(|a, b| a.2.cmp(&b.2).then(a.0.cmp(&b.0)).then(a.1.cmp(&b.1)));
    r.low_total = low.len();
    r.low = low;
    let months_n: i64 = match period {
        Period::Month { .. } => 1,
        Period::Quarter { .. } => 3,
        Period::Year { .. } => 12,
        Period::Range { from, to } => {
            i64::from((to.year() - from.year()) * 12) + i64::from(to.month())
                - i64::from(from.month())
                + 1
        }
        Period::All => {
            let dates: Vec<NaiveDate> = all
                .iter()
                .filter(|o| of_store(o))
                .map(|o| o.order_date)
                .collect();
            let (a, b) = (dates.iter().min().unwrap(), dates.iter().max().unwrap());
            i64::from((b.year() - a.year()) * 12) + i64::from(b.month()) - i64::from(a.month()) + 1
        }
    };
    let stores_n = if store.is_some() {
        1
    } else {
        store_names.len() as i64
    };
    r.target = 1_234_500 * stores_n * months_n;
    r
}

/// Compares every figure of the service with the reference.
fn check_all(t: &TestDb, auth: &stockroom::auth::Auth, store: Option<i32>, period: Period) {
    let threshold = 5;
    let got = dashboard::load(
        auth,
        &cli(),
        &DashboardQuery {
            store,
            period: Some(period),
            low_stock_threshold: threshold as u32,
            target_per_store_month_cents: 1_234_500,
        },
    )
    .unwrap();
    let e = reference(t, period, store, threshold);
    let label = format!("{} store {store:?} {}", t.backend(), period.label());
    for (s, n) in &got.orders_by_status {
        assert_eq!(
            *n,
            e.by_status.get(&s.code()).copied().unwrap_or(0),
            "{label} {s:?}"
        );
    }
    assert_eq!(got.revenue_cents, e.revenue, "{label} revenue");
    assert_eq!(got.items_sold, e.items, "{label} items");
    assert_eq!(got.average_order_cents, e.average, "{label} average");
    assert!(
        (got.completion_rate - e.completion).abs() < 1e-12,
        "{label} completion"
    );
    assert_eq!(got.by_month, e.by_month, "{label} months");
    assert_eq!(got.top_products, e.top_products, "{label} products");
    assert_eq!(got.top_staff, e.top_staff, "{label} staff");
    assert_eq!(got.target_cents, e.target, "{label} target");
    // Low stock: the same rows when all are listed, the same lowest quantities otherwise
    // (names sort by each server's collation among equal quantities).
    let qty = |v: &[(String, String, i64)]| v.iter().map(|x| x.2).collect::<Vec<_>>();
    assert_eq!(
        qty(&got.low_stock),
        qty(&e.low[..got.low_stock.len()]),
        "{label} low"
    );
    if e.low_total <= got.low_stock.len() {
        let mut a = got.low_stock.clone();
        a.sort();
        let mut b = e.low.clone();
        b.sort();
        assert_eq!(a, b, "{label} low rows");
    }
    assert!(!got.low_stock.is_empty() || e.low_total == 0, "{label}");
}

both_backends!(
    every_figure_of_the_original_store_equals_a_reference_to_the_cent,
    |t: TestDb| {
        let (auth, _) = accounts::auth(&t);
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/original/csv");
        stockroom::etl::import_csv(
            &auth,
            &cli(),
            &[dir],
            &Default::default(),
            &CancelToken::new(),
            &mut |_| {},
        )
        .unwrap();
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        let ids: Vec<i32> = {
            use stockroom::db::schema::stores;
            stores::table
                .select(stores::store_id)
                .load(&mut *t.db.conn().unwrap())
                .unwrap()
        };
        assert!(ids.len() >= 2);
        for store in std::iter::once(None).chain(ids.into_iter().map(Some)) {
            for period in [
                Period::Month {
                    year: 2018,
                    month: 4,
                },
                Period::Month {
                    year: 2016,
                    month: 1,
                },
                Period::Quarter {
                    year: 2017,
                    quarter: 3,
                },
                Period::Year { year: 2017 },
                Period::Range {
                    from: d(2017, 2, 14),
                    to: d(2017, 9, 3),
                },
                Period::All,
            ] {
                check_all(&t, &auth, store, period);
            }
        }
        // The default: the latest month with orders, of the store asked about.
        for store in [None, Some(2)] {
            let f = dashboard::load(
                &auth,
                &cli(),
                &DashboardQuery {
                    store,
                    ..Default::default()
                },
            )
            .unwrap();
            let dates: Vec<(i32, NaiveDate)> = orders::table
                .select((orders::store_id, orders::order_date))
                .load(&mut *t.db.conn().unwrap())
                .unwrap();
            let latest = dates
                .iter()
                .filter(|(s, _)| store.is_none_or(|x| x == *s))
                .map(|(_, d)| *d)
                .max()
                .unwrap();
            assert_eq!(
                f.period,
                Period::Month {
                    year: latest.year(),
                    month: latest.month()
                }
            );
        }
        // The first and last order days bound an open-ended range.
        let (first, last) = dashboard::order_dates(&auth, &cli(), None)
            .unwrap()
            .unwrap();
        let (a, b): (Option<NaiveDate>, Option<NaiveDate>) = orders::table
            .select((
                diesel::dsl::min(orders::order_date),
                diesel::dsl::max(orders::order_date),
            ))
            .first(&mut *t.db.conn().unwrap())
            .unwrap();
        assert_eq!((Some(first), Some(last)), (a, b));
    }
);

both_backends!(
    demo_figures_equal_a_reference_in_every_field,
    |t: TestDb| {
        demo(&t);
        let (auth, _) = accounts::auth(&t);
        for store in [None, Some(1)] {
            for period in [
                Period::Month {
                    year: 2018,
                    month: 6,
                },
                Period::Year { year: 2017 },
                Period::All,
            ] {
                check_all(&t, &auth, store, period);
            }
        }
    }
);

both_backends!(
    every_role_sees_the_dashboard_and_an_ended_session_does_not,
    |t: TestDb| {
        use stockroom::auth::{Actor, Role};
        demo(&t);
        let (auth, _) = accounts::auth(&t);
        accounts::add(&auth, "root", Role::Administrator);
        accounts::add(&auth, "mona", Role::Manager);
        accounts::add(&auth, "emil", Role::Employee);
        let q = DashboardQuery::default();
        let all = dashboard::load(&auth, &cli(), &q).unwrap();
        for name in ["root", "mona", "emil"] {
            let (s, _) = accounts::sign_in(&auth, name, accounts::PASSWORD, None);
            let who = Actor::from_session(&s);
            assert_eq!(dashboard::load(&auth, &who, &q).unwrap(), all, "{name}");
            auth.sign_out(&s, "test").unwrap();
            let e = dashboard::load(&auth, &who, &q).unwrap_err();
            assert!(
                matches!(e, stockroom::Error::SessionEnded(_)),
                "{name}: {e}"
            );
        }
    }
);

#[test]
fn periods_step_and_bound_as_said() {
    let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
    let m = Period::Month {
        year: 2018,
        month: 1,
    };
    assert_eq!(
        m.previous(),
        Period::Month {
            year: 2017,
            month: 12
        }
    );
    assert_eq!(m.bounds(), Some((d(2018, 1, 1), d(2018, 2, 1))));
    let q = Period::Quarter {
        year: 2018,
        quarter: 4,
    };
    assert_eq!(
        q.next(),
        Period::Quarter {
            year: 2019,
            quarter: 1
        }
    );
    assert_eq!(q.bounds(), Some((d(2018, 10, 1), d(2019, 1, 1))));
    let r = Period::Range {
        from: d(2018, 3, 10),
        to: d(2018, 3, 19),
    };
    assert_eq!(r.bounds(), Some((d(2018, 3, 10), d(2018, 3, 20))));
    assert_eq!(
        r.next(),
        Period::Range {
            from: d(2018, 3, 20),
            to: d(2018, 3, 29)
        }
    );
    assert_eq!(
        r.previous(),
        Period::Range {
            from: d(2018, 2, 28),
            to: d(2018, 3, 9)
        }
    );
    assert_eq!(r.label(), "2018-03-10 to 2018-03-19");
    assert_eq!(Period::All.bounds(), None);
}

both_backends!(
    stats_from_to_prints_the_service_figures_for_those_days,
    |t: TestDb| {
        demo(&t);
        let (auth, _) = accounts::auth(&t);
        let home = tempfile::tempdir().unwrap();
        let run = |args: &[&str]| {
            std::process::Command::new(env!("CARGO_BIN_EXE_stockroom"))
                .args(args)
                .env_clear()
                .env("HOME", home.path())
                .env("USER", "ops")
                .env("DATABASE_URL", &t.url)
                .output()
                .unwrap()
        };
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        let o = run(&[
            "stats",
            "--from",
            "2017-02-14",
            "--to",
            "2017-09-03",
            "--format",
            "json",
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let q = |period| DashboardQuery {
            period: Some(period),
            low_stock_threshold: 5,
            target_per_store_month_cents: 0,
            ..Default::default()
        };
        let f = dashboard::load(
            &auth,
            &cli(),
            &q(Period::Range {
                from: d(2017, 2, 14),
                to: d(2017, 9, 3),
            }),
        )
        .unwrap();
        assert_eq!(j["revenue_cents"].as_i64(), Some(f.revenue_cents));
        assert_eq!(j["orders"].as_u64(), Some(f.orders));
        // An open end runs to the last order's day.
        let (_, last) = dashboard::order_dates(&auth, &cli(), Some(1))
            .unwrap()
            .unwrap();
        let o = run(&[
            "stats",
            "--store",
            "1",
            "--from",
            "2018-01-01",
            "--format",
            "csv",
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let text = String::from_utf8_lossy(&o.stdout);
        assert!(text.contains(&format!("2018-01-01 to {last}")), "{text}");
        // A range the wrong way round is refused by name; --period with --from is a usage error.
        let o = run(&["stats", "--from", "2018-02-01", "--to", "2018-01-01"]);
        assert_eq!(o.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&o.stderr).contains("--to"));
        let o = run(&["stats", "--period", "2018", "--from", "2018-01-01"]);
        assert_eq!(o.status.code(), Some(2));
        let o = run(&["stats", "--from", "2018-02-30"]);
        assert_eq!(o.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&o.stderr).contains("--from"));
    }
);

both_backends!(
    monthly_totals_follow_every_change_to_past_orders,
    |t: TestDb| {
        use stockroom::store::data::{self as edit, FieldChange, Key};
        use stockroom::store::orders::{self as sell, NewLine, NewOrder, OrderStatus};
        demo(&t);
        let (auth, _) = accounts::auth(&t);
        // An order still open in a past month, and that month.
        let (open, day): (i32, NaiveDate) = orders::table
            .filter(orders::order_status.eq_any([1i16, 2]))
            .select((orders::order_id, orders::order_date))
            .order(orders::order_id)
            .first(&mut *t.db.conn().unwrap())
            .unwrap();
        let check = |what: &str| {
            for store in [None, Some(1)] {
                for period in [
                    Period::All,
                    Period::Year { year: day.year() },
                    Period::Month {
                        year: day.year(),
                        month: day.month(),
                    },
                ] {
                    check_all(&t, &auth, store, period);
                }
            }
            assert!(
                common::count(&t, "sales_months") > 12,
                "{what}: the months were summed"
            );
        };
        check("first look");
        // Rejecting it: its month is summed again.
        sell::set_status(&auth, &cli(), open, OrderStatus::Rejected).unwrap();
        check("after a rejection");
        // A line of a past Pending order edited in the Data tab (lines change only while
        // the order is Pending).
        let (order, item, price): (i32, i32, i64) = order_items::table
            .inner_join(orders::table)
            .filter(orders::order_status.eq(1))
            .select((
                order_items::order_id,
                order_items::item_id,
                order_items::list_price_cents,
            ))
            .order(order_items::order_id.desc())
            .first(&mut *t.db.conn().unwrap())
            .unwrap();
        edit::set(
            &auth,
            &cli(),
            "order_items",
            &Key(vec![order, item]),
            None,
            &[FieldChange {
                field: "list_price".into(),
                value: format!("{}.{:02}", (price + 700) / 100, (price + 700) % 100),
            }],
        )
        .unwrap();
        check("after an edit");
        // A sale today (a month never summed) counts at once.
        let (product, store): (i32, i32) = {
            use stockroom::db::schema::stocks;
            stocks::table
                .filter(stocks::quantity.gt(2))
                .select((stocks::product_id, stocks::store_id))
                .first(&mut *t.db.conn().unwrap())
                .unwrap()
        };
        let staff: i32 = {
            use stockroom::db::schema::staffs;
            staffs::table
                .filter(staffs::store_id.eq(store))
                .select(staffs::staff_id)
                .first(&mut *t.db.conn().unwrap())
                .unwrap()
        };
        sell::create(
            &auth,
            &cli(),
            &NewOrder {
                customer_id: None,
                store_id: store,
                staff_id: staff,
                lines: vec![NewLine {
                    product_id: product,
                    quantity: 2,
                    discount_bp: 500,
                }],
            },
        )
        .unwrap();
        for store in [None, Some(store)] {
            check_all(&t, &auth, store, Period::All);
        }
        // An import of order lines: every month is summed again.
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("order_items.csv"),
            format!(
                "order_id,item_id,product_id,quantity,list_price,discount\n{order},{item},{product},1,10.00,0\n"
            ),
        )
        .unwrap();
        stockroom::etl::import_csv(
            &auth,
            &cli(),
            &[dir.path().join("order_items.csv")],
            &Default::default(),
            &CancelToken::new(),
            &mut |_| {},
        )
        .unwrap();
        check("after an import");
        // Changes made with SQL behind Stockroom's back (a DBA's correction, another program):
        // the database forgets the months itself, on each backend.
        let completed: i32 = orders::table
            .filter(orders::order_status.eq(4))
            .select(orders::order_id)
            .order(orders::order_id)
            .first(&mut *t.db.conn().unwrap())
            .unwrap();
        check("before the SQL");
        for sql in [
            format!("UPDATE order_items SET quantity = quantity + 10 WHERE order_id = {completed}"),
            format!("UPDATE orders SET order_date = '2016-02-03' WHERE order_id = {completed}"),
            format!("DELETE FROM order_items WHERE order_id = {completed} AND item_id = 1"),
            format!("UPDATE orders SET order_status = 3 WHERE order_id = {completed}"),
        ] {
            diesel::sql_query(&sql)
                .execute(&mut *t.db.conn().unwrap())
                .unwrap();
            check(&sql);
        }
    }
);
