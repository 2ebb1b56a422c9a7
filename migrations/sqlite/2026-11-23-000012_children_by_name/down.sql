CREATE INDEX organisations_parent_idx ON organisations (parent_id);
DROP INDEX organisations_children_idx;
