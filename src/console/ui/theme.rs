//! Styles. Every meaning carried by colour is also carried by text (badges, markers), so the
//! console reads the same in monochrome and with `NO_COLOR`.

use ratatui::style::{Color, Modifier, Style};

use crate::domain::Outcome;

pub fn outcome_style(outcome: &Outcome) -> Style {
    let color = match outcome {
        Outcome::Created => Color::Green,
        Outcome::Fetched => Color::Cyan,
        Outcome::Updated(_) => Color::Yellow,
        Outcome::Unchanged => Color::Gray,
    };
    Style::new()
        .fg(Color::Black)
        .bg(color)
        .add_modifier(Modifier::BOLD)
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

pub fn error() -> Style {
    Style::new().fg(Color::Red).add_modifier(Modifier::BOLD)
}

pub fn dim() -> Style {
    Style::new().add_modifier(Modifier::DIM)
}

pub fn title() -> Style {
    Style::new().add_modifier(Modifier::BOLD)
}

pub fn key() -> Style {
    Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD)
}

pub fn focused_border() -> Style {
    Style::new().fg(Color::Cyan)
}

pub fn selected_row(focused: bool) -> Style {
    if focused {
        Style::new().add_modifier(Modifier::REVERSED)
    } else {
        Style::new().add_modifier(Modifier::UNDERLINED)
    }
}

pub fn created_this_session() -> Style {
    Style::new().fg(Color::Green)
}

pub fn role(role: crate::console::form::FieldRole) -> Style {
    use crate::console::form::FieldRole;
    match role {
        FieldRole::Lookup => Style::new().fg(Color::Magenta).add_modifier(Modifier::BOLD),
        FieldRole::Default => Style::new().fg(Color::Blue),
        FieldRole::CreateDefault => Style::new().fg(Color::Green),
        FieldRole::Unused => dim(),
    }
}
