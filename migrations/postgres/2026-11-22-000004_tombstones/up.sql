-- Remote objects and actors deleted at their origin. A tombstone stays, so
-- that an object whose Delete arrived before its Create (or a late Update)
-- never comes back.
CREATE TABLE tombstones (
    ap_id TEXT PRIMARY KEY NOT NULL,
    deleted_by TEXT NOT NULL,
    deleted_at TIMESTAMP NOT NULL
);

-- Answers that name their Follow by id are matched through it.
CREATE INDEX follows_activity_idx ON follows (activity_ap_id);
