-- Remote instances (their Application actors), known through peering.
CREATE TABLE peers (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    domain TEXT NOT NULL,
    ap_id TEXT NOT NULL,
    inbox_url TEXT NOT NULL,
    shared_inbox_url TEXT,
    public_key TEXT NOT NULL,
    software TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    last_refreshed_at TIMESTAMP NOT NULL,
    CONSTRAINT peers_domain_unique UNIQUE (domain),
    CONSTRAINT peers_ap_id_unique UNIQUE (ap_id)
);

-- Domains an admin allowed or blocked, on top of the config file's lists.
CREATE TABLE federation_domains (
    domain TEXT PRIMARY KEY NOT NULL,
    policy TEXT NOT NULL CHECK (policy IN ('allow', 'block')),
    note TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL
);

-- Who follows whom, by ActivityPub id; pending until accepted.
CREATE TABLE follows (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    follower_ap_id TEXT NOT NULL,
    follower_inbox TEXT NOT NULL,
    target_ap_id TEXT NOT NULL,
    activity_ap_id TEXT NOT NULL,
    pending BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CONSTRAINT follows_pair_unique UNIQUE (follower_ap_id, target_ap_id)
);
CREATE INDEX follows_target_idx ON follows (target_ap_id, pending);

-- Ids of processed incoming activities, written in the same transaction as
-- their effects, so that a redelivery has no second effect.
CREATE TABLE received_activities (
    ap_id TEXT PRIMARY KEY NOT NULL,
    received_at TIMESTAMP NOT NULL
);

-- An admin's choice of federation mode; NULL keeps the config file's.
ALTER TABLE instance ADD COLUMN federation_mode TEXT;
