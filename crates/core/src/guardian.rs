//! Who may do what — the one place permissions are decided. Every use case in `app` asks the
//! Guardian before it writes; handlers never check permissions themselves.

use crate::{Error, Result, UserId};

/// Who is acting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    Anonymous,
    Member { id: UserId, admin: bool },
}

impl Actor {
    pub fn user_id(&self) -> Option<UserId> {
        match self {
            Actor::Anonymous => None,
            Actor::Member { id, .. } => Some(*id),
        }
    }

    pub fn is_admin(&self) -> bool {
        matches!(self, Actor::Member { admin: true, .. })
    }
}

/// What the Guardian needs to know about a post.
#[derive(Debug, Clone, Copy)]
pub struct PostFacts {
    pub author: UserId,
    pub deleted: bool,
    pub topic_deleted: bool,
    pub topic_closed: bool,
}

/// Answers "may this actor do that?" with `Ok(())` or the reason why not.
#[derive(Debug, Clone, Copy)]
pub struct Guardian {
    actor: Actor,
}

impl Guardian {
    pub fn new(actor: Actor) -> Self {
        Self { actor }
    }

    pub fn actor(&self) -> Actor {
        self.actor
    }

    fn member(&self) -> Result<(UserId, bool)> {
        match self.actor {
            Actor::Anonymous => Err(Error::NotLoggedIn),
            Actor::Member { id, admin } => Ok((id, admin)),
        }
    }

    /// Deleted posts and topics: only admins see them (and may restore them).
    pub fn can_see_deleted(&self) -> bool {
        self.actor.is_admin()
    }

    pub fn can_create_topic(&self) -> Result<()> {
        self.member().map(|_| ())
    }

    /// Ok for admins; members are refused with `why`, visitors asked to log in.
    fn admin_only(&self, why: &'static str) -> Result<()> {
        let (_, admin) = self.member()?;
        if admin {
            Ok(())
        } else {
            Err(Error::Forbidden(why))
        }
    }

    pub fn can_create_category(&self) -> Result<()> {
        self.admin_only("only admins can create categories")
    }

    pub fn can_edit_category(&self) -> Result<()> {
        self.admin_only("only admins can edit categories")
    }

    /// Replying needs a live, open topic (admins may reply to closed ones).
    pub fn can_reply(&self, topic_deleted: bool, topic_closed: bool) -> Result<()> {
        let (_, admin) = self.member()?;
        if topic_deleted {
            return Err(Error::NotFound("topic"));
        }
        if topic_closed && !admin {
            return Err(Error::Forbidden("this topic is closed to new replies"));
        }
        Ok(())
    }

    pub fn can_edit_post(&self, post: PostFacts) -> Result<()> {
        let (id, admin) = self.member()?;
        if (post.deleted || post.topic_deleted) && !admin {
            return Err(Error::NotFound("post"));
        }
        if post.deleted {
            return Err(Error::Forbidden("restore the post before editing it"));
        }
        if admin || id == post.author {
            Ok(())
        } else {
            Err(Error::Forbidden("you can only edit your own posts"))
        }
    }

    pub fn can_delete_post(&self, post: PostFacts) -> Result<()> {
        let (id, admin) = self.member()?;
        if (post.deleted || post.topic_deleted) && !admin {
            return Err(Error::NotFound("post"));
        }
        if post.deleted {
            return Err(Error::Forbidden("this post is already deleted"));
        }
        if admin || id == post.author {
            Ok(())
        } else {
            Err(Error::Forbidden("you can only delete your own posts"))
        }
    }

    pub fn can_restore_post(&self, post: PostFacts) -> Result<()> {
        let (_, admin) = self.member()?;
        if !admin {
            return Err(if post.deleted {
                Error::NotFound("post")
            } else {
                Error::Forbidden("only admins can restore posts")
            });
        }
        if !post.deleted && !post.topic_deleted {
            return Err(Error::Forbidden("this post is not deleted"));
        }
        Ok(())
    }

    pub fn can_like(&self, post: PostFacts) -> Result<()> {
        let (id, _) = self.member()?;
        if post.deleted || post.topic_deleted {
            return Err(Error::NotFound("post"));
        }
        if id == post.author {
            return Err(Error::Forbidden("you cannot like your own post"));
        }
        Ok(())
    }

    /// May the actor see a category and what is in it? Read-restricted categories are for
    /// staff (admins) only.
    pub fn can_see_category(&self, read_restricted: bool) -> bool {
        !read_restricted || self.actor.is_admin()
    }

    /// May the actor read a post with these facts?
    pub fn can_see_post(&self, post: PostFacts) -> bool {
        !(post.deleted || post.topic_deleted) || self.can_see_deleted()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(author: i64) -> PostFacts {
        PostFacts {
            author: UserId(author),
            deleted: false,
            topic_deleted: false,
            topic_closed: false,
        }
    }

    #[test]
    fn matrix() {
        let anon = Guardian::new(Actor::Anonymous);
        let anna = Guardian::new(Actor::Member {
            id: UserId(1),
            admin: false,
        });
        let boris = Guardian::new(Actor::Member {
            id: UserId(2),
            admin: false,
        });
        let admin = Guardian::new(Actor::Member {
            id: UserId(3),
            admin: true,
        });
        assert_eq!(anon.can_create_topic(), Err(Error::NotLoggedIn));
        assert!(anna.can_create_topic().is_ok());
        assert!(anna.can_edit_post(post(1)).is_ok());
        assert!(boris.can_edit_post(post(1)).is_err());
        assert!(admin.can_edit_post(post(1)).is_ok());
        assert!(anna.can_like(post(1)).is_err());
        assert!(boris.can_like(post(1)).is_ok());
        assert_eq!(anon.can_like(post(1)), Err(Error::NotLoggedIn));
        let deleted = PostFacts {
            deleted: true,
            ..post(1)
        };
        assert!(anna.can_restore_post(deleted).is_err());
        assert!(admin.can_restore_post(deleted).is_ok());
        assert!(!boris.can_see_post(deleted));
        assert!(admin.can_see_post(deleted));
        assert!(boris.can_reply(false, true).is_err());
        assert!(admin.can_reply(false, true).is_ok());
        assert!(anna.can_create_category().is_err());
        assert!(admin.can_create_category().is_ok());
        assert!(anna.can_edit_category().is_err());
        assert!(anon.can_edit_category().is_err());
        assert!(admin.can_edit_category().is_ok());
    }
}
