-- Password-reset requests as typed (issue 13). The request writes one row whether or not an
-- account matches, so neither its answer nor its timing tells who has an account; a node's
-- background task takes the row (deleting it) and emails the account, if there is one.
CREATE TABLE reset_requests (
    id          INTEGER PRIMARY KEY,
    login       TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
