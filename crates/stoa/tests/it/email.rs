//! Email over real HTTP and real delivery: sign-up confirmation, password reset, notification
//! emails to members who are away, unsubscribing, the queue against a real SMTP server
//! (delivered once, retried while the server is down), and header injection.

use std::time::Duration;

use crate::common::{
    self, Backend, Browser, Mail, SmtpServer, TestServer, read_mails, wait_for_mail,
};
use reqwest::StatusCode;

/// The queue as the mailer sees it, newest first.
async fn queue(s: &TestServer) -> Vec<stoa_db::mail::QueuedEmail> {
    let forum = s.forum().await;
    let mut tx = forum.db().read().await.unwrap();
    let rows = stoa_db::mail::recent(&mut tx, 1000).await.unwrap();
    drop(tx);
    forum.db().close().await;
    rows
}

async fn topic(author: &Browser, title: &str, raw: &str) -> (i64, String) {
    let page = author.new_topic(1, title, raw).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.topic_of_url()
}

async fn reply(who: &Browser, t: &(i64, String), raw: &str, to: &str) {
    let page = who
        .submit(
            &format!("/t/{}/{}", t.1, t.0),
            &format!("/t/{}/{}/reply", t.1, t.0),
            &[("raw", raw), ("reply_to_post_number", to)],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
}

/// Send through the test SMTP server on `port`, and count everyone as away.
fn smtp_settings(c: &mut stoa::Config, port: u16) {
    c.smtp_host = Some("127.0.0.1".into());
    c.smtp_port = Some(port);
    c.smtp_tls = "none".into();
    c.email_away_minutes = 0;
}

fn mails_to(dir: &std::path::Path, to: &str) -> Vec<Mail> {
    read_mails(dir).into_iter().filter(|m| m.to == to).collect()
}

async fn signup_confirmation_and_password_reset(b: Backend) {
    let Some(s) = TestServer::start_empty(b).await else {
        return;
    };
    let dir = s.mail_dir();
    let anna = s.member("anna").await;
    // Until confirmed, every page says so.
    assert!(
        anna.get("/latest")
            .await
            .body
            .contains("Confirm your email address")
    );
    let mail = wait_for_mail(&dir, |m| m.to == "anna@example.org").await;
    assert_eq!(mail.subject, "[Stoa] Confirm your email address");
    assert!(
        mail.text.contains("Welcome to Stoa, anna!"),
        "{}",
        mail.text
    );
    assert!(
        mail.html.contains("<a href=\"http://"),
        "an HTML part with the link: {}",
        mail.html
    );
    let link = mail.link_path("/u/activate-account/");
    // Opening the link changes nothing by itself; the button does.
    let page = s.visitor().get(&link).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains("anna@example.org is the address of anna")
    );
    let done = anna.submit(&link, &link, &[]).await;
    assert!(
        done.body.contains("Email address confirmed"),
        "{}",
        done.body
    );
    assert!(
        !anna
            .get("/latest")
            .await
            .body
            .contains("Confirm your email address")
    );
    // Single use.
    let again = anna.get(&link).await;
    assert_eq!(again.status, StatusCode::GONE);
    assert!(again.body.contains("already been used or has expired"));

    // A fresh link replaces the previous one.
    let ben = s.member("ben").await;
    let first = wait_for_mail(&dir, |m| m.to == "ben@example.org").await;
    let res = ben.submit("/latest", "/u/confirm-email/resend", &[]).await;
    assert!(
        res.body
            .contains("We sent a new confirmation link to ben@example.org")
    );
    let second = wait_for_mail(&dir, |m| m.to == "ben@example.org" && m.file != first.file).await;
    let old = first.link_path("/u/activate-account/");
    assert_eq!(ben.get(&old).await.status, StatusCode::GONE);
    let new = second.link_path("/u/activate-account/");
    assert!(
        ben.submit(&new, &new, &[])
            .await
            .body
            .contains("Email address confirmed")
    );

    // Password reset: the answer does not tell whether the account exists.
    let v = s.visitor();
    let unknown = v
        .submit("/password-reset", "/password-reset", &[("login", "nobody")])
        .await;
    let known = v
        .submit(
            "/password-reset",
            "/password-reset",
            &[("login", "ANNA@example.org")],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::OK);
    assert_eq!(known.status, StatusCode::OK);
    let said = |p: &common::Page| p.body.contains("If an account matches what you entered");
    assert!(said(&unknown) && said(&known));
    let reset = wait_for_mail(&dir, |m| {
        m.to == "anna@example.org" && m.subject.contains("password")
    })
    .await;
    assert_eq!(reset.subject, "[Stoa] Set a new password");
    assert!(!read_mails(&dir).iter().any(|m| m.to.contains("nobody")));
    let link = reset.link_path("/u/password-reset/");
    let form = v.get(&link).await;
    assert!(form.body.contains("For <strong>anna</strong>"));
    // A weak password is refused and the link still works.
    let weak = v.submit(&link, &link, &[("password", "short")]).await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        weak.body
            .contains("Password must be at least 10 characters"),
        "{}",
        weak.body
    );
    let done = v
        .submit(&link, &link, &[("password", "a brand new passphrase")])
        .await;
    assert_eq!(done.status, StatusCode::OK);
    assert!(
        done.body.contains("<span class=\"me-name\">anna</span>"),
        "logged in as anna: {}",
        done.url
    );
    // Every other session ended; the link is used up; the new password works.
    assert_eq!(
        anna.get("/notifications").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(v.get(&link).await.status, StatusCode::GONE);
    let again = v
        .submit(&link, &link, &[("password", "another new passphrase")])
        .await;
    assert_eq!(again.status, StatusCode::GONE);
    let fresh = s.visitor();
    assert_eq!(
        fresh.login("anna", "a brand new passphrase").await.status,
        StatusCode::OK
    );

    // A link past its expiry time no longer works.
    v.submit("/password-reset", "/password-reset", &[("login", "ben")])
        .await;
    let mail = wait_for_mail(&dir, |m| {
        m.to == "ben@example.org" && m.subject.contains("password")
    })
    .await;
    let forum = s.forum().await;
    let mut tx = forum.db().write().await.unwrap();
    let ben_id = stoa_db::users::find_by_username(&mut tx, "ben")
        .await
        .unwrap()
        .unwrap()
        .id;
    stoa_db::mail::expire_tokens(&mut tx, ben_id, "password_reset", stoa_app::now())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    forum.db().close().await;
    assert_eq!(
        v.get(&mail.link_path("/u/password-reset/")).await.status,
        StatusCode::GONE
    );

    // Reset requests are limited per account: each one sends an email.
    let w = s.visitor();
    for _ in 0..3 {
        let ok = w
            .submit("/password-reset", "/password-reset", &[("login", "cleo")])
            .await;
        assert_eq!(ok.status, StatusCode::OK);
    }
    let limited = w
        .submit("/password-reset", "/password-reset", &[("login", "cleo")])
        .await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.headers.contains_key("retry-after"));
}

async fn notification_emails_reach_members_who_are_away(b: Backend) {
    // Away after 0 minutes: every notification is emailed (to confirmed addresses).
    let Some(s) = TestServer::start_configured(b, false, |c| c.email_away_minutes = 0).await else {
        return;
    };
    let dir = s.mail_dir();
    let anna = s.confirmed_member("anna", &dir).await;
    let ben = s.confirmed_member("ben", &dir).await;
    let _cleo = s.member("cleo").await; // never confirms
    let title = "Why did the USSR trust the 1941 pact with Japan?";
    let t = topic(
        &anna,
        title,
        "It was signed on 13 April 1941. Why was it trusted at all?",
    )
    .await;
    reply(
        &ben,
        &t,
        "Because both needed a quiet border that year.",
        "1",
    )
    .await;
    reply(
        &ben,
        &t,
        &format!("[quote=\"anna, post:1, topic:{}\"]\nWhy was it trusted at all?\n[/quote]\n\nIt was not, fully.", t.0),
        "",
    )
    .await;
    reply(
        &ben,
        &t,
        "@anna and @cleo: Izvestia of 14 April 1941 has the text.",
        "",
    )
    .await;
    let first = anna.get(&format!("/t/{}/{}/1", t.1, t.0)).await.post_id(1);
    let token = ben.token().await;
    ben.post_form(
        &format!("/posts/{first}/like"),
        &[("authenticity_token", &token), ("like", "true")],
    )
    .await;

    let expect = [
        ("ben replied to your post in", "/2"),
        ("ben quoted your post in", "/3"),
        ("ben mentioned you in", "/4"),
        ("ben liked your post in", "/1"),
    ];
    for (lead, end) in expect {
        let m = wait_for_mail(&dir, |m| {
            m.to == "anna@example.org" && m.text.contains(lead)
        })
        .await;
        assert_eq!(m.subject, format!("[Stoa] {title}"));
        assert!(m.text.contains(&format!("{lead} “{title}”:")), "{}", m.text);
        let path = m.link_path("/t/");
        assert!(path.ends_with(end), "{lead}: {path}");
        assert!(m.html.contains(&format!("{lead} “{title}”:")));
        let unsubscribe = m.header("List-Unsubscribe").unwrap();
        assert!(unsubscribe.starts_with('<') && unsubscribe.contains("/email/unsubscribe/"));
        assert_eq!(
            m.header("List-Unsubscribe-Post"),
            Some("List-Unsubscribe=One-Click")
        );
        assert!(m.message_id.starts_with("stoa.email."), "{}", m.message_id);
    }
    // The unconfirmed address gets nothing but its confirmation link.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let to_cleo = mails_to(&dir, "cleo@example.org");
    assert_eq!(to_cleo.len(), 1, "{to_cleo:?}");
    // Nobody is emailed about their own doing.
    assert_eq!(
        mails_to(&dir, "ben@example.org").len(),
        1,
        "only ben's confirmation"
    );

    // One click unsubscribes (RFC 8058: a POST with no cookie and no form token).
    let m = wait_for_mail(&dir, |m| {
        m.to == "anna@example.org" && m.text.contains("mentioned")
    })
    .await;
    let url = m
        .header("List-Unsubscribe")
        .unwrap()
        .trim_matches(['<', '>'])
        .to_owned();
    let path = url::Url::parse(&url).unwrap().path().to_owned();
    let page = s.visitor().get(&path).await;
    assert!(
        page.body.contains("Stop notification emails?"),
        "{}",
        page.body
    );
    let res = reqwest::Client::new()
        .post(s.url(&path))
        .form(&[("List-Unsubscribe", "One-Click")])
        .send()
        .await
        .unwrap();
    assert!(
        res.status().is_success() || res.status().is_redirection(),
        "{}",
        res.status()
    );
    assert!(
        s.visitor()
            .get(&path)
            .await
            .body
            .contains("You are unsubscribed")
    );
    let before = mails_to(&dir, "anna@example.org").len();
    reply(
        &ben,
        &t,
        "@anna one more source: the Tass statement of 13 April.",
        "",
    )
    .await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(
        mails_to(&dir, "anna@example.org").len(),
        before,
        "unsubscribed"
    );
    // The notification itself still appears on the site.
    assert_eq!(
        anna.get("/notifications")
            .await
            .body
            .matches("</span> mentioned you in")
            .count(),
        2
    );
    // …and one click subscribes again.
    let again = s
        .visitor()
        .submit(&path, &path, &[("resubscribe", "1")])
        .await;
    assert!(again.body.contains("Stop notification emails?"));
    // A made-up key is a 404, not a 500.
    assert_eq!(
        s.visitor()
            .get("/email/unsubscribe/0123456789abcdef0123456789abcdef")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        s.visitor()
            .get("/email/unsubscribe/%0d%0aSet-Cookie:x")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

async fn members_who_are_active_get_no_email(b: Backend) {
    // The default: emails only after 10 minutes away. Both members have just been active.
    let Some(s) = TestServer::start_empty(b).await else {
        return;
    };
    let dir = s.mail_dir();
    let anna = s.confirmed_member("anna", &dir).await;
    let ben = s.confirmed_member("ben", &dir).await;
    let t = topic(
        &anna,
        "A topic for an active member",
        "Anna is here and reading right now.",
    )
    .await;
    reply(
        &ben,
        &t,
        "@anna you will see this on the site, not by email.",
        "1",
    )
    .await;
    tokio::time::sleep(Duration::from_millis(2000)).await;
    assert_eq!(
        mails_to(&dir, "anna@example.org").len(),
        1,
        "only the confirmation"
    );
    assert!(
        anna.get("/notifications")
            .await
            .body
            .contains("</span> mentioned you in")
    );
}

async fn smtp_delivers_once_and_retries_while_down(b: Backend) {
    if !SmtpServer::available("smtp_delivers_once_and_retries_while_down") {
        return;
    }
    let port = SmtpServer::free_port();
    let Some(s) = TestServer::start_configured(b, false, |c| {
        smtp_settings(c, port);
        c.email_retry_base_secs = 1;
    })
    .await
    else {
        return;
    };
    // The SMTP server is down: sign-up still works, and its email waits in the queue.
    let anna = s.member("anna").await;
    let mut waited = 0;
    let row = loop {
        let rows = queue(&s).await;
        if let Some(r) = rows.iter().find(|r| r.attempts >= 1) {
            break r.clone();
        }
        waited += 1;
        assert!(waited < 100, "no attempt recorded: {rows:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(row.sent_at.is_none() && row.failed_at.is_none());
    assert!(
        row.last_error.as_deref().is_some_and(|e| !e.is_empty()),
        "{row:?}"
    );
    assert!(row.next_attempt_at > row.created_at, "backed off: {row:?}");

    // The server comes up: the email arrives, once.
    let maildir = s.dir.path().join("maildir");
    let smtp = SmtpServer::start(port, &maildir).await;
    let mail = wait_for_mail(&smtp.maildir, |m| m.to == "anna@example.org").await;
    assert_eq!(mail.subject, "[Stoa] Confirm your email address");
    assert_eq!(
        mail.header("X-RcptTo"),
        Some("anna@example.org"),
        "envelope: {:?}",
        mail.headers
    );
    tokio::time::sleep(Duration::from_millis(3000)).await;
    let copies = read_mails(&smtp.maildir)
        .into_iter()
        .filter(|m| m.message_id == mail.message_id)
        .count();
    assert_eq!(copies, 1, "delivered exactly once");
    let rows = queue(&s).await;
    let row = rows.iter().find(|r| r.id == row.id).unwrap();
    assert!(row.sent_at.is_some(), "{row:?}");
    assert!(row.attempts >= 2, "{row:?}");

    // A notification email through the same server, once the address is confirmed.
    let link = mail.link_path("/u/activate-account/");
    assert!(
        anna.submit(&link, &link, &[])
            .await
            .body
            .contains("Email address confirmed")
    );
    let ben = s.member("ben").await;
    let t = topic(
        &anna,
        "Delivered through a real SMTP server",
        "Ben will answer this one.",
    )
    .await;
    reply(&ben, &t, "An answer that anna hears about by email.", "1").await;
    let m = wait_for_mail(&smtp.maildir, |m| {
        m.text.contains("ben replied to your post")
    })
    .await;
    assert_eq!(m.to, "anna@example.org");
    assert_eq!(m.subject, "[Stoa] Delivered through a real SMTP server");
    drop(smtp);
}

async fn email_headers_cannot_be_injected(b: Backend) {
    if !SmtpServer::available("email_headers_cannot_be_injected") {
        return;
    }
    let port = SmtpServer::free_port();
    let Some(s) = TestServer::start_configured(b, false, |c| {
        smtp_settings(c, port);
        // The site name reaches From and every Subject; config is not validated for this.
        c.site_name = "Stoa\r\nBcc: site@evil.example\r\nX-Injected: site".into();
    })
    .await
    else {
        return;
    };
    let maildir = s.dir.path().join("maildir");
    let smtp = SmtpServer::start(port, &maildir).await;
    s.confirmed_member("anna", &smtp.maildir).await;
    let ben = s.member("ben").await;

    // Every corpus line, as typed and percent-decoded, and with the other line breaks a
    // header could be split on, in the one member-written field that reaches a header: the
    // topic title (the subject). Titles with CR or LF are refused; the rest are sent.
    let mut titles = Vec::new();
    for line in common::corpus("crlf.txt") {
        let decoded = percent_decode(&percent_decode(&line));
        for variant in [
            line.clone(),
            decoded.clone(),
            decoded.replace(['\r', '\n'], "\u{85}"),
            decoded.replace(['\r', '\n'], "\u{2028}"),
            decoded.replace(['\r', '\n'], "\u{b}"),
        ] {
            titles.push(format!("Pact question {variant}"));
        }
    }
    let mut sent = 0;
    for title in &titles {
        let page = ben
            .new_topic(1, title, "A question for @anna about the pact of 1941.")
            .await;
        match page.status {
            StatusCode::OK => sent += 1,
            StatusCode::UNPROCESSABLE_ENTITY => {
                assert!(
                    page.body.contains("Title must be a single line"),
                    "{title:?}"
                )
            }
            other => panic!("{title:?}: {other}"),
        }
    }
    assert!(
        sent >= titles.len() / 2,
        "most titles are accepted: {sent}/{}",
        titles.len()
    );
    // Addresses and usernames with line breaks never get as far as a header.
    for line in common::corpus("crlf.txt") {
        let decoded = percent_decode(&line);
        let v = s.visitor();
        let res = v
            .submit(
                "/signup",
                "/signup",
                &[
                    ("username", "mallory"),
                    ("email", &format!("m@example.org{decoded}")),
                    ("password", "a long enough passphrase"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{decoded:?}");
    }

    let want = sent + 2; // and anna's and ben's confirmations
    for _ in 0..300 {
        if read_mails(&smtp.maildir).len() >= want {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let got = read_mails(&smtp.maildir);
    assert_eq!(got.len(), want, "one email per accepted title");
    let allowed = [
        "from",
        "to",
        "subject",
        "message-id",
        "date",
        "mime-version",
        "content-type",
        "content-transfer-encoding",
        "list-unsubscribe",
        "list-unsubscribe-post",
        // added by the receiving server:
        "x-peer",
        "x-mailfrom",
        "x-rcptto",
    ];
    for m in &got {
        for name in &m.header_names {
            assert!(
                allowed.contains(&name.to_ascii_lowercase().as_str()),
                "header {name:?} in {:?}",
                m.file
            );
        }
        assert!(["anna@example.org", "ben@example.org"].contains(&m.to.as_str()));
        assert_eq!(
            m.header("X-RcptTo"),
            Some(m.to.as_str()),
            "envelope of {:?}",
            m.file
        );
        assert!(
            !m.subject
                .contains(['\r', '\n', '\u{85}', '\u{2028}', '\u{b}']),
            "{:?}",
            m.subject
        );
        assert!(
            m.subject
                .starts_with("[Stoa Bcc: site@evil.example X-Injected: site]"),
            "{:?}",
            m.subject
        );
    }
    drop(smtp);
}

async fn nodes_sharing_a_database_send_each_email_once(b: Backend) {
    // The server's own mailer plus two more "nodes" on the same database, each delivering to
    // its own folder: every queued email must land in exactly one of them.
    let Some(s) = TestServer::start_empty(b).await else {
        return;
    };
    const EMAILS: usize = 60;
    let forum = s.forum().await;
    let mut tx = forum.db().write().await.unwrap();
    for i in 0..EMAILS {
        let subject = format!("Queued email {i}");
        stoa_db::mail::enqueue(
            &mut tx,
            &stoa_db::mail::NewEmail {
                kind: "test",
                user: None,
                notification: None,
                to: "someone@example.org",
                subject: &subject,
                text: "text part",
                html: "<p>html part</p>",
                unsubscribe_url: None,
                at: stoa_app::now(),
            },
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    let node = |name: &str| {
        let mut config = s.config.mail();
        config.folder = s.dir.path().join(name);
        stoa_app::mailer::Mailer::new(forum.db().clone(), config, forum.mail_wake()).unwrap()
    };
    let (a, b2) = (node("node-a"), node("node-b"));
    let (pa, pb) = tokio::join!(a.deliver_due(), b2.deliver_due());
    let (pa, pb) = (pa.unwrap(), pb.unwrap());
    eprintln!("{b:?}: node a {pa:?}, node b {pb:?}");
    // Wait for the server's mailer to finish whatever it claimed.
    for _ in 0..100 {
        let rows = queue(&s).await;
        if rows.iter().all(|r| r.sent_at.is_some()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut subjects: Vec<String> = ["node-a", "node-b"]
        .iter()
        .map(|n| s.dir.path().join(n))
        .chain([s.mail_dir()])
        .flat_map(|d| read_mails(&d))
        .map(|m| m.subject)
        .collect();
    let total = subjects.len();
    subjects.sort();
    subjects.dedup();
    assert_eq!(
        total, EMAILS,
        "sent {total} for {EMAILS} queued (a: {pa:?}, b: {pb:?})"
    );
    assert_eq!(subjects.len(), EMAILS, "no email twice");
    assert!(
        queue(&s)
            .await
            .iter()
            .all(|r| r.sent_at.is_some() && r.attempts == 1)
    );
    forum.db().close().await;
}

/// `%XX` → byte, for the corpus lines (invalid sequences are kept as typed).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(v) = u8::from_str_radix(
                std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz"),
                16,
            )
        {
            out.push(v);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

on_both_backends!(
    signup_confirmation_and_password_reset,
    notification_emails_reach_members_who_are_away,
    members_who_are_active_get_no_email,
    smtp_delivers_once_and_retries_while_down,
    email_headers_cannot_be_injected,
    nodes_sharing_a_database_send_each_email_once,
);
