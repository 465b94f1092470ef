//! What the console and the CLI read composed from several statements: the rows around a row,
//! the preview of a lookup, the inspect report. The worker and the CLI only ask for them.

use std::path::PathBuf;

use super::{Repository, SchemaReport};
use crate::db::Backend;
use crate::domain::{Lookup, PageRequest, Profile, ProfileFilter, Towards};
use crate::error::Error;

/// What a lookup matches right now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreviewMatch {
    pub lookup: Lookup,
    pub rows: Vec<Profile>,
    pub count: i64,
}

/// Everything the inspect view shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InspectReport {
    pub target: String,
    pub backend: Backend,
    pub file: Option<(PathBuf, u64)>,
    pub schema: SchemaReport,
    pub row_count: i64,
}

/// A row to show, as the app knows it: the row itself, or only its id (go to id).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RowRef {
    Row(Box<Profile>),
    Id(i64),
}

/// Rows around an anchor, in display order, and whether they reach either end of the table.
#[derive(Debug)]
pub struct AroundRows {
    pub rows: Vec<Profile>,
    pub at_start: bool,
    pub at_end: bool,
}

impl Repository {
    /// The rows around `anchor` in `request`'s order and filter: `before` rows before it and up
    /// to `after` from it (it included, when it matches), and whether they reach either end.
    /// An anchor given by id is read first (an error when there is no such profile).
    pub fn around(
        &mut self,
        request: &PageRequest,
        anchor: RowRef,
        before: i64,
        after: i64,
    ) -> Result<AroundRows, Error> {
        let anchor = match anchor {
            RowRef::Row(row) => *row,
            RowRef::Id(id) => {
                let lookup = Lookup::by_id(id);
                self.find(&lookup, 1)?
                    .pop()
                    .ok_or(Error::NoSuchProfile(id))?
            }
        };
        let earlier = self.page(&PageRequest {
            anchor: Some(anchor.clone()),
            include_anchor: false,
            towards: Towards::Backward,
            limit: before,
            ..request.clone()
        })?;
        let later = self.page(&PageRequest {
            anchor: Some(anchor),
            include_anchor: true,
            towards: Towards::Forward,
            limit: after,
            ..request.clone()
        })?;
        Ok(AroundRows {
            at_start: (earlier.len() as i64) < before,
            at_end: (later.len() as i64) < after,
            rows: earlier.into_iter().chain(later).collect(),
        })
    }

    /// What `lookup` matches now: up to three rows and how many there are (what the console's
    /// preview shows before an operation runs).
    pub fn preview(&mut self, lookup: Lookup) -> Result<PreviewMatch, Error> {
        let rows = self.find(&lookup, 3)?;
        let count = if rows.len() < 3 {
            rows.len() as i64
        } else {
            self.count_lookup(&lookup)?
        };
        Ok(PreviewMatch {
            lookup,
            rows,
            count,
        })
    }

    /// Everything the inspect view and `info` show: where the database is, its server, schema,
    /// migrations and row count.
    pub fn inspect(&mut self) -> Result<InspectReport, Error> {
        let schema = self.schema_report()?;
        let row_count = self.count(&ProfileFilter::default())?;
        let target = self.target();
        let file = target
            .sqlite_path()
            .filter(|_| !target.in_memory())
            .map(|path| {
                let size = |p: &std::path::Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
                let wal = PathBuf::from(format!("{}-wal", path.display()));
                (path.to_path_buf(), size(path) + size(&wal))
            });
        Ok(InspectReport {
            target: target.to_string(),
            backend: target.backend(),
            file,
            schema,
            row_count,
        })
    }
}
