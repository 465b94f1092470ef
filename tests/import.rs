//! `profile-console import`: every row's outcome exactly as the operation run row by row, every
//! format, bad input, dry runs, all-or-nothing, interruption and resumption, the round trip with
//! export, and a race with other writers, on every backend.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::AtomicBool;

use common::{TestDb, goc, uoc};
use profile_console::domain::Outcome;
use profile_console::repository::Repository;
use profile_console::transfer::Format;
use profile_console::transfer::import::{ImportOptions, Mode, Sinks, import};

fn console(data_home: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_profile-console"));
    command
        .env_remove("RUST_BACKTRACE")
        .env_remove("DATABASE_URL")
        .env("XDG_DATA_HOME", data_home);
    command
}

/// A scratch directory for the files of one test (and its checkpoints).
struct Files {
    dir: tempfile::TempDir,
}

impl Files {
    fn new() -> Files {
        Files {
            dir: tempfile::tempdir().expect("temporary directory"),
        }
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).expect("write the input");
        path
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).expect("read the output")
    }

    /// `profile-console --database-url DB ARGS`, run in this directory.
    fn command(&self, db: &TestDb, args: &[&str]) -> Command {
        let mut command = console(self.dir.path());
        command
            .arg("--database-url")
            .arg(db.url())
            .args(args)
            .current_dir(self.dir.path());
        command
    }

    fn run(&self, db: &TestDb, args: &[&str]) -> Output {
        self.command(db, args)
            .output()
            .expect("run profile-console")
    }
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn count(db: &TestDb, table: &str) -> i64 {
    db.values(&format!(
        "SELECT CAST(COUNT(*) AS CHAR(20)) AS value FROM {table}"
    ))[0]
        .trim()
        .parse()
        .expect("a count")
}

/// `line,outcome,id,details` rows of a CSV report, without the header.
fn report_rows(text: &str) -> Vec<Vec<String>> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    reader
        .records()
        .map(|record| {
            record
                .expect("a report row")
                .iter()
                .map(str::to_owned)
                .collect()
        })
        .collect()
}

fn profiles(db: &TestDb) -> Vec<String> {
    db.values(
        "SELECT CONCAT(first_name, '|', last_name, '|', gender, '|', age) AS value \
         FROM profiles ORDER BY id",
    )
}

const PEOPLE: &str = "first_name,last_name,gender,age
Argo,Saha,M,10
Bea,Lind,F,30
Argo,Saha,F,11
Old,Timer,M,70
";

fn get_or_create_outcomes_row_by_row(db: &TestDb) {
    let files = Files::new();
    let mut repo = db.repo();
    let (old, _) = repo
        .get_or_create(&goc(
            &[("first_name", "Old"), ("last_name", "Timer")],
            &[("gender", "F"), ("age", "60")],
        ))
        .unwrap();
    files.write("people.csv", PEOPLE);
    let out = files.run(db, &["import", "people.csv", "--report", "report.csv"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("4 rows in") && stdout(&out).contains("2 created, 2 fetched"),
        "{}",
        stdout(&out)
    );
    let rows = report_rows(&files.read("report.csv"));
    let outcomes: Vec<(&str, &str)> = rows
        .iter()
        .map(|row| (row[0].as_str(), row[1].as_str()))
        .collect();
    assert_eq!(
        outcomes,
        [
            ("2", "created"),
            ("3", "created"),
            ("4", "fetched"),
            ("5", "fetched")
        ]
    );
    // The in-file duplicate is the row the first one created; the existing row kept its values.
    assert_eq!(rows[0][2], rows[2][2]);
    assert_eq!(rows[3][2], old.id.to_string());
    assert_eq!(
        profiles(db),
        ["Old|Timer|F|60", "Argo|Saha|M|10", "Bea|Lind|F|30"]
    );
    // Every write is journaled, as an import.
    assert_eq!(
        db.values("SELECT source AS value FROM profile_changes ORDER BY id"),
        ["cli", "import", "import"]
    );
    // Again: everything is fetched, nothing written.
    let again = files.run(db, &["import", "people.csv"]);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert!(stdout(&again).contains("4 fetched"), "{}", stdout(&again));
    assert_eq!(count(db, "profile_changes"), 3);
}

/// New rows take ids in file order, after every id the table ever gave out (a deleted row's id
/// is never given again), whatever order they are written in.
fn ids_follow_the_file_and_are_never_reused(db: &TestDb) {
    let files = Files::new();
    let mut repo = db.repo();
    let (gone, _) = repo
        .get_or_create(&goc(
            &[("first_name", "Gone"), ("last_name", "Soon")],
            &[("gender", "F"), ("age", "60")],
        ))
        .unwrap();
    repo.delete(gone.id).unwrap();
    files.write(
        "people.csv",
        "first_name,last_name,gender,age\nZoe,Zed,F,1\nAda,Byron,F,2\nMia,Moss,F,3\n",
    );
    let out = files.run(db, &["import", "people.csv", "--report", "report.csv"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let ids: Vec<i64> = report_rows(&files.read("report.csv"))
        .iter()
        .map(|row| row[2].parse().unwrap())
        .collect();
    assert!(ids[0] > gone.id, "{ids:?} reuses #{}", gone.id);
    assert!(ids.windows(2).all(|pair| pair[0] < pair[1]), "{ids:?}");
    let stored: Vec<String> =
        db.values("SELECT CONCAT(id, ' ', first_name) AS value FROM profiles ORDER BY id");
    assert_eq!(
        stored,
        [
            format!("{} Zoe", ids[0]),
            format!("{} Ada", ids[1]),
            format!("{} Mia", ids[2])
        ]
    );
    // The journal has them in id order too.
    assert_eq!(
        db.values(
            "SELECT CAST(profile_id AS CHAR) AS value FROM profile_changes \
             WHERE action = 'created' AND source = 'import' ORDER BY id"
        ),
        ids.iter().map(i64::to_string).collect::<Vec<_>>()
    );
}

fn update_or_create_reports_each_change(db: &TestDb) {
    let files = Files::new();
    files.write("people.csv", PEOPLE);
    let out = files.run(
        db,
        &[
            "import",
            "people.csv",
            "--mode",
            "update-or-create",
            "--report",
            "report.jsonl",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let lines: Vec<serde_json::Value> = files
        .read("report.jsonl")
        .lines()
        .map(|line| serde_json::from_str(line).expect("JSON"))
        .collect();
    let outcomes: Vec<&str> = lines
        .iter()
        .map(|line| line["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["created", "created", "updated", "created"]);
    assert_eq!(
        lines[2]["changes"],
        serde_json::json!([
            {"field": "gender", "old": "M", "new": "F"},
            {"field": "age", "old": 10, "new": 11}
        ])
    );
    assert_eq!(
        profiles(db),
        ["Argo|Saha|F|11", "Bea|Lind|F|30", "Old|Timer|M|70"]
    );
    // The journal holds the create and the update, in that order, as run one by one.
    assert_eq!(
        db.values(
            "SELECT action AS value FROM profile_changes WHERE new_first_name = 'Argo' ORDER BY id"
        ),
        ["created", "updated"]
    );

    // Create-only columns: a found row gets only the defaults.
    files.write(
        "ages.csv",
        "first_name,last_name,gender,age\nBea,Lind,M,31\nNew,Comer,X,5\n",
    );
    let out = files.run(
        db,
        &[
            "import",
            "ages.csv",
            "--mode",
            "update-or-create",
            "--create-default-columns",
            "gender",
            "--report",
            "r.csv",
        ],
    );
    // New Comer cannot be created: create-defaults replace the defaults, so age has no value.
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let rows = report_rows(&files.read("r.csv"));
    assert_eq!(
        (rows[0][1].as_str(), rows[0][3].as_str()),
        ("updated", "age 30 → 31")
    );
    assert_eq!(rows[1][1], "rejected");
    assert!(rows[1][3].contains("age"), "{:?}", rows[1]);
    assert!(profiles(db).contains(&"Bea|Lind|F|31".to_owned()));
}

fn invalid_rows_are_rejected_alone_and_can_be_fixed(db: &TestDb) {
    let files = Files::new();
    db.repo()
        .get_or_create(&goc(
            &[("first_name", "Taken"), ("last_name", "Name")],
            &[("gender", "M"), ("age", "40")],
        ))
        .unwrap();
    let input = "first_name,last_name,gender,age\n\
        Good,One,F,20\n\
        ,Nofirst,F,20\n\
        Bad,Age,F,abc\n\
        Too,Old,F,151\n\
        Long,Gender,FF,20\n\
        Ctrl,\"A\u{7}B\",M,20\n\
        Bidi,\"X\u{202e}Y\",M,20\n\
        No,Values,,\n\
        Short,Row\n\
        \"   \",Blank,M,3\n\
        Good,Two,M,21\n";
    files.write("in.csv", input);
    let out = files.run(
        db,
        &[
            "import",
            "in.csv",
            "--report",
            "report.csv",
            "--rejects",
            "rejects.csv",
        ],
    );
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("2 created") && stdout(&out).contains("9 rejected"),
        "{}",
        stdout(&out)
    );
    assert!(
        stderr(&out).contains("line 4: rejected: age"),
        "{}",
        stderr(&out)
    );
    let rows = report_rows(&files.read("report.csv"));
    assert_eq!(rows.len(), 11);
    let rejected: Vec<&str> = rows
        .iter()
        .filter(|row| row[1] == "rejected")
        .map(|row| row[0].as_str())
        .collect();
    assert_eq!(rejected, ["3", "4", "5", "6", "7", "8", "9", "10", "11"]);
    assert!(
        rows.iter()
            .filter(|row| row[1] == "rejected")
            .all(|row| !row[3].is_empty() && row[2].is_empty())
    );
    assert_eq!(count(db, "profiles"), 3);
    // The rejects file is the rejected rows, as CSV with the header: fixed, it imports.
    let rejects = files.read("rejects.csv");
    assert!(
        rejects.starts_with("first_name,last_name,gender,age\n"),
        "{rejects}"
    );
    assert_eq!(
        csv::Reader::from_reader(rejects.as_bytes())
            .records()
            .count(),
        9
    );
    let fixed = "first_name,last_name,gender,age\nBad,Age,F,33\n";
    files.write("fixed.csv", fixed);
    assert_eq!(
        files.run(db, &["import", "fixed.csv"]).status.code(),
        Some(0)
    );

    // A name taken by a row the lookup does not match; a lookup matching several rows.
    files.write(
        "lookups.csv",
        "first_name,last_name,gender,age\nTaken,Name,F,40\n",
    );
    let out = files.run(
        db,
        &[
            "import",
            "lookups.csv",
            "--lookup",
            "first_name,last_name,gender",
            "--report",
            "r.csv",
        ],
    );
    assert_eq!(out.status.code(), Some(4));
    let rows = report_rows(&files.read("r.csv"));
    assert!(
        rows[0][3].contains("conflicts with #1 Taken Name"),
        "{:?}",
        rows[0]
    );
    files.write("several.csv", "gender,age\nF,20\n");
    db.repo()
        .get_or_create(&goc(
            &[("first_name", "Twin"), ("last_name", "A")],
            &[("gender", "F"), ("age", "20")],
        ))
        .unwrap();
    let out = files.run(
        db,
        &[
            "import",
            "several.csv",
            "--lookup",
            "gender,age",
            "--report",
            "r2.csv",
        ],
    );
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let rows = report_rows(&files.read("r2.csv"));
    assert!(rows[0][3].contains("2 profiles match"), "{:?}", rows[0]);
}

fn bad_files_and_options_write_nothing(db: &TestDb) {
    let files = Files::new();
    for (name, text, says) in [
        (
            "unknown.csv",
            "first_name,last_name,colour\nA,B,red\n",
            "\"colour\", which is not a column",
        ),
        (
            "twice.csv",
            "first_name,last_name,age,age\nA,B,1,2\n",
            "age twice",
        ),
        ("nolast.csv", "first_name,age\nA,1\n", "no last_name column"),
        ("empty.csv", "", "no header row"),
        (
            "semicolons.csv",
            "first_name;last_name;gender;age\nA;B;F;1\n",
            "seems separated by ';'",
        ),
        (
            "broken.json",
            "[{\"first_name\": \"A\"",
            "ends inside an element",
        ),
        ("notarray.json", "{\"first_name\": \"A\"}", "one array"),
    ] {
        files.write(name, text);
        let out = files.run(db, &["import", name]);
        assert_eq!(out.status.code(), Some(2), "{name}: {}", stderr(&out));
        assert!(stderr(&out).contains(says), "{name}: {}", stderr(&out));
        assert_eq!(stderr(&out).lines().count(), 1, "{name}: {}", stderr(&out));
    }
    files.write("ok.csv", PEOPLE);
    for args in [
        &["import", "missing.csv"][..],
        &["import", "ok.txt"],
        &["import", "ok.csv", "--lookup", "colour"],
        &["import", "ok.csv", "--create-default-columns", "age"],
        &[
            "import",
            "ok.csv",
            "--mode",
            "update-or-create",
            "--create-default-columns",
            "first_name",
        ],
        &["import", "ok.csv", "--mode", "sideways"],
        // An export named for a format the tool does not write is not written as CSV.
        &["export", "view.xml"],
    ] {
        let out = files.run(db, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
    }
    assert_eq!(count(db, "profiles"), 0);
    assert!(!files.path("view.xml").exists());
}

fn every_format_and_line_ending(db: &TestDb) {
    let files = Files::new();
    files.write(
        "bom.csv",
        "\u{feff}first_name,last_name,gender,age\r\n\"Ann, Jr\",\"Lee \"\"Li\"\"\",F,40\n\"Line\nBreak\",X,M,1\r\nBo,Ek,M,9\r\n",
    );
    files.write(
        "people.json",
        "\u{feff}[\n  {\"first_name\": \"Cy\", \"last_name\": \"Do\", \"gender\": \"M\", \"age\": 5},\r\n  {\"first_name\": \"Ann, Jr\", \"last_name\": \"Lee \\\"Li\\\"\", \"gender\": \"F\", \"age\": \"40\"},\n  {\"first_name\": \"Ed\", \"age\": 1}\n]\n",
    );
    files.write(
        "people.jsonl",
        "{\"first_name\": \"Di\", \"last_name\": \"Fo\", \"gender\": \"F\", \"age\": 7}\r\n\n{\"first_name\": \"Bo\", \"last_name\": \"Ek\", \"gender\": null, \"id\": 99}\nnot json\n",
    );
    let out = files.run(
        db,
        &[
            "import",
            "bom.csv",
            "--report",
            "bom-report.csv",
            "--rejects",
            "bom-rejects.csv",
        ],
    );
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    // The name with a line break is refused (a control character), and the line numbers count
    // the line inside its quotes.
    let lines: Vec<(String, String)> = report_rows(&files.read("bom-report.csv"))
        .into_iter()
        .map(|row| (row[0].clone(), row[1].clone()))
        .collect();
    assert_eq!(
        lines,
        [
            ("2".into(), "created".into()),
            ("3".into(), "rejected".into()),
            ("5".into(), "created".into())
        ]
    );
    assert_eq!(
        files.read("bom-rejects.csv"),
        "first_name,last_name,gender,age\n\"Line\nBreak\",X,M,1\n"
    );
    let out = files.run(db, &["import", "people.json", "--rejects", "bad.json"]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("1 created, 1 fetched, 1 rejected"),
        "{}",
        stdout(&out)
    );
    let bad: serde_json::Value =
        serde_json::from_str(&files.read("bad.json")).expect("a JSON array");
    assert_eq!(bad, serde_json::json!([{"first_name": "Ed", "age": 1}]));
    let out = files.run(
        db,
        &[
            "import",
            "people.jsonl",
            "--rejects",
            "bad.jsonl",
            "--report",
            "r.csv",
        ],
    );
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert_eq!(files.read("bad.jsonl"), "not json\n");
    let lines: Vec<String> = report_rows(&files.read("r.csv"))
        .into_iter()
        .map(|row| row[0].clone())
        .collect();
    assert_eq!(lines, ["1", "3", "4"]);
    // Columns titled as a spreadsheet titles them.
    files.write("titled.csv", "First Name,last-name,GENDER,Age\nTi,Tu,F,2\n");
    let out = files.run(db, &["import", "titled.csv"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // From standard input, the format given.
    let mut child = console(files.dir.path())
        .args([
            "--database-url",
            &db.url(),
            "import",
            "-",
            "--format",
            "jsonl",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    std::io::Write::write_all(
        child.stdin.as_mut().expect("stdin"),
        b"{\"first_name\": \"Pi\", \"last_name\": \"Pe\", \"gender\": \"X\", \"age\": 3}\n",
    )
    .expect("write stdin");
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(
        profiles(db),
        [
            "Ann, Jr|Lee \"Li\"|F|40",
            "Bo|Ek|M|9",
            "Cy|Do|M|5",
            "Di|Fo|F|7",
            "Ti|Tu|F|2",
            "Pi|Pe|X|3"
        ]
    );
}

fn dry_run_and_all_or_nothing_write_nothing(db: &TestDb) {
    let files = Files::new();
    files.write("people.csv", PEOPLE);
    let dry = files.run(
        db,
        &[
            "import",
            "people.csv",
            "--mode",
            "update-or-create",
            "--dry-run",
            "--report",
            "dry.csv",
        ],
    );
    assert_eq!(dry.status.code(), Some(0), "{}", stderr(&dry));
    assert!(
        stdout(&dry).starts_with("dry run, nothing written"),
        "{}",
        stdout(&dry)
    );
    assert_eq!(
        (count(db, "profiles"), count(db, "profile_changes")),
        (0, 0)
    );
    let real = files.run(
        db,
        &[
            "import",
            "people.csv",
            "--mode",
            "update-or-create",
            "--report",
            "real.csv",
        ],
    );
    assert_eq!(real.status.code(), Some(0));
    let outcomes = |name: &str| -> Vec<String> {
        report_rows(&files.read(name))
            .into_iter()
            .map(|row| format!("{} {} {}", row[0], row[1], row[3]))
            .collect()
    };
    assert_eq!(outcomes("dry.csv"), outcomes("real.csv"));

    files.write(
        "mixed.csv",
        "first_name,last_name,gender,age\nNew,One,F,1\nBad,Row,F,-1\n",
    );
    let out = files.run(db, &["import", "mixed.csv", "--all-or-nothing"]);
    assert_eq!(out.status.code(), Some(4));
    assert!(
        stdout(&out).starts_with("nothing written"),
        "{}",
        stdout(&out)
    );
    assert_eq!(count(db, "profiles"), 3);
    files.write(
        "clean.csv",
        "first_name,last_name,gender,age\nNew,One,F,1\n",
    );
    let out = files.run(db, &["import", "clean.csv", "--all-or-nothing"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(count(db, "profiles"), 4);
}

/// Imports `text` (in memory) into `repo`, never interrupted: the summary and the failure.
fn import_text(
    repo: &mut Repository,
    text: String,
    options: &ImportOptions,
    sinks: Sinks<'_>,
) -> (
    profile_console::transfer::import::ImportSummary,
    Option<profile_console::transfer::import::ImportError>,
) {
    import(
        repo,
        Box::new(std::io::Cursor::new(text)),
        options,
        sinks,
        &AtomicBool::new(false),
    )
}

/// A CSV of `rows` new profiles: first names `{first}0`, `{first}1`, …, all with last name
/// `last`, ages counting up to `ages` and round again.
fn numbered_csv(first: &str, last: &str, rows: i64, ages: i64) -> String {
    let mut text = String::from("first_name,last_name,gender,age\n");
    for n in 0..rows {
        text.push_str(&format!("{first}{n},{last},F,{}\n", n % ages));
    }
    text
}

/// The command stopped on the interruption: exit status 130.
fn assert_interrupted(out: &Output) {
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}{}",
        stdout(out),
        stderr(out)
    );
}

/// Runs `profile-console ARGS` in the files' folder, sends it SIGINT once the database holds at
/// least `rows` profiles, and returns what it printed.
fn interrupt_once_stored(db: &TestDb, files: &Files, args: &[&str], rows: i64) -> Output {
    // The database exists (migrated) before the import starts.
    let mut repo = db.repo();
    let mut child = files
        .command(db, args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let started = std::time::Instant::now();
    while repo.count(&Default::default()).unwrap_or(0) < rows {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("the import ended ({status}) before it was interrupted");
        }
        assert!(started.elapsed().as_secs() < 120, "nothing was ever stored");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // SAFETY: sending a signal to our own child process.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGINT);
    }
    child.wait_with_output().expect("wait")
}

fn interrupted_import_resumes_without_writing_twice(db: &TestDb) {
    let files = Files::new();
    let rows = 4_000;
    let text = numbered_csv("Name", "Resume", rows, 100);
    files.write("big.csv", &text);
    let args = [
        "import",
        "big.csv",
        "--mode",
        "update-or-create",
        "--batch-size",
        "1",
    ];
    let out = interrupt_once_stored(db, &files, &args, 20);
    let done = count(db, "profiles");
    assert_interrupted(&out);
    assert!(done < rows, "the import finished before the interruption");
    assert!(
        stdout(&out).contains("interrupted after line"),
        "{}",
        stdout(&out)
    );

    let again = files.run(db, &args);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert!(
        stdout(&again).contains(&format!("{} unchanged", thousands(done))),
        "{done} done before: {}",
        stdout(&again)
    );
    assert_eq!(count(db, "profiles"), rows);
    // Each row written once: one journal entry each.
    assert_eq!(count(db, "profile_changes"), rows);
    // A third run finds everything done: the checkpoint was cleared.
    let third = files.run(db, &args);
    assert!(
        stdout(&third).contains(&format!("{} unchanged", thousands(rows))),
        "{}",
        stdout(&third)
    );
}

/// A fresh, empty database on `db`'s backend.
fn another_like(db: &TestDb) -> TestDb {
    match db.target {
        profile_console::db::DatabaseTarget::Sqlite(_) => TestDb::sqlite(),
        profile_console::db::DatabaseTarget::Postgres(_) => TestDb::postgres().expect("server"),
        profile_console::db::DatabaseTarget::Mysql(_) => TestDb::mysql().expect("server"),
    }
}

fn thousands(n: i64) -> String {
    profile_console::transfer::import::thousands(n.unsigned_abs())
}

fn export_then_import_reproduces_every_row(db: &TestDb) {
    let files = Files::new();
    let mut repo = db.repo();
    repo.seed(500, |_| {}).unwrap();
    for format in ["csv", "json", "jsonl"] {
        let name = format!("all.{format}");
        let out = files.run(db, &["export", &name]);
        assert!(out.status.success(), "{}", stderr(&out));
        let copy = another_like(db);
        let out = files.run(&copy, &["import", &name]);
        assert_eq!(out.status.code(), Some(0), "{format}: {}", stderr(&out));
        assert!(stdout(&out).contains("500 created"), "{}", stdout(&out));
        let sorted = |db: &TestDb| {
            let mut rows = profiles(db);
            rows.sort();
            rows
        };
        assert_eq!(sorted(&copy), sorted(db), "{format}");
    }
}

/// The import's outcomes are those of running each row through the repository one by one, for
/// lookups by name (the set-based path) and others (row by row), at any batch size.
fn batches_give_the_outcomes_of_one_row_at_a_time(db: &TestDb) {
    let names = ["Ana", "Bo", "Cy"];
    let mut rows = Vec::new();
    for n in 0..60u32 {
        let first = names[(n * 7 % 3) as usize];
        let last = names[(n * 5 % 3) as usize];
        let gender = ["F", "M", "X", ""][(n % 4) as usize];
        let age = if n % 9 == 0 {
            String::from("x")
        } else {
            (n % 5).to_string()
        };
        rows.push([first.to_owned(), last.to_owned(), gender.to_owned(), age]);
    }
    for (mode, lookup) in [
        (Mode::GetOrCreate, "first_name,last_name"),
        (Mode::UpdateOrCreate, "first_name,last_name"),
        (Mode::GetOrCreate, "first_name,last_name,gender"),
        (Mode::UpdateOrCreate, "first_name"),
        (Mode::GetOrCreate, "gender,age"),
    ] {
        let fresh = || another_like(db);
        let one_by_one = fresh();
        let mut repo = one_by_one.repo();
        let lookup_columns: Vec<&str> = lookup.split(',').collect();
        let expected: Vec<String> = rows
            .iter()
            .map(|row| {
                if let Some(empty) = ["first_name", "last_name", "gender", "age"]
                    .into_iter()
                    .zip(row.iter())
                    .find(|(column, value)| value.is_empty() && lookup_columns.contains(column))
                {
                    return format!("rejected: {} is empty, and it is a lookup column", empty.0);
                }
                let pairs: Vec<(&str, &str)> = ["first_name", "last_name", "gender", "age"]
                    .into_iter()
                    .zip(row.iter().map(String::as_str))
                    .filter(|(_, value)| !value.is_empty())
                    .collect();
                let (lookup, defaults): (Vec<_>, Vec<_>) = pairs
                    .into_iter()
                    .partition(|(column, _)| lookup_columns.contains(column));
                let done = match mode {
                    Mode::GetOrCreate => {
                        profile_console::domain::GetOrCreate::parse(&lookup, &defaults)
                            .map_err(profile_console::Error::from)
                            .and_then(|request| repo.get_or_create(&request))
                    }
                    Mode::UpdateOrCreate => {
                        profile_console::domain::UpdateOrCreate::parse(&lookup, &defaults, None)
                            .map_err(profile_console::Error::from)
                            .and_then(|request| repo.update_or_create(&request))
                    }
                };
                describe(done.map_err(|err| err.to_string()))
            })
            .collect();
        for batch_rows in [1, 7, 1000] {
            let batched = fresh();
            let mut repo = batched.repo();
            let mut csv_text = String::from("first_name,last_name,gender,age\n");
            for row in &rows {
                csv_text.push_str(&row.join(","));
                csv_text.push('\n');
            }
            let mut options = ImportOptions::new(Format::Csv);
            options.mode = mode;
            options.lookup = lookup_columns.iter().map(|c| (*c).to_owned()).collect();
            options.batch_rows = Some(batch_rows);
            let mut got = Vec::new();
            let sinks = Sinks {
                on_row: Some(Box::new(
                    |row: &profile_console::transfer::import::RowReport<'_>| {
                        got.push(describe(row.result.clone()));
                    },
                )),
                ..Sinks::default()
            };
            let (_, failure) = import_text(&mut repo, csv_text, &options, sinks);
            assert!(failure.is_none(), "{failure:?}");
            assert_eq!(got, expected, "{mode:?} by {lookup}, {batch_rows} a batch");
            assert_eq!(
                profiles(&batched),
                profiles(&one_by_one),
                "{mode:?} by {lookup}"
            );
        }
    }
}

/// An outcome in words, without ids (a failed insert may use up an id on one path and not on
/// the other).
fn describe(result: Result<(profile_console::domain::Profile, Outcome), String>) -> String {
    let text = match result {
        Ok((profile, outcome)) => format!("{} {}", outcome.name(), outcome.describe(&profile)),
        Err(reason) => format!("rejected: {reason}"),
    };
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '#' {
            while chars.peek().is_some_and(char::is_ascii_digit) {
                chars.next();
            }
        }
    }
    out
}

/// An import and other writers on the same names at once: each name is created exactly once,
/// and every outcome says so truthfully.
fn import_races_other_writers_safely(db: &TestDb) {
    let keys = 300;
    let text = numbered_csv("Racer", "Import", i64::try_from(keys).unwrap(), 90);
    let mut others: Vec<Repository> = (0..4).map(|_| db.repo()).collect();
    let mut importer = db.repo();
    let created = std::sync::atomic::AtomicUsize::new(0);
    let barrier = std::sync::Barrier::new(others.len() + 1);
    std::thread::scope(|scope| {
        let (created, barrier) = (&created, &barrier);
        for (thread, repo) in others.iter_mut().enumerate() {
            scope.spawn(move || {
                barrier.wait();
                for step in 0..keys {
                    let n = (step * 7 + thread * 31) % keys;
                    let first = format!("Racer{n}");
                    let request = if thread % 2 == 0 {
                        let (_, outcome) = repo
                            .get_or_create(&goc(
                                &[("first_name", &first), ("last_name", "Import")],
                                &[("gender", "M"), ("age", "1")],
                            ))
                            .expect("get_or_create");
                        outcome
                    } else {
                        let (_, outcome) = repo
                            .update_or_create(&uoc(
                                &[("first_name", &first), ("last_name", "Import")],
                                &[("age", "2")],
                                Some(&[("gender", "M"), ("age", "2")]),
                            ))
                            .expect("update_or_create");
                        outcome
                    };
                    if request == Outcome::Created {
                        created.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                }
            });
        }
        scope.spawn(move || {
            let mut options = ImportOptions::new(Format::Csv);
            options.mode = Mode::UpdateOrCreate;
            options.batch_rows = Some(25);
            let sinks = Sinks {
                on_row: Some(Box::new(
                    |row: &profile_console::transfer::import::RowReport<'_>| match row.result {
                        Ok((_, Outcome::Created)) => {
                            created.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        }
                        Ok(_) => {}
                        Err(reason) => panic!("line {}: {reason}", row.line),
                    },
                )),
                ..Sinks::default()
            };
            barrier.wait();
            let (summary, failure) = import_text(&mut importer, text, &options, sinks);
            assert!(failure.is_none(), "{failure:?}");
            assert_eq!(summary.rows, keys as u64);
        });
    });
    assert_eq!(created.into_inner(), keys, "each name created exactly once");
    assert_eq!(count(db, "profiles"), keys as i64);
    let per_name: HashMap<String, usize> = db
        .values("SELECT first_name AS value FROM profiles")
        .into_iter()
        .fold(HashMap::new(), |mut seen, name| {
            *seen.entry(name).or_default() += 1;
            seen
        });
    assert!(per_name.values().all(|n| *n == 1));
}

/// Imported rows carry the folded names the database gives rows written one by one (on MySQL the
/// import hands them over itself), their names are found by search, and a row written after an
/// import on the same connection is folded and found as before.
fn imported_rows_are_folded_and_found_like_any_other(db: &TestDb) {
    use profile_console::domain::{PageRequest, ProfileFilter, fold};
    let mut repo = db.repo();
    let firsts = [
        "Ẽlvira",
        "Łukasz",
        "Ångström",
        "Zoë",
        "Þórr",
        "Straße",
        "Ǆemal",
        "Anna",
    ];
    let mut csv_text = String::from("first_name,last_name,gender,age\n");
    let mut names = Vec::new();
    for (at, first) in firsts.iter().enumerate() {
        for n in 0..30 {
            let last = format!("Ñandú{n}") + &"ö".repeat(at);
            csv_text.push_str(&format!("{first},{last},F,{n}\n"));
            names.push((first.to_string(), last));
        }
    }
    let (summary, failure) = import_text(
        &mut repo,
        csv_text,
        &ImportOptions::new(Format::Csv),
        Sinks::default(),
    );
    assert!(failure.is_none(), "{failure:?}");
    assert_eq!(summary.created, names.len() as u64);
    let keys =
        db.values("SELECT CONCAT(first_key, '|', last_key) AS value FROM profiles ORDER BY id");
    let expected: Vec<String> = names
        .iter()
        .map(|(first, last)| format!("{}|{}", fold(first), fold(last)))
        .collect();
    assert_eq!(keys, expected);
    let found = |repo: &mut Repository, term: &str| -> usize {
        repo.page(&PageRequest {
            filter: ProfileFilter {
                search: Some(term.into()),
                ..ProfileFilter::default()
            },
            limit: 1000,
            ..PageRequest::default()
        })
        .unwrap()
        .len()
    };
    assert_eq!(found(&mut repo, "LVIR"), 30);
    assert_eq!(found(&mut repo, "strom"), 30);
    assert_eq!(found(&mut repo, "nandu"), names.len());
    // Written after the import, on the same connection: folded and found by the database's own
    // triggers.
    repo.get_or_create(&goc(
        &[("first_name", "Ìvo"), ("last_name", "Qüerty")],
        &[("gender", "M"), ("age", "3")],
    ))
    .unwrap();
    assert_eq!(found(&mut repo, "querty"), 1);
    assert_eq!(
        db.values("SELECT CONCAT(first_key, '|', last_key) AS value FROM profiles WHERE first_name = 'Ìvo'"),
        ["ivo|querty"]
    );
}

/// SQLite's default import commits several batches together (`bulk::SQLITE_GROUP_ROWS`): an
/// interruption still keeps exactly what was reported, and the re-run finishes the rest, each
/// row written once.
#[test]
fn an_interrupted_import_in_commit_groups_resumes_without_writing_twice() {
    let db = TestDb::sqlite();
    let files = Files::new();
    let rows = 150_000;
    let text = numbered_csv("Group", "Resume", rows, 100);
    files.write("big.csv", &text);
    let args = ["import", "big.csv"];
    let out = interrupt_once_stored(&db, &files, &args, 1);
    assert_interrupted(&out);
    let done = count(&db, "profiles");
    assert!(done < rows, "the import finished before the interruption");
    // What it says it stored is what is stored.
    assert!(
        stdout(&out).contains(&format!("{} created", thousands(done))),
        "{done} stored: {}",
        stdout(&out)
    );
    let again = files.run(&db, &args);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert!(
        stdout(&again).contains(&format!("{} fetched", thousands(done))),
        "{done} done before: {}",
        stdout(&again)
    );
    assert_eq!(count(&db, "profiles"), rows);
    assert_eq!(count(&db, "profile_changes"), rows);
    // The indexes the load into an empty table put off were built, interrupted or not.
    assert_eq!(count(&db, "profile_deferred_indexes"), 0);
    assert_eq!(
        db.values("SELECT integrity_check AS value FROM pragma_integrity_check"),
        ["ok"]
    );
}

/// An import into an empty table reads back only the names it has created
/// (`repository::load_memory`): a name it created in an earlier batch is still fetched when the
/// file repeats it, and a name another writer created after the import began, between two of its
/// commits, is fetched (or updated), not created twice. `rows` numbered rows, then the eighth
/// again; the other writer creates the one numbered `other` after the first commit.
fn import_between_other_writes(
    db: &TestDb,
    (rows, other, batch_rows): (i64, i64, Option<usize>),
    mode: Mode,
    other_writes: bool,
) {
    let mut text = numbered_csv("Between", "Groups", rows, 100);
    text.push_str("Between7,Groups,F,7\n");
    let others_name = format!("Between{other}");
    let mut repo = db.repo();
    let mut writer = db.repo();
    let mut wrote = false;
    let mut seen: Vec<(String, i32, Outcome)> = Vec::new();
    let sinks = Sinks {
        on_batch: Some(Box::new(
            |_: &profile_console::transfer::import::ImportSummary| {
                if other_writes && !wrote {
                    wrote = true;
                    writer
                        .get_or_create(&goc(
                            &[("first_name", &others_name), ("last_name", "Groups")],
                            &[("gender", "M"), ("age", "99")],
                        ))
                        .expect("the other writer, between commits");
                }
            },
        )),
        on_row: Some(Box::new(
            |row: &profile_console::transfer::import::RowReport<'_>| {
                let (profile, outcome) = row.result.as_ref().expect("no row rejected");
                if ["Between7", others_name.as_str()].contains(&profile.first_name.as_str()) {
                    seen.push((profile.first_name.clone(), profile.age, outcome.clone()));
                }
            },
        )),
        ..Sinks::default()
    };
    let mut options = ImportOptions::new(Format::Csv);
    options.mode = mode;
    options.batch_rows = batch_rows;
    let (summary, failure) = import_text(&mut repo, text, &options, sinks);
    assert!(failure.is_none(), "{mode:?}: {failure:?}");
    assert_eq!(wrote, other_writes);
    let own_age = i32::try_from(other % 100).expect("an age");
    let by_other = match (mode, other_writes) {
        (_, false) => (others_name.clone(), own_age, Outcome::Created),
        (Mode::GetOrCreate, true) => (others_name.clone(), 99, Outcome::Fetched),
        (Mode::UpdateOrCreate, true) => {
            let updated = seen.get(1).map(|(_, _, outcome)| outcome.clone());
            assert!(matches!(updated, Some(Outcome::Updated(_))), "{seen:?}");
            (others_name.clone(), own_age, updated.expect("checked"))
        }
    };
    let again = match mode {
        Mode::GetOrCreate => Outcome::Fetched,
        Mode::UpdateOrCreate => Outcome::Unchanged,
    };
    assert_eq!(
        seen,
        [
            ("Between7".to_owned(), 7, Outcome::Created),
            by_other,
            ("Between7".to_owned(), 7, again),
        ],
        "{mode:?}, another writer: {other_writes}"
    );
    let created = if other_writes { rows - 1 } else { rows };
    assert_eq!(summary.created, u64::try_from(created).expect("a count"));
    assert_eq!(count(db, "profiles"), rows);
}

fn names_created_between_an_imports_batches_are_found(db: &TestDb) {
    for (mode, other_writes) in [
        (Mode::GetOrCreate, false),
        (Mode::GetOrCreate, true),
        (Mode::UpdateOrCreate, true),
    ] {
        let db = another_like(db);
        import_between_other_writes(&db, (100, 55, Some(10)), mode, other_writes);
    }
}

/// A load into an empty table in many batches (on PostgreSQL, run two at a time on connections
/// of their own: `parallel_load.rs`) gives every row the outcome of one row at a time, and the
/// new rows' ids follow the file: names come back 150 rows later, so batches in flight together
/// name the same profiles, and some rows are invalid.
fn a_load_in_many_batches_keeps_the_files_order(db: &TestDb) {
    let rows = 2_000;
    let mut text = String::from("first_name,last_name,gender,age\n");
    let mut expected = Vec::new();
    let mut ages: HashMap<i64, i64> = HashMap::new();
    for line in 0..rows {
        let (name, age) = if line % 300 >= 150 {
            (line - 150, 120 - line % 100)
        } else {
            (line, line % 100)
        };
        let age = if line % 97 == 0 { -1 } else { age };
        text.push_str(&format!("Order{name},Kept,F,{age}\n"));
        expected.push(if age < 0 {
            "rejected"
        } else {
            match ages.insert(name, age) {
                None => "created",
                Some(before) if before == age => "unchanged",
                Some(_) => "updated",
            }
        });
    }
    let mut seen: Vec<(u64, &'static str, i64)> = Vec::new();
    let sinks = Sinks {
        on_row: Some(Box::new(
            |row: &profile_console::transfer::import::RowReport<'_>| {
                seen.push(match row.result {
                    Ok((profile, outcome)) => (row.line, outcome.name(), profile.id),
                    Err(_) => (row.line, "rejected", 0),
                });
            },
        )),
        ..Sinks::default()
    };
    let mut options = ImportOptions::new(Format::Csv);
    options.mode = Mode::UpdateOrCreate;
    options.batch_rows = Some(100);
    let mut repo = db.repo();
    let (summary, failure) = import_text(&mut repo, text, &options, sinks);
    assert!(failure.is_none(), "{failure:?}");
    let outcomes: Vec<&str> = seen.iter().map(|(_, outcome, _)| *outcome).collect();
    assert_eq!(outcomes, expected);
    let lines: Vec<u64> = seen.iter().map(|(line, _, _)| *line).collect();
    assert_eq!(
        lines,
        (2..=u64::try_from(rows + 1).unwrap()).collect::<Vec<_>>()
    );
    let created: Vec<i64> = seen
        .iter()
        .filter(|(_, outcome, _)| *outcome == "created")
        .map(|(_, _, id)| *id)
        .collect();
    assert!(
        created.windows(2).all(|pair| pair[0] < pair[1]),
        "ids out of the file's order: {created:?}"
    );
    assert_eq!(summary.created, u64::try_from(created.len()).unwrap());
    assert_eq!(count(db, "profiles"), i64::try_from(created.len()).unwrap());
    // Each name holds its last age (a name whose first row was rejected was created later).
    let mut stored: Vec<(i64, i64)> = db
        .values("SELECT CONCAT(first_name, ' ', age) AS value FROM profiles")
        .iter()
        .map(|row| {
            let (name, age) = row.split_once(' ').expect("name and age");
            (name["Order".len()..].parse().unwrap(), age.parse().unwrap())
        })
        .collect();
    stored.sort_unstable();
    let mut wanted: Vec<(i64, i64)> = ages.into_iter().collect();
    wanted.sort_unstable();
    assert_eq!(stored, wanted);
    // One journal entry a change.
    let changes = summary.created + summary.updated;
    assert_eq!(
        count(db, "profile_changes"),
        i64::try_from(changes).unwrap()
    );
}

/// A batch the database fails (here a trigger another client added) stops a load that runs
/// batches side by side with the file stored exactly up to that batch, and reported so: a
/// later batch already done waits for it, and rolls back.
fn a_failed_batch_stops_a_load_with_the_file_stored_up_to_it(db: &TestDb) {
    let trigger = match db.target {
        profile_console::db::DatabaseTarget::Postgres(_) => {
            "CREATE FUNCTION refuse_boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
             IF NEW.first_name = 'Boom' THEN RAISE EXCEPTION 'no booms here'; END IF; \
             RETURN NEW; END $$; \
             CREATE TRIGGER refuse_boom BEFORE INSERT ON profiles \
             FOR EACH ROW EXECUTE FUNCTION refuse_boom()"
        }
        profile_console::db::DatabaseTarget::Mysql(_) => {
            "CREATE TRIGGER refuse_boom BEFORE INSERT ON profiles FOR EACH ROW \
             IF NEW.first_name = 'Boom' THEN \
             SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'no booms here'; END IF"
        }
        profile_console::db::DatabaseTarget::Sqlite(_) => {
            "CREATE TRIGGER refuse_boom BEFORE INSERT ON profiles \
             WHEN NEW.first_name = 'Boom' BEGIN SELECT RAISE(ABORT, 'no booms here'); END"
        }
    };
    let mut repo = db.repo();
    db.execute_as_other_client(trigger)
        .expect("add the trigger");
    let mut text = numbered_csv("Stored", "Prefix", 2_000, 100);
    // Line 1,052 (the 1,051st row): in the 11th batch of 100.
    let at = text
        .match_indices('\n')
        .nth(1_050)
        .map(|(at, _)| at + 1)
        .unwrap();
    text.insert_str(at, "Boom,Prefix,F,1\n");
    let mut options = ImportOptions::new(Format::Csv);
    options.batch_rows = Some(100);
    let (summary, failure) = import_text(&mut repo, text, &options, Sinks::default());
    let failure = failure.expect("the import fails").to_string();
    assert!(failure.contains("no booms here"), "{failure}");
    assert_eq!((summary.rows, summary.created), (1_000, 1_000));
    assert_eq!(count(db, "profiles"), 1_000);
    let mut stored: Vec<String> = db.values("SELECT first_name AS value FROM profiles");
    stored.sort_by_key(|name| name["Stored".len()..].parse::<u32>().expect("a number"));
    assert_eq!(
        stored,
        (0..1_000).map(|n| format!("Stored{n}")).collect::<Vec<_>>()
    );
}

/// The same on SQLite's default commits, several batches together: the first group ends after
/// 50,000 rows.
#[test]
fn names_created_between_an_imports_commit_groups_are_found() {
    for (mode, other_writes) in [
        (Mode::GetOrCreate, false),
        (Mode::GetOrCreate, true),
        (Mode::UpdateOrCreate, true),
    ] {
        let db = TestDb::sqlite();
        import_between_other_writes(&db, (60_000, 55_000, None), mode, other_writes);
    }
}

/// An interrupted import's checkpoint belongs to the database it wrote to: after that database
/// is deleted and created again at the same path, the same command runs every row again, as a
/// new import, and says nothing of resuming.
#[test]
fn a_checkpoint_is_not_resumed_on_a_database_created_again() {
    let db = TestDb::sqlite();
    let files = Files::new();
    let rows = 3_000;
    files.write("big.csv", &numbered_csv("Again", "Anew", rows, 100));
    let args = ["import", "big.csv", "--batch-size", "1"];
    let out = interrupt_once_stored(&db, &files, &args, 20);
    assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));
    assert!(
        count(&db, "profiles") < rows,
        "finished before the interruption"
    );
    let profile_console::db::DatabaseTarget::Sqlite(file) = &db.target else {
        unreachable!("a SQLite database")
    };
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", file.path.display()));
    }
    let again = files.run(&db, &args);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    let said = stdout(&again);
    assert!(
        !said.contains("resum") && !said.contains("interrupted run"),
        "{said}"
    );
    assert!(
        said.contains(&format!("{} created", thousands(rows))),
        "{said}"
    );
    assert_eq!(count(&db, "profiles"), rows);
}

/// The indexes of `profiles`, each with its definition, by name (SQLite or PostgreSQL, the
/// backends that put indexes off during a load).
fn indexes(db: &TestDb) -> Vec<String> {
    db.values(match db.target {
        profile_console::db::DatabaseTarget::Sqlite(_) => {
            "SELECT name || ': ' || coalesce(sql, 'UNIQUE') AS value FROM sqlite_master \
             WHERE type = 'index' AND tbl_name = 'profiles' ORDER BY name"
        }
        profile_console::db::DatabaseTarget::Mysql(_) => {
            "SELECT CAST(CONCAT(index_name, ': ', IF(MIN(non_unique) = 0, 'UNIQUE', \
               CONCAT('CREATE INDEX ', index_name, ' ON profiles (', \
               GROUP_CONCAT(column_name ORDER BY seq_in_index SEPARATOR ', '), ')'))) AS CHAR) \
               AS value FROM information_schema.statistics \
             WHERE table_schema = DATABASE() AND table_name = 'profiles' \
             GROUP BY index_name ORDER BY index_name"
        }
        _ => {
            "SELECT indexname || ': ' || indexdef AS value FROM pg_indexes \
             WHERE schemaname = current_schema() AND tablename = 'profiles' ORDER BY indexname"
        }
    })
}

/// Every index is there (on SQLite, holding exactly the table's rows) and none is still noted
/// as put off.
fn assert_indexes_whole(db: &TestDb, expected: &[String]) {
    assert_eq!(indexes(db), expected);
    assert_eq!(count(db, "profile_deferred_indexes"), 0);
    if let profile_console::db::DatabaseTarget::Sqlite(_) = db.target {
        assert_eq!(
            db.values("SELECT integrity_check AS value FROM pragma_integrity_check"),
            ["ok"]
        );
    }
}

/// SQLite, and each server that is reachable.
fn deferring_backends() -> Vec<TestDb> {
    std::iter::once(TestDb::sqlite())
        .chain(TestDb::postgres())
        .chain(TestDb::mysql())
        .collect()
}

/// The indexes a load may put off are, by name and definition, every index of `profiles` but the
/// unique ones, as the migrations leave them; a note naming anything else is only removed.
#[test]
fn the_deferrable_indexes_are_the_schemas_own() {
    for db in deferring_backends() {
        drop(db.repo());
        let listed: Vec<String> =
            profile_console::repository::deferrable_indexes(db.target.backend())
                .iter()
                .map(|(name, sql)| format!("{name}: {sql}"))
                .collect();
        let schema: Vec<String> = indexes(&db)
            .into_iter()
            .filter(|index| !index.contains("UNIQUE"))
            .map(|index| index.replace(" ON public.profiles ", " ON profiles "))
            .collect();
        assert_eq!(schema, listed);

        let before = indexes(&db);
        db.execute_as_other_client(
            "INSERT INTO profile_deferred_indexes (name) \
             VALUES ('x; DROP TABLE profiles'), ('profiles_name_key')",
        )
        .unwrap();
        drop(db.repo());
        assert_indexes_whole(&db, &before);
    }
}

/// A load into an empty table (an import, a seed) puts off the upkeep of its indexes and builds
/// them at the end: the same indexes as before, each holding every row.
#[test]
fn a_load_into_an_empty_table_builds_its_indexes_at_the_end() {
    let files = Files::new();
    files.write("rows.csv", &numbered_csv("Empty", "Table", 3_000, 100));
    for load in [&["import", "rows.csv"][..], &["seed", "--count", "3000"]] {
        for db in deferring_backends() {
            drop(db.repo());
            let before = indexes(&db);
            assert!(before.len() > 4, "{before:?}");
            let out = files.run(&db, load);
            assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
            assert_eq!(count(&db, "profiles"), 3_000);
            assert_indexes_whole(&db, &before);
            // A later load into the table, which keeps them up row by row, leaves them whole.
            let again = files.run(&db, &["seed", "--count", "500"]);
            assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
            assert_indexes_whole(&db, &before);
        }
    }
}

/// On a server, another session in the middle of a transaction on the table (here one left idle
/// after a read) does not hold a load up: the indexes cannot be dropped within a second, so the
/// load keeps them up row by row, and every row is stored.
#[test]
fn a_load_beside_a_session_holding_the_table_keeps_its_indexes() {
    use diesel::Connection;
    use diesel::connection::SimpleConnection;
    let files = Files::new();
    files.write("rows.csv", &numbered_csv("Held", "Table", 2_000, 100));
    for db in TestDb::postgres().into_iter().chain(TestDb::mysql()) {
        drop(db.repo());
        let before = indexes(&db);
        let mut holder: Box<dyn SimpleConnection> = match db.target {
            profile_console::db::DatabaseTarget::Mysql(_) => {
                Box::new(diesel::MysqlConnection::establish(&db.url()).expect("connect"))
            }
            _ => Box::new(diesel::PgConnection::establish(&db.url()).expect("connect")),
        };
        holder
            .batch_execute("BEGIN; SELECT count(*) FROM profiles;")
            .expect("hold the table");
        let out = files.run(&db, &["import", "rows.csv"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert!(stdout(&out).contains("2,000 created"), "{}", stdout(&out));
        holder.batch_execute("COMMIT").expect("let go");
        assert_indexes_whole(&db, &before);
    }
}

/// On a server, a load into an empty table (its batches side by side, its ids taken
/// beforehand) beside another client inserting rows of its own the whole time: every row of
/// both is stored once, with ids of its own, and journaled once as created, with its values.
#[test]
fn a_load_into_an_empty_table_beside_another_writer_stores_every_row_once() {
    let files = Files::new();
    files.write("rows.csv", &numbered_csv("Beside", "Writer", 20_000, 100));
    for db in TestDb::postgres().into_iter().chain(TestDb::mysql()) {
        drop(db.repo());
        let mut child = files
            .command(&db, &["import", "rows.csv", "--batch-size", "200"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        let started = std::time::Instant::now();
        while count(&db, "profiles") == 0 {
            assert!(started.elapsed().as_secs() < 120, "nothing was ever stored");
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        let mut others = 0;
        while child.try_wait().expect("wait").is_none() {
            db.execute_as_other_client(&format!(
                "INSERT INTO profiles (first_name, last_name, gender, age, created_at, updated_at) \
                 VALUES ('Other{others}', 'Client', 'M', 40, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            ))
            .expect("the other client's insert");
            others += 1;
        }
        let out = child.wait_with_output().expect("wait");
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert!(stdout(&out).contains("20,000 created"), "{}", stdout(&out));
        assert!(others > 0, "the other client never wrote during the load");
        let all = count(&db, "profiles");
        assert_eq!(all, 20_000 + others);
        assert!(
            db.values(
                "SELECT CAST(first_name AS CHAR(40)) AS value FROM profiles \
                 GROUP BY first_name, last_name HAVING COUNT(*) > 1"
            )
            .is_empty()
        );
        assert_eq!(
            count(
                &db,
                "profiles p JOIN profile_changes c ON c.profile_id = p.id \
                 AND c.action = 'created' AND c.new_first_name = p.first_name \
                 AND c.new_last_name = p.last_name AND c.new_age = p.age"
            ),
            all,
            "{:?}",
            db.target.backend()
        );
        assert_eq!(count(&db, "profile_changes"), all);
    }
}

/// PostgreSQL: each batch's names are read by probing the unique name index, whatever the
/// planner thinks of the table, never by reading the whole table. (A hash join, which the planner
/// picks for a few thousand names once the table holds some thousands of rows, reads every row
/// for every batch: each batch of a large import slower than the one before.) Counted by the
/// server, in rows read by sequential scans: for new rows, for the same rows again, and locked for
/// update_or_create.
#[test]
fn a_batchs_names_are_probed_never_scanned() {
    let Some(db) = TestDb::postgres() else { return };
    let files = Files::new();
    files.write(
        "one.csv",
        "first_name,last_name,gender,age\nFirst,Row,F,30\n",
    );
    files.write("rows.csv", &numbered_csv("Probe", "Names", 30_000, 100));
    // A first row, so that no load below is into an empty table (whose index builds at the end
    // read the table); no autovacuum meanwhile.
    let out = files.run(&db, &["import", "one.csv"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    db.execute_as_other_client("ALTER TABLE profiles SET (autovacuum_enabled = false)")
        .expect("no autovacuum");
    let url = db.url();
    let stats = |inserted_at_least: i64| -> i64 {
        // Each import's server process reports its counts as it exits, just after the client.
        let started = std::time::Instant::now();
        loop {
            let row = common::pg_values(
                &url,
                "SELECT n_tup_ins || ' ' || coalesce(seq_tup_read, 0) AS value \
                 FROM pg_stat_user_tables WHERE relname = 'profiles'",
            );
            let (inserted, scanned) = row[0].split_once(' ').expect("two numbers");
            let (inserted, scanned): (i64, i64) = (
                inserted.parse().expect("count"),
                scanned.parse().expect("count"),
            );
            if inserted >= inserted_at_least || started.elapsed().as_secs() > 20 {
                return scanned;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    };
    let before = stats(1);
    for (args, outcome) in [
        (&["import", "rows.csv"][..], "30,000 created"),
        (&["import", "rows.csv"][..], "30,000 fetched"),
        (
            &["import", "--mode", "update-or-create", "rows.csv"][..],
            "30,000 unchanged",
        ),
    ] {
        let out = files.run(&db, args);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert!(stdout(&out).contains(outcome), "{}", stdout(&out));
    }
    // While the table is a page or two, the planner rightly reads it rather than its index:
    // a few thousand rows in all. A scan per batch reads that many for every batch after the
    // first, and more each time.
    let scanned = stats(30_001) - before;
    assert!(
        scanned < 30_000,
        "{scanned} rows read by sequential scans of profiles during three imports of 30,000 rows"
    );
}

/// A load killed half-way leaves the indexes it put off noted; the next writable open builds
/// them over every row stored.
#[test]
fn indexes_a_killed_load_put_off_are_built_at_the_next_open() {
    let files = Files::new();
    files.write("big.csv", &numbered_csv("Killed", "Load", 150_000, 100));
    for db in deferring_backends() {
        drop(db.repo());
        let before = indexes(&db);
        let mut child = files
            .command(&db, &["import", "big.csv"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        let started = std::time::Instant::now();
        while count(&db, "profiles") == 0 {
            assert!(child.try_wait().expect("wait").is_none(), "ended too soon");
            assert!(started.elapsed().as_secs() < 120, "nothing was ever stored");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        child.kill().expect("kill");
        child.wait().expect("wait");
        let stored = count(&db, "profiles");
        assert!(stored < 150_000, "the import finished before it was killed");
        assert!(count(&db, "profile_deferred_indexes") > 0);
        assert_ne!(indexes(&db), before);

        let out = files.run(&db, &["info"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert_indexes_whole(&db, &before);
        assert_eq!(count(&db, "profiles"), stored);
    }
}

on_every_backend!(
    imported_rows_are_folded_and_found_like_any_other,
    ids_follow_the_file_and_are_never_reused,
    get_or_create_outcomes_row_by_row,
    update_or_create_reports_each_change,
    invalid_rows_are_rejected_alone_and_can_be_fixed,
    bad_files_and_options_write_nothing,
    every_format_and_line_ending,
    dry_run_and_all_or_nothing_write_nothing,
    interrupted_import_resumes_without_writing_twice,
    export_then_import_reproduces_every_row,
    batches_give_the_outcomes_of_one_row_at_a_time,
    import_races_other_writers_safely,
    names_created_between_an_imports_batches_are_found,
    a_load_in_many_batches_keeps_the_files_order,
    a_failed_batch_stops_a_load_with_the_file_stored_up_to_it,
);

/// Input that ends once, as a terminal does at Ctrl-D: a read after its end fails (a terminal
/// would wait for a second Ctrl-D).
struct EndsOnce {
    text: std::io::Cursor<Vec<u8>>,
    ended: bool,
}

impl std::io::Read for EndsOnce {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.ended {
            return Err(std::io::Error::other("read again after the end"));
        }
        let n = self.text.read(buf)?;
        self.ended = n == 0;
        Ok(n)
    }
}

/// Rows typed at a terminal end at the first Ctrl-D, in every format.
#[test]
fn the_input_is_never_read_past_its_end() {
    use profile_console::transfer::Format;
    use profile_console::transfer::import::{ImportOptions, Sinks, import};
    let db = TestDb::sqlite();
    let mut repo = db.repo();
    for (format, text) in [
        (
            Format::Csv,
            "first_name,last_name,gender,age\nEnd,Once,F,1\n",
        ),
        (
            Format::Jsonl,
            "{\"first_name\":\"End\",\"last_name\":\"Once\",\"gender\":\"F\",\"age\":1}\n",
        ),
        (
            Format::Json,
            "[{\"first_name\":\"End\",\"last_name\":\"Once\",\"gender\":\"F\",\"age\":1}]\n",
        ),
    ] {
        let input = EndsOnce {
            text: std::io::Cursor::new(text.as_bytes().to_vec()),
            ended: false,
        };
        let sinks = Sinks {
            report: None,
            rejects: None,
            on_row: None,
            on_batch: None,
        };
        let stop = std::sync::atomic::AtomicBool::new(false);
        let (summary, failure) = import(
            &mut repo,
            Box::new(input),
            &ImportOptions::new(format),
            sinks,
            &stop,
        );
        assert!(failure.is_none(), "{format:?}: {failure:?}");
        assert_eq!(summary.rows, 1, "{format:?}");
    }
}

/// `seed` stops after the current batch on Ctrl-C, says how many it inserted, which is what is
/// stored, and exits 130.
#[test]
fn an_interrupted_seed_says_what_it_stored() {
    let db = TestDb::sqlite();
    let files = Files::new();
    let out = interrupt_once_stored(&db, &files, &["seed", "--count", "1000000"], 1);
    assert_interrupted(&out);
    let done = count(&db, "profiles");
    assert!(
        done < 1_000_000,
        "the seed finished before the interruption"
    );
    assert!(
        stdout(&out).contains(&format!("stopped: inserted {done} profiles")),
        "{done} stored: {}",
        stdout(&out)
    );
}

/// An input that stops sending (a pipe held open, a FIFO nobody writes to) does not keep Ctrl-C
/// waiting: the import stops at once, whether the header row has come or not, stores nothing it
/// did not report, and says so.
#[test]
fn an_import_waiting_for_its_input_stops_on_ctrl_c() {
    for (sent, what) in [
        ("", "before the header"),
        (
            "first_name,last_name,gender,age\nAda,Byron,F,36\n",
            "inside a batch",
        ),
    ] {
        let db = TestDb::sqlite();
        let files = Files::new();
        let _ = db.repo();
        let mut child = files
            .command(&db, &["import", "-", "--format", "csv"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        let mut stdin = child.stdin.take().expect("stdin");
        std::io::Write::write_all(&mut stdin, sent.as_bytes()).expect("write");
        std::io::Write::flush(&mut stdin).expect("flush");
        std::thread::sleep(std::time::Duration::from_millis(500));
        // SAFETY: sending a signal to our own child process.
        unsafe {
            libc::kill(child.id() as i32, libc::SIGINT);
        }
        let started = std::time::Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait") {
                break status;
            }
            assert!(
                started.elapsed().as_secs() < 10,
                "{what}: still waiting for its input after Ctrl-C"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        drop(stdin);
        let out = child.wait_with_output().expect("output");
        assert_eq!(status.code(), Some(130), "{what}: {}", stderr(&out));
        assert_eq!(
            stdout(&out).trim(),
            "interrupted before any row was written: nothing is stored",
            "{what}"
        );
        assert_eq!(count(&db, "profiles"), 0, "{what}");
    }
}
