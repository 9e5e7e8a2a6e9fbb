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
#[derive(Debug, Clone, Copy, Default)]
pub struct PostFacts {
    pub author: UserId,
    pub deleted: bool,
    pub topic_deleted: bool,
    pub topic_closed: bool,
    /// A topic's first post whose author withdrew it (its text replaced by a notice).
    pub withdrawn: bool,
}

/// What deleting a topic's first post does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirstPostDeletion {
    /// The topic goes, with every reply (softly: an admin can restore it).
    DeleteTopic,
    /// The topic stays for the others who wrote in it; the first post's text is replaced by
    /// a notice (its author or an admin can restore it).
    Withdraw,
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

    /// A member's profile is theirs to edit, and the admins'.
    pub fn can_edit_profile(&self, owner: UserId) -> Result<()> {
        let (me, admin) = self.member()?;
        if me == owner || admin {
            Ok(())
        } else {
            Err(Error::Forbidden(
                "only its owner and admins can edit a profile",
            ))
        }
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
        if post.deleted || post.withdrawn {
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
        if post.withdrawn && !admin {
            return Err(Error::Forbidden("this topic is already withdrawn"));
        }
        if admin || id == post.author {
            Ok(())
        } else {
            Err(Error::Forbidden("you can only delete your own posts"))
        }
    }

    /// What deleting a topic's first post does, after Discourse: a member may delete their
    /// topic only while nobody else has replied to it; once others have, the author can only
    /// withdraw what they wrote, and the others' replies stay. Admins delete the topic.
    pub fn first_post_deletion(
        &self,
        post: PostFacts,
        replies_from_others: bool,
    ) -> Result<FirstPostDeletion> {
        self.can_delete_post(post)?;
        if self.actor.is_admin() || !replies_from_others {
            Ok(FirstPostDeletion::DeleteTopic)
        } else {
            Ok(FirstPostDeletion::Withdraw)
        }
    }

    pub fn can_restore_post(&self, post: PostFacts) -> Result<()> {
        let (id, admin) = self.member()?;
        if post.withdrawn && !post.deleted && !post.topic_deleted {
            // A withdrawal is the author's to take back (or an admin's).
            return if admin || id == post.author {
                Ok(())
            } else {
                Err(Error::Forbidden(
                    "only its author can restore a withdrawn post",
                ))
            };
        }
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

    /// May the actor read a post's earlier versions? Everyone who can read it, except that a
    /// withdrawn post's text is only its author's and the admins' to see.
    pub fn can_see_revisions(&self, post: PostFacts) -> Result<()> {
        if !post.withdrawn {
            return Ok(());
        }
        match self.actor {
            Actor::Member { id, admin } if admin || id == post.author => Ok(()),
            _ => Err(Error::NotFound("revisions")),
        }
    }

    /// May the actor read a post with these facts?
    pub fn can_see_post(&self, post: PostFacts) -> bool {
        !(post.deleted || post.topic_deleted) || self.can_see_deleted()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(id: i64, admin: bool) -> Guardian {
        Guardian::new(Actor::Member {
            id: UserId(id),
            admin,
        })
    }

    fn post(author: i64) -> PostFacts {
        PostFacts {
            author: UserId(author),
            ..PostFacts::default()
        }
    }

    #[test]
    fn matrix() {
        let anon = Guardian::new(Actor::Anonymous);
        let anna = member(1, false);
        let boris = member(2, false);
        let admin = member(3, true);
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
        assert!(anna.can_edit_profile(UserId(1)).is_ok());
        assert!(boris.can_edit_profile(UserId(1)).is_err());
        assert!(admin.can_edit_profile(UserId(1)).is_ok());
        assert_eq!(anon.can_edit_profile(UserId(1)), Err(Error::NotLoggedIn));
    }

    #[test]
    fn first_posts_are_withdrawn_once_others_have_replied() {
        let anna = member(1, false);
        let boris = member(2, false);
        let admin = member(3, true);
        let first = post(1);
        assert_eq!(
            anna.first_post_deletion(first, false),
            Ok(FirstPostDeletion::DeleteTopic)
        );
        assert_eq!(
            anna.first_post_deletion(first, true),
            Ok(FirstPostDeletion::Withdraw)
        );
        assert_eq!(
            admin.first_post_deletion(first, true),
            Ok(FirstPostDeletion::DeleteTopic)
        );
        assert!(boris.first_post_deletion(first, true).is_err());
        let withdrawn = PostFacts {
            withdrawn: true,
            ..first
        };
        assert!(anna.can_restore_post(withdrawn).is_ok());
        assert!(anna.can_see_revisions(withdrawn).is_ok());
        assert!(admin.can_see_revisions(withdrawn).is_ok());
        assert!(boris.can_see_revisions(withdrawn).is_err());
        assert!(boris.can_see_revisions(first).is_ok());
        assert!(admin.can_restore_post(withdrawn).is_ok());
        assert!(boris.can_restore_post(withdrawn).is_err());
        assert!(anna.can_edit_post(withdrawn).is_err());
        assert!(anna.first_post_deletion(withdrawn, true).is_err());
        assert_eq!(
            admin.first_post_deletion(withdrawn, true),
            Ok(FirstPostDeletion::DeleteTopic)
        );
    }
}
