//! Mixed traffic against a running Stoa for a fixed time, as `bench/soak.sh` runs it: visitors
//! reading topics, lists, categories and search; members replying, liking and editing; failed
//! and good logins; an API client with a key. Each simulated person comes from an address of
//! their own on loopback (127.0.x.y), paced below the per-address limits, so the server's
//! default limits stay on and apply as they would in the world. Bounded in time and in
//! requests. Every 10 seconds the server's resident memory is sampled from /proc.
//!
//! At the end it prints requests per kind with statuses and p50/p99 latency, and the memory
//! samples, then exits non-zero when any answer was a 5xx or a transport error, or memory was
//! not flat (the last minute's mean more than 10 % off the second minute's).
//!
//!     cargo run --release --example soak -- --base http://127.0.0.1:8080 --pid 1234 \
//!         --api-key KEY --minutes 10
#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark driver: any failure ends the run, loudly"
)]

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Parser;
use rand::Rng;
use rand::seq::SliceRandom;
use reqwest::StatusCode;
use serde_json::Value;

#[derive(Parser, Debug, Clone)]
struct Args {
    /// The forum, e.g. http://127.0.0.1:8080.
    #[arg(long)]
    base: String,
    /// The server's process, for memory samples.
    #[arg(long)]
    pid: u32,
    /// An all-users API key.
    #[arg(long)]
    api_key: String,
    #[arg(long, default_value_t = 10.0)]
    minutes: f64,
    /// Stop after this many requests even if time remains.
    #[arg(long, default_value_t = 2_000_000)]
    max_requests: u64,
    #[arg(long, default_value_t = 40)]
    visitors: u8,
    #[arg(long, default_value_t = 24)]
    members: u8,
}

const PASSWORD: &str = "a long enough passphrase";
const WORDS: [&str; 8] = [
    "pact",
    "neutrality",
    "Izvestia",
    "April",
    "Molotov",
    "Tokyo",
    "treaty",
    "border",
];

/// What happened to each kind of request.
#[derive(Default)]
struct Tally {
    latencies: Vec<Duration>,
    statuses: BTreeMap<u16, u64>,
    errors: u64,
}

#[derive(Clone)]
struct Recorder {
    tallies: Arc<Mutex<BTreeMap<&'static str, Tally>>>,
    sent: Arc<std::sync::atomic::AtomicU64>,
    max: u64,
    deadline: Instant,
}

impl Recorder {
    fn more(&self) -> bool {
        Instant::now() < self.deadline
            && self.sent.load(std::sync::atomic::Ordering::Relaxed) < self.max
    }

    /// Sends `req`, records it under `kind`, and returns the status and body (None on a
    /// transport error).
    async fn send(
        &self,
        kind: &'static str,
        req: reqwest::RequestBuilder,
    ) -> Option<(StatusCode, String)> {
        self.sent.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let t = Instant::now();
        let res = req.timeout(Duration::from_secs(30)).send().await;
        let outcome = match res {
            Ok(r) => {
                let status = r.status();
                match r.text().await {
                    Ok(body) => Some((status, body)),
                    Err(_) => None,
                }
            }
            Err(_) => None,
        };
        let took = t.elapsed();
        let mut tallies = self.tallies.lock().unwrap();
        let tally = tallies.entry(kind).or_default();
        tally.latencies.push(took);
        match &outcome {
            Some((status, _)) => *tally.statuses.entry(status.as_u16()).or_default() += 1,
            None => tally.errors += 1,
        }
        outcome
    }
}

/// A browser-like client from its own loopback address, keeping cookies, not following
/// redirects, saying that it navigates (as a person's browser does).
fn client(ip: IpAddr) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("sec-fetch-dest", "document".parse().unwrap());
    headers.insert("sec-fetch-mode", "navigate".parse().unwrap());
    reqwest::Client::builder()
        .local_address(ip)
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(headers)
        .pool_max_idle_per_host(2)
        .build()
        .unwrap()
}

fn token(html: &str) -> Option<String> {
    let marker = "name=\"authenticity_token\" value=\"";
    let start = html.find(marker)? + marker.len();
    html.get(start..start + 64).map(str::to_owned)
}

/// Sleeps a random time around `ms` milliseconds.
async fn think(ms: u64) {
    let jitter = rand::thread_rng().gen_range(ms / 2..=ms + ms / 2);
    tokio::time::sleep(Duration::from_millis(jitter)).await;
}

#[derive(Clone, Debug)]
struct Topic {
    id: i64,
    slug: String,
    category: (String, i64),
}

async fn topics(base: &str) -> Vec<Topic> {
    let list: Value = reqwest::get(format!("{base}/latest.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let cats: Value = reqwest::get(format!("{base}/categories.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut slugs = BTreeMap::new();
    for c in cats["category_list"]["categories"].as_array().unwrap() {
        slugs.insert(
            c["id"].as_i64().unwrap(),
            c["slug"].as_str().unwrap().to_owned(),
        );
    }
    list["topic_list"]["topics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let cat = t["category_id"].as_i64().unwrap();
            Topic {
                id: t["id"].as_i64().unwrap(),
                slug: t["slug"].as_str().unwrap().to_owned(),
                category: (slugs.get(&cat).cloned().unwrap_or_default(), cat),
            }
        })
        .collect()
}

async fn visitor(rec: Recorder, base: String, ip: IpAddr, topics: Arc<Vec<Topic>>) {
    let http = client(ip);
    while rec.more() {
        let t = topics.choose(&mut rand::thread_rng()).unwrap().clone();
        let roll = rand::thread_rng().gen_range(0..10);
        let (kind, url) = match roll {
            0..=4 => ("visitor: topic", format!("{base}/t/{}/{}", t.slug, t.id)),
            5..=6 => ("visitor: latest", format!("{base}/latest")),
            7 => (
                "visitor: category",
                format!("{base}/c/{}/{}", t.category.0, t.category.1),
            ),
            _ => {
                let w = WORDS.choose(&mut rand::thread_rng()).unwrap();
                ("visitor: search", format!("{base}/search?q={w}"))
            }
        };
        rec.send(kind, http.get(url)).await;
        // About 2.5 pages a second: under the 50-in-10-seconds limit per address.
        think(400).await;
    }
}

/// Signs up (or logs in) a member from `ip`; their client and form token.
async fn sign_in(rec: &Recorder, base: &str, ip: IpAddr, name: &str) -> (reqwest::Client, String) {
    let http = client(ip);
    let page = rec
        .send("member: sign-up form", http.get(format!("{base}/signup")))
        .await;
    let t = page
        .and_then(|(_, body)| token(&body))
        .expect("sign-up form");
    let email = format!("{name}@soak.example.org");
    let done = rec
        .send(
            "member: sign up",
            http.post(format!("{base}/signup")).form(&[
                ("authenticity_token", t.as_str()),
                ("username", name),
                ("email", email.as_str()),
                ("password", PASSWORD),
                ("name", ""),
            ]),
        )
        .await;
    assert!(
        done.as_ref().is_some_and(|(s, _)| s.is_redirection()),
        "sign-up of {name}: {:?}",
        done.map(|d| d.0)
    );
    let page = rec
        .send("member: topic", http.get(format!("{base}/latest")))
        .await;
    let t = page
        .and_then(|(_, body)| token(&body))
        .expect("member token");
    (http, t)
}

/// A member who signed in: name, client and form token.
struct Member {
    name: String,
    http: reqwest::Client,
    csrf: String,
}

async fn member(rec: Recorder, base: String, m: Member, topics: Arc<Vec<Topic>>) {
    let Member { name, http, csrf } = m;
    let mut mine: Vec<i64> = Vec::new();
    let mut n = 0u64;
    while rec.more() {
        n += 1;
        let t = topics.choose(&mut rand::thread_rng()).unwrap().clone();
        let roll = rand::thread_rng().gen_range(0..20);
        match roll {
            0..=9 => {
                // A member lands on their first unread post: follow the redirect there.
                let answer = rec
                    .send(
                        "member: topic",
                        http.get(format!("{base}/t/{}/{}", t.slug, t.id)),
                    )
                    .await;
                if let Some((StatusCode::SEE_OTHER, _)) = answer {
                    let url = format!("{base}/t/{}/{}/1", t.slug, t.id);
                    rec.send("member: topic at a post", http.get(url)).await;
                }
            }
            10..=12 => {
                // A reply through the page's form, as without JavaScript.
                let raw = format!("Soak reply {n} from {name}: the pact held until August 1945.");
                rec.send(
                    "member: reply (form)",
                    http.post(format!("{base}/t/{}/{}/reply", t.slug, t.id))
                        .form(&[("authenticity_token", csrf.as_str()), ("raw", raw.as_str())]),
                )
                .await;
            }
            13..=14 => {
                // A reply through the API, as the page's script or a client does.
                let raw = format!("Soak reply {n} by API from {name}, about the 1941 pact.");
                let answer = rec
                    .send(
                        "member: reply (json)",
                        http.post(format!("{base}/posts.json"))
                            .header("X-CSRF-Token", &csrf)
                            .json(&serde_json::json!({"topic_id": t.id, "raw": raw})),
                    )
                    .await;
                if let Some((StatusCode::OK, body)) = answer
                    && let Ok(v) = serde_json::from_str::<Value>(&body)
                    && let Some(id) = v["id"].as_i64()
                {
                    mine.push(id);
                }
            }
            15..=16 => {
                let pick = mine.choose(&mut rand::thread_rng()).copied();
                if let Some(id) = pick {
                    let raw = format!("Soak reply edited {n} by {name}: it held until 1945.");
                    rec.send(
                        "member: edit",
                        http.put(format!("{base}/posts/{id}.json"))
                            .header("X-CSRF-Token", &csrf)
                            .json(&serde_json::json!({"post": {"raw": raw}})),
                    )
                    .await;
                }
            }
            _ => {
                // A like on a post of the topic: its first post, or a later one.
                let view = rec
                    .send(
                        "member: topic (json)",
                        http.get(format!("{base}/t/{}.json", t.id)),
                    )
                    .await;
                let post = view.and_then(|(_, body)| {
                    let v: Value = serde_json::from_str(&body).ok()?;
                    let stream = v["post_stream"]["stream"].as_array()?.clone();
                    stream.choose(&mut rand::thread_rng())?.as_i64()
                });
                if let Some(id) = post {
                    rec.send(
                        "member: like",
                        http.post(format!("{base}/post_actions"))
                            .header("Accept", "application/json")
                            .header("X-CSRF-Token", &csrf)
                            .form(&[("id", id.to_string()), ("post_action_type_id", "2".into())]),
                    )
                    .await;
                }
            }
        }
        think(700).await;
    }
}

/// Logins: the members' good ones from their own addresses, and an attacker's wrong ones.
async fn logins(rec: Recorder, base: String, members: Vec<(IpAddr, String)>) {
    let mut i = 0usize;
    while rec.more() {
        i += 1;
        let (ip, login, password, kind) = if i.is_multiple_of(3) {
            let (ip, name) = &members[i % members.len()];
            (*ip, name.clone(), PASSWORD.to_owned(), "login: good")
        } else {
            (
                IpAddr::from([127, 0, 9, 1]),
                format!("soak{}", i % 7),
                format!("wrong guess {i}"),
                "login: wrong password",
            )
        };
        let http = client(ip);
        let form = rec.send(kind, http.get(format!("{base}/login"))).await;
        if let Some(t) = form.and_then(|(_, body)| token(&body)) {
            rec.send(
                kind,
                http.post(format!("{base}/login")).form(&[
                    ("authenticity_token", t.as_str()),
                    ("login", login.as_str()),
                    ("password", password.as_str()),
                    ("return_to", "/"),
                ]),
            )
            .await;
        }
        think(1_000).await;
    }
}

/// An API client with a key, acting as `username`: reads lists and topics, now and then posts
/// (under 60 a minute, the key's limit).
async fn api_client(
    rec: Recorder,
    base: String,
    key: String,
    username: String,
    topics: Arc<Vec<Topic>>,
) {
    let http = client(IpAddr::from([127, 0, 8, 1]));
    let mut n = 0u64;
    while rec.more() {
        n += 1;
        let t = topics.choose(&mut rand::thread_rng()).unwrap().clone();
        let req = match n % 10 {
            0 => http
                .post(format!("{base}/posts.json"))
                .json(&serde_json::json!({
                    "topic_id": t.id,
                    "raw": format!("An API client's reply {n}, during the soak.")
                })),
            1..=4 => http.get(format!("{base}/latest.json")),
            _ => http.get(format!("{base}/t/{}.json", t.id)),
        };
        let kind = if n.is_multiple_of(10) {
            "api: post"
        } else {
            "api: read"
        };
        rec.send(
            kind,
            req.header("Api-Key", &key)
                .header("Api-Username", &username),
        )
        .await;
        think(1_200).await;
    }
}

fn rss_mib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let base = args.base.trim_end_matches('/').to_owned();
    let started = Instant::now();
    let rec = Recorder {
        tallies: Arc::default(),
        sent: Arc::default(),
        max: args.max_requests,
        deadline: started + Duration::from_secs_f64(args.minutes * 60.0),
    };
    let run = format!("{:x}", rand::thread_rng().r#gen::<u32>());
    let member_addrs: Vec<(IpAddr, String)> = (0..args.members)
        .map(|i| (IpAddr::from([127, 0, 6, i + 1]), format!("soak{run}{i}")))
        .collect();
    // Each member signs up and starts a topic, so that replies spread over many topics.
    let mut members = Vec::new();
    for (ip, name) in &member_addrs {
        let (http, csrf) = sign_in(&rec, &base, *ip, name).await;
        let started = rec
            .send(
                "member: new topic",
                http.post(format!("{base}/posts.json"))
                    .header("X-CSRF-Token", &csrf)
                    .json(&serde_json::json!({
                        "title": format!("Soak topic by {name}: what did the pact change?"),
                        "raw": "Opening post of a soak topic, about the April 1941 pact.",
                        "category": 1,
                    })),
            )
            .await;
        assert!(
            started.as_ref().is_some_and(|(s, _)| s.is_success()),
            "new topic by {name}: {:?}",
            started.map(|s| s.1)
        );
        members.push(Member {
            name: name.clone(),
            http,
            csrf,
        });
    }
    let topics = Arc::new(topics(&base).await);
    assert!(!topics.is_empty(), "the forum has no topics to read");

    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..args.visitors {
        tasks.spawn(visitor(
            rec.clone(),
            base.clone(),
            IpAddr::from([127, 0, 5, i + 1]),
            topics.clone(),
        ));
    }
    for m in members {
        tasks.spawn(member(rec.clone(), base.clone(), m, topics.clone()));
    }
    let api_user = member_addrs[0].1.clone();
    tasks.spawn(logins(rec.clone(), base.clone(), member_addrs));
    tasks.spawn(api_client(
        rec.clone(),
        base.clone(),
        args.api_key.clone(),
        api_user,
        topics.clone(),
    ));

    // Memory every 10 seconds while the traffic runs.
    let mut samples: Vec<(f64, f64)> = Vec::new();
    while rec.more() {
        if let Some(mib) = rss_mib(args.pid) {
            samples.push((started.elapsed().as_secs_f64(), mib));
        }
        tokio::time::sleep(Duration::from_secs(10)).await;
    }
    while tasks.join_next().await.is_some() {}
    let elapsed = started.elapsed().as_secs_f64();

    let tallies = rec.tallies.lock().unwrap();
    let mut failed = false;
    let (mut total, mut fives, mut errors) = (0u64, 0u64, 0u64);
    println!(
        "{:<26} {:>8} {:>9} {:>9}  statuses",
        "kind", "requests", "p50 ms", "p99 ms"
    );
    for (kind, tally) in tallies.iter() {
        let mut lat = tally.latencies.clone();
        lat.sort();
        let n = lat.len() as u64;
        total += n;
        errors += tally.errors;
        let five: u64 = tally
            .statuses
            .iter()
            .filter(|(s, _)| **s >= 500)
            .map(|(_, c)| c)
            .sum();
        fives += five;
        let statuses: Vec<String> = tally
            .statuses
            .iter()
            .map(|(s, c)| format!("{s}×{c}"))
            .collect();
        let errs = if tally.errors > 0 {
            format!(" transport errors×{}", tally.errors)
        } else {
            String::new()
        };
        println!(
            "{kind:<26} {n:>8} {:>9.1} {:>9.1}  {}{errs}",
            percentile(&lat, 0.5).as_secs_f64() * 1e3,
            percentile(&lat, 0.99).as_secs_f64() * 1e3,
            statuses.join(" ")
        );
    }
    println!(
        "\n{total} requests in {elapsed:.0} s ({:.0}/s); 5xx: {fives}; transport errors: {errors}",
        total as f64 / elapsed
    );
    if fives > 0 || errors > 0 {
        failed = true;
    }

    println!("\nresident memory (MiB), every 10 s:");
    let line: Vec<String> = samples.iter().map(|(_, m)| format!("{m:.0}")).collect();
    println!("{}", line.join(" "));
    let mean = |from: f64, to: f64| {
        let v: Vec<f64> = samples
            .iter()
            .filter(|(t, _)| *t >= from && *t < to)
            .map(|(_, m)| *m)
            .collect();
        (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
    };
    match (mean(60.0, 120.0), mean(elapsed - 60.0, elapsed + 1.0)) {
        (Some(second), Some(last)) if elapsed >= 180.0 => {
            let drift = (last - second) / second * 100.0;
            println!(
                "second minute {second:.1} MiB, last minute {last:.1} MiB: {drift:+.1} % \
                 (flat means within ±10 %)"
            );
            if drift.abs() > 10.0 {
                failed = true;
            }
        }
        _ => println!("(too short a run to compare the second and the last minute)"),
    }
    if failed {
        println!("\nSOAK FAILED");
        std::process::exit(1);
    }
    println!("\nsoak passed");
}
