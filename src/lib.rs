//! profile-console: a keyboard-driven terminal console over a database of profiles, built around
//! race-safe `get_or_create` and `update_or_create` (the contract: `docs/semantics.md`).
//!
//! Module map, outside in:
//! - [`cli`]: clap subcommands; no subcommand opens the [`console`].
//! - [`config`]: the configuration file (keys, theme, named databases, the form's roles).
//! - [`console`]: the full-screen ratatui app (state machine, key table, render functions, DB worker).
//! - [`transfer`]: files in and out (import with an outcome per row, export of any view).
//! - [`repository`]: the only place that speaks SQL; race-safety lives in `repository/operations.rs`,
//!   an import's batches in `repository/bulk.rs`.
//! - [`db`]: choosing, opening and migrating a database (SQLite, PostgreSQL, MySQL/MariaDB).
//! - [`domain`]: profiles, validated input, outcomes. No database, no terminal.
//! - [`error`]: the typed error every layer below the command line returns.
//! - [`paths`]: paths people type (`~/…`).

#![deny(clippy::unwrap_used, clippy::expect_used)]

pub mod cli;
pub mod config;
pub mod console;
pub mod db;
pub mod domain;
pub mod error;
pub mod paths;
pub mod repository;
pub mod transfer;

pub use error::Error;
