-- The change journal: every change to profiles, by this tool or any other client, recorded by
-- triggers in the same transaction. An undo reads it (see docs/semantics.md, "History and undo").
-- Who is writing comes from session variables this tool sets (@profile_console_source,
-- _os_user, _session) and, for an undo, around its transaction (_action, _reverts); any other
-- client's changes are journaled as 'other', with the database user.
CREATE TABLE profile_changes (
    id              BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    at              DATETIME(6) NOT NULL,
    profile_id      BIGINT NOT NULL,
    action          VARCHAR(8) CHARACTER SET ascii NOT NULL,
    old_first_name  VARCHAR(30) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,
    old_last_name   VARCHAR(30) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,
    old_gender      VARCHAR(1)  CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,
    old_age         INT,
    old_created_at  DATETIME(6),
    old_updated_at  DATETIME(6),
    new_first_name  VARCHAR(30) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,
    new_last_name   VARCHAR(30) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,
    new_gender      VARCHAR(1)  CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,
    new_age         INT,
    new_created_at  DATETIME(6),
    new_updated_at  DATETIME(6),
    source          VARCHAR(16) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    db_user         VARCHAR(300) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,
    os_user         VARCHAR(300) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,
    session         VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,
    reverts         BIGINT,
    CONSTRAINT profile_changes_action_check
        CHECK (action IN ('created', 'updated', 'deleted', 'restored', 'reverted')),
    INDEX profile_changes_profile_idx (profile_id, id),
    INDEX profile_changes_session_idx (session, id),
    INDEX profile_changes_reverts_idx (reverts)
) ENGINE = InnoDB;

CREATE TRIGGER profile_changes_insert AFTER INSERT ON profiles FOR EACH ROW
INSERT INTO profile_changes (at, profile_id, action,
    new_first_name, new_last_name, new_gender, new_age, new_created_at, new_updated_at,
    source, db_user, os_user, session, reverts)
VALUES (UTC_TIMESTAMP(6), NEW.id, COALESCE(@profile_console_action, 'created'),
    NEW.first_name, NEW.last_name, NEW.gender, NEW.age, NEW.created_at, NEW.updated_at,
    COALESCE(@profile_console_source, 'other'), CURRENT_USER(), @profile_console_os_user,
    @profile_console_session, @profile_console_reverts);

CREATE TRIGGER profile_changes_update AFTER UPDATE ON profiles FOR EACH ROW
BEGIN
    IF NOT (OLD.first_name <=> NEW.first_name AND OLD.last_name <=> NEW.last_name
            AND OLD.gender <=> NEW.gender AND OLD.age <=> NEW.age
            AND OLD.created_at <=> NEW.created_at AND OLD.updated_at <=> NEW.updated_at) THEN
        INSERT INTO profile_changes (at, profile_id, action,
            old_first_name, old_last_name, old_gender, old_age, old_created_at, old_updated_at,
            new_first_name, new_last_name, new_gender, new_age, new_created_at, new_updated_at,
            source, db_user, os_user, session, reverts)
        VALUES (UTC_TIMESTAMP(6), NEW.id, COALESCE(@profile_console_action, 'updated'),
            OLD.first_name, OLD.last_name, OLD.gender, OLD.age, OLD.created_at, OLD.updated_at,
            NEW.first_name, NEW.last_name, NEW.gender, NEW.age, NEW.created_at, NEW.updated_at,
            COALESCE(@profile_console_source, 'other'), CURRENT_USER(), @profile_console_os_user,
            @profile_console_session, @profile_console_reverts);
    END IF;
END;

CREATE TRIGGER profile_changes_delete AFTER DELETE ON profiles FOR EACH ROW
INSERT INTO profile_changes (at, profile_id, action,
    old_first_name, old_last_name, old_gender, old_age, old_created_at, old_updated_at,
    source, db_user, os_user, session, reverts)
VALUES (UTC_TIMESTAMP(6), OLD.id, COALESCE(@profile_console_action, 'deleted'),
    OLD.first_name, OLD.last_name, OLD.gender, OLD.age, OLD.created_at, OLD.updated_at,
    COALESCE(@profile_console_source, 'other'), CURRENT_USER(), @profile_console_os_user,
    @profile_console_session, @profile_console_reverts);
