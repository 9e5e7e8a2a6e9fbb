//! Every line of the XSS and naughty-string corpora (tests/corpora) through a topic title and a
//! post body, over real HTTP: no 5xx, the raw text stored exactly as sent, and no executable
//! script in any page that shows it.

use std::sync::Arc;

use crate::common::{self, Backend, Browser, TestServer, corpus, script_findings};
use reqwest::StatusCode;
use stoa_app::{Actor, TopicId};
use tokio::sync::Semaphore;

struct Accepted {
    topic: i64,
    title: String,
    body: String,
}

async fn submit_all(b: &Browser, lines: Vec<String>) -> Vec<Accepted> {
    let token = b.token().await;
    let gate = Arc::new(Semaphore::new(8));
    let mut tasks = tokio::task::JoinSet::new();
    for (i, line) in lines.into_iter().enumerate() {
        let b = b.clone();
        let token = token.clone();
        let gate = gate.clone();
        tasks.spawn(async move {
            let _permit = gate.acquire_owned().await.unwrap();
            let title = format!("Corpus {i}: {line}");
            let body = format!("{line}\n\n(corpus line {i}, padded to the minimum length)");
            let res = b
                .post_form(
                    "/new-topic",
                    &[
                        ("authenticity_token", &token),
                        ("title", &title),
                        ("raw", &body),
                        ("category", "1"),
                    ],
                )
                .await;
            assert!(
                !res.status.is_server_error(),
                "line {i} {line:?}: {}",
                res.status
            );
            let findings = script_findings(&res.body);
            assert!(findings.is_empty(), "line {i} {line:?}: {findings:?}");
            match res.status {
                StatusCode::OK => Some(Accepted {
                    topic: res.topic_of_url().0,
                    title,
                    body,
                }),
                StatusCode::UNPROCESSABLE_ENTITY => None,
                other => panic!("line {i} {line:?}: unexpected {other}"),
            }
        });
    }
    let mut accepted = Vec::new();
    while let Some(r) = tasks.join_next().await {
        accepted.extend(r.unwrap());
    }
    accepted
}

async fn check_corpus(b: Backend, name: &str) {
    // Everyone is "away", so every notification is also emailed.
    let Some(s) = TestServer::start_configured(b, false, |c| c.email_away_minutes = 0).await else {
        return;
    };
    // A member who watches General hears of every topic: the notifications page and the
    // notification emails show each hostile title (and the emails each body).
    let watcher = s.confirmed_member("watcher", &s.mail_dir()).await;
    let res = watcher
        .submit(
            "/c/general/1",
            "/category/1/notifications",
            &[("notification_level", "3")],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    let b = s.member("corpus").await;
    let lines = corpus(name);
    let total = lines.len();
    let accepted = submit_all(&b, lines).await;
    assert!(
        accepted.len() * 10 >= total * 9,
        "{name}: only {} of {total} accepted",
        accepted.len()
    );

    // Stored exactly as sent (titles trimmed, as documented), read back through the Forum.
    let forum = stoa::open(&s.config).await.unwrap();
    for a in &accepted {
        let topic = forum
            .topic(Actor::Anonymous, TopicId(a.topic))
            .await
            .unwrap();
        assert_eq!(topic.title, a.title.trim(), "title of topic {}", a.topic);
        let post = forum
            .post_by_number(Actor::Anonymous, TopicId(a.topic), 1)
            .await
            .unwrap();
        assert_eq!(post.raw, a.body, "raw of topic {}", a.topic);
    }

    // Every page that shows the text: the topic, its edit form, the lists and the profile.
    let v = s.visitor();
    for a in &accepted {
        for (who, path) in [
            (&v, format!("/t/x/{}", a.topic)),
            (
                &b,
                format!("/posts/{}/edit", topic_post_id(&forum, a.topic).await),
            ),
        ] {
            let page = who.get(&path).await;
            assert_eq!(page.status, StatusCode::OK, "{path}");
            let findings = script_findings(&page.body);
            assert!(findings.is_empty(), "{path}: {findings:?}");
        }
    }
    let mut page = 1;
    loop {
        let list = v.get(&format!("/latest?page={page}")).await;
        assert_eq!(list.status, StatusCode::OK);
        assert!(
            script_findings(&list.body).is_empty(),
            "/latest?page={page}"
        );
        if !list.body.contains("rel=\"next\"") {
            break;
        }
        page += 1;
    }
    assert!(page > 1);
    let profile = v.get("/u/corpus").await;
    assert!(script_findings(&profile.body).is_empty());

    // The watcher's notifications, every page, and every email's HTML part.
    let mut page = 1;
    let mut listed = 0;
    loop {
        let list = watcher.get(&format!("/notifications?page={page}")).await;
        assert_eq!(list.status, StatusCode::OK);
        let findings = script_findings(&list.body);
        assert!(
            findings.is_empty(),
            "/notifications?page={page}: {findings:?}"
        );
        listed += list.body.matches("<li class=\"notification").count();
        if !list.body.contains("rel=\"next\"") {
            break;
        }
        page += 1;
    }
    assert_eq!(listed, accepted.len(), "one notification per topic");
    let mut mails = Vec::new();
    for _ in 0..600 {
        mails = common::read_mails(&s.mail_dir());
        if mails.len() > accepted.len() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let notices: Vec<_> = mails
        .iter()
        .filter(|m| m.to == "watcher@example.org")
        .collect();
    assert_eq!(
        notices.len(),
        accepted.len() + 1,
        "a confirmation, then one per topic"
    );
    for m in notices {
        let findings = script_findings(&m.html);
        assert!(findings.is_empty(), "{:?}: {findings:?}", m.file);
    }
    eprintln!(
        "{name}: {} of {total} topics accepted; {listed} notifications listed and {} emails \
         checked for script",
        accepted.len(),
        accepted.len() + 1
    );
    forum.db().close().await;
}

async fn topic_post_id(forum: &stoa_app::Forum, topic: i64) -> i64 {
    forum
        .post_by_number(Actor::Anonymous, TopicId(topic), 1)
        .await
        .unwrap()
        .id
        .0
}

async fn xss_corpus_through_title_and_body(b: Backend) {
    check_corpus(b, "xss.txt").await;
}

async fn naughty_strings_through_title_and_body(b: Backend) {
    check_corpus(b, "naughty-strings.txt").await;
    // The shell-injection lines try to create marker files; none may exist.
    let tmp = std::env::temp_dir();
    let fails: Vec<_> = std::fs::read_dir(&tmp)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name().to_string_lossy().starts_with("blns")
                && e.file_name().to_string_lossy().ends_with(".fail")
        })
        .collect();
    assert!(fails.is_empty(), "{fails:?}");
}

/// Usernames, display names and category fields keep their text: stored exactly as typed
/// once surrounding whitespace is trimmed (their documented normalization), or refused with a
/// message that names the field.
async fn names_and_categories_keep_their_text(b: Backend) {
    use stoa_app::core::{CategoryName, Description, DisplayName, Username};
    use stoa_app::{CategoryForm, SignupForm};
    let dir = tempfile::tempdir().unwrap();
    let Some(config) = common::fresh_config(b, &dir, false).await else {
        return;
    };
    let forum = stoa::open(&config).await.unwrap();
    let first = stoa_app::demo::first_run(&forum, false)
        .await
        .unwrap()
        .unwrap();
    let _ = first;
    let admin = Actor::Member {
        id: stoa_app::UserId(1),
        admin: true,
    };
    let mut lines = corpus("xss.txt");
    lines.extend(corpus("naughty-strings.txt"));
    let (mut usernames, mut names, mut categories) = (0, 0, 0);
    for (i, line) in lines.iter().enumerate() {
        // Display names: the rule alone decides (every accepted one is the trimmed text);
        // a sample also goes through sign-up and storage, since each costs a password hash.
        match DisplayName::parse(line) {
            Ok(n) => assert_eq!(n.as_str(), line.trim()),
            Err(e) => assert_eq!(e.field(), Some("name")),
        }
        let sample = i % 25 == 0;
        if Username::parse(line).is_ok() || sample {
            let form = SignupForm {
                username: if sample {
                    format!("sample{i}")
                } else {
                    line.clone()
                },
                email: format!("u{i}@example.org"),
                password: "a long enough passphrase".into(),
                name: if sample { line.clone() } else { String::new() },
            };
            match forum.signup(&form, "127.0.0.1").await {
                Ok(id) => {
                    let u = forum.user(id).await.unwrap();
                    assert_eq!(u.username, form.username.trim());
                    assert_eq!(u.name, form.name.trim());
                    usernames += usize::from(!sample);
                    names += usize::from(sample);
                }
                Err(e) => {
                    let field = e.domain().and_then(|d| d.field());
                    assert!(matches!(field, Some("name" | "username")), "{line:?}: {e}");
                }
            }
        }
        let form = CategoryForm {
            name: line.clone(),
            description: line.clone(),
            parent_id: None,
            read_restricted: false,
            ..CategoryForm::default()
        };
        match forum.create_category(admin, &form).await {
            Ok(id) => {
                let c = forum.category(admin, id).await.unwrap();
                assert_eq!(c.name, CategoryName::parse(line).unwrap().as_str());
                assert_eq!(c.name, line.trim());
                assert_eq!(c.description, Description::parse(line).unwrap().as_str());
                categories += 1;
            }
            Err(e) => {
                let field = e.domain().and_then(|d| d.field());
                assert!(
                    matches!(field, Some("name" | "description")),
                    "{line:?}: {e}"
                );
            }
        }
    }
    eprintln!(
        "{b:?}: {usernames} usernames, {names} sampled display names, {categories} categories stored as typed"
    );
    assert!(usernames > 100 && categories > 1000 && names > 50);
    forum.db().close().await;
}

on_both_backends!(
    names_and_categories_keep_their_text,
    xss_corpus_through_title_and_body,
    naughty_strings_through_title_and_body,
);
