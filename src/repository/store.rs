//! The statements get_or_create and update_or_create are built from: the [`Store`] trait, and
//! [`impl_store!`], which writes the statements that read the same on every backend for one
//! concrete connection type. Each backend's file (`backends/*.rs`) invokes it with what it does
//! differently (locking a row, serializing creators, the kind of write transaction, search).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Integer, Text};

use super::load_memory::KnownKeys;
use super::rows::NewProfileRow;
use super::schema::profiles;
use diesel::dsl::sql;

use super::journal::{ChangeContext, HistoryQuery, JournalEntry};
use crate::domain::{Lookup, PageRequest, Profile, ProfileFilter, ProfileValues, SortColumn, fold};
use crate::error::Error;

/// One backend's statements. Every method is one statement, except `write_transaction`.
pub(crate) trait Store: Sized {
    /// Rows matching the lookup, lowest id first, at most `limit`.
    fn find(&mut self, lookup: &Lookup, limit: i64) -> QueryResult<Vec<Profile>>;
    /// As `find`, and the rows stay locked against other writers until the transaction ends.
    fn find_locked(&mut self, lookup: &Lookup, limit: i64) -> QueryResult<Vec<Profile>>;
    fn count(&mut self, lookup: &Lookup) -> QueryResult<i64>;
    /// How many rows match the lookup and the lowest `limit` ids among them, read by one
    /// statement so that the two agree.
    fn count_and_first_ids(&mut self, lookup: &Lookup, limit: i64) -> QueryResult<(i64, Vec<i64>)>;
    fn find_by_name(&mut self, first_name: &str, last_name: &str) -> QueryResult<Option<Profile>>;
    /// Inserts the row; `None` when a row with the same name already exists.
    fn insert_unless_name_taken(&mut self, row: &NewProfileRow<'_>)
    -> QueryResult<Option<Profile>>;
    fn update(
        &mut self,
        id: i64,
        values: &ProfileValues,
        at: NaiveDateTime,
    ) -> QueryResult<Profile>;
    fn delete(&mut self, id: i64) -> QueryResult<Option<Profile>>;
    fn page(&mut self, request: &PageRequest) -> QueryResult<Vec<Profile>>;
    fn count_matching(&mut self, filter: &ProfileFilter) -> QueryResult<i64>;
    /// How many rows of the request's filter come before its anchor in its order.
    fn count_before(&mut self, request: &PageRequest) -> QueryResult<i64>;
    /// One journal entry.
    fn change(&mut self, id: i64) -> QueryResult<Option<JournalEntry>>;
    /// Journal entries, newest first.
    fn changes(&mut self, query: &HistoryQuery) -> QueryResult<Vec<JournalEntry>>;
    /// A profile's journal entries after entry `after`, oldest first.
    fn changes_of_after(&mut self, profile_id: i64, after: i64) -> QueryResult<Vec<JournalEntry>>;
    /// Journal entries after entry `after`, oldest first, at most `limit`.
    fn changes_since(&mut self, after: i64, limit: i64) -> QueryResult<Vec<JournalEntry>>;
    /// The newest change `session` made that is not an undo and has not been undone.
    fn latest_undoable(&mut self, session: &str) -> QueryResult<Option<JournalEntry>>;
    /// The newest journal entry's id (0: none).
    fn last_change_id(&mut self) -> QueryResult<i64>;
    /// Whether the journal holds a change made by `session`.
    fn has_changes_by(&mut self, session: &str) -> QueryResult<bool>;
    /// Puts a deleted row back with its id and timestamps.
    fn restore(&mut self, row: &Profile) -> QueryResult<()>;
    /// Runs `work` in a transaction that may write, at the isolation the contract assumes whatever
    /// the server's default: READ COMMITTED on PostgreSQL; on SQLite an IMMEDIATE transaction,
    /// which takes the write lock up front, so a read-then-write never fails half-way on lock
    /// upgrade, and writers are serialized. Returns only after the commit succeeded.
    /// Every write says who makes it (`ctx`), for the change journal.
    fn write_transaction<T>(
        &mut self,
        ctx: &ChangeContext,
        work: impl FnOnce(&mut Self) -> Result<T, Error>,
    ) -> Result<T, Error>;
    /// Runs `work`, a single writing statement, as its own transaction, and returns only after
    /// its commit succeeded. The servers report a failed autocommit as the statement's own
    /// error, so by default the statement simply runs (an undo, which names itself per
    /// transaction, takes a transaction); SQLite commits an autocommit statement when it is
    /// reset, whose error diesel never sees, so there it runs inside an explicit transaction.
    fn write_statement<T>(
        &mut self,
        ctx: &ChangeContext,
        work: impl FnOnce(&mut Self) -> Result<T, Error>,
    ) -> Result<T, Error> {
        if ctx.action.is_some() {
            return self.write_transaction(ctx, work);
        }
        work(self)
    }
    /// The rows whose name is one of `names` (any order), locked against other writers until the
    /// transaction ends when `lock` is set: one statement, however many names.
    fn find_names(&mut self, names: &[(&str, &str)], lock: bool) -> QueryResult<Vec<Profile>>;
    /// Inserts `rows` (in a transaction the caller holds), skipping those whose name is taken;
    /// returns how many went in. A few statements, however many rows. Where the program keeps
    /// the search dictionary itself, it looks there only for names not in `keys`.
    fn insert_rows(
        &mut self,
        rows: &[NewProfileRow<'_>],
        keys: &mut KnownKeys,
    ) -> QueryResult<usize>;
    /// Inserts `rows` as [`Store::insert_rows`] does and returns their ids, in order, when every
    /// one went in; `None` when some name was taken (the caller then rolls back). By default the
    /// ids are read back by name; backends that can return them from the insert do.
    ///
    /// `reserved`: ids taken for these rows beforehand ([`Engine::reserve_ids`](super::backends::Engine::reserve_ids)), for the
    /// first rows in order (the rest take the table's next ids); only a backend that reserves
    /// ids is given any.
    fn insert_rows_for_ids(
        &mut self,
        rows: &[NewProfileRow<'_>],
        keys: &mut KnownKeys,
        reserved: &[i64],
    ) -> QueryResult<Option<Vec<i64>>> {
        debug_assert!(reserved.is_empty(), "this backend reserves no ids");
        if self.insert_rows(rows, keys)? != rows.len() {
            return Ok(None);
        }
        ids_by_name(self, rows)
    }
    /// Fails the current transaction with a serialization failure, as the server would (fault
    /// injection for tests: see `faults.rs`).
    fn fail_with_serialization_failure(&mut self) -> QueryResult<()>;
    /// Inside a write transaction: makes concurrent creators of rows matching `lookup` take turns
    /// until the transaction ends, for lookups no unique constraint covers.
    fn serialize_creators(&mut self, lookup: &Lookup) -> QueryResult<()>;
}

/// The ids of `rows`, read back by name (`None` if one is missing).
pub(crate) fn ids_by_name<S: Store>(
    store: &mut S,
    rows: &[NewProfileRow<'_>],
) -> QueryResult<Option<Vec<i64>>> {
    let names: Vec<(&str, &str)> = rows
        .iter()
        .map(|row| (row.first_name, row.last_name))
        .collect();
    let ids = store
        .find_names(&names, false)?
        .into_iter()
        .map(|profile| ((profile.first_name, profile.last_name), profile.id))
        .collect();
    Ok(ids_in_order(rows, &ids))
}

/// Each row's id from a name → id map, in the rows' order (`None` if one is missing).
pub(crate) fn ids_in_order(
    rows: &[NewProfileRow<'_>],
    ids: &std::collections::HashMap<(String, String), i64>,
) -> Option<Vec<i64>> {
    rows.iter()
        .map(|row| {
            ids.get(&(row.first_name.to_owned(), row.last_name.to_owned()))
                .copied()
        })
        .collect()
}

/// Loads the profiles whose `(first_name, last_name)` is one of `$names`, `$per` names a
/// statement, each statement `$before`, the pairs `(?, ?), (?, ?), …`, then `$after`: the
/// name-set read of SQLite and MySQL, which bind each name (PostgreSQL binds two arrays
/// instead). A statement of a full `$per` names is prepared once and kept (see [`CachedSql`]).
macro_rules! load_name_pairs {
    ($conn:expr, $names:expr, $per:expr, $before:expr, $after:expr) => {{
        let mut found = Vec::with_capacity($names.len());
        let (before, after): (String, String) = ($before, $after);
        for part in $names.chunks($per) {
            let mut query = $crate::repository::store::CachedSql::new(part.len() == $per);
            query.sql(&before);
            for (at, (first_name, last_name)) in part.iter().enumerate() {
                query.sql(if at == 0 { "(" } else { ", (" });
                query.text(first_name);
                query.sql(", ");
                query.text(last_name);
                query.sql(")");
            }
            query.sql(&after);
            found.extend(
                query
                    .returning::<$crate::repository::rows::RecordSql>()
                    .load::<$crate::repository::rows::ProfileRecord>($conn)?
                    .into_iter()
                    .map(Profile::from),
            );
        }
        Ok(found)
    }};
}

/// SQL text and bind values, in order, for a statement whose shape depends on how many rows it
/// carries. diesel prepares its own `sql_query` afresh each time (preparing a read of 5,000
/// names costs 9.5 million instructions, 5 % of a bulk import); this one its statement cache
/// keeps, by its text, when `cache` is set. Set it only for a few fixed shapes (a full chunk of
/// rows): the cache keeps every statement it is given.
/// `ST`: the SQL types of the rows it returns, read by position (`Untyped`: a statement that
/// returns none, or rows read by column name).
pub(crate) struct CachedSql<'a, ST = diesel::sql_types::Untyped> {
    cache: bool,
    pieces: Vec<SqlPiece<'a>>,
    rows: std::marker::PhantomData<ST>,
}

enum SqlPiece<'a> {
    Sql(&'a str),
    Text(&'a str),
    Integer(i32),
    BigInt(i64),
    Timestamp(chrono::NaiveDateTime),
}

impl CachedSql<'_> {
    pub(crate) fn new(cache: bool) -> Self {
        CachedSql {
            cache,
            pieces: Vec::new(),
            rows: std::marker::PhantomData,
        }
    }
}

impl<'a, ST> CachedSql<'a, ST> {
    /// The same statement, its rows read by position as `Rows`.
    pub(crate) fn returning<Rows>(self) -> CachedSql<'a, Rows> {
        CachedSql {
            cache: self.cache,
            pieces: self.pieces,
            rows: std::marker::PhantomData,
        }
    }

    pub(crate) fn sql(&mut self, sql: &'a str) {
        self.pieces.push(SqlPiece::Sql(sql));
    }

    pub(crate) fn text(&mut self, value: &'a str) {
        self.pieces.push(SqlPiece::Text(value));
    }

    pub(crate) fn integer(&mut self, value: i32) {
        self.pieces.push(SqlPiece::Integer(value));
    }

    pub(crate) fn big_int(&mut self, value: i64) {
        self.pieces.push(SqlPiece::BigInt(value));
    }

    pub(crate) fn timestamp(&mut self, value: chrono::NaiveDateTime) {
        self.pieces.push(SqlPiece::Timestamp(value));
    }
}

impl<DB, ST> diesel::query_builder::QueryFragment<DB> for CachedSql<'_, ST>
where
    DB: diesel::backend::Backend
        + diesel::sql_types::HasSqlType<Text>
        + diesel::sql_types::HasSqlType<Integer>
        + diesel::sql_types::HasSqlType<diesel::sql_types::BigInt>
        + diesel::sql_types::HasSqlType<diesel::sql_types::Timestamp>,
    str: diesel::serialize::ToSql<Text, DB>,
    i32: diesel::serialize::ToSql<Integer, DB>,
    i64: diesel::serialize::ToSql<diesel::sql_types::BigInt, DB>,
    chrono::NaiveDateTime: diesel::serialize::ToSql<diesel::sql_types::Timestamp, DB>,
{
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, DB>,
    ) -> QueryResult<()> {
        if !self.cache {
            out.unsafe_to_cache_prepared();
        }
        for piece in &self.pieces {
            match piece {
                SqlPiece::Sql(sql) => out.push_sql(sql),
                SqlPiece::Text(value) => out.push_bind_param::<Text, str>(value)?,
                SqlPiece::Integer(value) => {
                    out.push_bind_param::<Integer, i32>(value)?;
                }
                SqlPiece::BigInt(value) => {
                    out.push_bind_param::<diesel::sql_types::BigInt, i64>(value)?
                }
                SqlPiece::Timestamp(value) => {
                    out.push_bind_param::<diesel::sql_types::Timestamp, chrono::NaiveDateTime>(
                        value,
                    )?;
                }
            }
        }
        Ok(())
    }
}

/// Kept by its SQL text, not its type: one type serves every shape.
impl<ST> diesel::query_builder::QueryId for CachedSql<'_, ST> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<ST> diesel::query_builder::Query for CachedSql<'_, ST> {
    type SqlType = ST;
}

impl<Conn, ST> RunQueryDsl<Conn> for CachedSql<'_, ST> {}

/// The message of an injected serialization failure.
pub(crate) const INJECTED_FAILURE: &str =
    "injected serialization failure (PROFILE_CONSOLE_INJECT_SERIALIZATION_FAILURES)";

pub(crate) type Filter<DB> = Box<dyn BoxableExpression<profiles::table, DB, SqlType = Bool>>;

/// `LIKE` pattern matching `term` anywhere, with the pattern characters escaped.
pub(crate) fn contains_pattern(term: &str) -> String {
    let mut pattern = String::with_capacity(term.len() + 2);
    pattern.push('%');
    for c in term.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// Names a term may match before the dictionary stops paying: past this, the term is common, and
/// a page in id order is walked, any other page read by the plain page query.
pub(crate) const DICTIONARY_NAMES: i64 = 1_000;

/// Names few enough to go to their profiles at once: a name is shared by about fifty profiles in
/// a million, so this many are a few thousand rows at most. More names than this mean a common
/// term, which the walk serves better.
pub(crate) const FEW_NAMES: usize = 64;

/// Terms this long or longer are found through the name dictionary (by suffix on SQLite and
/// MySQL, by pg_trgm on PostgreSQL); shorter ones match too many rows for an index to help.
pub(crate) const TRIGRAM: usize = 3;

/// A column a sort orders by. Names sort by their folded copies (`first_key`, `last_key`, kept by
/// the database; see `domain::fold`), so case and diacritics do not count.
#[derive(Clone, Copy, Debug)]
pub(crate) enum SortKey {
    Id,
    FirstKey,
    LastKey,
    Gender,
    Age,
    CreatedAt,
    UpdatedAt,
}

impl SortKey {
    pub(crate) fn column(self) -> &'static str {
        match self {
            SortKey::Id => "id",
            SortKey::FirstKey => "first_key",
            SortKey::LastKey => "last_key",
            SortKey::Gender => "gender",
            SortKey::Age => "age",
            SortKey::CreatedAt => "created_at",
            SortKey::UpdatedAt => "updated_at",
        }
    }
}

/// The columns a sort orders by, ending in the id, which makes every order total.
pub(crate) fn sort_keys(sort: SortColumn) -> &'static [SortKey] {
    match sort {
        SortColumn::Id => &[SortKey::Id],
        SortColumn::FirstName => &[SortKey::FirstKey, SortKey::LastKey, SortKey::Id],
        SortColumn::LastName => &[SortKey::LastKey, SortKey::FirstKey, SortKey::Id],
        SortColumn::Gender => &[SortKey::Gender, SortKey::Id],
        SortColumn::Age => &[SortKey::Age, SortKey::Id],
        SortColumn::CreatedAt => &[SortKey::CreatedAt, SortKey::Id],
        SortColumn::UpdatedAt => &[SortKey::UpdatedAt, SortKey::Id],
    }
}

/// A term anywhere in either folded name, by `LIKE` (`escape`: the backend's `ESCAPE` clause for
/// a backslash, or empty where the backslash is already the default).
pub(crate) fn keys_contain<DB>(term: &str, escape: &'static str) -> Filter<DB>
where
    DB: diesel::backend::Backend,
    diesel::expression::SqlLiteral<Bool>: diesel::query_builder::QueryFragment<DB>,
    String: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
    DB: diesel::sql_types::HasSqlType<diesel::sql_types::Text>,
{
    let pattern = contains_pattern(&fold(term));
    Box::new(
        sql::<Bool>("(first_key LIKE ")
            .bind::<diesel::sql_types::Text, _>(pattern.clone())
            .sql(escape)
            .sql(" OR last_key LIKE ")
            .bind::<diesel::sql_types::Text, _>(pattern)
            .sql(escape)
            .sql(")"),
    )
}

/// `ORDER BY` the key columns, all ascending or all descending (the row-value comparison needs
/// one direction).
macro_rules! order_by {
    ($query:ident, $ascending:expr, $($column:expr),+) => {
        if $ascending {
            $query.order(($($column.asc()),+))
        } else {
            $query.order(($($column.desc()),+))
        }
    };
}

macro_rules! impl_store {
    ($conn:ty, $db:ty, $filters:ident, term_filter = $term_filter:path, search = $search:path, split_keyset = $split:expr, equal_as_range = $equal_as_range:expr $(, count = $count:path)?, { $($backend_specific:item)* }) => {
        /// The WHERE clauses, typed for this backend.
        mod $filters {
            use super::*;
            use $crate::domain::fold;
            use $crate::repository::store::{SortKey, TRIGRAM, sort_keys};

            /// A search page in id order, walked: a planner estimates substring matches poorly
            /// (a term matching 7,000 rows can be estimated at 140) and may then read thousands
            /// of rows through a name index, where walking the primary key finds a page of
            /// matches in a few thousand rows. So: walk at most `ids` ids from the
            /// anchor with the cheap form of the term filter. The page in reading order when
            /// that filled it; `None` when it did not (a rare term: the name index is the way
            /// then) or when the page is not a search in id order.
            pub(super) fn walk(conn: &mut $conn, request: &PageRequest, ids: i64) -> QueryResult<Option<Vec<Profile>>> {
                let searchable = request.filter.search_terms().next().is_some()
                    && request.filter.search_terms().all(|term| term.chars().count() >= TRIGRAM);
                if request.sort != SortColumn::Id || !searchable {
                    return Ok(None);
                }
                let ascending = request.reads_ascending();
                let start = match &request.anchor {
                    Some(anchor) => Some(anchor.id),
                    None if ascending => profiles::table.select(diesel::dsl::min(profiles::id)).first(conn)?,
                    None => profiles::table.select(diesel::dsl::max(profiles::id)).first(conn)?,
                };
                let Some(start) = start else {
                    return Ok(Some(Vec::new()));
                };
                let within: Filter<$db> = if ascending {
                    Box::new(profiles::id.le(start.saturating_add(ids)))
                } else {
                    Box::new(profiles::id.ge(start.saturating_sub(ids)))
                };
                let bounded: Filter<$db> = match &request.anchor {
                    Some(anchor) => Box::new(within.and(keyset_filter(request, anchor))),
                    None => within,
                };
                let rows: Vec<Profile> = page_query(request, true, Some(bounded), request.limit).load(conn)?;
                Ok(((rows.len() as i64) >= request.limit).then_some(rows))
            }

            pub(super) fn lookup_filter(lookup: &Lookup) -> Filter<$db> {
                let values = lookup.values();
                let equalities: [Option<Filter<$db>>; 5] = [
                    lookup.id().map(|id| Box::new(profiles::id.eq(id)) as Filter<$db>),
                    values.first_name.clone().map(|v| Box::new(profiles::first_name.eq(v)) as Filter<$db>),
                    values.last_name.clone().map(|v| Box::new(profiles::last_name.eq(v)) as Filter<$db>),
                    values.gender.clone().map(|v| Box::new(profiles::gender.eq(v)) as Filter<$db>),
                    values.age.map(|v| Box::new(profiles::age.eq(v)) as Filter<$db>),
                ];
                all_of(equalities.into_iter().flatten()).unwrap_or_else(|| Box::new(sql::<Bool>("1 = 1")))
            }

            /// The browse filter. With `walk`, search terms take the form meant for walking the
            /// sort order (see `pg_search_walk`).
            pub(super) fn browse_filter(filter: &ProfileFilter, walk: bool) -> Option<Filter<$db>> {
                let terms = filter.search_terms().map(|term| $term_filter(term, walk));
                let others: [Option<Filter<$db>>; 3] = [
                    // Either case, as the name search: `m` finds `M`.
                    filter.gender.clone().map(|g| {
                        let cases = [g.to_uppercase(), g.to_lowercase()];
                        Box::new(profiles::gender.eq_any(cases)) as Filter<$db>
                    }),
                    filter.age_min.map(|min| Box::new(profiles::age.ge(min)) as Filter<$db>),
                    filter.age_max.map(|max| Box::new(profiles::age.le(max)) as Filter<$db>),
                ];
                all_of(terms.chain(others.into_iter().flatten()))
            }

            /// Every filter, joined with AND; `None` when there are none.
            fn all_of(filters: impl Iterator<Item = Filter<$db>>) -> Option<Filter<$db>> {
                filters.reduce(|all, next| Box::new(all.and(next)))
            }

            /// `(key columns) > (anchor's values)` as a row-value comparison, which both backends
            /// answer with an index range scan.
            pub(super) fn keyset_filter(request: &PageRequest, anchor: &Profile) -> Filter<$db> {
                let op = match (request.reads_ascending(), request.include_anchor) {
                    (true, false) => ") > (",
                    (true, true) => ") >= (",
                    (false, false) => ") < (",
                    (false, true) => ") <= (",
                };
                let text = |columns: &str| sql::<Bool>("(").sql(columns).sql(op);
                match request.sort {
                    SortColumn::Id => Box::new(text("id").bind::<BigInt, _>(anchor.id).sql(")")),
                    SortColumn::FirstName => Box::new(
                        text("first_key, last_key, id")
                            .bind::<Text, _>(fold(&anchor.first_name))
                            .sql(", ")
                            .bind::<Text, _>(fold(&anchor.last_name))
                            .sql(", ")
                            .bind::<BigInt, _>(anchor.id)
                            .sql(")"),
                    ),
                    SortColumn::LastName => Box::new(
                        text("last_key, first_key, id")
                            .bind::<Text, _>(fold(&anchor.last_name))
                            .sql(", ")
                            .bind::<Text, _>(fold(&anchor.first_name))
                            .sql(", ")
                            .bind::<BigInt, _>(anchor.id)
                            .sql(")"),
                    ),
                    SortColumn::Gender => Box::new(
                        text("gender, id")
                            .bind::<Text, _>(anchor.gender.clone())
                            .sql(", ")
                            .bind::<BigInt, _>(anchor.id)
                            .sql(")"),
                    ),
                    SortColumn::Age => Box::new(
                        text("age, id")
                            .bind::<Integer, _>(anchor.age)
                            .sql(", ")
                            .bind::<BigInt, _>(anchor.id)
                            .sql(")"),
                    ),
                    SortColumn::CreatedAt => Box::new(
                        text("created_at, id")
                            .bind::<Timestamp, _>(anchor.created_at)
                            .sql(", ")
                            .bind::<BigInt, _>(anchor.id)
                            .sql(")"),
                    ),
                    SortColumn::UpdatedAt => Box::new(
                        text("updated_at, id")
                            .bind::<Timestamp, _>(anchor.updated_at)
                            .sql(", ")
                            .bind::<BigInt, _>(anchor.id)
                            .sql(")"),
                    ),
                }
            }

            /// `key <op> anchor's value`, one key column.
            fn compare_key(key: SortKey, op: &str, anchor: &Profile) -> Filter<$db> {
                let text = sql::<Bool>(key.column()).sql(op);
                match key {
                    SortKey::Id => Box::new(text.bind::<BigInt, _>(anchor.id)),
                    SortKey::FirstKey => Box::new(text.bind::<Text, _>(fold(&anchor.first_name))),
                    SortKey::LastKey => Box::new(text.bind::<Text, _>(fold(&anchor.last_name))),
                    SortKey::Gender => Box::new(text.bind::<Text, _>(anchor.gender.clone())),
                    SortKey::Age => Box::new(text.bind::<Integer, _>(anchor.age)),
                    SortKey::CreatedAt => Box::new(text.bind::<Timestamp, _>(anchor.created_at)),
                    SortKey::UpdatedAt => Box::new(text.bind::<Timestamp, _>(anchor.updated_at)),
                }
            }

            /// `key = anchor's value`; as `key >= v AND key <= v` where the backend plans that
            /// better (MariaDB, given `gender = ? AND id < ?` as a prepared statement, reads every
            /// row of the gender forward where the range reads 34 backward).
            fn equal_key(key: SortKey, anchor: &Profile) -> Filter<$db> {
                if $equal_as_range {
                    Box::new(compare_key(key, " >= ", anchor).and(compare_key(key, " <= ", anchor)))
                } else {
                    compare_key(key, " = ", anchor)
                }
            }

            /// The keyset condition in parts, one per key column, each one index seek: rows
            /// equal to the anchor on the keys before it and past it on this one, the last key
            /// first (SQLite does not seek on a row value whose last column is the rowid, nor
            /// MariaDB on row values at all).
            pub(super) fn split_keyset(request: &PageRequest, anchor: &Profile) -> Vec<Filter<$db>> {
                let (past, past_or_at) = if request.reads_ascending() { (" > ", " >= ") } else { (" < ", " <= ") };
                let keys = sort_keys(request.sort);
                (0..keys.len())
                    .rev()
                    .map(|at| {
                        let op = if at + 1 == keys.len() && request.include_anchor { past_or_at } else { past };
                        keys[..at]
                            .iter()
                            .map(|key| equal_key(*key, anchor))
                            .fold(compare_key(keys[at], op, anchor), |all, equal| Box::new(equal.and(all)))
                    })
                    .collect()
            }

            /// One page's query: the browse filter, an optional keyset condition, the order.
            pub(super) fn page_query(
                request: &PageRequest,
                walk: bool,
                keyset: Option<Filter<$db>>,
                limit: i64,
            ) -> profiles::BoxedQuery<'static, $db, $crate::repository::schema::ProfileSqlType> {
                use profiles::*;
                let mut query = profiles::table.select($crate::repository::schema::PROFILE_COLUMNS).into_boxed();
                if let Some(filter) = browse_filter(&request.filter, walk) {
                    query = query.filter(filter);
                }
                if let Some(keyset) = keyset {
                    query = query.filter(keyset);
                }
                query = match request.sort {
                    SortColumn::Id => order_by!(query, request.reads_ascending(), id),
                    SortColumn::FirstName | SortColumn::LastName => {
                        let direction = if request.reads_ascending() { " ASC" } else { " DESC" };
                        let order = sort_keys(request.sort)
                            .iter()
                            .map(|key| format!("{}{direction}", key.column()))
                            .collect::<Vec<_>>()
                            .join(", ");
                        query.order(sql::<Text>(&order))
                    }
                    SortColumn::Gender => order_by!(query, request.reads_ascending(), gender, id),
                    SortColumn::Age => order_by!(query, request.reads_ascending(), age, id),
                    SortColumn::CreatedAt => order_by!(query, request.reads_ascending(), created_at, id),
                    SortColumn::UpdatedAt => order_by!(query, request.reads_ascending(), updated_at, id),
                };
                query.limit(limit)
            }
        }

        impl Store for $conn {
            fn find(&mut self, lookup: &Lookup, limit: i64) -> QueryResult<Vec<Profile>> {
                if let Some((first_name, last_name)) = lookup.name_only() {
                    // The usual lookup, as a statement whose prepared form diesel caches by type
                    // rather than by SQL text it would have to build on every call.
                    return profiles::table
                        .filter(profiles::first_name.eq(first_name))
                        .filter(profiles::last_name.eq(last_name))
                        .order(profiles::id)
                        .limit(limit)
                        .select($crate::repository::schema::PROFILE_COLUMNS)
                        .load(self);
                }
                profiles::table
                    .filter($filters::lookup_filter(lookup))
                    .order(profiles::id)
                    .limit(limit)
                    .select($crate::repository::schema::PROFILE_COLUMNS)
                    .load(self)
            }

            fn count(&mut self, lookup: &Lookup) -> QueryResult<i64> {
                profiles::table
                    .filter($filters::lookup_filter(lookup))
                    .count()
                    .get_result(self)
            }

            fn count_and_first_ids(&mut self, lookup: &Lookup, limit: i64) -> QueryResult<(i64, Vec<i64>)> {
                let rows: Vec<(i64, i64)> = profiles::table
                    .filter($filters::lookup_filter(lookup))
                    .order(profiles::id)
                    .limit(limit)
                    .select((profiles::id, sql::<BigInt>("COUNT(*) OVER ()")))
                    .load(self)?;
                let count = rows.first().map_or(0, |(_, count)| *count);
                Ok((count, rows.into_iter().map(|(id, _)| id).collect()))
            }

            fn find_by_name(&mut self, first_name: &str, last_name: &str) -> QueryResult<Option<Profile>> {
                profiles::table
                    .filter(profiles::first_name.eq(first_name))
                    .filter(profiles::last_name.eq(last_name))
                    .select($crate::repository::schema::PROFILE_COLUMNS)
                    .first(self)
                    .optional()
            }

            fn page(&mut self, request: &PageRequest) -> QueryResult<Vec<Profile>> {
                // Rows come in reading order; a backward page is turned round at the end.
                let mut rows: Vec<Profile> = match ($search(self, request)?, &request.anchor) {
                    (Some(walked), _) => walked,
                    (None, Some(anchor)) if $split && request.sort != SortColumn::Id => {
                        let mut rows: Vec<Profile> = Vec::new();
                        for part in $filters::split_keyset(request, anchor) {
                            let missing = request.limit - rows.len() as i64;
                            if missing <= 0 {
                                break;
                            }
                            rows.extend($filters::page_query(request, false, Some(part), missing).load::<Profile>(self)?);
                        }
                        rows
                    }
                    (None, anchor) => {
                        let keyset = anchor.as_ref().map(|anchor| $filters::keyset_filter(request, anchor));
                        $filters::page_query(request, false, keyset, request.limit).load(self)?
                    }
                };
                if request.towards == crate::domain::Towards::Backward {
                    rows.reverse();
                }
                Ok(rows)
            }

            fn count_before(&mut self, request: &PageRequest) -> QueryResult<i64> {
                let Some(anchor) = &request.anchor else {
                    return Ok(0);
                };
                let before = PageRequest {
                    towards: crate::domain::Towards::Backward,
                    include_anchor: false,
                    ..request.clone()
                };
                // Where row values are not sought on, the parts are counted one index range each.
                let parts = if $split && request.sort != SortColumn::Id {
                    $filters::split_keyset(&before, anchor)
                } else {
                    vec![$filters::keyset_filter(&before, anchor)]
                };
                let mut before_anchor = 0;
                for part in parts {
                    let mut query = profiles::table.into_boxed().filter(part);
                    if let Some(filter) = $filters::browse_filter(&request.filter, false) {
                        query = query.filter(filter);
                    }
                    before_anchor += query.count().get_result::<i64>(self)?;
                }
                Ok(before_anchor)
            }

            fn change(&mut self, id: i64) -> QueryResult<Option<$crate::repository::journal::JournalEntry>> {
                use $crate::repository::schema::profile_changes as pc;
                pc::table
                    .find(id)
                    .first::<$crate::repository::journal::ChangeRow>(self)
                    .optional()
                    .map(|row| row.map($crate::repository::journal::JournalEntry::from))
            }

            fn changes(&mut self, query: &$crate::repository::journal::HistoryQuery) -> QueryResult<Vec<$crate::repository::journal::JournalEntry>> {
                use $crate::repository::schema::profile_changes as pc;
                let mut select = pc::table.into_boxed();
                if let Some(profile_id) = query.profile_id {
                    select = select.filter(pc::profile_id.eq(profile_id));
                }
                if let Some(since) = query.since {
                    select = select.filter(pc::at.ge(since));
                }
                if let Some(before) = query.before {
                    select = select.filter(pc::id.lt(before));
                }
                let rows: Vec<$crate::repository::journal::ChangeRow> = select.order(pc::id.desc()).limit(query.limit).load(self)?;
                Ok(rows.into_iter().map($crate::repository::journal::JournalEntry::from).collect())
            }

            fn changes_of_after(&mut self, profile_id: i64, after: i64) -> QueryResult<Vec<$crate::repository::journal::JournalEntry>> {
                use $crate::repository::schema::profile_changes as pc;
                let rows: Vec<$crate::repository::journal::ChangeRow> = pc::table
                    .filter(pc::profile_id.eq(profile_id))
                    .filter(pc::id.gt(after))
                    .order(pc::id.asc())
                    .load(self)?;
                Ok(rows.into_iter().map($crate::repository::journal::JournalEntry::from).collect())
            }

            fn changes_since(&mut self, after: i64, limit: i64) -> QueryResult<Vec<$crate::repository::journal::JournalEntry>> {
                use $crate::repository::schema::profile_changes as pc;
                let rows: Vec<$crate::repository::journal::ChangeRow> = pc::table
                    .filter(pc::id.gt(after))
                    .order(pc::id.asc())
                    .limit(limit)
                    .load(self)?;
                Ok(rows.into_iter().map($crate::repository::journal::JournalEntry::from).collect())
            }

            fn latest_undoable(&mut self, session: &str) -> QueryResult<Option<$crate::repository::journal::JournalEntry>> {
                use $crate::repository::schema::profile_changes as pc;
                let undone = diesel::dsl::sql::<Bool>(
                    "NOT EXISTS (SELECT 1 FROM profile_changes later WHERE later.reverts = profile_changes.id)",
                );
                pc::table
                    .filter(pc::session.eq(session))
                    .filter(pc::reverts.is_null())
                    .filter(undone)
                    .order(pc::id.desc())
                    .first::<$crate::repository::journal::ChangeRow>(self)
                    .optional()
                    .map(|row| row.map($crate::repository::journal::JournalEntry::from))
            }

            fn last_change_id(&mut self) -> QueryResult<i64> {
                use $crate::repository::schema::profile_changes as pc;
                pc::table
                    .select(diesel::dsl::max(pc::id))
                    .first::<Option<i64>>(self)
                    .map(|id| id.unwrap_or(0))
            }

            fn has_changes_by(&mut self, session: &str) -> QueryResult<bool> {
                use $crate::repository::schema::profile_changes as pc;
                pc::table
                    .filter(pc::session.eq(session))
                    .select(pc::id)
                    .first::<i64>(self)
                    .optional()
                    .map(|id| id.is_some())
            }

            fn count_matching(&mut self, filter: &ProfileFilter) -> QueryResult<i64> {
                $(
                    if let Some(count) = $count(self, filter)? {
                        return Ok(count);
                    }
                )?
                match $filters::browse_filter(filter, false) {
                    None => profiles::table.count().get_result(self),
                    Some(filter) => profiles::table.filter(filter).count().get_result(self),
                }
            }

            $($backend_specific)*
        }
    };
}

/// The three writes that read a row back with `RETURNING` (SQLite 3.35+, PostgreSQL), for a
/// backend's `impl_store!` block.
macro_rules! returning_writes {
    () => {
        fn insert_unless_name_taken(
            &mut self,
            row: &NewProfileRow<'_>,
        ) -> QueryResult<Option<Profile>> {
            diesel::insert_into(profiles::table)
                .values(row)
                .on_conflict_do_nothing()
                .returning($crate::repository::schema::PROFILE_COLUMNS)
                .get_result(self)
                .optional()
        }

        fn update(
            &mut self,
            id: i64,
            values: &ProfileValues,
            at: NaiveDateTime,
        ) -> QueryResult<Profile> {
            diesel::update(profiles::table.find(id))
                .set(ProfileChangeset::new(values, at))
                .returning($crate::repository::schema::PROFILE_COLUMNS)
                .get_result(self)
        }

        fn delete(&mut self, id: i64) -> QueryResult<Option<Profile>> {
            diesel::delete(profiles::table.find(id))
                .returning($crate::repository::schema::PROFILE_COLUMNS)
                .get_result(self)
                .optional()
        }
    };
}

/// Search through a dictionary of the folded names in use (SQLite's and MySQL's
/// `profile_name_parts`, PostgreSQL's `profile_name_keys`): `search_by_names`, given the backend's lookup of the names
/// containing a term. Expanded in the backend's module, after `impl_store!`.
macro_rules! impl_search_by_names {
    ($conn:ty, $db:ty, $filters:ident) => {
        use $crate::repository::store::{DICTIONARY_NAMES, FEW_NAMES};

        /// A search page through a dictionary of the folded names in use. The longest term of
        /// three or more characters is looked up there (`names_containing`, at most `limit`
        /// names). Few names: the name indexes give their profiles, which the page query then
        /// filters and orders as usual. Many, in id order: the walk first (a common term fills
        /// the page in a few thousand rows), then the names, or, past [`DICTIONARY_NAMES`], the
        /// plain query. Many in another order, or no term that long: the plain query.
        fn search_by_names(
            conn: &mut $conn,
            request: &PageRequest,
            walk_ids: i64,
            names_containing: impl FnOnce(&mut $conn, &str, i64) -> QueryResult<Vec<Single>>,
        ) -> QueryResult<Option<Vec<Profile>>> {
            let Some(term) = longest_term(&request.filter) else {
                return Ok(None);
            };
            let names: Vec<String> = names_containing(conn, term, DICTIONARY_NAMES)?
                .into_iter()
                .map(|name| name.value)
                .collect();
            if names.is_empty() {
                return Ok(Some(Vec::new()));
            }
            if names.len() > FEW_NAMES {
                // A common term: in another order than the id's, the plain query finds a page of it
                // soon enough along that order's index.
                if request.sort != SortColumn::Id {
                    return Ok(None);
                }
                if let Some(rows) = $filters::walk(conn, request, walk_ids)? {
                    return Ok(Some(rows));
                }
                if names.len() as i64 >= DICTIONARY_NAMES {
                    return Ok(None);
                }
            }
            if request.sort == SortColumn::Id {
                return page_of_names_by_id(conn, request, &names).map(Some);
            }
            let named: Filter<$db> = Box::new(
                profiles::first_key
                    .assume_not_null()
                    .eq_any(names.clone())
                    .or(profiles::last_key.assume_not_null().eq_any(names)),
            );
            let within = match &request.anchor {
                Some(anchor) => Box::new(named.and($filters::keyset_filter(request, anchor))),
                None => named,
            };
            // In reading order, as the page query reads.
            $filters::page_query(request, false, Some(within), request.limit)
                .load(conn)
                .map(Some)
        }

        /// The search term the dictionary is asked about: the longest of three or more
        /// characters.
        fn longest_term(filter: &ProfileFilter) -> Option<&str> {
            filter
                .search_terms()
                .filter(|term| term.chars().count() >= TRIGRAM)
                .max_by_key(|term| term.chars().count())
        }

        /// How many profiles match `filter`, when its search term is in at most [`FEW_NAMES`]
        /// names: only the rows holding one of them are counted (the name indexes give them),
        /// and the filter decides for each, as in the plain count. `None`: no such term, or a
        /// common one, which the plain count serves (a scan in order beats reaching hundreds
        /// of thousands of rows one by one through the indexes: at a million rows, a term in
        /// 1,000 names took 1.8 s that way, and 0.3 s by the scan). (PostgreSQL counts
        /// through the trigram indexes on the table itself, and does not use it.)
        #[allow(dead_code)]
        fn count_by_names(
            conn: &mut $conn,
            filter: &ProfileFilter,
            names_containing: impl FnOnce(&mut $conn, &str, i64) -> QueryResult<Vec<Single>>,
        ) -> QueryResult<Option<i64>> {
            let Some(term) = longest_term(filter) else {
                return Ok(None);
            };
            let limit = i64::try_from(FEW_NAMES + 1).unwrap_or(i64::MAX);
            let names: Vec<String> = names_containing(conn, term, limit)?
                .into_iter()
                .map(|name| name.value)
                .collect();
            if names.len() > FEW_NAMES {
                return Ok(None);
            }
            if names.is_empty() {
                return Ok(Some(0));
            }
            let named: Filter<$db> = Box::new(
                profiles::first_key
                    .assume_not_null()
                    .eq_any(names.clone())
                    .or(profiles::last_key.assume_not_null().eq_any(names)),
            );
            let mut query = profiles::table.filter(named).into_boxed();
            if let Some(filter) = $filters::browse_filter(filter, false) {
                query = query.filter(filter);
            }
            query.count().get_result(conn).map(Some)
        }

        /// A page in id order of the profiles with one of `names` as first or last name: the ids from
        /// each name index alone (it holds both names and the id, so no row is read), then only the
        /// page's rows. (An index merge reads every matching row, scattered over the table: a few
        /// hundred random reads where the page needs a screenful.)
        fn page_of_names_by_id(
            conn: &mut $conn,
            request: &PageRequest,
            names: &[String],
        ) -> QueryResult<Vec<Profile>> {
            let ascending = request.reads_ascending();
            let mut ids: Vec<i64> = Vec::new();
            for first in [true, false] {
                let named: Filter<$db> = if first {
                    Box::new(profiles::first_key.assume_not_null().eq_any(names.to_vec()))
                } else {
                    Box::new(profiles::last_key.assume_not_null().eq_any(names.to_vec()))
                };
                let mut query = profiles::table
                    .select(profiles::id)
                    .filter(named)
                    .into_boxed();
                if let Some(filter) = $filters::browse_filter(&request.filter, false) {
                    query = query.filter(filter);
                }
                if let Some(anchor) = &request.anchor {
                    query = query.filter($filters::keyset_filter(request, anchor));
                }
                query = if ascending {
                    query.order(profiles::id.asc())
                } else {
                    query.order(profiles::id.desc())
                };
                ids.extend(query.limit(request.limit).load::<i64>(conn)?);
            }
            ids.sort_unstable();
            ids.dedup();
            if !ascending {
                ids.reverse();
            }
            ids.truncate(usize::try_from(request.limit).unwrap_or(0));
            let mut rows: Vec<Profile> = profiles::table
                .filter(profiles::id.eq_any(&ids))
                .select(PROFILE_COLUMNS)
                .load(conn)?;
            // In reading order.
            rows.sort_unstable_by_key(|row| if ascending { row.id } else { -row.id });
            Ok(rows)
        }
    };
}

pub(crate) use {impl_search_by_names, impl_store, load_name_pairs, order_by, returning_writes};
