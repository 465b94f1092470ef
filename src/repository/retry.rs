//! Bounded retries with a short randomized backoff, for the failures a second try can cure
//! (serialization failures, deadlocks, a locked SQLite file, a race lost between two of our own
//! statements: `Error::is_transient`).

use std::time::{Duration, Instant};

use rand::Rng;

use crate::error::Error;

/// How many times, and for how long, a transient failure is tried again.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RetryPolicy {
    /// Attempts before a transient failure is reported.
    pub max_attempts: u32,
    /// Nor does retrying go on past this: a SQLite writer has already waited its busy timeout on
    /// each attempt, and a person is waiting.
    pub max_retrying: Duration,
}

impl RetryPolicy {
    /// Twelve attempts: with 30% of transactions failing (the fault-injection tests), all twelve
    /// fail about once in two million operations.
    pub const DEFAULT: RetryPolicy = RetryPolicy {
        max_attempts: 12,
        max_retrying: Duration::from_secs(10),
    };

    /// The pause before attempt `attempt + 1`: random in [1 ms, 2^attempt × 4 ms], capped at
    /// 250 ms, so racing callers spread out instead of colliding again in step.
    fn pause(attempt: u32) -> Duration {
        let ceiling_ms = (4u64 << attempt.min(6)).min(250);
        Duration::from_millis(rand::rng().random_range(1..=ceiling_ms))
    }
}

/// Runs `operation` under [`RetryPolicy::DEFAULT`].
pub(crate) fn with_retries<T>(operation: impl FnMut() -> Result<T, Error>) -> Result<T, Error> {
    with_retries_under(RetryPolicy::DEFAULT, operation)
}

/// Runs `operation` until it succeeds, fails for good, or has failed transiently
/// `policy.max_attempts` times (or for `policy.max_retrying`); then says how often it tried.
pub(crate) fn with_retries_under<T>(
    policy: RetryPolicy,
    mut operation: impl FnMut() -> Result<T, Error>,
) -> Result<T, Error> {
    let started = Instant::now();
    let mut attempt = 1;
    loop {
        match operation() {
            Err(err) if err.is_transient() => {
                if attempt >= policy.max_attempts || started.elapsed() >= policy.max_retrying {
                    return Err(Error::Busy {
                        attempts: attempt,
                        reason: err.to_string(),
                    });
                }
                std::thread::sleep(RetryPolicy::pause(attempt));
                attempt += 1;
            }
            result => return result,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use diesel::result::{DatabaseErrorKind, Error as DieselError};

    use super::*;

    fn serialization_failure() -> Error {
        Error::Database(DieselError::DatabaseError(
            DatabaseErrorKind::SerializationFailure,
            Box::new("could not serialize access".to_owned()),
        ))
    }

    /// An operation that fails transiently `failures` times, then answers 42; counts its calls.
    fn flaky(failures: u32, calls: &Cell<u32>) -> impl FnMut() -> Result<u32, Error> + '_ {
        move || {
            calls.set(calls.get() + 1);
            if calls.get() <= failures {
                Err(serialization_failure())
            } else {
                Ok(42)
            }
        }
    }

    #[test]
    fn success_at_once_runs_once() {
        let calls = Cell::new(0);
        assert_eq!(with_retries(flaky(0, &calls)).ok(), Some(42));
        assert_eq!(calls.get(), 1);
    }

    #[test]
    fn one_transient_failure_then_success_is_a_success() {
        let calls = Cell::new(0);
        assert_eq!(with_retries(flaky(1, &calls)).ok(), Some(42));
        assert_eq!(calls.get(), 2);
    }

    #[test]
    fn several_transient_failures_then_success_is_a_success() {
        let calls = Cell::new(0);
        let failures = RetryPolicy::DEFAULT.max_attempts - 1;
        assert_eq!(with_retries(flaky(failures, &calls)).ok(), Some(42));
        assert_eq!(calls.get(), failures + 1);
    }

    #[test]
    fn the_attempt_bound_is_respected_and_named() {
        let calls = Cell::new(0);
        let max = RetryPolicy::DEFAULT.max_attempts;
        let err = with_retries(flaky(u32::MAX, &calls)).expect_err("never succeeds");
        assert_eq!(calls.get(), max, "exactly the bound, no more");
        match &err {
            Error::Busy { attempts, reason } => {
                assert_eq!(*attempts, max);
                assert!(reason.contains("could not serialize"), "{reason}");
            }
            other => panic!("expected Busy, got {other:?}"),
        }
        let message = err.to_string();
        assert!(message.contains(&format!("{max} attempts")), "{message}");
        assert!(message.contains("nothing was written"), "{message}");
    }

    #[test]
    fn the_time_bound_is_respected() {
        let calls = Cell::new(0);
        let policy = RetryPolicy {
            max_attempts: 1_000,
            max_retrying: Duration::from_millis(30),
        };
        let started = Instant::now();
        let result = with_retries_under(policy, || {
            calls.set(calls.get() + 1);
            std::thread::sleep(Duration::from_millis(20));
            Err::<(), _>(serialization_failure())
        });
        assert!(matches!(result, Err(Error::Busy { .. })));
        assert!((2..=3).contains(&calls.get()), "{} calls", calls.get());
        assert!(started.elapsed() < Duration::from_secs(2));
    }

    #[test]
    fn a_lasting_failure_is_not_retried() {
        let calls = Cell::new(0);
        let result = with_retries(|| {
            calls.set(calls.get() + 1);
            Err::<(), _>(Error::NoSuchProfile(5))
        });
        assert!(matches!(result, Err(Error::NoSuchProfile(5))));
        assert_eq!(calls.get(), 1);
    }

    #[test]
    fn pauses_are_short_positive_and_capped_at_every_attempt() {
        for attempt in 1..=64 {
            let pause = RetryPolicy::pause(attempt);
            assert!(pause >= Duration::from_millis(1), "attempt {attempt}");
            assert!(pause <= Duration::from_millis(250), "attempt {attempt}");
        }
        // The ceiling grows with the attempt: early pauses are short.
        assert!((0..100).all(|_| RetryPolicy::pause(1) <= Duration::from_millis(8)));
    }
}
