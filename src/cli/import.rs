//! `profile-console import`: the command-line face of [`crate::transfer::import`]: options,
//! a progress bar on a terminal, Ctrl-C, the rejected rows on stderr and the summary.

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::domain::escape_for_terminal;
use crate::repository::Repository;
use crate::transfer::Format;
use crate::transfer::import::{
    Checkpoint, CountingReader, ImportError, ImportOptions, ImportSummary, Mode, RejectsWriter,
    ReportWriter, RowReport, Sinks, import, thousands,
};

use super::Finished;

/// Rejected rows listed on stderr before the rest are only counted.
const REJECTS_SHOWN: u64 = 10;

/// Exit status when rows were rejected (the rest were imported).
pub const EXIT_REJECTED: u8 = 4;
/// Exit status of an import stopped by Ctrl-C (128 + SIGINT, as shells report it).
pub const EXIT_INTERRUPTED: u8 = 130;

/// The import command's arguments.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The file to read (`-`: standard input); the format follows its extension unless --format
    /// says.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// csv (with a header row), json (one array of objects) or jsonl (an object a line).
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// get-or-create: fetch the row the lookup finds, else create it; update-or-create: update
    /// it with the other columns, else create it.
    #[arg(long, value_enum, default_value = "get-or-create")]
    pub mode: Mode,
    /// The columns that find a row; the others are defaults.
    #[arg(
        long,
        value_name = "COLUMNS",
        value_delimiter = ',',
        default_value = "first_name,last_name"
    )]
    pub lookup: Vec<String>,
    /// update-or-create: columns used only when creating (the others are written to a found
    /// row); a created row then takes only the lookup and these.
    #[arg(long, value_name = "COLUMNS", value_delimiter = ',')]
    pub create_default_columns: Option<Vec<String>>,
    /// Write every row's outcome here: line, outcome, id, details (CSV; JSON Lines for a .jsonl
    /// or .json name).
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Write the rejected rows here, as they were read, in the input's format.
    #[arg(long, value_name = "FILE")]
    pub rejects: Option<PathBuf>,
    /// Report what would happen; write nothing (runs in one transaction, rolled back).
    #[arg(long)]
    pub dry_run: bool,
    /// Write nothing at all if any row is rejected (runs in one transaction).
    #[arg(long)]
    pub all_or_nothing: bool,
    /// Rows per transaction (default: 5,000 on a server; on SQLite batches of 5,000 committed
    /// up to 50,000 rows or two seconds at a time).
    #[arg(long, value_name = "ROWS", value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub batch_size: Option<u64>,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(repo: &mut Repository, args: ImportArgs) -> anyhow::Result<()> {
    let stdin = args.file == Path::new("-");
    let format = args
        .format
        .or_else(|| (!stdin).then(|| Format::of_path(&args.file)).flatten())
        .ok_or_else(|| {
            usage(format!(
                "cannot tell the format of {} from its name; say --format csv, json or jsonl",
                shown_path(&args.file)
            ))
        })?;
    let (input, size): (Box<dyn Read + Send>, Option<u64>) = if stdin {
        (Box::new(std::io::stdin()), None)
    } else {
        let file = std::fs::File::open(&args.file)
            .map_err(|err| usage(format!("cannot read {}: {err}", shown_path(&args.file))))?;
        let size = file.metadata().ok().map(|metadata| metadata.len());
        (Box::new(file), size)
    };
    let identity = format!(
        "{}\u{1f}{:?}\u{1f}{:?}\u{1f}{:?}\u{1f}{:?}",
        repo.target(),
        format,
        args.mode,
        args.lookup,
        args.create_default_columns
    );
    let checkpoint = (!stdin && !args.dry_run && !args.all_or_nothing)
        .then(|| Checkpoint::for_file(&args.file, &identity))
        .flatten();
    let resuming = checkpoint
        .as_ref()
        .map_or(0, |checkpoint| checkpoint.resume_point(repo).records);
    let options = ImportOptions {
        format,
        mode: args.mode,
        lookup: args.lookup.clone(),
        create_default_columns: args.create_default_columns.clone(),
        dry_run: args.dry_run,
        all_or_nothing: args.all_or_nothing,
        batch_rows: args
            .batch_size
            .map(|rows| usize::try_from(rows).unwrap_or(1)),
        checkpoint,
    };
    let sinks_report = args
        .report
        .as_deref()
        .map(ReportWriter::create)
        .transpose()
        .map_err(import_error)?;
    let sinks_rejects = args
        .rejects
        .as_deref()
        .map(|path| RejectsWriter::create(path, format))
        .transpose()
        .map_err(import_error)?;

    // The first Ctrl-C stops after the current batch; a second one ends the process at once.
    let stop = ctrl_c_stops();

    let read = Arc::new(AtomicU64::new(0));
    let input = Box::new(CountingReader::new(input, Arc::clone(&read)));
    // Rows typed at the terminal: say so (a spinner alone looks like a hang), and draw no
    // progress over what is being typed.
    let typed = stdin && std::io::stdin().is_terminal();
    let progress = if typed {
        let shape = match format {
            Format::Csv => "CSV, a header row first",
            Format::Json => "one JSON array",
            Format::Jsonl => "a JSON object a line",
        };
        eprintln!(
            "reading rows typed here ({shape}); end with Ctrl-D on a line of its own, or Ctrl-C \
             to give up"
        );
        ProgressBar::hidden()
    } else {
        progress_bar(size)
    };
    if resuming > 0 {
        progress.suspend(|| {
            eprintln!(
                "resuming: the first {} rows were done by an interrupted run of this import; \
                 they are looked up, not written again",
                thousands(resuming)
            );
        });
    }
    let mut shown = 0u64;
    let sinks = Sinks {
        report: sinks_report,
        rejects: sinks_rejects,
        on_row: Some(Box::new(|row: &RowReport<'_>| {
            if let Err(reason) = row.result {
                shown += 1;
                if shown <= REJECTS_SHOWN {
                    progress.suspend(|| {
                        eprintln!(
                            "line {}: rejected: {}",
                            row.line,
                            escape_for_terminal(reason)
                        );
                    });
                }
            }
        })),
        on_batch: Some(Box::new(|summary: &ImportSummary| {
            progress.set_position(read.load(Ordering::Relaxed));
            let rate = summary.rows as f64 / summary.elapsed.as_secs_f64().max(0.001);
            progress.set_message(format!(
                "{} rows · {} rows/s",
                thousands(summary.rows),
                thousands(rate as u64)
            ));
        })),
    };
    let (summary, failure) = import(repo, input, &options, sinks, &stop);
    progress.finish_and_clear();

    if summary.rejected > REJECTS_SHOWN {
        eprintln!(
            "… and {} more rejected rows{}",
            thousands(summary.rejected - REJECTS_SHOWN),
            if args.report.is_some() {
                " (the report lists every row)"
            } else {
                " (--report FILE lists every row)"
            }
        );
    }
    if args.json {
        println!("{}", serde_json::to_string(&summary)?);
    } else {
        print_summary(&summary, &args, failure.is_some());
    }
    if let Some(err) = failure {
        return Err(match err {
            ImportError::Database(err) => anyhow::Error::new(err),
            other => import_error(other),
        });
    }
    if summary.interrupted {
        return Err(Finished(EXIT_INTERRUPTED).into());
    }
    if summary.rejected > 0 {
        return Err(Finished(EXIT_REJECTED).into());
    }
    Ok(())
}

/// A flag the first Ctrl-C (or SIGTERM) sets: the command stops at its next safe point and ends
/// with [`EXIT_INTERRUPTED`]; a second one ends the process at once, with that status.
pub(super) fn ctrl_c_stops() -> Arc<AtomicBool> {
    let stop = Arc::new(AtomicBool::new(false));
    // SIGTERM too: a process manager or `timeout` asks the same way.
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        let _ = signal_hook::flag::register_conditional_shutdown(
            signal,
            i32::from(EXIT_INTERRUPTED),
            Arc::clone(&stop),
        );
        let _ = signal_hook::flag::register(signal, Arc::clone(&stop));
    }
    stop
}

fn print_summary(summary: &ImportSummary, args: &ImportArgs, failed: bool) {
    if failed && summary.rows == 0 && summary.resumed == 0 {
        // Stopped before its first row (a bad header, an unreadable file): the error says all.
        return;
    }
    let counts = summary.describe();
    let line = if args.dry_run {
        format!("dry run, nothing written: {counts}")
    } else if args.all_or_nothing && !summary.committed {
        if summary.rejected > 0 {
            format!("nothing written (--all-or-nothing, and rows were rejected): {counts}")
        } else {
            format!("nothing written: {counts}")
        }
    } else if summary.interrupted && summary.rows == 0 {
        "interrupted before any row was written: nothing is stored".to_owned()
    } else if summary.interrupted && args.file == Path::new("-") {
        format!(
            "interrupted after line {}: {counts}; those are stored",
            thousands(summary.last_line)
        )
    } else if summary.interrupted {
        format!(
            "interrupted after line {}: {counts}; those are stored. Run the same command again to \
             finish: the rows done are looked up, not written again",
            thousands(summary.last_line)
        )
    } else if failed {
        // The error that follows says what stopped it ("nothing was written": after these).
        format!(
            "stopped after line {}: {counts}; those are stored, nothing after them",
            thousands(summary.last_line)
        )
    } else {
        format!("imported {}: {counts}", shown_path(&args.file))
    };
    println!("{line}");
    if summary.resumed > 0 {
        println!(
            "({} of them done by the interrupted run before: looked up, not written again)",
            thousands(summary.resumed)
        );
    }
}

/// A bar with rows/s and the time left for a file of known size, a spinner for a pipe; nothing
/// when stderr is not a terminal.
fn progress_bar(size: Option<u64>) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = match size {
        Some(size) => ProgressBar::with_draw_target(Some(size), ProgressDrawTarget::stderr())
            .with_style(
                ProgressStyle::with_template("{bar:30} {percent:>3}%  {msg}  {eta} left")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            ),
        None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()).with_style(
            ProgressStyle::with_template("{spinner} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        ),
    };
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    bar
}

fn shown_path(path: &Path) -> String {
    escape_for_terminal(&path.display().to_string()).into_owned()
}

fn usage(message: String) -> anyhow::Error {
    super::UsageError(message).into()
}

fn import_error(err: ImportError) -> anyhow::Error {
    match err.exit_code() {
        2 => usage(err.to_string()),
        _ => anyhow::Error::msg(err.to_string()),
    }
}
