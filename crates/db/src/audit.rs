//! Checks that stored counters equal a recount from the rows. Stoa keeps them exact inside each
//! write; this is how tests (and, later, an operator's check command) prove it.

use crate::{Result, Tx, run};

/// Each query returns one row per counter that differs from its recount, naming it.
const DRIFT: [&str; 12] = [
    "SELECT 'post ' || p.id || ' like_count' FROM posts p WHERE p.like_count <> \
     (SELECT COUNT(*) FROM post_actions a WHERE a.post_id = p.id AND a.post_action_type_id = 2)",
    "SELECT 'post ' || p.id || ' reply_count' FROM posts p WHERE p.reply_count <> \
     (SELECT COUNT(*) FROM posts r WHERE r.topic_id = p.topic_id \
      AND r.reply_to_post_number = p.post_number AND r.deleted_at IS NULL)",
    "SELECT 'topic ' || t.id || ' posts_count' FROM topics t WHERE t.posts_count <> \
     (SELECT COUNT(*) FROM posts p WHERE p.topic_id = t.id AND p.deleted_at IS NULL)",
    "SELECT 'topic ' || t.id || ' reply_count' FROM topics t WHERE t.reply_count <> \
     (SELECT COUNT(*) FROM posts p WHERE p.topic_id = t.id AND p.deleted_at IS NULL \
      AND p.post_number > 1)",
    "SELECT 'topic ' || t.id || ' like_count' FROM topics t WHERE t.like_count <> \
     (SELECT COALESCE(SUM(p.like_count), 0) FROM posts p WHERE p.topic_id = t.id \
      AND p.deleted_at IS NULL)",
    "SELECT 'topic ' || t.id || ' highest_post_number' FROM topics t \
     WHERE t.highest_post_number <> \
     (SELECT COALESCE(MAX(p.post_number), 0) FROM posts p WHERE p.topic_id = t.id)",
    "SELECT 'category ' || c.id || ' topic_count' FROM categories c WHERE c.topic_count <> \
     (SELECT COUNT(*) FROM topics t WHERE t.category_id = c.id AND t.deleted_at IS NULL)",
    "SELECT 'category ' || c.id || ' post_count' FROM categories c WHERE c.post_count <> \
     (SELECT COUNT(*) FROM posts p JOIN topics t ON t.id = p.topic_id \
      WHERE t.category_id = c.id AND t.deleted_at IS NULL AND p.deleted_at IS NULL)",
    "SELECT 'user ' || u.id || ' post_count' FROM users u WHERE u.post_count <> \
     (SELECT COUNT(*) FROM posts p WHERE p.user_id = u.id AND p.deleted_at IS NULL)",
    "SELECT 'user ' || u.id || ' topic_count' FROM users u WHERE u.topic_count <> \
     (SELECT COUNT(*) FROM topics t WHERE t.user_id = u.id AND t.deleted_at IS NULL)",
    "SELECT 'user ' || tu.user_id || ' post_count in topic ' || tu.topic_id \
     FROM topic_users tu WHERE tu.post_count <> (SELECT COUNT(*) FROM posts p \
     WHERE p.topic_id = tu.topic_id AND p.user_id = tu.user_id AND p.deleted_at IS NULL)",
    "SELECT DISTINCT 'user ' || p.user_id || ' posts uncounted in topic ' || p.topic_id \
     FROM posts p WHERE p.deleted_at IS NULL AND NOT EXISTS (SELECT 1 FROM topic_users tu \
     WHERE tu.user_id = p.user_id AND tu.topic_id = p.topic_id)",
];

/// Every stored counter that differs from a recount; empty when all are exact.
pub async fn counter_drift(tx: &mut Tx) -> Result<Vec<String>> {
    let mut found = Vec::new();
    for sql in DRIFT {
        let rows: Vec<String> =
            run!(&mut *tx, c => sqlx::query_scalar(sql).fetch_all(&mut **c).await)?;
        found.extend(rows);
    }
    Ok(found)
}
