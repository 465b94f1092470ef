//! The change journal: what every change to a profile did, who made it and from where, written by
//! triggers in the change's own transaction (so other clients' changes are in it too), and read
//! here for history and undo. The rules are `docs/semantics.md`, "History and undo".

use std::fmt;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::domain::{Field, Profile, Value};

/// Where a change came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Console,
    Cli,
    Seed,
    Import,
    /// Any other client (psql, an application, another tool).
    Other,
}

impl Source {
    pub fn name(self) -> &'static str {
        match self {
            Source::Console => "console",
            Source::Cli => "cli",
            Source::Seed => "seed",
            Source::Import => "import",
            Source::Other => "other",
        }
    }
}

/// What a change did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeAction {
    Created,
    Updated,
    Deleted,
    /// A deleted row put back by an undo.
    Restored,
    /// A create or an update taken back by an undo.
    Reverted,
}

impl ChangeAction {
    pub fn name(self) -> &'static str {
        match self {
            ChangeAction::Created => "created",
            ChangeAction::Updated => "updated",
            ChangeAction::Deleted => "deleted",
            ChangeAction::Restored => "restored",
            ChangeAction::Reverted => "reverted",
        }
    }

    fn parse(text: &str) -> ChangeAction {
        match text {
            "created" => ChangeAction::Created,
            "deleted" => ChangeAction::Deleted,
            "restored" => ChangeAction::Restored,
            "reverted" => ChangeAction::Reverted,
            _ => ChangeAction::Updated,
        }
    }
}

impl fmt::Display for ChangeAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Who is writing, as the journal records it: set by the repository on its sessions (PostgreSQL,
/// MySQL) or in each write transaction (SQLite).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChangeContext {
    pub source: Source,
    /// The operating-system user running this tool.
    pub os_user: Option<String>,
    /// This process's own mark, so the console can find its own changes (Ctrl-Z).
    pub session: String,
    /// For an undo: what its change is called, and which change it takes back.
    pub action: Option<ChangeAction>,
    pub reverts: Option<i64>,
}

impl ChangeContext {
    pub fn new(source: Source) -> ChangeContext {
        ChangeContext {
            source,
            os_user: os_user(),
            session: new_session(),
            action: None,
            reverts: None,
        }
    }

    /// The same writer, undoing `change` with a change called `action`.
    pub(crate) fn undoing(&self, action: ChangeAction, change: i64) -> ChangeContext {
        ChangeContext {
            action: Some(action),
            reverts: Some(change),
            ..self.clone()
        }
    }
}

/// A fresh mark for one writer's changes in the journal: the process and a random number.
pub fn new_session() -> String {
    format!("{}-{:016x}", std::process::id(), rand::random::<u64>())
}

/// The operating-system user: `USER` or `LOGNAME`, else the name of the effective user id (as
/// `whoami` says it).
fn os_user() -> Option<String> {
    ["USER", "LOGNAME"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
        .or_else(user_of_effective_uid)
}

fn user_of_effective_uid() -> Option<String> {
    // SAFETY: getpwuid returns a pointer to static storage or null; the name is copied out at
    // once, before anything else could call it.
    unsafe {
        let entry = libc::getpwuid(libc::geteuid());
        if entry.is_null() || (*entry).pw_name.is_null() {
            return None;
        }
        std::ffi::CStr::from_ptr((*entry).pw_name)
            .to_str()
            .ok()
            .map(str::to_owned)
    }
}

/// A row's values as a change found or left them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RowState {
    pub first_name: String,
    pub last_name: String,
    pub gender: String,
    pub age: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl RowState {
    pub fn value(&self, field: Field) -> Value {
        match field {
            Field::FirstName => Value::Text(self.first_name.clone()),
            Field::LastName => Value::Text(self.last_name.clone()),
            Field::Gender => Value::Text(self.gender.clone()),
            Field::Age => Value::Int(i64::from(self.age)),
            Field::Id => Value::Int(0),
        }
    }

    /// The row with this state and `id`.
    pub fn profile(&self, id: i64) -> Profile {
        Profile {
            id,
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            gender: self.gender.clone(),
            age: self.age,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

/// One journal entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct JournalEntry {
    pub id: i64,
    pub at: NaiveDateTime,
    pub profile_id: i64,
    pub action: ChangeAction,
    /// The row before the change (none for a create or a restore).
    pub old: Option<RowState>,
    /// The row after it (none for a delete).
    pub new: Option<RowState>,
    pub source: String,
    pub db_user: Option<String>,
    pub os_user: Option<String>,
    pub session: Option<String>,
    /// The change this one undid.
    pub reverts: Option<i64>,
}

/// The value fields a change can set, in column order.
pub const VALUE_FIELDS: [Field; 4] = [Field::FirstName, Field::LastName, Field::Gender, Field::Age];

impl JournalEntry {
    /// The value fields whose value the change set to something else.
    pub fn changed_fields(&self) -> Vec<Field> {
        VALUE_FIELDS
            .into_iter()
            .filter(|field| {
                self.old.as_ref().map(|s| s.value(*field))
                    != self.new.as_ref().map(|s| s.value(*field))
            })
            .collect()
    }

    /// `#12 updated #7: age 10 → 11` and the like, on one line.
    pub fn describe(&self) -> String {
        let what = match (&self.old, &self.new) {
            (None, Some(new)) => format!(
                "{} {} ({}, {})",
                new.first_name, new.last_name, new.gender, new.age
            ),
            (Some(old), None) => format!(
                "{} {} ({}, {})",
                old.first_name, old.last_name, old.gender, old.age
            ),
            (Some(old), Some(new)) => self
                .changed_fields()
                .iter()
                .map(|field| format!("{field} {} → {}", old.value(*field), new.value(*field)))
                .collect::<Vec<_>>()
                .join(", "),
            (None, None) => String::new(),
        };
        format!("{} #{}: {what}", self.action, self.profile_id)
    }
}

/// Which journal entries to read, newest first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HistoryQuery {
    pub profile_id: Option<i64>,
    pub since: Option<NaiveDateTime>,
    /// Entries older than this one only (paging back).
    pub before: Option<i64>,
    pub limit: i64,
}

/// A journal row as diesel reads it.
#[derive(Queryable)]
#[diesel(table_name = profile_changes)]
pub(crate) struct ChangeRow {
    id: i64,
    at: NaiveDateTime,
    profile_id: i64,
    action: String,
    old_first_name: Option<String>,
    old_last_name: Option<String>,
    old_gender: Option<String>,
    old_age: Option<i32>,
    old_created_at: Option<NaiveDateTime>,
    old_updated_at: Option<NaiveDateTime>,
    new_first_name: Option<String>,
    new_last_name: Option<String>,
    new_gender: Option<String>,
    new_age: Option<i32>,
    new_created_at: Option<NaiveDateTime>,
    new_updated_at: Option<NaiveDateTime>,
    source: String,
    db_user: Option<String>,
    os_user: Option<String>,
    session: Option<String>,
    reverts: Option<i64>,
}

impl From<ChangeRow> for JournalEntry {
    fn from(row: ChangeRow) -> JournalEntry {
        let state = |first_name: Option<String>,
                     last_name: Option<String>,
                     gender: Option<String>,
                     age: Option<i32>,
                     created_at: Option<NaiveDateTime>,
                     updated_at: Option<NaiveDateTime>| {
            Some(RowState {
                first_name: first_name?,
                last_name: last_name?,
                gender: gender?,
                age: age?,
                created_at: created_at?,
                updated_at: updated_at?,
            })
        };
        JournalEntry {
            id: row.id,
            at: row.at,
            profile_id: row.profile_id,
            action: ChangeAction::parse(&row.action),
            old: state(
                row.old_first_name,
                row.old_last_name,
                row.old_gender,
                row.old_age,
                row.old_created_at,
                row.old_updated_at,
            ),
            new: state(
                row.new_first_name,
                row.new_last_name,
                row.new_gender,
                row.new_age,
                row.new_created_at,
                row.new_updated_at,
            ),
            source: row.source,
            db_user: row.db_user,
            os_user: row.os_user,
            session: row.session,
            reverts: row.reverts,
        }
    }
}
