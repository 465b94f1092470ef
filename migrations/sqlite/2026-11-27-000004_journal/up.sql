-- The change journal: every change to profiles, by this tool or any other client, recorded by
-- triggers in the same transaction. An undo reads it (see docs/semantics.md, "History and undo").
CREATE TABLE profile_changes (
    -- Entries are never deleted, so plain rowids never repeat (AUTOINCREMENT would cost a write
    -- to sqlite_sequence on every change).
    id              INTEGER PRIMARY KEY,
    at              TEXT    NOT NULL,
    profile_id      INTEGER NOT NULL,
    action          TEXT    NOT NULL
        CHECK (action IN ('created', 'updated', 'deleted', 'restored', 'reverted')),
    old_first_name  TEXT,
    old_last_name   TEXT,
    old_gender      TEXT,
    old_age         INTEGER,
    old_created_at  TEXT,
    old_updated_at  TEXT,
    new_first_name  TEXT,
    new_last_name   TEXT,
    new_gender      TEXT,
    new_age         INTEGER,
    new_created_at  TEXT,
    new_updated_at  TEXT,
    source          TEXT    NOT NULL,
    db_user         TEXT,
    os_user         TEXT,
    session         TEXT,
    reverts         INTEGER
) STRICT;
CREATE INDEX profile_changes_profile_idx ON profile_changes (profile_id, id);
-- Only this tool's changes carry a session, and only undos revert: the other changes skip these.
CREATE INDEX profile_changes_session_idx ON profile_changes (session, id) WHERE session IS NOT NULL;
CREATE INDEX profile_changes_reverts_idx ON profile_changes (reverts) WHERE reverts IS NOT NULL;

-- Who is writing: this tool fills the one row inside each of its write transactions and empties
-- it before committing (SQLite has one writer at a time, so no other writer sees it); any other
-- client's changes find it empty and are journaled as 'other'.
CREATE TABLE profile_change_context (
    one      INTEGER PRIMARY KEY CHECK (one = 1),
    source   TEXT,
    os_user  TEXT,
    session  TEXT,
    action   TEXT,
    reverts  INTEGER
) STRICT;
INSERT INTO profile_change_context (one) VALUES (1);

CREATE TRIGGER profile_changes_insert AFTER INSERT ON profiles BEGIN
    INSERT INTO profile_changes (at, profile_id, action,
        new_first_name, new_last_name, new_gender, new_age, new_created_at, new_updated_at,
        source, os_user, session, reverts)
    SELECT strftime('%Y-%m-%d %H:%M:%f', 'now'), new.id, coalesce(c.action, 'created'),
        new.first_name, new.last_name, new.gender, new.age, new.created_at, new.updated_at,
        coalesce(c.source, 'other'), c.os_user, c.session, c.reverts
    FROM profile_change_context c WHERE c.one = 1;
END;

CREATE TRIGGER profile_changes_update
AFTER UPDATE OF first_name, last_name, gender, age, created_at, updated_at ON profiles
WHEN old.first_name IS NOT new.first_name OR old.last_name IS NOT new.last_name
    OR old.gender IS NOT new.gender OR old.age IS NOT new.age
    OR old.created_at IS NOT new.created_at OR old.updated_at IS NOT new.updated_at
BEGIN
    INSERT INTO profile_changes (at, profile_id, action,
        old_first_name, old_last_name, old_gender, old_age, old_created_at, old_updated_at,
        new_first_name, new_last_name, new_gender, new_age, new_created_at, new_updated_at,
        source, os_user, session, reverts)
    SELECT strftime('%Y-%m-%d %H:%M:%f', 'now'), new.id, coalesce(c.action, 'updated'),
        old.first_name, old.last_name, old.gender, old.age, old.created_at, old.updated_at,
        new.first_name, new.last_name, new.gender, new.age, new.created_at, new.updated_at,
        coalesce(c.source, 'other'), c.os_user, c.session, c.reverts
    FROM profile_change_context c WHERE c.one = 1;
END;

CREATE TRIGGER profile_changes_delete AFTER DELETE ON profiles BEGIN
    INSERT INTO profile_changes (at, profile_id, action,
        old_first_name, old_last_name, old_gender, old_age, old_created_at, old_updated_at,
        source, os_user, session, reverts)
    SELECT strftime('%Y-%m-%d %H:%M:%f', 'now'), old.id, coalesce(c.action, 'deleted'),
        old.first_name, old.last_name, old.gender, old.age, old.created_at, old.updated_at,
        coalesce(c.source, 'other'), c.os_user, c.session, c.reverts
    FROM profile_change_context c WHERE c.one = 1;
END;
