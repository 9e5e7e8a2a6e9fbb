//! The anonymous page cache: what visitors who are not signed in are shown, kept as rendered
//! bytes — and compressed once, with gzip and with brotli — so the next visitor is answered
//! from memory.
//!
//! A handler marks an answer cacheable by attaching [`Fresh`]: the [`Part`]s of the forum it
//! shows (a topic, a category, the lists, the site). An entry is served only while those
//! parts' versions are what they were when it was rendered (`stoa_app::Freshness`: every
//! write moves the versions of what it changed after it commits and before it answers), so a
//! visitor never sees a page older than a write that was acknowledged. An entry rendered
//! while any write moved anything is not kept (it may have missed that write), and none is
//! kept longer than [`MAX_AGE`], which bounds how old the figures on it that are not the
//! page's own can be: view counts (buffered, not a write of their own) and an author's post
//! count beside their post (moved by their posts elsewhere).
//!
//! Only requests that carry no session cookie, no API credentials and no body (the API reads
//! parameters from a body even on GET) are looked up or stored; a HEAD is answered from an
//! entry but never makes one;
//! an answer that sets a cookie or says `no-store` is never stored. The whole cache weighs at
//! most the configured number of bytes (least recently used entries go first). Entries carry
//! their headers, the Content-Security-Policy nonce included: every visitor of one entry gets
//! the same nonce, as with any cache of whole pages (nothing a visitor sends reaches a cached
//! page except through the sanitizer).
//!
//! Hits still count against the client's request limits and count topic views as the page
//! would. This is one node's memory: with several nodes, a write on one does not reach the
//! others' versions until the live-updates event bus carries them, so run it on one node.

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::{
    ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_LENGTH, ETAG, IF_NONE_MATCH,
    SET_COOKIE, VARY,
};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use stoa_app::{Part, TopicId};

use crate::AppState;
use crate::context::{SESSION_COOKIE, client_ip, fetch_metadata};

/// No entry is served older than this.
pub const MAX_AGE: Duration = Duration::from_secs(60);

/// The largest answer kept: bigger ones are served as they are and not stored.
const MAX_BODY: usize = 2 * 1024 * 1024;

/// Marks an answer as cacheable for visitors: what it shows, and the topic whose view a visit
/// to it counts.
#[derive(Debug, Clone)]
pub(crate) struct Fresh {
    parts: Vec<Part>,
    view_of: Option<TopicId>,
}

impl Fresh {
    pub(crate) fn of(parts: &[Part]) -> Self {
        Self {
            parts: parts.to_vec(),
            view_of: None,
        }
    }

    /// A topic's page, naming the similar topics it shows (one deleted since must leave the
    /// page at once); a visit to it counts a view of the topic.
    pub(crate) fn topic_page(topic: TopicId, similar: impl IntoIterator<Item = TopicId>) -> Self {
        let mut parts = vec![Part::Topic(topic), Part::Site];
        parts.extend(similar.into_iter().map(Part::Topic));
        Self {
            parts,
            view_of: Some(topic),
        }
    }

    /// Attaches itself to an answer.
    pub(crate) fn on(self, mut res: Response) -> Response {
        res.extensions_mut().insert(self);
        res
    }
}

/// One rendered answer, in each encoding.
#[derive(Debug)]
struct Entry {
    fresh: Fresh,
    stamp: Vec<u64>,
    made: Instant,
    headers: HeaderMap,
    etag: HeaderValue,
    identity: Bytes,
    gzip: Bytes,
    brotli: Bytes,
}

impl Entry {
    fn new(mut headers: HeaderMap, body: Bytes, fresh: Fresh, stamp: Vec<u64>) -> Self {
        headers.remove(CONTENT_LENGTH);
        headers.remove(CACHE_CONTROL);
        let hash = stoa_app::sha256_bytes_hex(&body);
        let etag = HeaderValue::from_str(&format!("W/\"{}\"", &hash[..20]))
            .unwrap_or_else(|_| HeaderValue::from_static("W/\"0\""));
        Self {
            gzip: gzip(&body),
            brotli: brotli(&body),
            identity: body,
            fresh,
            stamp,
            made: Instant::now(),
            headers,
            etag,
        }
    }

    fn weight(&self) -> u64 {
        (self.identity.len() + self.gzip.len() + self.brotli.len() + 1024) as u64
    }
}

fn gzip(body: &[u8]) -> Bytes {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
    match e.write_all(body).and_then(|()| e.finish()) {
        Ok(v) => v.into(),
        Err(_) => Bytes::new(),
    }
}

fn brotli(body: &[u8]) -> Bytes {
    let mut out = Vec::new();
    // A window no bigger than the page needs (1 MB at most). Not under 256 kB: at 64 kB and
    // below the encoder switches to a hasher that allocates 20 MB and takes ten times as long
    // (measured on a 60 kB page: 23 MB and 16 ms against 5 MB and 1.7 ms).
    let lgwin = (usize::BITS - body.len().leading_zeros()).clamp(18, 20) as i32;
    let params = brotli::enc::BrotliEncoderParams {
        quality: 5,
        lgwin,
        size_hint: body.len(),
        ..Default::default()
    };
    match brotli::BrotliCompress(&mut &body[..], &mut out, &params) {
        Ok(_) => out.into(),
        Err(_) => Bytes::new(),
    }
}

#[derive(Clone)]
struct Weight;

impl quick_cache::Weighter<String, Arc<Entry>> for Weight {
    fn weight(&self, _: &String, entry: &Arc<Entry>) -> u64 {
        entry.weight()
    }
}

/// Rendered answers for visitors, by request.
pub struct PageCache {
    entries: quick_cache::sync::Cache<String, Arc<Entry>, Weight>,
    /// Compressions at once: one per core. Each holds its encoders' buffers (a few MB for
    /// brotli), so sixteen visitors missing at once — a new page, or one a write just made
    /// stale — would hold sixteen sets; the others wait, which costs no more time on a
    /// machine with that many cores.
    compressing: tokio::sync::Semaphore,
}

impl std::fmt::Debug for PageCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PageCache")
            .field("entries", &self.entries.len())
            .field("bytes", &self.entries.weight())
            .finish()
    }
}

impl PageCache {
    /// A cache of at most `bytes` (None for 0: no cache).
    pub fn new(bytes: u64) -> Option<Self> {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        (bytes > 0).then(|| Self {
            // quick_cache sizes its tables from the count it is told to expect; a page with
            // its two compressed copies weighs some 50 kB.
            entries: quick_cache::sync::Cache::with_weighter(
                (bytes / 50_000).max(16) as usize,
                bytes,
                Weight,
            ),
            compressing: tokio::sync::Semaphore::new(cores),
        })
    }
}

/// The encodings a client takes, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

fn chosen_encoding(headers: &HeaderMap) -> Encoding {
    let mut brotli = false;
    let mut gzip = false;
    for v in headers.get_all(ACCEPT_ENCODING) {
        let Ok(v) = v.to_str() else { continue };
        for item in v.split(',') {
            let mut pieces = item.split(';');
            let name = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
            let refused = pieces.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            match name.as_str() {
                "br" => brotli = !refused,
                "gzip" | "x-gzip" => gzip = !refused,
                _ => {}
            }
        }
    }
    if brotli {
        Encoding::Brotli
    } else if gzip {
        Encoding::Gzip
    } else {
        Encoding::Identity
    }
}

/// Whether `If-None-Match` names the entry (weak comparison: the tag, with or without `W/`).
fn not_modified(headers: &HeaderMap, etag: &HeaderValue) -> bool {
    let ours = etag.to_str().unwrap_or("").trim_start_matches("W/");
    headers
        .get_all(IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == "*" || t == ours)
}

/// The answer an entry gives to a request with these headers.
fn answer(entry: &Entry, req: &HeaderMap, head: bool, hit: bool) -> Response {
    let mut headers = entry.headers.clone();
    headers.insert(ETAG, entry.etag.clone());
    // The same address answers HTML or JSON by `Accept`, and members get their own pages.
    headers.insert(
        VARY,
        HeaderValue::from_static("Accept, Accept-Encoding, Cookie"),
    );
    // Browsers may keep the page, and ask each time whether it is still this one.
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(
        "x-stoa-cache",
        HeaderValue::from_static(if hit { "hit" } else { "miss" }),
    );
    if not_modified(req, &entry.etag) {
        headers.remove(axum::http::header::CONTENT_TYPE);
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    let body = match chosen_encoding(req) {
        Encoding::Brotli if !entry.brotli.is_empty() => {
            headers.insert(CONTENT_ENCODING, HeaderValue::from_static("br"));
            entry.brotli.clone()
        }
        Encoding::Gzip | Encoding::Brotli if !entry.gzip.is_empty() => {
            headers.insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            entry.gzip.clone()
        }
        _ => entry.identity.clone(),
    };
    headers.insert(CONTENT_LENGTH, HeaderValue::from(body.len()));
    let body = if head {
        Body::empty()
    } else {
        Body::from(body)
    };
    (StatusCode::OK, headers, body).into_response()
}

/// Whether a request may be answered from the cache: a GET or HEAD from someone who sends no
/// session and no API credentials. The key is the address as asked, and whether the answer
/// is JSON (the same path answers HTML or JSON by `Accept`).
fn key(req: &Request) -> Option<String> {
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        return None;
    }
    let h = req.headers();
    // The API reads parameters from a body too, even on GET: an answer shaped by a body is
    // not the answer to the address alone.
    let has_body = h.contains_key(axum::http::header::TRANSFER_ENCODING)
        || h.get(CONTENT_LENGTH)
            .is_some_and(|v| !v.to_str().is_ok_and(|n| n.trim() == "0"));
    if has_body {
        return None;
    }
    let signed_in = crate::context::cookie(h, SESSION_COOKIE).is_some();
    let credentials = ["api-key", "api-username", "user-api-key", "authorization"]
        .iter()
        .any(|name| h.contains_key(*name));
    if signed_in || credentials {
        return None;
    }
    let json = crate::api::wants_json(h);
    Some(format!("{}{}", if json { 'J' } else { 'H' }, req.uri()))
}

/// The layer: answers visitors from the cache, and keeps what handlers mark [`Fresh`].
pub(crate) async fn layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (Some(cache), Some(key)) = (state.cache.as_deref(), key(&req)) else {
        return next.run(req).await;
    };
    let forum = &state.forum;
    let head = req.method() == Method::HEAD;
    if let Some(entry) = cache.entries.get(&key) {
        let current = entry.made.elapsed() < MAX_AGE
            && forum.freshness().still(&entry.fresh.parts, &entry.stamp);
        if !current {
            cache.entries.remove(&key);
        } else {
            let peer = req
                .extensions()
                .get::<ConnectInfo<std::net::SocketAddr>>()
                .map(|c| c.0.ip());
            let ip = client_ip(peer, req.headers(), &state.config.trusted_proxies);
            // Over its limits, the client gets the refusal the handlers give.
            if forum.request_from(&ip).is_ok() {
                if let Some(topic) = entry.fresh.view_of
                    && fetch_metadata(req.headers()).0
                {
                    forum.count_view(topic, &format!("ip:{ip}"));
                }
                return answer(&entry, req.headers(), head, true);
            }
            return next.run(req).await;
        }
    }
    // A HEAD answer has lost its body inside the router: nothing to keep.
    if head {
        return next.run(req).await;
    }
    let epoch = forum.freshness().epoch();
    let asked = req.headers().clone();
    let res = next.run(req).await;
    let Some(fresh) = res.extensions().get::<Fresh>().cloned() else {
        return res;
    };
    let private = res.headers().get(CACHE_CONTROL).is_some_and(|v| {
        v.to_str()
            .is_ok_and(|v| v.contains("no-store") || v.contains("private"))
    });
    // Only a body of known size within bounds is read here; any other goes out as it is.
    let sized = res
        .body()
        .size_hint()
        .upper()
        .is_some_and(|n| n <= MAX_BODY as u64);
    if res.status() != StatusCode::OK || res.headers().contains_key(SET_COOKIE) || private || !sized
    {
        return res;
    }
    let (parts, body) = res.into_parts();
    let Ok(body) = axum::body::to_bytes(body, MAX_BODY).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let stamp = forum.freshness().stamp(&fresh.parts);
    if forum.freshness().epoch() != epoch {
        // Rendered while a write moved something: it may have missed it, so it is not kept
        // (and not compressed for nothing).
        return Response::from_parts(parts, Body::from(body));
    }
    let Ok(_permit) = cache.compressing.acquire().await else {
        return Response::from_parts(parts, Body::from(body));
    };
    let entry = Arc::new(Entry::new(parts.headers, body, fresh, stamp));
    cache.entries.insert(key, entry.clone());
    answer(&entry, &asked, false, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn encodings_are_chosen_from_accept_encoding() {
        let pick = |v| chosen_encoding(&headers(&[("accept-encoding", v)]));
        assert_eq!(pick("gzip, deflate, br, zstd"), Encoding::Brotli);
        assert_eq!(pick("gzip, deflate"), Encoding::Gzip);
        assert_eq!(pick("br;q=0, gzip;q=0.5"), Encoding::Gzip);
        assert_eq!(pick("identity"), Encoding::Identity);
        assert_eq!(chosen_encoding(&HeaderMap::new()), Encoding::Identity);
    }

    #[test]
    fn an_etag_matches_weakly_and_in_lists() {
        let tag = HeaderValue::from_static("W/\"abc\"");
        assert!(not_modified(
            &headers(&[("if-none-match", "W/\"abc\"")]),
            &tag
        ));
        assert!(not_modified(
            &headers(&[("if-none-match", "\"x\", \"abc\"")]),
            &tag
        ));
        assert!(!not_modified(
            &headers(&[("if-none-match", "\"abd\"")]),
            &tag
        ));
        assert!(!not_modified(&HeaderMap::new(), &tag));
    }

    #[test]
    fn compressed_copies_decompress_to_the_page() {
        let page = "<p>The pact was signed on 13 April 1941.</p>".repeat(200);
        let mut out = String::new();
        std::io::Read::read_to_string(
            &mut flate2::read::GzDecoder::new(&gzip(page.as_bytes())[..]),
            &mut out,
        )
        .unwrap();
        assert_eq!(out, page);
        let mut out = Vec::new();
        brotli::BrotliDecompress(&mut &brotli(page.as_bytes())[..], &mut out).unwrap();
        assert_eq!(out, page.as_bytes());
        assert!(brotli(page.as_bytes()).len() < page.len() / 10);
    }
}
