//! Writes: sending an operation (or an edit) built from the form, waiting for it, cancelling it,
//! giving up on it; the status line and the operation log.

use super::*;

impl App {
    /// Sends an undo: of `change`, or of this session's newest change not undone yet.
    pub(super) fn start_undo(
        &mut self,
        change: Option<i64>,
        from_history: bool,
        effects: &mut Vec<Effect>,
    ) {
        let what = change.map_or_else(
            || "undoing this session's last change".to_owned(),
            |id| format!("undoing change #{id}"),
        );
        self.status = self.busy_status(what);
        let id = self.send(Job::Undo(change), effects);
        self.in_flight.undos.push((id, from_history));
    }

    // ---- operations ------------------------------------------------------------------------

    /// Sends an operation built from the form, or reports why the form cannot make one.
    pub(super) fn start_operation(
        &mut self,
        name: &str,
        job: Result<(String, Job), InvalidInput>,
        effects: &mut Vec<Effect>,
    ) {
        match job {
            Ok((lookup, job)) => {
                // Enter pressed twice in a hurry, or again on the empty form a save left: an
                // empty lookup would match every profile, which no one means at that moment.
                if self.form.is_fresh_entry() {
                    // The first one's outcome (or its progress) stays in view.
                    if !matches!(self.status, Status::Done { .. } | Status::Busy(..)) {
                        self.status = Status::Info(format!(
                            "the form is empty, ready for the next entry ({}: the last one back)",
                            self.key_label(Scope::Form, Command::RecallEntry)
                        ));
                    }
                    return;
                }
                let title = format!("{name} {lookup}");
                self.status = self.busy_status(format!("running {title}"));
                let defaults = match &job {
                    Job::GetOrCreate(request) => Some(request.defaults.clone()),
                    _ => None,
                };
                let id = self.send(job, effects);
                let form = Box::new(self.form.clone());
                self.form.next_entry();
                self.form_changed();
                self.in_flight.operations.push(SentOperation {
                    id,
                    title,
                    defaults,
                    form,
                });
            }
            Err(invalid) => self.status = Status::Failed(invalid.to_string()),
        }
    }

    /// Saves the row being edited: only the changed fields, by its id.
    pub(super) fn save_edit(&mut self, effects: &mut Vec<Effect>) {
        let Some(plan) = self.form.edit_plan() else {
            return;
        };
        let id = self.form.editing.as_ref().map_or(0, |row| row.id);
        match plan {
            Ok(EditPlan::NoChange) => {
                self.status = Status::Info(format!(
                    "nothing changed in #{id}: edit a field, or {} to leave",
                    self.key_label(Scope::Form, Command::FocusTable)
                ));
            }
            Ok(EditPlan::Save(request)) => {
                let title = format!("edit #{id}");
                self.start_operation(
                    "edit",
                    Ok((format!("#{id}"), Job::UpdateOrCreate(*request))),
                    effects,
                );
                if let Some(sent) = self.in_flight.operations.last_mut() {
                    sent.title = title;
                }
            }
            Err(invalid) => self.status = Status::Failed(invalid.to_string()),
        }
    }

    /// A failed read of the table. When the database is out of reach, the table is read again
    /// every [`RETRY_AFTER`] until it answers.
    pub(super) fn fail_loading(&mut self, what: &str, err: &Error) {
        if matches!(err, Error::Connect(_) | Error::ConnectionLost(_)) {
            self.offline = true;
            self.retry_at = Some(Instant::now() + RETRY_AFTER);
            self.status = Status::Failed(format!(
                "database unavailable, trying again every {} s: {err}",
                RETRY_AFTER.as_secs()
            ));
        } else {
            self.fail(what, err);
        }
    }

    /// A "waiting" status, for a write just sent.
    pub(super) fn busy_status(&mut self, text: String) -> Status {
        let now = Instant::now();
        self.in_flight.writing_since.get_or_insert(now);
        Status::Busy(text, now)
    }

    pub(super) fn write_answered(&mut self) {
        if !self.operation_running() {
            self.in_flight.writing_since = None;
            self.in_flight.cancelling = false;
        }
    }

    /// Esc while a write runs: ask the server to cancel it; a second Esc stops waiting.
    pub(super) fn cancel_operation(&mut self, effects: &mut Vec<Effect>) {
        if self.in_flight.cancelling {
            let waited = self
                .in_flight
                .writing_since
                .map_or(Duration::ZERO, |since| {
                    self.now.saturating_duration_since(since)
                });
            self.stop_waiting(waited, effects);
            return;
        }
        self.in_flight.cancelling = true;
        let since = self.in_flight.writing_since.unwrap_or(self.now);
        let esc = self.key_label(Scope::Running, Command::CancelOperation);
        let text = if self.backend.cancels_on_server() {
            format!("cancelling on the server ({esc} again: stop waiting)")
        } else {
            format!(
                "this database cannot cancel a write once started; it ends within seconds \
                 ({esc} again: stop waiting)"
            )
        };
        self.status = Status::Busy(text, since);
        effects.push(Effect::CancelOnServer);
    }

    /// The writes sent and not answered yet, oldest first of each kind, as the log names them.
    fn writes_in_flight(&self) -> Vec<String> {
        let operations = self.in_flight.operations.iter().map(|op| op.title.clone());
        let deletes =
            (self.in_flight.deletes.iter()).map(|(_, profile)| format!("delete #{}", profile.id));
        let undos = self.in_flight.undos.iter().map(|_| "undo".to_owned());
        operations.chain(deletes).chain(undos).collect()
    }

    /// Gives up on the worker: a new one takes over, and every request in flight is forgotten.
    /// Whether the write committed is unknown, and the status says so.
    pub(super) fn stop_waiting(&mut self, waited: Duration, effects: &mut Vec<Effect>) {
        let writes = self.writes_in_flight();
        let unsaved = self.in_flight.operations.last().map(|op| op.form.clone());
        let result = format!("UNKNOWN: no answer after {} s", waited.as_secs());
        for title in &writes {
            self.push_log(title.clone(), result.clone(), waited, Vec::new());
        }
        self.in_flight = InFlight::default();
        effects.push(Effect::ReplaceWorker);
        self.status = Status::Failed(unknown_whether_written(
            &format!("no answer for {} s, stopped waiting", waited.as_secs()),
            &writes,
        ));
        if let Some(form) = unsaved {
            self.entry_not_saved(*form);
        }
        self.reload_in_place(effects);
        self.request_count(effects);
    }

    /// A write sent from the form failed, or its outcome is unknown: the form made way for the
    /// next entry when it was sent, so put the entry back to be corrected or run again, unless
    /// the next one is being typed (then Ctrl-P brings it back, and the status says so).
    pub(super) fn entry_not_saved(&mut self, sent: Form) {
        if self.form.is_fresh_entry() {
            self.form.restore(sent);
            self.form_changed();
        } else {
            self.form.remember(sent.values());
            let recall = self.key_label(Scope::Form, Command::RecallEntry);
            if let Status::Failed(text) = &mut self.status {
                text.push_str(&format!(" ({recall}: that entry back in the form)"));
            }
        }
    }

    pub(super) fn fail(&mut self, what: &str, err: &Error) {
        self.status = Status::Failed(if what.is_empty() {
            err.to_string()
        } else {
            format!("{what}: {err}")
        });
    }

    pub(super) fn push_log(
        &mut self,
        title: String,
        result: String,
        elapsed: Duration,
        statements: Vec<String>,
    ) {
        if self.quit_when_answered {
            self.parting.push(result.clone());
        }
        self.log.push(LogEntry {
            at: Local::now().time(),
            title,
            result,
            elapsed,
            statements,
        });
        if self.log.len() > LOG_LIMIT {
            self.log.remove(0);
        }
    }
}

impl App {
    // ---- export and import -----------------------------------------------------------------

    /// Quits; while an export or import runs, only when asked twice within a few seconds (a
    /// quit in a hurry would otherwise end it half-way unseen). The run is then told to stop, and
    /// the console waits a little for it (see `console::finish_transfer`): an import keeps the
    /// batches done, an export writes nothing.
    pub(super) fn quit(&mut self, effects: &mut Vec<Effect>) {
        let now = Instant::now();
        let Some(run) = &self.transfer else {
            if self.operation_running() {
                self.quit_after_writes(now, effects);
            } else {
                effects.push(Effect::Quit);
            }
            return;
        };
        if self
            .quit_asked
            .is_some_and(|asked| now.duration_since(asked) < QUIT_AGAIN_WITHIN)
        {
            run.stop.store(true, std::sync::atomic::Ordering::Relaxed);
            effects.push(Effect::Quit);
            return;
        }
        self.quit_asked = Some(now);
        let (what, stopped) = if run.kind == TransferKind::Export {
            ("an export", "writes nothing")
        } else {
            ("an import", "keeps the batches done")
        };
        // The essentials first: on a narrow screen the end is cut.
        self.status = Status::Failed(format!(
            "{what} is running: {} again stops it and quits ({stopped})",
            self.key_label(Scope::Table, Command::Quit),
        ));
    }

    /// Stopped by a signal: what is to be printed once the terminal is back, with a word on the
    /// writes that were still running.
    pub fn stopped_by_signal(&mut self) -> Vec<String> {
        let writes = self.writes_in_flight();
        if !writes.is_empty() {
            let said = unknown_whether_written("stopped by a signal", &writes);
            self.parting.push(said);
        }
        std::mem::take(&mut self.parting)
    }

    /// A quit while a write runs (q or Enter-then-q in a hurry): quit once it is answered, and
    /// say then what it did; asked again, quit at once, saying that its outcome is unknown.
    fn quit_after_writes(&mut self, now: Instant, effects: &mut Vec<Effect>) {
        let writes = self.writes_in_flight();
        if self.quit_when_answered
            && self
                .quit_asked
                .is_some_and(|asked| now.duration_since(asked) < QUIT_AGAIN_WITHIN)
        {
            let said = unknown_whether_written("quit without waiting for an answer", &writes);
            self.parting.push(said);
            effects.push(Effect::Quit);
            return;
        }
        let writes = writes.join(", ");
        self.quit_asked = Some(now);
        self.quit_when_answered = true;
        let since = self.in_flight.writing_since.unwrap_or(now);
        self.status = Status::Busy(
            format!(
                "quitting once {writes} is answered ({} again: quit now, not knowing whether it \
                 was written)",
                self.key_label(Scope::Table, Command::Quit)
            ),
            since,
        );
    }

    /// Starts exporting the table's view to `path`, or importing `path`, off the UI thread.
    pub(super) fn start_transfer(
        &mut self,
        kind: TransferKind,
        path: String,
        effects: &mut Vec<Effect>,
    ) {
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let view = crate::domain::PageRequest {
            filter: self.table.filter.clone(),
            sort: self.table.sort,
            descending: self.table.descending,
            ..crate::domain::PageRequest::default()
        };
        let session = crate::repository::new_session();
        if kind == TransferKind::Import {
            self.import_sessions.insert(session.clone());
        }
        effects.push(Effect::StartTransfer(Box::new(TransferRequest {
            kind,
            path: crate::paths::expand_home(&path),
            view,
            stop: std::sync::Arc::clone(&stop),
            session,
        })));
        self.status = Status::Info(format!(
            "{} {path}… ({} stops)",
            kind.verb(),
            self.key_label(Scope::Transfer, Command::CancelTransfer)
        ));
        self.transfer = Some(TransferRun {
            kind,
            path,
            rows: 0,
            fraction: None,
            stop,
        });
    }

    pub(super) fn on_transfer(&mut self, event: TransferEvent, effects: &mut Vec<Effect>) {
        match event {
            TransferEvent::Progress { rows, fraction } => {
                if let Some(run) = &mut self.transfer {
                    run.rows = rows;
                    run.fraction = fraction;
                }
            }
            TransferEvent::Done(result) => {
                let Some(run) = self.transfer.take() else {
                    return;
                };
                let title = format!(
                    "{} {}",
                    if run.kind == TransferKind::Export {
                        "export to"
                    } else {
                        "import of"
                    },
                    run.path
                );
                let text = match &result {
                    Ok(text) | Err(text) => text.clone(),
                };
                self.push_log(title, text.clone(), Duration::ZERO, Vec::new());
                if run.kind == TransferKind::Import {
                    // Show what it wrote (the live view badges the rows as others' changes).
                    self.refresh(effects);
                }
                // On the status line a long path would hide what happened to it (the log keeps
                // the whole text).
                let full = crate::paths::expand_home(&run.path).display().to_string();
                let short = |text: String| {
                    text.replace(&full, &crate::paths::shortened(&full))
                        .replace(&run.path, &crate::paths::shortened(&run.path))
                };
                self.status = match result {
                    Ok(text) => Status::Info(short(text)),
                    Err(text) => Status::Failed(short(text)),
                };
            }
        }
    }
}

/// "`why`: unknown whether `writes` was written; check the table": what is said of writes whose
/// answer will never be seen (given up on, quit or stopped while they ran).
fn unknown_whether_written(why: &str, writes: &[String]) -> String {
    format!(
        "{why}: unknown whether {} was written; check the table",
        writes.join(", ")
    )
}
