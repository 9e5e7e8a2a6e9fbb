//! Log in, sign up, log out.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::http::header::{RETRY_AFTER, SET_COOKIE};
use axum::response::Response;
use stoa_app::core::Error as Domain;
use stoa_app::{AppError, NewSession, SignupForm};

use super::topic::form_refusal;
use super::{Chrome, NoFields, ok, query, render, safe_return_to, see_other};
use crate::AppState;
use crate::context::{ClientIp, CsrfForm, SESSION_COOKIE, Viewer, Visit, set_cookie};
use crate::error::{WebError, capitalize};

#[derive(Template)]
#[template(path = "login.html")]
struct LoginTemplate {
    chrome: Chrome,
    login: String,
    return_to: String,
    error: Option<String>,
}

#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct LoginQuery {
    return_to: Option<String>,
}

pub(crate) async fn login_form(
    State(state): State<AppState>,
    visit: Viewer,
    RawQuery(q): RawQuery,
) -> Result<Response, WebError> {
    let return_to = query::<LoginQuery>(q).return_to.unwrap_or_default();
    ok(&LoginTemplate {
        chrome: Chrome::with_form(&state, &visit, "Log in"),
        login: String::new(),
        return_to: safe_return_to(&return_to).to_owned(),
        error: None,
    })
}

#[derive(Debug, serde::Deserialize)]
pub(crate) struct LoginFields {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    return_to: String,
}

/// Sets the new session's cookie, ending the old session if there was one.
pub(crate) async fn start_session(
    state: &AppState,
    visit: &Visit,
    session: &NewSession,
    to: &str,
) -> Response {
    if let Some(old) = visit.session_token()
        && let Err(e) = state.forum.logout(old).await
    {
        tracing::warn!(error = %e, "could not end the previous session");
    }
    let max_age = (session.expires_at - stoa_app::now()).num_seconds();
    let mut res = see_other(to);
    res.headers_mut().append(
        SET_COOKIE,
        set_cookie(
            SESSION_COOKIE,
            &session.token,
            max_age,
            state.config.secure_cookies,
        ),
    );
    res
}

pub(crate) async fn login(
    State(state): State<AppState>,
    visit: Viewer,
    ClientIp(ip): ClientIp,
    CsrfForm(form): CsrfForm<LoginFields>,
) -> Result<Response, WebError> {
    let return_to = safe_return_to(&form.return_to).to_owned();
    match state.forum.login(&form.login, &form.password, &ip).await {
        Ok(session) => Ok(start_session(&state, &visit, &session, &return_to).await),
        Err(e) => {
            let (status, message, retry) = match e {
                AppError::Domain(d @ Domain::RateLimited { retry_after_secs }) => (
                    StatusCode::TOO_MANY_REQUESTS,
                    d.to_string(),
                    Some(retry_after_secs),
                ),
                other => {
                    let (m, _) = form_refusal(other)?;
                    (StatusCode::UNPROCESSABLE_ENTITY, m, None)
                }
            };
            let mut res = render(
                status,
                &LoginTemplate {
                    chrome: Chrome::with_form(&state, &visit, "Log in"),
                    login: form.login,
                    return_to,
                    error: Some(capitalize(&message)),
                },
            )?;
            if let Some(secs) = retry.and_then(|s| s.to_string().parse().ok()) {
                res.headers_mut().insert(RETRY_AFTER, secs);
            }
            Ok(res)
        }
    }
}

#[derive(Template)]
#[template(path = "signup.html")]
struct SignupTemplate {
    chrome: Chrome,
    username: String,
    name: String,
    email: String,
    error: Option<String>,
    error_field: &'static str,
}

pub(crate) async fn signup_form(
    State(state): State<AppState>,
    visit: Viewer,
) -> Result<Response, WebError> {
    ok(&SignupTemplate {
        chrome: Chrome::with_form(&state, &visit, "Sign up"),
        username: String::new(),
        name: String::new(),
        email: String::new(),
        error: None,
        error_field: "",
    })
}

#[derive(Debug, serde::Deserialize)]
pub(crate) struct SignupFields {
    #[serde(default)]
    username: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

pub(crate) async fn signup(
    State(state): State<AppState>,
    visit: Viewer,
    ClientIp(ip): ClientIp,
    CsrfForm(form): CsrfForm<SignupFields>,
) -> Result<Response, WebError> {
    let input = SignupForm {
        username: form.username.clone(),
        email: form.email.clone(),
        password: form.password.clone(),
        name: form.name.clone(),
    };
    match state.forum.signup(&input, &ip).await {
        Ok(id) => {
            let session = state.forum.session_for(id).await?;
            Ok(start_session(&state, &visit, &session, "/").await)
        }
        Err(e) => {
            let (message, field) = form_refusal(e)?;
            render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &SignupTemplate {
                    chrome: Chrome::with_form(&state, &visit, "Sign up"),
                    username: form.username,
                    name: form.name,
                    email: form.email,
                    error: Some(message),
                    error_field: field,
                },
            )
        }
    }
}

pub(crate) async fn logout(
    State(state): State<AppState>,
    visit: Viewer,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, WebError> {
    if let Some(token) = visit.session_token() {
        state.forum.logout(token).await?;
    }
    let mut res = see_other("/");
    res.headers_mut().append(
        SET_COOKIE,
        set_cookie(SESSION_COOKIE, "", 0, state.config.secure_cookies),
    );
    Ok(res)
}
