-- A topic's first post withdrawn by its author once others had replied (issue 13): its text
-- is replaced by a notice (the old text is the latest revision) and the topic stays.
ALTER TABLE posts ADD COLUMN withdrawn_at TEXT;
