//! What the actor may do, as the pages' and the API's buttons need it: the Guardian's answers
//! gathered per thing, so `web` asks no Guardian. (A post's are [`crate::PostCan`].)

use stoa_core::{Actor, Guardian, UserId};

use crate::{Category, Forum};

/// What the actor may do across the site.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SiteCan {
    pub create_topic: bool,
    pub create_category: bool,
}

/// What the actor may do with a category.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CategoryCan {
    /// Start a topic in it.
    pub create_topic: bool,
    /// Rename it, describe it, make it staff-only.
    pub edit: bool,
}

/// What the actor may do with a member's profile.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProfileCan {
    pub edit: bool,
}

impl Forum {
    pub fn site_can(&self, actor: Actor) -> SiteCan {
        let guardian = Guardian::new(actor);
        SiteCan {
            create_topic: guardian.can_create_topic().is_ok(),
            create_category: guardian.can_create_category().is_ok(),
        }
    }

    /// The same for every category the actor may see, until categories have permissions
    /// of their own.
    pub fn category_can(&self, actor: Actor, _category: &Category) -> CategoryCan {
        let guardian = Guardian::new(actor);
        CategoryCan {
            create_topic: guardian.can_create_topic().is_ok(),
            edit: guardian.can_edit_category().is_ok(),
        }
    }

    pub fn profile_can(&self, actor: Actor, owner: UserId) -> ProfileCan {
        ProfileCan {
            edit: Guardian::new(actor).can_edit_profile(owner).is_ok(),
        }
    }
}
