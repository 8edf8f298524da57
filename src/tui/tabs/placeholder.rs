//! A tab that is not built yet: says what it will hold.

use std::any::Any;

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use super::{Cmd, Ctx, Hint, Tab, TabId};
use crate::tui::keymap::Action;
use crate::tui::screens::boxed;
use crate::tui::work::Reply;

#[derive(Debug)]
pub struct Placeholder(pub TabId);

fn describe(tab: TabId) -> &'static str {
    match tab {
        TabId::Dashboard => "Sales, orders and stock at a glance.",
        TabId::Data => "Browse and search every table of the store.",
        TabId::Orders => "Create orders and move them through their statuses.",
        TabId::Reports => "PDF customer and sales reports.",
        TabId::Etl => "Imports and exports.",
        TabId::Users => "Accounts, roles, locks and 2FA.",
        TabId::Audit => "Who did what, when, from which terminal.",
        TabId::Settings => "Store and security settings.",
    }
}

impl Tab for Placeholder {
    fn id(&self) -> TabId {
        self.0
    }

    fn handle_key(&mut self, _: &KeyEvent, _: Option<Action>, _: &Ctx) -> Option<Cmd> {
        None
    }

    fn on_reply(&mut self, _: Reply, _: &Ctx) -> Option<Cmd> {
        None
    }

    fn draw(&self, ctx: &Ctx, f: &mut Frame, area: Rect) {
        let t = ctx.theme;
        let lines = vec![
            Line::from(describe(self.0)),
            Line::default(),
            Line::styled("This part of Stockroom is not in this build yet.", t.dim),
        ];
        f.render_widget(
            Paragraph::new(lines)
                .block(boxed(t, self.0.title()))
                .style(t.base),
            area,
        );
    }

    fn hints(&self, _: &Ctx) -> Vec<Hint> {
        Vec::new()
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
