-- Shared teaching resources, published here or received from followed
-- organisations. `levels`, `subjects` and `tags` are ',a,b,' lists so that
-- one LIKE finds a value on both backends; `search_text` holds the folded
-- words of the title, description, subjects and tags.
CREATE TABLE resources (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    public_id TEXT NOT NULL,
    ap_id TEXT NOT NULL,
    local BOOLEAN NOT NULL,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    author_ap_id TEXT NOT NULL,
    author_name TEXT NOT NULL,
    author_account_id BIGINT REFERENCES accounts (id) ON DELETE SET NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    licence TEXT NOT NULL,
    levels TEXT NOT NULL,
    subjects TEXT NOT NULL,
    tags TEXT NOT NULL,
    version INTEGER NOT NULL,
    downloads BIGINT NOT NULL DEFAULT 0,
    url TEXT NOT NULL,
    search_text TEXT NOT NULL,
    published_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    received_at TIMESTAMP NOT NULL,
    CONSTRAINT resources_public_id_unique UNIQUE (public_id),
    CONSTRAINT resources_ap_id_unique UNIQUE (ap_id)
);
CREATE INDEX resources_organisation_idx ON resources (organisation_id, id);

-- Each version of a resource: the files it had then stay downloadable.
CREATE TABLE resource_versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    resource_id BIGINT NOT NULL REFERENCES resources (id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    note TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    CONSTRAINT resource_versions_unique UNIQUE (resource_id, version)
);

-- The files of each version, by content. `remote_url` is the origin's
-- address of a remote file; `mirrored` says this instance holds a checked
-- copy of it.
CREATE TABLE resource_files (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    resource_id BIGINT NOT NULL REFERENCES resources (id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    remote_url TEXT,
    mirrored BOOLEAN NOT NULL,
    downloads BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX resource_files_resource_idx ON resource_files (resource_id, version, position);

-- Peers whose resource files this instance keeps a copy of.
CREATE TABLE mirrored_domains (
    domain TEXT PRIMARY KEY NOT NULL,
    created_at TIMESTAMP NOT NULL
);
