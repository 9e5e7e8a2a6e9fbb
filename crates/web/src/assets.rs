//! The stylesheet and the script, embedded in the binary. URLs carry a hash of the content, so
//! browsers may cache them for a year and still see a new version at once.

use std::sync::LazyLock;

use axum::Router;
use axum::extract::Path;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::AppState;
use crate::error::WebError;

const CSS: &str = include_str!("../assets/stoa.css");
const JS: &str = include_str!("../assets/stoa.js");
const ICON: &str = include_str!("../assets/favicon.svg");

fn short_hash(s: &str) -> String {
    stoa_app::sha256_hex(s)[..12].to_owned()
}

static CSS_URL: LazyLock<String> =
    LazyLock::new(|| format!("/assets/stoa-{}.css", short_hash(CSS)));
static JS_URL: LazyLock<String> = LazyLock::new(|| format!("/assets/stoa-{}.js", short_hash(JS)));

static ICON_URL: LazyLock<String> =
    LazyLock::new(|| format!("/assets/icon-{}.svg", short_hash(ICON)));

pub(crate) fn icon_url() -> &'static str {
    &ICON_URL
}

pub(crate) fn css_url() -> &'static str {
    &CSS_URL
}

pub(crate) fn js_url() -> &'static str {
    &JS_URL
}

async fn asset(Path(file): Path<String>) -> Result<Response, WebError> {
    let path = format!("/assets/{file}");
    let (body, kind) = if path == *CSS_URL {
        (CSS, "text/css; charset=utf-8")
    } else if path == *JS_URL {
        (JS, "text/javascript; charset=utf-8")
    } else if path == *ICON_URL {
        (ICON, "image/svg+xml")
    } else {
        return Err(WebError::NotFound);
    };
    Ok((
        [
            (CONTENT_TYPE, kind),
            (CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        body,
    )
        .into_response())
}

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/assets/{file}", get(asset))
        // Browsers ask for /favicon.ico whatever the page says; send them to the icon.
        .route(
            "/favicon.ico",
            get(|| async { crate::pages::moved(icon_url()) }),
        )
}
