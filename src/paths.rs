//! File paths a person typed: in a prompt, a config file or a database URL, where no shell has
//! expanded them.

use std::path::{Path, PathBuf};

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

#[cfg(test)]
mod tests {
    use super::expand_home;
    use std::path::PathBuf;

    #[test]
    fn a_leading_tilde_is_the_home_directory() {
        let Some(home) = dirs::home_dir() else { return };
        assert_eq!(expand_home("~/x.csv"), home.join("x.csv"));
        assert_eq!(expand_home("~"), home);
        assert_eq!(expand_home("~x/y.csv"), PathBuf::from("~x/y.csv"));
        assert_eq!(expand_home("a/~/b.csv"), PathBuf::from("a/~/b.csv"));
        assert_eq!(expand_home("/tmp/x.csv"), PathBuf::from("/tmp/x.csv"));
    }
}
