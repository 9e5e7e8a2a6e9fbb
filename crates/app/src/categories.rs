//! Categories: creating, editing and listing.

use stoa_core::slug::slugify;
use stoa_core::{
    Actor, CategoryId, CategoryName, Color, Description, Error, Guardian, NotificationLevel,
};
use stoa_db::categories::NewCategory;

use crate::visible::visible_category;
use crate::{Category, Forum, Part, Result, db, now};

/// What the new-category form sends.
#[derive(Debug, Clone, Default)]
pub struct CategoryForm {
    pub name: String,
    pub description: String,
    pub parent_id: Option<CategoryId>,
    /// Only staff (admins) may see it.
    pub read_restricted: bool,
    /// Badge colours (hex); None keeps Discourse's defaults, 0088CC on FFFFFF.
    pub color: Option<String>,
    pub text_color: Option<String>,
}

impl Forum {
    pub async fn create_category(&self, actor: Actor, form: &CategoryForm) -> Result<CategoryId> {
        Guardian::new(actor).can_create_category()?;
        let name = CategoryName::parse(&form.name)?;
        let description = Description::parse(&form.description)?;
        let color = Color::parse("color", form.color.as_deref().unwrap_or("0088CC"))?;
        let text_color =
            Color::parse("text_color", form.text_color.as_deref().unwrap_or("FFFFFF"))?;
        let mut tx = self.db.write().await?;
        // A subcategory of a staff-only category is staff-only too.
        let mut read_restricted = form.read_restricted;
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
            read_restricted |= parent.read_restricted;
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
                read_restricted,
                color: color.as_str(),
                text_color: text_color.as_str(),
                created_at: now(),
            },
        )
        .await?;
        tx.commit().await?;
        // Every page lists the categories.
        self.changed(&[Part::Site]);
        Ok(id)
    }

    /// Renames a category and sets its description and visibility (its place stays); the
    /// search index follows the new name in the same transaction.
    pub async fn update_category(
        &self,
        actor: Actor,
        id: CategoryId,
        form: &CategoryForm,
    ) -> Result<Category> {
        Guardian::new(actor).can_edit_category()?;
        let name = CategoryName::parse(&form.name)?;
        let description = Description::parse(&form.description)?;
        let mut tx = self.db.write().await?;
        let old = db::categories::find(&mut tx, id)
            .await?
            .ok_or(Error::NotFound("category"))?;
        let color = Color::parse("color", form.color.as_deref().unwrap_or(&old.color))?;
        let text_color = Color::parse(
            "text_color",
            form.text_color.as_deref().unwrap_or(&old.text_color),
        )?;
        let slug = slugify(name.as_str());
        // Staff-only reaches down: a subcategory of a staff-only category stays staff-only,
        // and making a category staff-only makes its subcategories so in the same step.
        let parent_restricted = match old.parent_id {
            Some(parent) => db::categories::find(&mut tx, parent)
                .await?
                .is_some_and(|p| p.read_restricted),
            None => false,
        };
        let read_restricted = form.read_restricted || parent_restricted;
        db::categories::update(
            &mut tx,
            id,
            &db::categories::CategoryChange {
                name: name.as_str(),
                slug: &slug,
                description: description.as_str(),
                read_restricted,
                color: color.as_str(),
                text_color: text_color.as_str(),
            },
        )
        .await?;
        if read_restricted {
            db::categories::restrict_children(&mut tx, id).await?;
        }
        if old.name != name.as_str() {
            db::search::set_category_name(&mut tx, id, name.as_str()).await?;
        }
        let updated = db::categories::find(&mut tx, id)
            .await?
            .ok_or(Error::NotFound("category"))?;
        tx.commit().await?;
        // Its name, colours and visibility show on every page that names it.
        self.changed(&[Part::Site]);
        Ok(updated.into())
    }

    /// Every category the actor may see, in display order.
    pub async fn categories(&self, actor: Actor) -> Result<Vec<Category>> {
        let guardian = Guardian::new(actor);
        let mut tx = self.db.read().await?;
        Ok(db::categories::list(&mut tx)
            .await?
            .into_iter()
            .filter(|c| guardian.can_see_category(c.read_restricted))
            .map(Into::into)
            .collect())
    }

    /// The member's chosen level for each category, by category id (none for visitors).
    pub async fn category_levels(
        &self,
        actor: Actor,
    ) -> Result<std::collections::HashMap<CategoryId, NotificationLevel>> {
        let Some(user) = actor.user_id() else {
            return Ok(Default::default());
        };
        let mut tx = self.db.read().await?;
        Ok(db::watching::category_levels(&mut tx, user)
            .await?
            .into_iter()
            .collect())
    }

    /// The category a Discourse slug path names, if the actor may see it: `slug` alone (a
    /// top-level category first, as slugs need not be unique), or `slug` under `parent`.
    pub async fn category_by_slug(
        &self,
        actor: Actor,
        parent: Option<&str>,
        slug: &str,
    ) -> Result<Category> {
        let all = self.categories(actor).await?;
        let slug_of = |id: CategoryId| all.iter().find(|c| c.id == id).map(|c| c.slug.as_str());
        let named = all.iter().filter(|c| c.slug == slug);
        let found = match parent {
            Some(parent) => named
                .filter(|c| c.parent_id.and_then(slug_of) == Some(parent))
                .min_by_key(|c| c.position),
            None => named.min_by_key(|c| (c.parent_id.is_some(), c.position)),
        };
        Ok(found.cloned().ok_or(Error::NotFound("category"))?)
    }

    /// A category, if the actor may see it.
    pub async fn category(&self, actor: Actor, id: CategoryId) -> Result<Category> {
        let mut tx = self.db.read().await?;
        Ok(visible_category(&mut tx, actor, id).await?.into())
    }

    /// A category for its edit form: one the actor may see (else "not found") and edit
    /// (else the Guardian's refusal).
    pub async fn category_for_edit(&self, actor: Actor, id: CategoryId) -> Result<Category> {
        let category = self.category(actor, id).await?;
        Guardian::new(actor).can_edit_category()?;
        Ok(category)
    }
}
