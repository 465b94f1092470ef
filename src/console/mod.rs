//! The full-screen console (not yet built): for now, a short summary.

use crate::db::TargetSource;
use crate::domain::ProfileFilter;
use crate::repository::Repository;

pub fn run(mut repo: Repository, source: TargetSource) -> anyhow::Result<()> {
    let count = repo.count(&ProfileFilter::default())?;
    println!(
        "{} ({}, from {source}): {count} profiles. Try `profile-console --help`.",
        repo.target(),
        repo.backend()
    );
    Ok(())
}
