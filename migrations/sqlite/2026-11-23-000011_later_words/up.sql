-- The words of `search_text` after the first, in their own full-text
-- index. A word that most names begin with ("ecole") is answered as two
-- parts merged in name order: the names that begin with it, one range of
-- the name index, and the few where it comes later, found here. Asked of
-- the main index, "later" means reading every row that holds the word.
CREATE VIRTUAL TABLE organisations_later_fts USING fts5(
    later, content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3 4 5 6'
);
INSERT INTO organisations_later_fts (rowid, later)
    SELECT id, substr(search_text, instr(search_text, ' ') + 1)
    FROM organisations WHERE instr(search_text, ' ') > 0;
CREATE TRIGGER organisations_later_fts_insert AFTER INSERT ON organisations
WHEN instr(new.search_text, ' ') > 0 BEGIN
    INSERT INTO organisations_later_fts (rowid, later)
        VALUES (new.id, substr(new.search_text, instr(new.search_text, ' ') + 1));
END;
CREATE TRIGGER organisations_later_fts_delete AFTER DELETE ON organisations BEGIN
    DELETE FROM organisations_later_fts WHERE rowid = old.id;
END;
CREATE TRIGGER organisations_later_fts_update AFTER UPDATE OF search_text ON organisations BEGIN
    DELETE FROM organisations_later_fts WHERE rowid = old.id;
    INSERT INTO organisations_later_fts (rowid, later)
        SELECT new.id, substr(new.search_text, instr(new.search_text, ' ') + 1)
        WHERE instr(new.search_text, ' ') > 0;
END;

CREATE VIRTUAL TABLE accounts_later_fts USING fts5(
    later, content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3 4 5 6'
);
INSERT INTO accounts_later_fts (rowid, later)
    SELECT id, substr(search_text, instr(search_text, ' ') + 1)
    FROM accounts WHERE instr(search_text, ' ') > 0;
CREATE TRIGGER accounts_later_fts_insert AFTER INSERT ON accounts
WHEN instr(new.search_text, ' ') > 0 BEGIN
    INSERT INTO accounts_later_fts (rowid, later)
        VALUES (new.id, substr(new.search_text, instr(new.search_text, ' ') + 1));
END;
CREATE TRIGGER accounts_later_fts_delete AFTER DELETE ON accounts BEGIN
    DELETE FROM accounts_later_fts WHERE rowid = old.id;
END;
CREATE TRIGGER accounts_later_fts_update AFTER UPDATE OF search_text ON accounts BEGIN
    DELETE FROM accounts_later_fts WHERE rowid = old.id;
    INSERT INTO accounts_later_fts (rowid, later)
        SELECT new.id, substr(new.search_text, instr(new.search_text, ' ') + 1)
        WHERE instr(new.search_text, ' ') > 0;
END;
