//! A one-line text input. Secret inputs never show what was typed. A value put there for the
//! user (the last search, a filled-in id) starts selected: the first key typed replaces it,
//! Backspace clears it, ←/→/Home/End keep it and put the cursor at its end.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextInput {
    pub label: &'static str,
    pub value: String,
    pub secret: bool,
    pub max_chars: usize,
    /// The whole value is selected: typing replaces it.
    pub selected: bool,
}

impl TextInput {
    pub fn new(label: &'static str) -> Self {
        TextInput {
            label,
            value: String::new(),
            secret: false,
            max_chars: 128,
            selected: false,
        }
    }

    pub fn secret(label: &'static str) -> Self {
        TextInput {
            secret: true,
            ..Self::new(label)
        }
    }

    /// Puts `value` there, selected (typing replaces it).
    pub fn set(&mut self, value: impl Into<String>) {
        self.value = value.into();
        self.selected = !self.value.is_empty();
    }

    /// Selects what is there (a form reopened with its last entry).
    pub fn select(&mut self) {
        self.selected = !self.value.is_empty();
    }

    /// Empties the field.
    pub fn clear(&mut self) {
        self.value.clear();
        self.selected = false;
    }

    /// Takes a key if it edits the text; returns whether it did.
    pub fn handle(&mut self, key: &KeyEvent) -> bool {
        if key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
        {
            if key.code == KeyCode::Char('u') && key.modifiers.contains(KeyModifiers::CONTROL) {
                self.clear();
                return true;
            }
            return false;
        }
        match key.code {
            KeyCode::Char(c) if !c.is_control() => {
                if self.selected {
                    self.clear();
                }
                if self.value.chars().count() < self.max_chars {
                    self.value.push(c);
                }
                true
            }
            KeyCode::Backspace => {
                if self.selected {
                    self.clear();
                } else {
                    self.value.pop();
                }
                true
            }
            KeyCode::Left | KeyCode::Right | KeyCode::Home | KeyCode::End if self.selected => {
                self.selected = false;
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
        self.selected = false;
        std::mem::take(&mut self.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }

    #[test]
    fn a_selected_value_is_replaced_by_typing_and_kept_by_arrows() {
        let mut t = TextInput::new("Store");
        t.set("2");
        t.handle(&key(KeyCode::Char('9')));
        assert_eq!(t.value, "9");
        t.handle(&key(KeyCode::Char('1')));
        assert_eq!(t.value, "91", "after the first key, typing appends");
        t.set("2018-10");
        t.handle(&key(KeyCode::End));
        t.handle(&key(KeyCode::Backspace));
        assert_eq!(t.value, "2018-1");
        t.set("alane hoover");
        t.handle(&key(KeyCode::Backspace));
        assert_eq!(t.value, "");
    }
}
