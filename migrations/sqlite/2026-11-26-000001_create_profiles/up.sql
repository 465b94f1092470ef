-- profiles, held to the same rules the application validates (see docs/semantics in README).
-- STRICT makes SQLite refuse values of the wrong type, as PostgreSQL does.
CREATE TABLE profiles (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    first_name  TEXT    NOT NULL,
    last_name   TEXT    NOT NULL,
    gender      TEXT    NOT NULL,
    age         INTEGER NOT NULL,
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL,
    CONSTRAINT profiles_name_key UNIQUE (first_name, last_name),
    CONSTRAINT profiles_first_name_check CHECK (
        length(first_name) BETWEEN 1 AND 30 AND first_name = trim(first_name)
        AND first_name NOT GLOB ('*[' || char(1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,127) || ']*')),
    CONSTRAINT profiles_last_name_check CHECK (
        length(last_name) BETWEEN 1 AND 30 AND last_name = trim(last_name)
        AND last_name NOT GLOB ('*[' || char(1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,127) || ']*')),
    CONSTRAINT profiles_gender_check CHECK (
        length(gender) = 1 AND gender = trim(gender)
        AND gender NOT GLOB ('*[' || char(1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,127) || ']*')),
    CONSTRAINT profiles_age_check CHECK (age BETWEEN 0 AND 150)
) STRICT;

-- Keyset paging: each sort order has an index ending in a unique tie-break.
-- (first_name, last_name) is served by profiles_name_key.
CREATE INDEX profiles_last_name_first_name_idx ON profiles (last_name, first_name);
CREATE INDEX profiles_gender_id_idx ON profiles (gender, id);
CREATE INDEX profiles_age_id_idx ON profiles (age, id);
CREATE INDEX profiles_created_at_id_idx ON profiles (created_at, id);
CREATE INDEX profiles_updated_at_id_idx ON profiles (updated_at, id);
