//! Drawing the new-order form: the customer, store and staff by name; the lines with each
//! product's whole name (wrapped, never cut), quantity, discount and total; what the focused
//! field matches, the marked one first in view; and, on the last row whatever the height, the
//! running total (or the question before dropping the order). Reads only.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use unicode_width::UnicodeWidthStr;

use super::editor::{Editor, Focus, Matches};
use super::{Ctx, OrdersTab};
use crate::text::group_digits;
use crate::tui::text::{clean, wrap, wrap_at_most};
use crate::tui::theme::Theme;
use crate::tui::widgets::boxed::{boxed, centered};
use crate::tui::widgets::form::form_lines;
use crate::tui::widgets::input::TextInput;

/// Width of the labels before the customer, store and staff (a space after the longest).
const LABEL: usize = 9;

/// `text` in `w` cells: cut with `…` when longer, padded when shorter (right-aligned numbers).
fn fit(text: &str, w: usize, right: bool) -> String {
    let text = clean(text);
    if text.width() > w {
        let mut out = String::new();
        for ch in text.chars() {
            if out.width() + unicode_width::UnicodeWidthChar::width(ch).unwrap_or(0) + 1 > w {
                break;
            }
            out.push(ch);
        }
        return format!("{out}…");
    }
    let pad = " ".repeat(w - text.width());
    if right {
        format!("{pad}{text}")
    } else {
        format!("{text}{pad}")
    }
}

/// A field's value: selected text underlined (typing replaces it), the cursor after the value
/// of the focused field.
fn value(input: &TextInput, focused: bool, t: &Theme) -> Vec<Span<'static>> {
    let style = if focused { t.focus } else { t.base };
    let mut v = vec![Span::styled(
        input.shown(),
        if input.selected && focused {
            style.add_modifier(Modifier::UNDERLINED | Modifier::BOLD)
        } else {
            style
        },
    )];
    if focused {
        v.push(Span::styled("▏", style));
    }
    v
}

/// One of the customer, store and staff rows.
fn party(ed: &Editor, f: Focus, label: &str, extra: String, t: &Theme) -> Line<'static> {
    let focused = ed.focus == f;
    let mut spans = vec![Span::styled(
        format!("{}{label:<LABEL$} ", if focused { "› " } else { "  " }),
        if focused { t.accent } else { t.dim },
    )];
    spans.extend(value(ed.input(f), focused, t));
    spans.push(Span::styled(extra, t.dim));
    Line::from(spans)
}

/// The column widths of a line row: product, quantity, discount, price, left, total (price
/// and left only where there is room).
struct Cols {
    product: usize,
    wide: bool,
}

const QTY: usize = 5;
const DISC: usize = 6;
const MONEY: usize = 12;
const LEFT: usize = 6;

impl Cols {
    fn new(width: usize) -> Cols {
        let wide = width >= 100;
        let fixed = 4
            + (1 + QTY)
            + (1 + DISC)
            + (1 + MONEY)
            + if wide { (1 + MONEY) + (1 + LEFT) } else { 0 };
        Cols {
            product: width.saturating_sub(fixed).clamp(12, 64),
            wide,
        }
    }

    fn header(&self) -> String {
        let mut s = format!(
            "  # {} {:>QTY$} {:>DISC$}",
            fit("Product", self.product, false),
            "Qty",
            "Disc %"
        );
        if self.wide {
            s.push_str(&format!(" {:>MONEY$} {:>LEFT$}", "Price", "Left"));
        }
        s.push_str(&format!(" {:>MONEY$}", "Total"));
        s
    }
}

/// The rows of line `i`: the product's name wrapped over as many rows as it needs.
fn line_rows(ed: &Editor, i: usize, cols: &Cols, ctx: &Ctx) -> Vec<Line<'static>> {
    let t = ctx.theme;
    let l = &ed.lines[i];
    let here = ed.focus.line() == Some(i);
    let mark = if here { "›" } else { " " };
    let Some(c) = &l.chosen else {
        // The line being typed, or the empty one for the next product.
        let focused = ed.focus == Focus::Product(i);
        let mut spans = vec![Span::styled(
            format!("{mark}{:>2} ", i + 1),
            if here { t.accent } else { t.dim },
        )];
        if focused || !l.product.value.is_empty() {
            spans.extend(value(&l.product, focused, t));
        } else {
            spans.push(Span::styled("(next product)", t.dim));
        }
        return vec![Line::from(spans)];
    };
    let names = wrap(&clean(&c.name), cols.product);
    let units = l.units().unwrap_or(0);
    let disc = super::editor::discount_of(&l.discount.value).unwrap_or(0);
    let total = crate::money::line_total_cents(c.list_price_cents, units, disc);
    let cell = |input: &TextInput, f: Focus, w: usize, empty: &str| -> Vec<Span<'static>> {
        let focused = ed.focus == f;
        let shown = if input.value.is_empty() {
            empty.to_string()
        } else {
            input.shown()
        };
        let text = format!("{shown}{}", if focused { "▏" } else { "" });
        let style = if focused {
            if input.selected {
                t.focus.add_modifier(Modifier::UNDERLINED | Modifier::BOLD)
            } else {
                t.focus
            }
        } else {
            t.base
        };
        vec![Span::raw(" "), Span::styled(fit(&text, w, true), style)]
    };
    let product_focused = ed.focus == Focus::Product(i);
    let mut first = vec![
        Span::styled(
            format!("{mark}{:>2} ", i + 1),
            if here { t.accent } else { t.dim },
        ),
        Span::styled(
            fit(&names[0], cols.product, false),
            if product_focused { t.focus } else { t.base },
        ),
    ];
    first.extend(cell(&l.quantity, Focus::Quantity(i), QTY, "1"));
    first.extend(cell(&l.discount, Focus::Discount(i), DISC, "0"));
    if cols.wide {
        first.push(Span::styled(
            format!(
                " {:>MONEY$} {:>LEFT$}",
                ctx.shop.money(c.list_price_cents),
                group_digits(c.stock_left.max(0) as u64)
            ),
            t.dim,
        ));
    }
    first.push(Span::styled(
        format!(" {:>MONEY$}", ctx.shop.money(total)),
        t.base,
    ));
    let mut rows = vec![Line::from(first)];
    for more in names.iter().skip(1) {
        rows.push(Line::styled(format!("    {more}"), t.base));
    }
    rows
}

/// What the focused field matches, or what to type there.
fn matches(ed: &Editor, ctx: &Ctx, width: usize, room: usize) -> Vec<Line<'static>> {
    let t = ctx.theme;
    let store_first =
        matches!(ed.focus, Focus::Staff | Focus::Product(_)) && ed.store_id().is_none();
    let hint = |s: &str| -> Vec<Line<'static>> {
        wrap(s, width)
            .into_iter()
            .map(|l| Line::styled(l, t.dim))
            .collect()
    };
    if store_first {
        return hint("Pick the store first (its field is above).");
    }
    let Some(offer) = ed.current().filter(|_| ed.unresolved()) else {
        return hint(match ed.focus {
            Focus::Customer if ed.customer.chosen.is_some() => {
                "Typing looks for another customer; Enter keeps this one and moves on."
            }
            Focus::Customer => {
                "Type a name, e-mail, phone or id (every word: debra burks); empty is a walk-in. Ctrl-N adds a new customer."
            }
            Focus::Store | Focus::Staff if ed.waiting.is_some() => "Looking…",
            Focus::Store | Focus::Staff => "Typing looks for another; Enter keeps this one.",
            Focus::Product(l) if l == ed.next_line() && ed.typed_here().is_empty() => {
                "Type a product's name, brand or id, or scan its barcode. Enter on this empty line sells (Ctrl-S from any field)."
            }
            Focus::Product(_) if ed.lines[ed.focus.line().unwrap_or(0)].chosen.is_some() => {
                "Typing looks for another product for this line."
            }
            Focus::Product(_) => "Looking…",
            Focus::Quantity(_) => {
                "Units of this line (empty is 1). Enter: the next product; Ctrl-S sells."
            }
            Focus::Discount(_) => {
                "Percent off this line, 0 to 100. Enter: the next product; Ctrl-S sells."
            }
        });
    };
    let mut rows: Vec<String> = Vec::new();
    match &offer.matches {
        Matches::Customers(c) => {
            for x in c {
                rows.push(format!(
                    "#{} {} · {}{}",
                    x.customer_id,
                    clean(&x.name),
                    clean(&x.email),
                    x.phone
                        .as_deref()
                        .map(|p| format!(" · {}", clean(p)))
                        .unwrap_or_default()
                ));
            }
        }
        Matches::Products(p) => {
            for x in p {
                rows.push(format!(
                    "{:>11} {:>5} left  {} ({}) #{}",
                    ctx.shop.money(x.list_price_cents),
                    group_digits(x.stock_left.max(0) as u64),
                    clean(&x.name),
                    clean(&x.brand),
                    x.product_id
                ));
            }
        }
        Matches::Named(_) => {
            for (id, name) in ed.named() {
                rows.push(format!("#{id} {}", clean(name)));
            }
        }
    }
    if rows.is_empty() {
        let what = match ed.focus {
            Focus::Customer => {
                "No customer matches. Ctrl-N adds a new customer; empty is a walk-in."
            }
            Focus::Product(_) => "No product matches (name, brand, id or barcode).",
            _ => "Nothing matches.",
        };
        return hint(what);
    }
    let mut out = vec![Line::styled(
        fit(
            &format!("Matches ({}): ↑/↓ mark one, Enter takes it", rows.len()),
            width,
            false,
        ),
        t.title,
    )];
    // The marked one stays in view.
    let room = room.saturating_sub(1).max(1);
    let skip = ed.marked.saturating_sub(room - 1);
    for (i, r) in rows.iter().enumerate().skip(skip).take(room) {
        let marked = i == ed.marked;
        let text = fit(
            &format!("{} {r}", if marked { "›" } else { " " }),
            width,
            false,
        );
        out.push(Line::styled(text, if marked { t.focus } else { t.base }));
    }
    out
}

pub fn draw(tab: &OrdersTab, ctx: &Ctx, f: &mut Frame, area: Rect) {
    let t = ctx.theme;
    let Some(ed) = &tab.editor else {
        return;
    };
    // Over the whole tab, so its border replaces the list's instead of doubling it.
    f.render_widget(Clear, area);
    let block = boxed(t, "New order");
    let inner = block.inner(area);
    f.render_widget(block, area);
    let width = inner.width as usize;
    // The customer, store and staff, each named.
    let customer_extra = match &ed.customer.chosen {
        Some(c) => format!("  #{} {}", c.id, clean(&c.detail)),
        None if ed.customer.input.value.trim().is_empty() => "  (empty: a walk-in)".into(),
        None => String::new(),
    };
    let id_extra = |c: &Option<super::editor::Chosen>| match c {
        Some(c) if c.detail.is_empty() => format!("  #{}", c.id),
        Some(c) => format!("  #{} ({})", c.id, clean(&c.detail)),
        None => String::new(),
    };
    let head = vec![
        party(ed, Focus::Customer, "Customer", customer_extra, t),
        party(ed, Focus::Store, "Store", id_extra(&ed.store.chosen), t),
        party(ed, Focus::Staff, "Staff", id_extra(&ed.staff.chosen), t),
    ];
    let cols = Cols::new(width);
    let picking = ed.focus.picks() && (ed.unresolved() || ed.waiting.is_some());
    let panel_room = if picking { 7 } else { 2 };
    let panel = matches(ed, ctx, width, panel_room);
    let [head_area, lines_head, lines_area, panel_area, foot] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(panel.len().min(panel_room) as u16),
        Constraint::Length(1),
    ])
    .areas(inner);
    f.render_widget(Paragraph::new(head).style(t.base), head_area);
    f.render_widget(
        Paragraph::new(Line::styled(fit(&cols.header(), width, false), t.dim)),
        lines_head,
    );
    // The lines, the focused one in view.
    let blocks: Vec<Vec<Line>> = (0..ed.lines.len())
        .map(|i| line_rows(ed, i, &cols, ctx))
        .collect();
    let room = lines_area.height as usize;
    let focus_line = ed.focus.line().unwrap_or(0);
    // The first line shown: the focused one and those before it that fit, a row kept for
    // saying how many are above.
    let fits = |start: usize, room: usize| {
        blocks[start..=focus_line]
            .iter()
            .map(Vec::len)
            .sum::<usize>()
            <= room
    };
    let mut start = 0;
    if !fits(0, room) {
        start = 1;
        while start < focus_line && !fits(start, room.saturating_sub(1)) {
            start += 1;
        }
    }
    let mut rows: Vec<Line> = Vec::new();
    if start > 0 {
        rows.push(Line::styled(
            format!(
                "  … {start} line{} above",
                if start == 1 { "" } else { "s" }
            ),
            t.dim,
        ));
    }
    rows.extend(blocks.into_iter().skip(start).flatten());
    f.render_widget(Paragraph::new(rows).style(t.base), lines_area);
    f.render_widget(Paragraph::new(panel).style(t.base), panel_area);
    // The running total, or the question, on the last row.
    let foot_line = if ed.confirm_drop {
        Line::styled(
            fit(
                "Drop this order? y drops it; any other key keeps it.",
                width,
                false,
            ),
            t.accent,
        )
    } else {
        let n = ed.sold().count();
        let left = format!(
            "{n} line{} · {} item{}{}",
            if n == 1 { "" } else { "s" },
            group_digits(ed.items().max(0) as u64),
            if ed.items() == 1 { "" } else { "s" },
            if ed.saving { " · saving…" } else { "" }
        );
        let right = format!("Running total {}", ctx.shop.money(ed.running_total()));
        let pad = width.saturating_sub(left.width() + right.width() + 1);
        Line::from(vec![
            Span::styled(left, t.dim),
            Span::raw(" ".repeat(pad + 1)),
            Span::styled(right, t.title),
        ])
    };
    f.render_widget(Paragraph::new(foot_line).style(t.base), foot);
    // The last stage: how it is paid.
    if ed.stage == super::editor::Stage::Pay {
        super::pay::draw(tab, ctx, f, area);
    }
    // A customer being added at the till.
    if let Some(nc) = &ed.new_customer {
        let mut lines = vec![Line::styled(
            "Their name, e-mail (needed) and phone; Enter on the last adds them.",
            t.dim,
        )];
        lines.extend(form_lines(nc, t));
        let w = 70.min(area.width);
        let note = wrap_at_most(
            "Esc goes back to the order without adding anyone.",
            w as usize - 2,
            2,
        );
        lines.extend(note.into_iter().map(|l| Line::styled(l, t.dim)));
        let r = centered(area, w, lines.len() as u16 + 2);
        f.render_widget(Clear, r);
        f.render_widget(
            Paragraph::new(lines)
                .block(boxed(t, "New customer"))
                .style(t.base),
            r,
        );
    }
}
