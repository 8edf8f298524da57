//! Import from a REST API: discovers each table's collection at `/NAME`, `/api/NAME` or
//! `/v1/NAME`; reads a bare JSON array, an envelope (`data`/`items`/`results` with `next`),
//! a `Link: <…>; rel="next"` header, or page/limit parameters. Every page is read first —
//! streamed item by item into a private temporary file, within the size caps, on the origin
//! given, a repeated page ending the run, the whole bounded by a deadline — and only then is
//! the store's write transaction opened, so a slow server never holds the store. Rows get
//! the same validation as CSV (and a value's JSON type must suit its column); the run is one
//! transaction and is recorded however it ends. Parts: `http` (requests, retries, caps),
//! `page` (one page as a stream), `url` (origins, credentials, links).

mod http;
mod page;
pub mod url;

use std::collections::HashMap;
use std::fs::File;
use std::time::Duration;

pub use http::{MAX_RETRY_AFTER, TokenBucket, backoff, link_next, retry_after};

use super::mapping::Mapping;
use super::run::{ImportOptions, Planned};
use super::source::{JsonFileSource, Source};
use super::spool::JsonSpool;
use crate::auth::{Actor, Auth, Permission};
use crate::error::{Error, Result};
use crate::tables::spec::{self, TableSpec};
use crate::worker::{CancelToken, Progress};
use http::Client;
use url::ApiUrl;

/// The most read from one response, counted on the wire and again once decoded.
pub const MAX_BODY_BYTES: u64 = 256 << 20;

/// How long a whole run may take by default (every page of every collection).
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(30 * 60);

/// The environment variable whose value is sent as `Authorization: Bearer …`.
pub const TOKEN_VAR: &str = "STOCKROOM_API_TOKEN";

/// A credential: kept out of `Debug` output and logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

#[derive(Debug, Clone)]
pub struct ApiOptions {
    /// Tables to import (default: every table the API offers).
    pub tables: Vec<String>,
    /// Requests per second.
    pub rate: f64,
    pub max_retries: u32,
    /// The limit on one attempt of one request (connecting, the answer, its body).
    pub timeout: Duration,
    /// Items asked for per page when paging by parameters.
    pub page_size: u32,
    /// Longest wait between retries without a `Retry-After`.
    pub max_backoff: Duration,
    /// The limit on the whole run's reading (every page, retries and waits included).
    pub deadline: Duration,
    /// Other origins (`https://cdn.example.com`) pages and redirects may lead to.
    pub allow_origins: Vec<String>,
    /// Sent as `Authorization: Bearer …` to the API's origin only.
    pub bearer_token: Option<Secret>,
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
            deadline: DEFAULT_DEADLINE,
            allow_origins: Vec::new(),
            bearer_token: None,
        }
    }
}

/// `256 MiB`, `30 min`: sizes and limits as messages give them.
fn mib(bytes: u64) -> String {
    format!("{} MiB", bytes >> 20)
}

fn minutes(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 60 && s.is_multiple_of(60) {
        format!("{} min", s / 60)
    } else {
        format!("{s} s")
    }
}

/// The pages read in this run, so that a page asked for again (a `next` link back to an
/// earlier page) ends the run instead of looping.
#[derive(Default)]
struct Seen(HashMap<String, (&'static str, u32)>);

impl Seen {
    fn check(&self, url: &ApiUrl, table: &'static str) -> Result<()> {
        match self.0.get(&url.url) {
            Some((t, n)) => Err(Error::Invalid(format!(
                "{}: the API's next page repeats page {n}{} ({}); nothing was written",
                table,
                if *t == table {
                    String::new()
                } else {
                    format!(" of {t}")
                },
                url.url
            ))),
            None => Ok(()),
        }
    }

    fn add(&mut self, url: &ApiUrl, table: &'static str, n: u32) {
        self.0.entry(url.url.clone()).or_insert((table, n));
    }
}

/// What gathering a run needs at hand.
struct Gather<'a> {
    client: Client,
    base: ApiUrl,
    api: &'a ApiOptions,
    opts: &'a ImportOptions,
    cancel: &'a CancelToken,
    seen: Seen,
    spool_dir: std::path::PathBuf,
}

/// One item of a collection.
type Item = serde_json::Map<String, serde_json::Value>;

/// How the rest of a collection is asked for.
enum Paging {
    Done,
    Link(ApiUrl),
    Numbered { endpoint: ApiUrl, page: u32 },
}

impl Gather<'_> {
    fn progress(&self, table: &'static str, rows: u64, progress: &mut dyn FnMut(Progress)) {
        progress(Progress {
            table,
            rows_done: rows,
            rows_total: None,
            bytes_done: self
                .client
                .received
                .load(std::sync::atomic::Ordering::Relaxed),
            bytes_total: None,
            rejects: 0,
        });
    }

    /// Finds `table`'s collection and reads every page of it into a spool; `None` when the
    /// API has no such collection.
    fn collection(
        &mut self,
        table: &'static TableSpec,
        read: &mut u64,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<Option<(ApiUrl, File, u64)>> {
        let limit = self.api.page_size;
        for prefix in ["", "/api", "/v1"] {
            let endpoint = self.base.collection(prefix, table.name);
            let url = endpoint.with_page(1, limit);
            let f = self.client.get(&url, self.cancel)?;
            match f.status {
                200..=299 => {}
                404 | 410 => continue,
                status => {
                    return Err(Error::Invalid(format!("GET {}: HTTP {status}", url.url)));
                }
            }
            let mut spool = JsonSpool::new(&self.spool_dir)?;
            let mut number = 1u32;
            self.seen.add(&url, table.name, number);
            self.seen.add(&f.url, table.name, number);
            let (items, mut paging, first) = self.page(f, &mut spool)?;
            *read += items;
            if matches!(paging, Paging::Done) && items > 0 && items >= u64::from(limit) {
                paging = Paging::Numbered {
                    endpoint: endpoint.clone(),
                    page: 1,
                };
            }
            self.progress(table.name, spool.items(), progress);
            loop {
                let url = match &mut paging {
                    Paging::Done => break,
                    Paging::Link(next) => next.clone(),
                    Paging::Numbered { endpoint, page } => {
                        *page += 1;
                        endpoint.with_page(*page, limit)
                    }
                };
                self.seen.check(&url, table.name)?;
                number += 1;
                self.seen.add(&url, table.name, number);
                let f = self.client.get(&url, self.cancel)?;
                if !(200..300).contains(&f.status) {
                    return Err(Error::Invalid(format!(
                        "GET {}: HTTP {}",
                        url.url, f.status
                    )));
                }
                self.seen.add(&f.url, table.name, number);
                let numbered = matches!(paging, Paging::Numbered { .. });
                let mark = spool.mark()?;
                let (items, next, page_first) = self.page(f, &mut spool)?;
                // A server that ignores page parameters sends the first page again: stop.
                if items == 0 || (numbered && page_first.is_some() && page_first == first) {
                    spool.rollback(mark)?;
                    break;
                }
                *read += items;
                self.progress(table.name, spool.items(), progress);
                paging = match next {
                    Paging::Link(l) => Paging::Link(l),
                    _ if numbered && items >= u64::from(limit) => paging,
                    _ => Paging::Done,
                };
            }
            let (file, len) = spool.finish()?;
            return Ok(Some((endpoint, file, len)));
        }
        Ok(None)
    }

    /// Reads one fetched page into `spool`: its item count, how the next page is reached
    /// (its own link, else the `Link` header) and its first item.
    fn page(
        &mut self,
        f: http::Fetched,
        spool: &mut JsonSpool,
    ) -> Result<(u64, Paging, Option<Item>)> {
        let body = f.body.ok_or_else(|| {
            Error::Invalid(format!("GET {}: the response has no body", f.url.url))
        })?;
        let p = page::read(
            std::io::BufReader::new(body),
            &f.url.url,
            self.opts.limits,
            spool,
            self.cancel,
        )?;
        let next =
            match p.next {
                Some(link) => Some(f.url.join(&link).map_err(|e| {
                    Error::Invalid(format!("GET {}: the next page: {e}", f.url.url))
                })?),
                None => match f.next_link {
                    Some(l) => Some(ApiUrl::parse(&l).map_err(Error::Invalid)?),
                    None => None,
                },
            };
        let paging = match next {
            Some(n) => {
                // Refused here, before it is asked for, when it leads elsewhere.
                self.client.admit(&n, http::Via::Link(&f.url))?;
                Paging::Link(n)
            }
            None => Paging::Done,
        };
        Ok((p.items, paging, p.first))
    }
}

/// What an API run found and did.
#[derive(Debug, Clone)]
pub struct ApiRun {
    pub report: super::ImportReport,
    /// Tables the API had no collection for.
    pub missing: Vec<&'static str>,
    pub requests: u64,
    pub retries: u64,
    /// Bytes received on the wire.
    pub received: u64,
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
    let target = ApiUrl::parse(base).map_err(Error::Invalid)?;
    let wanted: Vec<&'static TableSpec> = if api.tables.is_empty() {
        spec::TABLES.iter().collect()
    } else {
        let mut v = Vec::new();
        for t in &api.tables {
            v.push(spec::table(t).ok_or_else(|| {
                Error::Invalid(format!("`{}` is not a table", crate::text::escape(t)))
            })?);
        }
        v.sort_by_key(|t| spec::order_of(t.name));
        v
    };
    let allowed = api
        .allow_origins
        .iter()
        .map(|o| url::parse_origin(o).map_err(Error::Invalid))
        .collect::<Result<Vec<_>>>()?;
    let authorization = match (&target.credentials, &api.bearer_token) {
        (Some(_), Some(_)) => {
            return Err(Error::Invalid(format!(
                "give the API's credentials one way: user info in the URL or {TOKEN_VAR}, not both"
            )));
        }
        (Some((user, pass)), None) => Some(url::basic_auth(user, pass)),
        (None, Some(token)) => Some(format!("Bearer {}", token.0.trim())),
        (None, None) => None,
    };
    let spool_dir = opts
        .spool_dir
        .clone()
        .unwrap_or_else(super::spool::default_dir);
    let mut g = Gather {
        client: Client::new(api, &target, allowed, authorization, spool_dir.clone()),
        base: target.clone(),
        api,
        opts,
        cancel,
        seen: Seen::default(),
        spool_dir,
    };
    let mut missing = Vec::new();
    let label = target.url.clone();
    let report = super::run::run_recorded(
        auth,
        actor,
        &label,
        opts,
        cancel,
        progress,
        &mut |read, progress| {
            let mut plans = Vec::new();
            for table in &wanted {
                let Some((endpoint, file, len)) = g.collection(table, read, progress)? else {
                    missing.push(table.name);
                    continue;
                };
                let mut source = JsonFileSource::from_reader(
                    Box::new(file),
                    endpoint.url.clone(),
                    opts.limits,
                    Some(len),
                )?;
                if source.headers().is_empty() {
                    tracing::info!(table = table.name, "empty collection");
                    continue;
                }
                let mapping = Mapping::new(table, source.headers()).map_err(|m| {
                    Error::Invalid(format!("{}: {}", endpoint.url, crate::text::escape(&m)))
                })?;
                source.expect(&mapping);
                plans.push(Planned {
                    source: Box::new(source),
                    mapping,
                });
            }
            if !api.tables.is_empty() && !missing.is_empty() {
                return Err(Error::Invalid(format!(
                    "{}: no collection for {} (tried /NAME, /api/NAME, /v1/NAME)",
                    target.url,
                    missing.join(", ")
                )));
            }
            if plans.is_empty() {
                return Err(Error::Invalid(format!(
                    "{}: found no collection of any table (tried /NAME, /api/NAME, /v1/NAME)",
                    target.url
                )));
            }
            Ok(plans)
        },
    );
    tracing::info!(
        requests = g.client.requests,
        retries = g.client.retries,
        received = g.client.received.load(std::sync::atomic::Ordering::Relaxed),
        "API read"
    );
    Ok(ApiRun {
        report: report?,
        missing,
        requests: g.client.requests,
        retries: g.client.retries,
        received: g.client.received.load(std::sync::atomic::Ordering::Relaxed),
    })
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

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
        let _ = TokenBucket::new(0.0);
        assert_eq!(mib(MAX_BODY_BYTES), "256 MiB");
        assert_eq!(minutes(DEFAULT_DEADLINE), "30 min");
        assert_eq!(minutes(Duration::from_secs(90)), "90 s");
        assert_eq!(format!("{:?}", Secret("tok".into())), "***");
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
