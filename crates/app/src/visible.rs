//! What the actor may see, decided in one place: every read and write that names a topic, a
//! post or a category loads it through here, so something hidden is "not found" alike for
//! pages, the API and writes (a hidden post cannot be liked, edited or deleted either).

use stoa_core::{Actor, CategoryId, Error, Guardian, PostId, TopicId};
use stoa_db::categories::CategoryRow;
use stoa_db::posts::PostRow;
use stoa_db::topics::TopicRow;
use stoa_db::{Tx, posts as db_posts, topics as db_topics};

use crate::{AppError, Result, db};

/// The topic, if it exists and the actor may see it.
pub(crate) async fn visible_topic(tx: &mut Tx, actor: Actor, id: TopicId) -> Result<TopicRow> {
    let topic = db_topics::find(tx, id)
        .await?
        .ok_or(Error::NotFound("topic"))?;
    let guardian = Guardian::new(actor);
    if (topic.deleted_at.is_some() && !guardian.can_see_deleted())
        || !guardian.can_see_category(topic.category_read_restricted)
    {
        return Err(Error::NotFound("topic").into());
    }
    Ok(topic)
}

/// The post and its topic, if both exist (deleted ones only for those who may see them).
pub(crate) async fn post_and_topic(
    tx: &mut Tx,
    actor: Actor,
    id: PostId,
) -> Result<(PostRow, TopicRow)> {
    let post = db_posts::find(tx, id)
        .await?
        .ok_or(Error::NotFound("post"))?;
    let topic = visible_topic(tx, actor, post.topic_id).await?;
    if post.deleted_at.is_some() && !Guardian::new(actor).can_see_deleted() {
        return Err(Error::NotFound("post").into());
    }
    Ok((post, topic))
}

/// The category, if it exists and the actor may see it (a hidden one is "not found").
pub(crate) async fn visible_category(
    tx: &mut Tx,
    actor: Actor,
    id: CategoryId,
) -> Result<CategoryRow> {
    let category = db::categories::find(tx, id)
        .await?
        .filter(|c| Guardian::new(actor).can_see_category(c.read_restricted))
        .ok_or(Error::NotFound("category"))?;
    Ok(category)
}

/// A category a form chose (to post in, or move a topic to): as [`visible_category`], but one
/// that is not there is the form's mistake, reported against its field.
pub(crate) async fn chosen_category(
    tx: &mut Tx,
    actor: Actor,
    id: CategoryId,
) -> Result<CategoryRow> {
    match visible_category(tx, actor, id).await {
        Err(AppError::Domain(Error::NotFound(_))) => {
            Err(Error::invalid("category", "That category does not exist").into())
        }
        other => other,
    }
}
