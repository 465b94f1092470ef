//! Which SQL statements reached the database: diesel's instrumentation, collected.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use diesel::connection::{Instrumentation, InstrumentationEvent};

/// What [`super::Repository`] runs to see that an idle server connection is still open: not an
/// operation's statement, so not logged.
pub(crate) const LIVENESS_CHECK: &str = "SELECT 1 AS still_open";

/// A shared list of the statements a connection ran, with their bind values. Cheap to clone; the
/// console's operation log and the benchmarks' statement counts read it.
#[derive(Clone, Debug)]
pub struct StatementLog {
    statements: Arc<Mutex<Vec<String>>>,
    /// While false, statements are not even formatted: reads the log would not show cost nothing.
    recording: Arc<AtomicBool>,
}

impl Default for StatementLog {
    fn default() -> Self {
        StatementLog {
            statements: Arc::default(),
            recording: Arc::new(AtomicBool::new(true)),
        }
    }
}

impl StatementLog {
    /// Starts or stops recording (it starts on).
    pub fn record(&self, on: bool) {
        self.recording.store(on, Ordering::Relaxed);
    }

    /// Removes and returns what was recorded so far.
    pub fn take(&self) -> Vec<String> {
        std::mem::take(
            &mut *self
                .statements
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        )
    }

    pub fn len(&self) -> usize {
        self.statements
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// An instrumentation that records into this log; for any diesel connection.
    pub fn instrumentation(&self) -> impl Instrumentation {
        let log = self.clone();
        move |event: InstrumentationEvent<'_>| {
            if let InstrumentationEvent::StartQuery { query, .. } = event
                && log.recording.load(Ordering::Relaxed)
            {
                let text = query.to_string();
                if text == LIVENESS_CHECK {
                    return;
                }
                log.statements
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(text);
            }
        }
    }
}
