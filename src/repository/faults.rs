//! Fault injection for tests: make a share of write transactions fail with a serialization
//! failure, so the retry path (`retry.rs`) is exercised on every backend, every run.
//!
//! The binary reads [`FAULTS_VAR`] when it opens a repository (e.g. `0.3` for 30%); tests may also
//! set it per repository with `Repository::inject_serialization_failures`. Off by default.

use rand::Rng;

/// The environment variable holding the share (0 to 1) of write transactions to fail.
pub const FAULTS_VAR: &str = "PROFILE_CONSOLE_INJECT_SERIALIZATION_FAILURES";

/// The share of write transactions that fail with an injected serialization failure.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Faults {
    share: f64,
}

impl Faults {
    /// No injected failures.
    pub const NONE: Faults = Faults { share: 0.0 };

    /// `share` of write transactions fail (clamped to 0..=1).
    pub fn serialization_failures(share: f64) -> Faults {
        let share = if share.is_finite() {
            share.clamp(0.0, 1.0)
        } else {
            0.0
        };
        Faults { share }
    }

    /// From [`FAULTS_VAR`]; unset, empty or unreadable means none.
    pub fn from_env() -> Faults {
        std::env::var(FAULTS_VAR)
            .ok()
            .and_then(|text| text.trim().parse::<f64>().ok())
            .map_or(Faults::NONE, Faults::serialization_failures)
    }

    /// Whether this transaction is one to fail.
    pub(crate) fn strike(self) -> bool {
        self.share > 0.0 && rand::rng().random_bool(self.share)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn none_never_strikes_and_all_always_does() {
        assert!((0..1000).all(|_| !Faults::NONE.strike()));
        let all = Faults::serialization_failures(1.0);
        assert!((0..1000).all(|_| all.strike()));
    }

    #[test]
    fn out_of_range_shares_are_clamped() {
        assert_eq!(
            Faults::serialization_failures(7.0),
            Faults::serialization_failures(1.0)
        );
        assert_eq!(Faults::serialization_failures(-1.0), Faults::NONE);
        assert_eq!(Faults::serialization_failures(f64::NAN), Faults::NONE);
    }

    #[test]
    fn a_share_strikes_about_that_often() {
        let faults = Faults::serialization_failures(0.3);
        let strikes = (0..10_000).filter(|_| faults.strike()).count();
        assert!((2_500..3_500).contains(&strikes), "{strikes} of 10000");
    }
}
