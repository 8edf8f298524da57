//! The new-order form's last stage: how the sale is paid. Card is chosen to start (Enter pays
//! the total by card); typing an amount is the cash handed over, and the change (or what is
//! short) shows as it is typed; Tab steps through card, cash and other. Enter or Ctrl-S saves
//! the order with its tender; Esc goes back to the lines. Its drawing is a panel over the
//! form's foot.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::editor::Stage;
use super::{OrdersReply, OrdersTab};
use crate::money::{format_cents, parse_cents};
use crate::store::orders;
use crate::store::till::{Tender, TenderSpec};
use crate::tui::tabs::{Cmd, Ctx, Notice};
use crate::tui::widgets::boxed::{boxed, centered};
use crate::tui::widgets::input::TextInput;
use crate::tui::work::Work;

/// The tender being taken.
#[derive(Debug, Clone)]
pub struct Pay {
    pub tender: Tender,
    /// Cash handed over.
    pub cash: TextInput,
}

impl Default for Pay {
    fn default() -> Self {
        let mut cash = TextInput::new("Cash");
        cash.max_chars = 16;
        Pay {
            tender: Tender::Card,
            cash,
        }
    }
}

impl Pay {
    /// The cash typed, in cents (`None` when empty or not an amount).
    pub fn cash_cents(&self) -> Option<i64> {
        let t = self.cash.value.trim();
        (!t.is_empty()).then(|| parse_cents(t).ok()).flatten()
    }

    /// What the service is given.
    fn spec(&self, total: i64) -> Result<TenderSpec, String> {
        match self.tender {
            Tender::Card | Tender::Other => Ok(TenderSpec {
                tender: self.tender,
                cents: None,
            }),
            Tender::Cash => match self.cash_cents() {
                Some(c) if c >= total && c > 0 => Ok(TenderSpec {
                    tender: Tender::Cash,
                    cents: Some(c),
                }),
                Some(c) if c >= 0 => Err(format!(
                    "Cash: {} short of the total; type what was handed over (or Tab to card).",
                    format_cents(total - c)
                )),
                _ => Err(format!(
                    "Cash: `{}` is not an amount (such as 100 or 72.50).",
                    crate::tui::text::clean(self.cash.value.trim())
                )),
            },
        }
    }
}

impl OrdersTab {
    /// From the lines to paying, once the order reads (else the field to fix gets the cursor).
    pub(super) fn open_pay(&mut self) -> Cmd {
        let Some(ed) = self.editor.as_mut() else {
            return Cmd::Done;
        };
        match ed.order() {
            Ok(_) => {
                ed.stage = Stage::Pay;
                ed.pay = Pay::default();
                Cmd::Done
            }
            Err((field, why)) => {
                ed.go(field);
                Cmd::Batch(vec![Cmd::Notice(Notice::error(why)), self.look_up()])
            }
        }
    }

    /// A key in the pay stage.
    pub(super) fn pay_key(&mut self, key: &KeyEvent) -> Cmd {
        let Some(ed) = self.editor.as_mut() else {
            return Cmd::Done;
        };
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Esc => {
                ed.stage = Stage::Lines;
                Cmd::Done
            }
            KeyCode::Enter => self.pay_now(),
            KeyCode::Char('s') if ctrl => self.pay_now(),
            KeyCode::Tab | KeyCode::Right | KeyCode::BackTab | KeyCode::Left => {
                let forward = matches!(key.code, KeyCode::Tab | KeyCode::Right);
                let i = Tender::ALL
                    .iter()
                    .position(|t| *t == ed.pay.tender)
                    .unwrap_or(0);
                let n = Tender::ALL.len();
                ed.pay.tender = Tender::ALL[if forward {
                    (i + 1) % n
                } else {
                    (i + n - 1) % n
                }];
                Cmd::Done
            }
            KeyCode::Char(c) if !ctrl && (c.is_ascii_digit() || c == '.' || c == ',') => {
                ed.pay.tender = Tender::Cash;
                ed.pay.cash.handle(key);
                Cmd::Done
            }
            KeyCode::Backspace => {
                ed.pay.cash.handle(key);
                Cmd::Done
            }
            _ => Cmd::Done,
        }
    }

    /// Saves the order with its tender; the receipt comes back with it.
    fn pay_now(&mut self) -> Cmd {
        let Some(ed) = self.editor.as_mut() else {
            return Cmd::Done;
        };
        let order = match ed.order() {
            Ok(o) => o,
            Err((field, why)) => {
                ed.stage = Stage::Lines;
                ed.go(field);
                return Cmd::Notice(Notice::error(why));
            }
        };
        let spec = match ed.pay.spec(ed.running_total()) {
            Ok(s) => s,
            Err(why) => return Cmd::Notice(Notice::error(why)),
        };
        ed.saving = true;
        Cmd::Run(
            Work::new("save", move |w| {
                let sold = orders::sell_paid(w.auth, w.actor, &order, &[spec]);
                OrdersReply::Sold(sold.map(|s| {
                    // The receipt is read after the commit: a failure to read it loses nothing.
                    let receipt = crate::store::till::receipt(w.auth, w.actor, s.order_id, 42)
                        .unwrap_or_default();
                    (s, receipt)
                }))
            })
            .writes(),
        )
    }
}

/// The pay panel, over the foot of the form.
pub fn draw(tab: &OrdersTab, ctx: &Ctx, f: &mut Frame, area: Rect) {
    let t = ctx.theme;
    let Some(ed) = &tab.editor else {
        return;
    };
    let total = ed.running_total();
    let mut tenders = Vec::new();
    for tender in Tender::ALL {
        let name = match tender {
            Tender::Cash => "Cash",
            Tender::Card => "Card",
            Tender::Other => "Other",
        };
        if tender == ed.pay.tender {
            tenders.push(Span::styled(format!("[{name}]"), t.accent));
        } else {
            tenders.push(Span::styled(format!(" {name} "), t.dim));
        }
        tenders.push(Span::raw(" "));
    }
    let mut lines = vec![
        Line::from(vec![
            Span::styled("Total   ", t.dim),
            Span::styled(ctx.shop.money(total), t.title),
        ]),
        Line::from([vec![Span::styled("Pay by  ", t.dim)], tenders].concat()),
    ];
    if ed.pay.tender == Tender::Cash {
        let typed = ed.pay.cash.shown();
        let after = match ed.pay.cash_cents() {
            Some(c) if c >= total => format!("   change {}", ctx.shop.money(c - total)),
            Some(c) => format!("   short {}", ctx.shop.money(total - c)),
            None if typed.is_empty() => String::new(),
            None => "   not an amount".into(),
        };
        lines.push(Line::from(vec![
            Span::styled("Handed  ", t.dim),
            Span::styled(format!("{typed}▏"), t.focus),
            Span::styled(after, t.accent),
        ]));
    } else {
        lines.push(Line::styled("Enter takes the total by this tender.", t.dim));
    }
    lines.push(Line::styled(
        if ed.saving {
            "saving…"
        } else {
            "Digits: cash handed over · Tab: card/cash/other · Enter: pay · Esc: lines"
        },
        t.dim,
    ));
    let w = area.width.min(76);
    let r = centered(area, w, lines.len() as u16 + 2);
    f.render_widget(Clear, r);
    f.render_widget(
        Paragraph::new(lines)
            .wrap(ratatui::widgets::Wrap { trim: false })
            .block(boxed(t, "Pay"))
            .style(t.base),
        r,
    );
}
