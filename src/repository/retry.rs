//! Bounded retries with a short randomized backoff, for the failures a second try can cure.

use std::time::Duration;

use rand::Rng;

use crate::error::Error;

/// Attempts before a transient failure is reported.
pub(crate) const MAX_ATTEMPTS: u32 = 8;
/// Nor does retrying go on past this: a SQLite writer has already waited its busy timeout on
/// each attempt, and a person is waiting.
const MAX_RETRYING: Duration = Duration::from_secs(10);

/// Runs `operation` until it succeeds, fails for good, or has failed transiently
/// [`MAX_ATTEMPTS`] times (or for [`MAX_RETRYING`]). Each pause is random in [1 ms, 2^attempt × 4 ms], capped at 250 ms, so
/// racing callers spread out instead of colliding again in step.
pub(crate) fn with_retries<T>(mut operation: impl FnMut() -> Result<T, Error>) -> Result<T, Error> {
    let started = std::time::Instant::now();
    let mut attempt = 1;
    loop {
        match operation() {
            Err(err) if err.is_transient() => {
                if attempt >= MAX_ATTEMPTS || started.elapsed() >= MAX_RETRYING {
                    return Err(Error::Busy {
                        attempts: attempt,
                        reason: err.to_string(),
                    });
                }
                let ceiling_ms = (4u64 << attempt.min(6)).min(250);
                let pause = rand::rng().random_range(1..=ceiling_ms);
                std::thread::sleep(Duration::from_millis(pause));
                attempt += 1;
            }
            result => return result,
        }
    }
}
