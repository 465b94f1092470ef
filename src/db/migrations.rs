//! The embedded migrations, one set per backend, run before any command.

use diesel::connection::SimpleConnection;
use diesel::pg::{Pg, PgConnection};
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};
use diesel::sqlite::{Sqlite, SqliteConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::AnyConnection;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Names of the migrations a call ran, oldest first.
pub type AppliedMigrationNames = Vec<String>;

type MigrationError = Box<dyn std::error::Error + Send + Sync>;

/// Runs every pending migration and returns the names of those it ran.
///
/// Two processes starting at once on a new database must not both migrate it, so the work happens
/// under a lock (SQLite: an immediate transaction; PostgreSQL: a transaction-scoped advisory lock),
/// and the pending list is read again once the lock is held. The cheap check comes first, so the
/// usual start-up (nothing pending) takes no write lock.
pub fn run_pending_migrations(
    conn: &mut AnyConnection,
) -> Result<AppliedMigrationNames, MigrationError> {
    match conn {
        AnyConnection::Sqlite(conn) => {
            if !conn.has_pending_migration(SQLITE_MIGRATIONS)? {
                return Ok(Vec::new());
            }
            conn.immediate_transaction(|conn| run_all(conn, SQLITE_MIGRATIONS))
        }
        AnyConnection::Postgres(conn) => {
            if !conn.has_pending_migration(POSTGRES_MIGRATIONS)? {
                return Ok(Vec::new());
            }
            conn.transaction(|conn| {
                conn.batch_execute(
                    "SELECT pg_advisory_xact_lock(hashtextextended('profile-console:migrations', 0))",
                )?;
                run_all(conn, POSTGRES_MIGRATIONS)
            })
        }
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

/// The versions of a migration set, as `__diesel_schema_migrations` records them.
fn versions<DB: diesel::backend::Backend>(migrations: &EmbeddedMigrations) -> Vec<String>
where
    EmbeddedMigrations: diesel::migration::MigrationSource<DB>,
{
    diesel::migration::MigrationSource::<DB>::migrations(migrations)
        .map(|all| all.iter().map(|m| m.name().version().to_string()).collect())
        .unwrap_or_default()
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

/// Refuses, before anything is written, a SQLite file that is not a profile-console database: one
/// that holds tables but no record of this tool's migrations. An empty or new file is fine.
pub(super) fn check_sqlite_is_ours(conn: &mut SqliteConnection) -> Result<(), String> {
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
        && records_our_migrations(conn, &versions::<Sqlite>(&SQLITE_MIGRATIONS))?
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

/// Refuses, before anything is written, a PostgreSQL database whose `profiles` table this tool did
/// not create. Other tables are fine: a server database is often shared.
pub(super) fn check_postgres_is_ours(conn: &mut PgConnection) -> Result<(), String> {
    #[derive(QueryableByName)]
    struct Found {
        #[diesel(sql_type = Bool)]
        profiles: bool,
        #[diesel(sql_type = Bool)]
        migrations: bool,
    }
    let found: Found = diesel::sql_query(
        "SELECT to_regclass('profiles') IS NOT NULL AS profiles, \
                to_regclass('__diesel_schema_migrations') IS NOT NULL AS migrations",
    )
    .get_result(conn)
    .map_err(|err| err.to_string())?;
    if !found.profiles
        || (found.migrations
            && records_our_migrations(conn, &versions::<Pg>(&POSTGRES_MIGRATIONS))?)
    {
        return Ok(());
    }
    Err(
        "the database already holds a profiles table that profile-console did not create; \
         nothing was changed: use another database or schema"
            .to_owned(),
    )
}

const MIGRATIONS_TABLE: &str = "__diesel_schema_migrations";

/// Whether the first of `ours` (the migration that creates `profiles`) is recorded as applied.
fn records_our_migrations<C>(conn: &mut C, ours: &[String]) -> Result<bool, String>
where
    C: diesel::connection::LoadConnection,
    Name: QueryableByName<C::Backend>,
    diesel::query_builder::SqlQuery: diesel::query_dsl::LoadQuery<'static, C, Name>,
{
    let applied: Vec<Name> =
        diesel::sql_query(format!("SELECT version AS name FROM {MIGRATIONS_TABLE}"))
            .load(conn)
            .map_err(|err| err.to_string())?;
    Ok(ours
        .first()
        .is_some_and(|first| applied.iter().any(|row| &row.name == first)))
}
