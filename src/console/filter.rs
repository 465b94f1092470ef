//! The filter prompt's little language: `[GENDER] [MIN-MAX | MIN- | -MAX | AGE]`.
//!
//! The gender matches either case (`m` finds `M`), as the name search ignores case; a part given
//! twice, a range whose low end is above its high end, or anything else is refused with a message.

use crate::domain::ProfileFilter;

/// `F 30-40`: the filter prompt's text for a filter.
pub fn describe_filter(filter: &ProfileFilter) -> String {
    let mut parts = Vec::new();
    if let Some(gender) = &filter.gender {
        parts.push(gender.clone());
    }
    match (filter.age_min, filter.age_max) {
        (Some(min), Some(max)) => parts.push(format!("{min}-{max}")),
        (Some(min), None) => parts.push(format!("{min}-")),
        (None, Some(max)) => parts.push(format!("-{max}")),
        (None, None) => {}
    }
    parts.join(" ")
}

/// Reads `[GENDER] [MIN-MAX | MIN- | -MAX | AGE]`, in any order, into the gender and age parts
/// of a filter; empty clears them.
pub fn parse_filter(text: &str) -> Result<ProfileFilter, String> {
    let (mut gender, mut min, mut max) = (None, None, None);
    let age = |s: &str| -> Result<Option<i32>, String> {
        if s.is_empty() {
            return Ok(None);
        }
        match s.parse::<i32>() {
            Ok(n) if (0..=150).contains(&n) => Ok(Some(n)),
            _ => Err(format!("filter: {s:?} is not an age from 0 to 150")),
        }
    };
    let mut ages_given = false;
    for word in text.split_whitespace() {
        let is_age = word.contains('-') || word.chars().all(|c| c.is_ascii_digit());
        if is_age && std::mem::replace(&mut ages_given, true) {
            return Err("filter: give one age or age range".to_owned());
        }
        if let Some((low, high)) = word.split_once('-') {
            min = age(low)?;
            max = age(high)?;
            if let (Some(low), Some(high)) = (min, max)
                && low > high
            {
                return Err(format!(
                    "filter: the range {word:?} runs backwards; write {high}-{low}"
                ));
            }
        } else if is_age {
            min = age(word)?;
            max = min;
        } else if word.chars().count() == 1 {
            if gender.is_some() {
                return Err("filter: give one gender".to_owned());
            }
            gender = Some(word.to_owned());
        } else {
            return Err(format!(
                "filter: {word:?} is neither a one-character gender nor an age range like 20-40"
            ));
        }
    }
    Ok(ProfileFilter {
        search: None,
        gender,
        age_min: min,
        age_max: max,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gender_and_age_ranges_read_in_any_order_and_round_trip() {
        let filter = parse_filter("30-40 F").unwrap();
        assert_eq!(
            (filter.gender.as_deref(), filter.age_min, filter.age_max),
            (Some("F"), Some(30), Some(40))
        );
        assert_eq!(describe_filter(&filter), "F 30-40");
        assert_eq!(parse_filter("30-").unwrap().age_max, None);
        assert_eq!(parse_filter("-9").unwrap().age_max, Some(9));
        assert_eq!(parse_filter("").unwrap(), ProfileFilter::default());
    }

    #[test]
    fn nonsense_is_reported() {
        assert!(parse_filter("200-300").is_err());
        assert!(parse_filter("FM").is_err());
    }

    #[test]
    fn backwards_ranges_and_parts_given_twice_are_refused() {
        let err = parse_filter("50-20").unwrap_err();
        assert!(err.contains("backwards") && err.contains("20-50"), "{err}");
        assert!(parse_filter("F M").unwrap_err().contains("one gender"));
        assert!(parse_filter("20-30 40").unwrap_err().contains("one age"));
    }
}
