//! A local MariaDB Galera cluster on loopback for tests: N nodes with their own data
//! directories and ports, the first bootstrapped, the others joining it (SST by rsync);
//! stopped and removed when dropped, also when a test fails.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::{Connection, MysqlConnection, RunQueryDsl};

const PROVIDER: &str = "/usr/lib/galera/libgalera_smm.so";

pub struct Node {
    child: Child,
    pub port: u16,
    pub group_port: u16,
    pub dir: PathBuf,
}

pub struct Cluster {
    pub nodes: Vec<Node>,
    dir: tempfile::TempDir,
}

/// A free TCP port on loopback with the next three free too (a node's group, IST and SST).
fn free_ports(taken: &mut Vec<u16>) -> u16 {
    loop {
        let p = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        if p > 60_000 || taken.iter().any(|t| t.abs_diff(p) < 4) {
            continue;
        }
        if (p..p + 4).all(|q| TcpListener::bind(("127.0.0.1", q)).is_ok()) {
            taken.push(p);
            return p;
        }
    }
}

fn chown_mysql(path: &Path) {
    let ok = Command::new("chown")
        .args(["-R", "mysql:mysql"])
        .arg(path)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(ok, "chown {}", path.display());
}

impl Cluster {
    /// Whether this machine can run a cluster (Galera installed).
    pub fn available() -> bool {
        Path::new(PROVIDER).exists() && Path::new("/usr/sbin/mariadbd").exists()
    }

    /// Starts `n` nodes; `None` (said loudly) when Galera is not installed and `CI` is not set.
    pub fn start(n: usize) -> Option<Cluster> {
        if !Self::available() {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI is set but Galera is not installed (galera-4)"
            );
            eprintln!("SKIPPED: Galera is not installed (apt-get install galera-4 rsync)");
            return None;
        }
        let dir = tempfile::Builder::new()
            .prefix("stockroom-galera")
            .tempdir()
            .unwrap();
        std::fs::set_permissions(
            dir.path(),
            std::os::unix::fs::PermissionsExt::from_mode(0o755),
        )
        .unwrap();
        let mut taken = Vec::new();
        let ports: Vec<(u16, u16)> = (0..n)
            .map(|_| (free_ports(&mut taken), free_ports(&mut taken)))
            .collect();
        let everyone = ports
            .iter()
            .map(|(_, g)| format!("127.0.0.1:{g}"))
            .collect::<Vec<_>>()
            .join(",");
        let mut c = Cluster {
            nodes: Vec::new(),
            dir,
        };
        for (i, (port, g)) in ports.iter().enumerate() {
            let nd = c.dir.path().join(format!("node{i}"));
            std::fs::create_dir_all(nd.join("data")).unwrap();
            chown_mysql(&nd);
            let out = Command::new("mariadb-install-db")
                .args([
                    "--no-defaults",
                    "--user=mysql",
                    "--auth-root-authentication-method=normal",
                    "--skip-test-db",
                ])
                .arg(format!("--datadir={}", nd.join("data").display()))
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "mariadb-install-db: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let address = if i == 0 {
                "gcomm://".to_string()
            } else {
                format!("gcomm://{everyone}")
            };
            let child = Command::new("/usr/sbin/mariadbd")
                .arg("--no-defaults")
                .arg("--user=mysql")
                .arg(format!("--datadir={}", nd.join("data").display()))
                .arg(format!("--port={port}"))
                .arg("--bind-address=127.0.0.1")
                .arg(format!("--socket={}", nd.join("sock").display()))
                .arg(format!("--pid-file={}", nd.join("pid").display()))
                .arg(format!("--log-error={}", nd.join("error.log").display()))
                .args([
                    "--innodb_buffer_pool_size=64M",
                    "--innodb_log_file_size=32M",
                    "--innodb_flush_log_at_trx_commit=1",
                    "--binlog_format=ROW",
                    "--innodb_autoinc_lock_mode=2",
                    "--wsrep_on=ON",
                    "--wsrep_cluster_name=stockroom-test",
                    "--wsrep_sst_method=rsync",
                ])
                .arg(format!("--wsrep_provider={PROVIDER}"))
                .arg(format!("--wsrep_cluster_address={address}"))
                .arg(format!("--wsrep_node_address=127.0.0.1:{g}"))
                .arg(format!("--wsrep_node_incoming_address=127.0.0.1:{port}"))
                .arg(format!(
                    "--wsrep_provider_options=gmcast.listen_addr=tcp://127.0.0.1:{g};ist.recv_addr=127.0.0.1:{}",
                    g + 1
                ))
                .arg(format!("--wsrep_sst_receive_address=127.0.0.1:{}", g + 2))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            c.nodes.push(Node {
                child,
                port: *port,
                group_port: *g,
                dir: nd,
            });
            c.wait_ready(i);
        }
        Some(c)
    }

    /// `mysql://root@127.0.0.1:PORT/db` of node `i`.
    pub fn url(&self, i: usize, db: &str) -> String {
        format!("mysql://root@127.0.0.1:{}/{db}", self.nodes[i].port)
    }

    fn wait_ready(&self, i: usize) {
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            if let Ok(mut c) = MysqlConnection::establish(&self.url(i, "mysql")) {
                #[derive(diesel::QueryableByName)]
                struct V {
                    #[diesel(sql_type = diesel::sql_types::Text)]
                    #[diesel(column_name = Value)]
                    value: String,
                }
                let ready: Vec<V> = diesel::sql_query("SHOW STATUS LIKE 'wsrep_ready'")
                    .load(&mut c)
                    .unwrap_or_default();
                if ready.first().is_some_and(|v| v.value == "ON") {
                    return;
                }
            }
            if Instant::now() > deadline {
                let log = std::fs::read_to_string(self.nodes[i].dir.join("error.log"))
                    .unwrap_or_default();
                panic!(
                    "node {i} did not become ready; its log ends:\n{}",
                    log.lines()
                        .rev()
                        .take(30)
                        .collect::<Vec<_>>()
                        .into_iter()
                        .rev()
                        .collect::<Vec<_>>()
                        .join("\n")
                );
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Runs SQL on node `i` as root.
    pub fn exec(&self, i: usize, sql: &str) {
        let mut c = MysqlConnection::establish(&self.url(i, "mysql")).unwrap();
        c.batch_execute(sql).unwrap();
    }

    /// Kills node `i` at once (SIGKILL), as a power cut would.
    pub fn kill(&mut self, i: usize) {
        let _ = self.nodes[i].child.kill();
        let _ = self.nodes[i].child.wait();
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for n in self.nodes.iter_mut() {
            // SIGTERM lets a node leave the group cleanly; SIGKILL after a grace period.
            // SAFETY: signalling our own child.
            unsafe { libc::kill(n.child.id() as i32, libc::SIGTERM) };
        }
        let deadline = Instant::now() + Duration::from_secs(20);
        for n in self.nodes.iter_mut() {
            while n.child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(100));
            }
            let _ = n.child.kill();
            let _ = n.child.wait();
        }
    }
}
