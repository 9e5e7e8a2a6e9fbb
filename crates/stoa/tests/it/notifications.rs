//! Notifications over real HTTP: every type with its wording and link, consolidation of likes,
//! notification levels, visibility, the bell, marking read, and @mention completion.

use crate::common::{self, Backend, Browser, Page, TestServer};
use reqwest::StatusCode;

/// A topic started by `author` in General (category 1 of an empty forum): (id, slug).
async fn topic(author: &Browser, title: &str, raw: &str) -> (i64, String) {
    let page = author.new_topic(1, title, raw).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.topic_of_url()
}

async fn reply(who: &Browser, t: &(i64, String), raw: &str, to: Option<i64>) -> Page {
    let to = to.map(|n| n.to_string()).unwrap_or_default();
    let page = who
        .submit(
            &format!("/t/{}/{}", t.1, t.0),
            &format!("/t/{}/{}/reply", t.1, t.0),
            &[("raw", raw), ("reply_to_post_number", &to)],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page
}

async fn like(who: &Browser, post_id: i64, on: bool) {
    let token = who.token().await;
    let res = who
        .post_form(
            &format!("/posts/{post_id}/like"),
            &[
                ("authenticity_token", &token),
                ("like", if on { "true" } else { "false" }),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
}

/// The member's notifications page, as `(text, href, unread)` per notification.
async fn notes(who: &Browser) -> Vec<(String, String, bool)> {
    let page = who.get("/notifications").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let doc = scraper::Html::parse_document(&page.body);
    let li = scraper::Selector::parse("li.notification").unwrap();
    let a = scraper::Selector::parse("a").unwrap();
    doc.select(&li)
        .map(|item| {
            let link = item.select(&a).next().unwrap();
            let text = link.text().collect::<String>();
            let unread = item.value().attr("class").unwrap_or("").contains("unread");
            (
                text,
                link.value().attr("href").unwrap_or("").to_owned(),
                unread,
            )
        })
        .collect()
}

/// The bell's number on any page (0 when it shows none).
async fn bell(who: &Browser) -> i64 {
    let page = who.get("/latest").await;
    let doc = scraper::Html::parse_document(&page.body);
    let count = scraper::Selector::parse("a.bell .count").unwrap();
    doc.select(&count)
        .next()
        .map_or(0, |c| c.text().collect::<String>().parse().unwrap())
}

async fn set_topic_level(who: &Browser, t: &(i64, String), level: i64) {
    let level = level.to_string();
    let res = who
        .submit(
            &format!("/t/{}/{}", t.1, t.0),
            &format!("/t/{}/notifications", t.0),
            &[("notification_level", &level)],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
}

async fn every_kind_arrives_worded_and_linked(b: Backend) {
    let Some(s) = TestServer::start_empty(b).await else {
        return;
    };
    let anna = s.member("anna").await;
    let ben = s.member("ben").await;
    let t = topic(
        &anna,
        "Why did the USSR trust the neutrality pact?",
        "The pact was signed on 13 April 1941. Why was it trusted?",
    )
    .await;

    // A reply to anna's post, naming it with reply_to_post_number.
    reply(
        &ben,
        &t,
        "Because both sides needed quiet in the east.",
        Some(1),
    )
    .await;
    let n = notes(&anna).await;
    assert_eq!(n.len(), 1, "{n:?}");
    assert_eq!(
        n[0].0,
        format!(
            "ben replied to your post in {}",
            "Why did the USSR trust the neutrality pact?"
        )
    );
    assert_eq!(n[0].1, format!("/t/{}/{}/2", t.1, t.0));
    assert!(n[0].2, "unread");
    assert_eq!(bell(&anna).await, 1);
    // The actor hears nothing of their own doing.
    assert!(notes(&ben).await.is_empty());

    // A mention, in a topic of ben's own.
    let t2 = topic(
        &ben,
        "Sources on the Soviet-Japanese pact",
        "@anna you asked about this: the Izvestia report of 14 April 1941 is a start.",
    )
    .await;
    let n = notes(&anna).await;
    assert_eq!(
        n[0].0,
        "ben mentioned you in Sources on the Soviet-Japanese pact"
    );
    assert_eq!(n[0].1, format!("/t/{}/{}/1", t2.1, t2.0));

    // A quote of anna's post.
    reply(
        &ben,
        &t2,
        &format!(
            "[quote=\"anna, post:1, topic:{}\"]\nWhy was it trusted?\n[/quote]\n\nIt was not, entirely.",
            t.0
        ),
        None,
    )
    .await;
    let n = notes(&anna).await;
    assert_eq!(
        n[0].0,
        "ben quoted your post in Sources on the Soviet-Japanese pact"
    );
    assert_eq!(n[0].1, format!("/t/{}/{}/2", t2.1, t2.0));

    // A like. (Opening the topic lands anna on ben's reply, her first unread post, so that
    // notification is now read.)
    let first = anna.get(&format!("/t/{}/{}", t.1, t.0)).await.post_id(1);
    let n = notes(&anna).await;
    assert!(!n.last().unwrap().2, "seen on the page, marked read: {n:?}");
    like(&ben, first, true).await;
    let n = notes(&anna).await;
    assert_eq!(
        n[0].0,
        "ben liked your post in Why did the USSR trust the neutrality pact?"
    );
    assert_eq!(n[0].1, format!("/t/{}/{}/1", t.1, t.0));

    // An edit by someone else (an admin).
    let admin = s.admin().await;
    let edited = admin
        .submit(
            &format!("/posts/{first}/edit"),
            &format!("/posts/{first}/edit"),
            &[
                (
                    "raw",
                    "The pact was signed on 13 April 1941 in Moscow. Why was it trusted?",
                ),
                ("title", "Why did the USSR trust the neutrality pact?"),
            ],
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
    let n = notes(&anna).await;
    assert_eq!(
        n[0].0,
        "admin edited your post in Why did the USSR trust the neutrality pact?"
    );

    // A new post in a topic anna watches (she started it: watching by default), from someone
    // who neither replies to her nor mentions her.
    let cleo = s.member("cleo").await;
    reply(
        &cleo,
        &t,
        "A further thought, on Matsuoka's own motives.",
        None,
    )
    .await;
    let n = notes(&anna).await;
    assert_eq!(
        n[0].0,
        "cleo posted in Why did the USSR trust the neutrality pact?"
    );
    assert_eq!(n[0].1, format!("/t/{}/{}/3", t.1, t.0));
    assert_eq!(n.len(), 6, "{n:?}");
    assert_eq!(bell(&anna).await, 5);

    // Each link lands on its post, and opening it marks that one read — only that one,
    // though post 3's page also shows post 1, which the like and the edit are about.
    let landed = anna.get(&n[0].1).await;
    assert_eq!(landed.status, StatusCode::OK);
    assert!(landed.body.contains("id=\"post_3\"") && landed.body.contains("id=\"post_1\""));
    let after = notes(&anna).await;
    let unread: Vec<&str> = after.iter().filter(|n| n.2).map(|n| n.0.as_str()).collect();
    assert_eq!(
        unread,
        [
            "admin edited your post in Why did the USSR trust the neutrality pact?",
            "ben liked your post in Why did the USSR trust the neutrality pact?",
            "ben quoted your post in Sources on the Soviet-Japanese pact",
            "ben mentioned you in Sources on the Soviet-Japanese pact"
        ]
    );
    assert_eq!(bell(&anna).await, 4);

    // Mark one read, then all.
    let page = anna.get("/notifications").await;
    let token = page.csrf();
    let id = {
        let doc = scraper::Html::parse_document(&page.body);
        let sel = scraper::Selector::parse("li.notification.unread input[name=id]").unwrap();
        doc.select(&sel)
            .next()
            .unwrap()
            .value()
            .attr("value")
            .unwrap()
            .to_owned()
    };
    let res = anna
        .post_form(
            "/notifications/mark-read",
            &[("authenticity_token", &token), ("id", &id)],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(bell(&anna).await, 3);
    // Someone else's notification cannot be marked by ben.
    let ben_token = ben.token().await;
    let res = ben
        .post_form(
            "/notifications/mark-read",
            &[("authenticity_token", &ben_token), ("id", &id)],
        )
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let res = anna
        .post_form(
            "/notifications/mark-read",
            &[("authenticity_token", &token)],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(bell(&anna).await, 0);
    assert!(notes(&anna).await.iter().all(|n| !n.2));

    // Visitors have no notifications page.
    let v = s.visitor().get("/notifications").await;
    assert_eq!(v.status, StatusCode::FORBIDDEN);
}

async fn likes_merge_and_unlikes_withdraw(b: Backend) {
    let Some(s) = TestServer::start_empty(b).await else {
        return;
    };
    let anna = s.member("anna").await;
    let t = topic(
        &anna,
        "Which archives hold the 1941 pact papers?",
        "Looking for the Japanese side of the April 1941 negotiations.",
    )
    .await;
    let post = anna.get(&format!("/t/{}/{}", t.1, t.0)).await.post_id(1);
    let title = "Which archives hold the 1941 pact papers?";
    let mut likers = Vec::new();
    for name in ["ben", "cleo", "dora", "emil"] {
        let m = s.member(name).await;
        like(&m, post, true).await;
        likers.push(m);
    }
    let n = notes(&anna).await;
    assert_eq!(n.len(), 1, "likes of one post merge: {n:?}");
    assert_eq!(
        n[0].0,
        format!("emil and 3 others liked your post in {title}")
    );
    // Two likers read as two names.
    let anna2 = s.member("anna2").await;
    let t2 = topic(
        &anna2,
        "A second topic about the pact",
        "Post to be liked by exactly two.",
    )
    .await;
    let p2 = anna2.get(&format!("/t/{}/{}", t2.1, t2.0)).await.post_id(1);
    like(&likers[0], p2, true).await;
    like(&likers[1], p2, true).await;
    assert_eq!(
        notes(&anna2).await[0].0,
        format!("cleo and ben liked your post in A second topic about the pact")
    );
    // Unliking takes the like back; the last one removes the notification.
    like(&likers[1], p2, false).await;
    assert_eq!(
        notes(&anna2).await[0].0,
        "ben liked your post in A second topic about the pact"
    );
    like(&likers[0], p2, false).await;
    assert!(notes(&anna2).await.is_empty());
}

async fn levels_decide_who_hears(b: Backend) {
    let Some(s) = TestServer::start_empty(b).await else {
        return;
    };
    let anna = s.member("anna").await;
    let ben = s.member("ben").await;
    let cleo = s.member("cleo").await;
    let t = topic(
        &anna,
        "On the Khalkhin Gol battles of 1939",
        "What did Khalkhin Gol teach both sides?",
    )
    .await;

    // The level picker shows watching for one's own topic; replying makes one track.
    let page = anna.get(&format!("/t/{}/{}", t.1, t.0)).await;
    assert!(
        page.body
            .contains(r#"<input type="radio" name="notification_level" value="3" checked>"#)
            && page
                .body
                .contains(r#"aria-label="Notifications for this topic: Watching""#),
        "{}",
        page.body
    );
    reply(
        &ben,
        &t,
        "That the Kwantung Army could be beaten in the field.",
        None,
    )
    .await;
    let page = ben.get(&format!("/t/{}/{}", t.1, t.0)).await;
    assert!(
        page.body
            .contains(r#"<input type="radio" name="notification_level" value="2" checked>"#)
    );
    // Tracking does not bring every post; watching does.
    reply(&cleo, &t, "And that Zhukov was a commander to watch.", None).await;
    assert!(notes(&ben).await.is_empty(), "tracking: no 'posted'");
    set_topic_level(&ben, &t, 3).await;
    reply(
        &cleo,
        &t,
        "Also the logistics of the Trans-Siberian line.",
        None,
    )
    .await;
    assert_eq!(
        notes(&ben).await[0].0,
        "cleo posted in On the Khalkhin Gol battles of 1939"
    );

    // Muted means silence: no reply, mention or like notification from the topic.
    set_topic_level(&anna, &t, 0).await;
    let before = notes(&anna).await.len();
    reply(&cleo, &t, "@anna what do you make of this answer?", Some(1)).await;
    let first = anna.get(&format!("/t/{}/{}", t.1, t.0)).await.post_id(1);
    like(&cleo, first, true).await;
    assert_eq!(notes(&anna).await.len(), before, "muted topic");
    // A muted topic leaves Latest (it stays in its category).
    assert!(
        !anna
            .get("/latest")
            .await
            .body
            .contains("On the Khalkhin Gol battles")
    );
    assert!(
        anna.get("/c/general/1")
            .await
            .body
            .contains("On the Khalkhin Gol battles")
    );
    assert!(
        ben.get("/latest")
            .await
            .body
            .contains("On the Khalkhin Gol battles")
    );
    // A bad level is refused with a message.
    let token = anna.token().await;
    let res = anna
        .post_form(
            &format!("/t/{}/notifications", t.0),
            &[("authenticity_token", &token), ("notification_level", "7")],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("Choose watching (3)"), "{}", res.body);

    // Watching a category brings new topics and their posts; muting it silences them.
    let res = cleo
        .submit(
            "/c/general/1",
            "/category/1/notifications",
            &[("notification_level", "3")],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(
        res.body
            .contains(r#"<input type="radio" name="notification_level" value="3" checked>"#)
    );
    let t2 = topic(
        &ben,
        "The Soviet-Japanese border after 1941",
        "How quiet was the border after April?",
    )
    .await;
    assert_eq!(
        notes(&cleo).await[0].0,
        "ben posted in The Soviet-Japanese border after 1941"
    );
    assert_eq!(notes(&cleo).await[0].1, format!("/t/{}/{}/1", t2.1, t2.0));
    cleo.submit(
        "/c/general/1",
        "/category/1/notifications",
        &[("notification_level", "0")],
    )
    .await;
    let count = notes(&cleo).await.len();
    let t3 = topic(
        &ben,
        "Another topic in a muted category",
        "@cleo nothing here should reach you.",
    )
    .await;
    reply(
        &ben,
        &t3,
        "Still nothing for cleo here, even @cleo.",
        Some(1),
    )
    .await;
    assert_eq!(notes(&cleo).await.len(), count, "muted category");
    // A level chosen for a topic wins over the category's.
    set_topic_level(&cleo, &t3, 1).await;
    reply(&ben, &t3, "Now @cleo hears this mention.", None).await;
    assert_eq!(
        notes(&cleo).await[0].0,
        "ben mentioned you in Another topic in a muted category"
    );
}

async fn notifications_follow_what_the_member_may_see(b: Backend) {
    let Some(s) = TestServer::start_empty(b).await else {
        return;
    };
    let anna = s.member("anna").await;
    let ben = s.member("ben").await;
    let t = topic(
        &anna,
        "Deleted replies and their notifications",
        "A post for ben to reply to.",
    )
    .await;
    let page = reply(&ben, &t, "A reply that ben will delete again.", Some(1)).await;
    assert_eq!(bell(&anna).await, 1);
    // Ben deletes his reply: anna's notification about it disappears, count included.
    let post = page.post_id(2);
    let token = ben.token().await;
    let res = ben
        .post_form(
            &format!("/posts/{post}/delete"),
            &[("authenticity_token", &token)],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(notes(&anna).await.is_empty());
    assert_eq!(bell(&anna).await, 0);
    // Restored, it comes back.
    let admin = s.admin().await;
    let token = admin.token().await;
    let res = admin
        .post_form(
            &format!("/posts/{post}/restore"),
            &[("authenticity_token", &token)],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(notes(&anna).await.len(), 1);
    // Mentions of members who do not exist notify nobody and fail nothing.
    reply(&ben, &t, "Is @nobody_here reading this? And @anna?", None).await;
    assert_eq!(
        notes(&anna).await[0].0,
        "ben mentioned you in Deleted replies and their notifications"
    );
    // A mention inside a quote is not a mention.
    let cleo = s.member("cleo").await;
    reply(
        &ben,
        &t,
        &format!(
            "[quote=\"ben, post:2, topic:{}\"]\nask @cleo about it\n[/quote]\n\nQuoting myself.",
            t.0
        ),
        None,
    )
    .await;
    assert!(notes(&cleo).await.is_empty());
}

async fn staff_only_categories_stay_hidden_and_silent(b: Backend) {
    let Some(s) = TestServer::start_configured(b, false, |c| c.email_away_minutes = 0).await else {
        return;
    };
    let dir = s.mail_dir();
    let anna = s.confirmed_member("anna", &dir).await;
    let t = topic(
        &anna,
        "A public question about the 1941 pact",
        "Anna asks in public.",
    )
    .await;
    let admin = s.admin().await;
    let made = admin
        .submit(
            "/categories",
            "/categories",
            &[
                ("name", "Staff room"),
                ("description", "For admins"),
                ("read_restricted", "on"),
            ],
        )
        .await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
    let staff_url = made.url.trim_start_matches(&admin.base).to_owned();
    let staff_id: i64 = staff_url.rsplit('/').next().unwrap().parse().unwrap();
    // The admin mentions anna, quotes her and watches... in a topic she may not see.
    let page = admin
        .new_topic(
            staff_id,
            "Private: should we pin anna's pact question?",
            &format!(
                "@anna asked a good one.\n\n[quote=\"anna, post:1, topic:{}\"]\nAnna asks in public.\n[/quote]",
                t.0
            ),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let (private_id, private_slug) = page.topic_of_url();
    let private_path = format!("/t/{private_slug}/{private_id}");
    assert!(
        notes(&anna).await.is_empty(),
        "no notification from a hidden topic"
    );
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let mails = common::read_mails(&dir);
    assert!(
        mails.iter().all(|m| !m.subject.contains("Private")),
        "no email about it either"
    );
    // Nothing of it shows to anna or to visitors: not the lists, not the pages.
    for who in [&anna, &s.visitor()] {
        assert!(
            !who.get("/latest")
                .await
                .body
                .contains("Private: should we pin")
        );
        assert!(!who.get("/categories").await.body.contains("Staff room"));
        assert_eq!(who.get(&private_path).await.status, StatusCode::NOT_FOUND);
        assert_eq!(who.get(&staff_url).await.status, StatusCode::NOT_FOUND);
        assert!(
            !who.get("/u/admin")
                .await
                .body
                .contains("Private: should we pin")
        );
    }
    let token = anna.token().await;
    let res = anna
        .post_form(
            &format!("/category/{staff_id}/notifications"),
            &[("authenticity_token", &token), ("notification_level", "3")],
        )
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let res = anna
        .new_topic(
            staff_id,
            "Anna tries to post in the staff room",
            "She should not be able to.",
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Admins see it all, marked as staff only.
    assert!(
        admin
            .get("/latest")
            .await
            .body
            .contains("Private: should we pin")
    );
    assert!(admin.get("/categories").await.body.contains("staff only"));
}

async fn mentions_complete_from_usernames(b: Backend) {
    let Some(s) = TestServer::start_empty(b).await else {
        return;
    };
    for name in ["anna", "annabel", "an_na", "boris"] {
        s.member(name).await;
    }
    let v = s.visitor();
    let get = |term: &str| {
        let v = v.clone();
        let term = term.to_owned();
        async move {
            let res = v
                .client
                .get(format!("{}/u/search/users.json", v.base))
                .query(&[("term", term.as_str())])
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::OK);
            assert_eq!(
                res.headers()["content-type"].to_str().unwrap(),
                "application/json; charset=utf-8"
            );
            let json: serde_json::Value = res.json().await.unwrap();
            json["users"]
                .as_array()
                .unwrap()
                .iter()
                .map(|u| u["username"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(get("anna").await, ["anna", "annabel"], "exact match first");
    assert_eq!(
        get("@ANN").await.len(),
        2,
        "case and a leading @ are ignored"
    );
    assert_eq!(
        get("an_").await,
        ["an_na"],
        "_ is a letter here, not a wildcard"
    );
    assert_eq!(get("an%").await, Vec::<String>::new());
    assert!(get("").await.is_empty());
    assert!(get("' OR 1=1 --").await.is_empty());
    assert!(get(&"a".repeat(5000)).await.is_empty());
}

on_both_backends!(
    every_kind_arrives_worded_and_linked,
    likes_merge_and_unlikes_withdraw,
    levels_decide_who_hears,
    notifications_follow_what_the_member_may_see,
    staff_only_categories_stay_hidden_and_silent,
    mentions_complete_from_usernames,
);
