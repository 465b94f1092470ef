//! A load into an empty table on a server, its batches run side by side on connections of their
//! own. One connection keeps one server process busy, and that process, not the client, is what
//! a load waits for (a million new rows on PostgreSQL: the server's core busy, the client at
//! 5 %); several keep all of the machine's cores busy ([`Engine::load_workers`]).
//!
//! The outcomes stay those of one connection running the batches in file order
//! (`docs/semantics.md`, "Bulk import"):
//!
//! - **No two batches in flight share a name.** A batch that names a name of a batch in flight
//!   waits for it to commit, so no batch reads, locks or creates a row another in flight touches
//!   (a set-based batch touches only the rows of its own names: see `bulk.rs`).
//! - **Batches commit in file order.** A worker whose batch is done waits, its transaction open,
//!   until the batch before it has committed; when one fails, every later one in flight rolls
//!   back. What is stored is always the file up to some batch, and the feed hears about exactly
//!   that, in order.
//! - **Ids follow the file.** Before a batch is handed out, the ids of the rows it will create
//!   are taken from the table's sequence (MySQL: its AUTO_INCREMENT counter) with
//!   [`Engine::reserve_ids`], in file order. The names' dictionary keys are added before too,
//!   where the program keeps the dictionary ([`Engine::add_to_name_dictionary`]).
//!
//! It runs only while the load knows every name the table holds
//! ([`LoadMemory::knows_the_table`]): a batch that finds another writer took one of its names
//! rolls back, reads all its names and runs again (as on one connection), and from then on the
//! rest of the load runs on one connection, as does everything from a batch that cannot go
//! set-based.

use std::collections::BTreeMap;
use std::hash::BuildHasher;
use std::sync::mpsc;
use std::sync::{Condvar, Mutex, PoisonError};

use foldhash::fast::FixedState;
use foldhash::{HashSet, HashSetExt};

use crate::error::Error;

use super::backends::Engine;
use super::bulk::{BulkRequest, ImportFeed, RowResult, run_batch};
use super::faults::Faults;
use super::journal::ChangeContext;
use super::load_memory::LoadMemory;
use super::operations;
use super::retry::with_retries;

/// A batch handed to a worker, with what it needs of the load's memory.
struct Job {
    number: u64,
    batch: Vec<BulkRequest>,
    memory: LoadMemory,
}

/// A worker's answer: the batch's outcomes (committed) or why it failed (rolled back).
struct Done {
    number: u64,
    worker: usize,
    outcomes: Result<Vec<RowResult>, Error>,
    memory: LoadMemory,
    /// The worker panicked: the panic goes on on the dispatcher's thread once every batch in
    /// flight is done (rather than leave the batches after it waiting for their turn for ever).
    panic: Option<Box<dyn std::any::Any + Send>>,
}

/// The turn to commit, handed on in file order.
#[derive(Default)]
struct CommitOrder {
    state: Mutex<Turns>,
    changed: Condvar,
}

#[derive(Default)]
struct Turns {
    /// The batch whose turn it is: every one before it has committed.
    next: u64,
    /// The first batch that failed: no later one may commit.
    failed: Option<u64>,
}

impl CommitOrder {
    /// Waits until every batch before `number` has committed; fails (the batch is to roll
    /// back) when one of them failed.
    fn wait_for_turn(&self, number: u64) -> Result<(), Error> {
        let mut turns = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            if turns.next == number {
                return Ok(());
            }
            if turns.failed.is_some_and(|failed| failed < number) {
                return Err(Error::RolledBack);
            }
            turns = self
                .changed
                .wait(turns)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Batch `number` has committed (`true`) or rolled back for good.
    fn finished(&self, number: u64, committed: bool) {
        let mut turns = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if committed {
            turns.next = number + 1;
        } else {
            turns.failed = Some(turns.failed.map_or(number, |failed| failed.min(number)));
        }
        self.changed.notify_all();
    }
}

/// One worker: its connection runs the batches it is handed, each in its own transaction,
/// committed in its turn.
fn work<E: Engine>(
    conn: &mut E,
    worker: usize,
    jobs: mpsc::Receiver<Job>,
    done: mpsc::Sender<Done>,
    order: &CommitOrder,
    ctx: &ChangeContext,
    faults: Faults,
) {
    for Job {
        number,
        batch,
        mut memory,
    } in jobs
    {
        let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            with_retries(|| {
                let done = operations::write_transaction(conn, faults, ctx, |tx| {
                    let outcomes = run_batch(tx, &batch, &mut memory)?;
                    order.wait_for_turn(number)?;
                    Ok(outcomes)
                });
                if done.is_err() {
                    memory.transaction_ended(false);
                }
                done
            })
        }));
        let (outcomes, panic) = match run {
            Ok(outcomes) => (outcomes, None),
            Err(panic) => (Err(Error::RolledBack), Some(panic)),
        };
        order.finished(number, outcomes.is_ok());
        let answer = Done {
            number,
            worker,
            outcomes,
            memory,
            panic,
        };
        if done.send(answer).is_err() {
            return;
        }
    }
}

/// A profile's name, hashed: two batches in flight never share one (a collision only makes a
/// batch wait).
fn name_hash(first: &str, last: &str) -> u64 {
    FixedState::with_seed(0x6e61_6d65_7331_7432).hash_one((first, last))
}

/// Runs the feed's batches, `first` first, on `helpers` (one worker each), with `main` taking
/// the ids, until the feed ends (`Ok(None)`) or the load can no longer run side by side: then
/// returns the batch to go on with on one connection, after every batch in flight is done. A
/// failure is returned once the batches before it have committed and been reported.
pub(crate) fn run<E: Engine + Send>(
    main: &mut E,
    helpers: Vec<E>,
    first: Vec<BulkRequest>,
    feed: &mut dyn ImportFeed,
    ctx: &ChangeContext,
    faults: Faults,
    memory: &mut LoadMemory,
) -> Result<Option<Vec<BulkRequest>>, Error> {
    let order = CommitOrder::default();
    std::thread::scope(|scope| {
        let (done_sender, answers) = mpsc::channel();
        let mut workers = Vec::with_capacity(helpers.len());
        for (worker, mut conn) in helpers.into_iter().enumerate() {
            let (jobs, inbox) = mpsc::channel();
            let (done, order) = (done_sender.clone(), &order);
            scope.spawn(move || work(&mut conn, worker, inbox, done, order, ctx, faults));
            workers.push(jobs);
        }
        drop(done_sender);
        let mut dispatch = Dispatch {
            idle: (0..workers.len()).rev().collect(),
            workers,
            answers,
            busy_names: HashSet::new(),
            in_flight: BTreeMap::new(),
            finished: BTreeMap::new(),
            next_number: 0,
            next_report: 0,
            failure: None,
            panic: None,
        };
        let done = dispatch.run(main, first, feed, memory);
        if let Some(panic) = dispatch.panic.take() {
            std::panic::resume_unwind(panic);
        }
        // Dropping the dispatch (here, or as the panic unwinds) closes the workers' inboxes:
        // each ends, and the scope joins them.
        done
    })
}

/// The dispatcher's side: what is in flight, and what is done but not yet reported.
struct Dispatch {
    workers: Vec<mpsc::Sender<Job>>,
    idle: Vec<usize>,
    answers: mpsc::Receiver<Done>,
    /// The names of the batches in flight.
    busy_names: HashSet<u64>,
    /// Each batch in flight, with its names.
    in_flight: BTreeMap<u64, Vec<u64>>,
    /// Answers that arrived before an earlier batch's.
    finished: BTreeMap<u64, Done>,
    next_number: u64,
    next_report: u64,
    failure: Option<Error>,
    panic: Option<Box<dyn std::any::Any + Send>>,
}

impl Dispatch {
    fn run<E: Engine>(
        &mut self,
        main: &mut E,
        first: Vec<BulkRequest>,
        feed: &mut dyn ImportFeed,
        memory: &mut LoadMemory,
    ) -> Result<Option<Vec<BulkRequest>>, Error> {
        let mut waiting = Some(first);
        let mut side_by_side = true;
        loop {
            if side_by_side && self.failure.is_none() {
                let batch = match waiting.take() {
                    Some(batch) => Some(batch),
                    None => feed.next_batch(),
                };
                match batch {
                    Some(batch)
                        if !memory.knows_the_table()
                            || !batch.iter().all(|request| request.by_name().is_some()) =>
                    {
                        // The rest goes on one connection, once the batches in flight are done.
                        side_by_side = false;
                        waiting = Some(batch);
                    }
                    Some(batch) => {
                        let names: Vec<u64> = batch
                            .iter()
                            .filter_map(BulkRequest::by_name)
                            .map(|(first, last)| name_hash(first, last))
                            .collect();
                        if self.idle.is_empty()
                            || names.iter().any(|name| self.busy_names.contains(name))
                        {
                            waiting = Some(batch);
                        } else {
                            if let Err(err) = self.hand_out(main, batch, names, memory) {
                                self.failure = Some(err);
                            }
                            continue;
                        }
                    }
                    None => side_by_side = false,
                }
            }
            if self.in_flight.is_empty() {
                return match self.failure.take() {
                    Some(err) => Err(err),
                    None => Ok(waiting),
                };
            }
            self.take_answer(feed, memory);
        }
    }

    /// Adds the names of `batch` to the search dictionary where the program keeps it, takes
    /// the ids `batch` will need, and hands it to an idle worker.
    fn hand_out<E: Engine>(
        &mut self,
        main: &mut E,
        batch: Vec<BulkRequest>,
        mut names: Vec<u64>,
        memory: &mut LoadMemory,
    ) -> Result<(), Error> {
        let batch_names: Vec<(&str, &str)> =
            batch.iter().filter_map(BulkRequest::by_name).collect();
        main.add_to_name_dictionary(&batch_names, &mut memory.keys)?;
        let (mut job_memory, new_names) = memory.for_batch(batch_names);
        if new_names > 0 {
            job_memory.reserved_ids = main.reserve_ids(new_names)?.unwrap_or_default();
        }
        let Some(worker) = self.idle.pop() else {
            unreachable!("a batch is handed out only to an idle worker")
        };
        let number = self.next_number;
        self.next_number += 1;
        names.sort_unstable();
        names.dedup();
        self.busy_names.extend(names.iter().copied());
        self.in_flight.insert(number, names);
        let job = Job {
            number,
            batch,
            memory: job_memory,
        };
        if self.workers[worker].send(job).is_err() {
            unreachable!("a worker ends only once its inbox is closed")
        }
        Ok(())
    }

    /// Waits for one worker's answer, then reports every batch now done in file order.
    fn take_answer(&mut self, feed: &mut dyn ImportFeed, memory: &mut LoadMemory) {
        let Ok(mut done) = self.answers.recv() else {
            unreachable!("workers outlive the dispatch")
        };
        self.idle.push(done.worker);
        if let Some(panic) = done.panic.take() {
            self.panic.get_or_insert(panic);
        }
        self.finished.insert(done.number, done);
        while let Some(done) = self.finished.remove(&self.next_report) {
            self.next_report += 1;
            if let Some(names) = self.in_flight.remove(&done.number) {
                for name in names {
                    self.busy_names.remove(&name);
                }
            }
            // (After a batch that failed, every later one rolled back: what is committed is
            // reported, up to the first failure.)
            match done.outcomes {
                Ok(outcomes) => {
                    memory.absorb(done.memory);
                    feed.outcomes(outcomes);
                }
                Err(err) => {
                    memory.forget_names();
                    self.failure.get_or_insert(err);
                }
            }
        }
    }
}
