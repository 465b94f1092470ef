//! get_or_create and update_or_create, written once over [`Store`] and so the same on every
//! backend. The contract is `docs/semantics.md`; the numbered steps below refer to it.
//!
//! Race safety, in short:
//! - A lookup covering `(first_name, last_name)` relies on the unique constraint: the insert does
//!   nothing if another writer got there first, and a fresh statement then finds the winner.
//! - Any other lookup serializes its creators ([`Store::serialize_creators`]: an advisory lock on
//!   PostgreSQL, the immediate transaction on SQLite) and checks again before inserting, so no
//!   duplicate is ever inserted (better than Django).
//! - update_or_create reads the row locked (`FOR UPDATE` / immediate transaction), so no update is
//!   lost.

use crate::domain::{
    Change, Field, GetOrCreate, Lookup, Outcome, Profile, ProfileValues, UpdateOrCreate, now_utc,
};
use crate::error::Error;

use super::faults::Faults;
use super::journal::ChangeContext;
use super::rows::NewProfileRow;
use super::store::Store;

/// How many ids an "N profiles match" message lists.
const IDS_IN_MESSAGES: i64 = 5;

pub(crate) fn get_or_create<S: Store>(
    store: &mut S,
    request: &GetOrCreate,
    faults: Faults,
    ctx: &ChangeContext,
) -> Result<(Profile, Outcome), Error> {
    let lookup = &request.lookup;
    // Step 1/2: the found path is this one statement.
    if let Some(found) = only_match(store, lookup, |store| store.find(lookup, 2))? {
        return Ok((found, Outcome::Fetched));
    }
    // Step 3: create from lookup ∪ defaults.
    let values = values_to_create(lookup, &request.defaults)?;
    if lookup.is_covered_by_unique_name() {
        // A single INSERT … ON CONFLICT DO NOTHING is its own transaction, committed before
        // `created` is reported.
        let inserted = store.write_statement(ctx, |store| {
            inject(store, faults)?;
            insert(store, &values)
        })?;
        return match inserted {
            Some(created) => Ok((created, Outcome::Created)),
            None => fetch_winner(store, lookup, &values),
        };
    }
    // Step 5: no unique constraint covers the lookup; creators take turns and look again.
    write_transaction(store, faults, ctx, |tx| get_or_create_in(tx, request))
}

/// Step 4: the insert did nothing because the name was taken. A fresh statement sees the row that
/// won (at READ COMMITTED, which the tool's sessions and transactions use): if the lookup matches it, that is the answer; otherwise
/// the conflict is on fields outside the lookup.
fn fetch_winner<S: Store>(
    store: &mut S,
    lookup: &Lookup,
    values: &ProfileValues,
) -> Result<(Profile, Outcome), Error> {
    match only_match(store, lookup, |store| store.find(lookup, 2))? {
        Some(found) => Ok((found, Outcome::Fetched)),
        None => Err(name_conflict(store, values)?),
    }
}

pub(crate) fn update_or_create<S: Store>(
    store: &mut S,
    request: &UpdateOrCreate,
    faults: Faults,
    ctx: &ChangeContext,
) -> Result<(Profile, Outcome), Error> {
    // Step 1: one transaction; the matched row stays locked until it commits.
    write_transaction(store, faults, ctx, |tx| update_or_create_in(tx, request))
}

/// update_or_create's steps, inside a write transaction the caller opened (and commits).
pub(crate) fn update_or_create_in<S: Store>(
    tx: &mut S,
    request: &UpdateOrCreate,
) -> Result<(Profile, Outcome), Error> {
    let lookup = &request.lookup;
    if let Some(found) = only_match(tx, lookup, |tx| tx.find_locked(lookup, 2))? {
        return apply_defaults(tx, found, &request.defaults);
    }
    // Steps 2 and 4: create from lookup ∪ create values; defaults are not applied on top.
    let values = values_to_create(lookup, request.create_values())?;
    if !lookup.is_covered_by_unique_name() {
        tx.serialize_creators(lookup)?;
        if let Some(found) = only_match(tx, lookup, |tx| tx.find_locked(lookup, 2))? {
            return apply_defaults(tx, found, &request.defaults);
        }
    }
    if let Some(created) = insert(tx, &values)? {
        return Ok((created, Outcome::Created));
    }
    // Step 5: lost the race to create; lock the winner and update it. (The insert did nothing,
    // so the transaction is intact and a fresh statement sees the winner.)
    match only_match(tx, lookup, |tx| tx.find_locked(lookup, 2))? {
        Some(found) => apply_defaults(tx, found, &request.defaults),
        None => Err(name_conflict(tx, &values)?),
    }
}

/// get_or_create's steps, inside a write transaction the caller opened (and commits): the same
/// outcomes as [`get_or_create`], which saves the transaction where one statement suffices.
pub(crate) fn get_or_create_in<S: Store>(
    tx: &mut S,
    request: &GetOrCreate,
) -> Result<(Profile, Outcome), Error> {
    let lookup = &request.lookup;
    if let Some(found) = only_match(tx, lookup, |tx| tx.find(lookup, 2))? {
        return Ok((found, Outcome::Fetched));
    }
    let values = values_to_create(lookup, &request.defaults)?;
    if !lookup.is_covered_by_unique_name() {
        tx.serialize_creators(lookup)?;
        if let Some(found) = only_match(tx, lookup, |tx| tx.find(lookup, 2))? {
            return Ok((found, Outcome::Fetched));
        }
    }
    match insert(tx, &values)? {
        Some(created) => Ok((created, Outcome::Created)),
        None => fetch_winner(tx, lookup, &values),
    }
}

/// [`Store::write_transaction`], failing a share of them just before the commit when faults are
/// injected (so the whole transaction is rolled back and retried).
pub(crate) fn write_transaction<S: Store, T>(
    store: &mut S,
    faults: Faults,
    ctx: &ChangeContext,
    work: impl FnOnce(&mut S) -> Result<T, Error>,
) -> Result<T, Error> {
    store.write_transaction(ctx, |tx| {
        let done = work(tx)?;
        inject(tx, faults)?;
        Ok(done)
    })
}

fn inject<S: Store>(store: &mut S, faults: Faults) -> Result<(), Error> {
    if faults.strike() {
        store.fail_with_serialization_failure()?;
    }
    Ok(())
}

/// Step 3: write only the defaults that differ, plus `updated_at`; report each change.
fn apply_defaults<S: Store>(
    tx: &mut S,
    found: Profile,
    defaults: &ProfileValues,
) -> Result<(Profile, Outcome), Error> {
    let changes = changes_to(&found, defaults);
    if changes.is_empty() {
        return Ok((found, Outcome::Unchanged));
    }
    let changed = changed_values(&changes, defaults);
    // Step 7: renaming onto another profile's name fails, naming both rows.
    if changed.first_name.is_some() || changed.last_name.is_some() {
        let first = changed.first_name.as_deref().unwrap_or(&found.first_name);
        let last = changed.last_name.as_deref().unwrap_or(&found.last_name);
        if let Some(existing) = tx
            .find_by_name(first, last)?
            .filter(|other| other.id != found.id)
        {
            return Err(Error::Conflict {
                attempt: format!("renaming {} to {first} {last}", found.summary()),
                existing: Box::new(existing),
            });
        }
    }
    match tx.update(found.id, &changed, now_utc()) {
        Ok(updated) => Ok((updated, Outcome::Updated(changes))),
        // The name was taken between the check and the update: start over, and the check names it.
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => Err(Error::RaceLost),
        Err(err) => Err(err.into()),
    }
}

/// The defaults that differ from `found`'s values, as changes.
pub(crate) fn changes_to(found: &Profile, defaults: &ProfileValues) -> Vec<Change> {
    defaults
        .fields()
        .filter_map(|field| {
            let new = defaults.get(field)?;
            let old = found.value(field);
            (old != new).then_some(Change { field, old, new })
        })
        .collect()
}

/// Only the values of `defaults` that `changes` names: what an update writes.
pub(crate) fn changed_values(changes: &[Change], defaults: &ProfileValues) -> ProfileValues {
    ProfileValues {
        first_name: changed_text(changes, Field::FirstName, &defaults.first_name),
        last_name: changed_text(changes, Field::LastName, &defaults.last_name),
        gender: changed_text(changes, Field::Gender, &defaults.gender),
        age: defaults
            .age
            .filter(|_| changes.iter().any(|c| c.field == Field::Age)),
    }
}

fn changed_text(changes: &[Change], field: Field, value: &Option<String>) -> Option<String> {
    value
        .clone()
        .filter(|_| changes.iter().any(|c| c.field == field))
}

/// Runs `find` (which reads at most two rows): `Some` for exactly one match, `None` for none, and
/// the "N profiles match" error for more (step 2), with the count and the first ids.
pub(crate) fn only_match<S: Store>(
    store: &mut S,
    lookup: &Lookup,
    find: impl FnOnce(&mut S) -> diesel::QueryResult<Vec<Profile>>,
) -> Result<Option<Profile>, Error> {
    let mut rows = find(store)?;
    match rows.len() {
        0 => Ok(None),
        1 => Ok(rows.pop()),
        _ => {
            let (count, first_ids) = store.count_and_first_ids(lookup, IDS_IN_MESSAGES)?;
            Err(Error::MultipleMatches {
                count,
                first_ids,
                lookup: lookup.describe(),
            })
        }
    }
}

/// Validation rules 4 and 5: a miss on an id is an error, and every column needs a value.
pub(crate) fn values_to_create(
    lookup: &Lookup,
    extra: &ProfileValues,
) -> Result<ProfileValues, Error> {
    if let Some(id) = lookup.id() {
        return Err(Error::NoSuchProfile(id));
    }
    let missing = lookup.missing_to_create(extra);
    if missing.is_empty() {
        Ok(lookup.values().or(extra))
    } else {
        Err(Error::MissingForCreate(missing))
    }
}

fn name_of(values: &ProfileValues) -> (&str, &str) {
    (
        values.first_name.as_deref().unwrap_or_default(),
        values.last_name.as_deref().unwrap_or_default(),
    )
}

fn insert<S: Store>(store: &mut S, values: &ProfileValues) -> Result<Option<Profile>, Error> {
    let (first_name, last_name) = name_of(values);
    let now = now_utc();
    let row = NewProfileRow {
        first_name,
        last_name,
        gender: values.gender.as_deref().unwrap_or_default(),
        age: values.age.unwrap_or_default(),
        created_at: now,
        updated_at: now,
    };
    Ok(store.insert_unless_name_taken(&row)?)
}

/// The insert did nothing and the lookup finds nothing: the name belongs to a row the lookup does
/// not match. Name it, or start over if it has gone meanwhile.
fn name_conflict<S: Store>(store: &mut S, values: &ProfileValues) -> Result<Error, Error> {
    let (first_name, last_name) = name_of(values);
    Ok(match store.find_by_name(first_name, last_name)? {
        Some(existing) => Error::Conflict {
            attempt: format!("creating {}", describe_new(values)),
            existing: Box::new(existing),
        },
        None => Error::RaceLost,
    })
}

pub(crate) fn describe_new(values: &ProfileValues) -> String {
    let (first_name, last_name) = name_of(values);
    format!(
        "{first_name} {last_name} ({}, {})",
        values.gender.as_deref().unwrap_or_default(),
        values.age.unwrap_or_default()
    )
}
