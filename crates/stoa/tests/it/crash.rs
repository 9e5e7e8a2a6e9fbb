//! Crash safety: members post concurrently over HTTP while the real `stoa` process is killed
//! with SIGKILL at random moments and restarted. Every post whose creation was acknowledged
//! (the server answered 303) must be there afterwards, intact; on SQLite the file must pass
//! `PRAGMA integrity_check`.
//!
//! Short form here (5 kills of about a second each). The long form is
//! `STOA_CRASH_KILLS=20 STOA_CRASH_SECS=60 cargo test --release -p stoa --test it -- crash:: --nocapture`
//! (bench/crash.sh).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::common::{self, Backend, Browser, fresh_config};
use rand::Rng;
use reqwest::StatusCode;
use stoa_app::{Actor, TopicId};

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn acknowledged_posts_survive_sigkill(b: Backend) {
    let kills = env_or("STOA_CRASH_KILLS", 5);
    let secs = env_or("STOA_CRASH_SECS", 1);
    let dir = tempfile::tempdir().unwrap();
    let Some(config) = fresh_config(b, &dir, false).await else {
        return;
    };
    let mut args = vec!["--data-dir".to_owned(), dir.path().display().to_string()];
    if let Some(url) = &config.database_url {
        args.extend(["--database-url".to_owned(), url.clone()]);
    }
    args.extend(["serve", "--bind", "127.0.0.1:0", "--no-demo"].map(str::to_owned));

    let (mut child, mut addr, password) = common::spawn_stoa(&args, &[]);
    let admin = Browser::new(addr.parse().unwrap());
    let res = admin.login("admin", &password.unwrap()).await;
    assert_eq!(res.status, StatusCode::OK);
    let page = admin
        .new_topic(
            1,
            "Posts written while the server dies",
            "The first post, before any crash.",
        )
        .await;
    let (topic, slug) = page.topic_of_url();
    let token = admin.token().await;

    // marker -> body, for every acknowledged post.
    let acked: Arc<Mutex<HashMap<String, String>>> = Arc::default();
    let mut attempted = 0u64;
    for kill in 0..kills {
        let base = format!("http://{addr}");
        let run_ms = rand::thread_rng().gen_range(200..=secs * 1000 + 200);
        let deadline = Instant::now() + Duration::from_millis(run_ms);
        let mut writers = tokio::task::JoinSet::new();
        for w in 0..4 {
            // Cookies are per host, not per port: the session cookie goes to every new port.
            let client = admin.raw.clone();
            let (acked, token, base, slug) =
                (acked.clone(), token.clone(), base.clone(), slug.clone());
            writers.spawn(async move {
                let mut n = 0u64;
                loop {
                    n += 1;
                    let marker = format!("crash-{kill}-{w}-{n}");
                    let body =
                        format!("Post {marker}: written while the server may die at any moment.");
                    let res = client
                        .post(format!("{base}/t/{slug}/{topic}/reply"))
                        .form(&[
                            ("authenticity_token", token.as_str()),
                            ("raw", body.as_str()),
                        ])
                        .timeout(Duration::from_secs(10))
                        .send()
                        .await;
                    match res {
                        Ok(r) if r.status() == StatusCode::SEE_OTHER => {
                            acked.lock().unwrap().insert(marker, body);
                        }
                        Ok(r) => panic!("unexpected {}", r.status()),
                        Err(_) => return n, // the server is gone
                    }
                }
            });
        }
        tokio::time::sleep_until(deadline.into()).await;
        child.kill().unwrap(); // SIGKILL: no graceful anything
        child.wait().unwrap();
        while let Some(n) = writers.join_next().await {
            attempted += n.unwrap();
        }
        let (c, a, _) = common::spawn_stoa(&args, &[]);
        child = c;
        addr = a;
    }
    child.kill().unwrap();
    child.wait().unwrap();

    // Every acknowledged post is there, exactly as sent.
    let forum = stoa::open(&config).await.unwrap();
    let acked = acked.lock().unwrap().clone();
    let t = forum.topic(Actor::Anonymous, TopicId(topic)).await.unwrap();
    let mut stored = HashMap::new();
    for n in 2..=t.highest_post_number {
        if let Ok(p) = forum
            .post_by_number(Actor::Anonymous, TopicId(topic), n)
            .await
        {
            let marker = p
                .raw
                .split_whitespace()
                .nth(1)
                .unwrap_or("")
                .trim_end_matches(':')
                .to_owned();
            stored.insert(marker, p.raw);
        }
    }
    let lost: Vec<_> = acked
        .iter()
        .filter(|(m, body)| stored.get(*m) != Some(body))
        .map(|(m, _)| m.clone())
        .collect();
    if let Some(check) = forum.db().integrity_check().await.unwrap() {
        assert_eq!(check, "ok");
    }
    let mut tx = forum.db().read().await.unwrap();
    let drift = stoa_db::audit::counter_drift(&mut tx).await.unwrap();
    drop(tx);
    forum.db().close().await;
    eprintln!(
        "{b:?}: {kills} kills, {attempted} posts attempted, {} acknowledged, {} stored, {} acknowledged posts lost",
        acked.len(),
        stored.len(),
        lost.len()
    );
    assert!(
        acked.len() as u64 >= kills,
        "too few posts acknowledged to mean anything"
    );
    assert!(lost.is_empty(), "{b:?}: acknowledged posts lost: {lost:?}");
    assert!(drift.is_empty(), "{b:?}: counters drifted: {drift:?}");
}

on_both_backends!(acknowledged_posts_survive_sigkill);
