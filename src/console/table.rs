//! The profile table's state: a window of loaded rows around the cursor, fetched by keyset.
//!
//! Only the rows near the cursor are held (at most [`MAX_LOADED`]); moving near either edge of
//! the window asks for the next page in that direction, so every key is answered from memory
//! while the next rows arrive.

use crate::domain::{PageRequest, Profile, ProfileFilter, SortColumn, Towards};

/// The most rows held at once; memory stays flat however large the table is.
pub const MAX_LOADED: usize = 600;

/// Where a requested page goes when it arrives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageIntent {
    /// Replace the window and put the cursor on the first row.
    ReplaceAtFirst,
    /// Replace the window and put the cursor on the last row.
    ReplaceAtLast,
    /// Replace the window (refresh) and keep the cursor on this row if it is still there.
    Reload { keep: Option<i64> },
    /// Add rows after the window.
    Append,
    /// Add rows before the window.
    Prepend,
}

/// Where the loaded window sits in the whole (filtered) table, when that is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rank {
    /// The window's first row is preceded by this many rows.
    FromStart(i64),
    /// The window's last row is followed by this many rows.
    FromEnd(i64),
}

#[derive(Clone, Debug, Default)]
pub struct TableView {
    pub rows: Vec<Profile>,
    pub cursor: usize,
    /// The first row on screen.
    pub top: usize,
    pub sort: SortColumn,
    pub descending: bool,
    pub filter: ProfileFilter,
    /// Whether the window reaches the first / last row of the whole (filtered) table.
    pub at_start: bool,
    pub at_end: bool,
    pub total: Option<i64>,
    /// `total` is the server's estimate; the exact count is on its way.
    pub total_is_estimate: bool,
    /// The newest journal entry the exact count already holds.
    pub counted_up_to: i64,
    /// Rows visible on screen, as last laid out.
    pub height: usize,
    /// Where the window sits, for the position readout; `None` until known (after a jump to a
    /// row, until the count of the rows before it arrives).
    pub rank: Option<Rank>,
}

impl TableView {
    /// Rows per prefetch: a few screens, so a page key never waits.
    pub fn fetch_size(&self) -> i64 {
        (self.height.max(10) * 3) as i64
    }

    /// Rows for a page that replaces the window: one screen, to draw it as soon as possible;
    /// the rows around it are prefetched behind it.
    pub fn screen_size(&self) -> i64 {
        (self.height.max(10) + 2) as i64
    }

    pub fn selected(&self) -> Option<&Profile> {
        self.rows.get(self.cursor)
    }

    /// The cursor row's position in the whole (filtered) table, from 1, when known.
    pub fn position(&self) -> Option<i64> {
        if self.rows.is_empty() {
            return None;
        }
        let cursor = self.cursor as i64;
        match self.rank? {
            Rank::FromStart(before) => Some(before + cursor + 1),
            Rank::FromEnd(after) => {
                let total = self.total.filter(|_| !self.total_is_estimate)?;
                let below = self.rows.len() as i64 - 1 - cursor;
                Some(total - after - below).filter(|at| *at >= 1)
            }
        }
    }

    /// The count of rows before `id` has arrived: the window's place follows from that row's.
    pub fn place(&mut self, id: i64, before: i64) {
        if let Some(at) = self.rows.iter().position(|p| p.id == id) {
            self.rank = Some(Rank::FromStart((before - at as i64).max(0)));
        }
    }

    /// A request for this sort and filter, from `anchor` towards `towards`.
    pub fn request(
        &self,
        anchor: Option<Profile>,
        towards: Towards,
        include_anchor: bool,
    ) -> PageRequest {
        let prefetch = anchor.is_some() && !include_anchor;
        PageRequest {
            filter: self.filter.clone(),
            sort: self.sort,
            descending: self.descending,
            anchor,
            include_anchor,
            towards,
            limit: if prefetch {
                self.fetch_size()
            } else {
                self.screen_size()
            },
        }
    }

    /// Moves the cursor by `delta` rows within what is loaded.
    pub fn move_by(&mut self, delta: isize) {
        if self.rows.is_empty() {
            return;
        }
        let last = self.rows.len() - 1;
        self.cursor = self.cursor.saturating_add_signed(delta).min(last);
        self.scroll_to_cursor();
    }

    pub fn scroll_to_cursor(&mut self) {
        let height = self.height.max(1);
        if self.cursor < self.top {
            self.top = self.cursor;
        } else if self.cursor >= self.top + height {
            self.top = self.cursor + 1 - height;
        }
        self.top = self.top.min(self.rows.len().saturating_sub(height));
    }

    /// The page to fetch next, if the cursor is near an edge of the window that is not the edge
    /// of the table.
    pub fn wanted_page(&self) -> Option<(PageIntent, PageRequest)> {
        let margin = self.height.max(10) * 2;
        if !self.at_end && self.cursor + margin >= self.rows.len() {
            let anchor = self.rows.last().cloned()?;
            return Some((
                PageIntent::Append,
                self.request(Some(anchor), Towards::Forward, false),
            ));
        }
        if !self.at_start && self.cursor < margin {
            let anchor = self.rows.first().cloned()?;
            return Some((
                PageIntent::Prepend,
                self.request(Some(anchor), Towards::Backward, false),
            ));
        }
        None
    }

    /// Puts the cursor on the first (or last) row of the whole table: at once when that row is
    /// loaded, else by the page to fetch.
    pub fn jump(&mut self, to: Towards) -> Option<(PageIntent, PageRequest)> {
        match to {
            Towards::Forward if self.at_start => self.cursor = 0,
            Towards::Backward if self.at_end && !self.rows.is_empty() => {
                self.cursor = self.rows.len() - 1
            }
            Towards::Forward => {
                return Some((
                    PageIntent::ReplaceAtFirst,
                    self.request(None, Towards::Forward, false),
                ));
            }
            Towards::Backward => {
                return Some((
                    PageIntent::ReplaceAtLast,
                    self.request(None, Towards::Backward, false),
                ));
            }
        }
        self.scroll_to_cursor();
        None
    }

    /// Takes an arrived page.
    pub fn receive(&mut self, intent: PageIntent, rows: Vec<Profile>, limit: i64) {
        let full = rows.len() as i64 >= limit;
        match intent {
            PageIntent::ReplaceAtFirst => {
                self.rank = Some(Rank::FromStart(0));
                self.rows = rows;
                self.cursor = 0;
                self.top = 0;
                self.at_start = true;
                self.at_end = !full;
            }
            PageIntent::ReplaceAtLast => {
                self.rank = Some(Rank::FromEnd(0));
                self.rows = rows;
                self.cursor = self.rows.len().saturating_sub(1);
                self.at_end = true;
                self.at_start = !full;
                self.top = self.rows.len().saturating_sub(self.height.max(1));
            }
            PageIntent::Reload { keep } => {
                // A reload starts at the first row on screen (or the table's first row).
                self.rank = if self.at_start && self.top == 0 {
                    Some(Rank::FromStart(0))
                } else {
                    match self.rank {
                        Some(Rank::FromStart(before)) => {
                            Some(Rank::FromStart(before + self.top as i64))
                        }
                        _ => None,
                    }
                };
                let row_on_screen = self.cursor.saturating_sub(self.top);
                self.rows = rows;
                self.at_end = !full;
                self.cursor = keep
                    .and_then(|id| self.rows.iter().position(|p| p.id == id))
                    .unwrap_or(0)
                    .min(self.rows.len().saturating_sub(1));
                self.top = self.cursor.saturating_sub(row_on_screen);
            }
            PageIntent::Append => {
                self.at_end = !full;
                if let Some(Rank::FromEnd(after)) = &mut self.rank {
                    *after = if self.at_end {
                        0
                    } else {
                        (*after - rows.len() as i64).max(0)
                    };
                }
                self.rows.extend(rows);
                let excess = self.rows.len().saturating_sub(MAX_LOADED);
                if excess > 0 && self.cursor > excess {
                    if let Some(Rank::FromStart(before)) = &mut self.rank {
                        *before += excess as i64;
                    }
                    self.rows.drain(..excess);
                    self.cursor -= excess;
                    self.top = self.top.saturating_sub(excess);
                    self.at_start = false;
                }
            }
            PageIntent::Prepend => {
                self.at_start = !full;
                let added = rows.len();
                if let Some(Rank::FromStart(before)) = &mut self.rank {
                    *before = if self.at_start {
                        0
                    } else {
                        (*before - added as i64).max(0)
                    };
                }
                self.rows.splice(0..0, rows);
                self.cursor += added;
                self.top += added;
                if self.rows.len() > MAX_LOADED && self.cursor + self.height < MAX_LOADED {
                    if let Some(Rank::FromEnd(after)) = &mut self.rank {
                        *after += (self.rows.len() - MAX_LOADED) as i64;
                    }
                    self.rows.truncate(MAX_LOADED);
                    self.at_end = false;
                }
            }
        }
        self.scroll_to_cursor();
    }

    /// Puts rows fetched around a row in place, with the cursor on that row if it is there.
    pub fn receive_around(
        &mut self,
        rows: Vec<Profile>,
        focus: i64,
        at_start: bool,
        at_end: bool,
    ) -> bool {
        self.rows = rows;
        self.at_start = at_start;
        self.at_end = at_end;
        self.rank = if at_start {
            Some(Rank::FromStart(0))
        } else if at_end {
            Some(Rank::FromEnd(0))
        } else {
            None
        };
        let found = self.rows.iter().position(|p| p.id == focus);
        self.cursor = found.unwrap_or(0);
        self.top = self.cursor.saturating_sub(self.height / 3);
        self.scroll_to_cursor();
        found.is_some()
    }

    /// Drops a deleted row from the window.
    pub fn remove(&mut self, id: i64) {
        if let Some(at) = self.rows.iter().position(|p| p.id == id) {
            self.rows.remove(at);
            self.cursor = self.cursor.min(self.rows.len().saturating_sub(1));
            self.scroll_to_cursor();
        }
    }

    /// The rows on screen, with their index in the window.
    pub fn visible(&self) -> impl Iterator<Item = (usize, &Profile)> {
        self.rows
            .iter()
            .enumerate()
            .skip(self.top)
            .take(self.height.max(1))
    }
}
