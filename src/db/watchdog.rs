//! Time limits for MySQL connections, whose client library waits forever on a server that
//! accepted the connection and then stopped answering (a frozen host, a stopped process, a
//! half-open network). Connecting runs on a helper thread with a deadline; each established
//! connection reports when a statement starts and ends, and one watchdog thread shuts down
//! the socket of a statement that has run past the limit, so the blocked call returns and
//! the caller is told "the database at HOST:PORT does not answer (waited N s)".

use std::cell::RefCell;
use std::collections::HashMap;
use std::os::fd::RawFd;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use diesel::connection::{Instrumentation, InstrumentationEvent};

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// The sentence for a server that did not answer within `waited`.
pub fn no_answer(server: &str, waited: Duration) -> String {
    format!(
        "the database at {server} does not answer (waited {} s); nothing was written",
        waited.as_secs().max(1)
    )
}

/// One watched connection.
#[derive(Debug)]
pub struct Guard {
    fd: RawFd,
    server: String,
    limit_ms: u64,
    /// When the running statement started (ms since the epoch), 0 when idle.
    started_ms: AtomicU64,
    fired: AtomicBool,
}

impl Guard {
    /// Whether the watchdog cut this connection (it is unusable from then on).
    pub fn fired(&self) -> bool {
        self.fired.load(Ordering::SeqCst)
    }
}

/// The instrumentation installed on a watched connection.
pub struct Watch(pub Arc<Guard>);

thread_local! {
    /// Set on the thread whose statement the watchdog cut, read by the error conversion.
    static TIMED_OUT: RefCell<Option<(Instant, String)>> = const { RefCell::new(None) };
}

/// Takes the "does not answer" message left by a statement this thread just lost to the
/// watchdog, if any (recent ones only).
pub fn take_timeout() -> Option<String> {
    TIMED_OUT.with(|t| {
        t.borrow_mut()
            .take()
            .filter(|(at, _)| at.elapsed() < Duration::from_secs(5))
            .map(|(_, m)| m)
    })
}

impl Instrumentation for Watch {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        match event {
            InstrumentationEvent::StartQuery { .. } => {
                self.0.started_ms.store(now_ms().max(1), Ordering::SeqCst)
            }
            InstrumentationEvent::FinishQuery { error, .. } => {
                self.0.started_ms.store(0, Ordering::SeqCst);
                if error.is_some() && self.0.fired() {
                    let msg = no_answer(&self.0.server, Duration::from_millis(self.0.limit_ms));
                    TIMED_OUT.with(|t| *t.borrow_mut() = Some((Instant::now(), msg)));
                }
            }
            _ => {}
        }
    }
}

fn registry() -> &'static Mutex<Vec<Weak<Guard>>> {
    static REGISTRY: OnceLock<Mutex<Vec<Weak<Guard>>>> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        std::thread::Builder::new()
            .name("db-watchdog".into())
            .spawn(patrol)
            .expect("spawn the database watchdog");
        Mutex::new(Vec::new())
    })
}

fn patrol() {
    loop {
        std::thread::sleep(Duration::from_millis(200));
        let now = now_ms();
        let mut list = match registry().lock() {
            Ok(l) => l,
            Err(p) => p.into_inner(),
        };
        list.retain(|w| w.strong_count() > 0);
        for g in list.iter().filter_map(Weak::upgrade) {
            let started = g.started_ms.load(Ordering::SeqCst);
            if started != 0 && now.saturating_sub(started) > g.limit_ms && !g.fired() {
                g.fired.store(true, Ordering::SeqCst);
                tracing::warn!(server = %g.server, limit_ms = g.limit_ms, "statement timed out; closing the connection");
                // SAFETY: shutdown on a descriptor only changes the socket's state; the fd
                // stays owned (and later closed) by the client library.
                unsafe {
                    libc::shutdown(g.fd, libc::SHUT_RDWR);
                }
            }
        }
    }
}

/// Starts watching the connection on socket `fd`.
pub fn watch(fd: RawFd, server: &str, limit: Duration) -> Watch {
    let guard = Arc::new(Guard {
        fd,
        server: server.to_string(),
        limit_ms: limit.as_millis().max(1) as u64,
        started_ms: AtomicU64::new(0),
        fired: AtomicBool::new(false),
    });
    let mut list = match registry().lock() {
        Ok(l) => l,
        Err(p) => p.into_inner(),
    };
    list.push(Arc::downgrade(&guard));
    Watch(guard)
}

/// The process's socket descriptors and their inodes.
fn sockets() -> HashMap<RawFd, String> {
    let mut out = HashMap::new();
    if let Ok(dir) = std::fs::read_dir("/proc/self/fd") {
        for e in dir.flatten() {
            if let (Some(fd), Ok(target)) = (
                e.file_name().to_str().and_then(|n| n.parse::<RawFd>().ok()),
                std::fs::read_link(e.path()),
            ) {
                let t = target.to_string_lossy().into_owned();
                if t.starts_with("socket:") {
                    out.insert(fd, t);
                }
            }
        }
    }
    out
}

/// Runs `connect` (which opens one socket) with a deadline and finds the socket it opened.
/// Connections are opened one at a time so the new socket is told apart; when another
/// thread opens a socket at the same moment, the connection is simply not watched.
pub fn connect_with_deadline<C: Send + 'static>(
    server: &str,
    deadline: Duration,
    connect: impl FnOnce() -> Result<C, String> + Send + 'static,
) -> Result<(C, Option<RawFd>), String> {
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let before = sockets();
    let (tx, rx) = crossbeam_channel::bounded(1);
    std::thread::Builder::new()
        .name("db-connect".into())
        .spawn(move || {
            let _ = tx.send(connect());
        })
        .map_err(|e| e.to_string())?;
    let conn = match rx.recv_timeout(deadline) {
        Ok(r) => r?,
        // The helper thread stays blocked on the silent server; it ends if the server wakes.
        Err(_) => return Err(no_answer(server, deadline)),
    };
    let new: Vec<RawFd> = sockets()
        .into_iter()
        .filter(|(fd, inode)| before.get(fd) != Some(inode))
        .map(|(fd, _)| fd)
        .collect();
    let fd = match new.as_slice() {
        [fd] => Some(*fd),
        // Other threads opened sockets too (an HTTP import, a proxy in the same process):
        // the connection's own is the one whose peer is the server's port.
        many => {
            let port = server
                .rsplit(':')
                .next()
                .and_then(|p| p.parse::<u16>().ok());
            let to_server: Vec<RawFd> = many
                .iter()
                .copied()
                .filter(|fd| port.is_some() && peer_port(*fd) == port)
                .collect();
            match to_server.as_slice() {
                [fd] => Some(*fd),
                _ => None,
            }
        }
    };
    Ok((conn, fd))
}

/// The port at the other end of the TCP socket `fd`, if it is one.
fn peer_port(fd: RawFd) -> Option<u16> {
    // SAFETY: getpeername writes at most `len` bytes into the zeroed storage it is given.
    unsafe {
        let mut addr: libc::sockaddr_storage = std::mem::zeroed();
        let mut len = std::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
        if libc::getpeername(
            fd,
            (&mut addr as *mut libc::sockaddr_storage).cast(),
            &mut len,
        ) != 0
        {
            return None;
        }
        match i32::from(addr.ss_family) {
            libc::AF_INET => {
                let a = &*(&addr as *const libc::sockaddr_storage).cast::<libc::sockaddr_in>();
                Some(u16::from_be(a.sin_port))
            }
            libc::AF_INET6 => {
                let a = &*(&addr as *const libc::sockaddr_storage).cast::<libc::sockaddr_in6>();
                Some(u16::from_be(a.sin6_port))
            }
            _ => None,
        }
    }
}
