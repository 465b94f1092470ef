//! Pop-ups over the screen: help (from the key table), inspect, and the delete confirmation.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::{spinner, theme, thousands};
use crate::console::app::{App, HistoryView};
use crate::console::keymap::{self, Command, Scope};
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

/// Nearly the whole screen, for the pop-ups that read like pages.
pub(super) fn full(area: Rect) -> Rect {
    centered(
        area,
        area.width.saturating_sub(4),
        area.height.saturating_sub(2),
    )
}

fn show(app: &App, frame: &mut Frame, area: Rect, title: &str, lines: Vec<Line>) {
    frame.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(title.to_owned())
        .border_style(app.theme.focused_border());
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}

/// Draws `lines` in a bordered pop-up over `area`, scrolled by the app's pop-up scroll (held to
/// the text's end), and records how far it can scroll for the next key.
pub(super) fn scrolled(app: &App, frame: &mut Frame, area: Rect, title: &str, lines: Vec<Line>) {
    frame.render_widget(Clear, area);
    let inner = Block::default().borders(Borders::ALL).inner(area);
    let text = Paragraph::new(lines).wrap(Wrap { trim: false });
    let total = u16::try_from(text.line_count(inner.width)).unwrap_or(u16::MAX);
    let max = total.saturating_sub(inner.height);
    app.popup_max_scroll.set(max);
    let at = app.popup_scroll.min(max);
    let position = if max == 0 {
        String::new()
    } else {
        let key = |command| app.key_label(Scope::Popup, command);
        format!(
            " lines {}–{} of {total} · {}/{} {}/{} {}/{} scroll ·",
            at + 1,
            (at + inner.height).min(total),
            key(Command::ScrollUp),
            key(Command::ScrollDown),
            key(Command::ScrollPageUp),
            key(Command::ScrollPageDown),
            key(Command::ScrollTop),
            key(Command::ScrollBottom),
        )
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .title(format!(
            " {title} ·{position} {} closes ",
            app.key_label(Scope::Popup, Command::ClosePopup)
        ))
        .border_style(app.theme.focused_border());
    frame.render_widget(text.block(block).scroll((at, 0)), area);
}

/// Help, generated from the key table: two columns where they fit, else one; it scrolls when the
/// terminal is too short for it.
pub fn help(app: &App, frame: &mut Frame, area: Rect) {
    let section = |scope: Scope| -> Vec<Line<'static>> {
        let mut lines = vec![Line::styled(scope.title(), theme::title())];
        for binding in app.keys.bindings().iter().filter(|b| b.scope == scope) {
            lines.push(Line::from(vec![
                Span::styled(
                    format!("  {:<15}", keymap::keys_label(binding)),
                    app.theme.key(),
                ),
                Span::raw(binding.help),
            ]));
        }
        lines
    };
    let mut left = section(Scope::Form);
    for scope in [Scope::Global, Scope::Always] {
        left.push(Line::default());
        left.extend(section(scope));
    }
    left.push(Line::default());
    left.push(Line::styled("Editing a field", theme::title()));
    left.push(Line::from("  ←/→ Home/End Ctrl-A/E Ctrl-←/→ Backspace"));
    left.push(Line::from(
        "  Ctrl-W word, Ctrl-U line, Ctrl-K to end, paste",
    ));
    left.push(Line::styled("Mouse", theme::title()));
    left.push(Line::from("  click a field or a row; the wheel scrolls"));
    for scope in [
        Scope::Running,
        Scope::Transfer,
        Scope::Confirm,
        Scope::Prompt,
    ] {
        left.push(Line::default());
        left.extend(section(scope));
    }
    let mut right = section(Scope::Table);
    for scope in [Scope::Popup, Scope::History] {
        right.push(Line::default());
        right.extend(section(scope));
    }
    const LEFT_WIDTH: usize = 62;
    let two_columns = usize::from(area.width) >= LEFT_WIDTH + 52 + 4;
    let lines = if two_columns {
        let rows = left.len().max(right.len());
        left.resize(rows, Line::default());
        right.resize(rows, Line::default());
        left.into_iter()
            .zip(right)
            .map(|(mut line, right)| {
                let pad = LEFT_WIDTH.saturating_sub(line.width());
                line.spans.push(Span::raw(" ".repeat(pad)));
                line.spans.extend(right.spans);
                line
            })
            .collect()
    } else {
        left.push(Line::default());
        left.extend(right);
        left
    };
    let width = if two_columns { 118 } else { 70 };
    let height = lines.len() as u16 + 2;
    let popup = centered(area, width, height);
    scrolled(app, frame, popup, "Help", lines);
}

pub fn inspect(app: &App, frame: &mut Frame, area: Rect) {
    let lines = match &app.inspect {
        None => vec![Line::from(format!(
            "{} reading the database…",
            spinner(app)
        ))],
        Some(Err(error)) => vec![Line::styled(format!("✗ {error}"), app.theme.error())],
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
    scrolled(app, frame, full(area), "Inspect", lines);
}

pub fn confirm_delete(app: &App, profile: &Profile, frame: &mut Frame, area: Rect) {
    let lines = vec![
        Line::from(format!("Delete {}?", profile.summary())),
        Line::default(),
        Line::from(vec![
            Span::styled(app.keys.hint_line(Scope::Confirm), app.theme.key()),
            Span::styled(" · any other key keeps it", theme::dim()),
        ]),
    ];
    show(app, frame, centered(area, 60, 5), " Delete ", lines);
}

/// A profile's history, newest first: the selected change can be undone.
pub fn history(app: &App, view: &HistoryView, frame: &mut Frame, area: Rect) {
    let mut lines = vec![Line::styled(
        format!("History of {}", view.profile.summary()),
        theme::title(),
    )];
    match &view.entries {
        None => lines.push(Line::from(format!("{} reading the journal…", spinner(app)))),
        Some(Err(error)) => lines.push(Line::styled(format!("✗ {error}"), app.theme.error())),
        Some(Ok(entries)) if entries.is_empty() => {
            lines.push(Line::styled("No changes recorded.", theme::dim()));
        }
        Some(Ok(entries)) => {
            for (index, entry) in entries.iter().enumerate() {
                let who = entry
                    .os_user
                    .as_deref()
                    .or(entry.db_user.as_deref())
                    .unwrap_or("-");
                let reverts = entry
                    .reverts
                    .map(|id| format!(" (undoes #{id})"))
                    .unwrap_or_default();
                let mark = if index == view.selected { "›" } else { " " };
                let text = format!(
                    "{mark}#{:<6} {}  {:<7} {:<8} {}{reverts}",
                    entry.id,
                    entry.at.format("%Y-%m-%d %H:%M:%S"),
                    entry.source,
                    crate::domain::escape_for_terminal(who),
                    crate::domain::escape_for_terminal(&entry.describe()),
                );
                let style = if index == view.selected {
                    app.theme.selected_row(true)
                } else {
                    ratatui::style::Style::new()
                };
                lines.push(Line::styled(text, style));
            }
        }
    }
    lines.push(Line::default());
    lines.push(Line::styled(
        app.keys.hint_line(Scope::History),
        theme::dim(),
    ));
    let popup = full(area);
    frame.render_widget(Clear, popup);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(" History ")
        .border_style(app.theme.focused_border());
    let inner = block.inner(popup);
    // Keep the selected line (one below the title) in view.
    let selected_line = view.selected as u16 + 1;
    let scroll = selected_line.saturating_sub(inner.height.saturating_sub(3));
    frame.render_widget(
        Paragraph::new(lines).block(block).scroll((scroll, 0)),
        popup,
    );
}
