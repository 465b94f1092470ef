//! A stored profile and the values that describe one.

use super::text::escape_for_terminal;
use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};
use serde::{Serialize, Serializer};

use super::{Field, Value};

/// One row of `profiles`, as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Profile {
    pub id: i64,
    pub first_name: String,
    pub last_name: String,
    pub gender: String,
    pub age: i32,
    /// UTC, set by the application when the row is created.
    #[serde(serialize_with = "utc_rfc3339")]
    pub created_at: NaiveDateTime,
    /// UTC, set by the application whenever a write changes the row.
    #[serde(serialize_with = "utc_rfc3339")]
    pub updated_at: NaiveDateTime,
}

impl Profile {
    /// The stored value of a field.
    pub fn value(&self, field: Field) -> Value {
        match field {
            Field::Id => Value::Int(self.id),
            Field::FirstName => Value::Text(self.first_name.clone()),
            Field::LastName => Value::Text(self.last_name.clone()),
            Field::Gender => Value::Text(self.gender.clone()),
            Field::Age => Value::Int(self.age.into()),
        }
    }

    /// `#12 Argo Saha (M, 10)`: how people see a profile in one line (text another client wrote
    /// is escaped where it could steer the terminal).
    pub fn summary(&self) -> String {
        format!(
            "#{} {} {} ({}, {})",
            self.id,
            escape_for_terminal(&self.first_name),
            escape_for_terminal(&self.last_name),
            escape_for_terminal(&self.gender),
            self.age
        )
    }
}

/// Values for the four user-editable columns; `None` where no value was given.
///
/// Only ever built from validated input (see [`crate::domain::input`]), so every value present obeys
/// its column's rule.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProfileValues {
    pub(crate) first_name: Option<String>,
    pub(crate) last_name: Option<String>,
    pub(crate) gender: Option<String>,
    pub(crate) age: Option<i32>,
}

impl ProfileValues {
    pub fn get(&self, field: Field) -> Option<Value> {
        match field {
            Field::Id => None,
            Field::FirstName => self.first_name.clone().map(Value::Text),
            Field::LastName => self.last_name.clone().map(Value::Text),
            Field::Gender => self.gender.clone().map(Value::Text),
            Field::Age => self.age.map(|age| Value::Int(age.into())),
        }
    }

    /// The fields that have a value, in column order.
    pub fn fields(&self) -> impl Iterator<Item = Field> + '_ {
        Field::ALL
            .into_iter()
            .filter(|field| self.get(*field).is_some())
    }

    pub fn is_empty(&self) -> bool {
        self.fields().next().is_none()
    }

    /// `self` with every gap filled from `other`.
    pub fn or(&self, other: &ProfileValues) -> ProfileValues {
        ProfileValues {
            first_name: self.first_name.clone().or_else(|| other.first_name.clone()),
            last_name: self.last_name.clone().or_else(|| other.last_name.clone()),
            gender: self.gender.clone().or_else(|| other.gender.clone()),
            age: self.age.or(other.age),
        }
    }
}

/// The current time as stored: UTC, to the microsecond (PostgreSQL's precision), so that what is
/// written reads back equal.
pub fn now_utc() -> NaiveDateTime {
    Utc::now().naive_utc().trunc_subsecs(6)
}

fn utc_rfc3339<S: Serializer>(at: &NaiveDateTime, serializer: S) -> Result<S::Ok, S::Error> {
    let utc = DateTime::<Utc>::from_naive_utc_and_offset(*at, Utc);
    serializer.serialize_str(&utc.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
}
