//! Database URLs: which backend a URL names, and how to print one without its password.

use std::path::PathBuf;

/// Where the store lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbTarget {
    /// `mysql://user:pass@host:port/db` (MySQL or MariaDB).
    Mysql(String),
    /// An SQLite file (from `sqlite://PATH`, `sqlite:PATH` or a plain path).
    Sqlite(PathBuf),
}

impl DbTarget {
    /// Parses a `--database-url`/`DATABASE_URL` value.
    pub fn parse(url: &str) -> Result<Self, String> {
        let url = url.trim();
        if url.is_empty() {
            return Err("the database URL is empty".into());
        }
        if url.starts_with("mysql://") || url.starts_with("mariadb://") {
            let url = url.replacen("mariadb://", "mysql://", 1);
            return Ok(DbTarget::Mysql(url));
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .or_else(|| url.strip_prefix("file:"))
            .unwrap_or(url);
        if let Some((scheme, _)) = path.split_once("://") {
            return Err(format!(
                "unsupported database URL scheme `{scheme}://` (use mysql://… or sqlite://PATH)"
            ));
        }
        if path.is_empty() {
            return Err("the SQLite path is empty".into());
        }
        Ok(DbTarget::Sqlite(PathBuf::from(path)))
    }

    /// The backend's name as users see it.
    pub fn backend_name(&self) -> &'static str {
        match self {
            DbTarget::Mysql(_) => "mysql",
            DbTarget::Sqlite(_) => "sqlite",
        }
    }

    /// A printable form with any password replaced by `***`.
    pub fn redacted(&self) -> String {
        match self {
            DbTarget::Mysql(url) => redact_url(url),
            DbTarget::Sqlite(path) => format!("sqlite://{}", path.display()),
        }
    }
}

/// Replaces the password of `scheme://user:password@host…` with `***`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    // The userinfo ends at the last '@' before the first '/' of the path.
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    match authority.rfind('@') {
        Some(at) => {
            let userinfo = &authority[..at];
            let user = userinfo.split(':').next().unwrap_or("");
            let masked = if userinfo.contains(':') {
                format!("{user}:***")
            } else {
                user.to_string()
            };
            format!("{scheme}://{masked}{}", &rest[at..])
        }
        None => url.to_string(),
    }
}

/// `HOST:PORT` of a `mysql://` URL, for messages (port 3306 when none is given).
pub fn server_of(url: &str) -> String {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let authority = &rest[..rest.find(['/', '?']).unwrap_or(rest.len())];
    let host_port = authority
        .rsplit_once('@')
        .map(|(_, h)| h)
        .unwrap_or(authority);
    let has_port = match host_port.rfind(']') {
        Some(end) => host_port[end..].contains(':'),
        None => host_port.contains(':'),
    };
    if host_port.is_empty() {
        "localhost:3306".into()
    } else if has_port {
        host_port.to_string()
    } else {
        format!("{host_port}:3306")
    }
}

/// Redacts every URL-looking word in an error message.
pub fn redact_text(text: &str) -> String {
    text.split(' ')
        .map(|word| {
            if word.contains("://") {
                redact_url(word)
            } else {
                word.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_backends() {
        assert_eq!(
            DbTarget::parse("mysql://root@127.0.0.1:3306/test").unwrap(),
            DbTarget::Mysql("mysql://root@127.0.0.1:3306/test".into())
        );
        assert_eq!(
            DbTarget::parse("sqlite:///tmp/x.db").unwrap(),
            DbTarget::Sqlite("/tmp/x.db".into())
        );
        assert_eq!(
            DbTarget::parse("store.db").unwrap(),
            DbTarget::Sqlite("store.db".into())
        );
        assert!(
            DbTarget::parse("postgres://x@y/z")
                .unwrap_err()
                .contains("postgres://")
        );
        assert!(DbTarget::parse("  ").is_err());
    }

    #[test]
    fn names_the_server() {
        assert_eq!(
            server_of("mysql://u:p@db.example:3307/s"),
            "db.example:3307"
        );
        assert_eq!(server_of("mysql://u@10.0.0.5/s?x=1"), "10.0.0.5:3306");
        assert_eq!(server_of("mysql://[::1]:3306/s"), "[::1]:3306");
        assert_eq!(server_of("mysql://[::1]/s"), "[::1]:3306");
    }

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact_url("mysql://bob:s3cr@t@db.example:3306/stock"),
            "mysql://bob:***@db.example:3306/stock"
        );
        assert_eq!(redact_url("mysql://bob@h/db"), "mysql://bob@h/db");
        let msg = redact_text("cannot reach mysql://u:pw@h:1/d now");
        assert_eq!(msg, "cannot reach mysql://u:***@h:1/d now");
        assert!(!msg.contains("pw"));
    }
}
