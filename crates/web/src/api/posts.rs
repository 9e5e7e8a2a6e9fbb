//! Posts: create (a topic or a reply), read, edit, delete and recover, the newest posts, and
//! likes (`post_actions` of type 2).

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::json;
use stoa_app::{CategoryId, EditForm, NewTopicForm, PostId, ReplyForm, TopicId};

use super::shapes::{Post, avatar_template};
use super::{ApiError, Caller, Json, Params, empty, id};
use crate::AppState;

/// Discourse's post action type for a like, the only one Stoa has.
const LIKE: i64 = 2;

/// One post as the API shows it to this caller, `raw` included.
async fn post_json(state: &AppState, caller: &Caller, post: PostId) -> Result<Post, ApiError> {
    let (batch, topic) = state.forum.post_item(caller.actor(), post).await?;
    let item = batch.items.first().ok_or_else(ApiError::not_found)?;
    Ok(Post::new(
        item,
        &topic.slug,
        batch.author_posts(item.post.user_id),
        caller.user.as_ref(),
        true,
    ))
}

/// `POST /posts(.json)`: with `topic_id` a reply, otherwise a new topic (`title`, `raw`,
/// `category`). Answers the new post itself, or `{"post": …}` with `nested_post`.
pub(crate) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    params: Params,
) -> Result<Response, ApiError> {
    let raw = params.require(&["raw"])?;
    let actor = caller.actor();
    let post_id = match params.int(&["topic_id"])? {
        Some(topic) => {
            let form = ReplyForm {
                raw,
                reply_to_post_number: params.int(&["reply_to_post_number"])?,
            };
            state
                .forum
                .reply(actor, TopicId(topic), &form)
                .await
                .map_err(|e| ApiError::from(e).action("create_post"))?
                .0
        }
        None => {
            let category = match params.int(&["category"])? {
                Some(c) => Some(c),
                None => params.int(&["category_id"])?,
            };
            let form = NewTopicForm {
                title: params.text(&["title"]).unwrap_or_default(),
                raw,
                category_id: category.map(CategoryId),
            };
            state
                .forum
                .create_topic(actor, &form)
                .await
                .map_err(|e| ApiError::from(e).action("create_post"))?
                .1
        }
    };
    let post = post_json(&state, &caller, post_id).await?;
    if params.flag(&["nested_post"]) {
        return Ok(Json(json!({ "post": post })).into_response());
    }
    Ok(Json(post).into_response())
}

/// `GET /posts/{id}.json`.
pub(crate) async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(post): Path<String>,
) -> Result<Response, ApiError> {
    let post = post_json(&state, &caller, PostId(id(&post)?)).await?;
    Ok(Json(post).into_response())
}

/// `GET /posts/by_number/{topic_id}/{post_number}`.
pub(crate) async fn by_number(
    State(state): State<AppState>,
    caller: Caller,
    Path((topic, number)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let row = state
        .forum
        .post_by_number(caller.actor(), TopicId(id(&topic)?), id(&number)?)
        .await?;
    let post = post_json(&state, &caller, PostId(row.id)).await?;
    Ok(Json(post).into_response())
}

/// `PUT /posts/{id}` with `post[raw]` (and `post[edit_reason]`, not kept): `{"post": …}`.
pub(crate) async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(post): Path<String>,
    params: Params,
) -> Result<Response, ApiError> {
    let post = PostId(id(&post)?);
    let raw = match params.text(&["post", "raw"]) {
        Some(raw) => raw,
        None => params
            .require(&["raw"])
            .map_err(|_| ApiError::missing("post"))?,
    };
    let form = EditForm {
        raw,
        title: params
            .text(&["post", "title"])
            .or_else(|| params.text(&["title"])),
    };
    state.forum.edit_post(caller.actor(), post, &form).await?;
    let post = post_json(&state, &caller, post).await?;
    Ok(Json(json!({ "post": post })).into_response())
}

/// `DELETE /posts/{id}`: a soft delete (the first post deletes its topic); an empty 200.
pub(crate) async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(post): Path<String>,
) -> Result<Response, ApiError> {
    state
        .forum
        .delete_post(caller.actor(), PostId(id(&post)?))
        .await?;
    Ok(empty())
}

/// `PUT /posts/{id}/recover`: restores a deleted post; answers it.
pub(crate) async fn recover(
    State(state): State<AppState>,
    caller: Caller,
    Path(post): Path<String>,
) -> Result<Response, ApiError> {
    let post = PostId(id(&post)?);
    state.forum.restore_post(caller.actor(), post).await?;
    Ok(Json(post_json(&state, &caller, post).await?).into_response())
}

/// A post in `latest_posts`: the post and its topic's title.
#[derive(Debug, Serialize)]
struct LatestPostJson {
    #[serde(flatten)]
    post: Post,
    topic_title: String,
    topic_html_title: String,
    category_id: i64,
    excerpt: String,
    truncated: bool,
}

/// `GET /posts.json[?before=ID]`: the newest 50 posts with ids below `before`.
pub(crate) async fn latest(
    State(state): State<AppState>,
    caller: Caller,
    params: Params,
) -> Result<Response, ApiError> {
    let before = params.int(&["before"])?;
    let (latest, batch) = state.forum.latest_posts(caller.actor(), before).await?;
    let posts: Vec<LatestPostJson> = latest
        .iter()
        .map(|l| {
            let (excerpt, truncated) = stoa_app::excerpt(&l.post.post.raw);
            LatestPostJson {
                post: Post::new(
                    &l.post,
                    &l.topic_slug,
                    batch.author_posts(l.post.post.user_id),
                    caller.user.as_ref(),
                    true,
                ),
                topic_html_title: super::shapes::fancy(&l.topic_title),
                topic_title: l.topic_title.clone(),
                category_id: l.category_id,
                excerpt,
                truncated,
            }
        })
        .collect();
    Ok(Json(json!({ "latest_posts": posts })).into_response())
}

fn like_type(params: &Params) -> Result<(), ApiError> {
    match params.int(&["post_action_type_id"])? {
        Some(LIKE) => Ok(()),
        Some(_) => Err(ApiError::bad_param(
            "Only likes (post_action_type_id 2) are supported",
        )),
        None => Err(ApiError::missing("post_action_type_id")),
    }
}

/// `POST /post_actions` with `id` (the post) and `post_action_type_id=2`: likes the post and
/// answers it with its new `actions_summary`.
pub(crate) async fn act(
    State(state): State<AppState>,
    caller: Caller,
    params: Params,
) -> Result<Response, ApiError> {
    let post = params
        .int(&["id"])?
        .ok_or_else(|| ApiError::missing("id"))?;
    like_type(&params)?;
    state
        .forum
        .set_like(caller.actor(), PostId(post), true)
        .await?;
    Ok(Json(post_json(&state, &caller, PostId(post)).await?).into_response())
}

/// `DELETE /post_actions/{post_id}?post_action_type_id=2`: unlikes; answers the post.
pub(crate) async fn undo_action(
    State(state): State<AppState>,
    caller: Caller,
    Path(post): Path<String>,
    params: Params,
) -> Result<Response, ApiError> {
    let post = PostId(id(&post)?);
    like_type(&params)?;
    state.forum.set_like(caller.actor(), post, false).await?;
    Ok(Json(post_json(&state, &caller, post).await?).into_response())
}

#[derive(Debug, Serialize)]
struct ActionUser {
    id: i64,
    username: String,
    name: Option<String>,
    avatar_template: String,
    username_lower: String,
}

/// `GET /post_action_users?id=…&post_action_type_id=2`: who liked a post.
pub(crate) async fn action_users(
    State(state): State<AppState>,
    caller: Caller,
    params: Params,
) -> Result<Response, ApiError> {
    let post = params
        .int(&["id"])?
        .ok_or_else(|| ApiError::missing("id"))?;
    like_type(&params)?;
    let likers = state.forum.likers(caller.actor(), PostId(post)).await?;
    let users: Vec<ActionUser> = likers
        .into_iter()
        .map(|u| ActionUser {
            id: u.id,
            avatar_template: avatar_template(&u.username),
            username_lower: u.username.to_lowercase(),
            name: Some(u.name).filter(|n| !n.is_empty()),
            username: u.username,
        })
        .collect();
    Ok(Json(json!({
        "total_rows_post_action_users": users.len(),
        "post_action_users": users,
    }))
    .into_response())
}
