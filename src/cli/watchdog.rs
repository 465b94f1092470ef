//! A bound on every wait for the server: if one statement (or a connection attempt) has been in
//! flight longer than the timeout plus a grace period, the command ends with a clear error
//! instead of waiting forever on a server that is frozen or gone without closing the socket
//! (the server's own statement_timeout cannot fire in a process that is stopped).

use std::sync::Mutex;
use std::sync::PoisonError;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use diesel::connection::{Instrumentation, InstrumentationEvent, set_default_instrumentation};

/// When the statement now in flight started; `None` while nothing is in flight.
static IN_FLIGHT: Mutex<Option<Instant>> = Mutex::new(None);

/// Whether a connection has ever been opened: before that, nothing can have been written.
static CONNECTED: AtomicBool = AtomicBool::new(false);

struct Tracker;

impl Instrumentation for Tracker {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        let in_flight = match event {
            InstrumentationEvent::StartQuery { .. }
            | InstrumentationEvent::StartEstablishConnection { .. } => Some(Instant::now()),
            InstrumentationEvent::FinishEstablishConnection { error, .. } => {
                if error.is_none() {
                    CONNECTED.store(true, Ordering::Relaxed);
                }
                None
            }
            InstrumentationEvent::FinishQuery { .. } => None,
            _ => return,
        };
        *IN_FLIGHT.lock().unwrap_or_else(PoisonError::into_inner) = in_flight;
    }
}

/// Watches every connection opened from now on; when a wait passes `limit`, prints
/// `message(elapsed, connected)` as the error and ends the process with status 1; `connected`:
/// whether a connection was ever opened (before that, nothing can have been written).
pub fn start(limit: Duration, message: impl Fn(Duration, bool) -> String + Send + 'static) {
    // A plain function pointer: the tracker has no state of its own.
    if set_default_instrumentation(|| Some(Box::new(Tracker))).is_err() {
        return;
    }
    // Should the thread not start, the server-side timeouts still apply.
    let _ = std::thread::Builder::new()
        .name("watchdog".to_owned())
        .spawn(move || {
            loop {
                std::thread::sleep(Duration::from_millis(200));
                let since = *IN_FLIGHT.lock().unwrap_or_else(PoisonError::into_inner);
                if let Some(elapsed) = since.map(|since| since.elapsed())
                    && elapsed > limit
                {
                    let connected = CONNECTED.load(Ordering::Relaxed);
                    eprintln!("error: {}", message(elapsed, connected));
                    std::process::exit(1);
                }
            }
        });
}
