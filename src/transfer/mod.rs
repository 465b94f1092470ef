//! Profiles in and out of files: `export` writes any view of the table, `import` runs a file's
//! rows through get_or_create or update_or_create with an outcome for each. Used by the command
//! line and the console alike.

pub mod export;
pub mod fifo;
pub mod import;
pub mod read;

use std::path::Path;

/// Why a write to a file failed, in words: a full disk as such, anything else as the system
/// says it.
pub(crate) fn write_failure(err: &std::io::Error) -> String {
    match err.kind() {
        std::io::ErrorKind::StorageFull => "the disk is full".to_owned(),
        _ => err.to_string(),
    }
}

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

    /// The format of a file the console or `export` names: `given`, else its extension's, else
    /// CSV for a name with no extension (or standard output); `None` for an extension the tool
    /// does not know, which is refused rather than read or written as CSV under a name that says
    /// otherwise.
    pub fn for_file(path: Option<&Path>, given: Option<Format>) -> Option<Format> {
        if given.is_some() {
            return given;
        }
        match path.filter(|path| *path != Path::new("-")) {
            Some(path) if path.extension().is_some() => Format::of_path(path),
            _ => Some(Format::Csv),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::Format;

    #[test]
    fn a_named_file_is_written_in_the_format_its_name_says_or_refused() {
        let of = |path: &str, given| Format::for_file(Some(Path::new(path)), given);
        assert_eq!(of("a.csv", None), Some(Format::Csv));
        assert_eq!(of("a.JSON", None), Some(Format::Json));
        assert_eq!(of("a.ndjson", None), Some(Format::Jsonl));
        assert_eq!(of("a", None), Some(Format::Csv));
        assert_eq!(of("-", None), Some(Format::Csv));
        assert_eq!(Format::for_file(None, None), Some(Format::Csv));
        assert_eq!(of("a.xml", None), None);
        assert_eq!(of("a.tsv", None), None);
        assert_eq!(of("a.xml", Some(Format::Json)), Some(Format::Json));
    }
}
