//! The Stock tab: what each store holds, paged in SQL and filtered by store (`s`) and by
//! product (`/`); a product's moves in a store, newest first (Enter); and for Managers and
//! Administrators goods received (`i`), a transfer (`m`, move to another store) and a count (`c`), one product a
//! form, each through the stock ledger with the selected row's store and product filled in.

use std::any::Any;

use chrono::{Local, TimeZone};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph};

use super::{Cmd, Ctx, Hint, Notice, Tab, TabId};
use crate::auth::{Permission, Role};
use crate::error::Error;
use crate::store::stock::{self, Level, LevelQuery, MoveQuery, MoveRow, StockLine};
use crate::tui::keymap::Action;
use crate::tui::text::clean;
use crate::tui::widgets::boxed::{boxed, centered};
use crate::tui::widgets::form::{Form, FormEvent, form_lines};
use crate::tui::widgets::grid::{Column, Grid};
use crate::tui::widgets::input::TextInput;
use crate::tui::widgets::page::page_rows;
use crate::tui::work::{Reply, Work, WorkCtx};

#[derive(Debug)]
enum StockReply {
    Levels(u64, Result<(Vec<Level>, u64), Error>),
    Moves(u64, Result<(Vec<MoveRow>, u64), Error>),
    /// A receipt, transfer or count was written: what to say.
    Written(Result<String, Error>),
}

/// What a form is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormKind {
    Receive,
    Transfer,
    Count,
    /// Which store's rows to list (empty: all).
    Store,
    /// Words in the product's or brand's name, or a product id.
    Search,
}

impl FormKind {
    fn title(self) -> &'static str {
        match self {
            FormKind::Receive => "Receive goods",
            FormKind::Transfer => "Transfer to another store",
            FormKind::Count => "Count",
            FormKind::Store => "Store",
            FormKind::Search => "Find a product",
        }
    }
}

/// A product's moves in one store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct History {
    pub store_id: i32,
    pub product_id: i32,
    pub label: String,
    pub moves: Vec<MoveRow>,
    pub offset: u64,
    pub total: u64,
    pub cursor: usize,
}

#[derive(Debug)]
pub struct StockTab {
    pub levels: Vec<Level>,
    pub total: u64,
    pub offset: u64,
    pub cursor: usize,
    pub store: Option<i32>,
    pub search: Option<String>,
    pub history: Option<History>,
    pub form: Option<(FormKind, Form)>,
    pub loaded: bool,
    saving: bool,
    rows: u64,
    /// The offset of a page asked for and not yet shown: quick PgDn presses page on from it.
    asked: Option<u64>,
}

impl Default for StockTab {
    fn default() -> Self {
        StockTab {
            levels: Vec::new(),
            total: 0,
            offset: 0,
            cursor: 0,
            store: None,
            search: None,
            history: None,
            form: None,
            loaded: false,
            saving: false,
            rows: 20,
            asked: None,
        }
    }
}

fn local_time(at: i64) -> String {
    Local
        .timestamp_opt(at, 0)
        .single()
        .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

/// A whole number typed in a form, named by its field when it is not one.
fn number(text: &str, field: &str) -> Result<i32, String> {
    text.trim().parse::<i32>().map_err(|_| {
        if text.trim().is_empty() {
            format!("{field}: is required")
        } else {
            format!("{field}: `{}` is not a whole number", clean(text.trim()))
        }
    })
}

/// A store or product as typed: its id, or words of its name (a product also by barcode),
/// looked up on the worker.
#[derive(Debug, Clone)]
enum Typed {
    Id(i32),
    Words(String),
}

fn typed(text: &str, field: &str) -> Result<Typed, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err(format!("{field}: is required"));
    }
    Ok(match t.trim_start_matches('#').parse::<i32>() {
        Ok(id) if t.len() < 8 => Typed::Id(id),
        _ => Typed::Words(t.to_string()),
    })
}

fn refused(field: &str, message: String) -> crate::error::Error {
    crate::error::Error::InvalidField {
        field: field.into(),
        message,
    }
}

/// The store named by `t`: its id, or the one store whose name holds every word.
fn store_of(w: &WorkCtx, t: &Typed, field: &str) -> crate::error::Result<i32> {
    let words = match t {
        Typed::Id(id) => return Ok(*id),
        Typed::Words(w) => w.to_lowercase(),
    };
    let found: Vec<(i32, String)> = crate::store::dashboard::stores(w.auth, w.actor)?
        .into_iter()
        .filter(|(_, name)| {
            let name = name.to_lowercase();
            words.split_whitespace().all(|x| name.contains(x))
        })
        .collect();
    match found.as_slice() {
        [(id, _)] => Ok(*id),
        [] => Err(refused(
            field,
            format!("no store's name holds `{}`", clean(&words)),
        )),
        many => Err(refused(
            field,
            format!(
                "`{}` names {} stores ({}): type more of the name or the id",
                clean(&words),
                many.len(),
                many.iter()
                    .map(|(_, n)| clean(n))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}

/// The store, then the product in it (by id, barcode or the one product matching the words).
fn resolve(w: &WorkCtx, store: &Typed, product: &Typed) -> crate::error::Result<(i32, i32)> {
    let store = store_of(w, store, "store")?;
    let product = match product {
        Typed::Id(id) => *id,
        Typed::Words(words) => {
            let found = crate::store::orders::choose::products(w.auth, w.actor, store, words)?;
            let exact = found
                .iter()
                .find(|p| p.name.trim().eq_ignore_ascii_case(words.trim()));
            match (found.as_slice(), exact) {
                (_, Some(p)) => p.product_id,
                ([one], _) => one.product_id,
                ([], _) => {
                    return Err(refused(
                        "product",
                        format!("no product matches `{}`", clean(words)),
                    ));
                }
                (many, None) => {
                    return Err(refused(
                        "product",
                        format!(
                            "`{}` matches {} products (such as {}): type more of the name, the \
                             id or the barcode",
                            clean(words),
                            many.len(),
                            clean(&many[0].name)
                        ),
                    ));
                }
            }
        }
    };
    Ok((store, product))
}

/// A field filled in from the selected row, selected: typing replaces it.
fn field(label: &'static str, value: Option<i32>) -> TextInput {
    let mut t = TextInput::new(label);
    t.set(value.map(|v| v.to_string()).unwrap_or_default());
    t
}

impl StockTab {
    fn load(&mut self, ctx: &Ctx, offset: u64) -> Cmd {
        self.rows = page_rows(ctx.size);
        self.asked = Some(offset);
        let q = LevelQuery {
            store: self.store,
            search: self.search.clone(),
            offset,
            limit: self.rows,
        };
        Cmd::Run(Work::new("levels", move |w| {
            StockReply::Levels(offset, stock::levels(w.auth, w.actor, &q))
        }))
    }

    fn load_moves(&mut self, ctx: &Ctx, offset: u64) -> Cmd {
        let Some(h) = &self.history else {
            return Cmd::Done;
        };
        self.rows = page_rows(ctx.size);
        let q = MoveQuery {
            store: Some(h.store_id),
            product: Some(h.product_id),
            since: None,
            offset,
            limit: self.rows,
        };
        Cmd::Run(Work::new("moves", move |w| {
            StockReply::Moves(offset, stock::moves(w.auth, w.actor, &q))
        }))
    }

    fn selected(&self) -> Option<&Level> {
        self.levels.get(self.cursor)
    }

    /// A form, its store and product filled in from the selected row, the cursor on the first
    /// field left to type.
    fn open_form(&mut self, kind: FormKind) -> Cmd {
        let (store, product) = self
            .selected()
            .map(|l| (Some(l.store_id), Some(l.product_id)))
            .unwrap_or((self.store, None));
        let fields = match kind {
            FormKind::Receive => vec![
                field("Store", store),
                field("Product", product),
                TextInput::new("Units"),
                TextInput::new("Reference"),
            ],
            FormKind::Transfer => vec![
                field("From store", store),
                TextInput::new("To store"),
                field("Product", product),
                TextInput::new("Units"),
                TextInput::new("Note"),
            ],
            FormKind::Count => vec![
                field("Store", store),
                field("Product", product),
                TextInput::new("Counted"),
                TextInput::new("Note"),
            ],
            FormKind::Store => vec![TextInput::new("Store id")],
            FormKind::Search => vec![TextInput::new("Product")],
        };
        let mut form = Form::new(fields);
        form.focus = form
            .fields
            .iter()
            .position(|f| f.value.is_empty())
            .unwrap_or(0);
        self.form = Some((kind, form));
        Cmd::Done
    }

    fn submit(&mut self, ctx: &Ctx) -> Cmd {
        let Some((kind, form)) = &self.form else {
            return Cmd::Done;
        };
        let kind = *kind;
        let v = |i: usize| form.value(i).to_string();
        let text = |i: usize| Some(v(i).trim().to_string()).filter(|t| !t.is_empty());
        match kind {
            FormKind::Store => {
                let store = match text(0).map(|t| number(&t, "store")).transpose() {
                    Ok(s) => s,
                    Err(m) => return Cmd::Notice(Notice::error(m)),
                };
                self.store = store;
                self.form = None;
                self.cursor = 0;
                return self.load(ctx, 0);
            }
            FormKind::Search => {
                self.search = text(0);
                self.form = None;
                self.cursor = 0;
                return self.load(ctx, 0);
            }
            _ => {}
        }
        let parsed: Result<Work, String> = match kind {
            FormKind::Receive => (|| {
                let (store, product) = (typed(&v(0), "store")?, typed(&v(1), "product")?);
                let units = number(&v(2), "units")?;
                let reference = text(3);
                Ok(Work::new("write", move |w| {
                    let r = resolve(w, &store, &product).and_then(|(store, product)| {
                        let line = StockLine {
                            product_id: product,
                            units,
                        };
                        stock::receive(w.auth, w.actor, store, &[line], reference.as_deref())
                    });
                    StockReply::Written(r.map(|now| {
                        let l = &now[0];
                        format!(
                            "Received {units} of {} (#{}) at {}: {} there now",
                            clean(&l.product),
                            l.product_id,
                            clean(&l.store),
                            l.quantity
                        )
                    }))
                }))
            })(),
            FormKind::Transfer => (|| {
                let from = typed(&v(0), "from store")?;
                let to = typed(&v(1), "to store")?;
                let product = typed(&v(2), "product")?;
                let units = number(&v(3), "units")?;
                let note = text(4);
                Ok(Work::new("write", move |w| {
                    let r = resolve(w, &from, &product).and_then(|(from, product)| {
                        let to = store_of(w, &to, "to store")?;
                        let line = StockLine {
                            product_id: product,
                            units,
                        };
                        stock::transfer_noted(w.auth, w.actor, from, to, &[line], note.as_deref())
                    });
                    StockReply::Written(r.map(|now| {
                        let (a, b) = &now[0];
                        format!(
                            "Moved {units} of {} (#{}) from {} ({} left) to {} ({} there now)",
                            clean(&a.product),
                            a.product_id,
                            clean(&a.store),
                            a.quantity,
                            clean(&b.store),
                            b.quantity
                        )
                    }))
                }))
            })(),
            _ => (|| {
                let (store, product) = (typed(&v(0), "store")?, typed(&v(1), "product")?);
                let counted = number(&v(2), "counted")?;
                let note = text(3);
                Ok(Work::new("write", move |w| {
                    let r = resolve(w, &store, &product).and_then(|(store, product)| {
                        let line = StockLine {
                            product_id: product,
                            units: counted,
                        };
                        stock::count(w.auth, w.actor, store, &[line], note.as_deref())
                    });
                    StockReply::Written(r.map(|c| {
                        let c = &c[0];
                        format!(
                            "Counted {} of {} (#{}) at {}; the ledger said {} ({:+})",
                            c.counted,
                            clean(&c.product),
                            c.product_id,
                            clean(&c.store),
                            c.expected,
                            c.counted - c.expected
                        )
                    }))
                }))
            })(),
        };
        match parsed {
            Ok(work) => {
                self.saving = true;
                Cmd::Run(work.writes())
            }
            Err(m) => Cmd::Notice(Notice::error(m)),
        }
    }

    fn history_keys(&mut self, key: &KeyEvent, ctx: &Ctx) -> Option<Cmd> {
        let h = self.history.as_mut()?;
        let n = h.moves.len();
        Some(match key.code {
            KeyCode::Esc | KeyCode::Backspace => {
                self.history = None;
                Cmd::Done
            }
            KeyCode::Down | KeyCode::Char('j') if h.cursor + 1 < n => {
                h.cursor += 1;
                Cmd::Done
            }
            KeyCode::Up | KeyCode::Char('k') if h.cursor > 0 => {
                h.cursor -= 1;
                Cmd::Done
            }
            KeyCode::PageDown | KeyCode::Down | KeyCode::Char('j')
                if h.offset + (n as u64) < h.total =>
            {
                let next = h.offset + n as u64;
                h.cursor = 0;
                self.load_moves(ctx, next)
            }
            KeyCode::PageUp | KeyCode::Up | KeyCode::Char('k') if h.offset > 0 => {
                let back = h.offset.saturating_sub(self.rows);
                h.cursor = 0;
                self.load_moves(ctx, back)
            }
            KeyCode::Char('r') => {
                let at = h.offset;
                self.load_moves(ctx, at)
            }
            _ => return None,
        })
    }
}

/// Whether the role may receive, transfer and count (the service checks again).
fn may_move(role: Role) -> bool {
    role.allows(Permission::ManageStock)
}

impl Tab for StockTab {
    fn id(&self) -> TabId {
        TabId::Stock
    }

    fn on_open(&mut self, ctx: &Ctx) -> Option<Cmd> {
        if self.loaded {
            return self.on_resize(ctx);
        }
        Some(self.load(ctx, 0))
    }

    fn on_resize(&mut self, ctx: &Ctx) -> Option<Cmd> {
        if !self.loaded || self.rows == page_rows(ctx.size) {
            return None;
        }
        Some(match self.history.as_ref().map(|h| h.offset) {
            Some(at) => self.load_moves(ctx, at),
            None => self.load(ctx, self.offset),
        })
    }

    fn handle_key(&mut self, key: &KeyEvent, action: Option<Action>, ctx: &Ctx) -> Option<Cmd> {
        if let Some((_, form)) = &mut self.form {
            if self.saving {
                return Some(Cmd::Done);
            }
            return Some(match form.handle(key, action) {
                FormEvent::Submit => self.submit(ctx),
                FormEvent::Cancel => {
                    self.form = None;
                    Cmd::Done
                }
                _ => Cmd::Done,
            });
        }
        if self.history.is_some() {
            return self.history_keys(key, ctx);
        }
        let n = self.levels.len();
        Some(match key.code {
            KeyCode::Down | KeyCode::Char('j') if self.cursor + 1 < n => {
                self.cursor += 1;
                Cmd::Done
            }
            KeyCode::Down | KeyCode::Char('j') | KeyCode::PageDown
                if self.asked.unwrap_or(self.offset) + self.rows.max(n as u64) < self.total =>
            {
                self.cursor = 0;
                let next = self.asked.unwrap_or(self.offset) + self.rows.max(n as u64);
                self.load(ctx, next)
            }
            KeyCode::Up | KeyCode::Char('k') if self.cursor > 0 => {
                self.cursor -= 1;
                Cmd::Done
            }
            KeyCode::Up | KeyCode::Char('k') | KeyCode::PageUp
                if self.asked.unwrap_or(self.offset) > 0 =>
            {
                self.cursor = 0;
                let back = self.asked.unwrap_or(self.offset).saturating_sub(self.rows);
                self.load(ctx, back)
            }
            KeyCode::Home => {
                self.cursor = 0;
                self.load(ctx, 0)
            }
            KeyCode::Char('r') => self.load(ctx, self.offset),
            KeyCode::Enter => {
                let Some(l) = self.selected() else {
                    return Some(Cmd::Done);
                };
                self.history = Some(History {
                    store_id: l.store_id,
                    product_id: l.product_id,
                    label: format!("{} at {}", l.product, l.store),
                    moves: Vec::new(),
                    offset: 0,
                    total: 0,
                    cursor: 0,
                });
                self.load_moves(ctx, 0)
            }
            KeyCode::Char('/') => self.open_form(FormKind::Search),
            KeyCode::Char('s') => self.open_form(FormKind::Store),
            KeyCode::Esc if self.store.is_some() || self.search.is_some() => {
                self.store = None;
                self.search = None;
                self.cursor = 0;
                self.load(ctx, 0)
            }
            KeyCode::Char('i') if may_move(ctx.role) => self.open_form(FormKind::Receive),
            KeyCode::Char('m') if may_move(ctx.role) => self.open_form(FormKind::Transfer),
            KeyCode::Char('c') if may_move(ctx.role) => self.open_form(FormKind::Count),
            KeyCode::Char('i' | 'm' | 'c') => Cmd::Notice(Notice::error(
                "Managers and Administrators receive, transfer and count stock",
            )),
            _ => return None,
        })
    }

    fn on_reply(&mut self, reply: Reply, ctx: &Ctx) -> Option<Cmd> {
        match reply.done::<StockReply>()? {
            StockReply::Levels(offset, Ok((levels, total))) => {
                if self.asked == Some(offset) {
                    self.asked = None;
                }
                self.loaded = true;
                self.offset = offset;
                self.levels = levels;
                self.total = total;
                self.cursor = self.cursor.min(self.levels.len().saturating_sub(1));
                None
            }
            StockReply::Moves(offset, Ok((moves, total))) => {
                if let Some(h) = &mut self.history {
                    h.offset = offset;
                    h.moves = moves;
                    h.total = total;
                    h.cursor = h.cursor.min(h.moves.len().saturating_sub(1));
                }
                None
            }
            StockReply::Written(Ok(said)) => {
                self.saving = false;
                self.form = None;
                let at = self.offset;
                Some(Cmd::Batch(vec![
                    Cmd::Notice(Notice::info(said)),
                    self.load(ctx, at),
                ]))
            }
            StockReply::Written(Err(e)) => {
                // What was typed stays on screen to be put right.
                self.saving = false;
                Some(Cmd::failed(&e))
            }
            StockReply::Levels(_, Err(e)) | StockReply::Moves(_, Err(e)) => Some(Cmd::failed(&e)),
        }
    }

    fn draw(&self, ctx: &Ctx, f: &mut Frame, area: Rect) {
        let t = ctx.theme;
        let title = match &self.history {
            Some(h) => format!("Stock — moves of {}", clean(&h.label)),
            None => "Stock".to_string(),
        };
        let block = boxed(t, &title);
        let inner = block.inner(area);
        f.render_widget(block, area);
        let [head, body] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(inner);
        let col = |title: &str, priority: u8, numeric: bool| Column {
            title: title.into(),
            priority,
            numeric,
        };
        if let Some(h) = &self.history {
            let range = if h.moves.is_empty() {
                "no moves".to_string()
            } else {
                format!(
                    "moves {}–{} of {} · newest first",
                    h.offset + 1,
                    h.offset + h.moves.len() as u64,
                    h.total
                )
            };
            f.render_widget(Paragraph::new(range).style(t.dim), head);
            let columns = [
                col("when", 1, false),
                col("units", 1, true),
                col("reason", 1, false),
                col("reference", 2, false),
                col("note", 3, false),
                col("by", 4, false),
            ];
            let rows: Vec<Vec<String>> = h
                .moves
                .iter()
                .map(|m| {
                    vec![
                        local_time(m.at),
                        format!("{:+}", m.quantity),
                        m.reason.replace('_', " "),
                        m.reference.clone().unwrap_or_default(),
                        m.note.clone().unwrap_or_default(),
                        m.actor.clone(),
                    ]
                })
                .collect();
            Grid {
                columns: &columns,
                rows: &rows,
                selected: Some(h.cursor),
                sort: None,
                numbered: false,
            }
            .draw(t, f, body);
        } else {
            let mut filter = Vec::new();
            if let Some(s) = self.store {
                filter.push(format!("store {s}"));
            }
            if let Some(q) = &self.search {
                filter.push(format!("`{}`", clean(q)));
            }
            let range = if self.levels.is_empty() {
                "no stock rows".to_string()
            } else {
                format!(
                    "rows {}–{} of {}",
                    self.offset + 1,
                    self.offset + self.levels.len() as u64,
                    self.total
                )
            };
            let filter = if filter.is_empty() {
                "every store".to_string()
            } else {
                filter.join(", ")
            };
            f.render_widget(
                Paragraph::new(format!("{range} · {filter}")).style(t.dim),
                head,
            );
            let columns = [
                col("store", 2, false),
                col("id", 3, true),
                col("product", 1, false),
                col("brand", 4, false),
                col("units", 1, true),
            ];
            let rows: Vec<Vec<String>> = self
                .levels
                .iter()
                .map(|l| {
                    vec![
                        l.store.clone(),
                        l.product_id.to_string(),
                        l.product.clone(),
                        l.brand.clone(),
                        l.quantity.to_string(),
                    ]
                })
                .collect();
            Grid {
                columns: &columns,
                rows: &rows,
                selected: Some(self.cursor),
                sort: None,
                numbered: false,
            }
            .draw(t, f, body);
        }
        if let Some((kind, form)) = &self.form {
            let mut lines = vec![Line::styled(
                match kind {
                    FormKind::Receive => {
                        "Goods in from a supplier: store and product ids, units, the delivery note."
                    }
                    FormKind::Transfer => {
                        "Units leave the first store and arrive at the other, both or nothing."
                    }
                    FormKind::Count => {
                        "What is on the shelf: it becomes the stock; the difference is recorded."
                    }
                    FormKind::Store => "A store's id; empty lists every store.",
                    FormKind::Search => {
                        "Words of the product's or brand's name, or its id; empty lists all."
                    }
                },
                t.dim,
            )];
            lines.extend(form_lines(form, t));
            if self.saving {
                lines.push(Line::styled("saving…", t.dim));
            }
            let r = centered(area, 76, lines.len() as u16 + 2);
            f.render_widget(Clear, r);
            f.render_widget(
                Paragraph::new(lines)
                    .block(boxed(t, kind.title()))
                    .style(t.base),
                r,
            );
        }
    }

    fn hints(&self, ctx: &Ctx) -> Vec<Hint> {
        let h = |k: &str, what: &'static str| (k.to_string(), what);
        if self.form.is_some() {
            return vec![h("Enter", "next / save"), h("Esc", "cancel")];
        }
        if self.history.is_some() {
            return vec![
                h("j/k PgUp/PgDn", "move"),
                h("r", "reload"),
                h("Esc", "back to stock"),
            ];
        }
        let mut v = vec![h("j/k PgUp/PgDn", "move"), h("Enter", "moves")];
        if may_move(ctx.role) {
            v.extend([
                h("i", "receive"),
                h("m", "move to a store"),
                h("c", "count"),
            ]);
        }
        v.extend([
            h("/", "product"),
            h("s", "store"),
            h("Esc", "clear filters"),
            h("r", "reload"),
        ]);
        v
    }

    fn help(&self, ctx: &Ctx) -> Vec<Hint> {
        let mut v = self.hints(ctx);
        if self.form.is_none() {
            v.push(("Home".into(), "first page"));
        }
        if self.form.is_some() {
            v.extend([
                ("Tab/Shift-Tab".into(), "move"),
                (
                    "Ctrl-U".into(),
                    "clear a field (a filled-in one: just type)",
                ),
            ]);
        }
        v
    }

    fn editing(&self) -> bool {
        self.form.is_some()
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
