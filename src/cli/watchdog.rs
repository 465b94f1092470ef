//! A bound on every wait for the server: if one statement (or a connection attempt) has been in
//! flight longer than the timeout plus a grace period, the command ends with a clear error
//! instead of waiting forever on a server that is frozen or gone without closing the socket
//! (the server's own statement_timeout cannot fire in a process that is stopped).

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::PoisonError;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use diesel::connection::{Instrumentation, InstrumentationEvent, set_default_instrumentation};

/// When each connection's statement now in flight started, by connection (a load runs several
/// side by side: one may wait on the server while another waits for its turn to commit).
static IN_FLIGHT: Mutex<BTreeMap<u64, Instant>> = Mutex::new(BTreeMap::new());

/// The next connection's number.
static NEXT_CONNECTION: AtomicU64 = AtomicU64::new(0);

/// Whether a connection has ever been opened: before that, nothing can have been written.
static CONNECTED: AtomicBool = AtomicBool::new(false);

/// One connection's waits, kept in [`IN_FLIGHT`] under its number.
struct Tracker {
    connection: u64,
}

impl Tracker {
    fn new() -> Tracker {
        Tracker {
            connection: NEXT_CONNECTION.fetch_add(1, Ordering::Relaxed),
        }
    }

    fn set(&self, in_flight: Option<Instant>) {
        let mut waits = IN_FLIGHT.lock().unwrap_or_else(PoisonError::into_inner);
        match in_flight {
            Some(since) => waits.insert(self.connection, since),
            None => waits.remove(&self.connection),
        };
    }
}

impl Drop for Tracker {
    fn drop(&mut self) {
        self.set(None);
    }
}

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
        self.set(in_flight);
    }
}

/// Watches every connection opened from now on; when a wait passes `limit`, prints
/// `message(elapsed, connected)` as the error and ends the process with status 1; `connected`:
/// whether a connection was ever opened (before that, nothing can have been written).
pub fn start(limit: Duration, message: impl Fn(Duration, bool) -> String + Send + 'static) {
    if set_default_instrumentation(|| Some(Box::new(Tracker::new()))).is_err() {
        return;
    }
    // Should the thread not start, the server-side timeouts still apply.
    let _ = std::thread::Builder::new()
        .name("watchdog".to_owned())
        .spawn(move || {
            loop {
                std::thread::sleep(Duration::from_millis(200));
                let since = IN_FLIGHT
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .values()
                    .min()
                    .copied();
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
