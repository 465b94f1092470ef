//! Losing the database: the error says so, and the next operation reconnects.

mod common;

use common::{TestDb, goc};
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use profile_console::Error;
use profile_console::db::{DatabaseTarget, SqliteFile};

#[test]
fn a_lost_postgres_connection_is_reported_and_the_next_operation_reconnects() {
    let Some(db) = TestDb::postgres() else { return };
    let mut repo = db.repo();
    let request = goc(
        &[("first_name", "Argo"), ("last_name", "Saha")],
        &[("gender", "M"), ("age", "10")],
    );
    repo.get_or_create(&request).unwrap();

    let mut admin = PgConnection::establish(&db.url()).unwrap();
    admin
        .batch_execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
        .unwrap();

    let err = repo.get_or_create(&request).unwrap_err();
    assert!(matches!(err, Error::ConnectionLost(_)), "{err}");
    assert!(err.to_string().contains("lost the connection"), "{err}");
    let (_, outcome) = repo.get_or_create(&request).expect("reconnected");
    assert_eq!(outcome.name(), "fetched");
}

/// A server that closes idle sessions (`idle_session_timeout`): the operation after the pause
/// runs on a new connection instead of failing on the closed one.
#[test]
fn a_connection_the_server_closed_while_idle_is_opened_again_quietly() {
    let Some(db) = TestDb::postgres() else { return };
    let name = db.name().expect("a server database").to_owned();
    let mut admin = PgConnection::establish(&db.url()).unwrap();
    admin
        .batch_execute(&format!(
            "ALTER DATABASE {name} SET idle_session_timeout = '300ms'"
        ))
        .unwrap();
    let mut repo = db.repo();
    let request = goc(
        &[("first_name", "Argo"), ("last_name", "Saha")],
        &[("gender", "M"), ("age", "10")],
    );
    for expected in ["created", "fetched"] {
        std::thread::sleep(std::time::Duration::from_millis(1_500));
        let (_, outcome) = repo.get_or_create(&request).expect("a new connection");
        assert_eq!(outcome.name(), expected);
    }
    admin
        .batch_execute(&format!("ALTER DATABASE {name} RESET idle_session_timeout"))
        .unwrap();
}

#[test]
fn a_locked_sqlite_file_is_waited_for_not_failed() {
    let db = TestDb::sqlite();
    let mut repo = db.repo();
    let DatabaseTarget::Sqlite(SqliteFile { path, .. }) = &db.target else {
        unreachable!()
    };
    // Another client holds the single write lock for a moment.
    let mut other = diesel::SqliteConnection::establish(path.to_str().unwrap()).unwrap();
    other.batch_execute("BEGIN IMMEDIATE").unwrap();
    let releaser = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(700));
        other.batch_execute("COMMIT").unwrap();
    });
    let started = std::time::Instant::now();
    let (_, outcome) = repo
        .get_or_create(&goc(
            &[("gender", "M"), ("age", "3")],
            &[("first_name", "Wait"), ("last_name", "Turn")],
        ))
        .expect("waits for the lock, then creates");
    assert_eq!(outcome.name(), "created");
    assert!(
        started.elapsed() >= std::time::Duration::from_millis(500),
        "it did wait"
    );
    releaser.join().unwrap();
}
