-- Categories only staff (admins) can see, as Discourse's read_restricted: their topics, posts
-- and notifications are invisible to everyone else, and nobody else is notified from them.
ALTER TABLE categories ADD COLUMN read_restricted BOOLEAN NOT NULL DEFAULT FALSE;
