//! Floors that do not go through diesel, so the ORM's own cost shows: the hit workload (one
//! SELECT by name) run by each database's own tools.
//!
//! - SQLite: the bundled library's C API, one prepared statement, bound, stepped, reset.
//! - PostgreSQL: `pgbench -M prepared` with a script that looks a random existing name up.
//! - MySQL/MariaDB: `mysqlslap` (its client's text protocol) repeating one lookup.
//!
//! Each returns lookups per second, or `None` (after saying why) where the tool is missing.

use std::ffi::CString;
use std::process::Command;
use std::time::Instant;

use profile_console::db::{DatabaseTarget, ServerTarget, SqliteFile};

const SELECT: &str = "SELECT id, first_name, last_name, gender, age, created_at, updated_at \
                      FROM profiles WHERE first_name = ?1 AND last_name = ?2";

/// Lookups per second of `names` (each an existing `(first_name, last_name)`) on `target`.
pub fn hit_rate(target: &DatabaseTarget, names: &[(String, String)]) -> Option<f64> {
    match target {
        DatabaseTarget::Sqlite(SqliteFile { path, .. }) => sqlite(path.to_str()?, names),
        DatabaseTarget::Postgres(server) => pgbench(server, names.len()),
        DatabaseTarget::Mysql(server) => mysqlslap(server, &names[0]),
    }
}

#[allow(unsafe_code)]
fn sqlite(path: &str, names: &[(String, String)]) -> Option<f64> {
    use libsqlite3_sys as ffi;
    let path = CString::new(path).ok()?;
    let sql = CString::new(SELECT).ok()?;
    let mut db = std::ptr::null_mut();
    let mut stmt = std::ptr::null_mut();
    // SAFETY: the C API used as documented: every pointer comes from SQLite or from a live
    // CString, text is bound with SQLITE_TRANSIENT (copied), and everything is finalized/closed.
    unsafe {
        if ffi::sqlite3_open_v2(
            path.as_ptr(),
            &mut db,
            ffi::SQLITE_OPEN_READONLY,
            std::ptr::null(),
        ) != ffi::SQLITE_OK
        {
            return None;
        }
        ffi::sqlite3_prepare_v3(
            db,
            sql.as_ptr(),
            -1,
            ffi::SQLITE_PREPARE_PERSISTENT,
            &mut stmt,
            std::ptr::null_mut(),
        );
        let started = Instant::now();
        let mut found = 0u64;
        for (first, last) in names {
            ffi::sqlite3_bind_text(
                stmt,
                1,
                first.as_ptr().cast(),
                first.len() as i32,
                ffi::SQLITE_TRANSIENT(),
            );
            ffi::sqlite3_bind_text(
                stmt,
                2,
                last.as_ptr().cast(),
                last.len() as i32,
                ffi::SQLITE_TRANSIENT(),
            );
            while ffi::sqlite3_step(stmt) == ffi::SQLITE_ROW {
                // Read every column, as a client building a row would.
                let id = ffi::sqlite3_column_int64(stmt, 0);
                for column in [1, 2, 3, 5, 6] {
                    let text = ffi::sqlite3_column_text(stmt, column);
                    let len = ffi::sqlite3_column_bytes(stmt, column) as usize;
                    let bytes = std::slice::from_raw_parts(text, len).to_vec();
                    std::hint::black_box(bytes);
                }
                std::hint::black_box((id, ffi::sqlite3_column_int(stmt, 4)));
                found += 1;
            }
            ffi::sqlite3_reset(stmt);
        }
        let rate = names.len() as f64 / started.elapsed().as_secs_f64();
        ffi::sqlite3_finalize(stmt);
        ffi::sqlite3_close(db);
        (found == names.len() as u64).then_some(rate)
    }
}

fn pgbench(server: &ServerTarget, names: usize) -> Option<f64> {
    let Some(pgbench) = std::fs::read_dir("/usr/lib/postgresql")
        .ok()
        .and_then(|dirs| {
            dirs.flatten()
                .map(|d| d.path().join("bin/pgbench"))
                .find(|p| p.exists())
        })
    else {
        eprintln!("no pgbench: PostgreSQL's independent floor is skipped");
        return None;
    };
    let script = tempfile::NamedTempFile::new().ok()?;
    std::fs::write(
        script.path(),
        format!(
            "\\set i random(0, {})\nSELECT id, first_name, last_name, gender, age, created_at, updated_at \
             FROM profiles WHERE first_name = 'Hit' || :i AND last_name = 'Bench';\n",
            names - 1
        ),
    )
    .ok()?;
    let out = Command::new(pgbench)
        .args(["-n", "-M", "prepared", "-c", "1", "-T", "5", "-f"])
        .arg(script.path())
        .arg(server.conninfo())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find_map(|line| line.strip_prefix("tps = "))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|tps| tps.parse().ok())
}

fn mysqlslap(server: &ServerTarget, (first, last): &(String, String)) -> Option<f64> {
    const QUERIES: u32 = 20_000;
    let mut command = Command::new("mysqlslap");
    command
        .arg(format!(
            "--host={}",
            server.get("host").unwrap_or("127.0.0.1")
        ))
        .arg(format!("--port={}", server.get("port").unwrap_or("3306")))
        .arg(format!("--user={}", server.get("user").unwrap_or("root")))
        .arg(format!("--create-schema={}", server.get("dbname")?))
        .arg(format!(
            "--query=SELECT id, first_name, last_name, gender, age, created_at, updated_at \
             FROM profiles WHERE first_name = '{first}' AND last_name = '{last}'"
        ))
        .args([
            "--concurrency=1",
            "--iterations=1",
            &format!("--number-of-queries={QUERIES}"),
        ]);
    if let Some(password) = server.get("password") {
        command.arg(format!("--password={password}"));
    }
    let out = match command.output() {
        Ok(out) => out,
        Err(_) => {
            eprintln!("no mysqlslap: MySQL's independent floor is skipped");
            return None;
        }
    };
    let text = String::from_utf8_lossy(&out.stdout);
    let seconds: f64 = text
        .lines()
        .find_map(|line| {
            line.trim()
                .strip_prefix("Average number of seconds to run all queries:")
        })
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|s| s.parse().ok())?;
    Some(f64::from(QUERIES) / seconds)
}
