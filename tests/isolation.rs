//! The 16-way race suite, run where snapshots and retries could break it: PostgreSQL databases whose
//! default isolation is READ COMMITTED, REPEATABLE READ or SERIALIZABLE, and every backend with 30%
//! of write transactions failing with an injected serialization failure. Every round: 0 errors,
//! exactly one `created`, exactly one matching row.

mod common;

use common::race::{assert_one_created, race_on};
use common::{TestDb, goc, uoc};
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use profile_console::Error;
use profile_console::domain::{Outcome, Profile};
use profile_console::repository::{Faults, Repository};

const THREADS: usize = 16;
const ROUNDS: usize = 8;

/// One database, set up as `default_isolation` says, with `faults` injected in every racer.
fn run_suite(db: &TestDb, faults: Faults, label: &str) {
    let mut repos: Vec<Repository> = (0..THREADS)
        .map(|_| {
            let mut repo = db.repo();
            repo.inject_faults(faults);
            repo
        })
        .collect();
    let check = |scenario: &str, round: usize, lookup: &[(&str, &str)], results| {
        let rows = db.repo().count_lookup(&goc(lookup, &[]).lookup).unwrap();
        let _: Profile = assert_round(
            results,
            rows,
            &format!("{label}: {scenario}, round {round}"),
        );
    };
    for round in 0..ROUNDS {
        let letter = char::from(b'A' + round as u8).to_string();

        let first = format!("Name{round}");
        let lookup = [("first_name", first.as_str()), ("last_name", "Race")];
        let results = race_on(&mut repos, |repo, thread| {
            repo.get_or_create(&goc(
                &lookup,
                &[("gender", "M"), ("age", &thread.to_string())],
            ))
        });
        check("name lookup get_or_create", round, &lookup, results);

        let lookup = [("gender", letter.as_str()), ("age", "101")];
        let results = race_on(&mut repos, |repo, _| {
            let same = format!("Same{round}");
            repo.get_or_create(&goc(
                &lookup,
                &[("first_name", &same), ("last_name", "Equal")],
            ))
        });
        check("non-unique lookup, equal defaults", round, &lookup, results);

        let lookup = [("gender", letter.as_str()), ("age", "102")];
        let results = race_on(&mut repos, |repo, thread| {
            let own = format!("Own{round}x{thread}");
            repo.get_or_create(&goc(
                &lookup,
                &[("first_name", &own), ("last_name", "Different")],
            ))
        });
        check(
            "non-unique lookup, different defaults",
            round,
            &lookup,
            results,
        );

        // first_name alone: the unique constraint covers only part of it.
        let solo = format!("Solo{round}");
        let lookup = [("first_name", solo.as_str())];
        let results = race_on(&mut repos, |repo, thread| {
            let last = format!("Partial{thread}");
            repo.get_or_create(&goc(
                &lookup,
                &[("last_name", &last), ("gender", "F"), ("age", "3")],
            ))
        });
        check("first_name-only lookup", round, &lookup, results);

        let first = format!("Upd{round}");
        let lookup = [("first_name", first.as_str()), ("last_name", "Race")];
        let results = race_on(&mut repos, |repo, thread| {
            repo.update_or_create(&uoc(
                &lookup,
                &[("gender", "M"), ("age", &(thread + 1).to_string())],
                None,
            ))
        });
        check("name lookup update_or_create", round, &lookup, results);

        let lookup = [("gender", letter.as_str()), ("age", "103")];
        let results = race_on(&mut repos, |repo, thread| {
            let own = format!("UpdOwn{round}x{thread}");
            repo.update_or_create(&uoc(
                &lookup,
                &[("last_name", "Updated")],
                Some(&[("first_name", &own), ("last_name", "Created")]),
            ))
        });
        check(
            "non-unique lookup update_or_create",
            round,
            &lookup,
            results,
        );
    }
    eprintln!(
        "race summary ({label}): 6 scenarios x {ROUNDS} rounds x {THREADS} connections, \
         0 duplicates, exactly one created per round, 0 errors"
    );
}

fn assert_round(results: Vec<Result<(Profile, Outcome), Error>>, rows: i64, what: &str) -> Profile {
    for result in &results {
        if let Err(err) = result {
            panic!("{what}: a racer failed: {err}");
        }
    }
    assert_eq!(rows, 1, "{what}: duplicates");
    assert_one_created(results, rows)
}

/// A fresh PostgreSQL test database whose sessions default to `isolation`.
fn postgres_defaulting_to(isolation: &str) -> Option<TestDb> {
    let db = TestDb::postgres()?;
    let mut admin = PgConnection::establish(&db.url()).unwrap();
    admin
        .batch_execute(&format!(
            "ALTER DATABASE {} SET default_transaction_isolation = '{isolation}'",
            db.name().unwrap()
        ))
        .unwrap();
    // Confirm that a new session gets it.
    let level = common::pg_values(
        &db.url(),
        "SELECT current_setting('default_transaction_isolation') AS value",
    );
    assert_eq!(level, [isolation]);
    Some(db)
}

/// The suite on a PostgreSQL database whose sessions default to `isolation`.
fn on_postgres(isolation: &str, faults: Faults, label: &str) {
    if let Some(db) = postgres_defaulting_to(isolation) {
        run_suite(&db, faults, label);
    }
}

#[test]
fn postgres_defaulting_to_read_committed() {
    on_postgres(
        "read committed",
        Faults::NONE,
        "PostgreSQL, default READ COMMITTED",
    );
}

#[test]
fn postgres_defaulting_to_repeatable_read() {
    on_postgres(
        "repeatable read",
        Faults::NONE,
        "PostgreSQL, default REPEATABLE READ",
    );
}

#[test]
fn postgres_defaulting_to_serializable() {
    on_postgres(
        "serializable",
        Faults::NONE,
        "PostgreSQL, default SERIALIZABLE",
    );
}

#[test]
fn postgres_serializable_with_30_percent_injected_failures() {
    let faults = Faults::serialization_failures(0.3);
    on_postgres(
        "serializable",
        faults,
        "PostgreSQL, SERIALIZABLE, 30% injected failures",
    );
}

#[test]
fn postgres_read_committed_with_30_percent_injected_failures() {
    let faults = Faults::serialization_failures(0.3);
    on_postgres(
        "read committed",
        faults,
        "PostgreSQL, READ COMMITTED, 30% injected failures",
    );
}

#[test]
fn sqlite_with_30_percent_injected_failures() {
    let db = TestDb::sqlite();
    run_suite(
        &db,
        Faults::serialization_failures(0.3),
        "SQLite, 30% injected failures",
    );
}

#[test]
fn sqlite_without_injected_failures() {
    let db = TestDb::sqlite();
    run_suite(&db, Faults::NONE, "SQLite");
}

/// The switch works through the binary too: with every transaction failing, the bounded retries
/// give up, say so, and nothing is written.
#[test]
fn every_transaction_failing_is_reported_after_the_bound_and_writes_nothing() {
    let db = TestDb::sqlite();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_profile-console"))
        .args([
            "--database-url",
            &db.url(),
            "get-or-create",
            "--lookup",
            "first_name=Never",
            "--lookup",
            "last_name=Stored",
            "--default",
            "gender=M",
            "--default",
            "age=1",
        ])
        .env(profile_console::repository::FAULTS_VAR, "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("12 attempts") && stderr.contains("nothing was written"),
        "{stderr}"
    );
    assert_eq!(db.repo().count(&Default::default()).unwrap(), 0);
}

/// MySQL / MariaDB (InnoDB defaults to REPEATABLE READ: the tool's sessions use READ COMMITTED).
#[test]
fn mysql_with_the_servers_default_isolation() {
    if let Some(db) = TestDb::mysql() {
        run_suite(&db, Faults::NONE, "MySQL/MariaDB");
    }
}

#[test]
fn mysql_with_30_percent_injected_failures() {
    if let Some(db) = TestDb::mysql() {
        let faults = Faults::serialization_failures(0.3);
        run_suite(&db, faults, "MySQL/MariaDB, 30% injected failures");
    }
}
