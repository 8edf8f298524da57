//! Pages of a list sorted by a parent's name (orders by customer), read parent by parent:
//! the parents are walked in order on their own index, each with its number of rows, and the
//! page takes its rows from the few parents it spans, each parent's rows read in key order on
//! the foreign key's index — instead of sorting every row of the table joined to its parent.
//! The order is the one SQL gives the same sort (`ORDER BY cu.first_name, cu.last_name,
//! t.order_id`: namesakes' rows interleave), rows without a parent first when ascending; a
//! page too far from both ends for a short walk is left to that SQL. Names are compared as
//! the store's binary collation does, byte for byte.

use std::collections::HashMap;

use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Integer, Nullable, Text};

use super::views::{ByParent, View};
use super::{Direction, Row, join_on, key_order, picked_keys, select_list, to_row};
use crate::db::{AnyConnection, dialect, dynamic};
use crate::error::{Error, Result};

/// Parents walked at most for one page, at least; a list of `n` rows may walk `n` parents
/// (a parent walked costs about what a row sorted does). A page further from the nearer end
/// is sorted in SQL.
const MIN_WALK: u64 = 8_192;
/// Rows per parent from which parents are counted only up to the page's end.
const DENSE: u64 = 32;
/// Parents read by the walk's first step (each next step reads twice as many, up to
/// `MAX_STEP`).
const FIRST_STEP: u64 = 64;
const MAX_STEP: u64 = 8_192;

/// A run of rows that stay together in the list: those without a parent, or those of the
/// parents of one name (namesakes' rows interleave by key, as under any other sort).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    NoParent,
    Parents(Vec<i32>),
}

/// The part of a segment a page shows: `n` of its rows from its `from`-th (in the list's
/// direction).
#[derive(Debug, Clone)]
struct Span {
    segment: Segment,
    from: u64,
    n: u64,
    /// All of the segment's rows (read without a limit).
    whole: bool,
}

/// Collects the spans of the rows `skip..skip + take` from segments given in list order.
struct Spans {
    skip: u64,
    end: u64,
    /// Rows before the next segment.
    pos: u64,
    spans: Vec<Span>,
}

impl Spans {
    fn new(skip: u64, take: u64) -> Self {
        Spans {
            skip,
            end: skip + take,
            pos: 0,
            spans: Vec::new(),
        }
    }

    /// Adds the next segment, of `rows` rows (or at least `rows` when `capped`); true once
    /// the page is complete.
    fn add(&mut self, segment: Segment, rows: u64, capped: bool) -> bool {
        let start = self.pos.max(self.skip);
        let stop = (self.pos + rows).min(self.end);
        if start < stop {
            self.spans.push(Span {
                segment,
                from: start - self.pos,
                n: stop - start,
                whole: !capped && stop - start == rows,
            });
        }
        self.pos += rows;
        self.done()
    }

    fn done(&self) -> bool {
        self.pos >= self.end
    }
}

/// A parent as walked: its key and the values it sorts by (one or two).
#[derive(QueryableByName)]
struct Named {
    #[diesel(sql_type = Integer)]
    k: i32,
    #[diesel(sql_type = Nullable<Text>)]
    o0: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    o1: Option<String>,
}

#[derive(QueryableByName)]
struct Counted {
    #[diesel(sql_type = Integer)]
    k: i32,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// A parent walked, with its rows (when counted up to a cap, `cap + 1` stands for more).
struct Parent {
    k: i32,
    name: (Option<String>, Option<String>),
    n: u64,
}

/// Parents of one name, gathered as the walk meets them.
struct Namesakes {
    name: (Option<String>, Option<String>),
    ids: Vec<i32>,
    rows: u64,
    capped: bool,
}

/// The rows `skip..skip + take` of `view` listed in `dir` by the parent `by`, in that order;
/// `None` when they lie too many parents from the start of `dir` of a list of `total` rows.
pub(super) fn read(
    conn: &mut AnyConnection,
    view: &View,
    by: &ByParent,
    dir: Direction,
    (skip, take, total): (u64, u64, u64),
) -> Result<Option<Vec<Row>>> {
    let max_walk = total.max(MIN_WALK);
    // The counts and the rows are read in one transaction, so they agree.
    diesel::Connection::transaction::<_, Error, _>(conn, |conn| {
        let Some(spans) = spans(conn, view, by, dir, (skip, take), max_walk)? else {
            return Ok(None);
        };
        if spans.is_empty() {
            return Ok(Some(Vec::new()));
        }
        let sql = page_sql(view, by, dir, &spans);
        Ok(Some(
            dynamic::load_json(conn, &sql, &[])?
                .iter()
                .map(|j| to_row(view, j))
                .collect(),
        ))
    })
}

/// Where the page's rows lie: walks the segments in list order until the page is complete;
/// `None` when that would take more than `max_walk` parents.
fn spans(
    conn: &mut AnyConnection,
    view: &View,
    by: &ByParent,
    dir: Direction,
    (skip, take): (u64, u64),
    max_walk: u64,
) -> Result<Option<Vec<Span>>> {
    let orphans = dynamic::load_count(
        conn,
        &format!(
            "SELECT COUNT(*) AS n FROM {} t WHERE {} IS NULL",
            view.table, by.fk
        ),
        &[],
    )? as u64;
    let mut spans = Spans::new(skip, take);
    // SQL puts NULL first when ascending, last when descending.
    if dir == Direction::Ascending && spans.add(Segment::NoParent, orphans, false) {
        return Ok(Some(spans.spans));
    }
    let first_row = spans.pos;
    let cap = spans.end;
    let mut walked = 0;
    let mut step = FIRST_STEP;
    // The page ends only after a name's last parent: namesakes' rows interleave.
    let mut pending: Option<Namesakes> = None;
    loop {
        // Parents with many rows each are counted only up to the page's end, one by one; the
        // many parents of few rows are counted together, a step at a time.
        let held = pending.as_ref().map_or(0, |g| g.rows);
        let dense = walked == 0 || (spans.pos - first_row + held) / walked >= DENSE;
        let batch = parents(conn, view, by, dir, (walked, step), dense.then_some(cap))?;
        let read = batch.len() as u64;
        for p in batch {
            let capped = dense && p.n > cap;
            if let Some(same) = pending.as_mut().filter(|g| g.name == p.name) {
                same.ids.push(p.k);
                same.rows += p.n;
                same.capped |= capped;
                continue;
            }
            let next = Namesakes {
                name: p.name,
                ids: vec![p.k],
                rows: p.n,
                capped,
            };
            if let Some(g) = pending.replace(next)
                && spans.add(Segment::Parents(g.ids), g.rows, g.capped)
            {
                return Ok(Some(spans.spans));
            }
        }
        walked += read;
        if read < step {
            break;
        }
        // The parents still to walk, guessed from the rows per parent so far.
        let held = pending.as_ref().map_or(0, |g| g.rows);
        let rows = (spans.pos - first_row + held).max(1);
        let more = spans
            .end
            .saturating_sub(spans.pos + held)
            .saturating_mul(walked)
            / rows;
        if walked.saturating_add(more) > max_walk {
            return Ok(None);
        }
        step = (step * 2)
            .min(MAX_STEP)
            .min(max_walk.saturating_sub(walked))
            .max(1);
    }
    if let Some(g) = pending
        && spans.add(Segment::Parents(g.ids), g.rows, g.capped)
    {
        return Ok(Some(spans.spans));
    }
    if dir == Direction::Descending {
        spans.add(Segment::NoParent, orphans, false);
    }
    Ok(Some(spans.spans))
}

/// The parents from the `skip`-th in `dir`, `take` of them, in order, each with its number
/// of rows: with a `cap`, counted up to `cap + 1` (a parent with thousands of rows is not
/// counted through).
fn parents(
    conn: &mut AnyConnection,
    view: &View,
    by: &ByParent,
    dir: Direction,
    (skip, take): (u64, u64),
    cap: Option<u64>,
) -> Result<Vec<Parent>> {
    let d = dir.sql();
    let inner: Vec<String> = by.order.iter().map(|e| format!("{e} {d}")).collect();
    let names: Vec<String> = (0..2)
        .map(|i| match by.order.get(i) {
            Some(e) => format!("{e} AS o{i}"),
            None => format!("NULL AS o{i}"),
        })
        .collect();
    let walk = |cols: &str| {
        format!(
            "SELECT {key} AS k{cols} FROM {from} ORDER BY {inner}, {key} {d} LIMIT {take} OFFSET {skip}",
            key = by.key,
            from = by.from,
            inner = inner.join(", "),
        )
    };
    let order: Vec<Named> =
        dynamic::load_by_name(conn, &walk(&format!(", {}", names.join(", "))), &[])?;
    // The same parents' rows counted: each on its own up to the cap, or all together, each
    // parent's on the foreign key's index (grouped by the parent alone: grouped and sorted by
    // its name too it costs three times more).
    let keys = walk("");
    let count = match cap {
        Some(cap) => {
            let rows = format!("FROM {} t WHERE {} = p.k", view.table, by.fk);
            format!(
                "SELECT p.k AS k, CASE WHEN (SELECT 1 {rows} LIMIT 1 OFFSET {cap}) IS NULL \
                 THEN (SELECT COUNT(*) {rows}) ELSE {more} END AS n FROM ({keys}) p",
                more = cap + 1,
            )
        }
        None => format!(
            "SELECT p.k AS k, COUNT(*) AS n FROM ({keys}) p {join} {table} t ON {fk} = p.k \
             GROUP BY p.k",
            join = dialect::join_in_order(conn),
            table = view.table,
            fk = by.fk,
        ),
    };
    let counted: Vec<Counted> = dynamic::load_by_name(conn, &count, &[])?;
    let counted: HashMap<i32, i64> = counted.into_iter().map(|p| (p.k, p.n)).collect();
    Ok(order
        .into_iter()
        .map(|p| Parent {
            k: p.k,
            name: (p.o0, p.o1),
            n: counted.get(&p.k).copied().unwrap_or(0) as u64,
        })
        .collect())
}

/// `1, 2, 3`
fn list(ids: &[i32]) -> String {
    ids.iter()
        .map(|id| id.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The page's rows: the first and the last span each read on their own (in key order, from
/// their offset), the whole segments between them at once, all joined for the shown values.
fn page_sql(view: &View, by: &ByParent, dir: Direction, spans: &[Span]) -> String {
    let keys = picked_keys(view).collect::<Vec<_>>().join(", ");
    let inner_order = key_order(view, dir, false).collect::<Vec<_>>().join(", ");
    let of = |s: &Segment| match s {
        Segment::NoParent => format!("{} IS NULL", by.fk),
        Segment::Parents(ids) => match ids.as_slice() {
            [id] => format!("{} = {id}", by.fk),
            _ => format!("{} IN ({})", by.fk, list(ids)),
        },
    };
    let one = |g: usize, s: &Span| {
        let limit = if s.whole && s.from == 0 {
            String::new()
        } else {
            format!(" ORDER BY {inner_order} LIMIT {} OFFSET {}", s.n, s.from)
        };
        format!(
            "SELECT * FROM (SELECT {keys}, {g} AS g FROM {} t WHERE {}{limit}) m{g}",
            view.table,
            of(&s.segment)
        )
    };
    let mut members = vec![one(0, &spans[0])];
    let last = spans.len() - 1;
    if last > 1 {
        // Whole segments, and never the rows without a parent (first or last in the list).
        let ids: Vec<(usize, i32)> = spans[1..last]
            .iter()
            .enumerate()
            .flat_map(|(i, s)| match &s.segment {
                Segment::Parents(ids) => ids.iter().map(|id| (i + 1, *id)).collect(),
                Segment::NoParent => Vec::new(),
            })
            .collect();
        let cases: Vec<String> = ids
            .iter()
            .map(|(g, id)| format!("WHEN {id} THEN {g}"))
            .collect();
        let all: Vec<i32> = ids.iter().map(|(_, id)| *id).collect();
        members.push(format!(
            "SELECT * FROM (SELECT {keys}, CASE {} {} END AS g FROM {} t WHERE {} IN ({})) mid",
            by.fk,
            cases.join(" "),
            view.table,
            by.fk,
            list(&all)
        ));
    }
    if last > 0 {
        members.push(one(last, &spans[last]));
    }
    let outer: Vec<String> = key_order(view, dir, true).collect();
    format!(
        "SELECT {} FROM ({}) picked JOIN {} t ON {}{} ORDER BY picked.g, {}",
        select_list(view),
        members.join(" UNION ALL "),
        view.table,
        join_on(view),
        view.joins(),
        outer.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_takes_the_rows_it_spans_from_each_segment() {
        let mut s = Spans::new(5, 10);
        assert!(!s.add(Segment::NoParent, 3, false));
        assert!(!s.add(Segment::Parents(vec![7]), 4, false));
        assert!(!s.add(Segment::Parents(vec![8]), 0, false));
        assert!(!s.add(Segment::Parents(vec![9, 4]), 2, false));
        assert!(s.add(Segment::Parents(vec![1]), 6, true));
        let got: Vec<(Segment, u64, u64, bool)> = s
            .spans
            .iter()
            .map(|s| (s.segment.clone(), s.from, s.n, s.whole))
            .collect();
        assert_eq!(
            got,
            [
                (Segment::Parents(vec![7]), 2, 2, false),
                (Segment::Parents(vec![9, 4]), 0, 2, true),
                (Segment::Parents(vec![1]), 0, 6, false),
            ]
        );
    }
}
