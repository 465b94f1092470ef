//! The contract (docs/semantics.md), rule by rule and example by example, on every backend.

mod common;

use common::{TestDb, goc, uoc};
use profile_console::Error;
use profile_console::domain::{Change, Field, Lookup, Outcome, ProfileFilter, Value};

fn argo() -> [(&'static str, &'static str); 2] {
    [("first_name", "Argo"), ("last_name", "Saha")]
}

fn count_all(repo: &mut profile_console::repository::Repository) -> i64 {
    repo.count(&ProfileFilter::default()).expect("count")
}

// Examples table, row 1.
fn get_or_create_creates_from_lookup_and_defaults(db: &TestDb) {
    let mut repo = db.repo();
    let (profile, outcome) = repo
        .get_or_create(&goc(&argo(), &[("gender", "M"), ("age", "10")]))
        .unwrap();
    assert_eq!(outcome, Outcome::Created);
    assert_eq!(
        (
            profile.first_name.as_str(),
            profile.last_name.as_str(),
            profile.gender.as_str(),
            profile.age
        ),
        ("Argo", "Saha", "M", 10)
    );
    assert_eq!(profile.created_at, profile.updated_at);
}

// Examples table, row 2.
fn get_or_create_fetches_existing_and_ignores_defaults(db: &TestDb) {
    let mut repo = db.repo();
    let (created, _) = repo
        .get_or_create(&goc(&argo(), &[("gender", "M"), ("age", "10")]))
        .unwrap();
    let (fetched, outcome) = repo
        .get_or_create(&goc(&argo(), &[("gender", "F"), ("age", "99")]))
        .unwrap();
    assert_eq!(outcome, Outcome::Fetched);
    assert_eq!(fetched, created);
    assert_eq!(count_all(&mut repo), 1);
}

// Examples table, row 3.
fn update_or_create_updates_changed_fields_and_reports_them(db: &TestDb) {
    let mut repo = db.repo();
    let (created, _) = repo
        .get_or_create(&goc(&argo(), &[("gender", "M"), ("age", "10")]))
        .unwrap();
    let (updated, outcome) = repo
        .update_or_create(&uoc(&argo(), &[("age", "11")], None))
        .unwrap();
    assert_eq!(
        outcome,
        Outcome::Updated(vec![Change {
            field: Field::Age,
            old: Value::Int(10),
            new: Value::Int(11)
        }])
    );
    assert_eq!(
        (updated.id, updated.age, updated.gender.as_str()),
        (created.id, 11, "M")
    );
    assert!(updated.updated_at >= created.updated_at);
    assert_eq!(updated.created_at, created.created_at);
}

// Examples table, row 4.
fn update_or_create_with_equal_values_is_unchanged_and_writes_nothing(db: &TestDb) {
    let mut repo = db.repo();
    repo.get_or_create(&goc(&argo(), &[("gender", "M"), ("age", "11")]))
        .unwrap();
    let (before, _) = repo
        .update_or_create(&uoc(&argo(), &[("age", "11")], None))
        .unwrap();
    let (after, outcome) = repo
        .update_or_create(&uoc(&argo(), &[("age", "11"), ("gender", "M")], None))
        .unwrap();
    assert_eq!(outcome, Outcome::Unchanged);
    assert_eq!(
        after, before,
        "updated_at must not move when nothing changed"
    );
}

// Examples table, row 5; rule 2.
fn update_or_create_creates_with_create_defaults_not_defaults(db: &TestDb) {
    let mut repo = db.repo();
    let request = uoc(
        &argo(),
        &[("age", "30")],
        Some(&[("gender", "F"), ("age", "20")]),
    );
    let (created, outcome) = repo.update_or_create(&request).unwrap();
    assert_eq!(outcome, Outcome::Created);
    assert_eq!((created.gender.as_str(), created.age), ("F", 20));
}

fn update_or_create_creates_with_defaults_when_no_create_defaults(db: &TestDb) {
    let mut repo = db.repo();
    let (created, outcome) = repo
        .update_or_create(&uoc(&argo(), &[("gender", "X"), ("age", "5")], None))
        .unwrap();
    assert_eq!(outcome, Outcome::Created);
    assert_eq!((created.gender.as_str(), created.age), ("X", 5));
}

fn update_or_create_with_empty_create_defaults_uses_only_the_lookup(db: &TestDb) {
    let mut repo = db.repo();
    let lookup = [
        ("first_name", "Argo"),
        ("last_name", "Saha"),
        ("gender", "M"),
        ("age", "3"),
    ];
    let (created, outcome) = repo
        .update_or_create(&uoc(&lookup, &[], Some(&[])))
        .unwrap();
    assert_eq!(outcome, Outcome::Created);
    assert_eq!(created.age, 3);
    // Given but empty, create_defaults still replaces defaults: a missing field is an error.
    let err = repo
        .update_or_create(&uoc(
            &[("first_name", "Bo"), ("last_name", "Li")],
            &[("gender", "M"), ("age", "1")],
            Some(&[]),
        ))
        .unwrap_err();
    assert!(
        matches!(err, Error::MissingForCreate(ref fields) if fields == &[Field::Gender, Field::Age]),
        "{err}"
    );
}

// Examples table, row 6; get_or_create step 2.
fn get_or_create_fails_when_several_match_and_creates_nothing(db: &TestDb) {
    let mut repo = db.repo();
    repo.get_or_create(&goc(
        &[("first_name", "A"), ("last_name", "One")],
        &[("gender", "M"), ("age", "10")],
    ))
    .unwrap();
    repo.get_or_create(&goc(
        &[("first_name", "B"), ("last_name", "Two")],
        &[("gender", "M"), ("age", "10")],
    ))
    .unwrap();
    let err = repo
        .get_or_create(&goc(
            &[("gender", "M"), ("age", "10")],
            &[("first_name", "C"), ("last_name", "Three")],
        ))
        .unwrap_err();
    match &err {
        Error::MultipleMatches {
            count, first_ids, ..
        } => {
            assert_eq!(*count, 2);
            assert_eq!(first_ids.len(), 2);
        }
        other => panic!("expected MultipleMatches, got {other}"),
    }
    assert!(err.to_string().starts_with("2 profiles match"), "{err}");
    assert_eq!(err.exit_code(), 3);
    assert_eq!(count_all(&mut repo), 2);
}

// update_or_create step 6.
fn update_or_create_fails_when_several_match_and_changes_nothing(db: &TestDb) {
    let mut repo = db.repo();
    let (a, _) = repo
        .get_or_create(&goc(
            &[("first_name", "A"), ("last_name", "One")],
            &[("gender", "M"), ("age", "10")],
        ))
        .unwrap();
    repo.get_or_create(&goc(
        &[("first_name", "B"), ("last_name", "Two")],
        &[("gender", "M"), ("age", "10")],
    ))
    .unwrap();
    let err = repo
        .update_or_create(&uoc(&[("gender", "M")], &[("age", "50")], None))
        .unwrap_err();
    assert!(
        matches!(err, Error::MultipleMatches { count: 2, .. }),
        "{err}"
    );
    let (still, _) = repo
        .get_or_create(&goc(&[("id", &a.id.to_string())], &[]))
        .unwrap();
    assert_eq!(still.age, 10);
}

// Examples table, row 7; validation rule 4.
fn get_or_create_names_the_missing_fields(db: &TestDb) {
    let mut repo = db.repo();
    let err = repo.get_or_create(&goc(&argo(), &[])).unwrap_err();
    assert!(
        matches!(err, Error::MissingForCreate(ref f) if f == &[Field::Gender, Field::Age]),
        "{err}"
    );
    assert!(
        err.to_string().contains("gender and age have no value"),
        "{err}"
    );
    assert_eq!(err.exit_code(), 2);
    assert_eq!(count_all(&mut repo), 0);
}

// Examples table, row 8; get_or_create step 4 (conflict outside the lookup).
fn get_or_create_conflict_on_other_fields_names_the_existing_row(db: &TestDb) {
    let mut repo = db.repo();
    let (existing, _) = repo
        .get_or_create(&goc(&argo(), &[("gender", "M"), ("age", "10")]))
        .unwrap();
    let err = repo
        .get_or_create(&goc(
            &[("gender", "F"), ("age", "1")],
            &[("first_name", "Argo"), ("last_name", "Saha")],
        ))
        .unwrap_err();
    assert!(
        matches!(&err, Error::Conflict { existing: row, .. } if row.id == existing.id),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains(&format!("conflicts with #{}", existing.id)),
        "{err}"
    );
    assert!(err.to_string().contains("(first_name, last_name)"), "{err}");
    assert!(
        err.to_string()
            .starts_with("creating Argo Saha (F, 1) conflicts"),
        "names the attempt: {err}"
    );
    assert_eq!(count_all(&mut repo), 1);
}

// A covered lookup that misses on an extra field collides with the name's owner.
fn get_or_create_covered_lookup_with_extra_field_reports_conflict(db: &TestDb) {
    let mut repo = db.repo();
    repo.get_or_create(&goc(&argo(), &[("gender", "M"), ("age", "10")]))
        .unwrap();
    let lookup = [("first_name", "Argo"), ("last_name", "Saha"), ("age", "11")];
    let err = repo
        .get_or_create(&goc(&lookup, &[("gender", "M")]))
        .unwrap_err();
    assert!(matches!(err, Error::Conflict { .. }), "{err}");
    let err = repo
        .update_or_create(&uoc(&lookup, &[("gender", "F")], None))
        .unwrap_err();
    assert!(matches!(err, Error::Conflict { .. }), "{err}");
    assert_eq!(count_all(&mut repo), 1);
}

// Examples table, row 9; validation rule 5.
fn a_miss_on_an_id_lookup_is_an_error_not_an_insert(db: &TestDb) {
    let mut repo = db.repo();
    repo.get_or_create(&goc(&argo(), &[("gender", "M"), ("age", "10")]))
        .unwrap();
    let err = repo.get_or_create(&goc(&[("id", "5")], &[])).unwrap_err();
    assert_eq!(err.to_string(), "no profile #5");
    let err = repo
        .update_or_create(&uoc(&[("id", "5")], &[("age", "3")], None))
        .unwrap_err();
    assert_eq!(err.to_string(), "no profile #5");
    let err = repo
        .get_or_create(&goc(
            &[("id", "5"), ("first_name", "Z"), ("last_name", "Z")],
            &[("gender", "M"), ("age", "1")],
        ))
        .unwrap_err();
    assert_eq!(err.to_string(), "no profile #5");
    assert_eq!(count_all(&mut repo), 1);
}

fn an_id_lookup_finds_and_updates_the_row(db: &TestDb) {
    let mut repo = db.repo();
    let (created, _) = repo
        .get_or_create(&goc(&argo(), &[("gender", "M"), ("age", "10")]))
        .unwrap();
    let id = created.id.to_string();
    let (found, outcome) = repo.get_or_create(&goc(&[("id", &id)], &[])).unwrap();
    assert_eq!((found.id, outcome), (created.id, Outcome::Fetched));
    let (updated, outcome) = repo
        .update_or_create(&uoc(&[("id", &id)], &[("first_name", "Arga")], None))
        .unwrap();
    assert_eq!(updated.first_name, "Arga");
    assert_eq!(outcome.changes().len(), 1);
}

// update_or_create step 3: only the named columns are written.
fn update_or_create_writes_only_named_columns(db: &TestDb) {
    let mut repo = db.repo();
    repo.get_or_create(&goc(&argo(), &[("gender", "M"), ("age", "10")]))
        .unwrap();
    let (updated, outcome) = repo
        .update_or_create(&uoc(&argo(), &[("gender", "F"), ("age", "10")], None))
        .unwrap();
    assert_eq!(
        outcome.changes(),
        &[Change {
            field: Field::Gender,
            old: Value::Text("M".into()),
            new: Value::Text("F".into())
        }]
    );
    assert_eq!((updated.gender.as_str(), updated.age), ("F", 10));
}

// update_or_create step 7.
fn update_onto_another_profiles_name_fails_naming_both_rows(db: &TestDb) {
    let mut repo = db.repo();
    let (argo, _) = repo
        .get_or_create(&goc(&argo(), &[("gender", "M"), ("age", "10")]))
        .unwrap();
    let (bo, _) = repo
        .get_or_create(&goc(
            &[("first_name", "Bo"), ("last_name", "Saha")],
            &[("gender", "F"), ("age", "20")],
        ))
        .unwrap();
    let bo_id = bo.id.to_string();
    let err = repo
        .update_or_create(&uoc(
            &[("id", &bo_id)],
            &[("first_name", "Argo"), ("age", "21")],
            None,
        ))
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains(&format!("#{}", argo.id)) && text.contains(&format!("#{}", bo.id)),
        "{text}"
    );
    let (bo_after, _) = repo
        .get_or_create(&goc(&[("id", &bo.id.to_string())], &[]))
        .unwrap();
    assert_eq!(bo_after, bo, "nothing changes");
}

// Lookup terms: an empty lookup matches every row.
fn an_empty_lookup_matches_every_row(db: &TestDb) {
    let mut repo = db.repo();
    let err = repo
        .get_or_create(&goc(&[], &[("first_name", "A"), ("last_name", "B")]))
        .unwrap_err();
    assert!(matches!(err, Error::MissingForCreate(_)), "{err}");
    let (only, outcome) = repo
        .get_or_create(&goc(
            &[],
            &[
                ("first_name", "A"),
                ("last_name", "B"),
                ("gender", "M"),
                ("age", "1"),
            ],
        ))
        .unwrap();
    assert_eq!(outcome, Outcome::Created);
    let (again, outcome) = repo.get_or_create(&goc(&[], &[])).unwrap();
    assert_eq!((again.id, outcome), (only.id, Outcome::Fetched));
    repo.get_or_create(&goc(
        &[("first_name", "C"), ("last_name", "D")],
        &[("gender", "M"), ("age", "1")],
    ))
    .unwrap();
    assert!(matches!(
        repo.get_or_create(&goc(&[], &[])),
        Err(Error::MultipleMatches { count: 2, .. })
    ));
}

// get_or_create step 5, single-threaded: an uncovered lookup creates once, then fetches.
fn uncovered_lookup_creates_then_fetches(db: &TestDb) {
    let mut repo = db.repo();
    let request = goc(
        &[("gender", "Q"), ("age", "77")],
        &[("first_name", "Una"), ("last_name", "Covered")],
    );
    let (created, outcome) = repo.get_or_create(&request).unwrap();
    assert_eq!(outcome, Outcome::Created);
    let (fetched, outcome) = repo.get_or_create(&request).unwrap();
    assert_eq!((fetched.id, outcome), (created.id, Outcome::Fetched));
    let (updated, outcome) = repo
        .update_or_create(&uoc(
            &[("gender", "Q"), ("age", "77")],
            &[("last_name", "Changed")],
            None,
        ))
        .unwrap();
    assert_eq!(
        (updated.id, updated.last_name.as_str()),
        (created.id, "Changed")
    );
    assert_eq!(outcome.name(), "updated");
}

// Text is stored verbatim and bound as parameters.
fn sql_metacharacters_and_unicode_are_stored_verbatim(db: &TestDb) {
    let mut repo = db.repo();
    for (first, last) in [
        ("R'); DROP TABLE profiles;--", "100% _x_"),
        ("Zoë", "O'Brien \"Q\""),
        ("🦀🦀", "Ñandú\\%"),
    ] {
        let (created, outcome) = repo
            .get_or_create(&goc(
                &[("first_name", first), ("last_name", last)],
                &[("gender", "é"), ("age", "0")],
            ))
            .unwrap();
        assert_eq!(outcome, Outcome::Created);
        assert_eq!(
            (created.first_name.as_str(), created.last_name.as_str()),
            (first, last)
        );
        let (fetched, outcome) = repo
            .get_or_create(&goc(&[("first_name", first), ("last_name", last)], &[]))
            .unwrap();
        assert_eq!((fetched.id, outcome), (created.id, Outcome::Fetched));
    }
    assert_eq!(count_all(&mut repo), 3);
}

fn names_are_trimmed_before_lookup_and_storage(db: &TestDb) {
    let mut repo = db.repo();
    let (created, _) = repo
        .get_or_create(&goc(
            &[("first_name", "  Argo "), ("last_name", "\tSaha")],
            &[("gender", " M "), ("age", " 10 ")],
        ))
        .unwrap();
    assert_eq!(
        (
            created.first_name.as_str(),
            created.last_name.as_str(),
            created.gender.as_str()
        ),
        ("Argo", "Saha", "M")
    );
    let (_, outcome) = repo.get_or_create(&goc(&argo(), &[])).unwrap();
    assert_eq!(outcome, Outcome::Fetched);
}

fn thirty_characters_are_counted_as_characters(db: &TestDb) {
    let mut repo = db.repo();
    let thirty = "é".repeat(30);
    let emoji = "😀".repeat(30);
    let (created, _) = repo
        .get_or_create(&goc(
            &[("first_name", &thirty), ("last_name", &emoji)],
            &[("gender", "😀"), ("age", "150")],
        ))
        .unwrap();
    assert_eq!(created.first_name.chars().count(), 30);
    assert_eq!(created.last_name, emoji);
}

// The found path of get_or_create is one statement; update_or_create uses one transaction.
fn the_found_path_runs_one_statement(db: &TestDb) {
    let mut repo = db.repo();
    repo.get_or_create(&goc(&argo(), &[("gender", "M"), ("age", "10")]))
        .unwrap();
    let log = profile_console::repository::StatementLog::default();
    repo.record_statements(log.clone());
    repo.get_or_create(&goc(&argo(), &[])).unwrap();
    let statements = log.take();
    assert_eq!(statements.len(), 1, "{statements:#?}");
}

fn delete_removes_the_row_and_reports_it(db: &TestDb) {
    let mut repo = db.repo();
    let (created, _) = repo
        .get_or_create(&goc(&argo(), &[("gender", "M"), ("age", "10")]))
        .unwrap();
    assert_eq!(repo.delete(created.id).unwrap(), Some(created.clone()));
    assert_eq!(repo.delete(created.id).unwrap(), None);
    let lookup: Lookup = goc(&argo(), &[]).lookup;
    assert_eq!(repo.count_lookup(&lookup).unwrap(), 0);
}

on_every_backend!(
    get_or_create_creates_from_lookup_and_defaults,
    get_or_create_fetches_existing_and_ignores_defaults,
    update_or_create_updates_changed_fields_and_reports_them,
    update_or_create_with_equal_values_is_unchanged_and_writes_nothing,
    update_or_create_creates_with_create_defaults_not_defaults,
    update_or_create_creates_with_defaults_when_no_create_defaults,
    update_or_create_with_empty_create_defaults_uses_only_the_lookup,
    get_or_create_fails_when_several_match_and_creates_nothing,
    update_or_create_fails_when_several_match_and_changes_nothing,
    get_or_create_names_the_missing_fields,
    get_or_create_conflict_on_other_fields_names_the_existing_row,
    get_or_create_covered_lookup_with_extra_field_reports_conflict,
    a_miss_on_an_id_lookup_is_an_error_not_an_insert,
    an_id_lookup_finds_and_updates_the_row,
    update_or_create_writes_only_named_columns,
    update_onto_another_profiles_name_fails_naming_both_rows,
    an_empty_lookup_matches_every_row,
    uncovered_lookup_creates_then_fetches,
    sql_metacharacters_and_unicode_are_stored_verbatim,
    names_are_trimmed_before_lookup_and_storage,
    thirty_characters_are_counted_as_characters,
    the_found_path_runs_one_statement,
    delete_removes_the_row_and_reports_it,
);
