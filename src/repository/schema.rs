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
    }
}
