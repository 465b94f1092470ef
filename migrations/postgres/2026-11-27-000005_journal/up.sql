-- The change journal: every change to profiles, by this tool or any other client, recorded by a
-- trigger in the same transaction, and announced (NOTIFY profile_changes, payload the change id)
-- at commit. An undo reads it (see docs/semantics.md, "History and undo").
-- Who is writing comes from settings this tool sets on its sessions (profile_console.source,
-- .os_user, .session) and, for an undo, in its transaction (.action, .reverts); any other
-- client's changes are journaled as 'other', with the database user.
CREATE TABLE profile_changes (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at              TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    profile_id      BIGINT NOT NULL,
    action          TEXT   NOT NULL
        CHECK (action IN ('created', 'updated', 'deleted', 'restored', 'reverted')),
    old_first_name  TEXT,
    old_last_name   TEXT,
    old_gender      TEXT,
    old_age         INTEGER,
    old_created_at  TIMESTAMPTZ,
    old_updated_at  TIMESTAMPTZ,
    new_first_name  TEXT,
    new_last_name   TEXT,
    new_gender      TEXT,
    new_age         INTEGER,
    new_created_at  TIMESTAMPTZ,
    new_updated_at  TIMESTAMPTZ,
    source          TEXT   NOT NULL,
    db_user         TEXT   NOT NULL DEFAULT current_user,
    os_user         TEXT,
    session         TEXT,
    reverts         BIGINT
);
CREATE INDEX profile_changes_profile_idx ON profile_changes (profile_id, id);
-- Only this tool's changes carry a session, and only undos revert: the other changes skip these.
CREATE INDEX profile_changes_session_idx ON profile_changes (session, id) WHERE session IS NOT NULL;
CREATE INDEX profile_changes_reverts_idx ON profile_changes (reverts) WHERE reverts IS NOT NULL;

CREATE FUNCTION profile_changes_journal() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    setting_action  TEXT   := nullif(current_setting('profile_console.action', true), '');
    setting_source  TEXT   := coalesce(nullif(current_setting('profile_console.source', true), ''), 'other');
    setting_os_user TEXT   := nullif(current_setting('profile_console.os_user', true), '');
    setting_session TEXT   := nullif(current_setting('profile_console.session', true), '');
    setting_reverts BIGINT := nullif(current_setting('profile_console.reverts', true), '')::BIGINT;
    change_id       BIGINT;
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO profile_changes (profile_id, action,
            new_first_name, new_last_name, new_gender, new_age, new_created_at, new_updated_at,
            source, os_user, session, reverts)
        VALUES (NEW.id, coalesce(setting_action, 'created'),
            NEW.first_name, NEW.last_name, NEW.gender, NEW.age, NEW.created_at, NEW.updated_at,
            setting_source, setting_os_user, setting_session, setting_reverts)
        RETURNING id INTO change_id;
    ELSIF TG_OP = 'UPDATE' THEN
        IF (OLD.first_name, OLD.last_name, OLD.gender, OLD.age, OLD.created_at, OLD.updated_at)
            IS NOT DISTINCT FROM
           (NEW.first_name, NEW.last_name, NEW.gender, NEW.age, NEW.created_at, NEW.updated_at) THEN
            RETURN NULL;
        END IF;
        INSERT INTO profile_changes (profile_id, action,
            old_first_name, old_last_name, old_gender, old_age, old_created_at, old_updated_at,
            new_first_name, new_last_name, new_gender, new_age, new_created_at, new_updated_at,
            source, os_user, session, reverts)
        VALUES (NEW.id, coalesce(setting_action, 'updated'),
            OLD.first_name, OLD.last_name, OLD.gender, OLD.age, OLD.created_at, OLD.updated_at,
            NEW.first_name, NEW.last_name, NEW.gender, NEW.age, NEW.created_at, NEW.updated_at,
            setting_source, setting_os_user, setting_session, setting_reverts)
        RETURNING id INTO change_id;
    ELSE
        INSERT INTO profile_changes (profile_id, action,
            old_first_name, old_last_name, old_gender, old_age, old_created_at, old_updated_at,
            source, os_user, session, reverts)
        VALUES (OLD.id, coalesce(setting_action, 'deleted'),
            OLD.first_name, OLD.last_name, OLD.gender, OLD.age, OLD.created_at, OLD.updated_at,
            setting_source, setting_os_user, setting_session, setting_reverts)
        RETURNING id INTO change_id;
    END IF;
    PERFORM pg_notify('profile_changes', change_id::TEXT);
    RETURN NULL;
END
$$;

CREATE TRIGGER profile_changes_journal AFTER INSERT OR UPDATE OR DELETE ON profiles
    FOR EACH ROW EXECUTE FUNCTION profile_changes_journal();
