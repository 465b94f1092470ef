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
}

impl Default for Form {
    /// First and last name are the lookup, gender and age the defaults.
    fn default() -> Self {
        let field = |field, role| FormField {
            field,
            role,
            input: Input::default(),
        };
        Form {
            fields: [
                field(Field::FirstName, FieldRole::Lookup),
                field(Field::LastName, FieldRole::Lookup),
                field(Field::Gender, FieldRole::Default),
                field(Field::Age, FieldRole::Default),
            ],
            focused: 0,
        }
    }
}

impl Form {
    pub fn focused_field(&mut self) -> &mut FormField {
        &mut self.fields[self.focused]
    }

    pub fn next_field(&mut self) {
        self.focused = (self.focused + 1) % self.fields.len();
    }

    pub fn previous_field(&mut self) {
        self.focused = (self.focused + self.fields.len() - 1) % self.fields.len();
    }

    pub fn clear(&mut self) {
        for field in &mut self.fields {
            field.input.reset();
        }
    }

    /// Fills the inputs from a stored profile, keeping every role.
    pub fn load(&mut self, profile: &Profile) {
        for field in &mut self.fields {
            let value = profile.value(field.field).to_string();
            field.input = Input::new(value);
        }
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

    /// The lookup alone, for the live preview.
    pub fn lookup(&self) -> Result<Lookup, InvalidInput> {
        GetOrCreate::parse(&self.pairs(&[FieldRole::Lookup]), &[]).map(|request| request.lookup)
    }
}
