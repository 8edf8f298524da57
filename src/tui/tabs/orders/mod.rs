//! The Orders tab (every role): orders newest first, paged in SQL and filtered by status or
//! searched by id or customer; an order with its lines and total; moving it on (processing,
//! completed, rejected — the service refuses any other step, and rejecting puts the stock
//! back); and selling: the new-order form in `editor`, saved with its stock in one
//! transaction or refused with what is left.

mod draw;
pub mod editor;

use std::any::Any;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::Rect;

use super::{Cmd, Ctx, Hint, Notice, Tab, TabId};
use crate::error::Error;
use crate::store::orders::choose::{self, CustomerChoice, ProductChoice, StaffChoice};
use crate::store::orders::{self, OrderDetail, OrderPage, OrderQuery, OrderStatus};
use crate::tui::keymap::Action;
use crate::tui::widgets::form::FormEvent;
use crate::tui::widgets::input::TextInput;
use crate::tui::widgets::page::page_rows;
use crate::tui::work::{Reply, Work};
use editor::{Editor, FieldKind, Offer, kind};

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
    Customers(Result<Vec<CustomerChoice>, Error>),
    Products(Result<Vec<ProductChoice>, Error>),
    Stores(Result<Vec<(i32, String)>, Error>),
    Staff(Result<Vec<(i32, String)>, Error>),
    Created(Result<i32, Error>),
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
        Cmd::Run(Work::new("status", move |w| {
            OrdersReply::Status(id, to, orders::set_status(w.auth, w.actor, id, to))
        }))
    }

    /// Asks for what the focused field of the new-order form offers.
    fn look_up(&mut self) -> Option<Cmd> {
        let ed = self.editor.as_ref()?;
        let i = ed.form.focus;
        let typed = ed.value(i).to_string();
        let store = ed.store();
        Some(match kind(i) {
            FieldKind::Customer => Cmd::Run(Work::new("lookup", move |w| {
                OrdersReply::Customers(choose::customers(w.auth, w.actor, &typed))
            })),
            FieldKind::Store => Cmd::Run(Work::new("lookup", |w| {
                OrdersReply::Stores(crate::store::dashboard::stores(w.auth, w.actor))
            })),
            FieldKind::Staff => {
                let store = store?;
                Cmd::Run(Work::new("lookup", move |w| {
                    OrdersReply::Staff(choose::staff_of(w.auth, w.actor, store))
                }))
            }
            FieldKind::Product(_) => {
                let store = store?;
                Cmd::Run(Work::new("lookup", move |w| {
                    OrdersReply::Products(choose::products(w.auth, w.actor, store, &typed))
                }))
            }
            _ => return None,
        })
    }

    fn editor_key(&mut self, key: &KeyEvent, action: Option<Action>) -> Cmd {
        let Some(ed) = self.editor.as_mut() else {
            return Cmd::Done;
        };
        if ed.saving {
            return Cmd::Done;
        }
        if let Some(nc) = ed.new_customer.as_mut() {
            return match nc.handle(key, action) {
                FormEvent::Submit => {
                    let v: Vec<String> = (0..4).map(|i| nc.value(i).to_string()).collect();
                    Cmd::Run(Work::new("customer", move |w| {
                        OrdersReply::CustomerAdded(choose::add_customer(
                            w.auth, w.actor, &v[0], &v[1], &v[2], &v[3],
                        ))
                    }))
                }
                FormEvent::Cancel => {
                    ed.new_customer = None;
                    Cmd::Done
                }
                _ => Cmd::Done,
            };
        }
        if key.code == KeyCode::Char('n')
            && key.modifiers.contains(KeyModifiers::CONTROL)
            && kind(ed.form.focus) == FieldKind::Customer
        {
            ed.start_new_customer();
            return Cmd::Done;
        }
        if ed.confirm_drop {
            ed.confirm_drop = false;
            if key.code == KeyCode::Char('y') {
                self.editor = None;
                return Cmd::Notice(Notice::info("Nothing was sold."));
            }
            return Cmd::Notice(Notice::info("The order is still here."));
        }
        // Enter on search text picks the first match and moves on, so what is typed next
        // never lands in the picked id.
        if key.code == KeyCode::Enter && ed.pick_first() {
            if ed.form.focus + 1 < ed.form.fields.len() {
                ed.form.focus += 1;
            }
            ed.offer = Offer::Nothing;
            return self.look_up().unwrap_or(Cmd::Done);
        }
        let before = (ed.form.focus, ed.value(ed.form.focus).to_string());
        match ed.form.handle(key, action) {
            FormEvent::Submit => match ed.order() {
                Ok(order) => {
                    ed.saving = true;
                    Cmd::Run(Work::new("save", move |w| {
                        OrdersReply::Created(orders::create(w.auth, w.actor, &order))
                    }))
                }
                Err((field, why)) => {
                    ed.form.focus = field;
                    Cmd::Notice(Notice::error(why))
                }
            },
            FormEvent::Cancel if ed.typed() => {
                ed.confirm_drop = true;
                Cmd::Done
            }
            FormEvent::Cancel => {
                self.editor = None;
                Cmd::Notice(Notice::info("Nothing was sold."))
            }
            _ => {
                let now = (ed.form.focus, ed.value(ed.form.focus).to_string());
                if now != before {
                    if now.0 != before.0 {
                        ed.offer = Offer::Nothing;
                    }
                    self.look_up().unwrap_or(Cmd::Done)
                } else {
                    Cmd::Done
                }
            }
        }
    }
}

impl Tab for OrdersTab {
    fn id(&self) -> TabId {
        TabId::Orders
    }

    fn on_open(&mut self, ctx: &Ctx) -> Option<Cmd> {
        (self.page.is_none() && !self.loading).then(|| {
            Cmd::Batch(vec![
                self.load(ctx, 0),
                Cmd::Run(Work::new("stores", |w| {
                    OrdersReply::StoreList(crate::store::dashboard::stores(w.auth, w.actor))
                })),
            ])
        })
    }

    fn handle_key(&mut self, key: &KeyEvent, action: Option<Action>, ctx: &Ctx) -> Option<Cmd> {
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
        if key.code == KeyCode::Char('n') {
            self.editor = Some(Editor::default());
            return Some(Cmd::Run(Work::new("own", |w| {
                OrdersReply::Own(choose::own_staff(w.auth, w.actor))
            })));
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
                    self.days_input.value.clear();
                    self.search.value.clear();
                    self.load(ctx, 0)
                }
                KeyCode::Char('r') => self.load(ctx, offset),
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
            OrdersReply::Customers(Ok(c)) => {
                if let Some(ed) = self.editor.as_mut() {
                    ed.offer = Offer::Customers(c);
                }
                None
            }
            OrdersReply::Products(Ok(p)) => {
                if let Some(ed) = self.editor.as_mut() {
                    for c in &p {
                        ed.known.insert(c.product_id, c.clone());
                    }
                    ed.offer = Offer::Products(p);
                }
                None
            }
            OrdersReply::Stores(Ok(s)) => {
                if let Some(ed) = self.editor.as_mut() {
                    ed.offer = Offer::Stores(s);
                }
                None
            }
            OrdersReply::Staff(Ok(s)) => {
                if let Some(ed) = self.editor.as_mut() {
                    ed.offer = Offer::Staff(s);
                }
                None
            }
            OrdersReply::Created(Ok(id)) => {
                self.editor = None;
                self.cursor = 0;
                Some(Cmd::Batch(vec![
                    Cmd::Notice(Notice::info(format!(
                        "Order {id} saved; its stock is taken."
                    ))),
                    self.load(ctx, 0),
                ]))
            }
            OrdersReply::CustomerAdded(Ok(id)) => {
                if let Some(ed) = self.editor.as_mut() {
                    ed.new_customer = None;
                    ed.form.fields[0].value = id.to_string();
                    ed.form.focus = 1;
                    ed.offer = Offer::Nothing;
                }
                Some(Cmd::Notice(Notice::info(format!(
                    "Customer {id} added; they are this order's customer."
                ))))
            }
            OrdersReply::CustomerAdded(Err(e)) => Some(Cmd::failed(&e)),
            OrdersReply::StoreList(Ok(s)) => {
                self.stores = s;
                None
            }
            OrdersReply::StoreList(Err(e)) => Some(Cmd::failed(&e)),
            OrdersReply::Own(Ok(own)) => {
                if let (Some(ed), Some(own)) = (self.editor.as_mut(), own) {
                    ed.default_to(&own);
                }
                None
            }
            // Without the defaults the form still works: the store and staff are typed.
            OrdersReply::Own(Err(_)) => None,
            OrdersReply::Created(Err(e)) => {
                if let Some(ed) = self.editor.as_mut() {
                    ed.saving = false;
                }
                Some(Cmd::failed(&e))
            }
            OrdersReply::Page(Err(e))
            | OrdersReply::Detail(Err(e))
            | OrdersReply::Status(_, _, Err(e))
            | OrdersReply::Customers(Err(e))
            | OrdersReply::Products(Err(e))
            | OrdersReply::Stores(Err(e))
            | OrdersReply::Staff(Err(e)) => Some(Cmd::failed(&e)),
        }
    }

    fn draw(&self, ctx: &Ctx, f: &mut Frame, area: Rect) {
        draw::draw(self, ctx, f, area)
    }

    fn hints(&self, _: &Ctx) -> Vec<Hint> {
        let h = |k: &str, what: &'static str| (k.to_string(), what);
        if self.editor.as_ref().is_some_and(|e| e.confirm_drop) {
            return vec![h("y", "drop this order"), h("any other key", "keep it")];
        }
        if self
            .editor
            .as_ref()
            .is_some_and(|e| e.new_customer.is_some())
        {
            return vec![
                h("Enter", "next field / add the customer on the last"),
                h("Esc", "back to the order"),
            ];
        }
        if self
            .editor
            .as_ref()
            .is_some_and(|e| kind(e.form.focus) == FieldKind::Customer)
        {
            return vec![
                h("Enter", "pick the first match and move on"),
                h("Ctrl-N", "new customer"),
                h("Tab/Shift-Tab", "move"),
                h("Esc", "cancel"),
            ];
        }
        if self.editor.is_some() {
            return vec![
                h(
                    "Enter",
                    "pick the first match and move on / next field / sell on the last",
                ),
                h("Tab/Shift-Tab", "move"),
                h("Esc", "cancel"),
            ];
        }
        if self.confirm_reject.is_some() {
            return vec![h("y", "reject"), h("any other key", "keep")];
        }
        if self.searching {
            return vec![h("Enter", "search"), h("Esc", "stop typing")];
        }
        if self.dating {
            return vec![
                h("Enter", "show those days (empty: every day)"),
                h("Esc", "stop typing"),
            ];
        }
        match self.pane {
            Pane::List => vec![
                h("n", "new order"),
                h("Enter", "open"),
                h("j/k PgUp/PgDn", "move"),
                h("f", "status"),
                h("s", "store"),
                h("d", "days"),
                h("/", "search id or customer"),
                h("r", "reload"),
            ],
            Pane::Detail => vec![
                h("p", "processing"),
                h("c", "completed"),
                h("x", "reject"),
                h("n", "new order"),
                h("Esc", "back"),
            ],
        }
    }

    fn editing(&self) -> bool {
        self.editor.is_some() || self.searching || self.dating || self.confirm_reject.is_some()
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
