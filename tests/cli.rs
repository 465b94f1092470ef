//! The command line, run as a process: outputs, the `--json` shape, exit statuses.

mod common;

use std::process::{Command, Output};

use common::TestDb;
use serde_json::Value;

/// The binary, with no backtrace on errors (they are one sentence).
fn console() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_profile-console"));
    command.env_remove("RUST_BACKTRACE");
    // The built-in settings, whatever config file this machine's user has.
    command.env("PROFILE_CONSOLE_CONFIG", "/dev/null");
    command
}

fn run(db: &TestDb, args: &[&str]) -> Output {
    console()
        .arg("--database-url")
        .arg(db.url())
        .args(args)
        .env_remove("DATABASE_URL")
        .output()
        .expect("run profile-console")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|err| panic!("not JSON ({err}): {}", stdout(output)))
}

const ARGO: [&str; 4] = ["--lookup", "first_name=Argo", "--lookup", "last_name=Saha"];

fn with_argo<'a>(command: &'a str, rest: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![command];
    args.extend(ARGO);
    args.extend(rest);
    args
}

fn human_lines_say_what_happened(db: &TestDb) {
    let out = run(
        db,
        &with_argo(
            "get-or-create",
            &["--default", "gender=M", "--default", "age=10"],
        ),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("created #"), "{}", stdout(&out));
    assert!(
        stdout(&out).trim_end().ends_with("Argo Saha (M, 10)"),
        "{}",
        stdout(&out)
    );
    let out = run(db, &with_argo("get-or-create", &[]));
    assert!(stdout(&out).starts_with("fetched #"));
    let out = run(db, &with_argo("update-or-create", &["--default", "age=11"]));
    assert!(
        stdout(&out)
            .trim_end()
            .ends_with("Argo Saha (M, 11): age 10 → 11"),
        "{}",
        stdout(&out)
    );
    let out = run(db, &with_argo("update-or-create", &["--default", "age=11"]));
    assert!(stdout(&out).starts_with("unchanged #"), "{}", stdout(&out));
}

fn json_has_the_stable_shape(db: &TestDb) {
    let out = run(
        db,
        &with_argo(
            "update-or-create",
            &[
                "--default",
                "age=30",
                "--create-default",
                "gender=F",
                "--create-default",
                "age=20",
                "--json",
            ],
        ),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let body = json(&out);
    assert_eq!(body["outcome"], "created");
    assert_eq!(body["created"], true);
    assert_eq!(body["changed"], Value::Array(vec![]));
    let profile = body["profile"].as_object().expect("profile object");
    let keys: Vec<&str> = profile.keys().map(String::as_str).collect();
    for key in [
        "id",
        "first_name",
        "last_name",
        "gender",
        "age",
        "created_at",
        "updated_at",
    ] {
        assert!(keys.contains(&key), "{key} in {keys:?}");
    }
    assert_eq!(profile["age"], 20);
    assert_eq!(profile["gender"], "F");
    assert!(
        profile["created_at"].as_str().unwrap().ends_with('Z'),
        "UTC timestamps"
    );

    let body = json(&run(
        db,
        &with_argo("update-or-create", &["--default", "age=30", "--json"]),
    ));
    assert_eq!(body["outcome"], "updated");
    assert_eq!(body["created"], false);
    assert_eq!(
        body["changed"],
        serde_json::json!([{"field": "age", "old": 20, "new": 30}])
    );

    let body = json(&run(db, &with_argo("get-or-create", &["--json"])));
    assert_eq!(body["outcome"], "fetched");
    let body = json(&run(
        db,
        &with_argo("update-or-create", &["--default", "age=30", "--json"]),
    ));
    assert_eq!(body["outcome"], "unchanged");
}

fn list_prints_profiles_and_a_json_array(db: &TestDb) {
    run(
        db,
        &with_argo(
            "get-or-create",
            &["--default", "gender=M", "--default", "age=10"],
        ),
    );
    run(
        db,
        &[
            "get-or-create",
            "--lookup",
            "first_name=Zoë",
            "--lookup",
            "last_name=Okafor",
            "--default",
            "gender=F",
            "--default",
            "age=34",
        ],
    );
    let out = run(db, &["list", "--sort", "age", "--desc"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let zoe = text.find("Zoë").expect("Zoë listed");
    let argo = text.find("Argo").expect("Argo listed");
    assert!(zoe < argo, "sorted by age, descending:\n{text}");
    let body = json(&run(db, &["list", "--search", "oka", "--json"]));
    let rows = body.as_array().expect("an array");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["first_name"], "Zoë");
    let out = run(db, &["list", "--sort", "height"]);
    assert_eq!(out.status.code(), Some(2));
}

fn exit_statuses_follow_the_contract(db: &TestDb) {
    let out = run(db, &with_argo("get-or-create", &[]));
    assert_eq!(
        out.status.code(),
        Some(2),
        "missing fields is invalid input"
    );
    assert_eq!(
        stderr(&out).lines().count(),
        1,
        "one sentence: {}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("gender and age have no value"));

    let out = run(db, &["get-or-create", "--lookup", "age=abc"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("age must be a whole number from 0 to 150, got \"abc\""),
        "{}",
        stderr(&out)
    );

    let out = run(db, &["get-or-create", "--lookup", "nonsense"]);
    assert_eq!(out.status.code(), Some(2), "usage error");

    let out = run(db, &["get-or-create", "--lookup", "id=5"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stderr(&out).trim(), "error: no profile #5");

    run(
        db,
        &[
            "get-or-create",
            "--lookup",
            "first_name=A",
            "--lookup",
            "last_name=B",
            "--default",
            "gender=M",
            "--default",
            "age=1",
        ],
    );
    run(
        db,
        &[
            "get-or-create",
            "--lookup",
            "first_name=C",
            "--lookup",
            "last_name=D",
            "--default",
            "gender=M",
            "--default",
            "age=1",
        ],
    );
    let out = run(db, &["get-or-create", "--lookup", "gender=M", "--json"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("2 profiles match"),
        "{}",
        stderr(&out)
    );
    assert!(out.stdout.is_empty());

    let out = run(
        db,
        &[
            "get-or-create",
            "--lookup",
            "gender=F",
            "--lookup",
            "age=9",
            "--default",
            "first_name=A",
            "--default",
            "last_name=B",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "a conflict is neither input nor ambiguity"
    );
    assert!(
        stderr(&out).contains("conflicts with #"),
        "{}",
        stderr(&out)
    );

    let out = run(db, &["list", "--json"]);
    assert_eq!(
        json(&out).as_array().map(Vec::len),
        Some(2),
        "nothing was written by the failures"
    );
}

fn migrate_says_what_ran_and_then_nothing(db: &TestDb) {
    let out = run(db, &["migrate"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("ran migration 2026-11-26-000001_create_profiles"),
        "{}",
        stdout(&out)
    );
    let out = run(db, &["migrate"]);
    assert_eq!(stdout(&out).trim(), "no pending migrations");
}

fn seed_and_info_report_counts(db: &TestDb) {
    let out = run(db, &["seed", "--count", "1200"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("inserted 1200 profiles"),
        "{}",
        stdout(&out)
    );
    let out = run(db, &["info"]);
    assert!(stdout(&out).contains("profiles: 1200"), "{}", stdout(&out));
}

fn delete_history_and_undo_from_the_command_line(db: &TestDb) {
    let out = run(
        db,
        &with_argo(
            "get-or-create",
            &["--default", "gender=M", "--default", "age=10"],
        ),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    run(db, &with_argo("get-or-create", &[]));
    let out = run(db, &with_argo("delete", &["--json"]));
    assert!(out.status.success(), "{}", stderr(&out));
    let deleted = json(&out);
    assert_eq!(deleted["deleted"]["first_name"], "Argo");
    let change = deleted["change"].as_i64().expect("the delete's change id");
    // Deleting again: no match, exit 1, one sentence.
    let out = run(db, &with_argo("delete", &[]));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
    // The history says what happened, newest first.
    let out = run(db, &["history", "--json"]);
    let entries = json(&out);
    let actions: Vec<&str> = entries
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["deleted", "created"]);
    assert_eq!(entries[0]["source"], "cli");
    // Undo puts it back, with its id; undoing the create now is refused (exit 1, nothing written).
    let out = run(db, &["undo", &change.to_string(), "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let undone = json(&out);
    assert_eq!(undone["action"], "restored");
    assert_eq!(undone["profile"]["id"], deleted["deleted"]["id"]);
    let out = run(db, &["undo", "999999"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no change #999999"),
        "{}",
        stderr(&out)
    );
    // Several matches: exit 3, nothing deleted.
    run(
        db,
        &[
            "get-or-create",
            "--lookup",
            "first_name=Bo",
            "--lookup",
            "last_name=Saha",
            "--default",
            "gender=M",
            "--default",
            "age=3",
        ],
    );
    let out = run(db, &["delete", "--lookup", "last_name=Saha"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let out = run(db, &["list", "--json"]);
    assert_eq!(json(&out).as_array().unwrap().len(), 2);
    // No lookup at all is a usage error.
    let out = run(db, &["delete"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--lookup"), "{}", stderr(&out));
}

fn export_writes_any_view_in_every_format(db: &TestDb) {
    let out = run(db, &["seed", "--count", "2500"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // JSON Lines to standard output, every row once, in id order, across pages.
    let out = run(db, &["export", "--format", "jsonl"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let ids: Vec<i64> = stdout(&out)
        .lines()
        .map(|line| {
            serde_json::from_str::<Value>(line).unwrap()["id"]
                .as_i64()
                .unwrap()
        })
        .collect();
    assert_eq!(ids.len(), 2500);
    assert!(ids.windows(2).all(|pair| pair[0] < pair[1]));
    // A file: the format from its extension; a filter and an order.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("women.json");
    let out = run(
        db,
        &[
            "export",
            path.to_str().unwrap(),
            "--filter",
            "f 20-40",
            "--sort",
            "age",
            "--desc",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let rows: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|row| row["gender"] == "F"));
    let ages: Vec<i64> = rows
        .iter()
        .map(|row| row["age"].as_i64().unwrap())
        .collect();
    assert!(ages.windows(2).all(|pair| pair[0] >= pair[1]) && ages[0] <= 40);
    // CSV, with a header row.
    let path = dir.path().join("all.csv");
    run(db, &["export", path.to_str().unwrap()]);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("id,first_name,last_name,gender,age,created_at,updated_at\n"));
    assert_eq!(text.lines().count(), 2501);
    // A bad filter is a usage error, and writes nothing.
    let out = run(db, &["export", "--filter", "F 50-20"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

on_every_backend!(
    export_writes_any_view_in_every_format,
    delete_history_and_undo_from_the_command_line,
    human_lines_say_what_happened,
    json_has_the_stable_shape,
    list_prints_profiles_and_a_json_array,
    exit_statuses_follow_the_contract,
    migrate_says_what_ran_and_then_nothing,
    seed_and_info_report_counts,
);

#[test]
fn an_unreachable_server_exits_1_and_a_bad_url_2_with_one_masked_line() {
    let out = console()
        .args([
            "--database-url",
            "postgres://me:secret@127.0.0.1:1/none",
            "info",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("PostgreSQL") && err.contains("me:***@") && !err.contains("secret"),
        "{err}"
    );

    let out = console()
        .args(["--database-url", "gopher://x", "info"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "a URL that names no database is a usage error"
    );
    assert!(
        stderr(&out).starts_with("error: invalid database URL"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn database_url_comes_from_the_environment_and_dot_env() {
    let dir = tempfile::tempdir().unwrap();
    let from_env = dir.path().join("env.db");
    let out = console()
        .arg("info")
        .current_dir(dir.path())
        .env("DATABASE_URL", from_env.to_str().unwrap())
        .output()
        .unwrap();
    assert!(
        stdout(&out).contains("from DATABASE_URL"),
        "{}",
        stdout(&out)
    );
    assert!(from_env.exists());

    std::fs::write(dir.path().join(".env"), "DATABASE_URL=sqlite://dotenv.db\n").unwrap();
    let out = console()
        .arg("info")
        .current_dir(dir.path())
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert!(
        stdout(&out).contains("dotenv.db (SQLite, from DATABASE_URL)"),
        "{}",
        stdout(&out)
    );
    assert!(dir.path().join("dotenv.db").exists());

    // A .env that cannot be read past a line says so.
    std::fs::write(
        dir.path().join(".env"),
        "not a setting\nDATABASE_URL=sqlite://later.db\n",
    )
    .unwrap();
    let out = console()
        .arg("info")
        .current_dir(dir.path())
        .env_remove("DATABASE_URL")
        .env("HOME", dir.path())
        .output()
        .unwrap();
    assert!(
        stderr(&out).contains("warning: .env: \"not a setting\" is not NAME=value"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_embedded_default_lives_in_the_user_data_directory() {
    let home = tempfile::tempdir().unwrap();
    let out = console()
        .arg("info")
        .current_dir(home.path())
        .env("HOME", home.path())
        .env_remove("XDG_DATA_HOME")
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let expected = home.path().join(".local/share/profile-console/profiles.db");
    assert!(expected.exists(), "created on first use: {}", stdout(&out));
    assert!(
        stdout(&out).contains("embedded default"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn an_empty_create_default_means_create_with_the_lookup_alone() {
    let db = TestDb::sqlite();
    let lookup = [
        "--lookup",
        "first_name=Ana",
        "--lookup",
        "last_name=Li",
        "--lookup",
        "gender=F",
        "--lookup",
        "age=3",
    ];
    let mut args = vec!["update-or-create"];
    args.extend(lookup);
    args.extend(["--default", "first_name=Zed", "--create-default=", "--json"]);
    // first_name is both a lookup and a default: refused before anything is written.
    assert_eq!(run(&db, &args).status.code(), Some(2));
    let mut args = vec!["update-or-create"];
    args.extend(lookup);
    args.extend(["--create-default=", "--json"]);
    let body = json(&run(&db, &args));
    assert_eq!(body["outcome"], "created");
    assert_eq!(body["profile"]["age"], 3);
}

/// Output piped into a reader that stops early ends the process quietly: no panic message.
#[test]
fn a_closed_pipe_ends_quietly() {
    let db = TestDb::sqlite();
    run(&db, &["seed", "--count", "3000"]);
    let mut child = console()
        .arg("--database-url")
        .arg(db.url())
        .args(["list", "--limit", "3000"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
}

/// Completions, the man page and the configuration need no database.
#[test]
fn completions_man_page_and_config_print_without_a_database() {
    let run = |args: &[&str]| {
        let output = console()
            .args(args)
            .env("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        stdout(&output)
    };
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        assert!(
            run(&["completions", shell]).contains("update-or-create"),
            "{shell}"
        );
    }
    let man = run(&["man"]);
    assert!(
        man.starts_with(".ie") || man.contains(".TH profile-console"),
        "{man}"
    );
    assert!(man.contains("read\\-only"));
    let dir = tempfile::tempdir().unwrap();
    run(&["man", "--dir", dir.path().to_str().unwrap()]);
    assert!(dir.path().join("profile-console-import.1").exists());
    assert!(run(&["config", "--default"]).contains("[keys.table]"));

    // `config` shows a named database with its password masked, and where each value came from.
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "default_database = \"team\"\n[databases.team]\n\
         url = \"postgres://me:hunter2@127.0.0.1:1/profiles\"\nread_only = true\n\
         [keys.table]\ndelete = \"D\"\n",
    )
    .unwrap();
    let output = console()
        .args(["--config", config.to_str().unwrap(), "config"])
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    let shown = stdout(&output);
    assert!(output.status.success(), "{shown}");
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(shown.contains("delete = \"D\"  # config file"), "{shown}");
    assert!(shown.contains("quit = \"q\"  # built-in"), "{shown}");
    assert!(
        shown.contains("from default_database \"team\" in the config file, read-only"),
        "{shown}"
    );
}

#[test]
fn sqlite_urls_mean_their_file_and_their_mode() {
    let dir = tempfile::tempdir().unwrap();
    let url = |rest: &str| format!("sqlite://{}/{rest}", dir.path().display());
    let in_dir = |args: &[&str]| {
        console()
            .args(args)
            .env_remove("DATABASE_URL")
            .output()
            .unwrap()
    };
    // A percent-encoded name is the file it spells; nothing else is created.
    let out = in_dir(&[
        "--database-url",
        &url("my%20profiles.db"),
        "get-or-create",
        "--lookup",
        "first_name=Argo",
        "--lookup",
        "last_name=Saha",
        "--default",
        "gender=M",
        "--default",
        "age=10",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(dir.path().join("my profiles.db").is_file());
    // mode=ro: reads work, writes are refused, with status 2 and nothing written.
    let read_only = url("my%20profiles.db?mode=ro");
    let out = in_dir(&["--database-url", &read_only, "list"]);
    assert!(stdout(&out).contains("Argo"), "{}", stderr(&out));
    let out = in_dir(&[
        "--database-url",
        &read_only,
        "delete",
        "--lookup",
        "first_name=Argo",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    // mode=rw opens only a file that exists; an unknown parameter is refused, not taken into
    // the file's name.
    let out = in_dir(&["--database-url", &url("none.db?mode=rw"), "info"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("no such file"), "{}", stderr(&out));
    let out = in_dir(&["--database-url", &url("x.db?cache=shared"), "info"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| !name.ends_with("-wal") && !name.ends_with("-shm"))
        .collect();
    names.sort();
    assert_eq!(names, ["my profiles.db"]);
    // The console needs a file: in memory, each of its connections has a database of its own.
    let out = in_dir(&["--database-url", "sqlite::memory:"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("needs a database file"),
        "{}",
        stderr(&out)
    );
}

/// Without a subcommand the console opens, and it draws on a terminal: with its output going to
/// a pipe it says so, with status 2, instead of drawing into the pipe and waiting for keys.
#[test]
fn the_console_needs_a_terminal_to_draw_on() {
    let dir = tempfile::tempdir().unwrap();
    let out = console()
        .arg("--database-url")
        .arg(dir.path().join("p.db"))
        .env_remove("DATABASE_URL")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stdout(&out).is_empty(), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("the console draws on a terminal"),
        "{}",
        stderr(&out)
    );
}

/// A mistyped command, option or value gets what clap knows on the one line shown: the values
/// the option takes, the nearest name.
#[test]
fn usage_errors_say_what_was_meant() {
    for (args, said) in [
        (
            &["export", "--format", "xml"][..],
            "error: invalid value 'xml' for '--format <FORMAT>' (one of csv, json, jsonl)",
        ),
        (
            &["import", "x.csv", "--mode", "get_or_create"],
            "error: invalid value 'get_or_create' for '--mode <MODE>' (one of get-or-create, \
             update-or-create); did you mean get-or-create?",
        ),
        (
            &["export", "--fromat", "csv"],
            "error: unexpected argument '--fromat' found; did you mean --format?",
        ),
        (
            &["get-or-craete"],
            "error: unrecognized subcommand 'get-or-craete'; did you mean get-or-create?",
        ),
    ] {
        let out = console().args(args).output().expect("run profile-console");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(stderr(&out).lines().next(), Some(said), "{args:?}");
        assert_eq!(stderr(&out).lines().count(), 2, "{args:?}");
    }
}
