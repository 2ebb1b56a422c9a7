-- The statistics page counts the local announcements of each of the last
-- weeks: without this index each count read every announcement.
CREATE INDEX announcements_local_published_idx ON announcements (local, published_at);
