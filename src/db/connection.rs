//! One connection to either backend, opened with the settings the contract asks for.

use diesel::Connection;
use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::sqlite::SqliteConnection;

use super::{Backend, ConnectError, DatabaseTarget, PgTarget, migrations};

/// How long a SQLite writer waits for the lock before "database is locked" (then the bounded retry
/// takes over).
const SQLITE_BUSY_TIMEOUT_MS: u32 = 5_000;

/// A live connection to one of the supported backends.
pub enum AnyConnection {
    Sqlite(SqliteConnection),
    Postgres(PgConnection),
}

impl AnyConnection {
    pub fn backend(&self) -> Backend {
        match self {
            AnyConnection::Sqlite(_) => Backend::Sqlite,
            AnyConnection::Postgres(_) => Backend::Postgres,
        }
    }
}

/// Opens `target`, after checking that it is a profile-console database (or an empty one): a
/// file or database that holds something else is refused before anything is written to it.
///
/// SQLite gets WAL, a busy timeout, foreign keys and `synchronous=FULL` (a committed row survives
/// power loss). PostgreSQL gets a connect timeout, TCP keepalives, a UTC session, READ COMMITTED
/// as the session's isolation whatever the server's default, and statement and lock timeouts.
pub fn establish(target: &DatabaseTarget) -> Result<AnyConnection, ConnectError> {
    match target {
        DatabaseTarget::Sqlite(path) => {
            let fail =
                |reason: String| ConnectError::new(Backend::Sqlite, target.to_string(), reason);
            if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty())
                && !dir.is_dir()
            {
                return Err(fail(format!(
                    "the directory {} does not exist",
                    dir.display()
                )));
            }
            let path_text = path
                .to_str()
                .ok_or_else(|| fail("the path is not valid UTF-8".to_owned()))?;
            let mut conn = SqliteConnection::establish(path_text)
                .map_err(|err| fail(format!("{err} (is the directory writable?)")))?;
            // Connection settings only: nothing is written to the file yet.
            conn.batch_execute(&format!(
                "PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}; PRAGMA foreign_keys = ON;"
            ))
            .map_err(|err| fail(err.to_string()))?;
            migrations::check_sqlite_is_ours(&mut conn).map_err(fail)?;
            // WAL is recorded in the file, so it comes after the check.
            conn.batch_execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;")
                .map_err(|err| fail(sqlite_open_failure(&err.to_string())))?;
            Ok(AnyConnection::Sqlite(conn))
        }
        DatabaseTarget::Postgres(pg) => {
            let fail = |reason: String| {
                ConnectError::new(Backend::Postgres, pg.to_string(), pg.scrub(&reason))
            };
            let mut conn =
                PgConnection::establish(&pg.conninfo()).map_err(|err| fail(err.to_string()))?;
            conn.batch_execute(&postgres_session_settings(pg))
                .map_err(|err| fail(err.to_string()))?;
            migrations::check_postgres_is_ours(&mut conn).map_err(fail)?;
            Ok(AnyConnection::Postgres(conn))
        }
    }
}

/// The session: UTC (timestamps are handed over as UTC), READ COMMITTED (the isolation the
/// contract's locks assume), and statement and lock timeouts, so no wait on the server is
/// unbounded.
fn postgres_session_settings(pg: &PgTarget) -> String {
    let ms = pg.timeout().as_millis();
    format!(
        "SET TIME ZONE 'UTC';
         SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ COMMITTED;
         SET statement_timeout = {ms};
         SET lock_timeout = {ms};
         SET idle_in_transaction_session_timeout = {idle};",
        idle = ms.saturating_mul(4)
    )
}

/// What to do about a file SQLite could not set up.
fn sqlite_open_failure(message: &str) -> String {
    if message.contains("locked") {
        format!("{message}: another process holds the file locked; try again when it has finished")
    } else {
        format!("{message} (is the file and its directory writable?)")
    }
}
