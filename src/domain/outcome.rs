//! What an operation did.

use std::fmt;

use serde::Serialize;

use super::Field;

/// A field's value, as shown to people and written to JSON.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Value {
    Int(i64),
    Text(String),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Int(n) => write!(f, "{n}"),
            Value::Text(s) => f.write_str(&super::text::escape_for_terminal(s)),
        }
    }
}

/// One field an update changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Change {
    pub field: Field,
    pub old: Value,
    pub new: Value,
}

impl Serialize for Field {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} → {}", self.field, self.old, self.new)
    }
}

/// Which of the four things get_or_create / update_or_create did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// No row matched; one was inserted.
    Created,
    /// get_or_create found exactly one row and returned it untouched.
    Fetched,
    /// update_or_create found one row and changed these fields.
    Updated(Vec<Change>),
    /// update_or_create found one row that already held every default.
    Unchanged,
}

impl Outcome {
    /// `created`, `fetched`, `updated` or `unchanged`: the word used in JSON.
    pub fn name(&self) -> &'static str {
        match self {
            Outcome::Created => "created",
            Outcome::Fetched => "fetched",
            Outcome::Updated(_) => "updated",
            Outcome::Unchanged => "unchanged",
        }
    }

    pub fn created(&self) -> bool {
        matches!(self, Outcome::Created)
    }

    /// `#12 Argo Saha (M, 11): age 10 → 11`: the profile, and each change when there are any.
    pub fn describe(&self, profile: &super::Profile) -> String {
        let changes: Vec<String> = self.changes().iter().map(ToString::to_string).collect();
        if changes.is_empty() {
            profile.summary()
        } else {
            format!("{}: {}", profile.summary(), changes.join(", "))
        }
    }

    pub fn changes(&self) -> &[Change] {
        match self {
            Outcome::Updated(changes) => changes,
            _ => &[],
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
