//! `profile-console export`: any view of the table (search, filter, order) as CSV, a JSON array or
//! JSON Lines, streamed page by page by keyset, so memory stays flat however many rows there are.

use std::io::{IsTerminal, Write};
use std::path::Path;

use anyhow::Context;

use crate::domain::{PageRequest, Profile, Towards, escape_for_terminal};
use crate::repository::Repository;

use super::Format;

/// Rows read per page.
const PAGE: i64 = 1_000;

/// Writes every row `view` selects, in its order, to `out`; returns how many. Text that reaches a
/// terminal is escaped; a file gets the values as stored.
pub fn export(
    repo: &mut Repository,
    view: PageRequest,
    format: Format,
    out: &mut dyn Write,
    to_terminal: bool,
) -> anyhow::Result<u64> {
    export_until(repo, view, format, out, to_terminal, &mut |_| true)
}

/// [`export`], telling `keep_going` the rows written after each page; it stops (with what is
/// written so far) when that says `false`.
pub fn export_until(
    repo: &mut Repository,
    view: PageRequest,
    format: Format,
    out: &mut dyn Write,
    to_terminal: bool,
    keep_going: &mut dyn FnMut(u64) -> bool,
) -> anyhow::Result<u64> {
    let shown = |text: &str| -> String {
        if to_terminal {
            escape_for_terminal(text).into_owned()
        } else {
            text.to_owned()
        }
    };
    let written = match format {
        Format::Csv => {
            let mut csv = csv::Writer::from_writer(&mut *out);
            csv.write_record(COLUMNS)?;
            let written = each_row(repo, view, keep_going, |profile| {
                csv.write_record([
                    profile.id.to_string(),
                    shown(&profile.first_name),
                    shown(&profile.last_name),
                    shown(&profile.gender),
                    profile.age.to_string(),
                    timestamp(profile.created_at),
                    timestamp(profile.updated_at),
                ])?;
                Ok(())
            })?;
            csv.flush()?;
            written
        }
        Format::Json | Format::Jsonl => {
            let array = format == Format::Json;
            if array {
                out.write_all(b"[")?;
            }
            let mut first = true;
            let written = each_row(repo, view, keep_going, |profile| {
                let mut line = serde_json::to_string(profile)?;
                if to_terminal {
                    line = crate::domain::escape_json_for_terminal(line);
                }
                if array {
                    out.write_all(if first { b"\n" } else { b",\n" })?;
                }
                first = false;
                out.write_all(line.as_bytes())?;
                if !array {
                    out.write_all(b"\n")?;
                }
                Ok(())
            })?;
            if array {
                out.write_all(if written == 0 { b"]\n" } else { b"\n]\n" })?;
            }
            written
        }
    };
    out.flush()?;
    Ok(written)
}

/// The columns, in the order CSV writes them.
const COLUMNS: [&str; 7] = [
    "id",
    "first_name",
    "last_name",
    "gender",
    "age",
    "created_at",
    "updated_at",
];

/// A timestamp as CSV writes it (UTC, microseconds).
fn timestamp(at: chrono::NaiveDateTime) -> String {
    at.format("%Y-%m-%d %H:%M:%S%.6f").to_string()
}

/// Calls `write` on every row `view` selects, a page at a time; returns how many.
fn each_row(
    repo: &mut Repository,
    view: PageRequest,
    keep_going: &mut dyn FnMut(u64) -> bool,
    mut write: impl FnMut(&Profile) -> anyhow::Result<()>,
) -> anyhow::Result<u64> {
    let mut written = 0u64;
    let mut anchor: Option<Profile> = None;
    loop {
        let page = repo.page(&PageRequest {
            anchor: anchor.take(),
            include_anchor: false,
            towards: Towards::Forward,
            limit: PAGE,
            ..view.clone()
        })?;
        for profile in &page {
            write(profile)?;
            written += 1;
        }
        if (page.len() as i64) < PAGE || !keep_going(written) {
            return Ok(written);
        }
        anchor = page.last().cloned();
    }
}

/// Where the export goes: a file (created, or replaced), or standard output.
pub fn open_output(path: Option<&Path>) -> anyhow::Result<(Box<dyn Write>, bool)> {
    match path {
        Some(path) if path != Path::new("-") => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("cannot write {}", path.display()))?;
            Ok((Box::new(std::io::BufWriter::new(file)), false))
        }
        _ => {
            let stdout = std::io::stdout();
            let terminal = stdout.is_terminal();
            Ok((Box::new(std::io::BufWriter::new(stdout.lock())), terminal))
        }
    }
}
