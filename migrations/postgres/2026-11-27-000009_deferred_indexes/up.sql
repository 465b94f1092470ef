-- The indexes a bulk load into an empty table put off: it drops every index of profiles that
-- backs no unique constraint (the name lookups and the insert's conflict check need those), notes
-- each here, and builds them once at the end, one sorted pass each, instead of one insert per row
-- and index (the trigram indexes above all). A load that stops before the end leaves them here,
-- and the next writable open builds them.
-- Only the names: what each index is comes from the program (a statement kept in the database
-- would run with the rights of whoever opens it next).
CREATE TABLE profile_deferred_indexes (name text PRIMARY KEY);
