-- An organisation's page lists its children by name: with the parent and
-- the name in one index they are read in order and the read stops at the
-- page, instead of being gathered by parent and sorted. The index on the
-- parent alone is its prefix, so it goes.
CREATE INDEX organisations_children_idx ON organisations (parent_id, search_text, id);
DROP INDEX organisations_parent_idx;
