//! How profiles cross the diesel boundary: read into [`Profile`], written from the row types here.

use chrono::NaiveDateTime;
use diesel::backend::Backend;
use diesel::deserialize::{self, FromStaticSqlRow, Queryable};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text, Timestamp};

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

/// A profile read by a statement written as SQL text (the name-set reads of a bulk import).
#[derive(QueryableByName)]
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
    created_at: NaiveDateTime,
    #[diesel(sql_type = Timestamp)]
    updated_at: NaiveDateTime,
}

impl From<ProfileRecord> for Profile {
    fn from(row: ProfileRecord) -> Self {
        Profile {
            id: row.id,
            first_name: row.first_name,
            last_name: row.last_name,
            gender: row.gender,
            age: row.age,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// The columns a name-set read selects, in [`ProfileRecord`]'s order.
pub(crate) const RECORD_COLUMNS: &str =
    "p.id, p.first_name, p.last_name, p.gender, p.age, p.created_at, p.updated_at";
