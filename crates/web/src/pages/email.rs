//! The pages emailed links open: confirming an address, resetting a password, unsubscribing.
//!
//! Following a link never changes anything by itself (mail scanners fetch links): each page
//! shows one button that does. The token or key in the address is the proof; the forms carry
//! a CSRF token like every other form, except the unsubscribe POST, which mail clients send
//! without one (RFC 8058) and which needs none: the key is the secret.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::accounts::start_session;
use super::topic::form_refusal;
use super::{Chrome, NoFields, ok, render, see_other};
use crate::AppState;
use crate::context::{ClientIp, CsrfForm, Viewer};
use crate::error::WebError;
use crate::paths;

/// A page with a heading, a sentence, and optionally one button that posts to `action`.
#[derive(Template)]
#[template(path = "message.html")]
struct MessageTemplate {
    chrome: Chrome,
    heading: String,
    message: String,
    action: String,
    button: String,
    /// A hidden field for the button's form, as (name, value).
    field: Option<(String, String)>,
}

fn message(chrome: Chrome, heading: &str, message: impl Into<String>) -> MessageTemplate {
    MessageTemplate {
        chrome,
        heading: heading.into(),
        message: message.into(),
        action: String::new(),
        button: String::new(),
        field: None,
    }
}

/// `GET /u/activate-account/{token}`: "confirm this address" with one button.
pub(crate) async fn activate_form(
    State(state): State<AppState>,
    visit: Viewer,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let chrome = Chrome::with_form(&state, &visit, "Confirm your email address");
    match state
        .forum
        .check_email_token(stoa_app::outbox::SCOPE_SIGNUP, &token)
        .await
    {
        Ok(user) => ok(&MessageTemplate {
            action: paths::activate_account(&token),
            button: "Confirm my email address".into(),
            ..message(
                chrome,
                "Confirm your email address",
                format!(
                    "Confirm that {} is the address of {}.",
                    user.email, user.username
                ),
            )
        }),
        Err(e) => {
            let (text, _) = form_refusal(e)?;
            render(
                StatusCode::GONE,
                &message(chrome, "This link no longer works", text),
            )
        }
    }
}

/// `POST /u/activate-account/{token}`.
pub(crate) async fn activate(
    State(state): State<AppState>,
    visit: Viewer,
    Path(token): Path<String>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, WebError> {
    let chrome = Chrome::new(&state, &visit, "Email address confirmed");
    match state.forum.confirm_email(&token).await {
        Ok(user) => ok(&message(
            chrome,
            "Email address confirmed",
            format!(
                "Thank you, {}. We will email you at {} when someone answers you while you are away.",
                user.username, user.email
            ),
        )),
        Err(e) => {
            let (text, _) = form_refusal(e)?;
            render(
                StatusCode::GONE,
                &message(chrome, "This link no longer works", text),
            )
        }
    }
}

/// `POST /u/confirm-email/resend`: a fresh confirmation link for the signed-in member.
pub(crate) async fn resend_confirmation(
    State(state): State<AppState>,
    visit: Viewer,
    ClientIp(ip): ClientIp,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, WebError> {
    state.forum.resend_confirmation(visit.actor(), &ip).await?;
    let email = visit
        .user
        .as_ref()
        .map(|u| u.email.clone())
        .unwrap_or_default();
    ok(&message(
        Chrome::new(&state, &visit, "Check your email"),
        "Check your email",
        format!("We sent a new confirmation link to {email}."),
    ))
}

#[derive(Template)]
#[template(path = "password_reset_request.html")]
struct ResetRequestTemplate {
    chrome: Chrome,
    login: String,
    error: Option<String>,
}

/// `GET /password-reset`: ask for a reset link.
pub(crate) async fn reset_request_form(
    State(state): State<AppState>,
    visit: Viewer,
) -> Result<Response, WebError> {
    ok(&ResetRequestTemplate {
        chrome: Chrome::with_form(&state, &visit, "Reset your password"),
        login: String::new(),
        error: None,
    })
}

#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct ResetRequestFields {
    #[serde(default)]
    login: String,
}

/// `POST /password-reset`: the same answer whether or not the account exists.
pub(crate) async fn reset_request(
    State(state): State<AppState>,
    visit: Viewer,
    ClientIp(ip): ClientIp,
    CsrfForm(form): CsrfForm<ResetRequestFields>,
) -> Result<Response, WebError> {
    match state.forum.request_password_reset(&form.login, &ip).await {
        Ok(()) => ok(&message(
            Chrome::new(&state, &visit, "Check your email"),
            "Check your email",
            "If an account matches what you entered, we have emailed it a link to choose a new \
             password. The link works once, for an hour.",
        )),
        Err(e) => {
            let (text, _) = form_refusal(e)?;
            render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &ResetRequestTemplate {
                    chrome: Chrome::with_form(&state, &visit, "Reset your password"),
                    login: form.login,
                    error: Some(crate::error::capitalize(&text)),
                },
            )
        }
    }
}

#[derive(Template)]
#[template(path = "password_reset.html")]
struct ResetTemplate {
    chrome: Chrome,
    username: String,
    token: String,
    error: Option<String>,
}

/// `GET /u/password-reset/{token}`: the new-password form.
pub(crate) async fn reset_form(
    State(state): State<AppState>,
    visit: Viewer,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let chrome = Chrome::with_form(&state, &visit, "Choose a new password");
    match state
        .forum
        .check_email_token(stoa_app::outbox::SCOPE_PASSWORD_RESET, &token)
        .await
    {
        Ok(user) => ok(&ResetTemplate {
            chrome,
            username: user.username,
            token,
            error: None,
        }),
        Err(e) => {
            let (text, _) = form_refusal(e)?;
            render(
                StatusCode::GONE,
                &message(chrome, "This link no longer works", text),
            )
        }
    }
}

#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct ResetFields {
    #[serde(default)]
    password: String,
}

/// `POST /u/password-reset/{token}`: sets the password and logs in.
pub(crate) async fn reset(
    State(state): State<AppState>,
    visit: Viewer,
    Path(token): Path<String>,
    CsrfForm(form): CsrfForm<ResetFields>,
) -> Result<Response, WebError> {
    match state.forum.reset_password(&token, &form.password).await {
        Ok(session) => Ok(start_session(&state, &visit, &session, "/").await),
        Err(e) => {
            let (text, field) = form_refusal(e)?;
            let chrome = Chrome::with_form(&state, &visit, "Choose a new password");
            if field == "token" {
                return render(
                    StatusCode::GONE,
                    &message(chrome, "This link no longer works", text),
                );
            }
            // The form shows whose password it sets; a link used up meanwhile shows none.
            let username = match state
                .forum
                .check_email_token(stoa_app::outbox::SCOPE_PASSWORD_RESET, &token)
                .await
            {
                Ok(u) => u.username,
                Err(e) if e.domain().is_some() => String::new(),
                Err(e) => return Err(e.into()),
            };
            render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &ResetTemplate {
                    chrome,
                    username,
                    token,
                    error: Some(crate::error::capitalize(&text)),
                },
            )
        }
    }
}

/// `GET /email/unsubscribe/{key}`: one button to stop (or restart) notification emails.
pub(crate) async fn unsubscribe_form(
    State(state): State<AppState>,
    visit: Viewer,
    Path(key): Path<String>,
) -> Result<Response, WebError> {
    let user = state.forum.unsubscribe_user(&key).await?;
    let chrome = Chrome::new(&state, &visit, "Notification emails");
    let page = if user.email_notifications {
        MessageTemplate {
            action: paths::unsubscribe(&key),
            button: "Unsubscribe".into(),
            field: Some(("List-Unsubscribe".into(), "One-Click".into())),
            ..message(
                chrome,
                "Stop notification emails?",
                format!(
                    "{} will get no more notification emails at {}. Notifications still \
                     appear on the site.",
                    user.username, user.email
                ),
            )
        }
    } else {
        MessageTemplate {
            action: paths::unsubscribe(&key),
            button: "Subscribe again".into(),
            field: Some(("resubscribe".into(), "1".into())),
            ..message(
                chrome,
                "You are unsubscribed",
                format!("{} gets no notification emails.", user.username),
            )
        }
    };
    ok(&page)
}

#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct UnsubscribeFields {
    #[serde(default)]
    resubscribe: Option<String>,
}

/// `POST /email/unsubscribe/{key}`: from the page's button, or a mail client's one-click
/// unsubscribe (RFC 8058: body `List-Unsubscribe=One-Click`).
pub(crate) async fn unsubscribe(
    State(state): State<AppState>,
    Path(key): Path<String>,
    axum::extract::Form(form): axum::extract::Form<UnsubscribeFields>,
) -> Result<Response, WebError> {
    let on = form.resubscribe.is_some();
    state.forum.set_email_notifications(&key, on).await?;
    Ok(see_other(&format!("/email/unsubscribe/{key}")))
}
