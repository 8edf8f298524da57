//! A form of text inputs: Tab/Shift-Tab and Enter move between fields, Enter on the last
//! field submits, Esc leaves; [`form_lines`] draws one, a field a line. A printable key always
//! types, whatever the `[keys]` config binds it to.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::text::{Line, Span};

use super::input::TextInput;
use crate::tui::keymap::Action;
use crate::tui::theme::Theme;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Form {
    pub fields: Vec<TextInput>,
    pub focus: usize,
}

/// What a key did to a form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormEvent {
    Submit,
    Cancel,
    Handled,
    Ignored,
}

impl Form {
    pub fn new(fields: Vec<TextInput>) -> Self {
        Form { fields, focus: 0 }
    }

    pub fn value(&self, i: usize) -> &str {
        &self.fields[i].value
    }

    /// Selects every field's value, so typing replaces it (a form reopened with its last
    /// entry, or filled in for the user).
    pub fn select_all(mut self) -> Self {
        for f in self.fields.iter_mut() {
            f.select();
        }
        self
    }

    /// Whether any field holds something.
    pub fn typed(&self) -> bool {
        self.fields.iter().any(|f| !f.value.trim().is_empty())
    }

    /// Offers a key: printable keys edit the focused field, navigation moves the focus.
    pub fn handle(&mut self, key: &KeyEvent, action: Option<Action>) -> FormEvent {
        let last = self.fields.len().saturating_sub(1);
        // A letter typed is text, even where the config binds it to an action.
        let printable = matches!(key.code, KeyCode::Char(_))
            && !key
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
        let action = if printable { None } else { action };
        match (key.code, action) {
            (KeyCode::Enter, _) | (_, Some(Action::Submit)) => {
                if self.focus < last {
                    self.focus += 1;
                    FormEvent::Handled
                } else {
                    FormEvent::Submit
                }
            }
            (KeyCode::Esc, _) | (_, Some(Action::Back)) => FormEvent::Cancel,
            (KeyCode::Tab, _) | (KeyCode::Down, _) | (_, Some(Action::NextField)) => {
                self.focus = if self.focus >= last {
                    0
                } else {
                    self.focus + 1
                };
                FormEvent::Handled
            }
            (KeyCode::BackTab, _) | (KeyCode::Up, _) | (_, Some(Action::PrevField)) => {
                self.focus = if self.focus == 0 {
                    last
                } else {
                    self.focus - 1
                };
                FormEvent::Handled
            }
            _ => {
                if self
                    .fields
                    .get_mut(self.focus)
                    .is_some_and(|f| f.handle(key))
                {
                    FormEvent::Handled
                } else {
                    FormEvent::Ignored
                }
            }
        }
    }

    /// Clears every secret field (after a failed attempt).
    pub fn clear_secrets(&mut self) {
        for f in self.fields.iter_mut().filter(|f| f.secret) {
            f.value.clear();
        }
    }
}

/// Draws a form's fields, one per line: `› Label: value▏` for the focused one.
pub(crate) fn form_lines(form: &Form, t: &Theme) -> Vec<Line<'static>> {
    form.fields
        .iter()
        .enumerate()
        .map(|(i, field)| {
            let focused = i == form.focus;
            let marker = if focused { "› " } else { "  " };
            let mut spans = vec![Span::styled(
                format!("{marker}{:<14}", format!("{}:", field.label)),
                if focused { t.accent } else { t.base },
            )];
            spans.extend(value_spans(field, focused, t));
            Line::from(spans)
        })
        .collect()
}

/// A field's value as drawn: a selected value reversed (typing replaces it), the cursor
/// after the value of the focused field.
pub(crate) fn value_spans(field: &TextInput, focused: bool, t: &Theme) -> Vec<Span<'static>> {
    let style = if focused { t.focus } else { t.base };
    let mut v = Vec::new();
    if field.selected && focused {
        v.push(Span::styled(
            field.shown(),
            style.add_modifier(
                ratatui::style::Modifier::UNDERLINED | ratatui::style::Modifier::BOLD,
            ),
        ));
    } else {
        v.push(Span::styled(field.shown(), style));
    }
    if focused {
        v.push(Span::styled("▏", style));
    }
    v
}
