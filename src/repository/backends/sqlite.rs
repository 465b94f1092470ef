//! SQLite: everything this backend does differently, in one place. The embedded default: a file,
//! one writer at a time.
//!
//! - Connection: WAL, `synchronous=FULL`, a busy timeout, foreign keys; a file that is not ours is
//!   refused before anything is written to it.
//! - Transactions: IMMEDIATE, which takes the single write lock up front; that lock also serializes
//!   creators and makes a locked read a plain read.
//! - Search: a dictionary of the folded names by suffix, kept by triggers; keyset pages on
//!   id-tied sorts seek in two parts (SQLite does not seek on a row value ending in the rowid).
//! - Bulk load: the name dictionary, the journal and the CHECK constraints done once per chunk,
//!   not row by row.

use std::path::Path;

use chrono::NaiveDateTime;
use diesel::connection::SimpleConnection;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Integer, Nullable, Text, Timestamp};
use diesel::sqlite::{Sqlite, SqliteConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::{
    AppliedMigrationNames, DeferrableIndexes, Engine, MIGRATIONS_TABLE, MigrationError,
    MigrationState, Name, compare_migrations, impl_deferred_indexes, impl_holds_no_profiles,
    records_our_migrations, run_all, versions,
};
use crate::db::{Backend, ConnectError, SqliteFile};
use crate::domain::{Lookup, PageRequest, Profile, ProfileFilter, ProfileValues, SortColumn, fold};
use crate::error::Error;
use crate::repository::inspect::{MIGRATIONS_SQL, SchemaItem, SchemaReport, Single};
use crate::repository::journal::ChangeContext;
use crate::repository::load_memory::KnownKeys;
use crate::repository::rows::{NewProfileRow, ProfileChangeset, RECORD_COLUMNS, RestoredRow};
use crate::repository::schema::{PROFILE_COLUMNS, profiles};
use crate::repository::store::{
    CachedSql, Filter, INJECTED_FAILURE, Store, TRIGRAM, impl_search_by_names, impl_store,
    keys_contain, load_name_pairs, order_by, returning_writes,
};

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

/// See [`super::deferrable_indexes`].
pub(super) const DEFERRABLE_INDEXES: DeferrableIndexes = &[
    (
        "profiles_age_id_idx",
        "CREATE INDEX profiles_age_id_idx ON profiles (age, id)",
    ),
    (
        "profiles_created_at_id_idx",
        "CREATE INDEX profiles_created_at_id_idx ON profiles (created_at, id)",
    ),
    (
        "profiles_first_key_idx",
        "CREATE INDEX profiles_first_key_idx ON profiles (first_key, last_key)",
    ),
    (
        "profiles_gender_id_idx",
        "CREATE INDEX profiles_gender_id_idx ON profiles (gender, id)",
    ),
    (
        "profiles_last_key_idx",
        "CREATE INDEX profiles_last_key_idx ON profiles (last_key, first_key)",
    ),
    (
        "profiles_updated_at_id_idx",
        "CREATE INDEX profiles_updated_at_id_idx ON profiles (updated_at, id)",
    ),
];

/// How long a SQLite writer waits for the lock before "database is locked" (then the bounded retry
/// takes over).
const BUSY_TIMEOUT_MS: u32 = 5_000;

/// What the journal's insert trigger (`profile_changes_insert`, migration 000004) records, for
/// every row after an id, in id order: [`Store::insert_rows`] journals a batch with it.
const JOURNAL_CREATED_AFTER: &str = "INSERT INTO profile_changes (at, profile_id, action, \
        new_first_name, new_last_name, new_gender, new_age, new_created_at, new_updated_at, \
        source, os_user, session, reverts) \
    SELECT strftime('%Y-%m-%d %H:%M:%f', 'now'), p.id, coalesce(c.action, 'created'), \
        p.first_name, p.last_name, p.gender, p.age, p.created_at, p.updated_at, \
        coalesce(c.source, 'other'), c.os_user, c.session, c.reverts \
    FROM profiles p JOIN profile_change_context c ON c.one = 1 \
    WHERE p.id > ? ORDER BY p.id";

/// What the key trigger (`profiles_keys_insert`, migration 000005) adds to the name dictionary
/// for the folded names of a `VALUES` list (`column1`), before [`NAME_PARTS_OF_END`]: the
/// suffixes of the names not in it yet.
const NAME_PARTS_OF: &str = "INSERT OR IGNORE INTO profile_name_parts (suffix, name_key) \
    SELECT substr(k.column1, p.n), k.column1 FROM (VALUES ";
const NAME_PARTS_OF_END: &str = ") k \
    JOIN profile_fold_positions p ON p.n <= length(k.column1) - 2 \
    WHERE NOT EXISTS (SELECT 1 FROM profile_name_parts d \
                      WHERE d.suffix = k.column1 AND d.name_key = k.column1)";

/// Folded names per [`NAME_PARTS_OF`] statement.
const NAMES_PER_DICTIONARY_INSERT: usize = 500;

/// Rows per `INSERT` of [`insert_values`]: eight bind variables each, well inside SQLite's
/// 32,766.
const ROWS_PER_INSERT: usize = 100;

/// Inserts `rows` with their folded names (`folded`, row by row), skipping taken names; returns
/// how many went in. Several rows a statement, prepared once for a full chunk (see
/// [`CachedSql`]); a batch's rows share their timestamps, so each is formatted once. `OR IGNORE`,
/// not `ON CONFLICT DO NOTHING`: a statement that may stop half-way on a constraint (`NOT NULL`
/// with its default `ABORT`) keeps a statement journal. It skips only a taken name: the values
/// are never NULL, and the caller holds the rows to the CHECK constraints afterwards
/// ([`check_rows_after`]).
fn insert_values(
    conn: &mut SqliteConnection,
    rows: &[NewProfileRow<'_>],
    folded: &[(String, String)],
) -> QueryResult<usize> {
    // The rows' times as text, `created_at` then `updated_at` for each row, a time formatted
    // again only where it differs from the one before (an import's batch shares one time).
    let mut texts: Vec<String> = Vec::new();
    let mut text_of: Vec<usize> = Vec::with_capacity(rows.len() * 2);
    let mut last = None;
    for at in rows.iter().flat_map(|row| [row.created_at, row.updated_at]) {
        if last != Some(at) {
            texts.push(at.format(TIMESTAMP_TEXT).to_string());
            last = Some(at);
        }
        text_of.push(texts.len() - 1);
    }
    let stamp = |row: usize, updated: bool| texts[text_of[row * 2 + usize::from(updated)]].as_str();
    let mut inserted = 0;
    for (first, (chunk, keys)) in rows
        .chunks(ROWS_PER_INSERT)
        .zip(folded.chunks(ROWS_PER_INSERT))
        .enumerate()
        .map(|(n, chunk)| (n * ROWS_PER_INSERT, chunk))
    {
        let mut query = CachedSql::new(chunk.len() == ROWS_PER_INSERT);
        query.sql(
            "INSERT OR IGNORE INTO profiles \
             (first_name, last_name, gender, age, created_at, updated_at, first_key, last_key) \
             VALUES ",
        );
        for (at, (row, (first_key, last_key))) in chunk.iter().zip(keys).enumerate() {
            query.sql(if at == 0 { "(" } else { ", (" });
            query.text(row.first_name);
            query.sql(", ");
            query.text(row.last_name);
            query.sql(", ");
            query.text(row.gender);
            query.sql(", ");
            query.integer(row.age);
            query.sql(", ");
            query.text(stamp(first + at, false));
            query.sql(", ");
            query.text(stamp(first + at, true));
            query.sql(", ");
            query.text(first_key);
            query.sql(", ");
            query.text(last_key);
            query.sql(")");
        }
        inserted += query.execute(conn)?;
    }
    Ok(inserted)
}

/// Holds the rows after `id` to the table's CHECK constraints, read from its definition, in one
/// statement, as the insert would have row by row: a row that breaks one fails the batch with
/// SQLite's own error for it. The insert itself leaves them out (`ignore_check_constraints`):
/// each function a CHECK calls (`length`, `trim`, `glob`) makes a statement of several rows keep
/// a statement journal, a copy of every page it touches should a later row fail, which cost a
/// million-row import 1.6 s of its 12.
fn check_rows_after(conn: &mut SqliteConnection, id: i64) -> QueryResult<()> {
    let table: Single = diesel::sql_query(
        "SELECT sql AS value FROM sqlite_master WHERE type = 'table' AND name = 'profiles'",
    )
    .get_result(conn)?;
    let checks = check_constraints(&table.value);
    if checks.is_empty() {
        return Ok(());
    }
    // A CHECK passes unless its expression is false (NULL passes), as NOT (…) in a WHEN does.
    let cases: String = checks
        .iter()
        .enumerate()
        .map(|(at, (_, expression))| format!(" WHEN NOT {expression} THEN {at}"))
        .collect();
    let broken = diesel::sql_query(format!(
        "SELECT broken AS value FROM (SELECT CASE{cases} END AS broken FROM profiles \
         WHERE id > ?) WHERE broken IS NOT NULL LIMIT 1"
    ))
    .bind::<BigInt, _>(id)
    .get_result::<SingleInt>(conn)
    .optional()?;
    match broken.and_then(|at| checks.get(usize::try_from(at.value).ok()?)) {
        Some((name, _)) => Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::CheckViolation,
            Box::new(format!("CHECK constraint failed: {name}")),
        )),
        None => Ok(()),
    }
}

/// How diesel writes a timestamp to SQLite (`%Y-%m-%d %H:%M:%S%.f`), so that rows inserted as
/// text read back and sort as the others do.
const TIMESTAMP_TEXT: &str = "%Y-%m-%d %H:%M:%S%.f";

/// One integer column named `value`.
#[derive(QueryableByName)]
struct SingleInt {
    #[diesel(sql_type = BigInt)]
    value: i64,
}

/// Names per name-set read: two bind variables each, well inside SQLite's 32,766.
const MAX_NAMES_PER_READ: usize = 5_000;

/// Opens `file` (shown as `shown` in errors): read-only so that SQLite refuses every write
/// (`mode=ro`), and only a file that exists; `must_exist`: only a file that exists.
pub(super) fn establish(
    file: &SqliteFile,
    shown: String,
) -> Result<SqliteConnection, ConnectError> {
    let (path, read_only) = (file.path.as_path(), file.read_only);
    let fail = |reason: String| ConnectError::new(Backend::Sqlite, shown.clone(), reason);
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
    let in_memory = file.in_memory();
    if let Ok(meta) = std::fs::metadata(path)
        && !in_memory
        && !meta.is_file()
    {
        use std::os::unix::fs::FileTypeExt;
        let what = match meta.file_type() {
            kind if kind.is_dir() => {
                return Err(fail(format!(
                    "it is a directory; name a file, such as {}",
                    path.join("profiles.db").display()
                )));
            }
            kind if kind.is_fifo() => "a named pipe",
            kind if kind.is_socket() => "a socket",
            _ => "a device",
        };
        return Err(fail(format!(
            "it is {what}, not a file; a SQLite database is a regular file"
        )));
    }
    if read_only && !path.is_file() {
        return Err(fail(
            "no such file (a read-only open does not create a database)".to_owned(),
        ));
    }
    if file.must_exist && !in_memory && !path.is_file() {
        return Err(fail(
            "no such file (mode=rw opens only a database that exists)".to_owned(),
        ));
    }
    configure_sqlite_once();
    // Always as a URI (diesel opens with SQLITE_OPEN_URI), so that every file name means itself:
    // one that starts with `file:` or holds `?` too.
    let opened = if in_memory {
        SqliteConnection::establish(path_text)
    } else {
        SqliteConnection::establish(&file_uri(
            path_text,
            match (read_only, file.must_exist) {
                (true, _) => "ro",
                (false, true) => "rw",
                (false, false) => "rwc",
            },
        ))
    };
    let mut conn = opened.map_err(|err| fail(format!("{err} (is the directory writable?)")))?;
    // Connection settings only: nothing is written to the file yet.
    conn.batch_execute(&format!(
        "PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}; PRAGMA foreign_keys = ON;"
    ))
    .map_err(|err| fail(err.to_string()))?;
    check_is_ours(&mut conn).map_err(|reason| {
        if reason.contains("readonly database") {
            // A database in WAL mode is read through its -shm file, which SQLite must be able to
            // create beside it, even for a read-only open.
            fail(format!(
                "{reason}: this user cannot write the file or its directory, which SQLite needs \
                 even to read a database in WAL mode; ask its owner, or copy it somewhere \
                 writable"
            ))
        } else {
            fail(reason)
        }
    })?;
    watch_the_file(&conn, path, in_memory).map_err(|err| fail(err.to_string()))?;
    if read_only {
        return Ok(conn);
    }
    // WAL is recorded in the file, so it comes after the check.
    conn.batch_execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;")
        .map_err(|err| fail(open_failure(&err.to_string())))?;
    Ok(conn)
}

#[diesel::declare_sql_function]
extern "SQL" {
    /// The path of the file this connection opened if another file, or none, is there now;
    /// NULL while it is still there (see [`watch_the_file`]).
    fn profile_console_moved_file() -> Nullable<Text>;
}

/// Registers `profile_console_moved_file()` on `conn`, for [`check_the_file_is_there`]. An open
/// SQLite file that is deleted, renamed or replaced (a backup restored over it) stays open, and
/// in WAL mode SQLite goes on writing to it: commits that succeed, to a file no one can open
/// again. (In rollback-journal mode SQLite itself refuses, with SQLITE_READONLY_DBMOVED.)
fn watch_the_file(conn: &SqliteConnection, path: &Path, in_memory: bool) -> QueryResult<()> {
    use std::os::unix::fs::MetadataExt;
    let identity = |path: &Path| {
        std::fs::metadata(path)
            .ok()
            .map(|meta| (meta.dev(), meta.ino()))
    };
    let opened = (!in_memory).then(|| identity(path)).flatten();
    let path = path.to_owned();
    profile_console_moved_file_utils::register_nondeterministic_impl(conn, move || {
        opened
            .is_some_and(|opened| identity(&path) != Some(opened))
            .then(|| path.display().to_string())
    })
}

/// Refuses to commit a write to a file that is no longer at its path (see [`watch_the_file`]):
/// called last in every write transaction.
fn check_the_file_is_there(conn: &mut SqliteConnection) -> Result<(), Error> {
    match diesel::select(profile_console_moved_file()).get_result::<Option<String>>(conn)? {
        Some(path) => Err(Error::FileGone { path }),
        None => Ok(()),
    }
}

/// SQLite's process-wide settings, once, before its first connection opens (after that SQLite
/// refuses them, and keeps its defaults: correct, only slower):
/// - multi-thread mode: no mutex around every call on a connection. Each connection is used by
///   one thread at a time (diesel's connection is `Send`, not `Sync`), which is all that mode
///   asks;
/// - no memory statistics: each allocation otherwise takes a process-wide mutex to count itself
///   (nothing here reads the counts).
///
/// Together about 6 % of a bulk import's time (the mutexes' share of its profile).
fn configure_sqlite_once() {
    static CONFIGURED: std::sync::Once = std::sync::Once::new();
    CONFIGURED.call_once(|| {
        // SAFETY: `sqlite3_config` with these options takes no further argument (MULTITHREAD) or
        // one int (MEMSTATUS); before `sqlite3_initialize` it only records them, and after it
        // (some other code opened SQLite first) it returns SQLITE_MISUSE and changes nothing.
        unsafe {
            libsqlite3_sys::sqlite3_config(libsqlite3_sys::SQLITE_CONFIG_MULTITHREAD);
            libsqlite3_sys::sqlite3_config(
                libsqlite3_sys::SQLITE_CONFIG_MEMSTATUS,
                std::ffi::c_int::from(0u8),
            );
        }
    });
}

/// `file:PATH?mode=MODE`, with the characters a URI path cannot hold as such escaped.
fn file_uri(path: &str, mode: &str) -> String {
    use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
    const URI_PATH: &AsciiSet = &CONTROLS.add(b'%').add(b'?').add(b'#').add(b' ');
    // An absolute path takes an empty authority (`file:///…`), so a path starting `//` is not
    // read as a host.
    let authority = if path.starts_with('/') { "//" } else { "" };
    format!(
        "file:{authority}{}?mode={mode}",
        utf8_percent_encode(path, URI_PATH)
    )
}

/// What to do about a file SQLite could not set up.
fn open_failure(message: &str) -> String {
    if message.contains("locked") {
        format!("{message}: another process holds the file locked; try again when it has finished")
    } else {
        format!("{message} (is the file and its directory writable?)")
    }
}

/// Refuses, before anything is written, a SQLite file that is not a profile-console database: one
/// that holds tables but no record of this tool's migrations. An empty or new file is fine.
fn check_is_ours(conn: &mut SqliteConnection) -> Result<(), String> {
    let tables: Vec<String> = diesel::sql_query(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .load::<Name>(conn)
    .map_err(|err| {
        let err = err.to_string();
        if err.contains("not a database") {
            format!("{err}: it is not a SQLite database, and nothing was changed")
        } else {
            err
        }
    })?
    .into_iter()
    .map(|row| row.name)
    .collect();
    if tables.is_empty() {
        return Ok(());
    }
    if tables.iter().any(|name| name == MIGRATIONS_TABLE)
        && records_our_migrations(conn, &versions::<Sqlite>(&MIGRATIONS))?
    {
        return Ok(());
    }
    let mut listed: Vec<&str> = tables.iter().take(5).map(String::as_str).collect();
    if tables.len() > listed.len() {
        listed.push("…");
    }
    Err(format!(
        "the file holds other tables ({}) and is not a profile-console database; nothing was \
         changed: choose a new file",
        crate::domain::cut(&listed.join(", "))
    ))
}

/// One search term on SQLite: `LIKE` on either folded name. (Terms of three or more characters
/// are found through the name dictionary first: see [`sqlite_search`].)
fn sqlite_term_filter(term: &str, _walk: bool) -> Filter<Sqlite> {
    keys_contain(term, " ESCAPE '\\'")
}

/// Ids a search page in id order walks before it turns to the name dictionary.
const SEARCH_WALK: i64 = 20_000;

/// A search page on SQLite: through `profile_name_parts` (the folded names in use, by suffix;
/// migration 000005), where one range of its key gives the names containing a term (see
/// [`search_by_names`]).
fn sqlite_search(
    conn: &mut SqliteConnection,
    request: &PageRequest,
) -> QueryResult<Option<Vec<Profile>>> {
    search_by_names(conn, request, SEARCH_WALK, names_containing)
}

/// The count of a searched view on SQLite: through the name dictionary (see
/// [`count_by_names`]).
fn sqlite_count(conn: &mut SqliteConnection, filter: &ProfileFilter) -> QueryResult<Option<i64>> {
    count_by_names(conn, filter, names_containing)
}

/// Up to `limit` folded names in use that contain `term`: the names whose suffixes start with it.
/// `GLOB` with the term's own wildcards bracketed is a prefix match SQLite answers from the key.
fn names_containing(
    conn: &mut SqliteConnection,
    term: &str,
    limit: i64,
) -> QueryResult<Vec<Single>> {
    let mut prefix = String::new();
    for c in fold(term).chars() {
        match c {
            '*' | '?' | '[' => {
                prefix.push('[');
                prefix.push(c);
                prefix.push(']');
            }
            c => prefix.push(c),
        }
    }
    prefix.push('*');
    diesel::sql_query(
        "SELECT DISTINCT name_key AS value FROM profile_name_parts WHERE suffix GLOB ? LIMIT ?",
    )
    .bind::<Text, _>(prefix)
    .bind::<BigInt, _>(limit)
    .load::<Single>(conn)
}

impl_store!(
    SqliteConnection,
    Sqlite,
    sqlite_filters,
    term_filter = sqlite_term_filter,
    search = sqlite_search,
    split_keyset = true,
    equal_as_range = false,
    count = sqlite_count,
    {
        returning_writes!();

        /// The names as a `VALUES` list joined to the unique name index, key by key (at most
        /// [`MAX_NAMES_PER_READ`] names a statement: two bind variables each). A join, not
        /// `IN (VALUES …)`, which first copies the list into a sorted temporary index (a tenth
        /// of a re-import's instructions); a name given twice is found twice. The immediate
        /// transaction already keeps other writers out, so `lock` needs nothing more.
        fn find_names(&mut self, names: &[(&str, &str)], _lock: bool) -> QueryResult<Vec<Profile>> {
            load_name_pairs!(
                self,
                names,
                MAX_NAMES_PER_READ,
                format!("SELECT {RECORD_COLUMNS} FROM (VALUES "),
                ") AS v JOIN profiles p ON p.first_name = v.column1 AND p.last_name = v.column2"
                    .to_owned()
            )
        }

        /// See [`insert_counting`].
        fn insert_rows(
            &mut self,
            rows: &[NewProfileRow<'_>],
            keys: &mut KnownKeys,
        ) -> QueryResult<usize> {
            insert_counting(self, rows, keys)
        }

        /// AUTOINCREMENT gives each new row one more than the largest id the table ever had,
        /// and the immediate transaction keeps every other writer out: when every row goes in,
        /// their ids are the next ones, in order (checked against the largest id afterwards;
        /// reading them back by name is the fallback). Cheaper than `RETURNING`, which makes
        /// each insert keep a statement journal.
        fn insert_rows_for_ids(
            &mut self,
            rows: &[NewProfileRow<'_>],
            keys: &mut KnownKeys,
            reserved: &[i64],
        ) -> QueryResult<Option<Vec<i64>>> {
            debug_assert!(reserved.is_empty(), "SQLite reserves no ids");
            let largest = |conn: &mut Self| -> QueryResult<i64> {
                diesel::sql_query(
                    "SELECT max(coalesce((SELECT max(id) FROM profiles), 0), \
                     coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'profiles'), 0)) AS value",
                )
                .get_result::<SingleInt>(conn)
                .map(|row| row.value)
            };
            let before = largest(self)?;
            if insert_counting(self, rows, keys)? != rows.len() {
                return Ok(None);
            }
            let count = i64::try_from(rows.len()).unwrap_or(i64::MAX);
            if largest(self)? == before.saturating_add(count) {
                return Ok(Some((1..=count).map(|n| before + n).collect()));
            }
            crate::repository::store::ids_by_name(self, rows)
        }

        /// The immediate transaction already holds the database's single write lock, so the rows read
        /// cannot change until it commits: no row lock is needed.
        fn find_locked(&mut self, lookup: &Lookup, limit: i64) -> QueryResult<Vec<Profile>> {
            self.find(lookup, limit)
        }

        /// The journal's context row is filled first and emptied before the commit (see
        /// [`enter_change_context`]).
        fn write_transaction<T>(
            &mut self,
            ctx: &ChangeContext,
            work: impl FnOnce(&mut Self) -> Result<T, Error>,
        ) -> Result<T, Error> {
            immediate_transaction(self, |tx| {
                enter_change_context(tx, Some(ctx))?;
                let done = work(tx)?;
                enter_change_context(tx, None)?;
                check_the_file_is_there(tx)?;
                Ok(done)
            })
        }

        fn write_statement<T>(
            &mut self,
            ctx: &ChangeContext,
            work: impl FnOnce(&mut Self) -> Result<T, Error>,
        ) -> Result<T, Error> {
            self.write_transaction(ctx, work)
        }

        fn restore(&mut self, row: &Profile) -> QueryResult<()> {
            diesel::insert_into(profiles::table)
                .values(RestoredRow::from(row))
                .execute(self)
                .map(drop)
        }

        fn fail_with_serialization_failure(&mut self) -> QueryResult<()> {
            Err(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::SerializationFailure,
                Box::new(INJECTED_FAILURE.to_owned()),
            ))
        }

        /// Writers already take turns: the immediate transaction is the lock.
        fn serialize_creators(&mut self, _lookup: &Lookup) -> QueryResult<()> {
            Ok(())
        }
    }
);

impl_search_by_names!(SqliteConnection, Sqlite, sqlite_filters);

/// `work` in an immediate transaction, failing with `work`'s own error. On some errors (a full
/// disk, an I/O error) SQLite rolls the transaction back itself; diesel's ROLLBACK then fails
/// with "cannot rollback - no transaction is active", and that would be the error reported,
/// instead of why the write failed.
fn immediate_transaction<T>(
    conn: &mut SqliteConnection,
    work: impl FnOnce(&mut SqliteConnection) -> Result<T, Error>,
) -> Result<T, Error> {
    let mut reason = None;
    let done = conn.immediate_transaction(|tx| {
        work(tx).map_err(|err| {
            reason = Some(err);
            Error::RolledBack
        })
    });
    done.map_err(|err| reason.take().unwrap_or(err))
}

/// Fills (`Some`) or empties (`None`) the journal's context row. SQLite keeps no per-session
/// state its triggers can read, and has one writer at a time: inside a write transaction the row
/// is this writer's, and emptied again before the commit, so other clients' changes find it empty
/// (and are journaled as 'other').
fn enter_change_context(
    conn: &mut SqliteConnection,
    ctx: Option<&ChangeContext>,
) -> QueryResult<()> {
    diesel::sql_query(
        "UPDATE profile_change_context \
         SET source = ?, os_user = ?, session = ?, action = ?, reverts = ? WHERE one = 1",
    )
    .bind::<Nullable<Text>, _>(ctx.map(|c| c.source.name()))
    .bind::<Nullable<Text>, _>(ctx.and_then(|c| c.os_user.as_deref()))
    .bind::<Nullable<Text>, _>(ctx.map(|c| c.session.as_str()))
    .bind::<Nullable<Text>, _>(ctx.and_then(|c| c.action).map(|a| a.name()))
    .bind::<Nullable<BigInt>, _>(ctx.and_then(|c| c.reverts))
    .execute(conn)
    .map(drop)
}

impl Engine for SqliteConnection {
    fn from_any(conn: super::AnyConnection) -> Option<Self> {
        match conn {
            super::AnyConnection::Sqlite(conn) => Some(conn),
            _ => None,
        }
    }

    /// `PRAGMA data_version` moves when another connection commits (this one's own writes do not
    /// move it, and need not be heard about).
    fn changes_pending(&mut self, last_seen: &mut i64) -> QueryResult<Option<bool>> {
        let Some(now) = self.commits_by_others()? else {
            return Ok(None);
        };
        let moved = now != *last_seen;
        *last_seen = now;
        Ok(Some(moved))
    }

    fn commits_by_others(&mut self) -> QueryResult<Option<i64>> {
        #[derive(QueryableByName)]
        struct Version {
            #[diesel(sql_type = BigInt)]
            data_version: i64,
        }
        diesel::sql_query("PRAGMA data_version")
            .get_result::<Version>(self)
            .map(|version| Some(version.data_version))
    }

    impl_holds_no_profiles!();

    /// Under an immediate transaction: two processes starting at once on a new file do not both
    /// migrate it.
    fn migrate(&mut self) -> Result<AppliedMigrationNames, MigrationError> {
        if !self.has_pending_migration(MIGRATIONS)? {
            return Ok(Vec::new());
        }
        self.immediate_transaction(|conn| run_all(conn, MIGRATIONS))
    }

    // A million demo rows: 44 s with the indexes kept, 17 s built at the end (in Python's
    // sqlite3 with the same schema). Each build sorts with a helper thread (six indexes of a
    // million rows: 3.5 s -> 2.8 s).
    impl_deferred_indexes!(
        indexes = DEFERRABLE_INDEXES,
        transaction = immediate_transaction,
        exists = "SELECT EXISTS (SELECT 1 FROM sqlite_master \
                  WHERE type = 'index' AND tbl_name = 'profiles' AND name = $1) AS value",
        next = "SELECT name FROM profile_deferred_indexes ORDER BY name LIMIT 1",
        per_defer = "",
        per_build = "",
        around = ("PRAGMA threads = 2", "PRAGMA threads = 0"),
    );

    fn migration_state(&mut self) -> Result<MigrationState, String> {
        compare_migrations(self, &versions::<Sqlite>(&MIGRATIONS))
    }

    fn schema_report(&mut self) -> QueryResult<SchemaReport> {
        let conn = self;
        let table_sql = diesel::sql_query(
            "SELECT sql AS value FROM sqlite_master WHERE type = 'table' AND name = 'profiles'",
        )
        .get_result::<Single>(conn)?
        .value;
        Ok(SchemaReport {
            server_version: diesel::sql_query("SELECT 'SQLite ' || sqlite_version() AS value")
                .get_result::<Single>(conn)?
                .value,
            constraints: sqlite_constraints(&table_sql),
            indexes: diesel::sql_query(
                "SELECT il.name AS name,
                            CASE WHEN il.\"unique\" THEN 'UNIQUE ' ELSE '' END || '(' ||
                            (SELECT group_concat(ii.name, ', ') FROM pragma_index_info(il.name) ii)
                            || ')' AS definition
                     FROM pragma_index_list('profiles') il ORDER BY il.name",
            )
            .load(conn)?,
            migrations: diesel::sql_query(MIGRATIONS_SQL).load(conn)?,
        })
    }

    fn insert_demo_chunk(
        &mut self,
        rows: &[NewProfileRow<'_>],
        ctx: &ChangeContext,
        keys: &mut KnownKeys,
    ) -> Result<usize, Error> {
        self.write_transaction(ctx, |conn| Ok(conn.insert_rows(rows, keys)?))
    }

    fn file_is_gone(&mut self) -> bool {
        matches!(check_the_file_is_there(self), Err(Error::FileGone { .. }))
    }

    /// Random-order index inserts thrash SQLite's default 2 MB page cache: a bulk load gets 28 MB
    /// (a million-row import: 48 s with 2 MB, 41 s with 64 MB, 37 s with 256 MB: past a few tens
    /// of megabytes the memory buys little; with commits in groups, session 13: 24 MB 9.9–10.3 s,
    /// 28 MB 9.3–9.5 s, 32 MB 9.2–9.3 s, peak resident 85, 89 and 92 MB), and the connection
    /// goes back to the default afterwards. The statement journal (each insert's undo record,
    /// should it fail half-way) stays in memory meanwhile instead of being written to a
    /// temporary file page by page.
    fn bulk_load(&mut self, on: bool) -> QueryResult<()> {
        self.batch_execute(if on {
            "PRAGMA cache_size = -28672; PRAGMA temp_store = MEMORY"
        } else {
            "PRAGMA cache_size = -2000; PRAGMA temp_store = DEFAULT; \
             PRAGMA ignore_check_constraints = OFF"
        })
    }
}

/// SQLite keeps constraints only in the table's CREATE statement: split its body at top-level
/// commas and keep named constraints and each column's own constraints.
fn sqlite_constraints(table_sql: &str) -> Vec<SchemaItem> {
    table_parts(table_sql)
        .into_iter()
        .map(crate::domain::one_line)
        .filter_map(|part| {
            if let Some(rest) = part.strip_prefix("CONSTRAINT ") {
                let (name, definition) = rest.split_once(' ')?;
                Some(SchemaItem {
                    name: name.to_owned(),
                    definition: definition.to_owned(),
                })
            } else {
                let (column, definition) = part.split_once(' ')?;
                let (_, constraints) = definition.split_once(' ')?;
                Some(SchemaItem {
                    name: column.to_owned(),
                    definition: constraints.to_owned(),
                })
            }
        })
        .collect()
}

/// The CHECK constraints of a table's CREATE statement, as its name (a column's own: the
/// column's) and its expression, in order.
fn check_constraints(table_sql: &str) -> Vec<(String, String)> {
    table_parts(table_sql)
        .into_iter()
        .filter_map(|part| {
            let part = part.trim();
            let name = match part.strip_prefix("CONSTRAINT ") {
                Some(rest) => rest.split_whitespace().next()?,
                None => part.split_whitespace().next()?,
            };
            // The keyword itself: a word of its own, followed by its parenthesis.
            let open = part.match_indices("CHECK").find_map(|(at, keyword)| {
                let before = part[..at].chars().next_back();
                let after = &part[at + keyword.len()..];
                let gap = after.len() - after.trim_start().len();
                (before.is_none_or(char::is_whitespace) && after.trim_start().starts_with('('))
                    .then_some(at + keyword.len() + gap)
            })?;
            let mut depth = 0;
            for (at, c) in part[open..].char_indices() {
                match c {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ => {}
                }
                if depth == 0 {
                    let expression = &part[open..=open + at];
                    return Some((name.to_owned(), expression.to_owned()));
                }
            }
            None
        })
        .collect()
}

/// The body of a CREATE TABLE statement, split at its top-level commas: columns and table
/// constraints.
fn table_parts(table_sql: &str) -> Vec<&str> {
    let body = match (table_sql.find('('), table_sql.rfind(')')) {
        (Some(open), Some(close)) if open < close => &table_sql[open + 1..close],
        _ => return Vec::new(),
    };
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    for (at, c) in body.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&body[start..at]);
                start = at + 1;
            }
            _ => {}
        }
    }
    parts.push(&body[start..]);
    parts
}

/// [`Store::insert_rows`] on SQLite: [`insert_values`], with the folded names
/// (`domain::fold`, which the tests hold to the database's own fold); returns how many went in.
/// The rows are held to the CHECK constraints ([`check_rows_after`]), and the name dictionary and
/// the journal filled, once for all the rows rather than row by row in the insert and its
/// triggers (the same rows, the same entries, in id order): the dictionary from the folded names
/// not in `keys`, the journal in one statement. The caller's immediate transaction
/// keeps other writers out meanwhile, so no row they write is missed, and none of them sees the
/// triggers gone.
fn insert_counting(
    conn: &mut SqliteConnection,
    rows: &[NewProfileRow<'_>],
    keys: &mut KnownKeys,
) -> QueryResult<usize> {
    let triggers: Vec<Single> = diesel::sql_query(
        "SELECT sql AS value FROM sqlite_master WHERE type = 'trigger' \
         AND name IN ('profiles_keys_insert', 'profile_changes_insert')",
    )
    .load(conn)?;
    let last_id: i64 = profiles::table
        .select(diesel::dsl::max(profiles::id))
        .first::<Option<i64>>(conn)?
        .unwrap_or(0);
    conn.batch_execute("DROP TRIGGER profiles_keys_insert; DROP TRIGGER profile_changes_insert;")?;
    let folded: Vec<(String, String)> = rows
        .iter()
        .map(|row| (fold(row.first_name), fold(row.last_name)))
        .collect();
    conn.batch_execute("PRAGMA ignore_check_constraints = ON")?;
    let inserted = insert_values(conn, rows, &folded);
    conn.batch_execute("PRAGMA ignore_check_constraints = OFF")?;
    let inserted = inserted?;
    check_rows_after(conn, last_id)?;
    // A row skipped for a taken name adds nothing: that name's row already put it there.
    let unknown = keys.unknown(
        folded
            .iter()
            .flat_map(|(first, last)| [first.as_str(), last.as_str()]),
    );
    for chunk in unknown.chunks(NAMES_PER_DICTIONARY_INSERT) {
        let mut query = CachedSql::new(chunk.len() == NAMES_PER_DICTIONARY_INSERT);
        query.sql(NAME_PARTS_OF);
        for (at, key) in chunk.iter().enumerate() {
            query.sql(if at == 0 { "(" } else { ", (" });
            query.text(key);
            query.sql(")");
        }
        query.sql(NAME_PARTS_OF_END);
        query.execute(conn)?;
    }
    diesel::sql_query(JOURNAL_CREATED_AFTER)
        .bind::<BigInt, _>(last_id)
        .execute(conn)?;
    for trigger in triggers {
        conn.batch_execute(&trigger.value)?;
    }
    Ok(inserted)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn migrated() -> SqliteConnection {
        let mut conn = SqliteConnection::establish(":memory:").expect("a database in memory");
        conn.run_pending_migrations(MIGRATIONS).expect("migrations");
        conn
    }

    #[test]
    fn the_checks_are_read_from_the_tables_definition() {
        let mut conn = migrated();
        let table: Single = diesel::sql_query(
            "SELECT sql AS value FROM sqlite_master WHERE type = 'table' AND name = 'profiles'",
        )
        .get_result(&mut conn)
        .expect("the table's definition");
        let checks = check_constraints(&table.value);
        let names: Vec<&str> = checks.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(
            names,
            [
                "profiles_first_name_check",
                "profiles_last_name_check",
                "profiles_gender_check",
                "profiles_age_check"
            ]
        );
        assert_eq!(checks[3].1, "(age BETWEEN 0 AND 150)");
        assert_eq!(
            check_constraints(
                "CREATE TABLE t (a INTEGER CHECK (a > (1)), CHECKED TEXT, c_CHECK TEXT CHECK(c_CHECK <> ''))"
            ),
            [
                ("a".to_owned(), "(a > (1))".to_owned()),
                ("c_CHECK".to_owned(), "(c_CHECK <> '')".to_owned())
            ]
        );
    }

    /// The rows a bulk insert wrote with the checks left out are held to them afterwards.
    #[test]
    fn rows_written_without_checks_are_held_to_them_after() {
        let mut conn = migrated();
        let insert = |conn: &mut SqliteConnection, first: &str, age: i32| {
            conn.batch_execute("PRAGMA ignore_check_constraints = ON")
                .expect("checks off");
            diesel::sql_query(
                "INSERT INTO profiles (first_name, last_name, gender, age, created_at, updated_at) \
                 VALUES (?, 'Lind', 'F', ?, '2026-11-28 00:00:00', '2026-11-28 00:00:00')",
            )
            .bind::<Text, _>(first)
            .bind::<Integer, _>(age)
            .execute(conn)
            .expect("insert");
            conn.batch_execute("PRAGMA ignore_check_constraints = OFF")
                .expect("checks on");
        };
        insert(&mut conn, "Bea", 30);
        check_rows_after(&mut conn, 0).expect("a valid row passes");
        insert(&mut conn, "Old", 151);
        let err = check_rows_after(&mut conn, 1).expect_err("age 151 breaks a check");
        assert_eq!(
            err.to_string(),
            "CHECK constraint failed: profiles_age_check"
        );
        insert(&mut conn, " Padded", 20);
        let err = check_rows_after(&mut conn, 2).expect_err("a padded name breaks a check");
        assert_eq!(
            err.to_string(),
            "CHECK constraint failed: profiles_first_name_check"
        );
    }
}
