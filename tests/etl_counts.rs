//! Exact inserted / updated / unchanged counts over many batches on SQLite, which counts a
//! table once (rows before and after, and what each statement changed) while no batch is
//! refused, then batch by batch after a refusal; the refused row is named and the run is all
//! or nothing. MySQL/MariaDB, which compare the stored rows instead, are checked on changed,
//! new and unchanged rows (NULLs included) too.

mod common;

use std::path::{Path, PathBuf};

use stockroom::auth::Auth;
use stockroom::etl::{self, ImportOptions, ImportReport, Outcome};
use stockroom::worker::CancelToken;

use common::accounts::{self, cli};
use common::{TestDb, count, snapshot};

fn write(dir: &Path, name: &str, body: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    p
}

fn import(auth: &Auth, paths: &[PathBuf], opts: &ImportOptions) -> ImportReport {
    etl::import_csv(auth, &cli(), paths, opts, &CancelToken::new(), &mut |_| {})
        .expect("import runs")
}

fn counts(r: &ImportReport) -> (u64, u64, u64, u64) {
    let (_, c, rejected) = r.totals();
    (c.inserted, c.updated, c.unchanged, rejected)
}

/// Two rows a batch, so every file below spans several batches.
fn small_batches() -> ImportOptions {
    ImportOptions {
        batch_rows: 2,
        ..ImportOptions::default()
    }
}

fn products(rows: &[(i32, &str, i32)]) -> String {
    let mut s =
        String::from("product_id,product_name,brand_id,category_id,model_year,list_price\n");
    for (id, name, brand) in rows {
        s.push_str(&format!("{id},{name},{brand},1,2016,10.00\n"));
    }
    s
}

#[test]
fn counts_stay_exact_across_batches_and_a_refusal_sqlite() {
    let t = TestDb::sqlite();
    let (auth, _) = accounts::auth(&t);
    let dir = tempfile::tempdir().unwrap();
    let brands: String = std::iter::once("brand_id,brand_name\n".to_string())
        .chain((1..=10).map(|i| format!("{i},Brand {i}\n")))
        .collect();
    let base = [
        write(dir.path(), "brands.csv", &brands),
        write(
            dir.path(),
            "categories.csv",
            "category_id,category_name\n1,Road\n",
        ),
    ];
    let r = import(&auth, &base, &small_batches());
    assert_eq!(counts(&r), (11, 0, 0, 0));

    // Unchanged, changed and new rows over five batches.
    let sub = dir.path().join("again");
    std::fs::create_dir(&sub).unwrap();
    let mut again = String::from("brand_id,brand_name\n");
    for i in 1..=4 {
        again.push_str(&format!("{i},Brand {i}\n"));
    }
    again.push_str("5,Renamed 5\n6,Renamed 6\n11,Brand 11\n12,Brand 12\n13,Brand 13\n");
    let f = write(&sub, "brands.csv", &again);
    let r = import(&auth, std::slice::from_ref(&f), &small_batches());
    assert_eq!(r.outcome, Outcome::Committed, "{:?}", r.errors);
    assert_eq!(counts(&r), (3, 2, 4, 0));
    let r = import(&auth, &[f], &ImportOptions::default());
    assert_eq!(
        counts(&r),
        (0, 0, 9, 0),
        "the same file again changes nothing"
    );

    // Products: three in the store, then a file whose fifth row names a brand that does not
    // exist, after two whole batches were written.
    let first = write(
        dir.path(),
        "products.csv",
        &products(&[(1, "One", 1), (2, "Two", 1), (3, "Three", 1)]),
    );
    assert_eq!(
        counts(&import(&auth, &[first], &small_batches())),
        (3, 0, 0, 0)
    );
    let before = snapshot(&t);
    let mixed = write(
        &sub,
        "products.csv",
        &products(&[
            (1, "One", 1),
            (2, "Two changed", 1),
            (3, "Three", 1),
            (4, "Four", 1),
            (5, "Five", 99),
            (6, "Six", 2),
            (7, "Seven", 2),
            (8, "Eight", 3),
        ]),
    );
    // All or nothing: the refused row is named and nothing is written.
    let r = import(&auth, std::slice::from_ref(&mixed), &small_batches());
    assert_eq!(r.outcome, Outcome::RolledBack);
    assert_eq!(r.rejected_rows, 1);
    let e = r.errors[0].to_string();
    assert!(
        e.contains("products.csv:6: column `brand_id` value `99` refers to a row of brands"),
        "{e}"
    );
    assert_eq!(snapshot(&t), before, "nothing of the refused run is stored");
    // The same with --skip-invalid: the other rows load and are counted exactly.
    let opts = ImportOptions {
        skip_invalid: true,
        rejects: Some(dir.path().join("rejects.csv")),
        ..small_batches()
    };
    let r = import(&auth, std::slice::from_ref(&mixed), &opts);
    assert_eq!(r.outcome, Outcome::CommittedWithRejects);
    assert_eq!(counts(&r), (4, 1, 2, 1));
    assert_eq!(count(&t, "products"), 7);
    // With the default batch size (one batch) the figures are the same.
    let r = import(
        &auth,
        &[mixed],
        &ImportOptions {
            skip_invalid: true,
            rejects: Some(dir.path().join("rejects2.csv")),
            ..ImportOptions::default()
        },
    );
    assert_eq!(counts(&r), (0, 0, 7, 1));
}

#[test]
fn natural_keys_are_counted_exactly_too_sqlite() {
    let t = TestDb::sqlite();
    let (auth, _) = accounts::auth(&t);
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        dir.path(),
        "stores.csv",
        "store_name,city\nNorth,Oslo\nSouth,Rome\nEast,Pune\n",
    );
    assert_eq!(counts(&import(&auth, &[f], &small_batches())), (3, 0, 0, 0));
    let sub = dir.path().join("b");
    std::fs::create_dir(&sub).unwrap();
    let f = write(
        &sub,
        "stores.csv",
        "store_name,city\nNorth,Oslo\nSouth,Milan\nWest,Lima\nEast,Pune\n",
    );
    assert_eq!(counts(&import(&auth, &[f], &small_batches())), (1, 1, 2, 0));
}

#[test]
fn the_import_gives_its_connection_back_as_it_found_it_sqlite() {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Cache {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        cache_size: i64,
    }
    #[derive(diesel::QueryableByName)]
    struct Temp {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        temp_store: i64,
    }
    let t = TestDb::sqlite();
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "brands.csv", "brand_id,brand_name\n1,A\n1,B\n");
    let mut conn = t.db.conn().unwrap();
    let read = |c: &mut stockroom::db::AnyConnection| {
        (
            diesel::sql_query("PRAGMA cache_size")
                .get_result::<Cache>(c)
                .unwrap()
                .cache_size,
            diesel::sql_query("PRAGMA temp_store")
                .get_result::<Temp>(c)
                .unwrap()
                .temp_store,
        )
    };
    let before = read(&mut conn);
    // A run that ends in a rollback (a key repeated in the file), then one that commits.
    for body in [
        "brand_id,brand_name\n1,A\n1,B\n",
        "brand_id,brand_name\n1,A\n",
    ] {
        std::fs::write(&f, body).unwrap();
        let plan = etl::plan_file(&f, Default::default()).unwrap();
        etl::run::load(
            &mut conn,
            vec![plan],
            &ImportOptions::default(),
            &CancelToken::new(),
            &mut |_| {},
            &mut |_, _| Ok(()),
        )
        .unwrap();
        assert_eq!(read(&mut conn), before);
    }
}

both_backends!(
    changed_rows_are_counted_as_updated_on_both_backends,
    |t: TestDb| {
        let (auth, _) = accounts::auth(&t);
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("again");
        std::fs::create_dir(&sub).unwrap();
        let first = [
            write(
                dir.path(),
                "brands.csv",
                "brand_id,brand_name\n1,A\n2,B\n3,C\n4,D\n",
            ),
            write(
                dir.path(),
                "customers.csv",
                "customer_id,first_name,last_name,phone,email,street,city,state,zip_code\n\
                 1,Ann,Lee,NULL,ann@example.com,1 Main St,Rome,NY,13440\n\
                 2,Bo,Ng,555-0100,bo@example.com,NULL,NULL,NULL,NULL\n\
                 3,Cy,Oh,NULL,cy@example.com,NULL,NULL,NULL,NULL\n",
            ),
        ];
        assert_eq!(
            counts(&import(&auth, &first, &small_batches())),
            (7, 0, 0, 0)
        );
        // Two brands renamed, one new, two as they were; a phone added, a city taken away
        // (to NULL), one customer as before.
        let again = [
            write(
                &sub,
                "brands.csv",
                "brand_id,brand_name\n1,A\n2,B2\n3,C\n4,D2\n5,E\n",
            ),
            write(
                &sub,
                "customers.csv",
                "customer_id,first_name,last_name,phone,email,street,city,state,zip_code\n\
                 1,Ann,Lee,NULL,ann@example.com,1 Main St,NULL,NY,13440\n\
                 2,Bo,Ng,555-0100,bo@example.com,NULL,NULL,NULL,NULL\n\
                 3,Cy,Oh,555-0199,cy@example.com,NULL,NULL,NULL,NULL\n",
            ),
        ];
        let r = import(&auth, &again, &small_batches());
        assert_eq!(counts(&r), (1, 4, 3, 0), "{}", t.backend());
        assert_eq!(count(&t, "brands"), 5);
        let r = import(&auth, &again, &ImportOptions::default());
        assert_eq!(counts(&r), (0, 0, 8, 0), "{}: nothing changes", t.backend());
    }
);

/// MySQL/MariaDB: a table that starts empty goes through `LOAD DATA LOCAL INFILE` and stores
/// exactly what the batch way stores, with the same counts; a second import of the same files
/// goes the batch way (the tables have rows) and finds every row unchanged.
#[test]
fn an_empty_table_loads_in_one_stream_exactly_as_in_batches_on_mysql() {
    let (Some(a), Some(b)) = (TestDb::mysql(), TestDb::mysql()) else {
        return;
    };
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/original/csv");
    let (auth_a, _) = accounts::auth(&a);
    let (auth_b, _) = accounts::auth(&b);
    let streamed = import(
        &auth_a,
        std::slice::from_ref(&dir),
        &ImportOptions::default(),
    );
    let batched = import(
        &auth_b,
        std::slice::from_ref(&dir),
        &ImportOptions {
            bulk: false,
            ..ImportOptions::default()
        },
    );
    assert_eq!(streamed.outcome, Outcome::Committed);
    assert_eq!(snapshot(&a), snapshot(&b));
    assert!(snapshot(&a).len() > 20);
    assert_eq!(counts(&streamed), counts(&batched));
    let streamed_tables: Vec<&str> = streamed
        .tables
        .iter()
        .filter(|t| t.bulk)
        .map(|t| t.table.as_str())
        .collect();
    assert_eq!(
        streamed_tables,
        ["products", "customers", "order_items"],
        "tables with names to look up (stocks by store name, orders by staff name) and \
         tables with other unique keys go in batches"
    );
    assert!(batched.tables.iter().all(|t| !t.bulk));
    let again = import(&auth_a, &[dir], &ImportOptions::default());
    assert!(again.tables.iter().all(|t| !t.bulk));
    let (_, c, _) = again.totals();
    assert_eq!((c.inserted, c.updated), (0, 0));
    assert_eq!(snapshot(&a), snapshot(&b));
}

/// MySQL/MariaDB, the stream way: a row whose parent does not exist and a key repeated in
/// the file are named with their lines and nothing is written; with skip-invalid the other
/// rows load and the count is exact.
#[test]
fn the_stream_way_names_bad_rows_by_line_and_writes_all_or_nothing_on_mysql() {
    let Some(t) = TestDb::mysql() else { return };
    let (auth, _) = accounts::auth(&t);
    let dir = tempfile::tempdir().unwrap();
    let brands = write(dir.path(), "brands.csv", "brand_id,brand_name\n1,Trek\n");
    let categories = write(
        dir.path(),
        "categories.csv",
        "category_id,category_name\n1,Road\n",
    );
    import(&auth, &[brands, categories], &ImportOptions::default());
    let before = snapshot(&t);
    let file = write(
        dir.path(),
        "products.csv",
        "product_id,product_name,brand_id,category_id,model_year,list_price\n\
         1,Tab\tand \\ backslash,1,1,2016,10.00\n\
         2,Émonda 王,1,1,2017,1999.99\n\
         3,Ghost,9,1,2016,5.00\n\
         2,Again,1,1,2016,5.00\n\
         4,\"Two\nlines\",1,1,2018,0\n",
    );
    let r = import(
        &auth,
        std::slice::from_ref(&file),
        &ImportOptions::default(),
    );
    assert_eq!(r.outcome, Outcome::RolledBack);
    assert!(r.tables[0].bulk);
    let text: Vec<String> = r.errors.iter().map(|e| e.to_string()).collect();
    assert!(
        text.iter().any(|e| e.contains(
            "products.csv:4: column `brand_id` value `9` refers to a row of brands that does not exist"
        )),
        "{text:#?}"
    );
    assert!(
        text.iter()
            .any(|e| e.contains("products.csv:5") && e.contains("already on line 3")),
        "{text:#?}"
    );
    assert_eq!(snapshot(&t), before, "nothing written");
    let r = import(
        &auth,
        &[file],
        &ImportOptions {
            skip_invalid: true,
            rejects: Some(dir.path().join("rejects.csv")),
            ..ImportOptions::default()
        },
    );
    assert_eq!(r.outcome, Outcome::CommittedWithRejects);
    assert_eq!(counts(&r), (3, 0, 0, 2));
    assert_eq!(count(&t, "products"), 3);
    let names: Vec<String> = {
        use diesel::prelude::*;
        use stockroom::db::schema::products;
        products::table
            .order(products::product_id)
            .select(products::product_name)
            .load(&mut *t.db.conn().unwrap())
            .unwrap()
    };
    assert_eq!(names, ["Tab\tand \\ backslash", "Émonda 王", "Two\nlines"]);
}

/// The stream way relies on its tables having no unique index but their primary key (a
/// duplicate would be skipped with a warning): the list is checked against the schema.
#[test]
fn tables_loaded_in_one_stream_have_no_other_unique_index_on_mysql() {
    let Some(t) = TestDb::mysql() else { return };
    let mut conn = t.db.conn().unwrap();
    let unique: Vec<String> = stockroom::db::dynamic::load_json(
        &mut conn,
        "SELECT JSON_ARRAY(TABLE_NAME) AS r FROM information_schema.STATISTICS \
         WHERE TABLE_SCHEMA = DATABASE() AND NON_UNIQUE = 0 AND INDEX_NAME <> 'PRIMARY'",
        &[],
    )
    .unwrap()
    .iter()
    .filter_map(|r| r.first().and_then(|v| v.as_str()).map(str::to_string))
    .collect();
    assert!(unique.iter().any(|t| t == "brands"), "{unique:?}");
    for table in stockroom::etl::bulk::ONLY_KEY_UNIQUE {
        assert!(!unique.iter().any(|u| u == table), "{table} in {unique:?}");
    }
}
