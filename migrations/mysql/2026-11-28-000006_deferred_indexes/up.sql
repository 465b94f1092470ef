-- The indexes a bulk load into an empty table put off (as on SQLite and PostgreSQL): it notes
-- each here, then drops it, and builds them all at the end in one ALTER TABLE (one pass over the
-- table, a sorted build per index) instead of one insert per row and index: a million rows
-- 55.7 s with them kept up, 29.1 + 3.6 s put off. MySQL commits each schema change at once, so
-- the note is written before the index is dropped: a load that stops anywhere leaves at worst a
-- note for an index still there, which the next writable open clears, or builds what is missing.
-- Only the names: what each index is comes from the program.
CREATE TABLE profile_deferred_indexes (
    name VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY
) ENGINE = InnoDB;
