//! The stock ledger on real SQLite and MariaDB: every change of stock is a move written with
//! it, so `stock verify` holds after sales, rejects, Data-tab edits of orders, lines and stock,
//! receipts, transfers and counts; the ways the issue found to mint stock or break sums are
//! refused by name; a write behind Stockroom's back is found; terminals selling, receiving and
//! transferring the same product at once keep the books.

mod common;

use std::sync::{Arc, Barrier};

use diesel::prelude::*;
use stockroom::Error;
use stockroom::auth::{Actor, Auth, Role};
use stockroom::db::schema::{order_items, orders as orders_t, staffs, stock_moves, stocks};
use stockroom::store::data::{self, FieldChange, Key};
use stockroom::store::orders::{self, NewLine, NewOrder, OrderStatus};
use stockroom::store::stock::{self, MoveQuery, StockLine};
use stockroom::worker::CancelToken;

use common::TestDb;
use common::accounts::{self, PASSWORD, add, cli, sign_in};
use common::shop::{demo, qty, staff_of};

fn set_qty(t: &TestDb, store: i32, product: i32, n: i32) {
    // Through the ledger (a count), so the books hold.
    stock::count(
        &accounts_auth(t),
        &cli(),
        store,
        &[StockLine {
            product_id: product,
            units: n,
        }],
        Some("test set-up"),
    )
    .unwrap();
}

fn accounts_auth(t: &TestDb) -> Auth {
    accounts::auth(t).0
}

fn verified(auth: &Auth) {
    let wrong = stock::verify(auth, &cli()).unwrap();
    assert!(wrong.is_empty(), "stock differs from its moves: {wrong:?}");
}

fn sell(auth: &Auth, store: i32, staff: i32, lines: &[(i32, i32)]) -> stockroom::Result<i32> {
    orders::create(
        auth,
        &cli(),
        &NewOrder {
            customer_id: None,
            store_id: store,
            staff_id: staff,
            lines: lines
                .iter()
                .map(|&(product_id, quantity)| NewLine {
                    product_id,
                    quantity,
                    discount_bp: 0,
                })
                .collect(),
        },
    )
}

fn change(field: &str, value: &str) -> FieldChange {
    FieldChange {
        field: field.into(),
        value: value.into(),
    }
}

fn field_of(e: &Error) -> String {
    match e {
        Error::InvalidField { field, .. } => field.clone(),
        other => format!("not a field error: {other}"),
    }
}

both_backends!(rejects_and_status_edits_cannot_mint_stock, |t: TestDb| {
    demo(&t, 5);
    let auth = accounts_auth(&t);
    let staff = staff_of(&t, 1);
    set_qty(&t, 1, 6, 6);
    let id = sell(&auth, 1, staff, &[(6, 4)]).unwrap();
    assert_eq!(qty(&t, 1, 6), 2);
    orders::set_status(&auth, &cli(), id, OrderStatus::Rejected).unwrap();
    assert_eq!(qty(&t, 1, 6), 6);
    // The Data tab and `data set` refuse a status and say where it changes.
    for status in ["Pending", "1", "Processing", "4"] {
        let e = data::set(
            &auth,
            &cli(),
            "orders",
            &Key(vec![id]),
            None,
            &[change("order_status", status)],
        )
        .unwrap_err();
        assert_eq!(field_of(&e), "order_status", "{e}");
        assert!(e.to_string().contains("set-status"), "{e}");
    }
    // A reject again is refused by the workflow: the stock went back once.
    assert!(orders::set_status(&auth, &cli(), id, OrderStatus::Rejected).is_err());
    assert_eq!(qty(&t, 1, 6), 6);
    // A Completed order cannot be made Rejected through the Data tab either.
    let done = sell(&auth, 1, staff, &[(6, 1)]).unwrap();
    orders::set_status(&auth, &cli(), done, OrderStatus::Processing).unwrap();
    orders::set_status(&auth, &cli(), done, OrderStatus::Completed).unwrap();
    let e = data::set(
        &auth,
        &cli(),
        "orders",
        &Key(vec![done]),
        None,
        &[change("order_status", "3")],
    )
    .unwrap_err();
    assert_eq!(field_of(&e), "order_status");
    // A new order through the Data tab starts Pending and may not be given another status.
    let e = data::add(
        &auth,
        &cli(),
        "orders",
        &[
            change("order_status", "Rejected"),
            change("order_date", "2026-01-02"),
            change("required_date", "2026-01-05"),
            change("store_id", "1"),
            change("staff_id", &staff.to_string()),
        ],
    )
    .unwrap_err();
    assert_eq!(field_of(&e), "order_status", "{e}");
    let key = data::add(
        &auth,
        &cli(),
        "orders",
        &[
            change("order_date", "2026-01-02"),
            change("required_date", "2026-01-05"),
            change("store_id", "1"),
            change("staff_id", &staff.to_string()),
        ],
    )
    .unwrap();
    let status: i16 = orders_t::table
        .find(key.0[0])
        .select(orders_t::order_status)
        .first(&mut *t.db.conn().unwrap())
        .unwrap();
    assert_eq!(status, OrderStatus::Pending.code());
    verified(&auth);
});

both_backends!(
    lines_change_only_while_pending_and_move_stock,
    |t: TestDb| {
        demo(&t, 5);
        let auth = accounts_auth(&t);
        let staff = staff_of(&t, 1);
        set_qty(&t, 1, 6, 20);
        set_qty(&t, 1, 7, 20);
        set_qty(&t, 1, 5, 3);
        let id = sell(&auth, 1, staff, &[(6, 4)]).unwrap();
        assert_eq!(qty(&t, 1, 6), 16);
        // A line added to a Pending order takes its stock, with the short-stock check.
        let line = |product: i32, q: i32, item: i32| {
            vec![
                change("order_id", &id.to_string()),
                change("item_id", &item.to_string()),
                change("product_id", &product.to_string()),
                change("quantity", &q.to_string()),
                change("list_price", "10.00"),
                change("discount", "0"),
            ]
        };
        let e = data::add(&auth, &cli(), "order_items", &line(5, 500, 2)).unwrap_err();
        assert!(e.to_string().contains("3 left, 500 asked"), "{e}");
        assert_eq!(count_lines(&t, id), 1, "nothing written");
        data::add(&auth, &cli(), "order_items", &line(7, 3, 2)).unwrap();
        assert_eq!(qty(&t, 1, 7), 17);
        // More units take more; fewer give back; another product swaps them.
        let item = |n: i32| Key(vec![id, n]);
        data::set(
            &auth,
            &cli(),
            "order_items",
            &item(1),
            None,
            &[change("quantity", "9")],
        )
        .unwrap();
        assert_eq!(qty(&t, 1, 6), 11);
        data::set(
            &auth,
            &cli(),
            "order_items",
            &item(1),
            None,
            &[change("quantity", "2")],
        )
        .unwrap();
        assert_eq!(qty(&t, 1, 6), 18);
        data::set(
            &auth,
            &cli(),
            "order_items",
            &item(2),
            None,
            &[change("product_id", "5"), change("quantity", "2")],
        )
        .unwrap();
        assert_eq!((qty(&t, 1, 7), qty(&t, 1, 5)), (20, 1));
        // The order's store cannot change while it has lines.
        let other = staff_of(&t, 2);
        let e = data::set(
            &auth,
            &cli(),
            "orders",
            &Key(vec![id]),
            None,
            &[
                change("store_id", "2"),
                change("staff_id", &other.to_string()),
            ],
        )
        .unwrap_err();
        assert_eq!(field_of(&e), "store_id", "{e}");
        // A line given only its product and units takes the next number, the product's price
        // and no discount.
        let key = data::add(
            &auth,
            &cli(),
            "order_items",
            &[
                change("order_id", &id.to_string()),
                change("product_id", "7"),
                change("quantity", "1"),
            ],
        )
        .unwrap();
        assert_eq!(key.0, vec![id, 3]);
        assert_eq!(qty(&t, 1, 7), 19);
        data::delete(&auth, &cli(), "order_items", &key).unwrap();
        // A line removed gives its units back (deleting is an Administrator's).
        data::delete(&auth, &cli(), "order_items", &item(2)).unwrap();
        assert_eq!(qty(&t, 1, 5), 3);
        // Rejecting now gives back exactly what the order still holds.
        let before = qty(&t, 1, 6);
        orders::set_status(&auth, &cli(), id, OrderStatus::Rejected).unwrap();
        assert_eq!(qty(&t, 1, 6), before + 2);
        // Lines of an order that is not Pending do not change, in any way.
        let shipped = sell(&auth, 1, staff, &[(6, 1)]).unwrap();
        orders::set_status(&auth, &cli(), shipped, OrderStatus::Processing).unwrap();
        for e in [
            data::set(
                &auth,
                &cli(),
                "order_items",
                &Key(vec![shipped, 1]),
                None,
                &[change("quantity", "500")],
            )
            .unwrap_err(),
            data::add(
                &auth,
                &cli(),
                "order_items",
                &[
                    change("order_id", &shipped.to_string()),
                    change("item_id", "2"),
                    change("product_id", "6"),
                    change("quantity", "1"),
                    change("list_price", "1.00"),
                    change("discount", "0"),
                ],
            )
            .unwrap_err(),
            data::delete(&auth, &cli(), "order_items", &Key(vec![shipped, 1])).unwrap_err(),
            data::delete(&auth, &cli(), "orders", &Key(vec![shipped])).unwrap_err(),
        ] {
            assert!(e.to_string().contains("Processing"), "{e}");
        }
        // A Pending order deleted gives its stock back; a Rejected one just goes.
        let pending = sell(&auth, 1, staff, &[(6, 5), (7, 1)]).unwrap();
        let (six, seven) = (qty(&t, 1, 6), qty(&t, 1, 7));
        data::delete(&auth, &cli(), "orders", &Key(vec![pending])).unwrap();
        assert_eq!((qty(&t, 1, 6), qty(&t, 1, 7)), (six + 5, seven + 1));
        data::delete(&auth, &cli(), "orders", &Key(vec![id])).unwrap();
        assert_eq!((qty(&t, 1, 6), qty(&t, 1, 7)), (six + 5, seven + 1));
        verified(&auth);
        // The moves say why, for which order.
        let (moves, _) = stock::moves(
            &auth,
            &cli(),
            &MoveQuery {
                store: Some(1),
                product: Some(6),
                limit: 100,
                ..Default::default()
            },
        )
        .unwrap();
        let reasons: Vec<(&str, i32, Option<&str>)> = moves
            .iter()
            .rev()
            .filter(|m| m.reference.as_deref() == Some(&format!("order {id}")))
            .map(|m| (m.reason.as_str(), m.quantity, m.note.as_deref()))
            .collect();
        assert_eq!(
            reasons,
            vec![
                ("sale", -4, None),
                ("sale", -5, Some("line changed")),
                ("sale", 7, Some("line changed")),
                ("reject", 2, None),
            ]
        );
    }
);

fn count_lines(t: &TestDb, order: i32) -> i64 {
    order_items::table
        .filter(order_items::order_id.eq(order))
        .count()
        .get_result(&mut *t.db.conn().unwrap())
        .unwrap()
}

both_backends!(a_stock_edit_is_a_count_with_a_reason, |t: TestDb| {
    demo(&t, 5);
    let auth = accounts_auth(&t);
    set_qty(&t, 2, 9, 4);
    let key = Key(vec![2, 9]);
    let e = data::set(
        &auth,
        &cli(),
        "stocks",
        &key,
        None,
        &[change("quantity", "12")],
    )
    .unwrap_err();
    assert_eq!(field_of(&e), "reason", "{e}");
    assert_eq!(qty(&t, 2, 9), 4, "nothing written");
    data::set(
        &auth,
        &cli(),
        "stocks",
        &key,
        None,
        &[
            change("quantity", "12"),
            change("reason", "found in the back room"),
        ],
    )
    .unwrap();
    assert_eq!(qty(&t, 2, 9), 12);
    let (moves, _) = stock::moves(
        &auth,
        &cli(),
        &MoveQuery {
            store: Some(2),
            product: Some(9),
            limit: 1,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        (
            moves[0].reason.as_str(),
            moves[0].quantity,
            moves[0].note.as_deref()
        ),
        ("count", 8, Some("found in the back room"))
    );
    // The edit form offers the reason; an unchanged form writes nothing.
    let form = data::edit_form(&auth, &cli(), "stocks", &key).unwrap();
    assert!(form.fields.iter().any(|(f, _)| f.name == "reason"));
    // One deleted leaves as an adjust move; one added holds what was counted, with a reason.
    data::delete(&auth, &cli(), "stocks", &key).unwrap();
    assert_eq!(qty(&t, 2, 9), 0);
    let row = |reason: Option<&str>| {
        let mut v = vec![
            change("store_id", "2"),
            change("product_id", "9"),
            change("quantity", "5"),
        ];
        v.extend(reason.map(|r| change("reason", r)));
        v
    };
    let e = data::add(&auth, &cli(), "stocks", &row(None)).unwrap_err();
    assert_eq!(field_of(&e), "reason", "{e}");
    data::add(&auth, &cli(), "stocks", &row(Some("new shelf"))).unwrap();
    assert_eq!(qty(&t, 2, 9), 5);
    verified(&auth);
});

both_backends!(receive_transfer_and_count, |t: TestDb| {
    demo(&t, 5);
    let (auth, _clock) = accounts::auth(&t);
    add(&auth, "root", Role::Administrator);
    add(&auth, "mona", Role::Manager);
    add(&auth, "emil", Role::Employee);
    let (manager, _) = sign_in(&auth, "mona", PASSWORD, None);
    let (employee, _) = sign_in(&auth, "emil", PASSWORD, None);
    let manager = Actor::from_session(&manager);
    let employee = Actor::from_session(&employee);
    let l = |product_id, units| StockLine { product_id, units };
    // Employees may not; managers may.
    for e in [
        stock::receive(&auth, &employee, 1, &[l(3, 1)], None).unwrap_err(),
        stock::transfer(&auth, &employee, 1, 2, &[l(3, 1)]).unwrap_err(),
        stock::count(&auth, &employee, 1, &[l(3, 1)], None).unwrap_err(),
    ] {
        assert!(matches!(e, Error::Forbidden(_)), "{e}");
    }
    set_qty(&t, 1, 3, 2);
    // Receiving makes a stock row where there was none.
    diesel::delete(stocks::table.find((2, 3)))
        .execute(&mut *t.db.conn().unwrap())
        .ok();
    diesel::delete(
        stock_moves::table.filter(
            stock_moves::store_id
                .eq(2)
                .and(stock_moves::product_id.eq(3)),
        ),
    )
    .execute(&mut *t.db.conn().unwrap())
    .unwrap();
    stock::receive(&auth, &manager, 2, &[l(3, 10), l(4, 1)], Some("PO-88")).unwrap();
    assert_eq!(qty(&t, 2, 3), 10);
    // A short transfer line is refused with what is left, nothing moved.
    let e = stock::transfer(&auth, &manager, 1, 2, &[l(3, 1), l(4, 500)]).unwrap_err();
    assert!(e.to_string().contains("500 asked"), "{e}");
    assert_eq!((qty(&t, 1, 3), qty(&t, 2, 3)), (2, 10));
    stock::transfer(&auth, &manager, 1, 2, &[l(3, 2)]).unwrap();
    assert_eq!((qty(&t, 1, 3), qty(&t, 2, 3)), (0, 12));
    // Same store, unknown store, unknown product, bad units, a product twice: refused by name.
    assert_eq!(
        field_of(&stock::transfer(&auth, &manager, 2, 2, &[l(3, 1)]).unwrap_err()),
        "to"
    );
    assert_eq!(
        field_of(&stock::receive(&auth, &manager, 99, &[l(3, 1)], None).unwrap_err()),
        "store"
    );
    assert_eq!(
        field_of(&stock::receive(&auth, &manager, 1, &[l(99_999, 1)], None).unwrap_err()),
        "product"
    );
    assert_eq!(
        field_of(&stock::receive(&auth, &manager, 1, &[l(3, 0)], None).unwrap_err()),
        "line 1"
    );
    assert_eq!(
        field_of(&stock::receive(&auth, &manager, 1, &[l(3, 100_001)], None).unwrap_err()),
        "line 1"
    );
    assert_eq!(
        field_of(&stock::receive(&auth, &manager, 1, &[l(3, 1), l(3, 2)], None).unwrap_err()),
        "line 2"
    );
    // A count records the difference (and a count that agrees).
    let four = qty(&t, 2, 4);
    let found = stock::count(&auth, &manager, 2, &[l(3, 9), l(4, 1)], Some("shelf")).unwrap();
    assert_eq!(
        found
            .iter()
            .map(|c| (c.expected, c.counted))
            .collect::<Vec<_>>(),
        vec![(12, 9), (four, 1)]
    );
    assert_eq!(qty(&t, 2, 3), 9);
    verified(&auth);
    // Audited.
    let log = auth.audit_log(&cli(), &Default::default()).unwrap();
    for kind in ["stock.received", "stock.transferred", "stock.counted"] {
        assert!(
            log.iter().any(|e| e.event == kind && e.actor == "mona"),
            "{kind} audited"
        );
    }
});

both_backends!(verify_finds_writes_behind_the_ledger, |t: TestDb| {
    demo(&t, 5);
    let auth = accounts_auth(&t);
    verified(&auth);
    diesel::sql_query(
        "UPDATE stocks SET quantity = quantity + 3 WHERE store_id = 1 AND product_id = 2",
    )
    .execute(&mut *t.db.conn().unwrap())
    .unwrap();
    let before = qty(&t, 2, 8);
    diesel::sql_query("DELETE FROM stocks WHERE store_id = 2 AND product_id = 8")
        .execute(&mut *t.db.conn().unwrap())
        .unwrap();
    let wrong = stock::verify(&auth, &cli()).unwrap();
    let pairs: Vec<(i32, i32, i64, i64)> = wrong
        .iter()
        .map(|m| (m.store_id, m.product_id, m.stock, m.moves))
        .collect();
    let mut expected = vec![(1, 2, i64::from(qty(&t, 1, 2)), i64::from(qty(&t, 1, 2) - 3))];
    if before != 0 {
        expected.push((2, 8, 0, i64::from(before)));
    }
    assert_eq!(pairs, expected);
    // The command: exit 1 listing each pair; exit 0 once a count puts it right.
    let home = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| common::shop::run(&t, home.path(), args);
    let o = run(&["stock", "verify", "--format", "csv"]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.starts_with("store_id,product_id,stock,moves"),
        "{text}"
    );
    assert!(
        text.contains(&format!("1,2,{},{}", expected[0].2, expected[0].3)),
        "{text}"
    );
    // The shelf holds what the row says: typed with a reason in the Data tab (or `data set`),
    // that is a count, and it puts the ledger right although the row does not change.
    let o = run(&[
        "data",
        "set",
        "stocks",
        "1:2",
        &format!("quantity={}", expected[0].2),
        "reason=recount",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        String::from_utf8_lossy(&o.stdout)
            .contains(&format!("quantity {} → {}", expected[0].3, expected[0].2)),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    if before != 0 {
        let o = run(&["stock", "count", "--store", "2", "--line", "8:0"]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let o = run(&["stock", "verify"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    // A malformed line is a usage error (exit 2), before anything is written.
    let o = run(&["stock", "receive", "--store", "1", "--line", "2:2147483648"]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = run(&["stock", "receive", "--store", "1", "--line", "2147483648:1"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("product id `2147483648`"));
    // What a receipt and a transfer say: names and what each store holds now.
    let o = run(&[
        "stock", "receive", "--store", "1", "--line", "2:1", "--ref", "PO-1",
    ]);
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        text.starts_with("received 1 unit of ") && text.contains("there now"),
        "{text}"
    );
    let o = run(&[
        "stock", "transfer", "--from", "1", "--to", "2", "--line", "2:1", "--note", "docket 7",
    ]);
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        text.contains("left) to ") && text.contains("there now"),
        "{text}"
    );
    // A reference is kept whole or refused, never cut.
    let long = "x".repeat(65);
    let o = run(&[
        "stock", "receive", "--store", "1", "--line", "2:1", "--ref", &long,
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("at most 64"));
    // An unknown store or product is named.
    let o = run(&["stock", "moves", "--store", "99"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("there is no store 99"));
    // The history as a script reads it.
    let o = run(&[
        "stock",
        "moves",
        "--store",
        "1",
        "--product",
        "2",
        "--format",
        "json",
    ]);
    assert!(o.status.success());
    let moves: Vec<serde_json::Value> = serde_json::from_slice(&o.stdout).unwrap();
    let reasons: Vec<&str> = moves
        .iter()
        .map(|m| m["reason"].as_str().unwrap())
        .collect();
    assert_eq!(&reasons[..3], ["transfer_out", "receive", "count"]);
    assert_eq!(moves[0]["note"], "docket 7");
    assert_eq!(moves[0]["quantity"], -1);
});

both_backends!(bounds_keep_sums_safe, |t: TestDb| {
    demo(&t, 5);
    let (auth, _) = accounts::auth(&t);
    let staff = staff_of(&t, 1);
    // Prices past the bound are refused in the Data tab and by the import.
    let e = data::set(
        &auth,
        &cli(),
        "products",
        &Key(vec![5]),
        None,
        &[change("list_price", "92233720368547758.07")],
    )
    .unwrap_err();
    assert_eq!(field_of(&e), "list_price");
    assert!(e.to_string().contains("1,000,000.00"), "{e}");
    data::set(
        &auth,
        &cli(),
        "products",
        &Key(vec![5]),
        None,
        &[change("list_price", "1000000.00")],
    )
    .unwrap();
    // The largest sale within the bounds totals exactly (no overflow anywhere).
    set_qty(&t, 1, 5, 200_000);
    let id = sell(&auth, 1, staff, &[(5, 100_000)]).unwrap();
    let o = orders::show(&auth, &cli(), id).unwrap();
    assert_eq!(o.summary.total_cents, 100_000_000 * 100_000);
    let e = sell(&auth, 1, staff, &[(5, 100_001)]).unwrap_err();
    assert_eq!(field_of(&e), "line 1", "{e}");
    // Keys past the bound cannot spend the table's numbering.
    let e = data::add(
        &auth,
        &cli(),
        "customers",
        &[
            change("customer_id", "2147483647"),
            change("first_name", "A"),
            change("last_name", "B"),
            change("email", "a@b.co"),
        ],
    )
    .unwrap_err();
    assert_eq!(field_of(&e), "customer_id");
    let key = data::add(
        &auth,
        &cli(),
        "customers",
        &[
            change("first_name", "A"),
            change("last_name", "B"),
            change("email", "a@b.co"),
        ],
    )
    .unwrap();
    assert!(key.0[0] > 0);
    // Model years.
    for bad in ["-5", "99999", "1899"] {
        let e = data::set(
            &auth,
            &cli(),
            "products",
            &Key(vec![5]),
            None,
            &[change("model_year", bad)],
        )
        .unwrap_err();
        assert_eq!(field_of(&e), "model_year", "{bad}: {e}");
    }
    // A member of staff's e-mail is theirs in any case.
    let email: String = staffs::table
        .find(staff)
        .select(staffs::email)
        .first(&mut *t.db.conn().unwrap())
        .unwrap();
    let e = data::add(
        &auth,
        &cli(),
        "staffs",
        &[
            change("first_name", "Twin"),
            change("last_name", "Case"),
            change("email", &email.to_uppercase()),
            change("active", "1"),
            change("store_id", "1"),
        ],
    )
    .unwrap_err();
    assert_eq!(field_of(&e), "email", "{e}");
    // Only active staff sell.
    data::set(
        &auth,
        &cli(),
        "staffs",
        &Key(vec![staff]),
        None,
        &[change("active", "0")],
    )
    .unwrap();
    let e = sell(&auth, 1, staff, &[(5, 1)]).unwrap_err();
    assert_eq!(field_of(&e), "staff", "{e}");
    assert!(e.to_string().contains("not active"), "{e}");
    verified(&auth);
});

/// A small random walk: sales, rejects, line edits, receipts, transfers and counts against a
/// model of the stock; after every step `stock verify` holds, nothing is negative, and the
/// store agrees with the model.
fn random_walk(t: &TestDb, seed: u64, steps: usize) {
    use std::collections::HashMap;
    demo(t, 5);
    let auth = accounts_auth(t);
    let products = [1, 2, 3];
    let stores = [1, 2];
    let mut model: HashMap<(i32, i32), i32> = HashMap::new();
    for s in stores {
        for p in products {
            set_qty(t, s, p, 3);
            model.insert((s, p), 3);
        }
    }
    let staff: HashMap<i32, i32> = stores.iter().map(|&s| (s, staff_of(t, s))).collect();
    // (order, store, lines as (product, units))
    type Open = (i32, i32, Vec<(i32, i32)>);
    let mut pending: Vec<Open> = Vec::new();
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut next = |n: u64| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x % n) as i32
    };
    for step in 0..steps {
        let s = stores[next(2) as usize];
        let p = products[next(3) as usize];
        let n = 1 + next(4);
        let what = next(6);
        // Each step: whether it was allowed, and whether the model said it should be.
        let (done, should): (bool, bool) = match what {
            0 => {
                let should = model[&(s, p)] >= n;
                let r = sell(&auth, s, staff[&s], &[(p, n)]);
                if let Ok(id) = &r {
                    *model.get_mut(&(s, p)).unwrap() -= n;
                    pending.push((*id, s, vec![(p, n)]));
                }
                (r.is_ok(), should)
            }
            1 if !pending.is_empty() => {
                let (id, s, lines) = pending.remove(next(pending.len() as u64) as usize);
                orders::set_status(&auth, &cli(), id, OrderStatus::Rejected).unwrap();
                for (p, n) in lines {
                    *model.get_mut(&(s, p)).unwrap() += n;
                }
                (true, true)
            }
            2 if !pending.is_empty() => {
                let i = next(pending.len() as u64) as usize;
                let (id, s, lines) = &mut pending[i];
                let (p, old) = lines[0];
                let should = model[&(*s, p)] + old >= n;
                let r = data::set(
                    &auth,
                    &cli(),
                    "order_items",
                    &Key(vec![*id, 1]),
                    None,
                    &[change("quantity", &n.to_string())],
                );
                if r.is_ok() {
                    *model.get_mut(&(*s, p)).unwrap() += old - n;
                    lines[0].1 = n;
                }
                (r.is_ok(), should)
            }
            3 => {
                stock::receive(
                    &auth,
                    &cli(),
                    s,
                    &[StockLine {
                        product_id: p,
                        units: n,
                    }],
                    None,
                )
                .unwrap();
                *model.get_mut(&(s, p)).unwrap() += n;
                (true, true)
            }
            4 => {
                let to = if s == 1 { 2 } else { 1 };
                let should = model[&(s, p)] >= n;
                let r = stock::transfer(
                    &auth,
                    &cli(),
                    s,
                    to,
                    &[StockLine {
                        product_id: p,
                        units: n,
                    }],
                );
                if r.is_ok() {
                    *model.get_mut(&(s, p)).unwrap() -= n;
                    *model.get_mut(&(to, p)).unwrap() += n;
                }
                (r.is_ok(), should)
            }
            _ => {
                let counted = next(5);
                stock::count(
                    &auth,
                    &cli(),
                    s,
                    &[StockLine {
                        product_id: p,
                        units: counted,
                    }],
                    None,
                )
                .unwrap();
                *model.get_mut(&(s, p)).unwrap() = counted;
                (true, true)
            }
        };
        assert_eq!(
            done, should,
            "step {step}: op {what} store {s} product {p} units {n}"
        );
        verified(&auth);
        for (&(s, p), &m) in &model {
            let q = qty(t, s, p);
            assert!(q >= 0, "step {step}: negative stock");
            assert_eq!(q, m, "step {step}: store {s} product {p} (op {what})");
        }
    }
}

#[test]
fn random_walks_keep_the_books_sqlite() {
    for seed in 1..=3 {
        random_walk(&TestDb::sqlite(), seed, 60);
    }
}

#[test]
fn random_walks_keep_the_books_mysql() {
    for seed in 1..=2 {
        if let Some(t) = TestDb::mysql() {
            random_walk(&t, seed, 60);
        }
    }
}

/// Terminals selling, receiving and transferring one product at once on MariaDB: the final
/// stock is the start plus what was received minus what was sold, per store, and the ledger
/// holds.
#[test]
fn terminals_racing_on_one_product_keep_the_books_mysql() {
    let Some(t) = TestDb::mysql() else { return };
    demo(&t, 5);
    let auth = accounts_auth(&t);
    set_qty(&t, 1, 4, 50);
    set_qty(&t, 2, 4, 50);
    let staff = [staff_of(&t, 1), staff_of(&t, 2)];
    let threads = 6;
    let barrier = Arc::new(Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|i| {
            let (db, barrier) = (t.db.clone(), barrier.clone());
            std::thread::spawn(move || {
                let (auth, _) = accounts::auth_on(db);
                barrier.wait();
                let (mut sold, mut received) = ([0i64; 2], [0i64; 2]);
                let mut moved = 0i64;
                for k in 0..12 {
                    let store = ((i + k) % 2) as i32 + 1;
                    match (i + k) % 3 {
                        0 => {
                            if sell(&auth, store, staff[store as usize - 1], &[(4, 2)]).is_ok() {
                                sold[store as usize - 1] += 2;
                            }
                        }
                        1 => {
                            stock::receive(
                                &auth,
                                &cli(),
                                store,
                                &[StockLine {
                                    product_id: 4,
                                    units: 1,
                                }],
                                None,
                            )
                            .unwrap();
                            received[store as usize - 1] += 1;
                        }
                        _ => {
                            if stock::transfer(
                                &auth,
                                &cli(),
                                1,
                                2,
                                &[StockLine {
                                    product_id: 4,
                                    units: 1,
                                }],
                            )
                            .is_ok()
                            {
                                moved += 1;
                            }
                        }
                    }
                }
                (sold, received, moved)
            })
        })
        .collect();
    let (mut sold, mut received, mut moved) = ([0i64; 2], [0i64; 2], 0i64);
    for h in handles {
        let (s, r, m) = h.join().unwrap();
        for k in 0..2 {
            sold[k] += s[k];
            received[k] += r[k];
        }
        moved += m;
    }
    assert_eq!(i64::from(qty(&t, 1, 4)), 50 + received[0] - sold[0] - moved);
    assert_eq!(i64::from(qty(&t, 2, 4)), 50 + received[1] - sold[1] + moved);
    assert!(sold[0] + sold[1] > 0);
    verified(&auth);
}

both_backends!(
    an_import_of_stock_enters_the_ledger_and_bounds_hold,
    |t: TestDb| {
        use std::path::PathBuf;
        demo(&t, 5);
        let auth = accounts_auth(&t);
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, text: &str| -> PathBuf {
            let p = dir.path().join(name);
            std::fs::write(&p, text).unwrap();
            p
        };
        let import = |p: &PathBuf| {
            stockroom::etl::import_csv(
                &auth,
                &cli(),
                std::slice::from_ref(p),
                &Default::default(),
                &CancelToken::new(),
                &mut |_| {},
            )
        };
        let (a, b) = (qty(&t, 1, 2), qty(&t, 2, 3));
        // One row changed, one unchanged, one new (store 3 may or may not hold product 300).
        let c = qty(&t, 3, 300);
        let file = write(
            "stocks.csv",
            &format!(
                "store_id,product_id,quantity\n1,2,{}\n2,3,{b}\n3,300,{}\n",
                a + 7,
                c + 2
            ),
        );
        import(&file).unwrap();
        assert_eq!(
            (qty(&t, 1, 2), qty(&t, 2, 3), qty(&t, 3, 300)),
            (a + 7, b, c + 2)
        );
        verified(&auth);
        let (moves, _) = stock::moves(
            &auth,
            &cli(),
            &MoveQuery {
                limit: 10,
                ..Default::default()
            },
        )
        .unwrap();
        let imported: Vec<(i32, i32, i32)> = moves
            .iter()
            .filter(|m| m.reason == "import")
            .map(|m| (m.store_id, m.product_id, m.quantity))
            .collect();
        assert_eq!(imported, vec![(3, 300, 2), (1, 2, 7)]);
        assert!(
            moves[0]
                .reference
                .as_deref()
                .unwrap()
                .starts_with("import run ")
        );
        // The same file again moves nothing.
        import(&file).unwrap();
        let (again, _) = stock::moves(
            &auth,
            &cli(),
            &MoveQuery {
                limit: 1,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(again[0].move_id, moves[0].move_id);
        // Values past the bounds are bad rows, named by line and column; nothing is written.
        let bad = write(
            "products.csv",
            "product_id,product_name,brand_id,category_id,model_year,list_price\n\
         5,Big,1,1,2018,92233720368547758.07\n\
         6,Old,1,1,-5,10.00\n\
         2147483647,Far,1,1,2018,10.00\n",
        );
        let r = import(&bad).unwrap();
        assert_eq!(r.outcome, stockroom::etl::Outcome::RolledBack);
        let e: Vec<(u64, &str, &str)> = r
            .errors
            .iter()
            .map(|e| (e.line, e.column.as_str(), e.reason.as_str()))
            .collect();
        assert_eq!(
            e.iter().map(|x| (x.0, x.1)).collect::<Vec<_>>(),
            vec![(2, "list_price"), (3, "model_year"), (4, "product_id")]
        );
        for (want, got) in ["unit price", "model year", "a key"].iter().zip(&e) {
            assert!(got.2.contains(want), "{want}: {}", got.2);
        }
        verified(&auth);
    }
);
