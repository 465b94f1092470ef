//! The database engines, one file each, holding everything that engine does differently:
//! connection settings, migrations and the check that a database is ours, the write transaction
//! and its isolation, serializing creators, insert-unless-taken, locked reads, search and keyset
//! details ([`Store`], through `impl_store!`), bulk load, the schema report ([`Engine`]).
//!
//! The rest of the repository sees one [`AnyConnection`] and reaches the engine through
//! [`with_connection!`], the single place that matches on it. A new backend is one file here, one
//! variant of [`AnyConnection`] (and of `db::DatabaseTarget`), and a `migrations/<backend>/` folder.

mod mysql;
mod postgres;
mod sqlite;

use diesel::connection::SimpleConnection;
use diesel::migration::MigrationSource;
use diesel::mysql::MysqlConnection;
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::sql_types::Text;
use diesel::sqlite::SqliteConnection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness};

use super::inspect::SchemaReport;
use super::journal::ChangeContext;
use super::load_memory::KnownKeys;
use super::rows::NewProfileRow;
use super::store::Store;
use crate::db::{Backend, ConnectError, DatabaseTarget};

/// A live connection to one of the supported backends.
pub enum AnyConnection {
    Sqlite(SqliteConnection),
    Postgres(PgConnection),
    Mysql(MysqlConnection),
}

/// Runs `$body` with `$conn` bound to the concrete connection inside an [`AnyConnection`]: the one
/// place that dispatches over the backends.
macro_rules! with_connection {
    ($any:expr, |$conn:ident| $body:expr) => {
        match $any {
            $crate::repository::AnyConnection::Sqlite($conn) => $body,
            $crate::repository::AnyConnection::Postgres($conn) => $body,
            $crate::repository::AnyConnection::Mysql($conn) => $body,
        }
    };
}
pub(crate) use with_connection;

impl AnyConnection {
    pub fn backend(&self) -> Backend {
        match self {
            AnyConnection::Sqlite(_) => Backend::Sqlite,
            AnyConnection::Postgres(_) => Backend::Postgres,
            AnyConnection::Mysql(_) => Backend::Mysql,
        }
    }
}

/// Opens `target` with the settings the contract asks for, after checking that it is a
/// profile-console database (or an empty one): one that holds something else is refused before
/// anything is written to it.
pub fn establish(target: &DatabaseTarget) -> Result<AnyConnection, ConnectError> {
    match target {
        DatabaseTarget::Sqlite(file) => {
            sqlite::establish(file, target.to_string()).map(AnyConnection::Sqlite)
        }
        DatabaseTarget::Postgres(pg) => postgres::establish(pg).map(AnyConnection::Postgres),
        DatabaseTarget::Mysql(my) => mysql::establish(my).map(AnyConnection::Mysql),
    }
}

/// Names of the migrations a call ran, oldest first.
pub type AppliedMigrationNames = Vec<String>;

pub(crate) type MigrationError = Box<dyn std::error::Error + Send + Sync>;

/// Runs every pending migration, under a lock so that two processes starting at once on a new
/// database do not both migrate it, and returns the names of those it ran. The cheap check comes
/// first, so the usual start-up (nothing pending) takes no write lock.
///
/// Then builds the indexes a bulk load that stopped half-way put off. They only make reads
/// faster, so a failure there (a full disk, a lock held too long) does not stop the open, and
/// the next open tries again.
pub fn run_pending_migrations(
    conn: &mut AnyConnection,
) -> Result<AppliedMigrationNames, MigrationError> {
    with_connection!(conn, |conn| {
        // Read first: a database that has every migration is not written to at all (diesel's
        // harness creates its table "if not exists" whatever it finds), so a read-only replica
        // or standby opens for reading.
        let ran = match conn.migration_state().map(|state| state.unapplied) {
            Ok(0) => Vec::new(),
            _ => conn.migrate()?,
        };
        let _ = conn.build_deferred_indexes();
        Ok(ran)
    })
}

/// Where the database's schema stands against this version's migrations, read without writing.
#[derive(Debug, Default)]
pub struct MigrationState {
    /// How many of this version's migrations the database has not had.
    pub unapplied: usize,
    /// Migrations the database records that this version does not know (a newer version's).
    pub unknown: Vec<String>,
}

/// See [`MigrationState`] (for an open that must not write, and before one that may).
pub fn migration_state(conn: &mut AnyConnection) -> Result<MigrationState, String> {
    with_connection!(conn, |conn| conn.migration_state())
}

/// What a backend does beyond the statements of [`Store`].
pub(crate) trait Engine: Store + Connection {
    /// See [`run_pending_migrations`].
    fn migrate(&mut self) -> Result<AppliedMigrationNames, MigrationError>;

    /// See [`migration_state`].
    fn migration_state(&mut self) -> Result<MigrationState, String>;

    /// Constraints, indexes, applied migrations and the server's version.
    fn schema_report(&mut self) -> QueryResult<SchemaReport>;

    /// One transaction of demo inserts; rows whose name is taken are skipped. Returns how many
    /// were inserted.
    fn insert_demo_chunk(
        &mut self,
        rows: &[NewProfileRow<'_>],
        ctx: &ChangeContext,
        keys: &mut KnownKeys,
    ) -> Result<usize, crate::error::Error>;

    /// Tells the session who writes, for the change journal, where the server keeps that per
    /// session (PostgreSQL settings, MySQL variables); SQLite takes it in each write transaction.
    fn apply_change_context(&mut self, _ctx: &ChangeContext) -> QueryResult<()> {
        Ok(())
    }

    /// Settings for a bulk load (`on`), and back to normal afterwards.
    fn bulk_load(&mut self, _on: bool) -> QueryResult<()> {
        Ok(())
    }

    /// A number that moves whenever another connection commits a change, where the engine keeps
    /// one (SQLite's `PRAGMA data_version`; this connection's own commits leave it be): the same
    /// number at the start of two transactions means no one else wrote in between. `None`
    /// where there is none (a server's sessions are not counted so).
    fn commits_by_others(&mut self) -> QueryResult<Option<i64>> {
        Ok(None)
    }

    /// Whether the table holds no profile.
    fn holds_no_profiles(&mut self) -> QueryResult<bool>;

    /// Adds the dictionary keys of `names` not in `keys` to the search dictionary, each in a
    /// transaction of its own, where the program keeps the dictionary for bulk loads (MySQL);
    /// nothing where triggers keep it. For a batch about to run on another connection (see
    /// `parallel_load.rs`): two batches in flight that both added a new name would wait on each
    /// other's lock, while the later one waits for the earlier to commit. A name added for a
    /// batch that then fails stays, harmless (the dictionary may hold names no profile has).
    fn add_to_name_dictionary(
        &mut self,
        _names: &[(&str, &str)],
        _keys: &mut KnownKeys,
    ) -> QueryResult<()> {
        Ok(())
    }

    /// Takes `count` ids from the table's sequence (or counter), in ascending order, for rows a load inserts
    /// later on other connections (see `parallel_load.rs`), where the backend hands ids out
    /// apart from inserts and a load may run batches side by side; `None` where it does not.
    /// Ids taken and not used are gaps, as after any rolled-back insert.
    fn reserve_ids(&mut self, _count: usize) -> QueryResult<Option<Vec<i64>>> {
        Ok(None)
    }

    /// How many connections of its own a load into an empty table runs its batches on, side by
    /// side (`parallel_load.rs`); 0: the load's one connection runs them all.
    fn load_workers(&mut self) -> usize {
        0
    }

    /// `conn`, if it is a connection of this backend.
    fn from_any(conn: AnyConnection) -> Option<Self>
    where
        Self: Sized;

    /// Before a bulk load: puts off the upkeep of the table's indexes but the unique ones until
    /// [`Engine::build_deferred_indexes`], where that is faster (into an
    /// empty table: see [`impl_deferred_indexes`]). Returns whether it did.
    fn defer_indexes(&mut self) -> QueryResult<bool> {
        Ok(false)
    }

    /// Builds the indexes a bulk load put off (this one, or one that stopped half-way); nothing
    /// when none was.
    fn build_deferred_indexes(&mut self) -> QueryResult<()> {
        Ok(())
    }

    /// The server's own estimate of the number of profiles (from its statistics, instant), where
    /// it keeps one; `None` where counting exactly is as cheap (SQLite).
    fn estimated_count(&mut self) -> QueryResult<Option<i64>> {
        Ok(None)
    }

    /// From now on, this session hears about other sessions' changes where the server can tell
    /// it (PostgreSQL: `LISTEN profile_changes`).
    fn listen_for_changes(&mut self) -> QueryResult<()> {
        Ok(())
    }

    /// Whether the journal may have grown since the last call, as cheaply as the backend can
    /// tell: PostgreSQL from notifications already received (no statement), SQLite from
    /// `PRAGMA data_version` (changes other connections committed); `None`: cannot tell, look.
    fn changes_pending(&mut self, _last_seen: &mut i64) -> QueryResult<Option<bool>> {
        Ok(None)
    }

    /// The server process serving this connection; 0 where there is none.
    fn server_pid(&mut self) -> i32 {
        0
    }

    /// Whether the file this connection has open is no longer at its path (deleted, renamed,
    /// replaced by a restored backup): reads would go on showing the old file. Never on a
    /// server.
    fn file_is_gone(&mut self) -> bool {
        false
    }

    /// Cancels the statement server process `pid` is running; nothing where there is no server.
    fn cancel_statement_of(&mut self, _pid: i32) -> QueryResult<()> {
        Ok(())
    }
}

fn run_all<DB, C>(
    conn: &mut C,
    migrations: EmbeddedMigrations,
) -> Result<AppliedMigrationNames, MigrationError>
where
    DB: diesel::backend::Backend,
    C: MigrationHarness<DB>,
{
    let mut names = Vec::new();
    for migration in conn.pending_migrations(migrations)? {
        conn.run_migration(&*migration)?;
        names.push(migration.name().to_string());
    }
    Ok(names)
}

const MIGRATIONS_TABLE: &str = "__diesel_schema_migrations";

/// The versions of a migration set, as `__diesel_schema_migrations` records them.
fn versions<DB: diesel::backend::Backend>(migrations: &EmbeddedMigrations) -> Vec<String>
where
    EmbeddedMigrations: MigrationSource<DB>,
{
    MigrationSource::<DB>::migrations(migrations)
        .map(|all| all.iter().map(|m| m.name().version().to_string()).collect())
        .unwrap_or_default()
}

/// One text column named `name`.
#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

/// One boolean column named `value`.
#[derive(QueryableByName)]
struct SingleBool {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    value: bool,
}

/// The indexes of `profiles` a bulk load into an empty table may put off, by name, each with the
/// statement that builds it: every index but the unique ones, as the migrations leave them (a
/// test holds the two together). The statements come from here, never from the database.
pub type DeferrableIndexes = &'static [(&'static str, &'static str)];

/// [`DeferrableIndexes`] of a backend (none: it keeps its indexes up row by row).
pub fn deferrable_indexes(backend: Backend) -> DeferrableIndexes {
    match backend {
        Backend::Sqlite => sqlite::DEFERRABLE_INDEXES,
        Backend::Postgres => postgres::DEFERRABLE_INDEXES,
        Backend::Mysql => mysql::DEFERRABLE_INDEXES,
    }
}

/// The statement that builds the deferrable index `name`, if it is one.
fn deferrable_index(indexes: DeferrableIndexes, name: &str) -> Option<&'static str> {
    indexes
        .iter()
        .find(|(known, _)| *known == name)
        .map(|(_, sql)| *sql)
}

/// [`Engine::defer_indexes`] and [`Engine::build_deferred_indexes`] for a backend whose write
/// transaction is `$transaction` (`$per_defer` runs first in the one that drops the indexes),
/// whose statements take `$1`-style parameters, and where
/// `$exists` (a statement with one parameter, the name) says in a column `value` whether an
/// index of `profiles` by that name exists. Inside each build's transaction `$per_build` runs
/// first, and `$next` (a statement giving one `name`) picks the next index noted; `$around` runs
/// before the builds and after them.
///
/// A load defers only into an empty table: each row of it is then new to every index, and one
/// sorted pass an index at the end is several times faster than an insert per row and index.
/// Each index is noted in `profile_deferred_indexes` in the transaction that drops it; other
/// writers meanwhile are still held to the unique indexes, and readers get the same rows, only
/// sorted without the indexes' help. Builds go one index a transaction, so that other writers
/// wait at most one build, and the cheap check comes first: the usual open finds nothing noted
/// and takes no write lock.
macro_rules! impl_deferred_indexes {
    (
        indexes = $indexes:expr,
        transaction = $transaction:ident,
        exists = $exists:expr,
        next = $next:expr,
        per_defer = $per_defer:expr,
        per_build = $per_build:expr,
        around = ($before:expr, $after:expr) $(,)?
    ) => {
        fn defer_indexes(&mut self) -> QueryResult<bool> {
            self.$transaction(|conn| {
                super::run_unless_empty(conn, $per_defer)?;
                let empty = diesel::select(diesel::dsl::not(diesel::dsl::exists(
                    profiles::table.select(profiles::id),
                )))
                .get_result::<bool>(conn)?;
                let mut deferred = false;
                for (name, _) in $indexes.iter().filter(|_| empty) {
                    if !super::index_exists!(conn, $exists, name) {
                        continue;
                    }
                    diesel::sql_query(
                        "INSERT INTO profile_deferred_indexes (name) VALUES ($1) \
                         ON CONFLICT DO NOTHING",
                    )
                    .bind::<Text, _>(*name)
                    .execute(conn)?;
                    conn.batch_execute(&format!("DROP INDEX {name}"))?;
                    deferred = true;
                }
                Ok(deferred)
            })
        }

        fn build_deferred_indexes(&mut self) -> QueryResult<()> {
            let none = diesel::sql_query(
                "SELECT NOT EXISTS (SELECT 1 FROM profile_deferred_indexes) AS value",
            )
            .get_result::<super::SingleBool>(self)?
            .value;
            if none {
                return Ok(());
            }
            super::run_unless_empty(self, $before)?;
            let built = (|| {
                while self.$transaction(|conn| {
                    super::run_unless_empty(conn, $per_build)?;
                    let next: Option<super::Name> =
                        diesel::sql_query($next).get_result(conn).optional()?;
                    let Some(super::Name { name }) = next else {
                        return QueryResult::Ok(false);
                    };
                    // Built already by another process (the next open after a stop), or not
                    // one of ours: only the note goes.
                    if let Some(sql) = super::deferrable_index($indexes, &name)
                        && !super::index_exists!(conn, $exists, &name)
                    {
                        conn.batch_execute(sql)?;
                    }
                    diesel::sql_query("DELETE FROM profile_deferred_indexes WHERE name = $1")
                        .bind::<Text, _>(&name)
                        .execute(conn)?;
                    Ok(true)
                })? {}
                Ok(())
            })();
            super::run_unless_empty(self, $after)?;
            built
        }
    };
}
pub(crate) use impl_deferred_indexes;

/// Runs `sql` unless there is none (PostgreSQL refuses an empty statement).
fn run_unless_empty(conn: &mut impl SimpleConnection, sql: &str) -> QueryResult<()> {
    match sql {
        "" => Ok(()),
        sql => conn.batch_execute(sql),
    }
}

/// Whether `$exists` (see [`impl_deferred_indexes`]) finds index `$name`.
/// [`Engine::holds_no_profiles`], the same statement on every backend (one index probe).
macro_rules! impl_holds_no_profiles {
    () => {
        fn holds_no_profiles(&mut self) -> QueryResult<bool> {
            diesel::select(diesel::dsl::not(diesel::dsl::exists(
                profiles::table.select(profiles::id),
            )))
            .get_result(self)
        }
    };
}
pub(crate) use impl_holds_no_profiles;

macro_rules! index_exists {
    ($conn:expr, $exists:expr, $name:expr) => {
        diesel::sql_query($exists)
            .bind::<Text, _>($name)
            .get_result::<super::SingleBool>($conn)?
            .value
    };
}
pub(crate) use index_exists;

/// The migration versions the database records as applied.
fn applied_versions<C>(conn: &mut C) -> Result<Vec<String>, String>
where
    C: diesel::connection::LoadConnection,
    Name: QueryableByName<C::Backend>,
    diesel::query_builder::SqlQuery: diesel::query_dsl::LoadQuery<'static, C, Name>,
{
    diesel::sql_query(format!("SELECT version AS name FROM {MIGRATIONS_TABLE}"))
        .load::<Name>(conn)
        .map(|rows| rows.into_iter().map(|row| row.name).collect())
        .map_err(|err| err.to_string())
}

/// How `ours` compare with the migrations recorded as applied (all unapplied when nothing is
/// recorded).
fn compare_migrations<C>(conn: &mut C, ours: &[String]) -> Result<MigrationState, String>
where
    C: diesel::connection::LoadConnection,
    Name: QueryableByName<C::Backend>,
    diesel::query_builder::SqlQuery: diesel::query_dsl::LoadQuery<'static, C, Name>,
{
    // No record of migrations at all: a new, empty database.
    let applied = applied_versions(conn).unwrap_or_default();
    Ok(MigrationState {
        unapplied: ours
            .iter()
            .filter(|version| !applied.contains(version))
            .count(),
        unknown: applied
            .into_iter()
            .filter(|version| !ours.contains(version))
            .collect(),
    })
}

/// Whether the first of `ours` (the migration that creates `profiles`) is recorded as applied.
fn records_our_migrations<C>(conn: &mut C, ours: &[String]) -> Result<bool, String>
where
    C: diesel::connection::LoadConnection,
    Name: QueryableByName<C::Backend>,
    diesel::query_builder::SqlQuery: diesel::query_dsl::LoadQuery<'static, C, Name>,
{
    let applied = applied_versions(conn)?;
    Ok(ours.first().is_some_and(|first| applied.contains(first)))
}
