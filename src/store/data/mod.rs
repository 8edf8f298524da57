//! Browsing and editing the nine store tables (the Data tab and `stockroom data …`): pages
//! read in SQL with a search and a sort, a record with its related records, and edits,
//! additions and deletions that are validated per field, checked against what another
//! terminal changed meanwhile, refused in words when foreign keys forbid them, and audited.
//! Every call checks the actor's permission with the role as stored now.

mod by_parent;
mod delete;
mod edit;
mod related;
mod rules;
pub mod value;
pub mod views;

pub use edit::{Change, Field, FieldChange};
pub use related::Related;
pub use value::{Key, Value};
pub use views::{ByParent, Shown, VIEWS, View, ViewColumn};

use crate::auth::{Actor, Auth, Permission};
use crate::db::AnyConnection;
use crate::db::dynamic::{self, Cell};
use crate::error::{Error, Result};

/// Sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub enum Direction {
    #[default]
    Ascending,
    Descending,
}

impl Direction {
    fn sql(self) -> &'static str {
        match self {
            Direction::Ascending => "ASC",
            Direction::Descending => "DESC",
        }
    }

    fn flip(self) -> Direction {
        match self {
            Direction::Ascending => Direction::Descending,
            Direction::Descending => Direction::Ascending,
        }
    }
}

/// What page of which table to read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ListQuery {
    pub table: String,
    pub search: Option<String>,
    /// A column name (as shown) and a direction; the key by default.
    pub sort: Option<(String, Direction)>,
    pub offset: u64,
    pub limit: u64,
    /// The number of matching rows from the previous page of the same list, when paging on:
    /// it is not counted again (a reload counts afresh).
    pub known_total: Option<u64>,
}

/// One shown row.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Row {
    pub key: Key,
    pub values: Vec<Value>,
}

/// A page of rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub view: &'static View,
    pub rows: Vec<Row>,
    /// The first row's position (0-based) among all matching rows.
    pub offset: u64,
    /// Rows matching the search.
    pub total: u64,
    /// The sort in force (column position, direction).
    pub sort: (usize, Direction),
}

/// The largest page read at once.
pub const MAX_PAGE: u64 = 1_000;

/// The view of `table`, or a message listing the tables.
pub fn view_of(table: &str) -> Result<&'static View> {
    views::view(table).ok_or_else(|| Error::InvalidField {
        field: "table".into(),
        message: format!(
            "`{}` is not a store table (one of: {})",
            crate::text::escape_bounded(table, 40),
            views::VIEWS
                .iter()
                .map(|v| v.table)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    })
}

/// The search predicate and its values; `None` without a search. The second value says
/// whether the predicate reads only the table itself.
fn search_clause(
    conn: &AnyConnection,
    view: &View,
    search: Option<&str>,
) -> Option<(String, Vec<Cell>, bool)> {
    let text = search.map(str::trim).filter(|s| !s.is_empty())?;
    // Every word in one of the searched columns: `adelle moon` finds Adelle Moon.
    let (words, mut cells) = crate::store::words::clause(conn, text, view.search)?;
    let mut parts = vec![words];
    let mut on_base = view.search.iter().all(|e| View::on_base(e));
    if let Some(si) = view.search_in {
        parts = vec![crate::store::words::in_parent(
            si.column, si.key, si.from, &parts[0],
        )];
        on_base = true;
    }
    if let Ok(n) = text.parse::<i32>() {
        parts.push(format!("{} = ?", view.key[0]));
        cells.push(Cell::Int(Some(n)));
    }
    Some((format!("({})", parts.join(" OR ")), cells, on_base))
}

/// The `JSON_ARRAY(…)` of a view's columns, keys first.
fn select_list(view: &View) -> String {
    select_list_with(view, None)
}

/// The `JSON_ARRAY(…)` of a view's columns, keys first, and `extra` last when given.
fn select_list_with(view: &View, extra: Option<&str>) -> String {
    let exprs: Vec<&str> = view
        .key
        .iter()
        .copied()
        .chain(view.columns.iter().map(|c| c.sql))
        .chain(extra)
        .collect();
    format!("JSON_ARRAY({}) AS r", exprs.join(", "))
}

fn to_row(view: &View, json: &[serde_json::Value]) -> Row {
    let nk = view.key.len();
    let key = Key(json
        .iter()
        .take(nk)
        .map(|j| j.as_i64().unwrap_or(0) as i32)
        .collect());
    let values = view
        .columns
        .iter()
        .zip(json.iter().skip(nk))
        .map(|(c, j)| Value::from_json(j, c.shown))
        .collect();
    Row { key, values }
}

/// Reads one page of at most [`MAX_PAGE`] rows (a larger `limit` is refused in words; 0
/// reads only the count). A page past the end is empty, so a script paging until an empty
/// page stops. Near the end of a long list the page is read from the end backwards, so the
/// last page costs what the first does.
pub fn list(auth: &Auth, actor: &Actor, q: &ListQuery) -> Result<Page> {
    let view = view_of(&q.table)?;
    if q.limit > MAX_PAGE {
        return Err(Error::InvalidField {
            field: "limit".into(),
            message: format!(
                "at most {} rows a page (got {}); read further pages with an offset",
                crate::text::group_digits(MAX_PAGE),
                crate::text::group_digits(q.limit)
            ),
        });
    }
    if let Some(text) = &q.search {
        crate::store::words::check(text).map_err(|message| Error::InvalidField {
            field: "search".into(),
            message,
        })?;
    }
    let mut conn = auth.db().conn()?;
    auth.authorize(&mut conn, actor, Permission::ViewData)?;
    let (sort_pos, dir) = match &q.sort {
        None => (0, Direction::Ascending),
        Some((name, dir)) => match view.column(name) {
            Some((i, _)) => (i, *dir),
            None => {
                return Err(Error::InvalidField {
                    field: "sort".into(),
                    message: format!(
                        "{} has no column `{}` (one of: {})",
                        view.table,
                        crate::text::escape_bounded(name, 40),
                        view.columns
                            .iter()
                            .map(|c| c.name)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                });
            }
        },
    };
    let search = search_clause(&conn, view, q.search.as_deref());
    let column = &view.columns[sort_pos];
    let sort = column.sort_exprs();
    // Rows are picked on the table alone when the sort and the search allow it (the index
    // does the work), and only the picked rows are joined for their names.
    // Otherwise the pick joins only the tables the sort and the search read.
    let mut read: Vec<&str> = sort.clone();
    if search.as_ref().is_some_and(|s| !s.2) {
        read.extend(view.search);
    }
    let pick_from = view.from_for(&read);
    let (filter, cells) = match &search {
        Some((pred, cells, _)) => (format!(" WHERE {pred}"), cells.clone()),
        None => (String::new(), Vec::new()),
    };
    let refs: Vec<&Cell> = cells.iter().collect();
    let limit = q.limit;
    let pick = Pick {
        from: &pick_from,
        filter: &filter,
        cells: &refs,
        sort: &sort,
        dir,
        // Without a search, a list sorted by a parent is read parent by parent.
        by: column.by.as_ref().filter(|_| search.is_none()),
    };
    // The first page of a search scans the matching rows once for the page and their count
    // together (a window count), instead of once for each.
    if search.is_some() && q.known_total.is_none() && q.offset == 0 && limit > 0 {
        let (rows, total) = read_first_counted(&mut conn, view, &pick, limit)?;
        return Ok(Page {
            view,
            rows,
            offset: 0,
            total,
            sort: (sort_pos, dir),
        });
    }
    let total = match q.known_total {
        Some(n) => n,
        // Counted joining only what the search reads (the sort changes no count).
        None => dynamic::load_count(
            &mut conn,
            &format!(
                "SELECT COUNT(*) AS n FROM {}{filter}",
                view.from_for(&read[sort.len()..])
            ),
            &refs,
        )? as u64,
    };
    let offset = q.offset;
    let rows = if offset >= total || limit == 0 {
        Vec::new()
    } else {
        read_page(&mut conn, view, &pick, offset, limit, total)?
    };
    Ok(Page {
        view,
        rows,
        offset,
        total,
        sort: (sort_pos, dir),
    })
}

/// How a page's rows are picked.
struct Pick<'a> {
    from: &'a str,
    filter: &'a str,
    cells: &'a [&'a Cell],
    /// The sort's expressions (then the key).
    sort: &'a [&'a str],
    dir: Direction,
    /// Set when the rows sort by a parent and no search narrows them.
    by: Option<&'a ByParent>,
}

impl Pick<'_> {
    /// `ORDER BY` of the sort and then the key, in `dir`: over the tables (`outer` false) or
    /// over the picked copies `picked.s0…`, `picked.k0…`.
    fn order(&self, view: &View, dir: Direction, outer: bool) -> String {
        let sorts = self.sort.iter().enumerate().map(|(i, e)| {
            if outer {
                format!("picked.s{i} {}", dir.sql())
            } else {
                format!("{e} {}", dir.sql())
            }
        });
        sorts
            .chain(key_order(view, dir, outer))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The picked copies: `t.order_id AS k0, … , cu.first_name AS s0, …`.
    fn picked(&self, view: &View) -> String {
        picked_keys(view)
            .chain(
                self.sort
                    .iter()
                    .enumerate()
                    .map(|(i, e)| format!("{e} AS s{i}")),
            )
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The key's columns as a pick copies them: `t.order_id AS k0, …`.
fn picked_keys(view: &View) -> impl Iterator<Item = String> + '_ {
    view.key
        .iter()
        .enumerate()
        .map(|(i, k)| format!("{k} AS k{i}"))
}

/// The key in `dir`, over the table (`t.order_id DESC`) or over the picked copies
/// (`picked.k0 DESC`, `outer`).
fn key_order(view: &View, dir: Direction, outer: bool) -> impl Iterator<Item = String> + '_ {
    view.key.iter().enumerate().map(move |(i, k)| {
        if outer {
            format!("picked.k{i} {}", dir.sql())
        } else {
            format!("{k} {}", dir.sql())
        }
    })
}

/// `t.order_id = picked.k0 AND …`
fn join_on(view: &View) -> String {
    view.key
        .iter()
        .enumerate()
        .map(|(i, k)| format!("{k} = picked.k{i}"))
        .collect::<Vec<_>>()
        .join(" AND ")
}

fn read_page(
    conn: &mut AnyConnection,
    view: &View,
    pick: &Pick,
    offset: u64,
    limit: u64,
    total: u64,
) -> Result<Vec<Row>> {
    let from_end = offset > total / 2;
    let (dir, skip, take) = if from_end {
        let end = (offset + limit).min(total);
        (pick.dir.flip(), total - end, end - offset)
    } else {
        (pick.dir, offset, limit)
    };
    if let Some(by) = pick.by
        && let Some(mut rows) = by_parent::read(conn, view, by, dir, (skip, take, total))?
    {
        if from_end {
            rows.reverse();
        }
        return Ok(rows);
    }
    // The view's `FROM` is `<table> t` and then its joins: the picked rows join the table
    // first, then the rest for the names.
    let sql = format!(
        "SELECT {} FROM (SELECT {} FROM {}{} ORDER BY {} LIMIT {take} OFFSET {skip}) picked \
         JOIN {} t ON {}{} ORDER BY {}",
        select_list(view),
        pick.picked(view),
        pick.from,
        pick.filter,
        pick.order(view, dir, false),
        view.table,
        join_on(view),
        view.joins(),
        pick.order(view, dir, true),
    );
    let mut rows: Vec<Row> = dynamic::load_json(conn, &sql, pick.cells)?
        .iter()
        .map(|j| to_row(view, j))
        .collect();
    if from_end {
        rows.reverse();
    }
    Ok(rows)
}

/// The first page with the number of all matching rows, in one scan.
fn read_first_counted(
    conn: &mut AnyConnection,
    view: &View,
    pick: &Pick,
    limit: u64,
) -> Result<(Vec<Row>, u64)> {
    let sql = format!(
        "SELECT {} FROM (SELECT {}, COUNT(*) OVER () AS n FROM {}{} ORDER BY {} LIMIT {limit}) picked \
         JOIN {} t ON {}{} ORDER BY {}",
        select_list_with(view, Some("picked.n")),
        pick.picked(view),
        pick.from,
        pick.filter,
        pick.order(view, pick.dir, false),
        view.table,
        join_on(view),
        view.joins(),
        pick.order(view, pick.dir, true),
    );
    let json = dynamic::load_json(conn, &sql, pick.cells)?;
    let total = json
        .first()
        .and_then(|j| j.last())
        .and_then(|n| n.as_u64())
        .unwrap_or(0);
    Ok((json.iter().map(|j| to_row(view, j)).collect(), total))
}

/// A record with what relates to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub view: &'static View,
    pub row: Row,
    pub related: Vec<Related>,
}

/// One record by its key, with its related records.
pub fn show(auth: &Auth, actor: &Actor, table: &str, key: &Key) -> Result<Record> {
    let view = view_of(table)?;
    let mut conn = auth.db().conn()?;
    auth.authorize(&mut conn, actor, Permission::ViewData)?;
    let row = find(&mut conn, view, key)?;
    let related = related::of(&mut conn, view, key)?;
    Ok(Record { view, row, related })
}

fn key_clause(view: &View, key: &Key) -> Result<(String, Vec<Cell>)> {
    if key.0.len() != view.key.len() {
        return Err(Error::InvalidField {
            field: "key".into(),
            message: format!("a key of {} has {} part(s)", view.table, view.key.len()),
        });
    }
    let clause = view
        .key
        .iter()
        .map(|k| format!("{k} = ?"))
        .collect::<Vec<_>>()
        .join(" AND ");
    Ok((clause, key.0.iter().map(|v| Cell::Int(Some(*v))).collect()))
}

/// The shown row of `key`, or "no such …".
fn find(conn: &mut AnyConnection, view: &View, key: &Key) -> Result<Row> {
    let (clause, cells) = key_clause(view, key)?;
    let refs: Vec<&Cell> = cells.iter().collect();
    let sql = format!(
        "SELECT {} FROM {} WHERE {clause}",
        select_list(view),
        view.from
    );
    dynamic::load_json(conn, &sql, &refs)?
        .first()
        .map(|j| to_row(view, j))
        .ok_or_else(|| Error::NotFound(format!("there is no {} {key}", view.noun)))
}

pub use delete::delete;
pub(crate) use edit::add_with;
pub use edit::{Base, EditForm, add, edit_form, fields, form_values, save, set};

/// Writes the rows of a list — its search and sort, every page — to a new CSV file at
/// `path` (which must not exist; the file appears whole or not at all) as they are shown (names for foreign keys, money with cents, statuses in words).
/// Needs `ExportData`; audited. Returns the rows written.
pub fn export_csv(
    auth: &Auth,
    actor: &Actor,
    q: &ListQuery,
    path: &std::path::Path,
) -> Result<u64> {
    use crate::files::out::{Naming, Output};
    auth.require(actor, Permission::ExportData)?;
    // Written beside its name and moved there only when whole (never over another file).
    let out = Output::file(
        path,
        Naming::Exclusive,
        crate::text::escape(&path.display().to_string()).into_owned(),
    )?;
    let mut w = csv::Writer::from_writer(out);
    let fail = |e: csv::Error| match e.into_kind() {
        csv::ErrorKind::Io(io) => Error::file(path, io),
        other => Error::file(path, std::io::Error::other(format!("{other:?}"))),
    };
    let mut q = ListQuery {
        offset: 0,
        limit: MAX_PAGE,
        ..q.clone()
    };
    let mut rows = 0u64;
    loop {
        let page = list(auth, actor, &q)?;
        if rows == 0 {
            w.write_record(page.view.columns.iter().map(|c| c.name))
                .map_err(fail)?;
        }
        for r in &page.rows {
            w.write_record(r.values.iter().map(|v| match v {
                Value::Null => String::new(),
                // Read by people in spreadsheets: text that would run as a formula is kept
                // as text.
                Value::Text(t) if crate::text::looks_like_formula(t) => format!("'{t}"),
                v => v.display(),
            }))
            .map_err(fail)?;
        }
        rows += page.rows.len() as u64;
        if page.rows.is_empty() || rows >= page.total {
            break;
        }
        q.offset = rows;
        q.known_total = Some(page.total);
    }
    w.flush().map_err(|e| Error::file(path, e))?;
    let mut out = w
        .into_inner()
        .map_err(|e| Error::file(path, std::io::Error::other(e.to_string())))?;
    out.commit()?;
    let mut conn = auth.db().conn()?;
    crate::auth::audit::record(
        &mut conn,
        auth.now(),
        &actor.name,
        &actor.terminal,
        crate::auth::audit::Event::Export,
        &format!(
            "table={} rows={rows} search={} file={}",
            q.table,
            crate::text::escape_bounded(q.search.as_deref().unwrap_or(""), 80),
            crate::text::escape_bounded(&path.display().to_string(), 300)
        ),
    )?;
    Ok(rows)
}
