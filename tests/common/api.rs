//! Helpers of the API importer's tests against hostile servers: sample customers, fast
//! options, a run's record and audit lines, the CLI on a store of its own (with the peak
//! memory of the process), gzip.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use serde_json::{Value, json};
use stockroom::auth::Auth;
use stockroom::db::schema::{audit_events, import_runs};
use stockroom::db::{Database, DbTarget};
use stockroom::etl::api::{ApiOptions, import_api};
use stockroom::etl::{self, ImportOptions};
use stockroom::worker::CancelToken;

use super::accounts::cli;
use super::http::Server;

pub fn customer(i: i64) -> Value {
    json!({"customer_id": i, "first_name": format!("Name{i}"), "last_name": "Burks", "phone": null,
        "email": format!("c{i}@example.com"), "street": "9273 Thorne Ave.", "city": "Orchard Park",
        "state": "NY", "zip_code": 14127})
}

pub fn customers(ids: std::ops::Range<i64>) -> Value {
    Value::Array(ids.map(customer).collect())
}

pub fn fast() -> ApiOptions {
    ApiOptions {
        rate: 1000.0,
        max_retries: 3,
        timeout: Duration::from_secs(20),
        max_backoff: Duration::from_millis(200),
        tables: vec!["customers".into()],
        ..ApiOptions::default()
    }
}

pub fn run(auth: &Auth, base: &str, api: &ApiOptions) -> stockroom::Result<etl::api::ApiRun> {
    run_until(auth, base, api, &CancelToken::new())
}

/// [`run`], stopped when `cancel` is (Ctrl-C in the CLI, Esc in the TUI).
pub fn run_until(
    auth: &Auth,
    base: &str,
    api: &ApiOptions,
    cancel: &CancelToken,
) -> stockroom::Result<etl::api::ApiRun> {
    import_api(
        auth,
        &cli(),
        base,
        api,
        &ImportOptions::default(),
        cancel,
        &mut |_| {},
    )
}

/// A run with [`fast`] options on a thread of its own: its cancel token and the thread.
pub fn spawn_run(
    auth: &Auth,
    base: &str,
) -> (
    CancelToken,
    std::thread::JoinHandle<stockroom::Result<etl::api::ApiRun>>,
) {
    let cancel = CancelToken::new();
    let (auth, base, stop) = (auth.clone(), base.to_string(), cancel.clone());
    let thread = std::thread::spawn(move || run_until(&auth, &base, &fast(), &stop));
    (cancel, thread)
}

/// The latest run's (outcome, rows read, message).
pub fn last_run(db: &Database) -> (String, i64, String) {
    import_runs::table
        .order(import_runs::import_run_id.desc())
        .select((
            import_runs::outcome,
            import_runs::rows_read,
            import_runs::message,
        ))
        .first(&mut *db.conn().unwrap())
        .expect("a recorded run")
}

pub fn runs(db: &Database) -> i64 {
    import_runs::table
        .count()
        .get_result(&mut *db.conn().unwrap())
        .unwrap()
}

pub fn import_audit(db: &Database) -> Vec<String> {
    audit_events::table
        .filter(audit_events::event.eq("import"))
        .order(audit_events::audit_event_id.asc())
        .select(audit_events::details)
        .load(&mut *db.conn().unwrap())
        .unwrap()
}

/// Waits until the server has seen a request containing `needle`.
pub fn wait_for(server: &Server, needle: &str) {
    let started = Instant::now();
    while server.hits(needle).is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no request for {needle}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The CLI on a store in `home`, with a clean environment.
pub fn stockroom(home: &Path, args: &[&str]) -> Command {
    let url = format!("sqlite://{}", home.join("store.db").display());
    let mut c = super::cli::stockroom_on(home, &url);
    c.args(args)
        .env("STOCKROOM_SECRET_KEY", "11".repeat(32))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

pub fn store_of(home: &Path) -> Database {
    Database::connect(
        &DbTarget::parse(&format!("sqlite://{}", home.join("store.db").display())).unwrap(),
        1,
    )
    .unwrap()
}

/// Waits for the child (at most `limit`), returning its exit code, stdout, stderr and peak
/// resident memory in KiB (`ru_maxrss` from `wait4`: the process's own high-water mark).
pub fn finish(mut child: Child, limit: Duration) -> (i32, String, String, u64) {
    let pid = child.id() as libc::pid_t;
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let readers = (
        std::thread::spawn(move || {
            let mut s = String::new();
            out.read_to_string(&mut s).ok();
            s
        }),
        std::thread::spawn(move || {
            let mut s = String::new();
            err.read_to_string(&mut s).ok();
            s
        }),
    );
    let started = Instant::now();
    let (status, peak) = loop {
        let mut status = 0;
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if r == pid {
            break (status, usage.ru_maxrss as u64);
        }
        if started.elapsed() > limit {
            unsafe { libc::kill(pid, libc::SIGKILL) };
            panic!("the command ran past {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    (
        code,
        readers.0.join().unwrap(),
        readers.1.join().unwrap(),
        peak,
    )
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

pub fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}
