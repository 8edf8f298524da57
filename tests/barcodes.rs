//! Product barcodes on both backends: `data set products ID barcode=…` from the shell (check
//! digits verified, a code taken twice refused), found by the Data tab's search and the
//! till's lookup in either UPC-A or EAN-13 form, exported and imported back unchanged, and
//! bad or repeated codes in an import named by line.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use stockroom::auth::Role;
use stockroom::etl::{self, ImportOptions, Outcome};
use stockroom::store::data::{self, ListQuery};
use stockroom::store::orders::choose;
use stockroom::worker::CancelToken;

use common::TestDb;
use common::accounts::{self, add, cli};

fn stockroom(home: &Path, url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stockroom"))
        .args(args)
        .env_clear()
        .env("HOME", home)
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", url)
        .current_dir(home)
        .output()
        .expect("run stockroom")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn write(dir: &Path, name: &str, body: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    p
}

fn import(auth: &stockroom::auth::Auth, paths: &[std::path::PathBuf]) -> etl::ImportReport {
    etl::import_csv(
        auth,
        &cli(),
        paths,
        &ImportOptions::default(),
        &CancelToken::new(),
        &mut |_| {},
    )
    .unwrap()
}

both_backends!(
    barcodes_are_set_checked_found_exported_and_imported_back,
    |t: TestDb| {
        let (auth, _) = accounts::auth(&t);
        add(&auth, "root", Role::Administrator);
        let dir = tempfile::tempdir().unwrap();
        let files = [
            write(dir.path(), "brands.csv", "brand_id,brand_name\n1,Trek\n"),
            write(
                dir.path(),
                "categories.csv",
                "category_id,category_name\n1,Road\n",
            ),
            write(
                dir.path(),
                "stores.csv",
                "store_id,store_name\n1,Main Street\n",
            ),
            write(
                dir.path(),
                "products.csv",
                "product_id,product_name,brand_id,category_id,model_year,list_price\n\
                 1,Trek 820,1,1,2016,379.99\n\
                 2,Trek Domane,1,1,2017,1999.99\n",
            ),
        ];
        assert_eq!(import(&auth, &files).outcome, Outcome::Committed);
        let home = tempfile::tempdir().unwrap();
        let set = |id: &str, code: &str| {
            stockroom(
                home.path(),
                &t.url,
                &["data", "set", "products", id, &format!("barcode={code}")],
            )
        };
        // An EAN-13 with its check digit: kept.
        let out = set("1", "9780306406157");
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let shown = stockroom(home.path(), &t.url, &["data", "show", "products", "1"]);
        assert!(
            text(&shown.stdout).contains("9780306406157"),
            "{}",
            text(&shown.stdout)
        );
        // A wrong check digit is refused, naming the field and the digit.
        let out = set("2", "9780306406158");
        assert_eq!(out.status.code(), Some(1));
        let err = text(&out.stderr);
        assert!(
            err.contains("barcode") && err.contains("its check digit should be 7, not 8"),
            "{err}"
        );
        // A code another product has is refused in words.
        let out = set("2", "9780306406157");
        assert_eq!(out.status.code(), Some(1));
        assert!(
            text(&out.stderr).contains("another product already has this value"),
            "{}",
            text(&out.stderr)
        );
        // A store's own code, and a UPC-A.
        assert_eq!(set("2", "036000291452").status.code(), Some(0));
        // Found by the Data tab's search and by the till, in its EAN-13 form too.
        let page = data::list(
            &auth,
            &cli(),
            &ListQuery {
                table: "products".into(),
                search: Some("036000291452".into()),
                sort: None,
                offset: 0,
                limit: 10,
                known_total: None,
            },
        )
        .unwrap();
        assert_eq!(page.total, 1);
        let found = choose::products(&auth, &cli(), 1, "0036000291452").unwrap();
        assert_eq!(
            found.iter().map(|p| p.product_id).collect::<Vec<_>>(),
            vec![2]
        );
        assert_eq!(found[0].barcode.as_deref(), Some("036000291452"));
        // Exported with its barcodes, and imported back unchanged.
        let file = dir.path().join("exported.csv");
        let out = stockroom(
            home.path(),
            &t.url,
            &["export", "products", "--out", file.to_str().unwrap()],
        );
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let csv = std::fs::read_to_string(&file).unwrap();
        assert!(csv.lines().next().unwrap().contains("barcode"), "{csv}");
        assert!(
            csv.contains("9780306406157") && csv.contains("036000291452"),
            "{csv}"
        );
        let back = write(dir.path(), "products.csv", &csv);
        let r = import(&auth, &[back]);
        let (_, c, _) = r.totals();
        assert_eq!((c.inserted, c.updated, c.unchanged), (0, 0, 2));
        // An import's bad code is a bad row named by line and column; nothing is written.
        let bad = write(
            dir.path(),
            "products.csv",
            "product_id,product_name,brand_id,category_id,model_year,list_price,barcode\n\
             3,Trek Emonda,1,1,2018,2999.99,96385075\n\
             4,Trek Madone,1,1,2018,4999.99,96385074\n",
        );
        let r = import(&auth, &[bad]);
        assert_eq!(r.outcome, Outcome::RolledBack);
        let errors: Vec<String> = r.errors.iter().map(|e| e.to_string()).collect();
        assert!(
            errors.iter().any(|e| e.contains("products.csv:2")
                && e.contains("barcode")
                && e.contains("EAN-8")),
            "{errors:#?}"
        );
        // A code another product has: the store refuses the row, named by its line.
        let taken = write(
            dir.path(),
            "products.csv",
            "product_id,product_name,brand_id,category_id,model_year,list_price,barcode\n\
             3,Trek Emonda,1,1,2018,2999.99,96385074\n\
             4,Trek Madone,1,1,2018,4999.99,9780306406157\n",
        );
        let r = import(&auth, &[taken]);
        assert_eq!(r.outcome, Outcome::RolledBack);
        let errors: Vec<String> = r.errors.iter().map(|e| e.to_string()).collect();
        assert!(
            errors
                .iter()
                .any(|e| e.contains("products.csv:3") && e.contains("barcode")),
            "the code product 1 has: {errors:#?}"
        );
        // Product 1 is left as it was (MySQL's upsert would have taken the row for it).
        let name: String = {
            use diesel::prelude::*;
            use stockroom::db::schema::products;
            products::table
                .find(1)
                .select(products::product_name)
                .first(&mut *t.db.conn().unwrap())
                .unwrap()
        };
        assert_eq!(name, "Trek 820");
        assert_eq!(common::count(&t, "products"), 2);
    }
);
