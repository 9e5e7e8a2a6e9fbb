-- Replies to a post are counted on every reply, delete and restore (posts.reply_count), and
-- "in reply to" links are resolved by (topic, post number). Without this index each count
-- scanned the whole topic: quadratic over a long thread (seen in the long crash test).
CREATE INDEX posts_topic_id_reply_to_post_number ON posts (topic_id, reply_to_post_number);
