//! Key bindings as data: each key maps to an [`Action`]; the config file's `[keys]` table
//! overrides the defaults (`"ctrl-q" = "quit"`). Text fields take printable keys first.

use std::collections::HashMap;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;

/// What a key asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Quit,
    Help,
    Submit,
    Back,
    NextField,
    PrevField,
    Up,
    Down,
    Left,
    Right,
    NextTab,
    PrevTab,
    ToggleTheme,
    SignOut,
    LockNow,
    UseBackupCode,
    Search,
    Tab1,
    Tab2,
    Tab3,
    Tab4,
    Tab5,
    Tab6,
    Tab7,
    Tab8,
    Tab9,
}

impl Action {
    /// For `Tab1`…`Tab9`, the tab index (0-based).
    pub fn tab_index(self) -> Option<usize> {
        use Action::*;
        [Tab1, Tab2, Tab3, Tab4, Tab5, Tab6, Tab7, Tab8, Tab9]
            .iter()
            .position(|a| *a == self)
    }
}

/// A key with its modifiers, as written in the config: `q`, `ctrl-c`, `shift-tab`, `f1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyCombo {
    pub code: KeyCode,
    pub ctrl: bool,
    pub alt: bool,
}

impl KeyCombo {
    pub fn from_event(e: &KeyEvent) -> KeyCombo {
        // Upper-case letters arrive with SHIFT; the character itself says it, so SHIFT is ignored.
        KeyCombo {
            code: e.code,
            ctrl: e.modifiers.contains(KeyModifiers::CONTROL),
            alt: e.modifiers.contains(KeyModifiers::ALT),
        }
    }

    pub fn parse(text: &str) -> Option<KeyCombo> {
        let lower = text.trim().to_ascii_lowercase();
        let mut ctrl = false;
        let mut alt = false;
        let mut rest = lower.as_str();
        loop {
            if let Some(r) = rest
                .strip_prefix("ctrl-")
                .or_else(|| rest.strip_prefix("c-"))
            {
                ctrl = true;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("alt-") {
                alt = true;
                rest = r;
            } else {
                break;
            }
        }
        let code = match rest {
            "enter" | "return" => KeyCode::Enter,
            "esc" | "escape" => KeyCode::Esc,
            "tab" => KeyCode::Tab,
            "shift-tab" | "backtab" => KeyCode::BackTab,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "space" => KeyCode::Char(' '),
            f if f.starts_with('f') && f.len() > 1 => KeyCode::F(f[1..].parse().ok()?),
            _ => {
                // Keep the case of a single character as written (`G` vs `g`).
                let original = text.trim();
                let ch = original.chars().last()?;
                if rest.chars().count() != 1 {
                    return None;
                }
                KeyCode::Char(ch)
            }
        };
        Some(KeyCombo { code, ctrl, alt })
    }
}

/// The active bindings.
#[derive(Debug, Clone)]
pub struct KeyMap {
    map: HashMap<KeyCombo, Action>,
}

fn action_named(name: &str) -> Option<Action> {
    toml::Value::String(name.trim().to_string()).try_into().ok()
}

impl KeyMap {
    /// The built-in bindings.
    pub fn defaults() -> KeyMap {
        use Action::*;
        let pairs: &[(&str, Action)] = &[
            ("ctrl-c", Quit),
            ("q", Quit),
            ("?", Help),
            ("f1", Help),
            ("enter", Submit),
            ("esc", Back),
            ("tab", NextField),
            ("backtab", PrevField),
            ("up", Up),
            ("k", Up),
            ("down", Down),
            ("j", Down),
            ("left", Left),
            ("h", Left),
            ("right", Right),
            ("l", Right),
            ("ctrl-t", ToggleTheme),
            ("t", ToggleTheme),
            ("ctrl-o", SignOut),
            ("ctrl-l", LockNow),
            ("ctrl-b", UseBackupCode),
            ("/", Search),
            ("1", Tab1),
            ("2", Tab2),
            ("3", Tab3),
            ("4", Tab4),
            ("5", Tab5),
            ("6", Tab6),
            ("7", Tab7),
            ("8", Tab8),
            ("9", Tab9),
        ];
        KeyMap {
            map: pairs
                .iter()
                .filter_map(|(k, a)| KeyCombo::parse(k).map(|c| (c, *a)))
                .collect(),
        }
    }

    /// Defaults with the config's overrides; unknown keys or actions are reported.
    pub fn with_overrides(
        overrides: &std::collections::BTreeMap<String, String>,
    ) -> Result<KeyMap, String> {
        let mut km = Self::defaults();
        for (key, action) in overrides {
            let combo =
                KeyCombo::parse(key).ok_or_else(|| format!("[keys]: `{key}` is not a key"))?;
            let action = action_named(action)
                .ok_or_else(|| format!("[keys]: `{action}` is not an action"))?;
            km.map.insert(combo, action);
        }
        Ok(km)
    }

    pub fn action(&self, e: &KeyEvent) -> Option<Action> {
        self.map.get(&KeyCombo::from_event(e)).copied()
    }

    /// The first key bound to `a`, for hints (`q`, `ctrl-c`, …).
    pub fn key_for(&self, a: Action) -> String {
        let mut keys: Vec<String> = self
            .map
            .iter()
            .filter(|(_, v)| **v == a)
            .map(|(k, _)| describe(k))
            .collect();
        keys.sort_by_key(|k| (k.len(), k.clone()));
        keys.into_iter().next().unwrap_or_else(|| "—".into())
    }
}

impl KeyMap {
    /// The first key bound to `a` that does not type (a Ctrl or Alt combination, a function
    /// key): what still works while a text field has the keyboard.
    pub fn non_typing_key_for(&self, a: Action) -> Option<String> {
        let mut keys: Vec<String> = self
            .map
            .iter()
            .filter(|(k, v)| **v == a && (k.ctrl || k.alt || !matches!(k.code, KeyCode::Char(_))))
            .map(|(k, _)| describe(k))
            .collect();
        keys.sort_by_key(|k| (k.len(), k.clone()));
        keys.into_iter().next()
    }
}

fn describe(k: &KeyCombo) -> String {
    let base = match k.code {
        KeyCode::Char(' ') => "space".to_string(),
        // Ctrl-O, as a terminal's menus write it; a plain letter keeps its case.
        KeyCode::Char(c) if k.ctrl || k.alt => c.to_ascii_uppercase().to_string(),
        KeyCode::Char(c) => c.to_string(),
        KeyCode::Enter => "Enter".into(),
        KeyCode::Esc => "Esc".into(),
        KeyCode::Tab => "Tab".into(),
        KeyCode::BackTab => "Shift-Tab".into(),
        KeyCode::F(n) => format!("F{n}"),
        KeyCode::Up => "↑".into(),
        KeyCode::Down => "↓".into(),
        KeyCode::Left => "←".into(),
        KeyCode::Right => "→".into(),
        other => format!("{other:?}"),
    };
    format!(
        "{}{}{}",
        if k.ctrl { "Ctrl-" } else { "" },
        if k.alt { "Alt-" } else { "" },
        base
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_overrides() {
        let km = KeyMap::defaults();
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(km.action(&ctrl_c), Some(Action::Quit));
        let mut o = std::collections::BTreeMap::new();
        o.insert("ctrl-q".to_string(), "quit".to_string());
        o.insert("x".to_string(), "toggle_theme".to_string());
        let km = KeyMap::with_overrides(&o).unwrap();
        let ctrl_q = KeyEvent::new(KeyCode::Char('q'), KeyModifiers::CONTROL);
        assert_eq!(km.action(&ctrl_q), Some(Action::Quit));
        assert_eq!(
            km.action(&KeyEvent::new(KeyCode::Char('x'), KeyModifiers::NONE)),
            Some(Action::ToggleTheme)
        );
        o.insert("y".to_string(), "explode".to_string());
        assert!(KeyMap::with_overrides(&o).unwrap_err().contains("explode"));
        assert_eq!(Action::Tab3.tab_index(), Some(2));
        assert_eq!(KeyCombo::parse("F1").unwrap().code, KeyCode::F(1));
        assert_eq!(km.key_for(Action::Help), "?");
    }
}
