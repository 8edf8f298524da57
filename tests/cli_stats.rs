//! `stockroom stats` and `stockroom order` as scripts run them, and output into a pipe that
//! closes early (`| head`): the command ends quietly, never with a panic.

use std::io::Read;
use std::process::{Command, Stdio};

fn cmd(home: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_stockroom"));
    c.env_clear().env("HOME", home).env("USER", "ops");
    c
}

#[test]
fn stats_and_orders_from_the_command_line() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    assert!(cmd(h).args(["demo"]).output().unwrap().status.success());
    let o = cmd(h)
        .args(["stats", "--period", "2017", "--format", "json"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["period"]["kind"], "year");
    assert_eq!(j["period"]["from"], "2017-01-01");
    assert_eq!(j["period"]["to"], "2017-12-31");
    assert!(j["revenue_cents"].as_i64().unwrap() > 0);
    let bad = cmd(h)
        .args(["stats", "--period", "2017-13"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--period"));
    // Selling from the shell: more than any store holds is refused, nothing written; staff
    // member 1 works at store 1 in the demo data.
    let staff_id = "1".to_string();
    let listed = cmd(h)
        .args([
            "order", "list", "--store", "1", "--limit", "1", "--format", "csv",
        ])
        .output()
        .unwrap();
    assert!(listed.status.success());
    let shown = cmd(h).args(["order", "show", "1"]).output().unwrap();
    assert!(shown.status.success());
    assert!(String::from_utf8_lossy(&shown.stdout).contains("total"));
    let refused = cmd(h)
        .args([
            "order", "create", "--store", "1", "--staff", &staff_id, "--line", "1:100000",
        ])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("not enough stock"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
}

#[test]
fn a_pipe_closed_early_ends_the_command_quietly() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    assert!(cmd(h).args(["demo"]).output().unwrap().status.success());
    let mut child = cmd(h)
        .args(["data", "list", "order_items", "--limit", "1000"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read one line, then close the pipe as `head -1` does.
    let mut out = child.stdout.take().unwrap();
    let mut first = [0u8; 64];
    let _ = out.read(&mut first).unwrap();
    drop(out);
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!err.contains("panicked"), "{err}");
}
