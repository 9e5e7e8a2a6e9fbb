-- Full-text search (see stoa_db::search). One row per post holds its words as Stoa's analyzer
-- (stoa_core::analyzer) left them: folded, split into tokens, joined by spaces. Both backends
-- index these rows, so they match alike. The title is in every post's row (a query may find its
-- words in the title and the rest in a reply, as in Discourse); the author (username and name)
-- and the category name are searchable too, weighted least.
CREATE TABLE post_search_data (
    post_id   BIGINT  PRIMARY KEY REFERENCES posts (id),
    title     TEXT    NOT NULL,
    body      TEXT    NOT NULL,
    category  TEXT    NOT NULL,
    author    TEXT    NOT NULL,
    version   BIGINT  NOT NULL,
    -- The 'simple' configuration only lower-cases: the analyzer has done the rest, and no
    -- stemming or stop words keep the two backends alike. Weights: title A, body B,
    -- category C, author D.
    search    tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple'::regconfig, title), 'A') ||
        setweight(to_tsvector('simple'::regconfig, body), 'B') ||
        setweight(to_tsvector('simple'::regconfig, category), 'C') ||
        setweight(to_tsvector('simple'::regconfig, author), 'D')
    ) STORED
);
CREATE INDEX post_search_data_search ON post_search_data USING GIN (search);
