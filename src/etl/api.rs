//! Import from a REST API: discovers each table's collection at `/NAME`, `/api/NAME` or
//! `/v1/NAME`; reads a bare JSON array, an envelope (`data`/`items`/`results` with `next`),
//! a `Link: <…>; rel="next"` header, or page/limit parameters. Requests go through a token
//! bucket and are retried on network errors, 408, 429 and 5xx with exponential backoff and
//! full jitter (honouring `Retry-After`); any other 4xx fails at once. Rows get the same
//! validation as CSV and the whole run is one transaction: a failed run writes nothing.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use serde_json::{Map, Value};

use super::mapping::Mapping;
use super::run::{ImportOptions, Planned};
use super::source::{ReadError, Record, Source, json_text};
use crate::auth::{Actor, Auth, Permission};
use crate::error::{Error, Result};
use crate::tables::spec::{self, TableSpec};
use crate::worker::{CancelToken, Progress};

#[derive(Debug, Clone)]
pub struct ApiOptions {
    /// Tables to import (default: every table the API offers).
    pub tables: Vec<String>,
    /// Requests per second.
    pub rate: f64,
    pub max_retries: u32,
    /// Connect and read timeout.
    pub timeout: Duration,
    /// Items asked for per page when paging by parameters.
    pub page_size: u32,
    /// Longest wait between retries without a `Retry-After`.
    pub max_backoff: Duration,
}

impl Default for ApiOptions {
    fn default() -> Self {
        ApiOptions {
            tables: Vec::new(),
            rate: 10.0,
            max_retries: 5,
            timeout: Duration::from_secs(30),
            page_size: 500,
            max_backoff: Duration::from_secs(60),
        }
    }
}

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

    /// Waits for a token.
    pub fn take(&mut self) {
        loop {
            let now = Instant::now();
            self.tokens =
                (self.tokens + (now - self.last).as_secs_f64() * self.rate).min(self.capacity);
            self.last = now;
            if self.tokens >= 1.0 {
                self.tokens -= 1.0;
                return;
            }
            std::thread::sleep(Duration::from_secs_f64((1.0 - self.tokens) / self.rate));
        }
    }
}

/// The longest `Retry-After` waited for.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(120);

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

/// A fetched page.
struct Fetched {
    status: u16,
    body: String,
    next_link: Option<String>,
}

/// The HTTP side: rate limit, timeouts, retries.
pub struct Client {
    agent: ureq::Agent,
    bucket: TokenBucket,
    opts: ApiOptions,
    pub requests: u64,
    pub retries: u64,
}

fn link_next(header: &str) -> Option<String> {
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

impl Client {
    pub fn new(opts: &ApiOptions) -> Self {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(opts.timeout))
            .timeout_recv_response(Some(opts.timeout))
            .timeout_recv_body(Some(opts.timeout))
            .build();
        Client {
            agent: config.into(),
            bucket: TokenBucket::new(opts.rate),
            opts: opts.clone(),
            requests: 0,
            retries: 0,
        }
    }

    /// GETs `url`, retrying what may pass; returns the final status and body.
    fn get(&mut self, url: &str, cancel: &CancelToken) -> Result<Fetched> {
        let mut attempt = 0;
        loop {
            cancel.check()?;
            self.bucket.take();
            self.requests += 1;
            let outcome = self
                .agent
                .get(url)
                .header("Accept", "application/json")
                .call();
            let (retryable, wait, why) = match outcome {
                Ok(mut resp) => {
                    let status = resp.status().as_u16();
                    let header = |name: &str| {
                        resp.headers()
                            .get(name)
                            .and_then(|v| v.to_str().ok())
                            .map(String::from)
                    };
                    let next_link = header("link")
                        .and_then(|l| link_next(&l))
                        .map(|n| resolve_url(url, &n));
                    let after = header("retry-after").and_then(|v| retry_after(&v));
                    if status == 408 || status == 429 || status >= 500 {
                        (true, after, format!("HTTP {status}"))
                    } else {
                        let body = match resp
                            .body_mut()
                            .with_config()
                            .limit(256 * 1024 * 1024)
                            .read_to_string()
                        {
                            Ok(b) => b,
                            Err(e) => {
                                // A body cut short (timeout, reset) is a network error: retry.
                                if attempt < self.opts.max_retries {
                                    attempt += 1;
                                    self.retries += 1;
                                    tracing::info!(url, error = %e, attempt, "retrying a broken response");
                                    std::thread::sleep(backoff(attempt, self.opts.max_backoff));
                                    continue;
                                }
                                return Err(Error::Invalid(format!("GET {url}: {e}")));
                            }
                        };
                        return Ok(Fetched {
                            status,
                            body,
                            next_link,
                        });
                    }
                }
                // Only what the network did is worth another try; a bad URL or TLS setup is not.
                Err(e) => {
                    let network = matches!(
                        e,
                        ureq::Error::Io(_)
                            | ureq::Error::Timeout(_)
                            | ureq::Error::ConnectionFailed
                            | ureq::Error::HostNotFound
                            | ureq::Error::Protocol(_)
                            | ureq::Error::BodyStalled
                    );
                    (network, None, e.to_string())
                }
            };
            if !retryable || attempt >= self.opts.max_retries {
                return Err(Error::Invalid(format!(
                    "GET {url}: {why} (gave up after {} attempt{})",
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
                    "GET {url}: {why}; the server asks to retry after {} s, longer than {} s",
                    w.as_secs(),
                    MAX_RETRY_AFTER.as_secs()
                )));
            }
            let sleep = wait.unwrap_or_else(|| backoff(attempt, self.opts.max_backoff));
            tracing::info!(url, why = %why, attempt, wait_ms = sleep.as_millis() as u64, "retrying");
            std::thread::sleep(sleep);
        }
    }
}

/// A page's items and where the next page is.
struct Page {
    items: Vec<Map<String, Value>>,
    next: Option<String>,
}

fn resolve_url(base: &str, next: &str) -> String {
    if next.starts_with("http://") || next.starts_with("https://") {
        return next.to_string();
    }
    // Relative: against the scheme and host of `base`.
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let host_end = base[scheme_end..]
        .find('/')
        .map(|i| scheme_end + i)
        .unwrap_or(base.len());
    if next.starts_with('/') {
        format!("{}{next}", &base[..host_end])
    } else {
        let dir = base
            .rfind('/')
            .filter(|i| *i >= host_end)
            .map(|i| &base[..=i])
            .unwrap_or(base);
        format!("{dir}{next}")
    }
}

fn parse_page(url: &str, f: &Fetched) -> Result<Page> {
    let v: Value = serde_json::from_str(&f.body)
        .map_err(|e| Error::Invalid(format!("GET {url}: the response is not JSON ({e})")))?;
    let objects = |arr: &Vec<Value>| -> Result<Vec<Map<String, Value>>> {
        arr.iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::Object(o) => Ok(o.clone()),
                _ => Err(Error::Invalid(format!(
                    "GET {url}: item {} is not an object",
                    i + 1
                ))),
            })
            .collect()
    };
    match &v {
        Value::Array(arr) => Ok(Page {
            items: objects(arr)?,
            next: f.next_link.clone(),
        }),
        Value::Object(o) => {
            let arr = ["data", "items", "results", "records"]
                .iter()
                .find_map(|k| o.get(*k).and_then(Value::as_array))
                .ok_or_else(|| Error::Invalid(format!("GET {url}: expected an array, or an object with `data`, `items` or `results`")))?;
            let next = ["next", "next_page", "nextPage"]
                .iter()
                .find_map(|k| o.get(*k))
                .or_else(|| o.get("links").and_then(|l| l.get("next")))
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(|s| resolve_url(url, s))
                .or_else(|| f.next_link.clone());
            Ok(Page {
                items: objects(arr)?,
                next,
            })
        }
        _ => Err(Error::Invalid(format!(
            "GET {url}: expected a JSON array or object"
        ))),
    }
}

fn with_params(url: &str, page: u32, limit: u32) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}page={page}&limit={limit}")
}

/// One collection, read page by page while the run loads it.
pub struct ApiSource {
    label: String,
    headers: Vec<String>,
    client: std::rc::Rc<std::cell::RefCell<Client>>,
    cancel: CancelToken,
    buffer: VecDeque<Map<String, Value>>,
    /// Following `next` links, or asking for numbered pages of this endpoint.
    next: Option<String>,
    paged: Option<(String, u32, u32)>,
    first_item: Option<Map<String, Value>>,
    position: u64,
    error: Option<Error>,
    bytes: u64,
}

impl ApiSource {
    fn fetch_next(&mut self) {
        let url = if let Some(n) = self.next.take() {
            n
        } else if let Some((endpoint, page, limit)) = &mut self.paged {
            *page += 1;
            with_params(endpoint, *page, *limit)
        } else {
            return;
        };
        let fetched = self.client.borrow_mut().get(&url, &self.cancel);
        let page = fetched.and_then(|f| {
            self.bytes += f.body.len() as u64;
            if f.status >= 400 {
                return Err(Error::Invalid(format!("GET {url}: HTTP {}", f.status)));
            }
            parse_page(&url, &f)
        });
        match page {
            Ok(p) => {
                let limit = self.paged.as_ref().map(|(_, _, l)| *l as usize);
                // A server that ignores page parameters sends the first page again: stop.
                let repeated = self.paged.is_some()
                    && !p.items.is_empty()
                    && p.items.first() == self.first_item.as_ref();
                if p.items.is_empty() || repeated {
                    self.paged = None;
                    self.next = None;
                    return;
                }
                if p.next.is_some() {
                    self.paged = None;
                    self.next = p.next;
                } else if limit.is_some_and(|l| p.items.len() < l) {
                    self.paged = None;
                }
                self.buffer.extend(p.items);
            }
            Err(e) => {
                self.paged = None;
                self.next = None;
                self.error = Some(e);
            }
        }
    }
}

impl Source for ApiSource {
    fn label(&self) -> &str {
        &self.label
    }

    fn headers(&self) -> &[String] {
        &self.headers
    }

    fn next_record(&mut self) -> Option<std::result::Result<Record, ReadError>> {
        if self.buffer.is_empty() && self.error.is_none() {
            self.fetch_next();
        }
        let obj = self.buffer.pop_front()?;
        self.position += 1;
        let fields = self
            .headers
            .iter()
            .map(|h| obj.get(h).map(json_text).unwrap_or_default())
            .collect();
        Some(Ok(Record {
            line: self.position,
            fields,
        }))
    }

    fn bytes(&self) -> (u64, Option<u64>) {
        (self.bytes, None)
    }

    fn take_error(&mut self) -> Option<Error> {
        self.error.take()
    }
}

/// Finds `table`'s collection and reads its first page; `None` when the API has no such collection.
fn discover(
    client: &std::rc::Rc<std::cell::RefCell<Client>>,
    base: &str,
    table: &'static TableSpec,
    opts: &ApiOptions,
    cancel: &CancelToken,
) -> Result<Option<ApiSource>> {
    let base = base.trim_end_matches('/');
    for prefix in ["", "/api", "/v1"] {
        let endpoint = format!("{base}{prefix}/{}", table.name);
        let url = with_params(&endpoint, 1, opts.page_size);
        let f = client.borrow_mut().get(&url, cancel)?;
        match f.status {
            200..=299 => {
                let page = parse_page(&url, &f)?;
                let first_item = page.items.first().cloned();
                let headers: Vec<String> = first_item
                    .as_ref()
                    .map(|o| o.keys().cloned().collect())
                    .unwrap_or_default();
                let mut source = ApiSource {
                    label: endpoint.clone(),
                    headers,
                    client: client.clone(),
                    cancel: cancel.clone(),
                    buffer: VecDeque::new(),
                    next: None,
                    paged: None,
                    first_item,
                    position: 0,
                    error: None,
                    bytes: f.body.len() as u64,
                };
                let n = page.items.len();
                if page.next.is_some() {
                    source.next = page.next;
                } else if n > 0 && n >= opts.page_size as usize {
                    source.paged = Some((endpoint, 1, opts.page_size));
                }
                source.buffer.extend(page.items);
                return Ok(Some(source));
            }
            404 | 410 => continue,
            status => return Err(Error::Invalid(format!("GET {url}: HTTP {status}"))),
        }
    }
    Ok(None)
}

/// What an API run found and did.
#[derive(Debug, Clone)]
pub struct ApiRun {
    pub report: super::ImportReport,
    /// Tables the API had no collection for.
    pub missing: Vec<&'static str>,
    pub requests: u64,
    pub retries: u64,
}

/// Imports every available collection under `base` (needs `ImportApi`: Administrators).
pub fn import_api(
    auth: &Auth,
    actor: &Actor,
    base: &str,
    api: &ApiOptions,
    opts: &ImportOptions,
    cancel: &CancelToken,
    progress: &mut dyn FnMut(Progress),
) -> Result<ApiRun> {
    auth.require(actor, Permission::ImportApi)?;
    if !(base.starts_with("http://") || base.starts_with("https://")) {
        return Err(Error::Invalid(format!(
            "`{base}` is not an http:// or https:// URL"
        )));
    }
    let wanted: Vec<&'static TableSpec> = if api.tables.is_empty() {
        spec::TABLES.iter().collect()
    } else {
        let mut v = Vec::new();
        for t in &api.tables {
            v.push(spec::table(t).ok_or_else(|| Error::Invalid(format!("`{t}` is not a table")))?);
        }
        v.sort_by_key(|t| spec::order_of(t.name));
        v
    };
    let client = std::rc::Rc::new(std::cell::RefCell::new(Client::new(api)));
    let mut plans = Vec::new();
    let mut missing = Vec::new();
    for table in wanted {
        match discover(&client, base, table, api, cancel)? {
            Some(source) if source.headers.is_empty() => {
                tracing::info!(table = table.name, "empty collection");
            }
            Some(source) => {
                let mapping = Mapping::new(table, &source.headers)
                    .map_err(|m| Error::Invalid(format!("{}: {m}", source.label)))?;
                plans.push(Planned {
                    source: Box::new(source),
                    mapping,
                });
            }
            None => missing.push(table.name),
        }
    }
    if !api.tables.is_empty() && !missing.is_empty() {
        return Err(Error::Invalid(format!(
            "{base}: no collection for {} (tried /NAME, /api/NAME, /v1/NAME)",
            missing.join(", ")
        )));
    }
    if plans.is_empty() {
        return Err(Error::Invalid(format!(
            "{base}: found no collection of any table (tried /NAME, /api/NAME, /v1/NAME)"
        )));
    }
    let report = super::run_and_record(auth, actor, base, plans, opts, cancel, progress)?;
    let c = client.borrow();
    Ok(ApiRun {
        report,
        missing,
        requests: c.requests,
        retries: c.retries,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_retry_after_and_backoff() {
        assert_eq!(
            link_next(
                r#"<https://x/api/orders?page=2>; rel="next", <https://x/a?page=9>; rel="last""#
            )
            .as_deref(),
            Some("https://x/api/orders?page=2")
        );
        assert_eq!(link_next(r#"<https://x/a?page=9>; rel="last""#), None);
        assert_eq!(retry_after("3"), Some(Duration::from_secs(3)));
        assert_eq!(
            retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after("soon"), None);
        for attempt in 0..10 {
            assert!(backoff(attempt, Duration::from_secs(2)) <= Duration::from_secs(2));
        }
        assert_eq!(
            resolve_url("http://h:1/api/orders?page=1", "/api/orders?page=2"),
            "http://h:1/api/orders?page=2"
        );
        assert_eq!(
            resolve_url("http://h:1/api/orders", "orders?page=2"),
            "http://h:1/api/orders?page=2"
        );
        let _ = TokenBucket::new(0.0);
    }

    #[test]
    fn the_token_bucket_paces_requests() {
        let mut b = TokenBucket::new(20.0);
        let t = Instant::now();
        for _ in 0..30 {
            b.take();
        }
        // 20 in the initial burst, then 10 more at 20/s ≈ 0.5 s.
        assert!(
            t.elapsed() >= Duration::from_millis(400),
            "{:?}",
            t.elapsed()
        );
    }
}
