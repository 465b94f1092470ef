//! `cargo bench --bench import`: bulk import in the real binary, against the floor.
//!
//! For each backend (`BENCH_BACKENDS=sqlite,postgres,mysql` picks; all by default) it writes a
//! CSV of `BENCH_ROWS` (default 1,000,000) new profiles with distinct names, then times
//! `profile-console import` into an empty database (all created), the same file again (all
//! fetched), and `profile-console seed` of as many rows, and reads each process's peak resident
//! memory. The floor, measured in the same run on another empty database: the same rows by a bare
//! loader (diesel multi-row INSERT … skipping taken names, 5,000 rows a transaction, the same
//! schema and triggers), which reports no per-row outcome. `BENCH_JSON=FILE` also writes the
//! results as JSON; `BENCH_CSV=FILE` keeps the CSV there, to import again by hand.
//!
//! Targets (issue 11): SQLite ≥ 100,000 new rows/s and ≥ 200,000 fetched rows/s, PostgreSQL
//! and MySQL/MariaDB ≥ 50,000 new rows/s, peak memory < 100 MB, `seed` of 1,000,000 rows
//! < 10 s on SQLite.

#[path = "../tests/common/mod.rs"]
mod common;

use std::collections::HashSet;
use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::TestDb;
use diesel::prelude::*;
use profile_console::db::DatabaseTarget;
use profile_console::repository::schema::profiles;
use profile_console::repository::{AnyConnection, DemoProfiles, establish};

#[derive(Clone, Debug, serde::Serialize)]
struct Result {
    backend: &'static str,
    run: &'static str,
    rows: u64,
    seconds: f64,
    rows_per_sec: f64,
    peak_rss_mb: Option<f64>,
    target_rows_per_sec: Option<f64>,
    meets_target: Option<bool>,
}

fn main() {
    let rows: usize = std::env::var("BENCH_ROWS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().expect("temporary directory");
    let file = std::env::var_os("BENCH_CSV")
        .map_or_else(|| dir.path().join("profiles.csv"), std::path::PathBuf::from);
    // Only the count is kept: the bench stays small beside what it measures.
    let written = write_csv(&file, rows);
    println!("{written} rows in {}", file.display());

    let mut results = Vec::new();
    type Fresh = fn() -> Option<TestDb>;
    let backends: [(&'static str, Fresh, f64, Option<f64>); 3] = [
        (
            "sqlite",
            || Some(TestDb::sqlite()),
            100_000.0,
            Some(200_000.0),
        ),
        ("postgres", TestDb::postgres, 50_000.0, None),
        ("mysql", TestDb::mysql, 50_000.0, None),
    ];
    for (backend, fresh, new_target, fetched_target) in backends {
        if !common::bench_wants(backend) {
            continue;
        }
        let Some(db) = fresh() else { continue };
        let new = run_binary(&db, &["import", file.to_str().expect("UTF-8 path")]);
        results.push(result(
            backend,
            "import, all new",
            rows,
            new,
            Some(new_target),
        ));
        let again = run_binary(&db, &["import", file.to_str().expect("UTF-8 path")]);
        results.push(result(
            backend,
            "import again, all fetched",
            rows,
            again,
            fetched_target,
        ));
        drop(db);

        let Some(seed_db) = fresh() else { continue };
        let seeded = run_binary(&seed_db, &["seed", "--count", &rows.to_string()]);
        // A million in under 10 s, whatever BENCH_ROWS is (a smaller run is held to the same
        // rate, not to 10 s for fewer rows).
        let seed_target = (backend == "sqlite").then_some(100_000.0);
        results.push(result(backend, "seed", rows, seeded, seed_target));
        drop(seed_db);

        // Last: the floor reads the whole file into this process.
        let Some(floor_db) = fresh() else { continue };
        let floor = bare_loader(&floor_db.target, &file);
        results.push(result(
            backend,
            "floor: bare multi-row insert",
            rows,
            (floor, None),
            None,
        ));
    }

    println!(
        "\n{:<9} {:<30} {:>10} {:>8} {:>12} {:>9}  target",
        "backend", "run", "rows", "s", "rows/s", "peak MB"
    );
    for r in &results {
        println!(
            "{:<9} {:<30} {:>10} {:>8.2} {:>12.0} {:>9}  {}",
            r.backend,
            r.run,
            r.rows,
            r.seconds,
            r.rows_per_sec,
            r.peak_rss_mb
                .map_or("-".to_owned(), |mb| format!("{mb:.0}")),
            match (r.target_rows_per_sec, r.meets_target) {
                (Some(target), Some(true)) => format!("≥ {target:.0} rows/s: met"),
                (Some(target), _) => format!("≥ {target:.0} rows/s: MISSED"),
                _ => String::new(),
            }
        );
    }
    if let Ok(path) = std::env::var("BENCH_JSON") {
        std::fs::write(&path, serde_json::to_string_pretty(&results).expect("JSON"))
            .expect("write BENCH_JSON");
    }
}

fn result(
    backend: &'static str,
    run: &'static str,
    rows: usize,
    (elapsed, rss): (Duration, Option<f64>),
    target: Option<f64>,
) -> Result {
    let rows_per_sec = rows as f64 / elapsed.as_secs_f64();
    Result {
        backend,
        run,
        rows: rows as u64,
        seconds: elapsed.as_secs_f64(),
        rows_per_sec,
        peak_rss_mb: rss,
        target_rows_per_sec: target,
        meets_target: target
            .map(|target| rows_per_sec >= target && rss.is_none_or(|mb| mb < 100.0)),
    }
}

/// `rows` demo profiles with distinct names, as CSV; returns how many.
fn write_csv(path: &Path, rows: usize) -> usize {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).expect("create the CSV"));
    writeln!(out, "first_name,last_name,gender,age").expect("write");
    let mut seen = HashSet::with_capacity(rows);
    let mut written = 0;
    for profile in DemoProfiles::new(rand::rng()) {
        if written == rows {
            break;
        }
        // The demo names run out before a million: number the extra ones.
        let mut last = profile.last_name.clone();
        let mut n = 1;
        while !seen.insert((profile.first_name.clone(), last.clone())) {
            n += 1;
            last = format!("{}-{n}", profile.last_name);
            if last.chars().count() > 30 {
                last = format!(
                    "{}{n}",
                    &profile.last_name[..profile.last_name.len().min(20)]
                );
            }
        }
        let mut csv = csv::Writer::from_writer(Vec::new());
        csv.write_record([
            profile.first_name.as_str(),
            last.as_str(),
            profile.gender.as_str(),
            &profile.age.to_string(),
        ])
        .expect("CSV");
        out.write_all(&csv.into_inner().expect("CSV"))
            .expect("write");
        written += 1;
    }
    out.flush().expect("flush");
    written
}

/// Runs the binary on `db`; returns the wall time and the process's peak resident memory.
///
/// The peak is the child's own high-water mark (`VmHWM`), read every 20 ms while it runs: a
/// child's `ru_maxrss` (`wait4`) also counts the bench's memory it started out sharing, however
/// it was spawned.
fn run_binary(db: &TestDb, args: &[&str]) -> (Duration, Option<f64>) {
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_profile-console"))
        .arg("--database-url")
        .arg(db.url())
        .args(args)
        .env_remove("RUST_BACKTRACE")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn profile-console");
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_kb: Option<f64> = None;
    loop {
        if let Some(kb) = std::fs::read_to_string(&status_file)
            .ok()
            .and_then(|status| {
                status
                    .lines()
                    .find_map(|line| line.strip_prefix("VmHWM:"))
                    .and_then(|value| value.split_whitespace().next()?.parse::<f64>().ok())
            })
        {
            peak_kb = Some(peak_kb.map_or(kb, |peak| peak.max(kb)));
        }
        if child
            .try_wait()
            .expect("wait for profile-console")
            .is_some()
        {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let elapsed = started.elapsed();
    let mut output = String::new();
    if let Some(mut stdout) = child.stdout.take() {
        let _ = std::io::Read::read_to_string(&mut stdout, &mut output);
    }
    println!("{}: {}", args.join(" "), output.trim());
    (elapsed, peak_kb.map(|kb| kb / 1024.0))
}

/// The floor: the file's rows by diesel multi-row inserts that skip taken names, 5,000 a
/// transaction, without per-row outcomes.
fn bare_loader(target: &DatabaseTarget, file: &Path) -> Duration {
    // The schema first (the binary's own migrations).
    drop(profile_console::repository::Repository::open(target.clone()).expect("open"));
    let mut conn = establish(target).expect("connect");
    let mut reader = csv::Reader::from_path(file).expect("read the CSV");
    let rows: Vec<(String, String, String, i32)> = reader
        .deserialize()
        .map(|row| row.expect("a row"))
        .collect();
    let now = profile_console::domain::now_utc();
    let started = Instant::now();
    for chunk in rows.chunks(5_000) {
        let values: Vec<_> = chunk
            .iter()
            .map(|(first, last, gender, age)| {
                (
                    profiles::first_name.eq(first),
                    profiles::last_name.eq(last),
                    profiles::gender.eq(gender),
                    profiles::age.eq(*age),
                    profiles::created_at.eq(now),
                    profiles::updated_at.eq(now),
                )
            })
            .collect();
        match &mut conn {
            AnyConnection::Sqlite(c) => c.immediate_transaction(|c| {
                for row in &values {
                    diesel::insert_into(profiles::table)
                        .values(*row)
                        .on_conflict_do_nothing()
                        .execute(c)?;
                }
                diesel::QueryResult::Ok(())
            }),
            AnyConnection::Postgres(c) => c.transaction(|c| {
                for part in values.chunks(1_000) {
                    diesel::insert_into(profiles::table)
                        .values(part.to_vec())
                        .on_conflict_do_nothing()
                        .execute(c)?;
                }
                diesel::QueryResult::Ok(())
            }),
            AnyConnection::Mysql(c) => c.transaction(|c| {
                for part in values.chunks(1_000) {
                    diesel::insert_or_ignore_into(profiles::table)
                        .values(part.to_vec())
                        .execute(c)?;
                }
                diesel::QueryResult::Ok(())
            }),
        }
        .expect("insert");
    }
    started.elapsed()
}
