//! Bad input: a clear error, nothing written, no panic.

mod common;

use common::{TestDb, goc};
use profile_console::Error;
use profile_console::db::{ConnectError, DatabaseTarget};
use profile_console::domain::{
    Field, GetOrCreate, InputProblem, ProfileFilter, Role, UpdateOrCreate,
};
use profile_console::repository::Repository;
use std::process::Command;

fn invalid(
    result: Result<impl std::fmt::Debug, profile_console::domain::InvalidInput>,
) -> Vec<InputProblem> {
    result.expect_err("input must be rejected").0
}

#[test]
fn unknown_fields_are_reported_all_at_once_sorted() {
    let problems = invalid(GetOrCreate::parse(
        &[("nick", "x"), ("email", "y")],
        &[("zip", "1")],
    ));
    assert_eq!(
        problems,
        vec![InputProblem::UnknownFields(vec![
            "email".into(),
            "nick".into(),
            "zip".into()
        ])]
    );
    let text = profile_console::domain::InvalidInput(problems).to_string();
    assert!(
        text.starts_with("unknown fields email, nick, zip"),
        "{text}"
    );
}

#[test]
fn managed_columns_and_id_are_never_defaults() {
    let problems = invalid(UpdateOrCreate::parse(
        &[("created_at", "2020-01-01")],
        &[("id", "3"), ("updated_at", "x")],
        Some(&[("id", "4")]),
    ));
    assert!(problems.contains(&InputProblem::ManagedField("created_at".into())));
    assert!(problems.contains(&InputProblem::ManagedField("updated_at".into())));
    assert!(problems.contains(&InputProblem::IdNotAllowed(Role::Default)));
    assert!(problems.contains(&InputProblem::IdNotAllowed(Role::CreateDefault)));
}

#[test]
fn a_field_in_lookup_and_defaults_is_an_error() {
    let problems = invalid(UpdateOrCreate::parse(
        &[("age", "1")],
        &[("age", "2")],
        Some(&[("age", "3")]),
    ));
    assert_eq!(
        problems,
        vec![
            InputProblem::LookupAndDefault(Field::Age, Role::Default),
            InputProblem::LookupAndDefault(Field::Age, Role::CreateDefault)
        ]
    );
}

#[test]
fn a_field_given_twice_is_an_error() {
    let problems = invalid(GetOrCreate::parse(&[("age", "1"), ("age", "1")], &[]));
    assert_eq!(
        problems,
        vec![InputProblem::Repeated(Field::Age, Role::Lookup)]
    );
}

#[test]
fn every_value_rule_names_field_rule_and_value() {
    let cases = [
        ("first_name", ""),
        ("first_name", "   "),
        ("last_name", &"x".repeat(31)),
        ("last_name", &"é".repeat(31)),
        ("gender", ""),
        ("gender", "MF"),
        ("age", "-1"),
        ("age", "151"),
        ("age", "ten"),
        ("age", "10.5"),
        ("id", "0"),
        ("id", "abc"),
    ];
    for (field, value) in cases {
        let problems = invalid(GetOrCreate::parse(&[(field, value)], &[]));
        let text = problems[0].to_string();
        assert!(text.starts_with(field), "{field}={value:?}: {text}");
        assert!(
            text.contains(&format!("{value:?}")),
            "the value is quoted: {text}"
        );
        assert!(text.contains("must be"), "the rule is named: {text}");
    }
}

#[test]
fn characters_that_steer_a_terminal_are_refused_naming_their_position() {
    let cases = [
        ("first_name", "tab\tinside", "U+0009", 4),
        ("last_name", "Esc\u{1b}[2J", "U+001B", 4),
        ("first_name", "Csi\u{9b}31m", "U+009B", 4),
        ("last_name", "abc\u{202E}evil", "U+202E", 4),
        ("first_name", "\u{2066}isolate", "U+2066", 1),
        ("gender", "\u{7f}", "U+007F", 1),
    ];
    for (field, value, code, position) in cases {
        let problems = invalid(GetOrCreate::parse(&[(field, value)], &[]));
        let text = problems[0].to_string();
        assert!(text.starts_with(field), "{value:?}: {text}");
        assert!(text.contains(code), "{value:?}: {text}");
        assert!(
            text.contains(&format!("at character {position}")),
            "{value:?}: {text}"
        );
        assert!(
            !text.contains(value),
            "the raw value is not echoed: {text:?}"
        );
    }
}

#[test]
fn names_with_nothing_visible_are_refused_but_emoji_joiners_are_fine() {
    for value in ["\u{200B}", "\u{200B}\u{200D}\u{FEFF}", "\u{2060}\u{00AD}"] {
        let problems = invalid(GetOrCreate::parse(&[("first_name", value)], &[]));
        assert!(problems[0].to_string().contains("visible"), "{problems:?}");
    }
    let family = "👨\u{200D}👩\u{200D}👧";
    GetOrCreate::parse(&[("first_name", family), ("last_name", "Zoë")], &[]).expect("valid");
}

#[test]
fn a_huge_value_is_cut_in_the_message() {
    let huge = "x".repeat(10_000);
    let problems = invalid(GetOrCreate::parse(&[("first_name", huge.as_str())], &[]));
    let text = problems[0].to_string();
    assert!(text.len() < 300, "{} bytes", text.len());
    assert!(text.contains("10000 characters"), "{text}");
}

#[test]
fn the_thirty_character_boundary_counts_characters() {
    for thirty in [
        "x".repeat(30),
        "é".repeat(30),
        "🦀".repeat(30),
        "Zoë".repeat(10),
    ] {
        assert!(
            GetOrCreate::parse(&[("first_name", thirty.as_str())], &[]).is_ok(),
            "{thirty}"
        );
        let thirty_one = format!("{thirty}a");
        assert!(GetOrCreate::parse(&[("first_name", thirty_one.as_str())], &[]).is_err());
    }
}

fn invalid_update_values_write_nothing(db: &TestDb) {
    let mut repo = db.repo();
    let (row, _) = repo
        .get_or_create(&goc(
            &[("first_name", "Argo"), ("last_name", "Saha")],
            &[("gender", "M"), ("age", "10")],
        ))
        .unwrap();
    // The update path is validated too (Django validates nothing there).
    let id = row.id.to_string();
    assert!(UpdateOrCreate::parse(&[("id", id.as_str())], &[("age", "900")], None).is_err());
    let (same, _) = repo
        .get_or_create(&goc(&[("id", &row.id.to_string())], &[]))
        .unwrap();
    assert_eq!(same, row);
}

fn the_database_enforces_the_rules_for_other_clients(db: &TestDb) {
    // Rows written around the application are held to the same rules by CHECK constraints.
    let _repo = db.repo(); // migrate
    let now = "'2026-01-01 00:00:00'";
    let bad_rows = [
        format!("('', 'Saha', 'M', 10, {now}, {now})"),
        format!("(' Argo', 'Saha', 'M', 10, {now}, {now})"),
        format!("('Argo', '{}', 'M', 10, {now}, {now})", "x".repeat(31)),
        format!("('Argo', 'Saha', 'MF', 10, {now}, {now})"),
        format!("('Argo', 'Saha', 'M', 151, {now}, {now})"),
        format!("('Argo', 'Saha', 'M', -1, {now}, {now})"),
        format!("('Argo', 'Saha', NULL, 1, {now}, {now})"),
        // Control characters, at either end of the range and past it.
        format!("('Ar\u{1}go', 'Saha', 'M', 10, {now}, {now})"),
        format!("('Argo', 'Sa\u{1f}ha', 'M', 10, {now}, {now})"),
        format!("('Argo', 'Saha\u{7f}x', 'M', 10, {now}, {now})"),
        format!("('Argo', 'Sa\tha', 'M', 10, {now}, {now})"),
        format!("('Argo', 'Saha', '\u{7}', 10, {now}, {now})"),
    ];
    for values in bad_rows {
        let sql = format!(
            "INSERT INTO profiles (first_name, last_name, gender, age, created_at, updated_at) VALUES {values}"
        );
        let result = db.execute_as_other_client(&sql);
        assert!(result.is_err(), "the database accepted {values}");
    }
    assert_eq!(db.repo().count(&ProfileFilter::default()).unwrap(), 0);
}

/// Migration 000007 rewrites the names' CHECKs in place on SQLite: a database that already holds
/// rows keeps them, passes its integrity check (which checks every row against the CHECKs), and
/// still refuses control characters; its down migration gives back the old definition.
#[test]
fn sqlite_checks_rewritten_in_place_keep_the_rows_and_the_rules() {
    const DOWN: &str =
        include_str!("../migrations/sqlite/2026-11-27-000007_cheaper_checks/down.sql");
    let db = TestDb::sqlite();
    let mut repo = db.repo();
    for first in ["Argo", "Zoë", "Ünal"] {
        repo.get_or_create(&goc(
            &[("first_name", first), ("last_name", "Saha")],
            &[("gender", "F"), ("age", "30")],
        ))
        .unwrap();
    }
    drop(repo);
    let table = || {
        db.values(
            "SELECT sql AS value FROM sqlite_schema WHERE type = 'table' AND name = 'profiles'",
        )
        .remove(0)
    };
    let rewritten = table();
    assert_eq!(
        rewritten
            .matches("NOT GLOB CAST(x'2a5b012d1f7f5d2a' AS TEXT)")
            .count(),
        3
    );
    assert!(!rewritten.contains("char("), "{rewritten}");

    // Back to the old definition, as before the migration, then forward again over the rows.
    db.execute_as_other_client(&format!(
        "BEGIN IMMEDIATE; {DOWN} \
         DELETE FROM __diesel_schema_migrations WHERE version = '20261127000007'; COMMIT;"
    ))
    .unwrap();
    assert_eq!(table().matches("char(1,2,3,").count(), 3);
    assert_eq!(
        db.values("SELECT integrity_check AS value FROM pragma_integrity_check"),
        ["ok"]
    );
    let mut repo = db.repo();
    assert_eq!(table(), rewritten);
    assert_eq!(
        db.values("SELECT integrity_check AS value FROM pragma_integrity_check"),
        ["ok"]
    );
    assert_eq!(repo.count(&ProfileFilter::default()).unwrap(), 3);
    let now = "'2026-01-01 00:00:00'";
    for name in ["Ar\u{1}go", "Ar\u{1f}go", "Ar\u{7f}go"] {
        let sql = format!(
            "INSERT INTO profiles (first_name, last_name, gender, age, created_at, updated_at) \
             VALUES ('{name}', 'Saha', 'M', 10, {now}, {now})"
        );
        assert!(db.execute_as_other_client(&sql).is_err(), "{name:?}");
    }
    let ok = format!(
        "INSERT INTO profiles (first_name, last_name, gender, age, created_at, updated_at) \
         VALUES ('Ar go~', 'Saha', 'M', 10, {now}, {now})"
    );
    db.execute_as_other_client(&ok).unwrap();
}

on_every_backend!(
    invalid_update_values_write_nothing,
    the_database_enforces_the_rules_for_other_clients,
);

#[test]
fn a_garbage_url_is_one_clear_error() {
    for url in [
        "foo://bar",
        "mysql://root@localhost:notaport/test",
        "sqlite://",
        "  ",
    ] {
        let err = DatabaseTarget::parse(url).map(|_| ()).expect_err(url);
        assert!(err.to_string().starts_with("invalid database URL"), "{err}");
    }
}

#[test]
fn an_unreachable_server_is_reported_with_the_password_masked() {
    let target = DatabaseTarget::parse("postgres://someone:hunter2@127.0.0.1:1/nothing").unwrap();
    let err = Repository::open(target)
        .err()
        .expect("no server listens on port 1");
    let text = err.to_string();
    assert!(text.contains("PostgreSQL"), "{text}");
    assert!(text.contains("someone:***@127.0.0.1:1"), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
    assert!(!text.contains('\n'), "one line: {text}");
}

#[test]
fn a_sqlite_path_in_a_missing_directory_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let target = DatabaseTarget::sqlite(dir.path().join("missing").join("x.db"));
    let err = Repository::open(target).err().expect("missing directory");
    assert!(matches!(err, Error::Connect(ConnectError { .. })), "{err}");
    assert!(err.to_string().contains("does not exist"), "{err}");
    assert!(!dir.path().join("missing").exists(), "nothing was created");
}

#[test]
fn a_sqlite_path_that_is_a_directory_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    for target in [
        DatabaseTarget::sqlite(dir.path()),
        DatabaseTarget::parse(&format!("sqlite://{}", dir.path().display())).unwrap(),
    ] {
        let err = Repository::open(target).err().expect("a directory");
        assert!(matches!(err, Error::Connect(ConnectError { .. })), "{err}");
        assert!(err.to_string().contains("it is a directory"), "{err}");
    }
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing was created"
    );
}

#[test]
fn a_sqlite_path_that_is_a_pipe_or_a_device_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo.db");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if made.is_ok_and(|status| status.success()) {
        let err = Repository::open(DatabaseTarget::sqlite(&fifo))
            .err()
            .expect("a named pipe");
        assert!(err.to_string().contains("it is a named pipe"), "{err}");
    }
    let err = Repository::open(DatabaseTarget::sqlite("/dev/null"))
        .err()
        .expect("a device");
    assert!(
        err.to_string().contains("it is a device, not a file"),
        "{err}"
    );
}

#[test]
fn a_sqlite_path_in_a_read_only_directory_is_reported() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let mut locked = dir.path().join("locked");
    std::fs::create_dir(&locked).unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o555)).unwrap();
    // root ignores directory permissions: use a directory on a read-only file system instead.
    let probe = locked.join("probe");
    if std::fs::write(&probe, b"").is_ok() {
        let _ = std::fs::remove_file(&probe);
        locked = "/proc".into();
    }
    let err = Repository::open(DatabaseTarget::sqlite(locked.join("profiles-test.db")))
        .err()
        .expect("read-only directory");
    let text = err.to_string();
    assert!(
        text.starts_with("cannot open the SQLite database"),
        "{text}"
    );
    assert!(!locked.join("profiles-test.db").exists());
}

#[test]
fn a_file_that_is_not_a_database_is_reported_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("not-a-database.db");
    std::fs::write(
        &path,
        b"this is not a SQLite file, just text that is long enough to be read",
    )
    .unwrap();
    let err = Repository::open(DatabaseTarget::sqlite(path.clone()))
        .err()
        .expect("garbage file");
    assert!(err.to_string().contains("SQLite"), "{err}");
    assert!(
        std::fs::read(&path).unwrap().starts_with(b"this is not"),
        "the file is untouched"
    );
}

#[test]
fn the_missing_fields_message_agrees_in_number() {
    let one =
        profile_console::Error::MissingForCreate(vec![profile_console::domain::Field::Gender]);
    assert_eq!(
        one.to_string(),
        "cannot create a profile: gender has no value; give it as a lookup or a default"
    );
    let two = profile_console::Error::MissingForCreate(vec![
        profile_console::domain::Field::Gender,
        profile_console::domain::Field::Age,
    ]);
    assert!(
        two.to_string()
            .contains("gender and age have no value; give them as lookups or defaults"),
        "{two}"
    );
}
