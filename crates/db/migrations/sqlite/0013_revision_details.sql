-- What an edit said of itself and what else it changed (issue 14): the editor's reason, and
-- the title and category the edit replaced (NULL when it left them as they were). An edit of
-- the title or category alone is a revision too, as on Discourse.
ALTER TABLE post_revisions ADD COLUMN edit_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE post_revisions ADD COLUMN old_title TEXT;
ALTER TABLE post_revisions ADD COLUMN old_category_id INTEGER REFERENCES categories (id);
