//! Topic lists and the category index.

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::http::header::LOCATION;
use axum::response::{IntoResponse, Response};
use stoa_app::CategoryId;
use stoa_app::db::categories::CategoryRow;
use stoa_app::db::topics::TopicListRow;

use super::{Chrome, PageQuery, ok, parse_id, query};
use crate::AppState;
use crate::context::Viewer;
use crate::error::WebError;

#[derive(Template)]
#[template(path = "latest.html")]
struct LatestPage {
    chrome: Chrome,
    heading: String,
    category: Option<CategoryRow>,
    topics: Vec<TopicListRow>,
    page: i64,
    more: bool,
    base_url: String,
    show_new: bool,
}

pub(crate) async fn latest(
    State(state): State<AppState>,
    visit: Viewer,
    RawQuery(q): RawQuery,
) -> Result<Response, WebError> {
    let page = query::<PageQuery>(q).page();
    let list = state
        .forum
        .topic_list(visit.actor(), None, None, page)
        .await?;
    ok(&LatestPage {
        chrome: Chrome::new(&state, &visit, "Latest topics"),
        heading: "Latest".into(),
        category: None,
        show_new: visit.user.is_some(),
        topics: list.topics,
        page: list.page,
        more: list.more,
        base_url: "/latest".into(),
    })
}

pub(crate) async fn category(
    State(state): State<AppState>,
    visit: Viewer,
    Path((slug, id)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> Result<Response, WebError> {
    let id = CategoryId(parse_id(&id)?);
    let category = state.forum.category(id).await?;
    if category.slug != slug {
        let to = format!("/c/{}/{}", category.slug, category.id);
        return Ok((StatusCode::MOVED_PERMANENTLY, [(LOCATION, to)]).into_response());
    }
    let page = query::<PageQuery>(q).page();
    let list = state
        .forum
        .topic_list(visit.actor(), Some(id), None, page)
        .await?;
    ok(&LatestPage {
        chrome: Chrome::new(&state, &visit, category.name.clone()),
        heading: category.name.clone(),
        base_url: format!("/c/{}/{}", category.slug, category.id),
        category: Some(category),
        show_new: visit.user.is_some(),
        topics: list.topics,
        page: list.page,
        more: list.more,
    })
}

#[derive(Template)]
#[template(path = "categories.html")]
struct CategoriesPage {
    chrome: Chrome,
    categories: Vec<CategoryRow>,
}

pub(crate) async fn categories(
    State(state): State<AppState>,
    visit: Viewer,
) -> Result<Response, WebError> {
    let categories = state.forum.categories().await?;
    ok(&CategoriesPage {
        chrome: Chrome::new(&state, &visit, "Categories"),
        categories,
    })
}
