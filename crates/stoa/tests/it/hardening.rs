//! What a hostile client tried (issue 13), through a real server on both backends: each test
//! names the finding it pins down. A stack overflow in the server aborts this test binary, so
//! "the server is still answering" is checked by the test runner as well as by the asserts.

use std::time::{Duration, Instant};

use crate::common::{self, Backend, TestServer};
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

/// A visitor's login form, posted `n` times at once with a wrong password for `login`; the
/// statuses, in no order.
async fn concurrent_logins(s: &TestServer, login: &str, n: usize) -> Vec<StatusCode> {
    let v = s.visitor();
    let token = v.get("/login").await.csrf();
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..n {
        let (client, url, token, login) = (
            v.raw.clone(),
            s.url("/login"),
            token.clone(),
            login.to_owned(),
        );
        set.spawn(async move {
            client
                .post(url)
                .form(&[
                    ("authenticity_token", token.as_str()),
                    ("login", login.as_str()),
                    ("password", "not the password at all"),
                    ("return_to", "/"),
                ])
                .send()
                .await
                .unwrap()
                .status()
        });
    }
    set.join_all().await
}

/// Finding 3: 40 concurrent logins for one account had 35 passwords checked, because the
/// throttle was read before hashing and written after. Now an attempt is counted before its
/// hash, so no more than the per-account limit (5) are ever checked.
async fn concurrent_logins_check_at_most_the_limit(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    s.member("target").await;
    let statuses = concurrent_logins(&s, "target", 40).await;
    let checked = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNPROCESSABLE_ENTITY)
        .count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(checked + refused, 40, "{statuses:?}");
    assert!(checked <= 5, "{checked} passwords checked: {statuses:?}");
}

/// Finding 3: the username and the email of one account were two throttle buckets, so an
/// attacker got twice the attempts. They are one now.
async fn one_bucket_per_account(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let member = s.member("twonames").await;
    let v = s.visitor();
    for _ in 0..5 {
        let page = v.login("twonames", "not the password at all").await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let page = v
        .login("TwoNames@example.org", "not the password at all")
        .await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS, "{}", page.body);
    assert!(page.headers.contains_key("retry-after"));
    // Even the right password waits: that is what a throttle is.
    let page = v
        .login("twonames@example.org", "a long enough passphrase")
        .await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
    // The member's session is untouched.
    assert_eq!(member.get("/notifications").await.status, StatusCode::OK);
}

/// Finding 10: sign-up was not throttled at all (and says which of username and email is
/// taken). Now each address has `signups_per_ip_per_hour` tries.
async fn signups_are_throttled_per_address(b: Backend) {
    let Some(s) = TestServer::start_configured(b, true, |c| c.signups_per_ip_per_hour = 3).await
    else {
        return;
    };
    for name in ["first", "second", "third"] {
        assert_eq!(s.visitor().signup(name).await.status, StatusCode::OK);
    }
    let page = s.visitor().signup("fourth").await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS, "{}", page.body);
    // A form with a field that is not even well formed is answered without counting.
    let v = s.visitor();
    let page = v
        .submit(
            "/signup",
            "/signup",
            &[
                ("username", "x"),
                ("email", "x@example.org"),
                ("password", "a long enough passphrase"),
                ("name", ""),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
}

/// The `stoa` binary on a fresh database of `b`, with `env`; its child, address and the admin
/// password. None when the backend is not available.
async fn spawn(
    b: Backend,
    dir: &tempfile::TempDir,
    env: &[(&str, &str)],
) -> Option<(std::process::Child, String, String)> {
    let config = common::fresh_config(b, dir, false).await?;
    let mut args = vec!["--data-dir".to_owned(), dir.path().display().to_string()];
    if let Some(url) = &config.database_url {
        args.extend(["--database-url".to_owned(), url.clone()]);
    }
    args.extend(["serve", "--bind", "127.0.0.1:0", "--no-demo"].map(str::to_owned));
    let (child, addr, password) = common::spawn_stoa(&args, env);
    Some((child, addr, password.unwrap()))
}

/// Peak resident memory of a process, in MiB (`VmHWM`).
fn peak_rss_mib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib / 1024
}

/// Finding 3: 100 concurrent logins took the server from 108 MB to 900 MB (19 MiB per argon2
/// hash, all at once), and 30 sign-ups added 370 MB. They come here from 100 addresses, so no
/// per-address throttle helps: the hashing slots alone must keep the peak under 200 MB.
async fn password_hashing_has_a_memory_budget(b: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let Some((mut child, addr, _)) = spawn(b, &dir, &[]).await else {
        return;
    };
    let base = format!("http://{addr}");
    let client_from = |i: u8| {
        reqwest::Client::builder()
            .local_address(std::net::IpAddr::from([127, 0, 1, i]))
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    };
    let token_of = |html: &str| {
        let marker = "name=\"authenticity_token\" value=\"";
        let start = html.find(marker).unwrap() + marker.len();
        html[start..start + 64].to_owned()
    };
    let mut set = tokio::task::JoinSet::new();
    for i in 1..=130u8 {
        let (client, base) = (client_from(i), base.clone());
        set.spawn(async move {
            let page = client.get(format!("{base}/login")).send().await.unwrap();
            let token = token_of(&page.text().await.unwrap());
            let (path, fields) = if i <= 100 {
                (
                    "/login",
                    vec![
                        ("login", format!("nobody{i}")),
                        ("password", "not the password at all".to_owned()),
                    ],
                )
            } else {
                (
                    "/signup",
                    vec![
                        ("username", format!("newcomer{i}")),
                        ("email", format!("newcomer{i}@example.org")),
                        ("password", "a long enough passphrase".to_owned()),
                        ("name", String::new()),
                    ],
                )
            };
            let mut form = vec![("authenticity_token", token)];
            form.extend(fields);
            let res = client
                .post(format!("{base}{path}"))
                .form(&form)
                .send()
                .await
                .unwrap();
            res.status()
        });
    }
    let statuses = set.join_all().await;
    let peak = peak_rss_mib(child.id());
    child.kill().unwrap();
    child.wait().unwrap();
    let answered = statuses
        .iter()
        .filter(|s| matches!(s.as_u16(), 303 | 422 | 429))
        .count();
    assert_eq!(answered, statuses.len(), "{statuses:?}");
    assert!(peak < 200, "peak RSS {peak} MiB");
}

/// Finding 10: a reset request for an existing account took longer to answer (a token and an
/// email were written before the answer: 1.7 times as long here). Now both kinds write one
/// request row and are answered alike; the link is made in the background.
///
/// Timing on a shared machine is noisy: a round whose median falls outside the bounds is
/// measured again, as many rounds as an account may ask for resets in an hour (three). A real
/// difference (the 1.7 above) shows in every round; one CI run beside a build saw ratios from
/// 0.26 to 6.84 in a single round.
async fn password_reset_takes_the_same_time_either_way(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    for i in 0..RESET_PAIRS {
        s.member(&format!("resetter{i}")).await;
    }
    let mut rounds = Vec::new();
    let mut alike = false;
    let rounds_allowed = u8::try_from(stoa_app::core::limits::RESETS_PER_ACCOUNT).unwrap();
    for round in 0..rounds_allowed {
        let ratios = reset_time_ratios(&s, round).await;
        let median = ratios[ratios.len() / 2];
        rounds.push(format!("median {median:.2} of {ratios:.2?}"));
        alike = (0.8..1.25).contains(&median);
        if alike {
            break;
        }
    }
    assert!(alike, "known / unknown time in each round: {rounds:#?}");
    // The links still arrive.
    let mail = common::wait_for_mail(&s.mail_dir(), |m| {
        m.to == "resetter0@example.org" && m.subject.contains("password")
    })
    .await;
    assert!(
        mail.link_path("/u/password-reset/")
            .starts_with("/u/password-reset/")
    );
}

/// Pairs of reset requests per round, one known account and one unknown name each.
const RESET_PAIRS: u8 = 16;

/// One round: for each pair, the time a known account's reset request took over an unknown
/// name's, sorted. Each round asks from addresses of its own (an address may ask ten times
/// an hour).
async fn reset_time_ratios(s: &TestServer, round: u8) -> Vec<f64> {
    let mut ratios = Vec::new();
    for i in 0..RESET_PAIRS {
        // Each pair from its own address (an address may ask ten times an hour), asked
        // back to back so that the machine's mood falls on both alike.
        let client = reqwest::Client::builder()
            .local_address(std::net::IpAddr::from([127, 0, 2 + round, i + 1]))
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let html = client
            .get(s.url("/password-reset"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let marker = "name=\"authenticity_token\" value=\"";
        let at = html.find(marker).unwrap() + marker.len();
        let token = html[at..at + 64].to_owned();
        let mut took = Vec::new();
        let (known, unknown) = (format!("resetter{i}"), format!("nobody-{i}"));
        // Which goes first alternates, so that an order effect cancels out.
        let order = if i % 2 == 0 {
            [known, unknown]
        } else {
            [unknown, known]
        };
        for login in order {
            let t = Instant::now();
            let res = client
                .post(s.url("/password-reset"))
                .form(&[("authenticity_token", token.as_str()), ("login", &login)])
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::OK);
            let body = res.text().await.unwrap();
            took.push((t.elapsed(), body.len()));
        }
        assert_eq!(took[0].1, took[1].1, "the same page either way");
        if i % 2 == 1 {
            took.swap(0, 1);
        }
        ratios.push(took[0].0.as_secs_f64() / took[1].0.as_secs_f64());
    }
    ratios.sort_by(f64::total_cmp);
    ratios
}

/// Reads from `stream` until the server closes it (true) or `within` passes (false).
async fn closed_within(stream: &mut tokio::net::TcpStream, within: Duration) -> bool {
    use tokio::io::AsyncReadExt;
    let deadline = Instant::now() + within;
    let mut buf = [0u8; 4096];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => {}
            Err(_) => return false,
        }
    }
}

/// Finding 5: slow-header and idle connections stayed open for minutes. Now headers must
/// arrive within `header_read_timeout_secs`, idle keep-alive connections close after the
/// same time, a body that stops arriving ends the request, and no request outlives
/// `request_timeout_secs`.
async fn slow_and_idle_connections_are_closed(b: Backend) {
    use tokio::io::AsyncWriteExt;
    let Some(s) = TestServer::start_configured(b, true, |c| {
        c.header_read_timeout_secs = 1;
        c.request_timeout_secs = 3;
    })
    .await
    else {
        return;
    };
    let connect = || tokio::net::TcpStream::connect(s.addr);
    // Twenty connections that never finish their headers.
    let mut slow = Vec::new();
    for _ in 0..20 {
        let mut c = connect().await.unwrap();
        c.write_all(b"GET /latest HTTP/1.1\r\nHost: x\r\n")
            .await
            .unwrap();
        slow.push(c);
    }
    for c in &mut slow {
        assert!(
            closed_within(c, Duration::from_secs(3)).await,
            "slow headers"
        );
    }
    // A connection that asked once and then sat idle.
    let mut idle = connect().await.unwrap();
    idle.write_all(b"GET /about.json HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    assert!(
        closed_within(&mut idle, Duration::from_secs(4)).await,
        "idle keep-alive"
    );
    // A body that stops half way: the request ends with an answer, and the connection closes.
    let mut stalled = connect().await.unwrap();
    stalled
        .write_all(
            b"POST /posts.json HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
              Content-Length: 100\r\n\r\n{\"raw\":",
        )
        .await
        .unwrap();
    assert!(
        closed_within(&mut stalled, Duration::from_secs(5)).await,
        "stalled body"
    );
    // A body that trickles in, one byte under every timeout, still ends at the request's.
    let mut trickle = connect().await.unwrap();
    trickle
        .write_all(
            b"POST /posts.json HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
              Content-Length: 100\r\n\r\n",
        )
        .await
        .unwrap();
    let started = Instant::now();
    let mut answer = Vec::new();
    while started.elapsed() < Duration::from_secs(8) {
        if trickle.write_all(b" ").await.is_err() {
            break;
        }
        use tokio::io::AsyncReadExt;
        let mut buf = [0u8; 1024];
        match tokio::time::timeout(Duration::from_millis(500), trickle.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => answer.extend_from_slice(&buf[..n]),
            Err(_) => {}
        }
        if !answer.is_empty() {
            break;
        }
    }
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer:?}");
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "{:?}",
        started.elapsed()
    );
    still_serving(&s).await;
}

/// The forum underneath the server, and its admin as an actor.
async fn forum_and_admin(s: &TestServer) -> (stoa_app::Forum, stoa_app::Actor) {
    let forum = s.forum().await;
    let mut tx = forum.db().read().await.unwrap();
    let admin = stoa_db::users::find_by_username(&mut tx, "admin")
        .await
        .unwrap()
        .unwrap();
    drop(tx);
    let actor = stoa_app::Actor::Member {
        id: admin.id,
        admin: true,
    };
    (forum, actor)
}

/// A member's DELETE and recover of a post, through the API (session and CSRF token) and the
/// page's form; the statuses.
async fn delete_and_recover(member: &common::Browser, post: i64) -> Vec<StatusCode> {
    let token = member.token().await;
    let mut statuses = Vec::new();
    for (method, path) in [
        (reqwest::Method::DELETE, format!("/posts/{post}.json")),
        (reqwest::Method::PUT, format!("/posts/{post}/recover.json")),
    ] {
        let res = member
            .raw
            .request(method, format!("{}{path}", member.base))
            .header("X-CSRF-Token", &token)
            .send()
            .await
            .unwrap();
        statuses.push(res.status());
    }
    for action in ["delete", "restore"] {
        let page = member
            .post_form_raw(
                &format!("/posts/{post}/{action}"),
                &[("authenticity_token", token.as_str())],
            )
            .await;
        statuses.push(page.status);
    }
    statuses
}

/// Finding 6: a member's delete or recover of a post in a staff-only category answered 403,
/// which tells that the post exists; and a member could still delete their own post in a
/// category made staff-only later. Both are 404 now, and nothing changes.
async fn hidden_posts_do_not_exist_for_writes(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let (forum, admin) = forum_and_admin(&s).await;
    let later = forum
        .create_category(
            admin,
            &stoa_app::CategoryForm {
                name: "Soon staff only".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let member = s.member("insider").await;
    let page = member
        .new_topic(
            later.0,
            "A topic in a category about to close",
            "Written while the category was open to all.",
        )
        .await;
    let (topic, slug) = page.topic_of_url();
    let path = format!("/t/{slug}/{topic}");
    let replied = member
        .submit(
            &path,
            &format!("{path}/reply"),
            &[("raw", "A reply of mine, in the same topic.")],
        )
        .await;
    let reply = replied.post_id(2);
    let staff_only = forum
        .create_category(
            admin,
            &stoa_app::CategoryForm {
                name: "Staff room".into(),
                read_restricted: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let staff_post = forum
        .create_topic(
            admin,
            &stoa_app::NewTopicForm {
                archetype: None,
                title: "Moderators only: the plan".into(),
                raw: "Nobody else should learn that this exists.".into(),
                category_id: Some(staff_only),
            },
        )
        .await
        .unwrap()
        .post_id;
    let row = forum.category(admin, later).await.unwrap();
    forum
        .update_category(
            admin,
            later,
            &stoa_app::CategoryForm {
                name: row.name.clone(),
                description: row.description.clone(),
                read_restricted: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    for post in [reply, staff_post.0] {
        let statuses = delete_and_recover(&member, post).await;
        assert!(
            statuses.iter().all(|s| *s == StatusCode::NOT_FOUND),
            "post {post}: {statuses:?}"
        );
    }
    let (post, _, _) = forum.post(admin, stoa_app::PostId(reply)).await.unwrap();
    assert!(post.deleted_at.is_none(), "the member's reply is untouched");
    forum.db().close().await;
}

/// Finding 7: a topic's author could hide everyone's replies by deleting the first post. As
/// on Discourse, the author deletes the topic only while nobody else has replied; after that,
/// deleting withdraws the first post (its text replaced by a notice, the replies kept), which
/// the author can undo. The withdrawn text stays out of others' sight, history included.
async fn authors_withdraw_topics_that_others_replied_to(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let anna = s.member("anna").await;
    let boris = s.member("boris").await;
    let visitor = s.visitor();
    let body = "Why did Tokyo keep the pact until August 1945?";
    let page = anna
        .new_topic(1, "Did Japan ever mean to keep the pact?", body)
        .await;
    let (topic, slug) = page.topic_of_url();
    let path = format!("/t/{slug}/{topic}");
    let first = page.post_id(1);
    let answer = "Because it needed the northern border quiet while it fought in the south.";
    let reply = boris
        .submit(&path, &format!("{path}/reply"), &[("raw", answer)])
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let token = anna.token().await;
    let done = anna
        .post_form(
            &format!("/posts/{first}/delete"),
            &[("authenticity_token", token.as_str())],
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let seen = visitor.get(&path).await;
    assert_eq!(seen.status, StatusCode::OK, "the topic stays");
    assert!(seen.body.contains("Because it needed the northern border"));
    assert!(seen.body.contains("topic withdrawn by its author"));
    assert!(
        !seen.body.contains("keep the pact until August"),
        "the text is gone"
    );
    let history = format!("/posts/{first}/revisions");
    assert_eq!(boris.get(&history).await.status, StatusCode::NOT_FOUND);
    assert_eq!(visitor.get(&history).await.status, StatusCode::NOT_FOUND);
    assert!(
        anna.get(&history)
            .await
            .body
            .contains("keep the pact until August")
    );
    let raw: serde_json::Value = reqwest::get(s.url(&format!("/posts/{first}.json")))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(raw["raw"], "(topic withdrawn by its author)");
    // Only the author (or an admin) takes it back.
    let statuses = delete_and_recover(&boris, first).await;
    assert!(statuses.iter().all(|s| s.is_client_error()), "{statuses:?}");
    let back = anna
        .post_form(
            &format!("/posts/{first}/restore"),
            &[("authenticity_token", token.as_str())],
        )
        .await;
    assert_eq!(back.status, StatusCode::OK);
    assert!(
        visitor
            .get(&path)
            .await
            .body
            .contains("keep the pact until August")
    );
    // A topic nobody else answered is the author's to delete outright.
    let page = anna
        .new_topic(
            1,
            "A question I thought better of",
            "Never mind, I found it in a book.",
        )
        .await;
    let (alone, alone_slug) = page.topic_of_url();
    let mine = anna
        .submit(
            &format!("/t/{alone_slug}/{alone}"),
            &format!("/t/{alone_slug}/{alone}/reply"),
            &[("raw", "And a follow-up of my own, no one else's.")],
        )
        .await;
    assert_eq!(mine.status, StatusCode::OK);
    let first_alone = page.post_id(1);
    anna.post_form(
        &format!("/posts/{first_alone}/delete"),
        &[("authenticity_token", token.as_str())],
    )
    .await;
    assert_eq!(
        visitor
            .get(&format!("/t/{alone_slug}/{alone}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

/// The member's unread notifications, as the API reports them.
async fn unread(member: &common::Browser) -> i64 {
    let me: serde_json::Value = member
        .get("/session/current.json")
        .await
        .body
        .parse()
        .unwrap();
    me["current_user"]["unread_notifications"].as_i64().unwrap()
}

/// Finding 8: an image whose URL is a topic page, fetched by a member's browser, marked that
/// member's notifications read (and so kept their email from being sent). Read state now
/// moves only on a visit — a top-level navigation — or on the page's own report.
async fn only_a_visit_marks_reading(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let anna = s.member("anna").await;
    let boris = s.member("boris").await;
    let page = anna
        .new_topic(
            1,
            "Who first reported the pact in English?",
            "The Times, I think, on 14 April 1941.",
        )
        .await;
    let (topic, slug) = page.topic_of_url();
    let path = format!("/t/{slug}/{topic}");
    boris
        .submit(
            &path,
            &format!("{path}/reply"),
            &[("raw", "The New York Times ran it the same day.")],
        )
        .await;
    assert_eq!(unread(&anna).await, 1);
    // Sub-resources and speculative loads of the page, with anna's cookies.
    let plain = reqwest::Client::builder()
        .cookie_provider(anna.jar.clone())
        .build()
        .unwrap();
    for dest in ["image", "iframe", "script", "empty", "style"] {
        let res = plain
            .get(s.url(&format!("{path}/2")))
            .header("sec-fetch-dest", dest)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(unread(&anna).await, 1, "as {dest}");
    }
    let res = plain.get(s.url(&format!("{path}/2"))).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let res = plain
        .get(s.url(&format!("{path}/2")))
        .headers(common::navigation_headers())
        .header("sec-purpose", "prefetch")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(unread(&anna).await, 1, "no header, or a prefetch");
    // The page's script reports what it showed (Discourse's POST /topics/timings).
    let token = anna.token().await;
    let res = plain
        .post(s.url("/topics/timings"))
        .header("Accept", "application/json")
        .header("X-CSRF-Token", &token)
        .form(&[
            ("topic_id", topic.to_string()),
            ("timings[2]", "1000".into()),
            ("timings[999999]", "5".into()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(unread(&anna).await, 0);
    // Without the page's token the report is refused, as any write is.
    boris
        .submit(
            &path,
            &format!("{path}/reply"),
            &[("raw", "And the Manchester Guardian a day later.")],
        )
        .await;
    assert_eq!(unread(&anna).await, 1);
    let res = plain
        .post(s.url("/topics/timings"))
        .header("Accept", "application/json")
        .form(&[
            ("topic_id", topic.to_string()),
            ("timings[3]", "1000".into()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(unread(&anna).await, 1);
    // Another site sending the browser here without a click is not a visit; a click is.
    let cross = |user_click: bool| {
        let mut req = plain
            .get(s.url(&format!("{path}/3")))
            .header("sec-fetch-dest", "document")
            .header("sec-fetch-mode", "navigate")
            .header("sec-fetch-site", "cross-site");
        if user_click {
            req = req.header("sec-fetch-user", "?1");
        }
        req.send()
    };
    assert_eq!(cross(false).await.unwrap().status(), StatusCode::OK);
    assert_eq!(unread(&anna).await, 1, "a redirect from another site");
    // Nor does any of that make her "seen" (which would hold back her emails).
    let forum = s.forum().await;
    let mut tx = forum.db().write().await.unwrap();
    let row = stoa_db::users::find_by_username(&mut tx, "anna")
        .await
        .unwrap()
        .unwrap();
    let long_ago = stoa_app::now() - chrono::Duration::hours(2);
    stoa_db::users::touch_last_seen(&mut tx, row.id, long_ago)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let seen = || async {
        let mut tx = forum.db().read().await.unwrap();
        stoa_db::users::find_by_username(&mut tx, "anna")
            .await
            .unwrap()
            .unwrap()
            .last_seen_at
    };
    let res = plain
        .get(s.url(&format!("{path}/3")))
        .header("sec-fetch-dest", "image")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(seen().await, Some(long_ago), "an image is not a visit");
    assert_eq!(cross(true).await.unwrap().status(), StatusCode::OK);
    assert_eq!(
        unread(&anna).await,
        0,
        "a click from another site is a visit"
    );
    assert!(seen().await > Some(long_ago));
    forum.db().close().await;
    // Opening the page in the window is a visit.
    boris
        .submit(
            &path,
            &format!("{path}/reply"),
            &[("raw", "And Pravda, of course.")],
        )
        .await;
    assert_eq!(unread(&anna).await, 1);
    assert_eq!(anna.get(&format!("{path}/4")).await.status, StatusCode::OK);
    assert_eq!(unread(&anna).await, 0);
}

/// Inputs past any size a real one has are refused before they cost anything: a login or
/// reset name longer than an email or holding a control character (NUL once reached
/// PostgreSQL as a 500), and bodies past 512 KiB.
async fn oversized_inputs_are_refused(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let v = s.visitor();
    for login in [
        "le\0na".to_owned(),
        "x".repeat(100_000),
        "a\u{1b}[31m".into(),
    ] {
        for (form, action) in [("/login", "/login"), ("/password-reset", "/password-reset")] {
            let page = v
                .submit(
                    form,
                    action,
                    &[("login", login.as_str()), ("password", "whatever it is")],
                )
                .await;
            assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{action}");
            assert!(
                page.body
                    .contains("That is neither a username nor an email address"),
                "{action}: refused as no name, not looked up"
            );
        }
    }
    // A password no account can have is not hashed, and says what a wrong one says.
    let page = v.login("admin", &"p".repeat(100_000)).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("Incorrect username, email or password"));
    let http = reqwest::Client::new();
    let forum = s.forum().await;
    let key = forum.create_api_key(None, "tests").await.unwrap().key;
    forum.db().close().await;
    let big = format!("{{\"raw\": \"{}\"}}", "x".repeat(600 * 1024));
    let res = http
        .post(s.url("/posts.json"))
        .header("Content-Type", "application/json")
        .header("Api-Key", &key)
        .header("Api-Username", "admin")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let res = http
        .post(s.url("/login"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(format!("login={}", "x".repeat(600 * 1024)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // A body as long as a post may be, in the widest characters, form-encoded, still fits.
    let member = s.member("wide").await;
    let raw = "😀".repeat(limits_body_max());
    let path = demo_topic_path(&s).await;
    let page = member
        .submit(&path, &format!("{path}/reply"), &[("raw", raw.as_str())])
        .await;
    assert_eq!(page.status, StatusCode::OK);
    still_serving(&s).await;
}

fn limits_body_max() -> usize {
    stoa_app::core::limits::BODY_MAX
}

/// Finding 9: the API's search `blurb` carried a post's text unescaped, and Discourse clients
/// insert blurbs as HTML. Now it is escaped, as the title headline is.
async fn search_blurbs_are_escaped(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let member = s.member("coder").await;
    member
        .new_topic(
            1,
            "How do forums show code in search results?",
            "Quarantined example: `<img src=x onerror=alert(1)>` and <b>bold</b> & \"quotes\".",
        )
        .await;
    let found: serde_json::Value = reqwest::get(s.url("/search.json?q=quarantined"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let blurb = found["posts"][0]["blurb"].as_str().unwrap();
    assert!(!blurb.contains("<img"), "{blurb}");
    assert!(
        blurb.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "{blurb}"
    );
    assert!(
        blurb.contains(r#"<span class="search-highlight">Quarantined</span>"#),
        "{blurb}"
    );
    let parsed = scraper::Html::parse_fragment(blurb);
    let elements: Vec<_> = parsed
        .tree
        .nodes()
        .filter_map(|n| n.value().as_element().map(|e| e.name().to_owned()))
        .filter(|name| name != "html" && name != "body")
        .collect();
    assert!(elements.iter().all(|e| e == "span"), "{elements:?}");
}

/// Finding 11, the small ones: `cite` URLs and URLs behind Unicode spaces, profile counts,
/// caching of private answers, a stale session cookie at login, and staff-only subcategories.
async fn small_leaks_are_closed(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let (forum, admin) = forum_and_admin(&s).await;
    // URLs: `cite` is checked like `href`, and no scheme hides behind an invisible character.
    let member = s.member("citer").await;
    let body = "<q cite=\"javascript:alert(1)\">a</q> <blockquote cite=\"\u{a0}javascript:alert(2)\">b</blockquote>\n\n\
                [c](\u{2028}javascript:alert(3)) <a href=\"\u{feff}javascript:alert(4)\">d</a> \
                <q cite=\"https://example.org/izvestia\">e</q>";
    let page = member
        .new_topic(1, "Where did the Izvestia quote come from?", body)
        .await;
    let first = page.post_id(1);
    let post: serde_json::Value = reqwest::get(s.url(&format!("/posts/{first}.json")))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let cooked = post["cooked"].as_str().unwrap();
    assert!(!cooked.to_lowercase().contains("javascript"), "{cooked}");
    assert!(
        cooked.contains("cite=\"https://example.org/izvestia\""),
        "{cooked}"
    );

    // A member's public counts leave out what the viewer may not see.
    let staff_only = forum
        .create_category(
            admin,
            &stoa_app::CategoryForm {
                name: "Moderators".into(),
                read_restricted: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    forum
        .create_topic(
            admin,
            &stoa_app::NewTopicForm {
                archetype: None,
                title: "Moderators only: the rota".into(),
                raw: "Who watches the forum on which day of the week.".into(),
                category_id: Some(staff_only),
            },
        )
        .await
        .unwrap();
    let count = |who: serde_json::Value| who["user"]["topic_count"].as_i64().unwrap();
    let public = reqwest::get(s.url("/u/admin.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let admin_browser = s.admin().await;
    let all: serde_json::Value = admin_browser
        .get("/u/admin.json")
        .await
        .body
        .parse()
        .unwrap();
    assert_eq!(
        count(all),
        count(public) + 1,
        "the staff-only topic counts for staff only"
    );

    // Answers to an API key carry what only its member may see: never cached on the way.
    let key = forum
        .create_api_key(Some("citer"), "tests")
        .await
        .unwrap()
        .key;
    let res = reqwest::Client::new()
        .get(s.url("/session/current.json"))
        .header("Api-Key", &key)
        .header("Api-Username", "citer")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["cache-control"], "no-store");

    // Logging in with a stale session cookie ends logged in: the new cookie is not cleared.
    let v = s.visitor();
    v.jar.add_cookie_str(
        &format!("_t={}; Path=/", "ab".repeat(32)),
        &s.url("/").parse().unwrap(),
    );
    let token = v.get("/login").await.csrf();
    let res = v
        .post_form_raw(
            "/login",
            &[
                ("authenticity_token", token.as_str()),
                ("login", "citer"),
                ("password", "a long enough passphrase"),
                ("return_to", "/"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let cookies: Vec<_> = res
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|c| c.to_str().unwrap().to_owned())
        .filter(|c| c.starts_with("_t="))
        .collect();
    assert_eq!(cookies.len(), 1, "{cookies:?}");
    assert!(!cookies[0].contains("Max-Age=0"), "{cookies:?}");
    assert_eq!(v.get("/notifications").await.status, StatusCode::OK);

    // A subcategory of a staff-only category is staff-only, made so or made later.
    let child = forum
        .create_category(
            admin,
            &stoa_app::CategoryForm {
                name: "Moderators: rotas".into(),
                parent_id: Some(staff_only),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let open_parent = forum
        .create_category(
            admin,
            &stoa_app::CategoryForm {
                name: "Soon closed".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let open_child = forum
        .create_category(
            admin,
            &stoa_app::CategoryForm {
                name: "Soon closed: notes".into(),
                parent_id: Some(open_parent),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let visible = |id: stoa_app::CategoryId| {
        let forum = &forum;
        async move { forum.category(stoa_app::Actor::Anonymous, id).await.is_ok() }
    };
    assert!(!visible(child).await);
    assert!(visible(open_child).await);
    forum
        .update_category(
            admin,
            open_parent,
            &stoa_app::CategoryForm {
                name: "Soon closed".into(),
                read_restricted: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(!visible(open_child).await);
    let status = s
        .visitor()
        .get(&format!("/c/x/{}.json", open_child.0))
        .await
        .status;
    assert_eq!(status, StatusCode::NOT_FOUND);
    forum.db().close().await;
}

/// The per-address limits behind a reverse proxy: the client's address comes from a trusted
/// proxy's `X-Forwarded-For`, so each client has its own budget (pages and API now share one,
/// which would otherwise be the proxy's for everyone); from an untrusted peer the header is
/// ignored, so a client cannot buy itself a fresh budget by writing one.
async fn forwarded_clients_have_their_own_budgets(b: Backend) {
    for trusted in [true, false] {
        let Some(s) = TestServer::start_configured(b, true, |c| {
            c.requests_per_ip_per_10_seconds = 3;
            if !trusted {
                c.trusted_proxies.clear();
            }
        })
        .await
        else {
            return;
        };
        let http = reqwest::Client::new();
        let get = |client: &str| {
            http.get(s.url("/latest"))
                .header("x-forwarded-for", format!("198.51.100.9, {client}"))
                .send()
        };
        for _ in 0..3 {
            assert_eq!(get("203.0.113.1").await.unwrap().status(), StatusCode::OK);
        }
        let over = get("203.0.113.1").await.unwrap().status();
        assert_eq!(over, StatusCode::TOO_MANY_REQUESTS);
        let other = get("203.0.113.2").await.unwrap().status();
        if trusted {
            assert_eq!(other, StatusCode::OK, "another client behind the proxy");
        } else {
            assert_eq!(
                other,
                StatusCode::TOO_MANY_REQUESTS,
                "the header is not believed"
            );
        }
    }
}

/// Finding 5, the rest of its class: a client that asks and then stops reading, and one
/// address opening connection after connection. Writes the client does not take fail after
/// the header timeout, and an address holds at most 64 connections.
async fn connections_are_bounded(b: Backend) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let Some(s) = TestServer::start_configured(b, true, |c| {
        c.header_read_timeout_secs = 1;
        c.trusted_proxies.clear();
    })
    .await
    else {
        return;
    };
    // Hundreds of pipelined requests for a sizeable answer, none of it read: far more than
    // the socket buffers hold, so the server's writes stall and must give up.
    let mut reader = tokio::net::TcpStream::connect(s.addr).await.unwrap();
    const ASKED: usize = 400;
    let request = b"GET /openapi.json HTTP/1.1\r\nHost: x\r\n\r\n".repeat(ASKED);
    reader.write_all(&request).await.unwrap();
    tokio::time::sleep(Duration::from_secs(4)).await;
    let mut got = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(20), reader.read_to_end(&mut got)).await;
    assert!(read.is_ok(), "the server closed the connection");
    let answers = got.windows(15).filter(|w| w == b"HTTP/1.1 200 OK").count();
    assert!(
        answers < ASKED,
        "{answers} of {ASKED} answers: the writes never gave up"
    );
    // One address, many connections: the 65th is closed unanswered.
    let mut held = Vec::new();
    for _ in 0..64 {
        held.push(tokio::net::TcpStream::connect(s.addr).await.unwrap());
    }
    let mut extra = tokio::net::TcpStream::connect(s.addr).await.unwrap();
    let _ = extra
        .write_all(b"GET /about.json HTTP/1.1\r\nHost: x\r\n\r\n")
        .await;
    let mut buf = [0u8; 64];
    let n = tokio::time::timeout(Duration::from_secs(5), extra.read(&mut buf))
        .await
        .expect("closed at once")
        .unwrap_or(0);
    assert_eq!(n, 0, "{:?}", String::from_utf8_lossy(&buf[..n]));
    drop(held);
    tokio::time::sleep(Duration::from_millis(200)).await;
    still_serving(&s).await;
}

on_both_backends!(
    oversized_inputs_are_refused,
    connections_are_bounded,
    forwarded_clients_have_their_own_budgets,
    small_leaks_are_closed,
    search_blurbs_are_escaped,
    only_a_visit_marks_reading,
    hidden_posts_do_not_exist_for_writes,
    authors_withdraw_topics_that_others_replied_to,
    deep_form_keys_are_refused,
    deep_quotes_are_refused,
    slow_bodies_cook_quickly,
    concurrent_logins_check_at_most_the_limit,
    one_bucket_per_account,
    signups_are_throttled_per_address,
    password_hashing_has_a_memory_budget,
    password_reset_takes_the_same_time_either_way,
    slow_and_idle_connections_are_closed,
);
