//! Members.

use stoa_core::{CategoryId, NotificationLevel, UserId};

use crate::{Result, Timestamp, Tx, exec, run};

/// A member as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    pub id: UserId,
    pub username: String,
    pub name: String,
    pub email: String,
    pub password_hash: String,
    pub admin: bool,
    pub created_at: Timestamp,
    pub last_seen_at: Option<Timestamp>,
    pub email_verified_at: Option<Timestamp>,
    pub email_notifications: bool,
    pub unsubscribe_key: String,
}

/// The columns of [`UserRow`], for `SELECT {USER_COLUMNS} FROM users u`.
pub const USER_COLUMNS: &str = "u.id, u.username, u.name, u.email, u.password_hash, u.admin, \
    u.created_at, u.last_seen_at, u.email_verified_at, u.email_notifications, u.unsubscribe_key";

/// A member about to be stored; fields already validated by `core`.
#[derive(Debug)]
pub struct NewUser<'a> {
    pub username: &'a str,
    pub name: &'a str,
    pub email: &'a str,
    pub password_hash: &'a str,
    pub admin: bool,
    pub created_at: Timestamp,
    /// Set when the address is known to be theirs (created by an admin, say).
    pub email_verified_at: Option<Timestamp>,
    /// The secret for one-click unsubscribe links.
    pub unsubscribe_key: &'a str,
}

pub async fn insert(tx: &mut Tx, user: &NewUser<'_>) -> Result<UserId> {
    const SQL: &str = "INSERT INTO users (username, username_lower, name, email, email_lower, \
                       password_hash, admin, created_at, email_verified_at, unsubscribe_key) \
                       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id";
    let id: i64 = run!(tx, c => sqlx::query_scalar(SQL)
        .bind(user.username)
        .bind(user.username.to_ascii_lowercase())
        .bind(user.name)
        .bind(user.email)
        .bind(user.email.to_lowercase())
        .bind(user.password_hash)
        .bind(user.admin)
        .bind(user.created_at)
        .bind(user.email_verified_at)
        .bind(user.unsubscribe_key)
        .fetch_one(&mut **c)
        .await)?;
    Ok(UserId(id))
}

pub async fn find(tx: &mut Tx, id: UserId) -> Result<Option<UserRow>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1");
    Ok(run!(tx, c => sqlx::query_as(&sql).bind(id.0).fetch_optional(&mut **c).await)?)
}

/// A member about to post in a category, in one statement: their row, their level for the
/// category (the level posting gives them depends on it), and the category's name (their
/// post's search row holds it).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PosterRow {
    #[sqlx(flatten)]
    pub user: UserRow,
    pub category_level: Option<NotificationLevel>,
    pub category_name: Option<String>,
}

pub async fn find_poster(
    tx: &mut Tx,
    id: UserId,
    category: CategoryId,
) -> Result<Option<PosterRow>> {
    let sql = format!(
        "SELECT {USER_COLUMNS}, (SELECT cu.notification_level FROM category_users cu \
         WHERE cu.user_id = u.id AND cu.category_id = $2) AS category_level, \
         (SELECT c.name FROM categories c WHERE c.id = $2) AS category_name \
         FROM users u WHERE u.id = $1"
    );
    Ok(
        run!(tx, c => sqlx::query_as(&sql).bind(id.0).bind(category.0).fetch_optional(&mut **c).await)?,
    )
}

pub async fn find_by_username(tx: &mut Tx, username: &str) -> Result<Option<UserRow>> {
    if username.contains('\0') {
        return Ok(None); // no name holds one, and PostgreSQL refuses it as a parameter
    }
    let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.username_lower = $1");
    let lower = username.to_ascii_lowercase();
    Ok(run!(tx, c => sqlx::query_as(&sql).bind(&lower).fetch_optional(&mut **c).await)?)
}

/// Finds a member by username or by email, as the login form accepts either.
pub async fn find_by_login(tx: &mut Tx, login: &str) -> Result<Option<UserRow>> {
    let sql = format!(
        "SELECT {USER_COLUMNS} FROM users u WHERE u.username_lower = $1 OR u.email_lower = $2"
    );
    let login = login.trim();
    if login.contains('\0') {
        return Ok(None);
    }
    Ok(run!(tx, c => sqlx::query_as(&sql)
        .bind(login.to_ascii_lowercase())
        .bind(login.to_lowercase())
        .fetch_optional(&mut **c)
        .await)?)
}

pub async fn set_password_hash(tx: &mut Tx, id: UserId, hash: &str) -> Result<bool> {
    const SQL: &str = "UPDATE users SET password_hash = $1 WHERE id = $2";
    let done = exec!(tx, c => sqlx::query(SQL).bind(hash).bind(id.0).execute(&mut **c).await)?;
    Ok(done == 1)
}

pub async fn touch_last_seen(tx: &mut Tx, id: UserId, at: Timestamp) -> Result<()> {
    const SQL: &str = "UPDATE users SET last_seen_at = $1 WHERE id = $2";
    exec!(tx, c => sqlx::query(SQL).bind(at).bind(id.0).execute(&mut **c).await)?;
    Ok(())
}

/// Marks the member's address as theirs (a link sent to it was followed).
pub async fn set_email_verified(tx: &mut Tx, id: UserId, at: Timestamp) -> Result<()> {
    const SQL: &str =
        "UPDATE users SET email_verified_at = $1 WHERE id = $2 AND email_verified_at IS NULL";
    exec!(tx, c => sqlx::query(SQL).bind(at).bind(id.0).execute(&mut **c).await)?;
    Ok(())
}

/// Turns notification emails on or off.
pub async fn set_email_notifications(tx: &mut Tx, id: UserId, on: bool) -> Result<()> {
    const SQL: &str = "UPDATE users SET email_notifications = $1 WHERE id = $2";
    exec!(tx, c => sqlx::query(SQL).bind(on).bind(id.0).execute(&mut **c).await)?;
    Ok(())
}

/// The member whose unsubscribe links carry this key.
pub async fn find_by_unsubscribe_key(tx: &mut Tx, key: &str) -> Result<Option<UserRow>> {
    if key.contains('\0') {
        return Ok(None);
    }
    let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.unsubscribe_key = $1");
    Ok(run!(tx, c => sqlx::query_as(&sql).bind(key).fetch_optional(&mut **c).await)?)
}

/// Members whose usernames start with `prefix` (lower case), for @mention completion:
/// an exact match first, then those who posted most recently.
/// A member suggested by name (mention completion, search).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct NameMatch {
    pub id: UserId,
    pub username: String,
    pub name: String,
}

pub async fn complete(tx: &mut Tx, prefix: &str, limit: i64) -> Result<Vec<NameMatch>> {
    const SQL: &str = "SELECT id, username, name FROM users \
        WHERE username_lower LIKE $1 ESCAPE '\\' \
        ORDER BY CASE WHEN username_lower = $2 THEN 0 ELSE 1 END, \
        (SELECT MAX(created_at) FROM posts WHERE posts.user_id = users.id) DESC NULLS LAST, \
        username_lower \
        LIMIT $3";
    let pattern = format!(
        "{}%",
        prefix
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    Ok(
        run!(tx, c => sqlx::query_as(SQL).bind(&pattern).bind(prefix).bind(limit).fetch_all(&mut **c).await)?,
    )
}

/// Which of these lower-cased usernames exist (for linking mentions).
pub async fn existing_usernames(tx: &mut Tx, lower_names: &[String]) -> Result<Vec<String>> {
    // One short query per name keeps the SQL static and portable; posts carry few mentions.
    const SQL: &str = "SELECT username_lower FROM users WHERE username_lower = $1";
    let mut found = Vec::new();
    for name in lower_names.iter().take(50) {
        let hit: Option<String> =
            run!(tx, c => sqlx::query_scalar(SQL).bind(name).fetch_optional(&mut **c).await)?;
        found.extend(hit);
    }
    Ok(found)
}

/// A member's public counts.
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct UserStats {
    pub topic_count: i64,
    pub post_count: i64,
    pub likes_received: i64,
    pub likes_given: i64,
}

/// Moves a member's counters of live topics and posts by the difference a write made
/// (negative numbers lower them).
pub async fn add_counts(tx: &mut Tx, id: UserId, topics: i64, posts: i64) -> Result<()> {
    const SQL: &str = "UPDATE users SET topic_count = topic_count + $1, \
        post_count = post_count + $2 WHERE id = $3";
    exec!(tx, c => sqlx::query(SQL).bind(topics).bind(posts).bind(id.0).execute(&mut **c).await)?;
    Ok(())
}

/// A member's public counts, as a viewer may see them: `include_restricted` counts what is in
/// staff-only categories and deleted topics too (for staff); otherwise only what everyone can
/// read counts.
pub async fn stats(tx: &mut Tx, id: UserId, include_restricted: bool) -> Result<UserStats> {
    const ALL: &str = "SELECT \
        topic_count, post_count, \
        (SELECT COUNT(*) FROM post_actions a JOIN posts p ON p.id = a.post_id \
           WHERE p.user_id = $1 AND a.post_action_type_id = 2) AS likes_received, \
        (SELECT COUNT(*) FROM post_actions WHERE user_id = $1 AND post_action_type_id = 2) \
           AS likes_given FROM users WHERE id = $1";
    const PUBLIC: &str = "SELECT \
        (SELECT COUNT(*) FROM topics t JOIN categories c ON c.id = t.category_id \
           WHERE t.user_id = $1 AND t.deleted_at IS NULL AND c.read_restricted = FALSE) \
           AS topic_count, \
        (SELECT COUNT(*) FROM posts p JOIN topics t ON t.id = p.topic_id \
           JOIN categories c ON c.id = t.category_id \
           WHERE p.user_id = $1 AND p.deleted_at IS NULL AND t.deleted_at IS NULL \
           AND c.read_restricted = FALSE) AS post_count, \
        (SELECT COUNT(*) FROM post_actions a JOIN posts p ON p.id = a.post_id \
           JOIN topics t ON t.id = p.topic_id JOIN categories c ON c.id = t.category_id \
           WHERE p.user_id = $1 AND a.post_action_type_id = 2 AND p.deleted_at IS NULL \
           AND t.deleted_at IS NULL AND c.read_restricted = FALSE) AS likes_received, \
        (SELECT COUNT(*) FROM post_actions a JOIN posts p ON p.id = a.post_id \
           JOIN topics t ON t.id = p.topic_id JOIN categories c ON c.id = t.category_id \
           WHERE a.user_id = $1 AND a.post_action_type_id = 2 AND p.deleted_at IS NULL \
           AND t.deleted_at IS NULL AND c.read_restricted = FALSE) AS likes_given";
    let sql = if include_restricted { ALL } else { PUBLIC };
    Ok(run!(tx, c => sqlx::query_as(sql).bind(id.0).fetch_one(&mut **c).await)?)
}
