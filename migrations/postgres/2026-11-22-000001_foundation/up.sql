-- The instance itself: its domain and the key pair of its Application actor.
CREATE TABLE instance (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    domain TEXT NOT NULL,
    public_key TEXT NOT NULL,
    private_key TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- People, local (with a login) and remote (known through federation).
CREATE TABLE accounts (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username TEXT NOT NULL,
    domain TEXT NOT NULL,
    local BOOLEAN NOT NULL,
    ap_id TEXT NOT NULL,
    inbox_url TEXT NOT NULL,
    shared_inbox_url TEXT,
    display_name TEXT NOT NULL DEFAULT '',
    email TEXT,
    password_hash TEXT,
    is_admin BOOLEAN NOT NULL DEFAULT FALSE,
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    public_key TEXT,
    private_key TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    last_refreshed_at TIMESTAMP NOT NULL,
    CONSTRAINT accounts_ap_id_unique UNIQUE (ap_id),
    CONSTRAINT accounts_username_unique UNIQUE (domain, username)
);

-- Academies, departments, circonscriptions, schools and services.
CREATE TABLE organisations (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug TEXT NOT NULL,
    domain TEXT NOT NULL,
    local BOOLEAN NOT NULL,
    ap_id TEXT NOT NULL,
    inbox_url TEXT NOT NULL,
    shared_inbox_url TEXT,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    uai TEXT,
    parent_id BIGINT REFERENCES organisations (id) ON DELETE SET NULL,
    description TEXT NOT NULL DEFAULT '',
    address TEXT,
    postal_code TEXT,
    city TEXT,
    phone TEXT,
    email TEXT,
    website TEXT,
    latitude DOUBLE PRECISION,
    longitude DOUBLE PRECISION,
    approve_followers BOOLEAN NOT NULL DEFAULT FALSE,
    closed BOOLEAN NOT NULL DEFAULT FALSE,
    public_key TEXT,
    private_key TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    last_refreshed_at TIMESTAMP NOT NULL,
    CONSTRAINT organisations_ap_id_unique UNIQUE (ap_id),
    CONSTRAINT organisations_slug_unique UNIQUE (domain, slug),
    CONSTRAINT organisations_uai_unique UNIQUE (domain, uai)
);
CREATE INDEX organisations_parent_idx ON organisations (parent_id);

-- An account's roles in an organisation.
CREATE TABLE memberships (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    CONSTRAINT memberships_role_unique UNIQUE (account_id, organisation_id, role)
);
CREATE INDEX memberships_organisation_idx ON memberships (organisation_id);

-- API bearer tokens, stored as SHA-256 of the secret.
CREATE TABLE api_tokens (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    CONSTRAINT api_tokens_hash_unique UNIQUE (token_hash)
);
CREATE INDEX api_tokens_account_idx ON api_tokens (account_id);
