//! The repository: the only place that speaks SQL. One public API over every backend.
//!
//! [`Repository`] owns one connection and reopens it after it is lost. Backend differences stay
//! in `store` (statements) and `inspect`; the operations themselves are written once, in
//! `operations`.

mod backends;
mod bulk;
mod faults;
mod history;
mod inspect;
mod journal;
mod load_memory;
mod operations;
mod parallel_load;
mod retry;
mod rows;
pub mod schema;
mod seed;
mod statement_log;
mod store;
mod views;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::time::{Duration, Instant};

use diesel::Connection;

use crate::db::{Backend, DatabaseTarget};
use crate::domain::{
    GetOrCreate, Lookup, Outcome, PageRequest, Profile, ProfileFilter, UpdateOrCreate,
};
use crate::error::Error;

pub use backends::{
    AnyConnection, AppliedMigrationNames, DeferrableIndexes, deferrable_indexes, establish,
    run_pending_migrations,
};
use bulk::BulkLoad;
pub use bulk::{BulkRequest, ImportCommit, ImportFeed, RowResult};
pub use faults::{FAULTS_VAR, Faults};
pub use history::Undone;
pub use inspect::{AppliedMigration, SchemaItem, SchemaReport};
pub use journal::{
    ChangeAction, ChangeContext, HistoryQuery, JournalEntry, RowState, Source, new_session,
};
pub use seed::{DemoProfiles, SeedReport};
pub use statement_log::StatementLog;
pub use views::{AroundRows, InspectReport, PreviewMatch, RowRef};

use backends::{Engine, with_connection};
use store::Store;

/// Runs `$body` with `$store` bound to the live connection's backend-specific [`Store`], and
/// forgets the connection if it was lost (the next call reconnects).
macro_rules! with_store {
    ($repo:expr, |$store:ident| $body:expr) => {{
        let result = with_connection!($repo.connection()?, |$store| $body);
        $repo.forget_connection_if_lost(result)
    }};
}

/// A database of profiles: get_or_create, update_or_create, browsing and inspection.
pub struct Repository {
    target: DatabaseTarget,
    conn: Option<AnyConnection>,
    statement_log: Option<StatementLog>,
    faults: Faults,
    /// Where to publish the server process serving this repository (0: none or unknown), so
    /// another thread can cancel its statement.
    server_pid: Option<Arc<AtomicI32>>,
    /// Who writes through this repository, as the change journal records it.
    context: Arc<ChangeContext>,
    /// Whether sessions listen for other sessions' changes ([`Repository::watch_changes`]).
    listening: bool,
    /// The backend's own change counter, as last read (SQLite's `data_version`).
    change_counter: i64,
    /// When the connection was last handed out (see [`Repository::connection`]).
    last_used: Instant,
    /// When the SQLite file was last checked to be at its path ([`CHECK_FILE_EVERY`]).
    file_checked: Instant,
    /// The file was found gone and opened again at its path since the last watch of changes,
    /// which says so (everything may have changed).
    file_replaced: Option<String>,
}

/// A server connection left idle this long is checked before it is used again: a server closes
/// idle sessions (PostgreSQL's `idle_session_timeout`, MySQL's `wait_timeout`, a proxy's idle
/// limit), and the operation that found out would otherwise fail, in the console the next entry
/// typed after a pause.
const CHECK_AFTER_IDLE: Duration = Duration::from_secs(1);

/// How often an open SQLite file is checked to be still at its path: one that was replaced (a
/// backup restored over it) or deleted would otherwise go on being read, and the console would
/// show what is no longer there until its next write was refused.
const CHECK_FILE_EVERY: Duration = Duration::from_secs(1);

/// Brings a newly opened database up to this version's schema and says which migrations ran;
/// with `read_only`, nothing is written, and a database that still needs migrating is refused.
/// A database a newer version set up is refused for writing: this version cannot know what that
/// one's schema holds to (a read-only look is fine).
fn set_up(conn: &mut AnyConnection, read_only: bool) -> Result<AppliedMigrationNames, Error> {
    let state = backends::migration_state(conn).map_err(Error::Migration)?;
    if let (Some(version), false) = (state.unknown.first(), read_only) {
        return Err(Error::NewerSchema {
            version: version.clone(),
        });
    }
    if !read_only {
        return run_pending_migrations(conn).map_err(|err| Error::Migration(err.to_string()));
    }
    if state.unapplied > 0 {
        return Err(Error::ReadOnly {
            reason: format!(
                "the database is not set up for this version of profile-console \
                 ({} migrations to run); open it once without --read-only",
                state.unapplied
            ),
        });
    }
    Ok(Vec::new())
}

impl Repository {
    /// Opens `target` and runs any pending migrations.
    pub fn open(target: DatabaseTarget) -> Result<Self, Error> {
        Self::open_and_migrate(target).map(|(repo, _)| repo)
    }

    /// Opens `target`, runs any pending migrations, and says which ran.
    pub fn open_and_migrate(
        target: DatabaseTarget,
    ) -> Result<(Self, AppliedMigrationNames), Error> {
        let mut conn = establish(&target)?;
        let ran = set_up(&mut conn, target.read_only()).map_err(|err| match err {
            // SQLite on a full disk fails to set up with "disk I/O error" (it cannot grow its
            // shared-memory file) as often as with "database or disk is full".
            Error::Migration(reason)
                if (reason.contains("disk I/O error") || reason.contains("disk is full"))
                    && target
                        .sqlite_path()
                        .is_some_and(crate::db::disk_nearly_full) =>
            {
                Error::DiskFull { reason }
            }
            err => err,
        })?;
        let context = Arc::new(ChangeContext::new(Source::Cli));
        apply_change_context(&mut conn, &context)?;
        let repo = Repository {
            target,
            conn: Some(conn),
            statement_log: None,
            faults: Faults::from_env(),
            server_pid: None,
            context,
            listening: false,
            change_counter: 0,
            last_used: Instant::now(),
            file_checked: Instant::now(),
            file_replaced: None,
        };
        Ok((repo, ran))
    }

    /// Says where this repository's changes come from (the journal's `source`): `cli` unless
    /// told otherwise.
    pub fn set_source(&mut self, source: Source) -> Result<(), Error> {
        Arc::make_mut(&mut self.context).source = source;
        if let Some(conn) = &mut self.conn {
            apply_change_context(conn, &self.context)?;
        }
        Ok(())
    }

    /// Who writes through this repository, as the journal records it.
    pub fn change_context(&self) -> &ChangeContext {
        &self.context
    }

    pub fn target(&self) -> &DatabaseTarget {
        &self.target
    }

    pub fn backend(&self) -> Backend {
        self.target.backend()
    }

    /// Whether the database was opened so that it refuses writes.
    pub fn read_only(&self) -> bool {
        self.target.read_only()
    }

    /// Makes a share of write transactions fail with a serialization failure from now on (for
    /// tests of the retry path; the binary reads `PROFILE_CONSOLE_INJECT_SERIALIZATION_FAILURES`).
    pub fn inject_faults(&mut self, faults: Faults) {
        self.faults = faults;
    }

    /// Publishes, in `pid`, the server process that runs this repository's statements (kept up
    /// to date across reconnections; 0 on SQLite), for [`cancel_server_statement`].
    pub fn publish_server_pid(&mut self, pid: Arc<AtomicI32>) {
        if let Some(conn) = &mut self.conn {
            pid.store(server_pid(conn), Ordering::Relaxed);
        }
        self.server_pid = Some(pid);
    }

    /// Records every statement this repository runs from now on into `log`.
    pub fn record_statements(&mut self, log: StatementLog) {
        if let Some(conn) = &mut self.conn {
            set_instrumentation(conn, &log);
        }
        self.statement_log = Some(log);
    }

    /// Looks a profile up by `request.lookup`; creates it from the lookup and the defaults if there
    /// is none. Says which happened.
    ///
    /// ```
    /// use profile_console::db::DatabaseTarget;
    /// use profile_console::domain::{GetOrCreate, Outcome};
    /// use profile_console::repository::Repository;
    ///
    /// let dir = tempfile::tempdir()?;
    /// let mut repo = Repository::open(DatabaseTarget::sqlite(dir.path().join("doc.db")))?;
    /// let request = GetOrCreate::parse(
    ///     &[("first_name", "Argo"), ("last_name", "Saha")],
    ///     &[("gender", "M"), ("age", "10")],
    /// )?;
    /// let (profile, outcome) = repo.get_or_create(&request)?;
    /// assert_eq!((profile.age, outcome), (10, Outcome::Created));
    /// // The same call again finds the row and ignores the defaults.
    /// let (again, outcome) = repo.get_or_create(&request)?;
    /// assert_eq!((again.id, outcome), (profile.id, Outcome::Fetched));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn get_or_create(&mut self, request: &GetOrCreate) -> Result<(Profile, Outcome), Error> {
        let faults = self.faults;
        let ctx = Arc::clone(&self.context);
        retry::with_retries(|| {
            with_store!(self, |store| operations::get_or_create(
                store, request, faults, &ctx
            ))
        })
    }

    /// Looks a profile up by `request.lookup` and, in one locked transaction, updates it with the
    /// defaults, or creates it from the lookup and the create-defaults (the defaults when none
    /// were given).
    ///
    /// ```
    /// use profile_console::db::DatabaseTarget;
    /// use profile_console::domain::{Outcome, UpdateOrCreate};
    /// use profile_console::repository::Repository;
    ///
    /// let dir = tempfile::tempdir()?;
    /// let mut repo = Repository::open(DatabaseTarget::sqlite(dir.path().join("doc.db")))?;
    /// let lookup = [("first_name", "Argo"), ("last_name", "Saha")];
    /// let request = UpdateOrCreate::parse(&lookup, &[("age", "30")], Some(&[("gender", "F"), ("age", "20")]))?;
    /// let (created, outcome) = repo.update_or_create(&request)?;
    /// assert_eq!((created.age, outcome), (20, Outcome::Created));
    /// let (updated, outcome) = repo.update_or_create(&request)?;
    /// assert_eq!(updated.age, 30);
    /// assert_eq!(outcome.name(), "updated");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn update_or_create(
        &mut self,
        request: &UpdateOrCreate,
    ) -> Result<(Profile, Outcome), Error> {
        let faults = self.faults;
        let ctx = Arc::clone(&self.context);
        retry::with_retries(|| {
            with_store!(self, |store| operations::update_or_create(
                store, request, faults, &ctx
            ))
        })
    }

    /// Up to `limit` rows matching `lookup`, lowest id first: what get_or_create would find.
    pub fn find(&mut self, lookup: &Lookup, limit: i64) -> Result<Vec<Profile>, Error> {
        with_store!(self, |store| store.find(lookup, limit).map_err(Error::from))
    }

    /// How many rows match `lookup`.
    pub fn count_lookup(&mut self, lookup: &Lookup) -> Result<i64, Error> {
        with_store!(self, |store| store.count(lookup).map_err(Error::from))
    }

    /// One page of profiles, by keyset (see [`PageRequest`]).
    pub fn page(&mut self, request: &PageRequest) -> Result<Vec<Profile>, Error> {
        with_store!(self, |store| store.page(request).map_err(Error::from))
    }

    /// How many profiles match `filter`.
    pub fn count(&mut self, filter: &ProfileFilter) -> Result<i64, Error> {
        with_store!(self, |store| store
            .count_matching(filter)
            .map_err(Error::from))
    }

    /// How many profiles of `request`'s filter come before its anchor in its order: the anchor's
    /// position, less one.
    pub fn count_before(&mut self, request: &PageRequest) -> Result<i64, Error> {
        with_store!(self, |store| store
            .count_before(request)
            .map_err(Error::from))
    }

    /// The server's instant estimate of how many profiles there are, where it keeps one (not on
    /// SQLite, whose exact count is cheap).
    pub fn estimated_count(&mut self) -> Result<Option<i64>, Error> {
        with_store!(self, |store| store.estimated_count().map_err(Error::from))
    }

    /// Deletes a profile; returns it, or `None` if there was no such id.
    pub fn delete(&mut self, id: i64) -> Result<Option<Profile>, Error> {
        let ctx = Arc::clone(&self.context);
        retry::with_retries(|| {
            with_store!(self, |store| store.write_statement(&ctx, |store| store
                .delete(id)
                .map_err(Error::from)))
        })
    }

    /// Deletes the one profile `lookup` matches, journaled like every change: none is an error,
    /// several are refused ([`Error::MultipleMatches`]) and nothing is deleted.
    pub fn delete_matching(&mut self, lookup: &Lookup) -> Result<Profile, Error> {
        let (faults, ctx) = (self.faults, Arc::clone(&self.context));
        retry::with_retries(|| {
            with_store!(self, |store| history::delete_matching(
                store, lookup, faults, &ctx
            ))
        })
    }

    /// Undoes journal entry `change` (see `docs/semantics.md`, "History and undo").
    pub fn undo(&mut self, change: i64) -> Result<Undone, Error> {
        let (faults, ctx) = (self.faults, Arc::clone(&self.context));
        retry::with_retries(|| {
            with_store!(self, |store| history::undo(store, change, faults, &ctx))
        })
    }

    /// Undoes this repository's newest change that is not an undo and has not been undone;
    /// `None` when there is none.
    pub fn undo_latest_own(&mut self) -> Result<Option<Undone>, Error> {
        let session = self.context.session.clone();
        let latest = with_store!(self, |store| store
            .latest_undoable(&session)
            .map_err(Error::from))?;
        latest.map(|change| self.undo(change.id)).transpose()
    }

    /// Journal entries, newest first.
    pub fn history(&mut self, query: &HistoryQuery) -> Result<Vec<JournalEntry>, Error> {
        with_store!(self, |store| store.changes(query).map_err(Error::from))
    }

    /// Journal entries after `after`, oldest first, at most `limit` (what others changed since).
    pub fn changes_since(&mut self, after: i64, limit: i64) -> Result<Vec<JournalEntry>, Error> {
        with_store!(self, |store| store
            .changes_since(after, limit)
            .map_err(Error::from))
    }

    /// Journal entries after `after` (oldest first, at most `limit`), asking the backend first
    /// whether there can be any, so a console watching an idle database costs next to nothing
    /// (PostgreSQL: notifications, no statement; SQLite: one pragma; MySQL: one index probe).
    /// The first call starts listening.
    ///
    /// `after: None` starts watching: no entries, and the newest entry's id to watch from.
    /// [`Error::FileGone`] when the SQLite file was replaced or deleted since the last call and
    /// the one at its path now is read instead: everything shown may have changed (watch again
    /// from `None`).
    pub fn watch_changes(
        &mut self,
        after: Option<i64>,
        limit: i64,
    ) -> Result<(Vec<JournalEntry>, i64), Error> {
        self.connection()?;
        if let Some(path) = self.file_replaced.take() {
            return Err(Error::FileGone { path });
        }
        if !self.listening {
            self.listening = true;
            let conn = self.connection()?;
            with_connection!(conn, |conn| conn.listen_for_changes())?;
        }
        let Some(after) = after else {
            let mut counter = self.change_counter;
            with_store!(self, |conn| conn
                .changes_pending(&mut counter)
                .map_err(Error::from))?;
            self.change_counter = counter;
            return Ok((Vec::new(), self.last_change_id()?));
        };
        let mut counter = self.change_counter;
        let pending = with_store!(self, |conn| conn
            .changes_pending(&mut counter)
            .map_err(Error::from))?;
        self.change_counter = counter;
        if pending == Some(false) {
            return Ok((Vec::new(), after));
        }
        let entries = self.changes_since(after, limit)?;
        let newest = if i64::try_from(entries.len()).unwrap_or(i64::MAX) >= limit {
            // A full page: a burst (an import, a seed). The rest is not read entry by entry (no
            // new commit would announce it, and a million entries are no use one by one): the
            // newest entry is given instead, past the last one returned, and the caller counts
            // afresh.
            self.last_change_id()?
        } else {
            entries.last().map_or(after, |entry| entry.id)
        };
        Ok((entries, newest))
    }

    /// Marks this repository's changes in the journal with `session` (the console's own, so it
    /// can find them for Ctrl-Z and tell them from other clients').
    pub fn set_session(&mut self, session: String) -> Result<(), Error> {
        Arc::make_mut(&mut self.context).session = session;
        if let Some(conn) = &mut self.conn {
            apply_change_context(conn, &self.context)?;
        }
        Ok(())
    }

    /// The mark this repository's changes carry in the journal.
    pub fn session(&self) -> &str {
        &self.context.session
    }

    /// Whether the journal holds a change marked with `session`: whether this database is the
    /// one that session wrote to (not one created again, or restored from before it).
    pub fn has_changes_by(&mut self, session: &str) -> Result<bool, Error> {
        with_store!(self, |store| store
            .has_changes_by(session)
            .map_err(Error::from))
    }

    /// The newest journal entry's id (0 when there is none).
    pub fn last_change_id(&mut self) -> Result<i64, Error> {
        with_store!(self, |store| store.last_change_id().map_err(Error::from))
    }

    /// Constraints, indexes, applied migrations and the server's version.
    pub fn schema_report(&mut self) -> Result<SchemaReport, Error> {
        with_store!(self, |conn| conn.schema_report().map_err(Error::from))
    }

    /// Inserts `count` new demo profiles (names already present are skipped and replaced), in
    /// batches. `progress` hears the running total after each batch.
    pub fn seed(&mut self, count: u64, progress: impl FnMut(u64)) -> Result<SeedReport, Error> {
        self.seed_until(count, &AtomicBool::new(false), progress)
    }

    /// As [`Repository::seed`], stopping after the current batch once `stop` is set.
    pub fn seed_until(
        &mut self,
        count: u64,
        stop: &AtomicBool,
        progress: impl FnMut(u64),
    ) -> Result<SeedReport, Error> {
        let ctx = ChangeContext {
            source: Source::Seed,
            ..(*self.context).clone()
        };
        let target = self.target.clone();
        let conn = self.connection()?;
        apply_change_context(conn, &ctx)?;
        let seeded = with_connection!(conn, |conn| seed::seed(
            conn,
            count,
            &ctx,
            stop,
            progress,
            || second_connection(&target)
        ));
        let context = Arc::clone(&self.context);
        let restored = apply_change_context(self.connection()?, &context);
        let seeded = self.forget_connection_if_lost(seeded)?;
        restored?;
        Ok(seeded)
    }

    /// Runs an import: the feed's batches in order, each row exactly the operation it names
    /// (see [`BulkRequest`] and `docs/semantics.md`, "Bulk import"), journaled as `import`.
    /// Returns whether the writes were committed (committing as it goes, always; at the end,
    /// as the feed decided). A failure of the database ends the import; committing as it goes,
    /// the batches the feed heard about before stay committed.
    pub fn import(
        &mut self,
        feed: &mut dyn ImportFeed,
        commit: ImportCommit,
    ) -> Result<bool, Error> {
        let ctx = ChangeContext {
            source: Source::Import,
            ..(*self.context).clone()
        };
        let conn = self.connection()?;
        apply_change_context(conn, &ctx)?;
        // Indexes are put off only by a load that commits as it goes: a dry run writes nothing.
        let defer = commit != ImportCommit::AtEnd;
        let load = with_connection!(conn, |conn| BulkLoad::start(conn, defer))?;
        let faults = self.faults;
        let imported = match commit {
            ImportCommit::Groups if matches!(self.target, DatabaseTarget::Sqlite(_)) => {
                with_store!(self, |store| bulk::run_in_groups(store, feed, &ctx)).map(|()| true)
            }
            ImportCommit::EachBatch | ImportCommit::Groups => (|| {
                let was_empty =
                    with_connection!(self.connection()?, |conn| conn.holds_no_profiles())?;
                let mut memory = load_memory::LoadMemory::for_batches(was_empty);
                let mut next = feed.next_batch();
                let mut first = true;
                while let Some(batch) = next.take() {
                    let outcomes = retry::with_retries(|| {
                        let done = with_store!(self, |store| operations::write_transaction(
                            store,
                            faults,
                            &ctx,
                            |tx| bulk::run_batch(tx, &batch, &mut memory)
                        ));
                        memory.transaction_ended(done.is_ok());
                        done
                    })?;
                    feed.outcomes(outcomes);
                    next = feed.next_batch();
                    // A load into an empty table with more than one batch: the rest side by
                    // side, where the backend does that (then what is left, if anything, here).
                    if std::mem::take(&mut first)
                        && memory.knows_the_table()
                        && let Some(second) = next.take()
                    {
                        next = self.load_side_by_side(second, feed, &ctx, &mut memory)?;
                    }
                }
                Ok(true)
            })(),
            ImportCommit::AtEnd => with_store!(self, |store| bulk::run_in_one_transaction(
                store, feed, &ctx
            )),
        };
        let context = Arc::clone(&self.context);
        let target = self.target.clone();
        let restored = match self.connection() {
            Ok(conn) => apply_change_context(conn, &context).and_then(|()| {
                with_connection!(conn, |conn| load
                    .finish(conn, || second_connection(&target)))
            }),
            Err(err) => Err(err),
        };
        let imported = imported?;
        restored?;
        Ok(imported)
    }

    /// [`parallel_load::run`] from `first` on, with helper connections of its own, where the
    /// backend runs loads side by side and they open; otherwise gives `first` back, to run
    /// here. Returns the batch to go on with on this connection, if any.
    fn load_side_by_side(
        &mut self,
        first: Vec<BulkRequest>,
        feed: &mut dyn ImportFeed,
        ctx: &ChangeContext,
        memory: &mut load_memory::LoadMemory,
    ) -> Result<Option<Vec<BulkRequest>>, Error> {
        let workers = with_connection!(self.connection()?, |conn| conn.load_workers());
        let mut helpers = Vec::with_capacity(workers);
        for _ in 0..workers {
            // A server that takes no more connections: the load runs on this one.
            let Ok(mut conn) = establish(&self.target) else {
                break;
            };
            if apply_change_context(&mut conn, ctx).is_err() {
                break;
            }
            if let Some(log) = &self.statement_log {
                set_instrumentation(&mut conn, log);
            }
            helpers.push(conn);
        }
        if helpers.len() < 2 {
            return Ok(Some(first));
        }
        let faults = self.faults;
        with_store!(self, |main| {
            let helpers = helpers.into_iter().filter_map(Engine::from_any).collect();
            parallel_load::run(main, helpers, first, feed, ctx, faults, memory)
        })
    }

    /// The live connection, reopened if it was lost.
    fn connection(&mut self) -> Result<&mut AnyConnection, Error> {
        let idle =
            std::mem::replace(&mut self.last_used, Instant::now()).elapsed() >= CHECK_AFTER_IDLE;
        if idle
            && let Some(conn) = &mut self.conn
            && conn.backend() != Backend::Sqlite
            && with_connection!(conn, |conn| {
                diesel::connection::SimpleConnection::batch_execute(
                    conn,
                    statement_log::LIVENESS_CHECK,
                )
            })
            .is_err()
        {
            // Closed by the server meanwhile: open a new one.
            self.conn = None;
        }
        if self.file_checked.elapsed() >= CHECK_FILE_EVERY
            && let Some(conn) = &mut self.conn
        {
            self.file_checked = Instant::now();
            if with_connection!(conn, |conn| conn.file_is_gone()) {
                self.conn = None;
                self.file_replaced = Some(self.target.to_string());
            }
        }
        let conn = match self.conn.take() {
            Some(conn) => conn,
            None => {
                let mut conn = establish(&self.target)?;
                // A connection opened again may find a database created again (a server's
                // dropped and created, a SQLite file deleted or replaced): set it up as an open
                // would. One read when there is nothing to run.
                set_up(&mut conn, self.target.read_only())?;
                if let Some(log) = &self.statement_log {
                    set_instrumentation(&mut conn, log);
                }
                if let Some(pid) = &self.server_pid {
                    pid.store(server_pid(&mut conn), Ordering::Relaxed);
                }
                apply_change_context(&mut conn, &self.context)?;
                if self.listening {
                    with_connection!(&mut conn, |conn| conn.listen_for_changes())?;
                }
                conn
            }
        };
        Ok(self.conn.insert(conn))
    }

    /// Forgets a lost connection (the next call reconnects), and names a full disk that SQLite
    /// reported only as an I/O error.
    ///
    /// On MySQL/MariaDB a deadlock or lock-wait failure also forgets the connection: the client
    /// library (libmariadb) can lose step with the server when a cached prepared statement runs
    /// again after its transaction was rolled back under it, and then waits forever for an answer
    /// that never comes (seen in the 8-way races); a fresh connection costs a millisecond.
    fn forget_connection_if_lost<T>(&mut self, result: Result<T, Error>) -> Result<T, Error> {
        match result {
            Err(Error::ConnectionLost(err)) => {
                self.conn = None;
                Err(Error::ConnectionLost(err))
            }
            Err(err @ Error::FileGone { .. }) => {
                self.conn = None;
                Err(err)
            }
            Err(err @ Error::Database(_))
                if err.is_transient() && self.backend() == Backend::Mysql =>
            {
                self.conn = None;
                Err(err)
            }
            Err(Error::Database(err))
                if err.to_string().contains("disk I/O error")
                    && self
                        .target
                        .sqlite_path()
                        .is_some_and(crate::db::disk_nearly_full) =>
            {
                Err(Error::DiskFull {
                    reason: err.to_string(),
                })
            }
            result => result,
        }
    }
}

/// Tells a new session who writes (see [`Engine::apply_change_context`]).
fn apply_change_context(conn: &mut AnyConnection, ctx: &ChangeContext) -> Result<(), Error> {
    with_connection!(conn, |conn| conn
        .apply_change_context(ctx)
        .map_err(Error::from))
}

/// Another connection to `target`, of the backend `E` (`None` if it does not open).
fn second_connection<E: Engine>(target: &DatabaseTarget) -> Option<E> {
    establish(target).ok().and_then(E::from_any)
}

/// The server process serving `conn`; 0 when there is none (SQLite) or it cannot be read.
fn server_pid(conn: &mut AnyConnection) -> i32 {
    with_connection!(conn, |conn| conn.server_pid())
}

/// Asks the server behind `target` to cancel the statement process `pid` is running (from a
/// connection of its own). The cancelled statement fails with [`Error::Cancelled`] and its
/// transaction rolls back; a statement that already finished is not affected.
pub fn cancel_server_statement(target: &DatabaseTarget, pid: i32) -> Result<(), Error> {
    if pid == 0 {
        return Ok(());
    }
    let mut conn = establish(target)?;
    with_connection!(&mut conn, |conn| conn.cancel_statement_of(pid))?;
    Ok(())
}

fn set_instrumentation(conn: &mut AnyConnection, log: &StatementLog) {
    with_connection!(conn, |conn| conn.set_instrumentation(log.instrumentation()))
}
