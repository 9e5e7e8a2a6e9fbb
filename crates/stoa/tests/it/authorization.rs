//! The authorization matrix: every route × every role (anonymous, the owner, another member,
//! an admin) × the object it touches, with the answer each cell must get. One test walks the
//! table on each backend. Deleted content, and a staff-only category's topic, carry a marker
//! that must appear nowhere an anonymous visitor or another member can reach.

use crate::common::{Backend, Browser, TestServer};
use reqwest::StatusCode;

const MARKER: &str = "DELETEDMARKER7f3a";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Anonymous,
    Owner,
    Other,
    Admin,
}

use Role::*;

/// What a cell touches: a fresh post of the owner's, or fixed objects made once.
#[derive(Debug, Clone, Copy)]
enum Target {
    None,
    FreshPost,
    DeletedPost,
    DeletedTopic,
}

struct Cell {
    method: &'static str,
    /// `{topic}`, `{slug}`, `{post}` (the target post's id), `{n}` (its number),
    /// `{dtopic}` (the deleted topic).
    path: &'static str,
    form: &'static [(&'static str, &'static str)],
    target: Target,
    /// Expected status for Anonymous, Owner, Other, Admin.
    expect: [u16; 4],
}

const REPLY: &[(&str, &str)] = &[("raw", "A reply sent by whoever this cell is testing.")];
const EDIT: &[(&str, &str)] = &[("raw", "Text replaced by whoever this cell is testing.")];
const TOPIC: &[(&str, &str)] = &[
    ("title", "A topic from the authorization matrix"),
    ("raw", "Body of a topic from the authorization matrix."),
    ("category", "1"),
];
const LIKE: &[(&str, &str)] = &[("like", "true")];
const CATEGORY: &[(&str, &str)] = &[("name", "Matrix category")];
const WATCH: &[(&str, &str)] = &[("notification_level", "3")];
const RESET: &[(&str, &str)] = &[("login", "owner")];
const CATEGORY_EDIT: &[(&str, &str)] = &[("name", "General")];
const API_REPLY: &[(&str, &str)] = &[
    ("topic_id", "{topic}"),
    ("raw", "A reply sent through the API by this cell."),
];
const API_EDIT: &[(&str, &str)] = &[("post[raw]", "Text replaced through the API by this cell.")];
const API_LIKE: &[(&str, &str)] = &[("id", "{post}"), ("post_action_type_id", "2")];
const TIMINGS: &[(&str, &str)] = &[("topic_id", "{topic}"), ("timings[1]", "1000")];
const RTIMINGS: &[(&str, &str)] = &[("topic_id", "{rtopic}"), ("timings[1]", "1000")];

/// 200 OK, 303 See Other (a form that worked, or a redirect to log in), 403, 404.
const TABLE: &[Cell] = &[
    // Reading.
    Cell {
        method: "GET",
        path: "/latest",
        form: &[],
        target: Target::None,
        expect: [200, 200, 200, 200],
    },
    Cell {
        method: "GET",
        path: "/categories",
        form: &[],
        target: Target::None,
        expect: [200, 200, 200, 200],
    },
    // Discourse's other lists: New and Unread are a member's.
    Cell {
        method: "GET",
        path: "/new",
        form: &[],
        target: Target::None,
        expect: [403, 200, 200, 200],
    },
    Cell {
        method: "GET",
        path: "/unread",
        form: &[],
        target: Target::None,
        expect: [403, 200, 200, 200],
    },
    Cell {
        method: "GET",
        path: "/top?period=all",
        form: &[],
        target: Target::None,
        expect: [200, 200, 200, 200],
    },
    Cell {
        method: "GET",
        path: "/new.json",
        form: &[],
        target: Target::None,
        expect: [403, 200, 200, 200],
    },
    Cell {
        method: "GET",
        path: "/top.json?period=weekly",
        form: &[],
        target: Target::None,
        expect: [200, 200, 200, 200],
    },
    Cell {
        method: "GET",
        path: "/c/general/1",
        form: &[],
        target: Target::None,
        expect: [200, 200, 200, 200],
    },
    Cell {
        method: "GET",
        path: "/t/{slug}/{topic}?page=1",
        form: &[],
        target: Target::None,
        expect: [200, 200, 200, 200],
    },
    Cell {
        method: "GET",
        path: "/t/{slug}/{topic}/{n}",
        form: &[],
        target: Target::FreshPost,
        expect: [200, 200, 200, 200],
    },
    Cell {
        method: "GET",
        path: "/p/{post}",
        form: &[],
        target: Target::FreshPost,
        expect: [303, 303, 303, 303],
    },
    Cell {
        method: "GET",
        path: "/posts/{post}/revisions",
        form: &[],
        target: Target::FreshPost,
        expect: [200, 200, 200, 200],
    },
    Cell {
        method: "GET",
        path: "/posts/{post}/replies",
        form: &[],
        target: Target::FreshPost,
        expect: [200, 200, 200, 200],
    },
    Cell {
        method: "GET",
        path: "/posts/{post}/likes",
        form: &[],
        target: Target::FreshPost,
        expect: [200, 200, 200, 200],
    },
    Cell {
        method: "GET",
        path: "/posts/{post}/replies.json",
        form: &[],
        target: Target::FreshPost,
        expect: [200, 200, 200, 200],
    },
    // Discourse's short links move to the canonical page.
    Cell {
        method: "GET",
        path: "/t/{topic}",
        form: &[],
        target: Target::None,
        expect: [301, 301, 301, 301],
    },
    Cell {
        method: "GET",
        path: "/t/{topic}/{n}",
        form: &[],
        target: Target::FreshPost,
        expect: [301, 301, 301, 301],
    },
    Cell {
        method: "GET",
        path: "/c/1",
        form: &[],
        target: Target::None,
        expect: [301, 301, 301, 301],
    },
    Cell {
        method: "GET",
        path: "/u/owner/summary",
        form: &[],
        target: Target::None,
        expect: [301, 301, 301, 301],
    },
    Cell {
        method: "GET",
        path: "/u/owner",
        form: &[],
        target: Target::None,
        expect: [200, 200, 200, 200],
    },
    Cell {
        method: "GET",
        path: "/login",
        form: &[],
        target: Target::None,
        expect: [200, 200, 200, 200],
    },
    Cell {
        method: "GET",
        path: "/signup",
        form: &[],
        target: Target::None,
        expect: [200, 200, 200, 200],
    },
    // Deleted things: only admins.
    Cell {
        method: "GET",
        path: "/t/x/{dtopic}",
        form: &[],
        target: Target::DeletedTopic,
        expect: [404, 404, 404, 301],
    },
    Cell {
        method: "GET",
        path: "/p/{post}",
        form: &[],
        target: Target::DeletedPost,
        expect: [404, 404, 404, 303],
    },
    Cell {
        method: "GET",
        path: "/posts/{post}/revisions",
        form: &[],
        target: Target::DeletedPost,
        expect: [404, 404, 404, 200],
    },
    Cell {
        method: "GET",
        path: "/posts/{post}/replies",
        form: &[],
        target: Target::DeletedPost,
        expect: [404, 404, 404, 200],
    },
    Cell {
        method: "GET",
        path: "/posts/{post}/likes",
        form: &[],
        target: Target::DeletedPost,
        expect: [404, 404, 404, 200],
    },
    Cell {
        method: "GET",
        path: "/posts/{post}/replies.json",
        form: &[],
        target: Target::DeletedPost,
        expect: [404, 404, 404, 200],
    },
    Cell {
        method: "GET",
        path: "/t/{dtopic}",
        form: &[],
        target: Target::DeletedTopic,
        expect: [404, 404, 404, 301],
    },
    Cell {
        method: "GET",
        path: "/posts/{post}/edit",
        form: &[],
        target: Target::DeletedPost,
        expect: [404, 404, 404, 403],
    },
    Cell {
        method: "GET",
        path: "/t/{slug}/{topic}/reply?quote={post}",
        form: &[],
        target: Target::DeletedPost,
        expect: [303, 404, 404, 404],
    },
    Cell {
        method: "POST",
        path: "/posts/{post}/restore",
        form: &[],
        target: Target::DeletedPost,
        expect: [403, 404, 404, 303],
    },
    Cell {
        method: "POST",
        path: "/posts/{post}/like",
        form: LIKE,
        target: Target::DeletedPost,
        expect: [403, 404, 404, 404],
    },
    Cell {
        method: "POST",
        path: "/posts/{post}/edit",
        form: EDIT,
        target: Target::DeletedPost,
        expect: [403, 404, 404, 403],
    },
    Cell {
        method: "POST",
        path: "/posts/{post}/delete",
        form: &[],
        target: Target::DeletedPost,
        expect: [403, 404, 404, 403],
    },
    Cell {
        method: "POST",
        path: "/t/x/{dtopic}/reply",
        form: REPLY,
        target: Target::DeletedTopic,
        expect: [403, 404, 404, 404],
    },
    // Writing.
    Cell {
        method: "GET",
        path: "/new-topic",
        form: &[],
        target: Target::None,
        expect: [303, 200, 200, 200],
    },
    Cell {
        method: "POST",
        path: "/new-topic",
        form: TOPIC,
        target: Target::None,
        expect: [403, 303, 303, 303],
    },
    Cell {
        method: "GET",
        path: "/t/{slug}/{topic}/reply?to={n}",
        form: &[],
        target: Target::FreshPost,
        expect: [303, 200, 200, 200],
    },
    Cell {
        method: "POST",
        path: "/t/{slug}/{topic}/reply",
        form: REPLY,
        target: Target::None,
        expect: [403, 303, 303, 303],
    },
    Cell {
        method: "GET",
        path: "/posts/{post}/edit",
        form: &[],
        target: Target::FreshPost,
        expect: [403, 200, 403, 200],
    },
    Cell {
        method: "POST",
        path: "/posts/{post}/edit",
        form: EDIT,
        target: Target::FreshPost,
        expect: [403, 303, 403, 303],
    },
    Cell {
        method: "POST",
        path: "/posts/{post}/delete",
        form: &[],
        target: Target::FreshPost,
        expect: [403, 303, 403, 303],
    },
    Cell {
        method: "POST",
        path: "/posts/{post}/restore",
        form: &[],
        target: Target::FreshPost,
        expect: [403, 403, 403, 403],
    },
    Cell {
        method: "POST",
        path: "/posts/{post}/like",
        form: LIKE,
        target: Target::FreshPost,
        expect: [403, 403, 303, 303],
    },
    Cell {
        method: "POST",
        path: "/categories",
        form: CATEGORY,
        target: Target::None,
        expect: [403, 403, 403, 303],
    },
    Cell {
        method: "GET",
        path: "/c/general/1/edit",
        form: &[],
        target: Target::None,
        expect: [403, 403, 403, 200],
    },
    Cell {
        method: "POST",
        path: "/c/general/1/edit",
        form: CATEGORY_EDIT,
        target: Target::None,
        expect: [403, 403, 403, 303],
    },
    // Search (issue 6): open to all; what it finds is checked with the marker below.
    Cell {
        method: "GET",
        path: "/search?q=pact+in%3Alikes",
        form: &[],
        target: Target::None,
        expect: [200, 200, 200, 200],
    },
    Cell {
        method: "GET",
        path: "/search.json?q=matrix",
        form: &[],
        target: Target::None,
        expect: [200, 200, 200, 200],
    },
    Cell {
        method: "GET",
        path: "/topics/similar_to.json?title=authorization+matrix",
        form: &[],
        target: Target::None,
        expect: [200, 200, 200, 200],
    },
    // Notifications, levels, email links (issue 5).
    Cell {
        method: "GET",
        path: "/notifications",
        form: &[],
        target: Target::None,
        expect: [403, 200, 200, 200],
    },
    Cell {
        method: "POST",
        path: "/notifications/mark-read",
        form: &[],
        target: Target::None,
        expect: [403, 303, 303, 303],
    },
    Cell {
        method: "POST",
        path: "/t/{topic}/notifications",
        form: WATCH,
        target: Target::None,
        expect: [403, 303, 303, 303],
    },
    Cell {
        method: "POST",
        path: "/t/{dtopic}/notifications",
        form: WATCH,
        target: Target::None,
        expect: [403, 404, 404, 303],
    },
    Cell {
        method: "POST",
        path: "/category/1/notifications",
        form: WATCH,
        target: Target::None,
        expect: [403, 303, 303, 303],
    },
    Cell {
        method: "GET",
        path: "/u/search/users.json?term=own",
        form: &[],
        target: Target::None,
        expect: [200, 200, 200, 200],
    },
    Cell {
        method: "POST",
        path: "/u/confirm-email/resend",
        form: &[],
        target: Target::None,
        expect: [403, 200, 200, 422],
    },
    Cell {
        method: "GET",
        path: "/password-reset",
        form: &[],
        target: Target::None,
        expect: [200, 200, 200, 200],
    },
    // The same answer for everyone; the fourth request for one account within the hour is
    // refused (each one sends an email).
    Cell {
        method: "POST",
        path: "/password-reset",
        form: RESET,
        target: Target::None,
        expect: [200, 200, 200, 429],
    },
    Cell {
        method: "GET",
        path: "/u/password-reset/0123456789abcdef",
        form: &[],
        target: Target::None,
        expect: [410, 410, 410, 410],
    },
    Cell {
        method: "GET",
        path: "/u/activate-account/0123456789abcdef",
        form: &[],
        target: Target::None,
        expect: [410, 410, 410, 410],
    },
    Cell {
        method: "GET",
        path: "/email/unsubscribe/0123456789abcdef0123456789abcdef",
        form: &[],
        target: Target::None,
        expect: [404, 404, 404, 404],
    },
    // A staff-only (read-restricted) category and its topic: admins only.
    Cell {
        method: "GET",
        path: "/t/{rtopic}",
        form: &[],
        target: Target::None,
        expect: [404, 404, 404, 301],
    },
    Cell {
        method: "GET",
        path: "/c/{rcat}",
        form: &[],
        target: Target::None,
        expect: [404, 404, 404, 301],
    },
    Cell {
        method: "GET",
        path: "/c/staff-room/{rcat}",
        form: &[],
        target: Target::None,
        expect: [404, 404, 404, 200],
    },
    Cell {
        method: "GET",
        path: "/t/{rslug}/{rtopic}",
        form: &[],
        target: Target::None,
        expect: [404, 404, 404, 200],
    },
    Cell {
        method: "POST",
        path: "/t/{rslug}/{rtopic}/reply",
        form: REPLY,
        target: Target::None,
        expect: [403, 404, 404, 303],
    },
    Cell {
        method: "POST",
        path: "/t/{rtopic}/notifications",
        form: WATCH,
        target: Target::None,
        expect: [403, 404, 404, 303],
    },
    Cell {
        method: "POST",
        path: "/category/{rcat}/notifications",
        form: WATCH,
        target: Target::None,
        expect: [403, 404, 404, 303],
    },
    Cell {
        method: "POST",
        path: "/logout",
        form: &[],
        target: Target::None,
        expect: [303, 303, 303, 303],
    },
    // The JSON API: the same rules through the other adapter (writes with the session send
    // the page's token in X-CSRF-Token).
    Cell {
        method: "GET",
        path: "/latest.json",
        form: &[],
        target: Target::None,
        expect: [200, 200, 200, 200],
    },
    Cell {
        method: "GET",
        path: "/t/{topic}.json",
        form: &[],
        target: Target::None,
        expect: [200, 200, 200, 200],
    },
    Cell {
        method: "GET",
        path: "/t/{dtopic}.json",
        form: &[],
        target: Target::None,
        expect: [404, 404, 404, 200],
    },
    Cell {
        method: "GET",
        path: "/t/{rtopic}.json",
        form: &[],
        target: Target::None,
        expect: [404, 404, 404, 200],
    },
    Cell {
        method: "GET",
        path: "/raw/{rtopic}",
        form: &[],
        target: Target::None,
        expect: [404, 404, 404, 200],
    },
    Cell {
        method: "GET",
        path: "/c/{rcat}.json",
        form: &[],
        target: Target::None,
        expect: [404, 404, 404, 200],
    },
    Cell {
        method: "GET",
        path: "/posts/{post}.json",
        form: &[],
        target: Target::DeletedPost,
        expect: [404, 404, 404, 200],
    },
    Cell {
        method: "GET",
        path: "/t/{topic}/posts.json?post_ids[]={post}",
        form: &[],
        target: Target::DeletedPost,
        expect: [200, 200, 200, 200],
    },
    Cell {
        method: "GET",
        path: "/notifications.json",
        form: &[],
        target: Target::None,
        expect: [403, 200, 200, 200],
    },
    Cell {
        method: "GET",
        path: "/session/current.json",
        form: &[],
        target: Target::None,
        expect: [404, 200, 200, 200],
    },
    Cell {
        method: "POST",
        path: "/posts.json",
        form: API_REPLY,
        target: Target::None,
        expect: [403, 200, 200, 200],
    },
    Cell {
        method: "POST",
        path: "/posts.json",
        form: TOPIC,
        target: Target::None,
        expect: [403, 200, 200, 200],
    },
    Cell {
        method: "PUT",
        path: "/posts/{post}.json",
        form: API_EDIT,
        target: Target::FreshPost,
        expect: [403, 200, 403, 200],
    },
    Cell {
        method: "POST",
        path: "/post_actions.json",
        form: API_LIKE,
        target: Target::FreshPost,
        expect: [403, 403, 200, 200],
    },
    Cell {
        method: "DELETE",
        path: "/posts/{post}.json",
        form: &[],
        target: Target::FreshPost,
        expect: [403, 200, 403, 200],
    },
    Cell {
        method: "PUT",
        path: "/posts/{post}/recover.json",
        form: &[],
        target: Target::DeletedPost,
        expect: [403, 404, 404, 200],
    },
    Cell {
        method: "POST",
        path: "/categories.json",
        form: CATEGORY,
        target: Target::None,
        expect: [403, 403, 403, 200],
    },
    Cell {
        method: "POST",
        path: "/t/{topic}/notifications.json",
        form: WATCH,
        target: Target::None,
        expect: [403, 200, 200, 200],
    },
    Cell {
        method: "POST",
        path: "/t/{rtopic}/notifications.json",
        form: WATCH,
        target: Target::None,
        expect: [403, 404, 404, 200],
    },
    // What a reader's browser reports having shown (Discourse's read tracking).
    Cell {
        method: "POST",
        path: "/topics/timings.json",
        form: TIMINGS,
        target: Target::None,
        expect: [403, 200, 200, 200],
    },
    Cell {
        method: "POST",
        path: "/topics/timings.json",
        form: RTIMINGS,
        target: Target::None,
        expect: [403, 404, 404, 200],
    },
];

struct World {
    topic: i64,
    slug: String,
    deleted_post: (i64, i64),
    deleted_topic: i64,
    /// A topic in a staff-only category, and that category.
    restricted_topic: (i64, String),
    restricted_category: i64,
}

async fn reply_as(b: &Browser, topic: i64, slug: &str, raw: &str) -> (i64, i64) {
    let page = b
        .submit(
            &format!("/t/{slug}/{topic}"),
            &format!("/t/{slug}/{topic}/reply"),
            &[("raw", raw)],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let n: i64 = page
        .url
        .rsplit('/')
        .next()
        .unwrap()
        .split('#')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    (page.post_id(n), n)
}

async fn authorization_matrix(backend: Backend) {
    let Some(s) = TestServer::start_empty(backend).await else {
        return;
    };
    let owner = s.member("owner").await;
    let page = owner
        .new_topic(
            1,
            "The owner's topic for the matrix",
            "Opening post by the owner of everything here.",
        )
        .await;
    let (topic, slug) = page.topic_of_url();
    let deleted_post = reply_as(
        &owner,
        topic,
        &slug,
        &format!("A reply that will be deleted: {MARKER}"),
    )
    .await;
    owner
        .submit(
            &format!("/t/{slug}/{topic}"),
            &format!("/posts/{}/delete", deleted_post.0),
            &[],
        )
        .await;
    let dpage = owner
        .new_topic(
            1,
            &format!("A deleted topic {MARKER}"),
            &format!("Its body carries the marker {MARKER} too."),
        )
        .await;
    let (deleted_topic, dslug) = dpage.topic_of_url();
    let dfirst = dpage.post_id(1);
    owner
        .submit(
            &format!("/t/{dslug}/{deleted_topic}"),
            &format!("/posts/{dfirst}/delete"),
            &[],
        )
        .await;
    let admin = s.admin().await;
    let made = admin
        .submit(
            "/categories",
            "/categories",
            &[("name", "Staff room"), ("read_restricted", "on")],
        )
        .await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
    let restricted_category: i64 = made.url.rsplit('/').next().unwrap().parse().unwrap();
    let rpage = admin
        .new_topic(
            restricted_category,
            &format!("A staff-only topic {MARKER}"),
            &format!("Only admins may read this: {MARKER}."),
        )
        .await;
    assert_eq!(rpage.status, StatusCode::OK, "{}", rpage.body);
    let world = World {
        topic,
        slug,
        deleted_post,
        deleted_topic,
        restricted_topic: rpage.topic_of_url(),
        restricted_category,
    };

    let mut cells = 0;
    let mut failures = Vec::new();
    for cell in TABLE {
        for (i, role) in [Anonymous, Owner, Other, Admin].into_iter().enumerate() {
            // A fresh browser per cell: logging out or in never leaks into the next cell.
            let b = match role {
                Anonymous => s.visitor(),
                Owner => {
                    let b = s.visitor();
                    b.login("owner", "a long enough passphrase").await;
                    b
                }
                Other => s.member(&format!("other{cells}")).await,
                Admin => s.admin().await,
            };
            let (post, n) = match cell.target {
                Target::FreshPost => {
                    reply_as(
                        &owner,
                        world.topic,
                        &world.slug,
                        "A fresh reply by the owner for one cell.",
                    )
                    .await
                }
                Target::DeletedPost => world.deleted_post,
                _ => (0, 0),
            };
            let fill = |text: &str| {
                text.replace("{slug}", &world.slug)
                    .replace("{topic}", &world.topic.to_string())
                    .replace("{dtopic}", &world.deleted_topic.to_string())
                    .replace("{rtopic}", &world.restricted_topic.0.to_string())
                    .replace("{rslug}", &world.restricted_topic.1)
                    .replace("{rcat}", &world.restricted_category.to_string())
                    .replace("{post}", &post.to_string())
                    .replace("{n}", &n.to_string())
            };
            let path = fill(cell.path);
            let status = if cell.method == "GET" {
                b.get_raw(&path).await.status
            } else {
                // Anonymous visitors get a token bound to their cookie, so this checks
                // permissions, not CSRF. Forms carry it as a field, the API as a header.
                let token = b.get("/login").await.csrf();
                let mut form = vec![("authenticity_token".to_owned(), token.clone())];
                form.extend(cell.form.iter().map(|(k, v)| ((*k).to_owned(), fill(v))));
                let method = reqwest::Method::from_bytes(cell.method.as_bytes()).unwrap();
                b.raw
                    .request(method, format!("{}{path}", b.base))
                    .header("x-csrf-token", &token)
                    .form(&form)
                    .send()
                    .await
                    .unwrap()
                    .status()
            };
            cells += 1;
            if status.as_u16() != cell.expect[i] {
                failures.push(format!(
                    "{} {} as {role:?}: {} (expected {})",
                    cell.method,
                    cell.path,
                    status.as_u16(),
                    cell.expect[i]
                ));
            }
            // A deleted post restored by a cell is deleted again for the next.
            if matches!(cell.target, Target::DeletedPost)
                && (cell.path.ends_with("/restore") || cell.path.ends_with("/recover.json"))
                && role == Admin
            {
                owner
                    .post_form_raw(
                        &format!("/posts/{post}/delete"),
                        &[("authenticity_token", &owner.token().await)],
                    )
                    .await;
                let admin = s.admin().await;
                admin
                    .post_form_raw(
                        &format!("/posts/{post}/delete"),
                        &[("authenticity_token", &admin.token().await)],
                    )
                    .await;
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {cells} cells wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(cells, TABLE.len() * 4);

    // The marker is nowhere an anonymous visitor or another member can reach.
    let other = s.member("reader").await;
    for b in [s.visitor(), other] {
        let mut reachable = vec![
            "/latest".to_owned(),
            "/categories".to_owned(),
            "/c/general/1".to_owned(),
            "/u/owner".to_owned(),
            format!("/t/{}/{}", world.slug, world.topic),
            format!("/t/x/{}", world.deleted_topic),
            format!("/t/x/{}", world.restricted_topic.0),
            format!("/c/x/{}", world.restricted_category),
            "/u/admin".to_owned(),
            "/notifications".to_owned(),
            format!("/p/{}", world.deleted_post.0),
            format!("/posts/{}/revisions", world.deleted_post.0),
            format!("/posts/{}/replies", world.deleted_post.0),
            format!("/posts/{}/likes", world.deleted_post.0),
            format!("/posts/{}/replies.json", world.deleted_post.0),
            format!("/t/{}", world.restricted_topic.0),
            format!("/c/{}", world.restricted_category),
            format!("/posts/{}/edit", world.deleted_post.0),
            format!(
                "/t/{}/{}/reply?quote={}",
                world.slug, world.topic, world.deleted_post.0
            ),
            // Search for the marker's first letters (the page repeats the query itself).
            "/search?q=deletedmark".to_owned(),
            "/search.json?q=deletedmark".to_owned(),
            "/search?q=deletedmark+in%3Atitle+order%3Alatest".to_owned(),
            "/topics/similar_to.json?title=deletedmark+staff+topic+deleted".to_owned(),
            // The same through the JSON API.
            "/latest.json".to_owned(),
            "/posts.json".to_owned(),
            "/categories.json".to_owned(),
            "/site.json".to_owned(),
            "/c/1.json".to_owned(),
            "/u/owner.json".to_owned(),
            "/notifications.json".to_owned(),
            format!("/t/{}.json?include_raw=true", world.topic),
            format!("/raw/{}", world.topic),
            format!(
                "/t/{}/posts.json?post_ids[]={}&include_raw=true",
                world.topic, world.deleted_post.0
            ),
        ];
        for n in 1..=world.deleted_post.1 + 40 {
            reachable.push(format!("/t/{}/{}/{n}", world.slug, world.topic));
        }
        for path in reachable {
            let page = b.get(&path).await;
            assert!(!page.body.contains(MARKER), "{path} shows deleted content");
        }
        // The like action's JSON answer (what the page's script reads) for a deleted post.
        let token = b.get("/login").await.csrf();
        let json = b
            .client
            .post(format!("{}/post_actions.json", b.base))
            .header("x-csrf-token", token.as_str())
            .form(&[
                ("id", world.deleted_post.0.to_string()),
                ("post_action_type_id", "2".to_owned()),
            ])
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(!json.contains(MARKER), "{json}");
    }
    // The same search finds the staff-only topic for an admin: the queries above are not
    // empty by accident.
    let admin = s.admin().await;
    let found = admin.get("/search.json?q=deletedmark").await;
    assert!(found.body.contains(MARKER), "{}", found.body);
    eprintln!("{backend:?}: {cells} authorization cells, all as expected");
}

on_both_backends!(authorization_matrix);
