//! API import against a real local HTTP server: discovery under /, /api/, /v1/; envelope +
//! next, Link headers, page/limit paging, bare arrays; 429 with Retry-After, 500s, a response
//! slower than the timeout, a 404 mid-run; nothing written when a run fails; the JSON export
//! read back unchanged; Administrators only.

mod common;

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use stockroom::auth::{Actor, Auth, Role};
use stockroom::etl::api::{ApiOptions, import_api};
use stockroom::etl::export::{ExportFormat, export};
use stockroom::etl::{self, ImportOptions, Outcome};
use stockroom::worker::CancelToken;

use common::accounts::{self, PASSWORD, add, cli, sign_in};
use common::http::{Response, Server};
use common::{TestDb, count};

fn parents(auth: &Auth) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/original/csv");
    let files: Vec<_> = ["categories", "brands", "products", "stores", "staffs"]
        .iter()
        .map(|t| dir.join(format!("{t}.csv")))
        .collect();
    let r = etl::import_csv(
        auth,
        &cli(),
        &files,
        &ImportOptions::default(),
        &CancelToken::new(),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(r.outcome, Outcome::Committed);
}

/// The original API's shapes: numbers as numbers, `NULL` strings, DD/MM/YYYY, trailing spaces.
fn customers() -> Vec<Value> {
    (1..=5)
        .map(|i| json!({"customer_id": i, "first_name": format!("Name{i}"), "last_name": "Burks", "phone": "NULL",
            "email": format!("c{i}@example.com"), "street": format!("{i} Thorne Ave. "), "city": "Orchard Park", "state": "NY", "zip_code": 14127}))
        .collect()
}
fn orders() -> Vec<Value> {
    (1..=4)
        .map(|i| json!({"order_id": i, "customer_id": i, "order_status": 4, "order_date": format!("0{i}/01/2016"),
            "required_date": format!("0{}/01/2016", i + 2), "shipped_date": if i == 4 { json!("NULL") } else { json!(format!("0{}/01/2016", i + 1)) },
            "store": "Santa Cruz Bikes", "staff_name": "Mireya"}))
        .collect()
}
fn items() -> Vec<Value> {
    let mut v = Vec::new();
    for o in 1..=4 {
        for i in 1..=2 {
            v.push(json!({"order_id": o, "item_id": i, "product_id": i, "quantity": 1, "list_price": 599.99, "discount": 0.07}));
        }
    }
    v
}

fn fast(timeout_ms: u64) -> ApiOptions {
    ApiOptions {
        rate: 1000.0,
        max_retries: 4,
        timeout: Duration::from_millis(timeout_ms),
        page_size: 3,
        max_backoff: Duration::from_millis(300),
        ..ApiOptions::default()
    }
}

both_backends!(every_paging_style_and_every_retry_rule, |t: TestDb| {
    let (auth, _) = accounts::auth(&t);
    parents(&auth);
    let calls: Arc<Mutex<HashMap<String, u32>>> = Arc::default();
    let c2 = calls.clone();
    let server = Server::start(move |req| {
        let n = {
            let mut m = c2.lock().unwrap();
            let key = format!(
                "{}?{}",
                req.path,
                req.param("cursor").or(req.param("page")).unwrap_or("")
            );
            let e = m.entry(key).or_insert(0);
            *e += 1;
            *e
        };
        match req.path.as_str() {
            // Envelope with `next`; its second page first answers 429 with Retry-After.
            "/api/customers" => match req.param("cursor") {
                None => Response::json(
                    json!({"data": customers()[..3], "next": "/api/customers?cursor=2"})
                        .to_string(),
                ),
                Some("2") if n == 1 => Response::status(429).header("Retry-After", "1"),
                Some(_) => {
                    Response::json(json!({"data": customers()[3..], "next": null}).to_string())
                }
            },
            // A bare array with a Link header; the first page fails twice with 500.
            "/v1/orders" => match req.param("cursor") {
                None if n <= 2 => Response::status(500),
                None => Response::json(Value::Array(orders()[..2].to_vec()).to_string())
                    .header("Link", "</v1/orders?cursor=2>; rel=\"next\""),
                Some(_) => Response::json(Value::Array(orders()[2..].to_vec()).to_string()),
            },
            // page/limit parameters; page 2 is slower than the timeout once.
            "/order_items" => {
                let page: usize = req.param("page").and_then(|p| p.parse().ok()).unwrap_or(1);
                let limit: usize = req
                    .param("limit")
                    .and_then(|p| p.parse().ok())
                    .unwrap_or(100);
                let all = items();
                let slice: Vec<Value> = all
                    .iter()
                    .skip((page - 1) * limit)
                    .take(limit)
                    .cloned()
                    .collect();
                let mut r = Response::json(Value::Array(slice).to_string());
                if page == 2 && n == 1 {
                    r.delay = Duration::from_millis(1_500);
                }
                r
            }
            _ => Response::status(404),
        }
    });
    let started = Instant::now();
    let run = import_api(
        &auth,
        &cli(),
        &server.base,
        &fast(700),
        &ImportOptions::default(),
        &CancelToken::new(),
        &mut |_| {},
    )
    .unwrap();
    let elapsed = started.elapsed();
    let r = &run.report;
    assert_eq!(r.outcome, Outcome::Committed, "{:?}", r.errors);
    let by_table: HashMap<&str, (u64, u64)> = r
        .tables
        .iter()
        .map(|t| (t.table.as_str(), (t.read, t.counts.inserted)))
        .collect();
    assert_eq!(by_table["customers"], (5, 5));
    assert_eq!(by_table["orders"], (4, 4));
    assert_eq!(
        by_table["order_items"],
        (8, 8),
        "all pages, including the one that timed out once"
    );
    assert!(run.missing.contains(&"categories"), "{:?}", run.missing);
    // Discovery tried each prefix.
    assert!(
        !server.hits("/customers?page=1").is_empty() && !server.hits("/api/customers").is_empty()
    );
    // 429 + Retry-After: 1 → the retry came at least a second later.
    let c2 = server.hits("cursor=2");
    let cust: Vec<_> = c2
        .iter()
        .filter(|(_, p, _)| p.starts_with("/api/customers"))
        .collect();
    assert_eq!(cust.iter().map(|h| h.2).collect::<Vec<_>>(), [429, 200]);
    assert!(
        cust[1].0 - cust[0].0 >= Duration::from_millis(950),
        "Retry-After honoured: {:?}",
        cust
    );
    // 500 twice, then 200.
    let first_orders: Vec<u16> = server
        .hits("/v1/orders?page=1")
        .iter()
        .map(|h| h.2)
        .collect();
    assert_eq!(first_orders, [500, 500, 200]);
    // The slow page was asked for again after the timeout.
    assert_eq!(server.hits("/order_items?page=2").len(), 2);
    assert!(run.retries >= 4, "{} retries", run.retries);
    assert!(elapsed >= Duration::from_secs(1));
    assert_eq!(count(&t, "order_items"), 8);
    // Again: nothing new.
    let again = import_api(
        &auth,
        &cli(),
        &server.base,
        &fast(2_000),
        &ImportOptions::default(),
        &CancelToken::new(),
        &mut |_| {},
    )
    .unwrap();
    let (_, c, _) = again.report.totals();
    assert_eq!((c.inserted, c.updated), (0, 0));
});

both_backends!(a_failing_run_writes_nothing, |t: TestDb| {
    let (auth, _) = accounts::auth(&t);
    parents(&auth);
    let before: Vec<i64> = ["customers", "orders", "order_items"]
        .iter()
        .map(|x| count(&t, x))
        .collect();
    // A 404 or 403 on the second page of orders: not retried, and the customers already
    // loaded in this run are rolled back.
    for status in [404u16, 403] {
        let server = Server::start(move |req| match (req.path.as_str(), req.param("cursor")) {
            ("/customers", _) => Response::json(Value::Array(customers()).to_string()),
            ("/orders", None) => Response::json(
                json!({"items": orders()[..2], "next": "/orders?cursor=2"}).to_string(),
            ),
            ("/orders", Some(_)) => Response::status(status),
            _ => Response::status(404),
        });
        let err = import_api(
            &auth,
            &cli(),
            &server.base,
            &fast(2_000),
            &ImportOptions::default(),
            &CancelToken::new(),
            &mut |_| {},
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains(&format!("GET {}/orders?cursor=2", server.base))
                && err.contains(&format!("HTTP {status}")),
            "{err}"
        );
        assert_eq!(
            server.hits("cursor=2").len(),
            1,
            "a {status} is not retried"
        );
        let after: Vec<i64> = ["customers", "orders", "order_items"]
            .iter()
            .map(|x| count(&t, x))
            .collect();
        assert_eq!(after, before, "nothing written after a {status}");
    }
    // 500 for ever: gives up after the retries, nothing written.
    let busy = AtomicU32::new(0);
    let server = Server::start(move |req| {
        busy.fetch_add(1, Ordering::SeqCst);
        if req.path == "/customers" {
            Response::status(503)
        } else {
            Response::status(404)
        }
    });
    let opts = ApiOptions {
        max_retries: 2,
        ..fast(2_000)
    };
    let err = import_api(
        &auth,
        &cli(),
        &server.base,
        &opts,
        &ImportOptions::default(),
        &CancelToken::new(),
        &mut |_| {},
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("HTTP 503") && err.contains("gave up after 3 attempts"),
        "{err}"
    );
    assert_eq!(server.hits("/customers").len(), 3);
    assert_eq!(count(&t, "customers"), before[0]);
    // A bad row is reported like a CSV one, and the run is all-or-nothing.
    let server = Server::start(|req| match req.path.as_str() {
        "/customers" => {
            let mut c = customers();
            c[2]["email"] = json!("NULL");
            Response::json(Value::Array(c).to_string())
        }
        _ => Response::status(404),
    });
    let run = import_api(
        &auth,
        &cli(),
        &server.base,
        &fast(2_000),
        &ImportOptions::default(),
        &CancelToken::new(),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(run.report.outcome, Outcome::RolledBack);
    assert!(
        run.report.errors[0]
            .to_string()
            .contains("/customers:3: column `email`"),
        "{}",
        run.report.errors[0]
    );
    assert_eq!(count(&t, "customers"), before[0]);
    // An unreachable API fails with the URL in the message.
    let opts = ApiOptions {
        max_retries: 1,
        ..fast(500)
    };
    let err = import_api(
        &auth,
        &cli(),
        "http://127.0.0.1:1",
        &opts,
        &ImportOptions::default(),
        &CancelToken::new(),
        &mut |_| {},
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("http://127.0.0.1:1/categories"), "{err}");
});

both_backends!(rate_limit_and_permissions, |t: TestDb| {
    let (auth, _) = accounts::auth(&t);
    parents(&auth);
    add(&auth, "root", Role::Administrator);
    add(&auth, "mona", Role::Manager);
    let (mona, _) = sign_in(&auth, "mona", PASSWORD, None);
    let server = Server::start(|req| match req.path.as_str() {
        "/customers" => {
            let page: usize = req.param("page").and_then(|p| p.parse().ok()).unwrap_or(1);
            let all = customers();
            Response::json(
                Value::Array(all.iter().skip(page - 1).take(1).cloned().collect()).to_string(),
            )
        }
        _ => Response::status(404),
    });
    let err = import_api(
        &auth,
        &Actor::from_session(&mona),
        &server.base,
        &fast(2_000),
        &ImportOptions::default(),
        &CancelToken::new(),
        &mut |_| {},
    )
    .unwrap_err();
    assert!(matches!(err, stockroom::Error::Forbidden(_)), "{err}");
    assert!(
        server.log.lock().unwrap().is_empty(),
        "refused before any request"
    );
    // 4 requests a second: 10 requests (1 per customer page and the misses) take over a second.
    let opts = ApiOptions {
        rate: 4.0,
        page_size: 1,
        tables: vec!["customers".into()],
        ..fast(2_000)
    };
    let started = Instant::now();
    let run = import_api(
        &auth,
        &cli(),
        &server.base,
        &opts,
        &ImportOptions::default(),
        &CancelToken::new(),
        &mut |_| {},
    )
    .unwrap();
    let n = server.log.lock().unwrap().len() as f64;
    assert!(n >= 6.0, "{n} requests");
    assert!(
        started.elapsed().as_secs_f64() >= (n - 4.0) / 4.0 * 0.9,
        "{n} requests in {:?}",
        started.elapsed()
    );
    assert_eq!(run.report.totals().1.inserted, 5);
});

both_backends!(the_json_export_reads_back_unchanged, |t: TestDb| {
    let (auth, _) = accounts::auth(&t);
    stockroom::store::demo::load(
        &t.db,
        &stockroom::store::demo::DemoOptions {
            scale: 1,
            seed: 5,
            replace: false,
        },
        &CancelToken::new(),
        &mut |_| {},
    )
    .unwrap();
    let mut pages: HashMap<String, String> = HashMap::new();
    for spec in stockroom::etl::spec::TABLES.iter() {
        let mut out = Vec::new();
        export(
            &auth,
            &cli(),
            spec.name,
            ExportFormat::Json,
            false,
            &mut out,
            "memory",
            &CancelToken::new(),
            &mut |_| {},
        )
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        let v: Value = serde_json::from_str(&text).expect("valid JSON");
        assert!(v.as_array().is_some_and(|a| !a.is_empty()));
        pages.insert(format!("/{}", spec.name), text);
    }
    // Served as bare arrays (the server ignores paging): into the same store, nothing changes.
    let server = Server::start(move |req| match pages.get(&req.path) {
        Some(body) => Response::json(body.clone()),
        None => Response::status(404),
    });
    let opts = ApiOptions {
        page_size: 500,
        ..fast(5_000)
    };
    let run = import_api(
        &auth,
        &cli(),
        &server.base,
        &opts,
        &ImportOptions::default(),
        &CancelToken::new(),
        &mut |_| {},
    )
    .unwrap();
    let (read, c, _) = run.report.totals();
    assert_eq!(
        run.report.outcome,
        Outcome::Committed,
        "{:?}",
        run.report.errors
    );
    assert!(read > 9_000);
    assert_eq!((c.inserted, c.updated, c.unchanged), (0, 0, read));
});
