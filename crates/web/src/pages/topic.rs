//! A topic's pages, replying, and starting a topic.

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use stoa_app::Category;
use stoa_app::Post;
use stoa_app::Topic;
use stoa_app::{
    AppError, CategoryId, Landing, NewTopicForm, Opened, PostId, PostItem, ReplyForm, TopicId,
    TopicPage,
};

use super::{Chrome, PageQuery, moved, ok, parse_id, query, render, see_other};
use crate::AppState;
use crate::cache::Fresh;
use crate::context::{ClientIp, CsrfForm, Navigation, Viewer, Visit};
use crate::error::WebError;
use crate::paths;

#[derive(Template)]
#[template(path = "topic.html")]
struct TopicTemplate {
    chrome: Chrome,
    topic: Topic,
    category: Category,
    posts: Vec<PostItem>,
    page: i64,
    pages: i64,
    reply_refusal: Option<String>,
    return_to: String,
    notification_level: Option<stoa_app::NotificationLevel>,
    similar: Vec<stoa_app::FoundPost>,
    reading_recorded: bool,
    last_read: Option<i64>,
}

/// Topics longer than this get the timeline beside their posts.
const TIMELINE_FROM: i64 = 20;

impl TopicTemplate {
    /// Whether the topic is long enough for a timeline.
    fn long(&self) -> bool {
        self.topic.highest_post_number > TIMELINE_FROM
    }

    /// The first and last post numbers this page shows.
    fn shown(&self) -> (i64, i64) {
        let first = self.posts.first().map_or(0, |p| p.post.post_number);
        let last = self.posts.last().map_or(0, |p| p.post.post_number);
        (first, last)
    }

    /// Post numbers the timeline links to: the first, the last, and evenly between.
    fn marks(&self) -> Vec<i64> {
        let highest = self.topic.highest_post_number.max(1);
        let mut marks: Vec<i64> = (0..=6).map(|i| 1 + (highest - 1) * i / 6).collect();
        marks.dedup();
        marks
    }

    /// Whether the "last visit" line goes before post `n`: the member read up to the post
    /// before it, and it is not the first post shown.
    fn last_visit_before(&self, n: impl std::borrow::Borrow<i64>) -> bool {
        let n = *n.borrow();
        self.last_read.is_some_and(|r| r + 1 == n) && self.shown().0 < n
    }
}

fn topic_response(state: &AppState, visit: &Visit, tp: TopicPage) -> Result<Response, WebError> {
    let return_to = paths::topic(&tp.topic.slug, tp.topic.id);
    let mut chrome = Chrome::new(state, visit, tp.topic.title.clone());
    if let Some(u) = chrome.user.as_mut() {
        u.unread_notifications = (u.unread_notifications - tp.notifications_read).max(0);
    }
    ok(&TopicTemplate {
        chrome,
        reply_refusal: tp.reply_refusal.map(|e| e.to_string()),
        topic: tp.topic,
        category: tp.category,
        posts: tp.posts,
        similar: tp.similar,
        page: tp.page,
        pages: tp.pages,
        return_to,
        notification_level: tp.notification_level,
        reading_recorded: tp.reading_recorded,
        last_read: tp.last_read,
    })
}

/// `?post_number=N` or `?date=YYYY-MM-DD` on a topic's address: where the timeline's form
/// goes.
#[derive(Debug, Default, serde::Deserialize)]
struct JumpQuery {
    post_number: Option<String>,
    date: Option<String>,
}

impl JumpQuery {
    fn target(&self) -> Option<stoa_app::JumpTo> {
        let number = self
            .post_number
            .as_deref()
            .and_then(|n| n.trim().parse::<i64>().ok());
        let date = self
            .date
            .as_deref()
            .and_then(|d| chrono::NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok());
        match (number, date) {
            (Some(n), _) => Some(stoa_app::JumpTo::Number(n)),
            (None, Some(d)) => Some(stoa_app::JumpTo::Date(d)),
            _ => None,
        }
    }
}

/// Who a view is counted for: the member, or else the visitor's address.
fn viewer_key(visit: &Visit, ip: &str) -> String {
    match &visit.user {
        Some(u) => format!("user:{}", u.id.0),
        None => format!("ip:{ip}"),
    }
}

/// `/t/{id}`, Discourse's short link: moves to the topic's canonical address.
pub(crate) async fn short(
    State(state): State<AppState>,
    visit: Viewer,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, WebError> {
    let topic = state
        .forum
        .topic(visit.actor(), TopicId(parse_id(&id)?))
        .await?;
    let q = q.map(|q| format!("?{q}")).unwrap_or_default();
    Ok(moved(&format!(
        "{}{q}",
        paths::topic(&topic.slug, topic.id)
    )))
}

/// `/t/{slug}/{id}`: a page of the topic; a signed-in member lands on their first unread post.
/// Two numbers are Discourse's `/t/{id}/{post_number}` (a slug is never only digits).
pub(crate) async fn show(
    State(state): State<AppState>,
    visit: Viewer,
    Navigation(visiting): Navigation,
    ClientIp(ip): ClientIp,
    Path((slug, id)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> Result<Response, WebError> {
    let viewer = visiting.then(|| viewer_key(&visit, &ip));
    if let Ok(topic_id) = parse_id(&slug) {
        let number = parse_id(&id)?;
        let topic = state.forum.topic(visit.actor(), TopicId(topic_id)).await?;
        return Ok(moved(&paths::post(&topic.slug, topic.id, number)));
    }
    let id = TopicId(parse_id(&id)?);
    // The timeline's form: a post by number or by date.
    let jump = query::<JumpQuery>(q.clone());
    if let Some(to) = jump.target() {
        let (topic, number) = state.forum.jump(visit.actor(), id, to).await?;
        return Ok(see_other(&paths::post(&topic.slug, topic.id, number)));
    }
    let page_query = query::<PageQuery>(q.clone());
    let landing = match page_query.page {
        Some(_) => Landing::Page(page_query.page()),
        None => Landing::FirstUnread,
    };
    let tp = match state
        .forum
        .open_topic(visit.actor(), id, landing, viewer.as_deref())
        .await?
    {
        Opened::Page(tp) => *tp,
        Opened::Unread { topic, post_number } => {
            return Ok(see_other(&paths::post_anchored(
                &topic.slug,
                topic.id,
                post_number,
            )));
        }
    };
    if tp.topic.slug != slug {
        let q = q.map(|q| format!("?{q}")).unwrap_or_default();
        return Ok(moved(&format!(
            "{}{q}",
            paths::topic(&tp.topic.slug, tp.topic.id)
        )));
    }
    let fresh = Fresh::topic_page(tp.topic.id, tp.similar.iter().map(|s| s.topic_id));
    Ok(fresh.on(topic_response(&state, &visit, tp)?))
}

/// `/t/{slug}/{id}/{post_number}`: the page holding that post.
pub(crate) async fn show_at(
    State(state): State<AppState>,
    visit: Viewer,
    Navigation(visiting): Navigation,
    ClientIp(ip): ClientIp,
    Path((slug, id, number)): Path<(String, String, String)>,
) -> Result<Response, WebError> {
    let viewer = visiting.then(|| viewer_key(&visit, &ip));
    let id = TopicId(parse_id(&id)?);
    let number = parse_id(&number)?;
    let tp = match state
        .forum
        .open_topic(visit.actor(), id, Landing::Post(number), viewer.as_deref())
        .await?
    {
        Opened::Page(tp) => *tp,
        // Only a visit with no post named goes to the first unread.
        Opened::Unread { topic, post_number } => {
            return Ok(see_other(&paths::post(&topic.slug, topic.id, post_number)));
        }
    };
    if tp.topic.slug != slug || tp.landing != number {
        return Ok(moved(&paths::post(&tp.topic.slug, tp.topic.id, tp.landing)));
    }
    let fresh = Fresh::topic_page(tp.topic.id, tp.similar.iter().map(|s| s.topic_id));
    Ok(fresh.on(topic_response(&state, &visit, tp)?))
}

#[derive(Template)]
#[template(path = "reply.html")]
struct ReplyTemplate {
    chrome: Chrome,
    topic: Topic,
    replying_to: Option<Post>,
    raw: String,
    error: Option<String>,
    error_field: &'static str,
}

#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct ReplyQuery {
    to: Option<String>,
    quote: Option<String>,
    selection: Option<String>,
}

fn login_redirect(return_to: &str) -> Response {
    let q = serde_urlencoded::to_string([("return_to", return_to)]).unwrap_or_default();
    see_other(&format!("/login?{q}"))
}

/// The reply composer on its own page: answering a post, or quoting one.
pub(crate) async fn reply_form(
    State(state): State<AppState>,
    visit: Viewer,
    Path((_, id)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> Result<Response, WebError> {
    let id = TopicId(parse_id(&id)?);
    let here = format!(
        "{}{}",
        paths::topic_action("-", id, "reply"),
        q.as_deref().map(|q| format!("?{q}")).unwrap_or_default()
    );
    if visit.user.is_none() {
        return Ok(login_redirect(&here));
    }
    let rq = query::<ReplyQuery>(q);
    let actor = visit.actor();
    let topic = state.forum.topic(actor, id).await?;
    let replying_to = match rq.to.as_deref().and_then(|n| n.parse::<i64>().ok()) {
        Some(n) => Some(state.forum.post_by_number(actor, id, n).await?),
        None => None,
    };
    let raw = match rq.quote.as_deref().and_then(|p| p.parse::<i64>().ok()) {
        Some(p) => {
            let selection = rq
                .selection
                .as_deref()
                .map(|s| s.chars().take(10_000).collect::<String>());
            state
                .forum
                .quote(actor, PostId(p), selection.as_deref())
                .await?
        }
        None => String::new(),
    };
    ok(&ReplyTemplate {
        chrome: Chrome::new(&state, &visit, format!("Reply to {}", topic.title)),
        topic,
        replying_to,
        raw,
        error: None,
        error_field: "",
    })
}

#[derive(Debug, serde::Deserialize)]
pub(crate) struct ReplyFields {
    #[serde(default)]
    raw: String,
    #[serde(default)]
    reply_to_post_number: String,
}

/// A domain refusal a form can show beside its fields; anything else is a page of its own.
pub(crate) fn form_refusal(e: AppError) -> Result<(String, &'static str), WebError> {
    match e {
        AppError::Domain(
            d @ (stoa_app::core::Error::Invalid { .. } | stoa_app::core::Error::Conflict { .. }),
        ) => Ok((d.to_string(), d.field().unwrap_or(""))),
        other => Err(other.into()),
    }
}

pub(crate) async fn reply(
    State(state): State<AppState>,
    visit: Viewer,
    Path((_, id)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<ReplyFields>,
) -> Result<Response, WebError> {
    let id = TopicId(parse_id(&id)?);
    let actor = visit.actor();
    let reply_to = form.reply_to_post_number.trim().parse::<i64>().ok();
    let result = state
        .forum
        .reply(
            actor,
            id,
            &ReplyForm {
                raw: form.raw.clone(),
                reply_to_post_number: reply_to,
            },
        )
        .await;
    match result {
        Ok(posted) => {
            let n = posted.post_number;
            Ok(see_other(&paths::post_anchored(&posted.slug, id, n)))
        }
        Err(e) => {
            let (message, field) = form_refusal(e)?;
            let topic = state.forum.topic(actor, id).await?;
            let replying_to = match reply_to {
                Some(n) => match state.forum.post_by_number(actor, id, n).await {
                    Ok(post) => Some(post),
                    Err(e) if e.is_not_found() => None,
                    Err(e) => return Err(e.into()),
                },
                None => None,
            };
            render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &ReplyTemplate {
                    chrome: Chrome::new(&state, &visit, format!("Reply to {}", topic.title)),
                    topic,
                    replying_to,
                    raw: form.raw,
                    error: Some(message),
                    error_field: field,
                },
            )
        }
    }
}

#[derive(Template)]
#[template(path = "new_topic.html")]
struct NewTopicTemplate {
    chrome: Chrome,
    categories: Vec<Category>,
    selected: Option<CategoryId>,
    title: String,
    raw: String,
    error: Option<String>,
    error_field: &'static str,
}

impl NewTopicTemplate {
    fn is_selected(&self, id: impl std::borrow::Borrow<CategoryId>) -> bool {
        self.selected == Some(*id.borrow())
    }

    /// Whether the menu groups subcategories under this one.
    fn has_children(&self, id: impl std::borrow::Borrow<CategoryId>) -> bool {
        let id = *id.borrow();
        self.categories.iter().any(|c| c.parent_id == Some(id))
    }
}

#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct NewTopicQuery {
    category: Option<String>,
}

pub(crate) async fn new_topic_form(
    State(state): State<AppState>,
    visit: Viewer,
    RawQuery(q): RawQuery,
) -> Result<Response, WebError> {
    if visit.user.is_none() {
        return Ok(login_redirect("/new-topic"));
    }
    let selected = query::<NewTopicQuery>(q)
        .category
        .and_then(|c| c.parse().ok())
        .map(CategoryId);
    ok(&NewTopicTemplate {
        chrome: Chrome::new(&state, &visit, "New topic"),
        categories: state.forum.categories(visit.actor()).await?,
        selected,
        title: String::new(),
        raw: String::new(),
        error: None,
        error_field: "",
    })
}

#[derive(Debug, serde::Deserialize)]
pub(crate) struct NewTopicFields {
    #[serde(default)]
    title: String,
    #[serde(default)]
    raw: String,
    #[serde(default)]
    category: String,
}

pub(crate) async fn create(
    State(state): State<AppState>,
    visit: Viewer,
    CsrfForm(form): CsrfForm<NewTopicFields>,
) -> Result<Response, WebError> {
    let category = form.category.trim().parse().ok().map(CategoryId);
    let input = NewTopicForm {
        archetype: None,
        title: form.title.clone(),
        raw: form.raw.clone(),
        category_id: category,
    };
    match state.forum.create_topic(visit.actor(), &input).await {
        Ok(posted) => Ok(see_other(&paths::topic(&posted.slug, posted.topic_id))),
        Err(e) => {
            let (message, field) = form_refusal(e)?;
            render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &NewTopicTemplate {
                    chrome: Chrome::new(&state, &visit, "New topic"),
                    categories: state.forum.categories(visit.actor()).await?,
                    selected: category,
                    title: form.title,
                    raw: form.raw,
                    error: Some(message),
                    error_field: field,
                },
            )
        }
    }
}
