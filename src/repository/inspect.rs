//! What the database holds about itself: constraints, indexes, applied migrations, size.

use diesel::prelude::*;
use diesel::sql_types::Text;

use crate::db::AnyConnection;

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

#[derive(QueryableByName)]
struct Single {
    #[diesel(sql_type = Text)]
    value: String,
}

/// The schema side of the inspect view.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct SchemaReport {
    pub server_version: String,
    pub constraints: Vec<SchemaItem>,
    pub indexes: Vec<SchemaItem>,
    pub migrations: Vec<AppliedMigration>,
}

const MIGRATIONS_SQL: &str = "SELECT version, CAST(run_on AS TEXT) AS run_on FROM __diesel_schema_migrations ORDER BY version";

pub(crate) fn schema_report(conn: &mut AnyConnection) -> QueryResult<SchemaReport> {
    match conn {
        AnyConnection::Sqlite(conn) => {
            let table_sql = diesel::sql_query(
                "SELECT sql AS value FROM sqlite_master WHERE type = 'table' AND name = 'profiles'",
            )
            .get_result::<Single>(conn)?
            .value;
            Ok(SchemaReport {
                server_version: diesel::sql_query("SELECT 'SQLite ' || sqlite_version() AS value")
                    .get_result::<Single>(conn)?
                    .value,
                constraints: sqlite_constraints(&table_sql),
                indexes: diesel::sql_query(
                    "SELECT il.name AS name,
                            CASE WHEN il.\"unique\" THEN 'UNIQUE ' ELSE '' END || '(' ||
                            (SELECT group_concat(ii.name, ', ') FROM pragma_index_info(il.name) ii)
                            || ')' AS definition
                     FROM pragma_index_list('profiles') il ORDER BY il.name",
                )
                .load(conn)?,
                migrations: diesel::sql_query(MIGRATIONS_SQL).load(conn)?,
            })
        }
        AnyConnection::Postgres(conn) => Ok(SchemaReport {
            server_version: diesel::sql_query(
                "SELECT 'PostgreSQL ' || split_part(current_setting('server_version'), ' ', 1) AS value",
            )
                .get_result::<Single>(conn)?
                .value,
            constraints: diesel::sql_query(
                "SELECT conname::text AS name, pg_get_constraintdef(oid) AS definition
                 FROM pg_constraint WHERE conrelid = 'profiles'::regclass
                 UNION ALL
                 SELECT column_name::text || '_not_null', 'NOT NULL (' || column_name::text || ')'
                 FROM information_schema.columns
                 WHERE table_schema = current_schema() AND table_name = 'profiles'
                   AND is_nullable = 'NO'
                 ORDER BY 1",
            )
            .load(conn)?,
            indexes: diesel::sql_query(
                "SELECT indexname::text AS name,
                        CASE WHEN indexdef LIKE 'CREATE UNIQUE%' THEN 'UNIQUE ' ELSE '' END
                        || regexp_replace(indexdef, '^.* USING ', '') AS definition
                 FROM pg_indexes
                 WHERE schemaname = current_schema() AND tablename = 'profiles' ORDER BY indexname",
            )
            .load(conn)?,
            migrations: diesel::sql_query(MIGRATIONS_SQL).load(conn)?,
        }),
    }
}

/// SQLite keeps constraints only in the table's CREATE statement: split its body at top-level
/// commas and keep named constraints and each column's own constraints.
fn sqlite_constraints(table_sql: &str) -> Vec<SchemaItem> {
    let body = match (table_sql.find('('), table_sql.rfind(')')) {
        (Some(open), Some(close)) if open < close => &table_sql[open + 1..close],
        _ => return Vec::new(),
    };
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    for (at, c) in body.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&body[start..at]);
                start = at + 1;
            }
            _ => {}
        }
    }
    parts.push(&body[start..]);
    parts
        .into_iter()
        .map(crate::domain::one_line)
        .filter_map(|part| {
            if let Some(rest) = part.strip_prefix("CONSTRAINT ") {
                let (name, definition) = rest.split_once(' ')?;
                Some(SchemaItem {
                    name: name.to_owned(),
                    definition: definition.to_owned(),
                })
            } else {
                let (column, definition) = part.split_once(' ')?;
                let (_, constraints) = definition.split_once(' ')?;
                Some(SchemaItem {
                    name: column.to_owned(),
                    definition: constraints.to_owned(),
                })
            }
        })
        .collect()
}
