//! The till on real SQLite and MariaDB: payments with change and refusals, returns refunded to
//! the cent with their stock, revenue net of returns, the day's X report and Z close (a second
//! close refused, two racing leave one), each store's own day, and receipts.

mod common;

use std::sync::{Arc, Barrier};

use chrono::{Datelike, NaiveDate};
use diesel::prelude::*;
use stockroom::Error;
use stockroom::auth::{Auth, Role};
use stockroom::db::schema::{orders as orders_t, payments};
use stockroom::store::dashboard::{self, DashboardQuery, Period};
use stockroom::store::data::{self, FieldChange, Key};
use stockroom::store::orders::{self, NewOrder, OrderStatus};
use stockroom::store::stock::{self, StockLine};
use stockroom::store::till::{self, ReturnLine, Tender, TenderSpec};

use common::TestDb;
use common::accounts::{self, add, cli};
use common::shop::{demo, qty, staff_of};

fn stock_up(auth: &Auth, store: i32, product: i32, units: i32) {
    stock::count(
        auth,
        &cli(),
        store,
        &[StockLine {
            product_id: product,
            units,
        }],
        None,
    )
    .unwrap();
}

/// Sets product 7's price (a test knows what a line costs).
fn price(auth: &Auth, product: i32, text: &str) {
    data::set(
        auth,
        &cli(),
        "products",
        &Key(vec![product]),
        None,
        &[FieldChange {
            field: "list_price".into(),
            value: text.into(),
        }],
    )
    .unwrap();
}

/// A walk-in sale.
fn order(store: i32, staff: i32, lines: &[(i32, i32, i32)]) -> NewOrder {
    common::shop::order_for(None, store, staff, lines)
}

fn pay(texts: &[&str]) -> Vec<TenderSpec> {
    texts
        .iter()
        .map(|t| TenderSpec::parse(t).unwrap())
        .collect()
}

fn complete(auth: &Auth, id: i32) {
    orders::set_status(auth, &cli(), id, OrderStatus::Processing).unwrap();
    orders::set_status(auth, &cli(), id, OrderStatus::Completed).unwrap();
}

fn count(t: &TestDb, table: &str) -> i64 {
    common::count(t, table)
}

both_backends!(
    cash_gives_change_and_too_little_writes_nothing,
    |t: TestDb| {
        demo(&t, 9);
        let (auth, _) = accounts::auth(&t);
        let staff = staff_of(&t, 1);
        stock_up(&auth, 1, 7, 10);
        price(&auth, 7, "72.99");
        let before = (count(&t, "orders"), count(&t, "payments"), qty(&t, 1, 7));
        let e = orders::sell_paid(
            &auth,
            &cli(),
            &order(1, staff, &[(7, 1, 0)]),
            &pay(&["cash:50"]),
        )
        .unwrap_err();
        assert!(e.to_string().contains("22.99 short"), "{e}");
        assert_eq!(
            (count(&t, "orders"), count(&t, "payments"), qty(&t, 1, 7)),
            before,
            "nothing written"
        );
        let sold = orders::sell_paid(
            &auth,
            &cli(),
            &order(1, staff, &[(7, 1, 0)]),
            &pay(&["cash:100"]),
        )
        .unwrap();
        assert_eq!(sold.paid.len(), 1);
        assert_eq!(sold.paid[0].change_cents(), 2_701);
        let stored: (String, i64, i64) = payments::table
            .filter(payments::order_id.eq(sold.order_id))
            .select((
                payments::tender,
                payments::amount_cents,
                payments::tendered_cents,
            ))
            .first(&mut *t.db.conn().unwrap())
            .unwrap();
        assert_eq!(stored, ("cash".into(), 7_299, 10_000));
        // Split: a card for part, cash for the rest with change.
        let split = orders::sell_paid(
            &auth,
            &cli(),
            &order(1, staff, &[(7, 2, 0)]),
            &pay(&["card:100", "cash:50"]),
        )
        .unwrap();
        assert_eq!(
            split
                .paid
                .iter()
                .map(|p| (p.tender, p.amount_cents, p.change_cents()))
                .collect::<Vec<_>>(),
            vec![(Tender::Card, 10_000, 0), (Tender::Cash, 4_598, 402)]
        );
        // Orders from before payments were recorded show none.
        let old = orders::show(&auth, &cli(), 1).unwrap();
        assert!(old.payments.is_empty());
        // The receipt: the lines, the tender and the change, at 42 and 48 columns.
        for width in [42, 48] {
            let r = till::receipt(&auth, &cli(), sold.order_id, width).unwrap();
            assert!(r.lines().all(|l| l.chars().count() <= width), "{r}");
            for want in ["TOTAL", "72.99", "Cash", "100.00", "Change", "27.01"] {
                assert!(r.contains(want), "{want}: {r}");
            }
        }
        assert!(till::receipt(&auth, &cli(), sold.order_id, 40).is_err());
    }
);

both_backends!(returns_refund_to_the_cent_and_restock, |t: TestDb| {
    demo(&t, 9);
    let (auth, _) = accounts::auth(&t);
    add(&auth, "root", Role::Administrator);
    let emil = common::shop::actor(&auth, "emil", Role::Employee);
    let staff = staff_of(&t, 1);
    stock_up(&auth, 1, 7, 10);
    price(&auth, 7, "99.99");
    // 3 units at 10 % off: 269.97.
    let sold = orders::sell_paid(
        &auth,
        &cli(),
        &order(1, staff, &[(7, 3, 1_000)]),
        &pay(&["card"]),
    )
    .unwrap();
    assert_eq!(sold.total_cents, 26_997);
    let back = |n: i32, restock: bool| {
        till::return_items(
            &auth,
            &emil,
            sold.order_id,
            &[ReturnLine {
                product_id: 7,
                quantity: n,
            }],
            restock,
            None,
        )
    };
    // An order neither paid nor on its way takes no returns (it is changed or rejected).
    let unpaid = orders::create(&auth, &cli(), &order(1, staff, &[(7, 1, 0)])).unwrap();
    let e = till::return_items(
        &auth,
        &emil,
        unpaid,
        &[ReturnLine {
            product_id: 7,
            quantity: 1,
        }],
        true,
        None,
    )
    .unwrap_err();
    assert!(e.to_string().contains("Pending"), "{e}");
    orders::set_status(&auth, &cli(), unpaid, OrderStatus::Rejected).unwrap();
    complete(&auth, sold.order_id);
    assert_eq!(qty(&t, 1, 7), 7);
    let one = back(1, true).unwrap();
    let two = back(2, false).unwrap();
    assert_eq!(
        one.refund_cents + two.refund_cents,
        26_997,
        "the line's total"
    );
    assert_eq!((one.refund_cents, two.refund_cents), (8_999, 17_998));
    assert_eq!(one.tender, Tender::Card, "the tender it was paid with");
    // Restocked once, the damaged two not at all.
    assert_eq!(qty(&t, 1, 7), 8);
    let e = back(1, true).unwrap_err();
    assert!(e.to_string().contains("at most 0 can come back"), "{e}");
    assert!(stock::verify(&auth, &cli()).unwrap().is_empty());
    let shown = orders::show(&auth, &cli(), sold.order_id).unwrap();
    assert_eq!(shown.returns.len(), 2);
    assert_eq!(
        shown.payments.iter().map(|p| p.amount_cents).sum::<i64>(),
        0,
        "paid and refunded in full"
    );
    // A product the order does not hold, and none at all, are refused by name.
    let e = till::return_items(
        &auth,
        &emil,
        sold.order_id,
        &[ReturnLine {
            product_id: 8,
            quantity: 1,
        }],
        true,
        None,
    )
    .unwrap_err();
    assert!(e.to_string().contains("no line of product 8"), "{e}");
    let log = auth.audit_log(&cli(), &Default::default()).unwrap();
    assert!(
        log.iter()
            .any(|e| e.event == "order.returned" && e.actor == "emil")
    );
});

both_backends!(
    revenue_is_net_of_returns_in_the_month_of_the_return,
    |t: TestDb| {
        demo(&t, 9);
        let (auth, clock) = accounts::auth(&t);
        let staff = staff_of(&t, 2);
        stock_up(&auth, 2, 7, 10);
        price(&auth, 7, "100.00");
        let sold = orders::sell_paid(
            &auth,
            &cli(),
            &order(2, staff, &[(7, 2, 0)]),
            &pay(&["cash:200"]),
        )
        .unwrap();
        complete(&auth, sold.order_id);
        let month = |auth: &Auth| {
            let d = sold.order_date;
            dashboard::load(
                auth,
                &cli(),
                &DashboardQuery {
                    store: Some(2),
                    period: Some(Period::Month {
                        year: d.year(),
                        month: d.month(),
                    }),
                    low_stock_threshold: 5,
                    target_per_store_month_cents: 100,
                },
            )
            .unwrap()
            .revenue_cents
        };
        let before = month(&auth);
        assert!(before >= 20_000);
        // A return a month later counts in that month, not the sale's.
        clock.advance(35 * 86_400);
        till::return_items(
            &auth,
            &cli(),
            sold.order_id,
            &[ReturnLine {
                product_id: 7,
                quantity: 1,
            }],
            true,
            None,
        )
        .unwrap();
        assert_eq!(month(&auth), before, "the sale's month keeps its revenue");
        let later =
            stockroom::store::zones::store_today(&mut t.db.conn().unwrap(), 2, auth.now()).unwrap();
        let next = dashboard::load(
            &auth,
            &cli(),
            &DashboardQuery {
                store: Some(2),
                period: Some(Period::Month {
                    year: later.year(),
                    month: later.month(),
                }),
                low_stock_threshold: 5,
                target_per_store_month_cents: 100,
            },
        )
        .unwrap();
        assert_eq!(
            next.revenue_cents, -10_000,
            "the refund, in the month of the return"
        );
    }
);

both_backends!(the_day_closes_once_with_its_variance, |t: TestDb| {
    demo(&t, 9);
    let (auth, _) = accounts::auth(&t);
    add(&auth, "root", Role::Administrator);
    let emil = common::shop::actor(&auth, "emil", Role::Employee);
    let staff = staff_of(&t, 1);
    stock_up(&auth, 1, 7, 20);
    price(&auth, 7, "72.99");
    let a = orders::sell_paid(
        &auth,
        &cli(),
        &order(1, staff, &[(7, 1, 0)]),
        &pay(&["cash:100"]),
    )
    .unwrap();
    orders::sell_paid(
        &auth,
        &cli(),
        &order(1, staff, &[(7, 1, 0)]),
        &pay(&["card"]),
    )
    .unwrap();
    complete(&auth, a.order_id);
    till::return_items(
        &auth,
        &cli(),
        a.order_id,
        &[ReturnLine {
            product_id: 7,
            quantity: 1,
        }],
        true,
        Some(Tender::Cash),
    )
    .unwrap();
    // X: cash handed 100.00, change 27.01, refund 72.99: the drawer holds the float + 0.
    let x = till::day_report(&auth, &emil, 1, None).unwrap();
    assert!(x.closed.is_none());
    assert_eq!(x.figures.cash.tendered_cents, 10_000);
    assert_eq!(x.figures.change_cents, 2_701);
    assert_eq!(x.figures.cash.refunded_cents, 7_299);
    assert_eq!(x.figures.card.taken_cents, 7_299);
    assert_eq!(x.figures.cash_net_cents(), 0);
    // Employees do not close.
    let e = till::close_day(&auth, &emil, 1, 20_000, 20_000, None).unwrap_err();
    assert!(matches!(e, Error::Forbidden(_)), "{e}");
    let z = till::close_day(&auth, &cli(), 1, 20_000, 19_950, None).unwrap();
    let c = z.closed.clone().unwrap();
    assert_eq!(
        (c.number, c.expected_cents, c.variance_cents()),
        (1, 20_000, -50)
    );
    // A second close of the day is refused in words; the report of the day is the close.
    let e = till::close_day(&auth, &cli(), 1, 20_000, 20_000, None).unwrap_err();
    assert!(e.to_string().contains("closed for"), "{e}");
    let again = till::day_report(&auth, &cli(), 1, Some(z.business_day)).unwrap();
    assert_eq!(again.closed.as_ref().map(|c| c.number), Some(1));
    assert_eq!(again.figures, z.figures);
    // A sale after the close counts toward the next one.
    orders::sell_paid(
        &auth,
        &cli(),
        &order(1, staff, &[(7, 1, 0)]),
        &pay(&["cash:80"]),
    )
    .unwrap();
    let open = till::day_report(&auth, &cli(), 1, None).unwrap();
    assert_eq!(
        open.figures.cash.taken_cents, 7_299,
        "only the new sale is open"
    );
    assert_eq!(open.last_close.map(|l| l.0), Some(1));
    // A closed day never changes: the close's figures are its payments.
    let log = auth.audit_log(&cli(), &Default::default()).unwrap();
    assert!(
        log.iter()
            .any(|e| e.event == "day.closed" && e.details.contains("short 0.50"))
    );
});

/// Two terminals closing one store's day at the same moment on MariaDB: one close stands,
/// the other is refused in words.
#[test]
fn two_closes_racing_leave_one_mysql() {
    let Some(t) = TestDb::mysql() else { return };
    demo(&t, 9);
    let (auth, _) = accounts::auth(&t);
    let staff = staff_of(&t, 1);
    stock_up(&auth, 1, 7, 20);
    for _ in 0..3 {
        orders::sell_paid(
            &auth,
            &cli(),
            &order(1, staff, &[(7, 1, 0)]),
            &pay(&["card"]),
        )
        .unwrap();
    }
    for round in 0..5 {
        let day = NaiveDate::from_ymd_opt(2026, 1, 1 + round).unwrap();
        let go = Arc::new(Barrier::new(2));
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let (db, go) = (t.db.clone(), go.clone());
                std::thread::spawn(move || {
                    let (auth, _) = accounts::auth_on(db);
                    go.wait();
                    till::close_day(&auth, &cli(), 1, 10_000, 10_000, Some(day))
                })
            })
            .collect();
        let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        assert_eq!(
            results.iter().filter(|r| r.is_ok()).count(),
            1,
            "round {round}: {results:?}"
        );
        let refused = results.iter().find_map(|r| r.as_ref().err()).unwrap();
        assert!(refused.to_string().contains("closed for"), "{refused}");
    }
    assert_eq!(count(&t, "day_closes"), 5);
}

both_backends!(a_store_at_utc_plus_14_dates_by_its_own_day, |t: TestDb| {
    demo(&t, 9);
    let (auth, clock) = accounts::auth(&t);
    let staff = staff_of(&t, 3);
    stock_up(&auth, 3, 7, 5);
    let set_zone = |zone: &str| {
        data::set(
            &auth,
            &cli(),
            "stores",
            &Key(vec![3]),
            None,
            &[FieldChange {
                field: "time_zone".into(),
                value: zone.into(),
            }],
        )
    };
    let e = set_zone("Mars/Olympus").unwrap_err();
    assert!(e.to_string().contains("not a time zone"), "{e}");
    set_zone("Pacific/Kiritimati").unwrap();
    // 13:00 UTC on 7 December is 03:00 on the 8th at Kiritimati.
    let at = chrono::NaiveDate::from_ymd_opt(2026, 12, 7)
        .unwrap()
        .and_hms_opt(13, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp();
    clock.set(at);
    let sold = orders::sell(&auth, &cli(), &order(3, staff, &[(7, 1, 0)])).unwrap();
    let stored: NaiveDate = orders_t::table
        .find(sold.order_id)
        .select(orders_t::order_date)
        .first(&mut *t.db.conn().unwrap())
        .unwrap();
    assert_eq!(stored, NaiveDate::from_ymd_opt(2026, 12, 8).unwrap());
    // Its day close is the store's day too.
    let z = till::close_day(&auth, &cli(), 3, 0, 0, None).unwrap();
    assert_eq!(
        z.business_day,
        NaiveDate::from_ymd_opt(2026, 12, 8).unwrap()
    );
    // A store without a zone of its own uses the chain's default (this machine's).
    let default: String = stockroom::db::schema::chain_settings::table
        .find("default_time_zone")
        .select(stockroom::db::schema::chain_settings::value)
        .first(&mut *t.db.conn().unwrap())
        .unwrap();
    assert_eq!(default, stockroom::store::zones::machine_zone().name());
});

both_backends!(
    a_paid_till_sale_returned_by_another_tender_then_rejected_is_refunded_once,
    |t: TestDb| {
        demo(&t, 9);
        let (auth, _) = accounts::auth(&t);
        let staff = staff_of(&t, 1);
        stock_up(&auth, 1, 7, 5);
        price(&auth, 7, "90.00");
        let sold = orders::sell_paid(
            &auth,
            &cli(),
            &order(1, staff, &[(7, 2, 0)]),
            &pay(&["card"]),
        )
        .unwrap();
        // Still Pending (a till sale), paid: it takes the return.
        till::return_items(
            &auth,
            &cli(),
            sold.order_id,
            &[ReturnLine {
                product_id: 7,
                quantity: 2,
            }],
            true,
            Some(Tender::Cash),
        )
        .unwrap();
        orders::set_status(&auth, &cli(), sold.order_id, OrderStatus::Rejected).unwrap();
        let o = orders::show(&auth, &cli(), sold.order_id).unwrap();
        assert_eq!(
            o.payments.iter().map(|p| p.amount_cents).sum::<i64>(),
            0,
            "{:?}",
            o.payments
        );
        assert_eq!(o.payments.len(), 2, "the sale and its one refund");
        assert_eq!(qty(&t, 1, 7), 5, "the units came back once");
        assert!(stock::verify(&auth, &cli()).unwrap().is_empty());
        // A receipt writes a round discount whole.
        let d = orders::sell_paid(
            &auth,
            &cli(),
            &order(1, staff, &[(7, 1, 1_000)]),
            &pay(&["card"]),
        )
        .unwrap();
        let r = till::receipt(&auth, &cli(), d.order_id, 42).unwrap();
        assert!(r.contains("1 x 90.00 -10%"), "{r}");
    }
);

both_backends!(a_past_day_s_close_takes_only_that_day, |t: TestDb| {
    demo(&t, 9);
    let (auth, clock) = accounts::auth(&t);
    let staff = staff_of(&t, 1);
    stock_up(&auth, 1, 7, 5);
    price(&auth, 7, "10.00");
    orders::sell_paid(
        &auth,
        &cli(),
        &order(1, staff, &[(7, 1, 0)]),
        &pay(&["cash:10"]),
    )
    .unwrap();
    let day_one =
        stockroom::store::zones::store_today(&mut t.db.conn().unwrap(), 1, auth.now()).unwrap();
    clock.advance(2 * 86_400);
    orders::sell_paid(
        &auth,
        &cli(),
        &order(1, staff, &[(7, 1, 0)]),
        &pay(&["cash:10"]),
    )
    .unwrap();
    // Closing the first day takes its sale only; today's is still open.
    let z = till::close_day(&auth, &cli(), 1, 0, 1_000, Some(day_one)).unwrap();
    assert_eq!(z.figures.sales, 1);
    assert_eq!(z.closed.unwrap().variance_cents(), 0);
    let open = till::day_report(&auth, &cli(), 1, None).unwrap();
    assert_eq!(open.figures.sales, 1);
    // An order completed is shipped on its store's day.
    let id = orders::create(&auth, &cli(), &order(1, staff, &[(7, 1, 0)])).unwrap();
    complete(&auth, id);
    let o = orders::show(&auth, &cli(), id).unwrap();
    assert_eq!(o.shipped_date, Some(o.summary.order_date));
});

both_backends!(a_rejected_paid_order_is_refunded_once, |t: TestDb| {
    demo(&t, 9);
    let (auth, _) = accounts::auth(&t);
    let staff = staff_of(&t, 1);
    stock_up(&auth, 1, 7, 5);
    let sold = orders::sell_paid(
        &auth,
        &cli(),
        &order(1, staff, &[(7, 2, 0)]),
        &pay(&["cash:100000"]),
    )
    .unwrap();
    orders::set_status(&auth, &cli(), sold.order_id, OrderStatus::Rejected).unwrap();
    let o = orders::show(&auth, &cli(), sold.order_id).unwrap();
    assert_eq!(o.payments.iter().map(|p| p.amount_cents).sum::<i64>(), 0);
    assert_eq!(qty(&t, 1, 7), 5);
    let x = till::day_report(&auth, &cli(), 1, None).unwrap();
    assert_eq!(x.figures.cash_net_cents(), 0, "the cash went back out");
    assert!(stock::verify(&auth, &cli()).unwrap().is_empty());
});

both_backends!(a_paid_order_s_lines_do_not_change, |t: TestDb| {
    demo(&t, 9);
    let (auth, _) = accounts::auth(&t);
    let staff = staff_of(&t, 1);
    stock_up(&auth, 1, 7, 10);
    stock_up(&auth, 1, 6, 10);
    price(&auth, 7, "10.00");
    // A till sale paid for and still Pending: the Data tab's line edits would make the
    // takings disagree with the lines, so each is refused in words and nothing moves.
    let sold = orders::sell_paid(
        &auth,
        &cli(),
        &order(1, staff, &[(7, 2, 0)]),
        &pay(&["card:20"]),
    )
    .unwrap();
    let id = sold.order_id;
    let change = |field: &str, value: &str| FieldChange {
        field: field.into(),
        value: value.into(),
    };
    let before = (
        qty(&t, 1, 7),
        qty(&t, 1, 6),
        count(&t, "order_items"),
        count(&t, "stock_moves"),
    );
    let refused = |e: Error| {
        let text = e.to_string();
        assert!(
            text.contains(&format!("order {id} has been paid for"))
                && text.contains("nothing was written"),
            "{text}"
        );
    };
    let line = Key(vec![id, 1]);
    refused(
        data::set(
            &auth,
            &cli(),
            "order_items",
            &line,
            None,
            &[change("quantity", "1")],
        )
        .unwrap_err(),
    );
    refused(
        data::set(
            &auth,
            &cli(),
            "order_items",
            &line,
            None,
            &[change("list_price", "1.00")],
        )
        .unwrap_err(),
    );
    refused(
        data::add(
            &auth,
            &cli(),
            "order_items",
            &[
                change("order_id", &id.to_string()),
                change("product_id", "6"),
                change("quantity", "1"),
            ],
        )
        .unwrap_err(),
    );
    refused(data::delete(&auth, &cli(), "order_items", &line).unwrap_err());
    assert_eq!(
        (
            qty(&t, 1, 7),
            qty(&t, 1, 6),
            count(&t, "order_items"),
            count(&t, "stock_moves"),
        ),
        before
    );
    // After a return the refusal names it too; an unpaid Pending order still takes edits.
    till::return_items(
        &auth,
        &cli(),
        id,
        &[ReturnLine {
            product_id: 7,
            quantity: 1,
        }],
        true,
        Some(Tender::Card),
    )
    .unwrap();
    let e = data::delete(&auth, &cli(), "order_items", &line).unwrap_err();
    assert!(
        e.to_string().contains("has been paid for and has returns"),
        "{e}"
    );
    let open = orders::create(&auth, &cli(), &order(1, staff, &[(6, 1, 0)])).unwrap();
    data::set(
        &auth,
        &cli(),
        "order_items",
        &Key(vec![open, 1]),
        None,
        &[change("quantity", "3")],
    )
    .unwrap();
    assert_eq!(qty(&t, 1, 6), 7);
    assert!(stock::verify(&auth, &cli()).unwrap().is_empty());
});

both_backends!(the_cli_sells_returns_and_closes, |t: TestDb| {
    demo(&t, 9);
    let (auth, _) = accounts::auth(&t);
    let staff = staff_of(&t, 1);
    stock_up(&auth, 1, 7, 5);
    price(&auth, 7, "72.99");
    let home = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| common::shop::run(&t, home.path(), args);
    let s = staff.to_string();
    let o = run(&[
        "order", "create", "--store", "1", "--staff", &s, "--line", "7:1", "--pay", "cash:100",
    ]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(text.contains("change 27.01"), "{text}");
    let o = run(&[
        "order", "create", "--store", "1", "--staff", &s, "--line", "7:1", "--pay", "cash:5",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("short"));
    let id: String = text.split_whitespace().nth(1).unwrap().to_string();
    assert!(
        run(&["order", "set-status", &id, "processing"])
            .status
            .success()
    );
    let o = run(&[
        "order",
        "return",
        &id,
        "--line",
        "7:1",
        "--no-restock",
        "--refund",
        "cash",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("not restocked"));
    let o = run(&[
        "day", "report", "--store", "1", "--float", "200", "--format", "json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["figures"]["cash"]["tendered_cents"], 10_000);
    let o = run(&[
        "day",
        "close",
        "--store",
        "1",
        "--float",
        "200",
        "--counted",
        "200",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("even"));
    let o = run(&[
        "day",
        "close",
        "--store",
        "1",
        "--float",
        "200",
        "--counted",
        "200",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let o = run(&["order", "receipt", &id, "--width", "48"]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("Refund (cash)"));
});

/// `pdftotext -layout` of a PDF file (poppler-utils).
fn pdf_text(path: &std::path::Path) -> String {
    let out = std::process::Command::new("pdftotext")
        .args(["-layout", path.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext (poppler-utils) must be installed");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

both_backends!(the_reports_know_the_till, |t: TestDb| {
    demo(&t, 9);
    let (auth, _) = accounts::auth(&t);
    let staff = staff_of(&t, 1);
    stock_up(&auth, 1, 7, 5);
    price(&auth, 7, "72.99");
    let mut o = order(1, staff, &[(7, 2, 0)]);
    o.customer_id = Some(5);
    let sold = orders::sell_paid(&auth, &cli(), &o, &pay(&["cash:200"])).unwrap();
    complete(&auth, sold.order_id);
    till::return_items(
        &auth,
        &cli(),
        sold.order_id,
        &[ReturnLine {
            product_id: 7,
            quantity: 1,
        }],
        true,
        None,
    )
    .unwrap();
    till::close_day(&auth, &cli(), 1, 20_000, 27_300, None).unwrap();
    let home = tempfile::tempdir().unwrap();
    let out = home.path().join("day.pdf");
    let day = sold.order_date.to_string();
    let o = common::shop::run(
        &t,
        home.path(),
        &[
            "report",
            "day",
            "--store",
            "1",
            "--date",
            &day,
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = pdf_text(&out);
    for want in [
        "Z report",
        "#1",
        "272.99",
        "273.00",
        "over $0.01",
        "145.98",
        "72.99",
        "54.02",
    ] {
        assert!(text.contains(want), "{want}: {text}");
    }
    // The sales report over that month is net of the return, and says so.
    let month = &day[..7];
    let sales = home.path().join("sales.pdf");
    let o = common::shop::run(
        &t,
        home.path(),
        &[
            "report",
            "sales",
            "--store",
            "1",
            "--from",
            month,
            "--to",
            month,
            "--out",
            sales.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = pdf_text(&sales);
    assert!(text.contains("net of returns: $72.99 refunded"), "{text}");
    // The customer report lists the return.
    let cust = home.path().join("customer.pdf");
    let o = common::shop::run(
        &t,
        home.path(),
        &["report", "customer", "5", "--out", cust.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = pdf_text(&cust);
    assert!(
        text.contains("Returns") && text.contains("Refunded"),
        "{text}"
    );
});
