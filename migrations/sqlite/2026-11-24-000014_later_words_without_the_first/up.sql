-- The index of later words leaves out the words that repeat the first.
-- A prefix that matches such a word matches the first word too, so its row
-- is one of those the name index's range already gives, and the later
-- part set it aside again. Slugs repeat names ("ecole-jules-verne"): for
-- "ecole" every school was found there, and past 2,000 of them the split
-- gave up for the slowest path. replace() runs twice because it resumes
-- after each match, which leaves every other one of consecutive repeats;
-- a repeat that stays costs time, never a wrong result.
DROP TRIGGER organisations_later_fts_insert;
DROP TRIGGER organisations_later_fts_update;
CREATE TRIGGER organisations_later_fts_insert AFTER INSERT ON organisations
WHEN instr(new.search_text, ' ') > 0 BEGIN
    INSERT INTO organisations_later_fts (rowid, later)
        VALUES (new.id, replace(replace(' ' || substr(new.search_text, instr(new.search_text, ' ') + 1) || ' ', ' ' || substr(new.search_text, 1, instr(new.search_text, ' ') - 1) || ' ', ' '), ' ' || substr(new.search_text, 1, instr(new.search_text, ' ') - 1) || ' ', ' '));
END;
CREATE TRIGGER organisations_later_fts_update AFTER UPDATE OF search_text ON organisations BEGIN
    DELETE FROM organisations_later_fts WHERE rowid = old.id;
    INSERT INTO organisations_later_fts (rowid, later)
        SELECT new.id, replace(replace(' ' || substr(new.search_text, instr(new.search_text, ' ') + 1) || ' ', ' ' || substr(new.search_text, 1, instr(new.search_text, ' ') - 1) || ' ', ' '), ' ' || substr(new.search_text, 1, instr(new.search_text, ' ') - 1) || ' ', ' ')
        WHERE instr(new.search_text, ' ') > 0;
END;
INSERT INTO organisations_later_fts (organisations_later_fts) VALUES ('delete-all');
INSERT INTO organisations_later_fts (rowid, later)
    SELECT id, replace(replace(' ' || substr(search_text, instr(search_text, ' ') + 1) || ' ', ' ' || substr(search_text, 1, instr(search_text, ' ') - 1) || ' ', ' '), ' ' || substr(search_text, 1, instr(search_text, ' ') - 1) || ' ', ' ')
    FROM organisations WHERE instr(search_text, ' ') > 0;
DROP TRIGGER accounts_later_fts_insert;
DROP TRIGGER accounts_later_fts_update;
CREATE TRIGGER accounts_later_fts_insert AFTER INSERT ON accounts
WHEN instr(new.search_text, ' ') > 0 BEGIN
    INSERT INTO accounts_later_fts (rowid, later)
        VALUES (new.id, replace(replace(' ' || substr(new.search_text, instr(new.search_text, ' ') + 1) || ' ', ' ' || substr(new.search_text, 1, instr(new.search_text, ' ') - 1) || ' ', ' '), ' ' || substr(new.search_text, 1, instr(new.search_text, ' ') - 1) || ' ', ' '));
END;
CREATE TRIGGER accounts_later_fts_update AFTER UPDATE OF search_text ON accounts BEGIN
    DELETE FROM accounts_later_fts WHERE rowid = old.id;
    INSERT INTO accounts_later_fts (rowid, later)
        SELECT new.id, replace(replace(' ' || substr(new.search_text, instr(new.search_text, ' ') + 1) || ' ', ' ' || substr(new.search_text, 1, instr(new.search_text, ' ') - 1) || ' ', ' '), ' ' || substr(new.search_text, 1, instr(new.search_text, ' ') - 1) || ' ', ' ')
        WHERE instr(new.search_text, ' ') > 0;
END;
INSERT INTO accounts_later_fts (accounts_later_fts) VALUES ('delete-all');
INSERT INTO accounts_later_fts (rowid, later)
    SELECT id, replace(replace(' ' || substr(search_text, instr(search_text, ' ') + 1) || ' ', ' ' || substr(search_text, 1, instr(search_text, ' ') - 1) || ' ', ' '), ' ' || substr(search_text, 1, instr(search_text, ' ') - 1) || ' ', ' ')
    FROM accounts WHERE instr(search_text, ' ') > 0;
