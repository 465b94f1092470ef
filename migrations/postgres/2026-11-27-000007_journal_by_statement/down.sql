DROP TRIGGER profile_changes_journal_insert ON profiles;
DROP TRIGGER profile_changes_journal_update ON profiles;
DROP TRIGGER profile_changes_journal_delete ON profiles;
DROP FUNCTION profile_changes_journal_rows();

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
