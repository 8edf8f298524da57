//! The API's HTTP side: a token bucket, timeouts, retries with backoff (honouring
//! `Retry-After`), redirects followed by hand and only on the origin given (or one allowed),
//! credentials sent to the origin only, each body read to a private temporary file within
//! the size caps (on the wire and decoded: gzip and deflate are decoded here), and every wait
//! — the bucket, a backoff, the network — cut short by a cancel or the run's deadline.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use super::url::{ApiUrl, Origin, redact};
use super::{ApiOptions, MAX_BODY_BYTES};
use crate::error::{Error, Result};
use crate::worker::CancelToken;

/// A token bucket: `rate` requests per second, bursts up to `rate` (at least 1).
#[derive(Debug)]
pub struct TokenBucket {
    rate: f64,
    capacity: f64,
    tokens: f64,
    last: Instant,
}

impl TokenBucket {
    pub fn new(rate: f64) -> Self {
        let rate = if rate.is_finite() && rate > 0.0 {
            rate
        } else {
            1.0
        };
        let capacity = rate.max(1.0);
        TokenBucket {
            rate,
            capacity,
            tokens: capacity,
            last: Instant::now(),
        }
    }

    /// Takes a token if there is one; else how long until there is.
    pub fn try_take(&mut self) -> Option<Duration> {
        let now = Instant::now();
        self.tokens =
            (self.tokens + (now - self.last).as_secs_f64() * self.rate).min(self.capacity);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            None
        } else {
            Some(Duration::from_secs_f64((1.0 - self.tokens) / self.rate))
        }
    }

    /// Waits for a token.
    pub fn take(&mut self) {
        while let Some(wait) = self.try_take() {
            std::thread::sleep(wait);
        }
    }
}

/// The longest `Retry-After` waited for.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(120);

/// Redirects followed for one request at most.
const MAX_REDIRECTS: u32 = 10;

/// How often a wait looks at the cancel flag and the deadline.
const TICK: Duration = Duration::from_millis(50);

/// Full jitter: a random wait in `[0, min(cap, base·2^attempt)]`.
pub fn backoff(attempt: u32, cap: Duration) -> Duration {
    let base = Duration::from_millis(200);
    let ceiling = base.saturating_mul(1u32 << attempt.min(16)).min(cap);
    ceiling.mul_f64(rand::random::<f64>())
}

/// `Retry-After` as seconds or an HTTP date.
pub fn retry_after(value: &str) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let secs = (when.timestamp() - chrono::Utc::now().timestamp()).max(0);
    Some(Duration::from_secs(secs as u64))
}

/// The `rel="next"` target of a `Link` header.
pub fn link_next(header: &str) -> Option<String> {
    header.split(',').find_map(|part| {
        let (url, params) = part.split_once(';')?;
        let is_next = params.split(';').any(|p| {
            let p = p.trim().to_ascii_lowercase().replace(' ', "");
            p == "rel=\"next\"" || p == "rel=next"
        });
        is_next.then(|| {
            url.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_string()
        })
    })
}

/// How a URL came to be asked for (for the words of a refusal).
pub(super) enum Via<'a> {
    /// Asked for as such.
    Asked,
    /// The next page named by this page.
    Link(&'a ApiUrl),
    /// A redirect from this URL.
    Redirect(&'a ApiUrl),
}

/// A final answer to a GET.
pub(super) struct Fetched {
    pub status: u16,
    /// Where the answer came from (after redirects).
    pub url: ApiUrl,
    /// A 2xx body, decoded, in a private temporary file at its start.
    pub body: Option<File>,
    /// A `Link: rel="next"` target, resolved.
    pub next_link: Option<String>,
}

/// One exchange as the fetching thread saw it.
struct Exchange {
    status: u16,
    location: Option<String>,
    retry_after: Option<Duration>,
    link: Option<String>,
    body: Option<File>,
}

/// Why an exchange brought no answer.
enum Failure {
    /// The network (a timeout, a reset, a refused connection): worth another try.
    Network(String),
    /// Another try would fare no better (a refused size or encoding).
    Final(Error),
}

/// What a GET came to before retrying.
enum Attempt {
    Done(Fetched),
    Retry { why: String, wait: Option<Duration> },
}

pub(super) struct Client {
    agent: ureq::Agent,
    bucket: TokenBucket,
    opts: ApiOptions,
    home: Origin,
    allowed: Vec<Origin>,
    /// The `Authorization` header sent to the home origin (never elsewhere).
    authorization: Option<String>,
    deadline: Instant,
    spool_dir: PathBuf,
    pub requests: u64,
    pub retries: u64,
    /// Bytes received on the wire.
    pub received: Arc<AtomicU64>,
}

impl Client {
    pub fn new(
        opts: &ApiOptions,
        base: &ApiUrl,
        allowed: Vec<Origin>,
        authorization: Option<String>,
        spool_dir: PathBuf,
    ) -> Self {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            // Redirects are followed here, one origin check per hop.
            .max_redirects(0)
            .timeout_connect(Some(opts.timeout))
            .build();
        Client {
            agent: config.into(),
            bucket: TokenBucket::new(opts.rate),
            opts: opts.clone(),
            home: base.origin.clone(),
            allowed,
            authorization,
            deadline: Instant::now() + opts.deadline,
            spool_dir,
            requests: 0,
            retries: 0,
            received: Arc::default(),
        }
    }

    fn past_deadline(&self, url: &ApiUrl) -> Error {
        Error::Invalid(format!(
            "GET {}: the run passed its deadline of {} (--deadline) after {} requests; nothing was written",
            url.url,
            super::minutes(self.opts.deadline),
            self.requests
        ))
    }

    /// Waits `d`, or fails at once when a cancel comes or the deadline would pass.
    fn wait(&self, d: Duration, url: &ApiUrl, cancel: &CancelToken) -> Result<()> {
        let until = Instant::now() + d;
        if until > self.deadline {
            return Err(self.past_deadline(url));
        }
        loop {
            cancel.check()?;
            let now = Instant::now();
            if now >= until {
                return Ok(());
            }
            std::thread::sleep((until - now).min(TICK));
        }
    }

    /// GETs `url`, retrying what may pass; returns the final status and body.
    pub fn get(&mut self, url: &ApiUrl, cancel: &CancelToken) -> Result<Fetched> {
        let mut attempt = 0;
        loop {
            cancel.check()?;
            let (why, wait) = match self.attempt(url, cancel)? {
                Attempt::Done(f) => return Ok(f),
                Attempt::Retry { why, wait } => (why, wait),
            };
            if attempt >= self.opts.max_retries {
                return Err(Error::Invalid(format!(
                    "GET {}: {why} (gave up after {} attempt{})",
                    url.url,
                    attempt + 1,
                    if attempt == 0 { "" } else { "s" }
                )));
            }
            attempt += 1;
            self.retries += 1;
            // The server's Retry-After is honoured as given; a very long one ends the run.
            if let Some(w) = wait
                && w > MAX_RETRY_AFTER
            {
                return Err(Error::Invalid(format!(
                    "GET {}: {why}; the server asks to retry after {} s, longer than {} s",
                    url.url,
                    w.as_secs(),
                    MAX_RETRY_AFTER.as_secs()
                )));
            }
            let sleep = wait.unwrap_or_else(|| backoff(attempt, self.opts.max_backoff));
            tracing::info!(url = %url.url, why = %why, attempt, wait_ms = sleep.as_millis() as u64, "retrying");
            self.wait(sleep, url, cancel)?;
        }
    }

    /// One try: the request and the redirects it leads to, each hop on an allowed origin.
    fn attempt(&mut self, first: &ApiUrl, cancel: &CancelToken) -> Result<Attempt> {
        let mut url = first.clone();
        let mut from: Option<ApiUrl> = None;
        for _ in 0..=MAX_REDIRECTS {
            self.admit(&url, from.as_ref().map_or(Via::Asked, Via::Redirect))?;
            while let Some(w) = self.bucket.try_take() {
                self.wait(w, &url, cancel)?;
            }
            self.requests += 1;
            let x = match self.exchange(&url, cancel)? {
                Ok(x) => x,
                Err(Failure::Network(why)) => return Ok(Attempt::Retry { why, wait: None }),
                Err(Failure::Final(e)) => return Err(e),
            };
            let status = x.status;
            if (300..400).contains(&status)
                && let Some(loc) = &x.location
            {
                let to = url.join(loc).map_err(|e| {
                    Error::Invalid(format!("GET {}: HTTP {status} to {e}", url.url))
                })?;
                from = Some(std::mem::replace(&mut url, to));
                continue;
            }
            if status == 408 || status == 429 || status >= 500 {
                return Ok(Attempt::Retry {
                    why: format!("HTTP {status}"),
                    wait: x.retry_after,
                });
            }
            let next_link = match x.link.as_deref().and_then(link_next) {
                Some(l) => Some(
                    url.join(&l)
                        .map_err(|e| Error::Invalid(format!("GET {}: Link header: {e}", url.url)))?
                        .url,
                ),
                None => None,
            };
            return Ok(Attempt::Done(Fetched {
                status,
                url,
                body: x.body,
                next_link,
            }));
        }
        Err(Error::Invalid(format!(
            "GET {}: more than {MAX_REDIRECTS} redirects; nothing was written",
            first.url
        )))
    }

    /// Refuses a URL on another origin than the one given (unless allowed).
    pub fn admit(&self, url: &ApiUrl, via: Via) -> Result<()> {
        if url.origin == self.home || self.allowed.contains(&url.origin) {
            return Ok(());
        }
        let how = match via {
            Via::Asked => format!("{} is", url.url),
            Via::Link(page) => format!("GET {}: the next page, {}, is", page.url, url.url),
            Via::Redirect(from) => format!("GET {}: redirected to {}, which is", from.url, url.url),
        };
        Err(Error::Invalid(format!(
            "{how} on another server ({}) than the API given ({}); pages are read from that origin only (scheme, host and port) unless --allow-origin allows another; nothing was written",
            url.origin, self.home
        )))
    }

    /// One request and its body, on a thread of its own so that the wait for the network
    /// watches the cancel flag and the deadline.
    fn exchange(
        &mut self,
        url: &ApiUrl,
        cancel: &CancelToken,
    ) -> Result<std::result::Result<Exchange, Failure>> {
        let remaining = self.deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Err(self.past_deadline(url));
        }
        let job = Job {
            agent: self.agent.clone(),
            url: url.url.clone(),
            authorization: (url.origin == self.home)
                .then(|| self.authorization.clone())
                .flatten(),
            per_call: self.opts.timeout.min(remaining),
            spool_dir: self.spool_dir.clone(),
            abandoned: Arc::new(AtomicBool::new(false)),
            received: self.received.clone(),
        };
        let abandoned = job.abandoned.clone();
        let (tx, rx) = crossbeam_channel::bounded(1);
        std::thread::Builder::new()
            .name("api-fetch".into())
            .spawn(move || {
                let _ = tx.send(job.run());
            })
            .map_err(|e| Error::Invalid(format!("cannot start the fetching thread: {e}")))?;
        loop {
            match rx.recv_timeout(TICK) {
                Ok(r) => return Ok(r),
                Err(crossbeam_channel::RecvTimeoutError::Timeout) => {
                    if cancel.is_cancelled() {
                        abandoned.store(true, Ordering::SeqCst);
                        return Err(Error::Cancelled);
                    }
                    if Instant::now() >= self.deadline {
                        abandoned.store(true, Ordering::SeqCst);
                        return Err(self.past_deadline(url));
                    }
                }
                Err(crossbeam_channel::RecvTimeoutError::Disconnected) => {
                    return Err(Error::Invalid(format!(
                        "GET {}: the fetching thread ended without an answer",
                        url.url
                    )));
                }
            }
        }
    }
}

/// What the fetching thread needs.
struct Job {
    agent: ureq::Agent,
    url: String,
    authorization: Option<String>,
    per_call: Duration,
    spool_dir: PathBuf,
    /// Set when the run stopped waiting (a cancel, the deadline): the thread stops reading.
    abandoned: Arc<AtomicBool>,
    received: Arc<AtomicU64>,
}

/// Counts the bytes read from the wire (under the decoder).
struct Counted<R> {
    inner: R,
    n: Arc<AtomicU64>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.n.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

fn network(e: &ureq::Error) -> bool {
    matches!(
        e,
        ureq::Error::Io(_)
            | ureq::Error::Timeout(_)
            | ureq::Error::ConnectionFailed
            | ureq::Error::HostNotFound
            | ureq::Error::Protocol(_)
            | ureq::Error::BodyStalled
    )
}

impl Job {
    fn too_big(&self, what: &str) -> Failure {
        Failure::Final(Error::Invalid(format!(
            "GET {}: the response {what} {} (the most read from one response, on the wire and decoded); refused, not retried; nothing was written",
            self.url,
            super::mib(MAX_BODY_BYTES)
        )))
    }

    fn run(self) -> std::result::Result<Exchange, Failure> {
        let mut req = self
            .agent
            .get(&self.url)
            .config()
            .timeout_per_call(Some(self.per_call))
            .build()
            .header("Accept", "application/json")
            .header("Accept-Encoding", "gzip, deflate");
        if let Some(a) = &self.authorization {
            req = req.header("Authorization", a);
        }
        let resp = match req.call() {
            Ok(r) => r,
            Err(e) if network(&e) => return Err(Failure::Network(e.to_string())),
            Err(e) => {
                return Err(Failure::Final(Error::Invalid(format!(
                    "GET {}: {}",
                    self.url,
                    redact(&e.to_string())
                ))));
            }
        };
        let status = resp.status().as_u16();
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(String::from)
        };
        let mut x = Exchange {
            status,
            location: header("location"),
            retry_after: header("retry-after").and_then(|v| retry_after(&v)),
            link: header("link"),
            body: None,
        };
        if !(200..300).contains(&status) {
            return Ok(x);
        }
        if header("content-length")
            .and_then(|l| l.trim().parse::<u64>().ok())
            .is_some_and(|l| l > MAX_BODY_BYTES)
        {
            return Err(self.too_big("is larger than"));
        }
        let encoding = header("content-encoding").unwrap_or_default();
        let reader = Counted {
            inner: resp
                .into_body()
                .into_with_config()
                // One byte more than allowed, so that a body of exactly the cap reads whole.
                .limit(MAX_BODY_BYTES + 1)
                .reader(),
            n: self.received.clone(),
        };
        let mut decoded = self.decoder(reader, &encoding)?;
        let mut file = crate::etl::spool::private_temp(&self.spool_dir).map_err(Failure::Final)?;
        let mut out = std::io::BufWriter::with_capacity(1 << 16, &mut file);
        let mut buf = vec![0u8; 1 << 16];
        let mut total = 0u64;
        loop {
            if self.abandoned.load(Ordering::SeqCst) {
                return Err(Failure::Final(Error::Cancelled));
            }
            let n = match decoded.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(self.body_error(e, &encoding)),
            };
            total += n as u64;
            if total > MAX_BODY_BYTES {
                return Err(self.too_big("decodes to more than"));
            }
            out.write_all(&buf[..n])
                .map_err(|e| Failure::Final(crate::etl::spool::spool_error(&self.spool_dir, e)))?;
        }
        out.flush()
            .map_err(|e| Failure::Final(crate::etl::spool::spool_error(&self.spool_dir, e)))?;
        drop(out);
        file.rewind()
            .map_err(|e| Failure::Final(crate::etl::spool::spool_error(&self.spool_dir, e)))?;
        x.body = Some(file);
        Ok(x)
    }

    /// The body decoded as its `Content-Encoding` says (gzip is decoded by ureq itself when
    /// named exactly so), or a refusal naming an encoding that is not read.
    fn decoder<'a>(
        &self,
        reader: impl Read + 'a,
        encoding: &str,
    ) -> std::result::Result<Box<dyn Read + 'a>, Failure> {
        let e = encoding.trim();
        Ok(match e.to_ascii_lowercase().as_str() {
            "" | "identity" => Box::new(reader),
            // ureq decodes exactly `gzip` (gzip members one after another, too).
            "gzip" if e == "gzip" => Box::new(reader),
            "gzip" | "x-gzip" => Box::new(flate2::read::MultiGzDecoder::new(reader)),
            // `deflate` is zlib-wrapped by the standard, raw by some servers: the first two
            // bytes tell.
            "deflate" => {
                let mut r = BufReader::new(reader);
                let head = r.fill_buf().map_err(|e| self.body_error(e, "deflate"))?;
                let zlib = head.len() >= 2
                    && head[0] & 0x0f == 8
                    && (u16::from(head[0]) << 8 | u16::from(head[1])) % 31 == 0;
                if zlib {
                    Box::new(flate2::read::ZlibDecoder::new(r))
                } else {
                    Box::new(flate2::read::DeflateDecoder::new(r))
                }
            }
            _ => {
                return Err(Failure::Final(Error::Invalid(format!(
                    "GET {}: the response is compressed as `{}`, which Stockroom does not read (it asks for gzip or deflate); refused; nothing was written",
                    self.url,
                    crate::text::escape_bounded(e, 40)
                ))));
            }
        })
    }

    /// A failed body read: the size cap and bad compressed data are final; the network is
    /// worth another try.
    fn body_error(&self, e: std::io::Error, encoding: &str) -> Failure {
        match e.get_ref().and_then(|i| i.downcast_ref::<ureq::Error>()) {
            Some(ureq::Error::BodyExceedsLimit(_)) => self.too_big("is larger than"),
            Some(ureq::Error::Decompress(..)) => Failure::Final(Error::Invalid(format!(
                "GET {}: the response's gzip data is broken ({e}); nothing was written",
                self.url
            ))),
            Some(other) if network(other) => Failure::Network(e.to_string()),
            Some(_) => Failure::Network(e.to_string()),
            None if matches!(
                e.kind(),
                std::io::ErrorKind::InvalidInput | std::io::ErrorKind::InvalidData
            ) =>
            {
                Failure::Final(Error::Invalid(format!(
                    "GET {}: the response's {} data is broken ({e}); nothing was written",
                    self.url,
                    crate::text::escape_bounded(encoding, 40)
                )))
            }
            None => Failure::Network(e.to_string()),
        }
    }
}
