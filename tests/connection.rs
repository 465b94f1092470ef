//! The connection settings the contract asks for.

mod common;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use profile_console::repository::{AnyConnection, establish};

#[derive(QueryableByName)]
struct Mode {
    #[diesel(sql_type = Text)]
    journal_mode: String,
}

#[derive(QueryableByName)]
struct Number {
    #[diesel(sql_type = BigInt)]
    value: i64,
}

#[test]
fn sqlite_runs_wal_full_sync_foreign_keys_and_a_busy_timeout() {
    let db = common::TestDb::sqlite();
    let AnyConnection::Sqlite(mut conn) = establish(&db.target).unwrap() else {
        unreachable!()
    };
    let mode: Mode = diesel::sql_query("PRAGMA journal_mode")
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(mode.journal_mode, "wal");
    #[derive(QueryableByName)]
    struct Timeout {
        #[diesel(sql_type = BigInt)]
        timeout: i64,
    }
    let timeout: Timeout = diesel::sql_query("PRAGMA busy_timeout")
        .get_result(&mut conn)
        .unwrap();
    assert!(timeout.timeout >= 1000, "{}", timeout.timeout);
    let pragma = |conn: &mut SqliteConnection, name: &str| -> i64 {
        diesel::sql_query(format!("SELECT {name} AS value FROM pragma_{name}"))
            .get_result::<Number>(conn)
            .unwrap()
            .value
    };
    // synchronous: 2 = FULL.
    assert_eq!(pragma(&mut conn, "synchronous"), 2);
    assert_eq!(pragma(&mut conn, "foreign_keys"), 1);
}

#[test]
fn postgres_sessions_run_in_utc() {
    let Some(db) = common::TestDb::postgres() else {
        return;
    };
    let AnyConnection::Postgres(mut conn) = establish(&db.target).unwrap() else {
        unreachable!()
    };
    #[derive(QueryableByName)]
    struct Zone {
        #[diesel(sql_type = Text)]
        zone: String,
    }
    let zone: Zone = diesel::sql_query("SELECT current_setting('TimeZone') AS zone")
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(zone.zone, "UTC");
}

#[test]
fn mysql_sessions_run_read_committed_in_utc_and_strict_mode() {
    let Some(db) = common::TestDb::mysql() else {
        return;
    };
    let AnyConnection::Mysql(mut conn) = establish(&db.target).unwrap() else {
        unreachable!()
    };
    #[derive(QueryableByName)]
    struct Session {
        #[diesel(sql_type = Text)]
        isolation: String,
        #[diesel(sql_type = Text)]
        zone: String,
        #[diesel(sql_type = Text)]
        mode: String,
    }
    let session: Session = diesel::sql_query(
        "SELECT CAST(@@SESSION.tx_isolation AS CHAR) AS isolation, \
                CAST(@@SESSION.time_zone AS CHAR) AS zone, CAST(@@SESSION.sql_mode AS CHAR) AS mode",
    )
    .get_result(&mut conn)
    .unwrap();
    assert_eq!(session.isolation, "READ-COMMITTED");
    assert_eq!(session.zone, "+00:00");
    assert!(
        session.mode.contains("STRICT_ALL_TABLES"),
        "{}",
        session.mode
    );
}
