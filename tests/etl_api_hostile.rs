//! The API importer against broken and hostile servers (the tests' own, on loopback), and
//! a pipe that feeds an import slowly: a slow page or pipe while a sale goes through
//! (SQLite), next links that loop, a run past its deadline, decompression bombs (peak memory
//! measured on the process), `deflate` and unknown encodings.

mod common;

use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use serde_json::json;
use stockroom::db::schema::stocks;
use stockroom::etl::{self, ImportOptions, Outcome};
use stockroom::store::orders::{self, NewLine, NewOrder};
use stockroom::worker::CancelToken;

use common::accounts::{self, cli};
use common::api::*;
use common::http::{Response, Server};
use common::{TestDb, count};

// ---------------------------------------------------------------------------------------
// The store is not held while the network is waited on.

/// The original system's files, for a store with stock, staff and customers to sell with.
fn fixture(auth: &stockroom::auth::Auth) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/original/csv");
    etl::import_csv(
        auth,
        &cli(),
        &[dir],
        &ImportOptions::default(),
        &CancelToken::new(),
        &mut |_| {},
    )
    .unwrap();
}

/// Sells one unit of something in stock, as another terminal would; returns how long it took.
fn sell_one(t: &TestDb, auth: &stockroom::auth::Auth) -> Duration {
    use stockroom::db::schema::staffs;
    let (product, store): (i32, i32) = stocks::table
        .filter(stocks::quantity.gt(0))
        .select((stocks::product_id, stocks::store_id))
        .first(&mut *t.db.conn().unwrap())
        .unwrap();
    let staff: i32 = staffs::table
        .filter(staffs::store_id.eq(store))
        .select(staffs::staff_id)
        .first(&mut *t.db.conn().unwrap())
        .unwrap();
    let t0 = Instant::now();
    orders::create(
        auth,
        &cli(),
        &NewOrder {
            customer_id: Some(1),
            store_id: store,
            staff_id: staff,
            lines: vec![NewLine {
                product_id: product,
                quantity: 1,
                discount_bp: 0,
            }],
        },
    )
    .expect("the sale goes through during the import");
    t0.elapsed()
}

#[test]
fn a_sale_completes_while_an_import_waits_on_a_slow_page() {
    let t = TestDb::sqlite();
    let (auth, _) = accounts::auth(&t);
    fixture(&auth);
    let server = Server::start(|req| match (req.path.as_str(), req.param("cursor")) {
        ("/customers", None) => Response::json(
            json!({"data": customers(5000..5003), "next": "/customers?cursor=2"}).to_string(),
        ),
        // The second page takes 4 s.
        ("/customers", Some(_)) => {
            Response::json(json!({"data": customers(5003..5005)}).to_string())
                .delayed(Duration::from_secs(4))
        }
        _ => Response::status(404),
    });
    let (a2, base) = (auth.clone(), server.base.clone());
    let importer = std::thread::spawn(move || run(&a2, &base, &fast()));
    wait_for(&server, "cursor=2");
    std::thread::sleep(Duration::from_millis(300));
    // A sale from another terminal while the import waits on the network.
    let sale = sell_one(&t, &auth);
    eprintln!("a sale while an API import waits on a slow page: {sale:?}");
    assert!(sale < Duration::from_secs(1), "the sale took {sale:?}");
    let run = importer.join().unwrap().unwrap();
    assert_eq!(run.report.outcome, Outcome::Committed);
    assert_eq!(run.report.totals().1.inserted, 5);
}

#[test]
fn a_sale_completes_while_an_import_waits_on_a_slow_pipe() {
    let t = TestDb::sqlite();
    let (auth, _) = accounts::auth(&t);
    fixture(&auth);
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("customers.csv");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let (a2, f2, spool) = (auth.clone(), fifo.clone(), dir.path().to_path_buf());
    let importer = std::thread::spawn(move || {
        etl::import_csv(
            &a2,
            &cli(),
            &[f2],
            &ImportOptions {
                spool_dir: Some(spool),
                ..ImportOptions::default()
            },
            &CancelToken::new(),
            &mut |_| {},
        )
    });
    // The writer sends the header and a row, then takes 3 s over the rest.
    let mut w = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
    writeln!(w, "customer_id,first_name,last_name,email").unwrap();
    writeln!(w, "5000,Ann,Lee,ann@example.com").unwrap();
    w.flush().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let sale = sell_one(&t, &auth);
    eprintln!("a sale while a CSV import waits on a slow pipe: {sale:?}");
    std::thread::sleep(Duration::from_secs(2));
    writeln!(w, "5001,Bob,Lee,bob@example.com").unwrap();
    drop(w);
    assert!(sale < Duration::from_secs(1), "the sale took {sale:?}");
    let r = importer.join().unwrap().unwrap();
    assert_eq!(r.outcome, Outcome::Committed);
    assert_eq!(r.totals().1.inserted, 2);
    // The copy is gone with the run.
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(left.len(), 1);
}

// ---------------------------------------------------------------------------------------
// Paging that never ends, and the run's deadline.

both_backends!(
    a_next_page_that_repeats_an_earlier_one_ends_the_run,
    |t: TestDb| {
        let (auth, _) = accounts::auth(&t);
        // An envelope whose `next` always names the same page.
        let same = Server::start(|req| match req.path.as_str() {
            "/customers" => Response::json(
                json!({"data": customers(1..3), "next": "/customers?cursor=a"}).to_string(),
            ),
            _ => Response::status(404),
        });
        // Link headers 1 → 2 → 3 → 2.
        let cycle = Server::start(|req| match (req.path.as_str(), req.param("cursor")) {
            ("/customers", c) => {
                let (ids, next) = match c {
                    None => (1..3, "2"),
                    Some("2") => (3..5, "3"),
                    _ => (5..7, "2"),
                };
                Response::json(customers(ids).to_string())
                    .header("Link", &format!("</customers?cursor={next}>; rel=\"next\""))
            }
            _ => Response::status(404),
        });
        for (server, page) in [(&same, 2), (&cycle, 2)] {
            let (cancel, h) = spawn_run(&auth, &server.base);
            // A run that loops is stopped from outside after 10 s (the test then fails).
            let started = Instant::now();
            while !h.is_finished() && started.elapsed() < Duration::from_secs(10) {
                std::thread::sleep(Duration::from_millis(20));
            }
            cancel.cancel();
            let err = h.join().unwrap().unwrap_err().to_string();
            assert!(
                err.contains(&format!("the API's next page repeats page {page}")),
                "{err}"
            );
            assert!(
                server.log.lock().unwrap().len() <= 4,
                "{} requests",
                server.log.lock().unwrap().len()
            );
            assert_eq!(count(&t, "customers"), 0);
            let (outcome, read, message) = last_run(&t.db);
            assert_eq!(outcome, "failed");
            assert!(message.contains("repeats page"), "{message}");
            assert!(read >= 4, "{read}");
        }
    }
);

#[test]
fn a_run_ends_at_its_deadline() {
    let home = tempfile::tempdir().unwrap();
    // Every page names a new next page, slowly: only the deadline ends it.
    let server = Server::start(|req| match req.path.as_str() {
        "/customers" => {
            let n: i64 = req
                .param("cursor")
                .and_then(|c| c.parse().ok())
                .unwrap_or(1);
            Response::json(
                json!({"data": customers(n..n + 1), "next": format!("/customers?cursor={}", n + 1)})
                    .to_string(),
            )
            .delayed(Duration::from_millis(200))
        }
        _ => Response::status(404),
    });
    let child = stockroom(
        home.path(),
        &[
            "import",
            "api",
            &server.base,
            "--tables",
            "customers",
            "--deadline",
            "3s",
        ],
    )
    .spawn()
    .unwrap();
    let started = Instant::now();
    let (code, _, err, _) = finish(child, Duration::from_secs(30));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("deadline of 3 s"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(15));
    let (outcome, read, _) = last_run(&store_of(home.path()));
    assert_eq!(outcome, "failed");
    assert!(read >= 2, "{read}");
    // The default is stated.
    let help = stockroom(home.path(), &["import", "api", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout).into_owned();
    assert!(help.contains("[default: 30m]"), "{help}");
}

// ---------------------------------------------------------------------------------------
// Bodies: bombs, encodings, sizes.

/// A peak of resident memory the importer stays under whatever a body expands to.
const PEAK_BOUND_KIB: u64 = 64 * 1024;

#[test]
fn decompression_bombs_are_refused_within_a_stated_memory_bound() {
    let home = tempfile::tempdir().unwrap();
    // 1 GiB of JSON (one customer, then spaces) in about 1 MB of gzip members.
    let mut bomb = gzip(format!("[{}", customer(1)).as_bytes());
    let spaces = gzip(&vec![b' '; 16 << 20]);
    for _ in 0..64 {
        bomb.extend_from_slice(&spaces);
    }
    bomb.extend(gzip(b"]"));
    // 10 million empty objects: 30 MB of JSON in a small gzip.
    let mut flat = Vec::with_capacity(30_000_010);
    flat.push(b'[');
    for i in 0..10_000_000 {
        flat.extend_from_slice(if i == 0 { b"{}" } else { b",{}" });
    }
    flat.push(b']');
    let flat = gzip(&flat);
    eprintln!(
        "bomb: {} bytes of gzip for 1 GiB; flat: {} bytes of gzip",
        bomb.len(),
        flat.len()
    );
    let server = Server::start(move |req| match req.path.as_str() {
        "/customers" => Response::bytes(bomb.clone()).header("Content-Encoding", "gzip"),
        "/brands" => Response::bytes(flat.clone()).header("Content-Encoding", "gzip"),
        _ => Response::status(404),
    });
    let child = stockroom(
        home.path(),
        &["import", "api", &server.base, "--tables", "customers"],
    )
    .spawn()
    .unwrap();
    let (code, out, err, peak) = finish(child, Duration::from_secs(120));
    eprintln!("bomb: peak {} MiB", peak / 1024);
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(
        err.contains("decodes to more than 256 MiB") && err.contains("not retried"),
        "{err}"
    );
    assert_eq!(
        server.hits("/customers").len(),
        1,
        "a refused size is final"
    );
    assert!(peak < PEAK_BOUND_KIB, "peak {peak} KiB");
    let db = store_of(home.path());
    let n: i64 = stockroom::db::schema::customers::table
        .count()
        .get_result(&mut *db.conn().unwrap())
        .unwrap();
    assert_eq!(n, 0);
    // 10 million `{}`: read one by one, never as a tree.
    let child = stockroom(
        home.path(),
        &["import", "api", &server.base, "--tables", "brands"],
    )
    .spawn()
    .unwrap();
    let (code, out, err, peak) = finish(child, Duration::from_secs(300));
    eprintln!("10 million empty objects: peak {} MiB", peak / 1024);
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(err.contains("found no collection"), "{err}");
    assert!(peak < PEAK_BOUND_KIB, "peak {peak} KiB");
}

both_backends!(
    deflate_is_decoded_and_unknown_encodings_refused,
    |t: TestDb| {
        let (auth, _) = accounts::auth(&t);
        let body = customers(1..6).to_string().into_bytes();
        let zlib = {
            let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
            e.write_all(&body).unwrap();
            e.finish().unwrap()
        };
        let raw = {
            let mut e =
                flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
            e.write_all(&body).unwrap();
            e.finish().unwrap()
        };
        for (encoding, data) in [("deflate", zlib), ("deflate", raw), ("br", body.clone())] {
            let server = Server::start(move |req| match req.path.as_str() {
                "/customers" => Response::bytes(data.clone()).header("Content-Encoding", encoding),
                _ => Response::status(404),
            });
            let r = run(&auth, &server.base, &fast());
            if encoding == "br" {
                let err = r.unwrap_err().to_string();
                assert!(err.contains("compressed as `br`"), "{err}");
                assert_eq!(server.hits("/customers").len(), 1);
            } else {
                let run = r.unwrap();
                assert_eq!(run.report.outcome, Outcome::Committed);
            }
        }
        assert_eq!(count(&t, "customers"), 5);
    }
);
