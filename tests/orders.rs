//! Orders on real SQLite and MariaDB: stock taken with the order in one transaction, short
//! stock writing nothing and saying what is left, every allowed and refused status change,
//! stock put back exactly once on rejection, and terminals (threads and processes) racing
//! for the last unit: exactly one sale, never negative stock.

mod common;

use std::path::Path;
use std::sync::{Arc, Barrier};

use diesel::prelude::*;
use stockroom::Error;
use stockroom::auth::{Auth, Role};
use stockroom::db::schema::{orders as orders_t, stocks};
use stockroom::store::orders::{self, NewLine, NewOrder, OrderQuery, OrderStatus};
use stockroom::worker::CancelToken;

use common::accounts::{self, PASSWORD, add, cli, sign_in};
use common::{TestDb, count, snapshot};

fn fixture(auth: &Auth) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/original/csv");
    stockroom::etl::import_csv(
        auth,
        &cli(),
        &[dir],
        &Default::default(),
        &CancelToken::new(),
        &mut |_| {},
    )
    .unwrap();
}

/// Store 1 (Santa Cruz Bikes) and one of its staff.
fn store_and_staff(t: &TestDb) -> (i32, i32) {
    use stockroom::db::schema::staffs;
    let staff: i32 = staffs::table
        .filter(staffs::store_id.eq(1))
        .select(staffs::staff_id)
        .first(&mut *t.db.conn().unwrap())
        .unwrap();
    (1, staff)
}

fn stock(t: &TestDb, store: i32, product: i32) -> i32 {
    stocks::table
        .find((store, product))
        .select(stocks::quantity)
        .first(&mut *t.db.conn().unwrap())
        .unwrap()
}

fn set_stock(t: &TestDb, store: i32, product: i32, n: i32) {
    diesel::update(stocks::table.find((store, product)))
        .set(stocks::quantity.eq(n))
        .execute(&mut *t.db.conn().unwrap())
        .unwrap();
}

fn order(store: i32, staff: i32, lines: &[(i32, i32, i32)]) -> NewOrder {
    NewOrder {
        customer_id: Some(1),
        store_id: store,
        staff_id: staff,
        lines: lines
            .iter()
            .map(|&(product_id, quantity, discount_bp)| NewLine {
                product_id,
                quantity,
                discount_bp,
            })
            .collect(),
    }
}

both_backends!(
    an_order_takes_its_stock_and_totals_to_the_cent,
    |t: TestDb| {
        let (auth, _) = accounts::auth(&t);
        fixture(&auth);
        let (store, staff) = store_and_staff(&t);
        let before = (stock(&t, store, 1), stock(&t, store, 2));
        let id = orders::create(
            &auth,
            &cli(),
            &order(store, staff, &[(1, 2, 700), (2, 1, 0)]),
        )
        .unwrap();
        assert_eq!(
            (stock(&t, store, 1), stock(&t, store, 2)),
            (before.0 - 2, before.1 - 1)
        );
        let o = orders::show(&auth, &cli(), id).unwrap();
        assert_eq!(o.summary.status, OrderStatus::Pending);
        assert_eq!(o.lines.len(), 2);
        // 2 × 379.99 less 7 % = 706.78; plus 599.99 = 1,306.77.
        assert_eq!(o.lines[0].total_cents, 70_678);
        assert_eq!(o.summary.total_cents, 130_677);
        let listed = orders::list(
            &auth,
            &cli(),
            &OrderQuery {
                limit: 10,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(listed.orders[0].order_id, id, "newest first");
        assert_eq!(listed.total as i64, count(&t, "orders"));
        let audited: i64 = {
            use stockroom::db::schema::audit_events::dsl::*;
            audit_events
                .filter(event.eq("order.created"))
                .count()
                .get_result(&mut *t.db.conn().unwrap())
                .unwrap()
        };
        assert_eq!(audited, 1);
    }
);

both_backends!(
    short_stock_writes_nothing_and_says_what_is_left,
    |t: TestDb| {
        let (auth, _) = accounts::auth(&t);
        fixture(&auth);
        let (store, staff) = store_and_staff(&t);
        set_stock(&t, store, 2, 1);
        let before = snapshot(&t);
        let e = orders::create(&auth, &cli(), &order(store, staff, &[(1, 1, 0), (2, 3, 0)]))
            .unwrap_err();
        let msg = e.to_string();
        assert!(matches!(e, Error::Conflict(_)), "{msg}");
        assert!(
            msg.contains("Electra Townie")
                && msg.contains("Santa Cruz Bikes")
                && msg.contains("1 left")
                && msg.contains("3 asked"),
            "{msg}"
        );
        assert_eq!(
            snapshot(&t),
            before,
            "nothing written, the first line's stock included"
        );
        // Bad input is refused by name, before anything is written.
        for (o, field) in [
            (order(store, staff, &[(1, 0, 0)]), "line 1"),
            (order(store, staff, &[(999, 1, 0)]), "product"),
            (order(store, 999, &[(1, 1, 0)]), "staff"),
            (order(store, staff, &[]), "lines"),
        ] {
            match orders::create(&auth, &cli(), &o) {
                Err(Error::InvalidField { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{field}: {other:?}"),
            }
        }
        assert_eq!(snapshot(&t), before);
    }
);

both_backends!(
    statuses_move_only_along_their_paths_and_rejection_returns_stock_once,
    |t: TestDb| {
        let (auth, _) = accounts::auth(&t);
        fixture(&auth);
        let (store, staff) = store_and_staff(&t);
        let start = stock(&t, store, 1);
        let a = orders::create(&auth, &cli(), &order(store, staff, &[(1, 3, 0)])).unwrap();
        assert_eq!(stock(&t, store, 1), start - 3);
        // Refused: back to Pending, skipping Processing.
        let e = orders::set_status(&auth, &cli(), a, OrderStatus::Completed).unwrap_err();
        assert!(e.to_string().contains("only from Processing"), "{e}");
        orders::set_status(&auth, &cli(), a, OrderStatus::Processing).unwrap();
        let e = orders::set_status(&auth, &cli(), a, OrderStatus::Pending).unwrap_err();
        assert!(e.to_string().contains("never goes back"), "{e}");
        orders::set_status(&auth, &cli(), a, OrderStatus::Completed).unwrap();
        let shipped: Option<chrono::NaiveDate> = orders_t::table
            .find(a)
            .select(orders_t::shipped_date)
            .first(&mut *t.db.conn().unwrap())
            .unwrap();
        assert!(shipped.is_some(), "completing sets the shipped date");
        let e = orders::set_status(&auth, &cli(), a, OrderStatus::Rejected).unwrap_err();
        assert!(e.to_string().contains("final"), "{e}");
        assert_eq!(
            stock(&t, store, 1),
            start - 3,
            "a completed order keeps its stock"
        );
        // Rejecting puts the stock back, once.
        let b = orders::create(&auth, &cli(), &order(store, staff, &[(1, 2, 0)])).unwrap();
        assert_eq!(stock(&t, store, 1), start - 5);
        orders::set_status(&auth, &cli(), b, OrderStatus::Rejected).unwrap();
        assert_eq!(stock(&t, store, 1), start - 3);
        assert!(orders::set_status(&auth, &cli(), b, OrderStatus::Rejected).is_err());
        assert_eq!(stock(&t, store, 1), start - 3, "not twice");
        assert!(matches!(
            orders::set_status(&auth, &cli(), 9_999, OrderStatus::Processing),
            Err(Error::NotFound(_))
        ));
    }
);

both_backends!(every_role_sells_and_an_ended_session_cannot, |t: TestDb| {
    let (auth, _) = accounts::auth(&t);
    fixture(&auth);
    add(&auth, "root", Role::Administrator);
    add(&auth, "emil", Role::Employee);
    let (store, staff) = store_and_staff(&t);
    let (s, _) = sign_in(&auth, "emil", PASSWORD, None);
    let emil = stockroom::auth::Actor::from_session(&s);
    let id = orders::create(&auth, &emil, &order(store, staff, &[(1, 1, 0)])).unwrap();
    orders::set_status(&auth, &emil, id, OrderStatus::Processing).unwrap();
    auth.sign_out(&s, "test").unwrap();
    let e = orders::create(&auth, &emil, &order(store, staff, &[(1, 1, 0)])).unwrap_err();
    assert!(matches!(e, Error::SessionEnded(_)), "{e}");
});

both_backends!(
    terminals_racing_for_the_last_unit_sell_it_once,
    |t: TestDb| {
        let (auth, _) = accounts::auth(&t);
        fixture(&auth);
        let (store, staff) = store_and_staff(&t);
        let orders_before = count(&t, "orders");
        let rounds = 8;
        for round in 0..rounds {
            set_stock(&t, store, 2, 1);
            let go = Arc::new(Barrier::new(6));
            let handles: Vec<_> = (0..6)
                .map(|_| {
                    let (auth, go) = (auth.clone(), go.clone());
                    std::thread::spawn(move || {
                        go.wait();
                        orders::create(&auth, &cli(), &order(store, staff, &[(2, 1, 0)]))
                    })
                })
                .collect();
            let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
            let sold = results.iter().filter(|r| r.is_ok()).count();
            assert_eq!(sold, 1, "round {round}: {results:?}");
            for r in results.iter().filter_map(|r| r.as_ref().err()) {
                assert!(
                    r.to_string().contains("not enough stock"),
                    "round {round}: {r}"
                );
            }
            assert_eq!(stock(&t, store, 2), 0);
        }
        assert_eq!(count(&t, "orders") - orders_before, rounds);
    }
);

#[test]
fn processes_racing_for_the_last_unit_on_mariadb_sell_it_once() {
    let Some(t) = TestDb::mysql() else { return };
    let (auth, _) = accounts::auth(&t);
    fixture(&auth);
    add(&auth, "root", Role::Administrator);
    let (store, staff) = store_and_staff(&t);
    let home = tempfile::tempdir().unwrap();
    for round in 0..3 {
        set_stock(&t, store, 2, 1);
        let children: Vec<_> = (0..4)
            .map(|_| {
                std::process::Command::new(env!("CARGO_BIN_EXE_stockroom"))
                    .args([
                        "order",
                        "create",
                        "--customer",
                        "1",
                        "--store",
                        &store.to_string(),
                        "--staff",
                        &staff.to_string(),
                        "--line",
                        "2:1",
                    ])
                    .env_clear()
                    .env("HOME", home.path())
                    .env("USER", "ops")
                    .env("DATABASE_URL", &t.url)
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let outs: Vec<_> = children
            .into_iter()
            .map(|c| c.wait_with_output().unwrap())
            .collect();
        let ok = outs.iter().filter(|o| o.status.success()).count();
        assert_eq!(ok, 1, "round {round}");
        for o in outs.iter().filter(|o| !o.status.success()) {
            assert_eq!(o.status.code(), Some(1));
            assert!(
                String::from_utf8_lossy(&o.stderr).contains("not enough stock"),
                "{}",
                String::from_utf8_lossy(&o.stderr)
            );
        }
        assert_eq!(stock(&t, store, 2), 0);
    }
}
