-- A number that changes with every change to what the directory shows
-- (organisations, memberships, accounts). A process keeps copies of
-- organisation profiles labelled with it; a copy whose label is not the
-- current number is read again. The number is written in the same
-- transaction as the change, so a reader never sees new rows under an old
-- number, whichever process wrote them.
CREATE TABLE directory_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO directory_version (id, version) VALUES (1, 0);

CREATE TRIGGER organisations_inserted_directory_version AFTER INSERT ON organisations
BEGIN UPDATE directory_version SET version = version + 1; END;
CREATE TRIGGER organisations_updated_directory_version AFTER UPDATE ON organisations
BEGIN UPDATE directory_version SET version = version + 1; END;
CREATE TRIGGER organisations_deleted_directory_version AFTER DELETE ON organisations
BEGIN UPDATE directory_version SET version = version + 1; END;

CREATE TRIGGER memberships_inserted_directory_version AFTER INSERT ON memberships
BEGIN UPDATE directory_version SET version = version + 1; END;
CREATE TRIGGER memberships_updated_directory_version AFTER UPDATE ON memberships
BEGIN UPDATE directory_version SET version = version + 1; END;
CREATE TRIGGER memberships_deleted_directory_version AFTER DELETE ON memberships
BEGIN UPDATE directory_version SET version = version + 1; END;

CREATE TRIGGER accounts_inserted_directory_version AFTER INSERT ON accounts
BEGIN UPDATE directory_version SET version = version + 1; END;
CREATE TRIGGER accounts_updated_directory_version AFTER UPDATE ON accounts
BEGIN UPDATE directory_version SET version = version + 1; END;
CREATE TRIGGER accounts_deleted_directory_version AFTER DELETE ON accounts
BEGIN UPDATE directory_version SET version = version + 1; END;
