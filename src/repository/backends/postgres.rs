//! PostgreSQL: everything this backend does differently, in one place. Where teams go when one
//! machine or one file is not enough.
//!
//! - Connection: the target's libpq parameters, a UTC session at READ COMMITTED whatever the
//!   server's default, statement and lock timeouts; a `profiles` table we did not create is
//!   refused before anything is written.
//! - Transactions: `BEGIN ISOLATION LEVEL READ COMMITTED`; rows locked `FOR UPDATE`; creators of
//!   rows no unique constraint covers serialized by a transaction-scoped advisory lock.
//! - Search: a dictionary of the folded names in use (`profile_name_keys`, pg_trgm-indexed,
//!   kept by a statement trigger: migration 8) gives a term's names, the name indexes their
//!   profiles (`search_by_names`, shared with MySQL); a bounded walk of the primary key serves
//!   common terms in id order; pg_trgm GIN indexes on the folded names serve the rest.
//! - Journal: statement-level triggers, one `INSERT … SELECT` and one notification a statement.
//! - Bulk load: one statement a batch, its rows bound as arrays (`unnest`); a batch's names read
//!   by one probe of the unique name index each.

use chrono::NaiveDateTime;
use diesel::connection::SimpleConnection;
use diesel::dsl::sql;
use diesel::pg::{Pg, PgConnection};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Integer, Text, Timestamp};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::{
    AppliedMigrationNames, DeferrableIndexes, Engine, MigrationError, MigrationState,
    compare_migrations, impl_deferred_indexes, impl_holds_no_profiles, records_our_migrations,
    run_all, versions,
};
use crate::db::{Backend, ConnectError, ServerTarget};
use crate::domain::{Lookup, PageRequest, Profile, ProfileFilter, ProfileValues, SortColumn, fold};
use crate::error::Error;
use crate::repository::inspect::{MIGRATIONS_SQL, SchemaReport, Single};
use crate::repository::journal::ChangeContext;
use crate::repository::load_memory::KnownKeys;
use crate::repository::rows::{NewProfileRow, ProfileChangeset, ProfileRecord};
use crate::repository::schema::{PROFILE_COLUMNS, profiles};
use crate::repository::store::{
    Filter, INJECTED_FAILURE, Store, TRIGRAM, contains_pattern, impl_search_by_names, impl_store,
    keys_contain, order_by, returning_writes,
};

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// See [`super::deferrable_indexes`].
pub(super) const DEFERRABLE_INDEXES: DeferrableIndexes = &[
    (
        "profiles_age_id_idx",
        "CREATE INDEX profiles_age_id_idx ON profiles USING btree (age, id)",
    ),
    (
        "profiles_created_at_id_idx",
        "CREATE INDEX profiles_created_at_id_idx ON profiles USING btree (created_at, id)",
    ),
    (
        "profiles_first_key_idx",
        "CREATE INDEX profiles_first_key_idx ON profiles USING btree (first_key, last_key, id)",
    ),
    (
        "profiles_first_key_trgm_idx",
        "CREATE INDEX profiles_first_key_trgm_idx ON profiles USING gin (first_key gin_trgm_ops)",
    ),
    (
        "profiles_gender_id_idx",
        "CREATE INDEX profiles_gender_id_idx ON profiles USING btree (gender, id)",
    ),
    (
        "profiles_last_key_idx",
        "CREATE INDEX profiles_last_key_idx ON profiles USING btree (last_key, first_key, id)",
    ),
    (
        "profiles_last_key_trgm_idx",
        "CREATE INDEX profiles_last_key_trgm_idx ON profiles USING gin (last_key gin_trgm_ops)",
    ),
    (
        "profiles_updated_at_id_idx",
        "CREATE INDEX profiles_updated_at_id_idx ON profiles USING btree (updated_at, id)",
    ),
];

/// Rows per bulk insert ([`INSERT_ROWS`]): an import's whole batch in one statement, so the
/// statement triggers (journal, name dictionary) run once a batch, each over all its rows.
const ROWS_PER_STATEMENT: usize = 10_000;

/// The bulk insert: the rows as six arrays, one bind each whatever their number (so the statement
/// is prepared once), inserted in their order (ids follow it). Against multi-row `VALUES` of
/// 1,000 rows: a fifth of the statements and trigger runs, and no six-thousand-parameter
/// statement to build and parse. Followed by [`SKIP_TAKEN`] or by nothing (see
/// `insert_rows_for_ids`).
const INSERT_ROWS: &str = "INSERT INTO profiles (first_name, last_name, gender, age, created_at, updated_at) \
     SELECT r.first_name, r.last_name, r.gender, r.age, r.created_at, r.updated_at \
     FROM unnest($1::text[], $2::text[], $3::text[], $4::int4[], $5::timestamp[], $6::timestamp[]) \
         WITH ORDINALITY AS r(first_name, last_name, gender, age, created_at, updated_at, n) \
     ORDER BY r.n";
/// Taken names skipped.
const SKIP_TAKEN: &str = " ON CONFLICT DO NOTHING";
/// [`INSERT_ROWS`] with each row's id given (`$7`, reserved by [`Engine::reserve_ids`]).
const INSERT_ROWS_WITH_IDS: &str = "INSERT INTO profiles (id, first_name, last_name, gender, age, created_at, updated_at) \
     OVERRIDING SYSTEM VALUE \
     SELECT r.id, r.first_name, r.last_name, r.gender, r.age, r.created_at, r.updated_at \
     FROM unnest($1::text[], $2::text[], $3::text[], $4::int4[], $5::timestamp[], $6::timestamp[], $7::int8[]) \
         WITH ORDINALITY AS r(first_name, last_name, gender, age, created_at, updated_at, id, n) \
     ORDER BY r.n";

/// A row [`INSERT_ROWS`] inserted, with `RETURNING`.
#[derive(QueryableByName)]
struct InsertedRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    first_name: String,
    #[diesel(sql_type = Text)]
    last_name: String,
}

/// `sql` ([`INSERT_ROWS`] and what follows it) for `rows`, their columns bound as arrays.
fn insert_rows_query<'a>(
    rows: &'a [NewProfileRow<'a>],
    sql: String,
) -> diesel::query_builder::BoxedSqlQuery<'a, Pg, diesel::query_builder::SqlQuery> {
    let column = |f: fn(&NewProfileRow<'a>) -> &'a str| rows.iter().map(f).collect::<Vec<_>>();
    diesel::sql_query(sql)
        .into_boxed()
        .bind::<Array<Text>, _>(column(|row| row.first_name))
        .bind::<Array<Text>, _>(column(|row| row.last_name))
        .bind::<Array<Text>, _>(column(|row| row.gender))
        .bind::<Array<Integer>, _>(rows.iter().map(|row| row.age).collect::<Vec<_>>())
        .bind::<Array<Timestamp>, _>(rows.iter().map(|row| row.created_at).collect::<Vec<_>>())
        .bind::<Array<Timestamp>, _>(rows.iter().map(|row| row.updated_at).collect::<Vec<_>>())
}

/// `inserted`, or `None` if a name (or a reserved id) was taken meanwhile: the insert failed
/// with a unique violation, and the transaction is to be rolled back.
fn taken<T>(inserted: QueryResult<T>) -> QueryResult<Option<T>> {
    match inserted {
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => Ok(None),
        inserted => inserted.map(Some),
    }
}

/// The rows with any of the names in two arrays (`$1` first names, `$2` last names): one probe
/// of the unique name index a name. The `LIMIT` keeps the planner from turning the probes into a
/// hash join over the whole table, which it prefers once the table is a few thousand rows and
/// costs a scan of every row for every batch (a 200,000-row import into an empty table: 2.5 s of
/// name reads, growing with the table; with the probes, 0.3 s).
const FIND_NAMES: &str = "SELECT p.id, p.first_name, p.last_name, p.gender, p.age, p.created_at, p.updated_at \
     FROM unnest($1::text[], $2::text[]) AS k(first_name, last_name) \
     CROSS JOIN LATERAL (SELECT * FROM profiles x \
         WHERE x.first_name = k.first_name AND x.last_name = k.last_name LIMIT 1) p";
/// The rows of [`FIND_NAMES`], locked until the transaction ends, in id order (so that two
/// imports locking the same rows queue rather than deadlock): found by name, then locked by id
/// (a row renamed meanwhile comes back under its new name, which the caller does not take for
/// the name it asked about).
const FIND_NAMES_LOCKED: &str = "SELECT p.id, p.first_name, p.last_name, p.gender, p.age, p.created_at, p.updated_at \
     FROM profiles p WHERE p.id = ANY(ARRAY(SELECT f.id \
         FROM unnest($1::text[], $2::text[]) AS k(first_name, last_name) \
         CROSS JOIN LATERAL (SELECT x.id FROM profiles x \
             WHERE x.first_name = k.first_name AND x.last_name = k.last_name LIMIT 1) f)) \
     ORDER BY p.id FOR UPDATE OF p";

/// A failed set-up, with what to do where the cause is a right the user lacks or a search_path
/// that names no schema. (The set-up runs in one transaction: nothing of it stays, and the next
/// open starts it again.)
fn with_what_to_do(failure: &str) -> String {
    let hint = if failure.contains("permission denied for schema") {
        ": grant this user CREATE on the schema (PostgreSQL 15 no longer grants it to \
         everyone), or use a database it owns; then run it again"
    } else if failure.contains("no schema has been selected to create in") {
        ": the session's search_path names no schema that exists; set one that does, for \
         the role or database, or in the URL (options=-c%20search_path%3Dpublic)"
    } else if failure.contains("permission denied to create extension") {
        ": have the database's owner grant this user CREATE on the database, or run CREATE \
         EXTENSION pg_trgm in it; then run it again"
    } else {
        ""
    };
    format!("{failure}{hint}")
}

/// Connects to `pg`, with the session the contract assumes.
pub(super) fn establish(pg: &ServerTarget) -> Result<PgConnection, ConnectError> {
    let fail =
        |reason: String| ConnectError::new(Backend::Postgres, pg.to_string(), pg.scrub(&reason));
    let mut conn = PgConnection::establish(&pg.conninfo()).map_err(|err| fail(err.to_string()))?;
    conn.batch_execute(&session_settings(pg))
        .map_err(|err| fail(err.to_string()))?;
    check_is_ours(&mut conn).map_err(fail)?;
    Ok(conn)
}

/// The session: UTC (timestamps are handed over as UTC), READ COMMITTED (the isolation the
/// contract's locks assume), statement and lock timeouts, so no wait on the server is
/// unbounded, string literals as the SQL here writes them (a backslash is itself), and commits that are on disk before they are acknowledged: `synchronous_commit =
/// off` (a server's, a role's or the URL's) acknowledges a commit a crash can still lose, and is
/// turned back on (any stronger setting, such as `remote_apply`, is kept). A session in
/// `session_replication_role = replica` would fire no trigger, and so journal nothing: it goes
/// back to `origin` (or, where the user may not change it, the connection fails and says so).
fn session_settings(pg: &ServerTarget) -> String {
    let ms = pg.timeout().as_millis();
    format!(
        "SET TIME ZONE 'UTC';
         SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ COMMITTED;
         {read_only}
         SET statement_timeout = {ms};
         SET lock_timeout = {ms};
         SET idle_in_transaction_session_timeout = {idle};
         SET standard_conforming_strings = on;
         SELECT set_config('synchronous_commit', 'on', false)
             WHERE current_setting('synchronous_commit') = 'off';
         SELECT set_config('session_replication_role', 'origin', false)
             WHERE current_setting('session_replication_role') <> 'origin';",
        idle = ms.saturating_mul(4),
        // Read-only when asked; otherwise as the server, the database or the role has it (a
        // default of read-only is honoured: its writes are refused, plainly).
        read_only = if pg.read_only() {
            "SET default_transaction_read_only = on;"
        } else {
            ""
        },
    )
}

/// Refuses, before anything is written, a PostgreSQL database whose `profiles` table this tool did
/// not create. Other tables are fine: a server database is often shared.
fn check_is_ours(conn: &mut PgConnection) -> Result<(), String> {
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
        || (found.migrations && records_our_migrations(conn, &versions::<Pg>(&MIGRATIONS))?)
    {
        return Ok(());
    }
    Err(
        "the database already holds a profiles table that profile-console did not create; \
         nothing was changed: use another database or schema"
            .to_owned(),
    )
}

/// One search term on PostgreSQL: `LIKE` on either folded name, which the pg_trgm GIN indexes
/// serve for longer terms; for a `walk` in id order, plain `LIKE` on both folded names joined,
/// which no index serves and which costs a fraction of that per row.
fn pg_term_filter(term: &str, walk: bool) -> Filter<Pg> {
    if walk {
        return Box::new(
            sql::<Bool>("(first_key || ' ' || last_key) LIKE ")
                .bind::<Text, _>(contains_pattern(&fold(term)))
                .sql(" ESCAPE '\\'"),
        );
    }
    keys_contain(term, " ESCAPE '\\'")
}

/// Ids a search page in id order walks before it turns to the trigram indexes.
const SEARCH_WALK: i64 = 30_000;

/// A search page on PostgreSQL: through `profile_name_keys` (the folded names in use), whose
/// trigram index gives the names containing a term (see [`search_by_names`]).
fn pg_search(conn: &mut PgConnection, request: &PageRequest) -> QueryResult<Option<Vec<Profile>>> {
    search_by_names(conn, request, SEARCH_WALK, |conn, term, limit| {
        diesel::sql_query(
            "SELECT DISTINCT name_key AS value FROM profile_name_keys \
             WHERE name_key LIKE $1 ESCAPE '\\' LIMIT $2",
        )
        .bind::<Text, _>(contains_pattern(&fold(term)))
        .bind::<BigInt, _>(limit)
        .load::<Single>(conn)
    })
}

impl_search_by_names!(PgConnection, Pg, pg_filters);

impl_store!(
    PgConnection,
    Pg,
    pg_filters,
    term_filter = pg_term_filter,
    search = pg_search,
    split_keyset = false,
    equal_as_range = false,
    {
        returning_writes!();

        /// The names go as two arrays, so the statement is the same (and prepared once) for
        /// any number of them; each is one probe of the unique name index.
        fn find_names(&mut self, names: &[(&str, &str)], lock: bool) -> QueryResult<Vec<Profile>> {
            let (firsts, lasts): (Vec<&str>, Vec<&str>) = names.iter().copied().unzip();
            let sql = if lock { FIND_NAMES_LOCKED } else { FIND_NAMES };
            let rows: Vec<ProfileRecord> = diesel::sql_query(sql)
                .bind::<Array<Text>, _>(firsts)
                .bind::<Array<Text>, _>(lasts)
                .load(self)?;
            Ok(rows.into_iter().map(Profile::from).collect())
        }

        /// The ids come back from the inserts themselves (`RETURNING`).
        /// The statement triggers keep the search dictionary: `keys` is not needed.
        ///
        /// A plain insert, not `ON CONFLICT DO NOTHING`: a name taken meanwhile fails it with a
        /// unique violation, which aborts the transaction the caller then rolls back, as it
        /// would a short count. Skipping taken names costs each row a second probe of the unique
        /// name index (it looks before it inserts): a million new rows, 36 s against 30 s.
        ///
        /// Rows with a `reserved` id are inserted with it, and their ids are known without
        /// `RETURNING`.
        fn insert_rows_for_ids(
            &mut self,
            rows: &[NewProfileRow<'_>],
            _keys: &mut KnownKeys,
            reserved: &[i64],
        ) -> QueryResult<Option<Vec<i64>>> {
            let given = reserved.len().min(rows.len());
            let (with_ids, rest) = rows.split_at(given);
            for (batch, ids) in with_ids
                .chunks(ROWS_PER_STATEMENT)
                .zip(reserved[..given].chunks(ROWS_PER_STATEMENT))
            {
                let inserted = insert_rows_query(batch, INSERT_ROWS_WITH_IDS.to_owned())
                    .bind::<Array<BigInt>, _>(ids)
                    .execute(self);
                if taken(inserted)? != Some(batch.len()) {
                    return Ok(None);
                }
            }
            let mut ids = std::collections::HashMap::with_capacity(rest.len());
            for batch in rest.chunks(ROWS_PER_STATEMENT) {
                let inserted = insert_rows_query(
                    batch,
                    format!("{INSERT_ROWS} RETURNING id, first_name, last_name"),
                )
                .load::<InsertedRow>(self);
                let Some(inserted) = taken(inserted)?.filter(|rows| rows.len() == batch.len())
                else {
                    return Ok(None);
                };
                ids.extend(
                    inserted
                        .into_iter()
                        .map(|row| ((row.first_name, row.last_name), row.id)),
                );
            }
            Ok(crate::repository::store::ids_in_order(rest, &ids)
                .map(|rest| reserved[..given].iter().copied().chain(rest).collect()))
        }

        fn insert_rows(
            &mut self,
            rows: &[NewProfileRow<'_>],
            _keys: &mut KnownKeys,
        ) -> QueryResult<usize> {
            let mut inserted = 0;
            for batch in rows.chunks(ROWS_PER_STATEMENT) {
                inserted +=
                    insert_rows_query(batch, format!("{INSERT_ROWS}{SKIP_TAKEN}")).execute(self)?;
            }
            Ok(inserted)
        }

        fn find_locked(&mut self, lookup: &Lookup, limit: i64) -> QueryResult<Vec<Profile>> {
            profiles::table
                .filter(pg_filters::lookup_filter(lookup))
                .order(profiles::id)
                .limit(limit)
                .select(PROFILE_COLUMNS)
                .for_update()
                .load(self)
        }

        /// `BEGIN ISOLATION LEVEL READ COMMITTED`: the locks below then see every committed
        /// row, even on a server whose default is REPEATABLE READ or SERIALIZABLE (there a snapshot
        /// taken before the lock would hide the row that won).
        /// Who writes is set on the session ([`Engine::apply_change_context`]); an undo also
        /// names itself for this transaction only.
        fn write_transaction<T>(
            &mut self,
            ctx: &ChangeContext,
            work: impl FnOnce(&mut Self) -> Result<T, Error>,
        ) -> Result<T, Error> {
            self.build_transaction().read_committed().run(|tx| {
                if let Some(action) = ctx.action {
                    diesel::sql_query(
                        "SELECT set_config('profile_console.action', $1, true), \
                                set_config('profile_console.reverts', $2, true)",
                    )
                    .bind::<Text, _>(action.name())
                    .bind::<Text, _>(ctx.reverts.map(|id| id.to_string()).unwrap_or_default())
                    .execute(tx)?;
                }
                work(tx)
            })
        }

        /// The id is an identity column (`GENERATED ALWAYS`): putting an old one back says so.
        fn restore(&mut self, row: &Profile) -> QueryResult<()> {
            diesel::sql_query(
                "INSERT INTO profiles (id, first_name, last_name, gender, age, created_at, updated_at) \
                 OVERRIDING SYSTEM VALUE VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind::<BigInt, _>(row.id)
            .bind::<Text, _>(&row.first_name)
            .bind::<Text, _>(&row.last_name)
            .bind::<Text, _>(&row.gender)
            .bind::<Integer, _>(row.age)
            .bind::<Timestamp, _>(row.created_at)
            .bind::<Timestamp, _>(row.updated_at)
            .execute(self)
            .map(drop)
        }

        /// Raised by the server, so it travels the same path as a real one.
        fn fail_with_serialization_failure(&mut self) -> QueryResult<()> {
            self.batch_execute(&format!(
                "DO $$ BEGIN RAISE EXCEPTION '{INJECTED_FAILURE}' USING ERRCODE = 'serialization_failure'; END $$"
            ))
        }

        /// A transaction-scoped advisory lock keyed on the lookup. The key is hashed by the server, so
        /// every client version agrees on it.
        fn serialize_creators(&mut self, lookup: &Lookup) -> QueryResult<()> {
            diesel::sql_query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
                .bind::<Text, _>(lookup.canonical_key())
                .execute(self)
                .map(drop)
        }
    }
);

/// Ids of `profiles`' sequence, as one array (a row each costs more to read than to take).
#[derive(QueryableByName)]
struct ReservedIds {
    #[diesel(sql_type = Array<BigInt>)]
    ids: Vec<i64>,
}

impl Engine for PgConnection {
    fn from_any(conn: super::AnyConnection) -> Option<Self> {
        match conn {
            super::AnyConnection::Postgres(conn) => Some(conn),
            _ => None,
        }
    }

    /// Three: the server process is what a load waits for; two keep both of this machine's
    /// cores busy (a million new rows: 30.6 s of inserts on one connection, 18.7 s on two), and a
    /// third covers the time each batch waits for its turn and its commit (the whole import:
    /// 32.5 s on two, 30 s on three, 32 s on four; see BENCHMARKS.md, session 12).
    ///
    /// None for a user who may insert rows but not take ids from the table's sequence (an
    /// identity column's insert needs no right on it; [`Engine::reserve_ids`] does): the load
    /// then runs on its one connection, as it may.
    fn load_workers(&mut self) -> usize {
        let may_take_ids = diesel::sql_query(
            "SELECT coalesce(has_sequence_privilege(pg_get_serial_sequence('profiles', 'id'), \
             'USAGE, UPDATE'), false) AS value",
        )
        .get_result::<super::SingleBool>(self)
        .is_ok_and(|row| row.value);
        if may_take_ids { 3 } else { 0 }
    }

    impl_holds_no_profiles!();

    /// `nextval` once per id, each id unique to this caller whoever else inserts, in one
    /// statement. The sequence is looked up once (`MATERIALIZED`): looked up for every row, a
    /// million ids took 5.9 s against 0.55 s.
    fn reserve_ids(&mut self, count: usize) -> QueryResult<Option<Vec<i64>>> {
        let mut ids = diesel::sql_query(
            "WITH s AS MATERIALIZED \
                 (SELECT pg_get_serial_sequence('profiles', 'id')::regclass AS seq) \
             SELECT array_agg(nextval(s.seq)) AS ids FROM s, generate_series(1, $1)",
        )
        .bind::<Integer, _>(i32::try_from(count).unwrap_or(i32::MAX))
        .get_result::<ReservedIds>(self)?
        .ids;
        // Taken in this order; SQL does not promise to return them in it.
        ids.sort_unstable();
        Ok(Some(ids))
    }

    fn listen_for_changes(&mut self) -> QueryResult<()> {
        self.batch_execute("LISTEN profile_changes")
    }

    /// Notifications arrive with any statement's answer, and are read here without one.
    fn changes_pending(&mut self, _last_seen: &mut i64) -> QueryResult<Option<bool>> {
        let mut any = false;
        for notification in self.notifications_iter() {
            notification?;
            any = true;
        }
        Ok(Some(any))
    }

    /// Session settings the journal's trigger reads.
    fn apply_change_context(&mut self, ctx: &ChangeContext) -> QueryResult<()> {
        diesel::sql_query(
            "SELECT set_config('profile_console.source', $1, false), \
                    set_config('profile_console.os_user', $2, false), \
                    set_config('profile_console.session', $3, false)",
        )
        .bind::<Text, _>(ctx.source.name())
        .bind::<Text, _>(ctx.os_user.clone().unwrap_or_default())
        .bind::<Text, _>(&ctx.session)
        .execute(self)
        .map(drop)
    }

    /// Under a transaction-scoped advisory lock: two processes starting at once on a new database
    /// do not both migrate it.
    fn migrate(&mut self) -> Result<AppliedMigrationNames, MigrationError> {
        let run = |conn: &mut Self| -> Result<AppliedMigrationNames, MigrationError> {
            if !conn.has_pending_migration(MIGRATIONS)? {
                return Ok(Vec::new());
            }
            conn.transaction(|conn| {
                conn.batch_execute(
                    "SELECT pg_advisory_xact_lock(hashtextextended('profile-console:migrations', 0))",
                )?;
                run_all(conn, MIGRATIONS)
            })
        };
        run(self).map_err(|err| with_what_to_do(&err.to_string()).into())
    }

    // 200,000 demo rows: 19.0 s with the indexes kept, 9.4 s without and 2.3 s to build them
    // after. Dropping them waits at most a second for the table (another session in the middle
    // of a transaction on it): past that, the load keeps them up row by row. A build runs without
    // the statement timeout (it takes as long as the table is big); two connections building at
    // once share the work (`SKIP LOCKED`), the two largest (the trigram indexes) first.
    impl_deferred_indexes!(
        indexes = DEFERRABLE_INDEXES,
        transaction = transaction,
        exists = "SELECT EXISTS (SELECT 1 FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid \
                  WHERE x.indrelid = 'profiles'::regclass AND i.relname = $1) AS value",
        next = "SELECT name FROM profile_deferred_indexes \
                ORDER BY name LIKE '%trgm%' DESC, name LIMIT 1 FOR UPDATE SKIP LOCKED",
        per_defer = "SET LOCAL lock_timeout = '1s'",
        per_build = "SET LOCAL statement_timeout = 0",
        around = ("", ""),
    );

    fn migration_state(&mut self) -> Result<MigrationState, String> {
        compare_migrations(self, &versions::<Pg>(&MIGRATIONS))
    }

    fn schema_report(&mut self) -> QueryResult<SchemaReport> {
        let conn = self;
        Ok(SchemaReport {
            server_version: diesel::sql_query(
                "SELECT 'PostgreSQL ' || split_part(current_setting('server_version'), ' ', 1) AS value",
            )
                .get_result::<Single>(conn)?
                .value,
            constraints: diesel::sql_query(
                "SELECT conname::text AS name, pg_get_constraintdef(oid) AS definition
                 FROM pg_constraint WHERE conrelid = 'profiles'::regclass
                 UNION ALL
                 SELECT column_name::text || '_not_null', 'NOT NULL (' || column_name::text || ')'
                 FROM information_schema.columns
                 WHERE table_schema = current_schema() AND table_name = 'profiles'
                   AND is_nullable = 'NO'
                 ORDER BY 1",
            )
            .load(conn)?,
            indexes: diesel::sql_query(
                "SELECT indexname::text AS name,
                        CASE WHEN indexdef LIKE 'CREATE UNIQUE%' THEN 'UNIQUE ' ELSE '' END
                        || regexp_replace(indexdef, '^.* USING ', '') AS definition
                 FROM pg_indexes
                 WHERE schemaname = current_schema() AND tablename = 'profiles' ORDER BY indexname",
            )
            .load(conn)?,
            migrations: diesel::sql_query(MIGRATIONS_SQL).load(conn)?,
        })
    }

    /// One statement per [`ROWS_PER_STATEMENT`] rows ([`INSERT_ROWS`]).
    fn insert_demo_chunk(
        &mut self,
        rows: &[NewProfileRow<'_>],
        _ctx: &ChangeContext,
        keys: &mut KnownKeys,
    ) -> Result<usize, Error> {
        Ok(self.transaction(|conn| conn.insert_rows(rows, keys))?)
    }

    /// `reltuples`, kept by VACUUM / ANALYZE (-1 before the first one).
    fn estimated_count(&mut self) -> QueryResult<Option<i64>> {
        #[derive(QueryableByName)]
        struct Estimate {
            #[diesel(sql_type = BigInt)]
            estimate: i64,
        }
        diesel::sql_query(
            "SELECT CAST(reltuples AS BIGINT) AS estimate FROM pg_class WHERE oid = 'profiles'::regclass",
        )
        .get_result::<Estimate>(self)
        .map(|estimate| (estimate.estimate >= 0).then_some(estimate.estimate))
    }

    fn server_pid(&mut self) -> i32 {
        #[derive(QueryableByName)]
        struct Pid {
            #[diesel(sql_type = Integer)]
            pid: i32,
        }
        diesel::sql_query("SELECT pg_backend_pid() AS pid")
            .get_result::<Pid>(self)
            .map_or(0, |row| row.pid)
    }

    fn cancel_statement_of(&mut self, pid: i32) -> QueryResult<()> {
        diesel::sql_query("SELECT pg_cancel_backend($1)")
            .bind::<Integer, _>(pid)
            .execute(self)
            .map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The server the tests use (`PROFILE_CONSOLE_TEST_POSTGRES_URL`), or `None` when none
    /// answers and servers are not required.
    fn server(options: &str) -> Option<PgConnection> {
        let url = std::env::var("PROFILE_CONSOLE_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
        let target = ServerTarget::parse(&format!("{url}?options={options}")).ok()?;
        match establish(&target) {
            Ok(conn) => Some(conn),
            Err(err)
                if std::env::var("PROFILE_CONSOLE_REQUIRE_SERVERS").is_ok_and(|v| v == "1") =>
            {
                panic!("PostgreSQL is required: {err}")
            }
            Err(err) => {
                eprintln!("skipped: {err}");
                None
            }
        }
    }

    fn setting(conn: &mut PgConnection, name: &str) -> String {
        #[derive(QueryableByName)]
        struct Setting {
            #[diesel(sql_type = Text)]
            value: String,
        }
        diesel::sql_query(format!("SELECT current_setting('{name}') AS value"))
            .get_result::<Setting>(conn)
            .map(|row| row.value)
            .unwrap_or_default()
    }

    #[test]
    fn commits_are_durable_before_they_are_acknowledged_whatever_the_url_says() {
        let Some(mut conn) = server("-c%20synchronous_commit%3Doff") else {
            return;
        };
        assert_eq!(setting(&mut conn, "synchronous_commit"), "on");
        // A stronger setting is kept.
        let Some(mut conn) = server("-c%20synchronous_commit%3Dremote_apply") else {
            return;
        };
        assert_eq!(setting(&mut conn, "synchronous_commit"), "remote_apply");
    }

    /// In `replica` mode no trigger fires, so nothing would be journaled.
    #[test]
    fn triggers_fire_whatever_the_url_says() {
        let Some(mut conn) = server("-c%20session_replication_role%3Dreplica") else {
            return;
        };
        assert_eq!(setting(&mut conn, "session_replication_role"), "origin");
    }

    /// The search's `ESCAPE '\'` is a backslash only with standard strings.
    #[test]
    fn string_literals_are_standard_whatever_the_url_says() {
        let Some(mut conn) = server("-c%20standard_conforming_strings%3Doff") else {
            return;
        };
        assert_eq!(setting(&mut conn, "standard_conforming_strings"), "on");
    }
}
