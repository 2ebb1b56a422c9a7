-- The durable outbox: one row per activity and target inbox, written in the
-- same transaction as the change that caused it, deleted once delivered.
CREATE TABLE outbox (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    activity_id TEXT NOT NULL,
    actor_ap_id TEXT NOT NULL,
    inbox_url TEXT NOT NULL,
    domain TEXT NOT NULL,
    payload TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    -- Set when the retry window ran out; kept for the admins.
    failed_at TIMESTAMP
);
CREATE INDEX outbox_lane_idx ON outbox (domain, id);

-- One lane per target domain: its back-off, health and current holder.
CREATE TABLE delivery_domains (
    domain TEXT PRIMARY KEY NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0,
    dead BOOLEAN NOT NULL DEFAULT FALSE,
    next_attempt_at TIMESTAMP NOT NULL,
    first_failure_at TIMESTAMP,
    last_error TEXT,
    last_success_at TIMESTAMP,
    leased_by TEXT,
    leased_until TIMESTAMP
);
