//! The domain: profiles, validated input and outcomes. No database, no terminal.

mod browse;
mod field;
mod fold;
mod fold_table;
pub mod input;
mod outcome;
mod profile;
mod text;

pub use browse::{PageRequest, ProfileFilter, SortColumn, Towards};
pub use field::{Field, FieldNameError};
pub use fold::fold;
pub use input::{
    FieldValue, GetOrCreate, InputProblem, InvalidInput, Lookup, Role, UpdateOrCreate, parse_value,
    split_pair,
};
pub use outcome::{Change, Outcome, Value};
pub use profile::{Profile, ProfileValues, now_utc};
pub use text::{
    MESSAGE_VALUE_CHARS, UnsafeCharacter, cut, cut_to, escape_for_terminal,
    escape_json_for_terminal, first_unsafe_character, has_visible_character, one_line,
    one_line_message, shown_in_place,
};
