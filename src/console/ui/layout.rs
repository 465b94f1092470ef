//! Where each region of the screen goes. The app uses the same layout to size the table and to
//! place mouse clicks, so what is drawn and what is clicked always agree.
//!
//! ```text
//! ┌ header: database, count, sort, search, filter ──────────────────────────────┐
//! ┌ Form ─────────────────┐┌ Profiles ───────────────────────────────────────────┐
//! │ fields with roles     ││ header row                                          │
//! │ problems              ││ rows (keyset window)                                │
//! │ preview               ││                                                     │
//! └───────────────────────┘└─────────────────────────────────────────────────────┘
//! status line
//! hint bar (or the search / filter prompt)
//! ```

use ratatui::layout::{Constraint, Layout, Rect};

/// The smallest terminal the console draws in; below it, it asks to be enlarged.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 20;

const FORM_WIDTH_MAX: u16 = 46;
const FORM_WIDTH_MIN: u16 = 36;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Regions {
    pub header: Rect,
    pub form: Rect,
    pub table: Rect,
    /// Inside the table's border, below its header row: where rows go.
    pub table_rows: Rect,
    pub status: Rect,
    pub hints: Rect,
}

pub fn too_small(area: Rect) -> bool {
    area.width < MIN_WIDTH || area.height < MIN_HEIGHT
}

pub fn regions(area: Rect) -> Regions {
    let [header, body, status, hints] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(6),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    let form_width = (area.width * 2 / 5).clamp(FORM_WIDTH_MIN, FORM_WIDTH_MAX);
    let [form, table] =
        Layout::horizontal([Constraint::Length(form_width), Constraint::Min(20)]).areas(body);
    let table_rows = Rect {
        x: table.x + 1,
        y: table.y + 2,
        width: table.width.saturating_sub(2),
        height: table.height.saturating_sub(3),
    };
    Regions {
        header,
        form,
        table,
        table_rows,
        status,
        hints,
    }
}

/// Which form field a click at row `y` lands on.
pub fn form_field_at(regions: &Regions, x: u16, y: u16) -> Option<usize> {
    let inside = x > regions.form.x && x < regions.form.right() && y > regions.form.y;
    let index = y.checked_sub(regions.form.y + 1)? as usize;
    (inside && index < 4).then_some(index)
}

pub fn contains(rect: Rect, x: u16, y: u16) -> bool {
    x >= rect.x && x < rect.right() && y >= rect.y && y < rect.bottom()
}
