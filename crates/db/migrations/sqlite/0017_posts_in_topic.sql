-- A topic list shows the three members who posted most in a topic (its featured posters).
-- Choosing them by grouping the topic's posts after every post grew with the topic (a
-- 400-post topic read 400 rows per reply). Each member's count of live posts in a topic is
-- kept on their topic_users row instead, moved by the writes that move it (a post arriving,
-- deleted, restored), with the number of their first post there for ties; the three are
-- read off an index in order. Counted once here from the posts written before.
ALTER TABLE topic_users ADD COLUMN post_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE topic_users ADD COLUMN first_post_number INTEGER;

INSERT INTO topic_users (user_id, topic_id, posted, post_count, first_post_number)
SELECT user_id, topic_id, TRUE, COUNT(*), MIN(post_number) FROM posts
WHERE deleted_at IS NULL GROUP BY user_id, topic_id
ON CONFLICT (user_id, topic_id) DO UPDATE SET posted = TRUE,
    post_count = excluded.post_count, first_post_number = excluded.first_post_number;

CREATE INDEX topic_users_posters ON topic_users (topic_id, post_count DESC, first_post_number)
    WHERE post_count > 0;

-- A new post notifies the topic's watchers: found by this index, not by reading the row of
-- every member who ever opened the topic.
CREATE INDEX topic_users_watching ON topic_users (topic_id, user_id)
    WHERE notification_level = 3 AND notifications_reason_id IS NOT NULL;

-- And its category's watchers, in member order (the two lists are merged in that order).
DROP INDEX category_users_category_id;
CREATE INDEX category_users_category_id ON category_users (category_id, notification_level, user_id);
