//! `stockroom user …` and `stockroom audit` as a headless admin runs them.

mod common;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use diesel::prelude::*;
use stockroom::auth::{Auth, Step, totp};
use stockroom::config::{Config, Flags, Sources};
use stockroom::db::schema::users;
use stockroom::error::ErrorKind;

use common::TestDb;
use common::accounts::{PASSWORD, sign_in};

fn run(home: &std::path::Path, args: &[&str], stdin: Option<&str>) -> Output {
    run_with(home, args, stdin, &[("USER", "ops")])
}

/// Runs the binary with only `HOME`, a low bcrypt cost and `env` in its environment.
fn run_with(
    home: &std::path::Path,
    args: &[&str],
    stdin: Option<&str>,
    env: &[(&str, &str)],
) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_stockroom"))
        .args(args)
        .env_clear()
        .env("HOME", home)
        .envs(env.iter().copied())
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
    assert!(
        list.contains("root,administrator,true,false,false"),
        "{list}"
    );
    assert!(list.contains("emil,employee,true"), "{list}");

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
    assert_eq!(emil["must_change_password"], true);
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

/// The audit actors of `event`, via the binary (as an administrator would read them).
fn audit_actors(home: &std::path::Path, env: &[(&str, &str)], event: &str) -> Vec<String> {
    let o = run_with(
        home,
        &["audit", "--event", event, "--format", "json"],
        None,
        env,
    );
    assert!(o.status.success(), "{}", out(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|e| e["actor"].as_str().unwrap().to_string())
        .collect()
}

/// A uid with no entry in the password database, or `None`.
fn uid_without_entry() -> Option<u32> {
    (54_321..54_400).find(|uid| {
        !Command::new("getent")
            .args(["passwd", &uid.to_string()])
            .output()
            .unwrap()
            .status
            .success()
    })
}

#[test]
fn commands_are_audited_as_the_os_account_without_user_set() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    // As under cron or systemd: no USER, no LOGNAME.
    let o = run_with(
        h,
        &[
            "user",
            "add",
            "root",
            "--role",
            "administrator",
            "--password-stdin",
        ],
        Some("Bike-Shop-2026!\n"),
        &[],
    );
    assert!(o.status.success(), "{}", out(&o));
    let host = std::fs::read_to_string("/etc/hostname").unwrap_or_default();
    let actors = audit_actors(h, &[], "user.created");
    assert_eq!(
        actors,
        vec![format!("cli:{}@{}", os_account(), host.trim())],
        "the real account, not cli:unknown@…"
    );

    // A uid without a password entry (a container's) is named by its number.
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // SAFETY: getuid has no preconditions.
        if unsafe { libc::getuid() } != 0 {
            eprintln!("!!! not root: the uid-without-entry case is not run");
            return;
        }
        let uid = uid_without_entry().expect("a free uid");
        let store = h.join("shared");
        std::fs::create_dir(&store).unwrap();
        let chown = |p: &std::path::Path| {
            std::os::unix::fs::chown(p, Some(uid), Some(uid)).unwrap();
        };
        chown(&store);
        let mut child = Command::new(env!("CARGO_BIN_EXE_stockroom"))
            .args([
                "user",
                "add",
                "ann",
                "--role",
                "administrator",
                "--password-stdin",
            ])
            .env_clear()
            .env("HOME", &store)
            .env("USER", "root")
            .env("STOCKROOM_BCRYPT_COST", "10")
            .current_dir(&store)
            .uid(uid)
            .gid(uid)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"Bike-Shop-2026!\n")
            .unwrap();
        let o = child.wait_with_output().unwrap();
        assert!(o.status.success(), "{}", out(&o));
        let actors = audit_actors(&store, &[], "user.created");
        assert_eq!(
            actors,
            vec![format!("cli:uid{uid}@{}", host.trim())],
            "`USER=root` is not believed"
        );
    }
}

/// The services as a terminal opens them, over the store `t` and the key file under `home`.
fn open_auth(t: &TestDb, home: &std::path::Path) -> (Auth, Config) {
    let src = Sources {
        env: [
            ("HOME", home.to_str().unwrap()),
            ("STOCKROOM_BCRYPT_COST", "10"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect(),
    };
    let cfg = Config::load(&Flags::default(), &src).unwrap();
    (
        Auth::open(t.db.clone(), &cfg, &src, "tty-test".into()).unwrap(),
        cfg,
    )
}

both_backends!(only_2fa_needs_the_key_file, |t: TestDb| {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let env = [("DATABASE_URL", t.url.as_str()), ("USER", "ops")];
    let (auth, cfg) = open_auth(&t, h);
    let key = cfg.secret_key_file.clone();
    let o = run_with(
        h,
        &[
            "user",
            "add",
            "root",
            "--role",
            "administrator",
            "--password-stdin",
        ],
        Some(&format!("{PASSWORD}\n")),
        &env,
    );
    assert!(o.status.success(), "{}", out(&o));
    let o = run_with(
        h,
        &[
            "user",
            "add",
            "emil",
            "--role",
            "employee",
            "--password-stdin",
        ],
        Some(&format!("{PASSWORD}\n")),
        &env,
    );
    assert!(o.status.success(), "{}", out(&o));
    assert!(!key.exists(), "not made before it is needed");
    // The first 2FA setup makes the key file, private.
    let (_s, secret) = sign_in(&auth, "root", PASSWORD, None);
    let secret = secret.unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // This terminal loses the key file (or never had it).
    std::fs::remove_file(&key).unwrap();
    for _ in 0..5 {
        let _ = auth.begin_sign_in("emil", "Wrong-Guess-9");
    }
    for args in [
        vec!["user", "list", "--format", "csv"],
        vec!["user", "unlock", "emil"],
        vec!["audit", "--limit", "5"],
        vec!["user", "set-role", "emil", "manager"],
    ] {
        let o = run_with(h, &args, None, &env);
        assert!(
            o.status.success(),
            "{args:?} without the key file: {}",
            out(&o)
        );
    }
    let o = run_with(h, &["user", "list", "--format", "csv"], None, &env);
    assert!(
        out(&o).contains("root,administrator,true,false,true"),
        "{}",
        out(&o)
    );
    assert!(
        !key.exists(),
        "and nothing made a new key over the old one's secrets"
    );

    // A sign-in without 2FA, and an unknown name, work without it too.
    let (auth, _) = open_auth(&t, h);
    let (_s, none) = sign_in(&auth, "emil", PASSWORD, None);
    assert!(none.is_none());
    assert!(auth.begin_sign_in("nobody-here", PASSWORD).is_err());

    // What reads a 2FA secret refuses, says how to provide the key, and counts nothing.
    let mut p = auth.begin_sign_in("root", PASSWORD).unwrap();
    assert_eq!(p.step(), Step::SecondFactor);
    let code = totp::code_at(&secret, auth.now() + 30).unwrap();
    let e = auth.verify_second_factor(&mut p, &code).unwrap_err();
    let msg = e.to_string();
    assert_eq!(e.kind(), ErrorKind::Other, "{msg}");
    assert!(
        msg.contains(&format!("{} is missing, but 2FA secrets", key.display()))
            && msg.contains("Copy the file from another terminal")
            && msg.contains("STOCKROOM_SECRET_KEY"),
        "{msg}"
    );
    let failed: i32 = users::table
        .filter(users::username.eq("root"))
        .select(users::failed_attempts)
        .first(&mut *t.db.conn().unwrap())
        .unwrap();
    assert_eq!(failed, 0, "a missing key is not a failed attempt");
});

#[test]
fn link_unlink_and_store_settings_from_the_command_line() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let o = run(
        h,
        &["user", "add", "root", "--role", "admin", "--password-stdin"],
        Some("Bike-Shop-2026!\n"),
    );
    assert!(o.status.success(), "{}", out(&o));
    let store = h.join(".local/share/stockroom/stockroom.db");
    {
        use diesel::connection::SimpleConnection;
        let mut c = diesel::SqliteConnection::establish(store.to_str().unwrap()).unwrap();
        c.batch_execute(
            "INSERT INTO stores (store_id, store_name) VALUES (1, 'Main Street');
             INSERT INTO staffs (staff_id, first_name, last_name, email, active, store_id)
             VALUES (4, 'Jane', 'Doe', 'jane@example.com', 1, 1);",
        )
        .unwrap();
    }
    let o = run(h, &["user", "link", "root", "9"], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        out(&o).contains("no member of staff with id 9"),
        "{}",
        out(&o)
    );
    let o = run(h, &["user", "link", "root", "4"], None);
    assert!(
        out(&o).contains("linked to member of staff 4"),
        "{}",
        out(&o)
    );
    let o = run(h, &["user", "unlink", "root"], None);
    assert!(o.status.success(), "{}", out(&o));
    let o = run(h, &["settings", "set", "lockout_minutes", "0"], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(out(&o).contains("from 1 to 10,080"), "{}", out(&o));
    let o = run(h, &["settings", "set", "lockout_minutes", "20"], None);
    assert!(o.status.success(), "{}", out(&o));
    let o = run(h, &["settings", "show"], None);
    assert!(
        out(&o).contains("lockout_minutes") && out(&o).contains("20"),
        "{}",
        out(&o)
    );
    let o = run(h, &["audit", "--event", "settings"], None);
    assert!(
        out(&o).contains("key=lockout_minutes value=20"),
        "{}",
        out(&o)
    );
    let o = run(h, &["audit", "--event", "user.staff_linked"], None);
    assert!(out(&o).contains("user=root staff=4"), "{}", out(&o));
}
