//! Races: many threads, each with its own connection, released together by a barrier; and the
//! checks every round makes.

use std::sync::Barrier;

use profile_console::Error;
use profile_console::domain::{Outcome, Profile};
use profile_console::repository::Repository;

/// Runs `call` on one thread per repository at once, each with its own connection (opened
/// beforehand, so connecting is not part of the race), released together by a barrier.
pub fn race_on<T: Send>(
    repos: &mut [Repository],
    call: impl Fn(&mut Repository, usize) -> Result<T, Error> + Sync,
) -> Vec<Result<T, Error>> {
    let barrier = Barrier::new(repos.len());
    std::thread::scope(|scope| {
        let handles: Vec<_> = repos
            .iter_mut()
            .enumerate()
            .map(|(thread, repo)| {
                let (barrier, call) = (&barrier, &call);
                scope.spawn(move || {
                    barrier.wait();
                    call(repo, thread)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().expect("racing thread panicked"))
            .collect()
    })
}

/// Checks one round: no errors, all callers saw the same row, exactly one created it, and the
/// lookup matches exactly one row.
pub fn assert_one_created(
    results: Vec<Result<(Profile, Outcome), Error>>,
    matching_rows: i64,
) -> Profile {
    let results: Vec<(Profile, Outcome)> = results
        .into_iter()
        .map(|result| result.unwrap_or_else(|err| panic!("a racer failed: {err}")))
        .collect();
    let created = results
        .iter()
        .filter(|(_, outcome)| *outcome == Outcome::Created)
        .count();
    assert_eq!(created, 1, "exactly one caller creates: {results:#?}");
    let id = results[0].0.id;
    assert!(
        results.iter().all(|(profile, _)| profile.id == id),
        "everyone gets the same row"
    );
    assert_eq!(matching_rows, 1, "no duplicates");
    results
        .into_iter()
        .find(|(_, o)| *o == Outcome::Created)
        .map(|(p, _)| p)
        .expect("the created row")
}
