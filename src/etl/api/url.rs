//! The API's URLs: parsed and checked (http or https, a host), their origin (scheme, host,
//! port) for the same-origin rule, the user info taken out (sent as credentials to the
//! origin only, never shown, logged or stored), and links resolved against their page.

use std::fmt;

/// Scheme, host and port: what a page must share with the URL given to be read.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Origin {
    scheme: String,
    host: String,
    port: u16,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}:{}", self.scheme, self.host, self.port)
    }
}

/// A checked API URL.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiUrl {
    /// The URL without its user info: what is requested, shown, logged and stored.
    pub url: String,
    pub origin: Origin,
    /// The user and password of `http://user:password@host/`, percent-decoded.
    pub credentials: Option<(String, String)>,
}

impl fmt::Debug for ApiUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiUrl")
            .field("url", &self.url)
            .field("credentials", &self.credentials.as_ref().map(|_| "***"))
            .finish()
    }
}

/// `text` with any user info replaced by `***` and control characters escaped: how a URL
/// typed by someone (or sent by a server) is shown before or without parsing it.
pub fn redact(text: &str) -> String {
    let shown = match text.split_once("://") {
        Some((scheme, rest)) => {
            let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
            match rest[..end].rfind('@') {
                Some(at) => format!("{scheme}://***{}", &rest[at..]),
                None => text.to_string(),
            }
        }
        None => text.to_string(),
    };
    crate::text::escape_bounded(&shown, 500)
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl ApiUrl {
    /// Parses an http:// or https:// URL; the error names the problem (the URL redacted).
    pub fn parse(text: &str) -> Result<ApiUrl, String> {
        let text = text.trim();
        let bad = |why: &str| format!("`{}` {why}", redact(text));
        let (scheme, rest) = text
            .split_once("://")
            .ok_or_else(|| bad("is not an http:// or https:// URL"))?;
        let scheme = scheme.to_ascii_lowercase();
        let default_port = match scheme.as_str() {
            "http" => 80,
            "https" => 443,
            _ => return Err(bad("is not an http:// or https:// URL")),
        };
        let rest = rest.split('#').next().unwrap_or_default();
        let end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, path) = rest.split_at(end);
        let (userinfo, host_port) = match authority.rfind('@') {
            Some(at) => (Some(&authority[..at]), &authority[at + 1..]),
            None => (None, authority),
        };
        let (host, port) = if let Some(v6) = host_port.strip_prefix('[') {
            let close = v6
                .find(']')
                .ok_or_else(|| bad("has a broken IPv6 address"))?;
            let after = &v6[close + 1..];
            let port = match after.strip_prefix(':') {
                Some(p) => Some(p),
                None if after.is_empty() => None,
                None => return Err(bad("has text after its IPv6 address")),
            };
            (&host_port[..close + 2], port)
        } else {
            match host_port.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (host_port, None),
            }
        };
        if host.is_empty() {
            return Err(bad("has no host"));
        }
        let port = match port {
            None | Some("") => default_port,
            Some(p) => p
                .parse::<u16>()
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| bad("has a port that is not a number from 1 to 65535"))?,
        };
        let path = if path.is_empty() { "/" } else { path };
        let url = format!("{scheme}://{host_port}{path}");
        if let Err(e) = ureq::http::Uri::try_from(url.as_str()) {
            return Err(bad(&format!("is not a valid URL ({e})")));
        }
        let credentials = userinfo.map(|u| {
            let (user, pass) = u.split_once(':').unwrap_or((u, ""));
            (percent_decode(user), percent_decode(pass))
        });
        Ok(ApiUrl {
            url,
            origin: Origin {
                scheme,
                host: host.to_ascii_lowercase(),
                port,
            },
            credentials,
        })
    }

    /// A link found on this page (a `next` link, a `Link` header, a redirect's `Location`),
    /// made absolute and checked; any user info in it is dropped, never sent.
    pub fn join(&self, link: &str) -> Result<ApiUrl, String> {
        let link = link.trim();
        let lower = link.to_ascii_lowercase();
        let absolute = if lower.starts_with("http://") || lower.starts_with("https://") {
            link.to_string()
        } else if link.contains("://") {
            return Err(format!(
                "`{}` is not an http:// or https:// URL",
                redact(link)
            ));
        } else {
            let base = &self.url;
            let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
            let host_end = base[scheme_end..]
                .find(['/', '?'])
                .map(|i| scheme_end + i)
                .unwrap_or(base.len());
            if let Some(rest) = link.strip_prefix("//") {
                format!("{}://{rest}", self.origin.scheme)
            } else if link.starts_with('/') {
                format!("{}{link}", &base[..host_end])
            } else if link.starts_with('?') {
                let path_end = base.find('?').unwrap_or(base.len());
                format!("{}{link}", &base[..path_end])
            } else {
                let path_end = base.find('?').unwrap_or(base.len());
                let dir = base[..path_end]
                    .rfind('/')
                    .filter(|i| *i >= host_end)
                    .map(|i| &base[..=i])
                    .unwrap_or(&base[..path_end]);
                format!("{dir}{link}")
            }
        };
        let mut joined = ApiUrl::parse(&absolute)?;
        joined.credentials = None;
        Ok(joined)
    }

    /// The same URL asking for page `page` of `limit` items.
    pub fn with_page(&self, page: u32, limit: u32) -> ApiUrl {
        let sep = if self.url.contains('?') { '&' } else { '?' };
        ApiUrl {
            url: format!("{}{sep}page={page}&limit={limit}", self.url),
            origin: self.origin.clone(),
            credentials: None,
        }
    }

    /// A collection under this base: `base/prefix/name`.
    pub fn collection(&self, prefix: &str, name: &str) -> ApiUrl {
        let (path, query) = match self.url.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (self.url.as_str(), None),
        };
        let mut url = format!("{}{prefix}/{name}", path.trim_end_matches('/'));
        if let Some(q) = query {
            url.push('?');
            url.push_str(q);
        }
        ApiUrl {
            url,
            origin: self.origin.clone(),
            credentials: None,
        }
    }
}

/// Parses an `--allow-origin` value (`https://cdn.example.com`, `http://10.0.0.5:8080`).
pub fn parse_origin(text: &str) -> Result<Origin, String> {
    let u = ApiUrl::parse(text).map_err(|e| format!("--allow-origin: {e}"))?;
    Ok(u.origin)
}

/// `Basic …` for the URL's user info (RFC 7617).
pub fn basic_auth(user: &str, pass: &str) -> String {
    format!("Basic {}", base64(format!("{user}:{pass}").as_bytes()))
}

fn base64(data: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ABC[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_info_is_taken_out_and_never_shown() {
        let u = ApiUrl::parse("http://erp-sync:Hunter2-Secret@Host.example:8080/v1?x=1").unwrap();
        assert_eq!(u.url, "http://Host.example:8080/v1?x=1");
        assert_eq!(
            u.credentials,
            Some(("erp-sync".into(), "Hunter2-Secret".into()))
        );
        assert_eq!(u.origin.to_string(), "http://host.example:8080");
        assert!(!format!("{u:?}").contains("Hunter2"));
        assert_eq!(
            redact("http://erp-sync:Hunter2-Secret@host/a@b"),
            "http://***@host/a@b"
        );
        assert_eq!(redact("https://host/x"), "https://host/x");
        let e = ApiUrl::parse("ftp://u:Hunter2@h/").unwrap_err();
        assert!(e.contains("ftp://***@h/") && !e.contains("Hunter2"), "{e}");
        assert_eq!(
            ApiUrl::parse("http://a%40b:p%3Aw@h/").unwrap().credentials,
            Some(("a@b".into(), "p:w".into()))
        );
        assert_eq!(basic_auth("martin", "secret"), "Basic bWFydGluOnNlY3JldA==");
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b"a"), "YQ==");
    }

    #[test]
    fn origins_ports_and_links() {
        let base = ApiUrl::parse("http://h:1/api/orders?page=1").unwrap();
        assert_eq!(
            base.join("/api/orders?page=2").unwrap().url,
            "http://h:1/api/orders?page=2"
        );
        assert_eq!(
            base.join("orders?page=2").unwrap().url,
            "http://h:1/api/orders?page=2"
        );
        assert_eq!(
            base.join("?page=3").unwrap().url,
            "http://h:1/api/orders?page=3"
        );
        assert_eq!(base.join("//h:1/x").unwrap().url, "http://h:1/x");
        assert_ne!(base.join("http://h:2/x").unwrap().origin, base.origin);
        assert_eq!(
            base.join("http://u:p@H:1/x").unwrap().credentials,
            None,
            "user info in a link is never used"
        );
        assert!(base.join("javascript://x").is_err());
        assert_eq!(
            ApiUrl::parse("https://h/").unwrap().origin,
            ApiUrl::parse("HTTPS://H:443/x").unwrap().origin
        );
        assert_eq!(
            ApiUrl::parse("http://[::1]:8080/")
                .unwrap()
                .origin
                .to_string(),
            "http://[::1]:8080"
        );
        assert!(ApiUrl::parse("http://h:99999/").is_err());
        assert!(ApiUrl::parse("http:///x").is_err());
        assert_eq!(
            ApiUrl::parse("http://h:1/base/")
                .unwrap()
                .collection("/api", "orders")
                .url,
            "http://h:1/base/api/orders"
        );
    }
}
