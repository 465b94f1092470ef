DROP TABLE profile_deferred_indexes;
