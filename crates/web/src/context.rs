//! Who is asking, and the checks every request passes: the session cookie, the CSRF token,
//! the client's address, and the headers every response carries.
//!
//! CSRF: a form's token is SHA-256 of the site secret and a per-visitor binding — the session
//! token for members, a random `stoa_anon` cookie for visitors who are not signed in (so the
//! login and sign-up forms are protected too). Tokens are checked by [`CsrfForm`], the only way
//! handlers read a state-changing form. Nothing changes state on GET.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request, State};
use axum::http::header::{CACHE_CONTROL, COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use serde::de::DeserializeOwned;
use stoa_app::{Actor, CurrentUser};

use crate::AppState;
use crate::error::WebError;

/// The session cookie, named as Discourse names it.
pub const SESSION_COOKIE: &str = "_t";
/// The cookie that binds CSRF tokens for visitors who are not signed in.
const ANON_COOKIE: &str = "stoa_anon";
/// The form field that carries the CSRF token (Rails' and Discourse's name).
pub const CSRF_FIELD: &str = "authenticity_token";
/// The header that carries it for scripts (Discourse's name).
pub(crate) const CSRF_HEADER: &str = "x-csrf-token";

/// One request's visitor: the member if signed in, and the CSRF binding.
#[derive(Debug)]
pub struct Visit {
    pub user: Option<CurrentUser>,
    session_token: Option<String>,
    anon_seed: String,
    anon_seed_is_new: bool,
    token_used: AtomicBool,
    secret: Arc<str>,
    /// This response's script nonce for the Content-Security-Policy.
    pub nonce: String,
}

impl Visit {
    pub fn actor(&self) -> Actor {
        self.user
            .as_ref()
            .map_or(Actor::Anonymous, CurrentUser::actor)
    }

    pub fn session_token(&self) -> Option<&str> {
        self.session_token.as_deref()
    }

    fn binding(&self) -> &str {
        self.session_token.as_deref().unwrap_or(&self.anon_seed)
    }

    /// The CSRF token for forms on this page.
    pub fn csrf_token(&self) -> String {
        self.token_used.store(true, Ordering::Relaxed);
        csrf_token(&self.secret, self.binding())
    }

    pub(crate) fn csrf_ok(&self, token: &str) -> bool {
        if self.session_token.is_none() && self.anon_seed_is_new {
            return false; // no cookie came back: nothing to bind to
        }
        constant_time_eq(
            token.as_bytes(),
            csrf_token(&self.secret, self.binding()).as_bytes(),
        )
    }
}

fn csrf_token(secret: &str, binding: &str) -> String {
    stoa_app::sha256_hex(&format!("{secret}\0csrf\0{binding}"))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim_matches('"').to_owned())
}

/// A `Set-Cookie` value with Stoa's attributes.
pub(crate) fn set_cookie(name: &str, value: &str, max_age_secs: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let v =
        format!("{name}={value}; Path=/; Max-Age={max_age_secs}; HttpOnly; SameSite=Lax{secure}");
    HeaderValue::from_str(&v).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Finds the visitor, runs the handler, then adds the cookies and headers the visit needs.
pub(crate) async fn session_layer(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let ip = client_ip(peer, req.headers(), &state.config.trusted_proxies);
    req.extensions_mut().insert(ClientIp(ip));
    let headers = req.headers();
    let token = cookie(headers, SESSION_COOKIE);
    let (_, present) = fetch_metadata(headers);
    let mut stale_session = false;
    let user = match &token {
        Some(t) => match state.forum.session_user(t, present).await {
            Ok(u) => {
                stale_session = u.is_none();
                u
            }
            Err(e) => {
                tracing::error!(error = %e, "session lookup failed");
                None
            }
        },
        None => None,
    };
    let seed = cookie(headers, ANON_COOKIE)
        .filter(|s| s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit()));
    let visit = Arc::new(Visit {
        session_token: token.filter(|_| user.is_some()),
        user,
        anon_seed_is_new: seed.is_none(),
        anon_seed: seed.unwrap_or_else(|| stoa_app::random_hex(16)),
        token_used: AtomicBool::new(false),
        secret: state.csrf_secret.clone(),
        nonce: stoa_app::random_hex(16),
    });
    req.extensions_mut().insert(visit.clone());
    let mut res = next.run(req).await;
    let secure = state.config.secure_cookies;
    let h = res.headers_mut();
    // A stale session cookie is cleared, unless this answer sets a new one (a login): the
    // later of two `Set-Cookie`s wins, so clearing after it would log the member out again.
    let sets_session = h.get_all(SET_COOKIE).iter().any(|v| {
        v.as_bytes()
            .starts_with(format!("{SESSION_COOKIE}=").as_bytes())
    });
    if stale_session && !sets_session {
        h.append(SET_COOKIE, set_cookie(SESSION_COOKIE, "", 0, secure));
    }
    if visit.session_token.is_none()
        && visit.anon_seed_is_new
        && visit.token_used.load(Ordering::Relaxed)
    {
        h.append(
            SET_COOKIE,
            set_cookie(ANON_COOKIE, &visit.anon_seed, 60 * 60 * 24 * 30, secure),
        );
    }
    if (visit.user.is_some() || visit.token_used.load(Ordering::Relaxed))
        && !h.contains_key(CACHE_CONTROL)
    {
        h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    security_headers(h, &visit.nonce, secure);
    res
}

/// The headers every response carries. Scripts run only with this response's nonce
/// (`'strict-dynamic'` lets them load no others); no inline handler or injected script can run
/// even if markup ever slipped past the sanitizer.
fn security_headers(h: &mut HeaderMap, nonce: &str, https: bool) {
    let csp = format!(
        "default-src 'self'; script-src 'nonce-{nonce}' 'strict-dynamic'; style-src 'self'; \
         img-src 'self' https: data:; object-src 'none'; base-uri 'none'; \
         frame-ancestors 'none'; form-action 'self'"
    );
    if let Ok(v) = HeaderValue::from_str(&csp) {
        h.insert("content-security-policy", v);
    }
    if https {
        h.insert(
            "strict-transport-security",
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        "referrer-policy",
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
}

/// The extractor handlers use to reach the [`Visit`].
#[derive(Debug, Clone)]
pub struct Viewer(pub Arc<Visit>);

impl std::ops::Deref for Viewer {
    type Target = Visit;

    fn deref(&self) -> &Visit {
        &self.0
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Viewer {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Arc<Visit>>()
            .cloned()
            .map(Viewer)
            .ok_or_else(|| WebError::internal("session layer missing"))
    }
}

/// The client's address, for throttling: the peer's, or — when the peer is a trusted reverse
/// proxy — the one its `X-Forwarded-For` names. Found once per request by the session layer.
#[derive(Debug, Clone)]
pub struct ClientIp(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<ClientIp>()
            .cloned()
            .unwrap_or_else(|| ClientIp("unknown".to_owned())))
    }
}

/// Who sent the request, as the key its per-address limits count under. A peer outside
/// `trusted` is the client. A trusted proxy's `X-Forwarded-For` is read from the right (each
/// proxy appends the address it saw), skipping trusted proxies; the first other address is the
/// client. Anything unparsable on the way means the header cannot be believed, and the peer
/// stands. IPv4 addresses mapped into IPv6 count as IPv4; an IPv6 client counts as its /64, the
/// block one host is given, so that it cannot take a fresh budget from each of its addresses.
pub(crate) fn client_ip(
    peer: Option<std::net::IpAddr>,
    headers: &HeaderMap,
    trusted: &[ipnet::IpNet],
) -> String {
    let Some(peer) = peer.map(|p| p.to_canonical()) else {
        return "unknown".to_owned();
    };
    let is_trusted = |ip: &std::net::IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return address_key(peer);
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    for hop in hops.iter().rev() {
        match forwarded_address(hop) {
            Some(ip) if is_trusted(&ip) => continue,
            Some(ip) => return address_key(ip),
            None => break,
        }
    }
    address_key(peer)
}

/// The key a peer's connections count under, or None for a trusted proxy (which carries many
/// clients' connections).
pub fn peer_key(peer: std::net::IpAddr, trusted: &[ipnet::IpNet]) -> Option<String> {
    let peer = peer.to_canonical();
    (!trusted.iter().any(|net| net.contains(&peer))).then(|| address_key(peer))
}

/// An address as a proxy may write it: `203.0.113.7`, `203.0.113.7:5678`, `2001:db8::1`,
/// `[2001:db8::1]` or `[2001:db8::1]:5678`.
fn forwarded_address(hop: &str) -> Option<std::net::IpAddr> {
    let ip = hop
        .parse::<std::net::IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .or_else(|| {
            hop.strip_prefix('[')
                .and_then(|h| h.strip_suffix(']'))
                .and_then(|h| h.parse().ok())
        })?;
    Some(ip.to_canonical())
}

/// The key a client's limits count under: an IPv4 address, or an IPv6 address's /64.
fn address_key(ip: std::net::IpAddr) -> String {
    match ip {
        std::net::IpAddr::V4(v4) => v4.to_string(),
        std::net::IpAddr::V6(v6) => ipnet::Ipv6Net::new(v6, 64)
            .map(|net| net.trunc().to_string())
            .unwrap_or_else(|_| v6.to_string()),
    }
}

/// Whether the request is a person opening a page: a top-level navigation, as the browser's
/// `Sec-Fetch-*` headers say — `Sec-Fetch-Dest: document`, not a prefetch, and either from
/// this site or typed (`Sec-Fetch-Site: same-origin` or `none`) or a click the person made
/// (`Sec-Fetch-User: ?1`). An image, frame or script that fetches the same URL says otherwise,
/// as does another site sending the browser here without a click, or a client that sends no
/// such headers; only a visit moves a member's read state (the page's script reports reading
/// for browsers that send none).
#[derive(Debug, Clone, Copy)]
pub struct Navigation(pub bool);

/// What the `Sec-Fetch-*` headers say of a request: whether it is a visit (see
/// [`Navigation`]), and whether the member is present — visiting, or running this site's own
/// script (a same-origin `fetch`), which is what makes them "seen" (not away, for emails).
pub(crate) fn fetch_metadata(headers: &HeaderMap) -> (bool, bool) {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_ascii_lowercase)
    };
    let dest = header("sec-fetch-dest");
    let site = header("sec-fetch-site");
    let mode = header("sec-fetch-mode");
    let speculative = header("sec-purpose").is_some() || header("purpose").is_some();
    let ours = matches!(site.as_deref(), Some("same-origin" | "none"));
    let clicked = header("sec-fetch-user").as_deref() == Some("?1");
    let visit = dest.as_deref() == Some("document") && !speculative && (ours || clicked);
    let script = site.as_deref() == Some("same-origin")
        && matches!(mode.as_deref(), Some("cors" | "same-origin"))
        && dest.as_deref() == Some("empty");
    (visit, visit || script)
}

impl<S: Send + Sync> FromRequestParts<S> for Navigation {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Navigation(fetch_metadata(&parts.headers).0))
    }
}

/// A state-changing form: its CSRF token checked, then its fields decoded into `T`.
#[derive(Debug)]
pub struct CsrfForm<T>(pub T);

#[derive(serde::Deserialize)]
struct TokenField {
    #[serde(default)]
    authenticity_token: String,
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for CsrfForm<T> {
    type Rejection = WebError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let visit = req
            .extensions()
            .get::<Arc<Visit>>()
            .cloned()
            .ok_or_else(|| WebError::internal("session layer missing"))?;
        let header_token = req
            .headers()
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                WebError::TooLarge
            } else {
                WebError::bad_request(format!("Could not read the form: {e}"))
            }
        })?;
        let token = match header_token {
            Some(t) => t,
            None => serde_urlencoded::from_bytes::<TokenField>(&body)
                .map(|f| f.authenticity_token)
                .unwrap_or_default(),
        };
        if !visit.csrf_ok(&token) {
            return Err(WebError::Csrf);
        }
        serde_urlencoded::from_bytes::<T>(&body)
            .map(CsrfForm)
            .map_err(|e| {
                WebError::bad_request(format!("The form was not filled in as expected: {e}"))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::client_ip;
    use axum::http::HeaderMap;

    #[test]
    fn forwarded_addresses_are_believed_only_from_trusted_proxies() {
        let trusted: Vec<ipnet::IpNet> =
            vec!["127.0.0.0/8".parse().unwrap(), "::1/128".parse().unwrap()];
        let mut h = HeaderMap::new();
        h.append(
            "x-forwarded-for",
            "198.51.100.9, 203.0.113.7".parse().unwrap(),
        );
        h.append("x-forwarded-for", "127.0.0.5".parse().unwrap());
        let local = Some("127.0.0.1".parse().unwrap());
        let remote = Some("192.0.2.1".parse().unwrap());
        // From the proxy: the rightmost address that is not a proxy of ours.
        assert_eq!(client_ip(local, &h, &trusted), "203.0.113.7");
        // From anyone else, the header is ignored: they could write anything in it.
        assert_eq!(client_ip(remote, &h, &trusted), "192.0.2.1");
        assert_eq!(client_ip(local, &h, &[]), "127.0.0.1");
        let mut bad = HeaderMap::new();
        bad.insert(
            "x-forwarded-for",
            "203.0.113.7, not-an-address".parse().unwrap(),
        );
        assert_eq!(client_ip(local, &bad, &trusted), "127.0.0.1");
        assert_eq!(client_ip(local, &HeaderMap::new(), &trusted), "127.0.0.1");
        assert_eq!(client_ip(None, &h, &trusted), "unknown");
        // Ports and brackets as proxies write them.
        for hop in ["203.0.113.7:5678", "[2001:db8::1]", "[2001:db8::1]:443"] {
            let mut one = HeaderMap::new();
            one.insert("x-forwarded-for", hop.parse().unwrap());
            assert_ne!(client_ip(local, &one, &trusted), "127.0.0.1", "{hop}");
        }
        // An IPv6 host counts as its /64; an IPv4 address mapped into IPv6 as itself.
        let v6a = Some("2001:db8:1:2::a".parse().unwrap());
        let v6b = Some("2001:db8:1:2:ffff::b".parse().unwrap());
        assert_eq!(client_ip(v6a, &h, &trusted), "2001:db8:1:2::/64");
        assert_eq!(client_ip(v6a, &h, &trusted), client_ip(v6b, &h, &trusted));
        let mapped = Some("::ffff:127.0.0.1".parse().unwrap());
        assert_eq!(
            client_ip(mapped, &h, &trusted),
            "203.0.113.7",
            "mapped loopback is trusted"
        );
    }
}
