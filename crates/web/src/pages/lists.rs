//! Topic lists and the category index.

use askama::Template;
use axum::extract::{MatchedPath, Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use stoa_app::Category;
use stoa_app::TopicSummary;
use stoa_app::{CategoryForm, CategoryId, ListTab, Part, TopPeriod};

use super::topic::form_refusal;
use super::{Chrome, PageQuery, moved, ok, parse_id, query, render, see_other};
use crate::AppState;
use crate::cache::Fresh;
use crate::context::{CsrfForm, Viewer};
use crate::error::WebError;
use crate::paths;

#[derive(Template)]
#[template(path = "latest.html")]
struct LatestPage {
    chrome: Chrome,
    heading: String,
    category: Option<Category>,
    topics: Vec<TopicSummary>,
    page: i64,
    more: bool,
    base_url: String,
    show_new: bool,
    /// The member's level for the category shown (None: not a category page, or a visitor).
    category_level: Option<stoa_app::NotificationLevel>,
    /// The viewer may edit the category shown.
    can_edit: bool,
    /// Whether the "New topic" button shows.
    can_create_topic: bool,
    /// Latest, New, Unread, Top (not on a category's page).
    tabs: Option<Tabs>,
}

/// The tabs above the lists, and which one is open.
pub(crate) struct Tabs {
    pub current: &'static str,
    /// New and Unread are a member's.
    pub member: bool,
    /// On Top: the period shown, and the others to choose from.
    pub period: Option<TopPeriod>,
}

impl Tabs {
    pub fn periods(&self) -> [TopPeriod; 6] {
        TopPeriod::ALL
    }
}

#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct ListQuery {
    page: Option<String>,
    period: Option<String>,
}

/// `/latest` (and `/`), `/new`, `/unread`, `/top?period=…`: one of the lists, 30 topics a
/// page; which one is the path's.
pub(crate) async fn tab(
    State(state): State<AppState>,
    visit: Viewer,
    path: MatchedPath,
    RawQuery(q): RawQuery,
) -> Result<Response, WebError> {
    let name = match path.as_str() {
        "/new" => "new",
        "/unread" => "unread",
        "/top" => "top",
        _ => "latest",
    };
    let query = query::<ListQuery>(q);
    let page = PageQuery {
        page: query.page.clone(),
    }
    .page();
    let period = query
        .period
        .as_deref()
        .and_then(TopPeriod::parse)
        .unwrap_or_default();
    let (list_tab, heading, title) = match name {
        "new" => (ListTab::New, "New", "New topics".to_owned()),
        "unread" => (ListTab::Unread, "Unread", "Unread topics".to_owned()),
        "top" => (
            ListTab::Top(period),
            "Top",
            format!("Top topics: {}", period.label().to_lowercase()),
        ),
        _ => (ListTab::Latest, "Latest", "Latest topics".to_owned()),
    };
    let list = state.forum.list_tab(visit.actor(), list_tab, page).await?;
    let base_url = match list_tab {
        ListTab::Top(p) => format!("/top?period={}&", p.name()),
        _ => format!("/{name}?"),
    };
    let page = ok(&LatestPage {
        chrome: Chrome::new(&state, &visit, title),
        heading: heading.into(),
        category: None,
        show_new: visit.user.is_some(),
        topics: list.topics,
        page: list.page,
        more: list.more,
        base_url,
        category_level: None,
        can_edit: false,
        can_create_topic: state.forum.site_can(visit.actor()).create_topic,
        tabs: Some(Tabs {
            current: name,
            member: visit.user.is_some(),
            period: matches!(list_tab, ListTab::Top(_)).then_some(period),
        }),
    })?;
    Ok(Fresh::of(&[Part::Lists, Part::Site]).on(page))
}

/// `/c/{id}` or `/c/{slug}`, Discourse's short links: move to the category's page.
pub(crate) async fn category_short(
    State(state): State<AppState>,
    visit: Viewer,
    Path(slug): Path<String>,
) -> Result<Response, WebError> {
    let category = match parse_id(&slug) {
        Ok(id) => state.forum.category(visit.actor(), CategoryId(id)).await?,
        Err(_) => {
            state
                .forum
                .category_by_slug(visit.actor(), None, &slug)
                .await?
        }
    };
    Ok(moved(&paths::category(&category.slug, category.id)))
}

/// `/c/{parent}/{slug}/{id}`, a subcategory's address on Discourse: the id decides.
pub(crate) async fn category_long(
    State(state): State<AppState>,
    visit: Viewer,
    Path((_parent, _slug, id)): Path<(String, String, String)>,
) -> Result<Response, WebError> {
    let category = state
        .forum
        .category(visit.actor(), CategoryId(parse_id(&id)?))
        .await?;
    Ok(moved(&paths::category(&category.slug, category.id)))
}

/// `/c/{slug}/{id}`: a category's topics. `/c/{parent}/{child}` (two slugs) is Discourse's
/// subcategory link and moves here.
pub(crate) async fn category(
    State(state): State<AppState>,
    visit: Viewer,
    Path((slug, id)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> Result<Response, WebError> {
    let Ok(id) = parse_id(&id) else {
        let category = state
            .forum
            .category_by_slug(visit.actor(), Some(&slug), &id)
            .await?;
        return Ok(moved(&paths::category(&category.slug, category.id)));
    };
    let id = CategoryId(id);
    let category = state.forum.category(visit.actor(), id).await?;
    if category.slug != slug {
        return Ok(moved(&paths::category(&category.slug, category.id)));
    }
    let page = query::<PageQuery>(q).page();
    let list = state
        .forum
        .topic_list(visit.actor(), Some(id), None, page)
        .await?;
    let category_level = match visit.user {
        Some(_) => Some(
            state
                .forum
                .category_notification_level(visit.actor(), id)
                .await?,
        ),
        None => None,
    };
    let can = state.forum.category_can(visit.actor(), &category);
    let page = ok(&LatestPage {
        category_level,
        can_edit: can.edit,
        can_create_topic: can.create_topic,
        chrome: Chrome::new(&state, &visit, category.name.clone()),
        heading: category.name.clone(),
        base_url: format!("{}?", paths::category(&category.slug, category.id)),
        tabs: None,
        category: Some(category),
        show_new: visit.user.is_some(),
        topics: list.topics,
        page: list.page,
        more: list.more,
    })?;
    Ok(Fresh::of(&[Part::Category(id), Part::Site]).on(page))
}

#[derive(Template)]
#[template(path = "categories.html")]
struct CategoriesPage {
    chrome: Chrome,
    /// Top-level categories, each with its subcategories.
    tree: Vec<(Category, Vec<Category>)>,
    can_create: bool,
    form: CategoryFields,
    error: Option<String>,
    error_field: &'static str,
}

fn tree(all: Vec<Category>) -> Vec<(Category, Vec<Category>)> {
    let (top, subs): (Vec<_>, Vec<_>) = all.into_iter().partition(|c| c.parent_id.is_none());
    top.into_iter()
        .map(|c| {
            let children = subs
                .iter()
                .filter(|s| s.parent_id == Some(c.id))
                .cloned()
                .collect();
            (c, children)
        })
        .collect()
}

async fn categories_page(
    state: &AppState,
    visit: &Viewer,
    form: CategoryFields,
    refusal: Option<(String, &'static str)>,
) -> Result<Response, WebError> {
    let all = state.forum.categories(visit.actor()).await?;
    let can_create = state.forum.site_can(visit.actor()).create_category;
    let status = if refusal.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let (error, error_field) = match refusal {
        Some((m, f)) => (Some(m), f),
        None => (None, ""),
    };
    render(
        status,
        &CategoriesPage {
            chrome: Chrome::new(state, visit, "Categories"),
            tree: tree(all),
            can_create,
            form,
            error,
            error_field,
        },
    )
}

pub(crate) async fn categories(
    State(state): State<AppState>,
    visit: Viewer,
) -> Result<Response, WebError> {
    let page = categories_page(&state, &visit, CategoryFields::default(), None).await?;
    // Its counts move with every topic's posts.
    Ok(Fresh::of(&[Part::Lists, Part::Site]).on(page))
}

#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct CategoryFields {
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    parent: String,
    /// A checkbox: present ("on") when ticked.
    #[serde(default)]
    read_restricted: Option<String>,
}

impl CategoriesPage {
    fn is_parent(&self, id: impl std::borrow::Borrow<CategoryId>) -> bool {
        self.form.parent.parse().ok().map(CategoryId) == Some(*id.borrow())
    }
}

pub(crate) async fn create_category(
    State(state): State<AppState>,
    visit: Viewer,
    CsrfForm(form): CsrfForm<CategoryFields>,
) -> Result<Response, WebError> {
    let input = CategoryForm {
        name: form.name.clone(),
        description: form.description.clone(),
        parent_id: form.parent.trim().parse::<i64>().ok().map(CategoryId),
        read_restricted: form.read_restricted.is_some(),
        ..CategoryForm::default()
    };
    match state.forum.create_category(visit.actor(), &input).await {
        Ok(id) => {
            let c = state.forum.category(visit.actor(), id).await?;
            Ok(see_other(&paths::category(&c.slug, c.id)))
        }
        Err(e) => {
            let refusal = form_refusal(e)?;
            categories_page(&state, &visit, form, Some(refusal)).await
        }
    }
}

#[derive(Template)]
#[template(path = "category_edit.html")]
struct CategoryEditPage {
    chrome: Chrome,
    category: Category,
    form: CategoryFields,
    error: Option<String>,
    error_field: &'static str,
}

/// The edit form, for admins (others get the Guardian's refusal).
pub(crate) async fn edit_category_form(
    State(state): State<AppState>,
    visit: Viewer,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let id = CategoryId(parse_id(&id)?);
    let category = state.forum.category_for_edit(visit.actor(), id).await?;
    let form = CategoryFields {
        name: category.name.clone(),
        description: category.description.clone(),
        parent: String::new(),
        read_restricted: category.read_restricted.then(|| "on".to_owned()),
    };
    ok(&CategoryEditPage {
        chrome: Chrome::new(&state, &visit, format!("Edit {}", category.name)),
        category,
        form,
        error: None,
        error_field: "",
    })
}

pub(crate) async fn edit_category(
    State(state): State<AppState>,
    visit: Viewer,
    Path((_, id)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<CategoryFields>,
) -> Result<Response, WebError> {
    let id = CategoryId(parse_id(&id)?);
    let input = CategoryForm {
        name: form.name.clone(),
        description: form.description.clone(),
        parent_id: None,
        read_restricted: form.read_restricted.is_some(),
        ..CategoryForm::default()
    };
    match state.forum.update_category(visit.actor(), id, &input).await {
        Ok(c) => Ok(see_other(&paths::category(&c.slug, c.id))),
        Err(e) => {
            let (message, field) = form_refusal(e)?;
            let category = state.forum.category(visit.actor(), id).await?;
            render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &CategoryEditPage {
                    chrome: Chrome::new(&state, &visit, format!("Edit {}", category.name)),
                    category,
                    form,
                    error: Some(message),
                    error_field: field,
                },
            )
        }
    }
}
