//! Terminal events: keys (through the key table), paste, mouse, resize; the commands they run;
//! prompts and pop-up scrolling.

use ratatui::crossterm::event::{KeyCode, KeyModifiers};

use super::*;

impl App {
    // ---- terminal events -------------------------------------------------------------------

    pub(super) fn on_terminal(&mut self, event: TermEvent, effects: &mut Vec<Effect>) {
        match event {
            TermEvent::Key(key) if key.kind != KeyEventKind::Release => self.on_key(key, effects),
            TermEvent::Paste(text) => self.on_paste(&text),
            TermEvent::Mouse(mouse) => self.on_mouse(mouse, effects),
            TermEvent::Resize(width, height) => {
                self.resize(Rect::new(0, 0, width, height));
                self.fetch_if_near_edge(effects);
            }
            _ => {}
        }
    }

    pub(super) fn resize(&mut self, size: Rect) {
        self.size = size;
        self.table.height = layout::regions(size).table_rows.height as usize;
        self.table.scroll_to_cursor();
    }

    pub(super) fn on_key(&mut self, key: KeyEvent, effects: &mut Vec<Effect>) {
        // A terminal sends Esc and the key right after it as one key with Alt: Esc then q typed
        // in a hurry arrives as Alt-q (Esc then I as Alt-Shift-I). An Alt key bound to nothing
        // is taken as the two keys.
        if key.modifiers.contains(KeyModifiers::ALT)
            && !key.modifiers.contains(KeyModifiers::CONTROL)
            && matches!(key.code, KeyCode::Char(_))
            && !self.keys.binds(&key)
        {
            self.on_key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE), effects);
            self.on_key(
                KeyEvent::new(key.code, key.modifiers - KeyModifiers::ALT),
                effects,
            );
            return;
        }
        // Enter typed before the console set the terminal up (keys typed ahead as it starts)
        // was turned into a line feed, which reads as Ctrl-J once it has: unless Ctrl-J is
        // bound, it is Enter.
        if key.modifiers == KeyModifiers::CONTROL
            && key.code == KeyCode::Char('j')
            && !self.keys.binds(&key)
        {
            self.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE), effects);
            return;
        }
        if self.keys.command_for(Scope::Always, &key) == Some(Command::Quit) {
            self.quit(effects);
            return;
        }
        match std::mem::replace(&mut self.overlay, Overlay::None) {
            Overlay::None => {}
            overlay @ (Overlay::Help | Overlay::Inspect | Overlay::Log) => {
                // The pop-up's own keys scroll it; any other key closes it and does nothing more.
                if let Some(command) = self.keys.command_for(Scope::Popup, &key)
                    && self.scroll_popup(command)
                {
                    self.overlay = overlay;
                }
                return;
            }
            Overlay::History(mut view) => {
                let entries = view.entries.as_ref().and_then(|e| e.as_ref().ok());
                let count = entries.map_or(0, Vec::len);
                match self.keys.command_for(Scope::History, &key) {
                    Some(Command::ScrollDown) => {
                        view.selected = (view.selected + 1).min(count.saturating_sub(1));
                    }
                    Some(Command::ScrollUp) => view.selected = view.selected.saturating_sub(1),
                    Some(Command::Revert) => {
                        if let Some(entry) = entries.and_then(|e| e.get(view.selected)) {
                            let change = entry.id;
                            self.start_undo(Some(change), true, effects);
                        }
                    }
                    Some(_) => return,
                    None => {}
                }
                self.overlay = Overlay::History(view);
                return;
            }
            Overlay::ConfirmDelete(profile) => {
                if self.keys.command_for(Scope::Confirm, &key) == Some(Command::Confirm) {
                    self.status = self.busy_status(format!("deleting {}", profile.summary()));
                    let id = self.send(Job::Delete(profile.id), effects);
                    self.in_flight.deletes.push((id, *profile));
                } else {
                    self.status = Status::Info("delete cancelled".into());
                }
                return;
            }
            Overlay::Prompt {
                kind,
                mut input,
                before,
            } => {
                self.on_prompt_key(kind, &mut input, before, key, effects);
                return;
            }
        }
        if self.transfer.is_some()
            && self.keys.command_for(Scope::Transfer, &key) == Some(Command::CancelTransfer)
        {
            self.run_command(Command::CancelTransfer, effects);
            return;
        }
        // Only once the status offers it: an Esc typed right after Enter still means "table".
        let running = self
            .cancel_offered()
            .then(|| self.keys.running_command(&key))
            .flatten();
        if let Some(command) = running.or_else(|| self.keys.command_for(self.scope(), &key)) {
            self.run_command(command, effects);
        } else if self.focus == Focus::Form
            && self
                .form
                .focused_field()
                .input
                .handle_event(&TermEvent::Key(key))
                .is_some_and(|changed| changed.value)
        {
            self.form_changed();
        }
    }

    /// A paste goes in at the cursor, as typed text would, but in one step (a character at a
    /// time, a long paste took the screen minutes), without control characters and cut to
    /// [`PASTE_MAX_CHARS`]. Into the form, a spreadsheet row (cells separated by tabs) fills
    /// the focused field and the ones after it, a cell each. Of several lines, the first is
    /// taken.
    pub(super) fn on_paste(&mut self, text: &str) {
        let mut lines = text.lines();
        let line = lines.next().unwrap_or_default();
        let cut = std::cell::Cell::new(lines.next().is_some());
        let clean = |part: &str| -> String {
            let kept: String = part.chars().filter(|c| !c.is_control()).collect();
            if kept.chars().count() > PASTE_MAX_CHARS {
                cut.set(true);
                return kept.chars().take(PASTE_MAX_CHARS).collect();
            }
            kept
        };
        match &mut self.overlay {
            Overlay::Prompt { input, .. } => insert_at_cursor(input, &clean(line)),
            _ if self.focus == Focus::Form => {
                let cells: Vec<&str> = line.split('\t').collect();
                if let [one] = cells.as_slice() {
                    insert_at_cursor(&mut self.form.focused_field().input, &clean(one));
                } else {
                    let first = self.form.focused;
                    let last = (first + cells.len() - 1).min(self.form.fields.len() - 1);
                    if first + cells.len() - 1 > last {
                        cut.set(true);
                    }
                    for (field, cell) in self.form.fields[first..=last].iter_mut().zip(&cells) {
                        field.input = tui_input::Input::new(clean(cell.trim()));
                    }
                    self.form.focused = last;
                }
                self.form_changed();
            }
            _ => return,
        }
        if cut.get() {
            self.status = Status::Info(format!(
                "pasted what fits: the first line, a cell a field, at most {PASTE_MAX_CHARS} \
                 characters each"
            ));
        }
    }

    pub(super) fn on_mouse(&mut self, mouse: MouseEvent, effects: &mut Vec<Effect>) {
        if !matches!(self.overlay, Overlay::None) {
            return;
        }
        let regions = layout::regions(self.size);
        match mouse.kind {
            MouseEventKind::Down(MouseButton::Left) => {
                if let Some(index) = layout::form_field_at(&regions, mouse.column, mouse.row) {
                    self.focus = Focus::Form;
                    self.form.focused = index;
                } else if layout::contains(regions.form, mouse.column, mouse.row) {
                    self.focus = Focus::Form;
                } else if layout::contains(regions.table_rows, mouse.column, mouse.row) {
                    self.focus = Focus::Table;
                    let index = self.table.top + (mouse.row - regions.table_rows.y) as usize;
                    if index < self.table.rows.len() {
                        self.table.cursor = index;
                    }
                } else if layout::contains(regions.table, mouse.column, mouse.row) {
                    self.focus = Focus::Table;
                }
            }
            MouseEventKind::ScrollDown => {
                self.table.move_by(3);
                self.fetch_if_near_edge(effects);
            }
            MouseEventKind::ScrollUp => {
                self.table.move_by(-3);
                self.fetch_if_near_edge(effects);
            }
            _ => {}
        }
    }

    pub(super) fn run_command(&mut self, command: Command, effects: &mut Vec<Effect>) {
        let page = self.table.height.max(1) as isize;
        if self.read_only()
            && let Some(what) = command.writes()
        {
            self.status = Status::Failed(format!(
                "read-only: {what} would write to the database; nothing was sent"
            ));
            return;
        }
        match command {
            Command::Quit => self.quit(effects),
            Command::CancelOperation => self.cancel_operation(effects),
            Command::RunGetOrCreate | Command::RunUpdateOrCreate if self.form.editing.is_some() => {
                self.save_edit(effects);
            }
            Command::RunGetOrCreate => {
                let request = self.form.get_or_create();
                let job = request.map(|r| (r.lookup.describe(), Job::GetOrCreate(r)));
                self.start_operation("get_or_create", job, effects);
            }
            Command::RunUpdateOrCreate => {
                let request = self.form.update_or_create();
                let job = request.map(|r| (r.lookup.describe(), Job::UpdateOrCreate(r)));
                self.start_operation("update_or_create", job, effects);
            }
            Command::ToggleHelp => {
                self.overlay = Overlay::Help;
                self.popup_scroll = 0;
            }
            Command::ToggleInspect => {
                self.overlay = Overlay::Inspect;
                self.inspect = None;
                self.popup_scroll = 0;
                let id = self.send(Job::Inspect, effects);
                self.in_flight.inspect = Some(id);
            }
            Command::ToggleLog => {
                // Opens at the newest entry.
                self.overlay = Overlay::Log;
                self.popup_scroll = SCROLL_END;
            }
            Command::ScrollDown
            | Command::ScrollUp
            | Command::ScrollPageDown
            | Command::ScrollPageUp
            | Command::ScrollTop
            | Command::ScrollBottom
            | Command::ClosePopup
            | Command::Confirm
            | Command::Revert
            | Command::Accept
            | Command::CancelPrompt => {}
            Command::Refresh => self.refresh(effects),
            Command::FocusForm => self.focus = Focus::Form,
            Command::FocusTable => {
                if let Some(row) = self.form.editing.take() {
                    self.form.clear();
                    self.form.focused = 0;
                    self.form_changed();
                    self.status =
                        Status::Info(format!("stopped editing #{}; nothing written", row.id));
                }
                self.focus = Focus::Table;
            }
            Command::NextField => self.form.next_field(),
            Command::PreviousField => self.form.previous_field(),
            Command::CycleRole => {
                let field = self.form.focused_field();
                field.role = field.role.next();
                self.form_changed();
            }
            Command::ClearForm => {
                self.form.reset();
                self.form_changed();
                self.status = Status::Info("form cleared: values, roles and field".into());
            }
            Command::RecallEntry => {
                if self.form.recall() {
                    self.form_changed();
                    self.status = Status::Info("the last saved entry is back in the form".into());
                } else {
                    self.status = Status::Info("no entry saved yet to bring back".into());
                }
            }
            Command::Down => self.move_cursor(1, effects),
            Command::Up => self.move_cursor(-1, effects),
            Command::PageDown => self.move_cursor(page, effects),
            Command::PageUp => self.move_cursor(-page, effects),
            Command::First => self.jump(Towards::Forward, effects),
            Command::Last => self.jump(Towards::Backward, effects),
            Command::NextSort => {
                let at = SortColumn::ALL
                    .iter()
                    .position(|c| *c == self.table.sort)
                    .unwrap_or(0);
                let next = SortColumn::ALL[(at + 1) % SortColumn::ALL.len()];
                self.resort(next, false, effects);
            }
            Command::ReverseSort => {
                self.resort(self.table.sort, !self.table.descending, effects);
            }
            Command::SortBy(column) => {
                // The column already sorted by: reverse it.
                let descending = column == self.table.sort && !self.table.descending;
                self.resort(column, descending, effects);
            }
            Command::GoTo => {
                self.overlay = Overlay::Prompt {
                    kind: PromptKind::GoTo,
                    input: Input::default(),
                    before: self.table.filter.clone(),
                };
            }
            Command::Search => {
                // Starts empty: what is typed replaces the current search (shown in the header),
                // and Esc brings it back.
                self.overlay = Overlay::Prompt {
                    kind: PromptKind::Search,
                    input: Input::default(),
                    before: self.table.filter.clone(),
                };
            }
            Command::Filter => {
                let text = describe_filter(&self.table.filter);
                self.overlay = Overlay::Prompt {
                    kind: PromptKind::Filter,
                    input: Input::new(text),
                    before: self.table.filter.clone(),
                };
            }
            Command::Export | Command::Import if self.transfer.is_some() => {
                self.status = Status::Failed(format!(
                    "an export or import is running; {} stops it, or wait for it to end",
                    self.key_label(Scope::Transfer, Command::CancelTransfer)
                ));
            }
            Command::Export => {
                self.export_suggestion =
                    format!("profiles-{}.csv", Local::now().format("%Y%m%d-%H%M%S"));
                self.overlay = Overlay::Prompt {
                    kind: PromptKind::Export,
                    input: Input::default(),
                    before: self.table.filter.clone(),
                };
            }
            Command::Import => {
                self.overlay = Overlay::Prompt {
                    kind: PromptKind::Import,
                    input: Input::default(),
                    before: self.table.filter.clone(),
                };
            }
            Command::CancelTransfer => {
                if let Some(run) = &self.transfer {
                    run.stop.store(true, std::sync::atomic::Ordering::Relaxed);
                    self.status = Status::Info(format!(
                        "stopping the {} of {} after the current {}…",
                        if run.kind == TransferKind::Export {
                            "export"
                        } else {
                            "import"
                        },
                        run.path,
                        if run.kind == TransferKind::Export {
                            "page"
                        } else {
                            "batch"
                        },
                    ));
                }
            }
            Command::UndoLast => self.start_undo(None, false, effects),
            Command::ShowHistory => {
                if let Some(profile) = self.table.selected().cloned() {
                    let id = self.send(Job::History(profile.id), effects);
                    self.in_flight.history = Some(id);
                    self.overlay = Overlay::History(Box::new(HistoryView {
                        profile,
                        entries: None,
                        selected: 0,
                    }));
                }
            }
            Command::EditRow => {
                if let Some(profile) = self.table.selected().cloned() {
                    self.form.edit(&profile);
                    self.focus = Focus::Form;
                    self.form_changed();
                    self.status = Status::Info(format!(
                        "editing #{}: {} saves the changed fields, {} leaves without writing",
                        profile.id,
                        self.key_label(Scope::Form, Command::RunGetOrCreate),
                        self.key_label(Scope::Form, Command::FocusTable),
                    ));
                }
            }
            Command::Delete => {
                if let Some(profile) = self.table.selected().cloned() {
                    self.overlay = Overlay::ConfirmDelete(Box::new(profile));
                }
            }
        }
    }

    pub(super) fn on_prompt_key(
        &mut self,
        kind: PromptKind,
        input: &mut Input,
        before: ProfileFilter,
        key: KeyEvent,
        effects: &mut Vec<Effect>,
    ) {
        match self.keys.command_for(Scope::Prompt, &key) {
            Some(Command::Accept) if kind == PromptKind::GoTo => {
                match input.value().trim().trim_start_matches('#').parse::<i64>() {
                    Ok(id) if id >= 1 => {
                        self.focus = Focus::Table;
                        self.show(RowRef::Id(id), Shown::GoTo, effects);
                    }
                    _ => {
                        self.status = Status::Failed(format!(
                            "an id is a whole number from 1 up, not {:?}",
                            crate::domain::cut(input.value())
                        ));
                    }
                }
            }
            Some(Command::Accept) if matches!(kind, PromptKind::Export | PromptKind::Import) => {
                let path = match input.value().trim() {
                    "" if kind == PromptKind::Export => self.export_suggestion.clone(),
                    typed => typed.to_owned(),
                };
                if path.is_empty() {
                    self.status = Status::Failed("no file named; nothing done".into());
                    return;
                }
                let kind = if kind == PromptKind::Export {
                    TransferKind::Export
                } else {
                    TransferKind::Import
                };
                self.start_transfer(kind, path, effects);
            }
            Some(Command::Accept) => {
                if kind == PromptKind::Filter {
                    match parse_filter(input.value()) {
                        Ok(parsed) => {
                            self.table.filter = ProfileFilter {
                                search: self.table.filter.search.take(),
                                ..parsed
                            };
                            self.reload_first_page(effects);
                        }
                        Err(message) => {
                            self.status = Status::Failed(message);
                            self.overlay = Overlay::Prompt {
                                kind,
                                input: input.clone(),
                                before,
                            };
                        }
                    }
                }
                // A search is already applied as it is typed.
            }
            Some(_) => {
                if self.table.filter != before {
                    self.table.filter = before;
                    self.reload_first_page(effects);
                }
            }
            _ => {
                let changed = input
                    .handle_event(&TermEvent::Key(key))
                    .is_some_and(|c| c.value);
                if changed && kind == PromptKind::Search {
                    let text = input.value().trim().to_owned();
                    self.table.filter.search = (!text.is_empty()).then_some(text);
                    self.reload_first_page(effects);
                }
                self.overlay = Overlay::Prompt {
                    kind,
                    input: input.clone(),
                    before,
                };
            }
        }
    }

    /// A pop-up key: scrolls the open pop-up; false when it closes it.
    pub(super) fn scroll_popup(&mut self, command: Command) -> bool {
        let max = self.popup_max_scroll.get();
        let at = self.popup_scroll.min(max);
        let page = self.size.height.saturating_sub(6).max(1);
        self.popup_scroll = match command {
            Command::ScrollDown => at.saturating_add(1).min(max),
            Command::ScrollUp => at.saturating_sub(1),
            Command::ScrollPageDown => at.saturating_add(page).min(max),
            Command::ScrollPageUp => at.saturating_sub(page),
            Command::ScrollTop => 0,
            Command::ScrollBottom => SCROLL_END,
            _ => return false,
        };
        true
    }
}

/// The longest paste a field or prompt takes (no field's value may be a tenth of it; a path
/// may be long).
const PASTE_MAX_CHARS: usize = 4_096;

/// `text` into `input` at its cursor, the cursor after it.
fn insert_at_cursor(input: &mut tui_input::Input, text: &str) {
    let value = input.value();
    let cursor = input.cursor();
    let at = value
        .char_indices()
        .nth(cursor)
        .map_or(value.len(), |(at, _)| at);
    let joined = format!("{}{text}{}", &value[..at], &value[at..]);
    *input = tui_input::Input::new(joined).with_cursor(cursor + text.chars().count());
}
