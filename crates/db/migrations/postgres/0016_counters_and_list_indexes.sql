-- A post shows its author's post count, and the topic view shows twenty authors at once:
-- counting each author's posts from the rows read hundreds of rows per author on a big forum,
-- and grew with every post they wrote. The counts are kept on the member's row instead,
-- changed by the writes that change them (as topics and categories keep theirs), and
-- counted once here from the rows written before.
ALTER TABLE users ADD COLUMN post_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN topic_count BIGINT NOT NULL DEFAULT 0;
UPDATE users SET
    post_count = (SELECT COUNT(*) FROM posts p WHERE p.user_id = users.id AND p.deleted_at IS NULL),
    topic_count = (SELECT COUNT(*) FROM topics t WHERE t.user_id = users.id AND t.deleted_at IS NULL);

-- A member's topics (their profile, /topics/created-by/…) are listed newest activity first:
-- with the author and the order in one index the list reads its page off it instead of
-- sorting every topic the member started.
DROP INDEX topics_user_id;
CREATE INDEX topics_user_id_bumped_at ON topics (user_id, bumped_at);
