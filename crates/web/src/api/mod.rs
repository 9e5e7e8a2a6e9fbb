//! The JSON API, in Discourse's shapes, so that existing Discourse clients work unchanged.
//!
//! A request is for the API when its path ends in `.json` (the suffix is stripped before
//! routing), when it carries an `Api-Key` header, when it asks for JSON in `Accept`, when its
//! method is one HTML forms never use (PUT, DELETE, PATCH), or when it is `/raw/…`. Everything
//! else goes to the HTML pages. The API has its own router, so `/t/{id}` here and
//! `/t/{slug}/{id}` there never collide, and its own errors (`{"errors": [...],
//! "error_type": ...}`), never a redirect.
//!
//! Who is asking: an `Api-Key` (with `Api-Username`) decides it when present, and a bad key is
//! refused even on reads; otherwise the session cookie, as for the pages. Requests with a key
//! are exempt from CSRF (as in Discourse); writes with a session cookie must send the page's
//! token in `X-CSRF-Token`. Rate limits are checked here, before routing, by the `Forum`.
//!
//! Handlers are thin, as the pages' are: decode, make one `Forum` call, shape the answer.

mod categories;
mod errors;
mod openapi;
mod params;
mod posts;
mod search;
pub(crate) mod shapes;
mod site;
mod topics;
mod users;

use std::sync::Arc;

use axum::Router;
use axum::extract::{FromRequestParts, Request};
use axum::http::header::{ACCEPT, CACHE_CONTROL, CONTENT_TYPE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use serde::Serialize;
use stoa_app::{Actor, CurrentUser};
use tower::ServiceExt;

pub(crate) use errors::ApiError;
pub(crate) use params::Params;

use crate::AppState;
use crate::context::{CSRF_HEADER, Visit};

/// `Content-Type` of every JSON answer, byte for byte as Discourse sends it (pydiscourse
/// compares the header with this exact string).
pub(crate) const JSON_TYPE: &str = "application/json; charset=utf-8";

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/latest", get(topics::latest))
        .route("/new", get(topics::new))
        .route("/unread", get(topics::unread))
        .route("/top", get(topics::top))
        .route(
            "/categories",
            get(categories::list).post(categories::create),
        )
        .route("/c/{id}", get(categories::topics_by_id))
        .route("/c/{slug}/{id}", get(categories::topics))
        // `{slug}` here is the category's id: one name per position, as the router needs.
        .route("/c/{slug}/show", get(categories::show))
        .route(
            "/category/{id}/notifications",
            post(categories::set_notification_level),
        )
        .route("/t/{id}", get(topics::show).delete(topics::delete))
        .route("/t/{id}/posts", get(topics::posts))
        .route(
            "/t/{id}/notifications",
            post(topics::set_notification_level),
        )
        .route("/t/{id}/{second}", get(topics::show_two))
        .route("/t/{id}/{second}/{third}", get(topics::show_three))
        .route("/posts", get(posts::latest).post(posts::create))
        .route(
            "/posts/{id}",
            get(posts::show).put(posts::update).delete(posts::delete),
        )
        .route("/posts/{id}/recover", axum::routing::put(posts::recover))
        .route("/posts/{id}/replies", get(posts::replies))
        .route("/posts/by_number/{topic}/{number}", get(posts::by_number))
        .route("/post_actions", post(posts::act))
        .route("/post_actions/{id}", delete(posts::undo_action))
        .route("/post_action_users", get(posts::action_users))
        .route("/search", get(search::json))
        .route("/topics/similar_to", get(search::similar))
        .route("/topics/timings", post(topics::timings))
        .route("/u/search/users", get(search::complete_users))
        .route("/u/{username}", get(users::show))
        .route("/users/{username}", get(users::show))
        .route("/notifications", get(users::notifications))
        .route(
            "/notifications/mark-read",
            axum::routing::put(users::mark_read),
        )
        .route("/session/current", get(users::current))
        .route("/session/csrf", get(users::csrf))
        .route("/about", get(site::about))
        .route("/site", get(site::site))
        .route("/site/statistics", get(site::statistics))
        .route("/raw/{topic}", get(site::raw_topic))
        .route("/raw/{topic}/{number}", get(site::raw_post))
        .route("/openapi", get(openapi::document))
}

/// Whether this request is for the API; strips a `.json` suffix from its path if so.
pub(crate) fn claim(req: &mut Request) -> bool {
    let path = req.uri().path();
    if let Some(stripped) = path.strip_suffix(".json").filter(|p| !p.is_empty()) {
        let rewritten = match req.uri().query() {
            Some(q) => format!("{stripped}?{q}"),
            None => stripped.to_owned(),
        };
        if let Ok(uri) = rewritten.parse::<Uri>() {
            *req.uri_mut() = uri;
            return true;
        }
    }
    let h = req.headers();
    h.contains_key("api-key")
        || path.starts_with("/raw/")
        || matches!(*req.method(), Method::PUT | Method::DELETE | Method::PATCH)
        || wants_json(h)
}

/// `Accept` names JSON before (or without) HTML.
pub(crate) fn wants_json(h: &HeaderMap) -> bool {
    let Some(accept) = h.get(ACCEPT).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let json = accept.find("application/json");
    let html = accept.find("text/html");
    match (json, html) {
        (Some(j), Some(h)) => j < h,
        (Some(_), None) => true,
        _ => false,
    }
}

/// Runs an API request: authenticates it, counts it, routes it.
pub(crate) async fn serve(state: &AppState, api: Router, mut req: Request) -> Response {
    let identified = match caller(state, Credentials::of(&req)).await {
        Ok(caller) => {
            let identified = caller.user.is_some();
            req.extensions_mut().insert(caller);
            identified
        }
        Err(e) => return e.into_response(),
    };
    let mut res = match api.oneshot(req).await {
        Ok(res) => res,
        Err(never) => match never {},
    };
    // An answer to a member (by key or session) may hold what only they may see: no cache
    // along the way may keep it.
    if identified {
        res.headers_mut()
            .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// Who is making an API request.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    pub user: Option<CurrentUser>,
}

impl Caller {
    pub fn actor(&self) -> Actor {
        self.user
            .as_ref()
            .map_or(Actor::Anonymous, CurrentUser::actor)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Caller>()
            .cloned()
            .ok_or_else(|| ApiError::internal("API caller missing"))
    }
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

/// What authentication reads from a request, taken out of it before any await (a request
/// body is not `Sync`, so no reference to the request may live across one).
struct Credentials {
    key: Option<String>,
    username: Option<String>,
    csrf_token: String,
    writes: bool,
    ip: String,
    visit: Option<Arc<Visit>>,
}

impl Credentials {
    fn of(req: &Request) -> Self {
        let h = req.headers();
        Self {
            key: header(h, "api-key").map(|k| k.trim().to_owned()),
            username: header(h, "api-username").map(str::to_owned),
            csrf_token: header(h, CSRF_HEADER).unwrap_or("").to_owned(),
            writes: !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS),
            ip: req
                .extensions()
                .get::<crate::context::ClientIp>()
                .map_or_else(|| "unknown".to_owned(), |c| c.0.clone()),
            visit: req.extensions().get::<Arc<Visit>>().cloned(),
        }
    }
}

async fn caller(state: &AppState, c: Credentials) -> Result<Caller, ApiError> {
    let Credentials {
        key,
        username,
        csrf_token: token,
        writes,
        ip,
        visit,
    } = c;
    if let Some(key) = key {
        let user = state.forum.api_user(&key, username.as_deref(), &ip).await?;
        return Ok(Caller { user: Some(user) });
    }
    state.forum.request_from(&ip)?;
    let visit = visit.ok_or_else(|| ApiError::internal("session layer missing"))?;
    if writes && visit.user.is_some() && !visit.csrf_ok(&token) {
        return Err(ApiError::csrf());
    }
    Ok(Caller {
        user: visit.user.clone(),
    })
}

/// A JSON answer with Discourse's exact `Content-Type`.
#[derive(Debug)]
pub(crate) struct Json<T>(pub T);

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        match serde_json::to_vec(&self.0) {
            Ok(body) => {
                ([(CONTENT_TYPE, HeaderValue::from_static(JSON_TYPE))], body).into_response()
            }
            Err(e) => ApiError::internal(format!("serializing: {e}")).into_response(),
        }
    }
}

/// An empty 200, as Discourse answers a delete (`render body: nil`).
pub(crate) fn empty() -> Response {
    (
        [(
            CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        )],
        "",
    )
        .into_response()
}

/// The API's answer for unknown paths.
pub(crate) async fn not_found() -> ApiError {
    ApiError::not_found()
}

/// Path parameters; any that cannot be decoded (bad escapes, bytes that are not UTF-8) make
/// the path one that leads nowhere: a JSON 404, not axum's plain-text rejection.
#[derive(Debug)]
pub(crate) struct Seg<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned + Send> FromRequestParts<S> for Seg<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(t)| Seg(t))
            .map_err(|_| ApiError::not_found())
    }
}

/// An id from a path segment; anything else is a 404.
pub(crate) fn id(s: &str) -> Result<i64, ApiError> {
    s.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(ApiError::not_found)
}
