//! The console's state machine: one [`App`], events in, requests for the database worker out.
//! Nothing here touches the terminal or the database, so it is tested by feeding it events.
//!
//! `App` holds the state and dispatches ([`App::update`]); the work is split by what it is about:
//! `input` (keys through the key table, paste, mouse, prompts, pop-up scrolling), `paging` (the
//! table's requests), `operations` (writes, waiting, cancelling, the status line and the log),
//! `answers` (each database reply, the preview's debounce, timers).

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
use super::transfer::{TransferEvent, TransferKind, TransferRequest};
use super::ui::layout;
use super::worker::{
    InspectReport, Job, JournalEntry, PreviewMatch, Reply, Request, RequestId, Response, RowRef,
    Undone,
};
use crate::db::Backend;
use crate::domain::{
    InvalidInput, Outcome, Profile, ProfileFilter, ProfileValues, SortColumn, Towards,
};
use crate::error::Error;

mod answers;
mod input;
mod operations;
mod paging;

/// How long the lookup must rest before the preview asks the database.
pub const PREVIEW_DEBOUNCE: Duration = Duration::from_millis(120);
/// How long to wait before reading the table again when the database is out of reach.
pub const RETRY_AFTER: Duration = Duration::from_secs(3);
/// How long a write may go unanswered before the console stops waiting for it (the server-side
/// timeout plus the client's grace period; `console::run` sets it from `--timeout`).
pub const GIVE_UP_AFTER: Duration = Duration::from_secs(20);
/// A running operation shows its elapsed time once it has taken this long.
pub const SHOW_ELAPSED_AFTER: Duration = Duration::from_secs(1);
/// How soon a second quit must follow the first while an export or import runs.
pub const QUIT_AGAIN_WITHIN: Duration = Duration::from_secs(5);
/// How long a quit waits for a stopped export or import to end (its current batch).
pub const FINISH_TRANSFER_WITHIN: Duration = Duration::from_secs(10);
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
    /// How an export or import is getting on.
    Transfer(TransferEvent),
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
    /// Start an export or import on a thread of its own.
    StartTransfer(Box<TransferRequest>),
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
    /// The file to export the view to.
    Export,
    /// The file to import.
    Import,
}

#[derive(Clone, Debug)]
pub enum Overlay {
    None,
    Help,
    Inspect,
    /// The operation log.
    Log,
    /// One profile's changes, newest first, one of them selected.
    History(Box<HistoryView>),
    ConfirmDelete(Box<Profile>),
    Prompt {
        kind: PromptKind,
        input: Input,
        before: ProfileFilter,
    },
}

/// An export or import under way.
#[derive(Clone, Debug)]
pub struct TransferRun {
    pub kind: TransferKind,
    pub path: String,
    pub rows: u64,
    /// The share done, when it is known.
    pub fraction: Option<f64>,
    /// Set by Esc; the transfer stops at its next page or batch.
    pub stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

/// The history pop-up: a profile's journal, and the entry the cursor is on.
#[derive(Clone, Debug)]
pub struct HistoryView {
    pub profile: Profile,
    /// `None` while it is read.
    pub entries: Option<Result<Vec<JournalEntry>, String>>,
    pub selected: usize,
}

/// How often the console looks for other clients' changes.
pub const WATCH_EVERY: Duration = Duration::from_secs(1);

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
    watch: Option<RequestId>,
    history: Option<RequestId>,
    /// Writes sent, oldest first.
    operations: Vec<SentOperation>,
    /// Deletes sent, oldest first.
    deletes: Vec<(RequestId, Profile)>,
    /// Undos sent, oldest first, and whether each came from the history view (Ctrl-Z pressed
    /// three times undoes three changes, and each answer is shown).
    undos: Vec<(RequestId, bool)>,
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
    /// The form as it was sent (it makes way for the next entry at once): put back if the write
    /// fails and nothing has been typed since.
    form: Box<Form>,
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
    /// Rows other clients changed while the console was open (badged in the table).
    pub changed_by_others: HashSet<i64>,
    /// This console's mark on its changes in the journal (Ctrl-Z undoes only these).
    pub session: String,
    /// The marks of the imports this console started (`I`): the rows they create are badged as
    /// this console's, not as other clients' changes.
    pub import_sessions: HashSet<String>,
    /// The newest journal entry seen (`None` until the watch has started).
    last_change: Option<i64>,
    /// When to look at the journal again for other clients' changes.
    watch_due: Option<Instant>,
    pub size: Rect,
    /// The time of the last tick: what "now" means to the render.
    pub now: Instant,
    /// How long a write may go unanswered before the console stops waiting ([`GIVE_UP_AFTER`]).
    pub give_up_after: Duration,
    /// The database was opened read-only: write keys say so and send nothing.
    read_only: bool,
    /// The key table in use (built in, or remapped by the configuration file).
    pub keys: keymap::Keymap,
    /// The colours in use.
    pub theme: crate::console::ui::theme::Theme,
    /// Advances while anything is in flight; drives the spinner.
    pub spinner: usize,
    /// The export or import running, if one is.
    pub transfer: Option<TransferRun>,
    /// The file an export prompt suggests (shown dimmed while nothing is typed, taken by Enter
    /// on an empty prompt): typing a name replaces it rather than adding to it.
    pub export_suggestion: String,
    /// When a quit was asked for while an export or import or a write ran (see `App::quit`).
    quit_asked: Option<Instant>,
    /// A quit asked for while a write ran: the console quits once every write is answered.
    quit_when_answered: bool,
    /// What to print once the terminal is restored: the answers to writes that came after a
    /// quit was asked for (the screen that would show them is gone).
    pub parting: Vec<String>,
    preview_due: Option<Instant>,
    /// When to read the table again after the database was out of reach.
    retry_at: Option<Instant>,
    /// The last read failed for want of a database.
    offline: bool,
    in_flight: InFlight,
    next_id: RequestId,
}

impl App {
    /// From now on, write keys say the database is read-only and send nothing (the database
    /// would refuse them anyway); browsing, search, export and the preview work as before.
    pub fn set_read_only(&mut self, read_only: bool) {
        self.read_only = read_only;
        self.status = Status::Info(self.welcome());
    }

    pub fn read_only(&self) -> bool {
        self.read_only
    }

    /// How messages name the key for `command` in `scope`, as the key table in use binds it.
    pub fn key_label(&self, scope: Scope, command: Command) -> String {
        self.keys
            .key_for(scope, command)
            .map_or_else(|| "(no key)".to_owned(), |key| key.label())
    }

    /// The first status line: how to run the two operations, or that writes are refused.
    fn welcome(&self) -> String {
        let help = self.key_label(Scope::Global, Command::ToggleHelp);
        if self.read_only {
            format!(
                "Read-only: browse, search, preview and export; writes are refused. {help}: help."
            )
        } else {
            format!(
                "Type a profile; {} runs get_or_create, {} update_or_create. {help}: help.",
                self.key_label(Scope::Form, Command::RunGetOrCreate),
                self.key_label(Scope::Global, Command::RunUpdateOrCreate),
            )
        }
    }

    /// Uses the configuration's keys, colours and starting roles from now on (before the first
    /// frame: the form starts over).
    pub fn configure(&mut self, config: &crate::config::Config) {
        self.keys = config.keymap.clone();
        self.theme = config.theme.clone();
        self.form = Form::with_roles(config.form_roles);
        self.status = Status::Info(self.welcome());
        self.repredict();
    }

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
            status: Status::Info(String::new()),
            log: Vec::new(),
            inspect: None,
            popup_scroll: 0,
            popup_max_scroll: std::cell::Cell::new(0),
            highlight: None,
            created_this_session: HashSet::new(),
            changed_by_others: HashSet::new(),
            session: crate::repository::new_session(),
            import_sessions: HashSet::new(),
            last_change: None,
            watch_due: None,
            size,
            now: Instant::now(),
            give_up_after: GIVE_UP_AFTER,
            read_only: false,
            keys: keymap::Keymap::default(),
            theme: crate::console::ui::theme::Theme::default(),
            spinner: 0,
            transfer: None,
            export_suggestion: String::new(),
            quit_asked: None,
            quit_when_answered: false,
            parting: Vec::new(),
            preview_due: None,
            retry_at: None,
            offline: false,
            in_flight: InFlight::default(),
            next_id: 0,
        };
        app.status = Status::Info(app.welcome());
        app.resize(size);
        app.repredict();
        let mut effects = Vec::new();
        app.reload_first_page(&mut effects);
        app.watch(&mut effects);
        (app, effects)
    }

    /// Whether a database answer is awaited (the spinner turns).
    pub fn busy(&self) -> bool {
        let f = &self.in_flight;
        self.transfer.is_some()
            || f.page.is_some()
            || f.around.is_some()
            || f.count.is_some()
            || f.preview.is_some()
            || !f.operations.is_empty()
            || !f.deletes.is_empty()
            || f.inspect.is_some()
            || !f.undos.is_empty()
            || f.history.is_some()
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
        !self.in_flight.operations.is_empty()
            || !self.in_flight.deletes.is_empty()
            || !self.in_flight.undos.is_empty()
    }

    /// When the app next wants a tick even without input.
    pub fn next_deadline(&self) -> Option<Instant> {
        [self.preview_due, self.retry_at, self.watch_due]
            .into_iter()
            .flatten()
            .min()
    }

    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        let mut effects = Vec::new();
        match action {
            Action::Terminal(event) => self.on_terminal(event, &mut effects),
            Action::Response(response) => self.on_response(response, &mut effects),
            Action::Transfer(event) => self.on_transfer(event, &mut effects),
            Action::Tick(now) => self.on_tick(now, &mut effects),
        }
        if self.quit_when_answered
            && !self.operation_running()
            && !effects.iter().any(|effect| matches!(effect, Effect::Quit))
        {
            effects.push(Effect::Quit);
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
