//! Files written safely, under real faults (issue 23): settings saved by processes racing
//! each other keep every key; a config write past a file-size limit leaves the old file
//! whole; exports and reports go where their path says (a FIFO with a reader, a character
//! device, a folder, a file) and never leave a half-written file or delete one they did not
//! make; a report past `ulimit -f` (SIGXFSZ not ignored by the test: the program must) fails
//! in words with nothing under its name; a failed `--out -` is audited as failed.

mod common;

use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::TestDb;
use common::cli::{stockroom as bin, text};

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Runs `cmd` with a file-size limit of `bytes` (`ulimit -f`), leaving SIGXFSZ at its default
/// (which kills a process that does not ignore it).
fn with_file_limit(cmd: &mut Command, bytes: u64) -> Output {
    unsafe {
        cmd.pre_exec(move || {
            libc::signal(libc::SIGXFSZ, libc::SIG_DFL);
            let l = libc::rlimit {
                rlim_cur: bytes,
                rlim_max: bytes,
            };
            libc::setrlimit(libc::RLIMIT_FSIZE, &l);
            Ok(())
        });
    }
    cmd.output().unwrap()
}

/// A FIFO at `path` with `cat` reading it, as a person's pipe would.
fn fifo_with_reader(path: &Path) -> std::process::Child {
    let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    Command::new("cat")
        .arg(path)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap()
}

/// What the reader got, once it ends; a reader still waiting after 20 s (nothing ever wrote
/// into its FIFO) is stopped and the test fails.
fn read_all(mut reader: std::process::Child) -> Vec<u8> {
    let mut out = reader.stdout.take().unwrap();
    let drain = std::thread::spawn(move || {
        let mut got = Vec::new();
        std::io::Read::read_to_end(&mut out, &mut got).unwrap();
        got
    });
    let start = std::time::Instant::now();
    while reader.try_wait().unwrap().is_none() {
        if start.elapsed() > std::time::Duration::from_secs(20) {
            let _ = reader.kill();
            let _ = reader.wait();
            panic!("the FIFO's reader got no writer: the output went elsewhere");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    drain.join().unwrap()
}

fn demo_store(t: &TestDb) {
    common::cli::demo(t, 23);
}

/// A home with a migrated SQLite store named in its config file; returns the config path.
fn home_with_config(home: &Path) -> PathBuf {
    let store = home.join("store.db");
    let cfg_dir = home.join(".config/stockroom");
    std::fs::create_dir_all(&cfg_dir).unwrap();
    let cfg = cfg_dir.join("config.toml");
    std::fs::write(
        &cfg,
        format!(
            "# the chain's store\ndatabase_url = \"sqlite://{}\"\n\n[keys]\nq = \"quit\"\n",
            store.display()
        ),
    )
    .unwrap();
    let o = bin(home).args(["db", "migrate"]).output().unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    cfg
}

#[test]
fn settings_saved_at_once_keep_every_key() {
    let home = tempfile::tempdir().unwrap();
    let cfg = home_with_config(home.path());
    let keys = [
        "lockout_threshold",
        "lockout_minutes",
        "idle_timeout_minutes",
        "low_stock_threshold",
    ];
    for round in 1..=8u32 {
        let children: Vec<_> = keys
            .iter()
            .enumerate()
            .map(|(i, k)| {
                bin(home.path())
                    .args(["settings", "set", k, &(round + i as u32).to_string()])
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for c in children {
            let o = c.wait_with_output().unwrap();
            assert!(o.status.success(), "round {round}: {}", text(&o.stderr));
        }
        let saved = stockroom::config::Config::parse_file(&cfg).unwrap();
        assert!(
            saved.database_url.is_some(),
            "round {round}: database_url kept"
        );
        assert_eq!(saved.keys.get("q").map(String::as_str), Some("quit"));
        assert_eq!(saved.lockout_threshold, Some(round));
        assert_eq!(saved.lockout_minutes, Some(round + 1));
        assert_eq!(saved.idle_timeout_minutes, Some(round + 2));
        assert_eq!(saved.low_stock_threshold, Some(round + 3));
    }
    let o = bin(home.path()).args(["db", "status"]).output().unwrap();
    assert!(
        text(&o.stdout).contains(&home.path().join("store.db").display().to_string()),
        "still the same store: {}",
        text(&o.stdout)
    );
    assert!(text(&std::fs::read(&cfg).unwrap()).starts_with("# the chain's store\n"));
    // Nothing but the config and its lock is left in the folder.
    assert_eq!(
        names(cfg.parent().unwrap()),
        ["config.toml", "config.toml.lock"]
    );
}

#[test]
fn a_config_write_that_fails_leaves_the_old_file_whole() {
    let home = tempfile::tempdir().unwrap();
    let cfg = home_with_config(home.path());
    // A long comment makes the config larger than the limit (which leaves room for the
    // store's own 32 KiB shared-memory file).
    let mut body = std::fs::read(&cfg).unwrap();
    for _ in 0..1_000 {
        body.extend_from_slice(b"# a note kept by the administrators\n");
    }
    std::fs::write(&cfg, &body).unwrap();
    let before = std::fs::read(&cfg).unwrap();
    let limit = 36_000;
    assert!(before.len() as u64 > limit);
    let mut cmd = bin(home.path());
    cmd.args(["settings", "set", "currency_symbol", "CHF "]);
    let o = with_file_limit(&mut cmd, limit);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "a failure, not a kill: {err}");
    assert!(err.contains("file-size limit"), "{err}");
    assert!(!err.contains("os error"), "{err}");
    assert_eq!(std::fs::read(&cfg).unwrap(), before, "the old file, whole");
    assert_eq!(
        names(cfg.parent().unwrap()),
        ["config.toml", "config.toml.lock"]
    );

    // Mode kept, a symlinked config written through.
    let real = home.path().join("real.toml");
    std::fs::rename(&cfg, &real).unwrap();
    std::os::unix::fs::symlink(&real, &cfg).unwrap();
    std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o640)).unwrap();
    let o = bin(home.path())
        .args(["settings", "set", "currency_symbol", "€"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(
        std::fs::symlink_metadata(&cfg)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(text(&std::fs::read(&real).unwrap()).contains("currency_symbol = \"€\""));
    let mode = std::fs::metadata(&real).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
    // Its owner too, where this test may give the file to another user (as root).
    if unsafe { libc::geteuid() } == 0 {
        std::os::unix::fs::chown(&real, Some(54_321), Some(54_322)).unwrap();
        let o = bin(home.path())
            .args(["settings", "set", "currency_symbol", "$"])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", text(&o.stderr));
        let m = std::fs::metadata(&real).unwrap();
        use std::os::unix::fs::MetadataExt;
        assert_eq!((m.uid(), m.gid()), (54_321, 54_322));
        assert!(text(&std::fs::read(&real).unwrap()).contains("currency_symbol = \"$\""));
    }
}

both_backends!(exports_go_where_their_path_says, |t: TestDb| {
    demo_store(&t);
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let run = |args: &[&str]| {
        bin(h)
            .env("DATABASE_URL", &t.url)
            .args(args)
            .output()
            .unwrap()
    };

    // A FIFO with a reader gets every row; the FIFO stays a FIFO.
    let fifo = h.join("pipe");
    let reader = fifo_with_reader(&fifo);
    let o = run(&["export", "customers", "--out", fifo.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let got = text(&read_all(reader));
    assert_eq!(got.lines().count(), 1 + 1_445, "header and every customer");
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());

    // A character device is written into, never replaced: /dev/full says the disk is full.
    let o = run(&["export", "customers", "--out", "/dev/full"]);
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert!(err.contains("the disk is full"), "{err}");
    assert!(!err.contains("os error"), "{err}");
    assert!(
        std::fs::metadata("/dev/full")
            .unwrap()
            .file_type()
            .is_char_device()
    );
    let o = run(&["export", "brands", "--out", "/dev/null"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(
        std::fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device()
    );

    // A file is replaced whole; someone's `notes.partial` beside it is left alone.
    let notes = h.join("notes.csv");
    std::fs::write(&notes, "old\n").unwrap();
    std::fs::write(h.join("notes.partial"), "mine\n").unwrap();
    let o = run(&["export", "brands", "--out", notes.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&std::fs::read(&notes).unwrap()).starts_with("brand_id,brand_name\n"));
    assert_eq!(std::fs::read(h.join("notes.partial")).unwrap(), b"mine\n");

    // A folder is refused in words; `-` is standard output.
    let o = run(&["export", "brands", "--out", h.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("is a folder"),
        "{}",
        text(&o.stderr)
    );
    let o = run(&["export", "brands", "--format", "json", "--out", "-"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 9);

    // Past a file-size limit: a failure in words, the old file whole, no temporary left.
    let before = std::fs::read(&notes).unwrap();
    let mut cmd = bin(h);
    cmd.env("DATABASE_URL", &t.url)
        .args(["export", "customers", "--out", notes.to_str().unwrap()]);
    let o = with_file_limit(&mut cmd, 20_000);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("file-size limit"), "{err}");
    assert_eq!(std::fs::read(&notes).unwrap(), before);
    let mut left = names(h);
    left.retain(|n| n.contains("notes"));
    assert_eq!(left, ["notes.csv", "notes.partial"]);
});

#[test]
fn exports_at_once_never_cross() {
    let t = TestDb::sqlite();
    demo_store(&t);
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let csv = h.join("x.csv");
    let json = h.join("x.json");
    for _ in 0..6 {
        let spawn = |args: &[&str]| {
            bin(h)
                .env("DATABASE_URL", &t.url)
                .args(args)
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        };
        let a = spawn(&["export", "customers", "--out", csv.to_str().unwrap()]);
        let b = spawn(&[
            "export",
            "brands",
            "--format",
            "json",
            "--out",
            json.to_str().unwrap(),
        ]);
        for c in [a, b] {
            let o = c.wait_with_output().unwrap();
            assert!(o.status.success(), "{}", text(&o.stderr));
        }
        let brands: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
        assert_eq!(brands.as_array().unwrap().len(), 9);
        assert!(brands[0]["brand_name"].is_string());
        let customers = text(&std::fs::read(&csv).unwrap());
        assert!(customers.starts_with("customer_id,first_name"));
        assert_eq!(customers.lines().count(), 1 + 1_445);
    }
    let mut left = names(h);
    left.retain(|n| n != ".local");
    assert_eq!(left, ["x.csv", "x.json"], "no temporary left");
}

both_backends!(reports_go_where_their_path_says, |t: TestDb| {
    demo_store(&t);
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let reports = h.join("reports");
    let cmd = |args: &[&str]| {
        let mut c = bin(h);
        c.env("DATABASE_URL", &t.url)
            .env("STOCKROOM_REPORTS_DIR", &reports)
            .args(args);
        c
    };
    let sales = ["report", "sales", "--from", "2016-01", "--to", "2018-12"];
    let with = |out: &str| {
        let mut a = sales.to_vec();
        a.extend(["--out", out]);
        cmd(&a)
    };

    // Past `ulimit -f 50`: a failure in words, nothing under the name, in a folder or not.
    let pdf = h.join("s.pdf");
    let o = with_file_limit(&mut with(pdf.to_str().unwrap()), 50 * 1024);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "a failure, not a kill: {err}");
    assert!(err.contains("file-size limit"), "{err}");
    assert!(!pdf.exists());
    let o = with_file_limit(&mut cmd(&sales), 50 * 1024);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    assert!(!reports.exists() || names(&reports).is_empty());
    assert!(
        !names(h).iter().any(|n| n.contains("partial")),
        "{:?}",
        names(h)
    );

    // A character device is written into, not beside (no `/dev/null-2`).
    let o = with("/dev/null").output().unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(!Path::new("/dev/null-2").exists());
    assert!(
        std::fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device()
    );

    // A folder takes the report under its own name.
    let folder = h.join("out");
    std::fs::create_dir(&folder).unwrap();
    let o = with(folder.to_str().unwrap()).output().unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    let written = PathBuf::from(text(&o.stdout).trim());
    assert_eq!(written.parent(), Some(folder.as_path()));
    assert_eq!(names(&folder), ["sales-all-2016-01-01-to-2018-12-31.pdf"]);
    assert!(!h.join("out-2").exists());

    // A FIFO with a reader gets the whole PDF.
    let fifo = h.join("printer");
    let reader = fifo_with_reader(&fifo);
    let o = with(fifo.to_str().unwrap()).output().unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    let got = read_all(reader);
    assert!(got.starts_with(b"%PDF-"));
    assert!(got.trim_ascii_end().ends_with(b"%%EOF"), "the whole PDF");
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());

    // `--out -` into a full disk fails, and the audit says so.
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let o = with("-").stdout(full).output().unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("the disk is full"),
        "{}",
        text(&o.stderr)
    );
    let o = cmd(&[
        "audit", "--event", "report", "--limit", "1", "--format", "json",
    ])
    .output()
    .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let details = v[0]["details"].as_str().unwrap();
    assert!(
        details.contains("to=-") && details.contains("failed=") && details.contains("disk is full"),
        "{details}"
    );
});
