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

/// Where an export goes: standard output, or a file that appears only once it is whole.
pub struct Output {
    writer: Box<dyn Write>,
    /// Where it goes, for messages.
    shown: String,
    /// Written under a temporary name beside the file, renamed over it by [`Output::finish`]:
    /// an export that fails, is stopped or is killed half-way never leaves a cut-off file that
    /// looks like a whole one (nor replaces a file that was there before with one).
    pending: Option<Pending>,
}

struct Pending {
    temporary: std::path::PathBuf,
    target: std::path::PathBuf,
    /// The temporary file, to be made durable before it is renamed into place.
    file: std::fs::File,
}

impl Output {
    /// Where the export goes: a file (created, or replaced once the export is whole), or standard
    /// output (`None` or `-`); and whether that is a terminal (whose text is escaped).
    pub fn open(path: Option<&Path>) -> anyhow::Result<(Output, bool)> {
        let Some(path) = path.filter(|path| *path != Path::new("-")) else {
            let stdout = std::io::stdout();
            let terminal = stdout.is_terminal();
            let writer = Box::new(std::io::BufWriter::new(stdout.lock()));
            return Ok((
                Output {
                    writer,
                    shown: "standard output".to_owned(),
                    pending: None,
                },
                terminal,
            ));
        };
        let cannot = || format!("cannot write {}", path.display());
        let existing = std::fs::symlink_metadata(path);
        match &existing {
            Ok(meta) if meta.is_dir() => {
                anyhow::bail!("cannot write {}: it is a directory", path.display())
            }
            // A device, a pipe or a link: written to as it is (a rename would replace it).
            Ok(meta) if !meta.is_file() => {
                let file = std::fs::OpenOptions::new()
                    .write(true)
                    .truncate(true)
                    .open(path)
                    .with_context(cannot)?;
                let writer = Box::new(std::io::BufWriter::new(file));
                return Ok((
                    Output {
                        writer,
                        shown: path.display().to_string(),
                        pending: None,
                    },
                    false,
                ));
            }
            _ => {}
        }
        let name = path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        let temporary = path.with_file_name(format!(".{name}.partial-{}", std::process::id()));
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&temporary)
            .with_context(cannot)?;
        if let Ok(meta) = &existing {
            // The file it replaces keeps its permissions (one kept private stays private).
            let _ = file.set_permissions(meta.permissions());
        }
        let kept = file.try_clone().with_context(cannot)?;
        Ok((
            Output {
                writer: Box::new(std::io::BufWriter::new(file)),
                shown: path.display().to_string(),
                pending: Some(Pending {
                    temporary,
                    target: path.to_owned(),
                    file: kept,
                }),
            },
            false,
        ))
    }

    /// The export is whole: flushed, on disk, and the file put in place (a crash right after
    /// leaves the whole file, never an empty one under its name).
    pub fn finish(mut self) -> anyhow::Result<()> {
        self.flush()?;
        if let Some(pending) = self.pending.take() {
            self.writer = Box::new(std::io::sink());
            let placed = pending
                .file
                .sync_all()
                .and_then(|()| std::fs::rename(&pending.temporary, &pending.target));
            if let Err(err) = placed {
                let _ = std::fs::remove_file(&pending.temporary);
                return Err(failed(&self.shown, true, err).into());
            }
            if let Some(dir) = pending.target.parent().map(|dir| {
                if dir.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    dir
                }
            }) && let Ok(dir) = std::fs::File::open(dir)
            {
                // The rename itself, on disk (best effort: the file is whole either way).
                let _ = dir.sync_all();
            }
        }
        Ok(())
    }

    fn failed(&self, err: std::io::Error) -> std::io::Error {
        failed(&self.shown, self.pending.is_some(), err)
    }
}

/// `err` while writing to `shown`, as one sentence naming it; `whole_or_nothing`: a file that
/// appears only once whole, so that nothing was written to it.
fn failed(shown: &str, whole_or_nothing: bool, err: std::io::Error) -> std::io::Error {
    let why = super::write_failure(&err);
    let nothing = if whole_or_nothing {
        "; nothing was written to it"
    } else {
        ""
    };
    std::io::Error::new(
        err.kind(),
        format!("cannot write to {shown}: {why}{nothing}"),
    )
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.writer.write(buf).map_err(|err| self.failed(err))
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.writer.flush().map_err(|err| self.failed(err))
    }
}

impl Drop for Output {
    /// Not finished (a failure, a stop): the partial file goes, and any file of that name that
    /// was there before stays as it was.
    fn drop(&mut self) {
        if let Some(pending) = self.pending.take() {
            self.writer = Box::new(std::io::sink());
            let _ = std::fs::remove_file(&pending.temporary);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::os::unix::fs::FileTypeExt;

    use super::Output;

    #[test]
    fn a_file_appears_only_once_the_export_is_whole() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("out.csv");
        std::fs::write(&path, "before\n")?;
        let names = || -> Vec<String> {
            let mut names: Vec<String> = std::fs::read_dir(dir.path())
                .map(|entries| {
                    entries
                        .filter_map(Result::ok)
                        .map(|entry| entry.file_name().to_string_lossy().into_owned())
                        .collect()
                })
                .unwrap_or_default();
            names.sort();
            names
        };

        // Stopped or failed half-way: the file of that name stays as it was, nothing else stays.
        let (mut out, terminal) = Output::open(Some(&path))?;
        assert!(!terminal);
        out.write_all(b"id,first_name\n1,Ada\n")?;
        assert_eq!(std::fs::read_to_string(&path)?, "before\n");
        drop(out);
        assert_eq!(std::fs::read_to_string(&path)?, "before\n");
        assert_eq!(names(), ["out.csv"]);

        // Whole: it replaces the file, keeping its permissions.
        std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
        let (mut out, _) = Output::open(Some(&path))?;
        out.write_all(b"id,first_name\n1,Ada\n")?;
        out.finish()?;
        assert_eq!(std::fs::read_to_string(&path)?, "id,first_name\n1,Ada\n");
        assert_eq!(names(), ["out.csv"]);
        let mode =
            std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&path)?.permissions());
        assert_eq!(mode & 0o777, 0o600);
        Ok(())
    }

    #[test]
    fn a_directory_is_refused_and_a_device_is_written_as_it_is() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let err = Output::open(Some(dir.path()))
            .err()
            .map(|err| err.to_string());
        assert!(
            err.as_deref()
                .is_some_and(|err| err.ends_with("it is a directory")),
            "{err:?}"
        );
        let (mut out, _) = Output::open(Some(std::path::Path::new("/dev/null")))?;
        out.write_all(b"x\n")?;
        out.finish()?;
        assert!(std::fs::metadata("/dev/null")?.file_type().is_char_device());
        Ok(())
    }
}
