//! The key table: every key the console answers to, in one list that feeds the key handling, the
//! hint bar and the help popup.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::domain::SortColumn;

/// What a key asks for (actions that carry data, such as typed text, are not in the table).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Command {
    Quit,
    RunGetOrCreate,
    RunUpdateOrCreate,
    ToggleHelp,
    ToggleInspect,
    ToggleLog,
    Refresh,
    FocusForm,
    FocusTable,
    NextField,
    PreviousField,
    CycleRole,
    ClearForm,
    RecallEntry,
    Down,
    Up,
    PageDown,
    PageUp,
    First,
    Last,
    NextSort,
    ReverseSort,
    /// Sort by this column (again: reverse).
    SortBy(crate::domain::SortColumn),
    GoTo,
    Search,
    Filter,
    EditRow,
    Delete,
    CancelOperation,
    ScrollDown,
    ScrollUp,
    ScrollPageDown,
    ScrollPageUp,
    ScrollTop,
    ScrollBottom,
    ClosePopup,
    /// Yes, in a confirmation.
    Confirm,
    /// Done with a prompt.
    Accept,
    /// Leave a prompt, undoing what it changed.
    CancelPrompt,
    /// Undo this session's newest change not undone yet.
    UndoLast,
    /// The selected row's history.
    ShowHistory,
    /// Undo the change selected in the history.
    Revert,
    /// Write the table's view (search, filter, order) to a file.
    Export,
    /// Run a file's rows through get_or_create.
    Import,
    /// Stop the export or import running.
    CancelTransfer,
}

impl Command {
    /// Its name in the configuration file's `[keys.…]` tables.
    pub fn name(self) -> String {
        let name = match self {
            Command::Quit => "quit",
            Command::RunGetOrCreate => "get_or_create",
            Command::RunUpdateOrCreate => "update_or_create",
            Command::ToggleHelp => "help",
            Command::ToggleInspect => "inspect",
            Command::ToggleLog => "log",
            Command::Refresh => "refresh",
            Command::FocusForm => "form",
            Command::FocusTable => "table",
            Command::NextField => "next_field",
            Command::PreviousField => "previous_field",
            Command::CycleRole => "cycle_role",
            Command::ClearForm => "clear_form",
            Command::RecallEntry => "recall_entry",
            Command::Down => "down",
            Command::Up => "up",
            Command::PageDown => "page_down",
            Command::PageUp => "page_up",
            Command::First => "first",
            Command::Last => "last",
            Command::NextSort => "next_sort",
            Command::ReverseSort => "reverse_sort",
            Command::SortBy(column) => return format!("sort_by_{}", column.name()),
            Command::GoTo => "go_to",
            Command::Search => "search",
            Command::Filter => "filter",
            Command::EditRow => "edit",
            Command::Delete => "delete",
            Command::CancelOperation => "cancel",
            Command::ScrollDown => "scroll_down",
            Command::ScrollUp => "scroll_up",
            Command::ScrollPageDown => "scroll_page_down",
            Command::ScrollPageUp => "scroll_page_up",
            Command::ScrollTop => "scroll_top",
            Command::ScrollBottom => "scroll_bottom",
            Command::ClosePopup => "close",
            Command::Confirm => "confirm",
            Command::Accept => "accept",
            Command::CancelPrompt => "cancel",
            Command::UndoLast => "undo",
            Command::ShowHistory => "history",
            Command::Revert => "revert",
            Command::Export => "export",
            Command::Import => "import",
            Command::CancelTransfer => "cancel",
        };
        name.to_owned()
    }

    /// What the command writes, if it writes to the database (refused when it is read-only).
    pub fn writes(self) -> Option<&'static str> {
        match self {
            Command::RunGetOrCreate => Some("get_or_create"),
            Command::RunUpdateOrCreate => Some("update_or_create"),
            Command::Delete => Some("delete"),
            Command::UndoLast | Command::Revert => Some("undo"),
            Command::Import => Some("import"),
            _ => None,
        }
    }
}

/// Where a binding applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Everywhere (but in prompts and pop-ups, which take their own keys).
    Global,
    Form,
    Table,
    /// While a write runs; these keys come before any other.
    Running,
    /// In a pop-up that scrolls (help, inspect, the operation log).
    Popup,
    /// In a confirmation (delete); any key but these declines.
    Confirm,
    /// In a prompt on the bottom line (search, filter, go to id); other keys edit its text.
    Prompt,
    /// Everywhere, pop-ups and prompts included; before any other key.
    Always,
    /// In a profile's history.
    History,
    /// While an export or import runs (before the other keys).
    Transfer,
}

impl Scope {
    /// Every scope, in the order help and the configuration list them.
    pub const ALL: [Scope; 10] = [
        Scope::Global,
        Scope::Form,
        Scope::Table,
        Scope::Running,
        Scope::Transfer,
        Scope::Popup,
        Scope::History,
        Scope::Confirm,
        Scope::Prompt,
        Scope::Always,
    ];

    /// Its name in the configuration file: `[keys.table]`.
    pub fn name(self) -> &'static str {
        match self {
            Scope::Global => "global",
            Scope::Form => "form",
            Scope::Table => "table",
            Scope::Running => "running",
            Scope::Popup => "popup",
            Scope::Confirm => "confirm",
            Scope::Prompt => "prompt",
            Scope::Always => "always",
            Scope::History => "history",
            Scope::Transfer => "transfer",
        }
    }

    pub fn from_name(name: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|scope| scope.name() == name)
    }

    /// Whether the global keys also work here.
    fn sees_global(self) -> bool {
        matches!(
            self,
            Scope::Global | Scope::Form | Scope::Table | Scope::Running
        )
    }

    /// Whether plain characters are typed as text wherever these keys work.
    fn types_text(self) -> bool {
        matches!(
            self,
            Scope::Form | Scope::Prompt | Scope::Global | Scope::Always
        )
    }

    /// Whether a key could mean a command of each scope at the same place. (Running and
    /// Transfer keys come first on purpose: Esc cancels there and leaves the form elsewhere.)
    fn overlaps(self, other: Scope) -> bool {
        self == other
            || self == Scope::Always
            || other == Scope::Always
            || (self == Scope::Global && matches!(other, Scope::Form | Scope::Table))
            || (other == Scope::Global && matches!(self, Scope::Form | Scope::Table))
    }

    pub fn title(self) -> &'static str {
        match self {
            Scope::Global => "Anywhere",
            Scope::Form => "Form",
            Scope::Table => "Table",
            Scope::Running => "While an operation runs",
            Scope::Popup => "In help, inspect and the log",
            Scope::Confirm => "Asked to confirm",
            Scope::Prompt => "In a prompt (search, filter, go to id, file)",
            Scope::Always => "Always",
            Scope::History => "In a profile's history",
            Scope::Transfer => "While an export or import runs",
        }
    }
}

/// A key: a code and its modifiers (Shift is folded into the character for letters).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
}

/// A key code's name without modifiers: `q`, `Space`, `F5`, `Enter`, `Up`, `PgDn`, `Shift-Tab`.
fn code_name(code: KeyCode) -> String {
    match code {
        KeyCode::Char(' ') => "Space".to_owned(),
        KeyCode::Char(c) => c.to_string(),
        KeyCode::F(n) => format!("F{n}"),
        KeyCode::BackTab => "Shift-Tab".to_owned(),
        KeyCode::PageUp => "PgUp".to_owned(),
        KeyCode::PageDown => "PgDn".to_owned(),
        // Enter, Esc, Tab, Up, Down, Left, Right, Home, End, Delete, Backspace, Insert.
        other => format!("{other:?}"),
    }
}

const fn plain(code: KeyCode) -> Key {
    Key {
        code,
        modifiers: KeyModifiers::NONE,
    }
}

const fn ch(c: char) -> Key {
    plain(KeyCode::Char(c))
}

const fn ctrl(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        modifiers: KeyModifiers::CONTROL,
    }
}

impl Key {
    /// How the help and hint bar write the key: arrows as ↑/↓, a control letter upper-case.
    pub fn label(self) -> String {
        let base = match self.code {
            KeyCode::Up => "↑".to_owned(),
            KeyCode::Down => "↓".to_owned(),
            KeyCode::Char(c) if self.modifiers.contains(KeyModifiers::CONTROL) => {
                c.to_uppercase().to_string()
            }
            code => code_name(code),
        };
        self.modifier_prefix() + &base
    }
    /// Reads a key as the configuration file writes it: `q`, `G`, `?`, `Enter`, `Esc`, `Tab`,
    /// `Shift-Tab`, `Up`, `PgDn`, `Home`, `Delete`, `Backspace`, `Space`, `F5`, `Ctrl-r`,
    /// `Alt-x` (names in any case).
    pub fn parse(text: &str) -> Result<Key, String> {
        let bad = || {
            format!(
                "{text:?} is not a key: write a character (q, G, ?), a name (Enter, Esc, Tab, \
                 Shift-Tab, Up, Down, Left, Right, PgUp, PgDn, Home, End, Delete, Backspace, \
                 Insert, Space, F1-F12) or Ctrl-/Alt- and one of them"
            )
        };
        let mut chars = text.chars();
        if let (Some(c), None) = (chars.next(), chars.next()) {
            return Ok(ch(c));
        }
        let lower = text.to_ascii_lowercase();
        for (prefix, modifier) in [
            ("ctrl-", KeyModifiers::CONTROL),
            ("ctrl+", KeyModifiers::CONTROL),
            ("c-", KeyModifiers::CONTROL),
            ("alt-", KeyModifiers::ALT),
            ("alt+", KeyModifiers::ALT),
            ("m-", KeyModifiers::ALT),
        ] {
            if lower.starts_with(prefix) && text.len() > prefix.len() {
                let mut key = Key::parse(&text[prefix.len()..]).map_err(|_| bad())?;
                if modifier == KeyModifiers::CONTROL
                    && let KeyCode::Char(c) = key.code
                {
                    key.code = KeyCode::Char(c.to_ascii_lowercase());
                }
                key.modifiers |= modifier;
                return Ok(key);
            }
        }
        let code = match lower.as_str() {
            "enter" | "return" => KeyCode::Enter,
            "esc" | "escape" => KeyCode::Esc,
            "tab" => KeyCode::Tab,
            "shift-tab" | "backtab" => KeyCode::BackTab,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "pgup" | "pageup" => KeyCode::PageUp,
            "pgdn" | "pagedown" => KeyCode::PageDown,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "delete" | "del" => KeyCode::Delete,
            "backspace" => KeyCode::Backspace,
            "insert" | "ins" => KeyCode::Insert,
            "space" => KeyCode::Char(' '),
            f if f.starts_with('f') => match f[1..].parse::<u8>() {
                Ok(n @ 1..=12) => KeyCode::F(n),
                _ => return Err(bad()),
            },
            _ => return Err(bad()),
        };
        Ok(plain(code))
    }

    /// How the configuration file writes the key ([`Key::parse`] reads it back).
    pub fn name(self) -> String {
        self.modifier_prefix() + &code_name(self.code)
    }

    /// "Ctrl-", "Alt-", both or neither.
    fn modifier_prefix(self) -> String {
        let mut prefix = String::new();
        if self.modifiers.contains(KeyModifiers::CONTROL) {
            prefix.push_str("Ctrl-");
        }
        if self.modifiers.contains(KeyModifiers::ALT) {
            prefix.push_str("Alt-");
        }
        prefix
    }

    /// A plain character, which a field or prompt takes as typed text.
    fn is_typed_text(self) -> bool {
        matches!(self.code, KeyCode::Char(_)) && (self.modifiers - KeyModifiers::SHIFT).is_empty()
    }

    fn matches(self, event: &KeyEvent) -> bool {
        let mut modifiers = event.modifiers;
        // Terminals report Shift with upper-case letters and symbols (`G`, `?`), and crossterm
        // with BackTab; the key already says it.
        if matches!(event.code, KeyCode::Char(_) | KeyCode::BackTab) {
            modifiers.remove(KeyModifiers::SHIFT);
        }
        let code = match event.code {
            KeyCode::Char(c) if event.modifiers.contains(KeyModifiers::CONTROL) => {
                KeyCode::Char(c.to_ascii_lowercase())
            }
            code => code,
        };
        code == self.code && modifiers == self.modifiers
    }
}

/// One line of the key table.
#[derive(Clone, Copy, Debug)]
pub struct Binding {
    pub scope: Scope,
    pub keys: &'static [Key],
    pub command: Command,
    pub help: &'static str,
    /// The hint bar's short label, for the bindings it shows (help shows every binding).
    pub hint: Option<&'static str>,
}

const fn bind(
    scope: Scope,
    keys: &'static [Key],
    command: Command,
    help: &'static str,
    hint: Option<&'static str>,
) -> Binding {
    Binding {
        scope,
        keys,
        command,
        help,
        hint,
    }
}

use Command as C;
use KeyCode as K;
use Scope as S;

/// Every binding. Form-scope keys come before global ones so that Enter runs get_or_create.
pub const BINDINGS: &[Binding] = &[
    bind(
        S::Running,
        &[plain(K::Esc)],
        C::CancelOperation,
        "cancel on server; twice: give up",
        None,
    ),
    bind(
        S::Form,
        &[plain(K::Enter)],
        C::RunGetOrCreate,
        "run get_or_create",
        None,
    ),
    bind(
        S::Form,
        &[plain(K::Tab), plain(K::Down)],
        C::NextField,
        "next field",
        Some("next field"),
    ),
    bind(
        S::Form,
        &[plain(K::BackTab), plain(K::Up)],
        C::PreviousField,
        "previous field",
        None,
    ),
    bind(
        S::Form,
        &[ctrl('t')],
        C::CycleRole,
        "role: lookup → default → create → unused",
        Some("role"),
    ),
    bind(
        S::Form,
        &[ctrl('x')],
        C::ClearForm,
        "start over: clear values, roles and field",
        None,
    ),
    bind(
        S::Form,
        &[ctrl('p')],
        C::RecallEntry,
        "bring back the last saved entry",
        None,
    ),
    bind(
        S::Form,
        &[plain(K::Esc)],
        C::FocusTable,
        "go to the table",
        Some("table"),
    ),
    bind(
        S::Table,
        &[ch('j'), plain(K::Down)],
        C::Down,
        "next row",
        None,
    ),
    bind(
        S::Table,
        &[ch('k'), plain(K::Up)],
        C::Up,
        "previous row",
        None,
    ),
    bind(
        S::Table,
        &[plain(K::PageDown), ctrl('f')],
        C::PageDown,
        "page down",
        None,
    ),
    bind(
        S::Table,
        &[plain(K::PageUp), ctrl('b')],
        C::PageUp,
        "page up",
        None,
    ),
    bind(
        S::Table,
        &[ch('g'), plain(K::Home)],
        C::First,
        "first row",
        None,
    ),
    bind(
        S::Table,
        &[ch('G'), plain(K::End)],
        C::Last,
        "last row",
        None,
    ),
    bind(
        S::Table,
        &[ch('s')],
        C::NextSort,
        "sort by the next column",
        Some("sort"),
    ),
    bind(
        S::Table,
        &[ch('S')],
        C::ReverseSort,
        "reverse the sort",
        None,
    ),
    bind(
        S::Table,
        &[ch('1')],
        C::SortBy(SortColumn::Id),
        "sort by id (again: reverse)",
        None,
    ),
    bind(
        S::Table,
        &[ch('2')],
        C::SortBy(SortColumn::FirstName),
        "sort by first_name",
        None,
    ),
    bind(
        S::Table,
        &[ch('3')],
        C::SortBy(SortColumn::LastName),
        "sort by last_name",
        None,
    ),
    bind(
        S::Table,
        &[ch('4')],
        C::SortBy(SortColumn::Gender),
        "sort by gender",
        None,
    ),
    bind(
        S::Table,
        &[ch('5')],
        C::SortBy(SortColumn::Age),
        "sort by age",
        None,
    ),
    bind(
        S::Table,
        &[ch('6')],
        C::SortBy(SortColumn::CreatedAt),
        "sort by created_at",
        None,
    ),
    bind(
        S::Table,
        &[ch('7')],
        C::SortBy(SortColumn::UpdatedAt),
        "sort by updated_at",
        None,
    ),
    bind(
        S::Table,
        &[ch(':'), ch('#')],
        C::GoTo,
        "go to a profile by id",
        None,
    ),
    bind(
        S::Table,
        &[ch('/')],
        C::Search,
        "search by name",
        Some("search"),
    ),
    bind(
        S::Table,
        &[ch('f')],
        C::Filter,
        "filter by gender and age range",
        Some("filter"),
    ),
    bind(
        S::Table,
        &[plain(K::Enter), ch('e')],
        C::EditRow,
        "edit the row (saved by its id)",
        Some("edit"),
    ),
    bind(
        S::Table,
        &[ch('d'), plain(K::Delete)],
        C::Delete,
        "delete the row (asks first)",
        Some("delete"),
    ),
    bind(
        S::Table,
        &[ch('h')],
        C::ShowHistory,
        "the row's history (and undo)",
        Some("history"),
    ),
    bind(S::Table, &[ch('r')], C::Refresh, "refresh", Some("refresh")),
    bind(
        S::Table,
        &[ch('i')],
        C::FocusForm,
        "go to the form",
        Some("form"),
    ),
    bind(
        S::Table,
        &[ch('l')],
        C::ToggleLog,
        "the operation log",
        None,
    ),
    bind(
        S::Table,
        &[ch('x')],
        C::Export,
        "export this view to a file",
        Some("export"),
    ),
    bind(
        S::Table,
        &[ch('I')],
        C::Import,
        "import a file (get_or_create)",
        Some("import"),
    ),
    bind(
        S::Transfer,
        &[plain(K::Esc)],
        C::CancelTransfer,
        "stop it (an import keeps what is done)",
        None,
    ),
    bind(S::Table, &[ch('?')], C::ToggleHelp, "help", None),
    bind(S::Table, &[ch('q')], C::Quit, "quit", Some("quit")),
    bind(
        S::Global,
        &[plain(K::F(5))],
        C::RunGetOrCreate,
        "run get_or_create",
        Some("get_or_create"),
    ),
    bind(
        S::Global,
        &[plain(K::F(6))],
        C::RunUpdateOrCreate,
        "run update_or_create",
        Some("update_or_create"),
    ),
    bind(
        S::Global,
        &[plain(K::F(1))],
        C::ToggleHelp,
        "help",
        Some("help"),
    ),
    bind(
        S::Global,
        &[plain(K::F(2))],
        C::ToggleInspect,
        "inspect the database",
        Some("inspect"),
    ),
    bind(
        S::Global,
        &[plain(K::F(3))],
        C::ToggleLog,
        "operation log",
        Some("log"),
    ),
    bind(
        S::Global,
        &[ctrl('r')],
        C::Refresh,
        "refresh the table",
        None,
    ),
    bind(
        S::Global,
        &[ctrl('z')],
        C::UndoLast,
        "undo this session's last change (again: the one before)",
        Some("undo"),
    ),
    bind(S::Always, &[ctrl('c')], C::Quit, "quit", None),
    bind(
        S::Popup,
        &[plain(K::Down), ch('j')],
        C::ScrollDown,
        "scroll down",
        None,
    ),
    bind(
        S::Popup,
        &[plain(K::Up), ch('k')],
        C::ScrollUp,
        "scroll up",
        None,
    ),
    bind(
        S::Popup,
        &[plain(K::PageDown), ctrl('f')],
        C::ScrollPageDown,
        "page down",
        None,
    ),
    bind(
        S::Popup,
        &[plain(K::PageUp), ctrl('b')],
        C::ScrollPageUp,
        "page up",
        None,
    ),
    bind(
        S::Popup,
        &[ch('g'), plain(K::Home)],
        C::ScrollTop,
        "top",
        None,
    ),
    bind(
        S::Popup,
        &[ch('G'), plain(K::End)],
        C::ScrollBottom,
        "end",
        None,
    ),
    bind(
        S::Popup,
        &[plain(K::Esc), ch('q')],
        C::ClosePopup,
        "close (so does any other key)",
        None,
    ),
    bind(
        S::Confirm,
        &[ch('y'), ch('Y'), plain(K::Enter)],
        C::Confirm,
        "yes (any other key: no)",
        Some("delete"),
    ),
    bind(
        S::History,
        &[ch('j'), plain(K::Down)],
        C::ScrollDown,
        "next change",
        None,
    ),
    bind(
        S::History,
        &[ch('k'), plain(K::Up)],
        C::ScrollUp,
        "previous change",
        None,
    ),
    bind(
        S::History,
        &[ch('u'), plain(K::Enter)],
        C::Revert,
        "undo the selected change",
        Some("undo it"),
    ),
    bind(
        S::History,
        &[plain(K::Esc), ch('q')],
        C::ClosePopup,
        "close",
        Some("close"),
    ),
    bind(
        S::Prompt,
        &[plain(K::Enter)],
        C::Accept,
        "done",
        Some("done"),
    ),
    bind(
        S::Prompt,
        &[plain(K::Esc)],
        C::CancelPrompt,
        "cancel: search or filter back as it was",
        Some("cancel"),
    ),
];

/// The key table in use: the built-in [`BINDINGS`] with any keys the configuration file
/// remapped. Key handling, the hint bar and help all read it, so they always agree.
#[derive(Clone, Debug)]
pub struct Keymap {
    bindings: Vec<Bound>,
}

/// One line of the key table in use.
#[derive(Clone, Debug)]
pub struct Bound {
    pub scope: Scope,
    pub keys: Vec<Key>,
    pub command: Command,
    pub help: &'static str,
    pub hint: Option<&'static str>,
}

impl Default for Keymap {
    fn default() -> Self {
        Keymap {
            bindings: BINDINGS
                .iter()
                .map(|binding| Bound {
                    scope: binding.scope,
                    keys: binding.keys.to_vec(),
                    command: binding.command,
                    help: binding.help,
                    hint: binding.hint,
                })
                .collect(),
        }
    }
}

impl Keymap {
    /// Every binding, in table order.
    pub fn bindings(&self) -> &[Bound] {
        &self.bindings
    }

    /// Whether `event` is bound to a command anywhere.
    pub fn binds(&self, event: &KeyEvent) -> bool {
        self.bindings
            .iter()
            .any(|binding| binding.keys.iter().any(|key| key.matches(event)))
    }

    /// The command `event` means while an operation runs, if it means one there.
    pub fn running_command(&self, event: &KeyEvent) -> Option<Command> {
        self.bindings
            .iter()
            .filter(|binding| binding.scope == Scope::Running)
            .find(|binding| binding.keys.iter().any(|key| key.matches(event)))
            .map(|binding| binding.command)
    }

    /// The command a key asks for in `scope` (its own bindings first, then the global ones).
    pub fn command_for(&self, scope: Scope, event: &KeyEvent) -> Option<Command> {
        // Pop-ups, confirmations and prompts take their own keys only.
        let global = scope.sees_global().then_some(Scope::Global);
        self.bindings
            .iter()
            .filter(|binding| binding.scope == scope)
            .chain(
                self.bindings
                    .iter()
                    .filter(|binding| Some(binding.scope) == global),
            )
            .find(|binding| binding.keys.iter().any(|key| key.matches(event)))
            .map(|binding| binding.command)
    }

    /// The bindings the hint bar shows in `scope`, in table order.
    pub fn hints(&self, scope: Scope) -> impl Iterator<Item = &Bound> {
        let with_global = matches!(scope, Scope::Form | Scope::Table);
        self.bindings.iter().filter(move |binding| {
            binding.hint.is_some()
                && (binding.scope == scope || (with_global && binding.scope == Scope::Global))
        })
    }

    /// "Enter done · Esc cancel": the hints of `scope`, as a prompt or confirmation shows them.
    pub fn hint_line(&self, scope: Scope) -> String {
        self.hints(scope)
            .map(|binding| {
                let key = binding.keys.first().map(|k| k.label()).unwrap_or_default();
                format!("{key} {}", binding.hint.unwrap_or(binding.help))
            })
            .collect::<Vec<_>>()
            .join(" · ")
    }

    /// The first key that runs `command` in `scope` (for messages that name it), if any does.
    pub fn key_for(&self, scope: Scope, command: Command) -> Option<Key> {
        self.bindings
            .iter()
            .find(|binding| binding.scope == scope && binding.command == command)
            .and_then(|binding| binding.keys.first().copied())
    }

    /// Gives `command` in `scope` the keys `keys` instead of its own. Refused (with why) when
    /// the scope has no such command, no key is given, or a plain character would be taken from
    /// typing; [`Keymap::check`] then finds keys two commands share.
    pub fn rebind(&mut self, scope: Scope, command: &str, keys: Vec<Key>) -> Result<(), String> {
        let Some(binding) = self
            .bindings
            .iter_mut()
            .find(|binding| binding.scope == scope && binding.command.name() == command)
        else {
            let known: Vec<String> = self
                .bindings
                .iter()
                .filter(|binding| binding.scope == scope)
                .map(|binding| binding.command.name())
                .collect();
            return Err(format!(
                "no command {command:?} in [keys.{}]; the commands there are {}",
                scope.name(),
                known.join(", ")
            ));
        };
        if keys.is_empty() {
            return Err(format!("{command} needs at least one key"));
        }
        if scope.types_text()
            && let Some(key) = keys.iter().find(|key| key.is_typed_text())
        {
            return Err(format!(
                "{} would be taken from typing in [keys.{}]: bind {command} to a function, \
                 control or navigation key",
                key.name(),
                scope.name()
            ));
        }
        binding.keys = keys;
        Ok(())
    }

    /// Refuses a table where one key means two commands in one place: in one scope, in a scope
    /// and the global keys it also answers, or anywhere and the keys that work everywhere.
    pub fn check(&self) -> Result<(), KeyConflict> {
        for (i, a) in self.bindings.iter().enumerate() {
            for b in &self.bindings[i + 1..] {
                if a.command == b.command || !a.scope.overlaps(b.scope) {
                    continue;
                }
                if let Some(key) = a.keys.iter().find(|key| b.keys.contains(key)) {
                    return Err(KeyConflict {
                        key: *key,
                        first: (a.scope, a.command),
                        second: (b.scope, b.command),
                    });
                }
            }
        }
        Ok(())
    }
}

/// One key bound to two commands in one place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyConflict {
    pub key: Key,
    pub first: (Scope, Command),
    pub second: (Scope, Command),
}

impl std::fmt::Display for KeyConflict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ((scope_a, a), (scope_b, b)) = (self.first, self.second);
        write!(
            f,
            "{} is bound to two commands: {} in [keys.{}] and {} in [keys.{}]",
            self.key.name(),
            a.name(),
            scope_a.name(),
            b.name(),
            scope_b.name()
        )
    }
}

/// "j/↓": a binding's keys as the help shows them.
pub fn keys_label(binding: &Bound) -> String {
    binding
        .keys
        .iter()
        .map(|key| key.label())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn enter_runs_get_or_create_in_the_form_and_loads_a_row_in_the_table() {
        let enter = key(KeyCode::Enter, KeyModifiers::NONE);
        assert_eq!(
            Keymap::default().command_for(Scope::Form, &enter),
            Some(Command::RunGetOrCreate)
        );
        assert_eq!(
            Keymap::default().command_for(Scope::Table, &enter),
            Some(Command::EditRow)
        );
    }

    #[test]
    fn shifted_letters_and_control_keys_match() {
        assert_eq!(
            Keymap::default()
                .command_for(Scope::Table, &key(KeyCode::Char('G'), KeyModifiers::SHIFT)),
            Some(Command::Last)
        );
        assert_eq!(
            Keymap::default()
                .command_for(Scope::Table, &key(KeyCode::Char('?'), KeyModifiers::SHIFT)),
            Some(Command::ToggleHelp)
        );
        assert_eq!(
            Keymap::default().command_for(
                Scope::Always,
                &key(KeyCode::Char('c'), KeyModifiers::CONTROL)
            ),
            Some(Command::Quit)
        );
        assert_eq!(
            Keymap::default()
                .command_for(Scope::Form, &key(KeyCode::Char('t'), KeyModifiers::CONTROL)),
            Some(Command::CycleRole)
        );
    }

    #[test]
    fn letters_in_the_form_are_text_not_commands() {
        for c in ['q', 'j', 'd', 'G', '?', '/'] {
            assert_eq!(
                Keymap::default()
                    .command_for(Scope::Form, &key(KeyCode::Char(c), KeyModifiers::NONE)),
                None,
                "{c}"
            );
        }
    }

    #[test]
    fn the_built_in_table_has_no_conflicts() {
        assert_eq!(Keymap::default().check(), Ok(()));
    }

    #[test]
    fn every_key_name_reads_back() {
        for binding in BINDINGS {
            for key in binding.keys {
                assert_eq!(Key::parse(&key.name()), Ok(*key), "{}", key.name());
            }
        }
        assert_eq!(Key::parse("ctrl-R"), Ok(ctrl('r')));
        assert_eq!(Key::parse("F12"), Ok(plain(KeyCode::F(12))));
        assert!(Key::parse("F13").is_err());
        assert!(Key::parse("Hyper-x").is_err());
        assert!(Key::parse("").is_err());
    }

    #[test]
    fn rebinding_moves_a_command_and_conflicts_are_refused() {
        let mut keys = Keymap::default();
        keys.rebind(Scope::Table, "delete", vec![ch('D')]).unwrap();
        let d = key(KeyCode::Char('D'), KeyModifiers::SHIFT);
        assert_eq!(keys.command_for(Scope::Table, &d), Some(Command::Delete));
        assert_eq!(
            keys.command_for(Scope::Table, &key(KeyCode::Char('d'), KeyModifiers::NONE)),
            None
        );
        assert_eq!(keys.check(), Ok(()));
        // A table key that a global one already holds.
        keys.rebind(Scope::Table, "search", vec![plain(KeyCode::F(5))])
            .unwrap();
        let err = keys.check().unwrap_err().to_string();
        assert!(err.contains("F5") && err.contains("get_or_create"), "{err}");
        // Plain characters cannot leave the form's typing.
        let err = Keymap::default()
            .rebind(Scope::Form, "clear_form", vec![ch('x')])
            .unwrap_err();
        assert!(err.contains("typing"), "{err}");
        let err = Keymap::default()
            .rebind(Scope::Table, "serch", vec![ch('x')])
            .unwrap_err();
        assert!(err.contains("search"), "{err}");
    }
}
