DROP TRIGGER organisations_later_fts_insert;
DROP TRIGGER organisations_later_fts_update;
CREATE TRIGGER organisations_later_fts_insert AFTER INSERT ON organisations
WHEN instr(new.search_text, ' ') > 0 BEGIN
    INSERT INTO organisations_later_fts (rowid, later)
        VALUES (new.id, substr(new.search_text, instr(new.search_text, ' ') + 1));
END;
CREATE TRIGGER organisations_later_fts_update AFTER UPDATE OF search_text ON organisations BEGIN
    DELETE FROM organisations_later_fts WHERE rowid = old.id;
    INSERT INTO organisations_later_fts (rowid, later)
        SELECT new.id, substr(new.search_text, instr(new.search_text, ' ') + 1)
        WHERE instr(new.search_text, ' ') > 0;
END;
INSERT INTO organisations_later_fts (organisations_later_fts) VALUES ('delete-all');
INSERT INTO organisations_later_fts (rowid, later)
    SELECT id, substr(search_text, instr(search_text, ' ') + 1)
    FROM organisations WHERE instr(search_text, ' ') > 0;
DROP TRIGGER accounts_later_fts_insert;
DROP TRIGGER accounts_later_fts_update;
CREATE TRIGGER accounts_later_fts_insert AFTER INSERT ON accounts
WHEN instr(new.search_text, ' ') > 0 BEGIN
    INSERT INTO accounts_later_fts (rowid, later)
        VALUES (new.id, substr(new.search_text, instr(new.search_text, ' ') + 1));
END;
CREATE TRIGGER accounts_later_fts_update AFTER UPDATE OF search_text ON accounts BEGIN
    DELETE FROM accounts_later_fts WHERE rowid = old.id;
    INSERT INTO accounts_later_fts (rowid, later)
        SELECT new.id, substr(new.search_text, instr(new.search_text, ' ') + 1)
        WHERE instr(new.search_text, ' ') > 0;
END;
INSERT INTO accounts_later_fts (accounts_later_fts) VALUES ('delete-all');
INSERT INTO accounts_later_fts (rowid, later)
    SELECT id, substr(search_text, instr(search_text, ' ') + 1)
    FROM accounts WHERE instr(search_text, ' ') > 0;
