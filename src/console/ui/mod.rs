//! Drawing: `render(&App, &mut Frame)`, one pure function per region. Rendering never queries the
//! database and never changes state.

mod form;
mod header;
pub mod layout;
mod log;
mod popup;
mod status;
mod table;
pub mod theme;

use ratatui::Frame;
use ratatui::layout::Alignment;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use super::app::{App, Overlay};

const SPINNER: [char; 4] = ['⠋', '⠙', '⠸', '⠴'];

pub fn render(app: &App, frame: &mut Frame) {
    let area = frame.area();
    if layout::too_small(area) {
        let text = format!(
            "profile-console needs at least {}×{}; this terminal is {}×{}. Please enlarge it.",
            layout::MIN_WIDTH,
            layout::MIN_HEIGHT,
            area.width,
            area.height
        );
        let paragraph = Paragraph::new(vec![Line::default(), Line::from(text)])
            .alignment(Alignment::Center)
            .wrap(Wrap { trim: true });
        frame.render_widget(paragraph, area);
        return;
    }
    let regions = layout::regions(area);
    header::render(app, frame, regions.header);
    form::render(app, frame, regions.form);
    table::render(app, frame, regions.table);
    status::render_status(app, frame, regions.status);
    status::render_hints(app, frame, regions.hints);
    match &app.overlay {
        Overlay::None | Overlay::Prompt { .. } => {}
        Overlay::Help => popup::help(app, frame, area),
        Overlay::Inspect => popup::inspect(app, frame, area),
        Overlay::Log => log::render(app, frame, area),
        Overlay::History(view) => popup::history(app, view, frame, area),
        Overlay::ConfirmDelete(profile) => popup::confirm_delete(app, profile, frame, area),
    }
}

fn spinner(app: &App) -> char {
    SPINNER[app.spinner % SPINNER.len()]
}

/// `1,234,567`.
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// `3.2 ms`.
pub fn millis(duration: std::time::Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1000.0)
}
