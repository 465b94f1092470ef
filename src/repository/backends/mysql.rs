//! MySQL and MariaDB: everything this backend does differently, in one place. Where the data
//! already lives.
//!
//! - Connection: a URL rebuilt from the target with every part percent-encoded; a UTC session at
//!   READ COMMITTED whatever the server's default (InnoDB's REPEATABLE READ takes gap locks that
//!   deadlock concurrent insert-if-absent), strict SQL mode, lock and statement timeouts; a
//!   `profiles` table we did not create is refused before anything is written.
//! - No `RETURNING`: "created" is known from the insert itself succeeding (a duplicate name is
//!   error 1062, caught), never from affected-row counts (diesel sets CLIENT_FOUND_ROWS) and never
//!   with `INSERT IGNORE` (which would swallow other errors too); its id is `LAST_INSERT_ID()`.
//! - Creators of rows no unique constraint covers take turns on a locked row of
//!   `profile_creator_locks` keyed on the lookup, held until their transaction ends.
//! - Deadlocks (1213) and lock wait timeouts (1205) are retried as whole transactions (`retry.rs`).
//! - Search: a dictionary of the folded names in use, by suffix, kept by triggers (migration 2);
//!   a bulk load by this tool hands over the folded keys and fills the dictionary by set
//!   instead (`@profile_console_bulk`, migration 4).
//! - Bulk loads (`insert_bulk`): ids taken beforehand from the AUTO_INCREMENT counter with
//!   rolled-back placeholder rows (`reserve_id_range`), so a load's batches can run side by side
//!   with ids in file order and no read-back; the journal written by set (migration 7); the
//!   indexes but the unique ones put off into an empty table (migration 6).

use chrono::NaiveDateTime;
use diesel::connection::SimpleConnection;
use diesel::dsl::sql;
use diesel::mysql::{Mysql, MysqlConnection};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Integer, Text, Timestamp};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::{
    AppliedMigrationNames, DeferrableIndexes, Engine, MigrationError, MigrationState, Name,
    compare_migrations, impl_holds_no_profiles, records_our_migrations, run_all, versions,
};
use crate::db::{Backend, ConnectError, ServerTarget};
use crate::domain::{Lookup, PageRequest, Profile, ProfileFilter, ProfileValues, SortColumn, fold};
use crate::error::Error;
use crate::repository::inspect::{SchemaReport, Single};
use crate::repository::journal::ChangeContext;
use crate::repository::load_memory::KnownKeys;
use crate::repository::rows::{NewProfileRow, ProfileChangeset, RECORD_COLUMNS, RestoredRow};
use crate::repository::schema::{PROFILE_COLUMNS, profiles};
use crate::repository::store::{
    CachedSql, Filter, INJECTED_FAILURE, Store, TRIGRAM, contains_pattern, impl_search_by_names,
    impl_store, keys_contain, load_name_pairs, order_by,
};

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/mysql");

/// Rows per INSERT when bulk loading.
const ROWS_PER_STATEMENT: usize = 1_000;

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
        "CREATE INDEX profiles_first_key_idx ON profiles (first_key, last_key, id)",
    ),
    (
        "profiles_gender_id_idx",
        "CREATE INDEX profiles_gender_id_idx ON profiles (gender, id)",
    ),
    (
        "profiles_last_key_idx",
        "CREATE INDEX profiles_last_key_idx ON profiles (last_key, first_key, id)",
    ),
    (
        "profiles_updated_at_id_idx",
        "CREATE INDEX profiles_updated_at_id_idx ON profiles (updated_at, id)",
    ),
];

/// Connects to `server`, with the session the contract assumes.
pub(super) fn establish(server: &ServerTarget) -> Result<MysqlConnection, ConnectError> {
    let fail = |reason: String| {
        ConnectError::new(Backend::Mysql, server.to_string(), server.scrub(&reason))
    };
    let mut conn =
        MysqlConnection::establish(&server.mysql_url()).map_err(|err| fail(err.to_string()))?;
    check_encrypted_if_asked(&mut conn, server).map_err(fail)?;
    let seconds = server.timeout().as_secs().max(1);
    // autocommit first: a server (or `init_connect`) that turns it off would otherwise leave
    // every statement that runs on its own uncommitted, and lost at disconnect, after it was
    // reported done. A row limit or join bound set server-wide would cut reads short.
    conn.batch_execute(&format!(
        "SET SESSION autocommit = 1;
         SET SESSION sql_select_limit = 18446744073709551615;
         SET SESSION max_join_size = 18446744073709551615;
         SET SESSION sql_safe_updates = 0;
         SET SESSION time_zone = '+00:00';
         SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED{access};
         SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION,NO_ZERO_DATE';
         SET SESSION innodb_lock_wait_timeout = {seconds};",
        // Read-only when asked; otherwise as the server has it (a server-wide
        // `transaction_read_only` is honoured: its writes are refused, plainly).
        access = if server.read_only() {
            ", READ ONLY"
        } else {
            ""
        },
    ))
    .map_err(|err| fail(err.to_string()))?;
    // A bound on every statement: MariaDB's max_statement_time, else MySQL's max_execution_time
    // (which covers reads only); a server with neither keeps the lock wait timeout.
    if conn
        .batch_execute(&format!("SET SESSION max_statement_time = {seconds}"))
        .is_err()
    {
        let _ = conn.batch_execute(&format!(
            "SET SESSION max_execution_time = {}",
            seconds * 1000
        ));
    }
    log_writes_as_rows(&mut conn);
    check_is_ours(&mut conn).map_err(fail)?;
    Ok(conn)
}

/// A server that logs statements for replication (`binlog_format = STATEMENT`, with the binary
/// log on) cannot log InnoDB writes at READ COMMITTED, and refuses every one (error 1665), even
/// the migrations'. Such a session logs `MIXED` instead (rows where statements would not
/// replay alike; replicas apply either). A user without the right to change it (SUPER, BINLOG
/// ADMIN) keeps the server's format: reads work, and a write is refused, saying why.
fn log_writes_as_rows(conn: &mut MysqlConnection) {
    let format = diesel::sql_query(
        "SELECT CAST(IF(@@log_bin = 1, @@session.binlog_format, '') AS CHAR) AS value",
    )
    .get_result::<Single>(conn);
    if format.is_ok_and(|row| row.value.eq_ignore_ascii_case("STATEMENT")) {
        let _ = conn.batch_execute("SET SESSION binlog_format = 'MIXED'");
    }
}

/// A scratch table for [`check_can_set_up`].
const SETUP_PROBE: &str = "profile_console_setup_probe";

/// Tries the kinds of statement the migrations run on a scratch table first. MySQL and MariaDB
/// commit each schema change at once, so a migration refused half-way (a user without the
/// TRIGGER privilege; one without SUPER where the binary log is on, which creating a trigger
/// then needs) would leave the database half set up, and every later open stuck on what the
/// first half made. Refused here, nothing of the migrations is made.
fn check_can_set_up(conn: &mut MysqlConnection) -> Result<(), MigrationError> {
    let steps = [
        format!("CREATE TABLE {SETUP_PROBE} (id INT NOT NULL PRIMARY KEY, n INT) ENGINE = InnoDB"),
        format!("ALTER TABLE {SETUP_PROBE} ADD COLUMN m INT"),
        format!("CREATE INDEX {SETUP_PROBE}_n ON {SETUP_PROBE} (n)"),
        format!(
            "CREATE TRIGGER {SETUP_PROBE}_m BEFORE INSERT ON {SETUP_PROBE} FOR EACH ROW \
             SET NEW.m = NEW.n"
        ),
        format!("INSERT INTO {SETUP_PROBE} (id, n) VALUES (1, 1)"),
    ];
    // One left by a probe that could not drop it.
    let _ = conn.batch_execute(&format!("DROP TABLE IF EXISTS {SETUP_PROBE}"));
    let refused = steps.iter().find_map(|step| conn.batch_execute(step).err());
    let dropped = conn.batch_execute(&format!("DROP TABLE IF EXISTS {SETUP_PROBE}"));
    let Some(refused) = refused else {
        return Ok(());
    };
    let left = if dropped.is_err() {
        format!(" (the scratch table {SETUP_PROBE} is left: drop it)")
    } else {
        String::new()
    };
    Err(format!(
        "this user may not set it up ({}); nothing was set up{left}: grant CREATE, ALTER, \
         INDEX, TRIGGER, SELECT, INSERT, UPDATE and DELETE on it (with the binary log on, \
         triggers also take SUPER or log_bin_trust_function_creators = 1)",
        crate::domain::one_line_message(&refused.to_string())
    )
    .into())
}

/// An `ssl_mode` that requires TLS (`REQUIRED`, `VERIFY_CA`, `VERIFY_IDENTITY`) is checked on the
/// session itself: the MariaDB client library does not know MySQL's `ssl_mode` option and
/// ignores it, and would go on in plain text with a server that has TLS off. Such a session is
/// refused before anything is sent on it.
fn check_encrypted_if_asked(
    conn: &mut MysqlConnection,
    server: &ServerTarget,
) -> Result<(), String> {
    #[derive(QueryableByName)]
    struct Status {
        #[diesel(sql_type = Text)]
        #[diesel(column_name = Value)]
        value: String,
    }
    let Some(mode) = server.get("ssl_mode") else {
        return Ok(());
    };
    if !["REQUIRED", "VERIFY_CA", "VERIFY_IDENTITY"]
        .iter()
        .any(|required| mode.eq_ignore_ascii_case(required))
    {
        return Ok(());
    }
    let cipher = diesel::sql_query("SHOW SESSION STATUS LIKE 'Ssl_cipher'")
        .get_result::<Status>(conn)
        .map(|status| status.value)
        .unwrap_or_default();
    if cipher.trim().is_empty() {
        return Err(format!(
            "ssl_mode={mode} asks for an encrypted connection, and this one is not (the server \
             has TLS off, or the client library did not use it); nothing was sent on it"
        ));
    }
    Ok(())
}

/// Refuses, before anything is written, a database whose `profiles` table this tool did not
/// create. Other tables are fine: a server database is often shared.
fn check_is_ours(conn: &mut MysqlConnection) -> Result<(), String> {
    let tables: Vec<Single> = diesel::sql_query(
        "SELECT CAST(table_name AS CHAR) AS value FROM information_schema.tables \
         WHERE table_schema = DATABASE() \
           AND table_name IN ('profiles', '__diesel_schema_migrations')",
    )
    .load(conn)
    .map_err(|err| err.to_string())?;
    let has = |name: &str| tables.iter().any(|t| t.value.eq_ignore_ascii_case(name));
    if !has("profiles")
        || (has("__diesel_schema_migrations")
            && records_our_migrations(conn, &versions::<Mysql>(&MIGRATIONS))?)
    {
        return Ok(());
    }
    if has("__diesel_schema_migrations") {
        // Ours made the migrations table: a first set-up that stopped half-way (see
        // `check_can_set_up`) made the table and could not record it.
        return Err(HALF_SET_UP.to_owned());
    }
    Err(
        "the database already holds a profiles table that profile-console did not create; \
         nothing was changed: use another database"
            .to_owned(),
    )
}

/// What to do with a database whose set-up stopped half-way.
const HALF_SET_UP: &str = "the database's set-up stopped half-way earlier (MySQL and MariaDB \
     cannot undo schema changes), or another program made its profiles table; nothing was \
     changed: drop the database's tables and run again, or use another database";

/// One search term on MySQL: `LIKE` on either folded name. MySQL's `LIKE` escapes with a
/// backslash by default, which is how the pattern is escaped. (Rare terms are found through the
/// name dictionary first: see [`mysql_search`].)
fn mysql_term_filter(term: &str, _walk: bool) -> Filter<Mysql> {
    keys_contain(term, "")
}

/// Ids a search page in id order walks before it turns to the name dictionary: fewer than on
/// PostgreSQL, as MariaDB's LIKE costs about 0.6 µs a row here.
const SEARCH_WALK: i64 = 10_000;

/// A search page on MySQL: through `profile_name_parts` (the folded names in use, by suffix), where
/// one index range gives the names containing a term (see [`search_by_names`]).
fn mysql_search(
    conn: &mut MysqlConnection,
    request: &PageRequest,
) -> QueryResult<Option<Vec<Profile>>> {
    search_by_names(conn, request, SEARCH_WALK, names_containing)
}

/// The count of a searched view on MySQL: through the name dictionary (see
/// [`count_by_names`]).
fn mysql_count(conn: &mut MysqlConnection, filter: &ProfileFilter) -> QueryResult<Option<i64>> {
    count_by_names(conn, filter, names_containing)
}

/// Up to `limit` folded names in use that contain `term`: the names whose suffixes start with it.
fn names_containing(
    conn: &mut MysqlConnection,
    term: &str,
    limit: i64,
) -> QueryResult<Vec<Single>> {
    let mut prefix = contains_pattern(&fold(term));
    prefix.remove(0);
    diesel::sql_query(
        "SELECT DISTINCT name_key AS value FROM profile_name_parts WHERE suffix LIKE ? LIMIT ?",
    )
    .bind::<Text, _>(prefix)
    .bind::<BigInt, _>(limit)
    .load::<Single>(conn)
}

impl_search_by_names!(MysqlConnection, Mysql, mysql_filters);

/// Adds folded names to `profile_name_parts` (every suffix of three or more characters), as the
/// insert trigger does for one row, for the names not there yet.
fn add_to_name_dictionary(conn: &mut MysqlConnection, keys: &[&str]) -> QueryResult<()> {
    for part in keys.chunks(ROWS_PER_STATEMENT) {
        let names = vec!["SELECT ? AS name_key"; part.len()].join(" UNION ALL ");
        let mut query = diesel::sql_query(format!(
            "INSERT INTO profile_name_parts (suffix, name_key) \
             SELECT SUBSTRING(k.name_key, p.n), k.name_key FROM ({names}) k \
             JOIN profile_fold_positions p ON p.n <= CHAR_LENGTH(k.name_key) - 2 \
             WHERE NOT EXISTS (SELECT 1 FROM profile_name_parts d \
                               WHERE d.suffix = k.name_key AND d.name_key = k.name_key) \
             ON DUPLICATE KEY UPDATE name_key = VALUES(name_key)"
        ))
        .into_boxed::<Mysql>();
        for key in part {
            query = query.bind::<Text, _>(*key);
        }
        query.execute(conn)?;
    }
    Ok(())
}

/// What a bulk insert does with a row whose name is taken.
#[derive(Clone, Copy, PartialEq)]
enum Taken {
    /// Leaves the row out (`INSERT IGNORE`: the rows are validated beforehand, so a taken name
    /// is all it can skip).
    Skip,
    /// Fails the insert, which then reports `None`.
    Fail,
}

/// A bulk load's insert (`@profile_console_bulk`): `rows` with the `ids` reserved for them
/// ([`reserve_id_range`]), their folded keys computed here (migration 000004), then their
/// journal entries written by set (migration 000007), and their names added to the search
/// dictionary by set, all in the caller's transaction. Row by row in the triggers, a million
/// rows' keys, dictionary and journal cost more than the rows themselves. Returns how many rows
/// went in; `None` if a name was taken and `taken` is [`Taken::Fail`].
///
/// An id another client took while it was being reserved fails the statement (InnoDB undoes
/// just that statement): the rows from there on take new ids, and it runs again.
fn insert_bulk(
    conn: &mut MysqlConnection,
    rows: &[NewProfileRow<'_>],
    ids: &mut [i64],
    keys: &mut KnownKeys,
    taken: Taken,
) -> QueryResult<Option<usize>> {
    debug_assert_eq!(rows.len(), ids.len());
    let folded: Vec<(String, String)> = rows
        .iter()
        .map(|row| (fold(row.first_name), fold(row.last_name)))
        .collect();
    conn.batch_execute("SET @profile_console_bulk = 1")?;
    let mut inserted = Ok(0);
    let mut start = 0;
    while start < rows.len() && inserted.is_ok() {
        let end = (start + ROWS_PER_STATEMENT).min(rows.len());
        // A full statement is prepared once (diesel prepares its own multi-row inserts afresh
        // each time).
        let mut query = CachedSql::new(end - start == ROWS_PER_STATEMENT);
        query.sql(match taken {
            Taken::Skip => "INSERT IGNORE",
            Taken::Fail => "INSERT",
        });
        query.sql(
            " INTO profiles (id, first_name, last_name, gender, age, created_at, updated_at, \
             first_key, last_key) VALUES ",
        );
        for (at, ((row, (first, last)), id)) in rows[start..end]
            .iter()
            .zip(&folded[start..end])
            .zip(&ids[start..end])
            .enumerate()
        {
            query.sql(if at == 0 { "(" } else { ", (" });
            query.big_int(*id);
            query.sql(", ");
            push_values(&mut query, row);
            query.sql(", ");
            query.text(first);
            query.sql(", ");
            query.text(last);
            query.sql(")");
        }
        let done = query.execute(conn);
        match done {
            Err(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                info,
            )) if info.message().contains("PRIMARY'") => {
                match reserve_id_range(conn, rows.len() - start) {
                    Ok(first) => {
                        for (id, new) in ids[start..].iter_mut().zip(first..) {
                            *id = new;
                        }
                    }
                    Err(err) => inserted = Err(err),
                }
            }
            done => {
                inserted = done.map(|more| inserted.unwrap_or(0) + more);
                start = end;
            }
        }
    }
    // Always unset: the session's other inserts are served by the triggers.
    let unset = conn.batch_execute("SET @profile_console_bulk = NULL");
    let inserted = match inserted {
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) if taken == Taken::Fail => {
            unset?;
            return Ok(None);
        }
        inserted => inserted?,
    };
    unset?;
    if inserted == rows.len() {
        journal_created(conn, rows, ids)?;
    } else {
        let (rows, ids) = inserted_of(conn, rows, ids)?;
        journal_created(conn, &rows, &ids)?;
    }
    let mut unknown = keys.unknown(
        folded
            .iter()
            .flat_map(|(first, last)| [first.as_str(), last.as_str()]),
    );
    // In order, as every session adds them: two imports lock the same rows in the same order,
    // never each other's first.
    unknown.sort_unstable();
    add_to_name_dictionary(conn, &unknown)?;
    Ok(Some(inserted))
}

/// The journal entries of `rows`, just created by a bulk insert with `ids`, as the insert
/// trigger writes them one by one, from the values inserted (in strict mode a successful insert
/// stores exactly those), a full statement prepared once. Not `INSERT … SELECT` from the
/// profiles: MariaDB locks the rows that reads, and the gap after the last, until the
/// transaction ends, and a batch run side by side, waiting for its turn to commit, would hold
/// up the batch before it inserting there.
fn journal_created(
    conn: &mut MysqlConnection,
    rows: &[NewProfileRow<'_>],
    ids: &[i64],
) -> QueryResult<()> {
    for (rows, ids) in rows
        .chunks(ROWS_PER_STATEMENT)
        .zip(ids.chunks(ROWS_PER_STATEMENT))
    {
        let mut query = CachedSql::new(rows.len() == ROWS_PER_STATEMENT);
        query.sql(
            "INSERT INTO profile_changes (at, profile_id, action, new_first_name, \
             new_last_name, new_gender, new_age, new_created_at, new_updated_at, source, \
             db_user, os_user, session, reverts) VALUES ",
        );
        for (at, (row, id)) in rows.iter().zip(ids).enumerate() {
            query.sql(if at == 0 { "(" } else { ", (" });
            query.sql("UTC_TIMESTAMP(6), ");
            query.big_int(*id);
            query.sql(", COALESCE(@profile_console_action, 'created'), ");
            push_values(&mut query, row);
            query.sql(
                ", COALESCE(@profile_console_source, 'other'), CURRENT_USER(), \
                 @profile_console_os_user, @profile_console_session, @profile_console_reverts)",
            );
        }
        query.execute(conn)?;
    }
    Ok(())
}

/// `row`'s first name, last name, gender, age, created_at and updated_at, as bind values
/// separated by commas.
fn push_values<'r>(query: &mut CachedSql<'r>, row: &NewProfileRow<'r>) {
    for text in [row.first_name, row.last_name, row.gender] {
        query.text(text);
        query.sql(", ");
    }
    query.integer(row.age);
    query.sql(", ");
    query.timestamp(row.created_at);
    query.sql(", ");
    query.timestamp(row.updated_at);
}

/// Of `rows` with `ids` (one run of reserved ids), those an `INSERT IGNORE` put in: the rows the
/// table now holds by those ids and names (a plain read, which locks nothing).
fn inserted_of<'r>(
    conn: &mut MysqlConnection,
    rows: &[NewProfileRow<'r>],
    ids: &[i64],
) -> QueryResult<(Vec<NewProfileRow<'r>>, Vec<i64>)> {
    let (Some(&first), Some(&last)) = (ids.iter().min(), ids.iter().max()) else {
        return Ok((Vec::new(), Vec::new()));
    };
    let present: std::collections::HashMap<i64, (String, String)> = profiles::table
        .filter(profiles::id.between(first, last))
        .select((profiles::id, profiles::first_name, profiles::last_name))
        .load::<(i64, String, String)>(conn)?
        .into_iter()
        .map(|(id, first, last)| (id, (first, last)))
        .collect();
    Ok(rows
        .iter()
        .zip(ids)
        .filter(|(row, id)| {
            present
                .get(id)
                .is_some_and(|(first, last)| first == row.first_name && last == row.last_name)
        })
        .map(|(row, id)| (*row, *id))
        .unzip())
}

/// Placeholder rows [`reserve_id_range`] has made, for names no one else uses.
static PLACEHOLDERS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Takes `count` ids for rows this session inserts later, whoever else inserts meanwhile, and
/// returns the first (the others follow it). MySQL has no sequence apart from the table's
/// AUTO_INCREMENT counter, which moves only on an insert, and stays moved when the insert is
/// rolled back (InnoDB hands no value out twice): so a placeholder row takes the first id,
/// another the last (which moves the counter past it), and both are rolled back, to a
/// savepoint inside the caller's transaction. They never commit and are never journaled (the
/// bulk flag is set); their names (`profile-console`, `ids` with this session's number) are no
/// one else's.
fn reserve_id_range(conn: &mut MysqlConnection, count: usize) -> QueryResult<i64> {
    let count = i64::try_from(count.max(1)).unwrap_or(i64::MAX);
    let place = |conn: &mut MysqlConnection, id: Option<i64>| {
        let number = PLACEHOLDERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        diesel::sql_query(
            "INSERT INTO profiles \
                 (id, first_name, last_name, gender, age, created_at, updated_at, \
                  first_key, last_key) \
             VALUES (?, 'profile-console', CONCAT('ids ', CONNECTION_ID(), '-', ?), 'x', 0, \
                 UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), 'profile-console', \
                 CONCAT('ids ', CONNECTION_ID(), '-', ?))",
        )
        .bind::<diesel::sql_types::Nullable<BigInt>, _>(id)
        .bind::<Text, _>(number.to_string())
        .bind::<Text, _>(number.to_string())
        .execute(conn)
    };
    // Other sessions of this program take their turns: between the two placeholders, the ids
    // after the first are not yet taken. (Another client inserting just then takes one of them,
    // which the insert finds: see `insert_bulk`.)
    let lock = "CONCAT('profile-console:ids:', LEFT(SHA1(DATABASE()), 20))";
    if !take_named_lock(conn, lock, "@@session.innodb_lock_wait_timeout")? {
        return Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::Unknown,
            Box::new("Lock wait timeout exceeded (taking ids for a load)".to_owned()),
        ));
    }
    let mut first = 0;
    let placed = conn.transaction(|conn| {
        // Set as it was after (a bulk insert that meets a taken id takes new ones half-way).
        conn.batch_execute(
            "SET @profile_console_bulk_was = @profile_console_bulk, @profile_console_bulk = 1",
        )?;
        let placed = (|| {
            place(conn, None)?;
            first = diesel::select(sql::<BigInt>("CAST(LAST_INSERT_ID() AS SIGNED)"))
                .get_result(conn)?;
            if count > 1 {
                place(conn, Some(first + count - 1))?;
            }
            QueryResult::Ok(())
        })();
        let unset = conn.batch_execute("SET @profile_console_bulk = @profile_console_bulk_was");
        placed?;
        unset?;
        // Rolled back: only the counter stays moved.
        Err::<(), _>(diesel::result::Error::RollbackTransaction)
    });
    let released = release_named_lock(conn, lock);
    match placed {
        Err(diesel::result::Error::RollbackTransaction) => {
            released?;
            Ok(first)
        }
        Err(err) => Err(err),
        Ok(()) => unreachable!("the placeholders are always rolled back"),
    }
}

/// Takes the named lock `name` (an SQL expression), waiting at most `wait` seconds (one too);
/// whether it got it. Held until [`release_named_lock`] or the session ends.
fn take_named_lock(conn: &mut MysqlConnection, name: &str, wait: &str) -> QueryResult<bool> {
    #[derive(QueryableByName)]
    struct Locked {
        #[diesel(sql_type = diesel::sql_types::Nullable<Integer>)]
        locked: Option<i32>,
    }
    let locked = diesel::sql_query(format!("SELECT GET_LOCK({name}, {wait}) AS locked"))
        .get_result::<Locked>(conn)?
        .locked;
    Ok(locked == Some(1))
}

fn release_named_lock(conn: &mut MysqlConnection, name: &str) -> QueryResult<()> {
    conn.batch_execute(&format!("DO RELEASE_LOCK({name})"))
}

/// Removes the notes of the put-off indexes `names`.
fn forget_deferred(conn: &mut MysqlConnection, names: &[&str]) -> QueryResult<()> {
    for name in names {
        diesel::sql_query("DELETE FROM profile_deferred_indexes WHERE name = ?")
            .bind::<Text, _>(*name)
            .execute(conn)?;
    }
    Ok(())
}

/// The names of the indexes `profiles` has now.
fn index_names(conn: &mut MysqlConnection) -> QueryResult<Vec<String>> {
    Ok(diesel::sql_query(
        "SELECT DISTINCT CAST(index_name AS CHAR) AS name FROM information_schema.statistics \
         WHERE table_schema = DATABASE() AND table_name = 'profiles'",
    )
    .load::<Name>(conn)?
    .into_iter()
    .map(|row| row.name)
    .collect())
}

fn by_id(conn: &mut MysqlConnection, id: i64) -> QueryResult<Profile> {
    profiles::table.find(id).select(PROFILE_COLUMNS).first(conn)
}

impl_store!(
    MysqlConnection,
    Mysql,
    mysql_filters,
    term_filter = mysql_term_filter,
    search = mysql_search,
    split_keyset = true,
    equal_as_range = true,
    count = mysql_count,
    {
        /// A row-constructor list, which the unique name index answers key by key.
        fn find_names(&mut self, names: &[(&str, &str)], lock: bool) -> QueryResult<Vec<Profile>> {
            let lock = if lock { " FOR UPDATE" } else { "" };
            load_name_pairs!(
                self,
                names,
                ROWS_PER_STATEMENT,
                format!(
                    "SELECT {RECORD_COLUMNS} FROM profiles p WHERE (p.first_name, p.last_name) IN ("
                ),
                format!("){lock}")
            )
        }

        /// `INSERT IGNORE`, with ids reserved for the rows ([`insert_bulk`]): the rows are
        /// validated beforehand, so the only thing it skips is a taken name.
        fn insert_rows(
            &mut self,
            rows: &[NewProfileRow<'_>],
            keys: &mut KnownKeys,
        ) -> QueryResult<usize> {
            if rows.is_empty() {
                return Ok(0);
            }
            let first = reserve_id_range(self, rows.len())?;
            let mut ids: Vec<i64> = (first..).take(rows.len()).collect();
            insert_bulk(self, rows, &mut ids, keys, Taken::Skip)
                .map(|inserted| inserted.unwrap_or(0))
        }

        /// A plain insert ([`insert_bulk`]), the rows' ids those `reserved` for them, then ids
        /// reserved here for the rest: known without reading them back. A name taken meanwhile
        /// fails it (`None`: the caller rolls back and reads the batch's names again).
        fn insert_rows_for_ids(
            &mut self,
            rows: &[NewProfileRow<'_>],
            keys: &mut KnownKeys,
            reserved: &[i64],
        ) -> QueryResult<Option<Vec<i64>>> {
            let mut ids: Vec<i64> = reserved.iter().copied().take(rows.len()).collect();
            if ids.len() < rows.len() {
                let first = reserve_id_range(self, rows.len() - ids.len())?;
                ids.extend((first..).take(rows.len() - ids.len()));
            }
            Ok(insert_bulk(self, rows, &mut ids, keys, Taken::Fail)?.map(|_| ids))
        }

        /// The insert succeeds, or fails with a duplicate name (1062), which means "taken". In
        /// strict mode a successful insert stored exactly the values given, so the row is those
        /// values and the id the insert generated (no read-back).
        fn insert_unless_name_taken(
            &mut self,
            row: &NewProfileRow<'_>,
        ) -> QueryResult<Option<Profile>> {
            match diesel::insert_into(profiles::table)
                .values(row)
                .execute(self)
            {
                Ok(_) => {
                    let id: i64 = diesel::select(sql::<BigInt>("CAST(LAST_INSERT_ID() AS SIGNED)"))
                        .get_result(self)?;
                    Ok(Some(Profile {
                        id,
                        first_name: row.first_name.to_owned(),
                        last_name: row.last_name.to_owned(),
                        gender: row.gender.to_owned(),
                        age: row.age,
                        created_at: row.created_at,
                        updated_at: row.updated_at,
                    }))
                }
                Err(diesel::result::Error::DatabaseError(
                    diesel::result::DatabaseErrorKind::UniqueViolation,
                    _,
                )) => Ok(None),
                Err(err) => Err(err),
            }
        }

        /// Inside the write transaction, whose lock on the row keeps the read-back exact.
        fn update(
            &mut self,
            id: i64,
            values: &ProfileValues,
            at: NaiveDateTime,
        ) -> QueryResult<Profile> {
            diesel::update(profiles::table.find(id))
                .set(ProfileChangeset::new(values, at))
                .execute(self)?;
            by_id(self, id)
        }

        /// Reads the row locked, then deletes it, in a transaction of its own.
        fn delete(&mut self, id: i64) -> QueryResult<Option<Profile>> {
            self.transaction(|conn| {
                let row = profiles::table
                    .find(id)
                    .select(PROFILE_COLUMNS)
                    .for_update()
                    .first(conn)
                    .optional()?;
                if row.is_some() {
                    diesel::delete(profiles::table.find(id)).execute(conn)?;
                }
                Ok(row)
            })
        }

        fn find_locked(&mut self, lookup: &Lookup, limit: i64) -> QueryResult<Vec<Profile>> {
            profiles::table
                .filter(mysql_filters::lookup_filter(lookup))
                .order(profiles::id)
                .limit(limit)
                .select(PROFILE_COLUMNS)
                .for_update()
                .load(self)
        }

        /// The session is READ COMMITTED (set when connecting), whatever the server's default.
        ///
        /// Who writes is in session variables ([`Engine::apply_change_context`]); an undo also
        /// names itself, in variables cleared again whatever happens.
        fn write_transaction<T>(
            &mut self,
            ctx: &ChangeContext,
            work: impl FnOnce(&mut Self) -> Result<T, Error>,
        ) -> Result<T, Error> {
            let Some(action) = ctx.action else {
                return self.transaction(work);
            };
            diesel::sql_query("SET @profile_console_action = ?, @profile_console_reverts = ?")
                .bind::<Text, _>(action.name())
                .bind::<diesel::sql_types::Nullable<BigInt>, _>(ctx.reverts)
                .execute(self)?;
            let done = self.transaction(work);
            let cleared = self.batch_execute(
                "SET @profile_console_action = NULL, @profile_console_reverts = NULL",
            );
            let done = done?;
            cleared?;
            Ok(done)
        }

        fn restore(&mut self, row: &Profile) -> QueryResult<()> {
            diesel::insert_into(profiles::table)
                .values(RestoredRow::from(row))
                .execute(self)
                .map(drop)
        }

        /// `SIGNAL` works only in stored programs on MySQL, so the failure is made here, with the
        /// kind diesel gives a real deadlock (1213).
        fn fail_with_serialization_failure(&mut self) -> QueryResult<()> {
            Err(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::SerializationFailure,
                Box::new(INJECTED_FAILURE.to_owned()),
            ))
        }

        /// Locks this lookup's row in `profile_creator_locks` (made on first use) until the
        /// transaction ends: `ON DUPLICATE KEY UPDATE` takes an exclusive lock on an existing row.
        fn serialize_creators(&mut self, lookup: &Lookup) -> QueryResult<()> {
            diesel::sql_query(
                "INSERT INTO profile_creator_locks (lock_key) VALUES (UNHEX(SHA2(?, 256))) \
                 ON DUPLICATE KEY UPDATE lock_key = lock_key",
            )
            .bind::<Text, _>(lookup.canonical_key())
            .execute(self)
            .map(drop)
        }
    }
);

impl Engine for MysqlConnection {
    fn from_any(conn: super::AnyConnection) -> Option<Self> {
        match conn {
            super::AnyConnection::Mysql(conn) => Some(conn),
            _ => None,
        }
    }

    impl_holds_no_profiles!();

    /// As a bulk insert adds them ([`insert_bulk`]), committed at once.
    fn add_to_name_dictionary(
        &mut self,
        names: &[(&str, &str)],
        keys: &mut KnownKeys,
    ) -> QueryResult<()> {
        let folded: Vec<String> = names
            .iter()
            .flat_map(|(first, last)| [fold(first), fold(last)])
            .collect();
        let mut unknown = keys.unknown(folded.iter().map(String::as_str));
        unknown.sort_unstable();
        let added = add_to_name_dictionary(self, &unknown);
        keys.transaction_ended(added.is_ok());
        added
    }

    /// Two: a server thread for each keeps both of the machine's cores busy (a million new
    /// rows: 23.7 s on one connection, 16.9 s on two, 17.1 s on three). Ids are taken apart
    /// from the inserts ([`reserve_id_range`]), with the right to insert that the load needs
    /// anyway.
    fn load_workers(&mut self) -> usize {
        2
    }

    /// See [`reserve_id_range`].
    fn reserve_ids(&mut self, count: usize) -> QueryResult<Option<Vec<i64>>> {
        let first = reserve_id_range(self, count)?;
        Ok(Some((first..).take(count).collect()))
    }

    /// Session variables the journal's triggers read.
    fn apply_change_context(&mut self, ctx: &ChangeContext) -> QueryResult<()> {
        diesel::sql_query(
            "SET @profile_console_source = ?, @profile_console_os_user = ?, \
                 @profile_console_session = ?",
        )
        .bind::<Text, _>(ctx.source.name())
        .bind::<diesel::sql_types::Nullable<Text>, _>(ctx.os_user.as_deref())
        .bind::<Text, _>(&ctx.session)
        .execute(self)
        .map(drop)
    }

    /// Under a named lock (DDL cannot run in a transaction here): two processes starting at once
    /// on a new database do not both migrate it.
    fn migrate(&mut self) -> Result<AppliedMigrationNames, MigrationError> {
        if !self.has_pending_migration(MIGRATIONS)? {
            return Ok(Vec::new());
        }
        self.batch_execute("DO GET_LOCK('profile-console:migrations', 60)")?;
        let ran = check_can_set_up(self)
            .and_then(|()| run_all(self, MIGRATIONS))
            .map_err(|err| -> MigrationError {
                let text = err.to_string();
                if text.contains("already exists") {
                    format!(
                        "{text}: an earlier set-up stopped half-way (MySQL and MariaDB cannot \
                         undo schema changes); drop the database's tables and run again, or use \
                         another database"
                    )
                    .into()
                } else {
                    err
                }
            });
        let released = self.batch_execute("DO RELEASE_LOCK('profile-console:migrations')");
        let ran = ran?;
        released?;
        Ok(ran)
    }

    fn migration_state(&mut self) -> Result<MigrationState, String> {
        compare_migrations(self, &versions::<Mysql>(&MIGRATIONS))
    }

    fn schema_report(&mut self) -> QueryResult<SchemaReport> {
        let conn = self;
        Ok(SchemaReport {
            server_version: diesel::sql_query(
                "SELECT CONCAT(IF(VERSION() LIKE '%MariaDB%', 'MariaDB ', 'MySQL '), \
                 SUBSTRING_INDEX(VERSION(), '-', 1)) AS value",
            )
            .get_result::<Single>(conn)?
            .value,
            constraints: diesel::sql_query(
                "SELECT CAST(tc.constraint_name AS CHAR) AS name, \
                        CAST(CONCAT(tc.constraint_type, ' ', COALESCE(cc.check_clause, \
                          (SELECT CONCAT('(', GROUP_CONCAT(kcu.column_name ORDER BY kcu.ordinal_position SEPARATOR ', '), ')') \
                           FROM information_schema.key_column_usage kcu \
                           WHERE kcu.table_schema = tc.table_schema AND kcu.table_name = tc.table_name \
                             AND kcu.constraint_name = tc.constraint_name))) AS CHAR) AS definition \
                 FROM information_schema.table_constraints tc \
                 LEFT JOIN information_schema.check_constraints cc \
                   ON cc.constraint_schema = tc.table_schema AND cc.constraint_name = tc.constraint_name \
                 WHERE tc.table_schema = DATABASE() AND tc.table_name = 'profiles' \
                 ORDER BY tc.constraint_name",
            )
            .load(conn)?,
            indexes: diesel::sql_query(
                "SELECT CAST(index_name AS CHAR) AS name, \
                        CAST(CONCAT(IF(MIN(non_unique) = 0, 'UNIQUE ', ''), '(', \
                          GROUP_CONCAT(column_name ORDER BY seq_in_index SEPARATOR ', '), ')') AS CHAR) AS definition \
                 FROM information_schema.statistics \
                 WHERE table_schema = DATABASE() AND table_name = 'profiles' \
                 GROUP BY index_name ORDER BY index_name",
            )
            .load(conn)?,
            migrations: diesel::sql_query(
                "SELECT CAST(version AS CHAR) AS version, CAST(run_on AS CHAR) AS run_on \
                 FROM __diesel_schema_migrations ORDER BY version",
            )
            .load(conn)?,
        })
    }

    /// The import's insert ([`Store::insert_rows`]): the demo rows are valid, so `INSERT IGNORE`
    /// skips only a taken name, and counts the rows that went in.
    fn insert_demo_chunk(
        &mut self,
        rows: &[NewProfileRow<'_>],
        _ctx: &ChangeContext,
        keys: &mut KnownKeys,
    ) -> Result<usize, Error> {
        Ok(self.transaction(|conn| conn.insert_rows(rows, keys))?)
    }

    /// InnoDB's `table_rows` statistic (sampled, so only roughly right).
    fn estimated_count(&mut self) -> QueryResult<Option<i64>> {
        #[derive(QueryableByName)]
        struct Estimate {
            #[diesel(sql_type = diesel::sql_types::Nullable<BigInt>)]
            estimate: Option<i64>,
        }
        diesel::sql_query(
            "SELECT CAST(table_rows AS SIGNED) AS estimate FROM information_schema.tables \
             WHERE table_schema = DATABASE() AND table_name = 'profiles'",
        )
        .get_result::<Estimate>(self)
        .map(|estimate| estimate.estimate)
    }

    /// Into an empty table only, as on the other backends; noted first, then dropped in one
    /// schema change (committed at once: see migration 000006). A session holding the table (a
    /// transaction open on it) would make the drop wait, and every statement on the table queue
    /// behind it: it is given a second, and the load keeps the indexes up if that is not enough.
    fn defer_indexes(&mut self) -> QueryResult<bool> {
        if !self.holds_no_profiles()? {
            return Ok(false);
        }
        let present = index_names(self)?;
        let names: Vec<&str> = DEFERRABLE_INDEXES
            .iter()
            .map(|(name, _)| *name)
            .filter(|name| present.iter().any(|present| present == name))
            .collect();
        if names.is_empty() {
            return Ok(false);
        }
        for name in &names {
            diesel::sql_query("INSERT IGNORE INTO profile_deferred_indexes (name) VALUES (?)")
                .bind::<Text, _>(*name)
                .execute(self)?;
        }
        let drops: Vec<String> = names
            .iter()
            .map(|name| format!("DROP INDEX {name}"))
            .collect();
        self.batch_execute("SET SESSION lock_wait_timeout = 1")?;
        let dropped = self.batch_execute(&format!("ALTER TABLE profiles {}", drops.join(", ")));
        let restored = self
            .batch_execute("SET SESSION lock_wait_timeout = @@session.innodb_lock_wait_timeout");
        if dropped.is_err() {
            // Not put off after all: the notes go (left, the next open would only remove them).
            forget_deferred(self, &names)?;
        }
        restored?;
        Ok(dropped.is_ok())
    }

    /// Every index noted and missing, in one schema change: one pass over the table, a sorted
    /// build per index (six indexes of a million rows: 3.6 s). Under a named lock taken without
    /// waiting: a process that finds another building leaves the notes to it. The build has no
    /// statement bound (it takes as long as the table needs); waiting for the table is bounded
    /// by the session's lock wait timeout.
    fn build_deferred_indexes(&mut self) -> QueryResult<()> {
        let noted =
            diesel::sql_query("SELECT CAST(name AS CHAR) AS name FROM profile_deferred_indexes")
                .load::<Name>(self)?;
        if noted.is_empty() {
            return Ok(());
        }
        let lock = "'profile-console:indexes'";
        if !take_named_lock(self, lock, "0")? {
            return Ok(());
        }
        let built = (|| {
            let present = index_names(self)?;
            let adds: Vec<String> = noted
                .iter()
                .filter(|noted| !present.contains(&noted.name))
                .filter_map(|noted| super::deferrable_index(DEFERRABLE_INDEXES, &noted.name))
                .filter_map(|sql| {
                    let (create, columns) = sql.split_once(" ON profiles ")?;
                    Some(format!("ADD {} {columns}", create.strip_prefix("CREATE ")?))
                })
                .collect();
            if !adds.is_empty() {
                // (MariaDB's bound; MySQL's `max_execution_time` bounds only reads.)
                let unbound = self.batch_execute(
                    "SET @profile_console_bound = @@session.max_statement_time, \
                         SESSION max_statement_time = 0",
                );
                self.batch_execute(
                    "SET SESSION lock_wait_timeout = @@session.innodb_lock_wait_timeout",
                )?;
                let added =
                    self.batch_execute(&format!("ALTER TABLE profiles {}", adds.join(", ")));
                if unbound.is_ok() {
                    self.batch_execute("SET SESSION max_statement_time = @profile_console_bound")?;
                }
                added?;
            }
            // Built, already there, or not one of ours: the note goes.
            let names: Vec<&str> = noted.iter().map(|noted| noted.name.as_str()).collect();
            forget_deferred(self, &names)?;
            QueryResult::Ok(())
        })();
        let released = release_named_lock(self, lock);
        built?;
        released
    }

    fn server_pid(&mut self) -> i32 {
        #[derive(QueryableByName)]
        struct Pid {
            #[diesel(sql_type = Integer)]
            pid: i32,
        }
        diesel::sql_query("SELECT CAST(CONNECTION_ID() AS SIGNED) AS pid")
            .get_result::<Pid>(self)
            .map_or(0, |row| row.pid)
    }

    fn cancel_statement_of(&mut self, pid: i32) -> QueryResult<()> {
        self.batch_execute(&format!("KILL QUERY {pid}"))
    }
}
