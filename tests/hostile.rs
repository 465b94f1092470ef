//! What a hostile operator tries: passwords full of URL-special characters, connection strings
//! that look like paths, RUST_BACKTRACE set, huge values, foreign files, rows with control
//! characters written by other clients, a server that stops answering.

mod common;

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::TestDb;
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};

/// The binary as a developer's shell runs it: RUST_BACKTRACE=1 set.
fn console() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_profile-console"));
    command
        .env("RUST_BACKTRACE", "1")
        .env_remove("DATABASE_URL");
    command
}

/// `profile-console --database-url URL ARGS`, run to the end.
fn run_at(url: &str, args: &[&str]) -> Output {
    console()
        .args(["--database-url", url])
        .args(args)
        .output()
        .unwrap()
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A write that creates a profile: the command every hostile target is tried with.
#[rustfmt::skip]
const CREATE_A_B: &[&str] = &[
    "get-or-create", "--lookup", "first_name=A", "--lookup", "last_name=B",
    "--default", "gender=M", "--default", "age=1",
];

const SPECIAL: &str = "S3:/?#[]@!$&'()*+,;=% \\\"^`{|}<>~";

fn encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// Passwords that break naive URL handling: each URL-special character alone between letters,
/// all of them at once, raw and percent-encoded.
fn hostile_passwords() -> Vec<(String, String)> {
    let mut passwords: Vec<String> = SPECIAL.chars().map(|c| format!("Pw{c}x9Secret")).collect();
    passwords.push(format!("Pw{SPECIAL}Secret"));
    passwords
        .into_iter()
        .map(|pw| {
            let encoded = encode(&pw);
            (pw, encoded)
        })
        .collect()
}

fn assert_hidden(password: &str, encoded: &str, output: &str, what: &str) {
    for secret in [password, encoded, "x9Secret", "Secret"] {
        assert!(
            !output.contains(secret),
            "{what}: {secret:?} shown in {output:?}"
        );
    }
}

#[test]
fn no_command_shows_a_password_of_any_shape() {
    let commands: [&[&str]; 5] = [
        &["info"],
        &["migrate"],
        &["list"],
        CREATE_A_B,
        &[
            "update-or-create",
            "--lookup",
            "first_name=A",
            "--lookup",
            "last_name=B",
            "--default",
            "age=2",
            "--json",
        ],
    ];
    for (password, encoded) in hostile_passwords() {
        let urls = [
            format!("postgres://u:{encoded}@127.0.0.1:1/db"),
            format!("postgres://u:{password}@127.0.0.1:1/db"),
            format!("postgresql://u@127.0.0.1:1/db?password={encoded}"),
            format!("postgres://127.0.0.1:1/db?password=a&password={encoded}"),
            format!(
                "host=127.0.0.1 port=1 user=u password='{}' dbname=db",
                password.replace('\\', "\\\\").replace('\'', "\\'")
            ),
            format!("mysql://u:{encoded}@127.0.0.1:1/db"),
            format!("mariadb://u:{password}@127.0.0.1:1/db"),
            // A real server that refuses the password: its message must not carry it either.
            format!("mysql://nobody:{encoded}@127.0.0.1:3306/test"),
        ];
        for url in &urls {
            for args in commands {
                let out = console()
                    .arg("--database-url")
                    .arg(url)
                    .args(args)
                    .output()
                    .unwrap();
                let (stdout, stderr) = text(&out);
                let what = format!("{url} {args:?}");
                assert_hidden(&password, &encoded, &stdout, &what);
                assert_hidden(&password, &encoded, &stderr, &what);
                assert_ne!(
                    out.status.code(),
                    Some(0),
                    "{what}: nothing listens on port 1"
                );
                assert!(stderr.lines().count() == 1, "{what}: one line: {stderr}");
                assert!(!stderr.contains("stack backtrace"), "{what}: {stderr}");
            }
        }
    }
}

#[test]
fn a_reachable_server_with_a_hostile_password_is_masked_in_info() {
    let Some(db) = TestDb::postgres() else { return };
    // Trust authentication accepts any password: it is carried, never shown.
    let (password, encoded) = hostile_passwords().pop().unwrap();
    let url = db
        .url()
        .replacen("://postgres@", &format!("://postgres:{encoded}@"), 1);
    let out = run_at(&url, &["info"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("postgres:***@"), "{stdout}");
    assert_hidden(&password, &encoded, &stdout, "info");
}

#[test]
fn a_keyword_value_string_is_postgres_never_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let info = |url: &str| {
        let out = console()
            .current_dir(dir.path())
            .args(["--database-url", url, "info"])
            .output()
            .unwrap();
        let (stdout, stderr) = text(&out);
        assert!(
            !stderr.contains("S3cretKw") && !stdout.contains("S3cretKw"),
            "{stderr}"
        );
        let files = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(files, 0, "no file was created");
        (out.status.code(), stderr)
    };
    let (code, stderr) = info("host=127.0.0.1 port=1 user=u password=S3cretKw dbname=x");
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("PostgreSQL"), "{stderr}");
    let (code, stderr) = info("host=127.0.0.1 bogus=1 password=S3cretKw");
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("bogus"), "{stderr}");
}

#[test]
fn errors_are_one_sentence_whatever_rust_backtrace_says() {
    let db = TestDb::sqlite();
    let cases: [(&[&str], i32); 7] = [
        (&["get-or-create", "--lookup", "first_name=A"], 2),
        (&["get-or-create", "--lookup", "nope=1"], 2),
        (&["get-or-create", "--bogus-flag"], 2),
        (&["frobnicate"], 2),
        (&["list", "--limit", "0"], 2),
        (&["get-or-create", "--lookup", "age=x"], 2),
        (&["get-or-create", "--lookup", "id=99"], 2),
    ];
    for (args, code) in cases {
        for backtrace in ["1", "full", "0"] {
            let out = console()
                .env("RUST_BACKTRACE", backtrace)
                .arg("--database-url")
                .arg(db.url())
                .args(args)
                .output()
                .unwrap();
            let (_, stderr) = text(&out);
            assert_eq!(out.status.code(), Some(code), "{args:?}: {stderr}");
            assert!(
                stderr.lines().count() <= 2,
                "{args:?}: at most two lines: {stderr}"
            );
            assert!(!stderr.contains("backtrace"), "{args:?}: {stderr}");
        }
    }
    for url in [
        "",
        "   ",
        "gopher://x",
        "mysql://root@h:x/db",
        "mariadb://h/db?bogus=1",
    ] {
        let out = run_at(url, &["info"]);
        let (_, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(2), "{url:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{url:?}: {stderr}");
    }
}

#[test]
fn a_huge_value_is_cut_in_the_message() {
    let db = TestDb::sqlite();
    let huge = format!("first_name={}", "x".repeat(10_000));
    let out = console()
        .args([
            "--database-url",
            &db.url(),
            "get-or-create",
            "--lookup",
            &huge,
        ])
        .output()
        .unwrap();
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr.len() < 600, "{} bytes: {stderr}", stderr.len());
}

#[test]
fn a_foreign_sqlite_file_is_refused_and_left_byte_for_byte_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("theirs.db");
    {
        let mut conn = diesel::SqliteConnection::establish(path.to_str().unwrap()).unwrap();
        conn.batch_execute(
            "CREATE TABLE profiles (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO profiles (name) VALUES ('theirs');",
        )
        .unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    for args in [&["info"][..], &["migrate"], CREATE_A_B] {
        let out = console()
            .arg("--database-url")
            .arg(&path)
            .args(args)
            .output()
            .unwrap();
        let (_, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(
            stderr.contains("not a profile-console database"),
            "{stderr}"
        );
        assert!(stderr.contains("nothing was changed"), "{stderr}");
    }
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "the file is unchanged"
    );
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["theirs.db"], "no WAL or other file appeared");
}

#[test]
fn a_foreign_postgres_profiles_table_is_refused() {
    let Some(db) = TestDb::postgres() else { return };
    let mut admin = PgConnection::establish(&db.url()).unwrap();
    admin
        .batch_execute("CREATE TABLE profiles (id serial PRIMARY KEY, name text)")
        .unwrap();
    let out = run_at(&db.url(), &["info"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("did not create"), "{stderr}");
    let migrations = common::pg_values(
        &db.url(),
        "SELECT CAST(to_regclass('__diesel_schema_migrations') IS NOT NULL AS TEXT) AS value",
    );
    assert_eq!(migrations, ["false"], "nothing was added");
}

/// Rows another client wrote with characters that would steer a terminal are shown escaped.
#[test]
fn rows_from_other_clients_are_printed_escaped() {
    let db = TestDb::sqlite();
    db.repo();
    let DatabaseTargetPath(path) = DatabaseTargetPath::of(&db);
    let mut conn = diesel::SqliteConnection::establish(&path).unwrap();
    conn.batch_execute(
        "INSERT INTO profiles (first_name, last_name, gender, age, created_at, updated_at) \
         VALUES ('Evil' || char(155) || '2J', 'Bidi' || char(8238) || 'x', 'M', 5, '2026-01-01 00:00:00', '2026-01-01 00:00:00'), \
                (char(8203), 'Zero', 'F', 6, '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
    )
    .unwrap();
    for args in [
        &["list"][..],
        &["list", "--json"],
        &["get-or-create", "--lookup", "age=5"],
        &["get-or-create", "--lookup", "age=6", "--json"],
    ] {
        let out = console()
            .arg("--database-url")
            .arg(db.url())
            .args(args)
            .output()
            .unwrap();
        let (stdout, stderr) = text(&out);
        assert!(out.status.success(), "{args:?}: {stderr}");
        for raw in ['\u{9b}', '\u{202e}', '\u{200b}', '\u{1b}'] {
            assert!(!stdout.contains(raw), "{args:?}: raw {raw:?} in {stdout:?}");
        }
    }
}

struct DatabaseTargetPath(String);

impl DatabaseTargetPath {
    fn of(db: &TestDb) -> Self {
        DatabaseTargetPath(db.url().trim_start_matches("sqlite://").to_owned())
    }
}

/// A server process that stops answering mid-query (SIGSTOP) does not hold the command forever:
/// it ends with a clear error once the timeout and the grace period have passed.
#[test]
fn a_frozen_server_gives_a_clear_error_in_bounded_time() {
    let Some(db) = TestDb::postgres() else { return };
    db.repo();
    let mut admin = PgConnection::establish(&db.url()).unwrap();
    // Hold the table so the command's query waits, find its server process, freeze it, release.
    admin
        .batch_execute("BEGIN; LOCK TABLE profiles IN ACCESS EXCLUSIVE MODE")
        .unwrap();
    let started = Instant::now();
    let child = console()
        .args(["--database-url", &db.url(), "--timeout", "2", "list"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = common::waiting_server_process(&db.url(), "", "the command never reached the server");
    let _frozen = common::Frozen::freeze(pid);
    admin.batch_execute("ROLLBACK").unwrap();
    let out = child.wait_with_output().unwrap();
    let waited = started.elapsed();
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("has not answered"), "{stderr}");
    // A command that only reads has no write to be unsure about.
    assert!(
        stderr.contains("run the command again once it answers") && !stderr.contains("write"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(waited < Duration::from_secs(20), "ended after {waited:?}");
}

/// The same for an import into an empty table, which runs its batches on connections of their
/// own: the server process of one batch freezes while the next batch waits for its turn to
/// commit (no statement in flight on that connection), and the command still ends in bounded
/// time.
#[test]
fn a_frozen_server_under_a_side_by_side_import_gives_a_clear_error_in_bounded_time() {
    let Some(db) = TestDb::postgres() else { return };
    db.repo();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("people.csv");
    let mut rows = String::from("first_name,last_name,gender,age\n");
    for n in 0..2_000 {
        rows.push_str(&format!("Frozen{n},Import,F,{}\n", n % 100));
    }
    std::fs::write(&file, rows).unwrap();
    // A name of the third batch (the second that runs on a connection of its own), inserted and
    // not committed: that batch's insert waits for it, and the batch after it, done, waits for
    // its turn to commit.
    let mut admin = PgConnection::establish(&db.url()).unwrap();
    admin
        .batch_execute(
            "BEGIN; INSERT INTO profiles (first_name, last_name, gender, age, created_at, updated_at) \
             VALUES ('Frozen250', 'Import', 'F', 50, now(), now())",
        )
        .unwrap();
    let started = Instant::now();
    let child = console()
        .env("XDG_DATA_HOME", dir.path())
        .args(["--database-url", &db.url(), "--timeout", "2", "import"])
        .arg(&file)
        .args(["--batch-size", "100"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = common::waiting_server_process(
        &db.url(),
        "AND query LIKE 'INSERT INTO profiles%'",
        "the import never waited on the name",
    );
    let _frozen = common::Frozen::freeze(pid);
    admin.batch_execute("ROLLBACK").unwrap();
    let mut child = child;
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!("the import still waits on the frozen server after 30 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let waited = started.elapsed();
    let out = child.wait_with_output().unwrap();
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("has not answered"), "{stderr}");
    assert!(waited < Duration::from_secs(20), "ended after {waited:?}");
}

/// A lock held by another session past the timeout is reported as such, in bounded time.
fn a_lock_held_past_the_timeout_is_reported(db: &TestDb, holder: &mut dyn FnMut(&str)) {
    let mut repo = db.repo();
    repo.get_or_create(&common::goc(
        &[("first_name", "Held"), ("last_name", "Row")],
        &[("gender", "M"), ("age", "1")],
    ))
    .unwrap();
    holder("BEGIN; SELECT * FROM profiles FOR UPDATE");
    let started = Instant::now();
    let out = console()
        .args([
            "--database-url",
            &db.url(),
            "--timeout",
            "1",
            "update-or-create",
        ])
        .args([
            "--lookup",
            "first_name=Held",
            "--lookup",
            "last_name=Row",
            "--default",
            "age=2",
        ])
        .output()
        .unwrap();
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.to_lowercase().contains("timeout"), "{stderr}");
    // The lock wait, retried within the 10 s bound where the server calls it transient.
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
    holder("ROLLBACK");
}

#[test]
fn a_lock_held_past_the_timeout_is_reported_on_postgres() {
    let Some(db) = TestDb::postgres() else { return };
    let mut admin = PgConnection::establish(&db.url()).unwrap();
    a_lock_held_past_the_timeout_is_reported(&db, &mut |sql| admin.batch_execute(sql).unwrap());
}

#[test]
fn a_lock_held_past_the_timeout_is_reported_on_mysql() {
    let Some(db) = TestDb::mysql() else { return };
    let mut admin = diesel::MysqlConnection::establish(&db.url()).unwrap();
    a_lock_held_past_the_timeout_is_reported(&db, &mut |sql| admin.batch_execute(sql).unwrap());
}

/// A MySQL/MariaDB server that starts its sessions with autocommit off and a one-row limit on
/// every SELECT (`init_connect`, which the server runs for users without SUPER): every write
/// reported done is stored, and reads are whole. (Before, a created row was reported and then
/// lost when the connection closed.)
#[test]
fn mysql_sessions_the_server_sets_up_to_lose_writes_still_store_them() {
    let Some(db) = TestDb::mysql() else { return };
    db.repo();
    let (url, restore) = PlainUser::create(
        &db,
        "SET GLOBAL init_connect = 'SET autocommit = 0; SET sql_select_limit = 1'",
        "SET GLOBAL init_connect = ''",
    );
    for first in ["Kept", "Also"] {
        let out = console()
            .args(["--database-url", &url, "get-or-create", "--lookup"])
            .arg(format!("first_name={first}"))
            .args(["--lookup", "last_name=B", "--default", "gender=M"])
            .args(["--default", "age=1"])
            .output()
            .unwrap();
        let (stdout, stderr) = text(&out);
        assert!(out.status.success(), "{stderr}");
        assert!(stdout.starts_with("created"), "{stdout}");
    }
    let out = run_at(&url, &["list"]);
    let (stdout, stderr) = text(&out);
    assert!(
        stdout.contains("Kept") && stdout.contains("Also"),
        "{stdout}{stderr}"
    );
    drop(restore);
    assert_eq!(
        db.values("SELECT first_name AS value FROM profiles ORDER BY id"),
        ["Kept", "Also"]
    );
}

/// A MySQL/MariaDB user without SUPER on `db` (the server's session set-up and read-only mode
/// apply to such users only), with server-wide settings `set` until the guard drops (then
/// `reset`, and the user goes). Other tests connect as root, whom neither touches.
struct PlainUser<'a> {
    db: &'a TestDb,
    user: String,
    reset: &'static str,
    /// Server-wide settings touch every such user: one test at a time sets them.
    _alone: std::sync::MutexGuard<'static, ()>,
}

impl<'a> PlainUser<'a> {
    fn create(db: &'a TestDb, set: &str, reset: &'static str) -> (String, PlainUser<'a>) {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        static SERVER_WIDE: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let alone = SERVER_WIDE
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let user = format!(
            "pc_user_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        );
        let name = db.name().unwrap();
        db.execute_as_other_client(&format!(
            "CREATE USER '{user}'@'%'; GRANT ALL ON `{name}`.* TO '{user}'@'%'; {set}"
        ))
        .unwrap();
        let url = db.url().replacen("root@", &format!("{user}@"), 1);
        (
            url,
            PlainUser {
                db,
                user,
                reset,
                _alone: alone,
            },
        )
    }
}

impl Drop for PlainUser<'_> {
    fn drop(&mut self) {
        let _ = self.db.execute_as_other_client(&format!(
            "{}; DROP USER IF EXISTS '{}'@'%'",
            self.reset, self.user
        ));
    }
}

/// A read-only MySQL/MariaDB server (a replica): reads work, and a write is refused with status
/// 2, saying the database refused it, and nothing written.
#[test]
fn a_read_only_mysql_server_reads_and_refuses_writes_plainly() {
    let Some(db) = TestDb::mysql() else { return };
    db.repo()
        .get_or_create(&common::goc(
            &[("first_name", "Before"), ("last_name", "Replica")],
            &[("gender", "F"), ("age", "1")],
        ))
        .unwrap();
    let (url, restore) =
        PlainUser::create(&db, "SET GLOBAL read_only = 1", "SET GLOBAL read_only = 0");
    reads_work_and_writes_are_refused_plainly(&url);
    drop(restore);
    assert_eq!(
        db.values("SELECT first_name AS value FROM profiles"),
        ["Before"]
    );
}

/// On a database the server keeps read-only: `list` shows the row made before, and a write exits
/// 2 with one sentence saying the database refused it and nothing was written.
fn reads_work_and_writes_are_refused_plainly(url: &str) {
    let out = run_at(url, &["list"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("Before"), "{stdout}");
    let out = console()
        .args(["--database-url", url])
        .args(CREATE_A_B)
        .output()
        .unwrap();
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("read-only") && stderr.contains("nothing was written"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

/// A PostgreSQL database whose default is read-only (`ALTER DATABASE … SET
/// default_transaction_read_only = on`, an administrator stopping writes): reads work, a write
/// exits 2 saying the database refused it, and nothing is written; once the default is reset,
/// writes work again. (Sessions set it off before: the administrator's setting was overridden.)
#[test]
fn a_postgres_database_read_only_by_default_refuses_writes_plainly() {
    let Some(db) = TestDb::postgres() else { return };
    db.repo()
        .get_or_create(&common::goc(
            &[("first_name", "Before"), ("last_name", "Freeze")],
            &[("gender", "F"), ("age", "1")],
        ))
        .unwrap();
    let name = db.name().expect("a server database").to_owned();
    let mut admin = diesel::PgConnection::establish(&db.url()).unwrap();
    admin
        .batch_execute(&format!(
            "ALTER DATABASE {name} SET default_transaction_read_only = on"
        ))
        .unwrap();
    reads_work_and_writes_are_refused_plainly(&db.url());
    admin
        .batch_execute(&format!(
            "ALTER DATABASE {name} RESET default_transaction_read_only"
        ))
        .unwrap();
    let out = console()
        .args(["--database-url", &db.url()])
        .args(CREATE_A_B)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out).1);
    assert_eq!(
        db.values("SELECT first_name AS value FROM profiles ORDER BY id"),
        ["Before", "A"]
    );
}

/// `ssl_mode=REQUIRED` on MySQL/MariaDB means an encrypted session or none: the MariaDB client
/// library ignores the option, and went on in plain text with a server that has TLS off.
#[test]
fn a_mysql_url_that_requires_tls_gets_it_or_no_connection() {
    let Some(db) = TestDb::mysql() else { return };
    let tls_on = db.values("SELECT @@have_ssl AS value") == ["YES"];
    for mode in ["REQUIRED", "VERIFY_IDENTITY"] {
        let url = format!("{}?ssl_mode={mode}", db.url());
        let out = run_at(&url, &["info"]);
        let (_, stderr) = text(&out);
        if tls_on {
            // Verifying the server needs its CA; plain REQUIRED needs nothing more.
            assert!(mode != "REQUIRED" || out.status.success(), "{stderr}");
        } else {
            assert!(!out.status.success(), "{stderr}");
            assert!(
                stderr.contains("asks for an encrypted connection, and this one is not"),
                "{stderr}"
            );
        }
    }
}

/// A MySQL/MariaDB server that logs statements for replication (`binlog_format = STATEMENT`
/// with the binary log on) refuses InnoDB writes at READ COMMITTED (error 1665), even the
/// migrations'. Sessions that may log rows instead do, and everything works; a user who may not
/// is refused with status 2 and what to ask for, and reads still work. (Runs where the server's
/// binary log is on, which takes a restart to change: by hand with `mysqld_safe --log-bin`.)
#[test]
fn a_mysql_server_logging_statements_still_stores_writes() {
    let Some(db) = TestDb::mysql() else { return };
    if db.values("SELECT IF(@@log_bin = 1, 'on', 'off') AS value") != ["on"] {
        eprintln!("skipped: the server's binary log is off");
        return;
    }
    let (url, restore) = PlainUser::create(
        &db,
        "SET GLOBAL binlog_format = 'STATEMENT'",
        "SET GLOBAL binlog_format = 'MIXED'",
    );
    let get_or_create = |url: &str, first: &str| {
        console()
            .args(["--database-url", url, "get-or-create", "--lookup"])
            .arg(format!("first_name={first}"))
            .args(["--lookup", "last_name=Logged", "--default", "gender=M"])
            .args(["--default", "age=1"])
            .output()
            .unwrap()
    };
    // As root (who may log rows): a new database is set up and written.
    let out = get_or_create(&db.url(), "Root");
    let (stdout, stderr) = text(&out);
    assert!(stdout.starts_with("created"), "{stdout}{stderr}");
    // A user who may not: refused, plainly; reads work.
    let out = get_or_create(&url, "Plain");
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("binlog_format = STATEMENT") && stderr.contains("nothing was written"),
        "{stderr}"
    );
    let out = run_at(&url, &["list"]);
    assert!(text(&out).0.contains("Root"));
    drop(restore);
    assert_eq!(
        db.values("SELECT first_name AS value FROM profiles"),
        ["Root"]
    );
}

/// MySQL and MariaDB commit each schema change at once: a user who may not create triggers used
/// to get the first migration's tables and then a refusal, and every later open failed on the
/// tables made ("already exists"). The set-up is now tried on a scratch table first: refused,
/// nothing of it is made, the message says what to grant, and once granted the same command
/// sets the database up.
#[test]
fn a_mysql_user_who_may_not_create_triggers_is_told_before_anything_is_made() {
    let Some(db) = TestDb::mysql() else { return };
    let name = db.name().unwrap().to_owned();
    let user = format!("pc_notrig_{}", std::process::id());
    db.execute_as_other_client(&format!(
        "DROP USER IF EXISTS '{user}'@'%'; CREATE USER '{user}'@'%'; GRANT SELECT, INSERT, \
         UPDATE, DELETE, CREATE, DROP, INDEX, ALTER ON `{name}`.* TO '{user}'@'%'"
    ))
    .unwrap();
    let url = db.url().replacen("root@", &format!("{user}@"), 1);
    let list = || run_at(&url, &["list"]);
    for _ in 0..2 {
        let out = list();
        let (_, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(
            stderr.contains("TRIGGER command denied") && stderr.contains("nothing was set up"),
            "{stderr}"
        );
        let tables = db.values(&format!(
            "SELECT CAST(table_name AS CHAR) AS value FROM information_schema.tables \
             WHERE table_schema = '{name}' AND table_name <> '__diesel_schema_migrations'"
        ));
        assert!(tables.is_empty(), "{tables:?}");
    }
    db.execute_as_other_client(&format!("GRANT TRIGGER ON `{name}`.* TO '{user}'@'%'"))
        .unwrap();
    let out = list();
    let (_, stderr) = text(&out);
    let _ = db.execute_as_other_client(&format!("DROP USER IF EXISTS '{user}'@'%'"));
    assert!(out.status.success(), "{stderr}");
}

/// A PostgreSQL user without the rights the set-up needs (CREATE on the schema, which
/// PostgreSQL 15 no longer grants to everyone; CREATE on the database for pg_trgm) is told which
/// to ask for, and once granted the same command goes on from where the set-up stopped.
#[test]
fn a_postgres_user_without_create_rights_is_told_what_to_ask_for() {
    let Some(db) = TestDb::postgres() else { return };
    let name = db.name().unwrap().to_owned();
    let role = format!("pc_nocreate_{}", std::process::id());
    db.execute_as_other_client(&format!(
        "DROP ROLE IF EXISTS {role}; CREATE ROLE {role} LOGIN; \
         REVOKE CREATE ON SCHEMA public FROM PUBLIC; REVOKE CREATE ON DATABASE \"{name}\" FROM PUBLIC"
    ))
    .unwrap();
    let url = db.url().replacen("postgres@", &format!("{role}@"), 1);
    let list = || run_at(&url, &["list"]);
    let out = list();
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("grant this user CREATE on the schema"),
        "{stderr}"
    );
    db.execute_as_other_client(&format!("GRANT CREATE ON SCHEMA public TO {role}"))
        .unwrap();
    let out = list();
    let (_, stderr) = text(&out);
    assert!(
        out.status.success() || stderr.contains("CREATE EXTENSION pg_trgm"),
        "{stderr}"
    );
    db.execute_as_other_client(&format!("GRANT CREATE ON DATABASE \"{name}\" TO {role}"))
        .unwrap();
    let out = list();
    let (_, stderr) = text(&out);
    let _ = db.execute_as_other_client(&format!(
        "REASSIGN OWNED BY {role} TO CURRENT_USER; DROP OWNED BY {role}; DROP ROLE {role}"
    ));
    assert!(out.status.success(), "{stderr}");
}

/// A PostgreSQL user who may read and write the tables but not take ids from the profiles
/// sequence (an identity column's insert needs no right on it) imports into an empty table as
/// before: on one connection, the load that runs side by side needing that right, ids in the
/// file's order.
#[test]
fn a_postgres_user_without_rights_on_the_sequence_imports_on_one_connection() {
    let Some(db) = TestDb::postgres() else { return };
    db.repo();
    let role = format!("pc_noseq_{}", std::process::id());
    db.execute_as_other_client(&format!(
        "DROP ROLE IF EXISTS {role}; CREATE ROLE {role} LOGIN; \
         GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}; \
         GRANT USAGE ON SEQUENCE profile_changes_id_seq TO {role}"
    ))
    .unwrap();
    let url = db.url().replacen("postgres@", &format!("{role}@"), 1);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("people.csv");
    let mut rows = String::from("first_name,last_name,gender,age\n");
    for n in 0..1_000 {
        rows.push_str(&format!("Noseq{n},Import,F,{}\n", n % 100));
    }
    std::fs::write(&file, rows).unwrap();
    let out = console()
        .env("XDG_DATA_HOME", dir.path())
        .args(["--database-url", &url, "import"])
        .arg(&file)
        .args(["--batch-size", "100"])
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    let stored = common::pg_values(
        &db.url(),
        "SELECT first_name AS value FROM profiles ORDER BY id",
    );
    let _ = db.execute_as_other_client(&format!(
        "REASSIGN OWNED BY {role} TO CURRENT_USER; DROP OWNED BY {role}; DROP ROLE {role}"
    ));
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("1,000 created"), "{stdout}");
    assert_eq!(
        stored,
        (0..1_000).map(|n| format!("Noseq{n}")).collect::<Vec<_>>()
    );
}

/// A MySQL/MariaDB database whose first set-up stopped half-way (its schema changes cannot be
/// undone: the profiles table made, its migration not recorded) is refused with what happened
/// and what to do, not as another program's table; a foreign table alone still is one.
#[test]
fn a_mysql_set_up_that_stopped_half_way_says_so() {
    let Some(db) = TestDb::mysql() else { return };
    db.execute_as_other_client("CREATE TABLE profiles (id INT PRIMARY KEY)")
        .unwrap();
    let info = || run_at(&db.url(), &["info"]);
    let out = info();
    let (_, stderr) = text(&out);
    assert!(stderr.contains("did not create"), "{stderr}");
    db.execute_as_other_client(
        "CREATE TABLE __diesel_schema_migrations (version VARCHAR(50) PRIMARY KEY, \
         run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)",
    )
    .unwrap();
    let out = info();
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("stopped half-way") && stderr.contains("drop the database's tables"),
        "{stderr}"
    );
}

/// A PostgreSQL database whose search_path names no schema that exists: the set-up says so and
/// how to set one, and the URL's options can.
#[test]
fn a_postgres_search_path_naming_no_schema_says_what_to_set() {
    let Some(db) = TestDb::postgres() else { return };
    let name = db.name().unwrap().to_owned();
    db.execute_as_other_client(&format!(
        "ALTER DATABASE \"{name}\" SET search_path = nowhere"
    ))
    .unwrap();
    let out = run_at(&db.url(), &["list"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("search_path names no schema"), "{stderr}");
    let url = format!("{}?options=-c%20search_path%3Dpublic", db.url());
    let out = run_at(&url, &["list"]);
    assert!(out.status.success(), "{}", text(&out).1);
}
