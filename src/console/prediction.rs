//! What the form's preview says: computed when the form changes or the database answers, not on
//! every frame. The render only draws these notes.

use super::app::Preview;
use super::form::{EditPlan, Form};
use super::worker::PreviewMatch;
use crate::db::Backend;
use crate::domain::{Change, Lookup, Profile};

/// How a note reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    Plain,
    Dim,
    Error,
}

/// One line of the preview.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    pub text: String,
    pub tone: Tone,
}

impl Note {
    fn plain(text: impl Into<String>) -> Note {
        Note {
            text: text.into(),
            tone: Tone::Plain,
        }
    }

    fn dim(text: impl Into<String>) -> Note {
        Note {
            text: text.into(),
            tone: Tone::Dim,
        }
    }

    fn error(text: impl Into<String>) -> Note {
        Note {
            text: text.into(),
            tone: Tone::Error,
        }
    }
}

/// What the preview says for this form and what the database last answered for it.
pub fn predict(form: &Form, preview: &Preview, backend: Backend) -> Vec<Note> {
    match &form.editing {
        Some(row) => edit_lines(form, row, preview),
        None => preview_lines(form, preview, backend),
    }
}

/// The preview while a stored row is edited: what saving writes, and whether the new name is
/// another row's.
fn edit_lines(form: &Form, row: &Profile, preview: &Preview) -> Vec<Note> {
    let mut lines = vec![Note::plain(format!("editing {}", row.summary()))];
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
            lines.push(Note::plain(format!(
                "Enter saves #{}: {}",
                row.id,
                changes.join(", ")
            )));
        }
        Some(Ok(EditPlan::NoChange)) | None => lines.push(Note::dim(
            "no change yet: edit a field; Esc leaves without writing",
        )),
        Some(Err(problem)) => lines.push(Note::error(format!("cannot save: {problem}"))),
    }
    if let Preview::Ready(found) = preview
        && let Some(other) = found.rows.iter().find(|other| other.id != row.id)
    {
        lines.push(Note::error(format!(
            "the name is taken by {}: saving would be refused",
            other.summary()
        )));
    }
    lines
}

fn preview_lines(form: &Form, preview: &Preview, backend: Backend) -> Vec<Note> {
    match preview {
        Preview::Empty => vec![Note::plain(
            "Type a lookup value; an empty lookup matches every profile.",
        )],
        Preview::Waiting => vec![Note::dim("looking…")],
        Preview::Invalid(problem) => vec![Note::error(format!("lookup is invalid: {problem}"))],
        Preview::Failed(error) => vec![Note::error(format!("preview failed: {error}"))],
        Preview::Ready(found) => ready_lines(form, found, backend),
    }
}

fn ready_lines(form: &Form, found: &PreviewMatch, backend: Backend) -> Vec<Note> {
    let mut lines = vec![
        Note::plain(format!("lookup {}", found.lookup.describe())),
        Note::dim(guard(&found.lookup, backend)),
    ];
    match found.rows.as_slice() {
        [] => {
            lines.push(Note::plain(create_line(
                "F5",
                form.get_or_create()
                    .map(|r| r.lookup.missing_to_create(&r.defaults)),
            )));
            lines.push(Note::plain(create_line(
                "F6",
                form.update_or_create()
                    .map(|r| r.lookup.missing_to_create(r.create_values())),
            )));
        }
        [row] => {
            lines.push(Note::plain(format!("F5 will fetch {}", row.summary())));
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
                    lines.push(Note::plain(if changes.is_empty() {
                        format!("F6 will leave #{} unchanged", row.id)
                    } else {
                        format!("F6 will update #{}: {}", row.id, changes.join(", "))
                    }));
                }
                Err(problem) => lines.push(Note::error(format!("F6: {problem}"))),
            }
        }
        rows => {
            let ids: Vec<String> = rows.iter().map(|p| format!("#{}", p.id)).collect();
            lines.push(Note::error(format!(
                "{} profiles match ({}, …): both would fail",
                found.count,
                ids.join(", ")
            )));
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
