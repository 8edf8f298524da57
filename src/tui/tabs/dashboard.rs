//! The Dashboard tab: the figures a store runs on for a period and a store — revenue against
//! the target, orders by status, revenue by month as bars with the amounts as text, the best
//! products and staff, and what to reorder. Loads when opened and on `r`, on a worker; the
//! figures on screen stay until new ones arrive.

use std::any::Any;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Bar, BarChart, Paragraph};

use super::{Cmd, Ctx, Hint, Notice, Tab, TabId};
use crate::error::Error;
use crate::store::dashboard::{self, DashboardQuery, Figures, Period};
use crate::tui::keymap::Action;
use crate::tui::text::clean;
use crate::tui::widgets::boxed::boxed;
use crate::tui::work::{Reply, Work};

#[derive(Debug)]
enum DashReply {
    Loaded(Result<(Figures, Vec<(i32, String)>), Error>),
}

#[derive(Debug, Default)]
pub struct DashboardTab {
    pub figures: Option<Figures>,
    pub stores: Vec<(i32, String)>,
    /// `None`: all stores.
    pub store: Option<i32>,
    /// `None` until the first load picks the latest month with orders.
    pub period: Option<Period>,
    pub loading: bool,
}

const SPINNER: [&str; 4] = ["◐", "◓", "◑", "◒"];

impl DashboardTab {
    fn load(&mut self, ctx: &Ctx) -> Cmd {
        self.loading = true;
        let q = DashboardQuery {
            store: self.store,
            period: self.period,
            low_stock_threshold: ctx.shop.low_stock_threshold,
            target_per_store_month_cents: ctx.shop.target_per_store_month_cents,
        };
        Cmd::Run(Work::new("figures", move |w| {
            let r = dashboard::load(w.auth, w.actor, &q)
                .and_then(|f| Ok((f, dashboard::stores(w.auth, w.actor)?)));
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
        (self.figures.is_none() && !self.loading).then(|| self.load(ctx))
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
                self.period = current.map(Period::previous);
                self.load(ctx)
            }
            KeyCode::Char(']') | KeyCode::Char('.') => {
                let next = current.map(Period::next);
                let today = chrono::Local::now().date_naive();
                if next
                    .and_then(Period::bounds)
                    .is_some_and(|(start, _)| start > today)
                {
                    return Some(Cmd::Notice(Notice::info(
                        "That period has not begun yet: this is the latest.",
                    )));
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
            DashReply::Loaded(Ok((f, stores))) => {
                self.period = Some(f.period);
                self.figures = Some(f);
                self.stores = stores;
                None
            }
            DashReply::Loaded(Err(e)) => Some(Cmd::failed(&e)),
        }
    }

    fn draw(&self, ctx: &Ctx, f: &mut Frame, area: Rect) {
        let t = ctx.theme;
        let title = match &self.figures {
            Some(fig) => format!("Dashboard · {} · {}", fig.period.label(), self.store_name()),
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
        // Best products and staff, amounts first so a narrow column cuts only names.
        let mut best = vec![Line::styled("Best products", t.title)];
        for (p, n, c) in fig.top_products.iter().take(if wide { 10 } else { 5 }) {
            best.push(Line::from(format!(
                "{:>13} {n:>3}× {}",
                money(*c),
                clean(p)
            )));
        }
        best.push(Line::styled("Best staff", t.title));
        for (s, n, c) in fig.top_staff.iter().take(if wide { 5 } else { 3 }) {
            best.push(Line::from(format!(
                "{:>13} {n:>3} orders {}",
                money(*c),
                clean(s)
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
        for (s, p, q) in &fig.low_stock {
            lows.push(Line::from(format!("{q:>4} · {} · {}", clean(p), clean(s))));
        }
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
        f.render_widget(Paragraph::new(best).style(t.base), best_area);
        f.render_widget(Paragraph::new(lows).style(t.base), low_area);
        // Revenue by month as bars; the amounts as text where there is room.
        let bar_width = (chart_area.width.saturating_sub(2) / 12)
            .saturating_sub(1)
            .max(1);
        let [bars_area, months_area] = Layout::vertical([
            Constraint::Min(4),
            Constraint::Length(if wide { 4 } else { 0 }),
        ])
        .areas(chart_area);
        let bars: Vec<Bar> = fig
            .by_month
            .iter()
            .map(|(m, c)| {
                let bar = Bar::with_label(
                    m.get(5..).unwrap_or(m).to_string(),
                    (*c / 100).max(0) as u64,
                );
                if bar_width >= 4 {
                    bar.text_value(format!("{}k", c / 100_000))
                } else {
                    bar.text_value(String::new())
                }
            })
            .collect();
        f.render_widget(
            BarChart::new(bars)
                .block(boxed(t, "Revenue by month (last 12)"))
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

    fn as_any(&self) -> &dyn Any {
        self
    }
}
