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
    /// How the help and hint bar write the key.
    pub fn label(self) -> String {
        let base = match self.code {
            KeyCode::Char(' ') => "Space".to_owned(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::F(n) => format!("F{n}"),
            KeyCode::Enter => "Enter".to_owned(),
            KeyCode::Esc => "Esc".to_owned(),
            KeyCode::Tab => "Tab".to_owned(),
            KeyCode::BackTab => "Shift-Tab".to_owned(),
            KeyCode::Up => "↑".to_owned(),
            KeyCode::Down => "↓".to_owned(),
            KeyCode::PageUp => "PgUp".to_owned(),
            KeyCode::PageDown => "PgDn".to_owned(),
            KeyCode::Home => "Home".to_owned(),
            KeyCode::End => "End".to_owned(),
            other => format!("{other:?}"),
        };
        if self.modifiers.contains(KeyModifiers::CONTROL) {
            format!("Ctrl-{}", base.to_uppercase())
        } else {
            base
        }
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
        &[ch('j'), plain(K::Down)],
        C::ScrollDown,
        "scroll down",
        None,
    ),
    bind(
        S::Popup,
        &[ch('k'), plain(K::Up)],
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

/// The command a key asks for in `scope` (its own bindings first, then the global ones).
/// The command `event` means while an operation runs, if it means one there.
pub fn running_command(event: &KeyEvent) -> Option<Command> {
    BINDINGS
        .iter()
        .filter(|binding| binding.scope == Scope::Running)
        .find(|binding| binding.keys.iter().any(|key| key.matches(event)))
        .map(|binding| binding.command)
}

pub fn command_for(scope: Scope, event: &KeyEvent) -> Option<Command> {
    // Pop-ups, confirmations and prompts take their own keys only.
    let global = matches!(
        scope,
        Scope::Global | Scope::Form | Scope::Table | Scope::Running
    )
    .then_some(Scope::Global);
    BINDINGS
        .iter()
        .filter(|binding| binding.scope == scope)
        .chain(
            BINDINGS
                .iter()
                .filter(|binding| Some(binding.scope) == global),
        )
        .find(|binding| binding.keys.iter().any(|key| key.matches(event)))
        .map(|binding| binding.command)
}

/// The bindings the hint bar shows in `scope`, in table order.
pub fn hints(scope: Scope) -> impl Iterator<Item = &'static Binding> {
    let with_global = matches!(scope, Scope::Form | Scope::Table);
    BINDINGS.iter().filter(move |binding| {
        binding.hint.is_some()
            && (binding.scope == scope || (with_global && binding.scope == Scope::Global))
    })
}

/// "Enter done · Esc cancel": the hints of `scope`, as a prompt or confirmation shows them.
pub fn hint_line(scope: Scope) -> String {
    hints(scope)
        .map(|binding| {
            let key = binding.keys.first().map(|k| k.label()).unwrap_or_default();
            format!("{key} {}", binding.hint.unwrap_or(binding.help))
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

/// "j/↓": a binding's keys as the help shows them.
pub fn keys_label(binding: &Binding) -> String {
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
            command_for(Scope::Form, &enter),
            Some(Command::RunGetOrCreate)
        );
        assert_eq!(command_for(Scope::Table, &enter), Some(Command::EditRow));
    }

    #[test]
    fn shifted_letters_and_control_keys_match() {
        assert_eq!(
            command_for(Scope::Table, &key(KeyCode::Char('G'), KeyModifiers::SHIFT)),
            Some(Command::Last)
        );
        assert_eq!(
            command_for(Scope::Table, &key(KeyCode::Char('?'), KeyModifiers::SHIFT)),
            Some(Command::ToggleHelp)
        );
        assert_eq!(
            command_for(
                Scope::Always,
                &key(KeyCode::Char('c'), KeyModifiers::CONTROL)
            ),
            Some(Command::Quit)
        );
        assert_eq!(
            command_for(Scope::Form, &key(KeyCode::Char('t'), KeyModifiers::CONTROL)),
            Some(Command::CycleRole)
        );
    }

    #[test]
    fn letters_in_the_form_are_text_not_commands() {
        for c in ['q', 'j', 'd', 'G', '?', '/'] {
            assert_eq!(
                command_for(Scope::Form, &key(KeyCode::Char(c), KeyModifiers::NONE)),
                None,
                "{c}"
            );
        }
    }

    #[test]
    fn no_key_is_bound_twice_in_one_scope() {
        for (i, a) in BINDINGS.iter().enumerate() {
            for b in &BINDINGS[i + 1..] {
                if a.scope == b.scope {
                    for key in a.keys {
                        assert!(
                            !b.keys.contains(key),
                            "{} bound twice in {:?}",
                            key.label(),
                            a.scope
                        );
                    }
                }
            }
        }
    }
}
