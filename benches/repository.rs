//! `cargo bench --bench repository`: get_or_create and update_or_create against the floor.
//!
//! For each backend (SQLite with the app's durable settings; PostgreSQL at
//! `PROFILE_CONSOLE_TEST_POSTGRES_URL` when reachable) and each workload, it measures operations
//! per second (median of several runs, ours and the floor interleaved), the floor's, their ratio,
//! and the statements per operation (on PostgreSQL each statement is one round trip once
//! prepared). The "vs no journal" rows set our (journaled) writes against the floor on a database
//! without the journal's triggers, measured in the same run: what the journal costs. With
//! `BENCH_JSON=FILE` it also writes the results as a JSON array; `BENCH_BACKENDS=sqlite,mysql`
//! runs only those.

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "support/independent_floor.rs"]
mod independent_floor;

use std::sync::Barrier;
use std::time::Instant;

use common::{TestDb, goc, uoc};
use diesel::prelude::*;
use profile_console::db::DatabaseTarget;
use profile_console::domain::Profile;
use profile_console::domain::{GetOrCreate, Outcome, UpdateOrCreate, now_utc};
use profile_console::repository::schema::{PROFILE_COLUMNS, profiles};
use profile_console::repository::{AnyConnection, establish};
use profile_console::repository::{Repository, StatementLog};
use rand::seq::SliceRandom;

const RUNS: usize = 5;
const THREADS: usize = 8;
const SHARED_KEYS: usize = 300;

#[derive(Clone, Debug, serde::Serialize)]
struct Result {
    backend: &'static str,
    workload: &'static str,
    ops_per_sec: f64,
    floor_ops_per_sec: Option<f64>,
    statements_per_op: f64,
    floor_statements_per_op: Option<f64>,
    /// The floor measured without diesel, by the database's own tools (hits only).
    independent_floor_ops_per_sec: Option<f64>,
    duplicates: u64,
    errors: u64,
}

macro_rules! on_floor {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            AnyConnection::Sqlite($c) => $body,
            AnyConnection::Postgres($c) => $body,
            AnyConnection::Mysql($c) => $body,
        }
    };
}

struct Sizes {
    hit: usize,
    miss: usize,
    update: usize,
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else is expected.
    let mut results = Vec::new();
    let sqlite = TestDb::sqlite();
    if common::bench_wants("sqlite") {
        results.extend(run_backend(
            "sqlite",
            &sqlite.target,
            &Sizes {
                hit: 20_000,
                miss: 1_000,
                update: 1_000,
            },
        ));
    }
    match TestDb::postgres().filter(|_| common::bench_wants("postgres")) {
        Some(pg) => results.extend(run_backend(
            "postgres",
            &pg.target,
            &Sizes {
                hit: 6_000,
                miss: 1_000,
                update: 1_000,
            },
        )),
        None if common::bench_wants("postgres") => {
            eprintln!("PostgreSQL not reachable: its rows are skipped")
        }
        None => {}
    }
    match TestDb::mysql().filter(|_| common::bench_wants("mysql")) {
        Some(my) => results.extend(run_backend(
            "mysql",
            &my.target,
            &Sizes {
                hit: 6_000,
                miss: 1_000,
                update: 1_000,
            },
        )),
        None if common::bench_wants("mysql") => {
            eprintln!("MySQL/MariaDB not reachable: its rows are skipped")
        }
        None => {}
    }
    print_table(&results);
    if let Ok(path) = std::env::var("BENCH_JSON") {
        let body = serde_json::to_string_pretty(&results).expect("serialize results");
        std::fs::write(&path, body).unwrap_or_else(|err| panic!("write {path}: {err}"));
        eprintln!("wrote {path}");
    }
}

fn run_backend(backend: &'static str, target: &DatabaseTarget, sizes: &Sizes) -> Vec<Result> {
    let mut repo = Repository::open(target.clone()).expect("open");
    let log = StatementLog::default();
    repo.record_statements(log.clone());
    let mut floor = establish(target).expect("floor connection");
    let floor_log = StatementLog::default();
    on_floor!(&mut floor, |c| c
        .set_instrumentation(floor_log.instrumentation()));

    // Rows the hit and update workloads find.
    let existing: Vec<(String, String)> = (0..sizes.hit.max(sizes.update))
        .map(|i| (format!("Hit{i}"), "Bench".to_owned()))
        .collect();
    for (first, last) in &existing {
        repo.get_or_create(&goc(
            &[("first_name", first), ("last_name", last)],
            &[("gender", "F"), ("age", "30")],
        ))
        .expect("setup");
    }

    let mut results = Vec::new();

    // hit
    let hits: Vec<GetOrCreate> = existing[..sizes.hit]
        .iter()
        .map(|(f, l)| goc(&[("first_name", f), ("last_name", l)], &[]))
        .collect();
    let (ours, floor_rate, stmts, floor_stmts) = compare(
        &log,
        &floor_log,
        sizes.hit,
        |_| {
            for request in &hits {
                let (_, outcome) = repo.get_or_create(request).expect("hit");
                assert_eq!(outcome, Outcome::Fetched);
            }
        },
        |_| {
            for (first, last) in &existing[..sizes.hit] {
                floor_select(&mut floor, first, last);
            }
        },
    );
    let mut hit = row(
        backend,
        "hit",
        ours,
        Some(floor_rate),
        stmts,
        Some(floor_stmts),
    );
    hit.independent_floor_ops_per_sec = independent_floor::hit_rate(target, &existing[..sizes.hit]);
    results.push(hit);

    // miss
    let (ours, floor_rate, stmts, floor_stmts) = compare(
        &log,
        &floor_log,
        sizes.miss,
        |run| {
            for i in 0..sizes.miss {
                let first = format!("Miss{run}x{i}");
                let request = goc(
                    &[("first_name", &first), ("last_name", "Ours")],
                    &[("gender", "M"), ("age", "40")],
                );
                let (_, outcome) = repo.get_or_create(&request).expect("miss");
                assert_eq!(outcome, Outcome::Created);
            }
        },
        |run| {
            for i in 0..sizes.miss {
                floor_insert(&mut floor, &format!("Miss{run}x{i}"), "Floor");
            }
        },
    );
    results.push(row(
        backend,
        "miss",
        ours,
        Some(floor_rate),
        stmts,
        Some(floor_stmts),
    ));

    // update: each call changes the age of an existing row.
    let ids: Vec<i64> = existing[..sizes.update]
        .iter()
        .map(|(f, l)| {
            repo.get_or_create(&goc(&[("first_name", f), ("last_name", l)], &[]))
                .expect("id")
                .0
                .id
        })
        .collect();
    let updates: Vec<[UpdateOrCreate; 2]> = existing[..sizes.update]
        .iter()
        .map(|(f, l)| {
            [0, 1].map(|parity| {
                uoc(
                    &[("first_name", f), ("last_name", l)],
                    &[("age", &(50 + parity).to_string())],
                    None,
                )
            })
        })
        .collect();
    let (ours, floor_rate, stmts, floor_stmts) = compare(
        &log,
        &floor_log,
        sizes.update,
        |run| {
            for pair in &updates {
                let (_, outcome) = repo.update_or_create(&pair[run % 2]).expect("update");
                assert!(matches!(outcome, Outcome::Updated(_)), "{outcome:?}");
            }
        },
        |run| {
            for id in &ids {
                floor_update(&mut floor, *id, 60 + (run % 2) as i32);
            }
        },
    );
    results.push(row(
        backend,
        "update",
        ours,
        Some(floor_rate),
        stmts,
        Some(floor_stmts),
    ));

    results.extend(journal_cost(backend, target, sizes, &results));
    results.push(contention(backend, target));
    results
}

/// The journal's cost: ours (journaled, from the rows above) against the floor on a database of
/// the same backend whose journal triggers are dropped, measured in the same run.
fn journal_cost(
    backend: &'static str,
    target: &DatabaseTarget,
    sizes: &Sizes,
    measured: &[Result],
) -> Vec<Result> {
    let bare = match target {
        DatabaseTarget::Sqlite(_) => Some(TestDb::sqlite()),
        DatabaseTarget::Postgres(_) => TestDb::postgres(),
        DatabaseTarget::Mysql(_) => TestDb::mysql(),
    };
    let Some(bare) = bare else {
        return Vec::new();
    };
    drop(bare.repo());
    let drop_journal = match target {
        DatabaseTarget::Postgres(_) => {
            "DROP TRIGGER profile_changes_journal_insert ON profiles; \
             DROP TRIGGER profile_changes_journal_update ON profiles; \
             DROP TRIGGER profile_changes_journal_delete ON profiles"
        }
        _ => {
            "DROP TRIGGER profile_changes_insert; DROP TRIGGER profile_changes_update; \
             DROP TRIGGER profile_changes_delete"
        }
    };
    bare.execute_as_other_client(drop_journal)
        .expect("drop the journal triggers");
    let mut floor = establish(&bare.target).expect("floor connection");
    let mut ids = Vec::new();
    for i in 0..sizes.update {
        let now = now_utc();
        let id: i64 = on_floor!(&mut floor, |c| diesel::insert_into(profiles::table)
            .values((
                profiles::first_name.eq(format!("Bare{i}")),
                profiles::last_name.eq("Bench"),
                profiles::gender.eq("F"),
                profiles::age.eq(30),
                profiles::created_at.eq(now),
                profiles::updated_at.eq(now),
            ))
            .execute(c)
            .and_then(|_| profiles::table
                .select(diesel::dsl::max(profiles::id))
                .first::<Option<i64>>(c)))
        .expect("setup")
        .unwrap_or(0);
        ids.push(id);
    }
    let rate = |ops: usize, mut work: Box<dyn FnMut(usize) + '_>| {
        work(RUNS);
        let rates = (0..RUNS)
            .map(|run| {
                let started = Instant::now();
                work(run);
                ops as f64 / started.elapsed().as_secs_f64()
            })
            .collect();
        median(rates)
    };
    let miss_floor = rate(
        sizes.miss,
        Box::new(|run| {
            for i in 0..sizes.miss {
                floor_insert(&mut floor, &format!("Bare{run}x{i}"), "Floor");
            }
        }),
    );
    let update_floor = rate(
        sizes.update,
        Box::new(|run| {
            for id in &ids {
                floor_update(&mut floor, *id, 60 + (run % 2) as i32);
            }
        }),
    );
    let ours = |workload: &str| {
        measured
            .iter()
            .find(|r| r.workload == workload)
            .map_or((0.0, 0.0), |r| (r.ops_per_sec, r.statements_per_op))
    };
    let (miss, miss_stmts) = ours("miss");
    let (update, update_stmts) = ours("update");
    vec![
        row(
            backend,
            "miss vs no journal",
            miss,
            Some(miss_floor),
            miss_stmts,
            None,
        ),
        row(
            backend,
            "update vs no journal",
            update,
            Some(update_floor),
            update_stmts,
            None,
        ),
    ]
}

/// Runs ours and the floor `RUNS` times each, interleaved; returns the median rates and the
/// statements per operation.
fn compare(
    log: &StatementLog,
    floor_log: &StatementLog,
    ops: usize,
    mut ours: impl FnMut(usize),
    mut floor: impl FnMut(usize),
) -> (f64, f64, f64, f64) {
    // One untimed round each, so statements are prepared and caches warm.
    ours(RUNS);
    floor(RUNS);
    let (mut our_rates, mut floor_rates) = (Vec::new(), Vec::new());
    log.take();
    floor_log.take();
    let (mut our_statements, mut floor_statements) = (0, 0);
    for run in 0..RUNS {
        let started = Instant::now();
        ours(run);
        our_rates.push(ops as f64 / started.elapsed().as_secs_f64());
        our_statements += log.take().len();
        let started = Instant::now();
        floor(run);
        floor_rates.push(ops as f64 / started.elapsed().as_secs_f64());
        floor_statements += floor_log.take().len();
    }
    let per_op = |n: usize| n as f64 / (ops * RUNS) as f64;
    (
        median(our_rates),
        median(floor_rates),
        per_op(our_statements),
        per_op(floor_statements),
    )
}

fn contention(backend: &'static str, target: &DatabaseTarget) -> Result {
    let mut rates = Vec::new();
    let (mut duplicates, mut errors) = (0u64, 0u64);
    let mut statements = 0usize;
    let mut total_ops = 0usize;
    for run in 0..RUNS {
        let last = format!("Contended{run}");
        let mut repos: Vec<(Repository, StatementLog)> = (0..THREADS)
            .map(|_| {
                let mut repo = Repository::open(target.clone()).expect("open");
                let log = StatementLog::default();
                repo.record_statements(log.clone());
                (repo, log)
            })
            .collect();
        let barrier = Barrier::new(THREADS);
        let started = Instant::now();
        let (created, failed): (Vec<usize>, Vec<usize>) = std::thread::scope(|scope| {
            let handles: Vec<_> = repos
                .iter_mut()
                .map(|(repo, _)| {
                    let (barrier, last) = (&barrier, &last);
                    scope.spawn(move || {
                        let mut keys: Vec<usize> = (0..SHARED_KEYS).collect();
                        keys.shuffle(&mut rand::rng());
                        barrier.wait();
                        let (mut created, mut failed) = (0, 0);
                        for key in keys {
                            let first = format!("Key{key}");
                            match repo.get_or_create(&goc(
                                &[("first_name", &first), ("last_name", last)],
                                &[("gender", "X"), ("age", "1")],
                            )) {
                                Ok((_, Outcome::Created)) => created += 1,
                                Ok(_) => {}
                                Err(err) => {
                                    eprintln!("contention error: {err}");
                                    failed += 1
                                }
                            }
                        }
                        (created, failed)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("racer"))
                .unzip()
        });
        let elapsed = started.elapsed();
        let ops = THREADS * SHARED_KEYS;
        rates.push(ops as f64 / elapsed.as_secs_f64());
        total_ops += ops;
        statements += repos.iter().map(|(_, log)| log.take().len()).sum::<usize>();
        let created: usize = created.iter().sum();
        errors += failed.iter().sum::<usize>() as u64;
        let mut check = Repository::open(target.clone()).expect("open");
        let rows = check
            .count(&profile_console::domain::ProfileFilter {
                search: Some(last.clone()),
                ..Default::default()
            })
            .expect("count");
        duplicates += (rows - SHARED_KEYS as i64).max(0) as u64
            + (created.saturating_sub(SHARED_KEYS)) as u64;
    }
    Result {
        backend,
        workload: "contention",
        ops_per_sec: median(rates),
        floor_ops_per_sec: None,
        statements_per_op: statements as f64 / total_ops as f64,
        floor_statements_per_op: None,
        independent_floor_ops_per_sec: None,
        duplicates,
        errors,
    }
}

fn row(
    backend: &'static str,
    workload: &'static str,
    ours: f64,
    floor: Option<f64>,
    stmts: f64,
    floor_stmts: Option<f64>,
) -> Result {
    Result {
        backend,
        workload,
        ops_per_sec: ours,
        floor_ops_per_sec: floor,
        statements_per_op: stmts,
        floor_statements_per_op: floor_stmts,
        independent_floor_ops_per_sec: None,
        duplicates: 0,
        errors: 0,
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// The floor for a hit: one prepared SELECT by name.
fn floor_select(conn: &mut AnyConnection, first: &str, last: &str) {
    let row: Profile = on_floor!(conn, |c| profiles::table
        .select(PROFILE_COLUMNS)
        .filter(profiles::first_name.eq(first))
        .filter(profiles::last_name.eq(last))
        .first(c))
    .expect("floor select");
    std::hint::black_box(row);
}

/// The floor for a miss: one INSERT … RETURNING in its own transaction.
fn floor_insert(conn: &mut AnyConnection, first: &str, last: &str) {
    let now = now_utc();
    let values = (
        profiles::first_name.eq(first),
        profiles::last_name.eq(last),
        profiles::gender.eq("M"),
        profiles::age.eq(40),
        profiles::created_at.eq(now),
        profiles::updated_at.eq(now),
    );
    let row: Profile = match conn {
        // No RETURNING: the INSERT, then the row by the id it generated.
        AnyConnection::Mysql(c) => c.transaction(|c| {
            diesel::insert_into(profiles::table)
                .values(values)
                .execute(c)?;
            profiles::table
                .find(
                    diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
                        "CAST(LAST_INSERT_ID() AS SIGNED)",
                    ))
                    .get_result::<i64>(c)?,
                )
                .select(PROFILE_COLUMNS)
                .first(c)
        }),
        AnyConnection::Sqlite(c) => c.transaction(|c| {
            diesel::insert_into(profiles::table)
                .values(values)
                .returning(PROFILE_COLUMNS)
                .get_result(c)
        }),
        AnyConnection::Postgres(c) => c.transaction(|c| {
            diesel::insert_into(profiles::table)
                .values(values)
                .returning(PROFILE_COLUMNS)
                .get_result(c)
        }),
    }
    .expect("floor insert");
    std::hint::black_box(row);
}

/// The floor for an update: one UPDATE … RETURNING in its own transaction.
fn floor_update(conn: &mut AnyConnection, id: i64, age: i32) {
    let now = now_utc();
    let changes = (profiles::age.eq(age), profiles::updated_at.eq(now));
    let row: Profile = match conn {
        // No RETURNING: the UPDATE, then the row.
        AnyConnection::Mysql(c) => c.transaction(|c| {
            diesel::update(profiles::table.find(id))
                .set(changes)
                .execute(c)?;
            profiles::table.find(id).select(PROFILE_COLUMNS).first(c)
        }),
        AnyConnection::Sqlite(c) => c.transaction(|c| {
            diesel::update(profiles::table.find(id))
                .set(changes)
                .returning(PROFILE_COLUMNS)
                .get_result(c)
        }),
        AnyConnection::Postgres(c) => c.transaction(|c| {
            diesel::update(profiles::table.find(id))
                .set(changes)
                .returning(PROFILE_COLUMNS)
                .get_result(c)
        }),
    }
    .expect("floor update");
    std::hint::black_box(row);
}

fn print_table(results: &[Result]) {
    println!();
    println!(
        "{:<9} {:<20} {:>12} {:>12} {:>7} {:>13} {:>10} {:>10} {:>5} {:>6}",
        "backend",
        "workload",
        "ops/s",
        "floor ops/s",
        "ratio",
        "no-ORM ops/s",
        "stmts/op",
        "floor s/op",
        "dups",
        "errors"
    );
    for r in results {
        let floor = r
            .floor_ops_per_sec
            .map_or("-".to_owned(), |f| format!("{f:.0}"));
        let ratio = r
            .floor_ops_per_sec
            .map_or("-".to_owned(), |f| format!("{:.2}", r.ops_per_sec / f));
        let floor_stmts = r
            .floor_statements_per_op
            .map_or("-".to_owned(), |s| format!("{s:.2}"));
        println!(
            "{:<9} {:<20} {:>12.0} {:>12} {:>7} {:>13} {:>10.2} {:>10} {:>5} {:>6}",
            r.backend,
            r.workload,
            r.ops_per_sec,
            floor,
            ratio,
            r.independent_floor_ops_per_sec
                .map_or("-".to_owned(), |f| format!("{f:.0}")),
            r.statements_per_op,
            floor_stmts,
            r.duplicates,
            r.errors
        );
    }
}
