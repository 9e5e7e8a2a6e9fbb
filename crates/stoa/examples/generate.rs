//! Generates a large forum for benchmarks: members, categories, topics and posts written
//! straight through the storage layer (much faster than one use case per post), then the
//! search index built by the same code as `stoa reindex`.
//!
//!   cargo run --release --example generate -- --data-dir /tmp/big --posts 1000000
//!   cargo run --release --example generate -- --database-url postgres://… --posts 1000000
//!
//! The text is made-up words drawn with Zipf's law (as words are in real text), so a word's
//! rank tells how many posts hold it; the words benchmarks search for are printed at the end.
//! One post in fifty also carries the sentence with the phrase "neutrality pact". Output is the
//! same for the same seed.

use std::collections::HashMap;
use std::time::Instant;

use anyhow::Context;
use clap::Parser;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use stoa::Config;
use stoa_app::{CategoryId, TopicId, UserId};
use stoa_db::{categories, posts, reads, topics, users};

#[derive(Debug, Parser)]
struct Args {
    /// SQLite: the data directory to create the forum in.
    #[arg(long)]
    data_dir: Option<std::path::PathBuf>,
    /// PostgreSQL: the database to fill (it should be empty).
    #[arg(long)]
    database_url: Option<String>,
    #[arg(long, default_value_t = 1_000_000)]
    posts: u64,
    #[arg(long, default_value_t = 20)]
    posts_per_topic: u64,
    #[arg(long, default_value_t = 2_000)]
    members: u64,
    #[arg(long, default_value_t = 20)]
    categories: u64,
    #[arg(long, default_value_t = 50_000)]
    vocabulary: usize,
    #[arg(long, default_value_t = 1941)]
    seed: u64,
}

const SYLLABLES: &[&str] = &[
    "ka", "lo", "mer", "tin", "sa", "vo", "ri", "den", "pa", "shu", "el", "ton", "bra", "mi",
    "gor", "ul", "zan", "te", "qui", "nor", "fa", "lis", "dru", "ve", "kos", "an", "pe", "rho",
    "sil", "ta", "wen", "ix",
];

/// The `rank`-th made-up word (0-based): distinct for every rank.
fn word(rank: usize) -> String {
    let mut n = rank;
    let mut w = String::new();
    loop {
        w.push_str(SYLLABLES[n % SYLLABLES.len()]);
        n /= SYLLABLES.len();
        if n == 0 {
            break;
        }
        n -= 1;
    }
    w
}

/// Draws word ranks with Zipf's law (exponent 1).
struct Zipf {
    cumulative: Vec<f64>,
}

impl Zipf {
    fn new(n: usize) -> Self {
        let mut total = 0.0;
        let cumulative = (1..=n)
            .map(|r| {
                total += 1.0 / r as f64;
                total
            })
            .collect();
        Self { cumulative }
    }

    fn draw(&self, rng: &mut StdRng) -> usize {
        let x = rng.r#gen::<f64>() * self.cumulative.last().copied().unwrap_or(1.0);
        self.cumulative.partition_point(|c| *c < x)
    }
}

fn sentence(rng: &mut StdRng, zipf: &Zipf, words: &[String], len: usize) -> String {
    let s: Vec<&str> = (0..len).map(|_| words[zipf.draw(rng)].as_str()).collect();
    let mut out = s.join(" ");
    out.push('.');
    out
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let mut config = Config::default();
    if let Some(dir) = &args.data_dir {
        config.data_dir = dir.clone();
    }
    config.database_url = args.database_url.clone();
    let forum = stoa::open(&config).await.context("opening the database")?;
    anyhow::ensure!(
        forum.is_empty().await.map_err(|e| anyhow::anyhow!("{e}"))?,
        "the database is not empty"
    );
    let db = forum.db().clone();
    let mut rng = StdRng::seed_from_u64(args.seed);
    let words: Vec<String> = (0..args.vocabulary).map(word).collect();
    let zipf = Zipf::new(args.vocabulary);
    let started = Instant::now();
    // Posts are spread over six years, oldest first.
    let start = chrono::DateTime::parse_from_rfc3339("2020-01-01T00:00:00Z")?.to_utc();
    let span_secs = 6 * 365 * 24 * 3600_i64;

    let mut tx = db.write().await?;
    let mut members = Vec::new();
    for i in 1..=args.members {
        let name = format!("member{i}");
        let email = format!("{name}@example.invalid");
        let id = users::insert(
            &mut tx,
            &users::NewUser {
                username: &name,
                name: "",
                email: &email,
                password_hash: "!",
                admin: false,
                created_at: start,
                email_verified_at: None,
                unsubscribe_key: &name,
            },
        )
        .await?;
        members.push(id);
    }
    let mut cats = Vec::new();
    for i in 1..=args.categories {
        let name = format!("Category {i}");
        let slug = format!("category-{i}");
        let id = categories::insert(
            &mut tx,
            &categories::NewCategory {
                name: &name,
                slug: &slug,
                description: "",
                position: i as i64,
                parent_id: None,
                read_restricted: false,
                color: "0088CC",
                text_color: "FFFFFF",
                created_at: start,
            },
        )
        .await?;
        cats.push(id);
    }
    tx.commit().await?;

    let topics_n = args.posts.div_ceil(args.posts_per_topic);
    let mut written = 0u64;
    // The counters the forum keeps as it goes, added up here and written once per topic (its
    // own) and at the end (categories' and members').
    let mut category_counts: HashMap<CategoryId, (i64, i64)> = HashMap::new();
    let mut member_counts: HashMap<UserId, (i64, i64)> = HashMap::new();
    let mut topic_ids = Vec::new();
    let mut tx = db.write().await?;
    for t in 0..topics_n {
        let at = start + chrono::Duration::seconds(span_secs * t as i64 / topics_n as i64);
        let author: UserId = members[rng.gen_range(0..members.len())];
        let category: CategoryId = cats[rng.gen_range(0..cats.len())];
        let title = sentence(&mut rng, &zipf, &words, 7);
        let title = title.trim_end_matches('.');
        let topic: TopicId = topics::insert(
            &mut tx,
            &topics::NewTopic {
                title,
                slug: &title.replace(' ', "-"),
                category_id: category,
                user_id: author,
                created_at: at,
            },
        )
        .await?;
        let n = args.posts_per_topic.min(args.posts - written);
        let mut last = (at, author);
        for p in 0..n {
            let poster = if p == 0 {
                author
            } else {
                members[rng.gen_range(0..members.len())]
            };
            let mut raw = String::new();
            for _ in 0..rng.gen_range(2..6) {
                let len = rng.gen_range(8..20);
                raw.push_str(&sentence(&mut rng, &zipf, &words, len));
                raw.push(' ');
            }
            if rng.gen_ratio(1, 50) {
                raw.push_str("\n\nThey say the neutrality pact was kept by both sides until 1945.");
            }
            let created = at + chrono::Duration::minutes(p as i64 * 7);
            let number = p as i64 + 1;
            posts::insert(
                &mut tx,
                &posts::NewPost {
                    topic_id: topic,
                    user_id: poster,
                    post_number: number,
                    reply_to_post_number: None,
                    raw: &raw,
                    cooked: &format!("<p>{}</p>", raw.trim()),
                    created_at: created,
                },
            )
            .await?;
            last = (created, poster);
            let member = member_counts.entry(poster).or_default();
            member.0 += i64::from(p == 0);
            member.1 += 1;
        }
        let n = i64::try_from(n)?;
        topics::loaded(&mut tx, topic, n, last).await?;
        let counts = topics::TopicCounts {
            posts: n,
            replies: n - 1,
            likes: 0,
        };
        topics::add_counts(&mut tx, topic, counts).await?;
        topic_ids.push(topic);
        let category = category_counts.entry(category).or_default();
        category.0 += 1;
        category.1 += n;
        written += n.unsigned_abs();
        if t % 500 == 499 {
            tx.commit().await?;
            tx = db.write().await?;
            eprint!(
                "\rposts: {written}/{}  {:.0} s",
                args.posts,
                started.elapsed().as_secs_f64()
            );
        }
    }
    for (c, (t, p)) in category_counts {
        categories::add_counts(&mut tx, c, t, p).await?;
    }
    for (u, (t, p)) in member_counts {
        users::add_counts(&mut tx, u, t, p).await?;
    }
    // Each member's posts in each topic, counted in one sorted pass (a row at a time, in
    // topic order, the inserts would land all over the member-first key), then each topic's
    // featured posters chosen from them.
    reads::count_posts_in_topics(&mut tx).await?;
    for topic in topic_ids {
        topics::post_counts(&mut tx, topic, topics::TopicCounts::default()).await?;
    }
    tx.commit().await?;
    eprintln!(
        "\rposts: {written} in {topics_n} topics, {:.0} s",
        started.elapsed().as_secs_f64()
    );

    let indexing = Instant::now();
    let mut bar = stoa::progress::Bar::new("Indexing", false);
    forum
        .reindex(false, |done, total| bar.update(done, total))
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    eprintln!("indexed in {:.0} s", indexing.elapsed().as_secs_f64());
    db.close().await;
    // What the benchmark searches for, by how common the word is.
    for rank in [50, 500, 5_000] {
        println!("word_rank_{rank}={}", words[rank - 1]);
    }
    println!("member=member7");
    println!("category=category-3");
    Ok(())
}
