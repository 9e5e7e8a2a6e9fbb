-- A subcategory of a staff-only category is staff-only too (issue 13): until now it was public
-- unless restricted itself. Categories nest two levels deep, so one pass fixes every one.
UPDATE categories SET read_restricted = TRUE
WHERE read_restricted = FALSE
  AND parent_id IN (SELECT id FROM categories WHERE read_restricted = TRUE);
