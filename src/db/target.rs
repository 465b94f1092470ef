//! Which database to open: the `--database-url` / `DATABASE_URL` / embedded-default choice.

use std::fmt;
use std::path::{Path, PathBuf};

use super::{Backend, ConnectError};

/// Where the embedded default lives, below the user's data directory.
const DEFAULT_DIR: &str = "profile-console";
const DEFAULT_FILE: &str = "profiles.db";

/// A database the application can open.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DatabaseTarget {
    /// A SQLite file (or `:memory:`).
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL, as given.
    Postgres(String),
}

/// Where the choice of database came from, for `info` and the console's inspect view.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TargetSource {
    Flag,
    Environment,
    EmbeddedDefault,
}

impl fmt::Display for TargetSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TargetSource::Flag => "--database-url",
            TargetSource::Environment => "DATABASE_URL",
            TargetSource::EmbeddedDefault => "embedded default",
        })
    }
}

impl DatabaseTarget {
    /// Reads a database URL: `postgres://` / `postgresql://` mean PostgreSQL; `sqlite://PATH`,
    /// `file:PATH` or a plain path mean SQLite.
    pub fn parse(url: &str) -> Result<Self, ConnectError> {
        let url = url.trim();
        let scheme = url.split_once("://").map(|(scheme, _)| scheme);
        match scheme {
            Some("postgres" | "postgresql") => Ok(DatabaseTarget::Postgres(url.to_owned())),
            Some("sqlite") => sqlite_path(url, &url["sqlite://".len()..]),
            Some("mysql" | "mariadb") => Err(ConnectError::bad_url(
                url,
                "MySQL and MariaDB are not supported yet; use a postgres:// URL or a SQLite path",
            )),
            Some(other) if !url.starts_with("file:") => Err(ConnectError::bad_url(
                url,
                format!(
                    "unsupported scheme {other:?}; use postgres://…, postgresql://…, sqlite://PATH, \
                     file:PATH or a plain file path"
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
        Ok(DatabaseTarget::Sqlite(dir.join(DEFAULT_FILE)))
    }

    /// The database chosen by the flag, else `DATABASE_URL`, else the embedded default. `.env` must
    /// already have been loaded into the environment (the binary does that first).
    pub fn choose(flag: Option<&str>) -> Result<(Self, TargetSource), ConnectError> {
        if let Some(url) = flag {
            return Ok((Self::parse(url)?, TargetSource::Flag));
        }
        match std::env::var("DATABASE_URL") {
            Ok(url) if !url.trim().is_empty() => {
                Ok((Self::parse(&url)?, TargetSource::Environment))
            }
            _ => Ok((Self::embedded_default()?, TargetSource::EmbeddedDefault)),
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            DatabaseTarget::Sqlite(_) => Backend::Sqlite,
            DatabaseTarget::Postgres(_) => Backend::Postgres,
        }
    }

    /// The SQLite file, if this is one.
    pub fn sqlite_path(&self) -> Option<&Path> {
        match self {
            DatabaseTarget::Sqlite(path) => Some(path),
            DatabaseTarget::Postgres(_) => None,
        }
    }
}

/// Shows the target with any password replaced by `***`: safe for screens and logs.
impl fmt::Display for DatabaseTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseTarget::Sqlite(path) => write!(f, "{}", path.display()),
            DatabaseTarget::Postgres(url) => f.write_str(&mask_password(url)),
        }
    }
}

fn sqlite_path(url: &str, path: &str) -> Result<DatabaseTarget, ConnectError> {
    if path.trim().is_empty() {
        return Err(ConnectError::bad_url(url, "no file path given"));
    }
    Ok(DatabaseTarget::Sqlite(PathBuf::from(path)))
}

/// Replaces the password in `scheme://user:password@host…` and in a `password=` parameter.
pub fn mask_password(url: &str) -> String {
    let mut masked = url.to_owned();
    if let Some(start) = masked.find("://").map(|at| at + 3) {
        let authority_end = masked[start..]
            .find(['/', '?'])
            .map_or(masked.len(), |at| start + at);
        if let Some(at) = masked[start..authority_end].rfind('@').map(|at| start + at)
            && let Some(colon) = masked[start..at].find(':').map(|colon| start + colon)
        {
            masked.replace_range(colon + 1..at, "***");
        }
    }
    if let Some(param) = masked.find("password=") {
        let value_start = param + "password=".len();
        let value_end = masked[value_start..]
            .find(['&', ' '])
            .map_or(masked.len(), |end| value_start + end);
        masked.replace_range(value_start..value_end, "***");
    }
    masked
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
            Ok(DatabaseTarget::Sqlite("/tmp/a.db".into()))
        );
        assert_eq!(
            DatabaseTarget::parse("file:rel/a.db"),
            Ok(DatabaseTarget::Sqlite("rel/a.db".into()))
        );
        assert_eq!(
            DatabaseTarget::parse("./a.db"),
            Ok(DatabaseTarget::Sqlite("./a.db".into()))
        );
        assert!(DatabaseTarget::parse("redis://h").is_err());
        assert!(DatabaseTarget::parse("sqlite://").is_err());
    }

    #[test]
    fn passwords_are_masked() {
        assert_eq!(
            mask_password("postgres://me:s3cr@t@db.example:5432/x"),
            "postgres://me:***@db.example:5432/x"
        );
        assert_eq!(
            mask_password("postgres://h/x?user=a&password=pw&sslmode=require"),
            "postgres://h/x?user=a&password=***&sslmode=require"
        );
        assert_eq!(mask_password("postgres://me@h/x"), "postgres://me@h/x");
    }
}
