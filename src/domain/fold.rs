//! The name fold: how names compare when sorted and searched. Case and diacritics do not count
//! (`Ángel` sorts and is found with `angel`); the database keeps a folded copy of each name by
//! the same table (`scripts/name_keys.py` writes both), so the two always agree.

use super::fold_table::FOLDS;

/// `name` folded: each character of the table replaced, every other character kept.
pub fn fold(name: &str) -> String {
    let mut folded = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_ascii() {
            folded.push(c.to_ascii_lowercase());
        } else {
            match FOLDS.binary_search_by_key(&c, |(from, _)| *from) {
                Ok(at) => folded.push_str(FOLDS[at].1),
                Err(_) => folded.push(c),
            }
        }
    }
    folded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_and_diacritics_do_not_count() {
        assert_eq!(fold("Ángel"), "angel");
        assert_eq!(fold("ŁUKASZ"), "lukasz");
        assert_eq!(fold("Nguyễn"), "nguyen");
        assert_eq!(fold("Straße"), "strasse");
        assert_eq!(fold("Ștefan"), "stefan");
        assert_eq!(fold("Ζωή"), "ζωη");
        assert_eq!(fold("Йосиф"), "иосиф");
        assert_eq!(fold("O'Brien-Smith 2"), "o'brien-smith 2");
        assert_eq!(fold("李 🙂"), "李 🙂");
    }

    #[test]
    fn the_table_is_sorted_and_folding_twice_changes_nothing() {
        assert!(FOLDS.windows(2).all(|pair| pair[0].0 < pair[1].0));
        for (from, to) in FOLDS {
            assert_eq!(fold(to), to, "{from}");
        }
    }
}
