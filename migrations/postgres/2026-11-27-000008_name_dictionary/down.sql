DROP TRIGGER profile_name_keys_insert ON profiles;
DROP TRIGGER profile_name_keys_update ON profiles;
DROP FUNCTION profile_name_keys_add();
DROP TABLE profile_name_keys;
