//! How profiles cross the diesel boundary: read into [`Profile`], written from the row types here.

use chrono::NaiveDateTime;
use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, FromStaticSqlRow, Queryable};
use diesel::mysql::{Mysql, MysqlValue};
use diesel::pg::{Pg, PgValue};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text, Timestamp};
use diesel::sqlite::{Sqlite, SqliteType, SqliteValue};

use super::schema::profiles;
use crate::domain::{Profile, ProfileValues};

type ProfileSqlTypes = (BigInt, Text, Text, Text, Integer, Timestamp, Timestamp);
type ProfileTuple = (
    i64,
    String,
    String,
    String,
    i32,
    NaiveDateTime,
    NaiveDateTime,
);

/// `Profile` stays free of diesel; this is the one place that says how a row becomes one.
impl<DB: Backend> Queryable<ProfileSqlTypes, DB> for Profile
where
    ProfileTuple: FromStaticSqlRow<ProfileSqlTypes, DB>,
{
    type Row = ProfileTuple;

    fn build(
        (id, first_name, last_name, gender, age, created_at, updated_at): Self::Row,
    ) -> deserialize::Result<Self> {
        Ok(Profile {
            id,
            first_name,
            last_name,
            gender,
            age,
            created_at,
            updated_at,
        })
    }
}

/// A row to insert: every required value present, timestamps set by the application.
#[derive(Clone, Copy, Debug, Insertable)]
#[diesel(table_name = profiles)]
pub(crate) struct NewProfileRow<'a> {
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub gender: &'a str,
    pub age: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl<'a> From<&'a Profile> for NewProfileRow<'a> {
    fn from(row: &'a Profile) -> Self {
        NewProfileRow {
            first_name: &row.first_name,
            last_name: &row.last_name,
            gender: &row.gender,
            age: row.age,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// A deleted row put back as it was: its id and timestamps included.
#[derive(Debug, Insertable)]
#[diesel(table_name = profiles)]
pub(crate) struct RestoredRow<'a> {
    pub id: i64,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub gender: &'a str,
    pub age: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl<'a> From<&'a Profile> for RestoredRow<'a> {
    fn from(row: &'a Profile) -> Self {
        RestoredRow {
            id: row.id,
            first_name: &row.first_name,
            last_name: &row.last_name,
            gender: &row.gender,
            age: row.age,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// The columns an update writes: only those given, plus `updated_at`.
#[derive(Debug, AsChangeset)]
#[diesel(table_name = profiles)]
pub(crate) struct ProfileChangeset<'a> {
    pub first_name: Option<&'a str>,
    pub last_name: Option<&'a str>,
    pub gender: Option<&'a str>,
    pub age: Option<i32>,
    pub updated_at: NaiveDateTime,
}

impl<'a> ProfileChangeset<'a> {
    pub fn new(values: &'a ProfileValues, updated_at: NaiveDateTime) -> Self {
        ProfileChangeset {
            first_name: values.first_name.as_deref(),
            last_name: values.last_name.as_deref(),
            gender: values.gender.as_deref(),
            age: values.age,
            updated_at,
        }
    }
}

/// A profile read by a statement written as SQL text (the name-set reads of a bulk import): by
/// column name from `sql_query`, or by position ([`RecordSql`]) from a [`super::store::CachedSql`]
/// (looking each column up by name was a seventh of a SQLite re-import).
#[derive(QueryableByName, Queryable)]
pub(crate) struct ProfileRecord {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    first_name: String,
    #[diesel(sql_type = Text)]
    last_name: String,
    #[diesel(sql_type = Text)]
    gender: String,
    #[diesel(sql_type = Integer)]
    age: i32,
    #[diesel(sql_type = Timestamp)]
    created_at: StoredTimestamp,
    #[diesel(sql_type = Timestamp)]
    updated_at: StoredTimestamp,
}

/// A timestamp as a name-set read gives it. SQLite stores timestamps as text, which diesel parses
/// by trying format after format (a tenth of a re-import's work): the form written here
/// (`YYYY-MM-DD HH:MM:SS[.fraction]`) is read directly, anything else as diesel reads it.
#[derive(diesel::deserialize::FromSqlRow)]
pub(crate) struct StoredTimestamp(NaiveDateTime);

impl FromSql<Timestamp, Sqlite> for StoredTimestamp {
    fn from_sql(mut value: SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
        if value.value_type() == Some(SqliteType::Text)
            && let Some(at) = parse_timestamp(value.read_text())
        {
            return Ok(StoredTimestamp(at));
        }
        <NaiveDateTime as FromSql<Timestamp, Sqlite>>::from_sql(value).map(StoredTimestamp)
    }
}

impl FromSql<Timestamp, Pg> for StoredTimestamp {
    fn from_sql(value: PgValue<'_>) -> deserialize::Result<Self> {
        <NaiveDateTime as FromSql<Timestamp, Pg>>::from_sql(value).map(StoredTimestamp)
    }
}

impl FromSql<Timestamp, Mysql> for StoredTimestamp {
    fn from_sql(value: MysqlValue<'_>) -> deserialize::Result<Self> {
        <NaiveDateTime as FromSql<Timestamp, Mysql>>::from_sql(value).map(StoredTimestamp)
    }
}

/// `YYYY-MM-DD HH:MM:SS` with an optional fraction of one to nine digits, or `None`.
fn parse_timestamp(text: &str) -> Option<NaiveDateTime> {
    let bytes = text.as_bytes();
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        let digits = bytes.get(range)?;
        digits.iter().try_fold(0u32, |n, &digit| {
            digit
                .is_ascii_digit()
                .then(|| n * 10 + u32::from(digit - b'0'))
        })
    };
    let separators = [(4, b'-'), (7, b'-'), (10, b' '), (13, b':'), (16, b':')];
    if bytes.len() < 19 || separators.iter().any(|&(at, c)| bytes[at] != c) {
        return None;
    }
    let date = chrono::NaiveDate::from_ymd_opt(
        i32::try_from(number(0..4)?).ok()?,
        number(5..7)?,
        number(8..10)?,
    )?;
    let nanos = match &bytes[19..] {
        [] => 0,
        [b'.', fraction @ ..] if (1..=9).contains(&fraction.len()) => {
            number(20..bytes.len())? * 10u32.pow(9 - fraction.len() as u32)
        }
        _ => return None,
    };
    let time = chrono::NaiveTime::from_hms_nano_opt(
        number(11..13)?,
        number(14..16)?,
        number(17..19)?,
        nanos,
    )?;
    Some(NaiveDateTime::new(date, time))
}

impl From<ProfileRecord> for Profile {
    fn from(row: ProfileRecord) -> Self {
        Profile {
            id: row.id,
            first_name: row.first_name,
            last_name: row.last_name,
            gender: row.gender,
            age: row.age,
            created_at: row.created_at.0,
            updated_at: row.updated_at.0,
        }
    }
}

/// The SQL types of [`RECORD_COLUMNS`], in order.
pub(crate) type RecordSql = (BigInt, Text, Text, Text, Integer, Timestamp, Timestamp);

/// The columns a name-set read selects, in [`ProfileRecord`]'s order.
pub(crate) const RECORD_COLUMNS: &str =
    "p.id, p.first_name, p.last_name, p.gender, p.age, p.created_at, p.updated_at";

#[cfg(test)]
mod tests {
    use super::parse_timestamp;

    #[test]
    fn stored_timestamps_read_as_chrono_reads_them() {
        for text in [
            "2026-11-27 16:34:17",
            "2026-11-27 16:34:17.3",
            "2026-11-27 16:34:17.305408",
            "2024-02-29 00:00:00.000000001",
            "1999-12-31 23:59:59.999999999",
        ] {
            let expected =
                chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f").unwrap();
            assert_eq!(parse_timestamp(text), Some(expected), "{text}");
        }
        for text in [
            "",
            "2026-11-27",
            "2026-11-27T16:34:17",
            "2026-02-30 16:34:17",
            "2026-11-27 24:00:00",
            "2026-11-27 16:34:17.",
            "2026-11-27 16:34:17.1234567890",
            "2026-11-27 16:34:17Z",
            "2026-1a-27 16:34:17",
            "+026-11-27 16:34:17",
        ] {
            assert_eq!(parse_timestamp(text), None, "{text}");
        }
    }
}
