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

/// A member's avatar until Stoa has uploads: their initial on a colour taken from their
/// name, as Discourse's letter avatars (`/letter_avatar/{username}/{size}.svg`, the
/// `avatar_template` every API answer names).
async fn letter_avatar(
    Path((username, size)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let size: u32 = size
        .strip_suffix(".svg")
        .and_then(|s| s.parse().ok())
        .filter(|s| (1..=1000).contains(s))
        .ok_or(WebError::NotFound)?;
    let initial = username
        .chars()
        .find(|c| c.is_alphanumeric())
        .map(|c| c.to_uppercase().to_string())
        .ok_or(WebError::NotFound)?;
    let hash = stoa_app::sha256_hex(&username.to_lowercase());
    let hue = u32::from_str_radix(&hash[..4], 16).unwrap_or(0) % 360;
    let svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{size}\" height=\"{size}\" \
         viewBox=\"0 0 100 100\"><circle cx=\"50\" cy=\"50\" r=\"50\" fill=\"hsl({hue},45%,45%)\"/>\
         <text x=\"50\" y=\"50\" dy=\".35em\" text-anchor=\"middle\" font-family=\"sans-serif\" \
         font-size=\"50\" fill=\"#fff\">{}</text></svg>",
        html_escape::encode_text(&initial)
    );
    Ok((
        [
            (CONTENT_TYPE, "image/svg+xml"),
            (CACHE_CONTROL, "public, max-age=86400"),
        ],
        svg,
    )
        .into_response())
}

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/assets/{file}", get(asset))
        .route("/letter_avatar/{username}/{size}", get(letter_avatar))
        // Browsers ask for /favicon.ico whatever the page says; send them to the icon.
        .route(
            "/favicon.ico",
            get(|| async { crate::pages::moved(icon_url()) }),
        )
}
