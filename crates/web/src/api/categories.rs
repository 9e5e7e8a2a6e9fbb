//! Categories: the list, creating one, a category's topics, the member's level for one.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use stoa_app::{Actor, CategoryForm, CategoryId, Followed, Part};

use super::shapes::*;
use super::topics::page_param;
use super::{ApiError, Caller, Json, Params, Seg, id};
use crate::AppState;
use crate::cache::Fresh;
use crate::paths;

/// Categories as this caller sees them: top-level ones, each with its subcategories.
pub(crate) async fn shaped(
    state: &AppState,
    actor: Actor,
    all: &[stoa_app::Category],
) -> Result<Vec<CategoryJson>, ApiError> {
    let levels = state.forum.category_levels(actor).await?;
    let access = |c: &stoa_app::Category| {
        let can = state.forum.category_can(actor, c);
        CategoryAccess {
            can_post: can.create_topic,
            can_edit: can.edit,
            notification_level: levels.get(&c.id).map_or(1, |l| l.id()),
        }
    };
    Ok(all
        .iter()
        .map(|c| CategoryJson::new(c, all, access(c)))
        .collect())
}

/// The categories the caller may see: top-level ones, each with its children in
/// `subcategory_list`.
#[utoipa::path(get, path = "/categories.json", tag = "categories",
    responses((status = 200, body = CategoryListEnvelope)))]
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Response, ApiError> {
    let actor = caller.actor();
    let all = state.forum.categories(actor).await?;
    let shaped = shaped(&state, actor, &all).await?;
    let can = state.forum.site_can(actor);
    let json = Json(CategoryListEnvelope::tree(
        shaped,
        can.create_category,
        can.create_topic,
    ));
    // Its counts move with every topic's posts.
    Ok(Fresh::of(&[Part::Lists, Part::Site]).on(json.into_response()))
}

/// Creates a category (admins): `name`, `color`, `text_color`, `description`,
/// `parent_category_id`, `permissions[group]=level` (groups without `everyone` make it
/// staff-only). Also `POST /categories`.
#[utoipa::path(post, path = "/categories.json", tag = "categories",
    request_body(content(
        (NewCategoryRequest = "application/json"),
        (NewCategoryRequest = "application/x-www-form-urlencoded"))),
    responses((status = 200, body = CategoryEnvelope)))]
pub(crate) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    params: Params,
) -> Result<Response, ApiError> {
    let actor = caller.actor();
    let permissions = params.get(&["permissions"]).and_then(|p| p.as_object());
    let read_restricted = permissions.is_some_and(|p| !p.is_empty() && !p.contains_key("everyone"));
    let form = CategoryForm {
        name: params.require(&["name"])?,
        description: params.text(&["description"]).unwrap_or_default(),
        parent_id: params.int(&["parent_category_id"])?.map(CategoryId),
        read_restricted,
        color: params.text(&["color"]),
        text_color: params.text(&["text_color"]),
    };
    let id = state.forum.create_category(actor, &form).await?;
    let all = state.forum.categories(actor).await?;
    let mut shaped = shaped(&state, actor, &all).await?;
    let category = shaped
        .drain(..)
        .find(|c| c.id() == id)
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(CategoryEnvelope::new(category)).into_response())
}

async fn topics_in(
    state: &AppState,
    caller: &Caller,
    category: i64,
    params: &Params,
) -> Result<Response, ApiError> {
    let actor = caller.actor();
    let c = state.forum.category(actor, CategoryId(category)).await?;
    let page = page_param(params)?;
    let list = state
        .forum
        .topic_list(actor, Some(c.id), None, page)
        .await?;
    let more = list
        .more
        .then(|| format!("{}?page={page}", paths::category(&c.slug, c.id)));
    let json = Json(TopicListPageJson::new(
        &list.topics,
        state.forum.site_can(caller.actor()).create_topic,
        more,
    ));
    Ok(Fresh::of(&[Part::Category(c.id), Part::Site]).on(json.into_response()))
}

/// A category's topics, newest activity first (0-based `page`).
#[utoipa::path(get, path = "/c/{id}.json", tag = "categories",
    params(("id" = i64, Path), ("page" = Option<i64>, Query)),
    responses((status = 200, body = TopicListPageJson)))]
pub(crate) async fn topics_by_id(
    State(state): State<AppState>,
    caller: Caller,
    Seg(category): Seg<String>,
    params: Params,
) -> Result<Response, ApiError> {
    topics_in(&state, &caller, id(&category)?, &params).await
}

/// The same list with the slug in the path (any slug: the id decides).
#[utoipa::path(get, path = "/c/{slug}/{id}.json", tag = "categories",
    params(("slug" = String, Path), ("id" = i64, Path), ("page" = Option<i64>, Query)),
    responses((status = 200, body = TopicListPageJson)))]
pub(crate) async fn topics(
    State(state): State<AppState>,
    caller: Caller,
    Seg((_slug, category)): Seg<(String, String)>,
    params: Params,
) -> Result<Response, ApiError> {
    topics_in(&state, &caller, id(&category)?, &params).await
}

/// One category (pydiscourse's `category()`).
#[utoipa::path(get, path = "/c/{id}/show.json", tag = "categories",
    params(("id" = i64, Path)), responses((status = 200, body = CategoryEnvelope)))]
pub(crate) async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Seg(category): Seg<String>,
) -> Result<Response, ApiError> {
    let actor = caller.actor();
    let wanted = state
        .forum
        .category(actor, CategoryId(id(&category)?))
        .await?;
    let all = state.forum.categories(actor).await?;
    let category = shaped(&state, actor, &all)
        .await?
        .into_iter()
        .find(|c| c.id() == wanted.id)
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(CategoryEnvelope::new(category)).into_response())
}

/// The member's notification level for a category (0–3).
#[utoipa::path(post, path = "/category/{id}/notifications.json", tag = "categories",
    params(("id" = i64, Path)),
    request_body(content = super::shapes::LevelRequest, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, body = super::shapes::SuccessJson)))]
pub(crate) async fn set_notification_level(
    State(state): State<AppState>,
    caller: Caller,
    Seg(category): Seg<String>,
    params: Params,
) -> Result<Response, ApiError> {
    let category = CategoryId(id(&category)?);
    let level = params.require_int("notification_level")?;
    state
        .forum
        .set_notification_level(caller.actor(), Followed::Category(category), level)
        .await?;
    Ok(Json(super::shapes::SuccessJson::ok()).into_response())
}

// What the OpenAPI document says this resource's requests carry.

#[expect(dead_code, reason = "read only by utoipa's derive, for the schema")]
#[derive(Debug, utoipa::ToSchema)]
pub(crate) struct NewCategoryRequest {
    name: String,
    /// Six hex digits (or three), with or without `#`.
    #[schema(pattern = "^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")]
    color: Option<String>,
    #[schema(pattern = "^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")]
    text_color: Option<String>,
    description: Option<String>,
    parent_category_id: Option<i64>,
    /// Who may see it (`permissions[everyone]=1`); without `everyone` it is staff-only.
    permissions: Option<Permissions>,
}

/// Group name to permission level (1 full, 2 create posts, 3 read only); Stoa reads only
/// whether `everyone` is there.
#[expect(dead_code, reason = "read only by utoipa's derive, for the schema")]
#[derive(Debug, utoipa::ToSchema)]
pub(crate) struct Permissions {
    everyone: Option<i64>,
    staff: Option<i64>,
    admins: Option<i64>,
}
