//! The top line: which database, how many profiles, and how the table is ordered and filtered.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{spinner, theme, thousands};
use crate::console::app::App;
use crate::console::filter::describe_filter;

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let table = &app.table;
    let count = match table.total {
        Some(total) if table.total_is_estimate => format!("≈{} profiles", thousands(total)),
        Some(1) => "1 profile".to_owned(),
        Some(total) => format!("{} profiles", thousands(total)),
        None => "counting…".to_owned(),
    };
    // The database comes last: a long URL is what gets cut on a narrow terminal.
    let busy = if app.busy() { spinner(app) } else { ' ' };
    let mut spans = vec![Span::styled(" profile-console ", theme::title())];
    if app.read_only() {
        spans.push(Span::styled("READ-ONLY", app.theme.error()));
        spans.push(Span::raw(" "));
    }
    spans.extend([Span::raw(format!(
        "{busy} {count} │ sort {} {}",
        table.sort,
        if table.descending { "↓" } else { "↑" }
    ))]);
    if let Some(search) = &table.filter.search {
        spans.push(Span::raw(format!(" │ search \"{search}\"")));
    }
    let filter = describe_filter(&table.filter);
    if !filter.is_empty() {
        spans.push(Span::raw(format!(" │ filter {filter}")));
    }
    spans.push(Span::styled(
        format!(" │ {} {}", app.backend, app.database),
        theme::dim(),
    ));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
