//! File paths a person typed: in a prompt, a config file or a database URL, where no shell has
//! expanded them; and the small files they name.

use std::io::Read;
use std::path::{Path, PathBuf};

/// The whole of a file that is meant to be small (a config file, a password file), refused past
/// `limit` bytes rather than read without end: `/dev/zero` named by mistake took gigabytes.
pub fn read_small_text(path: &Path, limit: u64) -> std::io::Result<String> {
    let mut text = String::new();
    std::fs::File::open(path)?
        .take(limit.saturating_add(1))
        .read_to_string(&mut text)?;
    if text.len() as u64 > limit {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "it is larger than {} KiB; is it the right file?",
                limit / 1024
            ),
        ));
    }
    Ok(text)
}

/// `~` → the home directory and `~/x` → its `x`, as a shell would; anything else as given
/// (`~user/…` too: only the user's own home is known).
pub fn expand_home(path: impl AsRef<Path>) -> PathBuf {
    let path = path.as_ref();
    let home = dirs::home_dir().filter(|home| !home.as_os_str().is_empty());
    match (path.strip_prefix("~"), home) {
        (Ok(rest), Some(home)) if rest.as_os_str().is_empty() => home,
        (Ok(rest), Some(home)) => home.join(rest),
        _ => path.to_owned(),
    }
}

/// `path` as a status line shows it: its last [`PATH_SHOWN`] characters when longer, so that
/// what happened to it still fits after it.
pub fn shortened(path: &str) -> String {
    let count = path.chars().count();
    if count <= PATH_SHOWN {
        return path.to_owned();
    }
    let tail: String = path.chars().skip(count - (PATH_SHOWN - 1)).collect();
    format!("…{tail}")
}

/// The characters of a path a status line shows.
const PATH_SHOWN: usize = 40;

#[cfg(test)]
mod tests {
    use super::{PATH_SHOWN, expand_home, read_small_text, shortened};
    use std::path::{Path, PathBuf};

    #[test]
    fn a_small_file_is_read_and_an_endless_one_refused() {
        let dir = tempfile::tempdir().unwrap();
        let small = dir.path().join("small.toml");
        std::fs::write(&small, "theme = \"dark\"\n").unwrap();
        assert_eq!(read_small_text(&small, 1024).unwrap(), "theme = \"dark\"\n");
        let err = read_small_text(Path::new("/dev/zero"), 1024).unwrap_err();
        assert!(err.to_string().contains("larger than 1 KiB"), "{err}");
    }

    #[test]
    fn a_leading_tilde_is_the_home_directory() {
        let Some(home) = dirs::home_dir() else { return };
        assert_eq!(expand_home("~/x.csv"), home.join("x.csv"));
        assert_eq!(expand_home("~"), home);
        assert_eq!(expand_home("~x/y.csv"), PathBuf::from("~x/y.csv"));
        assert_eq!(expand_home("a/~/b.csv"), PathBuf::from("a/~/b.csv"));
        assert_eq!(expand_home("/tmp/x.csv"), PathBuf::from("/tmp/x.csv"));
    }

    #[test]
    fn a_long_path_is_shown_by_its_end() {
        assert_eq!(shortened("/tmp/x.csv"), "/tmp/x.csv");
        let long = format!("/{}/ünïcode-export.csv", "d".repeat(60));
        let short = shortened(&long);
        assert_eq!(short.chars().count(), PATH_SHOWN);
        assert!(
            short.starts_with('…') && short.ends_with("/ünïcode-export.csv"),
            "{short}"
        );
    }
}
