//! The console's state machine: one [`App`], events in, requests for the database worker out.
//! Nothing here touches the terminal or the database, so it is tested by feeding it events.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use chrono::{Local, NaiveTime};
use ratatui::crossterm::event::{
    Event as TermEvent, KeyEvent, KeyEventKind, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::layout::Rect;
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use super::filter::{describe_filter, parse_filter};
use super::form::{EditPlan, FieldRole, Form};
use super::keymap::{self, Command, Scope};
use super::prediction::{Note, predict};
use super::table::{PageIntent, TableView};
use super::ui::layout;
use super::worker::{
    InspectReport, Job, PreviewMatch, Reply, Request, RequestId, Response, RowRef,
};
use crate::db::Backend;
use crate::domain::{
    InvalidInput, Outcome, Profile, ProfileFilter, ProfileValues, SortColumn, Towards,
};
use crate::error::Error;

/// How long the lookup must rest before the preview asks the database.
pub const PREVIEW_DEBOUNCE: Duration = Duration::from_millis(120);
/// How long to wait before reading the table again when the database is out of reach.
pub const RETRY_AFTER: Duration = Duration::from_secs(3);
/// How long a write may go unanswered before the console stops waiting for it (the server-side
/// timeout plus the client's grace period; `console::run` sets it from `--timeout`).
pub const GIVE_UP_AFTER: Duration = Duration::from_secs(20);
/// A running operation shows its elapsed time once it has taken this long.
pub const SHOW_ELAPSED_AFTER: Duration = Duration::from_secs(1);
/// Estimates below this are not shown: such a table is counted exactly in a moment.
const ESTIMATE_AT_LEAST: i64 = 100_000;
/// A pop-up scrolled this far shows its end, however long it is.
pub const SCROLL_END: u16 = u16::MAX;
/// Operation-log entries kept.
const LOG_LIMIT: usize = 200;

/// Something that happened: a terminal event, a database answer, or time passing.
#[derive(Debug)]
pub enum Action {
    Terminal(TermEvent),
    Response(Response),
    Tick(Instant),
}

/// What the app asks of the outside world.
#[derive(Clone, Debug)]
pub enum Effect {
    Send(Box<Request>),
    /// Cancel the statement the worker is running, on the server.
    CancelOnServer,
    /// Stop waiting for the worker: a new one takes over; the old one's answers never arrive.
    ReplaceWorker,
    Quit,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Focus {
    Form,
    Table,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PromptKind {
    Search,
    Filter,
    /// Go to a profile by its id.
    GoTo,
}

#[derive(Clone, Debug)]
pub enum Overlay {
    None,
    Help,
    Inspect,
    /// The operation log.
    Log,
    ConfirmDelete(Box<Profile>),
    Prompt {
        kind: PromptKind,
        input: Input,
        before: ProfileFilter,
    },
}

/// The live preview of what the form's lookup matches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Preview {
    /// No lookup typed yet.
    Empty,
    Waiting,
    Ready(PreviewMatch),
    Invalid(String),
    Failed(String),
}

/// The status line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    Info(String),
    /// Waiting for the database, since when.
    Busy(String, Instant),
    Done {
        outcome: Outcome,
        profile: Box<Profile>,
        elapsed: Duration,
        visible: bool,
        /// Typed defaults a fetch did not apply (`gender F`), which F6 would.
        not_applied: Vec<String>,
    },
    Deleted(Box<Profile>),
    Failed(String),
}

/// One operation, as the log shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogEntry {
    pub at: NaiveTime,
    pub title: String,
    pub result: String,
    pub elapsed: Duration,
    pub statements: Vec<String>,
}

/// Requests in flight, by what their answers are for. A newer request replaces an older one of
/// the same kind, whose answer is then dropped as stale.
#[derive(Clone, Debug, Default)]
struct InFlight {
    page: Option<(RequestId, PageIntent, i64)>,
    /// Rows around a row: the request, the row's id, and why it is shown.
    around: Option<(RequestId, i64, Shown)>,
    /// The count of rows before the cursor row (by id).
    position: Option<(RequestId, i64)>,
    count: Option<RequestId>,
    estimate: Option<RequestId>,
    preview: Option<RequestId>,
    inspect: Option<RequestId>,
    /// Writes sent, oldest first.
    operations: Vec<SentOperation>,
    delete: Option<(RequestId, Profile)>,
    /// When the oldest running write was sent.
    writing_since: Option<Instant>,
    /// Esc asked the server to cancel the running write.
    cancelling: bool,
}

/// Why the table shows the rows around one row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shown {
    /// The row an operation wrote or found.
    Outcome,
    /// The row under the cursor, in a new order.
    Resorted,
    /// The row the user asked for by id.
    GoTo,
}

/// A write sent to the worker, as its answer needs it.
#[derive(Clone, Debug)]
struct SentOperation {
    id: RequestId,
    title: String,
    /// For get_or_create, the defaults (to say which a fetch did not apply).
    defaults: Option<ProfileValues>,
    /// The form's values when it was sent: the form makes way for the next entry on success only
    /// if they are still what it holds.
    form_values: [String; 4],
}

pub struct App {
    pub database: String,
    pub backend: Backend,
    pub focus: Focus,
    pub overlay: Overlay,
    pub form: Form,
    pub table: TableView,
    pub preview: Preview,
    /// What the preview says, computed when the form or the preview changes.
    pub prediction: Vec<Note>,
    pub status: Status,
    pub log: Vec<LogEntry>,
    pub inspect: Option<Result<Box<InspectReport>, String>>,
    /// Lines the open pop-up (help, inspect, log) is scrolled by; [`SCROLL_END`] shows its end.
    pub popup_scroll: u16,
    /// The furthest the open pop-up can scroll, as its last render found (it depends on the
    /// terminal's size and on wrapping, which only the render knows).
    pub popup_max_scroll: std::cell::Cell<u16>,
    /// The last operation's row and outcome, highlighted in the table.
    pub highlight: Option<(i64, Outcome)>,
    pub created_this_session: HashSet<i64>,
    pub size: Rect,
    /// The time of the last tick: what "now" means to the render.
    pub now: Instant,
    /// How long a write may go unanswered before the console stops waiting ([`GIVE_UP_AFTER`]).
    pub give_up_after: Duration,
    /// Advances while anything is in flight; drives the spinner.
    pub spinner: usize,
    preview_due: Option<Instant>,
    /// When to read the table again after the database was out of reach.
    retry_at: Option<Instant>,
    /// The last read failed for want of a database.
    offline: bool,
    in_flight: InFlight,
    next_id: RequestId,
}

impl App {
    /// A new console for `database`, with the requests that fill the first screen.
    pub fn new(database: String, backend: Backend, size: Rect) -> (App, Vec<Effect>) {
        let mut app = App {
            database,
            backend,
            focus: Focus::Form,
            overlay: Overlay::None,
            form: Form::default(),
            table: TableView::default(),
            preview: Preview::Empty,
            prediction: Vec::new(),
            status: Status::Info(
                "Type a profile; Enter runs get_or_create, F6 update_or_create. F1: help.".into(),
            ),
            log: Vec::new(),
            inspect: None,
            popup_scroll: 0,
            popup_max_scroll: std::cell::Cell::new(0),
            highlight: None,
            created_this_session: HashSet::new(),
            size,
            now: Instant::now(),
            give_up_after: GIVE_UP_AFTER,
            spinner: 0,
            preview_due: None,
            retry_at: None,
            offline: false,
            in_flight: InFlight::default(),
            next_id: 0,
        };
        app.resize(size);
        app.repredict();
        let mut effects = Vec::new();
        app.reload_first_page(&mut effects);
        (app, effects)
    }

    /// Whether a database answer is awaited (the spinner turns).
    pub fn busy(&self) -> bool {
        let f = &self.in_flight;
        f.page.is_some()
            || f.around.is_some()
            || f.count.is_some()
            || f.preview.is_some()
            || !f.operations.is_empty()
            || f.delete.is_some()
            || f.inspect.is_some()
    }

    /// Whether a write has run long enough for the status to offer Esc to cancel it.
    pub fn cancel_offered(&self) -> bool {
        self.in_flight
            .writing_since
            .is_some_and(|since| self.now.saturating_duration_since(since) >= SHOW_ELAPSED_AFTER)
    }

    /// Whether Esc already asked the server to cancel the running write.
    pub fn cancelling(&self) -> bool {
        self.in_flight.cancelling
    }

    pub fn operation_running(&self) -> bool {
        !self.in_flight.operations.is_empty() || self.in_flight.delete.is_some()
    }

    /// When the app next wants a tick even without input.
    pub fn next_deadline(&self) -> Option<Instant> {
        [self.preview_due, self.retry_at]
            .into_iter()
            .flatten()
            .min()
    }

    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        let mut effects = Vec::new();
        match action {
            Action::Terminal(event) => self.on_terminal(event, &mut effects),
            Action::Response(response) => self.on_response(response, &mut effects),
            Action::Tick(now) => self.on_tick(now, &mut effects),
        }
        effects
    }

    fn send(&mut self, job: Job, effects: &mut Vec<Effect>) -> RequestId {
        self.next_id += 1;
        effects.push(Effect::Send(Box::new(Request {
            id: self.next_id,
            job,
        })));
        self.next_id
    }

    // ---- terminal events -------------------------------------------------------------------

    fn on_terminal(&mut self, event: TermEvent, effects: &mut Vec<Effect>) {
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

    fn resize(&mut self, size: Rect) {
        self.size = size;
        self.table.height = layout::regions(size).table_rows.height as usize;
        self.table.scroll_to_cursor();
    }

    fn on_key(&mut self, key: KeyEvent, effects: &mut Vec<Effect>) {
        if keymap::command_for(Scope::Always, &key) == Some(Command::Quit) {
            effects.push(Effect::Quit);
            return;
        }
        match std::mem::replace(&mut self.overlay, Overlay::None) {
            Overlay::None => {}
            overlay @ (Overlay::Help | Overlay::Inspect | Overlay::Log) => {
                // The pop-up's own keys scroll it; any other key closes it and does nothing more.
                if let Some(command) = keymap::command_for(Scope::Popup, &key)
                    && self.scroll_popup(command)
                {
                    self.overlay = overlay;
                }
                return;
            }
            Overlay::ConfirmDelete(profile) => {
                if keymap::command_for(Scope::Confirm, &key) == Some(Command::Confirm) {
                    self.status = self.busy_status(format!("deleting {}", profile.summary()));
                    let id = self.send(Job::Delete(profile.id), effects);
                    self.in_flight.delete = Some((id, *profile));
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
        // Only once the status offers it: an Esc typed right after Enter still means "table".
        let running = self
            .cancel_offered()
            .then(|| keymap::running_command(&key))
            .flatten();
        if let Some(command) = running.or_else(|| keymap::command_for(self.scope(), &key)) {
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

    fn on_paste(&mut self, text: &str) {
        let clean: String = text.chars().filter(|c| !c.is_control()).collect();
        match &mut self.overlay {
            Overlay::Prompt { input, .. } => {
                for c in clean.chars() {
                    input.handle(tui_input::InputRequest::InsertChar(c));
                }
            }
            _ if self.focus == Focus::Form => {
                let input = &mut self.form.focused_field().input;
                for c in clean.chars() {
                    input.handle(tui_input::InputRequest::InsertChar(c));
                }
                self.form_changed();
            }
            _ => {}
        }
    }

    fn on_mouse(&mut self, mouse: MouseEvent, effects: &mut Vec<Effect>) {
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

    fn run_command(&mut self, command: Command, effects: &mut Vec<Effect>) {
        let page = self.table.height.max(1) as isize;
        match command {
            Command::Quit => effects.push(Effect::Quit),
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
            Command::EditRow => {
                if let Some(profile) = self.table.selected().cloned() {
                    self.form.edit(&profile);
                    self.focus = Focus::Form;
                    self.form_changed();
                    self.status = Status::Info(format!(
                        "editing #{}: Enter saves the changed fields, Esc leaves without writing",
                        profile.id
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

    fn on_prompt_key(
        &mut self,
        kind: PromptKind,
        input: &mut Input,
        before: ProfileFilter,
        key: KeyEvent,
        effects: &mut Vec<Effect>,
    ) {
        match keymap::command_for(Scope::Prompt, &key) {
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
    fn scroll_popup(&mut self, command: Command) -> bool {
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

    // ---- operations ------------------------------------------------------------------------

    /// Sends an operation built from the form, or reports why the form cannot make one.
    fn start_operation(
        &mut self,
        name: &str,
        job: Result<(String, Job), InvalidInput>,
        effects: &mut Vec<Effect>,
    ) {
        match job {
            Ok((lookup, job)) => {
                let title = format!("{name} {lookup}");
                self.status = self.busy_status(format!("running {title}"));
                let defaults = match &job {
                    Job::GetOrCreate(request) => Some(request.defaults.clone()),
                    _ => None,
                };
                let id = self.send(job, effects);
                self.in_flight.operations.push(SentOperation {
                    id,
                    title,
                    defaults,
                    form_values: self.form.values(),
                });
            }
            Err(invalid) => self.status = Status::Failed(invalid.to_string()),
        }
    }

    /// Saves the row being edited: only the changed fields, by its id.
    fn save_edit(&mut self, effects: &mut Vec<Effect>) {
        let Some(plan) = self.form.edit_plan() else {
            return;
        };
        let id = self.form.editing.as_ref().map_or(0, |row| row.id);
        match plan {
            Ok(EditPlan::NoChange) => {
                self.status = Status::Info(format!(
                    "nothing changed in #{id}: edit a field, or Esc to leave"
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

    // ---- the table -------------------------------------------------------------------------

    fn jump(&mut self, to: Towards, effects: &mut Vec<Effect>) {
        if let Some((intent, request)) = self.table.jump(to) {
            self.request_page(intent, request, effects);
        }
    }

    fn move_cursor(&mut self, delta: isize, effects: &mut Vec<Effect>) {
        self.table.move_by(delta);
        self.fetch_if_near_edge(effects);
    }

    fn fetch_if_near_edge(&mut self, effects: &mut Vec<Effect>) {
        let busy_paging = self.in_flight.page.is_some() || self.in_flight.around.is_some();
        if busy_paging {
            return;
        }
        if let Some((intent, request)) = self.table.wanted_page() {
            self.request_page(intent, request, effects);
        }
    }

    fn request_page(
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

    fn reload_first_page(&mut self, effects: &mut Vec<Effect>) {
        self.request_page(
            PageIntent::ReplaceAtFirst,
            self.table.request(None, Towards::Forward, false),
            effects,
        );
        self.request_count(effects);
    }

    /// Asks for the exact count and, for the whole table, first for the server's instant
    /// estimate, shown until the count arrives (counting millions of rows takes a while).
    fn request_count(&mut self, effects: &mut Vec<Effect>) {
        if self.table.filter.is_empty() && self.table.total.is_none() {
            let id = self.send(Job::EstimateCount, effects);
            self.in_flight.estimate = Some(id);
        }
        let id = self.send(Job::Count(self.table.filter.clone()), effects);
        self.in_flight.count = Some(id);
    }

    /// Reloads from the first row on screen, so rows other writers added appear in place.
    fn refresh(&mut self, effects: &mut Vec<Effect>) {
        self.reload_in_place(effects);
        self.status = Status::Info("refreshed".into());
    }

    fn reload_in_place(&mut self, effects: &mut Vec<Effect>) {
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
        self.request_count(effects);
    }

    /// Loads the rows around `row` in the current order and filter, with the cursor on it.
    fn show(&mut self, row: RowRef, shown: Shown, effects: &mut Vec<Effect>) {
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
    fn resort(&mut self, sort: SortColumn, descending: bool, effects: &mut Vec<Effect>) {
        self.table.sort = sort;
        self.table.descending = descending;
        match self.table.selected().cloned() {
            Some(row) => self.show(RowRef::Row(Box::new(row)), Shown::Resorted, effects),
            None => self.reload_first_page(effects),
        }
    }

    /// Asks where the cursor row is in the whole table, when the window does not know.
    fn request_position(&mut self, effects: &mut Vec<Effect>) {
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

    // ---- the preview -----------------------------------------------------------------------

    fn form_changed(&mut self) {
        self.preview_for_form();
        self.repredict();
    }

    /// Says again what the preview says (the form or the answer changed).
    fn repredict(&mut self) {
        self.prediction = predict(&self.form, &self.preview, self.backend);
    }

    /// Schedules the preview query the form now needs, if any.
    fn preview_for_form(&mut self) {
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

    fn on_tick(&mut self, now: Instant, effects: &mut Vec<Effect>) {
        self.now = now;
        if self.busy() {
            self.spinner = self.spinner.wrapping_add(1);
        }
        if let Some(since) = self.in_flight.writing_since
            && now.saturating_duration_since(since) >= self.give_up_after
        {
            self.stop_waiting(now.saturating_duration_since(since), effects);
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

    fn on_response(&mut self, response: Response, effects: &mut Vec<Effect>) {
        let Response {
            id,
            reply,
            elapsed,
            statements,
        } = response;
        match reply {
            Reply::Page(result) => {
                let Some((_, intent, limit)) =
                    self.in_flight.page.filter(|(current, ..)| *current == id)
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
                        ) && matches!(self.status, Status::Failed(_))
                        {
                            self.status = Status::Info(String::new());
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
            Reply::Around(result) => {
                let Some((_, focus, shown)) =
                    self.in_flight.around.filter(|(current, ..)| *current == id)
                else {
                    return;
                };
                self.in_flight.around = None;
                match result {
                    Ok(around) => {
                        let visible = self.table.receive_around(
                            around.rows,
                            focus,
                            around.at_start,
                            around.at_end,
                        );
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
                            Shown::Resorted => {
                                if matches!(self.status, Status::Failed(_)) {
                                    self.status = Status::Info(String::new());
                                }
                            }
                        }
                        self.request_position(effects);
                    }
                    Err(Error::NoSuchProfile(missing)) if shown == Shown::GoTo => {
                        self.status = Status::Failed(format!("there is no profile #{missing}"));
                    }
                    Err(err) => self.fail_loading("could not load profiles", &err),
                }
            }
            Reply::Position(result) => {
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
            Reply::Count(result) => {
                if self.in_flight.count != Some(id) {
                    return;
                }
                self.in_flight.count = None;
                match result {
                    Ok(count) => {
                        self.table.total = Some(count);
                        self.table.total_is_estimate = false;
                    }
                    Err(err) => self.fail_loading("could not count profiles", &err),
                }
            }
            Reply::Estimate(result) => {
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
            Reply::Preview(result) => {
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
            Reply::Inspect(result) => {
                if self.in_flight.inspect != Some(id) {
                    return;
                }
                self.in_flight.inspect = None;
                self.inspect = Some(result.map_err(|err| err.to_string()));
            }
            Reply::Operation(result) => {
                let Some(at) = self.in_flight.operations.iter().position(|op| op.id == id) else {
                    return;
                };
                let SentOperation {
                    title,
                    defaults,
                    form_values,
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
                                    (profile.value(field) != typed)
                                        .then(|| format!("{field} {typed}"))
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
                        // Saved: the form is ready for the next entry, unless the user has
                        // already started changing it.
                        if self.form.values() == form_values {
                            self.form.next_entry();
                        }
                        self.form_changed();
                    }
                    Err(err) => self.fail("", &err),
                }
            }
            Reply::Deleted(result) => {
                let Some((_, profile)) =
                    self.in_flight.delete.take_if(|(current, _)| *current == id)
                else {
                    return;
                };
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
                            None => {
                                Status::Info(format!("profile #{} was already gone", profile.id))
                            }
                        };
                        self.request_count(effects);
                        self.fetch_if_near_edge(effects);
                        self.form_changed();
                    }
                    Err(err) => self.fail("could not delete", &err),
                }
            }
        }
    }

    /// A failed read of the table. When the database is out of reach, the table is read again
    /// every [`RETRY_AFTER`] until it answers.
    fn fail_loading(&mut self, what: &str, err: &Error) {
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
    fn busy_status(&mut self, text: String) -> Status {
        let now = Instant::now();
        self.in_flight.writing_since.get_or_insert(now);
        Status::Busy(text, now)
    }

    fn write_answered(&mut self) {
        if !self.operation_running() {
            self.in_flight.writing_since = None;
            self.in_flight.cancelling = false;
        }
    }

    /// Esc while a write runs: ask the server to cancel it; a second Esc stops waiting.
    fn cancel_operation(&mut self, effects: &mut Vec<Effect>) {
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
        let text = if self.backend.cancels_on_server() {
            "cancelling on the server (Esc again: stop waiting)"
        } else {
            "this database cannot cancel a write once started; it ends within seconds \
             (Esc again: stop waiting)"
        };
        self.status = Status::Busy(text.into(), since);
        effects.push(Effect::CancelOnServer);
    }

    /// Gives up on the worker: a new one takes over, and every request in flight is forgotten.
    /// Whether the write committed is unknown, and the status says so.
    fn stop_waiting(&mut self, waited: Duration, effects: &mut Vec<Effect>) {
        let mut writes: Vec<String> = std::mem::take(&mut self.in_flight.operations)
            .into_iter()
            .map(|op| op.title)
            .collect();
        if let Some((_, profile)) = self.in_flight.delete.take() {
            writes.push(format!("delete #{}", profile.id));
        }
        let result = format!("UNKNOWN: no answer after {} s", waited.as_secs());
        for title in &writes {
            self.push_log(title.clone(), result.clone(), waited, Vec::new());
        }
        self.in_flight = InFlight::default();
        effects.push(Effect::ReplaceWorker);
        self.status = Status::Failed(format!(
            "no answer for {} s, stopped waiting: unknown whether {} was written; check the table",
            waited.as_secs(),
            writes.join(", ")
        ));
        self.reload_in_place(effects);
        self.request_count(effects);
    }

    fn fail(&mut self, what: &str, err: &Error) {
        self.status = Status::Failed(if what.is_empty() {
            err.to_string()
        } else {
            format!("{what}: {err}")
        });
    }

    fn push_log(
        &mut self,
        title: String,
        result: String,
        elapsed: Duration,
        statements: Vec<String>,
    ) {
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

    /// The key scope in force, for the hint bar.
    pub fn scope(&self) -> Scope {
        match self.focus {
            Focus::Form => Scope::Form,
            Focus::Table => Scope::Table,
        }
    }
}

/// `CREATED #12 Argo Saha (M, 10)` / `UPDATED #12 …: age 10 → 11`.
pub fn outcome_text(outcome: &Outcome, profile: &Profile) -> String {
    format!(
        "{} {}",
        outcome.name().to_uppercase(),
        outcome.describe(profile)
    )
}
