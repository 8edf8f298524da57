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
use stockroom::store::orders::{self, NewOrder, OrderQuery, OrderStatus};
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

/// A sale to customer 1.
fn order(store: i32, staff: i32, lines: &[(i32, i32, i32)]) -> NewOrder {
    common::shop::order_for(Some(1), store, staff, lines)
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
        // Found by the customer's full name as typed, in any case and word order.
        let name = o.summary.customer.clone().unwrap();
        let typed: Vec<String> = name.split(' ').rev().map(str::to_uppercase).collect();
        let found = orders::list(
            &auth,
            &cli(),
            &OrderQuery {
                limit: 10,
                search: Some(typed.join("  ")),
                ..Default::default()
            },
        )
        .unwrap();
        assert!(found.orders.iter().any(|s| s.order_id == id), "{typed:?}");
        assert!(
            found
                .orders
                .iter()
                .all(|s| s.customer.as_deref() == Some(name.as_str()))
        );
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

/// Puts order `id` into `status` directly (the test's setup, not the workflow).
fn force_status(t: &TestDb, id: i32, status: OrderStatus) {
    diesel::update(orders_t::table.find(id))
        .set(orders_t::order_status.eq(status.code()))
        .execute(&mut *t.db.conn().unwrap())
        .unwrap();
}

both_backends!(
    every_transition_is_allowed_or_refused_with_its_reason,
    |t: TestDb| {
        let (auth, _) = accounts::auth(&t);
        fixture(&auth);
        let (store, staff) = store_and_staff(&t);
        use OrderStatus::*;
        let allowed = [
            (Pending, Processing),
            (Processing, Completed),
            (Pending, Rejected),
            (Processing, Rejected),
        ];
        for from in OrderStatus::ALL {
            for to in OrderStatus::ALL {
                let id = orders::create(&auth, &cli(), &order(store, staff, &[(1, 1, 0)])).unwrap();
                force_status(&t, id, from);
                let stock_before = stock(&t, store, 1);
                let audit_before = count(&t, "audit_events");
                let before = snapshot(&t);
                let r = orders::set_status(&auth, &cli(), id, to);
                let label = format!("{from:?} → {to:?}");
                if allowed.contains(&(from, to)) {
                    r.unwrap_or_else(|e| panic!("{label}: {e}"));
                    let o = orders::show(&auth, &cli(), id).unwrap();
                    assert_eq!(o.summary.status, to, "{label}");
                    assert_eq!(o.shipped_date.is_some(), to == Completed, "{label}");
                    assert_eq!(
                        stock(&t, store, 1),
                        stock_before + i32::from(to == Rejected),
                        "{label}: stock back only on rejection"
                    );
                    assert_eq!(count(&t, "audit_events"), audit_before + 1, "{label}");
                } else {
                    let e = r.expect_err(&label);
                    let msg = e.to_string();
                    assert!(matches!(e, Error::Invalid(_)), "{label}: {msg}");
                    assert!(
                        msg.contains(from.name()) && msg.contains(to.name()) && msg.contains('('),
                        "{label}: the reason is given: {msg}"
                    );
                    assert_eq!(snapshot(&t), before, "{label}: nothing written");
                }
            }
        }
    }
);

both_backends!(
    two_terminals_rejecting_at_once_put_the_stock_back_once,
    |t: TestDb| {
        let (auth, _) = accounts::auth(&t);
        fixture(&auth);
        let (store, staff) = store_and_staff(&t);
        for round in 0..6 {
            let start = stock(&t, store, 1);
            let id = orders::create(&auth, &cli(), &order(store, staff, &[(1, 2, 0)])).unwrap();
            let go = Arc::new(Barrier::new(4));
            let handles: Vec<_> = (0..4)
                .map(|_| {
                    let (auth, go) = (auth.clone(), go.clone());
                    std::thread::spawn(move || {
                        go.wait();
                        orders::set_status(&auth, &cli(), id, OrderStatus::Rejected)
                    })
                })
                .collect();
            let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
            assert_eq!(
                results.iter().filter(|r| r.is_ok()).count(),
                1,
                "round {round}: {results:?}"
            );
            assert_eq!(
                stock(&t, store, 1),
                start,
                "round {round}: back exactly once"
            );
        }
    }
);

both_backends!(
    the_new_order_form_finds_customers_products_with_stock_and_the_own_staff,
    |t: TestDb| {
        use stockroom::store::orders::choose;
        let (auth, _) = accounts::auth(&t);
        fixture(&auth);
        let (store, staff) = store_and_staff(&t);
        // Customers by part of a name, an e-mail or a phone, and by id.
        let (first, email, phone): (String, String, Option<String>) = {
            use stockroom::db::schema::customers;
            customers::table
                .filter(customers::phone.is_not_null())
                .select((customers::first_name, customers::email, customers::phone))
                .first(&mut *t.db.conn().unwrap())
                .unwrap()
        };
        let phone = phone.unwrap();
        for text in [&first[..first.len().min(4)], &email[..], &phone[1..6]] {
            let found = choose::customers(&auth, &cli(), text).unwrap();
            assert!(!found.is_empty(), "{text}");
            assert!(found.len() <= 6);
        }
        assert!(
            choose::customers(&auth, &cli(), &email)
                .unwrap()
                .iter()
                .any(|c| c.email == email)
        );
        assert_eq!(
            choose::customers(&auth, &cli(), "1").unwrap()[0].customer_id,
            1
        );
        // Products with the stock left in that store.
        set_stock(&t, store, 2, 4);
        let p = choose::products(&auth, &cli(), store, "Townie").unwrap();
        let townie = p
            .iter()
            .find(|c| c.product_id == 2)
            .expect("product 2 by name");
        assert_eq!(townie.stock_left, 4);
        let by_brand = choose::products(&auth, &cli(), store, "electra").unwrap();
        assert!(
            by_brand
                .iter()
                .all(|c| c.brand.eq_ignore_ascii_case("Electra"))
        );
        assert!(!by_brand.is_empty());
        orders::create(&auth, &cli(), &order(store, staff, &[(2, 3, 0)])).unwrap();
        let p = choose::products(&auth, &cli(), store, "2").unwrap();
        assert_eq!((p[0].product_id, p[0].stock_left), (2, 1));
        // The signed-in account's own staff member and store; none for an unlinked one.
        add(&auth, "root", Role::Administrator);
        let who = stockroom::auth::Actor::cli(&Default::default());
        assert_eq!(choose::own_staff(&auth, &who).unwrap(), None);
        auth.add_user(&cli(), "sam", Role::Employee, Some(staff), PASSWORD)
            .unwrap();
        let (s, _) = sign_in(&auth, "sam", PASSWORD, None);
        let sam = stockroom::auth::Actor::from_session(&s);
        let own = choose::own_staff(&auth, &sam).unwrap().expect("linked");
        assert_eq!((own.staff_id, own.store_id), (staff, store));
        let (r, _) = sign_in(&auth, "root", PASSWORD, None);
        let root = stockroom::auth::Actor::from_session(&r);
        assert_eq!(choose::own_staff(&auth, &root).unwrap(), None);
        // The staff of a store, for the form's list.
        assert!(
            choose::staff_of(&auth, &sam, store)
                .unwrap()
                .iter()
                .any(|(id, _)| *id == staff)
        );
    }
);

/// `rounds` rounds of `n` separate `stockroom order create` processes racing for the last
/// unit: exactly one sells it each round, the others exit 1 saying the stock is gone.
fn processes_race(t: &TestDb, rounds: usize, n: usize) {
    let (auth, _) = accounts::auth(t);
    fixture(&auth);
    add(&auth, "root", Role::Administrator);
    let (store, staff) = store_and_staff(t);
    let home = tempfile::tempdir().unwrap();
    let before = count(t, "orders");
    for round in 0..rounds {
        set_stock(t, store, 2, 1);
        let children: Vec<_> = (0..n)
            .map(|_| {
                std::process::Command::new(env!("CARGO_BIN_EXE_stockroom"))
                    .args(["order", "create", "--customer", "1", "--store"])
                    .arg(store.to_string())
                    .arg("--staff")
                    .arg(staff.to_string())
                    .args(["--line", "2:1"])
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
        assert_eq!(ok, 1, "round {round}: {outs:?}");
        for o in outs.iter().filter(|o| !o.status.success()) {
            assert_eq!(o.status.code(), Some(1));
            let err = String::from_utf8_lossy(&o.stderr);
            assert!(
                err.contains("not enough stock") && err.contains("0 left"),
                "{err}"
            );
        }
        assert_eq!(stock(t, store, 2), 0, "round {round}");
    }
    assert_eq!(
        count(t, "orders") - before,
        rounds as i64,
        "one order a round"
    );
}

#[test]
fn processes_racing_for_the_last_unit_on_sqlite_sell_it_once() {
    processes_race(&TestDb::sqlite(), 5, 4);
}

#[test]
fn many_rounds_of_processes_racing_on_mariadb_sell_once_each() {
    if let Some(t) = TestDb::mysql() {
        processes_race(&t, 10, 6);
    }
}

both_backends!(many_rounds_of_eight_threads_never_oversell, |t: TestDb| {
    let (auth, _) = accounts::auth(&t);
    fixture(&auth);
    let (store, staff) = store_and_staff(&t);
    let before = count(&t, "orders");
    let rounds = 25;
    for round in 0..rounds {
        // Two units, each terminal asks for one of two products in either order.
        set_stock(&t, store, 2, 1);
        set_stock(&t, store, 1, 1);
        let go = Arc::new(Barrier::new(8));
        let handles: Vec<_> = (0..8)
            .map(|i| {
                let (auth, go) = (auth.clone(), go.clone());
                let lines = if i % 2 == 0 {
                    [(2, 1, 0), (1, 1, 0)]
                } else {
                    [(1, 1, 0), (2, 1, 0)]
                };
                std::thread::spawn(move || {
                    go.wait();
                    orders::create(&auth, &cli(), &order(store, staff, &lines))
                })
            })
            .collect();
        let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        assert_eq!(
            results.iter().filter(|r| r.is_ok()).count(),
            1,
            "round {round}: {results:?}"
        );
        assert_eq!(
            (stock(&t, store, 2), stock(&t, store, 1)),
            (0, 0),
            "round {round}"
        );
    }
    assert_eq!(count(&t, "orders") - before, rounds);
    let negative: i64 = stocks::table
        .filter(stocks::quantity.lt(0))
        .count()
        .get_result(&mut *t.db.conn().unwrap())
        .unwrap();
    assert_eq!(negative, 0);
});

#[test]
fn set_status_from_the_shell_moves_on_or_exits_1_with_the_reason() {
    let t = TestDb::sqlite();
    let (auth, _) = accounts::auth(&t);
    fixture(&auth);
    let (store, staff) = store_and_staff(&t);
    let id = orders::create(&auth, &cli(), &order(store, staff, &[(1, 1, 0)])).unwrap();
    let home = tempfile::tempdir().unwrap();
    let run = |status: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_stockroom"))
            .args(["order", "set-status", &id.to_string(), status])
            .env_clear()
            .env("HOME", home.path())
            .env("USER", "ops")
            .env("DATABASE_URL", &t.url)
            .output()
            .unwrap()
    };
    let o = run("completed");
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("only from Processing"), "{err}");
    assert!(run("processing").status.success());
    assert!(run("completed").status.success());
    let o = run("pending");
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("final")
            || String::from_utf8_lossy(&o.stderr).contains("never goes back")
    );
    assert_eq!(
        orders::show(&auth, &cli(), id).unwrap().summary.status,
        OrderStatus::Completed
    );
}

both_backends!(
    a_clerk_adds_a_customer_at_the_till_but_not_in_the_data_tab,
    |t: TestDb| {
        use stockroom::auth::Actor;
        use stockroom::store::data::{self, FieldChange};
        use stockroom::store::orders::choose;
        let (auth, _) = accounts::auth(&t);
        add(&auth, "root", Role::Administrator);
        add(&auth, "emil", Role::Employee);
        let (s, _) = sign_in(&auth, "emil", PASSWORD, None);
        let emil = Actor::from_session(&s);
        let id =
            choose::add_customer(&auth, &emil, "Ann", "O'Neill", "ann@example.com", "").unwrap();
        assert!(id > 0);
        assert_eq!(count(&t, "customers"), 1);
        // The same clerk may not add records in the Data tab (that needs EditRecords).
        let e = data::add(
            &auth,
            &emil,
            "customers",
            &[
                FieldChange {
                    field: "first_name".into(),
                    value: "Bo".into(),
                },
                FieldChange {
                    field: "last_name".into(),
                    value: "Li".into(),
                },
                FieldChange {
                    field: "email".into(),
                    value: "bo@example.com".into(),
                },
            ],
        )
        .unwrap_err();
        assert!(matches!(e, Error::Forbidden(_)), "{e}");
        // A bad e-mail names the field; an ended session adds nothing.
        let e = choose::add_customer(&auth, &emil, "Cy", "Ng", "nope", "").unwrap_err();
        assert!(e.to_string().contains("email"), "{e}");
        auth.sign_out(&s, "test").unwrap();
        let e = choose::add_customer(&auth, &emil, "Di", "Ng", "di@example.com", "").unwrap_err();
        assert!(matches!(e, Error::SessionEnded(_)), "{e}");
        assert_eq!(count(&t, "customers"), 1);
    }
);
