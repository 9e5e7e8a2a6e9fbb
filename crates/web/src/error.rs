//! How failures become HTTP answers: a status a client can act on and a page a person can read.
//! Internal details go to the log (with the request id), never to the client.

use askama::Template;
use axum::http::StatusCode;
use axum::http::header::RETRY_AFTER;
use axum::response::{Html, IntoResponse, Response};
use stoa_app::AppError;
use stoa_app::core::Error as Domain;

/// A failure in a handler.
#[derive(Debug)]
pub enum WebError {
    App(AppError),
    /// The CSRF token was missing or wrong.
    Csrf,
    BadRequest(String),
    /// A body past [`crate::MAX_BODY_BYTES`].
    TooLarge,
    NotFound,
    Internal(String),
}

impl WebError {
    pub fn bad_request(msg: impl Into<String>) -> Self {
        WebError::BadRequest(msg.into())
    }

    pub fn internal(msg: impl Into<String>) -> Self {
        WebError::Internal(msg.into())
    }

    /// The status and the message a person sees.
    pub fn status_and_message(&self) -> (StatusCode, String) {
        match self {
            WebError::App(AppError::Domain(d)) => (domain_status(d), capitalize(&d.to_string())),
            WebError::App(e) => {
                tracing::error!(error = %e, "request failed");
                (StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong on our side. It has been logged; please try again.".into())
            }
            WebError::Csrf => (
                StatusCode::FORBIDDEN,
                "This form has expired or did not come from this site. Go back, reload the page and send it again.".into(),
            ),
            WebError::BadRequest(m) => (StatusCode::BAD_REQUEST, m.clone()),
            WebError::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "That was too much to send at once: at most {} KiB.",
                    crate::MAX_BODY_BYTES / 1024
                ),
            ),
            WebError::NotFound => (StatusCode::NOT_FOUND, "There is nothing at this address.".into()),
            WebError::Internal(m) => {
                tracing::error!(error = %m, "request failed");
                (StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong on our side. It has been logged; please try again.".into())
            }
        }
    }
}

pub(crate) fn domain_status(e: &Domain) -> StatusCode {
    match e {
        Domain::Invalid { .. } | Domain::Conflict { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        Domain::NotFound(_) => StatusCode::NOT_FOUND,
        Domain::NotLoggedIn | Domain::Forbidden(_) => StatusCode::FORBIDDEN,
        Domain::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
    }
}

/// The message with its first letter capitalised, as a sentence on a page.
pub(crate) fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

impl From<AppError> for WebError {
    fn from(e: AppError) -> Self {
        WebError::App(e)
    }
}

impl From<Domain> for WebError {
    fn from(e: Domain) -> Self {
        WebError::App(AppError::Domain(e))
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    status: u16,
    reason: &'a str,
    message: &'a str,
    login_link: bool,
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (status, message) = self.status_and_message();
        let login_link = matches!(&self, WebError::App(AppError::Domain(Domain::NotLoggedIn)));
        let page = ErrorPage {
            status: status.as_u16(),
            reason: status.canonical_reason().unwrap_or("Error"),
            message: &message,
            login_link,
        };
        let body = page.render().unwrap_or_else(|_| message.clone());
        let mut res = (status, Html(body)).into_response();
        if let WebError::App(AppError::Domain(Domain::RateLimited { retry_after_secs })) = self
            && let Ok(v) = retry_after_secs.to_string().parse()
        {
            res.headers_mut().insert(RETRY_AFTER, v);
        }
        res
    }
}

/// The fallback for unknown paths.
pub(crate) async fn not_found() -> WebError {
    WebError::NotFound
}
