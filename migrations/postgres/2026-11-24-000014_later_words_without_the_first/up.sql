-- SQLite only: its index of the words after the first (see
-- migrations/sqlite). The version exists on both backends to keep them in
-- step.
SELECT 1;
