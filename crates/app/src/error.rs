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
