//! Posts: create (a topic or a reply), read, edit, delete and recover, the newest posts, and
//! likes (`post_actions` of type 2).

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use stoa_app::{CategoryId, EditForm, NewTopicForm, PostId, ReplyForm, TopicId};

use super::shapes::*;
use super::{ApiError, Caller, Json, Params, Seg, empty, id};
use crate::AppState;

/// Discourse's post action type for a like, the only one Stoa has.
const LIKE: i64 = 2;

/// One post as the API shows it to this caller, `raw` included.
async fn post_json(state: &AppState, caller: &Caller, post: PostId) -> Result<PostJson, ApiError> {
    let (batch, topic) = state.forum.post_item(caller.actor(), post).await?;
    let item = batch.items.first().ok_or_else(ApiError::not_found)?;
    Ok(PostJson::new(
        item,
        &topic.slug,
        batch.author_posts(item.post.user_id),
        caller.user.as_ref(),
        true,
    ))
}

/// Starts a topic (`title`, `raw`, `category`) or, with `topic_id`, replies (optionally to
/// `reply_to_post_number`). Form or JSON body; also `POST /posts`.
#[utoipa::path(post, path = "/posts.json", tag = "posts",
    request_body(content(
        (NewPostRequest = "application/json"),
        (NewPostRequest = "application/x-www-form-urlencoded"))),
    responses((status = 200, body = CreatedPostJson)))]
pub(crate) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    params: Params,
) -> Result<Response, ApiError> {
    let raw = params.require(&["raw"])?;
    let actor = caller.actor();
    let posted = match params.int(&["topic_id"])? {
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
                // Recipients without an archetype are a private message too.
                archetype: params.text(&["archetype"]).or_else(|| {
                    (params.text(&["target_recipients"]).is_some()
                        || params.text(&["target_usernames"]).is_some())
                    .then(|| "private_message".to_owned())
                }),
            };
            state
                .forum
                .create_topic(actor, &form)
                .await
                .map_err(|e| ApiError::from(e).action("create_post"))?
        }
    };
    let post = Box::new(post_json(&state, &caller, posted.post_id).await?);
    if params.flag(&["nested_post"]) {
        return Ok(Json(CreatedPostJson::Nested { post }).into_response());
    }
    Ok(Json(CreatedPostJson::Post(post)).into_response())
}

/// One post, with its Markdown (`raw`). Deleted posts only for staff.
#[utoipa::path(get, path = "/posts/{id}.json", tag = "posts",
    params(("id" = i64, Path)), responses((status = 200, body = PostJson)))]
pub(crate) async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Seg(post): Seg<String>,
) -> Result<Response, ApiError> {
    let post = post_json(&state, &caller, PostId(id(&post)?)).await?;
    Ok(Json(post).into_response())
}

/// The posts that answer one post, in order (Discourse's `GET /posts/{id}/replies`): a list
/// of posts in the shape of `GET /posts/{id}.json`.
#[utoipa::path(get, path = "/posts/{id}/replies.json", tag = "posts",
    params(("id" = i64, Path)), responses((status = 200, body = Vec<PostJson>)))]
pub(crate) async fn replies(
    State(state): State<AppState>,
    caller: Caller,
    Seg(post): Seg<String>,
) -> Result<Response, ApiError> {
    let found = state
        .forum
        .replies(caller.actor(), PostId(id(&post)?))
        .await?;
    let posts: Vec<PostJson> = found
        .replies
        .items
        .iter()
        .map(|item| {
            PostJson::new(
                item,
                &found.topic.slug,
                found.replies.author_posts(item.post.user_id),
                caller.user.as_ref(),
                false,
            )
        })
        .collect();
    Ok(Json(posts).into_response())
}

/// Post `post_number` of a topic (also without `.json`, with `Accept: application/json`).
#[utoipa::path(get, path = "/posts/by_number/{topic_id}/{post_number}.json", tag = "posts",
    params(("topic_id" = i64, Path), ("post_number" = i64, Path)),
    responses((status = 200, body = PostJson)))]
pub(crate) async fn by_number(
    State(state): State<AppState>,
    caller: Caller,
    Seg((topic, number)): Seg<(String, String)>,
) -> Result<Response, ApiError> {
    let row = state
        .forum
        .post_by_number(caller.actor(), TopicId(id(&topic)?), id(&number)?)
        .await?;
    let post = post_json(&state, &caller, row.id).await?;
    Ok(Json(post).into_response())
}

/// Replaces a post's Markdown (`post[raw]`, with `post[edit_reason]` kept in the history);
/// the old text becomes a revision. Also `PUT /posts/{id}`.
#[utoipa::path(put, path = "/posts/{id}.json", tag = "posts",
    params(("id" = i64, Path)),
    request_body(content(
        (EditPostRequest = "application/json"),
        (EditPostRequest = "application/x-www-form-urlencoded"))),
    responses((status = 200, body = PostEnvelope)))]
pub(crate) async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Seg(post): Seg<String>,
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
        category_id: None,
        edit_reason: params
            .text(&["post", "edit_reason"])
            .or_else(|| params.text(&["edit_reason"]))
            .unwrap_or_default(),
    };
    state.forum.edit_post(caller.actor(), post, &form).await?;
    let post = post_json(&state, &caller, post).await?;
    Ok(Json(PostEnvelope::new(post)).into_response())
}

/// Soft-deletes a post (the first post deletes its topic); an empty 200. Also
/// `DELETE /posts/{id}`.
#[utoipa::path(delete, path = "/posts/{id}.json", tag = "posts",
    params(("id" = i64, Path)),
    responses((status = 200, description = "Deleted: an empty body")))]
pub(crate) async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Seg(post): Seg<String>,
) -> Result<Response, ApiError> {
    state
        .forum
        .delete_post(caller.actor(), PostId(id(&post)?))
        .await?;
    Ok(empty())
}

/// Restores a soft-deleted post (staff, or its author); answers it.
#[utoipa::path(put, path = "/posts/{id}/recover.json", tag = "posts",
    params(("id" = i64, Path)), responses((status = 200, body = PostJson)))]
pub(crate) async fn recover(
    State(state): State<AppState>,
    caller: Caller,
    Seg(post): Seg<String>,
) -> Result<Response, ApiError> {
    let post = PostId(id(&post)?);
    state.forum.restore_post(caller.actor(), post).await?;
    Ok(Json(post_json(&state, &caller, post).await?).into_response())
}

/// The newest 50 posts the caller may see, with ids below `before`, newest first.
#[utoipa::path(get, path = "/posts.json", tag = "posts",
    params(("before" = Option<i64>, Query)),
    responses((status = 200, body = LatestPostsJson)))]
pub(crate) async fn latest(
    State(state): State<AppState>,
    caller: Caller,
    params: Params,
) -> Result<Response, ApiError> {
    let before = params.int(&["before"])?.map(PostId);
    let (latest, batch) = state.forum.latest_posts(caller.actor(), before).await?;
    let viewer = caller.user.as_ref();
    Ok(Json(LatestPostsJson::new(&latest, &batch, viewer)).into_response())
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

/// Likes a post (`post_action_type_id` 2, the only action Stoa has; not one's own post);
/// answers the post with its new `actions_summary`. Also `POST /post_actions`.
#[utoipa::path(post, path = "/post_actions.json", tag = "posts",
    request_body(content(
        (PostActionRequest = "application/json"),
        (PostActionRequest = "application/x-www-form-urlencoded"))),
    responses((status = 200, body = PostJson)))]
pub(crate) async fn act(
    State(state): State<AppState>,
    caller: Caller,
    params: Params,
) -> Result<Response, ApiError> {
    let post = params.require_int("id")?;
    like_type(&params)?;
    state
        .forum
        .set_like(caller.actor(), PostId(post), true)
        .await?;
    Ok(Json(post_json(&state, &caller, PostId(post)).await?).into_response())
}

/// Takes a like back; answers the post.
#[utoipa::path(delete, path = "/post_actions/{id}.json", tag = "posts",
    params(("id" = i64, Path, description = "the post"), ("post_action_type_id" = i64, Query, minimum = 2, maximum = 2)),
    responses((status = 200, body = PostJson)))]
pub(crate) async fn undo_action(
    State(state): State<AppState>,
    caller: Caller,
    Seg(post): Seg<String>,
    params: Params,
) -> Result<Response, ApiError> {
    let post = PostId(id(&post)?);
    like_type(&params)?;
    state.forum.set_like(caller.actor(), post, false).await?;
    Ok(Json(post_json(&state, &caller, post).await?).into_response())
}

/// Who liked a post, in the order they did (also without `.json`).
#[utoipa::path(get, path = "/post_action_users.json", tag = "posts",
    params(("id" = i64, Query, description = "the post"), ("post_action_type_id" = i64, Query, minimum = 2, maximum = 2)),
    responses((status = 200, body = PostActionUsersJson)))]
pub(crate) async fn action_users(
    State(state): State<AppState>,
    caller: Caller,
    params: Params,
) -> Result<Response, ApiError> {
    let post = params.require_int("id")?;
    like_type(&params)?;
    let likers = state.forum.likers(caller.actor(), PostId(post)).await?;
    Ok(Json(PostActionUsersJson::new(likers)).into_response())
}

// What the OpenAPI document says this resource's requests carry.

/// A new topic (`title`, `raw`, `category`) or a reply (`topic_id`, `raw`,
/// `reply_to_post_number`). Form bodies use the same names.
#[expect(dead_code, reason = "read only by utoipa's derive, for the schema")]
#[derive(Debug, utoipa::ToSchema)]
pub(crate) struct NewPostRequest {
    /// The post's Markdown.
    raw: String,
    /// For a new topic.
    title: Option<String>,
    /// The category id, for a new topic (`category_id` is read too).
    category: Option<i64>,
    /// Replies to this topic when given.
    topic_id: Option<i64>,
    /// The post this reply answers.
    reply_to_post_number: Option<i64>,
    /// Answer `{"post": …}` instead of the bare post.
    nested_post: Option<bool>,
}

#[expect(dead_code, reason = "read only by utoipa's derive, for the schema")]
#[derive(Debug, utoipa::ToSchema)]
pub(crate) struct EditedPost {
    raw: String,
    /// Why it was edited: kept with the revision and shown in the post's history.
    edit_reason: Option<String>,
}

/// `{"post": {"raw": …}}`; as a form, `post[raw]=…`.
#[expect(dead_code, reason = "read only by utoipa's derive, for the schema")]
#[derive(Debug, utoipa::ToSchema)]
pub(crate) struct EditPostRequest {
    post: EditedPost,
}

#[expect(dead_code, reason = "read only by utoipa's derive, for the schema")]
#[derive(Debug, utoipa::ToSchema)]
pub(crate) struct PostActionRequest {
    /// The post.
    id: i64,
    /// 2, a like: the only action Stoa has.
    #[schema(minimum = 2, maximum = 2)]
    post_action_type_id: i64,
}
