//! Browsing and inspecting: keyset paging in every order and both directions, search, count,
//! the schema report, demo data.

mod common;

use common::{TestDb, goc};
use profile_console::domain::{PageRequest, Profile, ProfileFilter, SortColumn, Towards, fold};
use profile_console::repository::Repository;

const PEOPLE: [(&str, &str, &str, &str); 7] = [
    ("Argo", "Saha", "M", "10"),
    ("Zoë", "Okafor", "F", "34"),
    ("Ana", "Saha", "F", "34"),
    ("Bo", "Li", "X", "71"),
    ("Ángel", "García", "M", "5"),
    ("Mei", "Tanaka", "F", "34"),
    ("Bo", "Andersen", "M", "19"),
];

fn fill(repo: &mut Repository) -> Vec<Profile> {
    PEOPLE
        .iter()
        .map(|(first, last, gender, age)| {
            repo.get_or_create(&goc(
                &[("first_name", first), ("last_name", last)],
                &[("gender", gender), ("age", age)],
            ))
            .unwrap()
            .0
        })
        .collect()
}

/// Every row in the given order, read two at a time by keyset, walking `towards` from one end.
fn read_all(
    repo: &mut Repository,
    sort: SortColumn,
    descending: bool,
    towards: Towards,
) -> Vec<i64> {
    let mut ids = Vec::new();
    let mut anchor = None;
    loop {
        let page = repo
            .page(&PageRequest {
                sort,
                descending,
                anchor: anchor.clone(),
                limit: 2,
                towards,
                ..PageRequest::default()
            })
            .unwrap();
        if page.is_empty() {
            if towards == Towards::Backward {
                ids.reverse();
            }
            return ids;
        }
        match towards {
            Towards::Forward => {
                ids.extend(page.iter().map(|p| p.id));
                anchor = page.last().cloned();
            }
            Towards::Backward => {
                ids.extend(page.iter().rev().map(|p| p.id));
                anchor = page.first().cloned();
            }
        }
    }
}

fn expected_order(rows: &[Profile], sort: SortColumn, descending: bool) -> Vec<i64> {
    let mut rows = rows.to_vec();
    rows.sort_by(|a, b| {
        let key = |p: &Profile| match sort {
            SortColumn::Id => (String::new(), String::new(), 0, p.id),
            SortColumn::FirstName => (fold(&p.first_name), fold(&p.last_name), 0, p.id),
            SortColumn::LastName => (fold(&p.last_name), fold(&p.first_name), 0, p.id),
            SortColumn::Gender => (p.gender.clone(), String::new(), 0, p.id),
            SortColumn::Age => (String::new(), String::new(), p.age, p.id),
            SortColumn::CreatedAt => (p.created_at.to_string(), String::new(), 0, p.id),
            SortColumn::UpdatedAt => (p.updated_at.to_string(), String::new(), 0, p.id),
        };
        key(a).cmp(&key(b))
    });
    if descending {
        rows.reverse();
    }
    rows.iter().map(|p| p.id).collect()
}

fn keyset_paging_visits_every_row_once_in_every_order_and_direction(db: &TestDb) {
    let mut repo = db.repo();
    let rows = fill(&mut repo);
    for sort in SortColumn::ALL {
        for descending in [false, true] {
            let expected = expected_order(&rows, sort, descending);
            assert_eq!(
                read_all(&mut repo, sort, descending, Towards::Forward),
                expected,
                "forward {sort} desc={descending}"
            );
            assert_eq!(
                read_all(&mut repo, sort, descending, Towards::Backward),
                expected,
                "backward {sort} desc={descending}"
            );
        }
    }
}

fn count_before_gives_each_rows_position_in_every_order(db: &TestDb) {
    let mut repo = db.repo();
    let rows = fill(&mut repo);
    for sort in SortColumn::ALL {
        for descending in [false, true] {
            let expected = expected_order(&rows, sort, descending);
            for (at, id) in expected.iter().enumerate() {
                let anchor = rows.iter().find(|p| p.id == *id).cloned();
                let request = PageRequest {
                    sort,
                    descending,
                    anchor,
                    ..PageRequest::default()
                };
                assert_eq!(
                    repo.count_before(&request).unwrap(),
                    at as i64,
                    "{sort} desc={descending} #{id}"
                );
            }
        }
    }
    // Within a search, only matching rows count.
    let saha = rows.iter().rev().find(|p| p.last_name == "Saha").cloned();
    let request = PageRequest {
        filter: ProfileFilter {
            search: Some("saha".into()),
            ..ProfileFilter::default()
        },
        anchor: saha,
        ..PageRequest::default()
    };
    assert_eq!(repo.count_before(&request).unwrap(), 1);
}

fn a_page_can_start_at_a_row(db: &TestDb) {
    let mut repo = db.repo();
    let rows = fill(&mut repo);
    let page = repo
        .page(&PageRequest {
            anchor: Some(rows[2].clone()),
            include_anchor: true,
            limit: 2,
            ..PageRequest::default()
        })
        .unwrap();
    assert_eq!(
        page.iter().map(|p| p.id).collect::<Vec<_>>(),
        vec![rows[2].id, rows[3].id]
    );
}

fn search_matches_words_in_either_name_case_insensitively(db: &TestDb) {
    let mut repo = db.repo();
    fill(&mut repo);
    let names = |repo: &mut Repository, search: &str| -> Vec<String> {
        let filter = ProfileFilter {
            search: Some(search.into()),
            ..ProfileFilter::default()
        };
        repo.page(&PageRequest {
            filter,
            sort: SortColumn::FirstName,
            ..PageRequest::default()
        })
        .unwrap()
        .into_iter()
        .map(|p| format!("{} {}", p.first_name, p.last_name))
        .collect()
    };
    assert_eq!(names(&mut repo, "saha"), ["Ana Saha", "Argo Saha"]);
    assert_eq!(names(&mut repo, "bo"), ["Bo Andersen", "Bo Li"]);
    assert_eq!(names(&mut repo, "bo li"), ["Bo Li"]);
    assert_eq!(names(&mut repo, "Zoë"), ["Zoë Okafor"]);
    assert_eq!(
        names(&mut repo, "OKAFOR"),
        ["Zoë Okafor"],
        "long terms go through the trigram index"
    );
    assert_eq!(
        names(&mut repo, "kafo"),
        ["Zoë Okafor"],
        "substrings, not only prefixes"
    );
    assert!(names(&mut repo, "zzz").is_empty());
    assert!(names(&mut repo, "\"x").is_empty(), "quotes are literal");
    assert!(
        names(&mut repo, "%").is_empty(),
        "pattern characters are literal"
    );
    assert!(
        names(&mut repo, "_").is_empty(),
        "pattern characters are literal"
    );
}

fn search_follows_renames_and_deletes(db: &TestDb) {
    let mut repo = db.repo();
    let rows = fill(&mut repo);
    let search = |repo: &mut Repository, text: &str| -> Vec<i64> {
        let filter = ProfileFilter {
            search: Some(text.into()),
            ..ProfileFilter::default()
        };
        repo.page(&PageRequest {
            filter,
            ..PageRequest::default()
        })
        .unwrap()
        .iter()
        .map(|p| p.id)
        .collect()
    };
    let okafor = rows[1].id.to_string();
    repo.update_or_create(&common::uoc(
        &[("id", &okafor)],
        &[("last_name", "Adeyemi")],
        None,
    ))
    .unwrap();
    assert!(search(&mut repo, "okafor").is_empty());
    assert_eq!(search(&mut repo, "adeyemi"), [rows[1].id]);
    repo.delete(rows[1].id).unwrap();
    assert!(search(&mut repo, "adeyemi").is_empty());
}

fn seeded_rows_and_rows_written_after_a_seed_are_searchable(db: &TestDb) {
    let mut repo = db.repo();
    repo.seed(1_500, |_| {}).unwrap();
    let some = repo
        .page(&PageRequest {
            limit: 1,
            ..PageRequest::default()
        })
        .unwrap()
        .remove(0);
    let search = |repo: &mut Repository, text: &str| -> Vec<i64> {
        let filter = ProfileFilter {
            search: Some(text.into()),
            ..ProfileFilter::default()
        };
        repo.page(&PageRequest {
            filter,
            limit: 5000,
            ..PageRequest::default()
        })
        .unwrap()
        .iter()
        .map(|p| p.id)
        .collect()
    };
    assert!(
        search(&mut repo, &some.last_name).contains(&some.id),
        "seeded rows are indexed"
    );
    let (new, _) = repo
        .get_or_create(&goc(
            &[("first_name", "Zyxw"), ("last_name", "Qvut")],
            &[("gender", "M"), ("age", "1")],
        ))
        .unwrap();
    assert_eq!(
        search(&mut repo, "qvut"),
        [new.id],
        "the index trigger is back after seeding"
    );
}

fn a_search_pages_through_its_matches_in_both_directions(db: &TestDb) {
    let mut repo = db.repo();
    let mut expected = Vec::new();
    for i in 0..40 {
        let last = if i % 3 == 0 {
            format!("Sahani{i}")
        } else {
            format!("Other{i}")
        };
        let (row, _) = repo
            .get_or_create(&goc(
                &[("first_name", "P"), ("last_name", &last)],
                &[("gender", "M"), ("age", "1")],
            ))
            .unwrap();
        if i % 3 == 0 {
            expected.push(row.id);
        }
    }
    let filter = ProfileFilter {
        search: Some("SAHANI".into()),
        ..ProfileFilter::default()
    };
    for descending in [false, true] {
        for towards in [Towards::Forward, Towards::Backward] {
            let mut ids = Vec::new();
            let mut anchor = None;
            loop {
                let page = repo
                    .page(&PageRequest {
                        filter: filter.clone(),
                        descending,
                        anchor: anchor.clone(),
                        limit: 4,
                        towards,
                        ..PageRequest::default()
                    })
                    .unwrap();
                if page.is_empty() {
                    break;
                }
                match towards {
                    Towards::Forward => {
                        anchor = page.last().cloned();
                        ids.extend(page.iter().map(|p| p.id));
                    }
                    Towards::Backward => {
                        anchor = page.first().cloned();
                        ids.splice(0..0, page.iter().map(|p| p.id));
                    }
                }
            }
            let mut want = expected.clone();
            if descending {
                want.reverse();
            }
            assert_eq!(ids, want, "descending={descending} towards={towards:?}");
        }
    }
}

fn filters_and_counts_agree(db: &TestDb) {
    let mut repo = db.repo();
    fill(&mut repo);
    let filter = ProfileFilter {
        gender: Some("F".into()),
        age_min: Some(30),
        age_max: Some(40),
        ..ProfileFilter::default()
    };
    assert_eq!(repo.count(&filter).unwrap(), 3);
    assert_eq!(
        repo.page(&PageRequest {
            filter,
            ..PageRequest::default()
        })
        .unwrap()
        .len(),
        3
    );
    assert_eq!(repo.count(&ProfileFilter::default()).unwrap(), 7);
}

fn the_schema_report_lists_constraints_indexes_and_migrations(db: &TestDb) {
    let mut repo = db.repo();
    let report = repo.schema_report().unwrap();
    let constraint_names: Vec<&str> = report.constraints.iter().map(|c| c.name.as_str()).collect();
    for name in [
        "profiles_name_key",
        "profiles_first_name_check",
        "profiles_age_check",
    ] {
        assert!(
            constraint_names.contains(&name),
            "{name} in {constraint_names:?}"
        );
    }
    let index_names: Vec<&str> = report.indexes.iter().map(|c| c.name.as_str()).collect();
    assert!(
        index_names.contains(&"profiles_age_id_idx"),
        "{index_names:?}"
    );
    let versions: Vec<&str> = report
        .migrations
        .iter()
        .map(|m| m.version.as_str())
        .collect();
    assert_eq!(versions.first(), Some(&"20261126000001"), "{versions:?}");
    assert!(!report.server_version.is_empty());
}

fn the_gender_filter_matches_either_case(db: &TestDb) {
    let mut repo = db.repo();
    fill(&mut repo);
    let upper = ProfileFilter {
        gender: Some("F".into()),
        ..ProfileFilter::default()
    };
    let lower = ProfileFilter {
        gender: Some("f".into()),
        ..ProfileFilter::default()
    };
    let count = repo.count(&upper).unwrap();
    assert!(count > 0);
    assert_eq!(repo.count(&lower).unwrap(), count);
    assert_eq!(
        repo.page(&PageRequest {
            filter: lower,
            ..PageRequest::default()
        })
        .unwrap()
        .len() as i64,
        count
    );
}

fn the_servers_count_estimate_can_be_read(db: &TestDb) {
    let mut repo = db.repo();
    repo.seed(1_000, |_| {}).unwrap();
    // SQLite keeps none; a server's may be absent before its statistics are gathered, or
    // rough: it only has to be readable.
    let estimate = repo
        .estimated_count()
        .expect("the estimate reads without error");
    assert!(estimate.is_none_or(|rows| rows >= 0), "{estimate:?}");
}

fn seeding_inserts_the_count_asked_for_with_valid_varied_rows(db: &TestDb) {
    let mut repo = db.repo();
    let report = repo.seed(2_500, |_| {}).unwrap();
    assert_eq!(report.inserted, 2_500);
    assert_eq!(repo.count(&ProfileFilter::default()).unwrap(), 2_500);
    let page = repo
        .page(&PageRequest {
            limit: 500,
            ..PageRequest::default()
        })
        .unwrap();
    let genders: std::collections::HashSet<&str> = page.iter().map(|p| p.gender.as_str()).collect();
    assert!(genders.len() >= 2, "varied genders");
    let ages: std::collections::HashSet<i32> = page.iter().map(|p| p.age).collect();
    assert!(ages.len() > 20, "varied ages");
}

/// Every way a search can be served (the name dictionary on the servers: one name, a few dozen,
/// past a thousand; the walk; the plain query) gives exactly the matching rows, in the page's
/// order, paged by keyset.
fn every_search_path_gives_exactly_the_matching_rows_in_order(db: &TestDb) {
    let mut repo = db.repo();
    let letters = |mut i: usize| -> String {
        let mut word = String::new();
        for _ in 0..3 {
            word.push(char::from(b'a' + (i % 26) as u8));
            i /= 26;
        }
        word
    };
    let mut rows = Vec::new();
    for i in 0..1_100 {
        // 1,100 last names with "kor", 100 first names with "irk", and one each of the rare
        // ones, one of them folded.
        let first = match i {
            7 => "Zzquv".to_owned(),
            8 => "Ẽlvira".to_owned(),
            _ if i < 100 => format!("Mirk{}", letters(i)),
            _ => ["Ann", "Bea", "Cy"][i % 3].to_owned(),
        };
        let last = format!("Kor{}", letters(i));
        let age = (i % 90).to_string();
        let (row, _) = repo
            .get_or_create(&goc(
                &[("first_name", &first), ("last_name", &last)],
                &[("gender", ["F", "M"][i % 2]), ("age", &age)],
            ))
            .unwrap();
        rows.push(row);
    }
    for term in ["kor", "IRK", "zzq", "lvi", "qqq"] {
        let folded = fold(term);
        let matching: Vec<Profile> = rows
            .iter()
            .filter(|p| {
                fold(&p.first_name).contains(&folded) || fold(&p.last_name).contains(&folded)
            })
            .cloned()
            .collect();
        for (search, also) in [(term.to_owned(), None), (format!("{term} a"), Some("a"))] {
            let expected = matching
                .iter()
                .filter(|p| {
                    also.is_none_or(|also| {
                        fold(&p.first_name).contains(also) || fold(&p.last_name).contains(also)
                    })
                })
                .count();
            let filter = ProfileFilter {
                search: Some(search.clone()),
                ..ProfileFilter::default()
            };
            assert_eq!(
                repo.count(&filter).unwrap(),
                i64::try_from(expected).unwrap(),
                "count of {search:?}"
            );
        }
        for sort in [SortColumn::Id, SortColumn::LastName, SortColumn::Age] {
            for descending in [false, true] {
                let filter = ProfileFilter {
                    search: Some(term.into()),
                    ..ProfileFilter::default()
                };
                let mut ids = Vec::new();
                let mut anchor = None;
                loop {
                    let page = repo
                        .page(&PageRequest {
                            filter: filter.clone(),
                            sort,
                            descending,
                            anchor: anchor.clone(),
                            limit: 97,
                            ..PageRequest::default()
                        })
                        .unwrap();
                    let Some(last) = page.last() else { break };
                    anchor = Some(last.clone());
                    ids.extend(page.iter().map(|p| p.id));
                }
                assert_eq!(
                    ids,
                    expected_order(&matching, sort, descending),
                    "{term} by {sort:?}, descending {descending}"
                );
            }
        }
    }
}

/// A name of 30 characters can fold to 60 (ß → ss): a term near its end is found as well, by the
/// page and by the count.
fn a_term_deep_in_a_long_folded_name_is_found(db: &TestDb) {
    let mut repo = db.repo();
    fill(&mut repo);
    let long = format!("{}x", "ß".repeat(29));
    let created = repo
        .get_or_create(&common::goc(
            &[("first_name", &long), ("last_name", "Tail")],
            &[("gender", "F"), ("age", "30")],
        ))
        .unwrap()
        .0;
    for term in ["ssx", "sssx", "ssssss", "x tail"] {
        let filter = ProfileFilter {
            search: Some(term.into()),
            ..ProfileFilter::default()
        };
        for sort in [SortColumn::Id, SortColumn::LastName] {
            let page = repo
                .page(&PageRequest {
                    filter: filter.clone(),
                    sort,
                    ..PageRequest::default()
                })
                .unwrap();
            assert_eq!(
                page.iter().map(|p| p.id).collect::<Vec<_>>(),
                [created.id],
                "{term} by {sort:?}"
            );
        }
        assert_eq!(repo.count(&filter).unwrap(), 1, "{term}");
    }
}

on_every_backend!(
    a_term_deep_in_a_long_folded_name_is_found,
    keyset_paging_visits_every_row_once_in_every_order_and_direction,
    count_before_gives_each_rows_position_in_every_order,
    a_page_can_start_at_a_row,
    search_matches_words_in_either_name_case_insensitively,
    search_follows_renames_and_deletes,
    seeded_rows_and_rows_written_after_a_seed_are_searchable,
    a_search_pages_through_its_matches_in_both_directions,
    every_search_path_gives_exactly_the_matching_rows_in_order,
    filters_and_counts_agree,
    the_schema_report_lists_constraints_indexes_and_migrations,
    the_gender_filter_matches_either_case,
    the_servers_count_estimate_can_be_read,
    seeding_inserts_the_count_asked_for_with_valid_varied_rows,
);

#[test]
fn demo_profiles_are_always_valid() {
    use profile_console::repository::DemoProfiles;
    use rand::SeedableRng;
    let demo = DemoProfiles::new(rand::rngs::StdRng::seed_from_u64(7));
    for profile in demo.take(20_000) {
        assert!(profile.is_valid(), "{profile:?}");
    }
}

#[test]
fn demo_profiles_never_repeat_a_name_and_keep_their_mix() {
    use profile_console::repository::DemoProfiles;
    use rand::SeedableRng;
    let demo = DemoProfiles::new(rand::rngs::StdRng::seed_from_u64(11));
    let mut names = std::collections::HashSet::new();
    let mut plain = 0;
    for (n, profile) in demo.take(600_000).enumerate() {
        if n < 20_000 && !profile.first_name.contains('-') && !profile.last_name.contains('-') {
            plain += 1;
        }
        assert!(
            names.insert((profile.first_name, profile.last_name)),
            "a name came twice, after {n}"
        );
    }
    // About a quarter of the first names given are two single names, as drawn.
    assert!((4_000..6_000).contains(&plain), "{plain} of 20,000");
}
