//! One page of a collection, read as a stream: a bare JSON array, or an envelope whose
//! `data`/`items`/`results`/`records` array holds the items and whose `next` (or
//! `links.next`) names the next page. Items go one at a time, each within the record limit,
//! into the collection's spool; nothing holds a whole page (or array) as a tree.

use std::io::Read;

use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::etl::source::{InputLimits, JsonCursor, JsonError};
use crate::etl::spool::JsonSpool;
use crate::worker::CancelToken;

/// Envelope keys that hold the items, and those that name the next page.
const ITEMS: [&str; 4] = ["data", "items", "results", "records"];
const NEXT: [&str; 3] = ["next", "next_page", "nextPage"];

/// What a page held.
pub(super) struct Page {
    pub items: u64,
    /// The envelope's next link, as written (not yet resolved).
    pub next: Option<String>,
    /// The page's first item (to notice a server that ignores page parameters).
    pub first: Option<Map<String, Value>>,
}

struct Reader<'a, R> {
    c: JsonCursor<R>,
    url: &'a str,
    limits: InputLimits,
    /// Items of the collection before this page (for record numbers in messages).
    before: u64,
}

impl<R: Read> Reader<'_, R> {
    fn fail(&self, e: JsonError, what: &str) -> Error {
        match e {
            JsonError::TooLong => Error::Invalid(format!(
                "GET {}: {what} is longer than {} bytes (import_max_field_bytes); nothing was written",
                self.url,
                crate::text::group_digits(self.limits.max_record_bytes)
            )),
            JsonError::Io(e) => Error::Invalid(format!(
                "GET {}: cannot read the response back ({e}); nothing was written",
                self.url
            )),
            JsonError::Syntax(s) => self.malformed(&format!("{what}: {s}")),
        }
    }

    fn malformed(&self, what: &str) -> Error {
        Error::Invalid(format!(
            "GET {}: the response is not the JSON expected ({}); nothing was written",
            self.url,
            crate::text::escape_bounded(what, 200)
        ))
    }

    fn peek(&mut self, what: &str) -> Result<Option<u8>> {
        self.c.peek().map_err(|e| self.fail(e, what))
    }

    /// Streams an array of items into `spool` (the cursor is on its `[`).
    fn items(
        &mut self,
        spool: &mut JsonSpool,
        first: &mut Option<Map<String, Value>>,
        cancel: &CancelToken,
    ) -> Result<u64> {
        self.c.consume(1);
        let mut n = 0u64;
        loop {
            let record = self.before + n + 1;
            let what = format!("item {record}");
            self.c.allow_next();
            match self.peek(&what)? {
                Some(b']') => {
                    self.c.consume(1);
                    return Ok(n);
                }
                Some(b',') if n > 0 => {
                    self.c.consume(1);
                }
                None => return Err(self.malformed("the array is not closed")),
                _ if n > 0 => {
                    return Err(
                        self.malformed(&format!("expected `,` or `]` after item {}", record - 1))
                    );
                }
                _ => {}
            }
            match self.peek(&what)? {
                Some(b'{') => {}
                None => return Err(self.malformed("the array is not closed")),
                _ => {
                    return Err(Error::Invalid(format!(
                        "GET {}: item {record} is not an object; nothing was written",
                        self.url
                    )));
                }
            }
            let item: Map<String, Value> = self.c.value().map_err(|e| self.fail(e, &what))?;
            if first.is_none() {
                *first = Some(item.clone());
            }
            spool.push(&item)?;
            n += 1;
            if n.is_multiple_of(10_000) {
                cancel.check()?;
            }
        }
    }
}

/// Reads a page from `body` into `spool`; `url` names it in messages.
pub(super) fn read(
    body: impl Read,
    url: &str,
    limits: InputLimits,
    spool: &mut JsonSpool,
    cancel: &CancelToken,
) -> Result<Page> {
    let mut r = Reader {
        c: JsonCursor::new(body, limits.max_record_bytes),
        url,
        limits,
        before: spool.items(),
    };
    let mut page = Page {
        items: 0,
        next: None,
        first: None,
    };
    r.c.skip_bom().map_err(|e| r.fail(e, "the response"))?;
    match r.peek("the response")? {
        Some(b'[') => page.items = r.items(spool, &mut page.first, cancel)?,
        Some(b'{') => {
            r.c.consume(1);
            let mut found = false;
            let mut keys = 0u32;
            loop {
                r.c.allow_next();
                match r.peek("the envelope")? {
                    Some(b'}') => {
                        r.c.consume(1);
                        break;
                    }
                    Some(b',') if keys > 0 => {
                        r.c.consume(1);
                    }
                    Some(b'"') if keys == 0 => {}
                    _ => return Err(r.malformed("a broken envelope object")),
                }
                if r.peek("the envelope")? != Some(b'"') {
                    return Err(r.malformed("a broken envelope object"));
                }
                let key: String = r.c.value().map_err(|e| r.fail(e, "the envelope"))?;
                keys += 1;
                if r.peek("the envelope")? != Some(b':') {
                    return Err(r.malformed("a broken envelope object"));
                }
                r.c.consume(1);
                let what = format!("the envelope's `{}`", crate::text::escape_bounded(&key, 40));
                let next = r.peek(&what)?;
                if !found && ITEMS.contains(&key.as_str()) && next == Some(b'[') {
                    found = true;
                    page.items = r.items(spool, &mut page.first, cancel)?;
                } else if NEXT.contains(&key.as_str()) || key == "links" {
                    let v: Value = match next {
                        Some(b'-' | b'0'..=b'9') => {
                            r.c.skip_value().map_err(|e| r.fail(e, &what))?;
                            Value::Null
                        }
                        _ => r.c.value().map_err(|e| r.fail(e, &what))?,
                    };
                    let link = if key == "links" {
                        v.get("next")
                            .and_then(|n| n.as_str().or_else(|| n.get("href")?.as_str()))
                    } else {
                        v.as_str()
                    };
                    if page.next.is_none()
                        && let Some(l) = link.filter(|l| !l.trim().is_empty())
                    {
                        page.next = Some(l.to_string());
                    }
                } else {
                    r.c.skip_value().map_err(|e| r.fail(e, &what))?;
                }
            }
            if !found {
                return Err(Error::Invalid(format!(
                    "GET {url}: expected an array, or an object with `data`, `items` or `results`; nothing was written"
                )));
            }
        }
        None => return Err(r.malformed("the response is empty")),
        _ => {
            return Err(Error::Invalid(format!(
                "GET {url}: expected a JSON array or object; nothing was written"
            )));
        }
    }
    r.c.allow_next();
    if r.peek("the response")?.is_some() {
        return Err(r.malformed("text after the JSON value"));
    }
    Ok(page)
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    fn page(body: &str) -> (Result<Page>, String) {
        let dir = tempfile::tempdir().unwrap();
        let mut spool = JsonSpool::new(dir.path()).unwrap();
        let p = read(
            body.as_bytes(),
            "http://h/x",
            InputLimits {
                max_columns: 10,
                max_record_bytes: 1024,
            },
            &mut spool,
            &CancelToken::new(),
        );
        let (mut f, _) = spool.finish().unwrap();
        let mut s = String::new();
        f.read_to_string(&mut s).unwrap();
        (p, s.replace('\n', ""))
    }

    #[test]
    fn arrays_and_envelopes_stream_into_the_spool() {
        let (p, s) = page(r#" [ {"a":1}, {"a":2} ] "#);
        let p = p.ok().unwrap();
        assert_eq!((p.items, p.next), (2, None));
        assert_eq!(s, r#"[{"a":1},{"a":2}]"#);
        let (p, s) = page(
            r#"{"total": 12, "meta": {"x": [1, {"y": "}"}]}, "data": [{"a":1}], "items": [{"b":2}], "next": "/x?cursor=2"}"#,
        );
        let p = p.ok().unwrap();
        assert_eq!((p.items, p.next.as_deref()), (1, Some("/x?cursor=2")));
        assert_eq!(s, r#"[{"a":1}]"#);
        let (p, _) = page(r#"{"links": {"next": {"href": "/n"}}, "results": []}"#);
        let p = p.ok().unwrap();
        assert_eq!((p.items, p.next.as_deref()), (0, Some("/n")));
        let (p, _) = page(r#"{"next": null, "data": [{}]}"#);
        assert_eq!(p.ok().unwrap().next, None);
    }

    #[test]
    fn what_is_not_a_page_is_refused_in_words() {
        let err = |body: &str| page(body).0.err().unwrap().to_string();
        assert!(err(r#"[{"a":1}, 3]"#).contains("item 2 is not an object"));
        assert!(err(r#"{"count": 1}"#).contains("expected an array, or an object with `data`"));
        assert!(err("").contains("empty"));
        assert!(err(r#"[{"a":1}] x"#).contains("text after"));
        assert!(err(r#"[{"a":1}"#).contains("not closed"));
        let long = format!(r#"[{{"a":"{}"}}]"#, "x".repeat(200_000));
        assert!(
            err(&long).contains("item 1 is longer than 1,024 bytes"),
            "{}",
            err(&long)
        );
        // A flood of white space between items is bounded by the record limit too.
        let spaces = format!(r#"[{{"a":1}}{}]"#, " ".repeat(300_000));
        assert!(err(&spaces).contains("longer than"), "{}", err(&spaces));
    }
}
