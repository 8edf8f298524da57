//! A store terminal over SSH, for real: a private `sshd` on a loopback port (its own host
//! key and config, never the machine's own), a `ForceCommand stockroom` account setup as the
//! README describes, a client `ssh -tt` in tmux signing in, then the connection dropped. The
//! audit shows the SSH client's address, the session is ended as hung up, nothing is left.

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const PASSWORD: &str = "Bike-Shop-2026!";

fn have(cmd: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {cmd}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn run(home: &Path, bin: &Path, args: &[&str], stdin: &str) -> Output {
    use std::io::Write;
    let mut c = Command::new(bin)
        .args(args)
        .env_clear()
        .env("HOME", home)
        .env("USER", "ops")
        .env("STOCKROOM_BCRYPT_COST", "10")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    c.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    c.wait_with_output().unwrap()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Sshd(Child);

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

struct Tmux(String);

impl Tmux {
    fn screen(&self) -> String {
        let o = Command::new("tmux")
            .args(["capture-pane", "-p", "-t", &self.0])
            .output()
            .unwrap();
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        let mut c = Command::new("tmux");
        c.args(["send-keys", "-t", &self.0]).args(keys);
        assert!(c.status().unwrap().success());
    }

    fn wait_for(&self, what: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if self.screen().contains(what) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("`{what}` never appeared:\n{}", self.screen());
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.0])
            .status();
    }
}

fn pids_of(bin: &Path) -> Vec<String> {
    let o = Command::new("pgrep")
        .args(["-f", &bin.display().to_string()])
        .output()
        .unwrap();
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(String::from)
        .collect()
}

#[test]
fn a_store_terminal_over_ssh_is_audited_and_ends_with_the_connection() {
    let sshd = Path::new("/usr/sbin/sshd");
    if !sshd.exists() || !have("tmux") || !have("ssh") {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but openssh-server, openssh-client or tmux is missing"
        );
        eprintln!("SKIPPED: needs openssh-server, openssh-client and tmux");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let home = d.join("home");
    std::fs::create_dir(&home).unwrap();
    // The binary under test, copied so that what runs (and what is left) is ours alone.
    let bin = d.join("stockroom");
    std::fs::copy(env!("CARGO_BIN_EXE_stockroom"), &bin).unwrap();
    for (name, role) in [("root", "administrator"), ("mona", "manager")] {
        let o = run(
            &home,
            &bin,
            &["user", "add", name, "--role", role, "--password-stdin"],
            &format!("{PASSWORD}\n"),
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    // Keys: the server's host key and the store terminal's client key.
    for key in ["host_key", "client_key"] {
        let st = Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-f"])
            .arg(d.join(key))
            .status()
            .unwrap();
        assert!(st.success());
    }
    std::fs::copy(d.join("client_key.pub"), d.join("authorized_keys")).unwrap();
    let port = free_port();
    let user = std::env::var("USER").unwrap_or_else(|_| "root".into());
    // The README's setup: the store account runs Stockroom and nothing else.
    let config = format!(
        "Port {port}\nListenAddress 127.0.0.1\nHostKey {hk}\nPidFile {pid}\n\
         AuthorizedKeysFile {ak}\nUsePAM no\nStrictModes no\nPermitRootLogin yes\n\
         PasswordAuthentication no\nKbdInteractiveAuthentication no\n\
         AllowTcpForwarding no\nX11Forwarding no\nPermitTunnel no\nAllowAgentForwarding no\n\
         Match User {user}\n    ForceCommand HOME={home} exec {bin}\n",
        hk = d.join("host_key").display(),
        pid = d.join("sshd.pid").display(),
        ak = d.join("authorized_keys").display(),
        home = home.display(),
        bin = bin.display(),
    );
    std::fs::write(d.join("sshd_config"), config).unwrap();
    // The privilege-separation folder sshd insists on (made by the system's own service).
    std::fs::create_dir_all("/run/sshd").unwrap();
    let _sshd = Sshd(
        Command::new(sshd)
            .args(["-D", "-e", "-f"])
            .arg(d.join("sshd_config"))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(d.join("sshd.log")).unwrap())
            .spawn()
            .unwrap(),
    );
    // Wait for it to listen.
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "sshd did not listen: {}",
            std::fs::read_to_string(d.join("sshd.log")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let session = format!("stockroom-ssh-{port}");
    let ssh = format!(
        "ssh -tt -i {key} -p {port} -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
         -o LogLevel=ERROR {user}@127.0.0.1",
        key = d.join("client_key").display()
    );
    let st = Command::new("tmux")
        .args([
            "new-session",
            "-d",
            "-s",
            &session,
            "-x",
            "100",
            "-y",
            "30",
            &ssh,
        ])
        .status()
        .unwrap();
    assert!(st.success());
    let tmux = Tmux(session);
    tmux.wait_for("Sign in with your Stockroom account");
    tmux.keys(&["mona", "Enter"]);
    std::thread::sleep(Duration::from_millis(300));
    tmux.keys(&[PASSWORD, "Enter"]);
    tmux.wait_for("mona (Manager)");
    assert!(
        !pids_of(&bin).is_empty(),
        "Stockroom runs on the server side"
    );
    // The connection drops: the client dies without a word to the server.
    let client = Command::new("tmux")
        .args(["list-panes", "-t", &tmux.0, "-F", "#{pane_pid}"])
        .output()
        .unwrap();
    let pids = String::from_utf8_lossy(&client.stdout).to_string();
    assert!(!pids.trim().is_empty(), "the ssh client's pid");
    for pid in pids.lines() {
        let _ = Command::new("kill").args(["-9", pid.trim()]).status();
    }
    // Nothing of it is left running on the server.
    let deadline = Instant::now() + Duration::from_secs(20);
    while !pids_of(&bin).is_empty() {
        assert!(
            Instant::now() < deadline,
            "Stockroom still runs after the drop"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let audit = run(&home, &bin, &["audit", "--user", "mona"], "");
    let text = String::from_utf8_lossy(&audit.stdout);
    assert!(
        text.contains("ssh:127.0.0.1"),
        "the SSH client is named:\n{text}"
    );
    let signout = text
        .lines()
        .find(|l| l.contains("signout"))
        .unwrap_or_else(|| panic!("the session was ended:\n{text}"));
    assert!(signout.contains("terminal hung up"), "{signout}");
}
