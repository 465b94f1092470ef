//! The profile table: the loaded window around the cursor, with the last operation's row
//! highlighted and rows created this session marked.

use crate::domain::escape_for_terminal;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, Wrap};

use super::theme;
use crate::console::app::{App, Focus};
use crate::domain::{Profile, SortColumn};

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let table = &app.table;
    let focused = app.focus == Focus::Table;
    let position = match (
        table.at_start && table.top == 0,
        table.at_end && table.top + table.height >= table.rows.len(),
    ) {
        (true, true) => "all",
        (true, false) => "top",
        (false, true) => "bottom",
        (false, false) => "…",
    };
    // "all" of what: the whole table, or what the search and filter (in the header) let through.
    let what = if table.filter.is_empty() {
        "Profiles"
    } else {
        "Matching profiles"
    };
    let title = format!(" {what} · {position} ");
    let block = Block::default()
        .borders(Borders::ALL)
        .title(title)
        .border_style(if focused {
            theme::focused_border()
        } else {
            Style::new()
        });

    let wide = area.width >= 84;
    let medium = area.width >= 66;
    let mut widths = vec![
        Constraint::Length(5),
        Constraint::Length(8),
        Constraint::Fill(1),
        Constraint::Fill(1),
        Constraint::Length(1),
        Constraint::Length(3),
    ];
    let mut headers = vec!["", "id", "first_name", "last_name", "g", "age"];
    if medium {
        widths.push(Constraint::Length(16));
        headers.push("created");
    }
    if wide {
        widths.push(Constraint::Length(16));
        headers.push("updated");
    }
    let header = Row::new(headers.into_iter().enumerate().map(|(i, name)| {
        let sorted = sort_column_index(table.sort) == Some(i);
        let arrow = if !sorted {
            ""
        } else if table.descending {
            "↓"
        } else {
            "↑"
        };
        Cell::from(format!("{name}{arrow}"))
    }))
    .style(theme::title());

    let rows: Vec<Row> = table
        .visible()
        .map(|(index, profile)| row(app, index, profile, medium, wide, focused))
        .collect();
    let empty = rows.is_empty();
    frame.render_widget(
        Table::new(rows, widths)
            .header(header)
            .block(block)
            .column_spacing(1),
        area,
    );
    if empty {
        let message = if table.total == Some(0) && table.filter.is_empty() {
            "No profiles yet. Type one in the form, or fill the database with demo data: \
             profile-console seed --count 1000"
        } else if table.total.is_none() {
            "loading…"
        } else {
            "No profiles match."
        };
        let inner = Rect {
            x: area.x + 2,
            y: area.y + 2,
            width: area.width.saturating_sub(4),
            height: 3,
        };
        let text = Paragraph::new(Line::styled(message, theme::dim())).wrap(Wrap { trim: true });
        frame.render_widget(text, inner);
    }
}

fn row<'a>(
    app: &App,
    index: usize,
    profile: &'a Profile,
    medium: bool,
    wide: bool,
    focused: bool,
) -> Row<'a> {
    let highlighted = app
        .highlight
        .as_ref()
        .filter(|(id, _)| *id == profile.id)
        .map(|(_, outcome)| outcome);
    let created_here = app.created_this_session.contains(&profile.id);
    let badge = match highlighted {
        Some(outcome) => theme::outcome_badge(outcome),
        None if created_here => "+",
        None => "",
    };
    // The cursor is marked in text too, so it reads without colour or reverse video.
    let cursor = if index == app.table.cursor {
        "›"
    } else {
        " "
    };
    let mut cells = vec![
        Cell::from(format!("{cursor}{badge}")),
        Cell::from(profile.id.to_string()),
        Cell::from(escape_for_terminal(&profile.first_name)),
        Cell::from(escape_for_terminal(&profile.last_name)),
        Cell::from(escape_for_terminal(&profile.gender)),
        Cell::from(format!("{:>3}", profile.age)),
    ];
    if medium {
        cells.push(Cell::from(
            profile.created_at.format("%Y-%m-%d %H:%M").to_string(),
        ));
    }
    if wide {
        cells.push(Cell::from(
            profile.updated_at.format("%Y-%m-%d %H:%M").to_string(),
        ));
    }
    let mut style = match highlighted {
        Some(outcome) => theme::outcome_style(outcome),
        None if created_here => theme::created_this_session(),
        None => Style::new(),
    };
    if index == app.table.cursor {
        style = style.patch(theme::selected_row(focused));
    }
    Row::new(cells).style(style)
}

fn sort_column_index(sort: SortColumn) -> Option<usize> {
    match sort {
        SortColumn::Id => Some(1),
        SortColumn::FirstName => Some(2),
        SortColumn::LastName => Some(3),
        SortColumn::Gender => Some(4),
        SortColumn::Age => Some(5),
        SortColumn::CreatedAt => Some(6),
        SortColumn::UpdatedAt => Some(7),
    }
}
