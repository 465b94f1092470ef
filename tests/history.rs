//! The change journal, delete and undo (docs/semantics.md, "History and undo"), on every backend:
//! every change journaled with its old and new values, its source and who made it; undo applies
//! only if what the change set still holds, and is itself undoable; races never lose an update.

mod common;

use common::race::race_on;
use common::{TestDb, goc, uoc};
use profile_console::Error;
use profile_console::domain::{Lookup, Outcome, Profile};
use profile_console::repository::{ChangeAction, HistoryQuery, Repository};

fn person(repo: &mut Repository, first: &str, last: &str, age: &str) -> Profile {
    repo.get_or_create(&goc(
        &[("first_name", first), ("last_name", last)],
        &[("gender", "F"), ("age", age)],
    ))
    .unwrap()
    .0
}

fn set_age(repo: &mut Repository, id: i64, age: &str) -> Profile {
    let id = id.to_string();
    repo.update_or_create(&uoc(&[("id", &id)], &[("age", age)], None))
        .unwrap()
        .0
}

fn history_of(repo: &mut Repository, id: i64) -> Vec<profile_console::repository::JournalEntry> {
    repo.history(&HistoryQuery {
        profile_id: Some(id),
        limit: 100,
        ..HistoryQuery::default()
    })
    .unwrap()
}

fn latest_change(repo: &mut Repository, id: i64) -> i64 {
    history_of(repo, id)[0].id
}

fn row(repo: &mut Repository, id: i64) -> Option<Profile> {
    repo.find(&Lookup::by_id(id), 1).unwrap().pop()
}

fn every_change_is_journaled_with_its_values_source_and_user(db: &TestDb) {
    let mut repo = db.repo();
    let bea = person(&mut repo, "Bea", "Lind", "31");
    set_age(&mut repo, bea.id, "32");
    repo.delete(bea.id).unwrap();
    let entries = history_of(&mut repo, bea.id);
    let actions: Vec<ChangeAction> = entries.iter().map(|c| c.action).collect();
    assert_eq!(
        actions,
        [
            ChangeAction::Deleted,
            ChangeAction::Updated,
            ChangeAction::Created
        ]
    );
    let update = &entries[1];
    assert_eq!(update.old.as_ref().unwrap().age, 31);
    assert_eq!(update.new.as_ref().unwrap().age, 32);
    assert_eq!(
        update.describe(),
        format!("updated #{}: age 31 → 32", bea.id)
    );
    assert!(entries.iter().all(|c| c.source == "cli"), "{entries:#?}");
    assert!(entries.iter().all(|c| c.session.is_some()));
    // Another client's changes are journaled too, as "other".
    db.execute_as_other_client(
        "INSERT INTO profiles (first_name, last_name, gender, age, created_at, updated_at) \
         VALUES ('Oli', 'Other', 'M', 40, '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
    )
    .unwrap();
    db.execute_as_other_client("UPDATE profiles SET age = 41 WHERE first_name = 'Oli'")
        .unwrap();
    let oli = repo
        .find(&Lookup::by_id(bea.id + 1), 1)
        .unwrap()
        .pop()
        .unwrap();
    let entries = history_of(&mut repo, oli.id);
    assert_eq!(entries.len(), 2);
    assert!(
        entries
            .iter()
            .all(|c| c.source == "other" && c.session.is_none())
    );
    assert_eq!(entries[0].new.as_ref().unwrap().age, 41);
}

fn undo_of_a_create_deletes_the_row_only_if_unchanged(db: &TestDb) {
    let mut repo = db.repo();
    let bea = person(&mut repo, "Bea", "Lind", "31");
    let created = latest_change(&mut repo, bea.id);
    set_age(&mut repo, bea.id, "32");
    let moved_on = latest_change(&mut repo, bea.id);
    let err = repo.undo(created).unwrap_err();
    assert!(matches!(err, Error::UndoRefused(_)));
    assert_eq!(
        err.to_string(),
        format!(
            "change #{created} cannot be undone: age is now 32 by change #{moved_on}, not 31 as \
             change #{created} left it; nothing was written"
        )
    );
    assert_eq!(row(&mut repo, bea.id).unwrap().age, 32);
    // Put back as it was, the create can be undone.
    set_age(&mut repo, bea.id, "31");
    let undone = repo.undo(created).unwrap();
    assert_eq!(
        (undone.action, undone.profile),
        (ChangeAction::Reverted, None)
    );
    assert_eq!(row(&mut repo, bea.id), None);
    let last = &history_of(&mut repo, bea.id)[0];
    assert_eq!(
        (last.action, last.reverts),
        (ChangeAction::Reverted, Some(created))
    );
}

fn undo_of_an_update_restores_the_old_values_unless_moved_on(db: &TestDb) {
    let mut repo = db.repo();
    let bea = person(&mut repo, "Bea", "Lind", "31");
    let id = bea.id.to_string();
    repo.update_or_create(&uoc(
        &[("id", &id)],
        &[("last_name", "Linx"), ("age", "40")],
        None,
    ))
    .unwrap();
    let update = latest_change(&mut repo, bea.id);
    let undone = repo.undo(update).unwrap();
    let back = undone.profile.unwrap();
    assert_eq!((back.last_name.as_str(), back.age), ("Lind", 31));
    // The undo is a change too, and can be undone: the update is back.
    let undo_change = latest_change(&mut repo, bea.id);
    let redone = repo.undo(undo_change).unwrap().profile.unwrap();
    assert_eq!((redone.last_name.as_str(), redone.age), ("Linx", 40));
    // Moved on by someone else: refused, naming the field, its value and the change.
    let redo_change = latest_change(&mut repo, bea.id);
    db.execute_as_other_client(&format!(
        "UPDATE profiles SET age = 50 WHERE id = {}",
        bea.id
    ))
    .unwrap();
    let by_other = latest_change(&mut repo, bea.id);
    let err = repo.undo(redo_change).unwrap_err().to_string();
    assert!(
        err.contains(&format!("age is now 50 by change #{by_other}, not 40")),
        "{err}"
    );
    assert_eq!(row(&mut repo, bea.id).unwrap().age, 50);
}

fn undo_of_a_delete_puts_the_row_back_with_its_id_and_timestamps(db: &TestDb) {
    let mut repo = db.repo();
    let bea = person(&mut repo, "Bea", "Lind", "31");
    repo.delete(bea.id).unwrap();
    let deleted = latest_change(&mut repo, bea.id);
    let undone = repo.undo(deleted).unwrap();
    assert_eq!(undone.action, ChangeAction::Restored);
    assert_eq!(row(&mut repo, bea.id), Some(bea.clone()));
    // Twice: the row is back already.
    let err = repo.undo(deleted).unwrap_err().to_string();
    assert!(err.contains("is back already"), "{err}");
    // Deleted again, and the name taken meanwhile: refused, naming the other row.
    repo.delete(bea.id).unwrap();
    let deleted = latest_change(&mut repo, bea.id);
    let other = person(&mut repo, "Bea", "Lind", "77");
    let err = repo.undo(deleted).unwrap_err().to_string();
    assert!(
        err.contains(&format!("now belongs to #{} Bea Lind (F, 77)", other.id)),
        "{err}"
    );
    assert_eq!(row(&mut repo, bea.id), None);
}

fn delete_takes_exactly_one_match(db: &TestDb) {
    let mut repo = db.repo();
    person(&mut repo, "Ana", "Saha", "30");
    person(&mut repo, "Bo", "Saha", "30");
    let saha = common::goc(&[("last_name", "Saha")], &[]).lookup;
    let err = repo.delete_matching(&saha).unwrap_err();
    assert!(
        matches!(err, Error::MultipleMatches { count: 2, .. }),
        "{err}"
    );
    assert_eq!(err.exit_code(), 3);
    let ana = common::goc(&[("first_name", "Ana"), ("last_name", "Saha")], &[]).lookup;
    assert_eq!(repo.delete_matching(&ana).unwrap().first_name, "Ana");
    let err = repo.delete_matching(&ana).unwrap_err();
    assert!(matches!(err, Error::NoMatch(_)), "{err}");
}

fn undo_latest_own_takes_back_this_sessions_changes_newest_first(db: &TestDb) {
    let mut mine = db.repo();
    let mut theirs = db.repo();
    let bea = person(&mut mine, "Bea", "Lind", "31");
    set_age(&mut mine, bea.id, "32");
    let cy = person(&mut theirs, "Cy", "Other", "20");
    let first = mine.undo_latest_own().unwrap().unwrap();
    assert_eq!(first.profile.unwrap().age, 31);
    let second = mine.undo_latest_own().unwrap().unwrap();
    assert_eq!((second.profile, second.profile_id), (None, bea.id));
    assert_eq!(mine.undo_latest_own().unwrap(), None);
    assert!(
        row(&mut mine, cy.id).is_some(),
        "another session's change stays"
    );
}

/// An undo racing an update of the same row: whichever goes first, the update is never lost.
fn an_undo_racing_an_update_never_loses_it(db: &TestDb) {
    let mut setup = db.repo();
    let mut repos = vec![db.repo(), db.repo()];
    for round in 0..12 {
        let bea = person(&mut setup, "Bea", &format!("Lind{round}"), "31");
        set_age(&mut setup, bea.id, "32");
        let change = latest_change(&mut setup, bea.id);
        let results = race_on(&mut repos, |repo, thread| {
            if thread == 0 {
                repo.undo(change).map(|_| ())
            } else {
                let id = bea.id.to_string();
                repo.update_or_create(&uoc(&[("id", &id)], &[("age", "99")], None))
                    .map(|_| ())
            }
        });
        assert!(results[1].is_ok(), "{:?}", results[1]);
        assert!(
            matches!(&results[0], Ok(()) | Err(Error::UndoRefused(_))),
            "{:?}",
            results[0]
        );
        assert_eq!(row(&mut setup, bea.id).unwrap().age, 99, "round {round}");
    }
}

/// An undo of a delete racing a create of the same name: one row with the name, either way.
fn an_undo_of_a_delete_racing_a_create_of_the_name_makes_one_row(db: &TestDb) {
    let mut setup = db.repo();
    let mut repos = vec![db.repo(), db.repo()];
    for round in 0..12 {
        let last = format!("Lind{round}");
        let bea = person(&mut setup, "Bea", &last, "31");
        setup.delete(bea.id).unwrap();
        let deleted = latest_change(&mut setup, bea.id);
        let results = race_on(&mut repos, |repo, thread| {
            if thread == 0 {
                repo.undo(deleted).map(|_| None)
            } else {
                repo.get_or_create(&goc(
                    &[("first_name", "Bea"), ("last_name", &last)],
                    &[("gender", "M"), ("age", "5")],
                ))
                .map(Some)
            }
        });
        let (created, outcome) = results[1].as_ref().unwrap().clone().unwrap();
        match &results[0] {
            Ok(_) => assert_eq!((created.id, outcome), (bea.id, Outcome::Fetched)),
            Err(Error::UndoRefused(_)) => assert_eq!(outcome, Outcome::Created),
            Err(other) => panic!("{other}"),
        }
        let name = goc(&[("first_name", "Bea"), ("last_name", &last)], &[]).lookup;
        assert_eq!(setup.count_lookup(&name).unwrap(), 1);
    }
}

/// Sixteen connections racing get_or_create: the journal holds exactly one "created" entry for
/// the row, and it matches the row.
fn racing_creators_journal_exactly_one_create(db: &TestDb) {
    let mut repos: Vec<Repository> = (0..16).map(|_| db.repo()).collect();
    for round in 0..4 {
        let last = format!("Race{round}");
        let results = race_on(&mut repos, |repo, _| {
            repo.get_or_create(&goc(
                &[("first_name", "Ada"), ("last_name", &last)],
                &[("gender", "F"), ("age", "30")],
            ))
        });
        let row = results[0].as_ref().unwrap().0.clone();
        let entries = history_of(&mut repos[0], row.id);
        assert_eq!(entries.len(), 1, "{entries:#?}");
        assert_eq!(entries[0].action, ChangeAction::Created);
        assert_eq!(entries[0].new.as_ref().unwrap().profile(row.id), row);
    }
}

/// A watcher that reads a burst (another client's seed) one page at a time is told of it whole:
/// the first look gives a page and the newest entry past it, the next finds nothing left over.
fn a_watcher_is_told_of_a_burst_larger_than_one_look(db: &TestDb) {
    let mut watcher = db.repo();
    let (none, start) = watcher.watch_changes(None, 500).unwrap();
    assert!(none.is_empty());
    db.repo().seed(1_200, |_| {}).unwrap();
    let (page, newest) = watcher.watch_changes(Some(start), 500).unwrap();
    assert_eq!(page.len(), 500);
    assert_eq!(newest, watcher.last_change_id().unwrap());
    assert!(newest > page.last().unwrap().id);
    let (rest, after) = watcher.watch_changes(Some(newest), 500).unwrap();
    assert!(rest.is_empty(), "{} entries read twice", rest.len());
    assert_eq!(after, newest);
}

on_every_backend!(
    a_watcher_is_told_of_a_burst_larger_than_one_look,
    every_change_is_journaled_with_its_values_source_and_user,
    undo_of_a_create_deletes_the_row_only_if_unchanged,
    undo_of_an_update_restores_the_old_values_unless_moved_on,
    undo_of_a_delete_puts_the_row_back_with_its_id_and_timestamps,
    delete_takes_exactly_one_match,
    undo_latest_own_takes_back_this_sessions_changes_newest_first,
    an_undo_racing_an_update_never_loses_it,
    an_undo_of_a_delete_racing_a_create_of_the_name_makes_one_row,
    racing_creators_journal_exactly_one_create,
);
