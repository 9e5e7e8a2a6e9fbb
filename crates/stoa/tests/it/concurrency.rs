//! Many members writing at once: every counter must still equal a recount from the rows, on
//! both backends.

use std::sync::Arc;

use crate::common::{Backend, fresh_config};
use stoa_app::{
    Actor, CategoryForm, CategoryId, EditForm, Forum, NewTopicForm, ReplyForm, SignupForm,
};

const MEMBERS: usize = 16;

async fn counters_stay_exact_under_concurrent_likes_and_replies(b: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let Some(config) = fresh_config(b, &dir, false).await else {
        return;
    };
    let forum = Arc::new(stoa::open(&config).await.unwrap());
    let first = stoa_app::demo::first_run(&forum, false)
        .await
        .unwrap()
        .unwrap();
    let _ = first;
    let mut members = Vec::new();
    for i in 0..MEMBERS {
        let form = SignupForm {
            username: format!("member{i}"),
            email: format!("m{i}@example.org"),
            password: "a long enough passphrase".into(),
            name: String::new(),
        };
        let id = forum.signup(&form, "127.0.0.1").await.unwrap();
        members.push(Actor::Member { id, admin: false });
    }
    let topic_form = |n: usize| NewTopicForm {
        archetype: None,
        title: format!("A busy topic, number {n}"),
        raw: "Everyone replies here at the same moment.".into(),
        category_id: Some(CategoryId(1)),
    };
    let first = forum
        .create_topic(members[0], &topic_form(1))
        .await
        .unwrap();
    let second = forum
        .create_topic(members[1], &topic_form(2))
        .await
        .unwrap();
    let (t1, p1) = (first.topic_id, first.post_id);
    let (t2, p2) = (second.topic_id, second.post_id);

    // Every member at once: likes both opening posts, replies to each topic (answering post 1),
    // starts a topic of their own, and unlikes one post again.
    let mut tasks = tokio::task::JoinSet::new();
    for (i, &m) in members.iter().enumerate() {
        let forum = forum.clone();
        tasks.spawn(async move {
            for (topic, post) in [(t1, p1), (t2, p2)] {
                if i > 1 {
                    forum.set_like(m, post, true).await.unwrap();
                }
                let reply = ReplyForm {
                    raw: format!("Member {i} answering at the same time as everyone."),
                    reply_to_post_number: Some(1),
                };
                let reply_id = forum.reply(m, topic, &reply).await.unwrap().post_id;
                if i % 3 == 0 {
                    forum.delete_post(m, reply_id).await.unwrap();
                }
            }
            let own = forum.create_topic(m, &topic_form(100 + i)).await.unwrap();
            if i > 1 && i % 2 == 0 {
                forum.set_like(m, p2, false).await.unwrap();
            }
            (i, own)
        });
    }
    let mut own_topics = Vec::new();
    while let Some(r) = tasks.join_next().await {
        own_topics.push(r.unwrap());
    }
    // Likes on replies, at once too.
    let mut tasks = tokio::task::JoinSet::new();
    for (i, &m) in members.iter().enumerate() {
        let forum = forum.clone();
        tasks.spawn(async move {
            for n in 2..=6 {
                let post = forum.post_by_number(Actor::Anonymous, t1, n).await;
                if let Ok(post) = post
                    && post.deleted_at.is_none()
                    && Some(post.user_id) != m.user_id()
                {
                    forum.set_like(m, post.id, true).await.unwrap();
                }
            }
            let _ = i;
        });
    }
    finish(tasks).await;
    assert_exact(&forum, b, "after likes and replies").await;
    let t = forum.topic(Actor::Anonymous, t1).await.unwrap();
    let deleted = MEMBERS.div_ceil(3) as i64;
    assert_eq!(t.highest_post_number, 1 + MEMBERS as i64);
    assert_eq!(t.posts_count, 1 + MEMBERS as i64 - deleted);
    let p = forum.post_by_number(Actor::Anonymous, t2, 1).await.unwrap();
    let unliked = (2..MEMBERS).filter(|i| i % 2 == 0).count() as i64;
    assert_eq!(p.like_count, MEMBERS as i64 - 2 - unliked);
    let c = forum
        .category(Actor::Anonymous, CategoryId(1))
        .await
        .unwrap();
    assert_eq!(c.topic_count, 2 + MEMBERS as i64);

    // Deletions, restorations and a move, at once with more replies: an admin restores the
    // replies deleted above and moves the second topic to another category; each member
    // deletes the topic they started, and every other one of those comes back.
    let Actor::Member { id: admin_id, .. } = members[0] else {
        unreachable!("members are members")
    };
    let admin = Actor::Member {
        id: admin_id,
        admin: true,
    };
    let elsewhere = forum
        .create_category(
            admin,
            &CategoryForm {
                name: "Elsewhere".into(),
                description: "Where a busy topic moves.".into(),
                parent_id: None,
                read_restricted: false,
                color: None,
                text_color: None,
            },
        )
        .await
        .unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for n in 2..=(1 + MEMBERS as i64) {
        let forum = forum.clone();
        tasks.spawn(async move {
            let post = forum.post_by_number(admin, t1, n).await.unwrap();
            if post.deleted_at.is_some() {
                forum.restore_post(admin, post.id).await.unwrap();
            }
        });
    }
    {
        let forum = forum.clone();
        tasks.spawn(async move {
            let edit = EditForm {
                raw: "Everyone replies here at the same moment.".into(),
                title: None,
                category_id: Some(elsewhere),
                edit_reason: String::new(),
            };
            forum.edit_post(admin, p2, &edit).await.unwrap();
        });
    }
    for (i, own) in own_topics {
        let forum = forum.clone();
        let m = members[i];
        tasks.spawn(async move {
            let reply = ReplyForm {
                raw: format!("Member {i} writing while the topics move."),
                reply_to_post_number: None,
            };
            forum.reply(m, t2, &reply).await.unwrap();
            forum.delete_post(m, own.post_id).await.unwrap();
            if i % 2 == 0 {
                forum.restore_post(admin, own.post_id).await.unwrap();
            }
        });
    }
    finish(tasks).await;
    assert_exact(&forum, b, "after deletions, restorations and a move").await;

    // Restoring what is not deleted changes nothing: a live reply in a deleted topic (an
    // admin may ask), twice, and a live reply in a live one. (An admin who did not start the
    // topic, so that deleting its opening post deletes it rather than withdrawing it.)
    let Actor::Member { id: other_id, .. } = members[1] else {
        unreachable!("members are members")
    };
    let admin = Actor::Member {
        id: other_id,
        admin: true,
    };
    let opening = forum.post_by_number(admin, t1, 1).await.unwrap();
    let reply = forum.post_by_number(admin, t1, 2).await.unwrap();
    assert!(reply.deleted_at.is_none());
    forum.delete_post(admin, opening.id).await.unwrap();
    for _ in 0..2 {
        let _ = forum.restore_post(admin, reply.id).await;
    }
    forum.restore_post(admin, opening.id).await.unwrap();
    let _ = forum.restore_post(admin, reply.id).await;
    assert_exact(&forum, b, "after restoring live posts").await;
    let t = forum.topic(Actor::Anonymous, t1).await.unwrap();
    assert_eq!(t.posts_count, 1 + MEMBERS as i64);
    let t = forum.topic(Actor::Anonymous, t2).await.unwrap();
    assert_eq!(t.category_id, elsewhere);
    let c = forum
        .category(Actor::Anonymous, CategoryId(1))
        .await
        .unwrap();
    assert_eq!(c.topic_count, 1 + MEMBERS.div_ceil(2) as i64);
}

/// Waits for every task; a task's panic fails the test.
async fn finish(mut tasks: tokio::task::JoinSet<()>) {
    while let Some(r) = tasks.join_next().await {
        r.unwrap();
    }
}

/// Every counter equals a recount from the rows.
async fn assert_exact(forum: &Forum, b: Backend, when: &str) {
    let mut tx = forum.db().read().await.unwrap();
    let drift = stoa_db::audit::counter_drift(&mut tx).await.unwrap();
    assert!(
        drift.is_empty(),
        "{b:?}, {when}: counters differ from a recount: {drift:?}"
    );
}

on_both_backends!(counters_stay_exact_under_concurrent_likes_and_replies);
