//! Dark and light themes in the 16 ANSI colours, and a plain one for `NO_COLOR`. Meaning is
//! never carried by colour alone: errors say "Error:", the active tab is bracketed and bold,
//! the focused field has a `›` marker.

use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThemeName {
    Dark,
    Light,
}

impl ThemeName {
    pub fn parse(s: &str) -> ThemeName {
        if s.eq_ignore_ascii_case("light") {
            ThemeName::Light
        } else {
            ThemeName::Dark
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            ThemeName::Dark => "dark",
            ThemeName::Light => "light",
        }
    }
    pub fn toggled(self) -> ThemeName {
        match self {
            ThemeName::Dark => ThemeName::Light,
            ThemeName::Light => ThemeName::Dark,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub name: ThemeName,
    pub no_color: bool,
    pub base: Style,
    pub title: Style,
    pub dim: Style,
    pub accent: Style,
    pub error: Style,
    pub ok: Style,
    pub focus: Style,
    pub tab_active: Style,
    pub border: Style,
}

impl Theme {
    pub fn new(name: ThemeName, no_color: bool) -> Theme {
        if no_color {
            let plain = Style::default();
            return Theme {
                name,
                no_color,
                base: plain,
                title: plain.add_modifier(Modifier::BOLD),
                dim: plain,
                accent: plain.add_modifier(Modifier::BOLD),
                error: plain.add_modifier(Modifier::BOLD),
                ok: plain.add_modifier(Modifier::BOLD),
                focus: plain.add_modifier(Modifier::REVERSED),
                tab_active: plain.add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
                border: plain,
            };
        }
        let (fg, bg, dim, accent) = match name {
            ThemeName::Dark => (Color::White, Color::Black, Color::Gray, Color::Cyan),
            ThemeName::Light => (Color::Black, Color::White, Color::DarkGray, Color::Blue),
        };
        let base = Style::default().fg(fg).bg(bg);
        Theme {
            name,
            no_color,
            base,
            title: base.fg(accent).add_modifier(Modifier::BOLD),
            dim: base.fg(dim),
            accent: base.fg(accent),
            error: base.fg(Color::Red).add_modifier(Modifier::BOLD),
            ok: base.fg(Color::Green).add_modifier(Modifier::BOLD),
            focus: base.add_modifier(Modifier::REVERSED),
            tab_active: base
                .fg(accent)
                .add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            border: base.fg(dim),
        }
    }
}
