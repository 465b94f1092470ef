//! Shell completions and the man page, generated from the clap definitions (so they never drift
//! from `--help`).

use std::io::Write;
use std::path::Path;

use clap::CommandFactory;

use super::Cli;

/// Writes the completion script for `shell` to `out`.
pub fn completions(shell: clap_complete::Shell, out: &mut dyn Write) {
    let mut command = Cli::command();
    clap_complete::generate(shell, &mut command, "profile-console", out);
}

/// Writes one man page to `out`: the command, its global options, then every subcommand with its
/// own options.
pub fn man_page(out: &mut dyn Write) -> std::io::Result<()> {
    let mut command = Cli::command().disable_help_subcommand(true);
    command.build();
    let mut page = Vec::new();
    clap_mangen::Man::new(command).render(&mut page)?;
    // Unbuilt, the subcommands hold only their own options (the global ones are on top).
    for sub in Cli::command()
        .get_subcommands()
        .filter(|sub| !sub.is_hide_set())
    {
        let title = format!("profile-console {}", sub.get_name());
        page.extend_from_slice(format!(".SH \"{}\"\n", title.to_uppercase()).as_bytes());
        let man = clap_mangen::Man::new(sub.clone().name(title));
        let mut part = Vec::new();
        man.render_synopsis_section(&mut part)?;
        man.render_description_section(&mut part)?;
        if sub.get_arguments().any(|arg| !arg.is_hide_set()) {
            man.render_options_section(&mut part)?;
        }
        // The subcommand's own sections become subsections of its part of the page.
        let part = String::from_utf8_lossy(&part)
            .lines()
            .map(|line| match line.strip_prefix(".SH ") {
                Some(heading) => format!(".SS {}\n", title_case(heading)),
                None => format!("{line}\n"),
            })
            .collect::<String>();
        page.extend_from_slice(part.as_bytes());
    }
    out.write_all(&page)
}

/// Writes `profile-console.1` and one page per subcommand (`profile-console-import.1`, …) into
/// `dir`, and says what it wrote.
pub fn man_pages_to(dir: &Path) -> std::io::Result<Vec<std::path::PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let main = dir.join("profile-console.1");
    let mut file = std::fs::File::create(&main)?;
    man_page(&mut file)?;
    file.flush()?;
    let mut written = vec![main];
    let mut command = Cli::command().disable_help_subcommand(true);
    command.build();
    for sub in command.get_subcommands().filter(|sub| !sub.is_hide_set()) {
        let name = format!("profile-console-{}", sub.get_name());
        written.push(clap_mangen::Man::new(sub.clone().name(name)).generate_to(dir)?);
    }
    Ok(written)
}

/// "OPTIONS" → "Options".
fn title_case(heading: &str) -> String {
    let heading = heading.trim_matches('"').to_lowercase();
    let mut chars = heading.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every option and argument of every command says what it is for (help, completions and the
    /// man page all show it).
    #[test]
    fn every_argument_has_help() {
        fn walk(command: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for arg in command.get_arguments() {
                let id = arg.get_id().as_str();
                if matches!(id, "help" | "version") || arg.is_hide_set() {
                    continue;
                }
                if arg.get_help().is_none() && arg.get_long_help().is_none() {
                    missing.push(format!("{path} {id}"));
                }
            }
            for sub in command.get_subcommands() {
                if sub.get_about().is_none() {
                    missing.push(format!("{path} {} (about)", sub.get_name()));
                }
                walk(sub, &format!("{path} {}", sub.get_name()), missing);
            }
        }
        let mut command = Cli::command();
        command.build();
        let mut missing = Vec::new();
        walk(&command, "profile-console", &mut missing);
        assert!(missing.is_empty(), "no help text: {missing:?}");
    }

    #[test]
    fn the_man_page_names_every_subcommand_and_option() {
        let mut page = Vec::new();
        man_page(&mut page).unwrap();
        let page = String::from_utf8(page).unwrap();
        for needle in [
            "PROFILE-CONSOLE IMPORT",
            "\\-\\-all\\-or\\-nothing",
            "\\-\\-create\\-default\\-columns",
            "\\-\\-read\\-only",
            "Print the summary as JSON",
        ] {
            assert!(page.contains(needle), "{needle} missing from the man page");
        }
    }

    #[test]
    fn completions_cover_subcommands_and_options() {
        for shell in [
            clap_complete::Shell::Bash,
            clap_complete::Shell::Zsh,
            clap_complete::Shell::Fish,
            clap_complete::Shell::PowerShell,
        ] {
            let mut script = Vec::new();
            completions(shell, &mut script);
            let script = String::from_utf8(script).unwrap();
            for needle in ["import", "update-or-create", "all-or-nothing"] {
                assert!(script.contains(needle), "{shell}: {needle} missing");
            }
        }
    }
}
