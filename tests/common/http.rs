//! A real HTTP/1.1 server on 127.0.0.1 for API tests: each request goes to a handler that
//! may inject faults (429, 5xx, slowness, 404). It stops when dropped.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct Request {
    pub path: String,
    pub query: Vec<(String, String)>,
}

impl Request {
    pub fn param(&self, k: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(a, _)| a == k)
            .map(|(_, v)| v.as_str())
    }
}

pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// Wait this long before answering (to trip the client's timeout).
    pub delay: Duration,
}

impl Response {
    pub fn json(body: String) -> Response {
        Response {
            status: 200,
            headers: vec![],
            body,
            delay: Duration::ZERO,
        }
    }
    pub fn status(status: u16) -> Response {
        Response {
            status,
            headers: vec![],
            body: format!("{{\"error\":{status}}}"),
            delay: Duration::ZERO,
        }
    }
    pub fn header(mut self, k: &str, v: &str) -> Response {
        self.headers.push((k.into(), v.into()));
        self
    }
}

type Handler = dyn Fn(&Request) -> Response + Send + Sync;

pub struct Server {
    pub base: String,
    stop: Arc<AtomicBool>,
    /// Every request: (time since start, path?query, status).
    pub log: Arc<Mutex<Vec<(Duration, String, u16)>>>,
}

impl Server {
    pub fn start(handler: impl Fn(&Request) -> Response + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let stop = Arc::new(AtomicBool::new(false));
        let log = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let (stop2, log2) = (stop.clone(), log.clone());
        let started = Instant::now();
        std::thread::spawn(move || {
            // Bounded: stops when told, and after ten minutes whatever happens.
            while !stop2.load(Ordering::SeqCst) && started.elapsed() < Duration::from_secs(600) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let (handler, log) = (handler.clone(), log2.clone());
                        std::thread::spawn(move || {
                            stream.set_nonblocking(false).ok();
                            stream.set_read_timeout(Some(Duration::from_secs(10))).ok();
                            let mut reader = BufReader::new(stream.try_clone().unwrap());
                            let mut first = String::new();
                            if reader.read_line(&mut first).is_err() {
                                return;
                            }
                            loop {
                                let mut l = String::new();
                                if reader.read_line(&mut l).unwrap_or(0) == 0 || l == "\r\n" {
                                    break;
                                }
                            }
                            let target = first.split_whitespace().nth(1).unwrap_or("/").to_string();
                            let (path, q) = target.split_once('?').unwrap_or((&target, ""));
                            let query = q
                                .split('&')
                                .filter(|p| !p.is_empty())
                                .map(|p| {
                                    let (k, v) = p.split_once('=').unwrap_or((p, ""));
                                    (k.to_string(), v.to_string())
                                })
                                .collect();
                            let req = Request {
                                path: path.to_string(),
                                query,
                            };
                            let resp = handler(&req);
                            log.lock().unwrap().push((
                                started.elapsed(),
                                target.clone(),
                                resp.status,
                            ));
                            std::thread::sleep(resp.delay);
                            let mut out = stream;
                            let mut head = format!(
                                "HTTP/1.1 {} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
                                resp.status,
                                resp.body.len()
                            );
                            for (k, v) in &resp.headers {
                                head.push_str(&format!("{k}: {v}\r\n"));
                            }
                            head.push_str("\r\n");
                            let _ = out.write_all(head.as_bytes());
                            let _ = out.write_all(resp.body.as_bytes());
                            let _ = out.flush();
                        });
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Server { base, stop, log }
    }

    /// Requests whose path and query contain `needle`.
    pub fn hits(&self, needle: &str) -> Vec<(Duration, String, u16)> {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, p, _)| p.contains(needle))
            .cloned()
            .collect()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}
