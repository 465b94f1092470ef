//! Export and import from the console, on a thread of their own with their own connection: the
//! screen and the table's worker never wait for them, and Esc stops them (`x` and `I`).

use crate::transfer::fifo::{End, is_fifo, open_unless_stopped};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::Sender;
use std::time::Instant;

use crate::db::DatabaseTarget;
use crate::domain::PageRequest;
use crate::repository::Repository;
use crate::transfer::Format;
use crate::transfer::import::{
    CountingReader, ImportOptions, ImportSummary, Sinks, import, thousands,
};

use super::events::UiEvent;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransferKind {
    Export,
    Import,
}

impl TransferKind {
    pub fn verb(self) -> &'static str {
        match self {
            TransferKind::Export => "exporting",
            TransferKind::Import => "importing",
        }
    }
}

/// What the app asks for: the kind, the file, the table's view (for an export) and the flag Esc
/// sets to stop it.
#[derive(Clone, Debug)]
pub struct TransferRequest {
    pub kind: TransferKind,
    pub path: PathBuf,
    pub view: PageRequest,
    pub stop: Arc<AtomicBool>,
    /// An import's mark on its changes in the journal: a session of its own (its own
    /// connection and checkpoint), which the console knows as its own import's.
    pub session: String,
}

/// How a transfer is getting on.
#[derive(Clone, Debug, PartialEq)]
pub enum TransferEvent {
    /// Rows done so far, and the share of the file read (imports of a file of known size).
    Progress { rows: u64, fraction: Option<f64> },
    /// Finished: what it did (`Ok`), or why it failed or stopped (`Err`).
    Done(Result<String, String>),
}

/// The format of a file named in a prompt ([`Format::for_file`]), or why it has none.
fn format_of(path: &std::path::Path) -> Result<Format, String> {
    Format::for_file(Some(path), None).ok_or_else(|| {
        format!(
            "cannot tell the format of {} from its name; name it .csv, .json or .jsonl",
            path.display()
        )
    })
}

/// Starts `request` on its own thread; its progress and end arrive as [`UiEvent::Transfer`].
pub fn spawn(target: DatabaseTarget, request: TransferRequest, events: Sender<UiEvent>) {
    let failed = events.clone();
    let spawned = std::thread::Builder::new()
        .name("transfer".into())
        .spawn(move || {
            let send = |event| {
                let _ = events.send(UiEvent::Transfer(event));
            };
            let done = match request.kind {
                TransferKind::Export => export(target, &request, &send),
                TransferKind::Import => run_import(target, &request, &send),
            };
            send(TransferEvent::Done(done));
        });
    if let Err(err) = spawned {
        let _ = failed.send(UiEvent::Transfer(TransferEvent::Done(Err(format!(
            "cannot start: {err}"
        )))));
    }
}

fn export(
    target: DatabaseTarget,
    request: &TransferRequest,
    send: &dyn Fn(TransferEvent),
) -> Result<String, String> {
    let started = Instant::now();
    let shown = request.path.display().to_string();
    let mut repo = Repository::open(target).map_err(|err| err.to_string())?;
    let format = format_of(&request.path)?;
    let _reader_found = wait_for_a_reader(request)?;
    let (mut out, _) = crate::transfer::export::Output::open(Some(&request.path))
        .map_err(|err| format!("{err:#}"))?;
    let written = crate::transfer::export::export_until(
        &mut repo,
        request.view.clone(),
        format,
        &mut out,
        false,
        &mut |rows| {
            send(TransferEvent::Progress {
                rows,
                fraction: None,
            });
            !request.stop.load(Ordering::Relaxed)
        },
    );
    match written {
        // Dropped unfinished: the partial file goes, a file of that name stays as it was.
        Ok(rows) if request.stop.load(Ordering::Relaxed) => Err(format!(
            "export stopped after {} rows; nothing written to {shown}",
            thousands(rows)
        )),
        Ok(rows) => match out.finish() {
            Ok(()) => Ok(format!(
                "exported {} profiles to {shown} in {:.1} s",
                thousands(rows),
                started.elapsed().as_secs_f64()
            )),
            Err(err) => Err(format!("export to {shown} failed: {err:#}")),
        },
        Err(err) => Err(format!("export to {shown} failed: {err:#}")),
    }
}

/// A FIFO waits for a reader: Esc stops the wait. The end opened here is held until the export
/// ends, so that the export's own open finds the reader there.
fn wait_for_a_reader(request: &TransferRequest) -> Result<Option<std::fs::File>, String> {
    if !is_fifo(&request.path) {
        return Ok(None);
    }
    let shown = request.path.display().to_string();
    open_unless_stopped(&request.path, End::Write, &request.stop)
        .ok_or_else(|| format!("export to {shown} stopped: nothing was reading it"))?
        .map(Some)
        .map_err(|err| format!("cannot write {shown}: {err}"))
}

fn run_import(
    target: DatabaseTarget,
    request: &TransferRequest,
    send: &dyn Fn(TransferEvent),
) -> Result<String, String> {
    let shown = request.path.display().to_string();
    let format = format_of(&request.path)?;
    // A FIFO waits for a writer: Esc stops the wait.
    let file = open_unless_stopped(&request.path, End::Read, &request.stop)
        .ok_or_else(|| format!("import of {shown} stopped before anything was read"))?
        .map_err(|err| format!("cannot read {shown}: {err}"))?;
    let size = file.metadata().ok().map(|metadata| metadata.len());
    let mut repo = Repository::open(target).map_err(|err| err.to_string())?;
    // A session of its own, which the console's live table knows (it badges the rows created).
    repo.set_session(request.session.clone())
        .map_err(|err| err.to_string())?;
    let read = Arc::new(AtomicU64::new(0));
    let input = Box::new(CountingReader::new(file, Arc::clone(&read)));
    let options = ImportOptions::new(format);
    let sinks = Sinks {
        on_batch: Some(Box::new(|summary: &ImportSummary| {
            let fraction = size
                .filter(|size| *size > 0)
                .map(|size| read.load(Ordering::Relaxed) as f64 / size as f64);
            send(TransferEvent::Progress {
                rows: summary.rows,
                fraction,
            });
        })),
        ..Sinks::default()
    };
    let (summary, failure) = import(&mut repo, input, &options, sinks, &request.stop);
    let counts = summary.describe();
    match failure {
        Some(err) if summary.rows == 0 => Err(format!("import of {shown} failed: {err}")),
        Some(err) => Err(format!(
            "import of {shown} stopped after line {} ({counts}; those are stored, nothing after \
             them): {err}",
            thousands(summary.last_line)
        )),
        None if summary.interrupted => Err(format!(
            "import of {shown} stopped after line {}: {counts}; those are stored",
            thousands(summary.last_line)
        )),
        None if summary.rejected > 0 => Err(format!(
            "imported {shown}: {counts} (`profile-console import {shown} --report FILE` says why)"
        )),
        None => Ok(format!("imported {shown}: {counts}")),
    }
}
