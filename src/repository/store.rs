//! The statements get_or_create and update_or_create are built from: the [`Store`] trait, and
//! [`impl_store!`], which writes the statements that read the same on every backend for one
//! concrete connection type. Each backend's file (`backends/*.rs`) invokes it with what it does
//! differently (locking a row, serializing creators, the kind of write transaction, search).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::Bool;

use super::rows::NewProfileRow;
use super::schema::profiles;
use crate::domain::{Lookup, PageRequest, Profile, ProfileFilter, ProfileValues};
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
    /// Runs `work` in a transaction that may write, at the isolation the contract assumes whatever
    /// the server's default: READ COMMITTED on PostgreSQL; on SQLite an IMMEDIATE transaction,
    /// which takes the write lock up front, so a read-then-write never fails half-way on lock
    /// upgrade, and writers are serialized. Returns only after the commit succeeded.
    fn write_transaction<T>(
        &mut self,
        work: impl FnOnce(&mut Self) -> Result<T, Error>,
    ) -> Result<T, Error>;
    /// Runs `work`, a single writing statement, as its own transaction, and returns only after
    /// its commit succeeded. PostgreSQL reports a failed autocommit as the statement's own error;
    /// SQLite commits an autocommit statement when it is reset, whose error diesel never sees, so
    /// there the statement runs inside an explicit transaction.
    fn write_statement<T>(
        &mut self,
        work: impl FnOnce(&mut Self) -> Result<T, Error>,
    ) -> Result<T, Error>;
    /// Fails the current transaction with a serialization failure, as the server would (fault
    /// injection for tests: see `faults.rs`).
    fn fail_with_serialization_failure(&mut self) -> QueryResult<()>;
    /// Inside a write transaction: makes concurrent creators of rows matching `lookup` take turns
    /// until the transaction ends, for lookups no unique constraint covers.
    fn serialize_creators(&mut self, lookup: &Lookup) -> QueryResult<()>;
}

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

/// Terms this long or longer are found through the trigram index (FTS5 on SQLite, pg_trgm on
/// PostgreSQL); shorter ones match too many rows for an index to help.
pub(crate) const TRIGRAM: usize = 3;

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
    ($conn:ty, $db:ty, $filters:ident, term_filter = $term_filter:path, search_walk = $search_walk:path, split_keyset = $split:expr, { $($backend_specific:item)* }) => {
        /// The WHERE clauses, typed for this backend.
        mod $filters {
            use super::*;

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
                        text("first_name, last_name")
                            .bind::<Text, _>(anchor.first_name.clone())
                            .sql(", ")
                            .bind::<Text, _>(anchor.last_name.clone())
                            .sql(")"),
                    ),
                    SortColumn::LastName => Box::new(
                        text("last_name, first_name")
                            .bind::<Text, _>(anchor.last_name.clone())
                            .sql(", ")
                            .bind::<Text, _>(anchor.first_name.clone())
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

            /// `column <op> anchor's value`, one column.
            fn compare_column(column: SortColumn, op: &str, anchor: &Profile) -> Filter<$db> {
                let text = |name: &str| sql::<Bool>(name).sql(op);
                match column {
                    SortColumn::Id => Box::new(text("id").bind::<BigInt, _>(anchor.id)),
                    SortColumn::FirstName => Box::new(text("first_name").bind::<Text, _>(anchor.first_name.clone())),
                    SortColumn::LastName => Box::new(text("last_name").bind::<Text, _>(anchor.last_name.clone())),
                    SortColumn::Gender => Box::new(text("gender").bind::<Text, _>(anchor.gender.clone())),
                    SortColumn::Age => Box::new(text("age").bind::<Integer, _>(anchor.age)),
                    SortColumn::CreatedAt => Box::new(text("created_at").bind::<Timestamp, _>(anchor.created_at)),
                    SortColumn::UpdatedAt => Box::new(text("updated_at").bind::<Timestamp, _>(anchor.updated_at)),
                }
            }

            /// The keyset condition in two parts, for a sort whose tie-break is the id: rows with
            /// the anchor's value past its id, and rows past its value. Each part is one index
            /// seek; SQLite does not seek on a row value whose last column is the rowid.
            pub(super) fn split_keyset(request: &PageRequest, anchor: &Profile) -> (Filter<$db>, Filter<$db>) {
                let (past, past_or_at) = if request.reads_ascending() { (" > ", " >= ") } else { (" < ", " <= ") };
                let id_op = if request.include_anchor { past_or_at } else { past };
                let tie: Filter<$db> = Box::new(
                    compare_column(request.sort, " = ", anchor).and(compare_column(SortColumn::Id, id_op, anchor)),
                );
                (tie, compare_column(request.sort, past, anchor))
            }

            /// One page's query: the browse filter, an optional keyset condition, the order.
            pub(super) fn page_query(
                request: &PageRequest,
                walk: bool,
                keyset: Option<Filter<$db>>,
                limit: i64,
            ) -> profiles::BoxedQuery<'static, $db> {
                use profiles::*;
                let mut query = profiles::table.select(profiles::all_columns).into_boxed();
                if let Some(filter) = browse_filter(&request.filter, walk) {
                    query = query.filter(filter);
                }
                if let Some(keyset) = keyset {
                    query = query.filter(keyset);
                }
                query = match request.sort {
                    SortColumn::Id => order_by!(query, request.reads_ascending(), id),
                    SortColumn::FirstName => order_by!(query, request.reads_ascending(), first_name, last_name),
                    SortColumn::LastName => order_by!(query, request.reads_ascending(), last_name, first_name),
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
                        .select(profiles::all_columns)
                        .load(self);
                }
                profiles::table
                    .filter($filters::lookup_filter(lookup))
                    .order(profiles::id)
                    .limit(limit)
                    .select(profiles::all_columns)
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
                    .select(profiles::all_columns)
                    .first(self)
                    .optional()
            }

            fn page(&mut self, request: &PageRequest) -> QueryResult<Vec<Profile>> {
                let ties_on_id = !matches!(request.sort, SortColumn::Id | SortColumn::FirstName | SortColumn::LastName);
                // Rows come in reading order; a backward page is turned round at the end.
                let mut rows: Vec<Profile> = match ($search_walk(self, request)?, &request.anchor) {
                    (Some(walked), _) => walked,
                    (None, Some(anchor)) if $split && ties_on_id => {
                        let (tie, beyond) = $filters::split_keyset(request, anchor);
                        let mut rows: Vec<Profile> = $filters::page_query(request, false, Some(tie), request.limit).load(self)?;
                        let missing = request.limit - rows.len() as i64;
                        if missing > 0 {
                            rows.extend($filters::page_query(request, false, Some(beyond), missing).load::<Profile>(self)?);
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

            fn count_matching(&mut self, filter: &ProfileFilter) -> QueryResult<i64> {
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
                .returning(profiles::all_columns)
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
                .returning(profiles::all_columns)
                .get_result(self)
        }

        fn delete(&mut self, id: i64) -> QueryResult<Option<Profile>> {
            diesel::delete(profiles::table.find(id))
                .returning(profiles::all_columns)
                .get_result(self)
                .optional()
        }
    };
}

pub(crate) use {impl_store, order_by, returning_writes};
