//! Success means committed: on a disk that fills up mid-way, every call that reported `created`
//! or `updated` has its row, on every write path (the name-covered insert that is its own
//! transaction, the serialized insert, the locked update).
//!
//! Two ways to run out of space: a real, nearly full tmpfs (needs root and a kernel that lets the
//! test mount; otherwise it says it skipped), and a file-size limit (RLIMIT_FSIZE) on the process,
//! which makes the commit's write to the WAL fail the same way on any Unix machine.

mod common;

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{TestDb, goc};
use profile_console::db::{DatabaseTarget, SqliteFile};
use profile_console::domain::ProfileFilter;
use profile_console::repository::Repository;

const CALLS: usize = 60;

/// One write through the CLI; the kind rotates over the three write paths.
fn write_call(url: &str, call: usize) -> (Vec<String>, Command) {
    let args: Vec<String> = match call % 3 {
        0 => vec![
            "get-or-create",
            "--lookup",
            &format!("first_name=N{call}"),
            "--lookup",
            "last_name=Full",
            "--default",
            "gender=M",
            "--default",
            "age=5",
        ]
        .into_iter()
        .map(String::from)
        .collect(),
        1 => vec![
            "get-or-create",
            "--lookup",
            "gender=Z",
            "--lookup",
            &format!("age={}", call % 150),
            "--default",
            &format!("first_name=U{call}"),
            "--default",
            "last_name=Full",
        ]
        .into_iter()
        .map(String::from)
        .collect(),
        _ => vec![
            "update-or-create",
            "--lookup",
            &format!("first_name=N{}", call - 2),
            "--lookup",
            "last_name=Full",
            "--default",
            "gender=F",
            "--default",
            "age=77",
        ]
        .into_iter()
        .map(String::from)
        .collect(),
    };
    let mut command = Command::new(env!("CARGO_BIN_EXE_profile-console"));
    command
        .args(["--database-url", url])
        .args(&args)
        .env_remove("DATABASE_URL");
    (args, command)
}

/// Runs the calls; returns each call whose success was reported, with what it said.
fn hammer(
    url: &str,
    limit_file_size: Option<&dyn Fn(usize) -> u64>,
    before_each: &dyn Fn(usize),
) -> (Vec<(usize, String)>, usize) {
    let mut reported = Vec::new();
    let mut failed = 0;
    for call in 0..CALLS {
        before_each(call);
        let (_, mut command) = write_call(url, call);
        if let Some(limit) = limit_file_size.map(|limit| limit(call)) {
            // SAFETY: only async-signal-safe calls between fork and exec.
            unsafe {
                command.pre_exec(move || {
                    libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
                    let rlimit = libc::rlimit {
                        rlim_cur: limit,
                        rlim_max: limit,
                    };
                    if libc::setrlimit(libc::RLIMIT_FSIZE, &rlimit) != 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                    Ok(())
                });
            }
        }
        let out = command.output().expect("run profile-console");
        let stdout = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).trim().to_owned();
        if out.status.success() {
            reported.push((call, stdout));
        } else {
            assert_eq!(stderr.lines().count(), 1, "one sentence: {stderr}");
            assert!(!stderr.contains("panicked"), "{stderr}");
            failed += 1;
        }
    }
    (reported, failed)
}

/// Every reported success is in the database.
fn assert_stored(path: &Path, reported: &[(usize, String)]) {
    let mut repo = Repository::open(DatabaseTarget::sqlite(path.to_owned())).expect("reopen");
    for (call, said) in reported {
        let word = said.split_whitespace().next().unwrap_or_default();
        let found = match call % 3 {
            0 => repo.find(
                &goc(
                    &[("first_name", &format!("N{call}")), ("last_name", "Full")],
                    &[],
                )
                .lookup,
                2,
            ),
            1 => repo.find(
                &goc(
                    &[("first_name", &format!("U{call}")), ("last_name", "Full")],
                    &[],
                )
                .lookup,
                2,
            ),
            _ => repo.find(
                &goc(
                    &[
                        ("first_name", &format!("N{}", call - 2)),
                        ("last_name", "Full"),
                    ],
                    &[],
                )
                .lookup,
                2,
            ),
        }
        .expect("read back");
        match word {
            "created" | "fetched" | "unchanged" => {
                assert_eq!(
                    found.len(),
                    1,
                    "call {call} said {said:?} but its row is not there"
                )
            }
            "updated" => {
                assert_eq!(found.len(), 1, "call {call} said {said:?}");
                assert_eq!(
                    found[0].age, 77,
                    "call {call} said {said:?} but the update is not there"
                );
            }
            other => panic!("call {call}: unexpected output {other:?} ({said})"),
        }
    }
}

/// Another client (a console, say) with the database open: its WAL and shared memory stay, so a
/// writer's commit is what runs out of space, not its start.
fn keep_open(path: &Path) -> diesel::SqliteConnection {
    use diesel::Connection;
    use diesel::connection::SimpleConnection;
    let mut conn = diesel::SqliteConnection::establish(path.to_str().unwrap()).unwrap();
    conn.batch_execute("SELECT count(*) FROM profiles").unwrap();
    conn
}

fn migrated_file(dir: &Path) -> PathBuf {
    let path = dir.join("full.db");
    run_on(&path, "migrate");
    path
}

/// `profile-console --database-url PATH COMMAND`, which must succeed.
/// A copy of the database at `path` and its WAL in `dir` (where there is room to open it).
fn copy_out(path: &Path, dir: &Path) -> PathBuf {
    let moved = dir.join("moved.db");
    for suffix in ["", "-wal"] {
        let from = PathBuf::from(format!("{}{suffix}", path.display()));
        if from.exists() {
            std::fs::copy(&from, format!("{}{suffix}", moved.display())).unwrap();
        }
    }
    moved
}

/// The command stopped on the full disk: exit status 1, and the sentence that says so. Its
/// stdout and stderr.
fn stopped_by_the_full_disk(out: &std::process::Output) -> (String, String) {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stderr.contains("the disk holding the database is full"),
        "{stderr}"
    );
    (stdout, stderr)
}

fn run_on(path: &Path, command: &str) {
    let out = Command::new(env!("CARGO_BIN_EXE_profile-console"))
        .args(["--database-url", path.to_str().unwrap(), command])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn every_reported_write_is_stored_when_a_file_size_limit_stops_the_commit() {
    let db = TestDb::sqlite();
    let DatabaseTarget::Sqlite(SqliteFile { path, .. }) = &db.target else {
        unreachable!()
    };
    let path = migrated_file(path.parent().unwrap());
    // Each call may grow a file to 8–152 KB; between calls the WAL is checkpointed into the
    // database with no limit. One transaction writes about 45–90 KB to the WAL (the profile, its
    // search index and its journal entry), so some calls fit, and the others fail writing it at
    // the commit.
    let limit = |call: usize| 8 * 1024 + (call as u64 % 7) * 24 * 1024;
    let checkpoint = |_| {
        use diesel::Connection;
        use diesel::connection::SimpleConnection;
        let mut conn = diesel::SqliteConnection::establish(path.to_str().unwrap()).unwrap();
        conn.batch_execute("PRAGMA wal_checkpoint(TRUNCATE)")
            .unwrap();
    };
    let other = keep_open(&path);
    let (reported, failed) = hammer(path.to_str().unwrap(), Some(&limit), &checkpoint);
    drop(other);
    eprintln!(
        "file-size limits: {} calls reported success, {failed} failed",
        reported.len()
    );
    assert!(failed > 0, "the limit never bit: {reported:?}");
    assert!(!reported.is_empty(), "nothing succeeded before the limit");
    assert_stored(&path, &reported);
}

/// A tmpfs of `size` mounted on a fresh directory, unmounted on drop.
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    /// A tmpfs of `size`, or `None` after saying why the test is skipped (mounting needs root).
    fn mount_or_skip(size: &str) -> Option<Tmpfs> {
        Tmpfs::mount(size)
            .map_err(|why| eprintln!("skipped: cannot mount a tmpfs here ({why})"))
            .ok()
    }

    fn mount(size: &str) -> Result<Tmpfs, String> {
        let dir = tempfile::tempdir().map_err(|err| err.to_string())?;
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .output()
            .map_err(|err| err.to_string())?;
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).trim().to_owned());
        }
        Ok(Tmpfs { dir })
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

#[test]
fn every_reported_write_is_stored_on_a_nearly_full_disk() {
    let tmpfs = match Tmpfs::mount("1m") {
        Ok(tmpfs) => tmpfs,
        Err(why) => {
            eprintln!(
                "skipped: cannot mount a tmpfs here ({why}); the file-size-limit test covers the class"
            );
            return;
        }
    };
    let path = migrated_file(tmpfs.dir.path());
    // Before each call, fill the disk to leave 4 to 28 KB: some transactions fit, the others run
    // out of space writing their pages to the WAL at the commit.
    let filler = tmpfs.dir.path().join("filler");
    std::fs::write(&filler, b"").unwrap();
    let leave_free = |call: usize| {
        use std::io::Write;
        let target_free = 4 * 1024 + (call as u64 % 4) * 8 * 1024;
        let size = std::fs::metadata(&filler).unwrap().len();
        let new_size = (size + profile_console::db::free_bytes(tmpfs.dir.path()).unwrap())
            .saturating_sub(target_free);
        // tmpfs allocates on write: write the zeros rather than leave a sparse hole.
        let mut file = std::fs::File::create(&filler).unwrap();
        let block = vec![0u8; 4096];
        let mut written = 0;
        while written + 4096 <= new_size && file.write_all(&block).is_ok() {
            written += 4096;
        }
    };
    let other = keep_open(&path);
    let (reported, failed) = hammer(path.to_str().unwrap(), None, &leave_free);
    drop(other);
    eprintln!(
        "nearly full tmpfs: {} calls reported success, {failed} failed",
        reported.len()
    );
    assert!(failed > 0, "the disk never filled: {reported:?}");
    // Free the space, so reading back cannot fail for want of it (the WAL is replayed).
    std::fs::remove_file(&filler).unwrap();
    assert_stored(&path, &reported);
}

/// An import that fills the disk stops with exit status 1 and says how far it got: every row its
/// report calls created is stored, nothing more, the file stays whole, and the indexes a load into
/// an empty table put off are built at the next open once there is room.
#[test]
fn an_import_that_fills_the_disk_stores_exactly_what_it_reports() {
    import_filling_the_disk("6m", 100_000, &["--batch-size", "2000"]);
}

/// The same with SQLite's default commits, several batches together: SQLite rolls the
/// transaction back itself when the disk fills, and the reason is still what is reported (not
/// the failed ROLLBACK after it).
#[test]
fn an_import_in_commit_groups_that_fills_the_disk_says_so() {
    import_filling_the_disk("40m", 150_000, &[]);
}

fn import_filling_the_disk(size: &str, rows: usize, batches: &[&str]) {
    let Some(tmpfs) = Tmpfs::mount_or_skip(size) else {
        return;
    };
    let path = migrated_file(tmpfs.dir.path());
    let files = tempfile::tempdir().unwrap();
    let input = files.path().join("rows.csv");
    let mut text = String::from("first_name,last_name,gender,age\n");
    for n in 0..rows {
        text.push_str(&format!("Filler{n},Disk,F,{}\n", n % 100));
    }
    std::fs::write(&input, text).unwrap();
    let report = files.path().join("report.csv");
    let out = Command::new(env!("CARGO_BIN_EXE_profile-console"))
        .env("XDG_DATA_HOME", files.path())
        .env_remove("RUST_BACKTRACE")
        .args(["--database-url", path.to_str().unwrap(), "import"])
        .args(batches)
        .arg(&input)
        .arg("--report")
        .arg(&report)
        .output()
        .unwrap();
    let (stdout, stderr) = stopped_by_the_full_disk(&out);
    assert!(stderr.contains("rolled back"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    let created: Vec<String> = std::fs::read_to_string(&report)
        .unwrap()
        .lines()
        .skip(1)
        .filter(|line| line.split(',').nth(1) == Some("created"))
        .map(|line| line.split(',').nth(2).unwrap().to_owned())
        .collect();
    assert!(!created.is_empty(), "nothing fit: {stdout}");
    assert!(created.len() < rows, "the disk never filled: {stdout}");
    assert!(
        stdout.contains(&format!(
            "{} created; those are stored",
            profile_console::transfer::import::thousands(created.len() as u64)
        )),
        "{stdout}"
    );

    // Room again: the next open builds what the load put off, and every reported row is there.
    let moved = copy_out(&path, files.path());
    run_on(&moved, "info");
    let mut repo = Repository::open(DatabaseTarget::sqlite(&moved)).unwrap();
    assert_eq!(
        repo.count(&Default::default()).unwrap(),
        created.len() as i64
    );
    let values = |sql: &str| -> Vec<String> {
        use diesel::Connection;
        #[derive(diesel::QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::Text)]
            value: String,
        }
        let mut conn = diesel::SqliteConnection::establish(moved.to_str().unwrap()).unwrap();
        diesel::RunQueryDsl::load::<Row>(diesel::sql_query(sql), &mut conn)
            .unwrap()
            .into_iter()
            .map(|row| row.value)
            .collect()
    };
    assert_eq!(
        values("SELECT integrity_check AS value FROM pragma_integrity_check"),
        ["ok"]
    );
    assert!(values("SELECT name AS value FROM profile_deferred_indexes").is_empty());
    let ids = values("SELECT CAST(id AS TEXT) AS value FROM profiles ORDER BY id");
    assert_eq!(ids, created);
}

/// A seed that fills the disk says how many profiles it stored before (each batch commits before
/// the next), and exactly those are in the database.
#[test]
fn a_seed_that_fills_the_disk_says_what_it_stored() {
    let Some(tmpfs) = Tmpfs::mount_or_skip("40m") else {
        return;
    };
    let path = migrated_file(tmpfs.dir.path());
    let out = Command::new(env!("CARGO_BIN_EXE_profile-console"))
        .env_remove("RUST_BACKTRACE")
        .args([
            "--database-url",
            path.to_str().unwrap(),
            "seed",
            "--count",
            "1000000",
        ])
        .output()
        .unwrap();
    let (stdout, _) = stopped_by_the_full_disk(&out);
    let stored: i64 = stdout
        .strip_prefix("stopped: inserted ")
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("how many were stored: {stdout}"));
    assert!(stored > 0 && stored < 1_000_000, "{stdout}");
    let files = tempfile::tempdir().unwrap();
    let moved = copy_out(&path, files.path());
    let mut repo = Repository::open(DatabaseTarget::sqlite(&moved)).unwrap();
    assert_eq!(repo.count(&Default::default()).unwrap(), stored);
}

/// A new database on a full disk cannot be set up: the error says the disk is full (SQLite
/// reports it as "disk I/O error" as often as "disk is full"), and exits 1.
#[test]
fn a_database_set_up_on_a_full_disk_says_the_disk_is_full() {
    let Some(tmpfs) = Tmpfs::mount_or_skip("1m") else {
        return;
    };
    // Leave under 24 KB (tmpfs allocates on write: write the zeros).
    let mut filler = std::fs::File::create(tmpfs.dir.path().join("filler")).unwrap();
    let block = vec![0u8; 4096];
    while profile_console::db::free_bytes(tmpfs.dir.path()).unwrap() > 24 * 1024 {
        std::io::Write::write_all(&mut filler, &block).unwrap();
    }
    let path = tmpfs.dir.path().join("new.db");
    let out = Command::new(env!("CARGO_BIN_EXE_profile-console"))
        .env_remove("RUST_BACKTRACE")
        .args(["--database-url", path.to_str().unwrap(), "info"])
        .output()
        .unwrap();
    stopped_by_the_full_disk(&out);
}

/// An export that fills the disk says so in one sentence naming the file, exits 1, and leaves
/// the file of that name as it was, with nothing of the export beside it.
#[test]
fn an_export_that_fills_the_disk_leaves_the_old_file_as_it_was() {
    let Some(tmpfs) = Tmpfs::mount_or_skip("1m") else {
        return;
    };
    let files = tempfile::tempdir().unwrap();
    let db = files.path().join("source.db");
    let mut repo = Repository::open(DatabaseTarget::sqlite(&db)).unwrap();
    repo.seed(20_000, |_| {}).unwrap();
    let target = tmpfs.dir.path().join("all.csv");
    std::fs::write(&target, "the old export\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_profile-console"))
        .env_remove("RUST_BACKTRACE")
        .args(["--database-url", db.to_str().unwrap(), "export"])
        .arg(&target)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(
        stderr.trim(),
        format!(
            "error: cannot write to {}: the disk is full; nothing was written to it",
            target.display()
        )
    );
    assert_eq!(
        std::fs::read_to_string(&target).unwrap(),
        "the old export\n"
    );
    let left: Vec<_> = std::fs::read_dir(tmpfs.dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert_eq!(left, ["all.csv"]);
}

/// An import whose report fills the disk stops one batch on, not at the end: it says which file
/// and why, the rows it reports stored are stored, and a re-run goes on from there.
#[test]
fn an_import_whose_report_fills_the_disk_stops_at_the_next_batch() {
    let Some(tmpfs) = Tmpfs::mount_or_skip("64k") else {
        return;
    };
    let files = tempfile::tempdir().unwrap();
    let db = files.path().join("target.db");
    let input = files.path().join("in.csv");
    let mut text = String::from("first_name,last_name,gender,age\n");
    for n in 0..20_000 {
        text.push_str(&format!("Report{n},Full,F,{}\n", n % 100));
    }
    std::fs::write(&input, text).unwrap();
    let report = tmpfs.dir.path().join("report.csv");
    let import = || {
        Command::new(env!("CARGO_BIN_EXE_profile-console"))
            .env_remove("RUST_BACKTRACE")
            .args(["--database-url", db.to_str().unwrap(), "import"])
            .arg(&input)
            .args(["--batch-size", "500", "--report"])
            .arg(&report)
            .output()
            .unwrap()
    };
    let out = import();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stderr.contains(&format!(
            "error: cannot write to {}: the disk is full",
            report.display()
        )),
        "{stderr}"
    );
    // 64 KiB holds about 3,000 report lines: the import stopped long before the end.
    let stored = Repository::open(DatabaseTarget::sqlite(&db))
        .unwrap()
        .count(&ProfileFilter::default())
        .unwrap();
    assert!((500..10_000).contains(&stored), "{stored} stored; {stdout}");
    assert!(stdout.contains(" created; those are stored"), "{stdout}");

    // Room again: the re-run finishes the job.
    drop(tmpfs);
    let report_dir = tempfile::tempdir().unwrap();
    let report = report_dir.path().join("report.csv");
    let out = Command::new(env!("CARGO_BIN_EXE_profile-console"))
        .env_remove("RUST_BACKTRACE")
        .args(["--database-url", db.to_str().unwrap(), "import"])
        .arg(&input)
        .arg("--report")
        .arg(&report)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let stored = Repository::open(DatabaseTarget::sqlite(&db))
        .unwrap()
        .count(&ProfileFilter::default())
        .unwrap();
    assert_eq!(stored, 20_000);
}

/// A SQLite file deleted, renamed or replaced while a connection has it open: SQLite (in WAL
/// mode) would go on committing to the old file, which no one can open again. The write is
/// refused and rolled back instead, and the next operation opens the path afresh.
#[test]
fn a_write_to_a_file_deleted_or_replaced_while_open_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("profiles.db");
    let argo = goc(
        &[("first_name", "Argo"), ("last_name", "Saha")],
        &[("gender", "M"), ("age", "10")],
    );
    let bo = goc(
        &[("first_name", "Bo"), ("last_name", "Lee")],
        &[("gender", "F"), ("age", "20")],
    );
    let gone = |err: profile_console::Error| {
        assert!(
            matches!(&err, profile_console::Error::FileGone { .. }),
            "{err}"
        );
        assert!(err.to_string().contains("deleted or replaced"), "{err}");
    };
    let mut repo = Repository::open(DatabaseTarget::sqlite(&path)).unwrap();
    repo.get_or_create(&argo).unwrap();

    // Renamed away (or deleted): refused, and nothing of it in the old file.
    let moved = dir.path().join("moved.db");
    for suffix in ["", "-wal", "-shm"] {
        let from = format!("{}{suffix}", path.display());
        let _ = std::fs::rename(&from, format!("{}{suffix}", moved.display()));
    }
    gone(repo.get_or_create(&bo).unwrap_err());
    let mut old = Repository::open(DatabaseTarget::sqlite(&moved)).unwrap();
    assert_eq!(old.count(&ProfileFilter::default()).unwrap(), 1);
    // The next operation opens the path again: a new database there.
    let (_, outcome) = repo.get_or_create(&bo).unwrap();
    assert_eq!(outcome, profile_console::domain::Outcome::Created);
    assert_eq!(repo.count(&ProfileFilter::default()).unwrap(), 1);

    // Replaced by a copy (a backup restored over it): refused too.
    drop(old);
    let copy = dir.path().join("copy.db");
    std::fs::copy(&moved, &copy).unwrap();
    std::fs::rename(&copy, &path).unwrap();
    let _ = std::fs::remove_file(format!("{}-wal", path.display()));
    let _ = std::fs::remove_file(format!("{}-shm", path.display()));
    let cy = goc(
        &[("first_name", "Cy"), ("last_name", "Moss")],
        &[("gender", "X"), ("age", "30")],
    );
    gone(repo.get_or_create(&cy).unwrap_err());
    let (row, outcome) = repo.get_or_create(&cy).unwrap();
    assert_eq!(
        outcome,
        profile_console::domain::Outcome::Created,
        "{row:?}"
    );
    // Into the restored file: Argo, from the backup, and Cy.
    assert_eq!(repo.count(&ProfileFilter::default()).unwrap(), 2);
}

/// Reads follow the path too: a SQLite file replaced while open (a backup restored over it) is
/// noticed within a second, and the next read shows the file now there, not the one replaced.
#[test]
fn reads_follow_a_file_replaced_while_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("profiles.db");
    let backup = dir.path().join("backup.db");
    let mut other = Repository::open(DatabaseTarget::sqlite(&backup)).unwrap();
    other
        .get_or_create(&goc(
            &[("first_name", "From"), ("last_name", "Backup")],
            &[("gender", "F"), ("age", "1")],
        ))
        .unwrap();
    drop(other);
    let mut repo = Repository::open(DatabaseTarget::sqlite(&path)).unwrap();
    assert_eq!(repo.count(&ProfileFilter::default()).unwrap(), 0);
    let copy = dir.path().join("copy.db");
    std::fs::copy(&backup, &copy).unwrap();
    std::fs::rename(&copy, &path).unwrap();
    let _ = std::fs::remove_file(format!("{}-wal", path.display()));
    let _ = std::fs::remove_file(format!("{}-shm", path.display()));
    std::thread::sleep(std::time::Duration::from_millis(1100));
    assert_eq!(repo.count(&ProfileFilter::default()).unwrap(), 1);
}
