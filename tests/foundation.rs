//! Foundation: migrations, keys, money and demo data on both real backends.

mod common;

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use stockroom::bulk_insert;
use stockroom::db::models::*;
use stockroom::db::schema::*;
use stockroom::db::{AnyConnection, dialect, migrate};
use stockroom::store::demo::{self, DemoOptions};
use stockroom::store::money;
use stockroom::worker::CancelToken;

use common::TestDb;

fn fresh(backend: &str) -> Option<TestDb> {
    match backend {
        "sqlite" => Some(TestDb::sqlite_with(false)),
        _ => TestDb::mysql_with(false),
    }
}

fn migrations_from_empty(backend: &str) {
    let Some(t) = fresh(backend) else { return };
    let mut conn = t.db.conn().unwrap();
    let before = migrate::version(&mut conn).unwrap();
    assert!(before.applied.is_empty());
    assert!(before.pending.len() >= 2);
    let applied = migrate::run(&mut conn).unwrap();
    assert_eq!(
        applied, before.pending,
        "every migration applied from empty, in order"
    );
    let after = migrate::version(&mut conn).unwrap();
    assert!(after.pending.is_empty());
    assert_eq!(after.current(), applied.last().map(String::as_str));
    // Re-running is a no-op, and the schema is usable.
    assert!(migrate::run(&mut conn).unwrap().is_empty());
    assert_eq!(
        categories::table
            .count()
            .get_result::<i64>(&mut *conn)
            .unwrap(),
        0
    );
}

#[test]
fn migrations_from_empty_sqlite() {
    migrations_from_empty("sqlite");
}

#[test]
fn migrations_from_empty_mysql() {
    migrations_from_empty("mysql");
}

/// The smallest store one order needs.
fn seed_minimal(conn: &mut AnyConnection) {
    bulk_insert!(
        conn,
        categories::table,
        &[Category {
            category_id: 1,
            category_name: "Road Bikes".into()
        }]
    )
    .unwrap();
    bulk_insert!(
        conn,
        brands::table,
        &[Brand {
            brand_id: 1,
            brand_name: "Trek".into()
        }]
    )
    .unwrap();
    bulk_insert!(
        conn,
        products::table,
        &[Product {
            product_id: 8,
            product_name: "Trek Remedy 29 Carbon Frameset - 2016".into(),
            brand_id: 1,
            category_id: 1,
            model_year: 2016,
            list_price_cents: 179_999,
            barcode: None,
        }]
    )
    .unwrap();
    bulk_insert!(
        conn,
        stores::table,
        &[Store {
            store_id: 1,
            store_name: "Santa Cruz Bikes".into(),
            phone: None,
            email: None,
            street: None,
            city: None,
            state: Some("CA".into()),
            zip_code: None,
            time_zone: None,
        }]
    )
    .unwrap();
    bulk_insert!(
        conn,
        staffs::table,
        &[Staff {
            staff_id: 1,
            first_name: "Fabiola".into(),
            last_name: "Jackson".into(),
            email: "fabiola@bikes.shop".into(),
            phone: None,
            active: true,
            store_id: 1,
            manager_id: None,
        }]
    )
    .unwrap();
    bulk_insert!(
        conn,
        customers::table,
        &[Customer {
            customer_id: 1,
            first_name: "Debra".into(),
            last_name: "Burks".into(),
            phone: None,
            email: "debra@example.com".into(),
            street: None,
            city: None,
            state: None,
            zip_code: None,
        }]
    )
    .unwrap();
    let day = NaiveDate::from_ymd_opt(2016, 1, 1).unwrap();
    bulk_insert!(
        conn,
        orders::table,
        &[Order {
            order_id: 1,
            customer_id: Some(1),
            order_status: OrderStatus::Completed.code(),
            order_date: day,
            required_date: day,
            shipped_date: None,
            store_id: 1,
            staff_id: 1,
        }]
    )
    .unwrap();
}

both_backends!(foreign_keys_are_enforced, |t: TestDb| {
    let mut conn = t.db.conn().unwrap();
    seed_minimal(&mut conn);
    let bad_product = Product {
        product_id: 9,
        product_name: "Orphan".into(),
        brand_id: 999,
        category_id: 1,
        model_year: 2016,
        list_price_cents: 100,
        barcode: None,
    };
    let err = bulk_insert!(&mut *conn, products::table, &[bad_product]).unwrap_err();
    let msg = err.to_string().to_lowercase();
    assert!(msg.contains("foreign key"), "{}: {msg}", t.backend());
    let bad_line = OrderItem {
        order_id: 77,
        item_id: 1,
        product_id: 8,
        quantity: 1,
        list_price_cents: 1,
        discount_bp: 0,
    };
    assert!(bulk_insert!(&mut *conn, order_items::table, &[bad_line]).is_err());
    // Deleting a referenced parent is refused as well.
    assert!(diesel::delete(brands::table).execute(&mut *conn).is_err());
    assert_eq!(
        products::table
            .count()
            .get_result::<i64>(&mut *conn)
            .unwrap(),
        1
    );
});

#[derive(QueryableByName)]
struct Total {
    #[diesel(sql_type = BigInt)]
    total: i64,
}

both_backends!(money_round_trips_exactly, |t: TestDb| {
    let mut conn = t.db.conn().unwrap();
    seed_minimal(&mut conn);
    let price = money::parse_cents("1,799.99").unwrap();
    let discount = money::parse_discount_bp("0.07").unwrap();
    let line = OrderItem {
        order_id: 1,
        item_id: 1,
        product_id: 8,
        quantity: 2,
        list_price_cents: price,
        discount_bp: discount,
    };
    bulk_insert!(&mut *conn, order_items::table, std::slice::from_ref(&line)).unwrap();
    let stored: OrderItem = order_items::table
        .select(OrderItem::as_select())
        .first(&mut *conn)
        .unwrap();
    assert_eq!(stored, line);
    assert_eq!(stored.list_price_cents, 179_999);
    assert_eq!(stored.discount_bp, 700);
    let sql = format!(
        "SELECT CAST({} AS SIGNED) AS total FROM order_items",
        dialect::line_total_sql(&conn, "")
    );
    let sql = if t.backend() == "sqlite" {
        sql.replace("AS SIGNED", "AS INTEGER")
    } else {
        sql
    };
    let in_sql = diesel::sql_query(sql)
        .get_result::<Total>(&mut *conn)
        .unwrap()
        .total;
    assert_eq!(
        in_sql,
        stockroom::store::money::line_total_cents(
            stored.list_price_cents,
            stored.quantity,
            stored.discount_bp
        ),
        "Rust and SQL agree on the line total"
    );
    assert_eq!(in_sql, 334_798, "1,799.99 × 2 less 7 % = 3,347.98");
    // Large amounts survive as exact integers.
    diesel::update(products::table)
        .set(products::list_price_cents.eq(9_007_199_254_740_993_i64))
        .execute(&mut *conn)
        .unwrap();
    let big: i64 = products::table
        .select(products::list_price_cents)
        .first(&mut *conn)
        .unwrap();
    assert_eq!(big, 9_007_199_254_740_993);
});

/// Every row of the store, in key order, for comparing two loads.
#[derive(Debug, PartialEq)]
struct Snapshot {
    categories: Vec<Category>,
    brands: Vec<Brand>,
    products: Vec<Product>,
    stores: Vec<Store>,
    staffs: Vec<Staff>,
    stocks: Vec<Stock>,
    customers: Vec<Customer>,
    orders: Vec<Order>,
    order_items: Vec<OrderItem>,
}

fn snapshot(conn: &mut AnyConnection) -> Snapshot {
    Snapshot {
        categories: categories::table
            .order(categories::category_id)
            .select(Category::as_select())
            .load(conn)
            .unwrap(),
        brands: brands::table
            .order(brands::brand_id)
            .select(Brand::as_select())
            .load(conn)
            .unwrap(),
        products: products::table
            .order(products::product_id)
            .select(Product::as_select())
            .load(conn)
            .unwrap(),
        stores: stores::table
            .order(stores::store_id)
            .select(Store::as_select())
            .load(conn)
            .unwrap(),
        staffs: staffs::table
            .order(staffs::staff_id)
            .select(Staff::as_select())
            .load(conn)
            .unwrap(),
        stocks: stocks::table
            .order((stocks::store_id, stocks::product_id))
            .select(Stock::as_select())
            .load(conn)
            .unwrap(),
        customers: customers::table
            .order(customers::customer_id)
            .select(Customer::as_select())
            .load(conn)
            .unwrap(),
        orders: orders::table
            .order(orders::order_id)
            .select(Order::as_select())
            .load(conn)
            .unwrap(),
        order_items: order_items::table
            .order((order_items::order_id, order_items::item_id))
            .select(OrderItem::as_select())
            .load(conn)
            .unwrap(),
    }
}

both_backends!(
    demo_is_deterministic_and_sized_like_the_original,
    |t: TestDb| {
        let opts = DemoOptions {
            scale: 1,
            seed: 7,
            replace: false,
        };
        let mut events = 0;
        let summary = demo::load(&t.db, &opts, &CancelToken::new(), &mut |_| events += 1).unwrap();
        assert!(events > 0, "progress was reported");
        let first = snapshot(&mut t.db.conn().unwrap());
        assert_eq!(first.stores.len(), 3);
        assert_eq!(first.staffs.len(), 10);
        assert_eq!(first.brands.len(), 9);
        assert_eq!(first.categories.len(), 7);
        assert_eq!(first.products.len(), 321);
        assert!(
            (900..=980).contains(&first.stocks.len()),
            "stocks {}",
            first.stocks.len()
        );
        assert_eq!(first.customers.len(), 1_445);
        assert_eq!(first.orders.len(), 1_615);
        assert!(
            (4_500..=4_900).contains(&first.order_items.len()),
            "lines {}",
            first.order_items.len()
        );
        let reported: u64 = summary.tables.iter().map(|(_, n)| n).sum();
        let actual = [
            first.categories.len(),
            first.brands.len(),
            first.products.len(),
            first.stores.len(),
            first.staffs.len(),
            first.stocks.len(),
            first.customers.len(),
            first.orders.len(),
            first.order_items.len(),
        ]
        .iter()
        .sum::<usize>() as u64;
        assert_eq!(reported, actual, "the summary counts what was written");

        // A second load refuses to touch the data without --replace, and changes nothing.
        let err = demo::load(&t.db, &opts, &CancelToken::new(), &mut |_| {}).unwrap_err();
        assert!(err.to_string().contains("--replace"), "{err}");
        assert_eq!(snapshot(&mut t.db.conn().unwrap()), first);

        // Same seed → identical rows.
        let replace = DemoOptions {
            replace: true,
            ..opts.clone()
        };
        demo::load(&t.db, &replace, &CancelToken::new(), &mut |_| {}).unwrap();
        assert_eq!(
            snapshot(&mut t.db.conn().unwrap()),
            first,
            "same seed, same rows"
        );

        // Another seed → other rows; a cancelled load leaves the previous data untouched.
        let other = DemoOptions {
            seed: 8,
            ..replace.clone()
        };
        demo::load(&t.db, &other, &CancelToken::new(), &mut |_| {}).unwrap();
        let second = snapshot(&mut t.db.conn().unwrap());
        assert_ne!(second.customers, first.customers);
        let cancel = CancelToken::new();
        let err = demo::load(&t.db, &replace, &cancel, &mut |_| cancel.cancel()).unwrap_err();
        assert!(matches!(err, stockroom::Error::Cancelled), "{err}");
        assert_eq!(
            snapshot(&mut t.db.conn().unwrap()),
            second,
            "cancel rolled back"
        );
    }
);
