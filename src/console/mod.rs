//! The full-screen console: ratatui over crossterm, driven by the state machine in `app`, with the
//! database on the `worker` thread.
//!
//! - `keymap`: every key, in one table (feeds key handling, the hint bar and help).
//! - `app`: state and `update` (events in, requests out); no terminal, no database.
//! - `form`, `table`, `filter`: the form's fields and roles; the table's keyset window; the
//!   filter prompt's syntax.
//! - `ui`: pure render functions, one per region, and the layout they share with `app`.
//! - `worker`: the thread that owns the database connection.
//! - `events`: the one channel the UI waits on (terminal input, worker answers, signals to end).
//! - `terminal`: entering and always leaving full-screen mode (normal exit, error, panic, a signal).

pub mod app;
mod events;
pub mod filter;
pub mod form;
pub mod keymap;
pub mod prediction;
pub mod table;
mod terminal;
pub mod transfer;
pub mod ui;
pub mod worker;

use std::sync::mpsc::{RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use anyhow::Context;
use ratatui::layout::Rect;

use crate::db::DatabaseTarget;
use app::{Action, App, Effect};
use events::UiEvent;
use worker::Worker;

/// How often the screen is redrawn while a database answer is awaited (the spinner turns, the
/// elapsed time counts).
const BUSY_TICK: Duration = Duration::from_millis(100);

/// How long quitting waits for the database worker to close its connection.
const WORKER_FINISH_WITHIN: Duration = Duration::from_secs(2);

/// Opens the console on `target` and runs it until the user quits. The database is opened on the
/// worker thread, so the first frame never waits for it.
pub fn run(target: DatabaseTarget, config: &crate::config::Config) -> anyhow::Result<()> {
    let started = Instant::now();
    let session = crate::repository::new_session();
    let opened = Opened {
        database: target.to_string(),
        backend: target.backend(),
        read_only: target.read_only(),
        give_up_after: target.server().map_or(app::GIVE_UP_AFTER, |server| {
            server.timeout() + crate::db::CLIENT_GRACE
        }),
        session: session.clone(),
        config: config.clone(),
    };
    let (events, inbox) = channel::<UiEvent>();
    let transfers = Transfers {
        target: target.clone(),
        events: events.clone(),
    };
    let mut worker = Worker::spawn(target, session.clone(), events.clone())
        .context("starting the database worker")?;
    // SIGTERM, SIGINT, SIGQUIT and SIGHUP stop the loop, which restores the terminal; a second
    // one ends the process at once.
    events::spawn_signals(events.clone()).context("installing the signal handlers")?;
    let mut term = terminal::enter().context("opening the terminal")?;
    let result = events::spawn_input(events)
        .context("reading the terminal")
        .and_then(|()| event_loop(&mut term, &mut worker, &transfers, &inbox, opened, started));
    terminal::leave();
    worker.finish(WORKER_FINISH_WITHIN);
    let (parting, signal) = result?;
    // The answers that came after a quit was asked for, which no screen showed.
    for line in &parting {
        println!("{}", crate::domain::escape_for_terminal(line));
    }
    match signal {
        Some(signal) => Err(EndedBySignal(signal).into()),
        None => Ok(()),
    }
}

/// The console ended because of this signal (see [`events::spawn_signals`]); the command line
/// exits with 128 + its number, as a shell reports a process a signal ended.
#[derive(Debug)]
pub struct EndedBySignal(pub i32);

impl std::fmt::Display for EndedBySignal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ended by signal {}", self.0)
    }
}

impl std::error::Error for EndedBySignal {}

/// What the console shows about the database it opened, and how it treats it.
struct Opened {
    /// The target, password masked.
    database: String,
    backend: crate::db::Backend,
    read_only: bool,
    /// How long a write may go unanswered.
    give_up_after: Duration,
    /// This console's mark on its changes in the journal.
    session: String,
    /// Keys, colours and the form's starting roles.
    config: crate::config::Config,
}

/// What starting an export or import needs: the database, and where its news goes.
struct Transfers {
    target: DatabaseTarget,
    events: std::sync::mpsc::Sender<UiEvent>,
}

fn event_loop(
    term: &mut terminal::Term,
    worker: &mut Worker,
    transfers: &Transfers,
    inbox: &std::sync::mpsc::Receiver<UiEvent>,
    opened: Opened,
    started: Instant,
) -> anyhow::Result<(Vec<String>, Option<i32>)> {
    let size = term.size()?;
    let (mut app, effects) = App::new(
        opened.database,
        opened.backend,
        Rect::new(0, 0, size.width, size.height),
    );
    app.configure(&opened.config);
    app.give_up_after = opened.give_up_after;
    app.session = opened.session;
    app.set_read_only(opened.read_only);
    let mut startup = terminal::StartupLog::from_env(started);
    if apply(effects, worker, transfers) {
        return Ok((Vec::new(), None));
    }
    loop {
        term.draw(|frame| ui::render(&app, frame))?;
        startup.frame_drawn(&app);
        let now = Instant::now();
        let due = [app.next_deadline(), app.busy().then(|| now + BUSY_TICK)]
            .into_iter()
            .flatten()
            .min();
        let first = match due {
            Some(due) => inbox.recv_timeout(due.saturating_duration_since(now)),
            None => inbox.recv().map_err(|_| RecvTimeoutError::Disconnected),
        };
        let mut effects = Vec::new();
        let pending = match first {
            Ok(event) => Some(event),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => return Ok((app.parting, None)),
        };
        // Take everything already waiting (all that was typed) before drawing again.
        for event in pending
            .into_iter()
            .chain(std::iter::from_fn(|| inbox.try_recv().ok()))
        {
            match event {
                UiEvent::Terminal(event) => effects.extend(app.update(Action::Terminal(event))),
                UiEvent::Response(response) => {
                    effects.extend(app.update(Action::Response(response)));
                }
                UiEvent::Transfer(event) => effects.extend(app.update(Action::Transfer(event))),
                UiEvent::InputClosed(reason) => {
                    anyhow::bail!("the terminal can no longer be read: {reason}")
                }
                UiEvent::Stop(signal) => return Ok((app.stopped_by_signal(), Some(signal))),
            }
        }
        effects.extend(app.update(Action::Tick(Instant::now())));
        if apply(effects, worker, transfers) {
            finish_transfer(term, &mut app, inbox);
            return Ok((app.parting, None));
        }
    }
}

/// On quitting while an export or import runs (told to stop by `App::quit`): waits for it to end,
/// at most [`app::FINISH_TRANSFER_WITHIN`], so that an import's current batch is committed or
/// rolled back and the indexes it put off are built, and an export's partial file is removed.
fn finish_transfer(
    term: &mut terminal::Term,
    app: &mut App,
    inbox: &std::sync::mpsc::Receiver<UiEvent>,
) {
    let Some(run) = &app.transfer else { return };
    run.stop.store(true, std::sync::atomic::Ordering::Relaxed);
    app.status = app::Status::Info(format!("stopping the {}…", run.path));
    let _ = term.draw(|frame| ui::render(app, frame));
    let deadline = Instant::now() + app::FINISH_TRANSFER_WITHIN;
    while let Ok(event) = inbox.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        if let UiEvent::Transfer(transfer::TransferEvent::Done(_)) = event {
            return;
        }
    }
}

/// Carries out effects; true when the app asked to quit.
fn apply(effects: Vec<Effect>, worker: &mut Worker, transfers: &Transfers) -> bool {
    for effect in effects {
        match effect {
            Effect::Send(request) => {
                // The worker only stops when the app does; a failed send means it is gone.
                if worker.requests.send(*request).is_err() {
                    return true;
                }
            }
            Effect::CancelOnServer => worker.cancel_on_server(),
            // Without a thread for a new worker, keep the old one: it may still answer.
            Effect::ReplaceWorker => {
                if let Ok(fresh) = worker.replacement() {
                    *worker = fresh;
                }
            }
            Effect::StartTransfer(request) => {
                transfer::spawn(transfers.target.clone(), *request, transfers.events.clone());
            }
            Effect::Quit => return true,
        }
    }
    false
}
