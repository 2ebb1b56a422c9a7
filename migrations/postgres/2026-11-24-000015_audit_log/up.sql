-- What admins did (DESIGN section 7): who, what, on what, when. Written in
-- the same transaction as the change itself, so an entry exists exactly
-- when the change does. The actor's and the target's names are copied,
-- not referenced: the entry outlives a deleted account. The account id is
-- kept too (set to NULL when that account goes), to find one person's
-- actions.
CREATE TABLE audit_log (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at TIMESTAMP NOT NULL,
    actor_account_id BIGINT REFERENCES accounts (id) ON DELETE SET NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL
);
-- Entries past their retention go by date.
CREATE INDEX audit_log_at_idx ON audit_log (at);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_account_id);
