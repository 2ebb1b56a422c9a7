-- Files stored by their sha256 (the bytes live in the object store).
CREATE TABLE files (
    sha256 TEXT PRIMARY KEY NOT NULL,
    media_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- Categories an admin added to the built-in ones.
CREATE TABLE announcement_categories (
    slug TEXT PRIMARY KEY NOT NULL,
    label TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- Announcements published here and received from followed organisations.
-- `public_id` names a row in URLs on this instance; `ap_id` is its ActivityPub id
-- at its origin. `target_roles` is '' (every role) or ',role,role,' so that
-- one LIKE finds a role on both backends.
CREATE TABLE announcements (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    public_id TEXT NOT NULL,
    ap_id TEXT NOT NULL,
    local BOOLEAN NOT NULL,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    author_ap_id TEXT NOT NULL,
    author_name TEXT NOT NULL,
    author_account_id BIGINT REFERENCES accounts (id) ON DELETE SET NULL,
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    body_markdown TEXT,
    body_html TEXT NOT NULL,
    category TEXT NOT NULL,
    target_roles TEXT NOT NULL,
    public BOOLEAN NOT NULL,
    pinned BOOLEAN NOT NULL,
    ack_requested BOOLEAN NOT NULL,
    starts_at TIMESTAMP,
    ends_at TIMESTAMP,
    expires_at TIMESTAMP,
    url TEXT NOT NULL,
    published_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    received_at TIMESTAMP NOT NULL,
    CONSTRAINT announcements_public_id_unique UNIQUE (public_id),
    CONSTRAINT announcements_ap_id_unique UNIQUE (ap_id)
);
CREATE INDEX announcements_organisation_idx ON announcements (organisation_id, id);

CREATE TABLE announcement_attachments (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    announcement_id BIGINT NOT NULL REFERENCES announcements (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size BIGINT,
    url TEXT NOT NULL,
    sha256 TEXT
);
CREATE INDEX announcement_attachments_idx ON announcement_attachments (announcement_id, position);

-- "I have read this": local readers by account, remote ones by actor id.
CREATE TABLE acknowledgements (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    announcement_id BIGINT NOT NULL REFERENCES announcements (id) ON DELETE CASCADE,
    reader_ap_id TEXT NOT NULL,
    reader_domain TEXT NOT NULL,
    account_id BIGINT REFERENCES accounts (id) ON DELETE CASCADE,
    read_at TIMESTAMP NOT NULL,
    CONSTRAINT acknowledgements_reader_unique UNIQUE (announcement_id, reader_ap_id)
);
CREATE INDEX acknowledgements_account_idx ON acknowledgements (account_id, announcement_id);

-- Reminders (and later other notices) for local accounts.
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    announcement_id BIGINT NOT NULL REFERENCES announcements (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    seen_at TIMESTAMP
);
CREATE INDEX notifications_account_idx ON notifications (account_id, id);

-- Home timelines, written when an announcement is stored and when a
-- follow or a membership changes: reading a page is then one index range.
-- Derived from follows, memberships and announcements (db/home_feed.rs).
CREATE TABLE home_feed (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    announcement_id BIGINT NOT NULL REFERENCES announcements (id) ON DELETE CASCADE,
    organisation_id BIGINT NOT NULL,
    PRIMARY KEY (account_id, announcement_id)
);
CREATE INDEX home_feed_announcement_idx ON home_feed (announcement_id);

-- Looking follows up by follower.
CREATE INDEX follows_follower_idx ON follows (follower_ap_id, pending);
