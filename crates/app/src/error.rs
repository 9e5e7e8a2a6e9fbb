//! The use cases' error: a domain refusal (which the person can act on) or a storage failure
//! (which is logged and shown as a generic "something went wrong").

/// Why a use case did not complete.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Domain(#[from] stoa_core::Error),
    #[error(transparent)]
    Storage(#[from] stoa_db::Error),
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    /// Whether this says only that something does not exist (or is hidden from the actor):
    /// callers that can do without it go on; every other error is a real failure.
    pub fn is_not_found(&self) -> bool {
        matches!(self, AppError::Domain(stoa_core::Error::NotFound(_)))
    }

    /// The domain error inside, if this is one.
    pub fn domain(&self) -> Option<&stoa_core::Error> {
        match self {
            AppError::Domain(e) => Some(e),
            _ => None,
        }
    }
}

/// Result of a use case.
pub type Result<T, E = AppError> = std::result::Result<T, E>;
