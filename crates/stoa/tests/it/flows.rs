//! The forum's main flows over real HTTP, against a real server with a fresh database each.

use crate::common::{self, Backend, TestServer, script_findings};
use reqwest::StatusCode;

const DEMO_PATH: &str = "/t/why-did-the-ussr-trust-its-april-1941-neutrality-pact-with-japan/2";

async fn demo_thread_reads_like_the_reference_thread(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    assert!(
        s.admin_password.is_some(),
        "first run prints an admin password"
    );
    let v = s.visitor();
    let latest = v.get("/latest").await;
    assert_eq!(latest.status, StatusCode::OK);
    assert!(
        latest
            .body
            .contains("Why did the USSR trust its April 1941 neutrality pact with Japan?")
    );
    assert!(latest.body.contains("Welcome to Stoa"));
    let cats = v.get("/categories").await;
    assert!(
        cats.body.contains(">History<") && cats.body.contains(">General<"),
        "{}",
        cats.body
    );

    let t = v.get(DEMO_PATH).await;
    assert_eq!(t.status, StatusCode::OK);
    let body = &t.body;
    assert_eq!(body.matches("<h1>").count(), 1, "one h1 per page");
    assert!(
        body.contains("<blockquote>"),
        "block quote of the newspaper"
    );
    assert!(
        body.contains("<em>Izvestia</em>, 14 April 1941"),
        "publication and date named"
    );
    assert!(
        body.contains(r#"rel="noopener nofollow ugc">the pact and its background</a>"#),
        "further-reading link"
    );
    for n in 1..=4 {
        assert!(body.contains(&format!("id=\"post_{n}\"")), "post {n}");
    }
    assert!(
        body.contains("in reply to tomas (#2)"),
        "reply_to_post_number shown"
    );
    assert!(body.contains(
        r#"<aside class="quote no-group" data-username="lena" data-post="1" data-topic="2">"#
    ));
    assert!(body.contains(">1 Like<"), "the like is counted");
    assert!(
        body.contains(r#"<a class="mention" href="/u/keiko""#),
        "mention links the member"
    );
    assert!(script_findings(body).is_empty());
    // Landmarks and labelled form controls.
    assert!(
        body.contains("<main id=\"main\">")
            && body.contains("<nav class=\"site-nav\" aria-label=\"Main\">")
    );
    // A wrong slug redirects to the right one; the id wins.
    let moved = v.get_raw("/t/wrong-slug/2").await;
    assert_eq!(moved.status, StatusCode::MOVED_PERMANENTLY);
    assert_eq!(moved.headers["location"], DEMO_PATH);
}

async fn a_member_signs_up_posts_replies_quotes_likes_edits_and_deletes(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let anna = s.member("anna").await;
    let boris = s.member("boris").await;

    // New topic in History (category 2 in the demo).
    let title = "How reliable were Soviet newspapers as sources in 1941?";
    let opening = "I keep citing *Izvestia* and wonder how far to trust it.\n\n> A quoted line\n\nMore at https://example.org/sources.";
    let page = anna.new_topic(2, title, opening).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains(title));
    assert!(
        page.body
            .contains(r#"<a href="https://example.org/sources" rel="noopener nofollow ugc">"#)
    );
    let (topic, slug) = page.topic_of_url();
    let first_post = page.post_id(1);

    // Boris replies to post 1 specifically.
    let reply = boris
        .submit(
            &format!("/t/{slug}/{topic}/reply?to=1"),
            &format!("/t/{slug}/{topic}/reply"),
            &[
                (
                    "raw",
                    "As a rule: for what was said, yes; for what happened, no.",
                ),
                ("reply_to_post_number", "1"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(
        reply.url.ends_with(&format!("/t/{slug}/{topic}/2")),
        "{}",
        reply.url
    );
    assert!(reply.body.contains("in reply to anna (#1)"));

    // Anna quotes Boris's reply: the composer comes prefilled with a [quote].
    let boris_post = reply.post_id(2);
    let composer = anna
        .get(&format!("/t/{slug}/{topic}/reply?quote={boris_post}"))
        .await;
    let expected = format!("[quote=&#34;boris, post:2, topic:{topic}, full:true&#34;]");
    assert!(composer.body.contains(&expected), "{}", composer.body);
    // …or with just a selected passage.
    let selected = anna
        .get(&format!(
            "/t/{slug}/{topic}/reply?quote={boris_post}&selection=for%20what%20happened%2C%20no"
        ))
        .await;
    assert!(
        selected.body.contains(&format!(
            "[quote=&#34;boris, post:2, topic:{topic}&#34;]\nfor what happened, no\n[/quote]"
        )),
        "{}",
        selected.body
    );
    let quoted = anna
        .submit(
            &format!("/t/{slug}/{topic}/reply"),
            &format!("/t/{slug}/{topic}/reply"),
            &[("raw", &format!("[quote=\"boris, post:2, topic:{topic}\"]\nfor what happened, no\n[/quote]\n\nFair, thank you."))],
        )
        .await;
    assert_eq!(quoted.status, StatusCode::OK);
    assert!(quoted.body.contains(&format!(
        r#"data-username="boris" data-post="2" data-topic="{topic}""#
    )));

    // Anna likes Boris's post; then unlikes it.
    let token = anna.token().await;
    let liked = anna
        .post_form(
            &format!("/posts/{boris_post}/like"),
            &[("authenticity_token", &token), ("like", "true")],
        )
        .await;
    assert_eq!(liked.status, StatusCode::OK);
    assert!(liked.body.contains(">1 Like<"), "like counted");
    let unliked = anna
        .post_form(
            &format!("/posts/{boris_post}/like"),
            &[("authenticity_token", &token), ("like", "false")],
        )
        .await;
    assert!(!unliked.body.contains(">1 Like<"));
    // The script's path: the JSON API with the session cookie and the page's CSRF token.
    let like = |with_token: bool| {
        let mut req = anna
            .client
            .post(format!("{}/post_actions", anna.base))
            .header("accept", "application/json")
            .form(&[
                ("id", boris_post.to_string()),
                ("post_action_type_id", "2".into()),
            ]);
        if with_token {
            req = req.header("x-csrf-token", token.as_str());
        }
        req.send()
    };
    let refused = like(false).await.unwrap();
    assert_eq!(
        refused.status(),
        StatusCode::FORBIDDEN,
        "a session write needs the token"
    );
    let json: serde_json::Value = like(true).await.unwrap().json().await.unwrap();
    assert_eq!(json["id"], boris_post);
    assert_eq!(json["actions_summary"][0]["id"], 2);
    assert_eq!(json["actions_summary"][0]["count"], 1);
    assert_eq!(json["actions_summary"][0]["acted"], true);
    let unliked = anna
        .client
        .delete(format!(
            "{}/post_actions/{boris_post}?post_action_type_id=2",
            anna.base
        ))
        .header("x-csrf-token", token.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(unliked.status(), StatusCode::OK);
    let json: serde_json::Value = unliked.json().await.unwrap();
    assert_eq!(json["actions_summary"][0]["count"], 0);
    assert_eq!(like(true).await.unwrap().status(), StatusCode::OK);

    // Anna edits her opening post: the old text is kept as a revision.
    let edited = anna
        .submit(
            &format!("/posts/{first_post}/edit"),
            &format!("/posts/{first_post}/edit"),
            &[
                (
                    "raw",
                    "I keep citing Izvestia; how far should I trust it? (edited)",
                ),
                ("title", title),
            ],
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
    assert!(edited.body.contains("(edited)") && edited.body.contains(">edited</a>"));
    let history = anna.get(&format!("/posts/{first_post}/revisions")).await;
    assert!(
        history.body.contains("Version 1")
            && history.body.contains("I keep citing *Izvestia* and wonder")
    );

    // Boris deletes his reply; others see a placeholder; an admin restores it.
    let deleted = boris
        .submit(
            &format!("/t/{slug}/{topic}"),
            &format!("/posts/{boris_post}/delete"),
            &[],
        )
        .await;
    assert_eq!(deleted.status, StatusCode::OK);
    let seen = s.visitor().get(&format!("/t/{slug}/{topic}")).await;
    assert!(seen.body.contains("(post deleted)"));
    assert!(
        !seen.body.contains("for what was said, yes"),
        "deleted text withheld"
    );
    let admin = s.admin().await;
    let admin_view = admin.get(&format!("/t/{slug}/{topic}")).await;
    assert!(
        admin_view.body.contains("for what was said, yes"),
        "admins see deleted text"
    );
    let restored = admin
        .submit(
            &format!("/t/{slug}/{topic}"),
            &format!("/posts/{boris_post}/restore"),
            &[],
        )
        .await;
    assert_eq!(restored.status, StatusCode::OK);
    let seen = s.visitor().get(&format!("/t/{slug}/{topic}")).await;
    assert!(seen.body.contains("for what was said, yes") && !seen.body.contains("(post deleted)"));

    // Boris has replied, so Anna deleting her first post withdraws it: the topic and his
    // reply stay, her text gives way to a notice, and she can take it back.
    let withdrawn = anna
        .submit(
            &format!("/t/{slug}/{topic}"),
            &format!("/posts/{first_post}/delete"),
            &[],
        )
        .await;
    assert_eq!(withdrawn.status, StatusCode::OK);
    let seen = s.visitor().get(&format!("/t/{slug}/{topic}")).await;
    assert_eq!(seen.status, StatusCode::OK);
    assert!(seen.body.contains("topic withdrawn by its author"));
    assert!(seen.body.contains("for what was said, yes"));
    let back = anna
        .submit(
            &format!("/t/{slug}/{topic}"),
            &format!("/posts/{first_post}/restore"),
            &[],
        )
        .await;
    assert_eq!(back.status, StatusCode::OK);
    assert!(
        !s.visitor()
            .get(&format!("/t/{slug}/{topic}"))
            .await
            .body
            .contains("topic withdrawn by its author")
    );

    // An admin deleting the first post deletes the topic (for everyone but admins), and it
    // can be restored.
    let gone = admin
        .submit(
            &format!("/t/{slug}/{topic}"),
            &format!("/posts/{first_post}/delete"),
            &[],
        )
        .await;
    assert_eq!(gone.status, StatusCode::OK);
    assert_eq!(
        s.visitor().get(&format!("/t/{slug}/{topic}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert!(!s.visitor().get("/latest").await.body.contains(title));
    admin
        .submit("/latest", &format!("/posts/{first_post}/restore"), &[])
        .await;
    assert_eq!(
        s.visitor().get(&format!("/t/{slug}/{topic}")).await.status,
        StatusCode::OK
    );

    // The profile lists the member's topic and replies.
    let profile = s.visitor().get("/u/boris").await;
    assert!(profile.body.contains(title), "{}", profile.body);
}

async fn what_is_refused_is_refused(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let v = s.visitor();
    // Anonymous posting: the form needs a login.
    let res = v.get_raw("/new-topic").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert!(
        res.headers["location"]
            .to_str()
            .unwrap()
            .starts_with("/login?return_to=")
    );
    let token = v.get("/login").await.csrf();
    let res = v
        .post_form(
            "/new-topic",
            &[
                ("authenticity_token", &token),
                ("title", "An anonymous title here"),
                ("raw", "An anonymous body that is long enough."),
                ("category", "1"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert!(res.body.contains("log in"), "{}", res.body);
    let res = v
        .post_form(
            &format!("{DEMO_PATH}/reply"),
            &[
                ("authenticity_token", &token),
                ("raw", "An anonymous reply that is long enough."),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);

    let anna = s.member("anna").await;
    let page = anna
        .new_topic(
            1,
            "A topic of my very own here",
            "Written by anna, liked by nobody yet.",
        )
        .await;
    let (topic, slug) = page.topic_of_url();
    let own = page.post_id(1);
    // Liking one's own post.
    let t = anna.token().await;
    let res = anna
        .post_form(
            &format!("/posts/{own}/like"),
            &[("authenticity_token", &t), ("like", "true")],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert!(res.body.contains("cannot like your own post"));
    // Editing another member's post.
    let boris = s.member("boris").await;
    let bt = boris.token().await;
    let res = boris
        .post_form(
            &format!("/posts/{own}/edit"),
            &[
                ("authenticity_token", &bt),
                ("raw", "Boris rewrites Anna's words here."),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let res = boris.get(&format!("/posts/{own}/edit")).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    // Deleting another member's post, restoring as a non-admin.
    let res = boris
        .post_form(
            &format!("/posts/{own}/delete"),
            &[("authenticity_token", &bt)],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    // Missing and wrong CSRF tokens.
    let res = boris
        .post_form(
            &format!("/t/{slug}/{topic}/reply"),
            &[("raw", "A reply without any token at all.")],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert!(res.body.contains("expired or did not come from this site"));
    let res = boris
        .post_form(
            &format!("/t/{slug}/{topic}/reply"),
            &[
                ("authenticity_token", &t),
                ("raw", "A reply with anna's token, not mine."),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "another session's token");
    let res = anna.post_form_raw("/logout", &[]).await;
    assert_eq!(
        res.status,
        StatusCode::FORBIDDEN,
        "logout needs a token too"
    );
    // Nothing changed.
    let page = s.visitor().get(&format!("/t/{slug}/{topic}")).await;
    assert!(page.body.contains("Written by anna") && !page.body.contains("Boris rewrites"));
    assert!(!page.body.contains("without any token"));
}

async fn bad_input_gets_a_clear_answer_and_loses_nothing(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let anna = s.member("anna").await;
    let body = "A body that is long enough, with <b>markup</b> & an ampersand.";
    let res = anna.new_topic(2, "Too short", body).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.body
            .contains("Title is too short (minimum is 15 characters)")
    );
    assert!(res.body.contains("value=\"Too short\""), "title kept");
    assert!(
        res.body.contains(
            "A body that is long enough, with &#60;b&#62;markup&#60;/b&#62; &#38; an ampersand."
        ) || res.body.contains(
            "A body that is long enough, with &lt;b&gt;markup&lt;/b&gt; &amp; an ampersand."
        ),
        "body kept, escaped: {}",
        res.body
    );
    assert!(res.body.contains("aria-invalid=\"true\""));
    let res = anna.new_topic(2, "A perfectly fine title", "short").await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.body
            .contains("Body is too short (minimum is 20 characters)")
    );
    let res = anna.new_topic(999, "A perfectly fine title", body).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("That category does not exist"));
    // Replying to a post that does not exist.
    let res = anna
        .submit(
            &format!("{DEMO_PATH}/reply"),
            &format!("{DEMO_PATH}/reply"),
            &[("raw", body), ("reply_to_post_number", "99")],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("There is no post #99 in this topic"));
    // Sign-up rules.
    let v = s.visitor();
    for (user, email, password, message) in [
        (
            "x",
            "x@example.org",
            "a long enough passphrase",
            "Username must be 3 to 20 characters long",
        ),
        (
            "ANNA",
            "other@example.org",
            "a long enough passphrase",
            "That username is taken",
        ),
        (
            "carla",
            "anna@EXAMPLE.org",
            "a long enough passphrase",
            "An account with that email already exists",
        ),
        (
            "carla",
            "not-an-email",
            "a long enough passphrase",
            "Enter an email address",
        ),
        (
            "carla",
            "carla@example.org",
            "short",
            "Password must be at least 10 characters long",
        ),
        (
            "carla",
            "carla@example.org",
            "password123",
            "one of the most common",
        ),
    ] {
        let res = v
            .submit(
                "/signup",
                "/signup",
                &[("username", user), ("email", email), ("password", password)],
            )
            .await;
        assert_eq!(
            res.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{user} {email}"
        );
        assert!(res.body.contains(message), "{message}: {}", res.body);
        assert!(
            res.body.contains(&format!("value=\"{user}\"")),
            "username kept"
        );
    }
    // Unknown things get a real 404 page.
    for path in [
        "/nope",
        "/t/x/99999",
        "/t/x/abc",
        "/t/x/2/abc",
        "/c/x/999",
        "/u/nobody-here",
        "/posts/999/edit",
        "/p/0",
        "/t/x/2?page=99",
    ] {
        let res = v.get(path).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{path}");
        assert!(res.body.contains("<h1>404 Not Found</h1>"), "{path}");
    }
    // Malformed numbers in queries fall back to defaults.
    assert_eq!(v.get("/latest?page=-3").await.status, StatusCode::OK);
    assert_eq!(v.get("/latest?page=%ZZ").await.status, StatusCode::OK);
}

async fn login_is_throttled_per_account(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    s.member("anna").await;
    let v = s.visitor();
    for _ in 0..5 {
        let res = v.login("anna", "wrong password, clearly").await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.body.contains("Incorrect username, email or password"));
        assert!(res.body.contains("value=\"anna\""), "login kept");
    }
    let res = v.login("anna", "a long enough passphrase").await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = res.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(wait > 0 && wait <= 300);
    assert!(res.body.contains("try again in"), "{}", res.body);
    // Another account from elsewhere is unaffected.
    s.member("boris").await;
}

async fn sessions_rotate_and_cookies_are_safe(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    s.member("anna").await;
    let v = s.visitor();
    let token = v.get("/login").await.csrf();
    let res = v
        .post_form_raw(
            "/login",
            &[
                ("authenticity_token", &token),
                ("login", "anna@example.org"),
                ("password", "a long enough passphrase"),
                ("return_to", "//evil.example/"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.headers["location"], "/", "no off-site redirect");
    let cookie = res
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("_t="))
        .unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let first = cookie.split(';').next().unwrap().to_owned();
    // Logging in again issues a different token.
    let token = v.get("/login").await.csrf();
    let res = v
        .post_form_raw(
            "/login",
            &[
                ("authenticity_token", &token),
                ("login", "anna"),
                ("password", "a long enough passphrase"),
            ],
        )
        .await;
    let cookie = res
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("_t="))
        .unwrap();
    assert_ne!(cookie.split(';').next().unwrap(), first, "rotated at login");
    // Pages for members are not cached; logging out ends the session.
    let page = v.get("/latest").await;
    assert_eq!(page.headers["cache-control"], "no-store");
    assert!(page.body.contains("<span class=\"me-name\">anna</span>"));
    let res = v.submit("/latest", "/logout", &[]).await;
    assert!(res.body.contains(">Log in</a>"));
}

async fn read_tracking_shows_unread_and_jumps_to_first_unread(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let anna = s.member("anna").await;
    let boris = s.member("boris").await;
    // Anna reads the demo thread, then Boris replies twice.
    anna.get(DEMO_PATH).await;
    let latest = anna.get("/latest").await;
    assert!(!latest.body.contains(" unread<"), "all read");
    for text in [
        "A first new reply, long enough to post.",
        "A second new reply, long enough to post.",
    ] {
        boris
            .submit(DEMO_PATH, &format!("{DEMO_PATH}/reply"), &[("raw", text)])
            .await;
    }
    let latest = anna.get("/latest").await;
    assert!(latest.body.contains(">2 unread<"), "{}", latest.body);
    let open = anna.get_raw(DEMO_PATH).await;
    assert_eq!(open.status, StatusCode::SEE_OTHER);
    assert_eq!(open.headers["location"], format!("{DEMO_PATH}/5#post_5"));
    anna.get(&format!("{DEMO_PATH}/5")).await;
    assert!(!anna.get("/latest").await.body.contains(" unread<"));
    // Anonymous visitors see no unread counts and are not redirected.
    assert_eq!(s.visitor().get_raw(DEMO_PATH).await.status, StatusCode::OK);
}

async fn long_topics_paginate_and_post_numbers_land_on_their_page(b: Backend) {
    let Some(s) = TestServer::start_empty(b).await else {
        return;
    };
    let anna = s.member("anna").await;
    let page = anna
        .new_topic(
            1,
            "A long thread with many replies",
            "The first post of a long thread.",
        )
        .await;
    let (topic, slug) = page.topic_of_url();
    let token = anna.token().await;
    for i in 2..=25 {
        let raw = format!("Reply number {i} in this long thread.");
        let res = anna
            .post_form_raw(
                &format!("/t/{slug}/{topic}/reply"),
                &[("authenticity_token", &token), ("raw", &raw)],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
    }
    let v = s.visitor();
    let p1 = v.get(&format!("/t/{slug}/{topic}")).await;
    assert!(p1.body.contains("id=\"post_20\"") && !p1.body.contains("id=\"post_21\""));
    assert!(p1.body.contains("Page 1 of 2"));
    let at = v.get(&format!("/t/{slug}/{topic}/23")).await;
    assert_eq!(at.status, StatusCode::OK);
    assert!(at.body.contains("id=\"post_23\"") && at.body.contains("Page 2 of 2"));
    // Beyond the last post: the last post's page.
    let beyond = v.get_raw(&format!("/t/{slug}/{topic}/999")).await;
    assert_eq!(beyond.status, StatusCode::MOVED_PERMANENTLY);
    assert_eq!(beyond.headers["location"], format!("/t/{slug}/{topic}/25"));
}

async fn everything_survives_a_restart(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let anna = s.member("anna").await;
    let page = anna
        .new_topic(
            2,
            "Written before the restart",
            "These words must still be here afterwards.",
        )
        .await;
    let (topic, slug) = page.topic_of_url();
    let (config, dir) = s.stop().await;
    let s = TestServer::start_with(config, dir).await;
    assert!(s.admin_password.is_none(), "no second first run");
    let v = s.visitor();
    let again = v.get(&format!("/t/{slug}/{topic}")).await;
    assert!(
        again
            .body
            .contains("These words must still be here afterwards.")
    );
    let latest = v.get("/latest").await;
    assert_eq!(
        latest.body.matches("Why did the USSR trust").count(),
        1,
        "demo not added twice"
    );
    // Anna's account and password survive too.
    let anna = s.visitor();
    assert_eq!(
        anna.login("anna", "a long enough passphrase").await.status,
        StatusCode::OK
    );
}

async fn assets_are_embedded_and_cached(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let v = s.visitor();
    let page = v.get("/latest").await;
    let css = page
        .body
        .split("href=\"/assets/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let res = v.get(&format!("/assets/{css}")).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.headers["content-type"], "text/css; charset=utf-8");
    assert!(
        res.headers["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    assert!(res.body.contains("prefers-color-scheme: dark"));
    assert_eq!(
        v.get("/assets/stoa-000000000000.css").await.status,
        StatusCode::NOT_FOUND
    );
    // The icon, and /favicon.ico for browsers that ask for it regardless.
    let ico = v.get_raw("/favicon.ico").await;
    assert_eq!(ico.status, StatusCode::MOVED_PERMANENTLY);
    let icon = v.get(ico.headers["location"].to_str().unwrap()).await;
    assert_eq!(icon.headers["content-type"], "image/svg+xml");
    assert!(
        page.body
            .contains(ico.headers["location"].to_str().unwrap())
    );
    // Security headers on every page.
    assert_eq!(page.headers["x-content-type-options"], "nosniff");
    assert!(
        page.headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("object-src 'none'")
    );
    assert!(page.headers.contains_key("x-request-id"));
    assert_eq!(
        page.headers["referrer-policy"],
        "strict-origin-when-cross-origin"
    );
    assert!(
        !page.headers.contains_key("strict-transport-security"),
        "no HSTS over http"
    );
    // The script runs only with this response's nonce; the next response has another.
    let csp = page.headers["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .unwrap()
        .split('\'')
        .next()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("'strict-dynamic'")
            && csp.contains("base-uri 'none'")
            && csp.contains("frame-ancestors 'none'")
    );
    assert!(
        page.body.contains(&format!("nonce=\"{nonce}\"")),
        "script tag carries the nonce"
    );
    let rendered = v.get("/login").await;
    assert!(
        !rendered.headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains(&nonce)
    );
    // A visitor's page from the page cache is the same bytes with the same header, so its
    // nonce still matches its script tag (and nothing written after it can carry it).
    let again = v.get("/latest").await;
    assert_eq!(again.headers["x-stoa-cache"], "hit");
    assert_eq!(again.headers["content-security-policy"], csp.as_str());
    assert_eq!(again.body, page.body);
}

async fn admins_create_categories_and_members_cannot(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let admin = s.admin().await;
    let page = admin.get("/categories").await;
    assert!(page.body.contains("New category"));
    let res = admin
        .submit(
            "/categories",
            "/categories",
            &[
                ("name", "Diplomacy"),
                ("description", "Treaties and talks."),
                ("parent", "2"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.url.ends_with("/c/diplomacy/4"), "{}", res.url);
    let index = s.visitor().get("/categories").await;
    assert!(
        index.body.contains(
            "<ul class=\"subcategories\"><li><a class=\"category-badge\" href=\"/c/diplomacy/4\">"
        ),
        "{}",
        index.body
    );
    assert!(!index.body.contains("New category"));
    let res = admin
        .submit(
            "/categories",
            "/categories",
            &[("name", "   "), ("description", "kept text")],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.body
            .contains("Category name must be 1 to 50 characters")
            && res.body.contains("value=\"kept text\"")
    );
    let anna = s.member("anna").await;
    let t = anna.token().await;
    let res = anna
        .post_form(
            "/categories",
            &[("authenticity_token", &t), ("name", "Anna's own")],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert!(res.body.contains("Only admins can create categories"));
}

async fn crlf_payloads_in_paths_and_queries_inject_nothing(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let anna = s.member("anna").await;
    let token = anna.token().await;
    for line in common::corpus("crlf.txt") {
        // Paths carry the payload as typed; reqwest would refuse raw control bytes anyway.
        let slug = line.trim_start_matches('/');
        let paths = [
            format!("/t/{slug}/2"),
            format!("/t/{slug}/2/3"),
            format!("/c/{slug}/1"),
            format!("/t/{line}/2"),
            format!("/t/{line}/2/3"),
            format!("/c/{line}/1"),
            format!("/u/{line}"),
            format!("/login?return_to={line}"),
            format!("/latest?page={line}"),
            format!("/t/x/2/reply?to={line}&quote={line}"),
        ];
        for path in &paths {
            let res = anna.get_raw(path).await;
            assert!(!res.status.is_server_error(), "{path}: {}", res.status);
            for (name, value) in &res.headers {
                let v = String::from_utf8_lossy(value.as_bytes()).to_lowercase();
                assert!(
                    !name.as_str().contains("crlf")
                        && !v.contains("crlf")
                        && !v.contains("injection"),
                    "{path}: {name}: {v}"
                );
            }
        }
        // As a slug of its own (without the leading slash) the payload reaches the handler.
        let slug = line.trim_start_matches('/');
        let res = anna
            .post_form_raw(
                &format!("/t/{slug}/2/reply"),
                &[
                    ("authenticity_token", &token),
                    ("raw", "A reply through a hostile slug, long enough."),
                ],
            )
            .await;
        if res.status == StatusCode::SEE_OTHER {
            let loc = res.headers["location"].to_str().unwrap();
            assert!(loc.starts_with(DEMO_PATH), "{loc}");
        } else {
            assert!(res.status.is_client_error(), "{slug}: {}", res.status);
        }
        let res = anna
            .post_form_raw(
                "/login",
                &[
                    ("authenticity_token", &token),
                    ("login", "anna"),
                    ("password", "a long enough passphrase"),
                    ("return_to", &line),
                ],
            )
            .await;
        assert!(!res.status.is_server_error());
        if let Some(loc) = res.headers.get("location") {
            let loc = loc.to_str().unwrap();
            assert!(loc.starts_with('/') && !loc.starts_with("//"), "{loc}");
        }
    }
}

async fn open_redirect_payloads_never_leave_the_site(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    s.member("anna").await;
    let v = s.visitor();
    let base = url::Url::parse(&format!("http://{}/", s.addr)).unwrap();
    let lines = common::corpus("open-redirect.txt");
    assert!(lines.len() > 200);
    for line in &lines {
        // The form carries return_to along (escaped), and logging in goes only on-site.
        let q = serde_urlencoded::to_string([("return_to", line.as_str())]).unwrap();
        let form = v.get(&format!("/login?{q}")).await;
        assert_eq!(form.status, StatusCode::OK, "{line}");
        let token = form.csrf();
        let res = v
            .post_form_raw(
                "/login",
                &[
                    ("authenticity_token", &token),
                    ("login", "anna"),
                    ("password", "a long enough passphrase"),
                    ("return_to", line),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{line}");
        let loc = res.headers["location"].to_str().unwrap();
        let target = base.join(loc).unwrap();
        assert_eq!(target.host_str(), base.host_str(), "{line:?} -> {loc}");
        assert_eq!(target.port(), base.port(), "{line:?} -> {loc}");
        // Log out again for the next payload.
        let res = v.submit("/latest", "/logout", &[]).await;
        assert_eq!(res.status, StatusCode::OK);
    }
}

async fn over_https_cookies_are_secure_and_hsts_is_sent(b: Backend) {
    let dir = std::sync::Arc::new(tempfile::tempdir().unwrap());
    let Some(mut config) = common::fresh_config(b, &dir, true).await else {
        return;
    };
    config.secure_cookies = true;
    let s = TestServer::start_with(config, dir).await;
    let v = s.visitor();
    let page = v.get("/login").await;
    assert_eq!(
        page.headers["strict-transport-security"],
        "max-age=31536000; includeSubDomains"
    );
    let anon = page.headers["set-cookie"].to_str().unwrap();
    assert!(
        anon.contains("; Secure") && anon.contains("HttpOnly"),
        "{anon}"
    );
}

on_both_backends!(
    over_https_cookies_are_secure_and_hsts_is_sent,
    open_redirect_payloads_never_leave_the_site,
    demo_thread_reads_like_the_reference_thread,
    a_member_signs_up_posts_replies_quotes_likes_edits_and_deletes,
    what_is_refused_is_refused,
    bad_input_gets_a_clear_answer_and_loses_nothing,
    login_is_throttled_per_account,
    sessions_rotate_and_cookies_are_safe,
    read_tracking_shows_unread_and_jumps_to_first_unread,
    long_topics_paginate_and_post_numbers_land_on_their_page,
    everything_survives_a_restart,
    assets_are_embedded_and_cached,
    admins_create_categories_and_members_cannot,
    crlf_payloads_in_paths_and_queries_inject_nothing,
);
