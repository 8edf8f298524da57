//! The Orders tab (every role): orders newest first, paged in SQL and filtered by status or
//! searched by id or customer; an order with its lines and total; moving it on (processing,
//! completed, rejected — the service refuses any other step, and rejecting puts the stock
//! back); and selling: the new-order form (`editor` its state, `sale` the order it makes,
//! `till` its keys, `pay` its last stage — the tender —, `form_draw` its drawing), saved with
//! its stock and payment in one transaction or refused with what is left; and the till's desk
//! (`desk`): the receipt, returns, and the day's X report and Z close.

pub mod desk;
mod draw;
pub mod editor;
mod form_draw;
mod pay;
mod sale;
mod till;

use std::any::Any;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::Rect;

use super::{Cmd, Ctx, Hint, Notice, Tab, TabId};
use crate::error::Error;
use crate::store::orders::choose::{self, StaffChoice};
use crate::store::orders::{self, OrderDetail, OrderPage, OrderQuery, OrderStatus};
use crate::tui::keymap::Action;
use crate::tui::widgets::input::TextInput;
use crate::tui::widgets::page::page_rows;
use crate::tui::work::{Reply, Work};
use editor::{Editor, Focus, Matches};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    List,
    Detail,
}

#[derive(Debug)]
enum OrdersReply {
    Page(Result<OrderPage, Error>),
    Detail(Result<OrderDetail, Error>),
    Status(i32, OrderStatus, Result<(), Error>),
    /// What the form's focused field matches: for that field and the text asked about.
    Matches(Focus, String, Result<Matches, Error>),
    /// A sale saved with its tender, and its receipt.
    Sold(Result<(orders::Sold, String), Error>),
    Receipt(i32, Result<String, Error>),
    Returned(i32, Result<crate::store::till::Returned, Error>),
    /// A store's day report (or its close, `true`).
    Day(i32, Result<crate::store::till::DayReport, Error>, bool),
    /// The staff member (and store) the account is linked to: the form's defaults.
    Own(Result<Option<StaffChoice>, Error>),
    /// A customer added at the till: their id.
    CustomerAdded(Result<i32, Error>),
    /// The stores the list may be narrowed to.
    StoreList(Result<Vec<(i32, String)>, Error>),
}

#[derive(Debug)]
pub struct OrdersTab {
    pub pane: Pane,
    pub page: Option<OrderPage>,
    pub cursor: usize,
    pub status: Option<OrderStatus>,
    pub search: TextInput,
    pub searching: bool,
    pub applied_search: Option<String>,
    pub detail: Option<OrderDetail>,
    /// A rejection waiting for `y`.
    pub confirm_reject: Option<i32>,
    pub editor: Option<Editor>,
    pub loading: bool,
    /// The store filter (`s` steps through the stores) and the stores known.
    pub store: Option<i32>,
    pub stores: Vec<(i32, String)>,
    /// The days filter, first and last day included (`d`, typed as a day, a month or A..B).
    pub days: Option<(chrono::NaiveDate, chrono::NaiveDate)>,
    pub dating: bool,
    pub days_input: TextInput,
    /// The receipt, a return, the day's report and close, over the tab.
    pub desk: desk::Desk,
    /// The store of the member of staff the account is linked to.
    pub own_store: Option<i32>,
    rows: u64,
}

impl Default for OrdersTab {
    fn default() -> Self {
        let mut search = TextInput::new("Search");
        search.max_chars = 100;
        OrdersTab {
            pane: Pane::List,
            page: None,
            cursor: 0,
            status: None,
            search,
            searching: false,
            applied_search: None,
            detail: None,
            confirm_reject: None,
            editor: None,
            loading: false,
            store: None,
            stores: Vec::new(),
            days: None,
            dating: false,
            days_input: {
                let mut i = TextInput::new("Days");
                i.max_chars = 40;
                i
            },
            desk: desk::Desk::default(),
            own_store: None,
            rows: 20,
        }
    }
}

impl OrdersTab {
    fn load(&mut self, ctx: &Ctx, offset: u64) -> Cmd {
        self.rows = page_rows(ctx.size);
        self.loading = true;
        let q = OrderQuery {
            status: self.status,
            store: self.store,
            from: self.days.map(|d| d.0),
            to: self.days.map(|d| d.1),
            search: self.applied_search.clone(),
            offset,
            limit: self.rows,
        };
        Cmd::Run(Work::new("page", move |w| {
            OrdersReply::Page(orders::list(w.auth, w.actor, &q))
        }))
    }

    fn open(&mut self, id: i32) -> Cmd {
        Cmd::Run(Work::new("detail", move |w| {
            OrdersReply::Detail(orders::show(w.auth, w.actor, id))
        }))
    }

    fn move_to(&mut self, to: OrderStatus) -> Cmd {
        let Some(d) = &self.detail else {
            return Cmd::Done;
        };
        let id = d.summary.order_id;
        Cmd::Run(
            Work::new("status", move |w| {
                OrdersReply::Status(id, to, orders::set_status(w.auth, w.actor, id, to))
            })
            .writes(),
        )
    }
}

impl Tab for OrdersTab {
    fn id(&self) -> TabId {
        TabId::Orders
    }

    fn on_resize(&mut self, ctx: &Ctx) -> Option<Cmd> {
        let offset = self.page.as_ref()?.offset;
        (self.rows != page_rows(ctx.size) && !self.loading).then(|| self.load(ctx, offset))
    }

    fn on_open(&mut self, ctx: &Ctx) -> Option<Cmd> {
        if self.page.is_some() {
            return self.on_resize(ctx);
        }
        (self.page.is_none() && !self.loading).then(|| {
            Cmd::Batch(vec![
                self.load(ctx, 0),
                Cmd::Run(Work::new("stores", |w| {
                    OrdersReply::StoreList(crate::store::dashboard::stores(w.auth, w.actor))
                })),
                Cmd::Run(Work::new("own", |w| {
                    OrdersReply::Own(choose::own_staff(w.auth, w.actor))
                })),
            ])
        })
    }

    fn handle_key(&mut self, key: &KeyEvent, action: Option<Action>, ctx: &Ctx) -> Option<Cmd> {
        // A receipt shown after a sale goes with the next key, which then does what it does
        // (`n` starts the next sale); Enter and Esc only close it.
        if let Some(desk::Overlay::Receipt(_, text, scroll)) = &mut self.desk.overlay {
            match key.code {
                KeyCode::Down | KeyCode::Char('j') | KeyCode::PageDown => {
                    let last = text.lines().count().saturating_sub(1) as u16;
                    *scroll = (*scroll + 1).min(last);
                    return Some(Cmd::Done);
                }
                KeyCode::Up | KeyCode::Char('k') | KeyCode::PageUp => {
                    *scroll = scroll.saturating_sub(1);
                    return Some(Cmd::Done);
                }
                _ => {}
            }
            self.desk.overlay = None;
            if matches!(key.code, KeyCode::Enter | KeyCode::Esc) {
                return Some(Cmd::Done);
            }
        }
        if self.desk.is_open() {
            return Some(self.desk_key(key, action, ctx));
        }
        if self.editor.is_some() {
            return Some(self.editor_key(key, action));
        }
        if let Some(id) = self.confirm_reject.take() {
            if key.code == KeyCode::Char('y') {
                return Some(self.move_to(OrderStatus::Rejected));
            }
            return Some(Cmd::Notice(Notice::info(format!(
                "Order {id} was left as it is."
            ))));
        }
        if self.dating {
            match key.code {
                KeyCode::Enter => match parse_days(&self.days_input.value) {
                    Ok(days) => {
                        self.dating = false;
                        self.days = days;
                        self.cursor = 0;
                        return Some(self.load(ctx, 0));
                    }
                    Err(why) => return Some(Cmd::Notice(Notice::error(why))),
                },
                KeyCode::Esc => self.dating = false,
                _ => {
                    self.days_input.handle(key);
                }
            }
            return Some(Cmd::Done);
        }
        if self.searching {
            match key.code {
                KeyCode::Enter => {
                    self.searching = false;
                    let t = self.search.value.trim().to_string();
                    self.applied_search = (!t.is_empty()).then_some(t);
                    self.cursor = 0;
                    return Some(self.load(ctx, 0));
                }
                KeyCode::Esc => self.searching = false,
                _ => {
                    self.search.handle(key);
                }
            }
            return Some(Cmd::Done);
        }
        if key.code == KeyCode::Char('n') && !key.modifiers.contains(KeyModifiers::CONTROL) {
            return Some(self.open_editor());
        }
        let (offset, len, total) = self
            .page
            .as_ref()
            .map_or((0, 0, 0), |p| (p.offset, p.orders.len() as u64, p.total));
        match self.pane {
            Pane::List => Some(match key.code {
                KeyCode::Down | KeyCode::Char('j') if (self.cursor as u64) + 1 < len => {
                    self.cursor += 1;
                    Cmd::Done
                }
                KeyCode::Down | KeyCode::Char('j') | KeyCode::PageDown if offset + len < total => {
                    self.cursor = 0;
                    self.load(ctx, offset + self.rows)
                }
                KeyCode::Up | KeyCode::Char('k') if self.cursor > 0 => {
                    self.cursor -= 1;
                    Cmd::Done
                }
                KeyCode::Up | KeyCode::Char('k') | KeyCode::PageUp if offset > 0 => {
                    self.cursor = 0;
                    self.load(ctx, offset.saturating_sub(self.rows))
                }
                KeyCode::Home => {
                    self.cursor = 0;
                    self.load(ctx, 0)
                }
                KeyCode::Char('f') => {
                    self.status = match self.status {
                        None => Some(OrderStatus::Pending),
                        Some(OrderStatus::Pending) => Some(OrderStatus::Processing),
                        Some(OrderStatus::Processing) => Some(OrderStatus::Completed),
                        Some(OrderStatus::Completed) => Some(OrderStatus::Rejected),
                        Some(OrderStatus::Rejected) => None,
                    };
                    self.cursor = 0;
                    self.load(ctx, 0)
                }
                KeyCode::Char('/') => {
                    self.searching = true;
                    self.search.select();
                    Cmd::Done
                }
                KeyCode::Char('s') => {
                    let ids: Vec<i32> = self.stores.iter().map(|(id, _)| *id).collect();
                    self.store = match self.store {
                        None => ids.first().copied(),
                        Some(s) => ids.iter().skip_while(|x| **x != s).nth(1).copied(),
                    };
                    self.cursor = 0;
                    self.load(ctx, 0)
                }
                KeyCode::Char('d') => {
                    self.dating = true;
                    self.days_input.select();
                    Cmd::Done
                }
                KeyCode::Esc
                    if self.applied_search.is_some()
                        || self.status.is_some()
                        || self.store.is_some()
                        || self.days.is_some() =>
                {
                    self.applied_search = None;
                    self.status = None;
                    self.store = None;
                    self.days = None;
                    self.days_input.clear();
                    self.search.clear();
                    self.load(ctx, 0)
                }
                KeyCode::Char('r') => self.load(ctx, offset),
                KeyCode::Char('z') => self.open_day(),
                KeyCode::Enter => {
                    match self.page.as_ref().and_then(|p| p.orders.get(self.cursor)) {
                        Some(o) => {
                            let id = o.order_id;
                            self.open(id)
                        }
                        None => Cmd::Done,
                    }
                }
                _ => return None,
            }),
            Pane::Detail => Some(match key.code {
                KeyCode::Esc | KeyCode::Backspace => {
                    self.pane = Pane::List;
                    self.detail = None;
                    Cmd::Done
                }
                KeyCode::Char('p') => self.move_to(OrderStatus::Processing),
                KeyCode::Char('c') => self.move_to(OrderStatus::Completed),
                KeyCode::Char('b') => self.open_return(),
                KeyCode::Char('R') => match &self.detail {
                    Some(d) => {
                        let id = d.summary.order_id;
                        self.reprint(id)
                    }
                    None => Cmd::Done,
                },
                // A final order is not asked about: the service says why it stays.
                KeyCode::Char('x')
                    if self.detail.as_ref().is_some_and(|d| {
                        matches!(
                            d.summary.status,
                            OrderStatus::Completed | OrderStatus::Rejected
                        )
                    }) =>
                {
                    self.move_to(OrderStatus::Rejected)
                }
                KeyCode::Char('x') => {
                    self.confirm_reject = self.detail.as_ref().map(|d| d.summary.order_id);
                    Cmd::Done
                }
                _ => return None,
            }),
        }
    }

    fn on_reply(&mut self, reply: Reply, ctx: &Ctx) -> Option<Cmd> {
        let r = reply.done::<OrdersReply>();
        self.loading = false;
        match r? {
            OrdersReply::Page(Ok(p)) => {
                self.cursor = self.cursor.min(p.orders.len().saturating_sub(1));
                self.page = Some(p);
                None
            }
            OrdersReply::Detail(Ok(d)) => {
                self.detail = Some(d);
                self.pane = Pane::Detail;
                None
            }
            OrdersReply::Status(id, to, Ok(())) => {
                let offset = self.page.as_ref().map_or(0, |p| p.offset);
                Some(Cmd::Batch(vec![
                    Cmd::Notice(Notice::info(format!(
                        "Order {id} is now {}{}.",
                        to.name(),
                        if to == OrderStatus::Rejected {
                            "; its stock is back on the shelf"
                        } else {
                            ""
                        }
                    ))),
                    self.open(id),
                    self.load(ctx, offset),
                ]))
            }
            OrdersReply::Matches(focus, text, found) => self.matches_came(focus, text, found),
            OrdersReply::Sold(r) => Some(self.saved(r, ctx)),
            OrdersReply::Receipt(id, Ok(text)) => {
                self.desk.show_receipt(id, text);
                None
            }
            OrdersReply::Receipt(_, Err(e)) => Some(Cmd::failed(&e)),
            OrdersReply::Returned(id, r) => Some(self.returned(id, r, ctx)),
            OrdersReply::Day(store, r, closing) => Some(self.day_came(store, r, closing)),
            OrdersReply::CustomerAdded(Ok(id)) => {
                if let Some(ed) = self.editor.as_mut() {
                    ed.customer_added(id);
                }
                Some(Cmd::Batch(vec![
                    Cmd::Notice(Notice::info(format!(
                        "Customer {id} added; they are this order's customer."
                    ))),
                    self.look_up(),
                ]))
            }
            OrdersReply::CustomerAdded(Err(e)) => Some(Cmd::failed(&e)),
            OrdersReply::StoreList(Ok(s)) => {
                self.stores = s;
                None
            }
            OrdersReply::StoreList(Err(e)) => Some(Cmd::failed(&e)),
            OrdersReply::Own(Ok(own)) => {
                // The day's report starts on the account's own store.
                if let Some(o) = &own {
                    self.own_store = Some(o.store_id);
                }
                if let (Some(ed), Some(own)) = (self.editor.as_mut(), own) {
                    ed.default_to(&own);
                }
                Some(self.look_up())
            }
            // Without the defaults the form still works: the store and staff are typed.
            OrdersReply::Own(Err(_)) => None,
            OrdersReply::Page(Err(e))
            | OrdersReply::Detail(Err(e))
            | OrdersReply::Status(_, _, Err(e)) => Some(Cmd::failed(&e)),
        }
    }

    fn draw(&self, ctx: &Ctx, f: &mut Frame, area: Rect) {
        draw::draw(self, ctx, f, area)
    }

    fn hints(&self, _: &Ctx) -> Vec<Hint> {
        self.keys(false)
    }

    fn help(&self, _: &Ctx) -> Vec<Hint> {
        self.keys(true)
    }

    fn editing(&self) -> bool {
        self.editor.is_some()
            || self.searching
            || self.dating
            || self.confirm_reject.is_some()
            || self.desk.typing()
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// The days typed for the filter: a day or a month (`2018-04`), or two of them joined by `..`
/// (first and last day included); empty for every day.
pub fn parse_days(text: &str) -> Result<Option<(chrono::NaiveDate, chrono::NaiveDate)>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let (a, b) = t.split_once("..").unwrap_or((t, t));
    let from = crate::report::parse_date("days", a, false).map_err(|e| e.to_string())?;
    let to = crate::report::parse_date("days", b, true).map_err(|e| e.to_string())?;
    if to < from {
        return Err(format!("days: {to} comes before {from}"));
    }
    Ok(Some((from, to)))
}

impl OrdersTab {
    /// The keys of what is in front: the most used for the hint bar, every one for the help.
    fn keys(&self, all: bool) -> Vec<Hint> {
        let h = |k: &str, what: &'static str| (k.to_string(), what);
        match &self.desk.overlay {
            Some(desk::Overlay::Receipt(..)) => {
                return vec![h("j/k", "scroll"), h("any other key", "close")];
            }
            Some(desk::Overlay::Report(_, _, false)) => {
                return vec![
                    h("Z", "close the day"),
                    h("r", "read again"),
                    h("any other key", "close"),
                ];
            }
            Some(desk::Overlay::Report(..)) => return vec![h("any key", "close")],
            Some(_) => {
                return vec![
                    h("Enter", "next / done on the last"),
                    h("Tab/Shift-Tab", "move"),
                    h("Esc", "cancel"),
                ];
            }
            None => {}
        }
        if let Some(ed) = &self.editor {
            if ed.stage == editor::Stage::Pay {
                return vec![
                    h("digits", "cash"),
                    h("Tab", "card/cash/other"),
                    h("Enter", "pay"),
                    h("Esc", "lines"),
                ];
            }
            if ed.confirm_drop {
                return vec![h("y", "drop this order"), h("any other key", "keep it")];
            }
            if ed.new_customer.is_some() {
                return vec![
                    h("Enter", "next field / add the customer on the last"),
                    h("Tab/Shift-Tab", "move"),
                    h("Ctrl-U", "clear a field"),
                    h("Esc", "back to the order"),
                ];
            }
            let mut v = Vec::new();
            if ed.focus.picks() && ed.unresolved() {
                v.push(h("↑/↓", "mark a match"));
                v.push(h("Enter", "take it"));
            } else {
                v.push(h("Enter", "next; on the empty line: sell"));
            }
            v.push(h("Ctrl-S", "sell"));
            if ed.focus == Focus::Customer {
                v.push(h("Ctrl-N", "new customer"));
            }
            v.extend([h("Tab/Shift-Tab", "move"), h("Esc", "cancel")]);
            if all {
                v.extend([
                    h(
                        "type or scan",
                        "a barcode adds its product (again: one more)",
                    ),
                    h("↑/↓", "outside a list of matches: the field above or below"),
                    h("Ctrl-U", "clear the field (a line emptied goes away)"),
                    h("Ctrl-N", "on the customer: add a new customer"),
                ]);
            }
            return v;
        }
        if self.confirm_reject.is_some() {
            return vec![h("y", "reject"), h("any other key", "keep")];
        }
        if self.searching {
            return vec![
                h("Enter", "search (order id, or customer: every word)"),
                h("Ctrl-U", "clear"),
                h("Esc", "stop typing"),
            ];
        }
        if self.dating {
            return vec![
                h("Enter", "show those days (empty: every day)"),
                h("Ctrl-U", "clear"),
                h("Esc", "stop typing"),
            ];
        }
        match self.pane {
            Pane::List if all => vec![
                h("n", "new order (the till)"),
                h("Enter", "open the order under the cursor"),
                h("j/k ↑/↓", "move"),
                h("PgUp/PgDn", "previous / next page"),
                h("Home", "first page"),
                h("f", "status: pending, processing, completed, rejected, all"),
                h("s", "store: each in turn, then all"),
                h("d", "days: 2018-04-02, 2018-04 or 2018-01..2018-03"),
                h("/", "search an order id or customer (every word)"),
                h("Esc", "clear the filters and the search"),
                h("r", "reload"),
                h("z", "the day (X report; Z closes)"),
                h("p c x b R", "on an order: status, return, receipt"),
            ],
            Pane::List => vec![
                h("n", "new order"),
                h("Enter", "open"),
                h("j/k PgUp/PgDn", "move"),
                h("f", "status"),
                h("s", "store"),
                h("d", "days"),
                h("/", "search id or customer"),
                h("z", "the day"),
                h("r", "reload"),
            ],
            Pane::Detail if all => vec![
                h("p", "processing"),
                h("c", "completed (shipped today)"),
                h("x", "reject (asks; the stock goes back)"),
                h("b", "take units back (a return: refund, restock)"),
                h("R", "the receipt"),
                h("n", "new order"),
                h("Esc", "back to the list (Backspace too)"),
            ],
            Pane::Detail => vec![
                h("p", "processing"),
                h("c", "completed"),
                h("x", "reject"),
                h("b", "return"),
                h("R", "receipt"),
                h("n", "new order"),
                h("Esc", "back"),
            ],
        }
    }
}
