//! The API's errors, in Discourse's shape (`lib/json_error.rb`):
//! `{"errors": ["..."], "error_type": "...", "extras": {...}}`, never a redirect or a page.
//! `errors` is always a list of strings (pydiscourse joins them into its exception message).

use axum::http::header::{CONTENT_TYPE, RETRY_AFTER};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Value, json};
use stoa_app::AppError;
use stoa_app::core::Error as Domain;

use super::JSON_TYPE;

/// A refusal or failure, ready to be sent.
#[derive(Debug)]
pub(crate) struct ApiError {
    status: StatusCode,
    body: Body,
    retry_after: Option<u64>,
}

/// Every error answer (Discourse's `lib/json_error.rb`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Error)]
pub(crate) struct Body {
    /// Set by `POST /posts` validation failures, as Discourse does.
    #[serde(skip_serializing_if = "Option::is_none")]
    action: Option<&'static str>,
    errors: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    extras: Option<Value>,
}

const NOT_FOUND: &str = "The requested URL or resource could not be found.";
const NOT_LOGGED_IN: &str = "You need to be logged in to do that.";
const INTERNAL: &str = "Something went wrong on our side. It has been logged; please try again.";

impl ApiError {
    fn new(
        status: StatusCode,
        message: impl Into<String>,
        error_type: Option<&'static str>,
    ) -> Self {
        Self {
            status,
            body: Body {
                action: None,
                errors: vec![message.into()],
                error_type,
                extras: None,
            },
            retry_after: None,
        }
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, NOT_FOUND, Some("not_found"))
    }

    /// A required parameter is absent or empty (Rails' `params.require`).
    pub fn missing(param: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            format!("param is missing or the value is empty: {param}"),
            Some("invalid_parameters"),
        )
    }

    /// A parameter that is there but unusable.
    /// A request body past `limit` bytes.
    pub fn too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "The request body is too large: at most {} KiB",
                limit / 1024
            ),
            Some("invalid_parameters"),
        )
    }

    pub fn bad_param(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message, Some("invalid_parameters"))
    }

    /// A write with a session cookie but without the page's CSRF token.
    pub fn csrf() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "BAD CSRF: send the page's token in the X-CSRF-Token header, or use an API key.",
            Some("invalid_access"),
        )
    }

    pub fn internal(detail: impl Into<String>) -> Self {
        tracing::error!(error = %detail.into(), "API request failed");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, INTERNAL, None)
    }

    #[cfg(test)]
    pub fn status(&self) -> StatusCode {
        self.status
    }

    #[cfg(test)]
    pub fn message(&self) -> String {
        self.body.errors.join(" ")
    }

    /// Marks a validation failure as `POST /posts` reports it.
    pub fn action(mut self, action: &'static str) -> Self {
        if self.status == StatusCode::UNPROCESSABLE_ENTITY {
            self.body.action = Some(action);
        }
        self
    }
}

impl From<Domain> for ApiError {
    fn from(e: Domain) -> Self {
        match e {
            Domain::Invalid { .. } | Domain::Conflict { .. } => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                crate::error::capitalize(&e.to_string()),
                None,
            ),
            Domain::NotFound(_) => Self::not_found(),
            Domain::NotLoggedIn => {
                Self::new(StatusCode::FORBIDDEN, NOT_LOGGED_IN, Some("not_logged_in"))
            }
            Domain::Forbidden(m) => Self::new(
                StatusCode::FORBIDDEN,
                crate::error::capitalize(m),
                Some("invalid_access"),
            ),
            Domain::RateLimited { retry_after_secs } => {
                let secs = retry_after_secs.max(1);
                let unit = if secs == 1 { "second" } else { "seconds" };
                let mut err = Self::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    format!(
                        "You’ve performed this action too many times. Please wait {secs} {unit} \
                         before trying again."
                    ),
                    Some("rate_limit"),
                );
                err.body.extras = Some(json!({
                    "wait_seconds": secs,
                    "time_left": format!("{secs} {unit}"),
                }));
                err.retry_after = Some(secs);
                err
            }
        }
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Domain(d) => d.into(),
            other => Self::internal(other.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self.body).unwrap_or_else(|_| b"{\"errors\":[]}".to_vec());
        let mut res = (
            self.status,
            [(CONTENT_TYPE, HeaderValue::from_static(JSON_TYPE))],
            body,
        )
            .into_response();
        if let Some(secs) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            res.headers_mut().insert(RETRY_AFTER, v);
        }
        res
    }
}
