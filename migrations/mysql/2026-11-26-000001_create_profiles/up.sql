-- profiles, held to the same rules the application validates, on MySQL 8 / MariaDB 10.5 and later.
-- Names are utf8mb4 (emoji included) and VARCHAR lengths count characters, as the rules do.
-- utf8mb4_bin compares names by code point, as PostgreSQL's "C" collation and SQLite do; its
-- trailing-space padding cannot matter, since stored names are trimmed.
-- Timestamps are DATETIME(6) holding UTC; the application writes UTC and reads UTC.
CREATE TABLE profiles (
    id          BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    first_name  VARCHAR(30)  CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    last_name   VARCHAR(30)  CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    gender      VARCHAR(1)   CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    age         INT          NOT NULL,
    created_at  DATETIME(6)  NOT NULL,
    updated_at  DATETIME(6)  NOT NULL,
    CONSTRAINT profiles_name_key UNIQUE (first_name, last_name),
    CONSTRAINT profiles_first_name_check CHECK (
        CHAR_LENGTH(first_name) BETWEEN 1 AND 30 AND first_name = TRIM(first_name)
        AND first_name NOT REGEXP '[[:cntrl:]]'),
    CONSTRAINT profiles_last_name_check CHECK (
        CHAR_LENGTH(last_name) BETWEEN 1 AND 30 AND last_name = TRIM(last_name)
        AND last_name NOT REGEXP '[[:cntrl:]]'),
    CONSTRAINT profiles_gender_check CHECK (
        CHAR_LENGTH(gender) = 1 AND gender = TRIM(gender) AND gender NOT REGEXP '[[:cntrl:]]'),
    CONSTRAINT profiles_age_check CHECK (age BETWEEN 0 AND 150),
    -- Keyset paging: each sort order has an index ending in a unique tie-break.
    INDEX profiles_last_name_first_name_idx (last_name, first_name),
    INDEX profiles_gender_id_idx (gender, id),
    INDEX profiles_age_id_idx (age, id),
    INDEX profiles_created_at_id_idx (created_at, id),
    INDEX profiles_updated_at_id_idx (updated_at, id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- One row per lookup that no unique constraint covers and that someone created a profile for:
-- creators lock its row (INSERT … ON DUPLICATE KEY UPDATE) until their transaction ends, as
-- PostgreSQL's transaction-scoped advisory lock does.
CREATE TABLE profile_creator_locks (
    lock_key BINARY(32) NOT NULL PRIMARY KEY
) ENGINE = InnoDB;
