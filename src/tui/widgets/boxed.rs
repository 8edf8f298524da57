//! The frame every box is drawn in: a bordered block with its title, and the centred area a
//! popup, a question or a sign-in form takes. Shared by the screens and the tabs.

use ratatui::layout::Rect;
use ratatui::widgets::Block;

use crate::tui::theme::Theme;

/// A centred box of at most `w`×`h`.
pub(crate) fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

pub(crate) fn boxed<'a>(t: &Theme, title: &'a str) -> Block<'a> {
    Block::bordered()
        .title(format!(" {title} "))
        .border_style(t.border)
        .style(t.base)
}
