//! The HTML pages: one module per resource, each handler a thin adapter over one `Forum` call.

mod accounts;
mod email;
mod lists;
mod notifications;
mod posts;
pub(crate) mod search;
mod topic;
mod users;

use askama::Template;
use axum::Router;
use axum::http::header::LOCATION;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{Datelike, Timelike};
use stoa_app::{CurrentUser, Timestamp};

use crate::AppState;
use crate::context::Visit;
use crate::error::WebError;

/// Counts a page request against its address's limits; a 429 page when they are used up.
pub(crate) async fn rate_limit(
    axum::extract::State(state): axum::extract::State<AppState>,
    crate::context::ClientIp(ip): crate::context::ClientIp,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    match state.forum.request_from(&ip) {
        Ok(()) => next.run(req).await,
        Err(e) => WebError::from(e).into_response(),
    }
}

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(lists::tab))
        .route("/latest", get(lists::tab))
        .route("/new", get(lists::tab))
        .route("/unread", get(lists::tab))
        .route("/top", get(lists::tab))
        .route(
            "/categories",
            get(lists::categories).post(lists::create_category),
        )
        .route("/c/{slug}", get(lists::category_short))
        .route("/c/{slug}/{id}", get(lists::category))
        .route("/c/{slug}/{id}/{third}", get(lists::category_long))
        .route(
            "/c/{slug}/{id}/edit",
            get(lists::edit_category_form).post(lists::edit_category),
        )
        .route("/t/{slug}", get(topic::short))
        .route("/t/{slug}/{id}", get(topic::show))
        .route(
            "/t/{slug}/{id}/reply",
            get(topic::reply_form).post(topic::reply),
        )
        .route("/t/{slug}/{id}/{post_number}", get(topic::show_at))
        .route("/new-topic", get(topic::new_topic_form).post(topic::create))
        .route("/p/{id}", get(posts::permalink))
        .route("/posts/{id}/edit", get(posts::edit_form).post(posts::edit))
        .route("/posts/{id}/delete", post(posts::delete_or_restore))
        .route("/posts/{id}/restore", post(posts::delete_or_restore))
        .route("/posts/{id}/like", post(posts::like))
        .route("/posts/{id}/revisions", get(posts::revisions))
        .route("/posts/{id}/replies", get(posts::replies))
        .route("/posts/{id}/likes", get(posts::likers))
        .route("/u/{username}", get(users::show))
        .route("/u/{username}/{*tab}", get(users::tab))
        .route("/users/{username}", get(users::tab_root))
        .route("/users/{username}/{*tab}", get(users::tab))
        .route("/search", get(search::page))
        .route("/login", get(accounts::login_form).post(accounts::login))
        .route("/signup", get(accounts::signup_form).post(accounts::signup))
        .route("/logout", post(accounts::logout))
        .route("/notifications", get(notifications::index))
        .route("/notifications/mark-read", post(notifications::mark_read))
        .route(
            "/t/{slug}/notifications",
            post(notifications::set_topic_level),
        )
        .route(
            "/category/{slug}/notifications",
            post(notifications::set_category_level),
        )
        .route(
            "/u/activate-account/{token}",
            get(email::activate_form).post(email::activate),
        )
        .route("/u/confirm-email/resend", post(email::resend_confirmation))
        .route(
            "/password-reset",
            get(email::reset_request_form).post(email::reset_request),
        )
        .route(
            "/u/password-reset/{token}",
            get(email::reset_form).post(email::reset),
        )
        .route(
            "/email/unsubscribe/{key}",
            get(email::unsubscribe_form).post(email::unsubscribe),
        )
}

/// What the layout needs on every page.
pub(crate) struct Chrome {
    pub site_name: String,
    pub title: String,
    pub user: Option<CurrentUser>,
    /// The CSRF token for this page's forms; empty on pages without forms for anonymous
    /// visitors, so reading them sets no cookie.
    pub csrf: String,
    /// The Content-Security-Policy nonce for this response's script tag.
    pub nonce: String,
}

impl Chrome {
    pub fn new(state: &AppState, visit: &Visit, title: impl Into<String>) -> Self {
        let csrf = if visit.user.is_some() {
            visit.csrf_token()
        } else {
            String::new()
        };
        Self {
            site_name: state.config.site_name.clone(),
            title: title.into(),
            user: visit.user.clone(),
            csrf,
            nonce: visit.nonce.clone(),
        }
    }

    /// For pages with a form that anonymous visitors submit (log in, sign up).
    pub fn with_form(state: &AppState, visit: &Visit, title: impl Into<String>) -> Self {
        Self {
            csrf: visit.csrf_token(),
            ..Self::new(state, visit, title)
        }
    }
}

/// Renders a template with a status.
pub(crate) fn render(status: StatusCode, page: &impl Template) -> Result<Response, WebError> {
    let html = page
        .render()
        .map_err(|e| WebError::internal(format!("template: {e}")))?;
    Ok((status, Html(html)).into_response())
}

pub(crate) fn ok(page: &impl Template) -> Result<Response, WebError> {
    render(StatusCode::OK, page)
}

/// After a form: "see the result over there" (303, so the browser GETs it).
pub(crate) fn see_other(to: &str) -> Response {
    redirect(StatusCode::SEE_OTHER, to)
}

/// "This lives at another address for good" (301), for canonical slugs.
pub(crate) fn moved(to: &str) -> Response {
    redirect(StatusCode::MOVED_PERMANENTLY, to)
}

/// A redirect whose `Location` is always a valid header: any byte outside printable ASCII
/// is percent-encoded, so no input can break the header or inject another.
fn redirect(status: StatusCode, to: &str) -> Response {
    let mut encoded = String::with_capacity(to.len());
    for b in to.bytes() {
        if (0x21..0x7f).contains(&b) {
            encoded.push(char::from(b));
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    match HeaderValue::from_str(&encoded) {
        Ok(v) => (status, [(LOCATION, v)]).into_response(),
        Err(_) => (status, [(LOCATION, HeaderValue::from_static("/"))]).into_response(),
    }
}

/// A path segment as it goes in a URL: anything but letters, digits and `-._~` is
/// percent-encoded.
pub(crate) fn segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// An id from a path segment; anything else is a 404, not a 400.
pub(crate) fn parse_id(s: &str) -> Result<i64, WebError> {
    s.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or(WebError::NotFound)
}

/// A lenient query string: unknown or malformed parameters fall back to defaults.
pub(crate) fn query<T: serde::de::DeserializeOwned + Default>(raw: Option<String>) -> T {
    raw.and_then(|q| serde_urlencoded::from_str(&q).ok())
        .unwrap_or_default()
}

/// A form whose only field is its CSRF token (delete, restore, log out).
#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct NoFields {}

#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct PageQuery {
    page: Option<String>,
}

impl PageQuery {
    pub fn page(&self) -> i64 {
        self.page
            .as_deref()
            .and_then(|p| p.parse().ok())
            .filter(|p| *p >= 1)
            .unwrap_or(1)
    }
}

/// Where to go after logging in: only a path on this site.
pub(crate) fn safe_return_to(to: &str) -> &str {
    let ok = to.starts_with('/')
        && !to.starts_with("//")
        && !to.starts_with("/\\")
        && !to.chars().any(|c| c.is_control() || c == '\\');
    if ok { to } else { "/" }
}

/// English month abbreviations, as chrono's `%b` writes them. Dates are written from their
/// fields (a topic page writes four per post, and strftime parses its format each time).
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn month(t: &Timestamp) -> &'static str {
    MONTHS.get(t.month0() as usize).copied().unwrap_or("")
}

/// `26 Nov 2026`.
pub(crate) fn date(t: &Timestamp) -> String {
    format!("{} {} {}", t.day(), month(t), t.year())
}

/// How long ago, as Discourse's lists say it: `now`, `5m`, `3h`, `2d`, then the date
/// (`13 Apr`, or `13 Apr 2025` in another year). The exact time goes in the tooltip.
pub(crate) fn ago(t: &Timestamp) -> String {
    ago_at(t, &stoa_app::now())
}

fn ago_at(t: &Timestamp, now: &Timestamp) -> String {
    let secs = now.signed_duration_since(*t).num_seconds().max(0);
    match secs {
        0..60 => "now".to_owned(),
        60..3_600 => format!("{}m", secs / 60),
        3_600..86_400 => format!("{}h", secs / 3_600),
        86_400..2_592_000 => format!("{}d", secs / 86_400),
        _ if t.year() == now.year() => format!("{} {}", t.day(), month(t)),
        _ => date(t),
    }
}

/// The exact time, for a tooltip: `13 Apr 2026, 09:41 UTC`.
pub(crate) fn exact(t: &Timestamp) -> String {
    format!(
        "{} {} {}, {:02}:{:02} UTC",
        t.day(),
        month(t),
        t.year(),
        t.hour(),
        t.minute()
    )
}

/// RFC 3339, for `<time datetime>`: `2026-04-13T09:41:07Z`.
pub(crate) fn iso(t: &Timestamp) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Created within the last two days (Discourse's `new_topic_duration_minutes`).
pub(crate) fn is_recent(t: &Timestamp) -> bool {
    stoa_app::now().signed_duration_since(*t) < chrono::Duration::days(2)
}

/// A count as lists show it: `950`, `1.2k`, `34k`, `1.5M`.
pub(crate) fn short_number(n: &i64) -> String {
    let n = *n;
    match n {
        ..1_000 => n.to_string(),
        1_000..10_000 => format!("{:.1}k", n as f64 / 1_000.0).replace(".0k", "k"),
        10_000..1_000_000 => format!("{}k", n / 1_000),
        _ => format!("{:.1}M", n as f64 / 1_000_000.0).replace(".0M", "M"),
    }
}

/// `1 Like`, `3 Likes`.
pub(crate) fn count_label(n: &i64, one: &str, many: &str) -> String {
    if *n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

#[cfg(test)]
mod tests {
    use super::safe_return_to;

    #[test]
    fn redirects_never_carry_raw_control_or_non_ascii_bytes() {
        let res = super::see_other("/t/a\r\nSet-Cookie: x=1/2 é");
        let loc = res.headers()["location"].to_str().unwrap();
        assert_eq!(loc, "/t/a%0D%0ASet-Cookie:%20x=1/2%20%C3%A9");
    }

    #[test]
    fn short_numbers() {
        let f = |n: i64| super::short_number(&n);
        assert_eq!(
            [
                f(0),
                f(999),
                f(1_000),
                f(1_250),
                f(34_567),
                f(1_500_000),
                f(2_000_000)
            ],
            ["0", "999", "1k", "1.2k", "34k", "1.5M", "2M"]
        );
    }

    #[test]
    fn relative_times() {
        use chrono::TimeZone;
        let now = chrono::Utc.with_ymd_and_hms(2026, 12, 2, 12, 0, 0).unwrap();
        let at = |secs: i64| super::ago_at(&(now - chrono::Duration::seconds(secs)), &now);
        assert_eq!(at(5), "now");
        assert_eq!(at(-30), "now", "a clock a little ahead");
        assert_eq!(at(5 * 60), "5m");
        assert_eq!(at(3 * 3_600 + 59), "3h");
        assert_eq!(at(2 * 86_400), "2d");
        assert_eq!(at(40 * 86_400), "23 Oct");
        assert_eq!(at(400 * 86_400), "28 Oct 2025");
    }

    #[test]
    fn dates_as_chrono_formats_them() {
        use chrono::TimeZone;
        for (y, m, d, h, min, sec) in [(2026, 4, 3, 9, 5, 7), (1941, 12, 31, 23, 59, 59)] {
            let t = chrono::Utc.with_ymd_and_hms(y, m, d, h, min, sec).unwrap();
            assert_eq!(super::date(&t), t.format("%-d %b %Y").to_string());
            assert_eq!(
                super::exact(&t),
                t.format("%-d %b %Y, %H:%M UTC").to_string()
            );
            assert_eq!(
                super::iso(&t),
                t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            );
        }
    }

    #[test]
    fn return_to_stays_on_site() {
        assert_eq!(safe_return_to("/t/x/1"), "/t/x/1");
        for bad in [
            "//evil.com",
            "https://evil.com",
            "/\\evil.com",
            "javascript:alert(1)",
            "/\r\nSet-Cookie:x",
            "",
        ] {
            assert_eq!(safe_return_to(bad), "/", "{bad:?}");
        }
    }
}
