-- A slug made only of digits reads as an id in Discourse's short links (`/t/1941/7` is post 7
-- of topic 1941), so such slugs become `topic`, as new ones now do (issue 14). An old link
-- with the digits now reads as it would on Discourse.
UPDATE topics SET slug = 'topic' WHERE slug ~ '^[0-9]+$';
UPDATE categories SET slug = 'topic' WHERE slug ~ '^[0-9]+$';
