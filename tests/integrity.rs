//! An import that says "nothing was written" wrote nothing, under real faults: a deadlock
//! with a second connection, a file-size limit (a full disk), Ctrl-C, a frozen server; its
//! counts equal what is stored; parallel commands on a new store; hostile input.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use stockroom::Error;
use stockroom::auth::Actor;
use stockroom::db::schema::*;
use stockroom::etl::{self, ImportOptions, ImportReport, Outcome};
use stockroom::worker::CancelToken;

use common::accounts::{self, cli};
use common::{TestDb, count, snapshot};

fn customers_csv(path: &Path, ids: std::ops::RangeInclusive<u32>, city: &str) {
    let mut w = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(
        w,
        "customer_id,first_name,last_name,phone,email,street,city,state,zip_code"
    )
    .unwrap();
    for i in ids {
        writeln!(
            w,
            "{i},First{i},Last{i},NULL,c{i}@example.com,{i} Main St.,{city},NY,1{:04}",
            i % 10_000
        )
        .unwrap();
    }
}

fn import(
    auth: &stockroom::auth::Auth,
    paths: &[PathBuf],
    opts: &ImportOptions,
) -> stockroom::Result<ImportReport> {
    etl::import_csv(auth, &cli(), paths, opts, &CancelToken::new(), &mut |_| {})
}

/// The last run's (outcome, message).
fn last_run(t: &TestDb) -> (String, String) {
    import_runs::table
        .order(import_runs::import_run_id.desc())
        .select((import_runs::outcome, import_runs::message))
        .first(&mut *t.db.conn().unwrap())
        .unwrap()
}

/// Runs the binary against `url` with an isolated home.
fn stockroom_cmd(home: &Path, url: &str, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_stockroom"));
    c.args(args)
        .env_clear()
        .env("HOME", home)
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", url)
        .env("STOCKROOM_SECRET_KEY", "11".repeat(32))
        .current_dir(home);
    c
}

fn run(home: &Path, url: &str, args: &[&str]) -> Output {
    stockroom_cmd(home, url, args).output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

// ---------------------------------------------------------------------------------------
// 1. A failed import writes nothing.

#[test]
fn a_deadlock_mid_import_rolls_everything_back_on_mysql() {
    let Some(t) = TestDb::mysql() else { return };
    let (auth, _) = accounts::auth(&t);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("customers.csv");
    customers_csv(&file, 1..=1_500, "Springfield");
    assert_eq!(
        import(
            &auth,
            std::slice::from_ref(&file),
            &ImportOptions::default()
        )
        .unwrap()
        .outcome,
        Outcome::Committed
    );
    let before = snapshot(&t);
    customers_csv(&file, 1..=1_500, "Shelbyville");

    // A second terminal holds customers 501–1,500 (heavier than the import will be when it
    // waits, so the server picks the import as the deadlock's victim).
    let mut other = MysqlConnection::establish(&t.url).unwrap();
    other
        .batch_execute("BEGIN; UPDATE customers SET city = 'Held' WHERE customer_id > 500")
        .unwrap();
    let opts = ImportOptions {
        batch_rows: 100,
        ..ImportOptions::default()
    };
    let importer = {
        let (auth, file) = (auth.clone(), file.clone());
        std::thread::spawn(move || import(&auth, &[file], &opts))
    };
    // Once the import waits for customer 501 (reading it locked, to compare it), the other
    // terminal asks for customer 1, which
    // the import holds: a deadlock.
    let started = Instant::now();
    loop {
        #[derive(QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let waiting: N = diesel::sql_query(
            "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST \
             WHERE (INFO LIKE 'INSERT INTO customers%' OR INFO LIKE '%FROM customers WHERE%FOR UPDATE') \
             AND TIME_MS > 500",
        )
        .get_result(&mut MysqlConnection::establish(&t.url).unwrap())
        .unwrap();
        if waiting.n > 0 {
            break;
        }
        if started.elapsed() > Duration::from_secs(20) || importer.is_finished() {
            panic!(
                "the import never waited: {:?}",
                importer.join().unwrap().map(|r| r.outcome)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    other
        .batch_execute("UPDATE customers SET city = 'Held' WHERE customer_id = 1")
        .unwrap();
    let result = importer.join().unwrap();
    other.batch_execute("ROLLBACK").unwrap();

    let err = result.expect_err("the deadlocked import fails");
    assert!(matches!(err, Error::Busy(_)), "{err:?}");
    assert!(
        err.to_string().contains("deadlock") && err.to_string().contains("nothing was written"),
        "{err}"
    );
    assert_eq!(
        snapshot(&t),
        before,
        "not one customer of the failed run was written"
    );
    let (outcome, message) = last_run(&t);
    assert_eq!(outcome, "failed");
    assert!(message.contains("deadlock"), "{message}");
}

#[test]
fn a_full_disk_mid_import_rolls_everything_back_on_sqlite() {
    let t = TestDb::sqlite();
    let (auth, _) = accounts::auth(&t);
    let dir = tempfile::tempdir().unwrap();
    let small = dir.path().join("customers.csv");
    customers_csv(&small, 1..=10, "Springfield");
    import(&auth, &[small], &ImportOptions::default()).unwrap();
    let before = snapshot(&t);
    let big_dir = dir.path().join("big");
    std::fs::create_dir(&big_dir).unwrap();
    let big = big_dir.join("customers.csv");
    customers_csv(&big, 1..=200_000, "Shelbyville");
    let db_path = t.url.trim_start_matches("sqlite://").to_string();
    let limit = std::fs::metadata(&db_path).unwrap().len() + 512 * 1024;

    // The import runs with a file-size limit: past it, writes fail as on a full disk.
    let mut cmd = stockroom_cmd(
        dir.path(),
        &t.url,
        &["import", "csv", big.to_str().unwrap()],
    );
    unsafe {
        use std::os::unix::process::CommandExt;
        cmd.pre_exec(move || {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let l = libc::rlimit {
                rlim_cur: limit,
                rlim_max: limit,
            };
            libc::setrlimit(libc::RLIMIT_FSIZE, &l);
            Ok(())
        });
    }
    let out = cmd.output().unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("disk is full or failing") && err.contains("nothing was written"),
        "{err}"
    );
    assert_eq!(
        snapshot(&t),
        before,
        "no row of the failed run is in the store"
    );
}

both_backends!(
    the_run_record_and_its_audit_line_never_fail_after_the_data,
    |t: TestDb| {
        let (auth, _) = accounts::auth(&t);
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("customers.csv");
        customers_csv(&file, 1..=5, "Springfield");
        let long = Actor {
            name: format!("cli:{}@host", "x".repeat(130)),
            ..cli()
        };
        let r = etl::import_csv(
            &auth,
            &long,
            &[file],
            &ImportOptions::default(),
            &CancelToken::new(),
            &mut |_| {},
        )
        .unwrap();
        assert_eq!(r.outcome, Outcome::Committed);
        let (actor, outcome): (String, String) = import_runs::table
            .select((import_runs::actor, import_runs::outcome))
            .order(import_runs::import_run_id.desc())
            .first(&mut *t.db.conn().unwrap())
            .unwrap();
        assert_eq!(outcome, "committed");
        assert_eq!(
            actor.chars().count(),
            128,
            "capped to the column, not refused after the data"
        );
        let audited: i64 = audit_events::table
            .filter(audit_events::event.eq("import"))
            .count()
            .get_result(&mut *t.db.conn().unwrap())
            .unwrap();
        assert_eq!(audited, 1);
    }
);

/// A committed run first, so "as it was" is not just "empty": ten customers (the customers
/// are then written in batches), or on `stream` two brands only (customers start empty, so
/// MySQL/MariaDB stream them through LOAD DATA).
fn first_run(auth: &stockroom::auth::Auth, dir: &Path, stream: bool) {
    let small = if stream {
        let p = dir.join("brands.csv");
        std::fs::write(&p, "brand_id,brand_name\n1,Trek\n2,Surly\n").unwrap();
        p
    } else {
        let p = dir.join("customers.csv");
        customers_csv(&p, 1..=10, "Springfield");
        p
    };
    import(auth, &[small], &ImportOptions::default()).unwrap();
}

fn ctrl_c_mid_import(t: TestDb, stream: bool) {
    let (auth, _) = accounts::auth(&t);
    let dir = tempfile::tempdir().unwrap();
    first_run(&auth, dir.path(), stream);
    let before = snapshot(&t);
    let big_dir = dir.path().join("big");
    std::fs::create_dir(&big_dir).unwrap();
    let big = big_dir.join("customers.csv");
    customers_csv(&big, 1..=300_000, "Shelbyville");
    let child = stockroom_cmd(
        dir.path(),
        &t.url,
        &["import", "csv", big.to_str().unwrap()],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let started = Instant::now();
    while last_run(&t).0 != "running" {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the run never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("cancelled: nothing was written"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(snapshot(&t), before);
    assert_eq!(
        last_run(&t).0,
        "cancelled",
        "the run is recorded as cancelled"
    );
    let audit: String = audit_events::table
        .filter(audit_events::event.eq("import"))
        .order(audit_events::audit_event_id.desc())
        .select(audit_events::details)
        .first(&mut *t.db.conn().unwrap())
        .unwrap();
    assert!(audit.contains("outcome=cancelled"), "{audit}");
}

#[test]
fn ctrl_c_mid_import_rolls_back_and_records_the_cancel_sqlite() {
    ctrl_c_mid_import(TestDb::sqlite(), false);
}

#[test]
fn ctrl_c_mid_import_rolls_back_and_records_the_cancel_mysql() {
    if let Some(t) = TestDb::mysql() {
        ctrl_c_mid_import(t, false);
    }
}

#[test]
fn ctrl_c_mid_stream_into_an_empty_table_rolls_back_on_mysql() {
    if let Some(t) = TestDb::mysql() {
        ctrl_c_mid_import(t, true);
    }
}

// ---------------------------------------------------------------------------------------
// 2. Counts equal what is stored.

both_backends!(
    a_key_repeated_in_one_file_is_a_bad_row_naming_both_lines,
    |t: TestDb| {
        let (auth, _) = accounts::auth(&t);
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("customers.csv");
        std::fs::write(
        &file,
        "customer_id,first_name,last_name,email\n5001,Ann,Lee,a@x.io\n5002,Bob,Ray,b@x.io\n5001,Ann,Other,a2@x.io\n",
    )
    .unwrap();
        let r = import(
            &auth,
            std::slice::from_ref(&file),
            &ImportOptions::default(),
        )
        .unwrap();
        assert_eq!(r.outcome, Outcome::RolledBack);
        assert_eq!(r.errors.len(), 1);
        let shown = r.errors[0].to_string();
        assert!(
            shown.contains(":4:") && shown.contains("customer_id 5001 is already on line 2"),
            "{shown}"
        );
        assert_eq!(count(&t, "customers"), 0);

        let opts = ImportOptions {
            skip_invalid: true,
            ..ImportOptions::default()
        };
        let r = import(&auth, std::slice::from_ref(&file), &opts).unwrap();
        let (_, c, rejected) = r.totals();
        assert_eq!((c.inserted, rejected), (2, 1));
        assert_eq!(
            count(&t, "customers") as u64,
            c.inserted,
            "the summary equals the store"
        );
        let r = import(&auth, &[file], &opts).unwrap();
        let (_, c, _) = r.totals();
        assert_eq!(
            (c.inserted, c.updated, c.unchanged),
            (0, 0, 2),
            "a re-import changes nothing"
        );
    }
);

// ---------------------------------------------------------------------------------------
// 3. Races on a fresh store.

fn six_administrators_at_once(url: &str) {
    let home = tempfile::tempdir().unwrap();
    let children: Vec<_> = (1..=6)
        .map(|i| {
            let mut c = stockroom_cmd(
                home.path(),
                url,
                &[
                    "user",
                    "add",
                    &format!("admin{i}"),
                    "--role",
                    "administrator",
                    "--password-stdin",
                ],
            )
            .env("STOCKROOM_BCRYPT_COST", "10")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
            c.stdin
                .take()
                .unwrap()
                .write_all(b"Bike-Shop-2026!\n")
                .unwrap();
            c
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "every administrator is created: {}",
            text(&out.stderr)
        );
    }
    let out = run(home.path(), url, &["user", "list", "--format", "csv"]);
    assert_eq!(
        text(&out.stdout).lines().count(),
        7,
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn six_user_adds_at_once_on_a_new_sqlite_store() {
    let dir = tempfile::tempdir().unwrap();
    // Not even the folder exists yet: creating it, the file and the schema all race.
    let url = format!("sqlite://{}", dir.path().join("new/store.db").display());
    six_administrators_at_once(&url);
}

#[test]
fn six_user_adds_at_once_on_a_new_mysql_database() {
    if let Some(t) = TestDb::mysql_with(false) {
        six_administrators_at_once(&t.url);
    }
}

fn parallel_commands(t: TestDb) {
    let home = tempfile::tempdir().unwrap();
    let both = |args: &[&str]| -> Vec<Output> {
        std::thread::scope(|s| {
            let hs: Vec<_> = (0..2)
                .map(|_| s.spawn(|| run(home.path(), &t.url, args)))
                .collect();
            hs.into_iter().map(|h| h.join().unwrap()).collect()
        })
    };
    // Two imports of the original files (stores named, not numbered) into a new store at once.
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/original/csv");
    for out in both(&["import", "csv", fixture.to_str().unwrap()]) {
        let err = text(&out.stderr);
        assert!(
            !err.contains("names no store"),
            "no false row errors: {err}"
        );
        assert!(
            out.status.success() || err.contains("run it again"),
            "success or a clear sentence: {err}"
        );
        for raw in [
            "SAVEPOINT",
            "Duplicate entry",
            "database is locked",
            "Deadlock found",
        ] {
            assert!(!err.contains(raw), "no raw driver text: {err}");
        }
    }
    let lines = std::fs::read_to_string(fixture.join("order_items.csv"))
        .unwrap()
        .lines()
        .count();
    assert_eq!(
        count(&t, "order_items") as usize,
        lines - 1,
        "the original rows, once"
    );
    // Two demo loads replacing the store's data at once: both succeed, one after the other.
    for out in both(&["demo", "--replace"]) {
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    assert_eq!(count(&t, "stores"), 3);
    assert_eq!(count(&t, "customers"), 1_445);
}

#[test]
fn parallel_demo_and_import_on_sqlite() {
    parallel_commands(TestDb::sqlite());
}

#[test]
fn parallel_demo_and_import_on_mysql() {
    if let Some(t) = TestDb::mysql() {
        parallel_commands(t);
    }
}

// ---------------------------------------------------------------------------------------
// 4. A server that stops answering.

#[test]
fn a_server_that_accepts_and_never_answers_fails_in_time() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let _held = std::thread::spawn(move || {
        let mut kept = Vec::new();
        for c in listener.incoming() {
            kept.push(c);
        }
    });
    let home = tempfile::tempdir().unwrap();
    let url = format!("mysql://root:pw@127.0.0.1:{port}/stock");
    let started = Instant::now();
    let out = stockroom_cmd(home.path(), &url, &["db", "status"])
        .env("STOCKROOM_DB_CONNECT_TIMEOUT_SECS", "2")
        .output()
        .unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!(
            "the database at 127.0.0.1:{port} does not answer (waited 2 s)"
        )),
        "{err}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
}

#[test]
fn a_server_frozen_mid_import_fails_in_time_and_writes_nothing() {
    frozen_mid_import(false);
}

#[test]
fn a_server_frozen_mid_stream_into_an_empty_table_fails_in_time_and_writes_nothing() {
    frozen_mid_import(true);
}

fn frozen_mid_import(stream: bool) {
    let Some(t) = TestDb::mysql() else { return };
    let (auth, _) = accounts::auth(&t);
    let dir = tempfile::tempdir().unwrap();
    first_run(&auth, dir.path(), stream);
    let before = snapshot(&t);
    let big_dir = dir.path().join("big");
    std::fs::create_dir(&big_dir).unwrap();
    let big = big_dir.join("customers.csv");
    customers_csv(&big, 1..=300_000, "Shelbyville");

    let server = common::mysql_server_url();
    let upstream = server.rsplit('@').next().unwrap().to_string();
    let proxy = common::proxy::FreezableProxy::start(&upstream);
    let db_name = t.url.rsplit('/').next().unwrap();
    let via_proxy = format!("mysql://root@127.0.0.1:{}/{db_name}", proxy.port);
    let child = stockroom_cmd(
        dir.path(),
        &via_proxy,
        &["import", "csv", big.to_str().unwrap()],
    )
    .env("STOCKROOM_DB_STATEMENT_TIMEOUT_SECS", "2")
    .env("STOCKROOM_DB_CONNECT_TIMEOUT_SECS", "2")
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let started = Instant::now();
    while last_run(&t).0 != "running" {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the run never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    proxy.freeze();
    let frozen_at = Instant::now();
    let out = child.wait_with_output().unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!(
            "the database at 127.0.0.1:{} does not answer (waited 2 s)",
            proxy.port
        )),
        "{err}"
    );
    assert!(
        frozen_at.elapsed() < Duration::from_secs(15),
        "{:?}",
        frozen_at.elapsed()
    );
    // The server sees its client go; the open transaction is rolled back.
    proxy.close_all();
    let started = Instant::now();
    while snapshot(&t) != before {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the frozen run's rows stayed"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn read_only_commands_never_create_a_store() {
    let home = tempfile::tempdir().unwrap();
    let missing = home.path().join("some/missing/dir/x.db");
    let url = format!("sqlite://{}", missing.display());
    for args in [
        &["db", "status"][..],
        &["user", "list"],
        &["audit"],
        &["export", "customers"],
    ] {
        let out = run(home.path(), &url, args);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(
            err.contains("there is no store at") && err.contains("stockroom db migrate"),
            "{err}"
        );
        assert!(
            !missing.parent().unwrap().exists(),
            "{args:?} created folders"
        );
    }
}

// ---------------------------------------------------------------------------------------
// 5. Hostile and odd input.

both_backends!(
    escape_sequences_from_files_never_reach_the_terminal,
    |t: TestDb| {
        let home = tempfile::tempdir().unwrap();
        let dir = home.path().join("in\u{1b}[2Jput");
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(
            dir.join("brands.csv"),
            "brand_id,brand_name,\u{1b}]0;PWNED\u{7}\u{1b}[2J\n1,Trek,x\n2,Surly\u{1b}[31m,y\n",
        )
        .unwrap();
        let out = run(
            home.path(),
            &t.url,
            &["import", "csv", dir.to_str().unwrap()],
        );
        let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
        assert!(!all.contains('\u{1b}') && !all.contains('\u{7}'), "{all:?}");
        assert!(
            all.contains("\\u{1b}]0;PWNED\\u{7}"),
            "the header is shown escaped: {all}"
        );
        assert!(
            all.contains("in\\u{1b}[2Jput"),
            "the folder name too: {all}"
        );
        assert!(
            !all.contains("`Surly\\u{1b}[31m` `"),
            "the value is shown once: {all}"
        );
        // The audit trail stores and prints it harmlessly.
        let out = run(home.path(), &t.url, &["audit", "--event", "import"]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(
            !text(&out.stdout).contains('\u{1b}'),
            "{}",
            text(&out.stdout)
        );
        let details: Vec<String> = audit_events::table
            .select(audit_events::details)
            .load(&mut *t.db.conn().unwrap())
            .unwrap();
        assert!(details.iter().all(|d| !d.contains('\u{1b}')), "{details:?}");
        // And the log: every line it wrote holds no control character.
        let log = std::fs::read_to_string(home.path().join(".local/state/stockroom/stockroom.log"))
            .unwrap();
        assert!(log.contains("import"), "{log}");
        assert!(!log.chars().any(|c| c.is_control() && c != '\n'), "{log:?}");
    }
);

#[test]
fn unknown_audit_event_kinds_are_refused_with_the_list() {
    let t = TestDb::sqlite();
    let home = tempfile::tempdir().unwrap();
    let out = run(home.path(), &t.url, &["audit", "--event", "bogus"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("`bogus` is not an event kind") && err.contains("signin.failure"),
        "{err}"
    );
    let out = run(home.path(), &t.url, &["audit", "--event", "signin"]);
    assert!(
        out.status.success(),
        "a family is known: {}",
        text(&out.stderr)
    );
}

#[test]
fn oversized_headers_and_fields_are_refused_in_one_line() {
    let t = TestDb::sqlite();
    let home = tempfile::tempdir().unwrap();
    let wide = home.path().join("customers.csv");
    let header: Vec<String> = (0..1_000_000).map(|i| format!("c{i}")).collect();
    std::fs::write(&wide, format!("{}\n", header.join(","))).unwrap();
    let out = run(
        home.path(),
        &t.url,
        &["import", "csv", wide.to_str().unwrap()],
    );
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        err.trim_end().lines().count(),
        1,
        "{}",
        &err[..err.len().min(500)]
    );
    assert!(err.len() < 400, "a bounded message: {} bytes", err.len());
    assert!(
        err.contains("import_max_field_bytes") || err.contains("import_max_columns"),
        "{err}"
    );

    let narrow = home.path().join("brands.csv");
    let cols: Vec<String> = (0..2_000).map(|i| format!("c{i}")).collect();
    std::fs::write(&narrow, format!("brand_id,brand_name,{}\n", cols.join(","))).unwrap();
    let out = run(
        home.path(),
        &t.url,
        &["import", "csv", narrow.to_str().unwrap()],
    );
    let err = text(&out.stderr);
    assert!(
        err.contains("the header has 2,002 columns; at most 1,024"),
        "{err}"
    );

    let big = home.path().join("brands2.csv");
    let mut f = std::fs::File::create(&big).unwrap();
    writeln!(f, "brand_id,brand_name\n1,Trek").unwrap();
    writeln!(f, "2,\"{}\"", "x".repeat(50 << 20)).unwrap();
    drop(f);
    let out = run(
        home.path(),
        &t.url,
        &["import", "csv", big.to_str().unwrap()],
    );
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        err.contains("brands2.csv: line 3: a record longer than 1,048,576 bytes"),
        "{err}"
    );
    assert_eq!(count(&t, "brands"), 0);
}

#[test]
fn a_fifo_in_an_import_folder_is_skipped_with_a_note() {
    let t = TestDb::sqlite();
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("in");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("brands.csv"), "brand_id,brand_name\n1,Trek\n").unwrap();
    let fifo = dir.join("categories.csv");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let mut child = stockroom_cmd(
        home.path(),
        &t.url,
        &["import", "csv", dir.to_str().unwrap()],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the import hangs on the FIFO"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("skipped") && text(&out.stdout).contains("not a regular file"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(count(&t, "brands"), 1);
}

both_backends!(odd_values_are_refused_as_bad_rows, |t: TestDb| {
    let (auth, _) = accounts::auth(&t);
    stockroom::store::demo::load(
        &t.db,
        &stockroom::store::demo::DemoOptions {
            scale: 1,
            seed: 1,
            replace: false,
        },
        &CancelToken::new(),
        &mut |_| {},
    )
    .unwrap();
    let before = snapshot(&t);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("stocks.csv"),
        "store_id,product_id,quantity\n1,1,-4\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("orders.csv"),
        "order_id,customer_id,order_status,order_date,required_date,shipped_date,store_id,staff_id\n\
         9001,1,1,31/12/99,2017-01-01,,1,1\n9002,1,1,1850-01-01,2017-01-01,,1,1\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("order_items.csv"),
        "order_id,item_id,product_id,quantity,list_price,discount\n1,90,1,-2,10.00,0\n1,91,1,1,-10.00,0\n",
    )
    .unwrap();
    let r = import(
        &auth,
        &[dir.path().to_path_buf()],
        &ImportOptions::default(),
    )
    .unwrap();
    assert_eq!(r.outcome, Outcome::RolledBack);
    let shown: Vec<String> = r.errors.iter().map(|e| e.to_string()).collect();
    let has = |needle: &str| {
        assert!(
            shown.iter().any(|e| e.contains(needle)),
            "{needle}: {shown:#?}"
        )
    };
    has("stocks.csv:2: column `quantity` value `-4` is negative");
    has("orders.csv:2: column `order_date` value `31/12/99` has a two-digit year");
    has("orders.csv:3: column `order_date` value `1850-01-01` is outside the years 1900");
    has("order_items.csv:2: column `quantity` value `-2` must be 1 or more");
    has("order_items.csv:3: column `list_price` value `-10.00` is negative");
    assert_eq!(snapshot(&t), before);
});

#[test]
fn csv_export_neutralises_formulas_only_when_asked() {
    let t = TestDb::sqlite();
    let (auth, _) = accounts::auth(&t);
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("customers.csv");
    std::fs::write(
        &file,
        "customer_id,first_name,last_name,email\n1,=HYPERLINK(\"x\"),+Lee,@a.io\n2,Bob,Ray,b@x.io\n",
    )
    .unwrap();
    import(
        &auth,
        std::slice::from_ref(&file),
        &ImportOptions::default(),
    )
    .unwrap();
    let plain = home.path().join("plain.csv");
    let out = run(
        home.path(),
        &t.url,
        &["export", "customers", "--out", plain.to_str().unwrap()],
    );
    assert!(out.status.success());
    assert!(
        text(&out.stderr).contains("warning: 3 cells start with"),
        "{}",
        text(&out.stderr)
    );
    let exact = std::fs::read_to_string(&plain).unwrap();
    assert!(
        exact.contains("\"=HYPERLINK(\"\"x\"\")\",+Lee,,@a.io"),
        "{exact}"
    );
    let sheet = home.path().join("sheet.csv");
    let out = run(
        home.path(),
        &t.url,
        &[
            "export",
            "customers",
            "--out",
            sheet.to_str().unwrap(),
            "--spreadsheet",
        ],
    );
    assert!(
        !text(&out.stderr).contains("warning"),
        "{}",
        text(&out.stderr)
    );
    let safe = std::fs::read_to_string(&sheet).unwrap();
    assert!(
        safe.contains("'=HYPERLINK") && safe.contains(",'+Lee,") && safe.contains(",'@a.io"),
        "{safe}"
    );
    // The plain export reads back exactly.
    std::fs::rename(&plain, &file).unwrap();
    let r = import(&auth, &[file], &ImportOptions::default()).unwrap();
    assert_eq!(r.totals().1.unchanged, 2);
}

// ---------------------------------------------------------------------------------------
// 6. Private files.

#[test]
fn the_store_log_and_exports_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let home = tempfile::tempdir().unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let data = home.path().join("data");
    let url = format!("sqlite://{}", data.join("store.db").display());
    let out = run(home.path(), &url, &["demo"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(mode(&data.join("store.db")), 0o600);
    assert_eq!(mode(&data), 0o700);
    let log = home.path().join(".local/state/stockroom/stockroom.log");
    assert_eq!(mode(&log), 0o600);
    assert_eq!(mode(log.parent().unwrap()), 0o700);
    let export = home.path().join("brands.csv");
    let out = run(
        home.path(),
        &url,
        &["export", "brands", "--out", export.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(mode(&export), 0o600);
    // An existing store readable by others is pointed out.
    std::fs::set_permissions(
        data.join("store.db"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let out = run(home.path(), &url, &["db", "status"]);
    assert!(
        text(&out.stderr).contains("can be read by other users (mode 0644)"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn settings_out_of_range_are_refused_naming_the_key() {
    let home = tempfile::tempdir().unwrap();
    let out = stockroom_cmd(home.path(), "sqlite://x.db", &["db", "status"])
        .env("STOCKROOM_PASSWORD_MIN_LENGTH", "100000")
        .output()
        .unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        err.contains("password_min_length must be between 8 and 64 (got 100,000)"),
        "{err}"
    );
}

#[test]
fn a_json_export_imports_back_exactly() {
    let t = TestDb::sqlite();
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
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("json");
    std::fs::create_dir(&dir).unwrap();
    for spec in stockroom::etl::spec::TABLES.iter() {
        let out_file = dir.join(format!("{}.json", spec.name));
        let out = run(
            home.path(),
            &t.url,
            &[
                "export",
                spec.name,
                "--format",
                "json",
                "--out",
                out_file.to_str().unwrap(),
            ],
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    let fresh = TestDb::sqlite();
    let out = run(
        home.path(),
        &fresh.url,
        &["import", "csv", dir.to_str().unwrap()],
    );
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert_eq!(snapshot(&fresh), snapshot(&t));
}
