//! Storage errors. Constraint violations are told apart by kind (SQLite reports no constraint
//! name), so `app` can turn "username taken" into a message; everything else is internal.

/// What went wrong in storage.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A UNIQUE constraint refused the write.
    #[error("unique constraint violated")]
    UniqueViolation,
    /// A FOREIGN KEY constraint refused the write.
    #[error("foreign key constraint violated")]
    ForeignKeyViolation,
    /// Anything else: a bug or the database being unavailable.
    #[error("database error: {0}")]
    Other(#[source] sqlx::Error),
    /// The commit this write shared with others failed (see `writer`): none of them was saved.
    #[error("the shared commit failed: {0}")]
    SharedCommit(#[source] std::sync::Arc<sqlx::Error>),
    /// A migration failed.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &e {
            match db.kind() {
                sqlx::error::ErrorKind::UniqueViolation => return Error::UniqueViolation,
                sqlx::error::ErrorKind::ForeignKeyViolation => return Error::ForeignKeyViolation,
                _ => {}
            }
        }
        Error::Other(e)
    }
}

/// Result of a storage call.
pub type Result<T, E = Error> = std::result::Result<T, E>;
