//! Database answers and time passing: each reply to the request that asked for it (stale ones
//! dropped), the preview's debounce, retries, giving up on a silent write.

use super::*;
use crate::repository::{AroundRows, ChangeAction};

/// `UNDONE change #40: restored #12 Argo Saha (M, 10)`.
fn undone_text(undone: &Undone) -> String {
    match &undone.profile {
        Some(profile) => format!(
            "UNDONE change #{}: {} {}",
            undone.change,
            undone.action,
            profile.summary()
        ),
        None => format!(
            "UNDONE change #{}: #{} is gone again (its create undone)",
            undone.change, undone.profile_id
        ),
    }
}

impl App {
    // ---- the preview -----------------------------------------------------------------------

    pub(super) fn form_changed(&mut self) {
        self.preview_for_form();
        self.repredict();
    }

    /// Says again what the preview says (the form or the answer changed).
    pub(super) fn repredict(&mut self) {
        self.prediction = predict(&self.form, &self.preview, self.backend);
    }

    /// Schedules the preview query the form now needs, if any.
    pub(super) fn preview_for_form(&mut self) {
        if self.form.editing.is_some() {
            // Editing: the preview looks up the new name, to say if another row has it.
            let renamed = self.form.is_changed(0) || self.form.is_changed(1);
            if renamed {
                self.preview = Preview::Waiting;
                self.preview_due = Some(Instant::now() + PREVIEW_DEBOUNCE);
            } else {
                self.preview = Preview::Empty;
                self.preview_due = None;
                self.in_flight.preview = None;
            }
            return;
        }
        let any_lookup = self
            .form
            .fields
            .iter()
            .any(|f| f.role == FieldRole::Lookup && !f.input.value().is_empty());
        if any_lookup {
            self.preview = Preview::Waiting;
            self.preview_due = Some(Instant::now() + PREVIEW_DEBOUNCE);
        } else {
            self.preview = Preview::Empty;
            self.preview_due = None;
            self.in_flight.preview = None;
        }
    }

    pub(super) fn on_tick(&mut self, now: Instant, effects: &mut Vec<Effect>) {
        self.now = now;
        if self.busy() {
            self.spinner = self.spinner.wrapping_add(1);
        }
        if let Some(since) = self.in_flight.writing_since
            && now.saturating_duration_since(since) >= self.give_up_after
        {
            self.stop_waiting(now.saturating_duration_since(since), effects);
        }
        if self.watch_due.is_some_and(|due| due <= now) && self.in_flight.watch.is_none() {
            self.watch(effects);
        }
        if self.retry_at.is_some_and(|due| due <= now) && self.in_flight.page.is_none() {
            self.retry_at = None;
            self.reload_in_place(effects);
        }
        if self.preview_due.is_some_and(|due| due <= now) {
            self.preview_due = None;
            let lookup = if self.form.editing.is_some() {
                self.form.name_lookup()
            } else {
                self.form.lookup()
            };
            match lookup {
                Ok(lookup) => {
                    let id = self.send(Job::Preview(lookup), effects);
                    self.in_flight.preview = Some(id);
                }
                Err(invalid) => self.preview = Preview::Invalid(invalid.to_string()),
            }
            self.repredict();
        }
    }

    // ---- database answers ------------------------------------------------------------------

    pub(super) fn on_response(&mut self, response: Response, effects: &mut Vec<Effect>) {
        let Response {
            id,
            reply,
            elapsed,
            statements,
        } = response;
        match reply {
            Reply::Page(result) => self.on_page(id, result, effects),
            Reply::Around(result) => self.on_around(id, result, effects),
            Reply::Position(result) => self.on_position(id, result),
            Reply::Count(result) => self.on_count(id, result),
            Reply::Estimate(result) => self.on_estimate(id, result),
            Reply::Preview(result) => self.on_preview(id, result),
            Reply::Inspect(result) => self.on_inspect(id, result),
            Reply::Operation(result) => self.on_operation(id, result, elapsed, statements, effects),
            Reply::Deleted(result) => self.on_deleted(id, result, elapsed, statements, effects),
            Reply::Undone(result) => self.on_undone(id, result, elapsed, statements, effects),
            Reply::History(result) => self.on_history(id, result),
            Reply::Watched(result) => self.on_watched(id, result, effects),
        }
    }

    fn on_undone(
        &mut self,
        id: RequestId,
        result: Result<Option<Undone>, Error>,
        elapsed: Duration,
        statements: Vec<String>,
        effects: &mut Vec<Effect>,
    ) {
        let Some(at) = self
            .in_flight
            .undos
            .iter()
            .position(|(sent, _)| *sent == id)
        else {
            return;
        };
        let (_, from_history) = self.in_flight.undos.remove(at);
        self.write_answered();
        let text = match &result {
            Ok(Some(undone)) => undone_text(undone),
            Ok(None) => "nothing of this session's left to undo".to_owned(),
            Err(err) => format!("ERROR {err}"),
        };
        let title = if from_history {
            "undo (history)".to_owned()
        } else {
            format!(
                "undo ({})",
                self.key_label(Scope::Global, Command::UndoLast)
            )
        };
        self.push_log(title, text.clone(), elapsed, statements);
        match result {
            Ok(Some(undone)) => {
                self.status = Status::Info(text);
                match &undone.profile {
                    Some(profile) => {
                        self.highlight = None;
                        self.show(
                            RowRef::Row(Box::new(profile.clone())),
                            Shown::Outcome,
                            effects,
                        );
                    }
                    None => {
                        self.table.remove(undone.profile_id);
                        self.fetch_if_near_edge(effects);
                    }
                }
                self.request_count(effects);
                let open_history = match &mut self.overlay {
                    Overlay::History(view) => {
                        view.entries = None;
                        Some(view.profile.id)
                    }
                    _ => None,
                };
                if let Some(profile_id) = open_history {
                    let id = self.send(Job::History(profile_id), effects);
                    self.in_flight.history = Some(id);
                }
            }
            Ok(None) => self.status = Status::Info(text),
            Err(err) => self.fail("", &err),
        }
    }

    fn on_history(&mut self, id: RequestId, result: Result<Vec<JournalEntry>, Error>) {
        if self
            .in_flight
            .history
            .take_if(|current| *current == id)
            .is_none()
        {
            return;
        }
        if let Overlay::History(view) = &mut self.overlay {
            let count = result.as_ref().map_or(0, Vec::len);
            view.selected = view.selected.min(count.saturating_sub(1));
            view.entries = Some(result.map_err(|err| err.to_string()));
        }
    }

    /// Other clients' changes since the last look: their rows are badged, and the table reads
    /// them in place (the cursor stays on its row).
    fn on_watched(
        &mut self,
        id: RequestId,
        result: Result<(Vec<JournalEntry>, i64), Error>,
        effects: &mut Vec<Effect>,
    ) {
        if self
            .in_flight
            .watch
            .take_if(|current| *current == id)
            .is_none()
        {
            return;
        }
        self.watch_due = Some(self.now.max(Instant::now()) + WATCH_EVERY);
        let (entries, newest) = match result {
            Ok(watched) => watched,
            Err(Error::FileGone { path }) => {
                // Another file is at the path now (a backup restored, the file deleted): show it.
                self.last_change = None;
                self.status = Status::Info(format!(
                    "{path} was replaced or deleted: showing what is there now"
                ));
                self.reload_in_place(effects);
                self.request_count(effects);
                return;
            }
            Err(_) => return,
        };
        self.last_change = Some(newest);
        // Entries left unread (a burst: see `Repository::watch_changes`): the table is counted
        // afresh.
        let skipped = entries.last().is_some_and(|last| newest > last.id);
        let theirs: Vec<&JournalEntry> = entries
            .iter()
            .filter(|entry| entry.session.as_deref() != Some(self.session.as_str()))
            .collect();
        if theirs.is_empty() && !skipped {
            return;
        }
        for entry in &theirs {
            let by_our_import = entry
                .session
                .as_ref()
                .is_some_and(|session| self.import_sessions.contains(session));
            if !by_our_import {
                self.changed_by_others.insert(entry.profile_id);
            } else if entry.action == ChangeAction::Created {
                self.created_this_session.insert(entry.profile_id);
            }
        }
        if self.in_flight.page.is_none() && self.in_flight.around.is_none() {
            self.reload_rows_in_place(effects);
        }
        // The journal says how many rows came and went: an exact count of the whole table
        // follows from it, with no count over millions of rows; a filtered one is counted.
        // Entries the last count already holds (the watch may still be catching up on a burst,
        // such as an import, that the count saw whole) are not counted twice.
        let counted_up_to = self.table.counted_up_to;
        let net: i64 = theirs
            .iter()
            .filter(|entry| entry.id > counted_up_to)
            .map(|entry| match (&entry.old, &entry.new) {
                (None, Some(_)) => 1,
                (Some(_), None) => -1,
                _ => 0,
            })
            .sum();
        match self.table.total {
            Some(total)
                if !skipped
                    && self.table.filter.is_empty()
                    && !self.table.total_is_estimate
                    && self.in_flight.count.is_none() =>
            {
                self.table.total = Some(total + net);
            }
            _ => self.request_count(effects),
        }
    }

    /// A new view the user asked for has loaded: an old error no longer describes the screen.
    fn clear_old_error(&mut self) {
        if matches!(self.status, Status::Failed(_)) {
            self.status = Status::Info(String::new());
        }
    }

    fn on_page(
        &mut self,
        id: RequestId,
        result: Result<Vec<Profile>, Error>,
        effects: &mut Vec<Effect>,
    ) {
        let Some((_, intent, limit)) = self.in_flight.page.filter(|(current, ..)| *current == id)
        else {
            return;
        };
        self.in_flight.page = None;
        match result {
            Ok(rows) => {
                // A new view the user asked for (search, filter, sort, jump) has loaded:
                // an old error no longer describes what is on screen.
                if matches!(
                    intent,
                    PageIntent::ReplaceAtFirst | PageIntent::ReplaceAtLast
                ) {
                    self.clear_old_error();
                }
                if std::mem::take(&mut self.offline) {
                    self.status = Status::Info("connected to the database again".into());
                }
                self.table.receive(intent, rows, limit);
                self.fetch_if_near_edge(effects);
            }
            Err(err) => self.fail_loading("could not load profiles", &err),
        }
    }

    fn on_around(
        &mut self,
        id: RequestId,
        result: Result<AroundRows, Error>,
        effects: &mut Vec<Effect>,
    ) {
        let Some((_, focus, shown)) = self.in_flight.around.filter(|(current, ..)| *current == id)
        else {
            return;
        };
        self.in_flight.around = None;
        match result {
            Ok(around) => {
                let visible =
                    self.table
                        .receive_around(around.rows, focus, around.at_start, around.at_end);
                match shown {
                    Shown::Outcome => {
                        if let Status::Done { visible: seen, .. } = &mut self.status {
                            *seen = visible;
                        }
                    }
                    Shown::GoTo if visible => {
                        self.status = Status::Info(format!("at profile #{focus}"));
                    }
                    Shown::GoTo => {
                        self.status = Status::Info(format!(
                            "profile #{focus} is hidden by the current search or filter"
                        ));
                    }
                    // A new view the user asked for: an old error no longer describes it.
                    Shown::Resorted => self.clear_old_error(),
                }
                self.request_position(effects);
            }
            Err(Error::NoSuchProfile(missing)) if shown == Shown::GoTo => {
                self.status = Status::Failed(format!("there is no profile #{missing}"));
            }
            Err(err) => self.fail_loading("could not load profiles", &err),
        }
    }

    fn on_position(&mut self, id: RequestId, result: Result<i64, Error>) {
        let Some((_, row)) = self
            .in_flight
            .position
            .take_if(|(current, _)| *current == id)
        else {
            return;
        };
        // Without it the readout says "row ?"; a failure to count is no news.
        if let Ok(before) = result {
            self.table.place(row, before);
        }
    }

    fn on_count(&mut self, id: RequestId, result: Result<(i64, i64), Error>) {
        if self.in_flight.count != Some(id) {
            return;
        }
        self.in_flight.count = None;
        match result {
            Ok((count, counted_up_to)) => {
                self.table.total = Some(count);
                self.table.total_is_estimate = false;
                self.table.counted_up_to = counted_up_to;
            }
            Err(err) => self.fail_loading("could not count profiles", &err),
        }
    }

    fn on_estimate(&mut self, id: RequestId, result: Result<Option<i64>, Error>) {
        if self.in_flight.estimate != Some(id) {
            return;
        }
        self.in_flight.estimate = None;
        // Only while the exact count is still coming, and only for a big table: a small
        // one is counted at once, and its statistics may be stale.
        if let Ok(Some(estimate)) = result
            && estimate >= ESTIMATE_AT_LEAST
            && self.in_flight.count.is_some()
            && self.table.total.is_none()
        {
            self.table.total = Some(estimate);
            self.table.total_is_estimate = true;
        }
    }

    fn on_preview(&mut self, id: RequestId, result: Result<PreviewMatch, Error>) {
        if self.in_flight.preview != Some(id) {
            return;
        }
        self.in_flight.preview = None;
        self.preview = match result {
            Ok(found) => Preview::Ready(found),
            Err(err) => Preview::Failed(err.to_string()),
        };
        self.repredict();
    }

    fn on_inspect(&mut self, id: RequestId, result: Result<Box<InspectReport>, Error>) {
        if self.in_flight.inspect != Some(id) {
            return;
        }
        self.in_flight.inspect = None;
        self.inspect = Some(result.map_err(|err| err.to_string()));
    }

    fn on_operation(
        &mut self,
        id: RequestId,
        result: Result<(Profile, Outcome), Error>,
        elapsed: Duration,
        statements: Vec<String>,
        effects: &mut Vec<Effect>,
    ) {
        let Some(at) = self.in_flight.operations.iter().position(|op| op.id == id) else {
            return;
        };
        let SentOperation {
            title,
            defaults,
            form,
            ..
        } = self.in_flight.operations.remove(at);
        self.write_answered();
        let text = match &result {
            Ok((profile, outcome)) => outcome_text(outcome, profile),
            Err(err) => format!("ERROR {err}"),
        };
        self.push_log(title, text, elapsed, statements);
        match result {
            Ok((profile, outcome)) => {
                if outcome == Outcome::Created {
                    self.created_this_session.insert(profile.id);
                    self.request_count(effects);
                }
                self.highlight = Some((profile.id, outcome.clone()));
                self.show(
                    RowRef::Row(Box::new(profile.clone())),
                    Shown::Outcome,
                    effects,
                );
                // A fetch ignores the defaults: say which of those typed differ from the row.
                let not_applied = match (&outcome, defaults) {
                    (Outcome::Fetched, Some(defaults)) => defaults
                        .fields()
                        .filter_map(|field| {
                            let typed = defaults.get(field)?;
                            (profile.value(field) != typed).then(|| format!("{field} {typed}"))
                        })
                        .collect(),
                    _ => Vec::new(),
                };
                self.status = Status::Done {
                    outcome,
                    profile: Box::new(profile),
                    elapsed,
                    visible: true,
                    not_applied,
                };
                self.form_changed();
            }
            Err(err) => {
                self.fail("", &err);
                self.entry_not_saved(*form);
                if matches!(err, Error::FileGone { .. }) {
                    // The table showed the file that is gone: show what is at its path now.
                    self.reload_in_place(effects);
                    self.request_count(effects);
                }
            }
        }
    }

    fn on_deleted(
        &mut self,
        id: RequestId,
        result: Result<Option<Profile>, Error>,
        elapsed: Duration,
        statements: Vec<String>,
        effects: &mut Vec<Effect>,
    ) {
        let Some(at) = self
            .in_flight
            .deletes
            .iter()
            .position(|(sent, _)| *sent == id)
        else {
            return;
        };
        let (_, profile) = self.in_flight.deletes.remove(at);
        self.write_answered();
        let text = match &result {
            Ok(Some(deleted)) => format!("DELETED {}", deleted.summary()),
            Ok(None) => format!("no profile #{} (already gone)", profile.id),
            Err(err) => format!("ERROR {err}"),
        };
        self.push_log(format!("delete #{}", profile.id), text, elapsed, statements);
        match result {
            Ok(deleted) => {
                self.table.remove(profile.id);
                self.status = match deleted {
                    Some(deleted) => Status::Deleted(Box::new(deleted)),
                    None => Status::Info(format!("profile #{} was already gone", profile.id)),
                };
                self.request_count(effects);
                self.fetch_if_near_edge(effects);
                self.form_changed();
            }
            Err(err) => self.fail("could not delete", &err),
        }
    }
}
