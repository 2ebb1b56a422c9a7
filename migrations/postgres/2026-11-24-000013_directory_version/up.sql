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

-- Raised once per transaction, at its commit: the row lock on the number
-- is then the last lock a writer takes, so two writers cannot deadlock on
-- it, and an import of thousands of rows writes it once.
CREATE FUNCTION directory_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('preau.directory_changed', true) IS DISTINCT FROM 'yes' THEN
        PERFORM set_config('preau.directory_changed', 'yes', true);
        UPDATE directory_version SET version = version + 1;
    END IF;
    RETURN NULL;
END;
$$;

CREATE CONSTRAINT TRIGGER organisations_directory_version
    AFTER INSERT OR UPDATE OR DELETE ON organisations
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION directory_changed();
CREATE CONSTRAINT TRIGGER memberships_directory_version
    AFTER INSERT OR UPDATE OR DELETE ON memberships
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION directory_changed();
CREATE CONSTRAINT TRIGGER accounts_directory_version
    AFTER INSERT OR UPDATE OR DELETE ON accounts
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION directory_changed();
