//! One connection to either backend, opened with the settings the contract asks for.

use diesel::Connection;
use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::sqlite::SqliteConnection;

use super::{Backend, ConnectError, DatabaseTarget};

/// How long a SQLite writer waits for the lock before "database is locked" (then the bounded retry
/// takes over).
const SQLITE_BUSY_TIMEOUT_MS: u32 = 5_000;
/// How long to wait for a PostgreSQL server that does not answer.
const PG_CONNECT_TIMEOUT_S: u32 = 5;

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

/// Opens `target`. SQLite gets WAL, a busy timeout, foreign keys and `synchronous=FULL` (a
/// committed row survives power loss); PostgreSQL gets a connect timeout and a UTC session, since
/// timestamps are handed over as UTC.
pub fn establish(target: &DatabaseTarget) -> Result<AnyConnection, ConnectError> {
    let fail = |reason: String| ConnectError::new(target.backend(), target.to_string(), reason);
    match target {
        DatabaseTarget::Sqlite(path) => {
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
            conn.batch_execute(&format!(
                "PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS};
                 PRAGMA journal_mode = WAL;
                 PRAGMA synchronous = FULL;
                 PRAGMA foreign_keys = ON;"
            ))
            .map_err(|err| fail(format!("{err} (is the file and its directory writable?)")))?;
            Ok(AnyConnection::Sqlite(conn))
        }
        DatabaseTarget::Postgres(url) => {
            let mut conn = PgConnection::establish(&with_connect_timeout(url))
                .map_err(|err| fail(err.to_string()))?;
            conn.batch_execute("SET TIME ZONE 'UTC'; SET application_name = 'profile-console'")
                .map_err(|err| fail(err.to_string()))?;
            Ok(AnyConnection::Postgres(conn))
        }
    }
}

/// Adds `connect_timeout` to a URL that does not set one, so an unreachable server fails in seconds.
fn with_connect_timeout(url: &str) -> String {
    if url.contains("connect_timeout=") {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&connect_timeout={PG_CONNECT_TIMEOUT_S}")
    } else {
        format!("{url}?connect_timeout={PG_CONNECT_TIMEOUT_S}")
    }
}
