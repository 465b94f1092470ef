//! The operation log: each operation with its time, outcome, duration and the SQL it ran.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders};

use super::{millis, popup, theme};
use crate::console::app::App;

/// The log as a pop-up over `area`, oldest first, opening at the newest entry.
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let popup = popup::full(area);
    let inner = Block::default().borders(Borders::ALL).inner(popup);
    let mut lines: Vec<Line> = Vec::new();
    for entry in &app.log {
        lines.push(Line::from(vec![
            Span::styled(entry.at.format("%H:%M:%S ").to_string(), theme::dim()),
            Span::raw(format!("{} → ", entry.title)),
            Span::styled(entry.result.clone(), theme::title()),
            Span::raw(format!(
                " ({}, {} statement{})",
                millis(entry.elapsed),
                entry.statements.len(),
                if entry.statements.len() == 1 { "" } else { "s" }
            )),
        ]));
        // Statements wrap, so their bind values (at the end) stay visible.
        let width = (inner.width as usize).saturating_sub(4).max(10);
        for statement in &entry.statements {
            let one_line: Vec<char> = statement
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .chars()
                .collect();
            for piece in one_line.chunks(width) {
                lines.push(Line::styled(
                    format!("    {}", piece.iter().collect::<String>()),
                    theme::dim(),
                ));
            }
        }
    }
    if lines.is_empty() {
        lines.push(Line::styled("No operations yet.", theme::dim()));
    }
    popup::scrolled(app, frame, popup, "Operation log", lines);
}
