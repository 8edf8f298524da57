//! The Dashboard tab: the figures a store runs on for a period and a store — revenue against
//! the target, orders by status, revenue by month as bars with their amounts, the best
//! products and staff, and what to reorder. An account linked to a member of staff opens on
//! that store. Loads when opened, again when shown after a write of this terminal (a sale, a
//! change of status, an edit, an import), every minute while shown, and on `r`, on a worker;
//! the figures on screen stay until new ones arrive and say how old they are.

use std::any::Any;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Bar, BarChart, Paragraph};

use super::{Cmd, Ctx, Hint, Notice, Tab, TabId};
use crate::error::Error;
use chrono::NaiveDate;

use crate::store::dashboard::{self, DashboardQuery, Figures, Period};
use crate::tui::keymap::Action;
use crate::tui::text::clean;
use crate::tui::widgets::boxed::boxed;
use crate::tui::work::{Reply, Work};

/// What one load read: the figures, the stores, the first and last order dates of the store
/// shown (or all), and the store shown.
#[derive(Debug)]
struct Loaded {
    figures: Figures,
    stores: Vec<(i32, String)>,
    span: Option<(NaiveDate, NaiveDate)>,
    store: Option<i32>,
}

#[derive(Debug)]
enum DashReply {
    Loaded(Result<Loaded, Error>),
}

/// Ticks between refreshes while the tab is shown: a minute.
pub const REFRESH_TICKS: u64 = 60_000 / crate::tui::TICK.as_millis() as u64;

#[derive(Debug, Default)]
pub struct DashboardTab {
    pub figures: Option<Figures>,
    pub stores: Vec<(i32, String)>,
    /// `None`: all stores.
    pub store: Option<i32>,
    /// `None` until the first load picks the latest month with orders.
    pub period: Option<Period>,
    pub loading: bool,
    /// When the figures on screen were read (local time, `HH:MM:SS`).
    pub as_of: Option<String>,
    /// The first and last order dates of what is shown: `[` and `]` stay within them.
    pub span: Option<(NaiveDate, NaiveDate)>,
    /// The writes of this terminal the figures on screen include (see `Ctx::wrote`).
    seen_writes: u64,
    /// Ticks since the last load.
    ticks: u64,
    /// The first load looks for the account's own store.
    opened: bool,
}

const SPINNER: [&str; 4] = ["◐", "◓", "◑", "◒"];

impl DashboardTab {
    fn load(&mut self, ctx: &Ctx) -> Cmd {
        self.loading = true;
        self.seen_writes = ctx.wrote;
        self.ticks = 0;
        let own_store = !self.opened;
        self.opened = true;
        let mut q = DashboardQuery {
            store: self.store,
            period: self.period,
            low_stock_threshold: ctx.shop.low_stock_threshold,
            target_per_store_month_cents: ctx.shop.target_per_store_month_cents,
        };
        Cmd::Run(Work::new("figures", move |w| {
            let r = (|| {
                // The first time, a member of staff's own store.
                if own_store {
                    q.store = crate::store::orders::choose::own_staff(w.auth, w.actor)
                        .ok()
                        .flatten()
                        .filter(|s| s.active)
                        .map(|s| s.store_id);
                }
                Ok(Loaded {
                    figures: dashboard::load(w.auth, w.actor, &q)?,
                    stores: dashboard::stores(w.auth, w.actor)?,
                    span: dashboard::order_dates(w.auth, w.actor, q.store)?,
                    store: q.store,
                })
            })();
            DashReply::Loaded(r)
        }))
    }

    fn store_name(&self) -> String {
        match self.store {
            None => "all stores".into(),
            Some(id) => self
                .stores
                .iter()
                .find(|(s, _)| *s == id)
                .map_or(format!("store {id}"), |(_, n)| clean(n)),
        }
    }
}

/// An amount in whole thousands for a bar (`12k`; `950` under a thousand; `1.2M`), in at
/// most four characters.
pub fn thousands(cents: i64) -> String {
    let units = cents.max(0) / 100;
    match units {
        u if u < 1_000 => u.to_string(),
        u if u < 999_500 => format!("{}k", (u + 500) / 1_000),
        u if u < 9_950_000 => format!("{:.1}M", u as f64 / 1_000_000.0),
        u => format!("{}M", (u + 500_000) / 1_000_000),
    }
}

/// The next kind of period: month → quarter → year → all → month.
fn next_kind(p: Period) -> Period {
    let start = p.bounds().map(|(s, _)| s);
    match (p, start) {
        (Period::Month { year, .. }, Some(s)) => Period::Quarter {
            year,
            quarter: (chrono::Datelike::month(&s) - 1) / 3 + 1,
        },
        (Period::Quarter { year, .. }, _) => Period::Year { year },
        (Period::Year { .. }, _) => Period::All,
        _ => p,
    }
}

impl Tab for DashboardTab {
    fn id(&self) -> TabId {
        TabId::Dashboard
    }

    fn on_open(&mut self, ctx: &Ctx) -> Option<Cmd> {
        let stale = self.figures.is_none() || ctx.wrote != self.seen_writes;
        (stale && !self.loading).then(|| self.load(ctx))
    }

    fn on_tick(&mut self, ctx: &Ctx) -> Option<Cmd> {
        self.ticks += 1;
        (self.ticks >= REFRESH_TICKS && !self.loading).then(|| self.load(ctx))
    }

    fn handle_key(&mut self, key: &KeyEvent, _: Option<Action>, ctx: &Ctx) -> Option<Cmd> {
        // From the period last asked for, not the one on screen: keys that arrive together
        // (over SSH they often do) each move it on while the figures load.
        let current = self
            .period
            .or_else(|| self.figures.as_ref().map(|f| f.period));
        Some(match key.code {
            KeyCode::Char('r') => self.load(ctx),
            KeyCode::Char('[') | KeyCode::Char(',') => {
                let previous = current.map(Period::previous);
                if let (Some((first, _)), Some((_, end))) =
                    (self.span, previous.and_then(Period::bounds))
                    && end <= first
                {
                    return Some(Cmd::Notice(Notice::info(format!(
                        "The first order is of {first}: this is the earliest period with orders."
                    ))));
                }
                self.period = previous;
                self.load(ctx)
            }
            KeyCode::Char(']') | KeyCode::Char('.') => {
                let next = current.map(Period::next);
                let today = chrono::Local::now().date_naive();
                let last = self.span.map_or(today, |(_, last)| last.min(today));
                if next
                    .and_then(Period::bounds)
                    .is_some_and(|(start, _)| start > last)
                {
                    return Some(Cmd::Notice(Notice::info(format!(
                        "The last order is of {last}: this is the latest period with orders."
                    ))));
                }
                self.period = next;
                self.load(ctx)
            }
            KeyCode::Char('p') => {
                self.period = match current {
                    Some(Period::All) => None,
                    Some(p) => Some(next_kind(p)),
                    None => None,
                };
                self.load(ctx)
            }
            KeyCode::Char('s') => {
                let ids: Vec<i32> = self.stores.iter().map(|(id, _)| *id).collect();
                self.store = match self.store {
                    None => ids.first().copied(),
                    Some(cur) => ids.iter().skip_while(|i| **i != cur).nth(1).copied(),
                };
                self.load(ctx)
            }
            _ => return None,
        })
    }

    fn on_reply(&mut self, reply: Reply, _: &Ctx) -> Option<Cmd> {
        self.loading = false;
        match reply.done::<DashReply>()? {
            DashReply::Loaded(Ok(l)) => {
                self.period = Some(l.figures.period);
                self.figures = Some(l.figures);
                self.stores = l.stores;
                self.span = l.span;
                self.store = l.store;
                self.as_of = Some(chrono::Local::now().format("%H:%M:%S").to_string());
                None
            }
            DashReply::Loaded(Err(e)) => Some(Cmd::failed(&e)),
        }
    }

    fn draw(&self, ctx: &Ctx, f: &mut Frame, area: Rect) {
        let t = ctx.theme;
        let title = match &self.figures {
            Some(fig) => format!(
                "Dashboard · {} · {}{}",
                fig.period.label(),
                self.store_name(),
                self.as_of
                    .as_ref()
                    .map(|t| format!(" · as of {t}"))
                    .unwrap_or_default()
            ),
            None => "Dashboard".into(),
        };
        let title = if self.loading {
            format!("{title} · {} loading", SPINNER[ctx.spinner % SPINNER.len()])
        } else {
            title
        };
        let block = boxed(t, &title);
        let inner = block.inner(area);
        f.render_widget(block, area);
        let Some(fig) = &self.figures else {
            f.render_widget(Paragraph::new("Loading the figures…").style(t.dim), inner);
            return;
        };
        let money = |c: i64| ctx.shop.money(c);
        // Counts with thousands separators, as money is shown.
        let n = |v: i64| crate::text::group_digits(v.max(0) as u64);
        let wide = inner.width >= 120;
        let [top, rest] =
            Layout::vertical([Constraint::Length(5), Constraint::Min(1)]).areas(inner);
        // Key figures, and the target as a bar drawn in text (the ratio in figures too).
        let ratio = fig.revenue_cents as f64 / fig.target_cents.max(1) as f64;
        let bar_w = 20usize;
        let filled = ((ratio.min(1.0)) * bar_w as f64).round() as usize;
        let lines = vec![
            Line::from(vec![
                Span::styled("Revenue   ", t.dim),
                Span::styled(money(fig.revenue_cents), t.title),
                Span::styled(format!("   items sold {}", n(fig.items_sold)), t.base),
            ]),
            Line::from(format!(
                "Target    {}  [{}{}] {} % of it",
                money(fig.target_cents),
                "#".repeat(filled),
                "-".repeat(bar_w - filled),
                n((ratio * 100.0).round() as i64)
            )),
            Line::from(format!(
                "Orders    {} · average {} · {:.0} % completed",
                n(fig.orders as i64),
                money(fig.average_order_cents),
                fig.completion_rate * 100.0
            )),
            Line::from(format!(
                "          {}",
                fig.orders_by_status
                    .iter()
                    .map(|(s, c)| format!("{} {}", s.name(), n(*c as i64)))
                    .collect::<Vec<_>>()
                    .join(" · ")
            )),
        ];
        f.render_widget(Paragraph::new(lines).style(t.base), top);
        let (best_area, chart_area, low_area) = if wide {
            let [a, b, c] = Layout::horizontal([
                Constraint::Percentage(34),
                Constraint::Percentage(36),
                Constraint::Percentage(30),
            ])
            .areas(rest);
            (a, b, c)
        } else {
            let [a, b] =
                Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
                    .areas(rest);
            let [b1, b2] =
                Layout::vertical([Constraint::Percentage(60), Constraint::Percentage(40)]).areas(b);
            (a, b1, b2)
        };
        // A blank column after the best lists, so a name cut short never runs into the
        // next panel's title.
        let best_area = Rect {
            width: best_area.width.saturating_sub(1),
            ..best_area
        };
        // Best products and staff: amounts first, in a column as wide as the widest, so a
        // narrow screen leaves the names the room there is.
        let products: Vec<_> = fig
            .top_products
            .iter()
            .take(if wide { 10 } else { 5 })
            .collect();
        let staff: Vec<_> = fig
            .top_staff
            .iter()
            .take(if wide { 5 } else { 3 })
            .collect();
        let w = products
            .iter()
            .map(|(_, _, c)| money(*c).chars().count())
            .chain(staff.iter().map(|(_, _, c)| money(*c).chars().count()))
            .max()
            .unwrap_or(0);
        let mut best = vec![Line::styled("Best products: revenue, units", t.title)];
        // Names cut short end in `…`, so a cut is never taken for the whole name.
        let name_w = (best_area.width as usize).saturating_sub(w + 7);
        let name = |s: &str| {
            crate::tui::widgets::grid::cell(s, name_w, false)
                .trim_end()
                .to_string()
        };
        for (p, n, c) in products {
            best.push(Line::from(format!(
                "{:>w$} {:>4} {}",
                money(*c),
                n,
                name(p)
            )));
        }
        best.push(Line::styled("Best staff: revenue, orders", t.title));
        for (s, n, c) in staff {
            best.push(Line::from(format!(
                "{:>w$} {:>4} {}",
                money(*c),
                n,
                name(s)
            )));
        }
        let mut lows = vec![Line::styled(
            format!(
                "Low stock (≤ {}), worst first",
                ctx.shop.low_stock_threshold
            ),
            t.title,
        )];
        if fig.low_stock.is_empty() {
            lows.push(Line::from("  nothing to reorder"));
        }
        let low_w = (low_area.width as usize).saturating_sub(7);
        for (s, p, q) in &fig.low_stock {
            let what = crate::tui::widgets::grid::cell(&format!("{p} · {s}"), low_w, false);
            lows.push(Line::from(format!("{q:>4} · {}", what.trim_end())));
        }
        f.render_widget(Paragraph::new(best).style(t.base), best_area);
        f.render_widget(Paragraph::new(lows).style(t.base), low_area);
        // Revenue by month as bars with their amounts (in thousands) on them: as many of the
        // latest months as have bars wide enough for an amount; all twelve spelled out below
        // where there is room.
        // Bars at least four wide, so an amount (`461k`) fits on each.
        let inner = chart_area.width.saturating_sub(2);
        let shown = ((inner + 1) / 5).clamp(1, 12) as usize;
        let bar_width = ((inner + 1) / shown as u16).saturating_sub(1).max(1);
        let [bars_area, months_area] = Layout::vertical([
            Constraint::Min(4),
            Constraint::Length(if wide { 4 } else { 0 }),
        ])
        .areas(chart_area);
        let skip = fig.by_month.len().saturating_sub(shown);
        let bars: Vec<Bar> = fig
            .by_month
            .iter()
            .skip(skip)
            .map(|(m, c)| {
                Bar::with_label(
                    m.get(5..).unwrap_or(m).to_string(),
                    (*c / 100).max(0) as u64,
                )
                .text_value(thousands(*c))
            })
            .collect();
        let chart_title = format!(
            "Revenue by month, last {}{}",
            fig.by_month.len() - skip,
            if wide { "" } else { " (in k)" }
        );
        f.render_widget(
            BarChart::new(bars)
                .block(boxed(t, &chart_title))
                .bar_width(bar_width)
                .bar_gap(1)
                .bar_style(t.accent)
                .value_style(t.focus)
                .style(t.base),
            bars_area,
        );
        if wide {
            let text: Vec<String> = fig
                .by_month
                .iter()
                .map(|(m, c)| format!("{m} {}", money(*c)))
                .collect();
            f.render_widget(
                Paragraph::new(text.join(" · "))
                    .wrap(ratatui::widgets::Wrap { trim: true })
                    .style(t.dim),
                months_area,
            );
        }
    }

    fn hints(&self, _: &Ctx) -> Vec<Hint> {
        let h = |k: &str, what: &'static str| (k.to_string(), what);
        vec![
            h("[ ]", "previous/next period"),
            h("p", "month/quarter/year/all"),
            h("s", "store"),
            h("r", "refresh"),
        ]
    }

    fn help(&self, ctx: &Ctx) -> Vec<Hint> {
        let h = |k: &str, what: &'static str| (k.to_string(), what);
        let mut v = self.hints(ctx);
        v.extend([
            h(", .", "previous / next period, as [ ]"),
            h("(itself)", "refreshes after a sale, change or import here"),
            h(
                "(itself)",
                "and each minute; the title says when it read them",
            ),
        ]);
        v
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
