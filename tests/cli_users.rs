//! `stockroom user …` and `stockroom audit` as a headless admin runs them.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn run(home: &std::path::Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_stockroom"))
        .args(args)
        .env_clear()
        .env("HOME", home)
        .env("USER", "ops")
        .env("STOCKROOM_BCRYPT_COST", "10")
        .current_dir(home)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut pipe = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        pipe.write_all(text.as_bytes()).unwrap();
    }
    drop(pipe);
    child.wait_with_output().unwrap()
}

/// The account this test runs as, by `id -un` (independent of the code under test).
fn os_account() -> String {
    let o = Command::new("id").arg("-un").output().unwrap();
    assert!(o.status.success());
    String::from_utf8(o.stdout).unwrap().trim().to_string()
}

fn out(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn headless_admin_manages_users() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let o = run(
        h,
        &[
            "user",
            "add",
            "root",
            "--role",
            "employee",
            "--password-stdin",
        ],
        Some("Bike-Shop-2026!\n"),
    );
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(
        out(&o).contains("first account must be an administrator"),
        "{}",
        out(&o)
    );

    let o = run(h, &["user", "add", "root", "--role", "administrator"], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        out(&o).contains("--password-stdin"),
        "no terminal: says how: {}",
        out(&o)
    );

    let o = run(
        h,
        &["user", "add", "Root", "--role", "admin", "--password-stdin"],
        Some("Bike-Shop-2026!\r\n"),
    );
    assert!(o.status.success(), "{}", out(&o));
    assert!(out(&o).contains("two-factor"), "{}", out(&o));
    let key = h.join(".local/share/stockroom/secret.key");
    assert!(
        !key.exists(),
        "no command needs the 2FA key yet, so none is made: {key:?}"
    );

    let o = run(
        h,
        &[
            "user",
            "add",
            "emil",
            "--role",
            "manager",
            "--password-stdin",
        ],
        Some("password\n"),
    );
    assert_eq!(o.status.code(), Some(1));
    let msg = out(&o);
    assert!(
        msg.contains("an uppercase letter") && msg.contains("a digit"),
        "{msg}"
    );
    assert_eq!(msg.trim_end().lines().count(), 1, "one line: {msg}");

    let o = run(
        h,
        &[
            "user",
            "add",
            "emil",
            "--role",
            "manager",
            "--password-stdin",
        ],
        Some("Good-Pass-123\n"),
    );
    assert!(o.status.success(), "{}", out(&o));
    let o = run(h, &["user", "set-role", "emil", "employee"], None);
    assert!(o.status.success(), "{}", out(&o));
    let o = run(h, &["user", "set-role", "emil", "superuser"], None);
    assert_eq!(o.status.code(), Some(2), "{}", out(&o));

    let o = run(h, &["user", "list", "--format", "csv"], None);
    let list = out(&o);
    assert!(list.contains("root,administrator,active,,off"), "{list}");
    assert!(list.contains("emil,employee,active"), "{list}");

    let o = run(h, &["user", "deactivate", "root"], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(out(&o).contains("last active administrator"), "{}", out(&o));
    for args in [
        vec!["user", "deactivate", "emil"],
        vec!["user", "activate", "emil"],
        vec!["user", "unlock", "emil"],
        vec!["user", "reset-2fa", "emil"],
    ] {
        let o = run(h, &args, None);
        assert!(o.status.success(), "{args:?}: {}", out(&o));
    }
    let o = run(
        h,
        &["user", "reset-password", "emil", "--password-stdin"],
        Some("Temp-Pass-456\n"),
    );
    assert!(o.status.success(), "{}", out(&o));
    let o = run(h, &["user", "list", "--format", "json"], None);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let emil = v
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "emil")
        .unwrap();
    assert_eq!(emil["must_change_password"], "yes");
    let o = run(h, &["user", "unlock", "ghost"], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(out(&o).contains("no user named `ghost`"), "{}", out(&o));

    let o = run(h, &["audit", "--event", "user", "--format", "csv"], None);
    let audit = out(&o);
    assert!(o.status.success(), "{audit}");
    assert!(
        audit.contains("user.created") && audit.contains("user=emil role=manager"),
        "{audit}"
    );
    // `USER=ops` is set, but the OS account running the command is the one audited.
    let me = os_account();
    assert!(
        audit.contains(&format!("cli:{me}@")) && !audit.contains("cli:ops@"),
        "audited as the OS account {me}: {audit}"
    );
    assert!(
        audit.contains("user.role_changed") && audit.contains("user.password_reset"),
        "{audit}"
    );
    assert!(
        !audit.contains("Good-Pass-123") && !audit.contains("Temp-Pass-456"),
        "{audit}"
    );
    let o = run(
        h,
        &["audit", "--user", "nobody", "--since", "2020-01-01"],
        None,
    );
    assert!(o.status.success());
    assert_eq!(out(&o).lines().count(), 1, "only the header: {}", out(&o));
    let o = run(h, &["audit", "--since", "yesterday"], None);
    assert_eq!(o.status.code(), Some(2));
}
