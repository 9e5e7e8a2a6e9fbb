//! Notification levels: per topic (`topic_users.notification_level`, with
//! `notifications_reason_id` NULL until the member or a rule chooses one) and per category
//! (`category_users`). A topic level, once chosen, wins; otherwise the category's applies;
//! otherwise the member's level is normal (`NotificationLevel::in_force`).

use stoa_core::{CategoryId, LevelReason, NotificationLevel, TopicId, UserId};

use crate::{Result, Tx, exec, run};

/// Sets the member's level for a topic, as they chose it. (The level a rule gives a poster
/// who chose none is written with their read state: `reads::after_posting`.)
pub async fn set_topic_level(
    tx: &mut Tx,
    user: UserId,
    topic: TopicId,
    level: NotificationLevel,
) -> Result<()> {
    const SQL: &str = "INSERT INTO topic_users (user_id, topic_id, notification_level, \
        notifications_reason_id) VALUES ($1, $2, $3, $4) \
        ON CONFLICT (user_id, topic_id) DO UPDATE SET notification_level = $3, \
        notifications_reason_id = $4";
    exec!(tx, c => sqlx::query(SQL)
        .bind(user.0)
        .bind(topic.0)
        .bind(level)
        .bind(LevelReason::UserChanged.id())
        .execute(&mut **c)
        .await)?;
    Ok(())
}

/// Sets the member's level for a category; normal removes the row.
pub async fn set_category_level(
    tx: &mut Tx,
    user: UserId,
    category: CategoryId,
    level: NotificationLevel,
) -> Result<()> {
    const DELETE: &str = "DELETE FROM category_users WHERE user_id = $1 AND category_id = $2";
    const UPSERT: &str = "INSERT INTO category_users (user_id, category_id, notification_level) \
        VALUES ($1, $2, $3) ON CONFLICT (user_id, category_id) \
        DO UPDATE SET notification_level = $3";
    if level == NotificationLevel::Normal {
        exec!(tx, c => sqlx::query(DELETE).bind(user.0).bind(category.0).execute(&mut **c).await)?;
    } else {
        exec!(tx, c => sqlx::query(UPSERT).bind(user.0).bind(category.0).bind(level).execute(&mut **c).await)?;
    }
    Ok(())
}

/// The member's chosen level for a category, if any.
pub async fn category_level(
    tx: &mut Tx,
    user: UserId,
    category: CategoryId,
) -> Result<Option<NotificationLevel>> {
    const SQL: &str =
        "SELECT notification_level FROM category_users WHERE user_id = $1 AND category_id = $2";
    Ok(
        run!(tx, c => sqlx::query_scalar(SQL).bind(user.0).bind(category.0).fetch_optional(&mut **c).await)?,
    )
}

/// Every level the member chose for a category.
pub async fn category_levels(
    tx: &mut Tx,
    user: UserId,
) -> Result<Vec<(CategoryId, NotificationLevel)>> {
    const SQL: &str =
        "SELECT category_id, notification_level FROM category_users WHERE user_id = $1";
    Ok(run!(tx, c => sqlx::query_as(SQL).bind(user.0).fetch_all(&mut **c).await)?)
}

/// The level in force for the member in a topic (`NotificationLevel::in_force`).
pub async fn topic_level(
    tx: &mut Tx,
    user: UserId,
    topic: TopicId,
    category: CategoryId,
) -> Result<NotificationLevel> {
    const SQL: &str = "SELECT \
        (SELECT notification_level FROM topic_users WHERE user_id = $1 AND topic_id = $2 \
           AND notifications_reason_id IS NOT NULL), \
        (SELECT notification_level FROM category_users WHERE user_id = $1 AND category_id = $3)";
    let (topic_level, category_level) = run!(tx, c => sqlx::query_as(SQL)
        .bind(user.0)
        .bind(topic.0)
        .bind(category.0)
        .fetch_one(&mut **c)
        .await)?;
    Ok(NotificationLevel::in_force(topic_level, category_level))
}

/// Everyone watching the topic (chosen for the topic, or through its category without a
/// topic choice), in id order.
pub async fn watchers(tx: &mut Tx, topic: TopicId, category: CategoryId) -> Result<Vec<UserId>> {
    Ok(
        run!(tx, c => sqlx::query_scalar(WATCHERS).bind(topic.0).bind(category.0).fetch_all(&mut **c).await)?,
    )
}

/// [`watchers`]' statement (its plan is checked in `tests/plans.rs`); the topic's watchers
/// come off the partial index `topic_users_watching`.
pub(crate) const WATCHERS: &str = "SELECT user_id FROM topic_users WHERE topic_id = $1 \
            AND notifications_reason_id IS NOT NULL AND notification_level = 3 \
        UNION \
        SELECT cu.user_id FROM category_users cu \
            LEFT JOIN topic_users tu ON tu.user_id = cu.user_id AND tu.topic_id = $1 \
            WHERE cu.category_id = $2 AND cu.notification_level = 3 \
            AND tu.notifications_reason_id IS NULL \
        ORDER BY 1";
