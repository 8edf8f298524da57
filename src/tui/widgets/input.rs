//! A one-line text input. Secret inputs never show what was typed.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextInput {
    pub label: &'static str,
    pub value: String,
    pub secret: bool,
    pub max_chars: usize,
}

impl TextInput {
    pub fn new(label: &'static str) -> Self {
        TextInput {
            label,
            value: String::new(),
            secret: false,
            max_chars: 128,
        }
    }

    pub fn secret(label: &'static str) -> Self {
        TextInput {
            secret: true,
            ..Self::new(label)
        }
    }

    /// Takes a key if it edits the text; returns whether it did.
    pub fn handle(&mut self, key: &KeyEvent) -> bool {
        if key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
        {
            if key.code == KeyCode::Char('u') && key.modifiers.contains(KeyModifiers::CONTROL) {
                self.value.clear();
                return true;
            }
            return false;
        }
        match key.code {
            KeyCode::Char(c) if !c.is_control() => {
                if self.value.chars().count() < self.max_chars {
                    self.value.push(c);
                }
                true
            }
            KeyCode::Backspace => {
                self.value.pop();
                true
            }
            _ => false,
        }
    }

    /// What is drawn: the text, or one `•` per character for secrets.
    pub fn shown(&self) -> String {
        if self.secret {
            "•".repeat(self.value.chars().count())
        } else {
            crate::tui::text::clean(&self.value)
        }
    }

    /// Takes the value out (and clears the field).
    pub fn take(&mut self) -> String {
        std::mem::take(&mut self.value)
    }
}
