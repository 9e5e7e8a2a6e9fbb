//! Search over real HTTP on both backends: the operators, ranking, diacritics and CJK, what
//! each searcher may see, the index staying exact through edits, deletes, restores and
//! retitles, similar topics, and hostile queries.

use crate::common::{Backend, Browser, TestServer, corpus, script_findings};
use reqwest::StatusCode;
use serde_json::Value;

/// `(topic id, post number)` of each hit of `/search.json?q=`, in order; the HTML page for the
/// same query must answer too.
async fn hits(who: &Browser, q: &str) -> Vec<(i64, i64)> {
    let encoded: String = url::form_urlencoded::byte_serialize(q.as_bytes()).collect();
    let page = who.get(&format!("/search?q={encoded}")).await;
    assert_eq!(page.status, StatusCode::OK, "{q}: {}", page.body);
    let res = who.get(&format!("/search.json?q={encoded}")).await;
    assert_eq!(res.status, StatusCode::OK, "{q}: {}", res.body);
    let json: Value = serde_json::from_str(&res.body).unwrap();
    let posts = json["posts"].as_array().unwrap();
    let topics = json["topics"].as_array().unwrap();
    assert_eq!(posts.len(), topics.len(), "{q}");
    posts
        .iter()
        .map(|p| {
            (
                p["topic_id"].as_i64().unwrap(),
                p["post_number"].as_i64().unwrap(),
            )
        })
        .collect()
}

/// Just the topic ids of the hits.
async fn topics(who: &Browser, q: &str) -> Vec<i64> {
    hits(who, q).await.into_iter().map(|(t, _)| t).collect()
}

async fn start_topic(who: &Browser, category: i64, title: &str, raw: &str) -> (i64, String) {
    let page = who.new_topic(category, title, raw).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.topic_of_url()
}

/// Replies and returns the new post's id.
async fn reply(who: &Browser, t: &(i64, String), raw: &str) -> i64 {
    let page = who
        .submit(
            &format!("/t/{}/{}", t.1, t.0),
            &format!("/t/{}/{}/reply", t.1, t.0),
            &[("raw", raw)],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let path = page.url.split('#').next().unwrap();
    let n: i64 = path.rsplit('/').next().unwrap().parse().unwrap();
    page.post_id(n)
}

async fn create_category(admin: &Browser, name: &str) -> i64 {
    let page = admin
        .submit("/categories", "/categories", &[("name", name)])
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.url.rsplit('/').next().unwrap().parse().unwrap()
}

async fn operators_ranking_diacritics_and_cjk(backend: Backend) {
    let Some(server) = TestServer::start_empty(backend).await else {
        return;
    };
    let admin = server.admin().await;
    let history = create_category(&admin, "History").await;
    let anna = server.member("anna").await;
    let ben = server.member("ben").await;
    let visitor = server.visitor();

    let t1 = start_topic(
        &anna,
        1,
        "Neutrality pact of 1941",
        "Molotov and Matsuoka signed in Moscow on 13 April.",
    )
    .await;
    let t2 = start_topic(
        &ben,
        1,
        "Railways in Manchuria",
        "The pact came up only in passing; Mólotov went to the station to see Matsuoka off.",
    )
    .await;
    reply(
        &anna,
        &t2,
        "Izvestia printed the communiqué the next morning.",
    )
    .await;
    let t3 = start_topic(
        &ben,
        history,
        "東京の天気と外交の歴史について話しましょう",
        "今日は日ソ中立条約について話します。よろしくお願いします。",
    )
    .await;
    let (t1, t2, t3) = (t1.0, t2.0, t3.0);

    // A title hit outranks a body hit.
    assert_eq!(topics(&visitor, "pact").await, [t1, t2]);
    // Prefixes, case and accents.
    assert_eq!(topics(&visitor, "PAC").await, [t1, t2]);
    let mut m = topics(&visitor, "molotov").await;
    m.sort();
    assert_eq!(m, [t1, t2], "Molotov finds Mólotov");
    assert_eq!(topics(&visitor, "mólot matsuoka").await.len(), 2);
    // Every word must match.
    assert_eq!(topics(&visitor, "molotov station").await, [t2]);
    // Phrases match exactly, in order.
    assert_eq!(topics(&visitor, "\"signed in Moscow\"").await, [t1]);
    assert!(topics(&visitor, "\"Moscow signed\"").await.is_empty());
    // Exclusions: the whole topic's title counts for every post in it.
    assert_eq!(topics(&visitor, "pact -manchuria").await, [t1]);
    assert_eq!(topics(&visitor, "pact -\"in passing\"").await, [t1]);
    // in:title and in:first.
    assert_eq!(topics(&visitor, "pact in:title").await, [t1]);
    assert_eq!(hits(&visitor, "izvestia").await, [(t2, 2)]);
    assert!(topics(&visitor, "izvestia in:first").await.is_empty());
    // Authors, by operator and as words.
    assert_eq!(topics(&visitor, "pact @ben").await, [t2]);
    assert_eq!(hits(&visitor, "user:anna izvestia").await, [(t2, 2)]);
    assert!(topics(&visitor, "pact @nobody").await.is_empty());
    let mut by_ben = topics(&visitor, "ben").await;
    by_ben.sort();
    assert_eq!(by_ben, [t2, t3], "the author's name is searchable");
    // Categories, by operator and as words.
    assert_eq!(topics(&visitor, "#history").await, [t3]);
    assert_eq!(topics(&visitor, "category:general pact").await.len(), 2);
    assert!(topics(&visitor, "#history pact").await.is_empty());
    assert_eq!(
        topics(&visitor, "history").await,
        [t3],
        "the category name is searchable"
    );
    // Dates.
    assert_eq!(topics(&visitor, "pact after:2000").await.len(), 2);
    assert!(topics(&visitor, "pact before:2000-01-01").await.is_empty());
    // Status.
    assert_eq!(topics(&visitor, "pact status:open").await.len(), 2);
    assert!(topics(&visitor, "pact status:closed").await.is_empty());
    // CJK: any run of characters, not only the start of a sentence.
    assert_eq!(topics(&visitor, "中立条約").await, [t3]);
    assert_eq!(topics(&visitor, "立条").await, [t3]);
    assert_eq!(topics(&visitor, "天気 in:title").await, [t3]);
    assert!(topics(&visitor, "条中").await.is_empty());

    // Likes and one's own posts.
    let t1_page = anna.get(&format!("/t/x/{t1}")).await;
    let t1_first = t1_page.post_id(1);
    let token = ben.token().await;
    let liked = ben
        .post_form(
            &format!("/posts/{t1_first}/like"),
            &[("authenticity_token", &token), ("like", "true")],
        )
        .await;
    assert_eq!(liked.status, StatusCode::OK, "{}", liked.body);
    assert_eq!(topics(&ben, "in:likes").await, [t1]);
    assert!(topics(&anna, "in:likes").await.is_empty());
    let mut posted = topics(&anna, "in:posted").await;
    posted.sort();
    assert_eq!(posted, [t1, t2]);
    assert_eq!(topics(&ben, "@me in:title pact").await, Vec::<i64>::new());
    assert_eq!(topics(&ben, "@me manchuria").await, [t2]);
    // A visitor asking for "mine" is told to log in, with no results.
    let page = visitor.get("/search?q=in%3Alikes").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Log in to search"), "{}", page.body);

    // Orders.
    assert_eq!(topics(&visitor, "pact order:latest").await, [t2, t1]);
    assert_eq!(topics(&visitor, "pact order:oldest").await, [t1, t2]);
    assert_eq!(topics(&visitor, "matsuoka order:likes").await, [t1, t2]);

    // The page: count, highlighted snippet, removable chips.
    let page = visitor
        .get("/search?q=m%C3%B3lotov+%23general+order%3Alatest")
        .await;
    assert!(page.body.contains("2 topics found"), "{}", page.body);
    assert!(page.body.contains("<mark>Mólotov</mark>"), "{}", page.body);
    assert!(page.body.contains("<mark>Molotov</mark>"), "{}", page.body);
    assert!(
        page.body
            .contains("href=\"/search?q=m%C3%B3lotov+order%3Alatest\""),
        "the #general chip's ✕ leads to the query without it: {}",
        page.body
    );
    // Unknown operators are words, with a note.
    let page = visitor.get("/search?q=pact+in%3Aspace").await;
    assert!(
        page.body.contains("is not a filter Stoa knows"),
        "{}",
        page.body
    );

    // Similar topics under a topic (its last page), from the same index; found when the topic
    // is first shown and remembered for minutes, yet a topic deleted since leaves them at once.
    let t4 = start_topic(
        &anna,
        1,
        "More on the Moscow pact talks",
        "What did Matsuoka want?",
    )
    .await;
    let page = visitor.get(&format!("/t/x/{}", t4.0)).await;
    assert!(page.body.contains("Similar topics"), "{}", page.body);
    assert!(
        page.body.contains("Neutrality pact of 1941"),
        "{}",
        page.body
    );
    let t1_first = anna.get(&format!("/t/x/{t1}")).await.post_id(1);
    let deleted = anna
        .submit(
            &format!("/t/x/{t1}"),
            &format!("/posts/{t1_first}/delete"),
            &[],
        )
        .await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.body);
    let page = visitor.get(&format!("/t/x/{}", t4.0)).await;
    assert!(
        !page.body.contains("Neutrality pact of 1941"),
        "{}",
        page.body
    );
    assert!(!topics(&visitor, "neutrality").await.contains(&t1));
}

async fn permissions_and_an_exact_index(backend: Backend) {
    let Some(server) = TestServer::start(backend).await else {
        return;
    };
    let admin = server.admin().await;
    let anna = server.member("anna").await;
    let visitor = server.visitor();

    // The demo's staff-only category: its topics reach admins only.
    let staff = admin.get("/categories").await;
    let staff_id: i64 = {
        let marker = "href=\"/c/staff/";
        let at = staff.body.find(marker).expect("a Staff category") + marker.len();
        staff.body[at..].split('"').next().unwrap().parse().unwrap()
    };
    let secret = start_topic(
        &admin,
        staff_id,
        "Rota for moderators",
        "Zanzibar duty this week.",
    )
    .await;
    assert_eq!(topics(&admin, "zanzibar").await, [secret.0]);
    assert!(topics(&anna, "zanzibar").await.is_empty());
    assert!(topics(&visitor, "zanzibar").await.is_empty());
    assert!(topics(&visitor, "#staff").await.is_empty());
    assert!(topics(&anna, "rota in:title").await.is_empty());

    // Deletes hide, restores show again; nobody finds deleted posts, admins included.
    let t = start_topic(&anna, 1, "Quokka sightings", "Seen near the ferry.").await;
    let post = reply(&anna, &t, "A wombat, too, by the lighthouse.").await;
    assert_eq!(hits(&visitor, "wombat").await, [(t.0, 2)]);
    let token = anna.token().await;
    let deleted = anna
        .post_form(
            &format!("/posts/{post}/delete"),
            &[("authenticity_token", &token)],
        )
        .await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.body);
    assert!(topics(&visitor, "wombat").await.is_empty());
    assert!(topics(&admin, "wombat").await.is_empty());
    let restored = admin
        .submit("/latest", &format!("/posts/{post}/restore"), &[])
        .await;
    assert_eq!(restored.status, StatusCode::OK, "{}", restored.body);
    assert_eq!(hits(&visitor, "wombat").await, [(t.0, 2)]);

    // Edits: the old words go, the new ones come.
    let edited = anna
        .submit(
            &format!("/posts/{post}/edit"),
            &format!("/posts/{post}/edit"),
            &[("raw", "A platypus, by the lighthouse.")],
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
    assert!(topics(&visitor, "wombat").await.is_empty());
    assert_eq!(hits(&visitor, "platypus").await, [(t.0, 2)]);

    // A retitle reaches every post's row: the reply is found by the new title's word.
    let first = anna.get(&format!("/t/{}/{}", t.1, t.0)).await.post_id(1);
    let retitled = anna
        .submit(
            &format!("/posts/{first}/edit"),
            &format!("/posts/{first}/edit"),
            &[
                ("raw", "Seen near the ferry."),
                ("title", "Numbat sightings"),
            ],
        )
        .await;
    assert_eq!(retitled.status, StatusCode::OK, "{}", retitled.body);
    assert!(topics(&visitor, "quokka").await.is_empty());
    assert_eq!(hits(&visitor, "numbat platypus").await, [(t.0, 2)]);

    // A category rename reaches the rows of every post in it.
    let marsupials = create_category(&admin, "Marsupials").await;
    let pouch = start_topic(
        &anna,
        marsupials,
        "Where the joeys sleep",
        "In the pouch, mostly.",
    )
    .await;
    assert_eq!(topics(&visitor, "marsupials").await, [pouch.0]);
    let renamed = admin
        .submit(
            &format!("/c/marsupials/{marsupials}/edit"),
            &format!("/c/marsupials/{marsupials}/edit"),
            &[
                ("name", "Monotremes"),
                ("description", "Egg-laying mammals"),
            ],
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.body);
    assert!(
        renamed
            .url
            .ends_with(&format!("/c/monotremes/{marsupials}")),
        "{}",
        renamed.url
    );
    assert!(topics(&visitor, "marsupials").await.is_empty());
    assert_eq!(topics(&visitor, "monotremes").await, [pouch.0]);
    assert_eq!(topics(&visitor, "#monotremes joeys").await, [pouch.0]);
    // Members cannot rename.
    let refused = anna
        .submit(
            &format!("/c/monotremes/{marsupials}"),
            &format!("/c/monotremes/{marsupials}/edit"),
            &[("name", "Hijacked")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    // The index holds a current row for every post, and matches its content (FTS5 checks
    // itself against post_search_data; PostgreSQL's tsvector is generated from it).
    let forum = server.forum().await;
    let (posts, stale) = forum.search_index_status().await.unwrap();
    assert!(posts > 5);
    assert_eq!(stale, 0);
    let mut tx = forum.db().write().await.unwrap();
    stoa_db::search::verify(&mut tx).await.unwrap();
    drop(tx);
    // A full rebuild changes no answer.
    let before = (
        topics(&visitor, "platypus").await,
        topics(&visitor, "izvestia").await,
    );
    let mut calls = 0;
    let written = forum.reindex(true, |_, _| calls += 1).await.unwrap();
    assert_eq!(written, posts as u64);
    assert!(calls >= 2);
    let mut tx = forum.db().write().await.unwrap();
    stoa_db::search::verify(&mut tx).await.unwrap();
    drop(tx);
    forum.db().close().await;
    let after = (
        topics(&visitor, "platypus").await,
        topics(&visitor, "izvestia").await,
    );
    assert_eq!(before, after);
}

async fn the_demo_thread_is_found_by_its_newspaper(backend: Backend) {
    let Some(server) = TestServer::start(backend).await else {
        return;
    };
    let visitor = server.visitor();
    let page = visitor.get("/search?q=Izvestia").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains("Why did the USSR trust its April 1941 neutrality pact with Japan?"),
        "{}",
        page.body
    );
    assert!(page.body.contains("<mark>Izvestia</mark>"), "{}", page.body);
    // The header's box on every page leads here.
    let latest = visitor.get("/latest").await;
    assert!(latest.body.contains("action=\"/search\""));
    // Discourse's JSON shape.
    let json: Value =
        serde_json::from_str(&visitor.get("/search.json?q=izvestia").await.body).unwrap();
    let post = &json["posts"][0];
    assert!(post["blurb"].as_str().unwrap().contains("Izvestia"));
    assert_eq!(json["topics"][0]["id"], post["topic_id"]);
    assert!(
        json["topics"][0]["slug"]
            .as_str()
            .unwrap()
            .starts_with("why-did")
    );
    let grouped = &json["grouped_search_result"];
    assert_eq!(grouped["term"], "izvestia");
    assert_eq!(grouped["post_ids"][0], post["id"]);
    assert!(grouped["more_full_page_results"].is_null());
    for key in ["users", "categories", "tags", "groups"] {
        assert!(json[key].is_array(), "{key}");
    }
    // Similar topics, from a title being typed and under the topic itself.
    let similar: Value = serde_json::from_str(
        &visitor
            .get("/topics/similar_to.json?title=Was+the+Soviet+neutrality+pact+trusted%3F")
            .await
            .body,
    )
    .unwrap();
    let first = &similar["similar_topics"][0];
    assert!(
        first["title"].as_str().unwrap().contains("neutrality pact"),
        "{similar}"
    );
    let topic_id = first["id"].as_i64().unwrap();
    let excluded: Value = serde_json::from_str(
        &visitor
            .get(&format!(
                "/topics/similar_to.json?title=neutrality+pact&exclude={topic_id}"
            ))
            .await
            .body,
    )
    .unwrap();
    assert!(
        excluded["similar_topics"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["id"] != topic_id)
    );
}

async fn hostile_queries_get_answers_not_errors(backend: Backend) {
    let Some(server) = TestServer::start(backend).await else {
        return;
    };
    let member = server.member("anna").await;
    let mut queries = corpus("naughty-strings.txt");
    queries.extend(corpus("xss.txt"));
    queries.extend([
        "\"unclosed phrase".to_owned(),
        "-\"".to_owned(),
        "\"\"\"\"".to_owned(),
        "* OR NEAR(a b) AND NOT".to_owned(),
        "'; DROP TABLE posts; --".to_owned(),
        "before:9999-99-99 after:0000 order:nonsense in:".to_owned(),
        "@ # : - \" user: category: #a: #:b".to_owned(),
        "pact ".repeat(2_000), // 10 kB
        "ж".repeat(5_000),
    ]);
    let mut findings = Vec::new();
    for q in &queries {
        let encoded: String = url::form_urlencoded::byte_serialize(q.as_bytes()).collect();
        for path in ["/search", "/search.json", "/topics/similar_to.json"] {
            let param = if path.starts_with("/topics") {
                "title"
            } else {
                "q"
            };
            let res = member
                .get(&format!("{path}?{param}={encoded}&page=2"))
                .await;
            assert_eq!(res.status, StatusCode::OK, "{path} {q:?}: {}", res.body);
            if path == "/search" {
                findings.extend(
                    script_findings(&res.body)
                        .into_iter()
                        .map(|f| format!("{q:?}: {f}")),
                );
            }
        }
    }
    assert!(findings.is_empty(), "{findings:#?}");
    // Raw bytes that are not UTF-8, and absurd pages.
    for raw in [
        "q=%FF%FE",
        "q=%",
        "q=a&page=-1",
        "q=a&page=99999999999999999999",
        "q&page",
    ] {
        let res = member.get(&format!("/search?{raw}")).await;
        assert_eq!(res.status, StatusCode::OK, "{raw}");
        let res = member.get(&format!("/search.json?{raw}")).await;
        assert_eq!(res.status, StatusCode::OK, "{raw}");
    }
}

on_both_backends!(
    operators_ranking_diacritics_and_cjk,
    permissions_and_an_exact_index,
    the_demo_thread_is_found_by_its_newspaper,
    hostile_queries_get_answers_not_errors,
);
