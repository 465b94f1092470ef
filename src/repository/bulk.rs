//! Bulk get_or_create / update_or_create: a batch of requests run as if one after another, in
//! order, through the operations of `operations.rs` (`docs/semantics.md`, "Bulk import").
//!
//! A batch whose lookups all name a profile by `(first_name, last_name)` (the usual import) goes
//! set-based: one statement reads every row the batch names (locked, for update_or_create), the
//! batch is played through in memory in file order, then one insert writes the new rows and each
//! update is written by id. If another writer creates one of the batch's names meanwhile, the
//! insert comes up short and the whole batch is tried again (it then finds that row), so the
//! outcomes are those of running the rows one by one. Any other batch runs row by row through the
//! operations themselves, inside the batch's transaction.

use foldhash::{HashMap, HashMapExt};

use crate::domain::{
    GetOrCreate, Lookup, Outcome, Profile, ProfileValues, UpdateOrCreate, now_utc,
};
use crate::error::Error;

use super::backends::Engine;
use super::journal::ChangeContext;
use super::load_memory::LoadMemory;
use super::operations::{
    changed_values, changes_to, describe_new, get_or_create_in, update_or_create_in,
    values_to_create,
};
use super::retry::with_retries;
use super::rows::NewProfileRow;
use super::store::Store;

/// One row of an import: the operation and its validated input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BulkRequest {
    GetOrCreate(GetOrCreate),
    UpdateOrCreate(UpdateOrCreate),
}

impl BulkRequest {
    pub fn lookup(&self) -> &Lookup {
        match self {
            BulkRequest::GetOrCreate(request) => &request.lookup,
            BulkRequest::UpdateOrCreate(request) => &request.lookup,
        }
    }

    /// What a created row takes beyond the lookup.
    fn create_values(&self) -> &ProfileValues {
        match self {
            BulkRequest::GetOrCreate(request) => &request.defaults,
            BulkRequest::UpdateOrCreate(request) => request.create_values(),
        }
    }

    /// Whether the set-based path can run it: a lookup by name (no id), and no name among the
    /// values it writes (so no row of the batch renames another's).
    pub(crate) fn by_name(&self) -> Option<(&str, &str)> {
        let lookup = self.lookup();
        let writes_no_name =
            |values: &ProfileValues| values.first_name.is_none() && values.last_name.is_none();
        let plain = match self {
            BulkRequest::GetOrCreate(request) => writes_no_name(&request.defaults),
            BulkRequest::UpdateOrCreate(request) => {
                writes_no_name(&request.defaults) && writes_no_name(request.create_values())
            }
        };
        match (&lookup.values.first_name, &lookup.values.last_name) {
            (Some(first), Some(last)) if plain && lookup.id.is_none() => Some((first, last)),
            _ => None,
        }
    }
}

/// What one row did: the profile and the outcome, or why it was rejected.
pub type RowResult = Result<(Profile, Outcome), Error>;

/// A bulk load's settings and its put-off indexes: [`BulkLoad::start`] before the first write,
/// [`BulkLoad::finish`] after the last, whether the load went well or not.
#[must_use = "a bulk load must be finished"]
pub(crate) struct BulkLoad {
    deferred: bool,
}

impl BulkLoad {
    /// Puts off the upkeep of the indexes where the engine does that faster
    /// ([`Engine::defer_indexes`]) if `defer` (a load that commits as it goes), then switches to
    /// the bulk settings. Putting them off only saves time: if it cannot be done at once (another
    /// session holds the table, the database is busy), the load keeps them up row by row.
    pub(crate) fn start<E: Engine + Send>(conn: &mut E, defer: bool) -> Result<Self, Error> {
        let deferred = defer && conn.defer_indexes().unwrap_or(false);
        let load = BulkLoad { deferred };
        if let Err(err) = conn.bulk_load(true) {
            let _ = load.finish(conn, || None);
            return Err(err.into());
        }
        Ok(load)
    }

    /// Back to the usual settings, then builds the indexes put off, with those settings (on
    /// SQLite, a sort with the bulk load's larger cache needs more memory and is no faster). The
    /// rows are stored by then: if a build fails (a full disk, a lock another session holds too
    /// long), the load still did what it reports, the index stays noted, and the next writable
    /// open builds it.
    ///
    /// Where the backend runs loads side by side ([`Engine::load_workers`]), a second
    /// connection (`open_second`) builds alongside: each takes the next index not yet taken
    /// (eight indexes of a million rows on PostgreSQL: 14.4 s on one connection, 8.3 s on two).
    pub(crate) fn finish<E: Engine + Send>(
        self,
        conn: &mut E,
        open_second: impl FnOnce() -> Option<E>,
    ) -> Result<(), Error> {
        let restored = conn.bulk_load(false);
        if self.deferred {
            let second = if conn.load_workers() >= 2 {
                open_second()
            } else {
                None
            };
            std::thread::scope(|scope| {
                if let Some(mut second) = second {
                    scope.spawn(move || {
                        let _ = second.build_deferred_indexes();
                    });
                }
                let _ = conn.build_deferred_indexes();
            });
        }
        Ok(restored?)
    }
}

/// Runs `requests` in order inside the caller's write transaction, asking the database only
/// what `memory` does not already tell. A row the contract refuses (invalid, several matches, a
/// name conflict) gets its error and the others go on; any other failure ends the batch, and the
/// caller rolls it back.
pub(crate) fn run_batch<S: Store>(
    tx: &mut S,
    requests: &[BulkRequest],
    memory: &mut LoadMemory,
) -> Result<Vec<RowResult>, Error> {
    if requests.iter().all(|request| request.by_name().is_some()) {
        return run_by_name(tx, requests, memory);
    }
    memory.forget_names();
    requests
        .iter()
        .map(|request| {
            let done = match request {
                BulkRequest::GetOrCreate(request) => get_or_create_in(tx, request),
                BulkRequest::UpdateOrCreate(request) => update_or_create_in(tx, request),
            };
            match done {
                Err(err) if !err.is_row_rejection() => Err(err),
                done => Ok(done),
            }
        })
        .collect()
}

/// A name's row as the batch has it so far.
struct Slot {
    profile: Profile,
    /// Created by this batch (its id is known once the insert has run).
    new: bool,
}

/// A row's result before the new rows' ids are known; `at`: its name's place in the batch's
/// list of names.
enum Played {
    Done {
        profile: Profile,
        outcome: Outcome,
        at: usize,
    },
    /// Created by this batch: its profile is the next of the batch's new rows (moved out of
    /// them once they are written, not copied).
    Created {
        at: usize,
    },
    Conflict {
        attempt: String,
        existing: Profile,
        at: usize,
    },
    Rejected(Error),
}

/// A profile's name, borrowed from the batch's requests.
type Name<'r> = (&'r str, &'r str);

fn run_by_name<S: Store>(
    tx: &mut S,
    requests: &[BulkRequest],
    memory: &mut LoadMemory,
) -> Result<Vec<RowResult>, Error> {
    // Each name once, in file order; for each request, where its name is in that list; for each
    // name, the last request that names it (after which its row can be handed out, not copied).
    let mut names: Vec<Name<'_>> = Vec::with_capacity(requests.len());
    let mut index: HashMap<Name<'_>, usize> = HashMap::with_capacity(requests.len());
    let mut positions: Vec<usize> = Vec::with_capacity(requests.len());
    let mut last_use: Vec<usize> = Vec::with_capacity(requests.len());
    for (number, request) in requests.iter().enumerate() {
        let Some(name) = request.by_name() else {
            unreachable!("run_by_name runs only requests by name")
        };
        let at = *index.entry(name).or_insert_with(|| {
            names.push(name);
            last_use.push(number);
            names.len() - 1
        });
        last_use[at] = number;
        positions.push(at);
    }
    let lock = requests
        .iter()
        .any(|request| matches!(request, BulkRequest::UpdateOrCreate(_)));
    // By the requests' own names (a row a collation matched to another spelling is not the row
    // of that name, and is left out).
    let mut slots: Vec<Option<Slot>> = Vec::with_capacity(names.len());
    slots.resize_with(names.len(), || None);
    let may_exist: Vec<Name<'_>> = names
        .iter()
        .copied()
        .filter(|(first, last)| memory.may_exist(first, last))
        .collect();
    let found = if may_exist.is_empty() {
        Vec::new()
    } else {
        tx.find_names(&may_exist, lock)?
    };
    for profile in found {
        let at = index
            .get(&(profile.first_name.as_str(), profile.last_name.as_str()))
            .copied();
        if let Some(at) = at {
            slots[at] = Some(Slot {
                profile,
                new: false,
            });
        }
    }

    let now = now_utc();
    let mut created: Vec<Profile> = Vec::new();
    let mut created_at: Vec<usize> = Vec::new();
    let mut updates: Vec<(usize, ProfileValues)> = Vec::new();
    let mut played = Vec::with_capacity(requests.len());
    for ((number, request), &at) in requests.iter().enumerate().zip(&positions) {
        let lookup = request.lookup();
        let last = last_use[at] == number;
        let slot = slots[at].as_mut();
        if let Some(slot) = slot.filter(|slot| lookup.matches(&slot.profile)) {
            let outcome = match request {
                BulkRequest::GetOrCreate(_) => Outcome::Fetched,
                BulkRequest::UpdateOrCreate(update) => {
                    let changes = changes_to(&slot.profile, &update.defaults);
                    if changes.is_empty() {
                        Outcome::Unchanged
                    } else {
                        let changed = changed_values(&changes, &update.defaults);
                        apply(&mut slot.profile, &changed, now);
                        updates.push((at, changed));
                        Outcome::Updated(changes)
                    }
                }
            };
            // A row found in the database is written by its id, which stays in the slot.
            let profile = if last && !slot.new {
                take_keeping_id(&mut slot.profile)
            } else {
                slot.profile.clone()
            };
            played.push(Played::Done {
                profile,
                outcome,
                at,
            });
            continue;
        }
        // Not found: create from the lookup and the create values, as the operation would.
        let values = match values_to_create(lookup, request.create_values()) {
            Ok(values) => values,
            Err(err) => {
                played.push(Played::Rejected(err));
                continue;
            }
        };
        if let Some(slot) = &slots[at] {
            // The name is taken by a row the lookup does not match.
            played.push(Played::Conflict {
                attempt: format!("creating {}", describe_new(&values)),
                existing: slot.profile.clone(),
                at,
            });
            continue;
        }
        let (first_name, last_name) = names[at];
        let profile = Profile {
            id: 0,
            first_name: first_name.to_owned(),
            last_name: last_name.to_owned(),
            gender: values.gender.clone().unwrap_or_default(),
            age: values.age.unwrap_or_default(),
            created_at: now,
            updated_at: now,
        };
        if !last {
            slots[at] = Some(Slot {
                profile: profile.clone(),
                new: true,
            });
        }
        created.push(profile);
        created_at.push(at);
        played.push(Played::Created { at });
    }

    // The new rows, then the updates in file order (some of them update a new row).
    let mut ids: Vec<i64> = vec![0; names.len()];
    if !created.is_empty() {
        let new_rows: Vec<NewProfileRow<'_>> = created.iter().map(NewProfileRow::from).collect();
        // None: another writer created one of these names since the read: start over.
        let new_ids = tx
            .insert_rows_for_ids(&new_rows, &mut memory.keys, &memory.reserved_ids)?
            .ok_or(Error::RaceLost)?;
        memory.created(created_at.iter().map(|&at| names[at]));
        for (&at, id) in created_at.iter().zip(new_ids) {
            ids[at] = id;
        }
    }
    let id_of = |profile: &Profile, at: usize| {
        if profile.id != 0 { profile.id } else { ids[at] }
    };
    for (at, changed) in &updates {
        let Some(slot) = &slots[*at] else { continue };
        tx.update(id_of(&slot.profile, *at), changed, now)?;
    }
    let mut created = created.into_iter();
    Ok(played
        .into_iter()
        .map(|played| match played {
            Played::Done {
                mut profile,
                outcome,
                at,
            } => {
                profile.id = id_of(&profile, at);
                Ok((profile, outcome))
            }
            Played::Created { at } => {
                let Some(mut profile) = created.next() else {
                    unreachable!("one new row for each row played as created")
                };
                profile.id = ids[at];
                Ok((profile, Outcome::Created))
            }
            Played::Conflict {
                attempt,
                mut existing,
                at,
            } => {
                existing.id = id_of(&existing, at);
                Err(Error::Conflict {
                    attempt,
                    existing: Box::new(existing),
                })
            }
            Played::Rejected(err) => Err(err),
        })
        .collect())
}

/// The profile out of `slot`, leaving only its id (which a later update of the row needs).
fn take_keeping_id(slot: &mut Profile) -> Profile {
    let placeholder = Profile {
        id: slot.id,
        first_name: String::new(),
        last_name: String::new(),
        gender: String::new(),
        age: slot.age,
        created_at: slot.created_at,
        updated_at: slot.updated_at,
    };
    std::mem::replace(slot, placeholder)
}

/// `profile` after an update that writes `changed` at `at`.
fn apply(profile: &mut Profile, changed: &ProfileValues, at: chrono::NaiveDateTime) {
    if let Some(gender) = &changed.gender {
        profile.gender.clone_from(gender);
    }
    if let Some(age) = changed.age {
        profile.age = age;
    }
    profile.updated_at = at;
}

/// Where an import's rows come from and its outcomes go ([`super::Repository::import`]).
pub trait ImportFeed {
    /// The next batch of requests, in file order; `None` at the end, or to stop early (the
    /// feed keeps its own reason: an interruption, an unreadable file).
    fn next_batch(&mut self) -> Option<Vec<BulkRequest>>;
    /// The outcomes of the batch just run, one per request, in order. With
    /// [`ImportCommit::EachBatch`] they are committed; with [`ImportCommit::AtEnd`] they are
    /// the outcomes the one transaction will have, if it commits.
    fn outcomes(&mut self, outcomes: Vec<RowResult>);
    /// With [`ImportCommit::AtEnd`], asked once the feed is done: commit (`true`) or roll
    /// everything back.
    fn commit_at_end(&self) -> bool;
}

/// How an import's writes commit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportCommit {
    /// Each batch in its own transaction: what is reported done is stored, and an interrupted
    /// import keeps the batches before.
    EachBatch,
    /// As [`ImportCommit::EachBatch`], but on SQLite several batches a transaction (see
    /// [`SQLITE_GROUP_ROWS`]); the feed still hears only about committed batches.
    Groups,
    /// The whole import in one transaction, committed at the end if the feed says so (a dry run
    /// never does; all-or-nothing does when no row was rejected). Other writers wait on the
    /// rows it has touched (on SQLite, on the whole database) until it ends.
    AtEnd,
}

/// How many rows, at most, SQLite commits together, and for how long, at most, a group holds the
/// write lock. Each commit writes every page the group changed to the WAL, and a million rows'
/// random name keys touch most pages of the three name indexes in every batch: committing
/// 50,000 rows at a time instead of 10,000 writes a fifth of that (a million-row import: 54 s
/// → 38 s, as fast as 50,000-row batches, at a fraction of their memory). Other writers wait meanwhile (SQLite has one writer at a time); two seconds stays
/// well inside their five-second busy timeout.
pub(crate) const SQLITE_GROUP_ROWS: usize = 50_000;
pub(crate) const SQLITE_GROUP_TIME: std::time::Duration = std::time::Duration::from_secs(2);

/// [`ImportCommit::Groups`] on SQLite: batches committed in groups (see
/// [`SQLITE_GROUP_ROWS`]); each group's outcomes go to the feed once it is committed, so what the
/// feed hears about is stored, as with one transaction a batch. SQLite's write transaction keeps
/// every other writer out, so no batch can lose a race and none is tried again.
pub(crate) fn run_in_groups<E: Engine>(
    conn: &mut E,
    feed: &mut dyn ImportFeed,
    ctx: &ChangeContext,
) -> Result<(), Error> {
    let mut memory = LoadMemory::default();
    loop {
        let mut done = Vec::new();
        let mut more = true;
        let group = conn.write_transaction(ctx, |tx| {
            memory.transaction_started(tx)?;
            let started = std::time::Instant::now();
            let mut rows = 0;
            while rows < SQLITE_GROUP_ROWS && started.elapsed() < SQLITE_GROUP_TIME {
                let Some(batch) = feed.next_batch() else {
                    more = false;
                    break;
                };
                rows += batch.len().max(1);
                done.push(run_batch(tx, &batch, &mut memory)?);
            }
            Ok(())
        });
        memory.transaction_ended(group.is_ok());
        group?;
        for outcomes in done {
            feed.outcomes(outcomes);
        }
        if !more {
            return Ok(());
        }
    }
}

impl ImportCommit {
    /// Whether what the feed hears about is already stored (not waiting for one commit at the
    /// end).
    pub fn as_it_goes(self) -> bool {
        self != ImportCommit::AtEnd
    }
}

/// [`ImportCommit::AtEnd`]: every batch inside one write transaction, each in a savepoint that a
/// lost race rolls back and tries again; at the end, commit or roll back as the feed says.
/// (No faults are injected here: a failed commit could not be tried again without reading the
/// input again.)
pub(crate) fn run_in_one_transaction<E: Engine>(
    conn: &mut E,
    feed: &mut dyn ImportFeed,
    ctx: &ChangeContext,
) -> Result<bool, Error> {
    let mut memory = LoadMemory::none();
    let done = conn.write_transaction(ctx, |tx| {
        while let Some(batch) = feed.next_batch() {
            let outcomes = with_retries(|| {
                tx.transaction::<_, Error, _>(|savepoint| run_batch(savepoint, &batch, &mut memory))
            })?;
            feed.outcomes(outcomes);
        }
        if feed.commit_at_end() {
            Ok(())
        } else {
            Err(Error::RolledBack)
        }
    });
    match done {
        Ok(()) => Ok(true),
        Err(Error::RolledBack) => Ok(false),
        Err(err) => Err(err),
    }
}
