-- Category colours, as Discourse keeps them: six hex digits without '#', for the badge and its
-- text. API clients send them when creating a category and read them back.
ALTER TABLE categories ADD COLUMN color TEXT NOT NULL DEFAULT '0088CC';
ALTER TABLE categories ADD COLUMN text_color TEXT NOT NULL DEFAULT 'FFFFFF';
