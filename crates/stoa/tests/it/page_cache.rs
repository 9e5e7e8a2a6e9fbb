//! The anonymous page cache over real HTTP: visitors are answered from memory, compressed and
//! with validators, and never see a page older than a write that was acknowledged — with
//! writers and readers running at once.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{Backend, TestServer};

/// The demo's reference thread.
const TOPIC: i64 = 2;

/// A client that sends nothing a browser would not: no cookies, its own `Accept-Encoding`.
fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn json_of(http: &reqwest::Client, url: &str) -> (Value, bool) {
    let res = http.get(url).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK, "{url}");
    let hit = res
        .headers()
        .get("x-stoa-cache")
        .is_some_and(|v| v == "hit");
    (res.json().await.unwrap(), hit)
}

/// Writes as `user` through the API (an all-users key), as a script of theirs would.
async fn write(
    http: &reqwest::Client,
    s: &TestServer,
    key: &str,
    user: &str,
    method: reqwest::Method,
    path: &str,
    body: Value,
) -> Value {
    let res = http
        .request(method, s.url(path))
        .header("Api-Key", key)
        .header("Api-Username", user)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status();
    let text = res.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{path}: {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

fn stream(topic: &Value) -> Vec<i64> {
    topic["post_stream"]["stream"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect()
}

async fn visitors_never_see_a_page_older_than_an_acknowledged_write(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let forum = stoa::open(&s.config).await.unwrap();
    let key = forum.create_api_key(None, "tests").await.unwrap().key;
    forum.db().close().await;
    let s = Arc::new(s);
    let topic_url = s.url(&format!("/t/{TOPIC}.json"));
    let (topic, _) = json_of(&client(), &topic_url).await;
    let slug = topic["slug"].as_str().unwrap().to_owned();

    // Visitors read the topic, the lists and the topic's page all along, so the cache is
    // filled and refilled while the writes land.
    let stop = Arc::new(AtomicBool::new(false));
    let hits = Arc::new(AtomicUsize::new(0));
    let mut readers = tokio::task::JoinSet::new();
    for r in 0..4 {
        let (s, stop, hits) = (s.clone(), stop.clone(), hits.clone());
        let page = format!("/t/{slug}/{TOPIC}");
        readers.spawn(async move {
            let http = client();
            let paths = [
                format!("/t/{TOPIC}.json"),
                "/latest.json".to_owned(),
                "/latest".to_owned(),
                page,
                format!("/search.json?q=zqmarker{r}"),
            ];
            let mut i = r;
            while !stop.load(Ordering::Relaxed) {
                let res = http
                    .get(s.url(&paths[i % paths.len()]))
                    .send()
                    .await
                    .unwrap();
                if res
                    .headers()
                    .get("x-stoa-cache")
                    .is_some_and(|v| v == "hit")
                {
                    hits.fetch_add(1, Ordering::Relaxed);
                }
                let _ = res.bytes().await.unwrap();
                i += 1;
            }
        });
    }

    // Each acknowledged write is at once in what the next visitor is shown.
    let http = client();
    let mut previous: Option<i64> = None;
    for i in 0..15 {
        let raw =
            format!("Reply {i}, written while visitors keep reading the pact thread: zqmarker{i}.");
        let posted = write(
            &http,
            &s,
            &key,
            "lena",
            reqwest::Method::POST,
            "/posts.json",
            json!({ "topic_id": TOPIC, "raw": raw }),
        )
        .await;
        let id = posted["id"].as_i64().unwrap();
        let number = posted["post_number"].as_i64().unwrap();
        let (topic, _) = json_of(&http, &topic_url).await;
        assert!(
            stream(&topic).contains(&id),
            "{b:?}: reply {i} (post {id}) was acknowledged but a visitor's topic lacks it"
        );
        // Search results are pages too: the reply is found by the next visitor who asks.
        let (found, _) = json_of(&http, &s.url(&format!("/search.json?q=zqmarker{i}"))).await;
        assert!(
            found["posts"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["id"].as_i64() == Some(id)),
            "{b:?}: reply {i} was acknowledged but a visitor's search misses it: {found}"
        );
        let (latest, _) = json_of(&http, &s.url("/latest.json")).await;
        let first = &latest["topic_list"]["topics"][0];
        assert_eq!(first["id"], TOPIC, "{b:?}: the replied topic leads /latest");
        assert_eq!(
            first["highest_post_number"], number,
            "{b:?}: /latest shows the reply"
        );
        let page = http
            .get(s.url(&format!("/t/x/{TOPIC}/{number}")))
            .send()
            .await
            .unwrap();
        let page = http
            .get(
                page.headers()["location"]
                    .to_str()
                    .map(|l| s.url(l))
                    .unwrap(),
            )
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            page.contains(&raw),
            "{b:?}: the topic's page shows reply {i}"
        );
        // Deleting the reply before it leaves a visitor's stream at once, too.
        if let Some(before) = previous.take() {
            write(
                &http,
                &s,
                &key,
                "lena",
                reqwest::Method::DELETE,
                &format!("/posts/{before}.json"),
                Value::Null,
            )
            .await;
            let (topic, _) = json_of(&http, &topic_url).await;
            assert!(
                !stream(&topic).contains(&before),
                "{b:?}: post {before} was deleted but a visitor still sees it"
            );
        }
        previous = Some(id);
    }
    stop.store(true, Ordering::Relaxed);
    while let Some(r) = readers.join_next().await {
        r.unwrap();
    }
    assert!(
        hits.load(Ordering::Relaxed) > 0,
        "{b:?}: the readers were never answered from the cache"
    );
}

on_both_backends!(visitors_never_see_a_page_older_than_an_acknowledged_write);

/// Post `number`'s article in a topic page.
fn article(page: &str, number: i64) -> &str {
    let start = page
        .find(&format!("id=\"post_{number}\""))
        .unwrap_or_else(|| panic!("post {number} is not on the page"));
    let rest = &page[start..];
    &rest[..rest.find("</article>").unwrap_or(rest.len())]
}

/// Members' pages are built from what every reader of a topic is shown alike (kept in memory,
/// like visitors' pages) and their own state, read apart: after each acknowledged reply, like
/// and delete, the next member's page shows it — their own like as theirs, someone else's as
/// a count — while members and visitors read the topic all along.
async fn members_never_see_a_page_older_than_an_acknowledged_write(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let forum = stoa::open(&s.config).await.unwrap();
    let key = forum.create_api_key(None, "tests").await.unwrap().key;
    forum.db().close().await;
    let s = Arc::new(s);
    let vera = s.member("vera").await;
    let oleg = Arc::new(s.member("oleg").await);
    let (topic, _) = json_of(&client(), &s.url(&format!("/t/{TOPIC}.json"))).await;
    let slug = topic["slug"].as_str().unwrap().to_owned();

    let stop = Arc::new(AtomicBool::new(false));
    let mut readers = tokio::task::JoinSet::new();
    for r in 0..3 {
        let (s, stop, oleg) = (s.clone(), stop.clone(), oleg.clone());
        let page = format!("/t/{slug}/{TOPIC}?page=1");
        readers.spawn(async move {
            let http = client();
            while !stop.load(Ordering::Relaxed) {
                if r == 0 {
                    assert_eq!(oleg.get(&page).await.status, StatusCode::OK);
                } else {
                    let res = http.get(s.url(&page)).send().await.unwrap();
                    let _ = res.bytes().await.unwrap();
                }
            }
        });
    }

    let http = client();
    let mut previous: Option<(i64, i64)> = None;
    for i in 0..10 {
        let raw = format!("Reply {i}, written while members keep reading the pact thread.");
        let posted = write(
            &http,
            &s,
            &key,
            "lena",
            reqwest::Method::POST,
            "/posts.json",
            json!({ "topic_id": TOPIC, "raw": raw }),
        )
        .await;
        let id = posted["id"].as_i64().unwrap();
        let number = posted["post_number"].as_i64().unwrap();
        let at = format!("/t/{slug}/{TOPIC}/{number}");
        let page = vera.get(&at).await;
        assert_eq!(page.status, StatusCode::OK, "{b:?}: {at}");
        assert!(
            article(&page.body, number).contains(&raw),
            "{b:?}: reply {i} was acknowledged but vera's page lacks it"
        );
        assert!(!article(&page.body, number).contains("like liked"));

        // Vera likes it: her page says she did; oleg's counts it but is not his.
        write(
            &http,
            &s,
            &key,
            "vera",
            reqwest::Method::POST,
            "/post_actions",
            json!({ "id": id, "post_action_type_id": 2 }),
        )
        .await;
        let mine = vera.get(&at).await.body;
        let post = article(&mine, number);
        assert!(post.contains("like liked"), "{b:?}: vera's like is hers");
        assert!(post.contains("1 Like"), "{b:?}: and counted");
        let theirs = oleg.get(&at).await.body;
        let post = article(&theirs, number);
        assert!(post.contains("1 Like"), "{b:?}: oleg sees the count");
        assert!(!post.contains("like liked"), "{b:?}: but not as his like");

        // The reply before goes: nobody's page shows its text any more.
        if let Some((before, before_number)) = previous.take() {
            write(
                &http,
                &s,
                &key,
                "lena",
                reqwest::Method::DELETE,
                &format!("/posts/{before}.json"),
                Value::Null,
            )
            .await;
            let page = vera
                .get(&format!("/t/{slug}/{TOPIC}/{before_number}"))
                .await
                .body;
            assert!(
                !article(&page, before_number).contains(&format!("Reply {}", i - 1)),
                "{b:?}: post {before} was deleted but vera still sees it"
            );
        }
        previous = Some((id, number));
    }
    stop.store(true, Ordering::Relaxed);
    while let Some(r) = readers.join_next().await {
        r.unwrap();
    }
}

on_both_backends!(members_never_see_a_page_older_than_an_acknowledged_write);

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(bytes), &mut out).unwrap();
    out
}

fn unbrotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli::BrotliDecompress(&mut &bytes[..], &mut out).unwrap();
    out
}

async fn cached_pages_come_compressed_with_validators(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let http = client();
    let (topic, _) = json_of(&http, &s.url(&format!("/t/{TOPIC}.json"))).await;
    let page = format!("/t/{}/{TOPIC}", topic["slug"].as_str().unwrap());
    for path in ["/latest", "/latest.json", &page, "/t/2.json", "/categories"] {
        let url = s.url(path);
        let plain = http.get(&url).send().await.unwrap();
        assert_eq!(plain.status(), StatusCode::OK, "{path}");
        let etag = plain.headers()["etag"].clone();
        assert_eq!(plain.headers()["cache-control"], "no-cache", "{path}");
        assert_eq!(
            plain.headers()["vary"],
            "Accept, Accept-Encoding, Cookie",
            "{path}"
        );
        assert!(plain.headers().get("content-encoding").is_none(), "{path}");
        let plain = plain.bytes().await.unwrap();

        let br = http
            .get(&url)
            .header("accept-encoding", "gzip, deflate, br")
            .send()
            .await
            .unwrap();
        assert_eq!(br.headers()["x-stoa-cache"], "hit", "{path}");
        assert_eq!(br.headers()["content-encoding"], "br", "{path}");
        assert_eq!(br.headers()["etag"], etag, "{path}");
        let br = br.bytes().await.unwrap();
        assert!(br.len() < plain.len(), "{path}: brotli is smaller");
        assert_eq!(unbrotli(&br), plain, "{path}: brotli holds the same page");

        let gz = http
            .get(&url)
            .header("accept-encoding", "gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(gz.headers()["content-encoding"], "gzip", "{path}");
        assert_eq!(
            gunzip(&gz.bytes().await.unwrap()),
            plain,
            "{path}: gzip too"
        );

        let again = http
            .get(&url)
            .header("if-none-match", etag.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{path}");
        assert_eq!(again.headers()["etag"], etag, "{path}");
        assert!(again.bytes().await.unwrap().is_empty(), "{path}");

        // A HEAD before anything is kept says no more than the router does; after, the
        // entry's own headers.
        let fresh_url = format!("{url}{}page=0", if path.contains('?') { '&' } else { '?' });
        let first = http.head(&fresh_url).send().await.unwrap();
        assert_eq!(first.status(), StatusCode::OK, "{path}");
        assert!(first.headers().get("content-encoding").is_none(), "{path}");
        assert!(first.headers().get("x-stoa-cache").is_none(), "{path}");
        let head = http.head(&url).send().await.unwrap();
        assert_eq!(head.status(), StatusCode::OK, "{path}");
        assert_eq!(
            head.headers()["content-length"],
            plain.len().to_string().as_str(),
            "{path}"
        );
    }

    // The API reads parameters from a body, even on a GET: such an answer is not kept for
    // the address, or anyone could choose what the next visitor of /latest.json gets.
    let (first_page, _) = json_of(&http, &s.url("/latest.json")).await;
    let res = http
        .get(s.url("/latest.json"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("page=40")
        .send()
        .await
        .unwrap();
    assert!(res.headers().get("x-stoa-cache").is_none());
    let (after, hit) = json_of(&http, &s.url("/latest.json")).await;
    assert!(hit);
    assert_eq!(
        after, first_page,
        "a GET with a body changed what visitors get"
    );

    // A member's pages are theirs: never from the cache, never kept for visitors.
    let vera = s.member("vera").await;
    let page = vera.get("/latest").await;
    assert!(page.headers.get("x-stoa-cache").is_none());
    assert!(page.body.contains("Log out"));
    let visitor = http.get(s.url("/latest")).send().await.unwrap();
    assert!(!visitor.text().await.unwrap().contains("Log out"));

    // A write makes the lists' entry stale: a new tag, and the new topic in it.
    let (before, _) = json_of(&http, &s.url("/latest.json")).await;
    let tag = http.get(s.url("/latest")).send().await.unwrap().headers()["etag"].clone();
    let made = vera
        .new_topic(
            2,
            "Did Tokyo expect Moscow to keep the pact?",
            "Some say it did, and that Matsuoka believed it himself.",
        )
        .await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
    let after = http.get(s.url("/latest")).send().await.unwrap();
    assert_eq!(after.headers()["x-stoa-cache"], "miss");
    assert_ne!(after.headers()["etag"], tag);
    assert!(
        after
            .text()
            .await
            .unwrap()
            .contains("Did Tokyo expect Moscow")
    );
    let (now, _) = json_of(&http, &s.url("/latest.json")).await;
    assert_ne!(
        now["topic_list"]["topics"][0],
        before["topic_list"]["topics"][0]
    );
}

on_both_backends!(cached_pages_come_compressed_with_validators);
