//! The scripting command line: clap subcommands over the repository, human text or `--json`.
//!
//! Exit status: 0 success; 2 invalid input or usage, nothing written; 3 more than one profile
//! matches, nothing written; 4 an import rejected some rows (the others were imported); 130 an
//! import was interrupted (Ctrl-C); 1 any other failure.

mod docs;
mod import;
mod output;
mod watchdog;

use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

use crate::db::{ConnectError, DEFAULT_TIMEOUT, DatabaseTarget, TargetSource};
use crate::domain::{
    GetOrCreate, PageRequest, ProfileFilter, SortColumn, UpdateOrCreate, split_pair,
};
use crate::error::Error;
use crate::repository::{HistoryQuery, Repository};

/// A terminal console over a database of profiles, built around race-safe get_or_create and
/// update_or_create.
#[derive(Debug, Parser)]
#[command(name = "profile-console", version, about, long_about = None)]
#[command(after_help = "With no command, opens the console. \
    The database is --database-url, else DATABASE_URL (also read from .env), else the embedded \
    SQLite file profiles.db in the user's data directory; `profile-console info` shows which.")]
pub struct Cli {
    /// postgres://…, postgresql://…, a libpq "host=… dbname=…" string, sqlite://PATH, file:PATH
    /// or a file path.
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,

    /// How long one statement or one wait for a lock may take on a database server before it is
    /// cancelled (the client gives up 5 s later if the server does not answer at all).
    #[arg(long, global = true, value_name = "SECONDS", env = "PROFILE_CONSOLE_TIMEOUT",
          default_value_t = DEFAULT_TIMEOUT.as_secs(),
          value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub timeout: u64,

    /// A database named in the config file (`[databases.NAME]`), instead of --database-url.
    #[arg(
        long,
        global = true,
        value_name = "NAME",
        conflicts_with = "database_url"
    )]
    pub db: Option<String>,

    /// The config file to read instead of ~/.config/profile-console/config.toml (also
    /// PROFILE_CONSOLE_CONFIG).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<std::path::PathBuf>,

    /// Open the database so that the database itself refuses writes (a read-only SQLite open, a
    /// read-only session on a server): browsing, list, info, export and history work; commands
    /// that write exit with status 2.
    #[arg(long, global = true)]
    pub read_only: bool,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Look a profile up; create it from the lookup and defaults if it is not there.
    GetOrCreate {
        #[command(flatten)]
        lookup: LookupArgs,
        /// A value used only when creating (repeatable).
        #[arg(long = "default", value_name = "FIELD=VALUE", value_parser = parse_pair)]
        defaults: Vec<(String, String)>,
        /// Print the profile and the outcome as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Look a profile up; update it with the defaults, or create it, in one locked transaction.
    UpdateOrCreate {
        #[command(flatten)]
        lookup: LookupArgs,
        /// A value written to the found row, or used to create when no --create-default is given.
        #[arg(long = "default", value_name = "FIELD=VALUE", value_parser = parse_pair)]
        defaults: Vec<(String, String)>,
        /// A value used only when creating (repeatable). `--create-default=` alone means "create
        /// with no defaults".
        #[arg(long = "create-default", value_name = "FIELD=VALUE", value_parser = parse_optional_pair)]
        create_defaults: Vec<Option<(String, String)>>,
        /// Print the profile and the outcome (with the changed fields) as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List profiles, one page, in any order.
    List {
        /// Only profiles whose first or last name contains every word of TEXT (any case).
        #[arg(long, value_name = "TEXT")]
        search: Option<String>,
        /// id, first_name, last_name, gender, age, created_at or updated_at.
        #[arg(long, default_value = "id", value_parser = clap::builder::ValueParser::new(|s: &str| s.parse::<SortColumn>()))]
        sort: SortColumn,
        /// Reverse the order.
        #[arg(long)]
        desc: bool,
        /// At most this many profiles (1 to 100,000).
        #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(i64).range(1..=100_000))]
        limit: i64,
        /// Print the profiles as a JSON array.
        #[arg(long)]
        json: bool,
    },
    /// Delete the one profile the lookup matches (several: exit 3, nothing deleted). Journaled:
    /// `profile-console undo CHANGE_ID` puts it back.
    Delete {
        /// A field to find the profile by (repeatable, at least one): id, first_name, last_name,
        /// gender or age.
        #[arg(long = "lookup", value_name = "FIELD=VALUE", value_parser = parse_pair, required = true)]
        lookup: Vec<(String, String)>,
        /// Print the deleted profile and the change id as JSON.
        #[arg(long)]
        json: bool,
    },
    /// The change journal, newest first: every change to a profile, by any client.
    History {
        /// Only this profile's changes.
        #[arg(long, value_name = "ID", value_parser = clap::value_parser!(i64).range(1..))]
        id: Option<i64>,
        /// Only changes at or after this UTC time (2026-11-27, 2026-11-27T09:30 or
        /// "2026-11-27 09:30:00").
        #[arg(long, value_name = "TIME", value_parser = parse_time)]
        since: Option<chrono::NaiveDateTime>,
        /// At most this many entries (1 to 100,000).
        #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(i64).range(1..=100_000))]
        limit: i64,
        /// Print the entries as a JSON array.
        #[arg(long)]
        json: bool,
    },
    /// Undo one change from the journal, if every field it set still holds what it set (else
    /// nothing is written, and the message says which field moved on, and by which change).
    Undo {
        /// The change's id (`profile-console history` lists them).
        #[arg(value_name = "CHANGE_ID", value_parser = clap::value_parser!(i64).range(1..))]
        change: i64,
        /// Print what the undo did as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Write profiles out: the whole table or any view of it, streamed in constant memory.
    Export {
        /// Where to write (`-` or nothing: standard output); the format follows its extension
        /// unless --format says.
        #[arg(value_name = "FILE")]
        file: Option<std::path::PathBuf>,
        /// csv (with a header row), json (one array) or jsonl (an object a line).
        #[arg(long, value_enum)]
        format: Option<crate::transfer::Format>,
        /// Only profiles whose first or last name contains every word of TEXT (case and accents
        /// ignored).
        #[arg(long, value_name = "TEXT")]
        search: Option<String>,
        /// The console's filter: a gender and/or an age or age range, e.g. "F 20-40".
        #[arg(long, value_name = "FILTER")]
        filter: Option<String>,
        /// id, first_name, last_name, gender, age, created_at or updated_at.
        #[arg(long, default_value = "id", value_parser = clap::builder::ValueParser::new(|s: &str| s.parse::<SortColumn>()))]
        sort: SortColumn,
        /// Reverse the order.
        #[arg(long)]
        desc: bool,
    },
    /// Run every row of a CSV, JSON or JSON Lines file through get_or_create (or
    /// update_or_create), in file order, with an outcome for each. Exit status 4 when some rows
    /// were rejected (the others are imported).
    Import(import::ImportArgs),
    /// Insert realistic demo profiles, in batches.
    Seed {
        /// How many new profiles to insert.
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
        count: u64,
    },
    /// Run pending migrations and say which ran.
    Migrate,
    /// Say which database is in use, and what it holds.
    Info,
    /// Print a shell completion script: `source <(profile-console completions bash)`.
    Completions {
        /// bash, zsh, fish, powershell or elvish.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the settings in use (keys, theme, named databases with passwords masked, the form's
    /// roles) and where each came from.
    Config {
        /// Print a commented config file with every built-in value instead.
        #[arg(long)]
        default: bool,
    },
    /// Print the man page (roff): `profile-console man | man -l -`.
    Man {
        /// Write profile-console.1 and one page per command (profile-console-import.1, …) into
        /// this directory instead.
        #[arg(long, value_name = "DIR")]
        dir: Option<std::path::PathBuf>,
    },
}

impl Command {
    /// The command's name if it writes to the database (refused on a read-only one).
    fn writes(&self) -> Option<&'static str> {
        match self {
            Command::GetOrCreate { .. } => Some("get-or-create"),
            Command::UpdateOrCreate { .. } => Some("update-or-create"),
            Command::Delete { .. } => Some("delete"),
            Command::Undo { .. } => Some("undo"),
            Command::Import(_) => Some("import"),
            Command::Seed { .. } => Some("seed"),
            Command::Migrate => Some("migrate"),
            Command::List { .. }
            | Command::History { .. }
            | Command::Export { .. }
            | Command::Info
            | Command::Config { .. }
            | Command::Completions { .. }
            | Command::Man { .. } => None,
        }
    }
}

#[derive(Debug, Args)]
pub struct LookupArgs {
    /// A field to look the profile up by (repeatable): id, first_name, last_name, gender or age.
    #[arg(long = "lookup", value_name = "FIELD=VALUE", value_parser = parse_pair)]
    pub pairs: Vec<(String, String)>,
}

fn parse_pair(text: &str) -> Result<(String, String), String> {
    split_pair(text).map_err(|problem| problem.to_string())
}

/// A UTC time: a date, or a date and time.
fn parse_time(text: &str) -> Result<chrono::NaiveDateTime, String> {
    let text = text.trim();
    for format in [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(time) = chrono::NaiveDateTime::parse_from_str(text, format) {
            return Ok(time);
        }
    }
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|date| date.and_hms_opt(0, 0, 0))
        .ok_or_else(|| format!("{text:?} is not a time like 2026-11-27 or 2026-11-27T09:30"))
}

fn parse_optional_pair(text: &str) -> Result<Option<(String, String)>, String> {
    if text.is_empty() {
        Ok(None)
    } else {
        parse_pair(text).map(Some)
    }
}

/// Parses the arguments, runs the command, prints errors as one sentence, returns the exit status.
pub fn main() -> ExitCode {
    // Output piped into `head` that stops reading ends the process quietly, as for any Unix
    // tool (Rust ignores SIGPIPE, and `println!` would then panic on the closed pipe).
    // SAFETY: resetting a signal to its default disposition, before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    // Like the diesel CLI, DATABASE_URL may come from a .env file; the real environment wins.
    if let Err(dotenvy::Error::LineParse(line, _)) = dotenvy::dotenv() {
        eprintln!(
            "warning: .env: {:?} is not NAME=value; the lines from there on were not read",
            crate::domain::cut(&line)
        );
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return usage_error(&err),
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if err.downcast_ref::<Finished>().is_some() => ExitCode::from(
            err.downcast_ref::<Finished>()
                .map_or(1, |finished| finished.0),
        ),
        Err(err) => {
            // One sentence, whatever RUST_BACKTRACE says: the cause is already in the message.
            eprintln!("error: {}", one_sentence(&err));
            ExitCode::from(exit_code(&err))
        }
    }
}

/// clap's help and version go to stdout as usual; a usage error is two lines and status 2.
fn usage_error(err: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        err.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
    ) {
        let _ = err.print();
        return ExitCode::SUCCESS;
    }
    let text = err.to_string();
    let mut lines = text.lines().filter(|line| !line.trim().is_empty());
    let first = lines.next().unwrap_or("error: invalid arguments");
    let first = first.strip_prefix("error: ").unwrap_or(first);
    // "the following required arguments were not provided:" is followed by what they are.
    let mut first = match (first.ends_with(':'), lines.next()) {
        (true, Some(next)) => format!("{first} {}", next.trim()),
        _ => first.to_owned(),
    };
    // What clap says on lines of their own: the values an option takes, a near miss.
    use clap::error::{ContextKind, ContextValue};
    if let Some(ContextValue::Strings(valid)) = err.get(ContextKind::ValidValue)
        && !valid.is_empty()
    {
        first.push_str(&format!(" (one of {})", valid.join(", ")));
    }
    for kind in [
        ContextKind::SuggestedValue,
        ContextKind::SuggestedArg,
        ContextKind::SuggestedSubcommand,
    ] {
        let near = match err.get(kind) {
            Some(ContextValue::String(near)) => Some(near.clone()),
            Some(ContextValue::Strings(near)) => near.last().cloned(),
            _ => None,
        };
        if let Some(near) = near {
            first.push_str(&format!("; did you mean {near}?"));
        }
    }
    eprintln!(
        "error: {}",
        crate::domain::escape_for_terminal(&cut_message(&first))
    );
    eprintln!("usage: profile-console [--database-url URL] [COMMAND] [OPTIONS]; try --help");
    ExitCode::from(2)
}

/// The message on one line, anything that could steer the terminal escaped, long values cut.
fn one_sentence(err: &anyhow::Error) -> String {
    let text = match err.downcast_ref::<Error>() {
        Some(err) => err.to_string(),
        None => match err.downcast_ref::<ConnectError>() {
            Some(err) => err.to_string(),
            None => format!("{err:#}"),
        },
    };
    crate::domain::escape_for_terminal(&cut_message(&crate::domain::one_line_message(&text)))
        .into_owned()
}

/// A message of reasonable length: whatever echoes a huge value is cut.
fn cut_message(text: &str) -> std::borrow::Cow<'_, str> {
    crate::domain::cut_to(text, 400)
}

/// A bad option value found after parsing (exit 2, nothing written).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct UsageError(String);

/// The command said what happened and ends with this status (an import with rejected rows).
#[derive(Debug, thiserror::Error)]
#[error("exit status {0}")]
struct Finished(u8);

/// 2 invalid input or usage, 3 several matches, 1 anything else.
fn exit_code(err: &anyhow::Error) -> u8 {
    let code = if err.downcast_ref::<UsageError>().is_some() {
        2
    } else if let Some(err) = err.downcast_ref::<Error>() {
        err.exit_code()
    } else if let Some(err) = err.downcast_ref::<ConnectError>() {
        if err.invalid_target { 2 } else { 1 }
    } else if err.downcast_ref::<crate::config::ConfigError>().is_some() {
        2
    } else {
        1
    };
    u8::try_from(code).unwrap_or(1)
}

fn run(cli: Cli) -> anyhow::Result<()> {
    // What needs no database.
    match &cli.command {
        Some(Command::Completions { shell }) => {
            docs::completions(*shell, &mut std::io::stdout().lock());
            return Ok(());
        }
        Some(Command::Man { dir: None }) => {
            return Ok(docs::man_page(&mut std::io::stdout().lock())?);
        }
        Some(Command::Config { default: true }) => {
            print!("{}", crate::config::default_file());
            return Ok(());
        }
        Some(Command::Man { dir: Some(dir) }) => {
            for path in docs::man_pages_to(dir)
                .with_context(|| format!("writing the man pages into {}", dir.display()))?
            {
                println!("wrote {}", path.display());
            }
            return Ok(());
        }
        _ => {}
    }
    let config = crate::config::Config::load(cli.config.as_deref())?;
    let chosen = choose_database(&cli, &config);
    if let Some(Command::Config { .. }) = &cli.command {
        // The settings print even when the database cannot be chosen: that may be why they are
        // being looked at.
        print!("{}", config.describe());
        match &chosen {
            Ok((target, source)) => println!(
                "\n# database in use: {target} ({}, from {source}{})",
                target.backend(),
                if target.read_only() {
                    ", read-only"
                } else {
                    ""
                }
            ),
            Err(err) => println!("\n# database in use: none can be chosen: {err:#}"),
        }
        return Ok(());
    }
    let (target, source) = chosen?;
    let target = target.with_timeout(Duration::from_secs(cli.timeout));
    let Some(command) = cli.command else {
        if target.in_memory() {
            // The console reads through one connection and imports or exports through another,
            // and each connection to `:memory:` is a database of its own.
            return Err(UsageError(
                "the console needs a database file: in memory, each of its connections would \
                 see a database of its own (try --database-url /tmp/scratch.db)"
                    .to_owned(),
            )
            .into());
        }
        if let Some(missing) = no_terminal() {
            return Err(UsageError(format!(
                "the console draws on a terminal, and {missing}; run it in a terminal, or use a \
                 command such as list or export (profile-console --help)"
            ))
            .into());
        }
        return crate::console::run(target, &config).map_err(|err| {
            match err.downcast_ref::<crate::console::EndedBySignal>() {
                Some(signal) => Finished(u8::try_from(128 + signal.0).unwrap_or(u8::MAX)).into(),
                None => err,
            }
        });
    };
    if let Some(name) = command.writes().filter(|_| target.read_only()) {
        let (why, fix) = if cli.read_only {
            ("--read-only", "run it without --read-only")
        } else {
            (
                "read_only = true in its config entry",
                "use another entry, or --database-url",
            )
        };
        return Err(UsageError(format!(
            "`{name}` writes to the database, which is open read-only ({why}); nothing was \
             written: {fix}"
        ))
        .into());
    }
    if let Some(server) = target.server() {
        let (shown, timeout, backend) = (server.to_string(), server.timeout(), server.backend());
        let writes = command.writes().is_some();
        watchdog::start(
            timeout + crate::db::CLIENT_GRACE,
            move |waited, connected| {
                let what_now = match (connected, writes) {
                    (false, _) => "nothing was written; run the command again once it answers",
                    (true, false) => "run the command again once it answers",
                    (true, true) => {
                        "whether the last write was committed is unknown, so check, or run the \
                     same command again once the server answers"
                    }
                };
                format!(
                    "the {backend} server {shown} has not answered for {} s (--timeout {} s); it \
                 may be stopped, frozen or unreachable; {what_now}",
                    waited.as_secs(),
                    timeout.as_secs()
                )
            },
        );
    }
    let (mut repo, ran) = Repository::open_and_migrate(target)?;
    match command {
        Command::GetOrCreate {
            lookup,
            defaults,
            json,
        } => {
            let request = GetOrCreate::parse(&lookup.pairs, &defaults).map_err(Error::from)?;
            let (profile, outcome) = repo.get_or_create(&request)?;
            output::print_outcome(&profile, &outcome, json)
        }
        Command::UpdateOrCreate {
            lookup,
            defaults,
            create_defaults,
            json,
        } => {
            let create_pairs: Option<Vec<(String, String)>> = (!create_defaults.is_empty())
                .then(|| create_defaults.into_iter().flatten().collect());
            let request = UpdateOrCreate::parse(&lookup.pairs, &defaults, create_pairs.as_deref())
                .map_err(Error::from)?;
            let (profile, outcome) = repo.update_or_create(&request)?;
            output::print_outcome(&profile, &outcome, json)
        }
        Command::List {
            search,
            sort,
            desc,
            limit,
            json,
        } => {
            let request = PageRequest {
                filter: ProfileFilter {
                    search,
                    ..ProfileFilter::default()
                },
                sort,
                descending: desc,
                limit,
                ..PageRequest::default()
            };
            let profiles = repo.page(&request)?;
            output::print_profiles(&profiles, json)
        }
        Command::Delete { lookup, json } => {
            let lookup = GetOrCreate::parse(&lookup, &[] as &[(String, String)])
                .map_err(Error::from)?
                .lookup;
            let deleted = repo.delete_matching(&lookup)?;
            let change = repo
                .history(&HistoryQuery {
                    profile_id: Some(deleted.id),
                    limit: 1,
                    ..HistoryQuery::default()
                })?
                .pop();
            output::print_deleted(&deleted, change.as_ref(), json)
        }
        Command::History {
            id,
            since,
            limit,
            json,
        } => {
            let entries = repo.history(&HistoryQuery {
                profile_id: id,
                since,
                before: None,
                limit,
            })?;
            output::print_history(&entries, json)
        }
        Command::Undo { change, json } => {
            let undone = repo.undo(change)?;
            output::print_undone(&undone, json)
        }
        Command::Export {
            file,
            format,
            search,
            filter,
            sort,
            desc,
        } => {
            let parsed = crate::console::filter::parse_filter(filter.as_deref().unwrap_or(""))
                .map_err(anyhow::Error::msg)
                .map_err(|err| UsageError(err.to_string()))?;
            let format =
                crate::transfer::Format::for_file(file.as_deref(), format).ok_or_else(|| {
                    UsageError(format!(
                        "cannot tell the format of {} from its name; name it .csv, .json or \
                         .jsonl, or say --format csv, json or jsonl",
                        file.as_deref()
                            .unwrap_or(std::path::Path::new("-"))
                            .display()
                    ))
                })?;
            let view = PageRequest {
                filter: ProfileFilter { search, ..parsed },
                sort,
                descending: desc,
                ..PageRequest::default()
            };
            let (mut out, terminal) = crate::transfer::export::Output::open(file.as_deref())?;
            // Ctrl-C stops after the current page, and the file is not written (a second one
            // ends the process at once; the partial file then stays under its hidden name).
            let stop = import::ctrl_c_stops();
            let written = crate::transfer::export::export_until(
                &mut repo,
                view,
                format,
                &mut out,
                terminal,
                &mut |_| !stop.load(std::sync::atomic::Ordering::Relaxed),
            )?;
            if stop.load(std::sync::atomic::Ordering::Relaxed) {
                drop(out);
                eprintln!(
                    "export interrupted after {written} profiles{}",
                    file.as_deref()
                        .filter(|path| *path != std::path::Path::new("-"))
                        .map(|path| format!("; nothing written to {}", path.display()))
                        .unwrap_or_default()
                );
                return Err(Finished(import::EXIT_INTERRUPTED).into());
            }
            out.finish()?;
            if let Some(path) = file.filter(|path| path != std::path::Path::new("-")) {
                eprintln!("exported {written} profiles to {}", path.display());
            }
            Ok(())
        }
        Command::Import(args) => import::run(&mut repo, args),
        Command::Seed { count } => {
            let started = Instant::now();
            // Ctrl-C (or SIGTERM) stops after the current batch; the batches before are stored.
            let stop = import::ctrl_c_stops();
            // Each batch is committed before the next: one that fails leaves those before.
            let mut stored = 0;
            let report = match repo.seed_until(count, &stop, |inserted| stored = inserted) {
                Ok(report) => report,
                Err(err) => {
                    if stored > 0 {
                        println!(
                            "stopped: inserted {stored} profiles in {:.1} s, which are stored; \
                             then the error below",
                            started.elapsed().as_secs_f64()
                        );
                    }
                    return Err(err.into());
                }
            };
            println!(
                "{} {} profiles in {:.1} s ({} generated names already existed and were skipped)",
                if report.stopped {
                    "stopped: inserted"
                } else {
                    "inserted"
                },
                report.inserted,
                started.elapsed().as_secs_f64(),
                report.skipped
            );
            if report.stopped {
                return Err(Finished(import::EXIT_INTERRUPTED).into());
            }
            Ok(())
        }
        Command::Migrate => {
            if ran.is_empty() {
                println!("no pending migrations");
            }
            for name in ran {
                println!("ran migration {name}");
            }
            Ok(())
        }
        Command::Info => print_info(&mut repo, source),
        Command::Completions { .. } | Command::Man { .. } | Command::Config { .. } => Ok(()),
    }
}

/// The database: `--database-url`, else `--db NAME`, else `DATABASE_URL`, else the config file's
/// `default_database`, else the embedded default; read-only if `--read-only` or its config entry
/// says so.
fn choose_database(
    cli: &Cli,
    config: &crate::config::Config,
) -> anyhow::Result<(DatabaseTarget, TargetSource)> {
    let named = |name: &str, by_default: bool| -> anyhow::Result<(DatabaseTarget, TargetSource)> {
        let entry = config.database(name).map_err(UsageError)?;
        let source = TargetSource::Named {
            name: name.to_owned(),
            by_default,
        };
        Ok((entry.target(name).map_err(UsageError)?, source))
    };
    let (target, source) = if let Some(url) = &cli.database_url {
        (DatabaseTarget::parse(url)?, TargetSource::Flag)
    } else if let Some(name) = &cli.db {
        named(name, false)?
    } else if let Some(target) = DatabaseTarget::from_environment() {
        (target?, TargetSource::Environment)
    } else if let Some(name) = &config.default_database {
        named(name, true)?
    } else {
        (
            DatabaseTarget::embedded_default()?,
            TargetSource::EmbeddedDefault,
        )
    };
    let read_only = cli.read_only || target.read_only();
    Ok((target.with_read_only(read_only), source))
}

/// Why the console could not draw here, if it could not: its output goes to a file or a pipe,
/// or the process has no terminal at all (cron, a service). (Keys may come from the terminal
/// itself when standard input is a pipe.)
fn no_terminal() -> Option<&'static str> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() {
        Some("standard output is not one (it goes to a file or a pipe)")
    } else if std::fs::File::open("/dev/tty").is_err() {
        Some("this process has none (no /dev/tty)")
    } else {
        None
    }
}

fn print_info(repo: &mut Repository, source: TargetSource) -> anyhow::Result<()> {
    let report = repo.inspect().context("reading the schema")?;
    println!(
        "database: {} ({}, from {source})",
        report.target, report.backend
    );
    if let Some((_, size)) = &report.file {
        println!("file size: {size} bytes (with its WAL)");
    }
    println!("server: {}", report.schema.server_version);
    println!("profiles: {}", report.row_count);
    println!(
        "migrations: {}",
        report
            .schema
            .migrations
            .iter()
            .map(|m| m.version.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(())
}
