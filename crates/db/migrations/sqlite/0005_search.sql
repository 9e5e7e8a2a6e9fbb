-- Full-text search (see stoa_db::search). One row per post holds its words as Stoa's analyzer
-- (stoa_core::analyzer) left them: folded, split into tokens, joined by spaces. Both backends
-- index these rows, so they match alike. The title is in every post's row (a query may find its
-- words in the title and the rest in a reply, as in Discourse); the author (username and name)
-- and the category name are searchable too, weighted least.
CREATE TABLE post_search_data (
    post_id   INTEGER PRIMARY KEY REFERENCES posts (id),
    title     TEXT    NOT NULL,
    body      TEXT    NOT NULL,
    category  TEXT    NOT NULL,
    author    TEXT    NOT NULL,
    version   INTEGER NOT NULL
);

-- FTS5 over those rows (external content: the text is stored once, in post_search_data).
-- The triggers keep it exact in the same transaction as every change to a row.
-- `prefix` adds indexes for 2- and 3-character prefixes, which are the costly ones to expand.
CREATE VIRTUAL TABLE post_search_fts USING fts5(
    title, body, category, author,
    content = 'post_search_data',
    content_rowid = 'post_id',
    tokenize = "unicode61 remove_diacritics 2 categories 'L* N* Co M*'",
    prefix = '2 3'
);

CREATE TRIGGER post_search_data_insert AFTER INSERT ON post_search_data BEGIN
    INSERT INTO post_search_fts (rowid, title, body, category, author)
    VALUES (new.post_id, new.title, new.body, new.category, new.author);
END;

CREATE TRIGGER post_search_data_delete AFTER DELETE ON post_search_data BEGIN
    INSERT INTO post_search_fts (post_search_fts, rowid, title, body, category, author)
    VALUES ('delete', old.post_id, old.title, old.body, old.category, old.author);
END;

CREATE TRIGGER post_search_data_update AFTER UPDATE ON post_search_data BEGIN
    INSERT INTO post_search_fts (post_search_fts, rowid, title, body, category, author)
    VALUES ('delete', old.post_id, old.title, old.body, old.category, old.author);
    INSERT INTO post_search_fts (rowid, title, body, category, author)
    VALUES (new.post_id, new.title, new.body, new.category, new.author);
END;
