DROP INDEX follows_activity_idx;
DROP TABLE tombstones;
