-- The directory: who may see each organisation and each field of a person,
-- the columns its filters use, extra attributes of the national open data,
-- and full-text search. `search_text` is written by the application, folded
-- (lower case, no accents, words separated by spaces), so that both backends
-- index the same words; `simple` keeps them as they are.
ALTER TABLE organisations
    ADD COLUMN visibility TEXT NOT NULL DEFAULT 'public',
    ADD COLUMN department_code TEXT,
    ADD COLUMN commune_key TEXT,
    ADD COLUMN attributes TEXT NOT NULL DEFAULT '{}',
    ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
-- Filters that list many rows read them in name order from their index.
CREATE INDEX organisations_department_idx ON organisations (department_code, search_text, id);
CREATE INDEX organisations_kind_idx ON organisations (kind, search_text, id);
CREATE INDEX organisations_commune_idx ON organisations (commune_key);
-- `search_text` begins with the folded name: it is also the name order
-- with accents ignored (É with E), which the directory lists by.
CREATE INDEX organisations_name_idx ON organisations (search_text, id);

-- Per-field visibility of people: `name` covers the entry itself (name,
-- job title); phone and email are never public unless the person says so.
ALTER TABLE accounts
    ADD COLUMN phone TEXT,
    ADD COLUMN job_title TEXT NOT NULL DEFAULT '',
    ADD COLUMN name_visibility TEXT NOT NULL DEFAULT 'instance',
    ADD COLUMN roles_visibility TEXT NOT NULL DEFAULT 'instance',
    ADD COLUMN email_visibility TEXT NOT NULL DEFAULT 'instance',
    ADD COLUMN phone_visibility TEXT NOT NULL DEFAULT 'private',
    ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
CREATE INDEX accounts_name_idx ON accounts (search_text, id);

-- When each peer's directory was last read in full.
ALTER TABLE peers ADD COLUMN directory_synced_at TIMESTAMP;

-- Rows written before this migration, folded the way the application folds.
UPDATE organisations SET search_text = regexp_replace(translate(lower(
    name || ' ' || slug || ' ' || coalesce(uai, '') || ' ' || coalesce(city, '')
    || ' ' || coalesce(postal_code, '')),
    'àâäáãåçéèêëíìîïñóòôöõúùûüýÿœæ', 'aaaaaaceeeeiiiinooooouuuuyyoa'), '[^a-z0-9]+', ' ', 'g');
UPDATE accounts SET search_text = regexp_replace(translate(lower(
    display_name || ' ' || username),
    'àâäáãåçéèêëíìîïñóòôöõúùûüýÿœæ', 'aaaaaaceeeeiiiinooooouuuuyyoa'), '[^a-z0-9]+', ' ', 'g');

ALTER TABLE organisations ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (to_tsvector('simple', search_text)) STORED;
CREATE INDEX organisations_search_idx ON organisations USING GIN (search_vector);
ALTER TABLE accounts ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (to_tsvector('simple', search_text)) STORED;
CREATE INDEX accounts_search_idx ON accounts USING GIN (search_vector);
