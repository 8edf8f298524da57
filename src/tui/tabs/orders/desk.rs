//! What the till does besides selling, as overlays of the Orders tab: the receipt after a
//! sale (and again with `R` on an order), units brought back (`b` on an order: a product, how
//! many, restock or not, the refund's tender), and the end of the day (`z`: the store's X
//! report; then `Z` closes the day, for Managers and Administrators, with the float and the
//! cash counted). Each goes through the till's service on a worker; drawing reads only.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::{OrdersReply, OrdersTab};
use crate::auth::Permission;
use crate::money::{format_cents, parse_cents};
use crate::store::till::{self, DayReport, ReturnLine, Returned, Tender};
use crate::tui::keymap::Action;
use crate::tui::tabs::{Cmd, Ctx, Notice};
use crate::tui::text::clean;
use crate::tui::widgets::boxed::{boxed, centered};
use crate::tui::widgets::form::{Form, FormEvent, form_lines};
use crate::tui::widgets::input::TextInput;
use crate::tui::work::Work;

/// What the desk shows over the tab.
#[derive(Debug, Clone)]
pub enum Overlay {
    /// An order's receipt, and how far it is scrolled.
    Receipt(i32, String, u16),
    /// Units of an order coming back: product, units, restock (y/n), refund tender.
    Return(i32, Form),
    /// Which store's day to report.
    Day(Form),
    /// A day's report: the store, and its lines.
    Report(i32, Vec<String>, bool),
    /// Closing a store's day: float, counted.
    Close(i32, Form),
}

#[derive(Debug, Default)]
pub struct Desk {
    pub overlay: Option<Overlay>,
    busy: bool,
}

fn input(label: &'static str, value: &str) -> TextInput {
    let mut t = TextInput::new(label);
    t.set(value.to_string());
    t
}

impl Desk {
    pub fn show_receipt(&mut self, order: i32, text: String) {
        self.overlay = Some(Overlay::Receipt(order, text, 0));
    }

    pub fn is_open(&self) -> bool {
        self.overlay.is_some()
    }

    /// Whether a text field has the keyboard.
    pub fn typing(&self) -> bool {
        matches!(
            self.overlay,
            Some(Overlay::Return(..) | Overlay::Day(_) | Overlay::Close(..))
        )
    }
}

fn number(text: &str, field: &str) -> Result<i32, String> {
    text.trim()
        .trim_start_matches('#')
        .parse()
        .map_err(|_| format!("{field}: `{}` is not a whole number", clean(text.trim())))
}

/// The order's product whose name holds every word typed, when exactly one does.
fn product_named(order: Option<&crate::store::orders::OrderDetail>, typed: &str) -> Option<i32> {
    let words: Vec<String> = typed.split_whitespace().map(str::to_lowercase).collect();
    if words.is_empty() {
        return None;
    }
    let mut found = order?.lines.iter().filter(|l| {
        let name = l.product.to_lowercase();
        words.iter().all(|w| name.contains(w))
    });
    let first = found.next()?.product_id;
    found.all(|l| l.product_id == first).then_some(first)
}

fn amount(text: &str, field: &str) -> Result<i64, String> {
    parse_cents(text).map_err(|why| format!("{field}: `{}` {why}", clean(text.trim())))
}

impl OrdersTab {
    /// `R` on an order: its receipt again.
    pub(super) fn reprint(&mut self, order: i32) -> Cmd {
        Cmd::Run(Work::new("receipt", move |w| {
            OrdersReply::Receipt(order, till::receipt(w.auth, w.actor, order, 42))
        }))
    }

    /// `b` on an order: the return form, the order's only product filled in.
    pub(super) fn open_return(&mut self) -> Cmd {
        let Some(d) = &self.detail else {
            return Cmd::Done;
        };
        let product = match d.lines.as_slice() {
            [one] => one.product_id.to_string(),
            _ => String::new(),
        };
        let mut form = Form::new(vec![
            input("Product id", &product),
            input("Units", "1"),
            input("Restock y/n", "y"),
            TextInput::new("Refund by"),
        ]);
        // (the product: its id, or words of its name)
        form.focus = if product.is_empty() { 0 } else { 1 };
        self.desk.overlay = Some(Overlay::Return(d.summary.order_id, form));
        Cmd::Done
    }

    /// `z` on the list: which store's day (the store filtered on, else the account's own).
    pub(super) fn open_day(&mut self) -> Cmd {
        let store = self
            .store
            .or(self.own_store)
            .map(|s| s.to_string())
            .unwrap_or_default();
        self.desk.overlay = Some(Overlay::Day(Form::new(vec![input("Store id", &store)])));
        Cmd::Done
    }

    fn day_report(store: i32) -> Cmd {
        Cmd::Run(Work::new("day", move |w| {
            OrdersReply::Day(store, till::day_report(w.auth, w.actor, store, None), false)
        }))
    }

    /// A key while an overlay is up.
    pub(super) fn desk_key(&mut self, key: &KeyEvent, action: Option<Action>, ctx: &Ctx) -> Cmd {
        if self.desk.busy {
            return Cmd::Done;
        }
        let Some(overlay) = self.desk.overlay.as_mut() else {
            return Cmd::Done;
        };
        match overlay {
            Overlay::Receipt(..) => {
                self.desk.overlay = None;
                Cmd::Done
            }
            Overlay::Report(store, _, closed) => {
                let store = *store;
                match key.code {
                    KeyCode::Char('Z') if !*closed => {
                        if !ctx.role.allows(Permission::CloseDay) {
                            return Cmd::Notice(Notice::error(
                                "Managers and Administrators close the day.",
                            ));
                        }
                        self.desk.overlay = Some(Overlay::Close(
                            store,
                            Form::new(vec![TextInput::new("Float"), TextInput::new("Counted")]),
                        ));
                        Cmd::Done
                    }
                    KeyCode::Char('r') => Self::day_report(store),
                    _ => {
                        self.desk.overlay = None;
                        Cmd::Done
                    }
                }
            }
            Overlay::Day(form) | Overlay::Return(_, form) | Overlay::Close(_, form) => {
                match form.handle(key, action) {
                    FormEvent::Cancel => {
                        self.desk.overlay = None;
                        Cmd::Done
                    }
                    FormEvent::Submit => self.desk_submit(),
                    _ => Cmd::Done,
                }
            }
        }
    }

    fn desk_submit(&mut self) -> Cmd {
        let Some(overlay) = &self.desk.overlay else {
            return Cmd::Done;
        };
        let cmd: Result<Cmd, String> = match overlay {
            Overlay::Day(form) => number(form.value(0), "store").map(Self::day_report),
            Overlay::Return(order, form) => (|| {
                let order = *order;
                let product = match number(form.value(0), "product") {
                    Ok(id) => id,
                    Err(why) => product_named(self.detail.as_ref(), form.value(0)).ok_or(why)?,
                };
                let line = ReturnLine {
                    product_id: product,
                    quantity: number(form.value(1), "units")?,
                };
                let restock = match form.value(2).trim().to_ascii_lowercase().as_str() {
                    "" | "y" | "yes" => true,
                    "n" | "no" => false,
                    other => return Err(format!("restock: `{}` is not y or n", clean(other))),
                };
                let refund = match form.value(3).trim() {
                    "" => None,
                    t => Some(Tender::parse(t).ok_or_else(|| {
                        format!("refund by: `{}` is not cash, card or other", clean(t))
                    })?),
                };
                Ok(Cmd::Run(
                    Work::new("return", move |w| {
                        OrdersReply::Returned(
                            order,
                            till::return_items(w.auth, w.actor, order, &[line], restock, refund),
                        )
                    })
                    .writes(),
                ))
            })(),
            Overlay::Close(store, form) => (|| {
                let store = *store;
                let float = amount(form.value(0), "float")?;
                let counted = amount(form.value(1), "counted")?;
                Ok(Cmd::Run(
                    Work::new("close", move |w| {
                        OrdersReply::Day(
                            store,
                            till::close_day(w.auth, w.actor, store, float, counted, None),
                            true,
                        )
                    })
                    .writes(),
                ))
            })(),
            _ => Ok(Cmd::Done),
        };
        match cmd {
            Ok(Cmd::Done) => Cmd::Done,
            Ok(c) => {
                self.desk.busy = true;
                c
            }
            Err(why) => Cmd::Notice(Notice::error(why)),
        }
    }

    /// A day's report (or close) came back.
    pub(super) fn day_came(
        &mut self,
        store: i32,
        r: Result<DayReport, crate::error::Error>,
        closing: bool,
    ) -> Cmd {
        self.desk.busy = false;
        match r {
            Ok(report) => {
                let float = report.closed.as_ref().map(|c| c.float_cents);
                let closed = report.closed.is_some();
                self.desk.overlay = Some(Overlay::Report(
                    store,
                    till::report_lines(&report, float),
                    closed,
                ));
                if closing {
                    Cmd::Notice(Notice::info(format!(
                        "{} is closed for {}.",
                        clean(&report.store),
                        report.business_day
                    )))
                } else {
                    Cmd::Done
                }
            }
            Err(e) => Cmd::failed(&e),
        }
    }

    /// Units came back (or were refused: the form stays).
    pub(super) fn returned(
        &mut self,
        order: i32,
        r: Result<Returned, crate::error::Error>,
        ctx: &Ctx,
    ) -> Cmd {
        self.desk.busy = false;
        match r {
            Ok(r) => {
                self.desk.overlay = None;
                let units: i32 = r.lines.iter().map(|l| l.2).sum();
                let offset = self.page.as_ref().map_or(0, |p| p.offset);
                Cmd::Batch(vec![
                    Cmd::Notice(Notice::info(format!(
                        "Order {order}: {units} unit{} back; refund {} by {}{}.",
                        if units == 1 { "" } else { "s" },
                        ctx.shop.money(r.refund_cents),
                        r.tender.as_str(),
                        if r.restocked {
                            ", back in stock"
                        } else {
                            ", not restocked"
                        }
                    ))),
                    self.open(order),
                    self.load(ctx, offset),
                ])
            }
            Err(e) => Cmd::failed(&e),
        }
    }
}

/// The overlay, over the tab.
pub fn draw(tab: &OrdersTab, ctx: &Ctx, f: &mut Frame, area: Rect) {
    let t = ctx.theme;
    let Some(overlay) = &tab.desk.overlay else {
        return;
    };
    let (title, lines): (String, Vec<Line>) = match overlay {
        Overlay::Receipt(order, text, scroll) => {
            let mut l: Vec<Line> = text
                .lines()
                .skip(*scroll as usize)
                .map(|x| Line::from(x.to_string()))
                .collect();
            l.push(Line::styled("j/k scroll · any other key closes", t.dim));
            (format!("Receipt of order {order}"), l)
        }
        Overlay::Report(_, text, closed) => {
            let mut l: Vec<Line> = text.iter().map(|x| Line::from(clean(x))).collect();
            l.push(Line::styled(
                if *closed {
                    "Any key closes."
                } else {
                    "Z closes the day · r reads again · other keys close"
                },
                t.dim,
            ));
            ("The day".into(), l)
        }
        Overlay::Return(order, form) => {
            let mut l = vec![Line::styled(
                "Product: its id or words of its name. Refunded what was paid; restock n for damaged goods; refund by empty: as paid.",
                t.dim,
            )];
            l.extend(form_lines(form, t));
            (format!("Return from order {order}"), l)
        }
        Overlay::Day(form) => {
            let mut l = vec![Line::styled(
                "Whose day: the store's id (its X report: what it took since its last close).",
                t.dim,
            )];
            l.extend(form_lines(form, t));
            ("The day".into(), l)
        }
        Overlay::Close(store, form) => {
            let mut l = vec![Line::styled(
                format!(
                    "Close store {store}'s day: the float the drawer started with and the cash counted now, as {}.",
                    format_cents(123_450)
                ),
                t.dim,
            )];
            l.extend(form_lines(form, t));
            ("Close the day".into(), l)
        }
    };
    let w = area.width.min(if matches!(overlay, Overlay::Receipt(..)) {
        46
    } else {
        76
    });
    let h = (lines.len() as u16 + 3).min(area.height);
    let r = centered(area, w, h);
    f.render_widget(Clear, r);
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(boxed(t, &title))
            .style(t.base),
        r,
    );
}
