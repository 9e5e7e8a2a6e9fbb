//! Actions on one post: edit, delete, restore, like, its history, its permalink.

use askama::Template;
use axum::extract::{MatchedPath, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use stoa_app::{Category, MemberName, Post, Topic};
use stoa_app::{CategoryId, EditForm, PostForEdit, PostId, PostItem, Revision};

use super::topic::form_refusal;
use super::{Chrome, NoFields, ok, parse_id, render, see_other};
use crate::AppState;
use crate::context::{CsrfForm, Viewer};
use crate::error::WebError;
use crate::paths;

fn post_url(topic: &Topic, post: &Post) -> String {
    paths::post_anchored(&topic.slug, topic.id, post.post_number)
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
        Ok(post) => back_to_post(&state, &visit, &post).await,
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
async fn back_to_post(state: &AppState, visit: &Viewer, post: &Post) -> Result<Response, WebError> {
    match state.forum.topic(visit.actor(), post.topic_id).await {
        Ok(topic) => Ok(see_other(&post_url(&topic, post))),
        Err(e) if e.is_not_found() => Ok(see_other("/latest")),
        Err(e) => Err(e.into()),
    }
}

/// `/posts/{id}/delete` and `/posts/{id}/restore` (which one is the path's); then back to the
/// post.
pub(crate) async fn delete_or_restore(
    State(state): State<AppState>,
    visit: Viewer,
    path: MatchedPath,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, WebError> {
    let id = PostId(parse_id(&id)?);
    let post = if path.as_str().ends_with("/restore") {
        state.forum.restore_post(visit.actor(), id).await?
    } else {
        state.forum.delete_post(visit.actor(), id).await?
    };
    back_to_post(&state, &visit, &post).await
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

/// The page about one post: the posts that answer it (what "2 replies" opens), or who liked
/// it (what "2 Likes" opens). The page's script shows either under the post instead.
#[derive(Template)]
#[template(path = "about_post.html")]
struct AboutPostTemplate {
    chrome: Chrome,
    topic: Topic,
    post: PostItem,
    list: AboutPost,
}

enum AboutPost {
    Replies(Vec<PostItem>),
    Likers(Vec<MemberName>),
}

impl AboutPost {
    fn lead(&self) -> &'static str {
        match self {
            AboutPost::Replies(_) => "Replies to",
            AboutPost::Likers(_) => "Who liked",
        }
    }

    fn class(&self) -> &'static str {
        match self {
            AboutPost::Replies(_) => "replies-page",
            AboutPost::Likers(_) => "likers-page",
        }
    }
}

fn about_post(
    state: &AppState,
    visit: &Viewer,
    topic: Topic,
    post: PostItem,
    list: AboutPost,
) -> Result<Response, WebError> {
    let what = match list {
        AboutPost::Replies(_) => "Replies to",
        AboutPost::Likers(_) => "Likes of",
    };
    let title = format!("{what} {}'s post in {}", post.post.username, topic.title);
    ok(&AboutPostTemplate {
        chrome: Chrome::new(state, visit, title),
        topic,
        post,
        list,
    })
}

/// `/posts/{id}/replies`: the posts that answer one post.
pub(crate) async fn replies(
    State(state): State<AppState>,
    visit: Viewer,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let id = PostId(parse_id(&id)?);
    let found = state.forum.replies(visit.actor(), id).await?;
    let list = AboutPost::Replies(found.replies.items);
    about_post(&state, &visit, found.topic, found.post, list)
}

/// `/posts/{id}/likes`: who liked a post (Discourse's `/post_action_users` in the API).
pub(crate) async fn likers(
    State(state): State<AppState>,
    visit: Viewer,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let id = PostId(parse_id(&id)?);
    let found = state.forum.likes(visit.actor(), id).await?;
    let list = AboutPost::Likers(found.likers);
    about_post(&state, &visit, found.topic, found.post, list)
}
