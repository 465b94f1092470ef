DROP TRIGGER profile_changes_journal ON profiles;
DROP FUNCTION profile_changes_journal();
DROP TABLE profile_changes;
