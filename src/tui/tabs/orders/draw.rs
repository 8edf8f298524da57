//! Drawing the Orders tab: the list, an order with its lines, the new-order form with what
//! the focused field offers and the running total. Reads only.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::editor::{FieldKind, HEAD, LINES, Offer, id_of, kind};
use super::{Ctx, OrdersTab, Pane};
use crate::tui::text::clean;
use crate::tui::widgets::boxed::{boxed, centered};
use crate::tui::widgets::grid::{Column, Grid};

pub fn draw(tab: &OrdersTab, ctx: &Ctx, f: &mut Frame, area: Rect) {
    match tab.pane {
        Pane::List => list(tab, ctx, f, area),
        Pane::Detail => detail(tab, ctx, f, area),
    }
    if let Some(id) = tab.confirm_reject {
        let t = ctx.theme;
        let r = centered(area, 64, 5);
        f.render_widget(Clear, r);
        f.render_widget(
            Paragraph::new(vec![
                Line::from(format!(
                    "Reject order {id}? Its stock goes back to the store."
                )),
                Line::styled("y rejects it; any other key keeps it.", t.accent),
            ])
            .block(boxed(t, "Reject?"))
            .style(t.base),
            r,
        );
    }
    if tab.editor.is_some() {
        editor(tab, ctx, f, area);
    }
}

fn list(tab: &OrdersTab, ctx: &Ctx, f: &mut Frame, area: Rect) {
    let t = ctx.theme;
    let block = boxed(t, "Orders");
    let inner = block.inner(area);
    f.render_widget(block, area);
    let [head, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(inner);
    let mut parts = vec![match &tab.page {
        Some(p) if p.total > 0 => format!(
            "orders {}–{} of {}",
            p.offset + 1,
            p.offset + p.orders.len() as u64,
            crate::text::group_digits(p.total)
        ),
        Some(_) => "no orders".into(),
        None => "loading…".into(),
    }];
    parts.push("newest first".into());
    if let Some(s) = tab.status {
        parts.push(format!("status {}", s.name()));
    }
    if let Some(id) = tab.store {
        let name = tab
            .stores
            .iter()
            .find(|(s, _)| *s == id)
            .map_or(format!("{id}"), |(_, n)| clean(n));
        parts.push(format!("store {name}"));
    }
    if let Some((from, to)) = tab.days {
        parts.push(if from == to {
            format!("on {from}")
        } else {
            format!("{from} to {to}")
        });
    }
    if let Some(s) = &tab.applied_search {
        parts.push(format!("search “{}”", clean(s)));
    }
    let status = if tab.dating {
        Line::from(vec![
            Span::styled("Days (2018-04, 2018-04-02 or 2018-01..2018-03): ", t.accent),
            Span::styled(format!("{}▏", tab.days_input.shown()), t.focus),
        ])
    } else if tab.searching {
        Line::from(vec![
            Span::styled("Search (order id or customer): ", t.accent),
            Span::styled(format!("{}▏", tab.search.shown()), t.focus),
        ])
    } else {
        Line::styled(parts.join(" · "), t.dim)
    };
    f.render_widget(Paragraph::new(status), head);
    let Some(page) = &tab.page else {
        return;
    };
    let col = |title: &str, priority: u8, numeric: bool| Column {
        title: title.into(),
        priority,
        numeric,
    };
    let columns = [
        col("order", 1, true),
        col("date", 1, false),
        col("status", 1, false),
        col("customer", 1, false),
        col("store", 3, false),
        col("staff", 4, false),
        col("lines", 3, true),
        col("total", 1, true),
    ];
    let rows: Vec<Vec<String>> = page
        .orders
        .iter()
        .map(|o| {
            vec![
                o.order_id.to_string(),
                o.order_date.to_string(),
                o.status.name().into(),
                o.customer.clone().unwrap_or_else(|| "walk-in".into()),
                o.store.clone(),
                o.staff.clone(),
                o.lines.to_string(),
                ctx.shop.money(o.total_cents),
            ]
        })
        .collect();
    Grid {
        columns: &columns,
        rows: &rows,
        selected: Some(tab.cursor),
        sort: None,
        numbered: false,
    }
    .draw(t, f, body);
}

fn detail(tab: &OrdersTab, ctx: &Ctx, f: &mut Frame, area: Rect) {
    let t = ctx.theme;
    let Some(d) = &tab.detail else {
        return;
    };
    let s = &d.summary;
    let title = format!("Order {} · {}", s.order_id, s.status.name());
    let block = boxed(t, &title);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let [head, body] = Layout::vertical([Constraint::Length(5), Constraint::Min(1)]).areas(inner);
    let lines = vec![
        Line::from(format!(
            "Customer  {}",
            clean(s.customer.as_deref().unwrap_or("walk-in"))
        )),
        Line::from(format!(
            "Store     {} · staff {}",
            clean(&s.store),
            clean(&s.staff)
        )),
        Line::from(format!(
            "Dates     ordered {} · required {} · shipped {}",
            s.order_date,
            d.required_date,
            d.shipped_date.map_or("—".to_string(), |x| x.to_string())
        )),
        Line::from(vec![
            Span::styled("Total     ", t.dim),
            Span::styled(ctx.shop.money(s.total_cents), t.title),
        ]),
    ];
    f.render_widget(Paragraph::new(lines).style(t.base), head);
    let col = |title: &str, priority: u8, numeric: bool| Column {
        title: title.into(),
        priority,
        numeric,
    };
    let columns = [
        col("item", 2, true),
        col("product", 1, false),
        col("qty", 1, true),
        col("price", 1, true),
        col("discount", 2, true),
        col("total", 1, true),
    ];
    let rows: Vec<Vec<String>> = d
        .lines
        .iter()
        .map(|l| {
            vec![
                l.item_id.to_string(),
                l.product.clone(),
                l.quantity.to_string(),
                ctx.shop.money(l.list_price_cents),
                format!("{} %", l.discount_bp as f64 / 100.0),
                ctx.shop.money(l.total_cents),
            ]
        })
        .collect();
    Grid {
        columns: &columns,
        rows: &rows,
        selected: None,
        sort: None,
        numbered: false,
    }
    .draw(t, f, body);
}

fn editor(tab: &OrdersTab, ctx: &Ctx, f: &mut Frame, area: Rect) {
    let t = ctx.theme;
    let Some(ed) = &tab.editor else {
        return;
    };
    // Over the whole tab, so its border replaces the list's instead of doubling it.
    let r = area;
    f.render_widget(Clear, r);
    let block = boxed(t, "New order");
    let inner = block.inner(r);
    f.render_widget(block, r);
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(inner);
    let mut lines = Vec::new();
    let field = |i: usize, label: String, extra: String| {
        let focused = ed.form.focus == i;
        Line::from(vec![
            Span::styled(
                format!("{}{label:<13}", if focused { "› " } else { "  " }),
                if focused { t.accent } else { t.base },
            ),
            Span::styled(
                format!("{}{}", clean(ed.value(i)), if focused { "▏" } else { "" }),
                if focused { t.focus } else { t.base },
            ),
            Span::styled(extra, t.dim),
        ])
    };
    lines.push(field(0, "Customer".into(), "  (empty: walk-in)".into()));
    // The account's own staff member, filled in when the form opened.
    let own = ed
        .defaulted
        .as_ref()
        .filter(|d| ed.value(2).trim() == d.staff_id.to_string());
    lines.push(field(1, "Store".into(), String::new()));
    lines.push(field(
        2,
        "Staff".into(),
        own.map_or(String::new(), |d| format!("  {} (you)", clean(&d.name))),
    ));
    // Lines: only those typed so far and the next empty one, so the form fits 80×24.
    let shown = (0..LINES)
        .take_while(|l| *l == 0 || !ed.value(HEAD + (l - 1) * 3).trim().is_empty())
        .count()
        .max(kind_line(ed.form.focus) + 1)
        .min(LINES);
    for l in 0..shown {
        let base = HEAD + l * 3;
        let known = id_of(ed.value(base)).and_then(|id| ed.known.get(&id));
        let extra = known.map_or(String::new(), |c| {
            format!(
                "  {} · {} · {} left",
                clean(&c.name),
                ctx.shop.money(c.list_price_cents),
                c.stock_left
            )
        });
        lines.push(field(base, format!("Line {} product", l + 1), extra));
        lines.push(field(base + 1, "  quantity".into(), String::new()));
        lines.push(field(base + 2, "  discount %".into(), String::new()));
    }
    lines.push(Line::default());
    lines.push(Line::from(vec![
        Span::styled("Running total  ", t.dim),
        Span::styled(ctx.shop.money(ed.running_total()), t.title),
    ]));
    if ed.saving {
        lines.push(Line::styled("Saving…", t.accent));
    }
    if ed.confirm_drop {
        lines.push(Line::styled(
            "Drop this order? y drops it; any other key keeps it.",
            t.accent,
        ));
    }
    let focus_line = lines
        .iter()
        .position(|l| l.spans.first().is_some_and(|s| s.content.starts_with('›')))
        .unwrap_or(0);
    let room = left.height as usize;
    let skip = (focus_line + 2).saturating_sub(room);
    f.render_widget(
        Paragraph::new(lines.into_iter().skip(skip).collect::<Vec<_>>()).style(t.base),
        left,
    );
    // A customer being added at the till takes the right-hand side.
    if let Some(nc) = &ed.new_customer {
        let mut lines = vec![Line::styled("New customer", t.title)];
        for (i, field) in nc.fields.iter().enumerate() {
            let focused = nc.focus == i;
            lines.push(Line::from(vec![
                Span::styled(
                    format!("{}{:<11}", if focused { "› " } else { "  " }, field.label),
                    if focused { t.accent } else { t.base },
                ),
                Span::styled(
                    format!("{}{}", clean(&field.value), if focused { "▏" } else { "" }),
                    if focused { t.focus } else { t.base },
                ),
            ]));
        }
        lines.push(Line::styled(
            "Enter on the phone adds them (e-mail needed); Esc goes back.",
            t.dim,
        ));
        f.render_widget(
            Paragraph::new(lines)
                .wrap(Wrap { trim: true })
                .style(t.base),
            right,
        );
        return;
    }
    // What the focused field offers.
    let mut offer = vec![Line::styled("Matches (Enter takes the first)", t.title)];
    match &ed.offer {
        Offer::Nothing => offer.push(Line::styled(
            match kind(ed.form.focus) {
                FieldKind::Customer => {
                    "Type a name, e-mail, phone or id; Ctrl-N adds a new customer."
                }
                FieldKind::Product(_) if ed.store().is_none() => "Choose the store first.",
                FieldKind::Product(_) => "Type a product or brand name, or an id.",
                FieldKind::Staff if ed.store().is_none() => "Choose the store first.",
                _ => "",
            },
            t.dim,
        )),
        Offer::Customers(c) => {
            for x in c {
                offer.push(Line::from(format!(
                    "#{} {} · {}{}",
                    x.customer_id,
                    clean(&x.name),
                    clean(&x.email),
                    x.phone
                        .as_deref()
                        .map(|p| format!(" · {}", clean(p)))
                        .unwrap_or_default()
                )));
            }
        }
        Offer::Products(p) => {
            for x in p {
                offer.push(Line::from(format!(
                    "#{} {} ({}) · {} · {} left",
                    x.product_id,
                    clean(&x.name),
                    clean(&x.brand),
                    ctx.shop.money(x.list_price_cents),
                    x.stock_left
                )));
            }
        }
        Offer::Stores(_) | Offer::Staff(_) => {
            for (id, name) in ed.named_offers() {
                offer.push(Line::from(format!("#{id} {}", clean(name))));
            }
        }
    }
    if offer.len() == 1 && !matches!(ed.offer, Offer::Nothing) {
        offer.push(Line::styled(
            if matches!(ed.offer, Offer::Customers(_)) {
                "no match — Ctrl-N adds a new customer"
            } else {
                "no match"
            },
            t.dim,
        ));
    }
    f.render_widget(
        Paragraph::new(offer)
            .wrap(Wrap { trim: true })
            .style(t.base),
        right,
    );
}

/// The line a field belongs to (0 for the head fields).
fn kind_line(i: usize) -> usize {
    match kind(i) {
        FieldKind::Product(l) | FieldKind::Quantity(l) | FieldKind::Discount(l) => l,
        _ => 0,
    }
}
