//! The form panel: the four fields with their roles, inline problems, and the live preview.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::theme;
use crate::console::app::{App, Focus, Overlay, Preview};
use crate::console::form::{EditPlan, FieldRole, Form};
use crate::console::worker::PreviewMatch;
use crate::db::Backend;
use crate::domain::{Change, Lookup, Profile};

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
            theme::focused_border()
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
                    Span::styled("[changed]", theme::role(FieldRole::Lookup))
                } else {
                    Span::styled("[stored ]", theme::dim())
                }
            } else {
                Span::styled(format!("[{}]", field.role.badge()), theme::role(field.role))
            },
            Span::raw(format!(" {value}")),
        ];
        if field.problem().is_some() {
            spans.push(Span::styled(" ✗", theme::error()));
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
                theme::error(),
            )));
        }
    }
    lines.push(Line::from(Span::styled("Preview", theme::title())));
    match &app.form.editing {
        Some(row) => lines.extend(edit_lines(&app.form, row, &app.preview)),
        None => lines.extend(preview_lines(&app.form, &app.preview, app.backend)),
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

/// The preview while a stored row is edited: what saving writes, and whether the new name is
/// another row's.
fn edit_lines(form: &Form, row: &Profile, preview: &Preview) -> Vec<Line<'static>> {
    let mut lines = vec![Line::from(format!("editing {}", row.summary()))];
    match form.edit_plan() {
        Some(Ok(EditPlan::Save(request))) => {
            let changes: Vec<String> = request
                .defaults
                .fields()
                .filter_map(|field| {
                    let new = request.defaults.get(field)?;
                    Some(
                        Change {
                            field,
                            old: row.value(field),
                            new,
                        }
                        .to_string(),
                    )
                })
                .collect();
            lines.push(Line::from(format!(
                "Enter saves #{}: {}",
                row.id,
                changes.join(", ")
            )));
        }
        Some(Ok(EditPlan::NoChange)) | None => lines.push(Line::styled(
            "no change yet: edit a field; Esc leaves without writing",
            theme::dim(),
        )),
        Some(Err(problem)) => lines.push(Line::styled(
            format!("cannot save: {problem}"),
            theme::error(),
        )),
    }
    if let Preview::Ready(found) = preview
        && let Some(other) = found.rows.iter().find(|other| other.id != row.id)
    {
        lines.push(Line::styled(
            format!(
                "the name is taken by {}: saving would be refused",
                other.summary()
            ),
            theme::error(),
        ));
    }
    lines
}

fn preview_lines(form: &Form, preview: &Preview, backend: Backend) -> Vec<Line<'static>> {
    match preview {
        Preview::Empty => vec![Line::from(
            "Type a lookup value; an empty lookup matches every profile.",
        )],
        Preview::Waiting => vec![Line::styled("looking…", theme::dim())],
        Preview::Invalid(problem) => vec![Line::styled(
            format!("lookup is invalid: {problem}"),
            theme::error(),
        )],
        Preview::Failed(error) => vec![Line::styled(
            format!("preview failed: {error}"),
            theme::error(),
        )],
        Preview::Ready(found) => ready_lines(form, found, backend),
    }
}

fn ready_lines(form: &Form, found: &PreviewMatch, backend: Backend) -> Vec<Line<'static>> {
    let mut lines = vec![
        Line::from(format!("lookup {}", found.lookup.describe())),
        Line::styled(guard(&found.lookup, backend), theme::dim()),
    ];
    match found.rows.as_slice() {
        [] => {
            lines.push(Line::from(create_line(
                "F5",
                form.get_or_create()
                    .map(|r| r.lookup.missing_to_create(&r.defaults)),
            )));
            lines.push(Line::from(create_line(
                "F6",
                form.update_or_create()
                    .map(|r| r.lookup.missing_to_create(r.create_values())),
            )));
        }
        [row] => {
            lines.push(Line::from(format!("F5 will fetch {}", row.summary())));
            match form.update_or_create() {
                Ok(request) => {
                    let changes: Vec<String> = request
                        .defaults
                        .fields()
                        .filter_map(|field| {
                            let new = request.defaults.get(field)?;
                            let old = row.value(field);
                            (old != new).then(|| Change { field, old, new }.to_string())
                        })
                        .collect();
                    lines.push(Line::from(if changes.is_empty() {
                        format!("F6 will leave #{} unchanged", row.id)
                    } else {
                        format!("F6 will update #{}: {}", row.id, changes.join(", "))
                    }));
                }
                Err(problem) => lines.push(Line::styled(format!("F6: {problem}"), theme::error())),
            }
        }
        rows => {
            let ids: Vec<String> = rows.iter().map(|p| format!("#{}", p.id)).collect();
            lines.push(Line::styled(
                format!(
                    "{} profiles match ({}, …): both would fail",
                    found.count,
                    ids.join(", ")
                ),
                theme::error(),
            ));
        }
    }
    lines
}

fn create_line(
    key: &str,
    missing: Result<Vec<crate::domain::Field>, crate::domain::InvalidInput>,
) -> String {
    match missing {
        Ok(missing) if missing.is_empty() => format!("{key} will create a profile"),
        Ok(missing) => {
            let names: Vec<&str> = missing.iter().map(|f| f.name()).collect();
            let need = if names.len() == 1 { "needs" } else { "need" };
            format!("{key} would fail: {} {need} a value", names.join(", "))
        }
        Err(problem) => format!("{key}: {problem}"),
    }
}

/// Which mechanism keeps concurrent creators from duplicating this lookup.
fn guard(lookup: &Lookup, backend: Backend) -> String {
    if lookup.is_covered_by_unique_name() {
        "race-safe: unique (first_name, last_name) covers it".to_owned()
    } else {
        format!(
            "no unique constraint covers it: creators serialized by {}",
            backend.creator_lock()
        )
    }
}
