-- API keys (Discourse's api_keys): only a SHA-256 of each key is stored; the key itself is
-- shown once when created. user_id NULL = an "all users" key that acts as the member named in
-- the Api-Username header. Revoked keys stay, for the record.
CREATE TABLE api_keys (
    id             INTEGER PRIMARY KEY,
    key_hash       TEXT    NOT NULL UNIQUE,
    truncated_key  TEXT    NOT NULL,
    description    TEXT    NOT NULL,
    user_id        INTEGER REFERENCES users (id),
    created_at     TEXT    NOT NULL,
    last_used_at   TEXT,
    revoked_at     TEXT
);
