DROP INDEX resource_files_sha256_idx;
DROP INDEX announcement_attachments_sha256_idx;
DROP INDEX files_claimed_idx;
ALTER TABLE files DROP COLUMN claimed_at;
