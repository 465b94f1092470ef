-- The indexes a bulk load into an empty table put off: it drops every index of profiles but the
-- unique name index (which its lookups need), notes each here, and builds them once at the end,
-- one sorted pass each, instead of one random insert per row and index. A load that stops before
-- the end leaves them here, and the next writable open builds them.
-- Only the names: what each index is comes from the program (a statement kept in the database
-- would run with the rights of whoever opens it next).
CREATE TABLE profile_deferred_indexes (name TEXT PRIMARY KEY) STRICT;
