//! The Reports tab (every role): the customer report (the customer found by name, e-mail,
//! phone or id) and the sales report (one store or all, a range of months or days), written
//! on a worker to the reports folder; the latest reports listed with their size and time, and
//! a report's path copied to the user's clipboard with OSC 52, which reaches it over SSH.

mod draw;

use std::any::Any;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;

use super::{Cmd, Ctx, Hint, Notice, Tab, TabId};
use crate::error::Error;
use crate::report::{self, RecentReport, ReportFile, SalesQuery};
use crate::store::orders::choose::{self, CustomerChoice};
use crate::tui::keymap::Action;
use crate::tui::widgets::form::{Form, FormEvent};
use crate::tui::widgets::input::TextInput;
use crate::tui::work::{Reply, Work};

/// How many of the latest reports are listed.
const LISTED: usize = 12;

/// What has the keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The list of latest reports.
    Browse,
    /// Finding the customer of a customer report.
    Customer,
    /// The store and dates of a sales report.
    Sales,
}

/// Which report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Customer,
    Sales,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Customer => "customer report",
            Kind::Sales => "sales report",
        }
    }
}

#[derive(Debug)]
enum ReportsReply {
    Recent(Result<Vec<RecentReport>, Error>),
    Stores(Result<Vec<(i32, String)>, Error>),
    Customers(Result<Vec<CustomerChoice>, Error>),
    Written(Kind, Result<ReportFile, Error>),
}

/// The sales form's fields.
pub const STORE: usize = 0;
pub const FROM: usize = 1;
pub const TO: usize = 2;

#[derive(Debug)]
pub struct ReportsTab {
    pub mode: Mode,
    pub search: TextInput,
    pub matches: Vec<CustomerChoice>,
    pub pick: usize,
    pub sales: Form,
    pub stores: Vec<(i32, String)>,
    pub recent: Vec<RecentReport>,
    pub cursor: usize,
    /// The report being written, if one is.
    pub writing: Option<Kind>,
    /// The last report written in this session.
    pub last: Option<(Kind, ReportFile)>,
    loaded: bool,
}

impl Default for ReportsTab {
    fn default() -> Self {
        let mut search = TextInput::new("Customer");
        search.max_chars = 100;
        let mut store = TextInput::new("Store id");
        store.max_chars = 9;
        let mut from = TextInput::new("From");
        from.max_chars = 10;
        let mut to = TextInput::new("To");
        to.max_chars = 10;
        ReportsTab {
            mode: Mode::Browse,
            search,
            matches: Vec::new(),
            pick: 0,
            sales: Form::new(vec![store, from, to]),
            stores: Vec::new(),
            recent: Vec::new(),
            cursor: 0,
            writing: None,
            last: None,
            loaded: false,
        }
    }
}

impl ReportsTab {
    fn reload(&self, ctx: &Ctx) -> Cmd {
        let o = ctx.reports.clone();
        Cmd::Run(Work::new("recent", move |_| {
            ReportsReply::Recent(report::latest(&o, LISTED))
        }))
    }

    fn find_customers(&self) -> Cmd {
        let typed = self.search.value.clone();
        Cmd::Run(Work::new("lookup", move |w| {
            ReportsReply::Customers(choose::customers(w.auth, w.actor, &typed))
        }))
    }

    fn write_customer(&mut self, ctx: &Ctx) -> Cmd {
        let Some(c) = self.matches.get(self.pick) else {
            return Cmd::Notice(Notice::error(
                "No customer chosen: type part of a name, an e-mail, a phone or an id, then \
                 pick one with ↑/↓.",
            ));
        };
        let (id, o) = (c.customer_id, ctx.reports.clone());
        self.writing = Some(Kind::Customer);
        self.mode = Mode::Browse;
        Cmd::Run(Work::new("write", move |w| {
            ReportsReply::Written(Kind::Customer, report::customer(w.auth, w.actor, id, &o))
        }))
    }

    /// The sales form as a query, or the field that is wrong and why.
    fn sales_query(&self) -> Result<SalesQuery, (usize, String)> {
        let store = match self.sales.value(STORE).trim() {
            "" => None,
            t => Some(t.parse::<i32>().map_err(|_| {
                (
                    STORE,
                    format!(
                        "Store id: {:?} is not a store id (leave it empty for all stores).",
                        crate::tui::text::clean(t)
                    ),
                )
            })?),
        };
        let date = |i: usize, field: &str, end: bool| match self.sales.value(i).trim() {
            "" => Ok(None),
            t => report::parse_date(field, t, end)
                .map(Some)
                .map_err(|e| (i, e.to_string())),
        };
        Ok(SalesQuery {
            store,
            from: date(FROM, "From", false)?,
            to: date(TO, "To", true)?,
        })
    }

    fn write_sales(&mut self, ctx: &Ctx) -> Cmd {
        let q = match self.sales_query() {
            Ok(q) => q,
            Err((field, why)) => {
                self.sales.focus = field;
                return Cmd::Notice(Notice::error(why));
            }
        };
        let o = ctx.reports.clone();
        self.writing = Some(Kind::Sales);
        self.mode = Mode::Browse;
        Cmd::Run(Work::new("write", move |w| {
            ReportsReply::Written(Kind::Sales, report::sales(w.auth, w.actor, &q, &o))
        }))
    }

    /// The path under the cursor (or of the report just written).
    pub fn selected_path(&self) -> Option<&std::path::Path> {
        self.recent
            .get(self.cursor)
            .map(|r| r.path.as_path())
            .or_else(|| self.last.as_ref().and_then(|(_, f)| f.path.as_deref()))
    }

    fn copy(&self) -> Cmd {
        match self.selected_path() {
            Some(p) => Cmd::Batch(vec![
                Cmd::Copy(p.display().to_string()),
                Cmd::Notice(Notice::info(format!(
                    "Path sent to your clipboard (OSC 52; some terminals ask first): {}",
                    report::shown(p)
                ))),
            ]),
            None => Cmd::Notice(Notice::error("No report yet: c or s writes one.")),
        }
    }

    fn customer_key(&mut self, key: &KeyEvent, ctx: &Ctx) -> Cmd {
        match key.code {
            KeyCode::Esc => {
                self.mode = Mode::Browse;
                Cmd::Done
            }
            KeyCode::Down if self.pick + 1 < self.matches.len() => {
                self.pick += 1;
                Cmd::Done
            }
            KeyCode::Up => {
                self.pick = self.pick.saturating_sub(1);
                Cmd::Done
            }
            KeyCode::Enter => self.write_customer(ctx),
            _ => {
                if self.search.handle(key) {
                    self.pick = 0;
                    if self.search.value.trim().is_empty() {
                        self.matches.clear();
                        Cmd::Done
                    } else {
                        self.find_customers()
                    }
                } else {
                    Cmd::Done
                }
            }
        }
    }

    fn sales_key(&mut self, key: &KeyEvent, action: Option<Action>, ctx: &Ctx) -> Cmd {
        match self.sales.handle(key, action) {
            FormEvent::Submit => self.write_sales(ctx),
            FormEvent::Cancel => {
                self.mode = Mode::Browse;
                Cmd::Done
            }
            FormEvent::Handled | FormEvent::Ignored => Cmd::Done,
        }
    }
}

impl Tab for ReportsTab {
    fn id(&self) -> TabId {
        TabId::Reports
    }

    fn on_open(&mut self, ctx: &Ctx) -> Option<Cmd> {
        if self.loaded {
            return None;
        }
        self.loaded = true;
        Some(Cmd::Batch(vec![
            self.reload(ctx),
            Cmd::Run(Work::new("stores", |w| {
                ReportsReply::Stores(crate::store::dashboard::stores(w.auth, w.actor))
            })),
        ]))
    }

    fn handle_key(&mut self, key: &KeyEvent, action: Option<Action>, ctx: &Ctx) -> Option<Cmd> {
        match self.mode {
            Mode::Customer => return Some(self.customer_key(key, ctx)),
            Mode::Sales => return Some(self.sales_key(key, action, ctx)),
            Mode::Browse => {}
        }
        Some(match key.code {
            // The last entry comes back selected: typing replaces it.
            KeyCode::Char('c') if self.writing.is_none() => {
                self.mode = Mode::Customer;
                self.search.select();
                Cmd::Done
            }
            KeyCode::Char('s') if self.writing.is_none() => {
                self.mode = Mode::Sales;
                self.sales.focus = STORE;
                for f in self.sales.fields.iter_mut() {
                    f.select();
                }
                Cmd::Done
            }
            KeyCode::Char('c' | 's') => {
                Cmd::Notice(Notice::info("A report is being written; wait for it."))
            }
            KeyCode::Down | KeyCode::Char('j') => {
                if self.cursor + 1 < self.recent.len() {
                    self.cursor += 1;
                }
                Cmd::Done
            }
            KeyCode::Up | KeyCode::Char('k') => {
                self.cursor = self.cursor.saturating_sub(1);
                Cmd::Done
            }
            KeyCode::Char('o' | 'y') => self.copy(),
            KeyCode::Char('r') => self.reload(ctx),
            _ => return None,
        })
    }

    fn on_reply(&mut self, reply: Reply, ctx: &Ctx) -> Option<Cmd> {
        match reply.done::<ReportsReply>()? {
            ReportsReply::Recent(Ok(r)) => {
                self.recent = r;
                self.cursor = self.cursor.min(self.recent.len().saturating_sub(1));
                None
            }
            ReportsReply::Stores(Ok(s)) => {
                self.stores = s;
                None
            }
            ReportsReply::Customers(Ok(c)) => {
                self.matches = c;
                self.pick = 0;
                None
            }
            ReportsReply::Written(kind, Ok(f)) => {
                self.writing = None;
                self.cursor = 0;
                // The file's name: its folder is on screen below, `o` copies the whole path.
                let name = f
                    .path
                    .as_deref()
                    .and_then(|p| p.file_name())
                    .map_or("-".into(), |n| n.to_string_lossy().into_owned());
                let text = format!(
                    "{} written: {name} ({} page{}, {}); o copies its path.",
                    match kind {
                        Kind::Customer => "Customer report",
                        Kind::Sales => "Sales report",
                    },
                    f.pages,
                    if f.pages == 1 { "" } else { "s" },
                    draw::size(f.bytes)
                );
                self.last = Some((kind, f));
                Some(Cmd::Batch(vec![
                    Cmd::Notice(Notice::info(text)),
                    self.reload(ctx),
                ]))
            }
            ReportsReply::Written(kind, Err(e)) => {
                self.writing = None;
                // Back to the form, so what was typed can be corrected.
                self.mode = match kind {
                    Kind::Customer => Mode::Customer,
                    Kind::Sales => Mode::Sales,
                };
                Some(Cmd::failed(&e))
            }
            ReportsReply::Recent(Err(e))
            | ReportsReply::Stores(Err(e))
            | ReportsReply::Customers(Err(e)) => Some(Cmd::failed(&e)),
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
        self.mode != Mode::Browse
    }

    fn busy(&self) -> bool {
        self.writing.is_some()
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl ReportsTab {
    /// The keys of what is in front: the most used for the hint bar, every one for the help.
    fn keys(&self, all: bool) -> Vec<Hint> {
        let h = |k: &str, what: &'static str| (k.to_string(), what);
        let mut v = match self.mode {
            Mode::Customer => vec![
                h("type", "find a customer"),
                h("↑/↓", "mark one"),
                h("Enter", "write the marked one's report"),
                h("Esc", "back"),
            ],
            Mode::Sales => vec![
                h("Enter", "next field / write on the last"),
                h("Tab/Shift-Tab", "move"),
                h("Esc", "back"),
            ],
            Mode::Browse => vec![
                h("c", "customer report"),
                h("s", "sales report"),
                h("o", "copy the path"),
                h("j/k", "move"),
                h("r", "reload"),
            ],
        };
        if all {
            match self.mode {
                Mode::Customer => v.extend([
                    h("type", "a name, e-mail, phone or id (every word)"),
                    h("Ctrl-U", "clear (the last search comes back selected)"),
                ]),
                Mode::Sales => v.extend([
                    h("Store id", "a store's id; empty: all stores"),
                    h(
                        "From, To",
                        "YYYY-MM or YYYY-MM-DD; empty: the last full month",
                    ),
                    h(
                        "Ctrl-U",
                        "clear a field (the last entry comes back selected)",
                    ),
                ]),
                Mode::Browse => v.extend([h("y", "copy the path, as o"), h("↑/↓", "move, as j/k")]),
            }
        }
        v
    }
}
