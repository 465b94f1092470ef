//! Race tests: many threads, each with its own connection, released together by a barrier.
//!
//! Every round checks the contract's promises: exactly one row, exactly one `created`, no errors,
//! no lost update. The totals are printed (run with `--nocapture` to see them).

mod common;

use common::race::{assert_one_created, race_on};
use common::{TestDb, goc, uoc};
use profile_console::Error;
use profile_console::domain::{Field, Outcome, Profile, Value};
use profile_console::repository::Repository;

const THREADS: usize = 8;
const ROUNDS: usize = 40;

fn race<T: Send>(
    db: &TestDb,
    call: impl Fn(&mut Repository, usize) -> Result<T, Error> + Sync,
) -> Vec<Result<T, Error>> {
    let mut repos: Vec<Repository> = (0..THREADS).map(|_| db.repo()).collect();
    race_on(&mut repos, call)
}

fn racing_get_or_create_on_the_unique_name_creates_exactly_one(db: &TestDb) {
    for round in 0..ROUNDS {
        let first = format!("Racer{round}");
        let results = race(db, |repo, thread| {
            let age = thread.to_string();
            repo.get_or_create(&goc(
                &[("first_name", &first), ("last_name", "Unique")],
                &[("gender", "M"), ("age", &age)],
            ))
        });
        let lookup = goc(&[("first_name", &first), ("last_name", "Unique")], &[]).lookup;
        let rows = db.repo().count_lookup(&lookup).unwrap();
        assert_one_created(results, rows);
    }
    eprintln!(
        "race summary ({}): unique-name get_or_create, {ROUNDS} rounds x {THREADS} threads, 0 duplicates, 0 errors",
        db.target.backend()
    );
}

fn racing_get_or_create_on_an_uncovered_lookup_never_duplicates(db: &TestDb) {
    for round in 0..ROUNDS {
        // gender + age: no unique constraint covers it.
        let gender = char::from(b'A' + (round % 26) as u8).to_string();
        let age = (round / 26 + 100).to_string();
        let results = race(db, |repo, thread| {
            let first = format!("Uncovered{round}x{thread}");
            repo.get_or_create(&goc(
                &[("gender", &gender), ("age", &age)],
                &[("first_name", &first), ("last_name", "Racer")],
            ))
        });
        let lookup = goc(&[("gender", &gender), ("age", &age)], &[]).lookup;
        let rows = db.repo().count_lookup(&lookup).unwrap();
        assert_one_created(results, rows);
    }
    eprintln!(
        "race summary ({}): uncovered (gender, age) get_or_create, {ROUNDS} rounds x {THREADS} threads, 0 duplicates, 0 errors",
        db.target.backend()
    );
}

fn racing_update_or_create_with_different_defaults_loses_no_update(db: &TestDb) {
    for round in 0..ROUNDS {
        let first = format!("Updater{round}");
        let lookup = [("first_name", first.as_str()), ("last_name", "Race")];
        let results = race(db, |repo, thread| {
            let age = (thread + 1).to_string();
            repo.update_or_create(&uoc(&lookup, &[("gender", "M"), ("age", &age)], None))
        });
        let results: Vec<(Profile, Outcome)> = results
            .into_iter()
            .map(|r| r.unwrap_or_else(|err| panic!("a racer failed: {err}")))
            .collect();
        assert_eq!(
            results
                .iter()
                .filter(|(_, o)| *o == Outcome::Created)
                .count(),
            1,
            "{results:#?}"
        );
        let rows = db.repo().count_lookup(&goc(&lookup, &[]).lookup).unwrap();
        assert_eq!(rows, 1);
        let (finale, _) = db.repo().get_or_create(&goc(&lookup, &[])).unwrap();
        // The final row is exactly what one caller wrote last.
        assert!(
            results.iter().any(|(profile, _)| *profile == finale),
            "final row {finale:?} is one caller's"
        );
        // Serialized updates form one chain: each saw the previous one's value. A lost update
        // would show as two changes from the same old value.
        let created_age = results
            .iter()
            .find(|(_, o)| *o == Outcome::Created)
            .map(|(p, _)| p.age)
            .unwrap();
        let mut changes: Vec<(i64, i64)> = results
            .iter()
            .flat_map(|(_, outcome)| outcome.changes().to_vec())
            .filter(|change| change.field == Field::Age)
            .map(|change| match (change.old, change.new) {
                (Value::Int(old), Value::Int(new)) => (old, new),
                other => panic!("age is a number: {other:?}"),
            })
            .collect();
        let mut current = i64::from(created_age);
        while let Some(at) = changes.iter().position(|(old, _)| *old == current) {
            current = changes.swap_remove(at).1;
        }
        assert!(
            changes.is_empty(),
            "changes that did not follow the previous write: {changes:?}"
        );
        assert_eq!(current, i64::from(finale.age));
    }
    eprintln!(
        "race summary ({}): update_or_create with different defaults, {ROUNDS} rounds x {THREADS} threads, 0 duplicates, 0 lost updates, 0 errors",
        db.target.backend()
    );
}

fn racing_update_or_create_on_an_uncovered_lookup_never_duplicates(db: &TestDb) {
    for round in 0..ROUNDS {
        let gender = char::from(b'a' + (round % 26) as u8).to_string();
        let age = (round / 26 + 120).to_string();
        let results = race(db, |repo, thread| {
            let first = format!("UncoveredUpdater{round}x{thread}");
            repo.update_or_create(&uoc(
                &[("gender", &gender), ("age", &age)],
                &[("last_name", "Updated")],
                Some(&[("first_name", &first), ("last_name", "Created")]),
            ))
        });
        let lookup = goc(&[("gender", &gender), ("age", &age)], &[]).lookup;
        let rows = db.repo().count_lookup(&lookup).unwrap();
        let results: Vec<_> = results
            .into_iter()
            .map(|r| r.unwrap_or_else(|err| panic!("a racer failed: {err}")))
            .collect();
        assert_eq!(
            results
                .iter()
                .filter(|(_, o)| *o == Outcome::Created)
                .count(),
            1
        );
        assert_eq!(rows, 1, "no duplicates");
    }
    eprintln!(
        "race summary ({}): uncovered (gender, age) update_or_create, {ROUNDS} rounds x {THREADS} threads, 0 duplicates, 0 errors",
        db.target.backend()
    );
}

on_every_backend!(
    racing_get_or_create_on_the_unique_name_creates_exactly_one,
    racing_get_or_create_on_an_uncovered_lookup_never_duplicates,
    racing_update_or_create_with_different_defaults_loses_no_update,
    racing_update_or_create_on_an_uncovered_lookup_never_duplicates,
);
