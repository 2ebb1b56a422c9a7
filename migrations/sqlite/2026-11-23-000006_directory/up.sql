-- The directory: who may see each organisation and each field of a person,
-- the columns its filters use, extra attributes of the national open data,
-- and full-text search. `search_text` is written by the application, folded
-- (lower case, no accents, words separated by spaces), so that both backends
-- index the same words.
ALTER TABLE organisations ADD COLUMN visibility TEXT NOT NULL DEFAULT 'public';
ALTER TABLE organisations ADD COLUMN department_code TEXT;
ALTER TABLE organisations ADD COLUMN commune_key TEXT;
ALTER TABLE organisations ADD COLUMN attributes TEXT NOT NULL DEFAULT '{}';
ALTER TABLE organisations ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
-- Filters that list many rows read them in name order from their index.
CREATE INDEX organisations_department_idx ON organisations (department_code, search_text, id);
CREATE INDEX organisations_kind_idx ON organisations (kind, search_text, id);
CREATE INDEX organisations_commune_idx ON organisations (commune_key);
-- `search_text` begins with the folded name: it is also the name order
-- with accents ignored (É with E), which the directory lists by.
CREATE INDEX organisations_name_idx ON organisations (search_text, id);

-- Per-field visibility of people: `name` covers the entry itself (name,
-- job title); phone and email are never public unless the person says so.
ALTER TABLE accounts ADD COLUMN phone TEXT;
ALTER TABLE accounts ADD COLUMN job_title TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN name_visibility TEXT NOT NULL DEFAULT 'instance';
ALTER TABLE accounts ADD COLUMN roles_visibility TEXT NOT NULL DEFAULT 'instance';
ALTER TABLE accounts ADD COLUMN email_visibility TEXT NOT NULL DEFAULT 'instance';
ALTER TABLE accounts ADD COLUMN phone_visibility TEXT NOT NULL DEFAULT 'private';
ALTER TABLE accounts ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
CREATE INDEX accounts_name_idx ON accounts (search_text, id);

-- When each peer's directory was last read in full.
ALTER TABLE peers ADD COLUMN directory_synced_at TIMESTAMP;

-- Rows written before this migration: the FTS5 tokenizer folds case and
-- accents itself, so the raw text indexes the same words.
UPDATE organisations SET search_text = name || ' ' || slug || ' ' || coalesce(uai, '')
    || ' ' || coalesce(city, '') || ' ' || coalesce(postal_code, '');
UPDATE accounts SET search_text = display_name || ' ' || username;

CREATE VIRTUAL TABLE organisations_fts USING fts5(
    search_text, content = 'organisations', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3 4 5 6'
);
INSERT INTO organisations_fts (organisations_fts) VALUES ('rebuild');
CREATE TRIGGER organisations_fts_insert AFTER INSERT ON organisations BEGIN
    INSERT INTO organisations_fts (rowid, search_text) VALUES (new.id, new.search_text);
END;
CREATE TRIGGER organisations_fts_delete AFTER DELETE ON organisations BEGIN
    INSERT INTO organisations_fts (organisations_fts, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
END;
CREATE TRIGGER organisations_fts_update AFTER UPDATE OF search_text ON organisations BEGIN
    INSERT INTO organisations_fts (organisations_fts, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
    INSERT INTO organisations_fts (rowid, search_text) VALUES (new.id, new.search_text);
END;

CREATE VIRTUAL TABLE accounts_fts USING fts5(
    search_text, content = 'accounts', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3 4 5 6'
);
INSERT INTO accounts_fts (accounts_fts) VALUES ('rebuild');
CREATE TRIGGER accounts_fts_insert AFTER INSERT ON accounts BEGIN
    INSERT INTO accounts_fts (rowid, search_text) VALUES (new.id, new.search_text);
END;
CREATE TRIGGER accounts_fts_delete AFTER DELETE ON accounts BEGIN
    INSERT INTO accounts_fts (accounts_fts, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
END;
CREATE TRIGGER accounts_fts_update AFTER UPDATE OF search_text ON accounts BEGIN
    INSERT INTO accounts_fts (accounts_fts, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
    INSERT INTO accounts_fts (rowid, search_text) VALUES (new.id, new.search_text);
END;
