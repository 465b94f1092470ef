//! Which database: the `--database-url` / `DATABASE_URL` / embedded-default choice, PostgreSQL
//! targets with their secrets masked, and the error for a database that cannot be opened.
//! Connecting and migrating are each backend's own business (`repository/backends/`).

mod server_target;
mod target;

use std::fmt;

pub use server_target::{CLIENT_GRACE, DEFAULT_TIMEOUT, ServerTarget, mask_password};
pub use target::{DatabaseTarget, SqliteFile, TargetSource};

/// Whether the filesystem holding the file `path` has less than 1 MiB left: SQLite reports some
/// writes that ran out of space only as "disk I/O error".
pub fn disk_nearly_full(path: &std::path::Path) -> bool {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => std::path::Path::new("."),
    };
    free_bytes(dir).is_some_and(|free| free < 1024 * 1024)
}

/// Bytes an unprivileged writer may still use on the filesystem holding `dir`.
pub fn free_bytes(dir: &std::path::Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let dir = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    // SAFETY: statvfs only fills in the zeroed plain-data struct it is given.
    let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: a valid NUL-terminated path and a valid out-parameter.
    if unsafe { libc::statvfs(dir.as_ptr(), &mut stat) } != 0 {
        return None;
    }
    // The field types differ between platforms (u32 on some 32-bit ones).
    #[allow(clippy::useless_conversion)]
    Some(u64::from(stat.f_bavail).saturating_mul(u64::from(stat.f_frsize)))
}

/// The database engines profile-console speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Backend {
    Sqlite,
    Postgres,
    Mysql,
}

/// What people are told about each backend: its name, and how it keeps concurrent creators of
/// a lookup no unique constraint covers from duplicating it.
impl Backend {
    pub fn name(self) -> &'static str {
        self.describe().0
    }

    /// What serializes creators of rows no unique constraint covers.
    pub fn creator_lock(self) -> &'static str {
        self.describe().1
    }

    /// Whether a running statement can be cancelled on a server.
    pub fn cancels_on_server(self) -> bool {
        self.describe().2
    }

    #[rustfmt::skip]
    fn describe(self) -> (&'static str, &'static str, bool) {
        match self {
            Backend::Sqlite => ("SQLite", "the immediate write transaction", false),
            Backend::Postgres => ("PostgreSQL", "an advisory lock", true),
            Backend::Mysql => ("MySQL/MariaDB", "a locked row per lookup", true),
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A database that could not be opened: which backend, which target (password masked), and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.sentence())]
pub struct ConnectError {
    /// `None` when the URL itself could not be read.
    pub backend: Option<Backend>,
    /// The target, with any password masked.
    pub target: String,
    pub reason: String,
    /// The target itself cannot name a database (bad syntax, unknown scheme): a usage error.
    pub invalid_target: bool,
}

impl ConnectError {
    pub fn new(backend: Backend, target: String, reason: impl Into<String>) -> Self {
        ConnectError {
            backend: Some(backend),
            target,
            reason: crate::domain::one_line_message(&reason.into()),
            invalid_target: false,
        }
    }

    /// A URL that names no usable database.
    pub fn bad_url(url: &str, reason: impl Into<String>) -> Self {
        ConnectError {
            backend: None,
            target: mask_password(url),
            reason: reason.into(),
            invalid_target: true,
        }
    }

    /// A target that names no usable database of `backend` (bad syntax, unknown parameter).
    pub(crate) fn bad_target(backend: Backend, shown: String, reason: String) -> Self {
        ConnectError {
            backend: Some(backend),
            target: shown,
            reason,
            invalid_target: true,
        }
    }

    fn sentence(&self) -> String {
        /// Enough of a URL to see which part is wrong; a pasted screenful is cut.
        const URL_SHOWN_CHARS: usize = 200;
        match self.backend {
            Some(backend) if self.invalid_target => format!(
                "invalid database URL {:?} ({backend}): {}",
                crate::domain::cut_to(&self.target, URL_SHOWN_CHARS),
                self.reason
            ),
            Some(backend) => format!(
                "cannot open the {backend} database {}: {}",
                self.target, self.reason
            ),
            None => format!(
                "invalid database URL {:?}: {}",
                crate::domain::cut_to(&self.target, URL_SHOWN_CHARS),
                self.reason
            ),
        }
    }
}
