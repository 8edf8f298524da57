//! A real HTTP/1.1 server on 127.0.0.1 for API tests: each request goes to a handler that
//! may inject faults (429, 5xx, slowness, 404, redirects, compressed and oversized bodies).
//! It records each request's `Authorization` header, and stops when dropped.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct Request {
    pub path: String,
    pub query: Vec<(String, String)>,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
}

impl Request {
    pub fn param(&self, k: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(a, _)| a == k)
            .map(|(_, v)| v.as_str())
    }

    pub fn header(&self, k: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(a, _)| a == k)
            .map(|(_, v)| v.as_str())
    }
}

pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Wait this long before answering (to trip the client's timeout).
    pub delay: Duration,
}

impl Response {
    pub fn json(body: String) -> Response {
        Self::bytes(body.into_bytes())
    }
    pub fn bytes(body: Vec<u8>) -> Response {
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
            body: format!("{{\"error\":{status}}}").into_bytes(),
            delay: Duration::ZERO,
        }
    }
    pub fn redirect(status: u16, location: &str) -> Response {
        Self::status(status).header("Location", location)
    }
    pub fn delayed(mut self, d: Duration) -> Response {
        self.delay = d;
        self
    }
    pub fn header(mut self, k: &str, v: &str) -> Response {
        self.headers.push((k.into(), v.into()));
        self
    }
}

type Handler = dyn Fn(&Request) -> Response + Send + Sync;

/// A request's path?query and its `Authorization` header.
pub type Seen = (String, Option<String>);

pub struct Server {
    pub base: String,
    stop: Arc<AtomicBool>,
    /// Every request: (time since start, path?query, status).
    pub log: Arc<Mutex<Vec<(Duration, String, u16)>>>,
    /// Every request's path?query and `Authorization` header.
    pub auth: Arc<Mutex<Vec<Seen>>>,
}

impl Server {
    pub fn start(handler: impl Fn(&Request) -> Response + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let stop = Arc::new(AtomicBool::new(false));
        let log = Arc::new(Mutex::new(Vec::new()));
        let auth: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let handler: Arc<Handler> = Arc::new(handler);
        let (stop2, log2, auth2) = (stop.clone(), log.clone(), auth.clone());
        let started = Instant::now();
        std::thread::spawn(move || {
            // Bounded: stops when told, and after ten minutes whatever happens.
            while !stop2.load(Ordering::SeqCst) && started.elapsed() < Duration::from_secs(600) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let (handler, log, auth) = (handler.clone(), log2.clone(), auth2.clone());
                        std::thread::spawn(move || {
                            stream.set_nonblocking(false).ok();
                            stream.set_read_timeout(Some(Duration::from_secs(10))).ok();
                            let mut reader = BufReader::new(stream.try_clone().unwrap());
                            let mut first = String::new();
                            if reader.read_line(&mut first).is_err() {
                                return;
                            }
                            let mut headers = Vec::new();
                            loop {
                                let mut l = String::new();
                                if reader.read_line(&mut l).unwrap_or(0) == 0 || l == "\r\n" {
                                    break;
                                }
                                if let Some((k, v)) = l.split_once(':') {
                                    headers.push((
                                        k.trim().to_ascii_lowercase(),
                                        v.trim().to_string(),
                                    ));
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
                                headers,
                            };
                            auth.lock().unwrap().push((
                                target.clone(),
                                req.header("authorization").map(String::from),
                            ));
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
                            let _ = out.write_all(&resp.body);
                            let _ = out.flush();
                        });
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Server {
            base,
            stop,
            log,
            auth,
        }
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
