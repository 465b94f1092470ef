//! The entry form: four fields, each with a role and a line editor.

use tui_input::Input;

use crate::domain::{
    Field, GetOrCreate, InvalidInput, Lookup, Profile, UpdateOrCreate, parse_value,
};

/// What a form field contributes to an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldRole {
    Lookup,
    Default,
    /// update_or_create only; get_or_create treats it as a default (both are used to create).
    CreateDefault,
    Unused,
}

impl FieldRole {
    pub fn next(self) -> FieldRole {
        match self {
            FieldRole::Lookup => FieldRole::Default,
            FieldRole::Default => FieldRole::CreateDefault,
            FieldRole::CreateDefault => FieldRole::Unused,
            FieldRole::Unused => FieldRole::Lookup,
        }
    }

    /// Its name in the configuration file.
    pub fn name(self) -> &'static str {
        match self {
            FieldRole::Lookup => "lookup",
            FieldRole::Default => "default",
            FieldRole::CreateDefault => "create",
            FieldRole::Unused => "unused",
        }
    }

    pub fn from_name(name: &str) -> Result<FieldRole, String> {
        match name {
            "lookup" => Ok(FieldRole::Lookup),
            "default" => Ok(FieldRole::Default),
            "create" | "create_default" => Ok(FieldRole::CreateDefault),
            "unused" => Ok(FieldRole::Unused),
            other => Err(format!(
                "{other:?} is not a role: use lookup, default, create or unused"
            )),
        }
    }

    /// The role as a fixed-width text badge, readable without colour.
    pub fn badge(self) -> &'static str {
        match self {
            FieldRole::Lookup => "lookup ",
            FieldRole::Default => "default",
            FieldRole::CreateDefault => "create ",
            FieldRole::Unused => "unused ",
        }
    }
}

#[derive(Clone, Debug)]
pub struct FormField {
    pub field: Field,
    pub role: FieldRole,
    pub input: Input,
}

impl FormField {
    /// The field's own problem, checked with the library's rule as the user types.
    pub fn problem(&self) -> Option<String> {
        let text = self.input.value();
        if self.role == FieldRole::Unused || text.is_empty() {
            return None;
        }
        parse_value(self.field, text)
            .err()
            .map(|problem| problem.to_string())
    }

    fn pair(&self) -> Option<(&'static str, &str)> {
        let text = self.input.value();
        (!text.is_empty() && self.role != FieldRole::Unused).then_some((self.field.name(), text))
    }
}

#[derive(Clone, Debug)]
pub struct Form {
    pub fields: [FormField; 4],
    pub focused: usize,
    /// The stored row the form edits, bound by its id; `None` for a new entry.
    pub editing: Option<Profile>,
    /// The values of the last entry that was saved, which [`Form::recall`] brings back.
    recalled: Option<[String; 4]>,
    /// The roles a fresh form starts with (first_name, last_name, gender, age).
    starting_roles: [FieldRole; 4],
    /// Emptied by [`Form::next_entry`], and not loaded since (see [`Form::is_fresh_entry`]).
    fresh: bool,
}

/// First and last name are the lookup, gender and age the defaults.
pub const STARTING_ROLES: [FieldRole; 4] = [
    FieldRole::Lookup,
    FieldRole::Lookup,
    FieldRole::Default,
    FieldRole::Default,
];

impl Default for Form {
    /// With the built-in [`STARTING_ROLES`].
    fn default() -> Self {
        Form::with_roles(STARTING_ROLES)
    }
}

/// What saving an edited row would write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EditPlan {
    /// Nothing differs from the stored row.
    NoChange,
    /// update_or_create on the row's id, with only the changed fields as defaults.
    Save(Box<UpdateOrCreate>),
}

impl Form {
    /// An empty form whose fields start (and start over, Ctrl-X) with `roles`.
    pub fn with_roles(roles: [FieldRole; 4]) -> Form {
        let field = |field, role| FormField {
            field,
            role,
            input: Input::default(),
        };
        Form {
            fields: [
                field(Field::FirstName, roles[0]),
                field(Field::LastName, roles[1]),
                field(Field::Gender, roles[2]),
                field(Field::Age, roles[3]),
            ],
            focused: 0,
            editing: None,
            recalled: None,
            starting_roles: roles,
            fresh: false,
        }
    }

    pub fn focused_field(&mut self) -> &mut FormField {
        &mut self.fields[self.focused]
    }

    pub fn next_field(&mut self) {
        self.focused = (self.focused + 1) % self.fields.len();
    }

    pub fn previous_field(&mut self) {
        self.focused = (self.focused + self.fields.len() - 1) % self.fields.len();
    }

    /// Empties every value; roles, focus and edit mode stay.
    pub fn clear(&mut self) {
        for field in &mut self.fields {
            field.input.reset();
        }
    }

    /// A fresh form: no values, the starting roles, the first field, no row being edited. (The
    /// last saved entry can still be recalled.)
    pub fn reset(&mut self) {
        let recalled = self.recalled.take();
        *self = Form {
            recalled,
            ..Form::with_roles(self.starting_roles)
        };
    }

    /// The typed values, field by field.
    pub fn values(&self) -> [String; 4] {
        self.fields
            .each_ref()
            .map(|field| field.input.value().to_owned())
    }

    /// Once an entry is sent: its values are kept for [`Form::recall`], and the form is ready
    /// for the next entry at once (empty, first field, the same roles, no row being edited), so
    /// that keys typed while the database answers go into the next entry.
    pub fn next_entry(&mut self) {
        self.recalled = Some(self.values());
        self.clear();
        self.editing = None;
        self.focused = 0;
        self.fresh = true;
    }

    /// Empty since [`Form::next_entry`]: nothing typed or loaded into it yet.
    pub fn is_fresh_entry(&self) -> bool {
        self.fresh
            && self.editing.is_none()
            && self
                .fields
                .iter()
                .all(|field| field.input.value().is_empty())
    }

    /// Puts back the form as it was when an entry was sent (its write failed, and nothing has
    /// been typed since); the entry to recall stays as it is.
    pub fn restore(&mut self, sent: Form) {
        let recalled = self.recalled.take();
        *self = Form { recalled, ..sent };
        self.fresh = false;
    }

    /// Makes `values` the entry [`Form::recall`] brings back.
    pub fn remember(&mut self, values: [String; 4]) {
        self.recalled = Some(values);
    }

    /// Brings back the last saved entry's values (for a correction); false when there is none.
    pub fn recall(&mut self) -> bool {
        let Some(values) = self.recalled.clone() else {
            return false;
        };
        for (field, value) in self.fields.iter_mut().zip(values) {
            field.input = Input::new(value);
        }
        self.editing = None;
        self.focused = 0;
        self.fresh = false;
        true
    }

    /// Loads a stored row to edit it: its values, bound to its id.
    pub fn edit(&mut self, profile: &Profile) {
        for field in &mut self.fields {
            field.input = Input::new(profile.value(field.field).to_string());
        }
        self.editing = Some(profile.clone());
        self.focused = 0;
        self.fresh = false;
    }

    /// Whether the field's value differs from the edited row's.
    pub fn is_changed(&self, index: usize) -> bool {
        let field = &self.fields[index];
        self.editing
            .as_ref()
            .is_some_and(|row| row.value(field.field).to_string() != field.input.value())
    }

    /// What saving the edited row would write: only the fields that differ from it, by its id.
    /// `None` when no row is being edited.
    pub fn edit_plan(&self) -> Option<Result<EditPlan, InvalidInput>> {
        let row = self.editing.as_ref()?;
        let id = row.id.to_string();
        let changed: Vec<(&'static str, &str)> = self
            .fields
            .iter()
            .enumerate()
            .filter(|(index, _)| self.is_changed(*index))
            .map(|(_, field)| (field.field.name(), field.input.value()))
            .collect();
        if changed.is_empty() {
            return Some(Ok(EditPlan::NoChange));
        }
        Some(
            UpdateOrCreate::parse(&[("id", id.as_str())], &changed, None)
                .map(|request| EditPlan::Save(Box::new(request))),
        )
    }

    fn pairs(&self, roles: &[FieldRole]) -> Vec<(&'static str, &str)> {
        self.fields
            .iter()
            .filter(|field| roles.contains(&field.role))
            .filter_map(FormField::pair)
            .collect()
    }

    pub fn get_or_create(&self) -> Result<GetOrCreate, InvalidInput> {
        GetOrCreate::parse(
            &self.pairs(&[FieldRole::Lookup]),
            &self.pairs(&[FieldRole::Default, FieldRole::CreateDefault]),
        )
    }

    /// create_defaults is given when any field has that role, even an empty one.
    pub fn update_or_create(&self) -> Result<UpdateOrCreate, InvalidInput> {
        let has_create_defaults = self
            .fields
            .iter()
            .any(|field| field.role == FieldRole::CreateDefault);
        let create_pairs = self.pairs(&[FieldRole::CreateDefault]);
        UpdateOrCreate::parse(
            &self.pairs(&[FieldRole::Lookup]),
            &self.pairs(&[FieldRole::Default]),
            has_create_defaults.then_some(create_pairs.as_slice()),
        )
    }

    /// The typed first and last name as a lookup (the edit preview: is the new name taken?).
    pub fn name_lookup(&self) -> Result<Lookup, InvalidInput> {
        let pairs: Vec<(&'static str, &str)> = self.fields[..2]
            .iter()
            .map(|field| (field.field.name(), field.input.value()))
            .collect();
        GetOrCreate::parse(&pairs, &[]).map(|request| request.lookup)
    }

    /// The lookup alone, for the live preview.
    pub fn lookup(&self) -> Result<Lookup, InvalidInput> {
        GetOrCreate::parse(&self.pairs(&[FieldRole::Lookup]), &[]).map(|request| request.lookup)
    }
}
