//! The database worker: one thread owns the repository, so the UI never waits on the database.
//!
//! Requests carry ids; the app drops any response it no longer wants. Before working, the worker
//! drains its queue and keeps only the newest of each replaceable job (a page, a count, a
//! preview), so fast typing or scrolling never builds a backlog. Writes are never dropped.

use std::sync::Arc;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};

use super::events::UiEvent;
use std::thread;
use std::time::{Duration, Instant};

use crate::db::DatabaseTarget;
use crate::domain::{
    GetOrCreate, Lookup, Outcome, PageRequest, Profile, ProfileFilter, UpdateOrCreate,
};
use crate::error::Error;
pub use crate::repository::{AroundRows, InspectReport, PreviewMatch, RowRef};
use crate::repository::{HistoryQuery, Repository, Source, StatementLog};
pub use crate::repository::{JournalEntry, Undone};

pub type RequestId = u64;

/// Journal entries a history view reads.
const HISTORY_LIMIT: i64 = 500;
/// Journal entries one watch reads; more wait for the next.
const WATCH_LIMIT: i64 = 500;

/// Work for the database.
#[derive(Clone, Debug)]
pub enum Job {
    /// One page of the table.
    Page(PageRequest),
    /// The rows around `anchor` (which is included when it matches): `before` rows before it
    /// and up to `after` rows from it.
    Around {
        request: PageRequest,
        anchor: RowRef,
        before: i64,
        after: i64,
    },
    /// How many rows come before `request.anchor`: the cursor row's position.
    Position(PageRequest),
    Count(ProfileFilter),
    /// The server's instant estimate of the unfiltered count, while the exact one is computed.
    EstimateCount,
    /// What the lookup matches now: up to three rows and the count.
    Preview(Lookup),
    GetOrCreate(GetOrCreate),
    UpdateOrCreate(UpdateOrCreate),
    Delete(i64),
    /// Undo a journal entry; `None`: this session's newest change not undone yet.
    Undo(Option<i64>),
    /// One profile's journal, newest first.
    History(i64),
    /// Journal entries after this one, if the backend says there may be any (`None`: start
    /// watching from the newest).
    Watch(Option<i64>),
    Inspect,
}

impl Job {
    /// Whether the job writes (its statements go to the operation log).
    fn is_write(&self) -> bool {
        matches!(
            self,
            Job::GetOrCreate(_) | Job::UpdateOrCreate(_) | Job::Delete(_) | Job::Undo(_)
        )
    }

    /// Replaceable jobs of the same slot: only the newest one queued is worth doing.
    fn slot(&self) -> Option<u8> {
        match self {
            Job::Page(_) | Job::Around { .. } => Some(0),
            Job::Count(_) => Some(1),
            Job::EstimateCount => Some(3),
            Job::Preview(_) => Some(2),
            Job::Position(_) => Some(4),
            Job::Watch(_) => Some(5),
            Job::History(_) => Some(6),
            _ => None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Request {
    pub id: RequestId,
    pub job: Job,
}

#[derive(Debug)]
pub enum Reply {
    Page(Result<Vec<Profile>, Error>),
    Around(Result<AroundRows, Error>),
    /// The count, and the newest journal entry when counting began: the count holds every
    /// change up to it.
    Count(Result<(i64, i64), Error>),
    Position(Result<i64, Error>),
    Estimate(Result<Option<i64>, Error>),
    Preview(Result<PreviewMatch, Error>),
    Operation(Result<(Profile, Outcome), Error>),
    Deleted(Result<Option<Profile>, Error>),
    Undone(Result<Option<Undone>, Error>),
    History(Result<Vec<JournalEntry>, Error>),
    /// New journal entries, and the newest id seen.
    Watched(Result<(Vec<JournalEntry>, i64), Error>),
    Inspect(Result<Box<InspectReport>, Error>),
}

#[derive(Debug)]
pub struct Response {
    pub id: RequestId,
    pub reply: Reply,
    pub elapsed: Duration,
    /// The SQL a writing job ran, with bind values (reads record none).
    pub statements: Vec<String>,
}

/// The app's handle on the worker thread. Its answers go to the UI's one event channel.
pub struct Worker {
    pub requests: Sender<Request>,
    answers: Sender<UiEvent>,
    target: DatabaseTarget,
    session: String,
    /// The server process running the worker's statements (0: none known).
    server_pid: Arc<AtomicI32>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Worker {
    /// Starts the worker thread for `target`. It opens (and migrates) the database on its first
    /// job, so the console draws at once; while the database cannot be opened, each job answers
    /// with that error and the next job tries again. The thread ends when the `Worker` is dropped.
    /// Its changes are journaled as the console's, marked with `session`.
    pub fn spawn(
        target: DatabaseTarget,
        session: String,
        answers: Sender<UiEvent>,
    ) -> std::io::Result<Worker> {
        let (requests, inbox) = channel::<Request>();
        let server_pid = Arc::new(AtomicI32::new(0));
        let (for_thread, pid, outbox) = (target.clone(), Arc::clone(&server_pid), answers.clone());
        let marked = session.clone();
        let thread = thread::Builder::new()
            .name("db-worker".into())
            .spawn(move || serve(for_thread, marked, pid, inbox, outbox))?;
        Ok(Worker {
            thread: Some(thread),
            requests,
            answers,
            target,
            session,
            server_pid,
        })
    }

    /// A new worker on the same database, for when this one stopped answering. This one's thread
    /// ends when its statement returns, if ever; nothing waits for it (an answer it still sends
    /// carries a request id the app no longer waits for, and is dropped).
    /// Ends the worker: no more requests, and a wait of at most `within` for its thread to
    /// close its connection. The process can then end without a thread still closing one (a
    /// worker stuck on a frozen server is not waited for past `within`).
    pub fn finish(mut self, within: std::time::Duration) {
        let Some(thread) = self.thread.take() else {
            return;
        };
        drop(self);
        let deadline = std::time::Instant::now() + within;
        while !thread.is_finished() && std::time::Instant::now() < deadline {
            thread::sleep(std::time::Duration::from_millis(10));
        }
        if thread.is_finished() {
            let _ = thread.join();
        }
    }

    pub fn replacement(&self) -> std::io::Result<Worker> {
        Worker::spawn(
            self.target.clone(),
            self.session.clone(),
            self.answers.clone(),
        )
    }

    /// Asks the server to cancel the statement the worker is running, from a thread of its own
    /// (the worker is busy, and the UI must not wait). The worker's job then fails with
    /// `Error::Cancelled`, unless it finished first.
    pub fn cancel_on_server(&self) {
        let pid = self.server_pid.load(Ordering::Relaxed);
        let target = self.target.clone();
        // A cancel that cannot be sent changes nothing: the job ends as it would have.
        let _ = thread::Builder::new()
            .name("db-cancel".into())
            .spawn(move || crate::repository::cancel_server_statement(&target, pid));
    }
}

fn serve(
    target: DatabaseTarget,
    session: String,
    server_pid: Arc<AtomicI32>,
    inbox: Receiver<Request>,
    outbox: Sender<UiEvent>,
) {
    let log = StatementLog::default();
    let mut repo: Option<Repository> = None;
    while let Ok(first) = inbox.recv() {
        let mut queue = vec![first];
        queue.extend(inbox.try_iter());
        for request in newest_per_slot(queue) {
            log.take();
            // Only writes go to the operation log; reads need not pay for formatting their SQL.
            log.record(request.job.is_write());
            let started = Instant::now();
            let reply = match open(&mut repo, &target, &session, &log, &server_pid) {
                Ok(repo) => run(repo, request.job),
                Err(err) => Reply::failed(&request.job, err),
            };
            let response = Response {
                id: request.id,
                reply,
                elapsed: started.elapsed(),
                statements: log.take(),
            };
            if outbox.send(UiEvent::Response(response)).is_err() {
                return;
            }
        }
    }
}

/// The open repository, opening it first if need be.
fn open<'a>(
    repo: &'a mut Option<Repository>,
    target: &DatabaseTarget,
    session: &str,
    log: &StatementLog,
    server_pid: &Arc<AtomicI32>,
) -> Result<&'a mut Repository, Error> {
    if let Some(repo) = repo {
        return Ok(repo);
    }
    let mut opened = Repository::open(target.clone())?;
    opened.set_source(Source::Console)?;
    opened.set_session(session.to_owned())?;
    opened.record_statements(log.clone());
    opened.publish_server_pid(Arc::clone(server_pid));
    Ok(repo.insert(opened))
}

impl Reply {
    /// The answer to `job` when it could not run at all.
    fn failed(job: &Job, err: Error) -> Reply {
        match job {
            Job::Page(_) => Reply::Page(Err(err)),
            Job::Around { .. } => Reply::Around(Err(err)),
            Job::Count(_) => Reply::Count(Err(err)),
            Job::Position(_) => Reply::Position(Err(err)),
            Job::EstimateCount => Reply::Estimate(Err(err)),
            Job::Preview(_) => Reply::Preview(Err(err)),
            Job::GetOrCreate(_) | Job::UpdateOrCreate(_) => Reply::Operation(Err(err)),
            Job::Delete(_) => Reply::Deleted(Err(err)),
            Job::Undo(_) => Reply::Undone(Err(err)),
            Job::History(_) => Reply::History(Err(err)),
            Job::Watch(_) => Reply::Watched(Err(err)),
            Job::Inspect => Reply::Inspect(Err(err)),
        }
    }
}

fn newest_per_slot(queue: Vec<Request>) -> Vec<Request> {
    let mut kept: Vec<Request> = Vec::with_capacity(queue.len());
    for request in queue {
        if let Some(slot) = request.job.slot() {
            kept.retain(|older| older.job.slot() != Some(slot));
        }
        kept.push(request);
    }
    kept
}

/// Does one job. Public so benchmarks and tests can drive the same code path synchronously.
pub fn run(repo: &mut Repository, job: Job) -> Reply {
    match job {
        Job::Page(request) => Reply::Page(repo.page(&request)),
        Job::Around {
            request,
            anchor,
            before,
            after,
        } => Reply::Around(repo.around(&request, anchor, before, after)),
        Job::Count(filter) => Reply::Count(
            // The journal's newest entry first: every change up to it is in the count (a change
            // after it may be too; the live count then skips only those up to it).
            repo.last_change_id()
                .and_then(|newest| repo.count(&filter).map(|count| (count, newest))),
        ),
        Job::Position(request) => Reply::Position(repo.count_before(&request)),
        Job::EstimateCount => Reply::Estimate(repo.estimated_count()),
        Job::Preview(lookup) => Reply::Preview(repo.preview(lookup)),
        Job::GetOrCreate(request) => Reply::Operation(repo.get_or_create(&request)),
        Job::UpdateOrCreate(request) => Reply::Operation(repo.update_or_create(&request)),
        Job::Delete(id) => Reply::Deleted(repo.delete(id)),
        Job::Undo(Some(change)) => Reply::Undone(repo.undo(change).map(Some)),
        Job::Undo(None) => Reply::Undone(repo.undo_latest_own()),
        Job::History(profile_id) => Reply::History(repo.history(&HistoryQuery {
            profile_id: Some(profile_id),
            limit: HISTORY_LIMIT,
            ..HistoryQuery::default()
        })),
        Job::Watch(after) => Reply::Watched(repo.watch_changes(after, WATCH_LIMIT)),
        Job::Inspect => Reply::Inspect(repo.inspect().map(Box::new)),
    }
}
