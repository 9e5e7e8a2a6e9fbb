//! Actions on one post: edit, delete, restore, like, its history, its permalink.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use stoa_app::db::posts::PostRow;
use stoa_app::db::topics::TopicRow;
use stoa_app::{EditForm, PostId, Revision};

use super::topic::form_refusal;
use super::{Chrome, NoFields, ok, parse_id, render, see_other};
use crate::AppState;
use crate::context::{CsrfForm, Viewer};
use crate::error::WebError;

fn post_url(topic: &TopicRow, post: &PostRow) -> String {
    format!(
        "/t/{}/{}/{}#post_{}",
        topic.slug, topic.id, post.post_number, post.post_number
    )
}

/// `/p/{id}`: redirects to the post in its topic.
pub(crate) async fn permalink(
    State(state): State<AppState>,
    visit: Viewer,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let (post, topic, _) = state
        .forum
        .post(visit.actor(), PostId(parse_id(&id)?))
        .await?;
    Ok(see_other(&post_url(&topic, &post)))
}

#[derive(Template)]
#[template(path = "edit_post.html")]
struct EditTemplate {
    chrome: Chrome,
    post_id: i64,
    post_number: i64,
    topic_title: String,
    title: Option<String>,
    raw: String,
    back: String,
    error: Option<String>,
    error_field: &'static str,
}

pub(crate) async fn edit_form(
    State(state): State<AppState>,
    visit: Viewer,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let (post, topic, can) = state
        .forum
        .post(visit.actor(), PostId(parse_id(&id)?))
        .await?;
    if !can.edit {
        // The Guardian's own reason: not logged in, not yours, or deleted.
        state
            .forum
            .check_edit(visit.actor(), PostId(post.id))
            .await?;
    }
    ok(&EditTemplate {
        chrome: Chrome::new(&state, &visit, format!("Edit post in {}", topic.title)),
        post_id: post.id,
        post_number: post.post_number,
        title: (post.post_number == 1).then(|| topic.title.clone()),
        topic_title: topic.title.clone(),
        back: post_url(&topic, &post),
        raw: post.raw,
        error: None,
        error_field: "",
    })
}

#[derive(Debug, serde::Deserialize)]
pub(crate) struct EditFields {
    #[serde(default)]
    raw: String,
    title: Option<String>,
}

pub(crate) async fn edit(
    State(state): State<AppState>,
    visit: Viewer,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<EditFields>,
) -> Result<Response, WebError> {
    let id = PostId(parse_id(&id)?);
    let actor = visit.actor();
    let input = EditForm {
        raw: form.raw.clone(),
        title: form.title.clone(),
    };
    match state.forum.edit_post(actor, id, &input).await {
        Ok(post) => {
            let topic = state
                .forum
                .topic(actor, stoa_app::TopicId(post.topic_id))
                .await?;
            Ok(see_other(&post_url(&topic, &post)))
        }
        Err(e) => {
            let (message, field) = form_refusal(e)?;
            let (post, topic, _) = state.forum.post(actor, id).await?;
            render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &EditTemplate {
                    chrome: Chrome::new(&state, &visit, format!("Edit post in {}", topic.title)),
                    post_id: post.id,
                    post_number: post.post_number,
                    topic_title: topic.title.clone(),
                    back: post_url(&topic, &post),
                    title: form.title,
                    raw: form.raw,
                    error: Some(message),
                    error_field: field,
                },
            )
        }
    }
}

/// After a post changed: back to it, or to /latest when its topic is now hidden from the actor
/// (an author who deleted their topic's first post).
async fn back_to_post(state: &AppState, visit: &Viewer, post: &PostRow) -> Response {
    match state
        .forum
        .topic(visit.actor(), stoa_app::TopicId(post.topic_id))
        .await
    {
        Ok(topic) => see_other(&post_url(&topic, post)),
        Err(_) => see_other("/latest"),
    }
}

pub(crate) async fn delete(
    State(state): State<AppState>,
    visit: Viewer,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, WebError> {
    let post = state
        .forum
        .delete_post(visit.actor(), PostId(parse_id(&id)?))
        .await?;
    Ok(back_to_post(&state, &visit, &post).await)
}

pub(crate) async fn restore(
    State(state): State<AppState>,
    visit: Viewer,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, WebError> {
    let post = state
        .forum
        .restore_post(visit.actor(), PostId(parse_id(&id)?))
        .await?;
    Ok(back_to_post(&state, &visit, &post).await)
}

#[derive(Debug, serde::Deserialize)]
pub(crate) struct LikeFields {
    #[serde(default)]
    like: String,
}

/// Likes or unlikes, for browsers without the script (which uses `POST /post_actions`).
pub(crate) async fn like(
    State(state): State<AppState>,
    visit: Viewer,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<LikeFields>,
) -> Result<Response, WebError> {
    let id = PostId(parse_id(&id)?);
    let liked = form.like != "false";
    let result = state.forum.set_like(visit.actor(), id, liked).await;
    result?;
    let (post, topic, _) = state.forum.post(visit.actor(), id).await?;
    Ok(see_other(&post_url(&topic, &post)))
}

#[derive(Template)]
#[template(path = "revisions.html")]
struct RevisionsTemplate {
    chrome: Chrome,
    post_number: i64,
    version: i64,
    topic_title: String,
    back: String,
    revisions: Vec<Revision>,
}

pub(crate) async fn revisions(
    State(state): State<AppState>,
    visit: Viewer,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let (post, topic, revisions) = state
        .forum
        .revisions(visit.actor(), PostId(parse_id(&id)?))
        .await?;
    ok(&RevisionsTemplate {
        chrome: Chrome::new(
            &state,
            &visit,
            format!("History of a post in {}", topic.title),
        ),
        post_number: post.post_number,
        version: post.version,
        topic_title: topic.title.clone(),
        back: post_url(&topic, &post),
        revisions,
    })
    .map(IntoResponse::into_response)
}
