//! A killed import leaves the store exactly as it was: the CLI is started on a large file,
//! SIGKILLed mid-run, and the store is checked (and still usable) afterwards.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::TestDb;

fn big_customers(path: &std::path::Path, rows: usize) {
    let mut w = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(
        w,
        "customer_id,first_name,last_name,phone,email,street,city,state,zip_code"
    )
    .unwrap();
    for i in 1..=rows {
        writeln!(
            w,
            "{i},First{i},Last{i},NULL,c{i}@example.com,{i} Main St.,Springfield,NY,1{:04}",
            i % 10_000
        )
        .unwrap();
    }
}

fn count(t: &TestDb) -> i64 {
    use diesel::prelude::*;
    stockroom::db::schema::customers::table
        .count()
        .get_result(&mut *t.db.conn().unwrap())
        .unwrap()
}

fn running_runs(t: &TestDb) -> i64 {
    use diesel::prelude::*;
    use stockroom::db::schema::import_runs;
    import_runs::table
        .filter(import_runs::outcome.eq("running"))
        .count()
        .get_result(&mut *t.db.conn().unwrap())
        .unwrap()
}

/// `stream`: the first run loads brands only, so the killed run streams customers into an
/// empty table (LOAD DATA on MySQL/MariaDB).
fn kill_mid_import(t: TestDb, stream: bool) {
    let dir = tempfile::tempdir().unwrap();
    let small = if stream {
        let p = dir.path().join("brands.csv");
        std::fs::write(&p, "brand_id,brand_name\n1,Trek\n").unwrap();
        p
    } else {
        let p = dir.path().join("customers.csv");
        big_customers(&p, 10);
        p
    };
    let kept = if stream { 0 } else { 10 };
    let file = dir.path().join("big").join("customers.csv");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    big_customers(&file, 300_000);
    let run = |path: &std::path::Path| {
        Command::new(env!("CARGO_BIN_EXE_stockroom"))
            .args(["import", "csv"])
            .arg(path)
            .env("HOME", dir.path())
            .env("DATABASE_URL", &t.url)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    // A committed run first, so "as it was" is not just "empty".
    assert!(run(&small).wait().unwrap().success());
    assert_eq!(count(&t), kept);
    let mut child = run(&file);
    let started = Instant::now();
    // Wait for the run's "running" record: it is written before any row, and then rows are
    // being written inside the run's transaction.
    while running_runs(&t) == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the run never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success());
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "killed mid-run"
    );
    assert_eq!(count(&t), kept, "nothing of the killed run is left");
    assert_eq!(
        running_runs(&t),
        1,
        "the killed run's record says it never finished"
    );
    // The store is intact and usable: the same small file is unchanged, the big one loads.
    assert!(run(&small).wait().unwrap().success());
    assert_eq!(count(&t), kept);
}

#[test]
fn a_killed_import_leaves_sqlite_as_it_was() {
    kill_mid_import(TestDb::sqlite(), false);
}

#[test]
fn a_killed_import_leaves_mysql_as_it_was() {
    if let Some(t) = TestDb::mysql() {
        kill_mid_import(t, false);
    }
}

#[test]
fn a_killed_stream_into_an_empty_table_leaves_mysql_as_it_was() {
    if let Some(t) = TestDb::mysql() {
        kill_mid_import(t, true);
    }
}
