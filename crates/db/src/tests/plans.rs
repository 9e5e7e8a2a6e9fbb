//! The hot queries' plans on a generated forum, on both backends: each reads what it shows off
//! an index in its order — no full scan of posts or topics, no sort of all of them — so its
//! cost does not grow with the forum.
//!
//! Plans depend on the data, so the forum is generated first (20,000 topics of five posts,
//! 200 members, five categories, one member's read state) and the planners' statistics are
//! gathered (`ANALYZE`) as an operator's database has them.

use super::*;
use crate::topics::{ListArg, ListFilter, ListKind, list_query};
use stoa_core::{CategoryId, UserId};

const TOPICS: i64 = 20_000;
const POSTS_PER_TOPIC: i64 = 5;
const MEMBERS: i64 = 200;
const CATEGORIES: i64 = 5;

async fn generate(db: &Db) {
    let at = chrono::Utc::now();
    let mut tx = db.write().await.unwrap();
    for i in 0..MEMBERS {
        let name = format!("member{i}");
        users::insert(
            &mut tx,
            &users::NewUser {
                username: &name,
                name: "",
                email: &format!("{name}@example.org"),
                password_hash: "x",
                admin: false,
                created_at: at,
                email_verified_at: None,
                unsubscribe_key: &name,
            },
        )
        .await
        .unwrap();
    }
    for i in 0..CATEGORIES {
        let name = format!("Category {i}");
        categories::insert(
            &mut tx,
            &categories::NewCategory {
                name: &name,
                slug: &format!("category-{i}"),
                description: "",
                position: i,
                parent_id: None,
                read_restricted: i == CATEGORIES - 1,
                color: "0088CC",
                text_color: "FFFFFF",
                created_at: at,
            },
        )
        .await
        .unwrap();
    }
    // Rows in bulk, numbered by a series: `{n}` is the row number from 1, `{at}` a time that
    // grows with it.
    let (series, at) = match &tx {
        Tx::Sqlite(_) => (
            "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {count}) \
             SELECT {columns} FROM s",
            "strftime('%Y-%m-%dT%H:%M:%S+00:00', 1700000000 + {step} * 60, 'unixepoch')",
        ),
        Tx::Postgres(_) => (
            "SELECT {columns} FROM generate_series(1, {count}) AS s(n)",
            "to_timestamp(1700000000 + {step} * 60)",
        ),
    };
    let fill = |table: &str, into: &str, count: i64, columns: &str| {
        let select = series
            .replace("{count}", &count.to_string())
            .replace("{columns}", columns);
        format!("INSERT INTO {table} ({into}) {select}")
    };
    let topic_at = at.replace("{step}", "n");
    let post_at = at.replace("{step}", &format!("((n - 1) / {POSTS_PER_TOPIC})"));
    let statements = [
        fill(
            "topics",
            "title, slug, category_id, user_id, posts_count, reply_count, highest_post_number, \
             created_at, bumped_at, last_posted_at, last_post_user_id",
            TOPICS,
            &format!(
                "'Topic ' || n, 'topic-' || n, 1 + n % {CATEGORIES}, 1 + n % {MEMBERS}, \
                 {POSTS_PER_TOPIC}, {replies}, {POSTS_PER_TOPIC}, {topic_at}, {topic_at}, \
                 {topic_at}, 1 + n % {MEMBERS}",
                replies = POSTS_PER_TOPIC - 1
            ),
        ),
        fill(
            "posts",
            "topic_id, user_id, post_number, raw, cooked, created_at, updated_at",
            TOPICS * POSTS_PER_TOPIC,
            &format!(
                "1 + (n - 1) / {POSTS_PER_TOPIC}, 1 + n % {MEMBERS}, \
                 1 + (n - 1) % {POSTS_PER_TOPIC}, 'Some words', '<p>Some words</p>', \
                 {post_at}, {post_at}"
            ),
        ),
        // Every other post has a like.
        fill(
            "post_actions",
            "post_id, user_id, post_action_type_id, created_at",
            TOPICS * POSTS_PER_TOPIC / 2,
            &format!("n * 2, 1 + n % {MEMBERS}, 2, {topic_at}"),
        ),
        // Each post's author has counted it (`reads::add_posted`), from member 2 up.
        fill(
            "topic_users",
            "user_id, topic_id, posted, post_count, first_post_number",
            TOPICS * POSTS_PER_TOPIC,
            &format!(
                "2 + n % {}, 1 + (n - 1) / {POSTS_PER_TOPIC}, TRUE, 1 + n % 3, \
                 1 + (n - 1) % {POSTS_PER_TOPIC}",
                MEMBERS - 1
            ),
        ),
        // Member 1 has read every tenth topic.
        fill(
            "topic_users",
            "user_id, topic_id, last_read_post_number, notification_level",
            TOPICS / 10,
            "1, n * 10, 3, 1",
        ),
        "ANALYZE".to_owned(),
    ];
    for sql in statements {
        exec!(&mut tx, c => sqlx::query(&sql).execute(&mut **c).await).unwrap();
    }
    tx.commit().await.unwrap();
}

/// The backend's plan for a query, one step a line.
async fn plan(db: &Db, sql: &str, args: &[ListArg]) -> Vec<String> {
    let mut tx = db.read().await.unwrap();
    match &mut tx {
        Tx::Sqlite(c) => {
            let explain = format!("EXPLAIN QUERY PLAN {sql}");
            let mut q = sqlx::query_as::<_, (i64, i64, i64, String)>(&explain);
            for a in args {
                q = match *a {
                    ListArg::Int(v) => q.bind(v),
                    ListArg::Time(v) => q.bind(v),
                };
            }
            let rows = q.fetch_all(&mut **c).await.unwrap();
            rows.into_iter().map(|r| r.3).collect()
        }
        Tx::Postgres(c) => {
            let explain = format!("EXPLAIN {sql}");
            let mut q = sqlx::query_scalar::<_, String>(&explain);
            for a in args {
                q = match *a {
                    ListArg::Int(v) => q.bind(v),
                    ListArg::Time(v) => q.bind(v),
                };
            }
            q.fetch_all(&mut **c).await.unwrap()
        }
    }
}

/// The big tables: a hot query may not read all of any of them.
const BIG: [&str; 3] = ["topics", "posts", "post_actions"];

/// What no hot query's plan may hold: a scan of every row of a big table, or a sort of more
/// rows than a page shows.
fn full_passes(plan: &[String]) -> Vec<&String> {
    plan.iter()
        .filter(|step| {
            let step = step.trim_start().trim_start_matches("->").trim_start();
            // SQLite: `SCAN x` walks a whole table (`SCAN x USING INDEX i` walks an index in
            // its order, which a LIMIT stops early); a temporary b-tree sorts what was read.
            let sqlite = (step.starts_with("SCAN ")
                && !step.contains(" USING ")
                && step != "SCAN CONSTANT ROW")
                || step.contains("TEMP B-TREE");
            // PostgreSQL: a sequential scan of a big table, or a sort of many rows (an
            // incremental sort of rows read in index order is bounded by the LIMIT).
            let pg_scan = BIG
                .iter()
                .any(|t| step.contains(&format!("Seq Scan on {t} ")));
            let pg_sort = step.starts_with("Sort  (") && estimated_rows(step) > 200;
            sqlite || pg_scan || pg_sort
        })
        .collect()
}

/// The planner's row estimate in a PostgreSQL plan line (`rows=N`).
fn estimated_rows(step: &str) -> u64 {
    step.split("rows=")
        .nth(1)
        .and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(u64::MAX)
}

#[tokio::test]
async fn hot_queries_read_only_what_they_show_on_a_generated_forum() {
    for (db, _dir) in databases("hot_query_plans").await {
        generate(&db).await;
        let mut queries: Vec<(String, String, Vec<ListArg>)> = Vec::new();
        // The lists as app asks for them: Latest everywhere, in a category or by an author;
        // Top over the whole forum.
        for viewer in [None, Some(UserId(1))] {
            let lists = [
                (ListKind::Latest, None, None),
                (ListKind::Latest, Some(CategoryId(2)), None),
                (ListKind::Latest, None, Some(UserId(7))),
                (ListKind::Top { since: None }, None, None),
            ];
            for (kind, category, author) in lists {
                let filter = ListFilter {
                    kind,
                    category,
                    author,
                    viewer,
                    hide_muted: category.is_none() && author.is_none(),
                    ..Default::default()
                };
                let q = list_query(filter, 31, 0);
                let name = format!("{kind:?} list, {viewer:?}, {category:?}, {author:?}");
                queries.push((name, q.sql, q.args));
            }
        }
        queries.push((
            "a topic page's posts".into(),
            format!("{} {}", posts::VIEW_SELECT, posts::NUMBERED),
            vec![
                ListArg::Int(1),
                ListArg::Int(TOPICS / 2),
                ListArg::Int(1),
                ListArg::Int(20),
            ],
        ));
        for live in [posts::STREAM_ALL, posts::STREAM_LIVE] {
            queries.push((
                "a topic's post stream".into(),
                live.into(),
                vec![ListArg::Int(TOPICS / 2)],
            ));
        }
        queries.push((
            "a topic's counters and featured posters after a post".into(),
            topics::POST_COUNTS.into(),
            vec![
                ListArg::Int(TOPICS / 2),
                ListArg::Int(1),
                ListArg::Int(1),
                ListArg::Int(0),
            ],
        ));
        queries.push((
            "a member's state on a topic page".into(),
            reads::READER_STATE.into(),
            vec![
                ListArg::Int(1),
                ListArg::Int(TOPICS / 2),
                ListArg::Int(2),
                ListArg::Int(1),
                ListArg::Int(20),
            ],
        ));
        queries.push((
            "the watchers a new post notifies".into(),
            watching::WATCHERS.into(),
            vec![ListArg::Int(TOPICS / 2), ListArg::Int(2)],
        ));
        for (name, sql, args) in &queries {
            let plan = plan(&db, sql, args).await;
            let bad = full_passes(&plan);
            assert!(
                bad.is_empty(),
                "{}: {name} reads too much: {bad:?}\n{plan:#?}",
                db.backend_name()
            );
        }
    }
}

/// The search index's check at each start reads the ends of two indexes, not every post, and
/// still notices a bulk load that was never indexed and rows of an older analyzer.
#[tokio::test]
async fn the_start_check_looks_only_at_the_ends_of_the_index() {
    for (db, _dir) in databases("start_check").await {
        generate(&db).await;
        let plan = plan(&db, search::MAY_BE_STALE, &[]).await;
        let bad = full_passes(&plan);
        assert!(bad.is_empty(), "{}: {bad:?}\n{plan:#?}", db.backend_name());
        let stale = |db: &Db| {
            let db = db.clone();
            async move {
                let mut tx = db.read().await.unwrap();
                search::may_be_stale(&mut tx).await.unwrap()
            }
        };
        // Generated straight into the tables: nothing indexed.
        assert!(stale(&db).await, "{}", db.backend_name());
        let mut tx = db.write().await.unwrap();
        let index_all = "INSERT INTO post_search_data (post_id, title, body, category, author, \
            version) SELECT id, 'topic', 'some words', 'category', 'member', $1 FROM posts";
        exec!(&mut tx, c => sqlx::query(index_all)
            .bind(stoa_core::analyzer::ANALYZER_VERSION)
            .execute(&mut **c)
            .await)
        .unwrap();
        tx.commit().await.unwrap();
        assert!(!stale(&db).await, "{}: all indexed", db.backend_name());
        let mut tx = db.write().await.unwrap();
        exec!(&mut tx, c => sqlx::query("UPDATE post_search_data SET version = 0 WHERE post_id = 7")
            .execute(&mut **c)
            .await)
        .unwrap();
        tx.commit().await.unwrap();
        assert!(
            stale(&db).await,
            "{}: an old analyzer's row",
            db.backend_name()
        );
    }
}
