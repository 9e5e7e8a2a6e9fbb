//! Member profiles.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use stoa_app::UserProfile;

use super::{Chrome, ok};
use crate::AppState;
use crate::context::Viewer;
use crate::error::WebError;

#[derive(Template)]
#[template(path = "user.html")]
struct UserTemplate {
    chrome: Chrome,
    profile: UserProfile,
}

pub(crate) async fn show(
    State(state): State<AppState>,
    visit: Viewer,
    Path(username): Path<String>,
) -> Result<Response, WebError> {
    let profile = state.forum.user_profile(visit.actor(), &username).await?;
    ok(&UserTemplate {
        chrome: Chrome::new(&state, &visit, profile.user.username.clone()),
        profile,
    })
}
