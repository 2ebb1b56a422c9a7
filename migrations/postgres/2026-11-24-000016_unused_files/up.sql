-- Stored files that nothing refers to any more (a previewed form never
-- sent, an upload never attached, a deleted announcement or resource) are
-- removed a day after they were last claimed. An upload claims its file
-- after storing it, and so does every announcement or resource that starts
-- referring to it, in its own transaction: the removal, which deletes the
-- row and the bytes in one transaction, never takes a file someone has
-- just claimed.
ALTER TABLE files ADD COLUMN claimed_at TIMESTAMP;
UPDATE files SET claimed_at = created_at;
CREATE INDEX files_claimed_idx ON files (claimed_at);
-- What the removal asks of each candidate: does anything refer to it.
CREATE INDEX announcement_attachments_sha256_idx ON announcement_attachments (sha256);
CREATE INDEX resource_files_sha256_idx ON resource_files (sha256);
