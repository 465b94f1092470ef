//! End to end: the real binary in a pseudo-terminal, read back through a terminal emulator
//! (vt100), on a SQLite file and on PostgreSQL.

mod common;

use std::io::{Read, Write};
use std::num::NonZeroU16;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{TestDb, goc};
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use profile_console::domain::Outcome;

const ROWS: u16 = 32;
const COLS: u16 = 120;
const WAIT: Duration = Duration::from_secs(20);

/// The console running in a pseudo-terminal.
struct Session {
    screen: Arc<Mutex<vt100::Parser>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    _master: Box<dyn portable_pty::MasterPty + Send>,
}

impl Session {
    fn start(db: &TestDb) -> Session {
        Session::start_with(db, &[])
    }

    fn start_with(db: &TestDb, extra_args: &[&str]) -> Session {
        Session::start_on(&db.url(), extra_args)
    }

    fn start_on(url: &str, extra_args: &[&str]) -> Session {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: ROWS,
                cols: COLS,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("open a pty");
        let mut command = CommandBuilder::new(env!("CARGO_BIN_EXE_profile-console"));
        command.args(["--database-url", url]);
        command.args(extra_args);
        command.env("TERM", "xterm-256color");
        command.env_remove("DATABASE_URL");
        // The built-in settings, whatever config file this machine's user has.
        command.env("PROFILE_CONSOLE_CONFIG", "/dev/null");
        let child = pair
            .slave
            .spawn_command(command)
            .expect("start profile-console");
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().expect("pty reader");
        let writer = pair.master.take_writer().expect("pty writer");
        let screen = Arc::new(Mutex::new(vt100::Parser::new(
            NonZeroU16::new(ROWS).unwrap(),
            NonZeroU16::new(COLS).unwrap(),
            0,
        )));
        let sink = Arc::clone(&screen);
        std::thread::spawn(move || {
            let mut buffer = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buffer) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().process(&buffer[..n]);
            }
        });
        Session {
            screen,
            writer,
            child,
            _master: pair.master,
        }
    }

    fn contents(&self) -> String {
        self.screen.lock().unwrap().screen().contents()
    }

    fn wait_for(&self, text: &str) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let contents = self.contents();
            if contents.contains(text) {
                return contents;
            }
            assert!(
                Instant::now() < deadline,
                "waited for {text:?}; the screen shows:\n{contents}"
            );
            std::thread::sleep(Duration::from_millis(30));
        }
    }

    /// Sends keys, then pauses so that an Esc is never read together with the next key.
    fn send(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).unwrap();
        self.writer.flush().unwrap();
        std::thread::sleep(Duration::from_millis(150));
    }

    /// Sends the console a signal, as `kill -NAME` does.
    fn signal(&self, name: &str) {
        let pid = self.child.process_id().expect("a pid");
        let status = std::process::Command::new("kill")
            .args([format!("-{name}"), pid.to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    fn wait_for_exit(&mut self) -> portable_pty::ExitStatus {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // Let the reader take the last bytes.
                std::thread::sleep(Duration::from_millis(200));
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "the console did not exit:\n{}",
                self.contents()
            );
            std::thread::sleep(Duration::from_millis(30));
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

const F6: &str = "\x1b[17~";
const ESC: &str = "\x1b";

fn enter_a_profile_see_each_outcome_and_quit(db: &TestDb) {
    let mut console = Session::start(db);
    console.wait_for("profiles");
    console.send("Argo\tSaha\tM\t10");
    console.wait_for("will create");
    console.send("\r");
    let screen = console.wait_for("CREATED #");
    assert!(screen.contains("Argo Saha (M, 10)"), "{screen}");
    assert!(
        screen.contains("NEW"),
        "the row is badged in the table:\n{screen}"
    );

    // Save and next: the form is empty with the first field focused, so the next profile costs
    // its characters plus 4 keys (3 Tab, Enter), as the first did.
    console.send("Bea\tLind\tF\t31\r");
    let screen = console.wait_for("CREATED #2");
    assert!(screen.contains("Bea Lind (F, 31)"), "{screen}");
    console.send("Argo\tSaha\tF\t70\r");
    let screen = console.wait_for("FETCHED #1");
    assert!(screen.contains("not applied: gender F, age 70"), "{screen}");

    // Ctrl-P brings the last entry back for a correction; F6 applies it.
    console.send("\x10");
    console.wait_for("the last saved entry is back");
    console.wait_for("will update");
    console.send(F6);
    let screen = console.wait_for("UPDATED #1");
    assert!(screen.contains("age 10 → 70"), "{screen}");

    // Edit mode: a row from the table, bound to its id; a rename updates it in place.
    console.send(ESC);
    console.send("/lind\r");
    console.wait_for("Matching profiles");
    console.send("e");
    console.wait_for("Editing #2");
    console.send("\t\x15Linx");
    console.wait_for("Enter saves #2: last_name Lind → Linx");
    console.send("\r");
    let screen = console.wait_for("UPDATED #2");
    assert!(screen.contains("last_name Lind → Linx"), "{screen}");
    let mut repo = db.repo();
    let all = repo
        .page(&profile_console::domain::PageRequest::default())
        .unwrap();
    let names: Vec<String> = all
        .iter()
        .map(|p| format!("#{} {} {}", p.id, p.first_name, p.last_name))
        .collect();
    assert_eq!(names, ["#1 Argo Saha", "#2 Bea Linx"]);

    console.send(ESC);
    console.send("q");
    let status = console.wait_for_exit();
    assert!(status.success(), "{status:?}");
    let parser = console.screen.lock().unwrap();
    assert!(
        !parser.screen().alternate_screen(),
        "left the alternate screen"
    );
    assert!(
        !parser.screen().hide_cursor(),
        "the cursor is visible again"
    );
    drop(parser);

    let mut repo = db.repo();
    let (row, outcome) = repo
        .get_or_create(&goc(&[("first_name", "Argo"), ("last_name", "Saha")], &[]))
        .unwrap();
    assert_eq!(
        (outcome, row.age, row.gender.as_str()),
        (Outcome::Fetched, 70, "F")
    );
}

fn typing_a_profile_shows_created_fetched_updated_and_restores_the_terminal(db: &TestDb) {
    enter_a_profile_see_each_outcome_and_quit(db);
}

fn ctrl_c_quits_from_the_form_and_restores_the_terminal(db: &TestDb) {
    let mut console = Session::start(db);
    console.wait_for("profiles");
    console.send("some text");
    console.send("\x03");
    assert!(console.wait_for_exit().success());
    assert!(!console.screen.lock().unwrap().screen().alternate_screen());
}

/// Runs the CLI against `db`, as another process would while the console is open.
fn cli(db: &TestDb, args: &[&str]) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_profile-console"))
        .arg("--database-url")
        .arg(db.url())
        .args(args)
        .env_remove("DATABASE_URL")
        .output()
        .expect("run the CLI");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn row_by_id(db: &TestDb, id: i64) -> Option<profile_console::domain::Profile> {
    db.repo()
        .find(&profile_console::domain::Lookup::by_id(id), 1)
        .unwrap()
        .pop()
}

/// Ctrl-Z undoes a create, an update and a delete, newest first, in the database; h shows the
/// history; another process's write appears in the open console without a key.
fn undo_history_and_a_live_table(db: &TestDb) {
    let mut console = Session::start(db);
    console.wait_for("profiles");
    console.send("Ada\tUndo\tF\t30\r");
    console.wait_for("CREATED #1");
    console.send("\x10");
    console.send("\t\t\t\x1531");
    console.send(F6);
    console.wait_for("UPDATED #1");
    // Undo the update, then the create.
    console.send("\x1a");
    console.wait_for("UNDONE change");
    assert_eq!(row_by_id(db, 1).map(|p| p.age), Some(30));
    console.send("\x1a");
    console.wait_for("is gone again");
    assert_eq!(row_by_id(db, 1), None);
    // A delete, and Ctrl-Z brings it back with its id.
    cli(
        db,
        &[
            "get-or-create",
            "--lookup",
            "first_name=Bo",
            "--lookup",
            "last_name=Live",
            "--default",
            "gender=M",
            "--default",
            "age=7",
        ],
    );
    console.wait_for("Live");
    console.send(ESC);
    console.send("g");
    console.send("d");
    console.send("y");
    console.wait_for("Ctrl-Z brings it back");
    console.send("\x1a");
    console.wait_for("restored #2 Bo Live");
    assert_eq!(
        row_by_id(db, 2).map(|p| p.first_name),
        Some("Bo".to_owned())
    );
    // Another process changes the row: the console shows it, badged, without a key.
    cli(
        db,
        &[
            "update-or-create",
            "--lookup",
            "id=2",
            "--default",
            "age=70",
        ],
    );
    let screen = console.wait_for(" 70 2026");
    assert!(screen.contains("EXT  2"), "{screen}");
    // The history of the row, newest first.
    console.send("h");
    let screen = console.wait_for("History of #2");
    assert!(screen.contains("updated #2: age 7 → 70"), "{screen}");
    assert!(screen.contains("restored #2"), "{screen}");
    console.send(ESC);
    console.send("q");
    assert!(console.wait_for_exit().success());
}

/// `x` writes the table's view to a file; `I` runs a file through get_or_create and says what
/// each row did; the table shows the new rows.
/// One profile, Old Row, written through the command line.
fn add_old_row(db: &TestDb) {
    cli(
        db,
        &[
            "get-or-create",
            "--lookup",
            "first_name=Old",
            "--lookup",
            "last_name=Row",
            "--default",
            "gender=X",
            "--default",
            "age=9",
        ],
    );
}

fn export_and_import_from_the_console(db: &TestDb) {
    let files = tempfile::tempdir().unwrap();
    let exported = files.path().join("view.csv");
    let input = files.path().join("people.csv");
    std::fs::write(
        &input,
        "first_name,last_name,gender,age\nAda,Import,F,30\nBo,Import,M,40\nAda,Import,F,31\n",
    )
    .unwrap();
    add_old_row(db);
    let mut console = Session::start(db);
    console.wait_for("Row");
    console.send(ESC);
    console.send("I");
    console.send(input.to_str().unwrap());
    console.send("\r");
    console.wait_for("2 created, 1 fetched");
    let screen = console.wait_for("Bo");
    assert!(screen.contains("3 profiles"), "{screen}");
    // The rows its own import created are badged as this console's (`+`), not as another
    // client's changes (`EXT`).
    let screen = console.wait_for(" +");
    let bo = screen
        .lines()
        .find(|line| line.contains("Bo"))
        .unwrap_or_default();
    assert!(bo.contains(" +"), "{screen}");
    assert!(!screen.contains("EXT"), "{screen}");
    console.send("x");
    console.send("\x15");
    console.send(exported.to_str().unwrap());
    console.send("\r");
    console.wait_for("exported 3 profiles");
    let written = std::fs::read_to_string(&exported).unwrap();
    assert_eq!(written.lines().count(), 4, "{written}");
    assert!(written.contains(",Ada,Import,F,30,"), "{written}");
    console.send("q");
    assert!(console.wait_for_exit().success());
}

/// `--read-only`: READ-ONLY in the header, F5 and `d` say why they do nothing, the table and
/// export work, and the database is unchanged.
fn read_only_console_refuses_writes_and_still_browses(db: &TestDb) {
    add_old_row(db);
    let files = tempfile::tempdir().unwrap();
    let exported = files.path().join("view.csv");
    let mut console = Session::start_with(db, &["--read-only"]);
    let screen = console.wait_for("Row");
    assert!(screen.contains("READ-ONLY"), "{screen}");
    console.send("New\tPerson\tM\t20");
    console.send("\x1b[15~"); // F5
    console.wait_for("get_or_create would write");
    console.send(ESC);
    console.send("d");
    console.wait_for("delete would write");
    console.send("x");
    console.send("\x15");
    console.send(exported.to_str().unwrap());
    console.send("\r");
    console.wait_for("exported 1 profile");
    console.send("q");
    assert!(console.wait_for_exit().success());
    assert_eq!(
        db.values("SELECT first_name AS value FROM profiles"),
        ["Old"],
        "the read-only console wrote"
    );
}

/// A config file's keys drive the console: F9 runs get_or_create, `D` deletes (and `d` no
/// longer does), and the form starts with its configured roles.
fn remapped_keys_from_a_config_file_drive_the_console(db: &TestDb) {
    let files = tempfile::tempdir().unwrap();
    let config = files.path().join("config.toml");
    std::fs::write(
        &config,
        "[keys.global]\nget_or_create = \"F9\"\n\n[keys.table]\ndelete = \"D\"\n\n\
         [keys.confirm]\nconfirm = \"Y\"\n\n[theme]\nbase = \"light\"\n",
    )
    .unwrap();
    let mut console = Session::start_with(db, &["--config", config.to_str().unwrap()]);
    console.wait_for("F9 get_or_create");
    console.send("Ada\tByron\tF\t36");
    console.send("\x1b[20~"); // F9
    console.wait_for("CREATED");
    console.send(ESC);
    console.send("d");
    console.send("D");
    console.wait_for("Delete");
    console.send("Y");
    console.wait_for("DELETED");
    console.send("q");
    assert!(console.wait_for_exit().success());
    assert!(
        db.values("SELECT first_name AS value FROM profiles")
            .is_empty()
    );
    // A bad file: one sentence naming the line, status 2, nothing opened.
    std::fs::write(&config, "[keys.table]\nsearch = \"F5\"\n").unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_profile-console"))
        .args([
            "--config",
            config.to_str().unwrap(),
            "--database-url",
            &db.url(),
        ])
        .env_remove("RUST_BACKTRACE")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("line 2") && stderr.contains("F5"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

on_every_backend!(
    remapped_keys_from_a_config_file_drive_the_console,
    typing_a_profile_shows_created_fetched_updated_and_restores_the_terminal,
    ctrl_c_quits_from_the_form_and_restores_the_terminal,
    undo_history_and_a_live_table,
    export_and_import_from_the_console,
    read_only_console_refuses_writes_and_still_browses,
);

/// However it is asked to end from outside (`kill`, `timeout`, a process manager; Ctrl-C
/// itself is a key in raw mode), the console restores the terminal.
#[test]
fn a_signal_to_end_restores_the_terminal() {
    let db = TestDb::sqlite();
    for (signal, number) in [("TERM", 15), ("INT", 2), ("QUIT", 3)] {
        let mut console = Session::start(&db);
        console.wait_for("profiles");
        console.signal(signal);
        // As a shell reports a process a signal ended.
        assert_eq!(
            console.wait_for_exit().exit_code(),
            128 + number,
            "SIG{signal}"
        );
        assert!(
            !console.screen.lock().unwrap().screen().alternate_screen(),
            "SIG{signal}"
        );
    }
}

#[test]
fn a_hangup_ends_the_process() {
    // When its terminal closes, the kernel sends the console SIGHUP; it must end, not spin.
    let db = TestDb::sqlite();
    let mut console = Session::start(&db);
    console.wait_for("profiles");
    console.signal("HUP");
    console.wait_for_exit();
}

#[test]
fn the_console_opens_without_its_database_and_connects_when_it_appears() {
    let Some(db) = TestDb::postgres() else { return };
    // The same server, a database that does not exist yet (dropped when `later` goes).
    let later = db
        .sibling_not_created_yet("later")
        .expect("a PostgreSQL test database");
    let later_name = later.name().unwrap().to_owned();
    let mut console = Session::start(&later);
    let screen = console.wait_for("database unavailable, trying again every 3 s");
    assert!(
        screen.contains("cannot open the PostgreSQL database"),
        "{screen}"
    );
    let mut admin = diesel::PgConnection::establish(&db.url()).unwrap();
    admin
        .batch_execute(&format!("CREATE DATABASE {later_name}"))
        .unwrap();
    console.wait_for("connected to the database again");
    console.wait_for("No profiles yet");
    console.send("\x03");
    assert!(console.wait_for_exit().success());
}

/// Holds Argo Saha's row locked from another session while the console runs an update_or_create
/// on it, so the write waits on the server; returns the console's server process.
fn start_a_blocked_write(db: &TestDb, extra_args: &[&str]) -> (Session, PgConnection, i32) {
    db.repo()
        .get_or_create(&goc(
            &[("first_name", "Argo"), ("last_name", "Saha")],
            &[("gender", "M"), ("age", "10")],
        ))
        .unwrap();
    let mut holder = diesel::PgConnection::establish(&db.url()).unwrap();
    holder
        .batch_execute("BEGIN; SELECT * FROM profiles FOR UPDATE")
        .unwrap();
    let mut console = Session::start_with(db, extra_args);
    console.wait_for("Argo");
    console.send("Argo\tSaha\tM\t11");
    console.send("\x1b[17~"); // F6
    let pid = loop {
        let waiting = common::pg_values(
            &db.url(),
            "SELECT CAST(pid AS TEXT) AS value FROM pg_stat_activity WHERE datname = current_database() \
             AND application_name = 'profile-console' AND wait_event_type = 'Lock'",
        );
        if let Some(pid) = waiting.first() {
            break pid.parse().unwrap();
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    (console, holder, pid)
}

/// Ctrl-C while a write waits for a lock: the console says it quits once the write is answered,
/// does, and the answer is printed once the terminal is back.
#[test]
fn a_quit_while_a_write_runs_waits_and_prints_its_answer() {
    let Some(db) = TestDb::postgres() else { return };
    let (mut console, mut holder, _) = start_a_blocked_write(&db, &[]);
    console.send("\x03");
    console.wait_for("quitting once update_or_create");
    holder.batch_execute("ROLLBACK").unwrap();
    let status = console.wait_for_exit();
    assert!(status.success(), "{status:?}");
    let screen = console.contents();
    assert!(screen.contains("UPDATED #1 Argo Saha (M, 11)"), "{screen}");
}

/// A signal while a write waits for a lock: the console ends at once, and says, once the
/// terminal is back, that the write's outcome is unknown.
#[test]
fn a_signal_while_a_write_runs_says_its_outcome_is_unknown() {
    let Some(db) = TestDb::postgres() else { return };
    let (mut console, _holder, _) = start_a_blocked_write(&db, &[]);
    console.signal("TERM");
    console.wait_for_exit();
    let screen = console.contents();
    assert!(
        screen.contains("stopped by a signal: unknown whether update_or_create"),
        "{screen}"
    );
}

#[test]
fn esc_cancels_a_slow_write_on_the_server() {
    let Some(db) = TestDb::postgres() else { return };
    let (mut console, mut holder, _) = start_a_blocked_write(&db, &[]);
    console.wait_for("Esc cancels");
    console.send("\x1b");
    console.wait_for("cancelled on the server");
    holder.batch_execute("ROLLBACK").unwrap();
    let (row, _) = db
        .repo()
        .get_or_create(&goc(&[("first_name", "Argo"), ("last_name", "Saha")], &[]))
        .unwrap();
    assert_eq!(row.age, 10, "the cancelled update wrote nothing");
    console.send("\x03");
    assert!(console.wait_for_exit().success());
}

#[test]
fn a_frozen_server_is_given_up_on_and_the_console_goes_on() {
    let Some(db) = TestDb::postgres() else { return };
    let (mut console, mut holder, pid) = start_a_blocked_write(&db, &["--timeout", "1"]);
    let _frozen = common::Frozen::freeze(pid);
    holder.batch_execute("ROLLBACK").unwrap();
    let screen = console.wait_for("stopped waiting");
    assert!(screen.contains("unknown"), "{screen}");
    // A new worker answers: the table is read again and new writes work.
    console.send("\x1b[15~"); // F5: get_or_create fetches the row
    console.wait_for("FETCHED");
    console.send("\x03");
    let status = console.wait_for_exit();
    assert!(status.success(), "{status:?}\n{}", console.contents());
}

#[test]
fn the_console_never_shows_the_password() {
    let Some(db) = TestDb::postgres() else { return };
    // Trust authentication accepts any password: it is carried, never shown.
    let url = db
        .url()
        .replacen("://postgres@", "://postgres:Pw%3F%2F%40x9Secret@", 1);
    let mut console = Session::start_on(&url, &[]);
    console.wait_for("No profiles yet");
    console.send("Argo\tSaha\tM\t10\r");
    console.wait_for("CREATED");
    for key in ["\x1bOQ", "\x1bOR"] {
        // F2 inspect, then F3 the operation log.
        console.send(key);
        std::thread::sleep(Duration::from_millis(300));
        let screen = console.contents();
        assert!(screen.contains("postgres:***@"), "{screen}");
        for secret in ["x9Secret", "Pw%3F", "Pw?/@"] {
            assert!(!screen.contains(secret), "{secret} shown:\n{screen}");
        }
        console.send("\x1b");
    }
    console.send("\x03");
    assert!(console.wait_for_exit().success());
}

/// A burst of typing far longer than the terminal's read buffer (a paste without bracketed
/// paste): every key after it is taken at once, without waiting for another key.
#[test]
fn keys_after_a_long_burst_are_taken_at_once() {
    let db = TestDb::sqlite();
    let mut console = Session::start(&db);
    console.wait_for("profiles");
    for round in 0..3 {
        console.send("\x18");
        let burst = "b".repeat(5_000 + 997 * round);
        console.send(&format!("{burst}\tQ{round}"));
        console.wait_for(&format!("Q{round}"));
    }
}
