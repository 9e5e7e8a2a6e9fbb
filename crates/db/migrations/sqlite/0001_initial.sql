-- Stoa's first schema, after Discourse's shape (shared/reference/discourse.md §1).
-- Timestamps are UTC, RFC 3339 text on SQLite (microsecond precision, written by Stoa).
-- Booleans are 0/1. Deletes are soft: `deleted_at` set, row kept.

CREATE TABLE users (
    id              INTEGER PRIMARY KEY,
    username        TEXT    NOT NULL,
    username_lower  TEXT    NOT NULL UNIQUE,
    name            TEXT    NOT NULL DEFAULT '',
    email           TEXT    NOT NULL,
    email_lower     TEXT    NOT NULL UNIQUE,
    password_hash   TEXT    NOT NULL,
    admin           BOOLEAN NOT NULL DEFAULT FALSE,
    created_at      TEXT    NOT NULL,
    last_seen_at    TEXT
);

CREATE TABLE sessions (
    id            INTEGER PRIMARY KEY,
    token_hash    TEXT    NOT NULL UNIQUE,
    user_id       INTEGER NOT NULL REFERENCES users (id),
    created_at    TEXT    NOT NULL,
    expires_at    TEXT    NOT NULL
);
CREATE INDEX sessions_user_id ON sessions (user_id);

CREATE TABLE categories (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL,
    slug          TEXT    NOT NULL,
    description   TEXT    NOT NULL DEFAULT '',
    position      INTEGER NOT NULL DEFAULT 0,
    parent_id     INTEGER REFERENCES categories (id),
    topic_count   INTEGER NOT NULL DEFAULT 0,
    post_count    INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT    NOT NULL
);

CREATE TABLE topics (
    id                   INTEGER PRIMARY KEY,
    title                TEXT    NOT NULL,
    slug                 TEXT    NOT NULL,
    category_id          INTEGER NOT NULL REFERENCES categories (id),
    user_id              INTEGER NOT NULL REFERENCES users (id),
    posts_count          INTEGER NOT NULL DEFAULT 0,
    reply_count          INTEGER NOT NULL DEFAULT 0,
    highest_post_number  INTEGER NOT NULL DEFAULT 0,
    like_count           INTEGER NOT NULL DEFAULT 0,
    views                INTEGER NOT NULL DEFAULT 0,
    closed               BOOLEAN NOT NULL DEFAULT FALSE,
    created_at           TEXT    NOT NULL,
    bumped_at            TEXT    NOT NULL,
    last_posted_at       TEXT    NOT NULL,
    last_post_user_id    INTEGER NOT NULL REFERENCES users (id),
    deleted_at           TEXT,
    deleted_by_id        INTEGER REFERENCES users (id)
);
CREATE INDEX topics_bumped_at ON topics (bumped_at);
CREATE INDEX topics_category_bumped_at ON topics (category_id, bumped_at);
CREATE INDEX topics_user_id ON topics (user_id);

CREATE TABLE posts (
    id                    INTEGER PRIMARY KEY,
    topic_id              INTEGER NOT NULL REFERENCES topics (id),
    user_id               INTEGER NOT NULL REFERENCES users (id),
    post_number           INTEGER NOT NULL,
    reply_to_post_number  INTEGER,
    raw                   TEXT    NOT NULL,
    cooked                TEXT    NOT NULL,
    version               INTEGER NOT NULL DEFAULT 1,
    like_count            INTEGER NOT NULL DEFAULT 0,
    reply_count           INTEGER NOT NULL DEFAULT 0,
    created_at            TEXT    NOT NULL,
    updated_at            TEXT    NOT NULL,
    deleted_at            TEXT,
    deleted_by_id         INTEGER REFERENCES users (id),
    UNIQUE (topic_id, post_number)
);
CREATE INDEX posts_user_id_created_at ON posts (user_id, created_at);

-- One row per earlier version of a post: `number` is the version the row preserves.
CREATE TABLE post_revisions (
    id          INTEGER PRIMARY KEY,
    post_id     INTEGER NOT NULL REFERENCES posts (id),
    number      INTEGER NOT NULL,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    raw         TEXT    NOT NULL,
    created_at  TEXT    NOT NULL,
    UNIQUE (post_id, number)
);

-- Likes now (post_action_type_id 2, as in Discourse); flags and bookmarks later.
CREATE TABLE post_actions (
    id                   INTEGER PRIMARY KEY,
    post_id              INTEGER NOT NULL REFERENCES posts (id),
    user_id              INTEGER NOT NULL REFERENCES users (id),
    post_action_type_id  INTEGER NOT NULL,
    created_at           TEXT    NOT NULL,
    UNIQUE (post_id, user_id, post_action_type_id)
);
CREATE INDEX post_actions_user_id ON post_actions (user_id);

CREATE TABLE topic_users (
    user_id                INTEGER NOT NULL REFERENCES users (id),
    topic_id               INTEGER NOT NULL REFERENCES topics (id),
    last_read_post_number  INTEGER NOT NULL DEFAULT 0,
    notification_level     INTEGER NOT NULL DEFAULT 1,
    posted                 BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (user_id, topic_id)
);
CREATE INDEX topic_users_topic_id ON topic_users (topic_id);

-- Site-wide values Stoa creates itself (the CSRF secret, for instance).
CREATE TABLE site_settings (
    name   TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
