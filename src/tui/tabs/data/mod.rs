//! The Data tab: the nine store tables; a table's rows paged, sorted and searched in SQL; a
//! record with its related records; edit, add and delete through the data service (which
//! checks permissions and refuses an edit another terminal overtook); export of what is
//! listed. Drawing is in `draw`; the list's keys in `rows`, the record form in `editor`, what
//! the service answered in `replies`.

mod draw;
mod editor;
mod replies;
mod rows;

use std::any::Any;
use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;

use super::{Cmd, Ctx, Hint, Notice, Tab, TabId};
use crate::auth::Permission;
use crate::error::Error;
use crate::store::data::{self, Change, Direction, EditForm, Key, ListQuery, Page, Record, VIEWS};
use crate::tui::keymap::Action;
use crate::tui::widgets::grid;
use crate::tui::widgets::input::TextInput;
// Also reachable here, where they lived before they were shared (tests size pages by them).
pub use crate::tui::widgets::page::{grid_width, page_rows};
use crate::tui::work::{Reply, Work};
pub use editor::Editor;

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
    /// `/` on the table list: words of a table's name or what it holds.
    pub table_filter: TextInput,
    pub filtering: bool,
    land: Land,
    /// Rows asked for a page (from the terminal's height).
    limit: u64,
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
            limit: 0,
            table_filter: TextInput::new("Tables"),
            filtering: false,
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
        self.limit = page_rows(ctx.size);
        let q = ListQuery {
            table: table.to_string(),
            search: self.applied_search.clone(),
            sort: self.sort.clone(),
            offset,
            limit: self.limit,
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

    /// The tables listed: those whose name or description holds every word of the filter,
    /// those named so first.
    pub fn tables(&self) -> Vec<&'static data::View> {
        let words: Vec<String> = self
            .table_filter
            .value
            .split_whitespace()
            .map(str::to_lowercase)
            .collect();
        let all = |text: &str| words.iter().all(|w| text.contains(w.as_str()));
        // Tables named so first, then those whose description says so.
        let (mut named, described): (Vec<_>, Vec<_>) = VIEWS
            .iter()
            .filter(|v| all(&format!("{} {}", v.table, draw::describe(v.table)).to_lowercase()))
            .partition(|v| all(v.table));
        named.extend(described);
        named
    }

    /// A key on the table list: move, open, or `/` to narrow it by name.
    fn tables_key(&mut self, key: &KeyEvent, ctx: &Ctx) -> Option<Cmd> {
        if self.filtering {
            match key.code {
                KeyCode::Enter | KeyCode::Down => self.filtering = false,
                KeyCode::Esc => {
                    self.filtering = false;
                    self.table_filter.clear();
                }
                _ => {
                    if self.table_filter.handle(key) {
                        self.table_cursor = 0;
                    }
                }
            }
            return Some(Cmd::Done);
        }
        let n = self.tables().len();
        Some(match key.code {
            KeyCode::Down | KeyCode::Char('j') => {
                self.table_cursor = (self.table_cursor + 1).min(n.saturating_sub(1));
                Cmd::Done
            }
            KeyCode::Up | KeyCode::Char('k') => {
                self.table_cursor = self.table_cursor.saturating_sub(1);
                Cmd::Done
            }
            KeyCode::Char('/') => {
                self.filtering = true;
                self.table_filter.select();
                Cmd::Done
            }
            KeyCode::Esc if !self.table_filter.value.is_empty() => {
                self.table_filter.clear();
                self.table_cursor = 0;
                Cmd::Done
            }
            KeyCode::Enter => match self.tables().get(self.table_cursor) {
                Some(v) => {
                    let i = VIEWS.iter().position(|x| x.table == v.table).unwrap_or(0);
                    self.open_table(ctx, i)
                }
                None => Cmd::Done,
            },
            _ => return None,
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

    fn on_open(&mut self, ctx: &Ctx) -> Option<Cmd> {
        self.on_resize(ctx)
    }

    fn on_resize(&mut self, ctx: &Ctx) -> Option<Cmd> {
        let offset = self.page.as_ref()?.offset;
        (self.limit != page_rows(ctx.size) && !self.loading)
            .then(|| self.load_with(ctx, offset, Land::At(self.cursor), true))
    }

    fn handle_key(&mut self, key: &KeyEvent, action: Option<Action>, ctx: &Ctx) -> Option<Cmd> {
        if let Some((k, name)) = self.confirm.take() {
            if matches!(key.code, KeyCode::Char('y') | KeyCode::Char('Y')) {
                let Some(table) = self.table else {
                    return Some(Cmd::Done);
                };
                return Some(Cmd::Run(
                    Work::new("delete", move |w| {
                        DataReply::Deleted(data::delete(w.auth, w.actor, table, &k))
                    })
                    .writes(),
                ));
            }
            return Some(Cmd::Notice(Notice::info(format!("Kept {name}."))));
        }
        if self.editor.is_some() {
            return self.editor_key(key, action);
        }
        if self.searching {
            return Some(self.search_key(key, ctx));
        }
        match self.pane {
            Pane::Tables => self.tables_key(key, ctx),
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
        self.on_done(reply, ctx)
    }

    fn draw(&self, ctx: &Ctx, f: &mut Frame, area: Rect) {
        draw::draw(self, ctx, f, area)
    }

    fn hints(&self, ctx: &Ctx) -> Vec<Hint> {
        self.keys(ctx, false)
    }

    fn help(&self, ctx: &Ctx) -> Vec<Hint> {
        self.keys(ctx, true)
    }

    fn editing(&self) -> bool {
        self.searching || self.filtering || self.editor.is_some() || self.confirm.is_some()
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl DataTab {
    /// The keys of what is in front: the most used for the hint bar, every one for the help.
    fn keys(&self, ctx: &Ctx, all: bool) -> Vec<Hint> {
        let h = |k: &str, what: &'static str| (k.to_string(), what);
        if self.confirm.is_some() {
            return vec![h("y", "delete"), h("any other key", "keep")];
        }
        if let Some(ed) = &self.editor {
            if ed.confirm_drop {
                return vec![h("y", "drop the changes"), h("any other key", "keep them")];
            }
            let mut v = vec![
                h("Enter", "next field / save on the last"),
                h("Tab/Shift-Tab", "move"),
                h("Esc", "cancel (asks when changed)"),
            ];
            if all {
                v.extend([
                    h("↑/↓, Enter", "where an id goes: mark a match, take it"),
                    h("Ctrl-U", "clear the field"),
                ]);
            }
            return v;
        }
        if self.searching || self.filtering {
            return vec![
                h(
                    "Enter",
                    if self.filtering {
                        "keep the filter"
                    } else {
                        "search"
                    },
                ),
                h("Ctrl-U", "clear"),
                h("Esc", "stop typing"),
            ];
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
            Pane::Tables => {
                let mut v = vec![
                    h("j/k ↑/↓", "move"),
                    h("Enter", "open"),
                    h("/", "find a table"),
                ];
                if all {
                    v.push(h("Esc", "show every table again"));
                }
                v
            }
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
                if all {
                    v.extend([
                        h("g / G", "first / last page, as Home / End"),
                        h("s then 1–9", "sort by that column; again: reverse"),
                        h("/ words", "every word, any case; a number finds the id"),
                        h("Esc", "clear the search, then back to the tables"),
                    ]);
                }
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
                if all {
                    v.push(h("Backspace", "back, as Esc"));
                }
                v
            }
        }
    }
}
