//! Import: every record of a file run through get_or_create or update_or_create, in file order,
//! with an outcome for each (`docs/semantics.md`, "Bulk import"). The repository runs the
//! batches ([`Repository::import`]); this side reads and validates the records, and hands each
//! row's outcome to a report, a rejects file, counters and whoever watches.

use std::collections::{HashSet, VecDeque};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::RecvTimeoutError;
use std::time::{Duration, Instant};

use crate::domain::{Field, GetOrCreate, Outcome, Profile, UpdateOrCreate};
use crate::error::Error;
use crate::repository::{BulkRequest, ImportCommit, ImportFeed, Repository, RowResult};

use super::Format;
use super::read::{Raw, ReadError, Record, Records, Values};

/// Rows per batch (one transaction each, unless the import is all-or-nothing or a dry run) on a
/// database server: short enough that other writers wait little on the rows it locks.
pub const DEFAULT_BATCH_ROWS: usize = 5_000;
/// Rows per batch on SQLite. Batches are committed in groups there (`bulk::SQLITE_GROUP_ROWS`),
/// so the batch sets only how much is worked on at once: a million rows of 30-character names
/// peak at 88 MB resident at 5,000 a batch (86 s), at 120 MB at 10,000 (106 s); demo names at
/// 77 MB either way (38 s).
pub const SQLITE_BATCH_ROWS: usize = 5_000;

/// Which operation each row runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Mode {
    /// Fetch the row the lookup finds, or create it (the other columns are defaults).
    #[default]
    GetOrCreate,
    /// Update the row the lookup finds with the other columns, or create it.
    UpdateOrCreate,
}

/// What an import does, besides its input.
#[derive(Clone, Debug)]
pub struct ImportOptions {
    pub format: Format,
    pub mode: Mode,
    /// The lookup columns (`first_name`, `last_name` unless told otherwise).
    pub lookup: Vec<String>,
    /// update_or_create: the columns used only to create (`None`: the defaults create too).
    pub create_default_columns: Option<Vec<String>>,
    /// Report the outcomes, write nothing.
    pub dry_run: bool,
    /// Write nothing if any row is rejected.
    pub all_or_nothing: bool,
    /// Rows per batch; `None`: [`DEFAULT_BATCH_ROWS`], or [`SQLITE_BATCH_ROWS`] on SQLite.
    pub batch_rows: Option<usize>,
    /// Where an interrupted import notes how far it got, so the next run of the same command
    /// goes on from there (`None`: stdin, or a dry run).
    pub checkpoint: Option<Checkpoint>,
}

impl ImportOptions {
    pub fn new(format: Format) -> Self {
        ImportOptions {
            format,
            mode: Mode::GetOrCreate,
            lookup: vec!["first_name".to_owned(), "last_name".to_owned()],
            create_default_columns: None,
            dry_run: false,
            all_or_nothing: false,
            batch_rows: None,
            checkpoint: None,
        }
    }

    fn commit(&self) -> ImportCommit {
        if self.dry_run || self.all_or_nothing {
            ImportCommit::AtEnd
        } else if self.batch_rows.is_some() {
            // Rows per transaction, as asked.
            ImportCommit::EachBatch
        } else {
            ImportCommit::Groups
        }
    }
}

/// The counts of an import, and how it ended.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportSummary {
    pub rows: u64,
    pub created: u64,
    pub fetched: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub rejected: u64,
    /// Rows an earlier, interrupted run of the same import had done: looked up, not written
    /// again (reported as fetched or unchanged).
    pub resumed: u64,
    /// Whether the writes were stored (false for a dry run, or an all-or-nothing import with a
    /// rejected row, or one in a single transaction that was interrupted).
    pub committed: bool,
    /// Stopped early by an interruption: the rows after `rows` were not read.
    pub interrupted: bool,
    /// The line of the last row done.
    pub last_line: u64,
    #[serde(serialize_with = "seconds")]
    pub elapsed: Duration,
}

fn seconds<S: serde::Serializer>(elapsed: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_f64((elapsed.as_secs_f64() * 1000.0).round() / 1000.0)
}

impl ImportSummary {
    /// `1,000 rows in 0.8 s: 600 created, 300 fetched, 100 rejected`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        for (count, word) in [
            (self.created, "created"),
            (self.fetched, "fetched"),
            (self.updated, "updated"),
            (self.unchanged, "unchanged"),
            (self.rejected, "rejected"),
        ] {
            if count > 0 {
                parts.push(format!("{} {word}", thousands(count)));
            }
        }
        if parts.is_empty() {
            parts.push("nothing to do".to_owned());
        }
        let rows = if self.rows == 1 { "row" } else { "rows" };
        format!(
            "{} {rows} in {:.1} s: {}",
            thousands(self.rows),
            self.elapsed.as_secs_f64(),
            parts.join(", ")
        )
    }
}

/// `1234567` as `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (at, c) in digits.chars().enumerate() {
        if at > 0 && (digits.len() - at).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// One row's outcome, as the report and the watchers see it.
#[derive(Debug)]
pub struct RowReport<'a> {
    pub line: u64,
    pub result: &'a Result<(Profile, Outcome), String>,
    pub raw: &'a Raw,
}

/// What went wrong with an import as a whole.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The options, the header or the file's structure: nothing (more) can be read.
    #[error("{0}")]
    Input(String),
    /// The database failed; the batches reported done before it are stored (unless the
    /// import ran in one transaction).
    #[error(transparent)]
    Database(#[from] Error),
    /// The report or the rejects file could not be written.
    #[error("{0}")]
    Output(String),
}

impl ImportError {
    /// 2 for bad input or options, 1 for anything else.
    pub fn exit_code(&self) -> u8 {
        match self {
            ImportError::Input(_) => 2,
            ImportError::Database(err) if err.is_invalid_input() => 2,
            _ => 1,
        }
    }
}

/// Counts the bytes read through it, for a progress bar.
pub struct CountingReader<R> {
    inner: R,
    read: Arc<AtomicU64>,
}

impl<R: Read> CountingReader<R> {
    pub fn new(inner: R, read: Arc<AtomicU64>) -> Self {
        CountingReader { inner, read }
    }
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Which columns play which part.
#[derive(Clone, Debug)]
struct Columns {
    lookup: Vec<Field>,
    create_only: Option<Vec<Field>>,
}

/// Columns an import reads but does not write: the database sets them.
pub const SET_BY_THE_DATABASE: [&str; 3] = ["id", "created_at", "updated_at"];

impl Columns {
    fn plan(options: &ImportOptions) -> Result<Columns, String> {
        let field = |name: &str, what: &str| -> Result<Field, String> {
            name.trim().parse::<Field>().map_err(|_| {
                format!(
                    "{what} names {:?}, which is not a column (id, first_name, last_name, gender, age)",
                    name.trim()
                )
            })
        };
        let lookup = options
            .lookup
            .iter()
            .map(|name| field(name, "--lookup"))
            .collect::<Result<Vec<Field>, String>>()?;
        if lookup.is_empty() {
            return Err("--lookup needs at least one column".to_owned());
        }
        let create_only = match &options.create_default_columns {
            None => None,
            Some(_) if options.mode == Mode::GetOrCreate => {
                return Err(
                    "--create-default-columns is for --mode update-or-create (get_or_create \
                     creates with the defaults)"
                        .to_owned(),
                );
            }
            Some(names) => Some(
                names
                    .iter()
                    .map(|name| {
                        let column = field(name, "--create-default-columns")?;
                        if column == Field::Id || lookup.contains(&column) {
                            return Err(format!(
                                "--create-default-columns names {column}, which is {}",
                                if column == Field::Id {
                                    "set by the database"
                                } else {
                                    "a lookup column"
                                }
                            ));
                        }
                        Ok(column)
                    })
                    .collect::<Result<Vec<Field>, String>>()?,
            ),
        };
        Ok(Columns {
            lookup,
            create_only,
        })
    }

    /// A CSV header must name known columns, each once, the lookup columns among them.
    fn check_header(&self, header: &[String]) -> Result<(), String> {
        let mut seen = HashSet::new();
        for name in header {
            if !is_known(name) {
                if let Some(separator) = [';', '\t', '|']
                    .into_iter()
                    .find(|separator| header.len() == 1 && name.contains(*separator))
                {
                    return Err(format!(
                        "the header {name:?} seems separated by {separator:?}, but only commas \
                         separate columns here: save the file as comma-separated CSV"
                    ));
                }
                return Err(format!(
                    "the header names {name:?}, which is not a column: expected first_name, \
                     last_name, gender and age (id, created_at and updated_at are read and \
                     left to the database)"
                ));
            }
            if !seen.insert(name.as_str()) {
                return Err(format!("the header names {name} twice"));
            }
        }
        let missing: Vec<&str> = self
            .lookup
            .iter()
            .map(|field| field.name())
            .filter(|name| !seen.contains(name))
            .collect();
        if !missing.is_empty() {
            return Err(format!(
                "the header has no {} column, which the lookup needs (--lookup)",
                missing.join(" or ")
            ));
        }
        Ok(())
    }

    /// One record's request, validated by the rules every path uses.
    fn request(&self, mode: Mode, values: &Values) -> Result<BulkRequest, String> {
        let mut lookup = Vec::new();
        let mut defaults = Vec::new();
        let mut create = Vec::new();
        for (name, value) in values {
            if !is_known(name) {
                return Err(format!("{name:?} is not a column"));
            }
            let Ok(field) = name.parse::<Field>() else {
                continue; // created_at / updated_at
            };
            let value = value.as_deref().unwrap_or_default();
            if self.lookup.contains(&field) {
                if value.is_empty() {
                    return Err(format!("{name} is empty, and it is a lookup column"));
                }
                lookup.push((name.as_str(), value));
            } else if field == Field::Id || value.is_empty() {
                // The database sets ids; an empty field gives no value.
            } else if self
                .create_only
                .as_ref()
                .is_some_and(|columns| columns.contains(&field))
            {
                create.push((name.as_str(), value));
            } else {
                defaults.push((name.as_str(), value));
            }
        }
        if let Some(missing) = self
            .lookup
            .iter()
            .find(|field| !lookup.iter().any(|(name, _)| *name == field.name()))
        {
            return Err(format!("has no {missing}, and it is a lookup column"));
        }
        let request = match mode {
            Mode::GetOrCreate => {
                GetOrCreate::parse(&lookup, &defaults).map(BulkRequest::GetOrCreate)
            }
            Mode::UpdateOrCreate => UpdateOrCreate::parse(
                &lookup,
                &defaults,
                self.create_only.as_ref().map(|_| create.as_slice()),
            )
            .map(BulkRequest::UpdateOrCreate),
        };
        request.map_err(|invalid| invalid.to_string())
    }
}

fn is_known(name: &str) -> bool {
    name.parse::<Field>().is_ok() || SET_BY_THE_DATABASE.contains(&name)
}

/// The column a CSV header spells another way, as spreadsheets title them: `First Name`,
/// `first-name`, `FirstName` and `FIRST_NAME` are all `first_name`. `None` for a name that is
/// no column's.
fn canonical_column(name: &str) -> Option<&'static str> {
    let squeezed = |name: &str| -> String {
        name.chars()
            .filter(|c| !matches!(c, ' ' | '_' | '-'))
            .flat_map(char::to_lowercase)
            .collect()
    };
    let wanted = squeezed(name);
    Field::ALL
        .iter()
        .map(|field| field.name())
        .chain(SET_BY_THE_DATABASE)
        .find(|column| squeezed(column) == wanted)
}

/// Hears one row's outcome.
pub type OnRow<'a> = Box<dyn FnMut(&RowReport<'_>) + 'a>;
/// Hears the running summary.
pub type OnBatch<'a> = Box<dyn FnMut(&ImportSummary) + 'a>;

/// Where the outcomes go as they come: any of a report, a rejects file and a watcher.
#[derive(Default)]
pub struct Sinks<'a> {
    pub report: Option<ReportWriter>,
    pub rejects: Option<RejectsWriter>,
    /// Hears every row's outcome (the console badges rows with it; the CLI lists rejections).
    pub on_row: Option<OnRow<'a>>,
    /// Hears the running summary after each batch.
    pub on_batch: Option<OnBatch<'a>>,
}

/// Runs the import of `input`. Returns the summary, and the error that ended it early if one
/// did (the summary then says how far it got). `stop` interrupts it after the current batch.
pub fn import(
    repo: &mut Repository,
    input: Box<dyn Read + Send>,
    options: &ImportOptions,
    mut sinks: Sinks<'_>,
    stop: &AtomicBool,
) -> (ImportSummary, Option<ImportError>) {
    let started = Instant::now();
    let fail = |err: ImportError| {
        let summary = ImportSummary {
            elapsed: started.elapsed(),
            ..ImportSummary::default()
        };
        (summary, Some(err))
    };
    let columns = match Columns::plan(options) {
        Ok(columns) => columns,
        Err(problem) => return fail(ImportError::Input(problem)),
    };
    let format = options.format;
    let mut records = match unless_stopped(stop, move || Records::open(input, format)) {
        Some(Ok(records)) => records,
        Some(Err(err)) => return fail(ImportError::Input(err.to_string())),
        None => {
            let summary = ImportSummary {
                elapsed: started.elapsed(),
                interrupted: true,
                ..ImportSummary::default()
            };
            return (summary, None);
        }
    };
    records.rename_columns(canonical_column);
    if let Some(header) = records.header()
        && let Err(problem) = columns.check_header(header)
    {
        return fail(ImportError::Input(format!("line 1: {problem}")));
    }
    if let (Some(rejects), Some(header)) = (&mut sinks.rejects, records.header_raw())
        && let Err(err) = rejects.header(header)
    {
        return fail(err);
    }
    let resume = match &options.checkpoint {
        Some(checkpoint) if !options.dry_run && !options.all_or_nothing => {
            checkpoint.resume_point(repo)
        }
        _ => Resume::default(),
    };
    let resume_before = resume.records;
    let batch_rows = options.batch_rows.unwrap_or(match repo.backend() {
        crate::db::Backend::Sqlite => SQLITE_BATCH_ROWS,
        _ => DEFAULT_BATCH_ROWS,
    });
    let reader = Reader {
        records,
        columns,
        mode: options.mode,
        resume_before,
        batch_rows: batch_rows.max(1),
        read: 0,
        ended: false,
    };
    // The records are read and validated on a thread of their own, a batch ahead, while this
    // one runs the batches (a re-import of rows that all exist spends a quarter of its time
    // reading and validating). It is not waited for: an input that stops sending (a pipe, a
    // terminal) must not keep a stop waiting. Once the feed is gone it ends at its next batch.
    let (sender, incoming) = std::sync::mpsc::sync_channel(READ_AHEAD);
    std::thread::spawn(move || reader.run(&sender));
    let (summary, failure) = {
        let mut feed = Feed {
            incoming,
            options,
            stop,
            sinks,
            batches: VecDeque::new(),
            summary: ImportSummary::default(),
            failure: None,
            started,
            session: repo.session().to_owned(),
            changed_by: resume.changed_by,
        };
        let committed = repo.import(&mut feed, options.commit());
        let Feed {
            mut sinks,
            mut summary,
            mut failure,
            ..
        } = feed;
        summary.elapsed = started.elapsed();
        match committed {
            Ok(committed) => summary.committed = committed,
            Err(err) => {
                summary.committed = options.commit().as_it_goes();
                failure = failure.or(Some(ImportError::Database(err)));
            }
        }
        for finish in [
            sinks.report.as_mut().map(ReportWriter::flush),
            sinks.rejects.as_mut().map(RejectsWriter::finish),
        ]
        .into_iter()
        .flatten()
        {
            if let Err(err) = finish {
                failure = failure.or(Some(err));
            }
        }
        (summary, failure)
    };
    if let Some(checkpoint) = &options.checkpoint
        && summary.committed
        && failure.is_none()
        && !summary.interrupted
    {
        checkpoint.clear();
    }
    (summary, failure)
}

/// Runs `work` (a read of the input that may wait for ever: a header row that never comes down a
/// pipe) on a thread of its own, and waits for it unless `stop` is raised first: then `None`,
/// and the thread is left to end on its own.
fn unless_stopped<T: Send + 'static>(
    stop: &AtomicBool,
    work: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = send.send(work());
    });
    loop {
        match receive.recv_timeout(super::fifo::POLL) {
            Ok(done) => return Some(done),
            Err(RecvTimeoutError::Timeout) if stop.load(Ordering::Relaxed) => return None,
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return None,
        }
    }
}

/// A row of the batch being run.
struct Pending {
    line: u64,
    raw: Raw,
    /// Validated, or why not.
    request: Result<(), String>,
    /// Done by an earlier, interrupted run: only looked up now.
    resumed: Option<Mode>,
}

struct PendingBatch {
    rows: Vec<Pending>,
    /// Records read once this batch was: where a re-run resumes once it is committed.
    read_after: u64,
}

/// Batches waiting between the reader and the batch being run: none, so the reader prepares the
/// next batch while one runs, then hands it over directly (each batch held costs memory: a
/// million-row import peaks near 80 MB as it is).
const READ_AHEAD: usize = 0;

/// A batch as the reader hands it over: its rows, and the requests of those that are valid.
struct ReadBatch {
    pending: PendingBatch,
    requests: Vec<BulkRequest>,
}

/// Reads the records and validates them, a batch at a time, on the reading thread.
struct Reader {
    records: Records,
    columns: Columns,
    mode: Mode,
    resume_before: u64,
    batch_rows: usize,
    /// Records read so far.
    read: u64,
    /// The input has ended.
    ended: bool,
}

impl Reader {
    /// Sends the batches in order, then the error that ended the input early, if one did; stops
    /// when nobody listens any more.
    fn run(mut self, out: &std::sync::mpsc::SyncSender<Result<ReadBatch, ReadError>>) {
        loop {
            let mut failure = None;
            let batch = self.batch(&mut failure);
            let end = batch.is_none();
            if let Some(batch) = batch
                && out.send(Ok(batch)).is_err()
            {
                return;
            }
            if let Some(err) = failure {
                let _ = out.send(Err(err));
                return;
            }
            if end {
                return;
            }
        }
    }

    /// The next batch (`None` at the end); a read error ends it early and is kept in `failure`.
    fn batch(&mut self, failure: &mut Option<ReadError>) -> Option<ReadBatch> {
        let mut rows = Vec::with_capacity(self.batch_rows);
        let mut requests = Vec::with_capacity(self.batch_rows);
        while rows.len() < self.batch_rows && !self.ended {
            let record: Record = match self.records.next_record() {
                Ok(Some(record)) => record,
                Ok(None) => {
                    // Never read past the end again: at a terminal, Ctrl-D ends the input once,
                    // and another read would wait for a second one.
                    self.ended = true;
                    break;
                }
                Err(err) => {
                    *failure = Some(err);
                    break;
                }
            };
            self.read += 1;
            let resumed = (self.read <= self.resume_before).then_some(self.mode);
            let request = record
                .values
                .and_then(|values| self.columns.request(self.mode, &values))
                .map(|request| match (request, resumed) {
                    // Done before: look it up, write nothing (update_or_create's row already
                    // holds what this one sets, unless a later row changed it again).
                    (BulkRequest::UpdateOrCreate(update), Some(_)) => {
                        BulkRequest::GetOrCreate(GetOrCreate {
                            defaults: update.create_values().clone(),
                            lookup: update.lookup,
                        })
                    }
                    (request, _) => request,
                });
            rows.push(Pending {
                line: record.line,
                raw: record.raw,
                request: request.map(|request| requests.push(request)),
                resumed,
            });
        }
        (!rows.is_empty()).then_some(ReadBatch {
            pending: PendingBatch {
                rows,
                read_after: self.read,
            },
            requests,
        })
    }
}

struct Feed<'o, 's> {
    /// The batches read and validated so far, then the error that ended the input early if one
    /// did; closed at the end of the input.
    incoming: std::sync::mpsc::Receiver<Result<ReadBatch, ReadError>>,
    options: &'o ImportOptions,
    stop: &'o AtomicBool,
    sinks: Sinks<'s>,
    /// The batches handed out whose outcomes have not come back yet, oldest first (more than
    /// one when the repository commits several batches together).
    batches: VecDeque<PendingBatch>,
    summary: ImportSummary,
    failure: Option<ImportError>,
    started: Instant,
    /// This run's mark in the journal.
    session: String,
    /// The mark of a run of this import whose changes are stored (this one's, once it has
    /// made one), for the checkpoint.
    changed_by: Option<String>,
}

impl ImportFeed for Feed<'_, '_> {
    fn next_batch(&mut self) -> Option<Vec<BulkRequest>> {
        if self.failure.is_some() {
            return None;
        }
        if self.stop.load(Ordering::Relaxed) {
            self.summary.interrupted = true;
            return None;
        }
        let next = loop {
            match self.incoming.recv_timeout(super::fifo::POLL) {
                Err(RecvTimeoutError::Timeout) if self.stop.load(Ordering::Relaxed) => {
                    self.summary.interrupted = true;
                    return None;
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break Err(()),
                Ok(next) => break Ok(next),
            }
        };
        match next {
            Ok(Ok(batch)) => {
                self.batches.push_back(batch.pending);
                Some(batch.requests)
            }
            Ok(Err(err)) => {
                self.failure = Some(read_failure(err));
                None
            }
            Err(_) => None,
        }
    }

    fn outcomes(&mut self, outcomes: Vec<RowResult>) {
        let Some(batch) = self.batches.pop_front() else {
            return;
        };
        let mut outcomes = outcomes.into_iter();
        for pending in &batch.rows {
            let result: Result<(Profile, Outcome), String> = match &pending.request {
                Err(reason) => Err(reason.clone()),
                Ok(()) => match outcomes.next() {
                    Some(Ok((profile, outcome))) => Ok((profile, outcome)),
                    Some(Err(err)) => Err(err.to_string()),
                    None => Err("no outcome (an internal error)".to_owned()),
                },
            };
            let result = match (result, pending.resumed) {
                (Ok((profile, Outcome::Fetched)), Some(Mode::UpdateOrCreate)) => {
                    Ok((profile, Outcome::Unchanged))
                }
                (result, _) => result,
            };
            let summary = &mut self.summary;
            summary.rows += 1;
            summary.last_line = pending.line;
            if pending.resumed.is_some() {
                summary.resumed += 1;
            }
            match &result {
                Ok((_, Outcome::Created)) => summary.created += 1,
                Ok((_, Outcome::Fetched)) => summary.fetched += 1,
                Ok((_, Outcome::Updated(_))) => summary.updated += 1,
                Ok((_, Outcome::Unchanged)) => summary.unchanged += 1,
                Err(_) => summary.rejected += 1,
            }
            if matches!(&result, Ok((_, Outcome::Created | Outcome::Updated(_))))
                && self.changed_by.as_deref() != Some(self.session.as_str())
            {
                self.changed_by = Some(self.session.clone());
            }
            let report = RowReport {
                line: pending.line,
                result: &result,
                raw: &pending.raw,
            };
            let written = [
                self.sinks
                    .report
                    .as_mut()
                    .map(|report_writer| report_writer.row(&report)),
                match (&mut self.sinks.rejects, &result) {
                    (Some(rejects), Err(_)) => Some(rejects.row(&pending.raw)),
                    _ => None,
                },
            ];
            for written in written.into_iter().flatten() {
                if let Err(err) = written {
                    self.failure.get_or_insert(err);
                }
            }
            if let Some(on_row) = &mut self.sinks.on_row {
                on_row(&report);
            }
        }
        // Each batch's outcomes reach the files before the next batch runs: a report that
        // cannot be written (a full disk) stops the import one batch on, not at the end.
        let flushed = [
            self.sinks.report.as_mut().map(ReportWriter::flush),
            self.sinks.rejects.as_mut().map(RejectsWriter::flush),
        ];
        for flushed in flushed.into_iter().flatten() {
            if let Err(err) = flushed {
                self.failure.get_or_insert(err);
            }
        }
        self.summary.elapsed = self.started.elapsed();
        if let Some(checkpoint) = &self.options.checkpoint
            && self.options.commit().as_it_goes()
        {
            checkpoint.save(batch.read_after, self.changed_by.as_deref());
        }
        if let Some(on_batch) = &mut self.sinks.on_batch {
            on_batch(&self.summary);
        }
    }

    fn commit_at_end(&self) -> bool {
        let refused = self.options.all_or_nothing && self.summary.rejected > 0;
        let stopped = self.summary.interrupted || self.failure.is_some();
        !(self.options.dry_run || refused || stopped)
    }
}

fn read_failure(err: ReadError) -> ImportError {
    ImportError::Input(err.to_string())
}

/// The outcome of every row: CSV (`line,outcome,id,details`) or, for a `.json` / `.jsonl`
/// path, JSON Lines.
pub struct ReportWriter {
    out: ReportOut,
    path: PathBuf,
}

enum ReportOut {
    Csv(Box<csv::Writer<Box<dyn Write>>>),
    Lines(Box<dyn Write>),
}

impl ReportWriter {
    pub fn create(path: &Path) -> Result<Self, ImportError> {
        let file = create(path)?;
        let out = match Format::of_path(path) {
            Some(Format::Json | Format::Jsonl) => ReportOut::Lines(file),
            _ => {
                let mut csv = csv::Writer::from_writer(file);
                csv.write_record(["line", "outcome", "id", "details"])
                    .map_err(|err| output_error(path, csv_io(err)))?;
                ReportOut::Csv(Box::new(csv))
            }
        };
        Ok(ReportWriter {
            out,
            path: path.to_owned(),
        })
    }

    fn row(&mut self, row: &RowReport<'_>) -> Result<(), ImportError> {
        let (outcome, id, details) = match row.result {
            Ok((profile, outcome)) => (
                outcome.name(),
                Some(profile.id),
                outcome
                    .changes()
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            Err(reason) => ("rejected", None, reason.clone()),
        };
        let written = match &mut self.out {
            ReportOut::Csv(csv) => csv
                .write_record([
                    row.line.to_string(),
                    outcome.to_owned(),
                    id.map(|id| id.to_string()).unwrap_or_default(),
                    details,
                ])
                .map_err(csv_io),
            ReportOut::Lines(out) => {
                let entry = ReportEntry {
                    line: row.line,
                    outcome,
                    id,
                    changes: row
                        .result
                        .as_ref()
                        .map(|(_, outcome)| outcome.changes())
                        .unwrap_or_default(),
                    reason: row.result.as_ref().err(),
                };
                serde_json::to_string(&entry)
                    .map_err(std::io::Error::from)
                    .and_then(|entry| writeln!(out, "{entry}"))
            }
        };
        written.map_err(|err| output_error(&self.path, err))
    }

    /// Hands what is buffered to the file.
    fn flush(&mut self) -> Result<(), ImportError> {
        let flushed = match &mut self.out {
            ReportOut::Csv(csv) => csv.flush(),
            ReportOut::Lines(out) => out.flush(),
        };
        flushed.map_err(|err| output_error(&self.path, err))
    }
}

/// One line of a JSON Lines report.
#[derive(serde::Serialize)]
struct ReportEntry<'a> {
    line: u64,
    outcome: &'a str,
    id: Option<i64>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    changes: &'a [crate::domain::Change],
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a String>,
}

/// The rejected rows as they were read, in the input's format, to be fixed and imported again.
pub struct RejectsWriter {
    out: RejectsOut,
    path: PathBuf,
}

enum RejectsOut {
    Csv(Box<csv::Writer<Box<dyn Write>>>),
    Lines(Box<dyn Write>),
    Array { out: Box<dyn Write>, first: bool },
}

impl RejectsWriter {
    pub fn create(path: &Path, format: Format) -> Result<Self, ImportError> {
        let file = create(path)?;
        let out = match format {
            // A short or long row is written back as it was.
            Format::Csv => RejectsOut::Csv(Box::new(
                csv::WriterBuilder::new().flexible(true).from_writer(file),
            )),
            Format::Jsonl => RejectsOut::Lines(file),
            Format::Json => RejectsOut::Array {
                out: file,
                first: true,
            },
        };
        Ok(RejectsWriter {
            out,
            path: path.to_owned(),
        })
    }

    fn header(&mut self, header: &csv::ByteRecord) -> Result<(), ImportError> {
        if let RejectsOut::Csv(csv) = &mut self.out {
            csv.write_byte_record(header)
                .map_err(|err| output_error(&self.path, csv_io(err)))?;
        }
        Ok(())
    }

    fn row(&mut self, raw: &Raw) -> Result<(), ImportError> {
        let written = match (&mut self.out, raw) {
            (RejectsOut::Csv(csv), Raw::Csv(record)) => {
                csv.write_byte_record(record).map_err(csv_io)
            }
            (RejectsOut::Lines(out), Raw::Json(text)) => writeln!(out, "{text}"),
            (RejectsOut::Array { out, first }, Raw::Json(text)) => {
                let separator = if *first { "[\n" } else { ",\n" };
                *first = false;
                write!(out, "{separator}{text}")
            }
            _ => Ok(()),
        };
        written.map_err(|err| output_error(&self.path, err))
    }

    /// Hands what is buffered to the file.
    fn flush(&mut self) -> Result<(), ImportError> {
        let flushed = match &mut self.out {
            RejectsOut::Csv(csv) => csv.flush(),
            RejectsOut::Lines(out) | RejectsOut::Array { out, .. } => out.flush(),
        };
        flushed.map_err(|err| output_error(&self.path, err))
    }

    fn finish(&mut self) -> Result<(), ImportError> {
        let flushed = match &mut self.out {
            RejectsOut::Csv(csv) => csv.flush(),
            RejectsOut::Lines(out) => out.flush(),
            RejectsOut::Array { out, first } => {
                let end = if *first { "[]\n" } else { "\n]\n" };
                out.write_all(end.as_bytes()).and_then(|()| out.flush())
            }
        };
        flushed.map_err(|err| output_error(&self.path, err))
    }
}

fn create(path: &Path) -> Result<Box<dyn Write>, ImportError> {
    std::fs::File::create(path)
        .map(|file| Box::new(std::io::BufWriter::new(file)) as Box<dyn Write>)
        .map_err(|err| output_error(path, err))
}

/// A CSV writer's error as the I/O error it is (a full disk stays a full disk).
fn csv_io(err: csv::Error) -> std::io::Error {
    if !err.is_io_error() {
        return std::io::Error::other(err);
    }
    match err.into_kind() {
        csv::ErrorKind::Io(err) => err,
        other => std::io::Error::other(format!("{other:?}")),
    }
}

fn output_error(path: &Path, err: std::io::Error) -> ImportError {
    ImportError::Output(format!(
        "cannot write to {}: {}",
        path.display(),
        super::write_failure(&err)
    ))
}

/// How far an interrupted run of an import got: the records it did, and the journal mark
/// (session) of the changes it made, if it made any.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Resume {
    pub records: u64,
    pub changed_by: Option<String>,
}

/// Where an import notes how many records it has done, so that running the same import again
/// (same file, unchanged; same database, mode and columns) goes on from there: the rows done
/// are looked up, not written again. Kept in the user's data directory, removed when the import
/// completes.
#[derive(Clone, Debug)]
pub struct Checkpoint {
    path: PathBuf,
    /// What [`Checkpoint::resume_point`] found, once checked against the database.
    checked: std::sync::OnceLock<Resume>,
}

impl Checkpoint {
    /// The checkpoint of importing `file` with `identity` (what else makes two imports the
    /// same: database, mode, columns). `None` when `file` is not a regular file or there is no
    /// data directory.
    pub fn for_file(file: &Path, identity: &str) -> Option<Checkpoint> {
        let metadata = std::fs::metadata(file)
            .ok()
            .filter(std::fs::Metadata::is_file)?;
        let canonical = std::fs::canonicalize(file).ok()?;
        let modified = metadata
            .modified()
            .ok()
            .and_then(|at| at.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |since| since.as_nanos());
        let key = format!(
            "{}\u{1f}{}\u{1f}{modified}\u{1f}{identity}",
            canonical.display(),
            metadata.len()
        );
        let dir = dirs::data_dir()?.join("profile-console").join("imports");
        Some(Checkpoint {
            path: dir.join(format!("{:016x}", fnv1a(key.as_bytes()))),
            checked: std::sync::OnceLock::new(),
        })
    }

    /// How far an earlier run got, as noted.
    fn load(&self) -> Resume {
        let text = std::fs::read_to_string(&self.path).unwrap_or_default();
        let mut lines = text.lines();
        let records = lines.next().and_then(|line| line.trim().parse().ok());
        Resume {
            records: records.unwrap_or(0),
            changed_by: lines
                .next()
                .map(str::trim)
                .filter(|session| records.is_some() && !session.is_empty())
                .map(str::to_owned),
        }
    }

    /// How far an interrupted run of this import got on `repo`'s database. Nothing when the run
    /// made a change the database's journal does not hold: the database is not the one it wrote
    /// to (deleted and created again, or restored from before the run), so every row is run
    /// again; such a checkpoint is removed. (A run that changed nothing left nothing to check,
    /// and nothing a re-run could miss: its rows are looked up again either way.)
    /// (Checked once: the command line says it is resuming before the import starts.)
    pub fn resume_point(&self, repo: &mut Repository) -> Resume {
        self.checked
            .get_or_init(|| {
                let resume = self.load();
                match &resume.changed_by {
                    Some(session) if resume.records > 0 => match repo.has_changes_by(session) {
                        Ok(false) => {
                            self.clear();
                            Resume::default()
                        }
                        // A database that cannot be read fails the import itself, with its own
                        // error.
                        Ok(true) | Err(_) => resume,
                    },
                    _ => resume,
                }
            })
            .clone()
    }

    fn save(&self, records: u64, changed_by: Option<&str>) {
        // Best effort: without it, a re-run does the rows again (get_or_create fetches them).
        if let Some(dir) = self.path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let temporary = self.path.with_extension("tmp");
        let text = format!("{records}\n{}\n", changed_by.unwrap_or_default());
        if std::fs::write(&temporary, text).is_ok() {
            let _ = std::fs::rename(&temporary, &self.path);
        }
    }

    fn clear(&self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// FNV-1a, 64 bits: a stable name for a checkpoint file.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}
