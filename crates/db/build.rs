//! Rebuild when a migration is added: `sqlx::migrate!` embeds the files it saw at compile time
//! and does not notice a new file on its own.
fn main() {
    println!("cargo:rerun-if-changed=migrations/sqlite");
    println!("cargo:rerun-if-changed=migrations/postgres");
}
