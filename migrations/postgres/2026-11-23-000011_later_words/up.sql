-- SQLite only: its second full-text index of the words after the first
-- (see migrations/sqlite). PostgreSQL's text search cannot tell where a
-- word stands, so a broad word is still answered by testing rows in name
-- order. The version exists on both backends to keep them in step.
SELECT 1;
