//! Categories.

use stoa_core::CategoryId;

use crate::{Result, Timestamp, Tx, exec, run};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CategoryRow {
    pub id: CategoryId,
    pub name: String,
    pub slug: String,
    pub description: String,
    pub position: i64,
    pub parent_id: Option<CategoryId>,
    pub topic_count: i64,
    pub post_count: i64,
    /// Only staff (admins) see this category and its topics.
    pub read_restricted: bool,
    /// Badge colour and its text's, six hex digits without `#`.
    pub color: String,
    pub text_color: String,
}

#[derive(Debug)]
pub struct NewCategory<'a> {
    pub name: &'a str,
    pub slug: &'a str,
    pub description: &'a str,
    pub position: i64,
    pub parent_id: Option<CategoryId>,
    pub read_restricted: bool,
    pub color: &'a str,
    pub text_color: &'a str,
    pub created_at: Timestamp,
}

pub async fn insert(tx: &mut Tx, cat: &NewCategory<'_>) -> Result<CategoryId> {
    const SQL: &str = "INSERT INTO categories (name, slug, description, position, parent_id, \
                       created_at, read_restricted, color, text_color) \
                       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id";
    let id: i64 = run!(tx, c => sqlx::query_scalar(SQL)
        .bind(cat.name)
        .bind(cat.slug)
        .bind(cat.description)
        .bind(cat.position)
        .bind(cat.parent_id.map(|p| p.0))
        .bind(cat.created_at)
        .bind(cat.read_restricted)
        .bind(cat.color)
        .bind(cat.text_color)
        .fetch_one(&mut **c)
        .await)?;
    Ok(CategoryId(id))
}

/// A category's editable fields.
#[derive(Debug)]
pub struct CategoryChange<'a> {
    pub name: &'a str,
    pub slug: &'a str,
    pub description: &'a str,
    pub read_restricted: bool,
    pub color: &'a str,
    pub text_color: &'a str,
}

/// Renames a category (and its slug) and sets its description, visibility and colours.
pub async fn update(tx: &mut Tx, id: CategoryId, change: &CategoryChange<'_>) -> Result<()> {
    const SQL: &str = "UPDATE categories SET name = $1, slug = $2, description = $3, \
                       read_restricted = $4, color = $5, text_color = $6 WHERE id = $7";
    exec!(tx, c => sqlx::query(SQL)
        .bind(change.name)
        .bind(change.slug)
        .bind(change.description)
        .bind(change.read_restricted)
        .bind(change.color)
        .bind(change.text_color)
        .bind(id.0)
        .execute(&mut **c)
        .await)?;
    Ok(())
}

/// Makes every subcategory of `id` staff-only (when `id` becomes so).
pub async fn restrict_children(tx: &mut Tx, id: CategoryId) -> Result<()> {
    const SQL: &str = "UPDATE categories SET read_restricted = TRUE WHERE parent_id = $1";
    exec!(tx, c => sqlx::query(SQL).bind(id.0).execute(&mut **c).await)?;
    Ok(())
}

pub async fn find(tx: &mut Tx, id: CategoryId) -> Result<Option<CategoryRow>> {
    const SQL: &str = "SELECT id, name, slug, description, position, parent_id, topic_count, \
                       post_count, read_restricted, color, text_color FROM categories WHERE id = $1";
    Ok(run!(tx, c => sqlx::query_as(SQL).bind(id.0).fetch_optional(&mut **c).await)?)
}

/// All categories, in their display order.
pub async fn list(tx: &mut Tx) -> Result<Vec<CategoryRow>> {
    const SQL: &str = "SELECT id, name, slug, description, position, parent_id, topic_count, \
                       post_count, read_restricted, color, text_color FROM categories ORDER BY position, id";
    Ok(run!(tx, c => sqlx::query_as(SQL).fetch_all(&mut **c).await)?)
}

/// The next free position at the end of the list.
pub async fn next_position(tx: &mut Tx) -> Result<i64> {
    const SQL: &str = "SELECT COALESCE(MAX(position), -1) + 1 FROM categories";
    Ok(run!(tx, c => sqlx::query_scalar(SQL).fetch_one(&mut **c).await)?)
}

/// Moves a category's counters of live topics and posts by the difference a write made
/// (negative numbers lower them); nothing is recounted, so the cost does not grow with the
/// category.
pub async fn add_counts(tx: &mut Tx, id: CategoryId, topics: i64, posts: i64) -> Result<()> {
    const SQL: &str = "UPDATE categories SET topic_count = topic_count + $1, \
        post_count = post_count + $2 WHERE id = $3";
    exec!(tx, c => sqlx::query(SQL).bind(topics).bind(posts).bind(id.0).execute(&mut **c).await)?;
    Ok(())
}
