//! The embedded migrations, one set per backend, run before any command.

use diesel::Connection;
use diesel::connection::SimpleConnection;
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
