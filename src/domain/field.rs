//! The columns of a profile, by name.

use std::fmt;
use std::str::FromStr;

/// A column of `profiles` that callers may name in a lookup or as a default.
///
/// `created_at` and `updated_at` are real columns too, but they are kept by the application and are
/// never accepted as input; [`Field::from_str`] reports them as such rather than as unknown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    Id,
    FirstName,
    LastName,
    Gender,
    Age,
}

impl Field {
    /// Every field, in column order.
    pub const ALL: [Field; 5] = [
        Field::Id,
        Field::FirstName,
        Field::LastName,
        Field::Gender,
        Field::Age,
    ];

    /// The fields a new row needs a value for (the id is generated).
    pub const REQUIRED_TO_CREATE: [Field; 4] =
        [Field::FirstName, Field::LastName, Field::Gender, Field::Age];

    /// The column name, as used on the command line and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Field::Id => "id",
            Field::FirstName => "first_name",
            Field::LastName => "last_name",
            Field::Gender => "gender",
            Field::Age => "age",
        }
    }

    /// The rule a value of this field must follow, in words.
    pub fn rule(self) -> &'static str {
        match self {
            Field::Id => "must be a whole number from 1 up",
            Field::FirstName | Field::LastName => {
                "must be 1 to 30 characters after trimming surrounding spaces"
            }
            Field::Gender => "must be exactly 1 character",
            Field::Age => "must be a whole number from 0 to 150",
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a field name was not accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldNameError {
    /// Not a column of `profiles` at all.
    Unknown,
    /// `created_at` / `updated_at`: real columns, kept by the application.
    Managed,
}

impl FromStr for Field {
    type Err = FieldNameError;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name {
            "created_at" | "updated_at" => Err(FieldNameError::Managed),
            _ => Field::ALL
                .into_iter()
                .find(|field| field.name() == name)
                .ok_or(FieldNameError::Unknown),
        }
    }
}
