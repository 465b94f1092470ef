//! The configuration file: key bindings, a theme, named databases and the form's starting roles.
//!
//! Where it is read from: `--config FILE`, else `PROFILE_CONSOLE_CONFIG`, else
//! `~/.config/profile-console/config.toml` (the XDG config directory) if it exists; with none, the
//! built-in settings apply. A file is read whole and checked whole before anything starts: a bad
//! one is one [`ConfigError`] naming the file, the line and what is wrong.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::console::form::{FieldRole, STARTING_ROLES};
use crate::console::keymap::{Key, KeyConflict, Keymap, Scope};
use crate::console::ui::theme::{ROLES, Theme, ThemeBase};
use crate::db::DatabaseTarget;

/// The environment variable that names the configuration file.
pub const CONFIG_VAR: &str = "PROFILE_CONSOLE_CONFIG";

/// Where the file in use came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfigOrigin {
    Flag,
    Environment,
    UserDefault,
}

impl fmt::Display for ConfigOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ConfigOrigin::Flag => "--config",
            ConfigOrigin::Environment => CONFIG_VAR,
            ConfigOrigin::UserDefault => "the user's config directory",
        })
    }
}

/// A configuration file that cannot be used, and where in it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.sentence())]
pub struct ConfigError {
    pub path: PathBuf,
    /// 1-based line and column, when the problem is at one place.
    pub at: Option<(usize, usize)>,
    pub message: String,
}

impl ConfigError {
    fn sentence(&self) -> String {
        match self.at {
            Some((line, column)) => format!(
                "config file {}, line {line}, column {column}: {}",
                self.path.display(),
                self.message
            ),
            None => format!("config file {}: {}", self.path.display(), self.message),
        }
    }
}

/// The settings in use: the built-in ones, with what a configuration file changed.
#[derive(Clone, Debug)]
pub struct Config {
    /// The file read, and why that one; `None`: no file, built-in settings.
    pub file: Option<(PathBuf, ConfigOrigin)>,
    pub keymap: Keymap,
    pub theme: Theme,
    pub form_roles: [FieldRole; 4],
    pub databases: BTreeMap<String, NamedDatabase>,
    pub default_database: Option<String>,
    /// What the file set, for `profile-console config` (`[keys.table] delete`, `theme.error`,
    /// `form.age`…).
    set_by_file: Vec<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            file: None,
            keymap: Keymap::default(),
            theme: Theme::default(),
            form_roles: STARTING_ROLES,
            databases: BTreeMap::new(),
            default_database: None,
            set_by_file: Vec::new(),
        }
    }
}

/// A database the file names: `[databases.NAME]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamedDatabase {
    /// As written (shown by `config`, password masked).
    pub url: String,
    /// The url, read when the file was.
    target: DatabaseTarget,
    /// The password comes from this environment variable…
    pub password_env: Option<String>,
    /// …or from the first line of this file.
    pub password_file: Option<PathBuf>,
    /// Always opened read-only.
    pub read_only: bool,
}

impl NamedDatabase {
    /// The database to open, with its password filled in from where the entry says; why not,
    /// in one sentence.
    pub fn target(&self, name: &str) -> Result<DatabaseTarget, String> {
        let password = match (&self.password_env, &self.password_file) {
            (Some(var), _) => Some(std::env::var(var).map_err(|_| {
                format!("the password of database {name:?} comes from ${var}, which is not set")
            })?),
            (None, Some(path)) => {
                let text = crate::paths::read_small_text(path, 64 * 1024).map_err(|err| {
                    format!(
                        "the password of database {name:?} comes from {}, which cannot be read: \
                         {err}",
                        path.display()
                    )
                })?;
                Some(text.lines().next().unwrap_or_default().to_owned())
            }
            (None, None) => None,
        };
        let target = match (self.target.clone(), password) {
            (DatabaseTarget::Postgres(server), Some(password)) => {
                DatabaseTarget::Postgres(server.with_password(password))
            }
            (DatabaseTarget::Mysql(server), Some(password)) => {
                DatabaseTarget::Mysql(server.with_password(password))
            }
            (target, _) => target,
        };
        let read_only = self.read_only || target.read_only();
        Ok(target.with_read_only(read_only))
    }
}

/// The file as written. Every table refuses keys it does not know.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    default_database: Option<Spanned<String>>,
    #[serde(default)]
    databases: BTreeMap<String, Spanned<RawDatabase>>,
    #[serde(default)]
    theme: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    keys: BTreeMap<String, Spanned<BTreeMap<String, Spanned<KeySpec>>>>,
    #[serde(default)]
    form: BTreeMap<String, Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDatabase {
    url: Spanned<String>,
    password_env: Option<String>,
    password_file: Option<PathBuf>,
    #[serde(default)]
    read_only: bool,
}

/// `delete = "D"` or `delete = ["D", "Delete"]`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum KeySpec {
    One(String),
    Several(Vec<String>),
}

const FORM_FIELDS: [&str; 4] = ["first_name", "last_name", "gender", "age"];

impl Config {
    /// The configuration in use: the file `--config` names (`flag`), else the one
    /// `PROFILE_CONSOLE_CONFIG` names, else the user's if there is one, else the built-in one.
    pub fn load(flag: Option<&Path>) -> Result<Config, ConfigError> {
        let (path, origin) = match (flag, std::env::var_os(CONFIG_VAR)) {
            (Some(path), _) => (path.to_owned(), ConfigOrigin::Flag),
            (None, Some(path)) if !path.is_empty() => {
                (PathBuf::from(path), ConfigOrigin::Environment)
            }
            _ => match user_config_path() {
                Some(path) if path.exists() => (path, ConfigOrigin::UserDefault),
                _ => return Ok(Config::default()),
            },
        };
        let text = crate::paths::read_small_text(&path, 1 << 20).map_err(|err| ConfigError {
            path: path.clone(),
            at: None,
            message: format!("cannot be read: {err}"),
        })?;
        // An editor's byte-order mark is not part of the TOML.
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        let mut config = Config::parse(text).map_err(|(span, message)| ConfigError {
            at: span.map(|span| line_and_column(text, span.start)),
            path: path.clone(),
            message,
        })?;
        config.file = Some((path, origin));
        Ok(config)
    }

    /// Reads a file's text; a problem comes with the byte range it is at.
    pub fn parse(text: &str) -> Result<Config, (Option<std::ops::Range<usize>>, String)> {
        let raw: RawConfig = toml::from_str(text).map_err(|err| {
            (
                err.span(),
                crate::domain::one_line_message(err.message())
                    .trim_end_matches('.')
                    .to_owned(),
            )
        })?;
        let mut config = Config::default();
        config.apply_theme(&raw.theme)?;
        config.apply_keys(&raw.keys)?;
        config.apply_form(&raw.form)?;
        for (name, entry) in &raw.databases {
            let span = entry.span();
            let entry = entry.get_ref();
            let bad = |message: String| (Some(span.clone()), message);
            let url = entry.url.get_ref().trim().to_owned();
            let target = DatabaseTarget::parse(&url).map_err(|err| {
                (
                    Some(entry.url.span()),
                    format!("[databases.{name}] url: {err}"),
                )
            })?;
            if entry.password_env.is_some() && entry.password_file.is_some() {
                return Err(bad(format!(
                    "[databases.{name}] gives both password_env and password_file: keep one"
                )));
            }
            let password_source = entry.password_env.is_some() || entry.password_file.is_some();
            match target.server() {
                None if password_source => {
                    return Err(bad(format!(
                        "[databases.{name}] is a SQLite file, which has no password"
                    )));
                }
                Some(server) if password_source && server.get("password").is_some() => {
                    return Err(bad(format!(
                        "[databases.{name}] has a password in its url and in {}: keep one",
                        if entry.password_env.is_some() {
                            "password_env"
                        } else {
                            "password_file"
                        }
                    )));
                }
                _ => {}
            }
            config.databases.insert(
                name.clone(),
                NamedDatabase {
                    url,
                    target,
                    password_env: entry.password_env.clone(),
                    password_file: entry
                        .password_file
                        .as_deref()
                        .map(crate::paths::expand_home),
                    read_only: entry.read_only,
                },
            );
        }
        if let Some(default) = &raw.default_database {
            if !config.databases.contains_key(default.get_ref()) {
                return Err((
                    Some(default.span()),
                    format!(
                        "default_database {:?} is not one of the [databases.…] ({})",
                        default.get_ref(),
                        config.database_names()
                    ),
                ));
            }
            config.default_database = Some(default.get_ref().clone());
            config.set_by_file.push("default_database".to_owned());
        }
        Ok(config)
    }

    fn apply_theme(
        &mut self,
        theme: &BTreeMap<String, Spanned<String>>,
    ) -> Result<(), (Option<std::ops::Range<usize>>, String)> {
        if let Some(base) = theme.get("base") {
            let base_theme = match base.get_ref().as_str() {
                "dark" => ThemeBase::Dark,
                "light" => ThemeBase::Light,
                other => {
                    return Err((
                        Some(base.span()),
                        format!("theme base {other:?}: use \"dark\" or \"light\""),
                    ));
                }
            };
            self.theme = Theme::of_base(base_theme);
            self.set_by_file.push("theme.base".to_owned());
        }
        for (role, value) in theme.iter().filter(|(role, _)| *role != "base") {
            self.theme
                .set(role, value.get_ref())
                .map_err(|message| (Some(value.span()), format!("theme {role}: {message}")))?;
            self.set_by_file.push(format!("theme.{role}"));
        }
        Ok(())
    }

    fn apply_keys(
        &mut self,
        keys: &BTreeMap<String, Spanned<BTreeMap<String, Spanned<KeySpec>>>>,
    ) -> Result<(), (Option<std::ops::Range<usize>>, String)> {
        let mut spans = Vec::new();
        for (scope_name, table) in keys {
            let scope = Scope::from_name(scope_name).ok_or_else(|| {
                (
                    Some(table.span()),
                    format!(
                        "unknown key scope [keys.{scope_name}]; the scopes are {}",
                        Scope::ALL.map(Scope::name).join(", ")
                    ),
                )
            })?;
            for (command, spec) in table.get_ref() {
                let names = match spec.get_ref() {
                    KeySpec::One(name) => vec![name.clone()],
                    KeySpec::Several(names) => names.clone(),
                };
                let parsed = names
                    .iter()
                    .map(|name| Key::parse(name))
                    .collect::<Result<Vec<Key>, String>>()
                    .map_err(|message| (Some(spec.span()), message))?;
                self.keymap
                    .rebind(scope, command, parsed)
                    .map_err(|message| (Some(spec.span()), message))?;
                self.set_by_file
                    .push(format!("keys.{scope_name}.{command}"));
                spans.push(((scope, command.clone()), spec.span()));
            }
        }
        self.keymap.check().map_err(|conflict: KeyConflict| {
            // Point at a binding the file made (the built-in table has no conflicts).
            let span = [conflict.second, conflict.first]
                .iter()
                .find_map(|(scope, command)| {
                    spans
                        .iter()
                        .find(|((s, c), _)| s == scope && *c == command.name())
                        .map(|(_, span)| span.clone())
                });
            (span, conflict.to_string())
        })
    }

    fn apply_form(
        &mut self,
        form: &BTreeMap<String, Spanned<String>>,
    ) -> Result<(), (Option<std::ops::Range<usize>>, String)> {
        for (field, role) in form {
            let Some(index) = FORM_FIELDS.iter().position(|name| name == field) else {
                return Err((
                    Some(role.span()),
                    format!(
                        "unknown form field {field:?}; the fields are {}",
                        FORM_FIELDS.join(", ")
                    ),
                ));
            };
            self.form_roles[index] = FieldRole::from_name(role.get_ref())
                .map_err(|message| (Some(role.span()), format!("form {field}: {message}")))?;
            self.set_by_file.push(format!("form.{field}"));
        }
        Ok(())
    }

    fn database_names(&self) -> String {
        if self.databases.is_empty() {
            "none are defined".to_owned()
        } else {
            self.databases
                .keys()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        }
    }

    /// The named database `name`.
    pub fn database(&self, name: &str) -> Result<&NamedDatabase, String> {
        self.databases.get(name).ok_or_else(|| {
            let place = match &self.file {
                Some((path, _)) => format!("in {}", path.display()),
                None => "(no config file is in use)".to_owned(),
            };
            format!(
                "no database named {name:?} {place}; the named databases: {}",
                self.database_names()
            )
        })
    }

    /// The effective configuration as a TOML file, each value with where it came from, and
    /// passwords masked.
    pub fn describe(&self) -> String {
        let from = |key: &str| {
            if self.set_by_file.iter().any(|set| set == key) {
                "config file"
            } else {
                "built-in"
            }
        };
        let mut out = String::new();
        match &self.file {
            Some((path, origin)) => {
                out.push_str(&format!(
                    "# config file: {} (from {origin})\n",
                    path.display()
                ));
            }
            None => out.push_str(&format!(
                "# no config file: built-in settings ({} would be read if it existed)\n",
                user_config_path().map_or_else(
                    || "~/.config/profile-console/config.toml".to_owned(),
                    |path| path.display().to_string()
                )
            )),
        }
        if let Some(default) = &self.default_database {
            out.push_str(&format!(
                "\ndefault_database = {}  # {}\n",
                quote(default),
                from("default_database")
            ));
        }
        for (name, entry) in &self.databases {
            out.push_str(&format!(
                "\n[databases.{}]  # config file\n",
                quote_key(name)
            ));
            out.push_str(&format!(
                "url = {}\n",
                quote(&crate::db::mask_password(&entry.url))
            ));
            if let Some(var) = &entry.password_env {
                out.push_str(&format!(
                    "password_env = {}  # {}\n",
                    quote(var),
                    if std::env::var_os(var).is_some() {
                        "set"
                    } else {
                        "NOT SET"
                    }
                ));
            }
            if let Some(path) = &entry.password_file {
                out.push_str(&format!(
                    "password_file = {}\n",
                    quote(&path.display().to_string())
                ));
            }
            out.push_str(&format!("read_only = {}\n", entry.read_only));
        }
        out.push_str(&format!(
            "\n[theme]\nbase = {}  # {}\n",
            quote(self.theme.base.name()),
            from("theme.base")
        ));
        for role in ROLES {
            let value = self.theme.get(role).unwrap_or_default();
            out.push_str(&format!(
                "{role} = {}  # {}\n",
                quote(&value),
                from(&format!("theme.{role}"))
            ));
        }
        out.push_str("\n[form]\n");
        for (field, role) in FORM_FIELDS.iter().zip(self.form_roles) {
            out.push_str(&format!(
                "{field} = {}  # {}\n",
                quote(role.name()),
                from(&format!("form.{field}"))
            ));
        }
        out.push_str(&keys_toml(&self.keymap, |scope, command| {
            format!("  # {}", from(&format!("keys.{}.{command}", scope.name())))
        }));
        out
    }
}

/// A commented file with every setting at its built-in value: `profile-console config
/// --default`.
pub fn default_file() -> String {
    let defaults = Config::default();
    let mut out = String::from(
        "# profile-console configuration: ~/.config/profile-console/config.toml, or --config FILE,
# or PROFILE_CONSOLE_CONFIG. Every setting is optional; these are the built-in values.
# `profile-console config` shows the settings in use and where each came from.

# The database opened when neither --database-url, --db nor DATABASE_URL says (a name below).
# default_database = \"local\"

# Named databases: `profile-console --db prod`. The password may come from an environment
# variable (password_env) or the first line of a file (password_file) instead of the URL.
# read_only = true opens it so that the database refuses writes (as --read-only does).
# [databases.prod]
# url = \"postgres://app@db.internal:5432/profiles\"
# password_env = \"PROFILES_PASSWORD\"
# read_only = true
#
# [databases.local]
# url = \"/srv/profiles/profiles.db\"

# Colours: base = \"dark\" or \"light\", then any role as a colour name (red, lightblue,
# darkgray…), #rrggbb or a number 0-255; cursor may also be \"reversed\".
# NO_COLOR in the environment still turns every colour off.
[theme]
",
    );
    out.push_str(&format!("# base = \"{}\"\n", defaults.theme.base.name()));
    for role in ROLES {
        out.push_str(&format!(
            "# {role} = {}\n",
            quote(&defaults.theme.get(role).unwrap_or_default())
        ));
    }
    out.push_str("\n# The form's starting roles: lookup, default, create or unused.\n[form]\n");
    for (field, role) in FORM_FIELDS.iter().zip(defaults.form_roles) {
        out.push_str(&format!("# {field} = {}\n", quote(role.name())));
    }
    out.push_str(
        "\n# Keys: one key or a list, by scope and command. Names: a character (q, G, ?), Enter, \
         Esc,\n# Tab, Shift-Tab, Up, Down, Left, Right, PgUp, PgDn, Home, End, Delete, Backspace, \
         Insert,\n# Space, F1-F12, Ctrl-x, Alt-x. A key may mean one command per place; the form, \
         prompts\n# and global keys take no plain characters (those are typed).\n",
    );
    let keys = keys_toml(&defaults.keymap, |_, _| String::new());
    for line in keys.lines() {
        if line.starts_with('[') || line.is_empty() {
            out.push_str(line);
        } else {
            out.push_str("# ");
            out.push_str(line);
        }
        out.push('\n');
    }
    out
}

/// `[keys.SCOPE]` tables for `keymap`, each binding followed by `note(scope, command)`.
fn keys_toml(keymap: &Keymap, note: impl Fn(Scope, &str) -> String) -> String {
    let mut out = String::new();
    for scope in Scope::ALL {
        let bindings: Vec<_> = keymap
            .bindings()
            .iter()
            .filter(|binding| binding.scope == scope)
            .collect();
        if bindings.is_empty() {
            continue;
        }
        out.push_str(&format!("\n[keys.{}]\n", scope.name()));
        for binding in bindings {
            let command = binding.command.name();
            let keys: Vec<String> = binding.keys.iter().map(|key| quote(&key.name())).collect();
            let value = match keys.as_slice() {
                [one] => one.clone(),
                several => format!("[{}]", several.join(", ")),
            };
            out.push_str(&format!("{command} = {value}{}\n", note(scope, &command)));
        }
    }
    out
}

/// A TOML string.
fn quote(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}

/// A TOML key: bare when it can be.
fn quote_key(text: &str) -> String {
    if !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        text.to_owned()
    } else {
        quote(text)
    }
}

/// `~/.config/profile-console/config.toml` (the XDG config directory).
pub fn user_config_path() -> Option<PathBuf> {
    dirs::config_dir().map(|dir| dir.join("profile-console").join("config.toml"))
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map_or(0, |tail| tail.chars().count())
        + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::console::keymap::Command;
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    fn error_of(text: &str) -> ((usize, usize), String) {
        let (span, message) = Config::parse(text).expect_err("refused");
        let span = span.expect("a place");
        (line_and_column(text, span.start), message)
    }

    #[test]
    fn an_empty_file_is_the_built_in_configuration() {
        let config = Config::parse("").unwrap();
        assert_eq!(config.theme, Theme::dark());
        assert_eq!(config.form_roles, STARTING_ROLES);
        assert!(config.databases.is_empty());
    }

    #[test]
    fn a_full_file_sets_everything_it_names() {
        let config = Config::parse(
            r##"
default_database = "prod"

[databases.prod]
url = "postgres://app@db.internal/profiles"
password_env = "PROD_PW"
read_only = true

[databases.local]
url = "/tmp/x.db"

[theme]
base = "light"
error = "#ff0000"
cursor = "yellow"

[form]
age = "lookup"
gender = "unused"

[keys.table]
delete = ["D", "Delete"]
search = "Ctrl-s"

[keys.global]
get_or_create = "F9"
"##,
        )
        .unwrap();
        assert_eq!(config.default_database.as_deref(), Some("prod"));
        assert!(config.databases["prod"].read_only);
        assert_eq!(config.theme.base, ThemeBase::Light);
        assert_eq!(config.theme.error, ratatui::style::Color::Rgb(255, 0, 0));
        assert_eq!(config.form_roles[3], FieldRole::Lookup);
        assert_eq!(config.form_roles[2], FieldRole::Unused);
        let key = |code, modifiers| KeyEvent::new(code, modifiers);
        assert_eq!(
            config
                .keymap
                .command_for(Scope::Table, &key(KeyCode::Char('D'), KeyModifiers::SHIFT)),
            Some(Command::Delete)
        );
        assert_eq!(
            config.keymap.command_for(
                Scope::Table,
                &key(KeyCode::Char('s'), KeyModifiers::CONTROL)
            ),
            Some(Command::Search)
        );
        assert_eq!(
            config
                .keymap
                .command_for(Scope::Form, &key(KeyCode::F(9), KeyModifiers::NONE)),
            Some(Command::RunGetOrCreate)
        );
        let described = config.describe();
        assert!(
            described.contains("delete = [\"D\", \"Delete\"]  # config file"),
            "{described}"
        );
        assert!(
            described.contains("quit = \"q\"  # built-in"),
            "{described}"
        );
        // What it prints reads back as the same settings.
        let again = Config::parse(&described).unwrap();
        assert_eq!(again.theme, config.theme);
        assert_eq!(again.form_roles, config.form_roles);
    }

    #[test]
    fn each_kind_of_bad_file_names_its_line_and_problem() {
        let cases: &[(&str, usize, &str)] = &[
            ("[theme\nbase = 1", 1, "unclosed table"),
            ("colour = \"red\"", 1, "unknown field `colour`"),
            ("[theme]\n\nerror = \"reddish\"", 3, "is not a colour"),
            ("[theme]\nbase = \"sepia\"", 2, "dark"),
            ("[keys.table]\nserch = \"/\"", 2, "no command \"serch\""),
            ("[keys.tabel]\nsearch = \"/\"", 1, "unknown key scope"),
            ("[keys.table]\nsearch = \"Hyper-x\"", 2, "is not a key"),
            ("[keys.table]\nsearch = \"F5\"", 2, "bound to two commands"),
            (
                "[keys.table]\n\n\nsearch = \"d\"",
                4,
                "bound to two commands",
            ),
            ("[keys.form]\nclear_form = \"x\"", 2, "typing"),
            ("[keys.table]\nsearch = []", 2, "at least one key"),
            ("[form]\nage = \"key\"", 2, "not a role"),
            ("[form]\nheight = \"lookup\"", 2, "unknown form field"),
            ("default_database = \"nope\"", 1, "not one of"),
            (
                "[databases.x]\nurl = \"redis://h\"",
                2,
                "unsupported scheme",
            ),
            (
                "[databases.x]\nurl = \"p.db\"\npassword_env = \"X\"",
                1,
                "no password",
            ),
            (
                "[databases.x]\nurl = \"postgres://u:pw@h/d\"\npassword_env = \"X\"",
                1,
                "keep one",
            ),
            ("[databases.x]\nuri = \"p.db\"", 2, "unknown field `uri`"),
        ];
        for (text, line, words) in cases {
            let ((at_line, _), message) = error_of(text);
            assert!(message.contains(words), "{text:?}: {message}");
            assert_eq!(at_line, *line, "{text:?}: {message}");
        }
    }

    #[test]
    fn swapping_two_keys_is_not_a_conflict() {
        let config = Config::parse("[keys.table]\ndelete = \"x\"\nexport = \"d\"").unwrap();
        assert_eq!(
            config.keymap.key_for(Scope::Table, Command::Delete),
            Key::parse("x").ok()
        );
    }

    #[test]
    fn the_default_file_is_valid_and_changes_nothing() {
        let text = default_file();
        let config = Config::parse(&text).unwrap();
        assert_eq!(config.theme, Theme::dark());
        // Uncommented, it sets every value to what it already is.
        let setting = |line: &str| {
            line.split_once(" = ").is_some_and(|(key, _)| {
                key.chars()
                    .all(|c| c.is_ascii_lowercase() || c == '_' || c.is_ascii_digit())
            })
        };
        let uncommented: String = text
            .lines()
            .filter_map(|line| match line.strip_prefix("# ") {
                Some(rest) if setting(rest) => Some(rest),
                Some(_) => None,
                None => Some(line),
            })
            .filter(|line| !line.starts_with("default_database") && !line.contains("password"))
            .filter(|line| !line.starts_with("url") && !line.starts_with("read_only"))
            .collect::<Vec<_>>()
            .join("\n");
        let config = Config::parse(&uncommented).unwrap_or_else(|err| panic!("{err:?}"));
        assert_eq!(config.theme, Theme::dark());
        assert_eq!(config.form_roles, STARTING_ROLES);
    }

    #[test]
    fn a_named_database_takes_its_password_from_where_it_says() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pw");
        std::fs::write(&file, "s3 cr@t\n").unwrap();
        let entry = NamedDatabase {
            url: "postgres://app@db/profiles".to_owned(),
            target: DatabaseTarget::parse("postgres://app@db/profiles").unwrap(),
            password_env: None,
            password_file: Some(file),
            read_only: true,
        };
        let target = entry.target("prod").unwrap();
        assert!(target.read_only());
        assert_eq!(target.server().unwrap().get("password"), Some("s3 cr@t"));
        assert!(!target.to_string().contains("s3 cr@t"));
        let entry = NamedDatabase {
            password_env: Some("PROFILE_CONSOLE_TEST_SURELY_UNSET".to_owned()),
            password_file: None,
            ..entry
        };
        let err = entry.target("prod").unwrap_err();
        assert!(err.contains("PROFILE_CONSOLE_TEST_SURELY_UNSET"), "{err}");
    }
}
