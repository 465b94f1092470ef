//! What a person asks for when browsing: which rows, in which order, which page.

use std::fmt;
use std::str::FromStr;

use super::Profile;

/// A column the profile table can be sorted by. Each sort has a unique tie-break, so that keyset
/// paging never skips or repeats a row.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SortColumn {
    #[default]
    Id,
    FirstName,
    LastName,
    Gender,
    Age,
    CreatedAt,
    UpdatedAt,
}

impl SortColumn {
    pub const ALL: [SortColumn; 7] = [
        SortColumn::Id,
        SortColumn::FirstName,
        SortColumn::LastName,
        SortColumn::Gender,
        SortColumn::Age,
        SortColumn::CreatedAt,
        SortColumn::UpdatedAt,
    ];

    pub fn name(self) -> &'static str {
        match self {
            SortColumn::Id => "id",
            SortColumn::FirstName => "first_name",
            SortColumn::LastName => "last_name",
            SortColumn::Gender => "gender",
            SortColumn::Age => "age",
            SortColumn::CreatedAt => "created_at",
            SortColumn::UpdatedAt => "updated_at",
        }
    }
}

impl fmt::Display for SortColumn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for SortColumn {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        SortColumn::ALL
            .into_iter()
            .find(|column| column.name() == name)
            .ok_or_else(|| {
                format!(
                    "unknown sort column {name:?} (one of id, first_name, last_name, gender, age, \
                     created_at, updated_at)"
                )
            })
    }
}

/// Which rows to show. Empty matches every row.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProfileFilter {
    /// Whitespace-separated terms; each must occur (case-insensitively) in the first or last name.
    pub search: Option<String>,
    pub gender: Option<String>,
    pub age_min: Option<i32>,
    pub age_max: Option<i32>,
}

impl ProfileFilter {
    pub fn is_empty(&self) -> bool {
        self.search_terms().next().is_none()
            && self.gender.is_none()
            && self.age_min.is_none()
            && self.age_max.is_none()
    }

    pub fn search_terms(&self) -> impl Iterator<Item = &str> {
        self.search.iter().flat_map(|text| text.split_whitespace())
    }
}

/// Which way to read from the anchor.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Towards {
    /// Rows after the anchor (from the first row when there is none).
    #[default]
    Forward,
    /// Rows before the anchor (up to the last row when there is none), still returned in display
    /// order.
    Backward,
}

/// One page of profiles, found by keyset: never by OFFSET, so every page costs the same.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageRequest {
    pub filter: ProfileFilter,
    pub sort: SortColumn,
    pub descending: bool,
    /// The row the page starts after (or ends before); `None` for the first (or last) page.
    pub anchor: Option<Profile>,
    /// Whether the anchor itself belongs on the page.
    pub include_anchor: bool,
    pub towards: Towards,
    pub limit: i64,
}

impl Default for PageRequest {
    fn default() -> Self {
        PageRequest {
            filter: ProfileFilter::default(),
            sort: SortColumn::Id,
            descending: false,
            anchor: None,
            include_anchor: false,
            towards: Towards::Forward,
            limit: 50,
        }
    }
}

impl PageRequest {
    /// Whether the SQL reads in ascending key order (backward pages read the other way).
    pub fn reads_ascending(&self) -> bool {
        self.descending == (self.towards == Towards::Backward)
    }
}
