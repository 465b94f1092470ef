//! The profile table: the loaded window around the cursor, with the last operation's row
//! highlighted and rows created this session marked.

use crate::domain::escape_for_terminal;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, Wrap};

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::{theme, thousands};
use crate::console::app::{App, Focus};
use crate::domain::{Profile, SortColumn};

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let table = &app.table;
    let focused = app.focus == Focus::Table;
    // "Profiles" or, while a search or filter (in the header) is on, "Matching profiles".
    let what = if table.filter.is_empty() {
        "Profiles"
    } else {
        "Matching profiles"
    };
    let title = format!(" {what} · {} ", position_text(app));
    let block = Block::default()
        .borders(Borders::ALL)
        .title(title)
        .border_style(if focused {
            app.theme.focused_border()
        } else {
            Style::new()
        });

    let columns = Columns::fit(
        area.width.saturating_sub(2),
        table.visible().map(|(_, p)| p),
    );
    let mut widths = vec![
        Constraint::Length(5),
        Constraint::Length(8),
        Constraint::Length(columns.first_name),
        Constraint::Length(columns.last_name),
        Constraint::Length(1),
        Constraint::Length(3),
    ];
    let mut headers = vec!["", "id", "first_name", "last_name", "g", "age"];
    let (medium, wide) = (columns.created, columns.updated);
    if medium {
        widths.push(Constraint::Length(TIMESTAMP));
        headers.push("created");
    }
    if wide {
        widths.push(Constraint::Length(TIMESTAMP));
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
        .map(|(index, profile)| row(app, index, profile, &columns, focused))
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

/// "row 1,234 of 1,000,000", "row ? of ≈1,000,000", "no rows".
fn position_text(app: &App) -> String {
    let table = &app.table;
    if table.rows.is_empty() {
        return if table.total.is_none() {
            "…".into()
        } else {
            "no rows".into()
        };
    }
    let total = match table.total {
        Some(total) if table.total_is_estimate => format!("≈{}", thousands(total)),
        Some(total) => thousands(total),
        None => "…".into(),
    };
    match table.position() {
        Some(at) => format!("row {} of {total}", thousands(at)),
        None => format!("row ? of {total}"),
    }
}

/// A timestamp column's width (`2026-03-01 09:30`).
const TIMESTAMP: u16 = 16;

/// How the table's width is shared: names first (as wide as the longest on screen, up to the
/// 30 characters a name may have), then the timestamps if room is left.
struct Columns {
    first_name: u16,
    last_name: u16,
    created: bool,
    updated: bool,
}

impl Columns {
    fn fit<'a>(width: u16, rows: impl Iterator<Item = &'a Profile>) -> Columns {
        let (mut first, mut last) = ("first_name".len() as u16, "last_name".len() as u16);
        for profile in rows {
            first = first.max(shown_width(&profile.first_name));
            last = last.max(shown_width(&profile.last_name));
        }
        let (first, last) = (first.min(30), last.min(30));
        // Badge, id, gender, age, and the spaces between six columns.
        let rest = width.saturating_sub(5 + 8 + 1 + 3 + 5);
        let names = first + last;
        let created = rest > names + TIMESTAMP;
        let updated = rest >= names + 2 * (TIMESTAMP + 1);
        let for_names = rest
            - if updated {
                2 * (TIMESTAMP + 1)
            } else if created {
                TIMESTAMP + 1
            } else {
                0
            };
        // Room to spare is shared; short of room, each name keeps what it needs if the other
        // can spare it, else half.
        let first_name = if for_names >= first + last {
            first + (for_names - first - last) / 2
        } else {
            first.min((for_names / 2).max(for_names.saturating_sub(last)))
        };
        Columns {
            first_name,
            last_name: for_names.saturating_sub(first_name),
            created,
            updated,
        }
    }
}

fn shown_width(text: &str) -> u16 {
    u16::try_from(escape_for_terminal(text).width()).unwrap_or(u16::MAX)
}

/// `text` in `width` columns: whole, or cut with a "…" that says so.
fn fitted(text: &str, width: u16) -> String {
    let text = escape_for_terminal(text);
    let width = usize::from(width);
    if text.width() <= width {
        return text.into_owned();
    }
    let mut kept = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        used += w;
        kept.push(c);
    }
    kept.push('…');
    kept
}

fn row<'a>(
    app: &App,
    index: usize,
    profile: &'a Profile,
    columns: &Columns,
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
        // Changed by another client while the console was open.
        None if app.changed_by_others.contains(&profile.id) => "EXT",
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
        Cell::from(fitted(&profile.first_name, columns.first_name)),
        Cell::from(fitted(&profile.last_name, columns.last_name)),
        Cell::from(escape_for_terminal(&profile.gender)),
        Cell::from(format!("{:>3}", profile.age)),
    ];
    if columns.created {
        cells.push(Cell::from(
            profile.created_at.format("%Y-%m-%d %H:%M").to_string(),
        ));
    }
    if columns.updated {
        cells.push(Cell::from(
            profile.updated_at.format("%Y-%m-%d %H:%M").to_string(),
        ));
    }
    let mut style = match highlighted {
        Some(outcome) => app.theme.outcome_style(outcome),
        None if created_here => app.theme.created_this_session(),
        None => Style::new(),
    };
    if index == app.table.cursor {
        style = style.patch(app.theme.selected_row(focused));
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
