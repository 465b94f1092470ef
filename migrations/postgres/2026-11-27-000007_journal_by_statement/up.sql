-- The journal written once per statement instead of once per row: a statement-level trigger
-- reads the rows a statement inserted, updated or deleted from its transition tables and journals
-- them with one INSERT … SELECT, in id order, and announces them with one notification. A
-- thousand-row insert ran the row-level trigger (five setting reads, one insert, one
-- notification) a thousand times. The entries are the same as before.
DROP TRIGGER profile_changes_journal ON profiles;
DROP FUNCTION profile_changes_journal();

CREATE FUNCTION profile_changes_journal_rows() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    setting_action  TEXT   := nullif(current_setting('profile_console.action', true), '');
    setting_source  TEXT   := coalesce(nullif(current_setting('profile_console.source', true), ''), 'other');
    setting_os_user TEXT   := nullif(current_setting('profile_console.os_user', true), '');
    setting_session TEXT   := nullif(current_setting('profile_console.session', true), '');
    setting_reverts BIGINT := nullif(current_setting('profile_console.reverts', true), '')::BIGINT;
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO profile_changes (profile_id, action,
            new_first_name, new_last_name, new_gender, new_age, new_created_at, new_updated_at,
            source, os_user, session, reverts)
        SELECT n.id, coalesce(setting_action, 'created'),
            n.first_name, n.last_name, n.gender, n.age, n.created_at, n.updated_at,
            setting_source, setting_os_user, setting_session, setting_reverts
        FROM new_rows n ORDER BY n.id;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO profile_changes (profile_id, action,
            old_first_name, old_last_name, old_gender, old_age, old_created_at, old_updated_at,
            new_first_name, new_last_name, new_gender, new_age, new_created_at, new_updated_at,
            source, os_user, session, reverts)
        SELECT n.id, coalesce(setting_action, 'updated'),
            o.first_name, o.last_name, o.gender, o.age, o.created_at, o.updated_at,
            n.first_name, n.last_name, n.gender, n.age, n.created_at, n.updated_at,
            setting_source, setting_os_user, setting_session, setting_reverts
        FROM old_rows o JOIN new_rows n ON n.id = o.id
        WHERE (o.first_name, o.last_name, o.gender, o.age, o.created_at, o.updated_at)
            IS DISTINCT FROM (n.first_name, n.last_name, n.gender, n.age, n.created_at, n.updated_at)
        ORDER BY n.id;
    ELSE
        INSERT INTO profile_changes (profile_id, action,
            old_first_name, old_last_name, old_gender, old_age, old_created_at, old_updated_at,
            source, os_user, session, reverts)
        SELECT o.id, coalesce(setting_action, 'deleted'),
            o.first_name, o.last_name, o.gender, o.age, o.created_at, o.updated_at,
            setting_source, setting_os_user, setting_session, setting_reverts
        FROM old_rows o ORDER BY o.id;
    END IF;
    IF FOUND THEN
        PERFORM pg_notify('profile_changes', '');
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER profile_changes_journal_insert AFTER INSERT ON profiles
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION profile_changes_journal_rows();
CREATE TRIGGER profile_changes_journal_update AFTER UPDATE ON profiles
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION profile_changes_journal_rows();
CREATE TRIGGER profile_changes_journal_delete AFTER DELETE ON profiles
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION profile_changes_journal_rows();
