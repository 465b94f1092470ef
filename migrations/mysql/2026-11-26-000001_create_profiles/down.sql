DROP TABLE profile_creator_locks;
DROP TABLE profiles;
