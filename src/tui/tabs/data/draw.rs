//! Drawing the Data tab: the table list, the grid with where it is and how it is sorted, a
//! record with its related records, the edit form and the delete question. Reads only.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::{Ctx, DataTab, Pane, columns, texts};
use crate::store::data::Direction;
use crate::text::group_digits;
use crate::tui::text::clean;
use crate::tui::widgets::boxed::{boxed, centered};
use crate::tui::widgets::form::value_spans;
use crate::tui::widgets::grid::{self, Grid};

pub(super) fn describe(table: &str) -> &'static str {
    match table {
        "categories" => "kinds of product",
        "brands" => "makers of the products",
        "products" => "what is sold, with brand, category and list price",
        "stores" => "the shops, with their addresses",
        "staffs" => "people in the stores, with their managers",
        "stocks" => "how many of each product each store holds",
        "customers" => "who buys, with e-mail, phone and address",
        "orders" => "sales, with customer, store, staff and status",
        "order_items" => "the lines of each order",
        _ => "",
    }
}

pub fn draw(tab: &DataTab, ctx: &Ctx, f: &mut Frame, area: Rect) {
    let t = ctx.theme;
    match tab.pane {
        Pane::Tables => {
            let mut lines = vec![
                if tab.filtering {
                    let mut v = vec![Span::styled("Tables with: ", t.accent)];
                    v.extend(value_spans(&tab.table_filter, true, t));
                    Line::from(v)
                } else if !tab.table_filter.value.trim().is_empty() {
                    Line::from(format!(
                        "Tables with “{}” (Enter opens one; Esc shows all):",
                        clean(tab.table_filter.value.trim())
                    ))
                } else {
                    Line::from("Choose a table (Enter opens it; / finds one):")
                },
                Line::default(),
            ];
            let shown = tab.tables();
            if shown.is_empty() {
                lines.push(Line::styled("  No table matches.", t.dim));
            }
            for (i, v) in shown.iter().enumerate() {
                let chosen = i == tab.table_cursor;
                let style = if chosen { t.focus } else { t.base };
                lines.push(Line::from(vec![
                    Span::styled(
                        format!("{}{:<12}", if chosen { "› " } else { "  " }, v.table),
                        style,
                    ),
                    Span::styled(format!(" {}", describe(v.table)), t.dim),
                ]));
            }
            f.render_widget(
                Paragraph::new(lines).block(boxed(t, "Data")).style(t.base),
                area,
            );
        }
        Pane::Rows => rows(tab, ctx, f, area),
        Pane::Detail => detail(tab, ctx, f, area),
    }
    if tab.editor.is_some() {
        editor(tab, ctx, f, area);
    }
    if let Some((_, name)) = &tab.confirm {
        let r = centered(area, 64, 5);
        f.render_widget(Clear, r);
        f.render_widget(
            Paragraph::new(vec![
                Line::from(format!("Delete {}?", clean(name))),
                Line::styled("y deletes it; any other key keeps it.", t.accent),
            ])
            .wrap(Wrap { trim: true })
            .block(boxed(t, "Delete?"))
            .style(t.base),
            r,
        );
    }
}

fn rows(tab: &DataTab, ctx: &Ctx, f: &mut Frame, area: Rect) {
    let t = ctx.theme;
    let table = tab.table.unwrap_or("");
    let block = boxed(t, table);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let [status, body, foot] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(inner);
    let mut parts = Vec::new();
    if let Some(p) = &tab.page {
        parts.push(if p.total == 0 {
            "no rows".to_string()
        } else {
            format!(
                "rows {}–{} of {}",
                group_digits(p.offset + 1),
                group_digits(p.offset + p.rows.len() as u64),
                group_digits(p.total)
            )
        });
        let (col, dir) = p.sort;
        parts.push(format!(
            "sorted by {} {}",
            p.view.columns[col].name,
            match dir {
                Direction::Ascending => "↑ ascending",
                Direction::Descending => "↓ descending",
            }
        ));
    }
    if let Some(s) = &tab.applied_search {
        parts.push(format!("search “{}”", clean(s)));
    }
    if tab.loading {
        // First, so a narrow screen never cuts it: what follows is the page still shown.
        parts.insert(0, "loading…".into());
    }
    let status_line = if tab.searching {
        let mut v = vec![Span::styled("Search: ", t.accent)];
        v.extend(value_spans(&tab.search, true, t));
        Line::from(v)
    } else {
        Line::styled(parts.join(" · "), t.dim)
    };
    f.render_widget(Paragraph::new(status_line).style(t.base), status);
    let Some(page) = &tab.page else {
        let text = if tab.loading {
            "Loading…"
        } else {
            "Nothing to show: the rows could not be read (the reason is on the line below). r tries again."
        };
        f.render_widget(Paragraph::new(text).style(t.dim), body);
        return;
    };
    let cols = columns(page);
    let values = texts(page);
    let hidden = Grid {
        columns: &cols,
        rows: &values,
        selected: Some(tab.cursor),
        sort: Some((page.sort.0, page.sort.1 == Direction::Descending)),
        numbered: tab.picking_sort,
    }
    .draw(t, f, body);
    if !hidden.is_empty() {
        f.render_widget(
            Paragraph::new(format!(
                "Hidden at this width: {} (Enter shows all)",
                hidden.join(", ")
            ))
            .style(t.dim),
            foot,
        );
    }
}

fn detail(tab: &DataTab, ctx: &Ctx, f: &mut Frame, area: Rect) {
    let t = ctx.theme;
    let Some(rec) = &tab.record else {
        return;
    };
    let title = format!("{} {}", rec.view.noun, rec.row.key);
    let mut lines: Vec<Line> = Vec::new();
    let label_w = rec
        .view
        .columns
        .iter()
        .map(|c| c.name.len())
        .max()
        .unwrap_or(8);
    for (c, v) in rec.view.columns.iter().zip(&rec.row.values) {
        lines.push(Line::from(vec![
            Span::styled(format!("{:<label_w$}  ", c.name), t.dim),
            Span::styled(clean(&v.display()), t.base),
        ]));
    }
    for r in &rec.related {
        lines.push(Line::default());
        lines.push(Line::styled(
            format!(
                "{}{}",
                r.title,
                if r.rows.is_empty() { ": none" } else { "" }
            ),
            t.title,
        ));
        if r.rows.is_empty() {
            continue;
        }
        let cols: Vec<grid::Column> = r
            .columns
            .iter()
            .map(|(name, shown)| grid::Column {
                title: name.to_string(),
                priority: 1,
                numeric: matches!(
                    shown,
                    crate::store::data::Shown::Int
                        | crate::store::data::Shown::Money
                        | crate::store::data::Shown::Discount
                ),
            })
            .collect();
        let vals: Vec<Vec<String>> = r
            .rows
            .iter()
            .map(|row| row.iter().map(|v| v.display()).collect())
            .collect();
        let widths = grid::fit(&cols, &vals, area.width.saturating_sub(2) as usize);
        let line_of = |cells: Vec<String>| {
            let mut s = String::from("  ");
            for (i, c) in cells.iter().enumerate() {
                if let Some(w) = widths[i] {
                    s.push_str(&grid::cell(c, w, cols[i].numeric));
                    s.push(' ');
                }
            }
            s
        };
        lines.push(Line::styled(
            line_of(cols.iter().map(|c| c.title.clone()).collect()),
            t.dim,
        ));
        for row in vals {
            lines.push(Line::from(line_of(row)));
        }
        if r.more {
            lines.push(Line::styled("  … and more", t.dim));
        }
        if let Some(total) = &r.total {
            lines.push(Line::from(format!("  total {}", total.display())));
        }
    }
    f.render_widget(
        Paragraph::new(lines)
            .scroll((tab.detail_scroll.min(u16::MAX as usize) as u16, 0))
            .block(boxed(t, &title))
            .style(t.base),
        area,
    );
}

fn editor(tab: &DataTab, ctx: &Ctx, f: &mut Frame, area: Rect) {
    let t = ctx.theme;
    let Some(ed) = &tab.editor else {
        return;
    };
    let noun = crate::store::data::view_of(ed.table).map_or("record", |v| v.noun);
    let title = match &ed.key {
        Some(k) => format!("Edit {noun} {k}"),
        None => format!("New {noun}"),
    };
    let mut lines = vec![Line::styled(
        "* required; Enter moves on and saves on the last field; Esc cancels.",
        t.dim,
    )];
    let label_w = ed
        .fields
        .iter()
        .map(|f| f.name.len() + 1)
        .max()
        .unwrap_or(8);
    // Keep the focused field in view on a short screen.
    let room = area.height.saturating_sub(5) as usize;
    let skip = ed.form.focus.saturating_sub(room.saturating_sub(1));
    for (i, (field, input)) in ed
        .fields
        .iter()
        .zip(&ed.form.fields)
        .enumerate()
        .skip(skip)
        .take(room)
    {
        let focused = i == ed.form.focus;
        let label = format!("{}{}", field.name, if field.required { "*" } else { "" });
        let refers = field
            .refers_to
            .and_then(|p| crate::store::data::view_of(p).ok())
            .map(|v| format!("  ({} id)", v.noun))
            .unwrap_or_default();
        lines.push(Line::from(vec![
            Span::styled(
                format!("{}{label:<label_w$} ", if focused { "› " } else { "  " }),
                if focused { t.accent } else { t.base },
            ),
            Span::styled(
                format!("{}{}", input.shown(), if focused { "▏" } else { "" }),
                if focused { t.focus } else { t.base },
            ),
            Span::styled(refers, t.dim),
        ]));
    }
    let focused = ed.fields.get(ed.form.focus);
    if let Some(parent) = focused.and_then(|f| f.refers_to) {
        let noun = crate::store::data::view_of(parent).map_or("record", |v| v.noun);
        if ed.matches.is_empty() {
            lines.push(Line::styled(
                format!("Type a {noun}'s id, or part of its name to search."),
                t.dim,
            ));
        } else {
            lines.push(Line::styled(
                format!("Matching {noun}s (↑/↓ mark one, Enter takes it):"),
                t.dim,
            ));
            for (n, (id, text)) in ed.matches.iter().enumerate() {
                let marked = n == ed.marked;
                lines.push(Line::styled(
                    format!("  {} #{id} {}", if marked { "›" } else { " " }, clean(text)),
                    if marked { t.focus } else { t.base },
                ));
            }
        }
    }
    if ed.saving {
        lines.push(Line::styled("Saving…", t.accent));
    }
    if ed.confirm_drop {
        lines.push(Line::styled(
            "Drop your changes? y drops them; any other key keeps them.",
            t.accent,
        ));
    }
    let h = (lines.len() as u16 + 2).min(area.height);
    let r = centered(area, area.width.saturating_sub(4).min(90), h);
    f.render_widget(Clear, r);
    f.render_widget(
        Paragraph::new(lines).block(boxed(t, &title)).style(t.base),
        r,
    );
}
