//! What a long write (an import, a seed) remembers between its batches, so that it asks the
//! database only what it cannot already know.
//!
//! - [`KnownKeys`]: the folded names the search dictionary (`profile_name_parts`) holds. A name
//!   joins it once and stays (a name no profile has any more is left in it: SQLite's migration
//!   000005), so once a load has seen a name stored, no later batch needs to look for it there. A million demo profiles hold about
//!   28,000 names: the dictionary is then probed 28,000 times instead of two million.
//! - [`LoadMemory`]: an import into an empty table also remembers the names it created, and reads
//!   only those back: a name it has not created is taken not to be there. On SQLite that is known
//!   for as long as no other connection commits (`PRAGMA data_version`), and the import commits
//!   several batches together. On a server, where other sessions write at any time, it is a
//!   guess the insert checks: the insert skips a taken name and counts what went in, so a name
//!   another session created comes up short, the batch's transaction is rolled back and run
//!   again, and from then on every batch reads all its names.
//!
//! What a transaction adds is remembered only once it commits ([`LoadMemory::transaction_ended`]):
//! a batch rolled back and tried again does not skip what it undid.

use std::hash::BuildHasher;

use foldhash::HashSet;
use foldhash::fast::FixedState;

use crate::error::Error;

use super::backends::Engine;

/// Folded names remembered at most. Beyond it the dictionary is asked about the others as before
/// (about 5 MB of names).
const MAX_KNOWN_KEYS: usize = 100_000;

/// Folded names known to be in the search dictionary, and those the open transaction added.
#[derive(Debug, Default)]
pub(crate) struct KnownKeys {
    known: HashSet<Box<str>>,
    pending: HashSet<Box<str>>,
    /// Nothing is remembered (a single write, or a backend whose triggers keep the dictionary).
    off: bool,
    /// The keys are added by someone else before the transaction runs (a batch run side by
    /// side: see [`Engine::add_to_name_dictionary`]): none is unknown here.
    added_elsewhere: bool,
}

impl KnownKeys {
    /// Remembers nothing: every key is looked for in the dictionary.
    pub(crate) fn none() -> Self {
        KnownKeys {
            off: true,
            ..KnownKeys::default()
        }
    }

    /// Every key is taken to be in the dictionary already: whoever hands the batch out adds
    /// them first.
    pub(crate) fn added_elsewhere() -> Self {
        KnownKeys {
            added_elsewhere: true,
            ..KnownKeys::default()
        }
    }

    /// The distinct `keys` not known to be in the dictionary; the transaction is taken to add
    /// them.
    pub(crate) fn unknown<'k>(&mut self, keys: impl IntoIterator<Item = &'k str>) -> Vec<&'k str> {
        let mut unknown = Vec::new();
        if self.added_elsewhere {
            return unknown;
        }
        if self.off {
            let mut seen = HashSet::default();
            unknown.extend(keys.into_iter().filter(|key| seen.insert(*key)));
            return unknown;
        }
        for key in keys {
            if !self.known.contains(key) && self.pending.insert(key.into()) {
                unknown.push(key);
            }
        }
        unknown
    }

    /// The open transaction ended: what it added is in the dictionary if it `committed`.
    pub(crate) fn transaction_ended(&mut self, committed: bool) {
        let room = MAX_KNOWN_KEYS.saturating_sub(self.known.len());
        if committed {
            self.known.extend(self.pending.drain().take(room));
        }
        self.pending.clear();
    }
}

/// Names created by a load, by a 32-bit hash: sorted for those committed, a set for the open
/// transaction's. A name whose hash is in neither was not created by the load; one whose hash is
/// may have been (or shares its hash), and is looked up. Four bytes a name.
#[derive(Debug, Default)]
struct CreatedNames {
    committed: Vec<u32>,
    /// Where in `committed` the hashes of each top 16 bits start (and, last, its length): a
    /// look-up searches a few neighbours, not a million hashes whose upper levels miss the CPU's
    /// cache (which cost a million-row import a third of a second).
    starts: Vec<u32>,
    pending: HashSet<u32>,
}

/// Names remembered at most (16 MB of hashes); past it the load reads every batch's names.
const MAX_CREATED_NAMES: usize = 4_000_000;

impl CreatedNames {
    fn hash(first: &str, last: &str) -> u32 {
        // Fixed, so that a name hashes alike in every batch.
        let hash = FixedState::with_seed(0x7072_6f66_696c_6573).hash_one((first, last));
        (hash >> 32) as u32
    }

    fn may_contain(&self, hash: u32) -> bool {
        if self.pending.contains(&hash) {
            return true;
        }
        if self.starts.is_empty() {
            // A batch's own few (see `LoadMemory::for_batch`), not indexed.
            return self.committed.binary_search(&hash).is_ok();
        }
        let bucket = (hash >> 16) as usize;
        let (Some(&start), Some(&end)) = (self.starts.get(bucket), self.starts.get(bucket + 1))
        else {
            return false;
        };
        self.committed[start as usize..end as usize]
            .binary_search(&hash)
            .is_ok()
    }

    /// Merges the committed transaction's hashes in, keeping the list sorted: one pass from the
    /// back, no second list.
    fn commit(&mut self) {
        let mut added: Vec<u32> = self.pending.drain().collect();
        added.sort_unstable();
        let mut read = self.committed.len();
        let mut from = added.len();
        self.committed.resize(read + from, 0);
        let mut write = self.committed.len();
        while from > 0 {
            write -= 1;
            if read > 0 && self.committed[read - 1] > added[from - 1] {
                read -= 1;
                self.committed[write] = self.committed[read];
            } else {
                from -= 1;
                self.committed[write] = added[from];
            }
        }
        self.starts.clear();
        let mut at = 0;
        for bucket in 0..=1u32 << 16 {
            while self
                .committed
                .get(at)
                .is_some_and(|&hash| hash >> 16 < bucket)
            {
                at += 1;
            }
            self.starts.push(at as u32);
        }
    }
}

/// What an import remembers between batches: the dictionary's names and, where it can know
/// that no one else writes, the names it created.
#[derive(Debug, Default)]
pub(crate) struct LoadMemory {
    pub(crate) keys: KnownKeys,
    /// `Some` while every profile in the table is one this load created.
    created: Option<CreatedNames>,
    /// The engine's count of other connections' commits when this load's last transaction
    /// ended; `None` before the first.
    others_commits: Option<i64>,
    /// Whether the names created have been given up for good.
    forgotten: bool,
    /// Ids taken beforehand for the rows the next batch creates, in order (a load that runs
    /// batches side by side: see `parallel_load.rs`).
    pub(crate) reserved_ids: Vec<i64>,
}

impl LoadMemory {
    /// Remembers nothing: every batch reads its names and every key is looked for (a dry run,
    /// an all-or-nothing import: one transaction, whose savepoints this does not follow).
    pub(crate) fn none() -> Self {
        LoadMemory {
            keys: KnownKeys::none(),
            forgotten: true,
            ..LoadMemory::default()
        }
    }

    /// For an import that commits each batch by itself: names it has not created are taken to be
    /// absent if the table `was_empty` when it started (see the module's documentation), and
    /// every name is read otherwise.
    pub(crate) fn for_batches(was_empty: bool) -> Self {
        LoadMemory {
            created: was_empty.then(CreatedNames::default),
            forgotten: !was_empty,
            ..LoadMemory::default()
        }
    }

    /// At the start of each of the load's write transactions, before its first batch: whether
    /// the names it created still tell which names the table holds. They do when the table was
    /// empty at the first transaction and no other connection has committed since (the
    /// engine's count of other connections' commits has not moved).
    pub(crate) fn transaction_started<E: Engine>(&mut self, tx: &mut E) -> Result<(), Error> {
        if self.forgotten {
            return Ok(());
        }
        let now = tx.commits_by_others()?;
        match (self.others_commits, now) {
            (None, Some(_)) if tx.holds_no_profiles()? => {
                self.created = Some(CreatedNames::default());
            }
            (Some(before), Some(now)) if before == now && self.created.is_some() => {}
            _ => self.forget_names(),
        }
        self.others_commits = now;
        Ok(())
    }

    /// The transaction ended, committed or not (then the load ends too).
    pub(crate) fn transaction_ended(&mut self, committed: bool) {
        self.keys.transaction_ended(committed);
        match &mut self.created {
            Some(created) if committed => created.commit(),
            _ => self.forget_names(),
        }
    }

    /// From now on every batch reads its names: a batch wrote in a way the names do not follow
    /// (row by row, through other lookups).
    pub(crate) fn forget_names(&mut self) {
        self.created = None;
        self.forgotten = true;
    }

    /// Whether the table may hold a row named `first` `last`: always, unless the load knows
    /// every row in it.
    pub(crate) fn may_exist(&self, first: &str, last: &str) -> bool {
        self.created
            .as_ref()
            .is_none_or(|created| created.may_contain(CreatedNames::hash(first, last)))
    }

    /// Whether the load still knows every name the table holds (see
    /// [`LoadMemory::for_batches`]).
    pub(crate) fn knows_the_table(&self) -> bool {
        self.created.is_some()
    }

    /// What a batch run on another connection needs of this memory: which of its `names` this
    /// load created (it knows nothing of the others); its names' dictionary keys are added
    /// before it runs ([`Engine::add_to_name_dictionary`]). Its transaction
    /// ends on that connection; [`LoadMemory::absorb`] takes in what it created once it has
    /// committed.
    ///
    /// Also returns how many distinct names of the batch are new to the load (at most as many
    /// rows as it can create).
    pub(crate) fn for_batch<'n>(
        &self,
        names: impl IntoIterator<Item = (&'n str, &'n str)>,
    ) -> (LoadMemory, usize) {
        let Some(created) = &self.created else {
            return (LoadMemory::none(), 0);
        };
        let (mut known, mut new): (Vec<u32>, Vec<u32>) = names
            .into_iter()
            .map(|(first, last)| CreatedNames::hash(first, last))
            .partition(|&hash| created.may_contain(hash));
        known.sort_unstable();
        known.dedup();
        new.sort_unstable();
        new.dedup();
        let memory = LoadMemory {
            keys: KnownKeys::added_elsewhere(),
            created: Some(CreatedNames {
                committed: known,
                ..CreatedNames::default()
            }),
            ..LoadMemory::default()
        };
        (memory, new.len())
    }

    /// A batch run with [`LoadMemory::for_batch`]'s memory has committed: the names it created
    /// are remembered, or, if it gave names up (it lost a race and read them all), they are
    /// given up here too. They are merged into the sorted list once a good many have come in
    /// (a look-up checks them meanwhile): merging each batch's few thousand into a million
    /// moved the million each time.
    pub(crate) fn absorb(&mut self, batch: LoadMemory) {
        match (&mut self.created, batch.created) {
            (Some(created), Some(theirs)) if !batch.forgotten => {
                created.pending.extend(theirs.pending);
                if created.committed.len() + created.pending.len() > MAX_CREATED_NAMES {
                    self.forget_names();
                } else if created.pending.len() >= (created.committed.len() / 4).max(1 << 16) {
                    created.commit();
                }
            }
            _ => self.forget_names(),
        }
    }

    /// The open transaction created rows with these names.
    pub(crate) fn created<'n>(&mut self, names: impl IntoIterator<Item = (&'n str, &'n str)>) {
        let Some(created) = &mut self.created else {
            return;
        };
        created.pending.extend(
            names
                .into_iter()
                .map(|(first, last)| CreatedNames::hash(first, last)),
        );
        if created.committed.len() + created.pending.len() > MAX_CREATED_NAMES {
            self.forget_names();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_known_once_their_transaction_commits() {
        let mut keys = KnownKeys::default();
        assert_eq!(
            keys.unknown(["ada", "lovelace", "ada"]),
            ["ada", "lovelace"]
        );
        // Added by the open transaction: not asked about again inside it.
        assert!(keys.unknown(["ada"]).is_empty());
        keys.transaction_ended(true);
        assert_eq!(keys.unknown(["ada", "byron"]), ["byron"]);
        keys.transaction_ended(false);
        assert_eq!(keys.unknown(["byron"]), ["byron"]);
    }

    #[test]
    fn keys_remembered_by_none_are_only_deduplicated() {
        let mut keys = KnownKeys::none();
        assert_eq!(keys.unknown(["ada", "ada"]), ["ada"]);
        keys.transaction_ended(true);
        assert_eq!(keys.unknown(["ada"]), ["ada"]);
    }

    #[test]
    fn created_names_merge_sorted() {
        let mut created = CreatedNames::default();
        for batch in [[5, 1, 9], [3, 7, 11], [0, 4, 12]] {
            created.pending.extend(batch);
            created.commit();
        }
        assert_eq!(created.committed, [0, 1, 3, 4, 5, 7, 9, 11, 12]);
        assert!(created.pending.is_empty());
    }

    #[test]
    fn created_names_are_found_in_every_bucket() {
        let mut created = CreatedNames::default();
        let hashes: Vec<u32> = (0..50_000u32)
            .map(|n| n.wrapping_mul(2_654_435_761))
            .collect();
        for chunk in hashes.chunks(7_000) {
            created.pending.extend(chunk);
            created.commit();
        }
        assert!(hashes.iter().all(|&hash| created.may_contain(hash)));
        assert!(created.may_contain(u32::MAX) == hashes.contains(&u32::MAX));
        let absent = (0..50_000u32)
            .map(|n| n.wrapping_mul(2_654_435_761).wrapping_add(1))
            .filter(|hash| !hashes.contains(hash))
            .take(1_000);
        assert!(absent.into_iter().all(|hash| !created.may_contain(hash)));
    }

    #[test]
    fn a_name_not_created_is_not_looked_up_only_while_the_table_is_known() {
        let mut memory = LoadMemory {
            created: Some(CreatedNames::default()),
            ..LoadMemory::default()
        };
        assert!(!memory.may_exist("Ada", "Lovelace"));
        memory.created([("Ada", "Lovelace")]);
        assert!(memory.may_exist("Ada", "Lovelace"));
        memory.transaction_ended(true);
        assert!(memory.may_exist("Ada", "Lovelace"));
        assert!(!memory.may_exist("Ada", "Byron"));
        memory.transaction_ended(false);
        assert!(memory.may_exist("Ada", "Byron"));
    }
}
