-- Name search by substring, through an index: an FTS5 table with the trigram tokenizer (any
-- substring of three or more characters, case-insensitive), kept in step with profiles by
-- triggers, so rows written by any client are found too.
CREATE VIRTUAL TABLE profiles_name_search USING fts5(
    first_name,
    last_name,
    content = 'profiles',
    content_rowid = 'id',
    tokenize = 'trigram case_sensitive 0'
);

INSERT INTO profiles_name_search (profiles_name_search) VALUES ('rebuild');

CREATE TRIGGER profiles_name_search_insert AFTER INSERT ON profiles BEGIN
    INSERT INTO profiles_name_search (rowid, first_name, last_name)
    VALUES (new.id, new.first_name, new.last_name);
END;

CREATE TRIGGER profiles_name_search_delete AFTER DELETE ON profiles BEGIN
    INSERT INTO profiles_name_search (profiles_name_search, rowid, first_name, last_name)
    VALUES ('delete', old.id, old.first_name, old.last_name);
END;

CREATE TRIGGER profiles_name_search_update AFTER UPDATE OF first_name, last_name ON profiles BEGIN
    INSERT INTO profiles_name_search (profiles_name_search, rowid, first_name, last_name)
    VALUES ('delete', old.id, old.first_name, old.last_name);
    INSERT INTO profiles_name_search (rowid, first_name, last_name)
    VALUES (new.id, new.first_name, new.last_name);
END;
