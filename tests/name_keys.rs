//! Names sort and are searched case- and accent-insensitively on every backend, through folded
//! copies the database keeps for rows written by any client; the database folds exactly as the
//! application does (`domain::fold`, one table written by `scripts/name_keys.py`).

mod common;

use common::{TestDb, goc};
use profile_console::domain::{PageRequest, ProfileFilter, SortColumn, Towards, fold};

/// Every character the fold changes, and a few it keeps, in names of at most 30 characters.
fn names_with_every_folded_character() -> Vec<String> {
    let mut characters: Vec<char> = (0x41..=0x5A_u32)
        .chain(0xC0..=0x24F)
        .chain(0x370..=0x4FF)
        .chain(0x1E00..=0x1EFF)
        .filter_map(char::from_u32)
        .filter(|c| c.is_alphabetic())
        .collect();
    characters.extend("李🙂-' ".chars());
    characters
        .chunks(28)
        .map(|chunk| format!("x{}x", chunk.iter().collect::<String>()))
        .collect()
}

fn page(
    repo: &mut profile_console::repository::Repository,
    search: Option<&str>,
    sort: SortColumn,
) -> Vec<String> {
    repo.page(&PageRequest {
        filter: ProfileFilter {
            search: search.map(str::to_owned),
            ..ProfileFilter::default()
        },
        sort,
        limit: 100,
        towards: Towards::Forward,
        ..PageRequest::default()
    })
    .unwrap()
    .into_iter()
    .map(|p| format!("{} {}", p.first_name, p.last_name))
    .collect()
}

fn the_database_folds_every_character_as_the_application_does(db: &TestDb) {
    let mut repo = db.repo();
    let names = names_with_every_folded_character();
    for (at, name) in names.iter().enumerate() {
        repo.get_or_create(&goc(
            &[
                ("first_name", name),
                ("last_name", &names[names.len() - 1 - at]),
            ],
            &[("gender", "F"), ("age", "30")],
        ))
        .unwrap();
    }
    let stored = db.values("SELECT first_key AS value FROM profiles ORDER BY id");
    let expected: Vec<String> = names.iter().map(|name| fold(name)).collect();
    assert_eq!(stored, expected);
    let stored = db.values("SELECT last_key AS value FROM profiles ORDER BY id");
    let expected: Vec<String> = names.iter().rev().map(|name| fold(name)).collect();
    assert_eq!(stored, expected);
}

fn case_and_accents_do_not_count_in_search_or_sort(db: &TestDb) {
    let mut repo = db.repo();
    for (first, last) in [
        ("Zoë", "Okafor"),
        ("ángel", "García"),
        ("Ángel", "Garcia"),
        ("Bo", "Li"),
        ("Łukasz", "Nowak"),
        ("Anna", "Straße"),
        ("Émile", "Zola"),
        ("angela", "Quinn"),
    ] {
        repo.get_or_create(&goc(
            &[("first_name", first), ("last_name", last)],
            &[("gender", "M"), ("age", "40")],
        ))
        .unwrap();
    }
    assert_eq!(
        page(&mut repo, None, SortColumn::FirstName),
        [
            "ángel García",
            "Ángel Garcia",
            "angela Quinn",
            "Anna Straße",
            "Bo Li",
            "Émile Zola",
            "Łukasz Nowak",
            "Zoë Okafor"
        ],
    );
    assert_eq!(
        page(&mut repo, Some("ANGEL"), SortColumn::Id),
        ["ángel García", "Ángel Garcia", "angela Quinn"]
    );
    assert_eq!(
        page(&mut repo, Some("garcía"), SortColumn::Id),
        ["ángel García", "Ángel Garcia"]
    );
    assert_eq!(
        page(&mut repo, Some("strasse"), SortColumn::Id),
        ["Anna Straße"]
    );
    assert_eq!(
        page(&mut repo, Some("ze"), SortColumn::Id),
        Vec::<String>::new()
    );
    assert_eq!(
        page(&mut repo, Some("łU"), SortColumn::Id),
        ["Łukasz Nowak"]
    );
    assert_eq!(page(&mut repo, Some("oe"), SortColumn::Id), ["Zoë Okafor"]);
}

fn a_search_pages_through_names_matching_in_either_or_both_names_once_each(db: &TestDb) {
    let mut repo = db.repo();
    let mut expected = Vec::new();
    for n in 0..30 {
        let (first, last) = match n % 3 {
            0 => (format!("Quíxote{n}"), format!("Ng{n}")),
            1 => (format!("Ana{n}"), format!("Quixote-Ng{n}")),
            _ => (format!("QUIXOTE{n}"), format!("Quixotè{n}")),
        };
        let (row, _) = repo
            .get_or_create(&goc(
                &[("first_name", &first), ("last_name", &last)],
                &[("gender", "F"), ("age", "3")],
            ))
            .unwrap();
        expected.push(row.id);
        repo.get_or_create(&goc(
            &[
                ("first_name", &format!("Other{n}")),
                ("last_name", "Person"),
            ],
            &[("gender", "M"), ("age", "4")],
        ))
        .unwrap();
    }
    let filter = ProfileFilter {
        search: Some("quixote".into()),
        ..ProfileFilter::default()
    };
    for towards in [Towards::Forward, Towards::Backward] {
        let mut ids = Vec::new();
        let mut anchor = None;
        loop {
            let page = repo
                .page(&PageRequest {
                    filter: filter.clone(),
                    anchor: anchor.clone(),
                    limit: 4,
                    towards,
                    ..PageRequest::default()
                })
                .unwrap();
            if page.is_empty() {
                break;
            }
            if towards == Towards::Forward {
                anchor = page.last().cloned();
                ids.extend(page.iter().map(|p| p.id));
            } else {
                anchor = page.first().cloned();
                ids.splice(0..0, page.iter().map(|p| p.id));
            }
        }
        assert_eq!(ids, expected, "{towards:?}");
    }
}

fn rows_other_clients_write_are_folded_found_and_moved_on_rename(db: &TestDb) {
    let mut repo = db.repo();
    db.execute_as_other_client(
        "INSERT INTO profiles (first_name, last_name, gender, age, created_at, updated_at) \
         VALUES ('Élodie', 'Durand', 'F', 31, '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
    )
    .unwrap();
    assert_eq!(
        page(&mut repo, Some("elodie"), SortColumn::Id),
        ["Élodie Durand"]
    );
    db.execute_as_other_client(
        "UPDATE profiles SET last_name = 'Dürrenmatt' WHERE first_name = 'Élodie'",
    )
    .unwrap();
    assert_eq!(
        page(&mut repo, Some("durand"), SortColumn::Id),
        Vec::<String>::new()
    );
    assert_eq!(
        page(&mut repo, Some("DURREN"), SortColumn::Id),
        ["Élodie Dürrenmatt"]
    );
    db.execute_as_other_client("DELETE FROM profiles WHERE first_name = 'Élodie'")
        .unwrap();
    assert_eq!(
        page(&mut repo, Some("durren"), SortColumn::Id),
        Vec::<String>::new()
    );
}

/// Seeded rows carry the same folded names as rows written one by one (the seed may write them
/// itself rather than through the trigger).
fn seeded_rows_are_folded_as_the_database_folds(db: &TestDb) {
    let mut repo = db.repo();
    repo.seed(400, |_| {}).unwrap();
    let names = db.values("SELECT first_name AS value FROM profiles ORDER BY id");
    let keys = db.values("SELECT first_key AS value FROM profiles ORDER BY id");
    assert_eq!(names.len(), 400);
    let folded: Vec<String> = names.iter().map(|name| fold(name)).collect();
    assert_eq!(keys, folded);
}

on_every_backend!(
    seeded_rows_are_folded_as_the_database_folds,
    the_database_folds_every_character_as_the_application_does,
    case_and_accents_do_not_count_in_search_or_sort,
    a_search_pages_through_names_matching_in_either_or_both_names_once_each,
    rows_other_clients_write_are_folded_found_and_moved_on_rename,
);
