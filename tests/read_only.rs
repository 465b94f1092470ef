//! `--read-only` on every backend: the database itself refuses writes (not only the console), the
//! command line refuses write commands with status 2, reads work, and nothing changes.

mod common;

use std::process::{Command, Output};

use common::{TestDb, goc, uoc};
use profile_console::Error;
use profile_console::domain::{Lookup, PageRequest, ProfileFilter};
use profile_console::repository::{HistoryQuery, Repository};

/// Everything a reader can see: every profile's fields, and the journal.
fn contents(db: &TestDb) -> (Vec<String>, Vec<String>) {
    (
        db.values(
            "SELECT CONCAT(id, ' ', first_name, ' ', last_name, ' ', gender, ' ', age, ' ', \
             updated_at) AS value FROM profiles ORDER BY id",
        ),
        db.values("SELECT CONCAT(id, ' ', action) AS value FROM profile_changes ORDER BY id"),
    )
}

fn concat_supported(db: &TestDb) -> bool {
    // SQLite has no CONCAT before 3.44; the bundled one has it.
    db.values("SELECT CONCAT('a', 1) AS value") == ["a1"]
}

fn read_only_repository(db: &TestDb) -> Repository {
    Repository::open(db.target.clone().with_read_only(true)).expect("open read-only")
}

/// Called directly, bypassing the console and the command line, every write is refused by the
/// database with `Error::ReadOnly`; reads work; nothing changes.
fn the_database_refuses_writes_through_the_repository(db: &TestDb) {
    assert!(concat_supported(db));
    let mut writer = db.repo();
    let (ada, _) = writer
        .get_or_create(&goc(
            &[("first_name", "Ada"), ("last_name", "Byron")],
            &[("gender", "F"), ("age", "36")],
        ))
        .unwrap();
    let before = contents(db);

    let mut repo = read_only_repository(db);
    assert!(repo.read_only());
    let refused = |result: Result<(), Error>, what: &str| match result {
        Err(Error::ReadOnly { reason }) => assert!(!reason.is_empty(), "{what}"),
        other => panic!("{what}: expected a read-only refusal, got {other:?}"),
    };
    let new = goc(
        &[("first_name", "New"), ("last_name", "Person")],
        &[("gender", "M"), ("age", "20")],
    );
    refused(repo.get_or_create(&new).map(drop), "get_or_create, new");
    refused(
        repo.update_or_create(&uoc(
            &[("first_name", "Ada"), ("last_name", "Byron")],
            &[("age", "37")],
            None,
        ))
        .map(drop),
        "update_or_create",
    );
    refused(
        repo.update_or_create(&uoc(
            &[("id", &ada.id.to_string())],
            &[("first_name", "Augusta")],
            None,
        ))
        .map(drop),
        "rename by id",
    );
    refused(repo.delete(ada.id).map(drop), "delete");
    refused(
        repo.delete_matching(&Lookup::by_id(ada.id)).map(drop),
        "delete by lookup",
    );
    let change = writer
        .history(&HistoryQuery {
            limit: 1,
            ..HistoryQuery::default()
        })
        .unwrap()[0]
        .id;
    refused(repo.undo(change).map(drop), "undo");
    refused(repo.seed(10, |_| {}).map(drop), "seed");

    // Reads work.
    let page = repo
        .page(&PageRequest {
            limit: 10,
            ..PageRequest::default()
        })
        .unwrap();
    assert_eq!(page.len(), 1);
    assert_eq!(repo.count(&ProfileFilter::default()).unwrap(), 1);
    assert_eq!(
        repo.history(&HistoryQuery {
            limit: 10,
            ..HistoryQuery::default()
        })
        .unwrap()
        .len(),
        1
    );
    repo.inspect().expect("inspect works read-only");
    assert_eq!(
        contents(db),
        before,
        "a read-only repository changed the database"
    );

    // The writer still writes: read-only is per connection, not a lock.
    writer.get_or_create(&new).unwrap();
}

/// A database this version has not migrated cannot be opened read-only (migrating writes), and
/// says what to do.
fn an_unmigrated_database_is_refused_read_only(db: &TestDb) {
    let err = Repository::open(db.target.clone().with_read_only(true))
        .err()
        .expect("refused");
    let text = err.to_string();
    assert!(
        text.contains("without --read-only") || text.contains("no such file"),
        "{text}"
    );
    // Nothing was created by trying.
    match &db.target {
        profile_console::db::DatabaseTarget::Sqlite(file) => assert!(!file.path.exists()),
        other => {
            let schema = match other.backend() {
                profile_console::db::Backend::Mysql => "DATABASE()",
                _ => "current_schema()",
            };
            assert!(
                db.values(&format!(
                    "SELECT CAST(table_name AS CHAR) AS value FROM information_schema.tables \
                     WHERE table_name IN ('profiles', '__diesel_schema_migrations') \
                     AND table_schema = {schema}"
                ))
                .is_empty()
            );
        }
    }
}

fn cli(db: &TestDb, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_profile-console"));
    command
        .env_remove("RUST_BACKTRACE")
        .env_remove("DATABASE_URL")
        .arg("--database-url")
        .arg(db.url());
    if args.first() != Some(&"--read-write") {
        command.arg("--read-only");
    }
    command
        .args(args.iter().filter(|arg| **arg != "--read-write"))
        .output()
        .expect("run profile-console")
}

/// A database a newer version set up (it records a migration this version does not know) is
/// refused for writing, by every command and by the repository, with one sentence that says
/// what to do; `--read-only` still looks at it; nothing is written either way.
fn a_database_set_up_by_a_newer_version_is_only_read(db: &TestDb) {
    db.repo()
        .get_or_create(&goc(
            &[("first_name", "Ada"), ("last_name", "Byron")],
            &[("gender", "F"), ("age", "36")],
        ))
        .unwrap();
    db.execute_as_other_client(
        "INSERT INTO __diesel_schema_migrations (version) VALUES ('29990101000001')",
    )
    .unwrap();
    let before = contents(db);
    match Repository::open(db.target.clone()) {
        Err(Error::NewerSchema { version }) => assert_eq!(version, "29990101000001"),
        other => panic!("expected a newer-schema refusal, got {:?}", other.map(drop)),
    }
    for args in [
        &["--read-write", "list"][..],
        &[
            "--read-write",
            "get-or-create",
            "--lookup",
            "first_name=New",
        ],
        &["--read-write", "migrate"],
    ] {
        let output = cli(db, args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(
            stderr.contains("set up by a newer profile-console") && stderr.contains("--read-only"),
            "{args:?}: {stderr}"
        );
    }
    let output = cli(db, &["list"]);
    assert_eq!(output.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&output.stdout).contains("Ada"));
    assert_eq!(contents(db), before);
}

/// Write commands exit 2 with one sentence; reads work; nothing changes.
fn the_command_line_refuses_write_commands(db: &TestDb) {
    db.repo()
        .get_or_create(&goc(
            &[("first_name", "Ada"), ("last_name", "Byron")],
            &[("gender", "F"), ("age", "36")],
        ))
        .unwrap();
    let before = contents(db);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("in.csv");
    std::fs::write(&file, "first_name,last_name,gender,age\nNew,Person,M,20\n").unwrap();
    let file = file.to_str().unwrap();
    for args in [
        &[
            "get-or-create",
            "--lookup",
            "first_name=New",
            "--lookup",
            "last_name=Person",
            "--default",
            "gender=M",
            "--default",
            "age=2",
        ][..],
        &[
            "update-or-create",
            "--lookup",
            "first_name=Ada",
            "--lookup",
            "last_name=Byron",
            "--default",
            "age=40",
        ],
        &["delete", "--lookup", "first_name=Ada"],
        &["undo", "1"],
        &["import", file],
        &["import", "--dry-run", file],
        &["seed", "--count", "5"],
        &["migrate"],
    ] {
        let output = cli(db, args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.contains("read-only"), "{args:?}: {stderr}");
    }
    for args in [
        &["list"][..],
        &["info"],
        &["history"],
        &["export", "--format", "jsonl"],
    ] {
        let output = cli(db, args);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        if args[0] != "info" {
            assert!(
                String::from_utf8_lossy(&output.stdout).contains("Ada"),
                "{args:?}"
            );
        }
    }
    assert_eq!(contents(db), before);
}

on_every_backend!(
    the_database_refuses_writes_through_the_repository,
    an_unmigrated_database_is_refused_read_only,
    the_command_line_refuses_write_commands,
    a_database_set_up_by_a_newer_version_is_only_read,
);
