//! The status line (what the last operation did) and the hint bar (the keys that work here).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{LineGauge, Paragraph};

use super::{millis, spinner, theme};
use crate::console::app::{
    App, Overlay, PromptKind, SHOW_ELAPSED_AFTER, Status, TransferRun, outcome_text,
};
use crate::console::keymap::{Command, Scope};

pub fn render_status(app: &App, frame: &mut Frame, area: Rect) {
    if let Some(run) = &app.transfer {
        if matches!(app.status, Status::Info(_)) {
            render_transfer(app, run, frame, area);
            return;
        }
        // Anything said since the run began (an operation's outcome, a refusal, a warning) is
        // shown beside the gauge rather than hidden under it.
        let gauge = area.width.saturating_div(3).min(50);
        let [left, right] = ratatui::layout::Layout::horizontal([
            ratatui::layout::Constraint::Length(gauge),
            ratatui::layout::Constraint::Fill(1),
        ])
        .areas(area);
        render_transfer(app, run, frame, left);
        frame.render_widget(Paragraph::new(status_line(app)), right);
        return;
    }
    frame.render_widget(Paragraph::new(status_line(app)), area);
}

/// What the last operation did, as one line.
fn status_line(app: &App) -> Line<'static> {
    match &app.status {
        Status::Info(text) => Line::from(Span::raw(format!(" {text}"))),
        Status::Busy(text, since) => {
            let waited = app.now.saturating_duration_since(*since);
            let elapsed = if app.cancelling() {
                format!(" {} s", waited.as_secs())
            } else if app.cancel_offered() {
                format!(
                    " {} s · {} cancels",
                    waited.as_secs(),
                    app.key_label(Scope::Running, Command::CancelOperation)
                )
            } else if waited >= SHOW_ELAPSED_AFTER {
                format!(" {} s", waited.as_secs())
            } else {
                String::new()
            };
            Line::from(Span::raw(format!(" {} {text}…{elapsed}", spinner(app))))
        }
        Status::Done {
            outcome,
            profile,
            elapsed,
            visible,
            not_applied,
        } => {
            let mut spans = vec![
                Span::raw(" "),
                Span::styled(
                    format!(" {} ", outcome_text(outcome, profile)),
                    app.theme.outcome_style(outcome),
                ),
                Span::raw(format!(" in {}", millis(*elapsed))),
            ];
            if !not_applied.is_empty() {
                spans.push(Span::styled(
                    format!(
                        " · not applied: {} ({} brings the entry back, {} applies it)",
                        not_applied.join(", "),
                        app.key_label(Scope::Form, Command::RecallEntry),
                        app.key_label(Scope::Global, Command::RunUpdateOrCreate),
                    ),
                    theme::dim(),
                ));
            }
            if !visible {
                spans.push(Span::styled(
                    " (hidden by the current search or filter)",
                    theme::dim(),
                ));
            }
            Line::from(spans)
        }
        Status::Deleted(profile) => Line::from(vec![
            Span::raw(format!(" DELETED {}", profile.summary())),
            Span::styled(
                format!(
                    " · {} brings it back",
                    app.key_label(Scope::Global, Command::UndoLast)
                ),
                theme::dim(),
            ),
        ]),
        Status::Failed(text) => Line::from(Span::styled(format!(" ✗ {text}"), app.theme.error())),
    }
}

/// A gauge while an export or import runs (a spinner when its share is unknown).
fn render_transfer(app: &App, run: &TransferRun, frame: &mut Frame, area: Rect) {
    let rows = crate::transfer::import::thousands(run.rows);
    let label = format!(
        " {} {} · {rows} rows · {} stops ",
        run.kind.verb(),
        crate::domain::escape_for_terminal(&crate::paths::shortened(&run.path)),
        app.key_label(Scope::Transfer, Command::CancelTransfer)
    );
    match run.fraction {
        Some(ratio) => frame.render_widget(
            LineGauge::default()
                .ratio(ratio.clamp(0.0, 1.0))
                .label(label)
                .filled_style(app.theme.key()),
            area,
        ),
        None => frame.render_widget(
            Paragraph::new(Line::from(Span::raw(format!(" {}{label}", spinner(app))))),
            area,
        ),
    }
}

pub fn render_hints(app: &App, frame: &mut Frame, area: Rect) {
    let line = match &app.overlay {
        Overlay::Prompt { kind, input, .. } => {
            let (label, about) = match kind {
                PromptKind::Search => (" / search: ", "applied as you type"),
                PromptKind::Filter => (
                    " filter [gender] [min-max]: ",
                    "e.g. F 20-40 · empty clears",
                ),
                PromptKind::GoTo => (" go to id: ", "e.g. 1234"),
                PromptKind::Export => (" export this view to: ", "a .csv, .json or .jsonl file"),
                PromptKind::Import => (
                    " import file: ",
                    ".csv (with a header), .json or .jsonl · get_or_create by name",
                ),
            };
            let keys = format!("   ({about} · {})", app.keys.hint_line(Scope::Prompt));
            let typed = if input.value().is_empty() && *kind == PromptKind::Export {
                // The suggestion, until something is typed: Enter takes it as it is.
                Span::styled(app.export_suggestion.clone(), theme::dim())
            } else {
                Span::raw(input.value().to_owned())
            };
            let line = Line::from(vec![
                Span::styled(label, app.theme.key()),
                typed,
                Span::styled(keys, theme::dim()),
            ]);
            let x = area.x + label.chars().count() as u16 + input.visual_cursor() as u16;
            frame.set_cursor_position((x.min(area.right().saturating_sub(1)), area.y));
            line
        }
        _ => {
            // Whole hints only: one that does not fit is dropped, never cut.
            let mut spans = Vec::new();
            let mut width = 0;
            for binding in app.keys.hints(app.scope()) {
                let key = format!(
                    " {}",
                    binding.keys.first().map(|k| k.label()).unwrap_or_default()
                );
                let help = format!(" {} ", binding.hint.unwrap_or(binding.help));
                let needed = key.chars().count() + help.trim_end().chars().count();
                if width + needed > usize::from(area.width) {
                    break;
                }
                width += key.chars().count() + help.chars().count();
                spans.push(Span::styled(key, app.theme.key()));
                spans.push(Span::raw(help));
            }
            Line::from(spans)
        }
    };
    frame.render_widget(Paragraph::new(line), area);
}
