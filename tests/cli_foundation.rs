//! The binary's foundation commands, run as a user would: `db migrate`, `db status`, `demo`.

mod common;

use std::process::{Command, Output};

/// Runs `stockroom` with an isolated home (config, data and logs in a temp dir).
fn stockroom(home: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stockroom"))
        .args(args)
        .env_clear()
        .env("HOME", home)
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .current_dir(home)
        .output()
        .expect("run stockroom")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn status_against_a_closed_port_fails_in_one_line_without_the_password() {
    let home = tempfile::tempdir().unwrap();
    // Port 1 on loopback: nothing listens there.
    let out = stockroom(
        home.path(),
        &[
            "db",
            "status",
            "--database-url",
            "mysql://bob:hunter2secret@127.0.0.1:1/stock",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    assert!(
        err.contains("cannot connect to mysql://bob:***@127.0.0.1:1/stock"),
        "{err}"
    );
    assert!(
        err.to_lowercase().contains("can't connect") || err.contains("refused"),
        "names the cause: {err}"
    );
    assert!(!err.contains("hunter2secret"), "{err}");
    let log = std::fs::read_to_string(home.path().join(".local/state/stockroom/stockroom.log"))
        .unwrap_or_default();
    assert!(
        !log.contains("hunter2secret"),
        "the log has no password either"
    );
}

#[test]
fn refused_login_is_reported_with_the_servers_words() {
    if common::TestDb::mysql().is_none() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let url = common::mysql_server_url().replace("mysql://root@", "mysql://nobody_here:wrongpw@");
    let out = stockroom(
        home.path(),
        &["db", "status", "--database-url", &format!("{url}/test")],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("Access denied"), "{err}");
    assert!(!err.contains("wrongpw"), "{err}");
}

#[test]
fn migrate_demo_and_status_on_the_default_embedded_store() {
    let home = tempfile::tempdir().unwrap();
    let out = stockroom(home.path(), &["db", "migrate"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).starts_with("applied ") && text(&out.stdout).contains("migration(s)"),
        "{}",
        text(&out.stdout)
    );
    let db = home.path().join(".local/share/stockroom/stockroom.db");
    assert!(
        db.exists(),
        "the default store is created in the data directory"
    );

    let out = stockroom(home.path(), &["db", "migrate"]);
    assert!(
        text(&out.stdout).contains("up to date"),
        "{}",
        text(&out.stdout)
    );

    let out = stockroom(home.path(), &["demo", "--seed", "3"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("loaded"),
        "{}",
        text(&out.stdout)
    );

    let out = stockroom(home.path(), &["demo"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("--replace"),
        "{}",
        text(&out.stderr)
    );

    let out = stockroom(home.path(), &["db", "status", "--format", "csv"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let status = text(&out.stdout);
    assert!(status.contains("backend,sqlite"), "{status}");
    assert!(status.contains("customers,1445"), "{status}");
    assert!(status.contains("orders,1615"), "{status}");
    assert!(status.contains("server,SQLite 3."), "{status}");
    let out = stockroom(home.path(), &["db", "status", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert!(
        v["tables"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["table"] == "customers" && t["rows"] == 1445),
        "an object per table with named fields: {v}"
    );

    // Logs are JSON lines in the state directory, each with a correlation id.
    let log =
        std::fs::read_to_string(home.path().join(".local/state/stockroom/stockroom.log")).unwrap();
    let line = log
        .lines()
        .find(|l| l.contains("command started"))
        .expect("a log line");
    let v: serde_json::Value = serde_json::from_str(line).expect("JSON");
    assert!(
        v["span"]["op_id"].as_str().is_some_and(|id| id.len() == 12),
        "{line}"
    );
}

#[test]
fn usage_errors_exit_2() {
    let home = tempfile::tempdir().unwrap();
    let out = stockroom(home.path(), &["demo", "--scale", "0"]);
    assert_eq!(out.status.code(), Some(2));
    let out = stockroom(home.path(), &["no-such-command"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn env_file_configures_the_store() {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join(".env"),
        "DATABASE_URL=sqlite://from-dotenv.db\n",
    )
    .unwrap();
    let out = stockroom(home.path(), &["db", "migrate"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(home.path().join("from-dotenv.db").exists());
}

#[test]
fn export_to_standard_output_and_to_a_closed_pipe() {
    use std::io::{BufRead, BufReader};
    let home = tempfile::tempdir().unwrap();
    assert!(
        stockroom(home.path(), &["demo", "--seed", "2"])
            .status
            .success()
    );
    let out = stockroom(home.path(), &["export", "brands"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let csv = text(&out.stdout);
    assert!(csv.starts_with("brand_id,brand_name\n1,Electra\n"), "{csv}");
    assert_eq!(csv.lines().count(), 10);
    let out = stockroom(home.path(), &["export", "users"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("not an exportable table"));
    // A reader that stops early (like `| head -1`) is not an error.
    let mut child = Command::new(env!("CARGO_BIN_EXE_stockroom"))
        .args(["export", "order_items"])
        .env_clear()
        .env("HOME", home.path())
        .current_dir(home.path())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert_eq!(
        first.trim(),
        "order_id,item_id,product_id,quantity,list_price,discount"
    );
    assert_eq!(child.wait().unwrap().code(), Some(0));
}
