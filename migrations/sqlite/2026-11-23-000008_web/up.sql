-- The web interface: browser sessions, each account's language, which
-- modules the instance shows, and the counters behind the usage
-- statistics page.

-- A session cookie holds a random secret; only its SHA-256 is stored, as
-- for API tokens. `csrf_token` is the value every form of the session
-- must send back.
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    secret_hash TEXT NOT NULL,
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    CONSTRAINT sessions_secret_hash_unique UNIQUE (secret_hash)
);
CREATE INDEX sessions_account_idx ON sessions (account_id);

-- `fr`, `en`, or NULL to follow the browser's Accept-Language.
ALTER TABLE accounts ADD COLUMN locale TEXT;

-- Modules an admin has switched off or on; a module without a row is on.
CREATE TABLE modules (
    name TEXT PRIMARY KEY NOT NULL,
    enabled BOOLEAN NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- One row per account and ISO week (`2026-W48`) in which it was used:
-- the "active accounts per week" figure, without keeping every request.
CREATE TABLE account_weeks (
    week TEXT NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    PRIMARY KEY (week, account_id)
);

-- Weekly counters of events no table keeps (activities received and
-- delivered), shared by every process of the instance.
CREATE TABLE usage_counters (
    week TEXT NOT NULL,
    name TEXT NOT NULL,
    value BIGINT NOT NULL,
    PRIMARY KEY (week, name)
);
