//! Drawing the Orders tab: the list (as many rows as the height allows) with what it shows
//! on a line that wraps rather than cuts, and an order with its lines. Reads only; the
//! new-order form is drawn by `form_draw`.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::{Ctx, OrdersTab, Pane};
use crate::tui::text::{clean, join_parts};
use crate::tui::widgets::boxed::{boxed, centered};
use crate::tui::widgets::form::value_spans;
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
        super::form_draw::draw(tab, ctx, f, area);
    }
    super::desk::draw(tab, ctx, f, area);
}

fn list(tab: &OrdersTab, ctx: &Ctx, f: &mut Frame, area: Rect) {
    let t = ctx.theme;
    let block = boxed(t, "Orders");
    let inner = block.inner(area);
    f.render_widget(block, area);
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
    // What is shown, on two lines where one is too narrow (never cut).
    let status: Vec<Line> = if tab.dating {
        let mut v = vec![Span::styled(
            "Days (2018-04, 2018-04-02 or 2018-01..2018-03): ",
            t.accent,
        )];
        v.extend(value_spans(&tab.days_input, true, t));
        vec![Line::from(v)]
    } else if tab.searching {
        let mut v = vec![Span::styled("Search (order id or customer): ", t.accent)];
        v.extend(value_spans(&tab.search, true, t));
        vec![Line::from(v)]
    } else {
        join_parts(&parts, inner.width as usize, 2)
            .into_iter()
            .map(|l| Line::styled(l, t.dim))
            .collect()
    };
    let [head, body] =
        Layout::vertical([Constraint::Length(status.len() as u16), Constraint::Min(1)])
            .areas(inner);
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
            Span::styled(format!("  · {}", paid_text(d, ctx)), t.dim),
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

/// How an order was paid and what came back: `paid card $72.99 · 1 unit returned ($24.33)`.
fn paid_text(d: &crate::store::orders::OrderDetail, ctx: &Ctx) -> String {
    let sales: Vec<String> = d
        .payments
        .iter()
        .filter(|p| p.amount_cents > 0)
        .map(|p| {
            let change = p.change_cents();
            format!(
                "{} {}{}",
                p.tender.as_str(),
                ctx.shop.money(p.amount_cents),
                if change > 0 {
                    format!(" (change {})", ctx.shop.money(change))
                } else {
                    String::new()
                }
            )
        })
        .collect();
    let mut out = if sales.is_empty() {
        "no tender recorded".to_string()
    } else {
        format!("paid {}", sales.join(", "))
    };
    let units: i32 = d
        .returns
        .iter()
        .flat_map(|r| r.lines.iter().map(|l| l.2))
        .sum();
    if units > 0 {
        let refunded: i64 = d.returns.iter().map(|r| r.refund_cents).sum();
        out.push_str(&format!(
            " · {units} unit{} returned ({})",
            if units == 1 { "" } else { "s" },
            ctx.shop.money(refunded)
        ));
    }
    out
}
