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

diesel::table! {
    /// The change journal, written by triggers (see the `journal` migrations).
    profile_changes (id) {
        id -> BigInt,
        at -> Timestamp,
        profile_id -> BigInt,
        action -> Text,
        old_first_name -> Nullable<Text>,
        old_last_name -> Nullable<Text>,
        old_gender -> Nullable<Text>,
        old_age -> Nullable<Integer>,
        old_created_at -> Nullable<Timestamp>,
        old_updated_at -> Nullable<Timestamp>,
        new_first_name -> Nullable<Text>,
        new_last_name -> Nullable<Text>,
        new_gender -> Nullable<Text>,
        new_age -> Nullable<Integer>,
        new_created_at -> Nullable<Timestamp>,
        new_updated_at -> Nullable<Timestamp>,
        source -> Text,
        db_user -> Nullable<Text>,
        os_user -> Nullable<Text>,
        session -> Nullable<Text>,
        reverts -> Nullable<BigInt>,
    }
}
