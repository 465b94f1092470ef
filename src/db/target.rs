//! Which database to open: the `--database-url` / `DATABASE_URL` / embedded-default choice.

use std::fmt;
use std::path::{Path, PathBuf};

use super::server_target::{self, ServerTarget};
use super::{Backend, ConnectError};

/// Where the embedded default lives, below the user's data directory.
const DEFAULT_DIR: &str = "profile-console";
const DEFAULT_FILE: &str = "profiles.db";

/// A database the application can open, and how: read-write, or read-only (the database itself
/// then refuses writes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DatabaseTarget {
    /// A SQLite file (or `:memory:`).
    Sqlite(SqliteFile),
    /// A PostgreSQL database.
    Postgres(ServerTarget),
    /// A MySQL or MariaDB database.
    Mysql(ServerTarget),
}

/// A SQLite database file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SqliteFile {
    pub path: PathBuf,
    /// Opened read-only (`mode=ro`): SQLite refuses every write.
    pub read_only: bool,
}

/// Where the choice of database came from, for `info` and the console's inspect view.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TargetSource {
    Flag,
    Environment,
    EmbeddedDefault,
    /// A database the configuration file names: by `--db` (`by_default` false) or as its
    /// `default_database`.
    Named {
        name: String,
        by_default: bool,
    },
}

impl fmt::Display for TargetSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TargetSource::Flag => f.write_str("--database-url"),
            TargetSource::Environment => f.write_str("DATABASE_URL"),
            TargetSource::EmbeddedDefault => f.write_str("embedded default"),
            TargetSource::Named {
                name,
                by_default: false,
            } => write!(f, "--db {name}"),
            TargetSource::Named {
                name,
                by_default: true,
            } => write!(f, "default_database {name:?} in the config file"),
        }
    }
}

impl DatabaseTarget {
    /// Reads a database URL: `postgres://` / `postgresql://` URLs and libpq keyword/value strings
    /// (`host=… dbname=…`) mean PostgreSQL; `mysql://` / `mariadb://` MySQL or MariaDB; `sqlite://PATH`, `file:PATH` or a plain path mean
    /// SQLite.
    pub fn parse(url: &str) -> Result<Self, ConnectError> {
        let url = url.trim();
        if url.is_empty() {
            return Err(ConnectError::bad_url(url, "no database URL given"));
        }
        if server_target::url_backend(url).is_some() || server_target::looks_like_keywords(url) {
            let server = ServerTarget::parse(url)?;
            return Ok(match server.backend() {
                Backend::Mysql => DatabaseTarget::Mysql(server),
                _ => DatabaseTarget::Postgres(server),
            });
        }
        let scheme = url.split_once("://").map(|(scheme, _)| scheme);
        match scheme {
            Some(scheme) if scheme.eq_ignore_ascii_case("sqlite") => {
                sqlite_path(url, &url[scheme.len() + 3..])
            }
            Some(other) if !url.starts_with("file:") => Err(ConnectError::bad_url(
                url,
                format!(
                    "unsupported scheme {:?}; use postgres://…, postgresql://…, mysql://…, \
                     mariadb://…, sqlite://PATH, file:PATH or a plain file path",
                    crate::domain::cut(other)
                ),
            )),
            _ => match url.strip_prefix("file:") {
                Some(rest) => sqlite_path(url, rest.strip_prefix("//").unwrap_or(rest)),
                None => sqlite_path(url, url),
            },
        }
    }

    /// The embedded default: `profiles.db` in the user's data directory, whose folder is created on
    /// first use.
    pub fn embedded_default() -> Result<Self, ConnectError> {
        let Some(data_dir) = dirs::data_dir() else {
            return Err(ConnectError::new(
                Backend::Sqlite,
                "the embedded default".to_owned(),
                "no user data directory is known (is HOME set?); pass --database-url",
            ));
        };
        let dir = data_dir.join(DEFAULT_DIR);
        std::fs::create_dir_all(&dir).map_err(|err| {
            ConnectError::new(
                Backend::Sqlite,
                dir.display().to_string(),
                format!("cannot create the data directory: {err}"),
            )
        })?;
        Ok(DatabaseTarget::sqlite(dir.join(DEFAULT_FILE)))
    }

    /// The database `DATABASE_URL` names, if it is set (and not empty). `.env` must already have
    /// been loaded into the environment (the binary does that first).
    pub fn from_environment() -> Option<Result<Self, ConnectError>> {
        std::env::var("DATABASE_URL")
            .ok()
            .filter(|url| !url.trim().is_empty())
            .map(|url| Self::parse(&url))
    }

    /// A read-write SQLite file.
    pub fn sqlite(path: impl Into<PathBuf>) -> Self {
        DatabaseTarget::Sqlite(SqliteFile {
            path: path.into(),
            read_only: false,
        })
    }

    /// The same target, opened so that the database refuses writes (`read_only`), or not.
    pub fn with_read_only(self, read_only: bool) -> Self {
        match self {
            DatabaseTarget::Sqlite(file) => {
                DatabaseTarget::Sqlite(SqliteFile { read_only, ..file })
            }
            DatabaseTarget::Postgres(pg) => DatabaseTarget::Postgres(pg.with_read_only(read_only)),
            DatabaseTarget::Mysql(my) => DatabaseTarget::Mysql(my.with_read_only(read_only)),
        }
    }

    /// Whether the database is opened so that it refuses writes.
    pub fn read_only(&self) -> bool {
        match self {
            DatabaseTarget::Sqlite(file) => file.read_only,
            DatabaseTarget::Postgres(server) | DatabaseTarget::Mysql(server) => server.read_only(),
        }
    }

    /// The same target with `timeout` for statements and locks on a server (SQLite keeps its own
    /// busy timeout).
    pub fn with_timeout(self, timeout: std::time::Duration) -> Self {
        match self {
            DatabaseTarget::Postgres(pg) => DatabaseTarget::Postgres(pg.with_timeout(timeout)),
            DatabaseTarget::Mysql(my) => DatabaseTarget::Mysql(my.with_timeout(timeout)),
            sqlite => sqlite,
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            DatabaseTarget::Sqlite(_) => Backend::Sqlite,
            DatabaseTarget::Postgres(_) => Backend::Postgres,
            DatabaseTarget::Mysql(_) => Backend::Mysql,
        }
    }

    /// The server, if this is a database on one.
    pub fn server(&self) -> Option<&ServerTarget> {
        match self {
            DatabaseTarget::Postgres(server) | DatabaseTarget::Mysql(server) => Some(server),
            DatabaseTarget::Sqlite(_) => None,
        }
    }

    /// The SQLite file, if this is one.
    pub fn sqlite_path(&self) -> Option<&Path> {
        match self {
            DatabaseTarget::Sqlite(SqliteFile { path, .. }) => Some(path),
            DatabaseTarget::Postgres(_) | DatabaseTarget::Mysql(_) => None,
        }
    }
}

/// Shows the target with any password replaced by `***`: safe for screens and logs.
impl fmt::Display for DatabaseTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseTarget::Sqlite(SqliteFile { path, .. }) => write!(f, "{}", path.display()),
            DatabaseTarget::Postgres(server) | DatabaseTarget::Mysql(server) => server.fmt(f),
        }
    }
}

fn sqlite_path(url: &str, path: &str) -> Result<DatabaseTarget, ConnectError> {
    if path.trim().is_empty() {
        return Err(ConnectError::bad_url(url, "no file path given"));
    }
    Ok(DatabaseTarget::sqlite(PathBuf::from(path)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_pick_the_backend() {
        assert_eq!(
            DatabaseTarget::parse("postgres://u@h/db").map(|t| t.backend()),
            Ok(Backend::Postgres)
        );
        assert_eq!(
            DatabaseTarget::parse("postgresql://h/db").map(|t| t.backend()),
            Ok(Backend::Postgres)
        );
        assert_eq!(
            DatabaseTarget::parse("sqlite:///tmp/a.db"),
            Ok(DatabaseTarget::sqlite("/tmp/a.db"))
        );
        assert_eq!(
            DatabaseTarget::parse("file:rel/a.db"),
            Ok(DatabaseTarget::sqlite("rel/a.db"))
        );
        assert_eq!(
            DatabaseTarget::parse("./a.db"),
            Ok(DatabaseTarget::sqlite("./a.db"))
        );
        assert!(DatabaseTarget::parse("redis://h").is_err());
        assert!(DatabaseTarget::parse("sqlite://").is_err());
    }
}
