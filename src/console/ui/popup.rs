//! Pop-ups over the screen: help (from the key table), inspect, and the delete confirmation.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::{spinner, theme, thousands};
use crate::console::app::App;
use crate::console::keymap::{self, BINDINGS, Scope};
use crate::domain::Profile;

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [row] = Layout::vertical([Constraint::Length(height.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [cell] = Layout::horizontal([Constraint::Length(width.min(area.width))])
        .flex(Flex::Center)
        .areas(row);
    cell
}

fn show(frame: &mut Frame, area: Rect, title: &str, lines: Vec<Line>) {
    frame.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(title.to_owned())
        .border_style(theme::focused_border());
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}

pub fn help(frame: &mut Frame, area: Rect) {
    let section = |scope: Scope| -> Vec<Line<'static>> {
        let mut lines = vec![Line::styled(scope.title(), theme::title())];
        for binding in BINDINGS.iter().filter(|b| b.scope == scope) {
            lines.push(Line::from(vec![
                Span::styled(
                    format!("  {:<15}", keymap::keys_label(binding)),
                    theme::key(),
                ),
                Span::raw(binding.help),
            ]));
        }
        lines
    };
    let mut left = section(Scope::Form);
    left.push(Line::default());
    left.extend(section(Scope::Global));
    left.push(Line::default());
    left.push(Line::styled("Editing a field", theme::title()));
    left.push(Line::from("  ←/→ Home/End Ctrl-A/E Ctrl-←/→ Backspace"));
    left.push(Line::from(
        "  Ctrl-W word, Ctrl-U line, Ctrl-K to end, paste",
    ));
    left.push(Line::styled("Mouse", theme::title()));
    left.push(Line::from("  click a field or a row; the wheel scrolls"));
    let mut right = section(Scope::Table);
    right.push(Line::default());
    right.extend(section(Scope::Running));
    right.push(Line::default());
    right.push(Line::styled("Any key closes this help.", theme::dim()));
    let height = left.len().max(right.len()) as u16 + 2;
    let popup = centered(area, 110, height);
    frame.render_widget(Clear, popup);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(" Help ")
        .border_style(theme::focused_border());
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    let [left_area, right_area] =
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(inner);
    frame.render_widget(Paragraph::new(left), left_area);
    frame.render_widget(Paragraph::new(right), right_area);
}

pub fn inspect(app: &App, frame: &mut Frame, area: Rect) {
    let lines = match &app.inspect {
        None => vec![Line::from(format!(
            "{} reading the database…",
            spinner(app)
        ))],
        Some(Err(error)) => vec![Line::styled(format!("✗ {error}"), theme::error())],
        Some(Ok(report)) => {
            let mut lines = vec![
                Line::from(vec![
                    Span::styled("Database    ", theme::title()),
                    Span::raw(report.target.clone()),
                ]),
                Line::from(vec![
                    Span::styled("Backend     ", theme::title()),
                    Span::raw(format!(
                        "{} · {}",
                        report.backend, report.schema.server_version
                    )),
                ]),
            ];
            if let Some((path, size)) = &report.file {
                lines.push(Line::from(vec![
                    Span::styled("File        ", theme::title()),
                    Span::raw(format!(
                        "{} · {} bytes (with WAL)",
                        path.display(),
                        thousands(*size as i64)
                    )),
                ]));
            }
            lines.push(Line::from(vec![
                Span::styled("Profiles    ", theme::title()),
                Span::raw(thousands(report.row_count)),
            ]));
            lines.push(Line::styled("Constraints", theme::title()));
            for item in &report.schema.constraints {
                lines.push(Line::from(format!("  {}: {}", item.name, item.definition)));
            }
            lines.push(Line::styled("Indexes", theme::title()));
            for item in &report.schema.indexes {
                lines.push(Line::from(format!("  {}: {}", item.name, item.definition)));
            }
            lines.push(Line::styled("Applied migrations", theme::title()));
            for migration in &report.schema.migrations {
                lines.push(Line::from(format!(
                    "  {} (run {})",
                    migration.version, migration.run_on
                )));
            }
            lines
        }
    };
    let popup = centered(
        area,
        area.width.saturating_sub(4),
        area.height.saturating_sub(2),
    );
    frame.render_widget(Clear, popup);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(" Inspect · ↑/↓ PgUp/PgDn scroll · Esc closes ")
        .border_style(theme::focused_border());
    let text = Paragraph::new(lines)
        .block(block)
        .wrap(Wrap { trim: false })
        .scroll((app.inspect_scroll, 0));
    frame.render_widget(text, popup);
}

pub fn confirm_delete(profile: &Profile, frame: &mut Frame, area: Rect) {
    let lines = vec![
        Line::from(format!("Delete {}?", profile.summary())),
        Line::default(),
        Line::from(vec![
            Span::styled("y", theme::key()),
            Span::raw(" delete   "),
            Span::styled("n/Esc", theme::key()),
            Span::raw(" keep it"),
        ]),
    ];
    show(frame, centered(area, 60, 5), " Delete ", lines);
}
