//! The table's requests: pages at the window's edges, jumps, reloads, the rows around one row,
//! a new order that keeps the cursor's row, counts and the cursor's position.

use super::*;

impl App {
    /// Looks at the journal for other clients' changes (see [`Repository::watch_changes`]).
    ///
    /// [`Repository::watch_changes`]: crate::repository::Repository::watch_changes
    pub(super) fn watch(&mut self, effects: &mut Vec<Effect>) {
        self.watch_due = None;
        let id = self.send(Job::Watch(self.last_change), effects);
        self.in_flight.watch = Some(id);
    }

    // ---- the table -------------------------------------------------------------------------

    pub(super) fn jump(&mut self, to: Towards, effects: &mut Vec<Effect>) {
        if let Some((intent, request)) = self.table.jump(to) {
            self.request_page(intent, request, effects);
        }
    }

    pub(super) fn move_cursor(&mut self, delta: isize, effects: &mut Vec<Effect>) {
        self.table.move_by(delta);
        self.fetch_if_near_edge(effects);
    }

    pub(super) fn fetch_if_near_edge(&mut self, effects: &mut Vec<Effect>) {
        let busy_paging = self.in_flight.page.is_some() || self.in_flight.around.is_some();
        if busy_paging {
            return;
        }
        if let Some((intent, request)) = self.table.wanted_page() {
            self.request_page(intent, request, effects);
        }
    }

    pub(super) fn request_page(
        &mut self,
        intent: PageIntent,
        request: crate::domain::PageRequest,
        effects: &mut Vec<Effect>,
    ) {
        let limit = request.limit;
        let id = self.send(Job::Page(request), effects);
        self.in_flight.page = Some((id, intent, limit));
        self.in_flight.around = None;
    }

    pub(super) fn reload_first_page(&mut self, effects: &mut Vec<Effect>) {
        self.request_page(
            PageIntent::ReplaceAtFirst,
            self.table.request(None, Towards::Forward, false),
            effects,
        );
        self.request_count(effects);
    }

    /// Asks for the exact count and, for the whole table, first for the server's instant
    /// estimate, shown until the count arrives (counting millions of rows takes a while).
    pub(super) fn request_count(&mut self, effects: &mut Vec<Effect>) {
        if self.table.filter.is_empty() && self.table.total.is_none() {
            let id = self.send(Job::EstimateCount, effects);
            self.in_flight.estimate = Some(id);
        }
        let id = self.send(Job::Count(self.table.filter.clone()), effects);
        self.in_flight.count = Some(id);
    }

    /// Reloads from the first row on screen, so rows other writers added appear in place.
    pub(super) fn refresh(&mut self, effects: &mut Vec<Effect>) {
        self.reload_in_place(effects);
        self.status = Status::Info("refreshed".into());
    }

    pub(super) fn reload_in_place(&mut self, effects: &mut Vec<Effect>) {
        self.reload_rows_in_place(effects);
        self.request_count(effects);
    }

    /// Reads the rows on screen again (from the first one shown), the cursor kept on its row.
    pub(super) fn reload_rows_in_place(&mut self, effects: &mut Vec<Effect>) {
        let keep = self.table.selected().map(|p| p.id);
        let anchor = if self.table.at_start && self.table.top == 0 {
            None
        } else {
            self.table.rows.get(self.table.top).cloned()
        };
        let from_start = anchor.is_none();
        let request = self.table.request(anchor, Towards::Forward, true);
        self.request_page(PageIntent::Reload { keep }, request, effects);
        if from_start {
            self.table.at_start = true;
        }
    }

    /// Loads the rows around `row` in the current order and filter, with the cursor on it.
    pub(super) fn show(&mut self, row: RowRef, shown: Shown, effects: &mut Vec<Effect>) {
        let focus = match &row {
            RowRef::Row(profile) => profile.id,
            RowRef::Id(id) => *id,
        };
        let height = self.table.height.max(1) as i64;
        let id = self.send(
            Job::Around {
                request: self.table.request(None, Towards::Forward, false),
                anchor: row,
                before: height,
                after: height * 2,
            },
            effects,
        );
        self.in_flight.around = Some((id, focus, shown));
        self.in_flight.page = None;
    }

    /// A new order: the cursor stays on its row (or starts at the top when there is none).
    pub(super) fn resort(&mut self, sort: SortColumn, descending: bool, effects: &mut Vec<Effect>) {
        self.table.sort = sort;
        self.table.descending = descending;
        match self.table.selected().cloned() {
            Some(row) => self.show(RowRef::Row(Box::new(row)), Shown::Resorted, effects),
            None => self.reload_first_page(effects),
        }
    }

    /// Asks where the cursor row is in the whole table, when the window does not know.
    pub(super) fn request_position(&mut self, effects: &mut Vec<Effect>) {
        if self.table.rank.is_some() {
            return;
        }
        let Some(row) = self.table.selected().cloned() else {
            return;
        };
        let row_id = row.id;
        let request = self.table.request(Some(row), Towards::Backward, false);
        let id = self.send(Job::Position(request), effects);
        self.in_flight.position = Some((id, row_id));
    }
}
