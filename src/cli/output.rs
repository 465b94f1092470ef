//! What the command line prints: one human line, or the stable JSON shape.

use serde::Serialize;

use crate::domain::{Change, Outcome, Profile, escape_for_terminal, escape_json_for_terminal};
use crate::repository::{JournalEntry, Undone};

#[derive(Serialize)]
struct OutcomeJson<'a> {
    outcome: &'static str,
    created: bool,
    profile: &'a Profile,
    changed: &'a [Change],
}

/// `created #12 Argo Saha (M, 10)`, `updated #12 … : age 10 → 11`, or the JSON object.
pub fn print_outcome(profile: &Profile, outcome: &Outcome, json: bool) -> anyhow::Result<()> {
    if json {
        let body = OutcomeJson {
            outcome: outcome.name(),
            created: outcome.created(),
            profile,
            changed: outcome.changes(),
        };
        println!(
            "{}",
            escape_json_for_terminal(serde_json::to_string(&body)?)
        );
    } else {
        println!("{}", outcome_line(profile, outcome));
    }
    Ok(())
}

/// `created #12 Argo Saha (M, 10)`.
pub fn outcome_line(profile: &Profile, outcome: &Outcome) -> String {
    format!("{outcome} {}", outcome.describe(profile))
}

pub fn print_profiles(profiles: &[Profile], json: bool) -> anyhow::Result<()> {
    if json {
        println!(
            "{}",
            escape_json_for_terminal(serde_json::to_string(profiles)?)
        );
        return Ok(());
    }
    let shown: Vec<[String; 3]> = profiles
        .iter()
        .map(|p| {
            [&p.first_name, &p.last_name, &p.gender]
                .map(|text| escape_for_terminal(text).into_owned())
        })
        .collect();
    let width = |column: usize, header: usize| {
        shown
            .iter()
            .map(|row| row[column].chars().count())
            .max()
            .unwrap_or(0)
            .max(header)
    };
    let id_w = profiles
        .iter()
        .map(|p| p.id.to_string().len())
        .max()
        .unwrap_or(0)
        .max(2);
    let first_w = width(0, 10);
    let last_w = width(1, 9);
    println!(
        "{:>id_w$}  {:<first_w$}  {:<last_w$}  gender  {:>3}  created_at           updated_at",
        "id", "first_name", "last_name", "age"
    );
    for (p, [first_name, last_name, gender]) in profiles.iter().zip(&shown) {
        println!(
            "{:>id_w$}  {:<first_w$}  {:<last_w$}  {:<6}  {:>3}  {}  {}",
            p.id,
            first_name,
            last_name,
            gender,
            p.age,
            p.created_at.format("%Y-%m-%d %H:%M:%S"),
            p.updated_at.format("%Y-%m-%d %H:%M:%S"),
        );
    }
    Ok(())
}

/// Prints `value` as one line of JSON, with anything that could steer the terminal escaped.
fn print_json(value: &impl Serialize) -> anyhow::Result<()> {
    println!(
        "{}",
        escape_json_for_terminal(serde_json::to_string(value)?)
    );
    Ok(())
}

#[derive(Serialize)]
struct DeletedJson<'a> {
    deleted: &'a Profile,
    change: Option<i64>,
}

/// `deleted #12 Argo Saha (M, 10) (change #40: profile-console undo 40 puts it back)`.
pub fn print_deleted(
    profile: &Profile,
    change: Option<&JournalEntry>,
    json: bool,
) -> anyhow::Result<()> {
    let change = change.map(|entry| entry.id);
    if json {
        return print_json(&DeletedJson {
            deleted: profile,
            change,
        });
    }
    let undo = change
        .map(|id| format!(" (change #{id}: `profile-console undo {id}` puts it back)"))
        .unwrap_or_default();
    println!("deleted {}{undo}", escape_for_terminal(&profile.summary()));
    Ok(())
}

/// One line per entry, newest first: `#40  2026-11-27 09:30:01  cli  me  deleted #12: …`.
pub fn print_history(entries: &[JournalEntry], json: bool) -> anyhow::Result<()> {
    if json {
        return print_json(&entries);
    }
    if entries.is_empty() {
        println!("no changes");
    }
    for entry in entries {
        let who = entry
            .os_user
            .as_deref()
            .or(entry.db_user.as_deref())
            .unwrap_or("-");
        let reverts = entry
            .reverts
            .map(|id| format!(" (undoes #{id})"))
            .unwrap_or_default();
        println!(
            "#{:<6} {}  {:<7} {:<10} {}{reverts}",
            entry.id,
            entry.at.format("%Y-%m-%d %H:%M:%S"),
            entry.source,
            escape_for_terminal(who),
            escape_for_terminal(&entry.describe())
        );
    }
    Ok(())
}

/// `undid change #40: restored #12 Argo Saha (M, 10)`.
pub fn print_undone(undone: &Undone, json: bool) -> anyhow::Result<()> {
    if json {
        return print_json(undone);
    }
    let what = match &undone.profile {
        Some(profile) => format!("{} {}", undone.action, profile.summary()),
        None => format!("deleted #{} again (undoing its create)", undone.profile_id),
    };
    println!(
        "undid change #{}: {}",
        undone.change,
        escape_for_terminal(&what)
    );
    Ok(())
}
