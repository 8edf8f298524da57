//! The real binary on a real pseudo-terminal this test owns: when the terminal goes away
//! under a signed-in user (what a dropped SSH connection looks like), the session is ended
//! and audited and the process exits without a panic; without a terminal at all, one line
//! says what is needed and the exit status is 2.

use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const PASSWORD: &str = "Bike-Shop-2026!";

fn cmd(home: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_stockroom"));
    c.env_clear()
        .env("HOME", home)
        .env("USER", "ops")
        .env("TERM", "xterm")
        .env("STOCKROOM_BCRYPT_COST", "10")
        .current_dir(home);
    c
}

fn run(home: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = cmd(home)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A pseudo-terminal pair: (master, slave).
fn openpty() -> (OwnedFd, OwnedFd) {
    let (mut m, mut s) = (0, 0);
    let ws = libc::winsize {
        ws_row: 24,
        ws_col: 80,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: openpty writes two new descriptors into the pointers given.
    let rc = unsafe { libc::openpty(&mut m, &mut s, std::ptr::null_mut(), std::ptr::null(), &ws) };
    assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
    // Not inherited by any child (the program gets the slave on its stdio only): an
    // inherited master would keep the terminal alive.
    for fd in [m, s] {
        // SAFETY: fcntl on descriptors just made.
        unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) };
    }
    // SAFETY: both descriptors are new and owned here.
    unsafe { (OwnedFd::from_raw_fd(m), OwnedFd::from_raw_fd(s)) }
}

/// Everything the program drew, collected by a thread (a pty must be read or it blocks).
/// The thread gives its descriptor back when `stop` is set, so the master can be closed.
struct Screen {
    seen: Arc<Mutex<String>>,
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<()>,
}

fn reader(master: &OwnedFd) -> Screen {
    let seen = Arc::new(Mutex::new(String::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let fd = master.try_clone().unwrap();
    let (out, halt) = (seen.clone(), stop.clone());
    let thread = std::thread::spawn(move || {
        let mut f = std::fs::File::from(fd);
        let mut buf = [0u8; 4096];
        while !halt.load(Ordering::Relaxed) {
            let mut p = libc::pollfd {
                fd: f.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            };
            // SAFETY: one valid pollfd.
            if unsafe { libc::poll(&mut p, 1, 100) } <= 0 {
                continue;
            }
            match f.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => out
                    .lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n])),
            }
        }
    });
    Screen { seen, stop, thread }
}

fn wait_for(seen: &Arc<Mutex<String>>, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if seen.lock().unwrap().contains(what) {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!(
        "`{what}` never appeared; the screen had:\n{}",
        seen.lock().unwrap()
    );
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn closing_the_terminal_under_a_session_ends_it_and_audits_it() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let pw = format!("{PASSWORD}\n");
    for (name, role) in [("root", "administrator"), ("mona", "manager")] {
        let o = run(
            h,
            &["user", "add", name, "--role", role, "--password-stdin"],
            &pw,
        );
        assert!(o.status.success(), "{}", text(&o));
    }
    let (master, slave) = openpty();
    let mut child = {
        let mut c = cmd(h);
        c.stdin(Stdio::from(slave.try_clone().unwrap()))
            .stdout(Stdio::from(slave.try_clone().unwrap()))
            .stderr(Stdio::from(slave.try_clone().unwrap()));
        // SAFETY: only async-signal-safe calls between fork and exec: a new session whose
        // controlling terminal is the pty, as a login over SSH has.
        unsafe {
            c.pre_exec(|| {
                if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY, 0) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        c.spawn().unwrap()
    };
    drop(slave);
    let screen = reader(&master);
    let seen = screen.seen.clone();
    let mut keys = std::fs::File::from(master.try_clone().unwrap());
    wait_for(&seen, "Sign in with your Stockroom account");
    keys.write_all(b"mona\r").unwrap();
    std::thread::sleep(Duration::from_millis(200));
    keys.write_all(format!("{PASSWORD}\r").as_bytes()).unwrap();
    wait_for(&seen, "mona (Manager)");
    // The terminal goes away: every descriptor of the master side is closed.
    screen.stop.store(true, Ordering::Relaxed);
    screen.thread.join().unwrap();
    drop(keys);
    drop(master);
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "the process did not exit");
        std::thread::sleep(Duration::from_millis(50));
    };
    let log = walk(h)
        .into_iter()
        .filter(|p| p.ends_with("stockroom.log"))
        .map(|p| std::fs::read_to_string(p).unwrap_or_default())
        .collect::<String>();
    assert_eq!(
        status.signal(),
        None,
        "ended by a signal (a panic aborts): {status:?}\nlog:\n{log}"
    );
    assert!(
        status.code() != Some(101),
        "exit 101 is a panic: {status:?}"
    );
    let audit = run(h, &["audit", "--event", "signout"], "");
    let audit_text = text(&audit);
    assert!(
        audit_text.contains("mona") && audit_text.contains("terminal hung up"),
        "{audit_text}"
    );
}

#[test]
fn without_a_terminal_one_line_says_what_is_needed() {
    let home = tempfile::tempdir().unwrap();
    let o = cmd(home.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("needs a terminal") && err.contains("ssh -t"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}
