//! The new-order form's keys and replies: typing looks up what matches, ↑/↓ mark a match,
//! Enter takes it (a scanned barcode adds its product at once and stays for the next scan),
//! Enter on a quantity or discount goes to the next product, Enter on the empty line or
//! Ctrl-S from any field sells. Keys pressed while a match is still being looked up wait for
//! it and follow in order, so a scanner's fast code-and-Enter is never lost or misplaced.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::editor::{Editor, Focus, Lookup, Matches, Offer, Took};
use super::{OrdersReply, OrdersTab};
use crate::error::{Error, ErrorKind};
use crate::store::orders::{self, choose};
use crate::tui::keymap::Action;
use crate::tui::tabs::{Cmd, Notice};
use crate::tui::widgets::form::FormEvent;
use crate::tui::work::Work;

/// What a line of the sale was after saving, for the notice.
fn sold_text(ed: &Editor, money: impl Fn(i64) -> String) -> String {
    let n = ed.sold().count();
    format!(
        "{n} line{}, {}",
        if n == 1 { "" } else { "s" },
        money(ed.running_total())
    )
}

impl OrdersTab {
    /// Opens the form, with the store and staff of the account's linked staff member once
    /// they are read.
    pub(super) fn open_editor(&mut self) -> Cmd {
        self.editor = Some(Editor::default());
        Cmd::Run(Work::new("own", |w| {
            OrdersReply::Own(choose::own_staff(w.auth, w.actor))
        }))
    }

    /// Asks for what the focused field matches.
    pub(super) fn look_up(&self) -> Cmd {
        let Some(ed) = &self.editor else {
            return Cmd::Done;
        };
        let focus = ed.focus;
        let text = ed.typed_here().to_string();
        let Some(lookup) = ed.lookup() else {
            return Cmd::Done;
        };
        Cmd::Run(Work::new("lookup", move |w| {
            let (a, who) = (w.auth, w.actor);
            let found = match lookup {
                Lookup::Customers(t) => choose::customers(a, who, &t).map(Matches::Customers),
                Lookup::Stores => crate::store::dashboard::stores(a, who).map(Matches::Named),
                Lookup::Staff(s) => choose::staff_of(a, who, s).map(Matches::Named),
                Lookup::Products(s, t) => choose::products(a, who, s, &t).map(Matches::Products),
            };
            OrdersReply::Matches(focus, text, found)
        }))
    }

    /// Enter: takes the marked match (or waits for the matches of what is typed), moves on,
    /// or sells from the empty line.
    fn enter(&mut self) -> Cmd {
        let Some(ed) = self.editor.as_mut() else {
            return Cmd::Done;
        };
        let focus = ed.focus;
        if ed.unresolved() {
            if matches!(focus, Focus::Staff | Focus::Product(_)) && ed.store_id().is_none() {
                ed.go(Focus::Store);
                return Cmd::Batch(vec![
                    Cmd::Notice(Notice::error("Pick the store first.")),
                    self.look_up(),
                ]);
            }
            return match ed.take_marked() {
                Some(Took::Party) => {
                    ed.advance();
                    self.look_up()
                }
                Some(Took::Product(l)) => {
                    ed.go(Focus::Quantity(l));
                    Cmd::Done
                }
                Some(Took::Scanned(_)) => {
                    ed.go(Focus::Product(ed.next_line()));
                    Cmd::Done
                }
                Some(Took::NoMatch(why)) => Cmd::Notice(Notice::error(why)),
                None => {
                    // The matches of this very text are not here yet: take one when they come.
                    ed.waiting = Some(focus);
                    self.look_up()
                }
            };
        }
        match focus {
            Focus::Product(l) if l == ed.next_line() && ed.typed_here().is_empty() => {
                self.open_pay()
            }
            Focus::Quantity(_) | Focus::Discount(_) => {
                ed.go(Focus::Product(ed.next_line()));
                ed.tidy();
                Cmd::Done
            }
            _ => {
                ed.advance();
                ed.tidy();
                self.look_up()
            }
        }
    }

    /// A key while the form is open.
    pub(super) fn editor_key(&mut self, key: &KeyEvent, action: Option<Action>) -> Cmd {
        let Some(ed) = self.editor.as_mut() else {
            return Cmd::Done;
        };
        if ed.saving {
            return Cmd::Done;
        }
        if ed.stage == super::editor::Stage::Pay {
            return self.pay_key(key);
        }
        if let Some(nc) = ed.new_customer.as_mut() {
            return match nc.handle(key, action) {
                FormEvent::Submit => {
                    let v: Vec<String> = (0..4).map(|i| nc.value(i).to_string()).collect();
                    Cmd::Run(
                        Work::new("customer", move |w| {
                            OrdersReply::CustomerAdded(choose::add_customer(
                                w.auth, w.actor, &v[0], &v[1], &v[2], &v[3],
                            ))
                        })
                        .writes(),
                    )
                }
                FormEvent::Cancel => {
                    ed.new_customer = None;
                    Cmd::Done
                }
                _ => Cmd::Done,
            };
        }
        if ed.confirm_drop {
            ed.confirm_drop = false;
            if matches!(key.code, KeyCode::Char('y' | 'Y')) {
                self.editor = None;
                return Cmd::Notice(Notice::info("Nothing was sold."));
            }
            return Cmd::Notice(Notice::info("The order is still here."));
        }
        if ed.waiting.is_some() {
            ed.typeahead.push_back((*key, action));
            return Cmd::Done;
        }
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Char('n') if ctrl && ed.focus == Focus::Customer => {
                ed.start_new_customer();
                Cmd::Done
            }
            KeyCode::Char('s') if ctrl => self.open_pay(),
            KeyCode::Esc if ed.typed() => {
                ed.confirm_drop = true;
                Cmd::Done
            }
            KeyCode::Esc => {
                self.editor = None;
                Cmd::Notice(Notice::info("Nothing was sold."))
            }
            KeyCode::Up | KeyCode::Down if ed.mark(key.code == KeyCode::Up) => Cmd::Done,
            KeyCode::Enter => self.enter(),
            KeyCode::Tab | KeyCode::BackTab | KeyCode::Up | KeyCode::Down => {
                ed.step(matches!(key.code, KeyCode::Tab | KeyCode::Down));
                ed.tidy();
                self.look_up()
            }
            _ if ed.input_mut(ed.focus).handle(key) => {
                ed.edited();
                self.look_up()
            }
            // Keys the config binds to moving between fields (those that do not type).
            _ => match action {
                Some(Action::NextField | Action::PrevField) => {
                    ed.step(action == Some(Action::NextField));
                    ed.tidy();
                    self.look_up()
                }
                _ => Cmd::Done,
            },
        }
    }

    /// What a lookup found; the Enter waiting for it takes its match, then the keys pressed
    /// meanwhile follow.
    pub(super) fn matches_came(
        &mut self,
        focus: Focus,
        text: String,
        found: Result<Matches, Error>,
    ) -> Option<Cmd> {
        let ed = self.editor.as_mut()?;
        let matches = match found {
            Ok(m) => m,
            Err(e) => {
                ed.waiting = None;
                ed.typeahead.clear();
                return Some(Cmd::failed(&e));
            }
        };
        ed.offer = Some(Offer {
            focus,
            text,
            matches,
        });
        ed.marked = ed.marked.min(ed.shown().saturating_sub(1));
        if ed.waiting != Some(focus) || ed.current().is_none() {
            return None;
        }
        ed.waiting = None;
        let keys = std::mem::take(&mut ed.typeahead);
        let mut cmds = vec![self.enter()];
        for (key, action) in keys {
            cmds.push(self.editor_key(&key, action));
        }
        Some(Cmd::Batch(cmds))
    }

    /// The service saved the order with its tender (the receipt shows), or refused it (the
    /// field it names gets the cursor; what was typed stays).
    pub(super) fn saved(
        &mut self,
        r: Result<(orders::Sold, String), Error>,
        ctx: &crate::tui::tabs::Ctx,
    ) -> Cmd {
        match r {
            Ok((sold, receipt)) => {
                let what = self
                    .editor
                    .as_ref()
                    .map(|ed| sold_text(ed, |c| ctx.shop.money(c)))
                    .unwrap_or_default();
                let change: i64 = sold.paid.iter().map(|p| p.change_cents()).sum();
                self.editor = None;
                self.cursor = 0;
                if !receipt.is_empty() {
                    self.desk.show_receipt(sold.order_id, receipt);
                }
                Cmd::Batch(vec![
                    Cmd::Notice(Notice::info(format!(
                        "Order {} saved ({what}){}; its stock is taken.",
                        sold.order_id,
                        if change > 0 {
                            format!("; change {}", ctx.shop.money(change))
                        } else {
                            String::new()
                        }
                    ))),
                    self.load(ctx, 0),
                ])
            }
            Err(e) => {
                if let Some(ed) = self.editor.as_mut() {
                    ed.saving = false;
                    let field = match e.kind() {
                        ErrorKind::Invalid { field } => field,
                        _ => None,
                    };
                    // A refusal of the tender keeps the pay stage; any other goes back to the
                    // lines, to the field it names.
                    if field.as_deref() != Some("pay") {
                        ed.stage = super::editor::Stage::Lines;
                        if let Some(f) = field.as_deref().and_then(|n| ed.field_named(n)) {
                            ed.go(f);
                        }
                    }
                }
                Cmd::failed(&e)
            }
        }
    }
}
