//! The API importer and what it may be trusted with, against the tests' own servers on
//! loopback: credentials in the URL or a token (used, never shown or stored), pages and
//! redirects to other origins, Ctrl-C during a `Retry-After` wait, every run recorded with
//! what it read and why it ended, and JSON values a column cannot hold.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use serde_json::json;
use stockroom::db::schema::import_runs;
use stockroom::etl::api::{ApiOptions, import_api};
use stockroom::etl::{self, ImportOptions, Outcome};
use stockroom::worker::CancelToken;

use common::accounts::{self, cli};
use common::api::*;
use common::http::{Response, Server};
use common::{TestDb, count};

// ---------------------------------------------------------------------------------------
// Credentials.

#[test]
fn credentials_are_sent_to_the_origin_but_never_printed_or_stored() {
    let home = tempfile::tempdir().unwrap();
    let expected = format!(
        "Basic {}",
        "ZXJwLXN5bmM6SHVudGVyMi1TZWNyZXQ=" // erp-sync:Hunter2-Secret
    );
    let server = Server::start(move |req| {
        let ok = req.header("authorization").is_some_and(|a| {
            a == "Basic ZXJwLXN5bmM6SHVudGVyMi1TZWNyZXQ=" || a == "Bearer tok-Hunter2-XYZ"
        });
        match req.path.as_str() {
            _ if !ok => Response::status(401),
            "/customers" => Response::json(customers(1..4).to_string()),
            _ => Response::status(404),
        }
    });
    let port = server.base.trim_start_matches("http://");
    let with_password = format!("http://erp-sync:Hunter2-Secret@{port}/");
    let out = stockroom(
        home.path(),
        &["import", "api", &with_password, "--tables", "customers"],
    )
    .output()
    .unwrap();
    let shown = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{shown}");
    assert!(!shown.contains("Hunter2"), "{shown}");
    assert!(
        server
            .auth
            .lock()
            .unwrap()
            .iter()
            .any(|(_, a)| a.as_deref() == Some(expected.as_str())),
        "the credentials reach the API"
    );
    // A failing run (a table the API lacks) does not show them either.
    let out = stockroom(
        home.path(),
        &["import", "api", &with_password, "--tables", "orders"],
    )
    .output()
    .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("no collection for orders") && !err.contains("Hunter2"),
        "{err}"
    );
    // A bearer token from the environment.
    let out = stockroom(
        home.path(),
        &["import", "api", &server.base, "--tables", "customers"],
    )
    .env("STOCKROOM_API_TOKEN", "tok-Hunter2-XYZ")
    .output()
    .unwrap();
    let shown = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{shown}");
    assert!(!shown.contains("Hunter2"), "{shown}");
    assert!(
        server
            .auth
            .lock()
            .unwrap()
            .iter()
            .any(|(_, a)| a.as_deref() == Some("Bearer tok-Hunter2-XYZ"))
    );
    // Nothing stored or logged holds them.
    let db = store_of(home.path());
    let sources: Vec<String> = import_runs::table
        .select(import_runs::source)
        .load(&mut *db.conn().unwrap())
        .unwrap();
    assert_eq!(sources.len(), 3);
    for s in sources.iter().chain(import_audit(&db).iter()) {
        assert!(!s.contains("Hunter2"), "{s}");
    }
    let mut logged = 0;
    for entry in walk(&home.path().join(".local/state")) {
        let text = std::fs::read_to_string(&entry).unwrap_or_default();
        logged += text.len();
        assert!(!text.contains("Hunter2"), "{}: {text}", entry.display());
    }
    assert!(logged > 0, "the runs were logged");
}

// ---------------------------------------------------------------------------------------
// Other origins.

both_backends!(pages_on_another_server_are_refused, |t: TestDb| {
    let (auth, _) = accounts::auth(&t);
    let other = Server::start(|req| match req.path.as_str() {
        "/customers" | "/elsewhere" => Response::json(customers(10..13).to_string()),
        _ => Response::status(404),
    });
    for how in ["next", "link", "redirect"] {
        let elsewhere = format!("{}/elsewhere", other.base);
        let home = Server::start(move |req| match (req.path.as_str(), how) {
            ("/customers", "next") => {
                Response::json(json!({"data": customers(1..3), "next": elsewhere}).to_string())
            }
            ("/customers", "link") => Response::json(customers(1..3).to_string())
                .header("Link", &format!("<{elsewhere}>; rel=\"next\"")),
            ("/customers", _) => Response::redirect(302, &elsewhere),
            _ => Response::status(404),
        });
        let err = run(&auth, &home.base, &fast()).unwrap_err().to_string();
        assert!(
            err.contains("on another server") && err.contains("--allow-origin"),
            "{how}: {err}"
        );
        assert!(
            other.log.lock().unwrap().is_empty(),
            "{how}: the other server was asked"
        );
        assert_eq!(count(&t, "customers"), 0);
    }
    // A redirect on the same origin is followed.
    let home = Server::start(|req| match req.path.as_str() {
        "/customers" => Response::redirect(301, "/v2/customers"),
        "/v2/customers" => Response::json(customers(1..4).to_string()),
        _ => Response::status(404),
    });
    let run = run(&auth, &home.base, &fast()).unwrap();
    assert_eq!(run.report.totals().1.inserted, 3);
});

#[test]
fn another_origin_is_read_only_when_allowed_and_gets_no_credentials() {
    let home = tempfile::tempdir().unwrap();
    let other = Server::start(|req| match req.path.as_str() {
        "/more" => Response::json(customers(10..13).to_string()),
        _ => Response::status(404),
    });
    let more = format!("{}/more", other.base);
    let api = Server::start(move |req| match req.path.as_str() {
        "/customers" => Response::json(json!({"data": customers(1..3), "next": more}).to_string()),
        _ => Response::status(404),
    });
    let with_password = format!(
        "http://erp:s3cret@{}/",
        api.base.trim_start_matches("http://")
    );
    let out = stockroom(
        home.path(),
        &[
            "import",
            "api",
            &with_password,
            "--tables",
            "customers",
            "--allow-origin",
            &other.base,
        ],
    )
    .output()
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("5 inserted"));
    assert!(api.auth.lock().unwrap().iter().all(|(_, a)| a.is_some()));
    assert!(
        other.auth.lock().unwrap().iter().all(|(_, a)| a.is_none()),
        "credentials never leave the origin given"
    );
    assert_eq!(other.hits("/more").len(), 1);
}

// ---------------------------------------------------------------------------------------
// Cancel, and the record of every run.

both_backends!(a_cancel_ends_a_retry_after_wait_at_once, |t: TestDb| {
    let (auth, _) = accounts::auth(&t);
    let server = Server::start(|req| match req.path.as_str() {
        "/customers" => Response::status(429).header("Retry-After", "30"),
        _ => Response::status(404),
    });
    let (cancel, h) = spawn_run(&auth, &server.base);
    wait_for(&server, "/customers");
    std::thread::sleep(Duration::from_millis(300));
    let t0 = Instant::now();
    cancel.cancel();
    let r = h.join().unwrap();
    assert!(t0.elapsed() < Duration::from_secs(1), "{:?}", t0.elapsed());
    assert!(matches!(r, Err(stockroom::Error::Cancelled)), "{r:?}");
    assert_eq!(last_run(&t.db).0, "cancelled");
});

#[test]
fn ctrl_c_during_a_retry_after_wait_ends_the_command_at_once() {
    let home = tempfile::tempdir().unwrap();
    let server = Server::start(|req| match req.path.as_str() {
        "/customers" => Response::status(503).header("Retry-After", "30"),
        _ => Response::status(404),
    });
    let child = stockroom(
        home.path(),
        &["import", "api", &server.base, "--tables", "customers"],
    )
    .spawn()
    .unwrap();
    wait_for(&server, "/customers");
    std::thread::sleep(Duration::from_millis(500));
    let t0 = Instant::now();
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    let (code, _, err, _) = finish(child, Duration::from_secs(60));
    assert!(t0.elapsed() < Duration::from_secs(2), "{:?}", t0.elapsed());
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("cancelled"), "{err}");
    let (outcome, _, _) = last_run(&store_of(home.path()));
    assert_eq!(outcome, "cancelled");
}

both_backends!(
    every_run_is_recorded_with_what_it_read_and_why_it_ended,
    |t: TestDb| {
        let (auth, _) = accounts::auth(&t);
        // 503 for ever: fails before any data arrives.
        let server = Server::start(|req| match req.path.as_str() {
            "/customers" => Response::status(503),
            _ => Response::status(404),
        });
        let before = runs(&t.db);
        let err = run(&auth, &server.base, &fast()).unwrap_err().to_string();
        assert!(err.contains("HTTP 503"), "{err}");
        assert_eq!(runs(&t.db), before + 1);
        let (outcome, read, message) = last_run(&t.db);
        assert_eq!((outcome.as_str(), read), ("failed", 0));
        assert!(message.contains("HTTP 503"), "{message}");
        let audit = import_audit(&t.db);
        let line = audit.last().unwrap();
        assert!(
            line.contains("outcome=failed") && line.contains("read=0") && line.contains("HTTP 503"),
            "{line}"
        );
        // A body that is not JSON.
        let server = Server::start(|req| match req.path.as_str() {
            "/customers" => Response::json("<html>maintenance</html>".into()),
            _ => Response::status(404),
        });
        let err = run(&auth, &server.base, &fast()).unwrap_err().to_string();
        assert!(err.contains("expected a JSON array or object"), "{err}");
        assert_eq!(last_run(&t.db).0, "failed");
        // Cancelled after three pages: recorded with the nine records read.
        let server = Server::start(|req| match (req.path.as_str(), req.param("cursor")) {
            ("/customers", c) => {
                let n: i64 = c.and_then(|c| c.parse().ok()).unwrap_or(1);
                let r = Response::json(
                json!({"data": customers(n * 3..n * 3 + 3), "next": format!("/customers?cursor={}", n + 1)})
                    .to_string(),
            );
                if n == 4 {
                    r.delayed(Duration::from_secs(10))
                } else {
                    r
                }
            }
            _ => Response::status(404),
        });
        let (cancel, h) = spawn_run(&auth, &server.base);
        wait_for(&server, "cursor=4");
        cancel.cancel();
        assert!(matches!(
            h.join().unwrap(),
            Err(stockroom::Error::Cancelled)
        ));
        let (outcome, read, _) = last_run(&t.db);
        assert_eq!((outcome.as_str(), read), ("cancelled", 9));
        assert!(
            import_audit(&t.db)
                .last()
                .unwrap()
                .contains("outcome=cancelled read=9")
        );
        assert_eq!(count(&t, "customers"), 0);
    }
);

// ---------------------------------------------------------------------------------------
// JSON values.

both_backends!(
    json_values_a_column_cannot_hold_are_bad_rows,
    |t: TestDb| {
        let (auth, _) = accounts::auth(&t);
        let stores =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/original/csv/stores.csv");
        etl::import_csv(
            &auth,
            &cli(),
            &[stores],
            &ImportOptions::default(),
            &CancelToken::new(),
            &mut |_| {},
        )
        .unwrap();
        // Written by hand: `-0` as the server sent it.
        let body = r#"[
        {"customer_id": 1, "first_name": {"x": 1}, "last_name": "A", "email": "a@x.com", "phone": null},
        {"customer_id": 2, "first_name": "B", "last_name": [1, 2], "email": "b@x.com", "phone": null},
        {"customer_id": 3, "first_name": "C", "last_name": "C", "email": "c@x.com", "phone": true},
        {"customer_id": -0, "first_name": "D", "last_name": "D", "email": "d@x.com", "phone": null},
        {"customer_id": 5, "first_name": "E", "last_name": "E", "email": "e@x.com", "phone": 5550199}
    ]"#;
        // A yes/no column takes true.
        let staffs = json!([{"staff_id": 40, "first_name": "Ann", "last_name": "Lee", "email": "ann@bikes.shop",
        "phone": null, "active": true, "store_id": 1, "manager_id": null}]);
        let server = Server::start(move |req| match req.path.as_str() {
            "/customers" => Response::json(body.into()),
            "/staffs" => Response::json(staffs.to_string()),
            _ => Response::status(404),
        });
        let api = ApiOptions {
            tables: vec!["customers".into(), "staffs".into()],
            ..fast()
        };
        let run1 = run(&auth, &server.base, &api).unwrap();
        assert_eq!(run1.report.outcome, Outcome::RolledBack);
        let errors: Vec<String> = run1.report.errors.iter().map(|e| e.to_string()).collect();
        let has =
            |line: &str, what: &str| errors.iter().any(|e| e.contains(line) && e.contains(what));
        assert!(
            has("/customers:1: column `first_name`", "is a JSON object"),
            "{errors:?}"
        );
        assert!(
            has("/customers:2: column `last_name`", "is a JSON array"),
            "{errors:?}"
        );
        assert!(
            has("/customers:3: column `phone`", "is a JSON true/false"),
            "{errors:?}"
        );
        assert!(
            has("/customers:4: column `customer_id`", "is -0"),
            "{errors:?}"
        );
        assert_eq!(run1.report.rejected_rows, 4);
        assert_eq!(count(&t, "customers"), 0);
        // With --skip-invalid the good rows load; the staff member's `true` is yes.
        let opts = ImportOptions {
            skip_invalid: true,
            rejects: Some(tempfile::tempdir().unwrap().keep().join("rejects.csv")),
            ..ImportOptions::default()
        };
        let run2 = import_api(
            &auth,
            &cli(),
            &server.base,
            &api,
            &opts,
            &CancelToken::new(),
            &mut |_| {},
        )
        .unwrap();
        assert_eq!(run2.report.outcome, Outcome::CommittedWithRejects);
        assert_eq!(count(&t, "customers"), 1);
        let active: bool = {
            use stockroom::db::schema::staffs;
            staffs::table
                .find(40)
                .select(staffs::active)
                .first(&mut *t.db.conn().unwrap())
                .unwrap()
        };
        assert!(active);
    }
);
