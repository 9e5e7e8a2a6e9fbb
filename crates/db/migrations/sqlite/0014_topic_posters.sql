-- Who a topic list shows beside a title (issue 14): Discourse's featured users, the three
-- members who posted most in a topic other than its creator and its last poster, kept at
-- write time by `topics::recount` so a list reads them with the row and never counts posts.
ALTER TABLE topics ADD COLUMN featured_user1_id INTEGER REFERENCES users (id);
ALTER TABLE topics ADD COLUMN featured_user2_id INTEGER REFERENCES users (id);
ALTER TABLE topics ADD COLUMN featured_user3_id INTEGER REFERENCES users (id);

-- The topics written so far, ranked as recount ranks them: most posts, then earliest post.
UPDATE topics SET
    featured_user1_id = (SELECT p.user_id FROM posts p WHERE p.topic_id = topics.id
        AND p.deleted_at IS NULL AND p.user_id <> topics.user_id
        AND p.user_id <> topics.last_post_user_id
        GROUP BY p.user_id ORDER BY COUNT(*) DESC, MIN(p.post_number) LIMIT 1 OFFSET 0),
    featured_user2_id = (SELECT p.user_id FROM posts p WHERE p.topic_id = topics.id
        AND p.deleted_at IS NULL AND p.user_id <> topics.user_id
        AND p.user_id <> topics.last_post_user_id
        GROUP BY p.user_id ORDER BY COUNT(*) DESC, MIN(p.post_number) LIMIT 1 OFFSET 1),
    featured_user3_id = (SELECT p.user_id FROM posts p WHERE p.topic_id = topics.id
        AND p.deleted_at IS NULL AND p.user_id <> topics.user_id
        AND p.user_id <> topics.last_post_user_id
        GROUP BY p.user_id ORDER BY COUNT(*) DESC, MIN(p.post_number) LIMIT 1 OFFSET 2);

-- /new and /top choose topics by when they were created.
CREATE INDEX topics_created_at ON topics (created_at);
