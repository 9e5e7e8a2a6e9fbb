-- Notifications, notification levels, and email (issue 5). After Discourse's tables:
-- notifications, category_users, topic_users.notifications_reason_id, email_tokens; plus an
-- outgoing-email queue so that no email is lost while the SMTP server is down.

-- When the member proved they own their address (sign-up link or password reset).
ALTER TABLE users ADD COLUMN email_verified_at TEXT;
-- Notification emails while away; off after "unsubscribe".
ALTER TABLE users ADD COLUMN email_notifications BOOLEAN NOT NULL DEFAULT TRUE;
-- The secret in one-click unsubscribe links.
ALTER TABLE users ADD COLUMN unsubscribe_key TEXT NOT NULL DEFAULT '';
UPDATE users SET unsubscribe_key = lower(hex(randomblob(16))) WHERE unsubscribe_key = '';
CREATE UNIQUE INDEX users_unsubscribe_key ON users (unsubscribe_key);

-- NULL: the member never chose a level for this topic (the category's level applies).
ALTER TABLE topic_users ADD COLUMN notifications_reason_id INTEGER;

CREATE TABLE category_users (
    user_id             INTEGER NOT NULL REFERENCES users (id),
    category_id         INTEGER NOT NULL REFERENCES categories (id),
    notification_level  INTEGER NOT NULL,
    PRIMARY KEY (user_id, category_id)
);
CREATE INDEX category_users_category_id ON category_users (category_id, notification_level);

-- notification_type uses Discourse's numbers; data is JSON (display_username, topic_title...).
CREATE TABLE notifications (
    id                 INTEGER PRIMARY KEY,
    user_id            INTEGER NOT NULL REFERENCES users (id),
    notification_type  INTEGER NOT NULL,
    topic_id           INTEGER REFERENCES topics (id),
    post_number        INTEGER,
    acting_user_id     INTEGER REFERENCES users (id),
    data               TEXT    NOT NULL,
    read               BOOLEAN NOT NULL DEFAULT FALSE,
    high_priority      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at         TEXT    NOT NULL,
    updated_at         TEXT    NOT NULL
);
CREATE INDEX notifications_user_id_id ON notifications (user_id, id);
CREATE INDEX notifications_user_id_read ON notifications (user_id, read);
CREATE INDEX notifications_topic_post ON notifications (topic_id, post_number);

-- Single-use links sent by email: scope 'signup' (confirm the address) or 'password_reset'.
CREATE TABLE email_tokens (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    token_hash  TEXT    NOT NULL UNIQUE,
    scope       TEXT    NOT NULL,
    email       TEXT    NOT NULL,
    created_at  TEXT    NOT NULL,
    expires_at  TEXT    NOT NULL,
    used_at     TEXT
);
CREATE INDEX email_tokens_user_id ON email_tokens (user_id);

-- Outgoing email, written in the same transaction as what caused it. A node claims a row
-- (claimed_until), sends it, and marks it sent; failures are retried at next_attempt_at.
CREATE TABLE email_queue (
    id               INTEGER PRIMARY KEY,
    kind             TEXT    NOT NULL,
    user_id          INTEGER REFERENCES users (id),
    notification_id  INTEGER REFERENCES notifications (id),
    to_address       TEXT    NOT NULL,
    subject          TEXT    NOT NULL,
    text_body        TEXT    NOT NULL,
    html_body        TEXT    NOT NULL,
    unsubscribe_url  TEXT,
    created_at       TEXT    NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT    NOT NULL,
    claimed_until    TEXT,
    sent_at          TEXT,
    failed_at        TEXT,
    last_error       TEXT
);
CREATE INDEX email_queue_pending ON email_queue (next_attempt_at)
    WHERE sent_at IS NULL AND failed_at IS NULL;
