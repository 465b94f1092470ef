//! The operation log: each operation with its time, outcome, duration and the SQL it ran.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::{millis, theme};
use crate::console::app::App;

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let block = Block::default()
        .borders(Borders::ALL)
        .title(" Operation log · F3 hides ");
    let inner = block.inner(area);
    frame.render_widget(block, area);
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
    let skip = lines.len().saturating_sub(inner.height as usize);
    frame.render_widget(Paragraph::new(lines.split_off(skip)), inner);
}
