//! The full-screen console: ratatui over crossterm, driven by the state machine in `app`, with the
//! database on the `worker` thread.
//!
//! - `keymap`: every key, in one table (feeds key handling, the hint bar and help).
//! - `app`: state and `update` (events in, requests out); no terminal, no database.
//! - `form`, `table`, `filter`: the form's fields and roles; the table's keyset window; the
//!   filter prompt's syntax.
//! - `ui`: pure render functions, one per region, and the layout they share with `app`.
//! - `worker`: the thread that owns the database connection.
//! - `terminal`: entering and always leaving full-screen mode (normal exit, error, panic, SIGTERM).

pub mod app;
pub mod filter;
pub mod form;
pub mod keymap;
pub mod table;
mod terminal;
pub mod ui;
pub mod worker;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use ratatui::crossterm::event;
use ratatui::layout::Rect;

use crate::db::DatabaseTarget;
use app::{Action, App, Effect};
use worker::Worker;

/// How often the loop looks for database answers while one is awaited.
const BUSY_POLL: Duration = Duration::from_millis(15);
/// How long the loop sleeps when nothing is happening.
const IDLE_POLL: Duration = Duration::from_millis(250);

/// Opens the console on `target` and runs it until the user quits. The database is opened on the
/// worker thread, so the first frame never waits for it.
pub fn run(target: DatabaseTarget) -> anyhow::Result<()> {
    let started = Instant::now();
    let database = target.to_string();
    let backend = target.backend();
    let give_up_after = target.server().map_or(app::GIVE_UP_AFTER, |server| {
        server.timeout() + crate::db::CLIENT_GRACE
    });
    let mut worker = Worker::spawn(target).context("starting the database worker")?;
    // SIGTERM asks the loop to stop and restore the terminal; a second one ends the process at
    // once. SIGHUP keeps its default (end the process): the terminal is gone, nothing to restore.
    let stop = Arc::new(AtomicBool::new(false));
    let sigterm = signal_hook::consts::SIGTERM;
    signal_hook::flag::register_conditional_shutdown(sigterm, 1, Arc::clone(&stop))
        .and_then(|_| signal_hook::flag::register(sigterm, Arc::clone(&stop)))
        .context("installing the SIGTERM handler")?;
    let mut term = terminal::enter().context("opening the terminal")?;
    let result = event_loop(
        &mut term,
        &mut worker,
        &stop,
        (database, backend, give_up_after),
        started,
    );
    terminal::leave();
    result
}

fn event_loop(
    term: &mut terminal::Term,
    worker: &mut Worker,
    stop: &AtomicBool,
    (database, backend, give_up_after): (String, crate::db::Backend, Duration),
    started: Instant,
) -> anyhow::Result<()> {
    let size = term.size()?;
    let (mut app, effects) = App::new(database, backend, Rect::new(0, 0, size.width, size.height));
    app.give_up_after = give_up_after;
    let mut startup = terminal::StartupLog::from_env(started);
    if apply(effects, worker) {
        return Ok(());
    }
    loop {
        term.draw(|frame| ui::render(&app, frame))?;
        startup.frame_drawn(&app);
        if stop.load(Ordering::Relaxed) {
            return Ok(());
        }
        let now = Instant::now();
        let wait = if app.busy() {
            BUSY_POLL
        } else {
            app.next_deadline().map_or(IDLE_POLL, |due| {
                due.saturating_duration_since(now).min(IDLE_POLL)
            })
        };
        let mut effects = Vec::new();
        if event::poll(wait)? {
            // Take everything already typed before drawing again.
            loop {
                effects.extend(app.update(Action::Terminal(event::read()?)));
                if !event::poll(Duration::ZERO)? {
                    break;
                }
            }
        }
        for response in worker.responses.try_iter() {
            effects.extend(app.update(Action::Response(response)));
        }
        effects.extend(app.update(Action::Tick(Instant::now())));
        if apply(effects, worker) {
            return Ok(());
        }
    }
}

/// Carries out effects; true when the app asked to quit.
fn apply(effects: Vec<Effect>, worker: &mut Worker) -> bool {
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
            Effect::Quit => return true,
        }
    }
    false
}
