//! Member profiles.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use stoa_app::UserProfile;

use super::{Chrome, moved, ok, segment};
use crate::AppState;
use crate::context::Viewer;
use crate::error::WebError;
use crate::paths;

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

/// Discourse's profile tabs (`/u/{name}/summary`, `/u/{name}/activity/…`) and `/users/{name}`:
/// one profile page here, so they all lead to it.
pub(crate) async fn tab(Path((username, _tab)): Path<(String, String)>) -> Response {
    moved(&paths::user(&segment(&username)))
}

/// `/users/{name}`, Discourse's older spelling of `/u/{name}`.
pub(crate) async fn tab_root(Path(username): Path<String>) -> Response {
    moved(&paths::user(&segment(&username)))
}
