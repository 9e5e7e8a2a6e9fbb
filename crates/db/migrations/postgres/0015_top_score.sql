-- /top orders topics by likes and replies together. Sorting every topic on each request was
-- 200 ms on 50,000 topics; a generated column with an index in the list's order lets the list
-- read its first page off the index. (SQLite adds generated columns as VIRTUAL only; its index
-- stores the value.)
ALTER TABLE topics ADD COLUMN top_score BIGINT GENERATED ALWAYS AS (like_count + reply_count) STORED;
CREATE INDEX topics_top ON topics (top_score, views, bumped_at, id);
