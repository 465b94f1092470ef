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
    /// Opened only if it exists (`mode=rw`), never created.
    pub must_exist: bool,
}

impl SqliteFile {
    /// A file opened read-write, created if need be.
    pub fn read_write(path: impl Into<PathBuf>) -> Self {
        SqliteFile {
            path: path.into(),
            read_only: false,
            must_exist: false,
        }
    }

    /// SQLite's database in memory (`:memory:`), gone when its connection closes.
    pub fn in_memory(&self) -> bool {
        self.path == Path::new(MEMORY)
    }
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
        let sqlite_rest = ["sqlite:", "file:"]
            .into_iter()
            .find(|scheme| starts_with_ignore_case(url, scheme))
            .map(|scheme| &url[scheme.len()..]);
        match (sqlite_rest, url.split_once("://")) {
            (Some(rest), _) => {
                sqlite_url(url, rest.strip_prefix("//").unwrap_or(rest)).map(DatabaseTarget::Sqlite)
            }
            (None, Some((scheme, _))) => Err(ConnectError::bad_url(
                url,
                format!(
                    "unsupported scheme {:?}; use postgres://…, postgresql://…, mysql://…, \
                     mariadb://…, sqlite://PATH, file:PATH or a plain file path",
                    crate::domain::cut(scheme)
                ),
            )),
            (None, None) => sqlite_path(url, url).map(DatabaseTarget::Sqlite),
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
        DatabaseTarget::Sqlite(SqliteFile::read_write(path))
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

    /// A SQLite database in memory (`:memory:`), gone when its connection closes.
    pub fn in_memory(&self) -> bool {
        matches!(self, DatabaseTarget::Sqlite(file) if file.in_memory())
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

/// A plain path, as given but for a leading `~/`.
fn sqlite_path(url: &str, path: &str) -> Result<SqliteFile, ConnectError> {
    if path.trim().is_empty() {
        return Err(ConnectError::bad_url(url, "no file path given"));
    }
    Ok(SqliteFile::read_write(crate::paths::expand_home(path)))
}

/// What follows `sqlite:` or `file:` (and `//`) in a URL: a percent-encoded path (`%20` a space,
/// `%3F` a `?`), `~/` for the home directory, `:memory:` for a database in memory, and an optional
/// query: `mode=ro` opens the file read-only, `mode=rw` only a file that exists, `mode=rwc` (the
/// default) creates it, `mode=memory` is `:memory:`. Anything else in the query, or a `#` part,
/// is refused rather than taken into the file's name.
fn sqlite_url(url: &str, rest: &str) -> Result<SqliteFile, ConnectError> {
    let bad = |reason: String| ConnectError::bad_url(url, reason);
    if rest.contains('#') {
        return Err(bad(
            "the URL has a # part, which means nothing to SQLite; write # in a file name as %23"
                .to_owned(),
        ));
    }
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let path = percent_encoding::percent_decode_str(path)
        .decode_utf8()
        .map_err(|_| bad("a percent-encoded part of the path is not valid UTF-8".to_owned()))?;
    let mut file = sqlite_path(url, &path)?;
    for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
        match (key.as_ref(), value.as_ref()) {
            ("mode", "ro") => file.read_only = true,
            ("mode", "rw") => file.must_exist = true,
            ("mode", "rwc") => {}
            ("mode", "memory") => file.path = PathBuf::from(MEMORY),
            ("mode", other) => {
                return Err(bad(format!(
                    "unknown mode {:?}; use mode=ro (read-only), mode=rw (an existing file), \
                     mode=rwc (create it if need be) or mode=memory",
                    crate::domain::cut(other)
                )));
            }
            (other, _) => {
                return Err(bad(format!(
                    "unknown SQLite URL parameter {:?}; the one known is mode (ro, rw, rwc or \
                     memory); write ? in a file name as %3F",
                    crate::domain::cut(other)
                )));
            }
        }
    }
    Ok(file)
}

/// SQLite's name for a database in memory.
const MEMORY: &str = ":memory:";

fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    text.get(..prefix.len())
        .is_some_and(|start| start.eq_ignore_ascii_case(prefix))
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

    fn file(target: Result<DatabaseTarget, ConnectError>) -> SqliteFile {
        match target {
            Ok(DatabaseTarget::Sqlite(file)) => file,
            other => panic!("not a SQLite file: {other:?}"),
        }
    }

    #[test]
    fn sqlite_urls_are_decoded_and_their_mode_read() {
        let plain = |path: &str| SqliteFile {
            path: PathBuf::from(path),
            read_only: false,
            must_exist: false,
        };
        assert_eq!(
            file(DatabaseTarget::parse("sqlite:rel.db")),
            plain("rel.db")
        );
        assert_eq!(
            file(DatabaseTarget::parse("SQLite:///tmp/my%20db.db")),
            plain("/tmp/my db.db")
        );
        assert_eq!(
            file(DatabaseTarget::parse("file:/tmp/q%3F.db?mode=rwc")),
            plain("/tmp/q?.db")
        );
        assert_eq!(
            file(DatabaseTarget::parse("sqlite:///tmp/a.db?mode=ro")),
            SqliteFile {
                read_only: true,
                ..plain("/tmp/a.db")
            }
        );
        assert_eq!(
            file(DatabaseTarget::parse("sqlite:///tmp/a.db?mode=rw")),
            SqliteFile {
                must_exist: true,
                ..plain("/tmp/a.db")
            }
        );
        for memory in [
            "sqlite::memory:",
            "sqlite://:memory:",
            "file::memory:",
            ":memory:",
        ] {
            assert!(
                DatabaseTarget::parse(memory).is_ok_and(|t| t.in_memory()),
                "{memory}"
            );
        }
        // A plain path means itself, whatever it holds.
        assert_eq!(
            file(DatabaseTarget::parse("a%20b?c#d.db")),
            plain("a%20b?c#d.db")
        );
    }

    #[test]
    fn sqlite_urls_refuse_what_they_cannot_mean() {
        for (url, says) in [
            (
                "sqlite:///tmp/a.db?cache=shared",
                "unknown SQLite URL parameter \"cache\"",
            ),
            ("sqlite:///tmp/a.db?mode=rox", "unknown mode \"rox\""),
            ("sqlite:///tmp/a.db#x", "has a # part"),
            ("file:/tmp/%ff.db", "not valid UTF-8"),
            ("sqlite://?mode=ro", "no file path given"),
        ] {
            let err = DatabaseTarget::parse(url).expect_err(url).to_string();
            assert!(err.contains(says), "{url}: {err}");
        }
    }

    #[test]
    fn a_leading_tilde_is_the_home_directory() {
        let Some(home) = dirs::home_dir() else { return };
        assert_eq!(
            file(DatabaseTarget::parse("~/p.db")).path,
            home.join("p.db")
        );
        assert_eq!(
            file(DatabaseTarget::parse("sqlite://~/p.db")).path,
            home.join("p.db")
        );
    }
}
