//! The library's error type: what failed, in one sentence people can act on, with the cause kept.

use diesel::result::{DatabaseErrorKind, Error as DieselError};

use crate::db::ConnectError;
use crate::domain::{Field, InvalidInput, Profile};

/// Everything get_or_create, update_or_create and the other repository calls can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input broke a validation rule; nothing was written.
    #[error(transparent)]
    Invalid(#[from] InvalidInput),

    /// A row had to be created, but these fields had no value.
    #[error("{}", missing_sentence(.0))]
    MissingForCreate(Vec<Field>),

    /// The lookup names an id that does not exist; ids are never chosen by hand.
    #[error("no profile #{0}")]
    NoSuchProfile(i64),

    /// A delete's lookup matched no profile.
    #[error("no profile matches {0}; nothing was deleted")]
    NoMatch(String),

    /// No journal entry has this id.
    #[error("no change #{0} in the journal (`profile-console history` lists them)")]
    NoSuchChange(i64),

    /// An undo would overwrite a later change, or has no row to work on; nothing was written.
    #[error("{0}")]
    UndoRefused(String),

    /// The lookup matched more than one row; nothing was written.
    #[error(
        "{count} profiles match {lookup} ({}); narrow the lookup, for example by first_name and last_name",
        id_list(.first_ids, *.count)
    )]
    MultipleMatches {
        count: i64,
        first_ids: Vec<i64>,
        lookup: String,
    },

    /// A write would break the unique name constraint; nothing changed.
    #[error(
        "{attempt} conflicts with {} on (first_name, last_name) (constraint profiles_name_key); \
         nothing was written",
        existing.summary()
    )]
    Conflict {
        attempt: String,
        existing: Box<Profile>,
    },

    /// Not a failure: a transaction rolled back on purpose (a dry run, or an all-or-nothing import
    /// with a rejected row). Never reaches people.
    #[error("the transaction was rolled back on purpose")]
    RolledBack,

    /// Another writer kept winning; the bounded retries ran out.
    #[error("{}", busy_sentence(*.attempts, .reason))]
    Busy { attempts: u32, reason: String },

    /// The disk holding a SQLite database is full; the transaction was rolled back.
    #[error(
        "the disk holding the database is full ({reason}); the write in progress was rolled \
         back, nothing of it stored: free some space and try again"
    )]
    DiskFull { reason: String },

    /// The SQLite file this connection opened was deleted, renamed or replaced while open: a
    /// write would go to a file no one can open again, and is rolled back instead.
    #[error(
        "the database file {path} was deleted or replaced while it was open; the write was rolled \
         back, nothing stored. The next operation opens {path} again (a new, empty database if \
         it is gone)"
    )]
    FileGone { path: String },

    /// The database was opened read-only (`--read-only`) and refused a write, or cannot be opened
    /// read-only as it is.
    #[error("the database is read-only: {reason}")]
    ReadOnly { reason: String },

    /// Someone (Esc in the console) cancelled the statement on the server.
    #[error("cancelled on the server before it finished; nothing was written")]
    Cancelled,

    /// The server cancelled a statement that ran, or waited for a lock, past the timeout.
    #[error(
        "the database server gave up after the timeout ({reason}); nothing was written: try again, \
         or raise --timeout if the server is just slow"
    )]
    TimedOut { reason: String },

    /// The connection dropped; the next operation reconnects.
    #[error("lost the connection to the database ({0}); the next operation reconnects")]
    ConnectionLost(#[source] DieselError),

    #[error(transparent)]
    Connect(#[from] ConnectError),

    #[error("could not migrate the database: {0}")]
    Migration(String),

    /// The database records a migration this version does not know: a newer version set it up,
    /// and this one could break what that one keeps.
    #[error(
        "the database was set up by a newer profile-console (it records migration {version}, \
         which this version does not know); nothing was written: use that version, or open it \
         with --read-only to look"
    )]
    NewerSchema { version: String },

    /// MySQL/MariaDB error 1665: the server logs statements for replication and the session
    /// could not log rows instead (see `backends::mysql`), so no write can be logged.
    #[error(
        "the server logs statements for replication (binlog_format = STATEMENT), which cannot \
         record a write at READ COMMITTED, and this user may not log rows instead; nothing was \
         written: ask for binlog_format = MIXED or ROW, or the BINLOG ADMIN privilege"
    )]
    StatementLogged,

    #[error("database error: {0}")]
    Database(#[source] DieselError),

    /// Internal: another writer changed the rows between two statements; the operation is retried.
    #[doc(hidden)]
    #[error("another writer kept changing the matching profiles")]
    RaceLost,
}

impl From<DieselError> for Error {
    fn from(err: DieselError) -> Self {
        match &err {
            DieselError::DatabaseError(
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                _,
            ) => Error::ConnectionLost(err),
            DieselError::DatabaseError(_, info) => {
                let message = info.message();
                let reason = || crate::domain::one_line_message(message);
                // PostgreSQL: statement_timeout, lock_timeout, pg_cancel_backend; MySQL/MariaDB:
                // max_statement_time / max_execution_time, KILL QUERY.
                let timed_out = [
                    "statement timeout",
                    "lock timeout",
                    "max_statement_time",
                    "maximum statement execution time",
                ];
                // SQLite opened mode=ro; PostgreSQL's 25006 read_only_sql_transaction (also a
                // standby's); MySQL and MariaDB's ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION, and
                // their read-only servers (replicas: read_only, super_read_only).
                let read_only = [
                    "attempt to write a readonly database",
                    "in a read-only transaction",
                    "in a READ ONLY transaction",
                    "running with the --read-only option",
                    "running with the --super-read-only option",
                ];
                if read_only.iter().any(|words| message.contains(words)) {
                    Error::ReadOnly {
                        reason: format!(
                            "the database refused the write ({}); nothing was written",
                            reason()
                        ),
                    }
                } else if message.contains("BINLOG_FORMAT = STATEMENT") {
                    // MySQL/MariaDB error 1665, where the session could not log rows instead.
                    Error::StatementLogged
                } else if message.contains("database or disk is full") {
                    Error::DiskFull { reason: reason() }
                } else if timed_out.iter().any(|words| message.contains(words)) {
                    Error::TimedOut { reason: reason() }
                } else if message.contains("due to user request")
                    || message.contains("Query execution was interrupted")
                {
                    Error::Cancelled
                } else {
                    Error::Database(err)
                }
            }
            _ => Error::Database(err),
        }
    }
}

impl Error {
    /// Whether input was at fault (exit status 2), as opposed to the data or the database.
    pub fn is_invalid_input(&self) -> bool {
        matches!(
            self,
            Error::Invalid(_) | Error::MissingForCreate(_) | Error::NoSuchProfile(_)
        )
    }

    /// Exit status 2 for the command line: refused as asked (a read-only database), not failed.
    fn is_refusal(&self) -> bool {
        matches!(
            self,
            Error::ReadOnly { .. } | Error::NewerSchema { .. } | Error::StatementLogged
        )
    }

    /// A row of a bulk import the contract refuses (bad input, several matches, a name
    /// conflict), as opposed to a failure of the database that ends the import.
    pub fn is_row_rejection(&self) -> bool {
        self.is_invalid_input()
            || matches!(self, Error::MultipleMatches { .. } | Error::Conflict { .. })
    }

    /// Worth trying again after a short pause: serialization failures, deadlocks, a locked SQLite
    /// file, and a race lost between two of our own statements.
    pub(crate) fn is_transient(&self) -> bool {
        match self {
            Error::RaceLost => true,
            Error::Database(DieselError::DatabaseError(kind, info)) => {
                let message = info.message();
                matches!(kind, DatabaseErrorKind::SerializationFailure)
                    || message.contains("deadlock detected")
                    || message.contains("Lock wait timeout exceeded")
                    || message.contains("database is locked")
                    || message.contains("database table is locked")
            }
            _ => false,
        }
    }

    /// Exit status for the command line: 2 invalid input, 3 several matches, 1 anything else.
    pub fn exit_code(&self) -> i32 {
        match self {
            _ if self.is_invalid_input() || self.is_refusal() => 2,
            Error::MultipleMatches { .. } => 3,
            _ => 1,
        }
    }
}

fn missing_sentence(fields: &[Field]) -> String {
    let names: Vec<&str> = fields.iter().map(|field| field.name()).collect();
    let (list, verb, them) = match names.as_slice() {
        [one] => ((*one).to_owned(), "has", "it as a lookup or a default"),
        [init @ .., last] => (
            format!("{} and {last}", init.join(", ")),
            "have",
            "them as lookups or defaults",
        ),
        [] => (String::new(), "have", "them as lookups or defaults"),
    };
    format!("cannot create a profile: {list} {verb} no value; give {them}")
}

fn busy_sentence(attempts: u32, reason: &str) -> String {
    if reason.contains("database is locked") || reason.contains("database table is locked") {
        format!(
            "another process kept the SQLite database locked through {attempts} attempts \
             ({reason}); nothing was written: try again when it has finished"
        )
    } else {
        format!(
            "the database stayed busy through {attempts} attempts ({reason}); nothing was written, \
             try again"
        )
    }
}

fn id_list(ids: &[i64], count: i64) -> String {
    let listed: Vec<String> = ids.iter().map(|id| format!("#{id}")).collect();
    let more = if count > ids.len() as i64 {
        ", …"
    } else {
        ""
    };
    format!("{}{more}", listed.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A server error as diesel hands it over.
    fn server_error(message: &str) -> DieselError {
        DieselError::DatabaseError(DatabaseErrorKind::Unknown, Box::new(message.to_owned()))
    }

    /// The refusals a server's own set-up causes are said plainly, with what to do, and exit 2.
    #[test]
    fn refusals_caused_by_the_server_set_up_say_what_to_do() {
        let statement_logged = Error::from(server_error(
            "Cannot execute statement: impossible to write to binary log since BINLOG_FORMAT = \
             STATEMENT and at least one table uses a storage engine limited to row-based logging. \
             InnoDB is limited to row-logging when transaction isolation level is READ COMMITTED \
             or READ UNCOMMITTED.",
        ));
        assert!(matches!(statement_logged, Error::StatementLogged));
        assert!(
            statement_logged
                .to_string()
                .contains("binlog_format = MIXED or ROW")
        );
        assert_eq!(statement_logged.exit_code(), 2);
        let read_only = Error::from(server_error(
            "cannot execute INSERT in a read-only transaction",
        ));
        assert!(matches!(read_only, Error::ReadOnly { .. }));
        assert_eq!(read_only.exit_code(), 2);
    }
}
