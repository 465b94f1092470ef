//! What the database holds about itself: constraints, indexes, applied migrations, size. Each
//! backend reads its own catalogue (`Engine::schema_report` in `backends/`).

use diesel::prelude::*;
use diesel::sql_types::Text;

/// A named constraint or index and its definition, as the database reports it.
#[derive(Clone, Debug, PartialEq, Eq, QueryableByName, serde::Serialize)]
pub struct SchemaItem {
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Text)]
    pub definition: String,
}

/// A migration the database has applied.
#[derive(Clone, Debug, PartialEq, Eq, QueryableByName, serde::Serialize)]
pub struct AppliedMigration {
    #[diesel(sql_type = Text)]
    pub version: String,
    #[diesel(sql_type = Text)]
    pub run_on: String,
}

/// One text column named `value`.
#[derive(QueryableByName)]
pub(crate) struct Single {
    #[diesel(sql_type = Text)]
    pub value: String,
}

/// The schema side of the inspect view.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct SchemaReport {
    pub server_version: String,
    pub constraints: Vec<SchemaItem>,
    pub indexes: Vec<SchemaItem>,
    pub migrations: Vec<AppliedMigration>,
}

pub(crate) const MIGRATIONS_SQL: &str = "SELECT version, CAST(run_on AS TEXT) AS run_on FROM __diesel_schema_migrations ORDER BY version";
