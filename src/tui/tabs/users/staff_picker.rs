//! The Users tab's staff picker: type part of a name (or an id), the matching members of
//! staff are listed as you type, j/k or the arrows choose, Enter takes the one marked.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::text::Line;

use crate::auth::users::StaffMatch;
use crate::tui::text::clean;
use crate::tui::theme::Theme;
use crate::tui::widgets::input::TextInput;

/// How many matches are listed.
pub const SHOWN: i64 = 8;

#[derive(Debug)]
pub struct StaffPicker {
    /// The account to link.
    pub user: String,
    pub input: TextInput,
    pub matches: Vec<StaffMatch>,
    pub at: usize,
}

/// What a key did.
pub enum Picked {
    /// The text changed: search again.
    Search(String),
    Chosen(StaffMatch),
    Cancel,
    Nothing,
}

impl StaffPicker {
    pub fn new(user: String) -> StaffPicker {
        StaffPicker {
            user,
            input: TextInput::new("Staff name or id"),
            matches: Vec::new(),
            at: 0,
        }
    }

    pub fn handle(&mut self, key: &KeyEvent) -> Picked {
        match key.code {
            KeyCode::Esc => Picked::Cancel,
            KeyCode::Down => {
                self.at = (self.at + 1).min(self.matches.len().saturating_sub(1));
                Picked::Nothing
            }
            KeyCode::Up => {
                self.at = self.at.saturating_sub(1);
                Picked::Nothing
            }
            KeyCode::Enter => match self.matches.get(self.at) {
                Some(m) => Picked::Chosen(m.clone()),
                None => Picked::Nothing,
            },
            _ => {
                if self.input.handle(key) {
                    self.at = 0;
                    Picked::Search(self.input.value.clone())
                } else {
                    Picked::Nothing
                }
            }
        }
    }

    pub fn lines(&self, t: &Theme) -> Vec<Line<'static>> {
        let mut lines = vec![Line::from(format!(
            "{}: {}▏",
            self.input.label,
            clean(&self.input.value)
        ))];
        if self.matches.is_empty() {
            lines.push(Line::styled("No member of staff matches.", t.dim));
        }
        for (i, m) in self.matches.iter().enumerate() {
            let text = format!(
                "{} #{} {}{}",
                if i == self.at { "›" } else { " " },
                m.staff_id,
                clean(&m.name),
                m.linked_to
                    .as_ref()
                    .map_or(String::new(), |u| format!(" (linked to `{}`)", clean(u)))
            );
            lines.push(if i == self.at {
                Line::styled(text, t.focus)
            } else {
                Line::from(text)
            });
        }
        lines.push(Line::styled(
            "↑/↓ choose · Enter links · Esc cancels",
            t.dim,
        ));
        lines
    }
}
