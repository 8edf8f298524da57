//! CSV import on both real backends: the original system's formats, idempotent re-runs,
//! all-or-nothing with every bad row named, --skip-invalid, --dry-run, header handling,
//! permissions, the run record, and the export round trip.

mod common;

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use diesel::prelude::*;
use stockroom::auth::{Actor, Auth, Role};
use stockroom::db::models::*;
use stockroom::db::schema::*;
use stockroom::etl::export::{ExportFormat, export};
use stockroom::etl::{self, ImportOptions, ImportReport, Outcome};
use stockroom::worker::CancelToken;

use common::accounts::{self, PASSWORD, add, cli, sign_in};
use common::{TestDb, count, snapshot};

fn fixture(dir: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/original")
        .join(dir)
}

fn import(auth: &Auth, paths: &[PathBuf], opts: &ImportOptions) -> ImportReport {
    etl::import_csv(auth, &cli(), paths, opts, &CancelToken::new(), &mut |_| {})
        .expect("import runs")
}

fn all_counts(t: &TestDb) -> Vec<i64> {
    stockroom::etl::spec::TABLES
        .iter()
        .map(|s| count(t, s.name))
        .collect()
}

both_backends!(
    original_formats_load_and_a_second_run_changes_nothing,
    |t: TestDb| {
        let (auth, _) = accounts::auth(&t);
        let r = import(&auth, &[fixture("csv")], &ImportOptions::default());
        assert_eq!(r.outcome, Outcome::Committed, "{:?}", r.errors);
        assert_eq!(r.exit_code(), 0);
        let (read, c, rejected) = r.totals();
        assert_eq!(
            (read, c.inserted, c.updated, c.unchanged, rejected),
            (25, 25, 0, 0, 0)
        );
        let order: Vec<&str> = r.tables.iter().map(|t| t.table.as_str()).collect();
        assert_eq!(
            order,
            [
                "categories",
                "brands",
                "products",
                "stores",
                "staffs",
                "stocks",
                "customers",
                "orders",
                "order_items"
            ],
            "foreign-key order"
        );
        assert_eq!(
            r.tables
                .iter()
                .find(|t| t.table == "orders")
                .unwrap()
                .extra_columns,
            ["order_status_name"]
        );
        let mut conn = t.db.conn().unwrap();
        // Names resolved to keys; managers from row numbers.
        let staff: Vec<Staff> = staffs::table
            .order(staffs::staff_id)
            .select(Staff::as_select())
            .load(&mut *conn)
            .unwrap();
        let id_of = |email: &str| {
            staff
                .iter()
                .find(|s| s.email.starts_with(email))
                .unwrap()
                .staff_id
        };
        let venita = staff.iter().find(|s| s.first_name == "Venita").unwrap();
        assert_eq!(
            venita.manager_id,
            Some(id_of("marcelene")),
            "manager row 3 = Marcelene"
        );
        assert_eq!(
            staff
                .iter()
                .find(|s| s.first_name == "Fabiola")
                .unwrap()
                .manager_id,
            None
        );
        let baldwin: i32 = stores::table
            .filter(stores::store_name.eq("Baldwin Bikes"))
            .select(stores::store_id)
            .first(&mut *conn)
            .unwrap();
        assert_eq!(venita.store_id, baldwin);
        let o3: Order = orders::table
            .find(3)
            .select(Order::as_select())
            .first(&mut *conn)
            .unwrap();
        assert_eq!(
            (o3.staff_id, o3.store_id, o3.shipped_date, o3.order_status),
            (venita.staff_id, baldwin, None, 1)
        );
        let c1: Customer = customers::table
            .find(1)
            .select(Customer::as_select())
            .first(&mut *conn)
            .unwrap();
        assert_eq!(c1.phone, None, "`None` is null");
        let c3: Customer = customers::table
            .find(3)
            .select(Customer::as_select())
            .first(&mut *conn)
            .unwrap();
        assert_eq!(
            c3.street.as_deref(),
            Some("769C Honey Creek St., Apt 2"),
            "quoted comma"
        );
        let line: OrderItem = order_items::table
            .find((1, 2))
            .select(OrderItem::as_select())
            .first(&mut *conn)
            .unwrap();
        assert_eq!(
            (
                line.list_price_cents,
                line.discount_bp,
                stockroom::store::money::line_total_cents(
                    line.list_price_cents,
                    line.quantity,
                    line.discount_bp
                )
            ),
            (179_999, 700, 334_798)
        );
        drop(conn);

        // The same files again: nothing inserted or changed.
        let before = all_counts(&t);
        let r = import(&auth, &[fixture("csv")], &ImportOptions::default());
        let (_, c, _) = r.totals();
        assert_eq!((c.inserted, c.updated, c.unchanged), (0, 0, 25));
        assert_eq!(all_counts(&t), before);

        // The API's raw export (DD/MM/YYYY, NULL strings, trailing spaces) is the same data,
        // plus three order lines the CSV export lacked.
        let r = import(&auth, &[fixture("api-raw")], &ImportOptions::default());
        assert_eq!(r.outcome, Outcome::Committed, "{:?}", r.errors);
        let (_, c, _) = r.totals();
        assert_eq!(
            (c.inserted, c.updated, c.unchanged),
            (3, 0, 8),
            "{:?}",
            r.tables
        );
        let mut conn = t.db.conn().unwrap();
        let o1: Order = orders::table
            .find(1)
            .select(Order::as_select())
            .first(&mut *conn)
            .unwrap();
        assert_eq!(
            o1.required_date,
            NaiveDate::from_ymd_opt(2016, 1, 3).unwrap(),
            "03/01/2016 is 3 January"
        );
        let r = import(&auth, &[fixture("api-raw")], &ImportOptions::default());
        assert_eq!(r.totals().1.inserted + r.totals().1.updated, 0);
        // Each run is recorded.
        let runs: i64 = import_runs::table.count().get_result(&mut *conn).unwrap();
        assert_eq!(runs, 4);
        let audits: Vec<String> = audit_events::table
            .filter(audit_events::event.eq("import"))
            .select(audit_events::details)
            .load(&mut *conn)
            .unwrap();
        assert_eq!(audits.len(), 4);
        assert!(
            audits[0].contains("outcome=committed") && audits[0].contains("inserted=25"),
            "{}",
            audits[0]
        );
    }
);

fn write(dir: &Path, name: &str, body: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    p
}

/// A base store: the original csv fixtures.
fn base(t: &TestDb) -> Auth {
    let (auth, _) = accounts::auth(t);
    assert_eq!(
        import(&auth, &[fixture("csv")], &ImportOptions::default()).outcome,
        Outcome::Committed
    );
    auth
}

const BAD_ORDERS: &str = "\
order_id,customer_id,order_status,order_date,required_date,shipped_date,staff_name,store
10,1,4,2016-02-01,2016-02-03,2016-02-02,Mireya,Santa Cruz Bikes
11,1,4,31/02/2016,2016-02-03,,Mireya,Santa Cruz Bikes
12,1,4,2016-02-01,2016-02-03,,Nobody,Santa Cruz Bikes
13,1,9,2016-02-01,2016-02-03,,Mireya,Atlantis Bikes
14,999,4,2016-02-01,2016-02-03,,Mireya,Santa Cruz Bikes
15,2,2,2016-02-05,,,Mireya,Santa Cruz Bikes
16,2,2,2016-02-05,2016-02-07,,Mireya,Santa Cruz Bikes
";

both_backends!(bad_rows_write_nothing_and_are_all_named, |t: TestDb| {
    let auth = base(&t);
    let before = all_counts(&t);
    let dir = tempfile::tempdir().unwrap();
    let orders = write(dir.path(), "orders.csv", BAD_ORDERS);
    let items = write(
        dir.path(),
        "order_items.csv",
        "order_id,item_id,product_id,quantity,list_price,discount\n10,1,1,1,379.99,0.1\n16,1,2,1,12.345,0\n16,2,77,1,1.00,0\n",
    );
    let r = import(
        &auth,
        &[orders.clone(), items.clone()],
        &ImportOptions::default(),
    );
    assert_eq!(r.outcome, Outcome::RolledBack);
    assert_eq!(r.exit_code(), 1);
    assert_eq!(all_counts(&t), before, "nothing written");
    let text: Vec<String> = r.errors.iter().map(|e| e.to_string()).collect();
    let has = |needle: &str| {
        assert!(
            text.iter().any(|e| e.contains(needle)),
            "no error with {needle:?} in {text:#?}"
        )
    };
    has("orders.csv:3: column `order_date` value `31/02/2016` is not a real date");
    has("orders.csv:4: column `staff_name` value `Nobody` names no member of staff");
    has("orders.csv:5: column `order_status` value `9`");
    has("orders.csv:5: column `store` value `Atlantis Bikes` names no store");
    has(
        "orders.csv:6: column `customer_id` value `999` refers to a row of customers that does not exist",
    );
    has("orders.csv:7: column `required_date` value `` is required but empty");
    has("order_items.csv:3: column `list_price` value `12.345`");
    has(
        "order_items.csv:4: column `product_id` value `77` refers to a row of products that does not exist",
    );
    assert_eq!(r.rejected_rows, 7, "{text:#?}");
    // Dry run: same report, nothing written.
    let opts = ImportOptions {
        dry_run: true,
        ..ImportOptions::default()
    };
    let r = import(&auth, &[orders.clone(), items.clone()], &opts);
    assert_eq!((r.outcome, r.rejected_rows), (Outcome::DryRun, 7));
    assert_eq!(all_counts(&t), before);
    // --skip-invalid: the good rows load, the bad ones go to the rejects file.
    let rejects = dir.path().join("rejects.csv");
    let opts = ImportOptions {
        skip_invalid: true,
        rejects: Some(rejects.clone()),
        ..ImportOptions::default()
    };
    let r = import(&auth, &[orders, items], &opts);
    assert_eq!(
        (r.outcome, r.exit_code()),
        (Outcome::CommittedWithRejects, 3)
    );
    assert_eq!(count(&t, "orders"), before[7] + 2, "orders 10 and 16");
    assert_eq!(count(&t, "order_items"), before[8] + 1, "line 10/1");
    let mut rd = csv::Reader::from_path(&rejects).unwrap();
    assert_eq!(
        rd.headers().unwrap().iter().collect::<Vec<_>>(),
        ["source", "line", "column", "value", "reason", "record"]
    );
    let rows: Vec<csv::StringRecord> = rd.records().map(|r| r.unwrap()).collect();
    let lines: Vec<&str> = rows.iter().map(|r| r.get(1).unwrap()).collect();
    assert!(lines.contains(&"3") && lines.contains(&"7"), "{lines:?}");
    assert!(
        rows.iter()
            .any(|r| r.get(5).unwrap().starts_with("11,1,4,31/02/2016")),
        "the original record is kept"
    );
});

both_backends!(
    headers_any_order_bom_crlf_quotes_and_missing_columns,
    |t: TestDb| {
        let auth = base(&t);
        let dir = tempfile::tempdir().unwrap();
        // BOM, CRLF, columns in another order, an extra column, a quoted newline and comma.
        let body = "\u{feff}zip_code,last_name,first_name,customer_id,email,note,street\r\n\
                10001,O'Neil,Zoé,40,zoe@example.com,vip,\"1 Main St.,\r\nSuite 5\"\r\n\
                10002,Nguyen,Minh,41,minh@example.com,,N/A\r\n";
        let f = write(dir.path(), "customers.csv", body);
        let r = import(&auth, &[f], &ImportOptions::default());
        assert_eq!(r.outcome, Outcome::Committed, "{:?}", r.errors);
        assert_eq!(r.tables[0].extra_columns, ["note"]);
        let mut conn = t.db.conn().unwrap();
        let c: Customer = customers::table
            .find(40)
            .select(Customer::as_select())
            .first(&mut *conn)
            .unwrap();
        assert_eq!(
            (c.first_name.as_str(), c.last_name.as_str()),
            ("Zoé", "O'Neil")
        );
        assert_eq!(
            c.street.as_deref(),
            Some("1 Main St.,\nSuite 5"),
            "a quoted newline is kept (as LF)"
        );
        let c: Customer = customers::table
            .find(41)
            .select(Customer::as_select())
            .first(&mut *conn)
            .unwrap();
        assert_eq!(c.street, None, "N/A is null");
        drop(conn);
        // A file named for no table is matched by its header.
        let f = write(
            dir.path(),
            "export-2024.csv",
            "brand_id,brand_name\n9,Surly\n",
        );
        assert_eq!(
            import(&auth, &[f], &ImportOptions::default()).tables[0].table,
            "brands"
        );
        // Missing required columns are refused before anything is written, naming them.
        let good = write(
            dir.path(),
            "categories.csv",
            "category_id,category_name\n50,Gravel\n",
        );
        let bad = write(dir.path(), "orders.csv", "order_id,customer_id\n1,1\n");
        let err = etl::import_csv(
            &auth,
            &cli(),
            &[good, bad],
            &ImportOptions::default(),
            &CancelToken::new(),
            &mut |_| {},
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("orders.csv")
                && err.contains("`order_date`")
                && err.contains("`store_id` (or `store`/`store_name`)"),
            "{err}"
        );
        assert_eq!(
            count(&t, "categories"),
            2,
            "the good file was not loaded either"
        );
        let err = etl::import_csv(
            &auth,
            &cli(),
            &[dir.path().join("nope.csv")],
            &ImportOptions::default(),
            &CancelToken::new(),
            &mut |_| {},
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("nope.csv: no such file"), "{err}");
        // Line numbers count physical lines, CRLF or not, quoted newlines included.
        let f = write(
            dir.path(),
            "brands.csv",
            "brand_id,brand_name\r\n1,\"x\r\ny\"\r\nbad,z\r\n",
        );
        let r = import(&auth, &[f], &ImportOptions::default());
        assert!(
            r.errors[0]
                .to_string()
                .contains("brands.csv:4: column `brand_id` value `bad`"),
            "{}",
            r.errors[0]
        );
        // A torn row (wrong field count) and invalid UTF-8 are row errors with line numbers.
        let mut bytes = b"brand_id,brand_name\n20,Ok\n21\n22,\xff\xfe\n".to_vec();
        bytes.extend_from_slice(b"23,Fine\n");
        let f = dir.path().join("brands.csv");
        std::fs::write(&f, bytes).unwrap();
        let r = import(&auth, &[f], &ImportOptions::default());
        let text: Vec<String> = r.errors.iter().map(|e| e.to_string()).collect();
        assert!(
            text.iter().any(
                |e| e.contains("brands.csv:3:") && e.contains("has 1 fields; the header has 2")
            ),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|e| e.contains("brands.csv:4:") && e.contains("not valid UTF-8")),
            "{text:?}"
        );
        assert_eq!(r.outcome, Outcome::RolledBack);
    }
);

both_backends!(permissions_for_import_and_export, |t: TestDb| {
    let (auth, _) = accounts::auth(&t);
    add(&auth, "root", Role::Administrator);
    add(&auth, "mona", Role::Manager);
    add(&auth, "emil", Role::Employee);
    let (emil, _) = sign_in(&auth, "emil", PASSWORD, None);
    let (mona, _) = sign_in(&auth, "mona", PASSWORD, None);
    let err = etl::import_csv(
        &auth,
        &Actor::from_session(&emil),
        &[fixture("csv")],
        &ImportOptions::default(),
        &CancelToken::new(),
        &mut |_| {},
    )
    .unwrap_err();
    assert!(matches!(err, stockroom::Error::Forbidden(_)), "{err}");
    assert_eq!(count(&t, "categories"), 0);
    let r = etl::import_csv(
        &auth,
        &Actor::from_session(&mona),
        &[fixture("csv")],
        &ImportOptions::default(),
        &CancelToken::new(),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(r.outcome, Outcome::Committed);
    let mut out = Vec::new();
    let rows = export(
        &auth,
        &Actor::from_session(&emil),
        "stores",
        ExportFormat::Csv,
        false,
        &mut out,
        "memory",
        &CancelToken::new(),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(rows.rows, 2);
    let err = export(
        &auth,
        &Actor::from_session(&emil),
        "users",
        ExportFormat::Csv,
        false,
        &mut Vec::new(),
        "memory",
        &CancelToken::new(),
        &mut |_| {},
    )
    .unwrap_err();
    assert!(err.to_string().contains("not an exportable table"), "{err}");
});

both_backends!(export_then_import_round_trips_exactly, |t: TestDb| {
    let (auth, _) = accounts::auth(&t);
    stockroom::store::demo::load(
        &t.db,
        &stockroom::store::demo::DemoOptions {
            scale: 1,
            seed: 11,
            replace: false,
        },
        &CancelToken::new(),
        &mut |_| {},
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    for spec in stockroom::etl::spec::TABLES.iter() {
        let mut f = std::fs::File::create(dir.path().join(format!("{}.csv", spec.name))).unwrap();
        export(
            &auth,
            &cli(),
            spec.name,
            ExportFormat::Csv,
            false,
            &mut f,
            "file",
            &CancelToken::new(),
            &mut |_| {},
        )
        .unwrap();
    }
    // Into the same store: nothing changes.
    let r = import(
        &auth,
        &[dir.path().to_path_buf()],
        &ImportOptions::default(),
    );
    let (read, c, _) = r.totals();
    assert_eq!(
        (c.inserted, c.updated, c.unchanged),
        (0, 0, read),
        "{:?}",
        r.errors
    );
    // Into an empty store of the same backend: identical rows.
    let fresh = if t.backend() == "sqlite" {
        TestDb::sqlite()
    } else {
        TestDb::mysql().unwrap()
    };
    let (auth2, _) = accounts::auth(&fresh);
    let r = import(
        &auth2,
        &[dir.path().to_path_buf()],
        &ImportOptions::default(),
    );
    assert_eq!(r.outcome, Outcome::Committed, "{:?}", r.errors);
    assert_eq!(snapshot(&fresh), snapshot(&t));
});

both_backends!(hostile_text_round_trips_exactly, |t: TestDb| {
    // Quotes, backslashes, escapes that look like SQL, Ctrl-Z, newlines and any script.
    let nasty = [
        r#"O'Brien "the \"one\"" \\"#,
        r"back\slash\' and \\' and \0 and \n",
        "Robert'); DROP TABLE customers;--",
        "line one\nline two\ttabbed",
        "ctrl-z \u{1a} here",
        "王小明 Zoë Ærø 🚲",
        "trailing backslash \\",
    ];
    let (auth, _) = accounts::auth(&t);
    let dir = tempfile::tempdir().unwrap();
    let mut w = csv::Writer::from_path(dir.path().join("customers.csv")).unwrap();
    w.write_record(["customer_id", "first_name", "last_name", "email", "street"])
        .unwrap();
    for (i, s) in nasty.iter().enumerate() {
        w.write_record([
            &(i + 1).to_string(),
            *s,
            "Last",
            &format!("x{i}@example.com"),
            *s,
        ])
        .unwrap();
    }
    w.flush().unwrap();
    drop(w);
    let r = import(
        &auth,
        &[dir.path().join("customers.csv")],
        &ImportOptions::default(),
    );
    // Ctrl-Z is a control character: refused with a reason, like any other.
    assert_eq!(r.rejected_rows, 1, "{:?}", r.errors);
    assert!(r.errors[0].reason.contains("control characters"));
    let opts = ImportOptions {
        skip_invalid: true,
        rejects: Some(dir.path().join("rej.csv")),
        ..ImportOptions::default()
    };
    let r = import(&auth, &[dir.path().join("customers.csv")], &opts);
    assert_eq!(r.totals().1.inserted, 6);
    let mut conn = t.db.conn().unwrap();
    let rows: Vec<Customer> = customers::table
        .order(customers::customer_id)
        .select(Customer::as_select())
        .load(&mut *conn)
        .unwrap();
    let expect: Vec<&str> = nasty
        .iter()
        .copied()
        .filter(|s| !s.contains('\u{1a}'))
        .map(str::trim)
        .collect();
    let got: Vec<&str> = rows.iter().map(|c| c.first_name.as_str()).collect();
    assert_eq!(got, expect);
    assert!(
        rows.iter()
            .all(|c| c.street.as_deref() == Some(c.first_name.as_str()))
    );
    drop(conn);
    // And the same file again changes nothing (the stored text compares equal).
    let r = import(&auth, &[dir.path().join("customers.csv")], &opts);
    assert_eq!((r.totals().1.inserted, r.totals().1.updated), (0, 0));
});
