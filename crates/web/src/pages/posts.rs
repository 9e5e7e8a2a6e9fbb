//! Actions on one post: edit, delete, restore, like, its history, its permalink.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use stoa_app::{Category, MemberName, Post, Topic};
use stoa_app::{CategoryId, EditForm, PostForEdit, PostId, PostItem, Revision};

use super::topic::form_refusal;
use super::{Chrome, NoFields, ok, parse_id, render, see_other};
use crate::AppState;
use crate::context::{CsrfForm, Viewer};
use crate::error::WebError;

fn post_url(topic: &Topic, post: &Post) -> String {
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
    post_id: PostId,
    post_number: i64,
    topic_title: String,
    title: Option<String>,
    /// For a first post: the categories the topic may move to, and the chosen one.
    categories: Vec<Category>,
    category_id: CategoryId,
    raw: String,
    edit_reason: String,
    back: String,
    error: Option<String>,
    error_field: &'static str,
}

impl EditTemplate {
    fn new(state: &AppState, visit: &Viewer, found: PostForEdit) -> Self {
        let PostForEdit {
            post,
            topic,
            categories,
        } = found;
        Self {
            chrome: Chrome::new(state, visit, format!("Edit post in {}", topic.title)),
            post_id: post.id,
            post_number: post.post_number,
            title: (post.post_number == 1).then(|| topic.title.clone()),
            topic_title: topic.title.clone(),
            categories,
            category_id: topic.category_id,
            back: post_url(&topic, &post),
            raw: post.raw,
            edit_reason: String::new(),
            error: None,
            error_field: "",
        }
    }

    fn is_selected(&self, id: impl std::borrow::Borrow<CategoryId>) -> bool {
        self.category_id == *id.borrow()
    }

    fn has_children(&self, id: impl std::borrow::Borrow<CategoryId>) -> bool {
        let id = *id.borrow();
        self.categories.iter().any(|c| c.parent_id == Some(id))
    }
}

pub(crate) async fn edit_form(
    State(state): State<AppState>,
    visit: Viewer,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let found = state
        .forum
        .post_for_edit(visit.actor(), PostId(parse_id(&id)?))
        .await?;
    ok(&EditTemplate::new(&state, &visit, found))
}

#[derive(Debug, serde::Deserialize)]
pub(crate) struct EditFields {
    #[serde(default)]
    raw: String,
    title: Option<String>,
    category: Option<String>,
    #[serde(default)]
    edit_reason: String,
}

pub(crate) async fn edit(
    State(state): State<AppState>,
    visit: Viewer,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<EditFields>,
) -> Result<Response, WebError> {
    let id = PostId(parse_id(&id)?);
    let actor = visit.actor();
    let category = form
        .category
        .as_deref()
        .and_then(|c| c.trim().parse().ok())
        .map(CategoryId);
    let input = EditForm {
        raw: form.raw.clone(),
        title: form.title.clone(),
        category_id: category,
        edit_reason: form.edit_reason.clone(),
    };
    match state.forum.edit_post(actor, id, &input).await {
        Ok(post) => Ok(back_to_post(&state, &visit, &post).await),
        Err(e) => {
            let (message, field) = form_refusal(e)?;
            let found = state.forum.post_for_edit(actor, id).await?;
            let mut page = EditTemplate::new(&state, &visit, found);
            page.title = page.title.and(form.title);
            if let Some(c) = category {
                page.category_id = c;
            }
            page.raw = form.raw;
            page.edit_reason = form.edit_reason;
            page.error = Some(message);
            page.error_field = field;
            render(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

/// After a post changed: back to it, or to /latest when its topic is now hidden from the actor
/// (an author who deleted their topic's first post).
async fn back_to_post(state: &AppState, visit: &Viewer, post: &Post) -> Response {
    match state.forum.topic(visit.actor(), post.topic_id).await {
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
    /// Older versions not shown.
    earlier: i64,
}

pub(crate) async fn revisions(
    State(state): State<AppState>,
    visit: Viewer,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let history = state
        .forum
        .revisions(visit.actor(), PostId(parse_id(&id)?))
        .await?;
    let (post, topic) = (&history.post, &history.topic);
    ok(&RevisionsTemplate {
        chrome: Chrome::new(
            &state,
            &visit,
            format!("History of a post in {}", topic.title),
        ),
        post_number: post.post_number,
        version: post.version,
        topic_title: topic.title.clone(),
        back: post_url(topic, post),
        earlier: history.earlier,
        revisions: history.revisions,
    })
    .map(IntoResponse::into_response)
}

#[derive(Template)]
#[template(path = "replies.html")]
struct RepliesTemplate {
    chrome: Chrome,
    topic: Topic,
    post: PostItem,
    posts: Vec<PostItem>,
}

/// `/posts/{id}/replies`: the posts that answer one post (what "2 replies" opens; the
/// page's script shows them under the post instead).
pub(crate) async fn replies(
    State(state): State<AppState>,
    visit: Viewer,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let found = state
        .forum
        .replies(visit.actor(), PostId(parse_id(&id)?))
        .await?;
    ok(&RepliesTemplate {
        chrome: Chrome::new(
            &state,
            &visit,
            format!(
                "Replies to {}'s post in {}",
                found.post.post.username, found.topic.title
            ),
        ),
        topic: found.topic,
        post: found.post,
        posts: found.replies.items,
    })
}

#[derive(Template)]
#[template(path = "likers.html")]
struct LikersTemplate {
    chrome: Chrome,
    topic: Topic,
    post: PostItem,
    likers: Vec<MemberName>,
}

/// `/posts/{id}/likes`: who liked a post (what "2 Likes" opens; Discourse's
/// `/post_action_users` in the API).
pub(crate) async fn likers(
    State(state): State<AppState>,
    visit: Viewer,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let found = state
        .forum
        .likes(visit.actor(), PostId(parse_id(&id)?))
        .await?;
    ok(&LikersTemplate {
        chrome: Chrome::new(
            &state,
            &visit,
            format!(
                "Likes of {}'s post in {}",
                found.post.post.username, found.topic.title
            ),
        ),
        topic: found.topic,
        post: found.post,
        likers: found.likers,
    })
}
