//! What a newcomer tripped over (issue 14), through a real server on both backends: each test
//! names the bug it pins down.

use crate::common::{self, Backend, TestServer};
use reqwest::StatusCode;
use serde_json::Value;

/// The demo's history discussion.
const DEMO_TOPIC: i64 = 2;

/// A server with demo content and an all-users API key.
async fn start(b: Backend) -> Option<(TestServer, String)> {
    let s = TestServer::start(b).await?;
    let forum = s.forum().await;
    let key = forum.create_api_key(None, "tests").await.unwrap().key;
    forum.db().close().await;
    Some((s, key))
}

/// An API client acting as `username`; never follows redirects.
struct Api {
    base: String,
    http: reqwest::Client,
    key: String,
    username: String,
}

impl Api {
    fn new(s: &TestServer, key: &str, username: &str) -> Self {
        Self {
            base: s.url(""),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            key: key.to_owned(),
            username: username.to_owned(),
        }
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> (StatusCode, Value) {
        let res = req
            .header("Api-Key", &self.key)
            .header("Api-Username", &self.username)
            .header("Accept", "application/json")
            .send()
            .await
            .unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        let json = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
        (status, json)
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.send(self.http.get(format!("{}{path}", self.base)))
            .await
    }

    async fn post(&self, path: &str, fields: &[(&str, &str)]) -> (StatusCode, Value) {
        self.send(self.http.post(format!("{}{path}", self.base)).form(fields))
            .await
    }
}

/// A "private message" sent through the API became a public topic. Until private messages
/// exist, any archetype but `regular` is refused, and nothing is created.
async fn private_messages_are_refused(b: Backend) {
    let Some((s, key)) = start(b).await else {
        return;
    };
    let api = Api::new(&s, &key, "keiko");
    let title = "A word in private about the Tokyo cables";
    for archetype in ["private_message", "banner", "Private_Message"] {
        let (status, body) = api
            .post(
                "/posts.json",
                &[
                    ("title", title),
                    ("raw", "Only for the admins: the cable of 12 April 1941."),
                    ("archetype", archetype),
                    ("target_recipients", "admin"),
                    ("category", "1"),
                ],
            )
            .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{archetype}: {body}"
        );
        let message = body["errors"][0].as_str().unwrap();
        assert!(
            message.contains("rchetype") || message.contains("Private messages"),
            "{message}"
        );
    }
    for fields in [
        [
            ("archetype", "private_message"),
            ("target_recipients", "admin"),
        ],
        // Recipients alone say "private" as clearly.
        [("target_recipients", "admin"), ("category", "1")],
        [("target_usernames", "admin"), ("category", "1")],
    ] {
        let mut all = vec![("title", title), ("raw", "Only for the admins, please.")];
        all.extend(fields);
        let (status, body) = api.post("/posts.json", &all).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{fields:?}: {body}"
        );
        assert!(
            body["errors"][0]
                .as_str()
                .unwrap()
                .contains("Private messages"),
            "{fields:?}: {body}"
        );
    }
    let (_, latest) = api.get("/latest.json").await;
    let titles: Vec<&str> = latest["topic_list"]["topics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["title"].as_str().unwrap())
        .collect();
    assert!(!titles.contains(&title), "{titles:?}");
    // `regular`, said out loud, is a topic as before.
    let (status, body) = api
        .post(
            "/posts.json",
            &[
                ("title", title),
                ("raw", "In public after all: the cable of 12 April 1941."),
                ("archetype", "regular"),
                ("category", "1"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// Where a page answers a GET, without following it.
async fn location(v: &common::Browser, path: &str) -> (StatusCode, String) {
    let page = v.get_raw(path).await;
    let to = page
        .headers
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (page.status, to)
}

/// Discourse's short links 404ed; they lead to the canonical page, as on Discourse.
async fn short_links_lead_to_the_page(b: Backend) {
    let Some((s, key)) = start(b).await else {
        return;
    };
    let v = s.visitor();
    let api = Api::new(&s, &key, "admin");
    let (_, topic) = api.get(&format!("/t/{DEMO_TOPIC}.json")).await;
    let slug = topic["slug"].as_str().unwrap().to_owned();
    let canonical = format!("/t/{slug}/{DEMO_TOPIC}");
    let post_2 = topic["post_stream"]["posts"][1]["id"].as_i64().unwrap();
    let moved = StatusCode::MOVED_PERMANENTLY;
    assert_eq!(
        location(&v, &format!("/t/{DEMO_TOPIC}")).await,
        (moved, canonical.clone())
    );
    assert_eq!(
        location(&v, &format!("/t/{DEMO_TOPIC}?page=1")).await,
        (moved, format!("{canonical}?page=1"))
    );
    assert_eq!(
        location(&v, &format!("/t/{DEMO_TOPIC}/2")).await,
        (moved, format!("{canonical}/2"))
    );
    assert_eq!(
        location(&v, &format!("/t/a-wrong-slug/{DEMO_TOPIC}/2")).await,
        (moved, format!("{canonical}/2"))
    );
    let (status, to) = location(&v, &format!("/p/{post_2}")).await;
    assert!(status.is_redirection(), "{status}");
    assert_eq!(to, format!("{canonical}/2#post_2"));
    // Each lands on a page that opens.
    assert_eq!(
        v.get(&format!("/t/{DEMO_TOPIC}/2")).await.status,
        StatusCode::OK
    );
    // The API's own `url` and `post_url` fields.
    let (_, found) = api
        .get("/topics/similar_to.json?title=Was+the+neutrality+pact+trusted%3F")
        .await;
    let url = found["similar_topics"][0]["url"]
        .as_str()
        .unwrap_or_else(|| panic!("{found}"));
    assert_eq!(v.get(url).await.status, StatusCode::OK, "{url}");
    let post_url = topic["post_stream"]["posts"][1]["post_url"]
        .as_str()
        .unwrap();
    assert_eq!(v.get(post_url).await.status, StatusCode::OK, "{post_url}");
    // Categories: by id, by slug, a subcategory by both slugs or with its id.
    let (status, made) = api
        .post(
            "/categories.json",
            &[
                ("name", "Eastern Front"),
                ("parent_category_id", "2"),
                ("color", "B3B5B4"),
                ("text_color", "FFFFFF"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{made}");
    let child = made["category"]["id"].as_i64().unwrap();
    let child_page = format!("/c/eastern-front/{child}");
    assert_eq!(location(&v, "/c/2").await, (moved, "/c/history/2".into()));
    assert_eq!(
        location(&v, "/c/history").await,
        (moved, "/c/history/2".into())
    );
    assert_eq!(
        location(&v, "/c/eastern-front").await,
        (moved, child_page.clone())
    );
    assert_eq!(
        location(&v, "/c/history/eastern-front").await,
        (moved, child_page.clone())
    );
    assert_eq!(
        location(&v, &format!("/c/history/eastern-front/{child}")).await,
        (moved, child_page.clone())
    );
    assert_eq!(v.get(&child_page).await.status, StatusCode::OK);
    assert_eq!(
        v.get("/c/general/eastern-front").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        v.get("/c/no-such-category").await.status,
        StatusCode::NOT_FOUND
    );
    // Profiles: Discourse's tabs and its older `/users/` spelling.
    for path in [
        "/u/keiko/summary",
        "/u/keiko/activity",
        "/u/keiko/activity/replies",
        "/users/keiko",
        "/users/keiko/summary",
    ] {
        assert_eq!(
            location(&v, path).await,
            (moved, "/u/keiko".into()),
            "{path}"
        );
    }
    assert_eq!(v.get("/u/keiko/summary").await.status, StatusCode::OK);
    // What a visitor may not see stays "not found" by every spelling: the staff category.
    for path in ["/c/3", "/c/staff"] {
        assert_eq!(
            v.get_raw(path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    // A title of digits alone gets the slug `topic`, so `/t/{slug}/{id}` never reads as
    // `/t/{id}/{post_number}`.
    let (status, made) = api
        .post(
            "/posts.json",
            &[
                ("title", "1941 1942 1943 1944 1945"),
                ("raw", "Five years, and the pact held for four of them."),
                ("category", "2"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{made}");
    let id = made["topic_id"].as_i64().unwrap();
    let (_, t) = api.get(&format!("/t/{id}.json")).await;
    assert_eq!(t["slug"], "1941-1942-1943-1944-1945");
    let (status, made) = api
        .post(
            "/posts.json",
            &[
                // Its only ASCII letters or digits are the year.
                ("title", "日ソ中立条約は1941年に調印された"),
                ("raw", "The year of the pact, and of everything after it."),
                ("category", "2"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{made}");
    let id = made["topic_id"].as_i64().unwrap();
    let (_, t) = api.get(&format!("/t/{id}.json")).await;
    assert_eq!(t["slug"], "topic");
    assert_eq!(
        v.get(&format!("/t/topic/{id}")).await.status,
        StatusCode::OK
    );
}

async fn unread(member: &common::Browser) -> i64 {
    let me: Value = member
        .get("/session/current.json")
        .await
        .body
        .parse()
        .unwrap();
    me["current_user"]["unread_notifications"].as_i64().unwrap()
}

/// Opening one notification marked the others about the same topic read (the page it opened
/// showed their posts too). Only the one opened is read; the page's script reports the
/// others once they have been on screen.
async fn opening_a_notification_reads_only_that_one(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let anna = s.member("anna").await;
    let boris = s.member("boris").await;
    let page = anna
        .new_topic(
            1,
            "Which paper printed the pact first?",
            "Izvestia, on 14 April 1941, or was it Pravda?",
        )
        .await;
    let (topic, slug) = page.topic_of_url();
    let path = format!("/t/{slug}/{topic}");
    for (n, raw) in [
        (2, "Both did, on the same morning."),
        (3, "Pravda carried the communiqué on its front page."),
    ] {
        boris
            .submit(
                &format!("{path}/reply?to=1"),
                &format!("{path}/reply"),
                &[("raw", raw), ("reply_to_post_number", "1")],
            )
            .await;
        let _ = n;
    }
    assert_eq!(unread(&anna).await, 2);
    let notes = anna.get("/notifications").await;
    assert!(
        notes.body.contains(&format!("href=\"{path}/2\"")),
        "{}",
        notes.body
    );
    // Anna opens the first: the page shows posts 1–3, but only post 2's notification is read.
    let opened = anna.get(&format!("{path}/2")).await;
    assert_eq!(opened.status, StatusCode::OK);
    assert!(opened.body.contains("id=\"post_3\""));
    assert_eq!(unread(&anna).await, 1);
    let notes = anna.get("/notifications").await;
    assert_eq!(
        notes.body.matches("class=\"notification unread\"").count(),
        1
    );
    // Opening the topic from a list lands on its first post: neither reply's notification.
    assert_eq!(anna.get(&path).await.status, StatusCode::OK);
    assert_eq!(unread(&anna).await, 1);
    // Her browser reports post 3 seen (Discourse's POST /topics/timings): that one is read.
    let token = anna.token().await;
    let res = anna
        .client
        .post(s.url("/topics/timings"))
        .header("Accept", "application/json")
        .header("X-CSRF-Token", &token)
        .form(&[
            ("topic_id", topic.to_string()),
            ("timings[3]", "1000".into()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(unread(&anna).await, 0);
}

/// A search result's snippet may not have held the word: the post shown for a topic was one
/// that matched only through its topic's title. The post shown is one whose own text holds
/// the words, where there is one, and its snippet is around them.
async fn snippets_hold_the_words(b: Backend) {
    let Some((s, key)) = start(b).await else {
        return;
    };
    let api = Api::new(&s, &key, "admin");
    let (_, found) = api.get("/search.json?q=neutrality").await;
    let post = &found["posts"][0];
    assert_eq!(post["topic_id"], DEMO_TOPIC, "{found}");
    let blurb = post["blurb"].as_str().unwrap();
    assert!(blurb.to_lowercase().contains("neutrality"), "{blurb}");
    let page = s.visitor().get("/search?q=neutrality").await;
    let lower = page.body.to_lowercase();
    let first = lower.split("class=\"blurb\"").nth(1).unwrap_or_default();
    let first = first.split("</p>").next().unwrap_or_default();
    assert!(first.contains("<mark>neutrality</mark>"), "{first}");
    // A word only a reply holds shows that reply, not the opening post.
    let (_, topic) = api.get(&format!("/t/{DEMO_TOPIC}.json")).await;
    let replies: Vec<&Value> = topic["post_stream"]["posts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["post_number"].as_i64() > Some(1))
        .collect();
    assert!(!replies.is_empty());
    let (status, _) = api
        .post(
            "/posts.json",
            &[
                ("topic_id", &DEMO_TOPIC.to_string()),
                (
                    "raw",
                    "Sorge's cables from Tokyo said the army looked south, not north.",
                ),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, found) = api.get("/search.json?q=sorge%20cables").await;
    let post = &found["posts"][0];
    assert!(post["post_number"].as_i64() > Some(1), "{found}");
    assert!(
        post["blurb"].as_str().unwrap().contains("cables"),
        "{found}"
    );
}

/// "Similar topics" suggested the welcome topic for a title about the press and the pact:
/// one shared word was enough. A suggestion now shares a telling word in its title, and two
/// or more in all when the title has them.
async fn similar_topics_are_similar(b: Backend) {
    let Some((s, key)) = start(b).await else {
        return;
    };
    let api = Api::new(&s, &key, "keiko");
    let similar = |title: &str| {
        let q: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("title", title)
            .append_pair("raw", "")
            .finish();
        format!("/topics/similar_to.json?{q}")
    };
    let titles = |body: &Value| -> Vec<String> {
        body["similar_topics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["title"].as_str().unwrap().to_owned())
            .collect()
    };
    let (status, body) = api
        .get(&similar(
            "How did the Soviet press report the neutrality pact with Japan?",
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let found = titles(&body);
    assert!(
        found.iter().any(|t| t.contains("neutrality pact")),
        "the pact topic is like it: {found:?}"
    );
    assert!(
        !found.iter().any(|t| t.starts_with("Welcome")),
        "the welcome topic is not: {found:?}"
    );
    // Titles that share one common word with the forum's topics find nothing.
    for title in [
        "Tips for a forum about gardening",
        "How does this work with sourdough?",
    ] {
        let (_, body) = api.get(&similar(title)).await;
        assert_eq!(titles(&body), Vec::<String>::new(), "{title}");
    }
}

/// Delete sat beside Edit and Reply with no question asked; a deleted post said nothing of
/// who deleted it. Delete now asks first (a form inside `<details>`, no script needed), and
/// staff see who deleted a post and when.
async fn delete_asks_first_and_says_who(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let anna = s.member("anna").await;
    let page = anna
        .new_topic(
            1,
            "Did Tass print the full text of the pact?",
            "It printed the communiqué; I am not sure about the full text.",
        )
        .await;
    let (topic, slug) = page.topic_of_url();
    let path = format!("/t/{slug}/{topic}");
    let reply = anna
        .submit(
            &path,
            &format!("{path}/reply"),
            &[("raw", "Correction: it printed both, on 14 April.")],
        )
        .await;
    let post = reply.post_id(2);
    // The only way to the delete form is through the question.
    let html = scraper::Html::parse_document(&anna.get(&path).await.body);
    let forms = scraper::Selector::parse(&format!("form[action='/posts/{post}/delete']")).unwrap();
    let form = html.select(&forms).next().expect("a delete form");
    let parent = scraper::ElementRef::wrap(form.parent().unwrap()).unwrap();
    assert_eq!(
        parent.value().name(),
        "details",
        "the form sits inside <details>"
    );
    let summary = scraper::Selector::parse("summary").unwrap();
    assert_eq!(
        parent
            .select(&summary)
            .next()
            .unwrap()
            .value()
            .attr("aria-label"),
        Some("Delete")
    );
    assert!(
        form.text()
            .collect::<String>()
            .contains("Delete this post?")
    );
    // Saying yes deletes it; staff see who did and when, members only that it is gone.
    let done = anna
        .submit(&path, &format!("/posts/{post}/delete"), &[])
        .await;
    assert_eq!(done.status, StatusCode::OK);
    let admin = s.admin().await;
    let as_admin = admin.get(&format!("{path}/2")).await;
    assert!(
        as_admin
            .body
            .contains("Deleted by <a href=\"/u/anna\">anna</a> on <time datetime=\""),
        "{}",
        as_admin.body
    );
    for viewer in [&anna, &s.visitor()] {
        let seen = viewer.get(&format!("{path}/2")).await.body;
        assert!(seen.contains("(post deleted)") && !seen.contains("Deleted by"));
    }
}

/// Links that went nowhere: the quote header, "2 replies" and "2 Likes".
async fn counts_and_quotes_lead_somewhere(b: Backend) {
    let Some((s, key)) = start(b).await else {
        return;
    };
    let api = Api::new(&s, &key, "admin");
    let v = s.visitor();
    let (_, topic) = api.get(&format!("/t/{DEMO_TOPIC}.json")).await;
    let posts = topic["post_stream"]["posts"].as_array().unwrap().clone();
    let liked = posts
        .iter()
        .find(|p| p["actions_summary"][0]["count"].as_i64() > Some(0))
        .expect("a liked post");
    let liked_id = liked["id"].as_i64().unwrap();
    let first = posts[0]["id"].as_i64().unwrap();
    // Replies to the opening post, one of them through the API.
    let (status, made) = api
        .post(
            "/posts.json",
            &[
                ("topic_id", &DEMO_TOPIC.to_string()),
                (
                    "raw",
                    "A second answer to the opening post, about the Kwantung Army.",
                ),
                ("reply_to_post_number", "1"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{made}");
    let page = v.get(&format!("/t/x/{DEMO_TOPIC}")).await;
    assert!(
        page.body
            .contains(&format!("href=\"/posts/{first}/replies\"")),
        "the count is a link"
    );
    assert!(
        page.body
            .contains(&format!("href=\"/posts/{liked_id}/likes\""))
    );
    let replies = v.get(&format!("/posts/{first}/replies")).await;
    assert_eq!(replies.status, StatusCode::OK);
    assert!(replies.body.contains("Kwantung Army"), "{}", replies.body);
    let (status, list) = api.get(&format!("/posts/{first}/replies.json")).await;
    assert_eq!(status, StatusCode::OK);
    let list = list.as_array().unwrap();
    assert!(
        list.iter()
            .any(|p| p["cooked"].as_str().unwrap().contains("Kwantung Army")),
        "{list:?}"
    );
    assert!(list.iter().all(|p| p["reply_to_post_number"] == 1));
    assert!(
        list.windows(2)
            .all(|w| w[0]["post_number"].as_i64() < w[1]["post_number"].as_i64())
    );
    let likers = v.get(&format!("/posts/{liked_id}/likes")).await;
    assert_eq!(likers.status, StatusCode::OK);
    assert!(likers.body.contains("class=\"likers\""));
    assert_eq!(
        v.get("/posts/999999/replies").await.status,
        StatusCode::NOT_FOUND
    );
    // A quote's header leads to the quoted post.
    let (status, made) = api
        .post(
            "/posts.json",
            &[
                ("topic_id", &DEMO_TOPIC.to_string()),
                ("raw", &format!("[quote=\"{}, post:1, topic:{DEMO_TOPIC}\"]\nA quoted line.\n[/quote]\n\nAnd a reply to it.", posts[0]["username"].as_str().unwrap())),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{made}");
    let cooked = made["cooked"].as_str().unwrap();
    let href = format!("href=\"/t/{DEMO_TOPIC}/1\"");
    assert!(cooked.contains(&href), "{cooked}");
    let back = v.get(&format!("/t/{DEMO_TOPIC}/1")).await;
    assert_eq!(back.status, StatusCode::OK);
    assert!(
        back.url.ends_with(&format!("/{DEMO_TOPIC}/1")),
        "{}",
        back.url
    );
}

/// Editing: the first post's editor moves the topic to another category, says why, and the
/// history shows the words that changed, the reason, the old title and category.
async fn edits_move_explain_and_diff(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let anna = s.member("anna").await;
    let page = anna
        .new_topic(
            1,
            "When did Tokyo learn of Barbarossa?",
            "Ambassador Oshima reported it from Berlin in early June 1941.",
        )
        .await;
    let (topic, slug) = page.topic_of_url();
    let first = page.post_id(1);
    let form = anna.get(&format!("/posts/{first}/edit")).await;
    assert!(form.body.contains("name=\"category\"") && form.body.contains("name=\"edit_reason\""));
    let edited = anna
        .submit(
            &format!("/posts/{first}/edit"),
            &format!("/posts/{first}/edit"),
            &[
                ("title", "When did Tokyo first learn of Barbarossa?"),
                (
                    "raw",
                    "Ambassador Oshima reported it from Berlin on 4 June 1941.",
                ),
                ("category", "2"),
                ("edit_reason", "the date, from his cable"),
            ],
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
    let t: Value = s
        .visitor()
        .get(&format!("/t/{topic}.json"))
        .await
        .body
        .parse()
        .unwrap();
    assert_eq!(t["category_id"], 2);
    assert_eq!(t["title"], "When did Tokyo first learn of Barbarossa?");
    let history = anna.get(&format!("/posts/{first}/revisions")).await.body;
    assert!(history.contains("the date, from his cable"), "{history}");
    // Words marked: what went and what came.
    assert!(history.contains("<del>early</del>"), "{history}");
    assert!(history.contains("<ins>4</ins>"), "{history}");
    assert!(
        history.contains("Ambassador Oshima reported it from Berlin "),
        "unchanged words stay plain"
    );
    assert!(
        history.contains("<del>When did Tokyo learn of Barbarossa?</del>"),
        "{history}"
    );
    assert!(
        history.contains("<del>General</del> → <ins>History</ins>"),
        "{history}"
    );
    // Only the category, and nothing else: still a version, still in the history.
    let moved = anna
        .submit(
            &format!("/posts/{first}/edit"),
            &format!("/posts/{first}/edit"),
            &[
                ("title", "When did Tokyo first learn of Barbarossa?"),
                (
                    "raw",
                    "Ambassador Oshima reported it from Berlin on 4 June 1941.",
                ),
                ("category", "1"),
                ("edit_reason", ""),
            ],
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK);
    let history = anna.get(&format!("/posts/{first}/revisions")).await.body;
    assert!(
        history.contains("<del>History</del> → <ins>General</ins>"),
        "{history}"
    );
    // A category a member may not see is refused, and a reason of many lines too.
    for (field, value, message) in [
        ("category", "3", "That category does not exist"),
        ("edit_reason", "one\ntwo", "one line"),
    ] {
        let mut fields = vec![
            ("title", "When did Tokyo first learn of Barbarossa?"),
            (
                "raw",
                "Ambassador Oshima reported it from Berlin on 4 June 1941, by cable.",
            ),
            ("category", "1"),
            ("edit_reason", ""),
        ];
        fields.retain(|(k, _)| *k != field);
        fields.push((field, value));
        let refused = anna
            .submit(
                &format!("/posts/{first}/edit"),
                &format!("/posts/{first}/edit"),
                &fields,
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        assert!(refused.body.contains(message), "{field}: {}", refused.body);
    }
    // The API keeps `post[edit_reason]` too.
    let forum = s.forum().await;
    let key = forum.create_api_key(None, "tests").await.unwrap().key;
    let api = Api::new(&s, &key, "anna");
    let res = api
        .send(api.http.put(s.url(&format!("/posts/{first}.json"))).form(&[
            (
                "post[raw]",
                "Ambassador Oshima reported it from Berlin on 4 June 1941, by cable.",
            ),
            ("post[edit_reason]", "how it was sent"),
        ]))
        .await;
    assert_eq!(res.0, StatusCode::OK, "{}", res.1);
    let history = anna.get(&format!("/posts/{first}/revisions")).await.body;
    assert!(
        history.contains("how it was sent") && history.contains("cable.</ins>"),
        "{history}"
    );
    let _ = slug;
    // A topic moved out of a staff-only category: its history does not name that category
    // to members.
    let admin = s.admin().await;
    let page = admin
        .new_topic(
            3,
            "Moderation notes on the border threads",
            "Notes that start in the staff category and then move to General.",
        )
        .await;
    let staff_first = page.post_id(1);
    let moved = admin
        .submit(
            &format!("/posts/{staff_first}/edit"),
            &format!("/posts/{staff_first}/edit"),
            &[
                ("title", "Moderation notes on the border threads"),
                (
                    "raw",
                    "Notes that start in the staff category and then move to General.",
                ),
                ("category", "1"),
                ("edit_reason", "for everyone"),
            ],
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    let seen_by_admin = admin
        .get(&format!("/posts/{staff_first}/revisions"))
        .await
        .body;
    assert!(
        seen_by_admin.contains("<del>Staff</del> → <ins>General</ins>"),
        "{seen_by_admin}"
    );
    let seen_by_anna = anna
        .get(&format!("/posts/{staff_first}/revisions"))
        .await
        .body;
    assert!(!seen_by_anna.contains("Staff"), "{seen_by_anna}");
    assert!(seen_by_anna.contains("<del>a private category</del> → <ins>General</ins>"));
}

/// Subcategories lost their parent in list rows and the composer's menu.
async fn subcategories_keep_their_parent(b: Backend) {
    let Some((s, key)) = start(b).await else {
        return;
    };
    let api = Api::new(&s, &key, "admin");
    let (status, made) = api
        .post(
            "/categories.json",
            &[
                ("name", "Eastern Front"),
                ("parent_category_id", "2"),
                ("color", "8C6238"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{made}");
    let child = made["category"]["id"].as_i64().unwrap();
    let (status, _) = api
        .post(
            "/posts.json",
            &[
                ("title", "Why was the Far East army moved west in 1941?"),
                (
                    "raw",
                    "Because Tokyo was looking south, and Moscow came to believe it.",
                ),
                ("category", &child.to_string()),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let latest = s.visitor().get("/latest").await.body;
    let html = scraper::Html::parse_document(&latest);
    let rows = scraper::Selector::parse(".topic-list tbody tr").unwrap();
    let badges = scraper::Selector::parse(".topic-meta a.category-badge").unwrap();
    let row = html
        .select(&rows)
        .find(|r| r.text().any(|t| t.contains("Far East army")))
        .expect("the new topic is listed");
    let names: Vec<String> = row.select(&badges).map(|a| a.text().collect()).collect();
    assert_eq!(names, ["History", "Eastern Front"]);
    assert!(
        row.html().contains("fill=\"#8C6238\""),
        "the colour: {}",
        row.html()
    );
    let member = s.member("keiko2").await;
    let form = member.get("/new-topic").await.body;
    let html = scraper::Html::parse_document(&form);
    let group =
        scraper::Selector::parse("select#category optgroup[label='History'] option").unwrap();
    let options: Vec<String> = html.select(&group).map(|o| o.text().collect()).collect();
    assert_eq!(options, ["History", "History › Eastern Front"]);
    // Its colour goes wherever it is named: the categories page, search results, and the
    // similar topics under a topic.
    let colour = "fill=\"#8C6238\"";
    let categories = s.visitor().get("/categories").await.body;
    let html = scraper::Html::parse_document(&categories);
    let sub = scraper::Selector::parse(".subcategories a.category-badge").unwrap();
    let sub = html
        .select(&sub)
        .find(|a| a.text().any(|t| t == "Eastern Front"))
        .expect("the subcategory is listed under its parent");
    assert!(sub.html().contains(colour), "{}", sub.html());
    let found = s.visitor().get("/search?q=Far+East+army").await.body;
    let html = scraper::Html::parse_document(&found);
    let meta = scraper::Selector::parse(".search-result .topic-meta a.category-badge").unwrap();
    let badge = html
        .select(&meta)
        .next()
        .expect("a result names its category");
    assert!(badge.html().contains(colour), "{}", badge.html());
    let page = member
        .new_topic(
            1,
            "When was the Far East army moved west, and how many divisions went?",
            "I have read both eight and eighteen divisions for the autumn of 1941.",
        )
        .await;
    let html = scraper::Html::parse_document(&page.body);
    let similar = scraper::Selector::parse(".similar-topics li").unwrap();
    let item = html
        .select(&similar)
        .find(|li| {
            li.text()
                .any(|t| t.contains("Far East army moved west in 1941"))
        })
        .unwrap_or_else(|| panic!("similar topics: {}", page.body));
    assert!(item.html().contains(colour), "{}", item.html());
}

/// Emoji shortcodes printed as typed; the bell was an emoji character.
async fn emoji_and_icons(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let anna = s.member("anna").await;
    let page = anna
        .new_topic(
            1,
            "Was the pact a good deal for Tokyo? :thinking:",
            "I think so :+1: and the army agreed :smile: — but :not_an_emoji: stays.",
        )
        .await;
    assert!(
        page.body.contains("I think so 👍 and the army agreed 😄"),
        "{}",
        page.body
    );
    assert!(page.body.contains(":not_an_emoji:"));
    assert!(
        !page.body.contains('🔔'),
        "the bell is an icon, not an emoji"
    );
    assert!(page.body.contains("<use href=\"#i-bell\">"));
    assert!(page.body.contains("<symbol id=\"i-bell\""));
}

/// Views, counted as Discourse counts them: once per viewer per topic per day, from visits
/// only, written in batches (here: when the server stops) rather than on every page.
async fn views_count_once_per_viewer_per_day(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let views = |s: &TestServer| {
        let url = s.url(&format!("/t/{DEMO_TOPIC}.json"));
        async move {
            let t: Value = reqwest::get(url).await.unwrap().json().await.unwrap();
            t["views"].as_i64().unwrap()
        }
    };
    let before = views(&s).await;
    let page = s.visitor().get(&format!("/t/x/{DEMO_TOPIC}")).await;
    let path = page.url.trim_start_matches(&s.url("")).to_owned();
    let anna = s.member("anna").await;
    let boris = s.member("boris").await;
    for _ in 0..3 {
        assert_eq!(anna.get(&path).await.status, StatusCode::OK);
    }
    assert_eq!(boris.get(&path).await.status, StatusCode::OK);
    assert_eq!(s.visitor().get(&path).await.status, StatusCode::OK);
    // Not visits: the page fetched as an image, and a prefetch.
    let plain = reqwest::Client::new();
    let image = plain.get(s.url(&path)).header("sec-fetch-dest", "image");
    assert_eq!(image.send().await.unwrap().status(), StatusCode::OK);
    let prefetch = plain
        .get(s.url(&path))
        .headers(common::navigation_headers())
        .header("sec-purpose", "prefetch");
    assert_eq!(prefetch.send().await.unwrap().status(), StatusCode::OK);
    // Written in batches, not on each view: at most what was counted (a batch may land in
    // between), never one per request.
    assert!(
        views(&s).await <= before + 3,
        "one per viewer, not per view"
    );
    let (config, dir) = s.stop().await;
    let s = TestServer::start_with(config, dir).await;
    // The visitor's two visits (the first and the last, one address) count once, and anna's
    // three once: visitor, anna, boris.
    assert_eq!(views(&s).await, before + 3);
    let latest = s.visitor().get("/latest").await.body;
    assert!(latest.contains("<th scope=\"col\" class=\"num\">Views</th>"));
}

/// Latest / New / Unread / Top, as Discourse's lists (and their `.json`).
async fn lists_new_unread_and_top(b: Backend) {
    let Some((s, key)) = start(b).await else {
        return;
    };
    let anna = s.member("anna").await;
    let boris = s.member("boris").await;
    let page = boris
        .new_topic(
            1,
            "Did the pact change the Kwantung Army's plans?",
            "It made a northern strike less likely in 1941, I think.",
        )
        .await;
    let (topic, slug) = page.topic_of_url();
    let path = format!("/t/{slug}/{topic}");
    let titles = |body: &str| -> Vec<String> {
        let html = scraper::Html::parse_document(body);
        let sel = scraper::Selector::parse(".topic-list a.title").unwrap();
        html.select(&sel).map(|a| a.text().collect()).collect()
    };
    let title = "Did the pact change the Kwantung Army's plans?";
    // New: created lately, not yet opened by her.
    let new = anna.get("/new").await;
    assert_eq!(new.status, StatusCode::OK);
    assert!(
        titles(&new.body).iter().any(|t| t == title),
        "{:?}",
        titles(&new.body)
    );
    assert!(
        new.body
            .contains("<a href=\"/new\" aria-current=\"page\">New</a>")
    );
    assert_eq!(anna.get(&path).await.status, StatusCode::OK);
    assert!(
        !titles(&anna.get("/new").await.body)
            .iter()
            .any(|t| t == title)
    );
    // Unread: opened, and posted to since.
    assert!(
        !titles(&anna.get("/unread").await.body)
            .iter()
            .any(|t| t == title)
    );
    boris
        .submit(
            &path,
            &format!("{path}/reply"),
            &[("raw", "And the Nomonhan defeat had made them careful.")],
        )
        .await;
    assert!(
        titles(&anna.get("/unread").await.body)
            .iter()
            .any(|t| t == title)
    );
    // Top: most liked and answered first, over a period; the demo thread (replies, a like)
    // before the welcome topic.
    let top = s.visitor().get("/top?period=all").await;
    assert_eq!(top.status, StatusCode::OK);
    let order = titles(&top.body);
    let demo = order
        .iter()
        .position(|t| t.contains("neutrality pact"))
        .unwrap();
    let welcome = order.iter().position(|t| t.starts_with("Welcome")).unwrap();
    assert!(demo < welcome, "{order:?}");
    assert!(top.body.contains("aria-current=\"page\">All time</a>"));
    // A visitor has no New or Unread; the API says so as Discourse does.
    let v = s.visitor().get_raw("/new").await;
    assert_eq!(v.status, StatusCode::FORBIDDEN);
    assert!(v.body.contains("/login"), "it says where to log in");
    let api = Api::new(&s, &key, "anna");
    let (status, body) = api.get("/top.json?period=all").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body["topic_list"]["topics"].as_array().unwrap().len() >= 3,
        "{body}"
    );
    let (status, _) = api.get("/top.json?period=fortnightly").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, body) = api.get("/unread.json").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body["topic_list"]["topics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["title"] == title)
    );
    let anonymous = reqwest::get(s.url("/new.json")).await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::FORBIDDEN);
}

/// Long topics: a timeline (posts shown of how many, links along the topic, a form to go to
/// a post by number or day) and the "last visit" line; short ones have neither.
async fn long_topics_have_a_timeline_and_a_last_visit_line(b: Backend) {
    let Some((s, key)) = start(b).await else {
        return;
    };
    let api = Api::new(&s, &key, "admin");
    let (status, made) = api
        .post(
            "/posts.json",
            &[
                (
                    "title",
                    "A long thread on the Soviet-Japanese border in 1941",
                ),
                (
                    "raw",
                    "Post one of a long thread, to give the timeline something to show.",
                ),
                ("category", "2"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{made}");
    let topic = made["topic_id"].as_i64().unwrap();
    let reply = |n: i64| {
        let api = &api;
        async move {
            let raw = format!("Reply number {n} in the long thread about the border.");
            let (status, body) = api
                .post(
                    "/posts.json",
                    &[("topic_id", &topic.to_string()), ("raw", &raw)],
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
    };
    for n in 2..=25 {
        reply(n).await;
    }
    let (_, t) = api.get(&format!("/t/{topic}.json")).await;
    let path = format!("/t/{}/{topic}", t["slug"].as_str().unwrap());
    let anna = s.member("anna").await;
    let first = anna.get(&path).await.body;
    assert!(first.contains("<aside class=\"timeline\""), "{first}");
    assert!(first.contains("Posts 1–20 of 25"));
    assert!(first.contains(&format!("href=\"{path}/25\">#25</a>")));
    assert!(first.contains(&format!(
        "<form class=\"jump\" method=\"get\" action=\"{path}\">"
    )));
    // The form goes to a post by number, or to the first post of a day.
    for (q, to) in [
        ("post_number=22", 22),
        ("post_number=999", 25),
        ("date=2000-01-01", 1),
        ("date=2999-01-01", 25),
    ] {
        let res = anna.get_raw(&format!("{path}?{q}")).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{q}");
        assert_eq!(
            res.headers["location"],
            format!("{path}/{to}").as_str(),
            "{q}"
        );
    }
    // Anna reads to the end; a new post comes; she is back: the line is before it.
    assert_eq!(anna.get(&format!("{path}/21")).await.status, StatusCode::OK);
    reply(26).await;
    let back = anna.get(&path).await;
    assert!(back.url.ends_with(&format!("{path}/26")), "{}", back.url);
    let body = back.body;
    let line = body
        .find("class=\"last-visit\"")
        .expect("a last-visit line");
    assert!(
        line < body.find("id=\"post_26\"").unwrap() && line > body.find("id=\"post_25\"").unwrap()
    );
    // The demo thread is short: no timeline.
    let demo = s.visitor().get(&format!("/t/x/{DEMO_TOPIC}")).await.body;
    assert!(!demo.contains("<aside class=\"timeline\""));
}

/// The item of a list answer with this title.
fn listed(body: &Value, title: &str) -> Value {
    body["topic_list"]["topics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["title"] == title)
        .cloned()
        .unwrap_or_else(|| panic!("{title:?} is listed: {body}"))
}

/// Topic lists show who posted, as Discourse: the creator, the most active others, the last
/// poster; in the HTML as avatars with their roles, in the JSON as `posters` with each member
/// side-loaded once.
async fn lists_show_who_posted(b: Backend) {
    let Some((s, key)) = start(b).await else {
        return;
    };
    let boris = s.member("boris").await;
    let anna = s.member("anna").await;
    let vera = s.member("vera").await;
    let title = "Who signed the pact for Japan, and who for the Soviet Union?";
    let page = boris
        .new_topic(
            1,
            title,
            "Matsuoka and Molotov, but who else was in the room?",
        )
        .await;
    let (topic, slug) = page.topic_of_url();
    let path = format!("/t/{slug}/{topic}");
    let reply = |who: &common::Browser, raw: &'static str| {
        let (who, path) = (who.clone(), path.clone());
        async move {
            who.submit(&path, &format!("{path}/reply"), &[("raw", raw)])
                .await;
        }
    };
    reply(
        &anna,
        "Tatekawa, the ambassador, signed for Japan beside Matsuoka.",
    )
    .await;
    reply(
        &anna,
        "And Stalin came to the station to see Matsuoka off, famously.",
    )
    .await;
    reply(&vera, "Lozovsky was there for the Soviet side, I believe.").await;
    let posters = || async {
        let (status, body) = Api::new(&s, &key, "anna").get("/latest.json").await;
        assert_eq!(status, StatusCode::OK);
        let item = listed(&body, title);
        let users = body["users"].as_array().unwrap().clone();
        let named: Vec<(String, String, Value)> = item["posters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                let user = users
                    .iter()
                    .find(|u| u["id"] == p["user_id"])
                    .unwrap_or_else(|| panic!("poster {p} is side-loaded"));
                (
                    user["username"].as_str().unwrap().to_owned(),
                    p["description"].as_str().unwrap().to_owned(),
                    p["extras"].clone(),
                )
            })
            .collect();
        let mut ids: Vec<&Value> = users.iter().map(|u| &u["id"]).collect();
        ids.dedup();
        assert_eq!(ids.len(), users.len(), "each member once");
        named
    };
    assert_eq!(
        posters().await,
        vec![
            ("boris".into(), "Original Poster".into(), Value::Null),
            ("anna".into(), "Frequent Poster".into(), Value::Null),
            (
                "vera".into(),
                "Most Recent Poster".into(),
                Value::from("latest")
            ),
        ]
    );
    // The creator answers last: one place for both roles, the most active stay.
    reply(
        &boris,
        "Thank you both; so three signatures on the Japanese side?",
    )
    .await;
    assert_eq!(
        posters().await,
        vec![
            (
                "boris".into(),
                "Original Poster, Most Recent Poster".into(),
                Value::from("latest")
            ),
            ("anna".into(), "Frequent Poster".into(), Value::Null),
            ("vera".into(), "Frequent Poster".into(), Value::Null),
        ]
    );
    // The page shows the same members as avatars that name them and their part.
    let latest = s.visitor().get("/latest").await.body;
    let html = scraper::Html::parse_document(&latest);
    let row = scraper::Selector::parse(".topic-list tbody tr").unwrap();
    let link = scraper::Selector::parse("td.posters a").unwrap();
    let row = html
        .select(&row)
        .find(|r| r.text().any(|t| t == title))
        .unwrap();
    let labels: Vec<&str> = row
        .select(&link)
        .map(|a| a.value().attr("aria-label").unwrap())
        .collect();
    assert_eq!(
        labels,
        [
            "boris, Original Poster, Most Recent Poster",
            "anna, Frequent Poster",
            "vera, Frequent Poster"
        ]
    );
    assert!(latest.contains("<th scope=\"col\" class=\"posters\">Posters</th>"));
    // A topic nobody answered has its creator alone.
    let alone = "Was the pact ever denounced before August 1945?";
    vera.new_topic(
        1,
        alone,
        "Molotov told the Japanese ambassador in April 1945, I read.",
    )
    .await;
    let (_, body) = Api::new(&s, &key, "anna").get("/latest.json").await;
    let lone = listed(&body, alone);
    assert_eq!(lone["posters"].as_array().unwrap().len(), 1);
    assert_eq!(lone["posters"][0]["extras"], "latest single");
}

on_both_backends!(
    private_messages_are_refused,
    short_links_lead_to_the_page,
    opening_a_notification_reads_only_that_one,
    snippets_hold_the_words,
    similar_topics_are_similar,
    delete_asks_first_and_says_who,
    counts_and_quotes_lead_somewhere,
    edits_move_explain_and_diff,
    subcategories_keep_their_parent,
    emoji_and_icons,
    views_count_once_per_viewer_per_day,
    lists_new_unread_and_top,
    long_topics_have_a_timeline_and_a_last_visit_line,
    lists_show_who_posted
);
