//! Categories: creating and listing.

use stoa_core::slug::slugify;
use stoa_core::{Actor, CategoryId, CategoryName, Description, Error, Guardian};
use stoa_db::categories::{CategoryRow, NewCategory};

use crate::{Forum, Result, db, now};

/// What the new-category form sends.
#[derive(Debug, Clone, Default)]
pub struct CategoryForm {
    pub name: String,
    pub description: String,
    pub parent_id: Option<CategoryId>,
}

impl Forum {
    pub async fn create_category(&self, actor: Actor, form: &CategoryForm) -> Result<CategoryId> {
        Guardian::new(actor).can_create_category()?;
        let name = CategoryName::parse(&form.name)?;
        let description = Description::parse(&form.description)?;
        let mut tx = self.db.write().await?;
        if let Some(parent) = form.parent_id {
            let parent = db::categories::find(&mut tx, parent)
                .await?
                .ok_or_else(|| {
                    Error::invalid("parent_id", "That parent category does not exist")
                })?;
            if parent.parent_id.is_some() {
                return Err(
                    Error::invalid("parent_id", "Categories nest only two levels deep").into(),
                );
            }
        }
        let position = db::categories::next_position(&mut tx).await?;
        let slug = slugify(name.as_str());
        let id = db::categories::insert(
            &mut tx,
            &NewCategory {
                name: name.as_str(),
                slug: &slug,
                description: description.as_str(),
                position,
                parent_id: form.parent_id,
                created_at: now(),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Every category, in display order.
    pub async fn categories(&self) -> Result<Vec<CategoryRow>> {
        let mut tx = self.db.read().await?;
        Ok(db::categories::list(&mut tx).await?)
    }

    pub async fn category(&self, id: CategoryId) -> Result<CategoryRow> {
        let mut tx = self.db.read().await?;
        Ok(db::categories::find(&mut tx, id)
            .await?
            .ok_or(Error::NotFound("category"))?)
    }
}
