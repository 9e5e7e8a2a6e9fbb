//! The domain's errors: each one a reason a person can act on. The web layer decides the HTTP
//! status, once for HTML and once for JSON.

/// Why a use case refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// Input broke a rule; `field` names the form field, `message` the rule.
    #[error("{message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    /// Input clashes with something that exists (a taken username, say).
    #[error("{message}")]
    Conflict {
        field: &'static str,
        message: String,
    },
    /// The thing does not exist, or the actor may not know it exists.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The action needs a signed-in member.
    #[error("you need to log in to do that")]
    NotLoggedIn,
    /// The actor may not do this.
    #[error("{0}")]
    Forbidden(&'static str),
    /// Too many attempts; try again after `retry_after_secs`.
    #[error("too many attempts; try again in {retry_after_secs} seconds")]
    RateLimited { retry_after_secs: u64 },
}

impl Error {
    /// Shorthand for [`Error::Invalid`].
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Error::Invalid {
            field,
            message: message.into(),
        }
    }

    /// The form field this error is about, if any.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Error::Invalid { field, .. } | Error::Conflict { field, .. } => Some(field),
            _ => None,
        }
    }
}
