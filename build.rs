//! Rebuild when a migration changes: `embed_migrations!` reads the `migrations/` folder at compile
//! time, and cargo does not know to look there (as diesel_migrations' documentation advises).
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
