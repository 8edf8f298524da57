//! The data browser's services on both real backends: paging in both directions under every
//! sort, search, readable values, edits checked field by field and against another terminal,
//! deletions refused in words, permissions in the service, and the audit of every change.

mod common;

use std::collections::HashSet;

use stockroom::Error;
use stockroom::auth::{Actor, Role};
use stockroom::store::data::{self, Direction, FieldChange, Key, ListQuery, Value};
use stockroom::store::demo::{DemoOptions, load};
use stockroom::worker::CancelToken;

use common::accounts::{self, PASSWORD, add, cli, sign_in};
use common::{TestDb, count};

fn demo(t: &TestDb) {
    load(
        &t.db,
        &DemoOptions {
            scale: 1,
            seed: 7,
            replace: false,
        },
        &CancelToken::new(),
        &mut |_| {},
    )
    .unwrap();
}

fn q(table: &str, sort: Option<(&str, Direction)>, offset: u64, limit: u64) -> ListQuery {
    ListQuery {
        table: table.into(),
        search: None,
        sort: sort.map(|(c, d)| (c.to_string(), d)),
        offset,
        limit,
        known_total: None,
    }
}

fn change(field: &str, value: &str) -> FieldChange {
    FieldChange {
        field: field.into(),
        value: value.into(),
    }
}

/// Orders values as SQL does (NULL first, then by value; text by bytes).
fn sql_cmp(a: &Value, b: &Value) -> std::cmp::Ordering {
    use Value::*;
    match (a, b) {
        (Null, Null) => std::cmp::Ordering::Equal,
        (Null, _) => std::cmp::Ordering::Less,
        (_, Null) => std::cmp::Ordering::Greater,
        (Int(x), Int(y)) | (Money(x), Money(y)) | (Discount(x), Discount(y)) => x.cmp(y),
        (Text(x), Text(y)) => x.as_bytes().cmp(y.as_bytes()),
        (Date(x), Date(y)) => x.cmp(y),
        (Status(x), Status(y)) => x.cmp(y),
        (Bool(x), Bool(y)) => x.cmp(y),
        _ => panic!("mixed values {a:?} {b:?}"),
    }
}

both_backends!(
    paging_returns_every_row_once_in_both_directions_under_each_sort,
    |t: TestDb| {
        demo(&t);
        let (auth, _) = accounts::auth(&t);
        for table in ["customers", "orders", "stocks"] {
            let view = data::view_of(table).unwrap();
            let total = count(&t, table) as u64;
            let page = 97;
            for (i, col) in view.columns.iter().enumerate() {
                for dir in [Direction::Ascending, Direction::Descending] {
                    // Forward, page by page; then backward from the last page.
                    let mut forward = Vec::new();
                    let mut offset = 0;
                    while offset < total {
                        let p = data::list(
                            &auth,
                            &cli(),
                            &q(table, Some((col.name, dir)), offset, page),
                        )
                        .unwrap();
                        assert_eq!(p.total, total);
                        assert_eq!(p.offset, offset);
                        forward.extend(p.rows);
                        offset += page;
                    }
                    let mut backward = Vec::new();
                    let mut offset = (total - 1) / page * page;
                    loop {
                        let p = data::list(
                            &auth,
                            &cli(),
                            &q(table, Some((col.name, dir)), offset, page),
                        )
                        .unwrap();
                        backward.splice(0..0, p.rows);
                        if offset == 0 {
                            break;
                        }
                        offset -= page;
                    }
                    assert_eq!(forward.len() as u64, total, "{table} by {}", col.name);
                    assert_eq!(
                        forward, backward,
                        "{table} by {} {dir:?}: both directions agree",
                        col.name
                    );
                    let keys: HashSet<&Key> = forward.iter().map(|r| &r.key).collect();
                    assert_eq!(keys.len() as u64, total, "each row exactly once");
                    for w in forward.windows(2) {
                        let o = sql_cmp(&w[0].values[i], &w[1].values[i]);
                        let ok = match dir {
                            Direction::Ascending => o.is_le(),
                            Direction::Descending => o.is_ge(),
                        };
                        assert!(
                            ok,
                            "{table} by {} {dir:?}: {:?} then {:?}",
                            col.name, w[0], w[1]
                        );
                    }
                }
            }
        }
    }
);

/// The keys of every row `query` lists, page after page of its size.
fn every_key(auth: &stockroom::auth::Auth, mut query: ListQuery) -> Vec<Key> {
    let mut keys = Vec::new();
    loop {
        let p = data::list(auth, &cli(), &query).unwrap();
        keys.extend(p.rows.into_iter().map(|r| r.key));
        query.offset += query.limit;
        if query.offset >= p.total {
            return keys;
        }
    }
}

/// Keys of `sql` (one or two integer columns `a`, `b`), in its order.
fn keys_of(t: &TestDb, sql: &str) -> Vec<Key> {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct K {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        a: i32,
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Integer>)]
        b: Option<i32>,
    }
    diesel::sql_query(sql)
        .load::<K>(&mut *t.db.conn().unwrap())
        .unwrap()
        .into_iter()
        .map(|k| Key(std::iter::once(k.a).chain(k.b).collect()))
        .collect()
}

both_backends!(
    a_list_sorted_by_a_parent_is_in_sqls_order_on_every_page,
    |t: TestDb| {
        demo(&t);
        // Orders without a customer, and namesakes: three customers called Ann Lee.
        for sql in [
            "UPDATE orders SET customer_id = NULL WHERE order_id % 7 = 0",
            "UPDATE customers SET first_name = 'Ann', last_name = 'Lee' \
             WHERE customer_id IN (3, 40, 41)",
        ] {
            use diesel::RunQueryDsl;
            diesel::sql_query(sql)
                .execute(&mut *t.db.conn().unwrap())
                .unwrap();
        }
        let (auth, _) = accounts::auth(&t);
        // What SQL gives, written here independently of the views.
        let cases = [
            (
                "orders",
                "customer",
                "SELECT o.order_id AS a, NULL AS b FROM orders o \
                 LEFT JOIN customers c ON c.customer_id = o.customer_id \
                 ORDER BY c.first_name {d}, c.last_name {d}, o.order_id {d}",
            ),
            (
                "orders",
                "staff",
                "SELECT o.order_id AS a, NULL AS b FROM orders o \
                 JOIN staffs s ON s.staff_id = o.staff_id \
                 ORDER BY s.first_name {d}, s.last_name {d}, o.order_id {d}",
            ),
            (
                "order_items",
                "product",
                "SELECT i.order_id AS a, i.item_id AS b FROM order_items i \
                 JOIN products p ON p.product_id = i.product_id \
                 ORDER BY p.product_name {d}, i.order_id {d}, i.item_id {d}",
            ),
            (
                "staffs",
                "manager",
                "SELECT s.staff_id AS a, NULL AS b FROM staffs s \
                 LEFT JOIN staffs m ON m.staff_id = s.manager_id \
                 ORDER BY m.first_name {d}, m.last_name {d}, s.staff_id {d}",
            ),
        ];
        for (table, column, sql) in cases {
            for dir in [Direction::Ascending, Direction::Descending] {
                let d = if dir == Direction::Ascending {
                    "ASC"
                } else {
                    "DESC"
                };
                let want = keys_of(&t, &sql.replace("{d}", d));
                let total = want.len() as u64;
                // Pages of every size's edge: one row, a page, pages that end inside a
                // parent's rows, from the start, the middle and the end; and every row a
                // page at a time.
                let every = (0..total).step_by(7).map(|o| (o, 7));
                for (offset, limit) in every.chain([
                    (0, 1),
                    (0, 40),
                    (1, 37),
                    (total / 3, 41),
                    (total / 2, 40),
                    (total.saturating_sub(40), 40),
                    (total - 1, 1),
                ]) {
                    let p =
                        data::list(&auth, &cli(), &q(table, Some((column, dir)), offset, limit))
                            .unwrap();
                    let got: Vec<Key> = p.rows.into_iter().map(|r| r.key).collect();
                    let end = (offset + limit).min(total) as usize;
                    assert_eq!(
                        got,
                        want[offset as usize..end],
                        "{table} by {column} {d}, rows {offset}+{limit}"
                    );
                }
            }
        }
        // With a search the same order comes from one sorted SQL: every order whose
        // customer has an e-mail address, which is every order with a customer.
        let want: Vec<Key> = keys_of(
            &t,
            "SELECT o.order_id AS a, NULL AS b FROM orders o \
             JOIN customers c ON c.customer_id = o.customer_id \
             ORDER BY c.first_name, c.last_name, o.order_id",
        );
        let got = every_key(
            &auth,
            ListQuery {
                search: Some("@".into()),
                ..q("orders", Some(("customer", Direction::Ascending)), 0, 500)
            },
        );
        assert_eq!(got, want, "searched orders by customer");
    }
);

both_backends!(search_finds_by_each_searchable_column, |t: TestDb| {
    demo(&t);
    let (auth, _) = accounts::auth(&t);
    let c = data::show(&auth, &cli(), "customers", &Key(vec![42])).unwrap();
    let value = |name: &str| {
        let i = c
            .view
            .columns
            .iter()
            .position(|col| col.name == name)
            .unwrap();
        c.row.values[i].display()
    };
    for (field, text) in [
        ("first_name", value("first_name")),
        ("last_name", value("last_name").to_uppercase()),
        ("email", value("email")),
        ("city", value("city")),
        ("id", "42".to_string()),
    ] {
        let found = every_key(
            &auth,
            ListQuery {
                search: Some(text.clone()),
                ..q("customers", None, 0, 500)
            },
        );
        assert!(
            found.contains(&Key(vec![42])),
            "customer 42 found by {field} `{text}`"
        );
    }
    // Products by brand and category names; orders by customer name.
    let p = data::list(
        &auth,
        &cli(),
        &ListQuery {
            search: Some("trek".into()),
            ..q("products", None, 0, 1000)
        },
    )
    .unwrap();
    assert!(
        p.total > 0
            && p.rows.iter().all(|r| r
                .values
                .iter()
                .any(|v| v.display().to_lowercase().contains("trek")))
    );
    let who = value("last_name");
    let o = data::list(
        &auth,
        &cli(),
        &ListQuery {
            search: Some(who.clone()),
            ..q("orders", None, 0, 1000)
        },
    )
    .unwrap();
    assert!(
        o.rows.iter().all(|r| r.values[1].display().contains(&who)),
        "{who}"
    );
    // A full name as typed, in any case: every word in one of the columns. Customer 42 by
    // its name; order 1 by its customer's name, which narrows a search by the last name.
    let order_1 = data::show(&auth, &cli(), "orders", &Key(vec![1])).unwrap();
    let customer_of_1 = order_1.row.values[1].display();
    for (table, key, full) in [
        (
            "customers",
            42,
            format!("{} {}", value("first_name"), value("last_name")),
        ),
        ("orders", 1, customer_of_1.clone()),
    ] {
        let search = |text: &str| {
            data::list(
                &auth,
                &cli(),
                &ListQuery {
                    search: Some(text.to_string()),
                    ..q(table, None, 0, 1000)
                },
            )
            .unwrap()
        };
        let p = search(&full.to_uppercase());
        assert!(
            p.rows.iter().any(|r| r.key == Key(vec![key])),
            "{table} {key} by `{full}`"
        );
        let last = full.rsplit(' ').next().unwrap();
        assert!(p.total <= search(last).total, "`{full}` narrows `{last}`");
    }
    // A search with LIKE's wildcards takes them literally.
    let none = data::list(
        &auth,
        &cli(),
        &ListQuery {
            search: Some("%_%".into()),
            ..q("customers", None, 0, 10)
        },
    )
    .unwrap();
    assert_eq!(none.total, 0);
});

both_backends!(values_read_as_people_expect, |t: TestDb| {
    demo(&t);
    let (auth, _) = accounts::auth(&t);
    let o = data::show(&auth, &cli(), "orders", &Key(vec![5])).unwrap();
    let status = &o.row.values[2];
    assert!(matches!(status, Value::Status(_)));
    assert!(
        ["Pending", "Processing", "Rejected", "Completed"].contains(&status.display().as_str())
    );
    let lines = &o.related[0];
    assert_eq!(lines.title, "Lines");
    // The order's total equals the sum of its lines, each rounded as the money rules say.
    let sum: i64 = lines
        .rows
        .iter()
        .map(|r| match r[5] {
            Value::Money(c) => c,
            _ => panic!(),
        })
        .sum();
    assert_eq!(lines.total, Some(Value::Money(sum)));
    let p = data::show(&auth, &cli(), "products", &Key(vec![1])).unwrap();
    assert_eq!(p.related[0].title, "Stock in every store");
    assert_eq!(p.related[0].rows.len() as i64, count(&t, "stores"));
});

both_backends!(permissions_are_checked_in_the_service, |t: TestDb| {
    demo(&t);
    let (auth, _) = accounts::auth(&t);
    add(&auth, "root", Role::Administrator);
    add(&auth, "emil", Role::Employee);
    add(&auth, "mona", Role::Manager);
    let (emil, _) = sign_in(&auth, "emil", PASSWORD, None);
    let (mona, _) = sign_in(&auth, "mona", PASSWORD, None);
    let (emil, mona) = (Actor::from_session(&emil), Actor::from_session(&mona));
    let k = Key(vec![3]);
    assert!(
        data::list(&auth, &emil, &q("customers", None, 0, 5)).is_ok(),
        "everyone views"
    );
    let e = data::set(&auth, &emil, "customers", &k, None, &[change("city", "X")]).unwrap_err();
    assert!(matches!(e, Error::Forbidden(_)), "{e}");
    assert!(matches!(
        data::add(&auth, &emil, "brands", &[change("brand_name", "X")]),
        Err(Error::Forbidden(_))
    ));
    assert!(matches!(
        data::delete(&auth, &emil, "brands", &Key(vec![1])),
        Err(Error::Forbidden(_))
    ));
    data::set(
        &auth,
        &mona,
        "customers",
        &k,
        None,
        &[change("city", "Mona Town")],
    )
    .unwrap();
    let added = data::add(
        &auth,
        &mona,
        "brands",
        &[change("brand_name", "Cannondale")],
    )
    .unwrap();
    let e = data::delete(&auth, &mona, "brands", &added).unwrap_err();
    assert!(
        matches!(e, Error::Forbidden(_)),
        "a Manager edits but cannot delete: {e}"
    );
    assert_eq!(
        data::delete(&auth, &cli(), "brands", &added).unwrap(),
        format!("brand {added}")
    );
});

both_backends!(edits_are_validated_per_field_and_audited, |t: TestDb| {
    demo(&t);
    let (auth, _) = accounts::auth(&t);
    let k = Key(vec![3]);
    let cases = [
        (
            "customers",
            vec![change("email", "not-an-address")],
            "email: is not an e-mail address",
        ),
        (
            "customers",
            vec![change("first_name", "")],
            "first_name: is required",
        ),
        (
            "customers",
            vec![change("state", "x".repeat(40).as_str())],
            "state: is 40 characters long; at most 25 fit",
        ),
        (
            "customers",
            vec![change("customer_id", "9")],
            "customer_id: is part of the key",
        ),
        (
            "customers",
            vec![change("shoe_size", "9")],
            "shoe_size: customers has no such field",
        ),
        (
            "products",
            vec![change("list_price", "12.345")],
            "list_price: has fractions of a cent",
        ),
        (
            "products",
            vec![change("brand_id", "999")],
            "brand_id: there is no brand 999",
        ),
        (
            "orders",
            vec![change("order_date", "2016-02-30")],
            "order_date: is not a real date",
        ),
        (
            "stocks",
            vec![change("quantity", "-1")],
            "quantity: is negative",
        ),
    ];
    for (table, ch, want) in cases {
        let key = if table == "stocks" {
            Key(vec![1, 1])
        } else {
            k.clone()
        };
        let e = data::set(&auth, &cli(), table, &key, None, &ch)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with(want), "{table}: {e}");
    }
    let e = data::add(&auth, &cli(), "brands", &[change("brand_name", "Trek")]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "brand_name: another brand already has this value"
    );
    let e = data::add(&auth, &cli(), "customers", &[change("first_name", "Ann")]).unwrap_err();
    assert_eq!(e.to_string(), "last_name: is required");

    let before = data::form_values(&auth, &cli(), "customers", &k).unwrap();
    let city = before
        .iter()
        .find(|(f, _)| f.name == "city")
        .unwrap()
        .1
        .clone();
    let old = match city {
        stockroom::db::dynamic::Cell::Text(Some(t)) => t,
        other => panic!("{other:?}"),
    };
    let c = data::set(
        &auth,
        &cli(),
        "customers",
        &k,
        None,
        &[
            change("city", "Shelbyville"),
            change("phone", "(555) 010-0101"),
        ],
    )
    .unwrap();
    assert!(
        c.changed
            .contains(&("city".into(), old.clone(), "Shelbyville".into())),
        "{c:?}"
    );
    let audit = auth
        .audit_log(
            &cli(),
            &stockroom::auth::audit::AuditFilter {
                event: Some("record.edited".into()),
                limit: 1,
                ..Default::default()
            },
        )
        .unwrap();
    assert!(
        audit[0]
            .details
            .contains(&format!("city: {old} → Shelbyville")),
        "{}",
        audit[0].details
    );
    assert!(
        audit[0].details.contains("phone: — → (555) 010-0101"),
        "{}",
        audit[0].details
    );
    // Setting what is already there changes nothing and audits nothing.
    let c = data::set(
        &auth,
        &cli(),
        "customers",
        &k,
        None,
        &[change("city", "Shelbyville")],
    )
    .unwrap();
    assert!(c.changed.is_empty());
});

both_backends!(
    an_edit_racing_another_terminal_is_refused_without_losing_either,
    |t: TestDb| {
        demo(&t);
        let (auth, _) = accounts::auth(&t);
        let k = Key(vec![8]);
        // Terminal A opens the form; terminal B saves a change; A saves its own.
        let opened: Vec<_> = data::form_values(&auth, &cli(), "customers", &k)
            .unwrap()
            .into_iter()
            .map(|(_, c)| c)
            .collect();
        data::set(
            &auth,
            &cli(),
            "customers",
            &k,
            None,
            &[change("city", "From B")],
        )
        .unwrap();
        let e = data::set(
            &auth,
            &cli(),
            "customers",
            &k,
            Some(&opened),
            &[change("phone", "(555) 000-0000")],
        )
        .unwrap_err();
        assert!(matches!(e, Error::Conflict(_)), "{e}");
        assert!(e.to_string().contains("changed on another terminal"), "{e}");
        let now = data::show(&auth, &cli(), "customers", &k).unwrap();
        let shown: Vec<String> = now.row.values.iter().map(|v| v.display()).collect();
        assert!(
            shown.contains(&"From B".to_string()),
            "B's change is kept: {shown:?}"
        );
        assert!(
            !shown.contains(&"(555) 000-0000".to_string()),
            "A's is not written over it"
        );
    }
);

both_backends!(
    deletes_refused_by_foreign_keys_name_the_blocking_rows,
    |t: TestDb| {
        demo(&t);
        let (auth, _) = accounts::auth(&t);
        let orders_of_1 = data::show(&auth, &cli(), "customers", &Key(vec![1]))
            .unwrap()
            .related[0]
            .rows
            .len();
        assert!(orders_of_1 > 0);
        let e = data::delete(&auth, &cli(), "customers", &Key(vec![1])).unwrap_err();
        let s = if orders_of_1 == 1 { "" } else { "s" };
        assert_eq!(
            e.to_string(),
            format!("customer 1 has {orders_of_1} order{s}; nothing was deleted")
        );
        let e = data::delete(&auth, &cli(), "stores", &Key(vec![1]))
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("store 1 has ") && e.contains("members of staff") && e.contains("orders"),
            "{e}"
        );
        // An order goes with its lines; the audit keeps what it was.
        let lines = data::show(&auth, &cli(), "orders", &Key(vec![9]))
            .unwrap()
            .related[0]
            .rows
            .len();
        let done = data::delete(&auth, &cli(), "orders", &Key(vec![9])).unwrap();
        assert!(done.starts_with("order 9 and its"), "{done}");
        assert!(done.contains(&format!("{lines} line")));
        let audit = auth
            .audit_log(
                &cli(),
                &stockroom::auth::audit::AuditFilter {
                    event: Some("record.deleted".into()),
                    limit: 1,
                    ..Default::default()
                },
            )
            .unwrap();
        assert!(
            audit[0].details.contains("table=orders key=9")
                && audit[0].details.contains("order_date: "),
            "{}",
            audit[0].details
        );
        assert!(matches!(
            data::delete(&auth, &cli(), "orders", &Key(vec![9])),
            Err(Error::NotFound(_))
        ));
    }
);
