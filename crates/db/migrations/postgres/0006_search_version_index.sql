-- Start-up asks whether every post has a current search row by comparing two counts; this
-- index lets the second one be counted without reading the rows' text (seconds on a million
-- posts without it).
CREATE INDEX post_search_data_version ON post_search_data (version);
