//! Profiles in and out of files: `export` writes any view of the table, `import` runs a file's
//! rows through get_or_create or update_or_create with an outcome for each. Used by the command
//! line and the console alike.

pub mod export;
pub mod import;
pub mod read;

use std::path::Path;

/// The file formats export writes and import reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Comma-separated values with a header row.
    Csv,
    /// One JSON array of objects.
    Json,
    /// JSON Lines: one object a line.
    Jsonl,
}

impl Format {
    /// From a file's extension: `.csv`, `.json`, `.jsonl` / `.ndjson`.
    pub fn of_path(path: &Path) -> Option<Format> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "csv" => Some(Format::Csv),
            "json" => Some(Format::Json),
            "jsonl" | "ndjson" => Some(Format::Jsonl),
            _ => None,
        }
    }
}
