//! The command line as a data API scripts can trust (issue 23), driven as a script would:
//! `data list` pages until an empty page, honours or refuses `--limit` with the bound in
//! words, and gives typed values (numbers, null, decimal money; empty CSV fields); every
//! `--format json` has the documented, typed shape; searches fold case and accents on both
//! backends and refuse a search past 200 characters; and the small ones: `audit --limit 0`,
//! usage errors for malformed order lines, a currency symbol with an invisible control, a
//! config file others can read that holds a password, file errors in words.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Output;

use common::TestDb;
use common::cli::{stockroom, stockroom_on as bin, text};
use serde_json::Value;

fn demo_store(t: &TestDb) {
    common::cli::demo(t, 3);
}

fn json(o: &Output) -> Value {
    assert!(o.status.success(), "{}", text(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&o.stdout)))
}

both_backends!(data_list_pages_like_an_api, |t: TestDb| {
    demo_store(&t);
    let home = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| bin(home.path(), &t.url).args(args).output().unwrap();

    // A script pages until an empty page, and meets every row once.
    let mut seen = std::collections::BTreeSet::new();
    let mut offset = 0;
    loop {
        let page = json(&run(&[
            "data",
            "list",
            "orders",
            "--limit",
            "500",
            "--offset",
            &offset.to_string(),
            "--format",
            "json",
        ]));
        let rows = page.as_array().unwrap();
        if rows.is_empty() {
            break;
        }
        for r in rows {
            assert!(seen.insert(r["order_id"].as_i64().unwrap()));
        }
        offset += rows.len();
        assert!(offset <= 5_000, "the paging ends");
    }
    assert_eq!(seen.len(), 1_615);
    // Past the end: an empty page, in every form.
    let o = run(&[
        "data", "list", "orders", "--offset", "1615", "--format", "json",
    ]);
    assert_eq!(json(&o), serde_json::json!([]));
    let o = run(&[
        "data", "list", "orders", "--offset", "99999", "--format", "csv",
    ]);
    assert_eq!(text(&o.stdout).lines().count(), 1, "only the header");
    let o = run(&["data", "list", "orders", "--offset", "99999"]);
    assert!(
        text(&o.stderr).contains("no rows from 100,000 (of 1,615)"),
        "{}",
        text(&o.stderr)
    );
    // The limit is honoured, or refused with its bound.
    let o = run(&[
        "data",
        "list",
        "customers",
        "--limit",
        "1000",
        "--format",
        "json",
    ]);
    assert_eq!(json(&o).as_array().unwrap().len(), 1_000);
    let o = run(&["data", "list", "customers", "--limit", "2000"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("limit: at most 1,000 rows a page (got 2,000)"),
        "{}",
        text(&o.stderr)
    );
    let o = run(&[
        "data",
        "list",
        "customers",
        "--limit",
        "0",
        "--format",
        "json",
    ]);
    assert_eq!(json(&o), serde_json::json!([]));

    // Typed values: numbers, null, decimal money, dates; CSV empty for null.
    let o = run(&[
        "order", "create", "--store", "1", "--staff", "1", "--line", "2:1:7.5",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let o = run(&[
        "data",
        "list",
        "orders",
        "--sort",
        "order_id:desc",
        "--limit",
        "1",
        "--format",
        "json",
    ]);
    let order = json(&o)[0].clone();
    assert!(order["order_id"].is_i64(), "{order}");
    assert_eq!(order["customer"], Value::Null, "{order}");
    assert_eq!(order["shipped_date"], Value::Null, "{order}");
    assert_eq!(order["status"], "Pending");
    assert!(order["order_date"].as_str().unwrap().len() == 10);
    let keys: Vec<&str> = order
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys[0], "order_id", "keys in the columns' order: {keys:?}");
    let o = run(&[
        "data",
        "list",
        "orders",
        "--sort",
        "order_id:desc",
        "--limit",
        "1",
        "--format",
        "csv",
    ]);
    let csv = text(&o.stdout);
    let row = csv.lines().nth(1).unwrap();
    assert!(row.contains(",,"), "null is an empty field: {row}");
    assert!(!row.contains('—'), "{row}");
    let o = run(&[
        "data",
        "list",
        "order_items",
        "--sort",
        "order_id:desc",
        "--limit",
        "1",
        "--format",
        "json",
    ]);
    let line = json(&o)[0].clone();
    let price = line["list_price"].as_str().unwrap();
    assert!(
        price.contains('.') && !price.contains(','),
        "a decimal string: {line}"
    );
    assert_eq!(line["discount"], "0.075", "{line}");
    assert!(line["quantity"].is_i64(), "{line}");

    // The table: every line ends with a newline; the footer is on standard error.
    let o = run(&["data", "list", "brands", "--limit", "3"]);
    let out = text(&o.stdout);
    assert!(out.ends_with('\n'), "{out:?}");
    assert_eq!(out.lines().count(), 4);
    assert_eq!(text(&o.stderr).trim(), "rows 1–3 of 9");
});

both_backends!(searches_fold_case_and_accents, |t: TestDb| {
    demo_store(&t);
    let home = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| bin(home.path(), &t.url).args(args).output().unwrap();
    let o = run(&[
        "data",
        "add",
        "customers",
        "first_name=Järvenpää",
        "last_name=Ångströmsson",
        "email=jarvenpaa@example.se",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    for typed in [
        "jarvenpaa",
        "JÄRVENPÄÄ",
        "angstromsson jarvenpaa",
        "Ångströmsson",
    ] {
        let o = run(&[
            "data",
            "list",
            "customers",
            "--search",
            typed,
            "--format",
            "json",
        ]);
        let found = json(&o);
        assert_eq!(
            found.as_array().unwrap().len(),
            1,
            "`{typed}` on {}: {found}",
            t.backend()
        );
        assert_eq!(found[0]["first_name"], "Järvenpää");
    }
    // The demo's Björns are found by `bjorn` on both backends alike.
    let o = run(&[
        "data",
        "list",
        "customers",
        "--search",
        "bjorn",
        "--format",
        "json",
    ]);
    let bjorns = json(&o);
    assert!(!bjorns.as_array().unwrap().is_empty());
    assert!(
        bjorns
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["first_name"] == "Björn"),
        "{bjorns}"
    );
    // A search past the bound is refused in words, never by the driver.
    let long = "a".repeat(100_000);
    let o = run(&["data", "list", "customers", "--search", &long]);
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert!(
        err.contains("search: a search is at most 200 characters (this one has 100,000)"),
        "{err}"
    );
    let o = run(&["order", "list", "--search", &long]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("at most 200 characters"));
    let o = run(&["data", "list", "customers", "--search", &"b".repeat(200)]);
    assert!(o.status.success(), "{}", text(&o.stderr));
});

#[test]
fn every_json_output_is_typed_and_documented() {
    let t = TestDb::sqlite();
    demo_store(&t);
    let home = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| bin(home.path(), &t.url).args(args).output().unwrap();

    // stats: a flat shape.
    let j = json(&run(&["stats", "--period", "2017-Q2", "--format", "json"]));
    let keys: Vec<&str> = j.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "period",
            "store_id",
            "revenue_cents",
            "orders",
            "orders_by_status",
            "average_order_cents",
            "completion_rate",
            "items_sold",
            "target_cents",
            "revenue_by_month",
            "top_products",
            "top_staff",
            "low_stock"
        ]
    );
    assert_eq!(
        j["period"],
        serde_json::json!({"kind": "quarter", "label": "2017 Q2", "from": "2017-04-01", "to": "2017-06-30"})
    );
    assert_eq!(j["store_id"], Value::Null);
    let statuses = j["orders_by_status"].as_object().unwrap();
    assert_eq!(
        statuses.keys().collect::<Vec<_>>(),
        ["pending", "processing", "rejected", "completed"]
    );
    let sum: u64 = statuses.values().map(|v| v.as_u64().unwrap()).sum();
    assert_eq!(Some(sum), j["orders"].as_u64());
    assert!(j["revenue_cents"].is_i64());
    assert!(j["completion_rate"].is_f64() || j["completion_rate"].is_u64());
    let month = &j["revenue_by_month"][0];
    assert!(month["month"].is_string() && month["revenue_cents"].is_i64());
    assert!(j["top_products"][0]["revenue_cents"].is_i64());
    let all = json(&run(&["stats", "--period", "all", "--format", "json"]));
    assert_eq!(all["period"]["kind"], "all");
    assert!(all["period"]["from"].as_str().unwrap().starts_with("2016-"));
    // CSV of stats: plain numbers.
    let csv = text(&run(&["stats", "--period", "2017", "--format", "csv"]).stdout);
    let revenue = csv.lines().find(|l| l.starts_with("revenue,")).unwrap();
    assert!(!revenue.contains('$'), "{revenue}");

    // order list and show.
    let list = json(&run(&["order", "list", "--limit", "2", "--format", "json"]));
    let o = &list[0];
    assert!(o["order_id"].is_i64() && o["lines"].is_i64(), "{o}");
    assert!(o["total"].as_str().unwrap().contains('.'), "{o}");
    let id = o["order_id"].to_string();
    let show = json(&run(&["order", "show", &id, "--format", "json"]));
    assert_eq!(show["order_id"], o["order_id"]);
    assert!(show["lines"][0]["quantity"].is_i64(), "{show}");
    assert!(show["lines"][0]["discount"].is_string(), "{show}");
    assert!(show["shipped_date"].is_null() || show["shipped_date"].is_string());
    let o = run(&["order", "list", "--limit", "501"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("1 to 500"), "{}", text(&o.stderr));
    let past = json(&run(&[
        "order", "list", "--offset", "100000", "--format", "json",
    ]));
    assert_eq!(past, serde_json::json!([]));

    // user list, audit, db status, stock.
    let mut add = bin(home.path(), &t.url);
    add.args([
        "user",
        "add",
        "ann",
        "--role",
        "administrator",
        "--password-stdin",
    ])
    .stdin(std::process::Stdio::piped())
    .stdout(std::process::Stdio::null());
    let mut child = add.spawn().unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"Good-Pass-123!\n")
        .unwrap();
    assert!(child.wait().unwrap().success());
    let users = json(&run(&["user", "list", "--format", "json"]));
    let ann = &users[0];
    assert_eq!(ann["username"], "ann");
    assert_eq!(ann["active"], true);
    assert_eq!(ann["locked"], false);
    assert_eq!(ann["staff_id"], Value::Null);
    assert_eq!(ann["last_login"], Value::Null);
    assert!(ann["open_sessions"].is_i64());
    let audit = json(&run(&["audit", "--limit", "1", "--format", "json"]));
    let at = audit[0]["time"].as_str().unwrap();
    assert!(
        chrono::DateTime::parse_from_rfc3339(at).is_ok(),
        "RFC 3339: {at}"
    );
    let status = json(&run(&["db", "status", "--format", "json"]));
    assert_eq!(status["backend"], "sqlite");
    assert!(status["tables"][0]["rows"].is_i64());
    let moves = json(&run(&[
        "stock", "moves", "--limit", "2", "--format", "json",
    ]));
    let m = &moves[0];
    assert!(m["move_id"].is_i64() && m["quantity"].is_i64(), "{m}");
    assert!(m["at"].as_str().unwrap().ends_with('Z'), "{m}");
    assert!(m["note"].is_null() || m["note"].is_string());
    let o = run(&["stock", "moves", "--limit", "1001"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("1 to 1,000"),
        "{}",
        text(&o.stderr)
    );
    let past = json(&run(&[
        "stock", "moves", "--offset", "1000000", "--format", "json",
    ]));
    assert_eq!(past, serde_json::json!([]));
    let verify = json(&run(&["stock", "verify", "--format", "json"]));
    assert_eq!(verify, serde_json::json!([]));
}

#[test]
fn the_small_ones() {
    let t = TestDb::sqlite();
    demo_store(&t);
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let run = |args: &[&str]| bin(h, &t.url).args(args).output().unwrap();

    // `audit --limit 0` lists nothing; past the bound it says the bound.
    let o = run(&["audit", "--limit", "0", "--format", "json"]);
    assert_eq!(json(&o), serde_json::json!([]));
    let o = run(&["audit", "--limit", "0"]);
    assert_eq!(text(&o.stdout).lines().count(), 1, "only the header");
    let o = run(&["audit", "--limit", "100001"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("0 to 100,000"));

    // A malformed order line is a usage error naming the bound or the precision.
    for (line, says) in [
        ("2:2147483648", "units on a line are from 1 to 100,000"),
        ("2:0", "units on a line are from 1 to 100,000"),
        ("2:x", "has no quantity"),
        ("2:1:0.005", "finer than a hundredth of a percent"),
        ("2:1:101", "not a percentage from 0 to 100"),
    ] {
        let o = run(&[
            "order", "create", "--store", "1", "--staff", "1", "--line", line,
        ]);
        assert_eq!(o.status.code(), Some(2), "{line}: {}", text(&o.stderr));
        assert!(
            text(&o.stderr).contains(says),
            "{line}: {}",
            text(&o.stderr)
        );
    }

    // A currency symbol with an invisible control is refused, naming it.
    let cfg = h.join("config.toml");
    std::fs::write(&cfg, "").unwrap();
    let o = run(&[
        "--config",
        cfg.to_str().unwrap(),
        "settings",
        "set",
        "currency_symbol",
        "$\u{202e}",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("U+202E"), "{}", text(&o.stderr));
    assert_eq!(std::fs::read_to_string(&cfg).unwrap(), "");

    // A config others can read that holds a database password: warned as ssh does.
    let secret = h.join("secret.toml");
    std::fs::write(
        &secret,
        "database_url = \"mysql://stockroom:hunter2@127.0.0.1:1/x\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o644)).unwrap();
    let warned = |path: &Path| {
        let o = stockroom(h)
            .args(["--config", path.to_str().unwrap(), "settings", "show"])
            .output()
            .unwrap();
        text(&o.stderr)
    };
    let err = warned(&secret);
    assert!(
        err.contains("holds a database password and other users can read it (mode 0644)")
            && err.contains("chmod 600"),
        "{err}"
    );
    assert!(!err.contains("hunter2"), "{err}");
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert!(!warned(&secret).contains("warning"));
    std::fs::set_permissions(&cfg, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert!(!warned(&cfg).contains("warning"), "no password, no warning");

    // File errors end in words, not in "(os error 28)".
    let o = run(&["export", "customers", "--out", "/dev/full"]);
    let err = text(&o.stderr);
    assert!(
        err.contains("the disk is full") && !err.contains("os error"),
        "{err}"
    );
    let o = run(&["import", "csv", "/nonexistent/orders.csv"]);
    let err = text(&o.stderr);
    assert!(!err.contains("os error"), "{err}");
}
