//! What a hostile client tried (issue 13), through a real server on both backends: each test
//! names the finding it pins down. A stack overflow in the server aborts this test binary, so
//! "the server is still answering" is checked by the test runner as well as by the asserts.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::{Backend, TestServer};
use reqwest::StatusCode;

/// The demo's history discussion.
const DEMO_TOPIC: i64 = 2;

/// The demo topic's page path, `/t/{slug}/{id}`.
async fn demo_topic_path(s: &TestServer) -> String {
    let json: serde_json::Value = reqwest::get(s.url(&format!("/t/{DEMO_TOPIC}.json")))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    format!("/t/{}/{DEMO_TOPIC}", json["slug"].as_str().unwrap())
}

async fn still_serving(s: &TestServer) {
    let page = s.visitor().get("/latest").await;
    assert_eq!(page.status, StatusCode::OK);
}

/// Finding 1: form keys nested 10,000 deep (30 kB, no account needed) overflowed the stack.
async fn deep_form_keys_are_refused(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let http = reqwest::Client::new();
    let deep = format!("a{}=1", "[x]".repeat(10_000));
    for (method, path) in [
        (reqwest::Method::PUT, "/posts/1.json"),
        (reqwest::Method::POST, "/posts.json"),
        (reqwest::Method::GET, "/latest.json"),
    ] {
        let (url, body) = if method == reqwest::Method::GET {
            (s.url(&format!("{path}?{deep}")), String::new())
        } else {
            (s.url(path), deep.clone())
        };
        let res = http
            .request(method.clone(), url)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{method} {path}");
        let text = res.text().await.unwrap();
        assert!(text.contains("nest at most 32"), "{text}");
    }
    // JSON nested past serde_json's limit is a 400 too.
    let deep_json = format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000));
    let res = http
        .post(s.url("/posts.json"))
        .header("Content-Type", "application/json")
        .body(format!("{{\"raw\": {deep_json}}}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    still_serving(&s).await;
}

/// Finding 2: a member's reply of 1,500 nested quotes (22 kB) overflowed the stack. Now it is
/// refused with a message that says why, by the page and by the API alike.
async fn deep_quotes_are_refused(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let member = s.member("quoter").await;
    let raw = format!(
        "{}Deep enough to hurt.{}",
        "[quote]\n".repeat(1_500),
        "\n[/quote]".repeat(1_500)
    );
    let path = demo_topic_path(&s).await;
    let page = member
        .submit(&path, &format!("{path}/reply"), &[("raw", &raw)])
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.body.contains("Quotes nest too deeply"),
        "{}",
        &page.body[..500.min(page.body.len())]
    );
    // The same body written as nested block quotes and lists, through the API.
    let token = member.token().await;
    for raw in [">".repeat(31_990), format!("{}x", "- ".repeat(15_000))] {
        let res = member
            .client
            .post(s.url("/posts.json"))
            .header("X-CSRF-Token", &token)
            .json(&serde_json::json!({"topic_id": DEMO_TOPIC, "raw": raw}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let text = res.text().await.unwrap();
        assert!(text.contains("nest too deeply"), "{text}");
    }
    // A real discussion's quoting is nowhere near the limit.
    let ok = "[quote=\"lena, post:1, topic:2\"]\n[quote=\"tomas, post:2, topic:2\"]\n\
              > Izvestia, 14 April 1941\n[/quote]\n[/quote]\nA quote of a quote is fine.";
    let page = member
        .submit(&path, &format!("{path}/reply"), &[("raw", ok)])
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    still_serving(&s).await;
}

/// Finding 4: `"see http://a.b/" + ")" * 31000` took 2.8 s to cook inside the write
/// transaction, stalling every other write. Cooking is linear now and happens before the
/// transaction; this reply is accepted quickly, and a second member's reply meanwhile is too.
async fn slow_bodies_cook_quickly(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let slow = s.member("slowpoke").await;
    let other = s.member("bystander").await;
    let token = slow.token().await;
    let other_token = other.token().await;
    let post = |who: &common::Browser, token: &str, raw: String| {
        let req = who
            .client
            .post(s.url("/posts.json"))
            .header("X-CSRF-Token", token)
            .json(&serde_json::json!({"topic_id": DEMO_TOPIC, "raw": raw}));
        async move {
            let t = Instant::now();
            let res = req.send().await.unwrap();
            (res.status(), t.elapsed())
        }
    };
    let bodies = [
        format!("see http://a.b/{}", ")".repeat(31_000)),
        format!("see {}", "[quote][/quote]".repeat(2_000)),
        format!("see {}", "<span>".repeat(5_000)),
    ];
    for raw in bodies {
        let ((status, took), (other_status, other_took)) = tokio::join!(
            post(&slow, &token, raw),
            post(&other, &other_token, "Meanwhile, an ordinary reply.".into()),
        );
        assert!(status.is_success() || status == StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(other_status, StatusCode::OK);
        assert!(took < Duration::from_secs(2), "{took:?}");
        assert!(other_took < Duration::from_secs(2), "{other_took:?}");
    }
    still_serving(&s).await;
}

on_both_backends!(
    deep_form_keys_are_refused,
    deep_quotes_are_refused,
    slow_bodies_cook_quickly,
);
