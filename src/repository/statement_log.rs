//! Which SQL statements reached the database: diesel's instrumentation, collected.

use std::sync::{Arc, Mutex, PoisonError};

use diesel::connection::{Instrumentation, InstrumentationEvent};

/// A shared list of the statements a connection ran, with their bind values. Cheap to clone; the
/// console's operation log and the benchmarks' statement counts read it.
#[derive(Clone, Debug, Default)]
pub struct StatementLog(Arc<Mutex<Vec<String>>>);

impl StatementLog {
    /// Removes and returns what was recorded so far.
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }

    pub fn len(&self) -> usize {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// An instrumentation that records into this log; for any diesel connection.
    pub fn instrumentation(&self) -> impl Instrumentation {
        let log = self.clone();
        move |event: InstrumentationEvent<'_>| {
            if let InstrumentationEvent::StartQuery { query, .. } = event {
                let text = query.to_string();
                log.0
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(text);
            }
        }
    }
}
