//! The form panel: the four fields with their roles, inline problems, and the live preview.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::theme;
use crate::console::app::{App, Focus, Overlay};
use crate::console::form::FieldRole;
use crate::console::prediction::Tone;

const LABEL_WIDTH: usize = 12;

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let focused = app.focus == Focus::Form;
    let title = match &app.form.editing {
        Some(row) => format!(" Editing #{} ", row.id),
        None => " Form ".to_owned(),
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .title(title)
        .border_style(if focused {
            app.theme.focused_border()
        } else {
            ratatui::style::Style::new()
        });
    let inner = block.inner(area);
    frame.render_widget(block, area);

    // The value's room leaves two columns for the " ✗" mark, so a long invalid value never
    // pushes it onto a line of its own.
    let value_width = (inner.width as usize)
        .saturating_sub(LABEL_WIDTH + 10 + 2)
        .max(1);
    let mut lines = Vec::new();
    for (index, field) in app.form.fields.iter().enumerate() {
        let marker = if focused && index == app.form.focused {
            "›"
        } else {
            " "
        };
        // Only the focused field scrolls to keep its cursor in view; others show their start.
        let editing = focused && index == app.form.focused;
        let scroll = if editing {
            field.input.visual_scroll(value_width)
        } else {
            0
        };
        let value: String = field
            .input
            .value()
            .chars()
            .skip(scroll)
            .take(value_width)
            .map(crate::domain::shown_in_place)
            .collect();
        let mut spans = vec![
            Span::raw(format!(
                "{marker}{:<width$}",
                field.field.name(),
                width = LABEL_WIDTH - 1
            )),
            if app.form.editing.is_some() {
                if app.form.is_changed(index) {
                    Span::styled("[changed]", app.theme.role(FieldRole::Lookup))
                } else {
                    Span::styled("[stored ]", theme::dim())
                }
            } else {
                Span::styled(
                    format!("[{}]", field.role.badge()),
                    app.theme.role(field.role),
                )
            },
            Span::raw(format!(" {value}")),
        ];
        if field.problem().is_some() {
            spans.push(Span::styled(" ✗", app.theme.error()));
        }
        lines.push(Line::from(spans));
        if focused && index == app.form.focused && matches!(app.overlay, Overlay::None) {
            let x =
                inner.x + (LABEL_WIDTH + 10) as u16 + (field.input.visual_cursor() - scroll) as u16;
            frame.set_cursor_position((
                x.min(inner.right().saturating_sub(1)),
                inner.y + index as u16,
            ));
        }
    }
    lines.push(Line::default());
    for field in &app.form.fields {
        if let Some(problem) = field.problem() {
            lines.push(Line::from(Span::styled(
                format!("✗ {problem}"),
                app.theme.error(),
            )));
        }
    }
    lines.push(Line::from(Span::styled("Preview", theme::title())));
    lines.extend(app.prediction.iter().map(|note| {
        let style = match note.tone {
            Tone::Plain => ratatui::style::Style::new(),
            Tone::Dim => theme::dim(),
            Tone::Error => app.theme.error(),
        };
        Line::styled(note.text.clone(), style)
    }));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}
