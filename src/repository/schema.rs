//! The `profiles` table as diesel sees it, shared by both backends and kept by hand (the migrations
//! in migrations/sqlite and migrations/postgres are the source of truth).
//!
//! `created_at` / `updated_at` are TIMESTAMPTZ on PostgreSQL and TEXT on SQLite; both are handed
//! over as `Timestamp` holding UTC: PostgreSQL sessions are set to UTC when they open, so the
//! conversion between the two is exact.

diesel::table! {
    profiles (id) {
        id -> BigInt,
        first_name -> Text,
        last_name -> Text,
        gender -> Text,
        age -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        /// The folded names (see `domain::fold`), kept by the database: what names sort and are
        /// searched by. Never written by the application.
        first_key -> Nullable<Text>,
        last_key -> Nullable<Text>,
    }
}

/// The SQL types of [`PROFILE_COLUMNS`].
pub type ProfileSqlType = (
    diesel::sql_types::BigInt,
    diesel::sql_types::Text,
    diesel::sql_types::Text,
    diesel::sql_types::Text,
    diesel::sql_types::Integer,
    diesel::sql_types::Timestamp,
    diesel::sql_types::Timestamp,
);

/// A [`crate::domain::Profile`]'s columns, in its field order.
pub const PROFILE_COLUMNS: (
    profiles::id,
    profiles::first_name,
    profiles::last_name,
    profiles::gender,
    profiles::age,
    profiles::created_at,
    profiles::updated_at,
) = (
    profiles::id,
    profiles::first_name,
    profiles::last_name,
    profiles::gender,
    profiles::age,
    profiles::created_at,
    profiles::updated_at,
);
