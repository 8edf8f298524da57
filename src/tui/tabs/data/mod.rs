//! The Data tab: the nine store tables; a table's rows paged, sorted and searched in SQL; a
//! record with its related records; edit, add and delete through the data service (which
//! checks permissions and refuses an edit another terminal overtook); export of what is
//! listed. Drawing is in `draw`.

mod draw;

use std::any::Any;
use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;

use super::{Cmd, Ctx, Hint, Notice, Tab, TabId};
use crate::auth::Permission;
use crate::error::{Error, ErrorKind};
use crate::store::data::{
    self, Change, Direction, EditForm, Field, Key, ListQuery, Page, Record, VIEWS,
};
use crate::tui::keymap::Action;
use crate::tui::widgets::form::{Form, FormEvent};
use crate::tui::widgets::grid;
use crate::tui::widgets::input::TextInput;
// Also reachable here, where they lived before they were shared (tests size pages by them).
pub use crate::tui::widgets::page::{grid_width, page_rows};
use crate::tui::work::{Reply, Work};

/// Which part of the tab is in front.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Tables,
    Rows,
    Detail,
}

/// Where the cursor lands when a page arrives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Land {
    First,
    Last,
    At(usize),
}

/// An edit or a new record being typed.
#[derive(Debug)]
pub struct Editor {
    pub table: &'static str,
    /// `None` for a new record.
    pub key: Option<Key>,
    pub fields: Vec<Field>,
    pub form: Form,
    /// What the edit started from (an edit only).
    pub base: Option<EditForm>,
    pub saving: bool,
    /// For a field that refers to another table: the records matching what is typed there,
    /// `(id, how it reads)`; Enter takes the first.
    pub matches: Vec<(i32, String)>,
}

/// The typed replies of the tab's work.
#[derive(Debug)]
enum DataReply {
    Page(Result<Page, Error>),
    Record(Result<Record, Error>),
    EditForm(&'static str, Key, Result<EditForm, Error>),
    Saved(Result<Change, Error>),
    Added(Result<Key, Error>),
    Deleted(Result<String, Error>),
    Exported(PathBuf, Result<u64, Error>),
    /// Records of a referred table matching what was typed in a form field.
    Matches(usize, Result<Vec<(i32, String)>, Error>),
}

#[derive(Debug)]
pub struct DataTab {
    pub pane: Pane,
    pub table_cursor: usize,
    pub table: Option<&'static str>,
    pub page: Option<Page>,
    pub cursor: usize,
    pub search: TextInput,
    /// The search field has the keyboard.
    pub searching: bool,
    /// The search the rows were read with.
    pub applied_search: Option<String>,
    pub sort: Option<(String, Direction)>,
    /// `s` was pressed: the next digit picks the sort column.
    pub picking_sort: bool,
    pub loading: bool,
    /// The offset of the page asked for and not shown yet: paging keys pressed meanwhile
    /// page on from it, so three quick PageDowns move three pages.
    asked: Option<u64>,
    pub record: Option<Record>,
    pub detail_scroll: usize,
    pub editor: Option<Editor>,
    /// A delete waiting for `y`: the key and how the record is named.
    pub confirm: Option<(Key, String)>,
    land: Land,
}

impl Default for DataTab {
    fn default() -> Self {
        let mut search = TextInput::new("Search");
        search.max_chars = 100;
        DataTab {
            pane: Pane::Tables,
            table_cursor: 0,
            table: None,
            page: None,
            cursor: 0,
            search,
            searching: false,
            applied_search: None,
            sort: None,
            picking_sort: false,
            loading: false,
            asked: None,
            record: None,
            detail_scroll: 0,
            editor: None,
            confirm: None,
            land: Land::First,
        }
    }
}

impl DataTab {
    fn load(&mut self, ctx: &Ctx, offset: u64, land: Land) -> Cmd {
        self.load_with(ctx, offset, land, false)
    }

    /// Reads the page at `offset`; `paging` keeps the count of the page on screen (the same
    /// rows, paged on or sorted anew), anything else counts afresh.
    fn load_with(&mut self, ctx: &Ctx, offset: u64, land: Land, paging: bool) -> Cmd {
        let Some(table) = self.table else {
            return Cmd::Done;
        };
        let q = ListQuery {
            table: table.to_string(),
            search: self.applied_search.clone(),
            sort: self.sort.clone(),
            offset,
            limit: page_rows(ctx.size),
            known_total: self.page.as_ref().filter(|_| paging).map(|p| p.total),
        };
        self.loading = true;
        self.asked = Some(offset);
        self.land = land;
        Cmd::Run(Work::new("page", move |w| {
            DataReply::Page(data::list(w.auth, w.actor, &q))
        }))
    }

    fn selected_key(&self) -> Option<Key> {
        match self.pane {
            Pane::Detail => self.record.as_ref().map(|r| r.row.key.clone()),
            _ => self
                .page
                .as_ref()
                .and_then(|p| p.rows.get(self.cursor))
                .map(|r| r.key.clone()),
        }
    }

    /// How the selected record is named in a question: `customer 17 (Debra Burks)`.
    fn selected_name(&self) -> Option<(Key, String)> {
        let (view, row) = match self.pane {
            Pane::Detail => self.record.as_ref().map(|r| (r.view, &r.row))?,
            _ => self
                .page
                .as_ref()
                .and_then(|p| p.rows.get(self.cursor).map(|r| (p.view, r)))?,
        };
        let name = row
            .values
            .iter()
            .find(|v| matches!(v, data::Value::Text(_)))
            .map(|v| format!(" ({})", crate::tui::text::clean(&v.display())))
            .unwrap_or_default();
        Some((row.key.clone(), format!("{} {}{name}", view.noun, row.key)))
    }

    fn open_table(&mut self, ctx: &Ctx, i: usize) -> Cmd {
        let Some(view) = VIEWS.get(i) else {
            return Cmd::Done;
        };
        self.table = Some(view.table);
        self.pane = Pane::Rows;
        self.page = None;
        self.cursor = 0;
        self.sort = None;
        self.applied_search = None;
        self.search.value.clear();
        self.load(ctx, 0, Land::First)
    }

    fn new_record(&mut self) -> Cmd {
        let Some(table) = self.table else {
            return Cmd::Done;
        };
        match data::fields(table) {
            Ok(fields) => {
                let form = Form::new(fields.iter().map(|f| TextInput::new(f.name)).collect());
                self.editor = Some(Editor {
                    table,
                    key: None,
                    fields,
                    form,
                    base: None,
                    saving: false,
                    matches: Vec::new(),
                });
                Cmd::Done
            }
            Err(e) => Cmd::failed(&e),
        }
    }

    fn submit(&mut self) -> Cmd {
        let Some(ed) = self.editor.as_mut() else {
            return Cmd::Done;
        };
        ed.saving = true;
        let table = ed.table;
        let typed: Vec<String> = ed.form.fields.iter().map(|f| f.value.clone()).collect();
        match (&ed.key, &ed.base) {
            (Some(key), Some(base)) => {
                let (key, base) = (key.clone(), base.clone());
                Cmd::Run(Work::new("save", move |w| {
                    DataReply::Saved(data::save(w.auth, w.actor, table, &key, &base, &typed))
                }))
            }
            _ => {
                let values: Vec<data::FieldChange> = ed
                    .fields
                    .iter()
                    .zip(typed)
                    .filter(|(_, v)| !v.trim().is_empty())
                    .map(|(f, v)| data::FieldChange {
                        field: f.name.to_string(),
                        value: v.trim().to_string(),
                    })
                    .collect();
                Cmd::Run(Work::new("save", move |w| {
                    DataReply::Added(data::add(w.auth, w.actor, table, &values))
                }))
            }
        }
    }

    /// A failed save: the field to blame gets the cursor; the form stays as typed.
    fn save_failed(&mut self, e: &Error) -> Cmd {
        if let Some(ed) = self.editor.as_mut() {
            ed.saving = false;
            if let ErrorKind::Invalid { field: Some(name) } = e.kind()
                && let Some(i) = ed.fields.iter().position(|f| f.name == name)
            {
                ed.form.focus = i;
            }
        }
        Cmd::failed(e)
    }

    fn export(&mut self, ctx: &Ctx) -> Cmd {
        let Some(table) = self.table else {
            return Cmd::Done;
        };
        let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S");
        let path = ctx
            .data_dir
            .join("exports")
            .join(format!("{table}-{stamp}.csv"));
        let q = ListQuery {
            table: table.to_string(),
            search: self.applied_search.clone(),
            sort: self.sort.clone(),
            offset: 0,
            limit: data::MAX_PAGE,
            known_total: None,
        };
        Cmd::Run(Work::new("export", move |w| {
            let r = data::export_csv(w.auth, w.actor, &q, &path);
            DataReply::Exported(path, r)
        }))
    }

    fn rows_key(&mut self, key: &KeyEvent, ctx: &Ctx) -> Option<Cmd> {
        let (offset, len, total) = self
            .page
            .as_ref()
            .map_or((0, 0, 0), |p| (p.offset, p.rows.len() as u64, p.total));
        let rows = page_rows(ctx.size);
        let last_offset = total.saturating_sub(rows);
        // Where the next page key pages on from: the page asked for, else the one shown.
        let base = self.asked.unwrap_or(offset);
        if self.picking_sort {
            self.picking_sort = false;
            if let (KeyCode::Char(c), Some(page)) = (key.code, &self.page)
                && let Some(n) = c.to_digit(10).filter(|n| *n > 0)
            {
                // Any column by its number, a hidden one too (it is shown once sorted by).
                if let Some(col) = page.view.columns.get(n as usize - 1) {
                    let name = col.name.to_string();
                    let dir = match page.sort {
                        (c, Direction::Ascending) if c == n as usize - 1 => Direction::Descending,
                        _ => Direction::Ascending,
                    };
                    self.sort = Some((name, dir));
                    // The same rows in another order: their count stands.
                    return Some(self.load_with(ctx, 0, Land::First, true));
                }
                return Some(Cmd::Notice(Notice::error(format!(
                    "{} has {} columns: press 1 to {}",
                    page.view.table,
                    page.view.columns.len(),
                    page.view.columns.len()
                ))));
            }
            return Some(Cmd::Done);
        }
        Some(match key.code {
            KeyCode::Down | KeyCode::Char('j') => {
                if (self.cursor as u64) + 1 < len {
                    self.cursor += 1;
                    Cmd::Done
                } else if offset + len < total {
                    self.load_with(ctx, offset + len, Land::First, true)
                } else {
                    Cmd::Done
                }
            }
            KeyCode::Up | KeyCode::Char('k') => {
                if self.cursor > 0 {
                    self.cursor -= 1;
                    Cmd::Done
                } else if offset > 0 {
                    self.load_with(ctx, offset.saturating_sub(rows), Land::Last, true)
                } else {
                    Cmd::Done
                }
            }
            KeyCode::PageDown if base + len.max(rows) < total => self.load_with(
                ctx,
                (base + rows).min(last_offset),
                Land::At(self.cursor),
                true,
            ),
            KeyCode::PageUp if base > 0 => {
                self.load_with(ctx, base.saturating_sub(rows), Land::At(self.cursor), true)
            }
            KeyCode::Home | KeyCode::Char('g') => self.load_with(ctx, 0, Land::First, true),
            KeyCode::End | KeyCode::Char('G') => self.load_with(ctx, last_offset, Land::Last, true),
            KeyCode::Char('/') => {
                self.searching = true;
                Cmd::Done
            }
            KeyCode::Char('s') => {
                self.picking_sort = true;
                Cmd::Notice(Notice::info(
                    "Sort: press a column's number (hidden ones too); the same again reverses it.",
                ))
            }
            KeyCode::Char('r') => self.load(ctx, offset, Land::At(self.cursor)),
            KeyCode::Char('x') => self.export(ctx),
            KeyCode::Char('n') if !ctx.role.allows(Permission::EditRecords) => {
                Cmd::Notice(Notice::error(format!(
                    "permission denied: {}s may not add records",
                    ctx.role
                )))
            }
            KeyCode::Char('n') => self.new_record(),
            KeyCode::Enter => match self.selected_key() {
                Some(k) => self.show(k),
                None => Cmd::Done,
            },
            KeyCode::Esc if self.applied_search.is_some() => {
                self.applied_search = None;
                self.search.value.clear();
                self.load(ctx, 0, Land::First)
            }
            KeyCode::Esc | KeyCode::Backspace => {
                self.pane = Pane::Tables;
                self.page = None;
                self.table = None;
                Cmd::Done
            }
            _ => return self.record_key(key, ctx),
        })
    }

    fn show(&mut self, key: Key) -> Cmd {
        let Some(table) = self.table else {
            return Cmd::Done;
        };
        self.loading = true;
        Cmd::Run(Work::new("record", move |w| {
            DataReply::Record(data::show(w.auth, w.actor, table, &key))
        }))
    }

    /// Keys on a record (in the list or its detail): edit, delete.
    fn record_key(&mut self, key: &KeyEvent, ctx: &Ctx) -> Option<Cmd> {
        Some(match key.code {
            KeyCode::Char('e') => {
                if !ctx.role.allows(Permission::EditRecords) {
                    return Some(Cmd::Notice(Notice::error(format!(
                        "permission denied: {}s may not edit records",
                        ctx.role
                    ))));
                }
                let (Some(table), Some(k)) = (self.table, self.selected_key()) else {
                    return Some(Cmd::Done);
                };
                Cmd::Run(Work::new("form", move |w| {
                    let r = data::edit_form(w.auth, w.actor, table, &k);
                    DataReply::EditForm(table, k, r)
                }))
            }
            KeyCode::Char('d') if !ctx.role.allows(Permission::DeleteRecords) => {
                Cmd::Notice(Notice::error(format!(
                    "permission denied: {}s may not delete records (Administrators do)",
                    ctx.role
                )))
            }
            KeyCode::Char('d') => match self.selected_name() {
                Some(named) => {
                    self.confirm = Some(named);
                    Cmd::Done
                }
                None => Cmd::Done,
            },
            _ => return None,
        })
    }
}

/// The grid's columns of a page; the column sorted by is kept on the narrowest screen.
fn columns(page: &Page) -> Vec<grid::Column> {
    page.view
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| grid::Column {
            title: c.name.to_string(),
            priority: if i == page.sort.0 { 0 } else { c.priority },
            numeric: matches!(
                c.shown,
                data::Shown::Int | data::Shown::Money | data::Shown::Discount
            ),
        })
        .collect()
}

/// A page's values as drawn.
fn texts(page: &Page) -> Vec<Vec<String>> {
    page.rows
        .iter()
        .map(|r| r.values.iter().map(|v| v.display()).collect())
        .collect()
}

impl Tab for DataTab {
    fn id(&self) -> TabId {
        TabId::Data
    }

    fn handle_key(&mut self, key: &KeyEvent, action: Option<Action>, ctx: &Ctx) -> Option<Cmd> {
        if let Some((k, name)) = self.confirm.take() {
            if matches!(key.code, KeyCode::Char('y') | KeyCode::Char('Y')) {
                let Some(table) = self.table else {
                    return Some(Cmd::Done);
                };
                return Some(Cmd::Run(Work::new("delete", move |w| {
                    DataReply::Deleted(data::delete(w.auth, w.actor, table, &k))
                })));
            }
            return Some(Cmd::Notice(Notice::info(format!("Kept {name}."))));
        }
        if let Some(ed) = self.editor.as_mut() {
            if ed.saving {
                return Some(Cmd::Done);
            }
            // On a field that refers to another table, Enter on a name takes the first match.
            let i = ed.form.focus;
            let typed = ed.form.value(i).trim().to_string();
            if key.code == KeyCode::Enter
                && ed.fields.get(i).is_some_and(|f| f.refers_to.is_some())
                && !typed.is_empty()
                && typed.parse::<i64>().is_err()
                && let Some((id, _)) = ed.matches.first()
            {
                ed.form.fields[i].value = id.to_string();
                ed.matches.clear();
                return Some(Cmd::Done);
            }
            let before = (ed.form.focus, typed);
            let cmd = match ed.form.handle(key, action) {
                FormEvent::Submit => return Some(self.submit()),
                FormEvent::Cancel => {
                    self.editor = None;
                    return Some(Cmd::Notice(Notice::info("Nothing was saved.")));
                }
                _ => Cmd::Done,
            };
            let i = ed.form.focus;
            let now = ed.form.value(i).trim().to_string();
            if (i, now.clone()) != before {
                ed.matches.clear();
                if let Some(parent) = ed.fields.get(i).and_then(|f| f.refers_to)
                    && !now.is_empty()
                    && now.parse::<i64>().is_err()
                {
                    return Some(Cmd::Run(Work::new("matches", move |w| {
                        let q = ListQuery {
                            table: parent.to_string(),
                            search: Some(now),
                            sort: None,
                            offset: 0,
                            limit: 6,
                            known_total: None,
                        };
                        let r = data::list(w.auth, w.actor, &q).map(|p| {
                            p.rows
                                .iter()
                                .map(|r| {
                                    let text: Vec<String> = r
                                        .values
                                        .iter()
                                        .skip(1)
                                        .take(3)
                                        .map(|v| v.display())
                                        .collect();
                                    (r.key.0[0], text.join(" · "))
                                })
                                .collect()
                        });
                        DataReply::Matches(i, r)
                    })));
                }
            }
            return Some(cmd);
        }
        if self.searching {
            match key.code {
                KeyCode::Enter => {
                    self.searching = false;
                    let text = self.search.value.trim().to_string();
                    self.applied_search = (!text.is_empty()).then_some(text);
                    return Some(self.load(ctx, 0, Land::First));
                }
                KeyCode::Esc => self.searching = false,
                _ => {
                    self.search.handle(key);
                }
            }
            return Some(Cmd::Done);
        }
        match self.pane {
            Pane::Tables => Some(match key.code {
                KeyCode::Down | KeyCode::Char('j') => {
                    self.table_cursor = (self.table_cursor + 1).min(VIEWS.len() - 1);
                    Cmd::Done
                }
                KeyCode::Up | KeyCode::Char('k') => {
                    self.table_cursor = self.table_cursor.saturating_sub(1);
                    Cmd::Done
                }
                KeyCode::Enter => self.open_table(ctx, self.table_cursor),
                _ => return None,
            }),
            Pane::Rows => self.rows_key(key, ctx),
            Pane::Detail => match key.code {
                KeyCode::Esc | KeyCode::Backspace => {
                    self.pane = Pane::Rows;
                    self.record = None;
                    Some(Cmd::Done)
                }
                KeyCode::Down | KeyCode::Char('j') => {
                    self.detail_scroll += 1;
                    Some(Cmd::Done)
                }
                KeyCode::Up | KeyCode::Char('k') => {
                    self.detail_scroll = self.detail_scroll.saturating_sub(1);
                    Some(Cmd::Done)
                }
                _ => self.record_key(key, ctx),
            },
        }
    }

    fn on_reply(&mut self, reply: Reply, ctx: &Ctx) -> Option<Cmd> {
        let Some(reply) = reply.done::<DataReply>() else {
            self.loading = false;
            self.asked = None;
            if let Some(ed) = self.editor.as_mut() {
                ed.saving = false;
            }
            return None;
        };
        match reply {
            DataReply::Page(r) => {
                self.loading = false;
                self.asked = None;
                match r {
                    Ok(page) => {
                        let n = page.rows.len();
                        self.cursor = match self.land {
                            Land::First => 0,
                            Land::Last => n.saturating_sub(1),
                            Land::At(i) => i.min(n.saturating_sub(1)),
                        };
                        self.page = Some(page);
                        None
                    }
                    Err(e) => Some(Cmd::failed(&e)),
                }
            }
            DataReply::Record(r) => {
                self.loading = false;
                match r {
                    Ok(rec) => {
                        self.record = Some(rec);
                        self.pane = Pane::Detail;
                        self.detail_scroll = 0;
                        None
                    }
                    Err(e) => Some(Cmd::failed(&e)),
                }
            }
            DataReply::EditForm(table, key, r) => match r {
                Ok(form) => {
                    let fields: Vec<Field> = form.fields.iter().map(|(f, _)| *f).collect();
                    let inputs = form
                        .fields
                        .iter()
                        .filter(|(f, _)| !f.key)
                        .map(|(f, v)| {
                            let mut t = TextInput::new(f.name);
                            t.value = v.clone();
                            t.max_chars = 2_000;
                            t
                        })
                        .collect();
                    self.editor = Some(Editor {
                        table,
                        key: Some(key),
                        fields: fields.into_iter().filter(|f| !f.key).collect(),
                        form: Form::new(inputs),
                        base: Some(EditForm {
                            fields: form.fields.into_iter().filter(|(f, _)| !f.key).collect(),
                            base: form.base,
                        }),
                        saving: false,
                        matches: Vec::new(),
                    });
                    None
                }
                Err(e) => Some(Cmd::failed(&e)),
            },
            DataReply::Saved(r) => match r {
                Ok(change) => {
                    self.editor = None;
                    // The record on screen shows what was saved.
                    let reopen = match (self.pane, &self.record) {
                        (Pane::Detail, Some(r)) => Some(r.row.key.clone()),
                        _ => None,
                    };
                    let text = if change.changed.is_empty() {
                        "Nothing changed.".to_string()
                    } else {
                        format!(
                            "Saved: {}.",
                            change
                                .changed
                                .iter()
                                .map(|(f, old, new)| format!("{f} {old} → {new}"))
                                .collect::<Vec<_>>()
                                .join("; ")
                        )
                    };
                    let reload = self.reload_after_change(ctx, Notice::info(text));
                    match reopen {
                        Some(k) => {
                            Some(Cmd::Batch(vec![reload.unwrap_or(Cmd::Done), self.show(k)]))
                        }
                        None => reload,
                    }
                }
                Err(e) => Some(self.save_failed(&e)),
            },
            DataReply::Added(r) => match r {
                Ok(key) => {
                    let noun = self
                        .table
                        .and_then(|t| data::view_of(t).ok())
                        .map_or("record", |v| v.noun);
                    self.editor = None;
                    self.reload_after_change(ctx, Notice::info(format!("Added {noun} {key}.")))
                }
                Err(e) => Some(self.save_failed(&e)),
            },
            DataReply::Deleted(r) => match r {
                Ok(what) => {
                    self.pane = Pane::Rows;
                    self.record = None;
                    self.reload_after_change(ctx, Notice::info(format!("Deleted {what}.")))
                }
                Err(e) => Some(Cmd::failed(&e)),
            },
            DataReply::Matches(i, r) => match r {
                Ok(m) => {
                    if let Some(ed) = self.editor.as_mut()
                        && ed.form.focus == i
                    {
                        ed.matches = m;
                    }
                    None
                }
                Err(e) => Some(Cmd::failed(&e)),
            },
            DataReply::Exported(path, r) => Some(match r {
                Ok(rows) => Cmd::Notice(Notice::info(format!(
                    "Exported {} rows to {}",
                    crate::store::money::group_digits(rows),
                    path.display()
                ))),
                Err(e) => Cmd::failed(&e),
            }),
        }
    }

    fn draw(&self, ctx: &Ctx, f: &mut Frame, area: Rect) {
        draw::draw(self, ctx, f, area)
    }

    fn hints(&self, ctx: &Ctx) -> Vec<Hint> {
        let h = |k: &str, what: &'static str| (k.to_string(), what);
        if self.confirm.is_some() {
            return vec![h("y", "delete"), h("any other key", "keep")];
        }
        if self.editor.is_some() {
            return vec![
                h("Enter", "next field / save on the last"),
                h("Tab/Shift-Tab", "move"),
                h("Esc", "cancel"),
            ];
        }
        if self.searching {
            return vec![h("Enter", "search"), h("Esc", "stop typing")];
        }
        if self.picking_sort {
            return vec![
                h("1–9", "sort by that column (the same again reverses)"),
                h("any other key", "keep the sort"),
            ];
        }
        let edit = ctx.role.allows(Permission::EditRecords);
        let delete = ctx.role.allows(Permission::DeleteRecords);
        match self.pane {
            Pane::Tables => vec![h("j/k", "move"), h("Enter", "open")],
            Pane::Rows => {
                let mut v = vec![
                    h("j/k PgUp/PgDn", "move"),
                    h("Enter", "details"),
                    h("/", "search"),
                    h("s", "sort"),
                ];
                if edit {
                    v.push(h("e", "edit"));
                    v.push(h("n", "new"));
                }
                if delete {
                    v.push(h("d", "delete"));
                }
                v.push(h("x", "export CSV"));
                v.push(h("Home/End", "first/last"));
                v.push(h("r", "reload"));
                v.push(h("Esc", "back"));
                v
            }
            Pane::Detail => {
                let mut v = vec![h("j/k", "scroll")];
                if edit {
                    v.push(h("e", "edit"));
                }
                if delete {
                    v.push(h("d", "delete"));
                }
                v.push(h("Esc", "back"));
                v
            }
        }
    }

    fn editing(&self) -> bool {
        self.searching || self.editor.is_some() || self.confirm.is_some()
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl DataTab {
    /// Says what happened, and reloads the page behind the message.
    fn reload_after_change(&mut self, ctx: &Ctx, notice: Notice) -> Option<Cmd> {
        let offset = self.page.as_ref().map_or(0, |p| p.offset);
        let reload = self.load(ctx, offset, Land::At(self.cursor));
        Some(Cmd::Batch(vec![Cmd::Notice(notice), reload]))
    }
}
