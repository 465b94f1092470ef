DROP TRIGGER profile_changes_delete;
DROP TRIGGER profile_changes_update;
DROP TRIGGER profile_changes_insert;
DROP TABLE profile_changes;
