-- The indexes a bulk load into an empty table put off: it drops every index of profiles but the
-- unique name index (which its lookups need), notes each here, and builds them once at the end,
-- one sorted pass each, instead of one random insert per row and index. A load that stops before
-- the end leaves them here, and the next writable open builds them.
CREATE TABLE profile_deferred_indexes (
    name TEXT PRIMARY KEY,
    sql  TEXT NOT NULL
) STRICT;
