-- profiles, held to the same rules the application validates.
-- Timestamps are timestamptz; the application writes UTC and reads UTC (its sessions run in UTC).
CREATE TABLE profiles (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    first_name  TEXT        NOT NULL,
    last_name   TEXT        NOT NULL,
    gender      TEXT        NOT NULL,
    age         INTEGER     NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    CONSTRAINT profiles_name_key UNIQUE (first_name, last_name),
    CONSTRAINT profiles_first_name_check CHECK (
        char_length(first_name) BETWEEN 1 AND 30 AND first_name = btrim(first_name)
        AND first_name !~ '[\x01-\x1f\x7f]'),
    CONSTRAINT profiles_last_name_check CHECK (
        char_length(last_name) BETWEEN 1 AND 30 AND last_name = btrim(last_name)
        AND last_name !~ '[\x01-\x1f\x7f]'),
    CONSTRAINT profiles_gender_check CHECK (
        char_length(gender) = 1 AND gender = btrim(gender) AND gender !~ '[\x01-\x1f\x7f]'),
    CONSTRAINT profiles_age_check CHECK (age BETWEEN 0 AND 150)
);

-- Keyset paging: each sort order has an index ending in a unique tie-break.
-- (first_name, last_name) is served by profiles_name_key.
CREATE INDEX profiles_last_name_first_name_idx ON profiles (last_name, first_name);
CREATE INDEX profiles_gender_id_idx ON profiles (gender, id);
CREATE INDEX profiles_age_id_idx ON profiles (age, id);
CREATE INDEX profiles_created_at_id_idx ON profiles (created_at, id);
CREATE INDEX profiles_updated_at_id_idx ON profiles (updated_at, id);
