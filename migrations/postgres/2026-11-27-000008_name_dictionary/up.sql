-- Name search through a dictionary of the folded names in use (as on MySQL): a term's names come
-- from a trigram index over this small table, then their profiles from the name indexes, without
-- reading the thousands of rows a trigram index over profiles itself hands back for a term that is
-- neither common nor rare. Kept by a statement-level trigger; no unique constraint, so two
-- writers adding the same new name never wait on each other (a rare duplicate costs nothing: the
-- search reads DISTINCT). A name no profile has any more stays, and costs one wasted lookup.
CREATE TABLE profile_name_keys (name_key TEXT COLLATE "C" NOT NULL);
INSERT INTO profile_name_keys (name_key)
SELECT first_key FROM profiles UNION SELECT last_key FROM profiles;
CREATE INDEX profile_name_keys_idx ON profile_name_keys (name_key);
CREATE INDEX profile_name_keys_trgm_idx ON profile_name_keys USING gin (name_key gin_trgm_ops);

CREATE FUNCTION profile_name_keys_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO profile_name_keys (name_key)
    SELECT k.name_key
    FROM (SELECT first_key AS name_key FROM new_rows UNION SELECT last_key FROM new_rows) k
    WHERE NOT EXISTS (SELECT 1 FROM profile_name_keys d WHERE d.name_key = k.name_key);
    RETURN NULL;
END
$$;

CREATE TRIGGER profile_name_keys_insert AFTER INSERT ON profiles
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION profile_name_keys_add();
CREATE TRIGGER profile_name_keys_update AFTER UPDATE ON profiles
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION profile_name_keys_add();
