//! Stoa's HTTP face: the axum router, HTML pages, sessions and CSRF.
//!
//! Handlers are thin: they decode the request, find the actor, make one call into
//! [`stoa_app::Forum`], and render a page or redirect. No SQL and no permission rule lives here;
//! the only decisions made here are HTTP ones (status codes, cookies, redirects).

mod api;
mod assets;
mod cache;
mod context;
mod error;
mod pages;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::http::{HeaderName, HeaderValue, Request};
use stoa_app::Forum;
/// The forum's URLs, for handlers, API shapes and templates (`crate::paths::topic(…)`).
pub(crate) use stoa_app::core::paths;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::trace::TraceLayer;

pub use context::{CSRF_FIELD, SESSION_COOKIE, peer_key};

/// Settings of the HTTP layer.
#[derive(Debug, Clone, Default)]
pub struct WebConfig {
    /// Mark cookies `Secure` (set when Stoa is served over https).
    pub secure_cookies: bool,
    /// The forum's name, shown in the header and page titles.
    pub site_name: String,
    /// Reverse proxies whose `X-Forwarded-For` names the client (see `context::client_ip`).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// The most bytes the anonymous page cache holds (0: no cache; see `cache`).
    pub page_cache_bytes: u64,
}

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    pub forum: Arc<Forum>,
    pub config: Arc<WebConfig>,
    /// Key for CSRF tokens; shared by every node through the database.
    pub(crate) csrf_secret: Arc<str>,
    /// Visitors' pages, rendered (None when switched off).
    pub(crate) cache: Option<Arc<cache::PageCache>>,
}

impl AppState {
    /// Builds the state; reads (or creates) the site secret.
    pub async fn new(forum: Arc<Forum>, config: WebConfig) -> stoa_app::Result<Self> {
        let secret = forum.site_secret().await?;
        Ok(Self {
            forum,
            cache: cache::PageCache::new(config.page_cache_bytes).map(Arc::new),
            config: Arc::new(config),
            csrf_secret: secret.into(),
        })
    }
}

static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Request ids: a per-process random prefix and a counter, cheap and unique enough to find one
/// request's log lines.
#[derive(Clone)]
struct Ids {
    prefix: Arc<str>,
    next: Arc<AtomicU64>,
}

impl MakeRequestId for Ids {
    fn make_request_id<B>(&mut self, _: &Request<B>) -> Option<RequestId> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        HeaderValue::from_str(&format!("{}-{n}", self.prefix))
            .ok()
            .map(RequestId::new)
    }
}

/// The two routers behind the front door.
#[derive(Clone)]
struct Front {
    pages: Router,
    api: Router,
    state: AppState,
}

/// Sends each request to the API or to the pages (see [`api::claim`]).
async fn front_door(
    axum::extract::State(front): axum::extract::State<Front>,
    mut req: axum::extract::Request,
) -> axum::response::Response {
    use tower::ServiceExt;
    if api::claim(&mut req) {
        return api::serve(&front.state, front.api, req).await;
    }
    match front.pages.oneshot(req).await {
        Ok(res) => res,
        Err(never) => match never {},
    }
}

/// The largest request body read: a post of 32,000 characters, each of four UTF-8 bytes,
/// percent-encoded in a form (three bytes each), fits with room to spare; the 2 MB default
/// let an anonymous request make the server build far larger parameter trees.
pub const MAX_BODY_BYTES: usize = 512 * 1024;

/// The whole site.
pub fn router(state: AppState) -> Router {
    let ids = Ids {
        prefix: stoa_app::random_hex(4).into(),
        next: Arc::new(AtomicU64::new(1)),
    };
    let trace = TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
        let id = req
            .extensions()
            .get::<RequestId>()
            .and_then(|id| id.header_value().to_str().ok())
            .unwrap_or("-")
            .to_owned();
        tracing::info_span!("request", id = %id, method = %req.method(), path = %req.uri().path())
    });
    let pages: Router = pages::routes()
        // Every page counts against its address's limits, as the API's calls do (the same
        // budget); static files do not.
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            pages::rate_limit,
        ))
        .merge(assets::routes())
        .fallback(error::not_found)
        .with_state(state.clone());
    let api: Router = api::routes()
        .fallback(api::not_found)
        .with_state(state.clone());
    let front = Front {
        pages,
        api,
        state: state.clone(),
    };
    // One front door: the API and the pages each have a router of their own (see `api`).
    Router::new()
        .fallback(front_door)
        .with_state(front)
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            context::session_layer,
        ))
        // Outside the session layer: a visitor's page from the cache needs no session lookup.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            cache::layer,
        ))
        .layer(PropagateRequestIdLayer::new(X_REQUEST_ID.clone()))
        .layer(trace)
        .layer(SetRequestIdLayer::new(X_REQUEST_ID.clone(), ids))
}
