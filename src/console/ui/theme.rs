//! Styles. Every meaning carried by colour is also carried by text (badges, markers), so the
//! console reads the same in monochrome and with `NO_COLOR` (which crossterm honours whatever
//! the theme says).
//!
//! [`Theme`] holds the colour of each role; the built-in dark and light themes, or the
//! configuration file's `[theme]`, fill it. Emphasis that is not colour (bold, dim) is fixed.

use ratatui::style::{Color, Modifier, Style};

use crate::console::form::FieldRole;
use crate::domain::Outcome;

/// The colour of each role on screen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Theme {
    /// Which built-in theme this starts from.
    pub base: ThemeBase,
    /// The selected row's background (`None`: reversed video).
    pub cursor: Option<Color>,
    pub error: Color,
    /// The focused pane's border and pop-up borders.
    pub border: Color,
    /// Keys in hints and help.
    pub key: Color,
    /// Outcome badges' backgrounds.
    pub created: Color,
    pub fetched: Color,
    pub updated: Color,
    pub unchanged: Color,
    /// The text on an outcome badge.
    pub badge_text: Color,
    /// Form role labels.
    pub lookup: Color,
    pub default: Color,
    pub create: Color,
    /// Rows this console created.
    pub new_row: Color,
}

/// The built-in themes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThemeBase {
    Dark,
    Light,
}

impl ThemeBase {
    pub fn name(self) -> &'static str {
        match self {
            ThemeBase::Dark => "dark",
            ThemeBase::Light => "light",
        }
    }
}

/// The roles a configuration file may colour, by name, with how to read and show each.
pub const ROLES: &[&str] = &[
    "cursor",
    "error",
    "border",
    "key",
    "created",
    "fetched",
    "updated",
    "unchanged",
    "badge_text",
    "lookup",
    "default",
    "create",
    "new_row",
];

impl Default for Theme {
    fn default() -> Self {
        Theme::dark()
    }
}

impl Theme {
    /// For a dark terminal background (the default).
    pub fn dark() -> Theme {
        Theme {
            base: ThemeBase::Dark,
            cursor: None,
            error: Color::Red,
            border: Color::Cyan,
            key: Color::Cyan,
            created: Color::Green,
            fetched: Color::Cyan,
            updated: Color::Yellow,
            unchanged: Color::Gray,
            badge_text: Color::Black,
            lookup: Color::Magenta,
            default: Color::Blue,
            create: Color::Green,
            new_row: Color::Green,
        }
    }

    /// For a light terminal background: darker colours that keep their contrast on white.
    pub fn light() -> Theme {
        Theme {
            base: ThemeBase::Light,
            cursor: None,
            error: Color::Indexed(124),
            border: Color::Indexed(25),
            key: Color::Indexed(25),
            created: Color::Indexed(28),
            fetched: Color::Indexed(31),
            updated: Color::Indexed(136),
            unchanged: Color::Indexed(244),
            badge_text: Color::White,
            lookup: Color::Indexed(90),
            default: Color::Indexed(19),
            create: Color::Indexed(22),
            new_row: Color::Indexed(28),
        }
    }

    pub fn of_base(base: ThemeBase) -> Theme {
        match base {
            ThemeBase::Dark => Theme::dark(),
            ThemeBase::Light => Theme::light(),
        }
    }

    /// Sets the role `name` (one of [`ROLES`]) to `value`: a colour name (`red`, `lightblue`,
    /// `darkgray`…), `#rrggbb`, an index 0–255, or for `cursor`, `reversed`.
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), String> {
        if name == "cursor" {
            self.cursor = if value.eq_ignore_ascii_case("reversed") {
                None
            } else {
                Some(parse_color(value)?)
            };
            return Ok(());
        }
        let color = parse_color(value)?;
        let slot = self.slot(name).ok_or_else(|| {
            format!(
                "unknown theme role {name:?}; the roles are base, {}",
                ROLES.join(", ")
            )
        })?;
        *slot = color;
        Ok(())
    }

    /// The role `name` as the configuration file writes it.
    pub fn get(&self, name: &str) -> Option<String> {
        if name == "cursor" {
            return Some(self.cursor.map_or("reversed".to_owned(), color_name));
        }
        self.clone().slot(name).map(|color| color_name(*color))
    }

    /// The colour of every role but `cursor` (which may be no colour), by name.
    fn slot(&mut self, name: &str) -> Option<&mut Color> {
        Some(match name {
            "error" => &mut self.error,
            "border" => &mut self.border,
            "key" => &mut self.key,
            "created" => &mut self.created,
            "fetched" => &mut self.fetched,
            "updated" => &mut self.updated,
            "unchanged" => &mut self.unchanged,
            "badge_text" => &mut self.badge_text,
            "lookup" => &mut self.lookup,
            "default" => &mut self.default,
            "create" => &mut self.create,
            "new_row" => &mut self.new_row,
            _ => return None,
        })
    }

    pub fn outcome_style(&self, outcome: &Outcome) -> Style {
        let color = match outcome {
            Outcome::Created => self.created,
            Outcome::Fetched => self.fetched,
            Outcome::Updated(_) => self.updated,
            Outcome::Unchanged => self.unchanged,
        };
        Style::new()
            .fg(self.badge_text)
            .bg(color)
            .add_modifier(Modifier::BOLD)
    }

    pub fn error(&self) -> Style {
        Style::new().fg(self.error).add_modifier(Modifier::BOLD)
    }

    pub fn key(&self) -> Style {
        Style::new().fg(self.key).add_modifier(Modifier::BOLD)
    }

    pub fn focused_border(&self) -> Style {
        Style::new().fg(self.border)
    }

    pub fn selected_row(&self, focused: bool) -> Style {
        match (focused, self.cursor) {
            (true, None) => Style::new().add_modifier(Modifier::REVERSED),
            (true, Some(color)) => Style::new().bg(color),
            (false, _) => Style::new().add_modifier(Modifier::UNDERLINED),
        }
    }

    pub fn created_this_session(&self) -> Style {
        Style::new().fg(self.new_row)
    }

    pub fn role(&self, role: FieldRole) -> Style {
        match role {
            FieldRole::Lookup => Style::new().fg(self.lookup).add_modifier(Modifier::BOLD),
            FieldRole::Default => Style::new().fg(self.default),
            FieldRole::CreateDefault => Style::new().fg(self.create),
            FieldRole::Unused => dim(),
        }
    }
}

/// A colour as the configuration file writes it.
fn parse_color(value: &str) -> Result<Color, String> {
    let value = value.trim();
    let bad = || {
        format!(
            "{value:?} is not a colour: use a name (black, red, green, yellow, blue, magenta, \
             cyan, gray, darkgray, lightred, …, white), #rrggbb or a number 0-255"
        )
    };
    if value.is_empty() {
        return Err(bad());
    }
    if let Ok(index) = value.parse::<u8>() {
        return Ok(Color::Indexed(index));
    }
    if value.starts_with('#') && value.len() != 7 {
        return Err(bad());
    }
    value.parse::<Color>().map_err(|_| bad())
}

/// How the configuration file writes a colour ([`parse_color`] reads it back).
fn color_name(color: Color) -> String {
    match color {
        Color::Indexed(index) => index.to_string(),
        Color::Rgb(r, g, b) => format!("#{r:02x}{g:02x}{b:02x}"),
        other => other.to_string().to_lowercase(),
    }
}

/// The text badge for an outcome, four characters wide.
pub fn outcome_badge(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::Created => "NEW ",
        Outcome::Fetched => "GOT ",
        Outcome::Updated(_) => "UPD ",
        Outcome::Unchanged => "SAME",
    }
}

pub fn dim() -> Style {
    Style::new().add_modifier(Modifier::DIM)
}

pub fn title() -> Style {
    Style::new().add_modifier(Modifier::BOLD)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_reads_back_what_it_writes() {
        for theme in [Theme::dark(), Theme::light()] {
            let mut copy = Theme::of_base(theme.base);
            for role in ROLES {
                let value = theme.get(role).unwrap();
                copy.set(role, &value).unwrap();
            }
            assert_eq!(copy, theme);
        }
    }

    #[test]
    fn colours_are_names_hex_or_indexes() {
        let mut theme = Theme::dark();
        theme.set("error", "lightred").unwrap();
        assert_eq!(theme.error, Color::LightRed);
        theme.set("border", "#00aaff").unwrap();
        assert_eq!(theme.border, Color::Rgb(0, 0xaa, 0xff));
        theme.set("key", "33").unwrap();
        assert_eq!(theme.key, Color::Indexed(33));
        for bad in ["", "reddish", "#12", "256", "#gggggg"] {
            assert!(theme.set("error", bad).is_err(), "{bad:?}");
        }
        assert!(theme.set("curser", "red").is_err());
    }
}
