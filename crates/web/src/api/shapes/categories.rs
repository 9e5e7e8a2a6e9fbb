//! Categories: one category, the category list, and what a viewer may do in one.

use serde::Serialize;
use serde_json::{Value, json};

/// A category (`/categories.json`, `/site.json`, a created category).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Category)]
pub(crate) struct CategoryJson {
    id: i64,
    name: String,
    color: String,
    text_color: String,
    slug: String,
    topic_count: i64,
    post_count: i64,
    position: i64,
    description: Option<String>,
    description_text: Option<String>,
    description_excerpt: Option<String>,
    topic_url: Option<String>,
    read_restricted: bool,
    permission: Option<i64>,
    notification_level: i64,
    can_edit: bool,
    topic_template: Option<String>,
    has_children: bool,
    sort_order: Option<String>,
    sort_ascending: Option<bool>,
    show_subcategory_list: bool,
    num_featured_topics: i64,
    default_view: Option<String>,
    subcategory_list_style: &'static str,
    default_top_period: &'static str,
    default_list_filter: &'static str,
    minimum_required_tags: i64,
    navigate_to_first_post_after_read: bool,
    topics_day: i64,
    topics_week: i64,
    topics_month: i64,
    topics_year: i64,
    topics_all_time: i64,
    subcategory_ids: Vec<i64>,
    parent_category_id: Option<i64>,
    uploaded_logo: Option<String>,
    uploaded_logo_dark: Option<String>,
    uploaded_background: Option<String>,
    uploaded_background_dark: Option<String>,
    custom_fields: Value,
    group_permissions: Vec<Value>,
    /// A top-level category's children, in `/categories.json`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(no_recursion)]
    subcategory_list: Option<Vec<CategoryJson>>,
}

impl CategoryJson {
    pub fn new(c: &stoa_app::Category, all: &[stoa_app::Category], access: CategoryAccess) -> Self {
        let description = Some(c.description.clone()).filter(|d| !d.is_empty());
        let subcategory_ids: Vec<i64> = all
            .iter()
            .filter(|s| s.parent_id == Some(c.id))
            .map(|s| s.id.0)
            .collect();
        Self {
            id: c.id.0,
            name: c.name.clone(),
            color: c.color.clone(),
            text_color: c.text_color.clone(),
            slug: c.slug.clone(),
            topic_count: c.topic_count,
            post_count: c.post_count,
            position: c.position,
            description_text: description.clone(),
            description_excerpt: description.clone(),
            description,
            topic_url: None,
            read_restricted: c.read_restricted,
            permission: access.can_post.then_some(1),
            notification_level: access.notification_level,
            can_edit: access.can_edit,
            topic_template: None,
            has_children: !subcategory_ids.is_empty(),
            sort_order: None,
            sort_ascending: None,
            show_subcategory_list: false,
            num_featured_topics: 3,
            default_view: None,
            subcategory_list_style: "rows_with_featured_topics",
            default_top_period: "all",
            default_list_filter: "all",
            minimum_required_tags: 0,
            navigate_to_first_post_after_read: false,
            topics_day: 0,
            topics_week: 0,
            topics_month: 0,
            topics_year: 0,
            topics_all_time: c.topic_count,
            subcategory_ids,
            parent_category_id: c.parent_id.map(|p| p.0),
            uploaded_logo: None,
            uploaded_logo_dark: None,
            uploaded_background: None,
            uploaded_background_dark: None,
            custom_fields: json!({}),
            group_permissions: vec![json!({
                "permission_type": 1,
                "group_name": if c.read_restricted { "staff" } else { "everyone" },
                "group_id": if c.read_restricted { 3 } else { 0 },
            })],
            subcategory_list: None,
        }
    }
}

/// What a viewer may do in a category, for its `permission` (Discourse: 1 full, 2 create
/// post, 3 read only).
#[derive(Debug, Clone, Copy)]
pub(crate) struct CategoryAccess {
    pub(crate) can_post: bool,
    pub(crate) can_edit: bool,
    pub(crate) notification_level: i64,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[schema(as = CategoryList)]
pub(crate) struct CategoryListJson {
    can_create_category: bool,
    can_create_topic: bool,
    categories: Vec<CategoryJson>,
}

/// `{"category_list": …}`.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[schema(as = CategoryListAnswer)]
pub(crate) struct CategoryListEnvelope {
    category_list: CategoryListJson,
}

/// `{"category": …}`.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[schema(as = CategoryAnswer)]
pub(crate) struct CategoryEnvelope {
    category: CategoryJson,
}

impl CategoryJson {
    pub fn id(&self) -> stoa_app::CategoryId {
        stoa_app::CategoryId(self.id)
    }
}

impl CategoryListEnvelope {
    /// The list of `/categories.json`: top-level categories, each with its children in
    /// `subcategory_list`.
    pub fn tree(all: Vec<CategoryJson>, can_create_category: bool, can_create_topic: bool) -> Self {
        let (top, mut children): (Vec<CategoryJson>, Vec<CategoryJson>) = all
            .into_iter()
            .partition(|c| c.parent_category_id.is_none());
        let categories = top
            .into_iter()
            .map(|mut c| {
                let (mine, rest): (Vec<CategoryJson>, Vec<CategoryJson>) = children
                    .drain(..)
                    .partition(|s| s.parent_category_id == Some(c.id));
                children = rest;
                c.subcategory_list = Some(mine);
                c
            })
            .collect();
        Self {
            category_list: CategoryListJson {
                can_create_category,
                can_create_topic,
                categories,
            },
        }
    }
}

impl CategoryEnvelope {
    pub fn new(category: CategoryJson) -> Self {
        Self { category }
    }
}
