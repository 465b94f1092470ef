//! Undo, written once over [`Store`]: the rules are `docs/semantics.md`, "History and undo".
//!
//! An undo reads the change (journal entries never change), then in one write transaction locks
//! the row and applies only if every field the change set still holds the value it set. Its own
//! change is journaled like any other (as `reverted` or `restored`, naming the change it undid), so
//! it can be undone in turn.

use crate::domain::{Field, Lookup, Profile, ProfileValues, now_utc};
use crate::error::Error;

use super::faults::Faults;
use super::journal::{ChangeAction, ChangeContext, JournalEntry, RowState, VALUE_FIELDS};
use super::operations::{only_match, write_transaction};
use super::store::Store;

/// What an undo did.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Undone {
    /// The change undone.
    pub change: i64,
    pub action: ChangeAction,
    /// The row as the undo left it: gone (`None`) after undoing a create.
    pub profile: Option<Profile>,
    pub profile_id: i64,
}

/// Undoes journal entry `id`.
pub(crate) fn undo<S: Store>(
    store: &mut S,
    id: i64,
    faults: Faults,
    ctx: &ChangeContext,
) -> Result<Undone, Error> {
    let change = store.change(id)?.ok_or(Error::NoSuchChange(id))?;
    match (&change.old, &change.new) {
        (None, Some(set)) => {
            let ctx = ctx.undoing(ChangeAction::Reverted, id);
            write_transaction(store, faults, &ctx, |tx| {
                let row = locked_row(tx, &change)?;
                still_as_left(tx, &change, &row, set, &VALUE_FIELDS)?;
                tx.delete(row.id)?;
                Ok(Undone {
                    change: id,
                    action: ChangeAction::Reverted,
                    profile: None,
                    profile_id: row.id,
                })
            })
        }
        (Some(before), Some(set)) => {
            let fields = change.changed_fields();
            let ctx = ctx.undoing(ChangeAction::Reverted, id);
            write_transaction(store, faults, &ctx, |tx| {
                let row = locked_row(tx, &change)?;
                still_as_left(tx, &change, &row, set, &fields)?;
                let back = values_of(before, &fields);
                let name_back =
                    fields.contains(&Field::FirstName) || fields.contains(&Field::LastName);
                if name_back
                    && let Some(other) = tx
                        .find_by_name(&before.first_name, &before.last_name)?
                        .filter(|other| other.id != row.id)
                {
                    return Err(Error::UndoRefused(format!(
                        "change #{id} cannot be undone: its old name {} {} now belongs to {}; \
                         nothing was written",
                        before.first_name,
                        before.last_name,
                        other.summary()
                    )));
                }
                let updated = tx.update(row.id, &back, now_utc())?;
                Ok(Undone {
                    change: id,
                    action: ChangeAction::Reverted,
                    profile: Some(updated),
                    profile_id: row.id,
                })
            })
        }
        (Some(before), None) => {
            let ctx = ctx.undoing(ChangeAction::Restored, id);
            let row = before.profile(change.profile_id);
            write_transaction(store, faults, &ctx, |tx| {
                if let Some(present) = tx.find_locked(&Lookup::by_id(row.id), 1)?.pop() {
                    return Err(Error::UndoRefused(format!(
                        "change #{id} cannot be undone: profile #{} is back already ({}); \
                         nothing was written",
                        row.id,
                        present.summary()
                    )));
                }
                if let Some(other) = tx.find_by_name(&row.first_name, &row.last_name)? {
                    return Err(Error::UndoRefused(format!(
                        "change #{id} cannot be undone: the name {} {} now belongs to {}; \
                         nothing was written",
                        row.first_name,
                        row.last_name,
                        other.summary()
                    )));
                }
                match tx.restore(&row) {
                    // The name (or id) was taken after the check: start over, and the check
                    // names the row that took it.
                    Err(diesel::result::Error::DatabaseError(
                        diesel::result::DatabaseErrorKind::UniqueViolation,
                        _,
                    )) => return Err(Error::RaceLost),
                    done => done?,
                }
                Ok(Undone {
                    change: id,
                    action: ChangeAction::Restored,
                    profile: Some(row.clone()),
                    profile_id: row.id,
                })
            })
        }
        (None, None) => Err(Error::NoSuchChange(id)),
    }
}

/// The changed row, locked until the transaction ends; refused if it is gone.
fn locked_row<S: Store>(tx: &mut S, change: &JournalEntry) -> Result<Profile, Error> {
    if let Some(row) = tx.find_locked(&Lookup::by_id(change.profile_id), 1)?.pop() {
        return Ok(row);
    }
    let gone_by = tx
        .changes_of_after(change.profile_id, change.id)?
        .into_iter()
        .rev()
        .find(|later| later.new.is_none())
        .map(|later| format!(" (deleted by change #{})", later.id))
        .unwrap_or_default();
    Err(Error::UndoRefused(format!(
        "change #{} cannot be undone: profile #{} no longer exists{gone_by}; nothing was written",
        change.id, change.profile_id
    )))
}

/// Refuses unless every one of `fields` still holds the value `change` left it with, naming the
/// first that does not, its value now, and the change that set it.
fn still_as_left<S: Store>(
    tx: &mut S,
    change: &JournalEntry,
    row: &Profile,
    left: &RowState,
    fields: &[Field],
) -> Result<(), Error> {
    let Some(field) = fields
        .iter()
        .copied()
        .find(|field| row.value(*field) != left.value(*field))
    else {
        return Ok(());
    };
    let moved_by = tx
        .changes_of_after(change.profile_id, change.id)?
        .into_iter()
        .rev()
        .find(|later| later.changed_fields().contains(&field))
        .map(|later| format!(" by change #{}", later.id))
        .unwrap_or_default();
    Err(Error::UndoRefused(format!(
        "change #{} cannot be undone: {field} is now {}{moved_by}, not {} as change #{} left it; \
         nothing was written",
        change.id,
        row.value(field),
        left.value(field),
        change.id
    )))
}

/// `fields` of `state`, as the values to write back.
fn values_of(state: &RowState, fields: &[Field]) -> ProfileValues {
    let take = |field: Field| fields.contains(&field);
    ProfileValues {
        first_name: take(Field::FirstName).then(|| state.first_name.clone()),
        last_name: take(Field::LastName).then(|| state.last_name.clone()),
        gender: take(Field::Gender).then(|| state.gender.clone()),
        age: take(Field::Age).then_some(state.age),
    }
}

/// Deletes the one profile `lookup` matches: none is an error, several are refused (nothing is
/// deleted).
pub(crate) fn delete_matching<S: Store>(
    store: &mut S,
    lookup: &Lookup,
    faults: Faults,
    ctx: &ChangeContext,
) -> Result<Profile, Error> {
    write_transaction(store, faults, ctx, |tx| {
        let Some(row) = only_match(tx, lookup, |tx| tx.find_locked(lookup, 2))? else {
            return Err(Error::NoMatch(lookup.describe()));
        };
        tx.delete(row.id)?;
        Ok(row)
    })
}
