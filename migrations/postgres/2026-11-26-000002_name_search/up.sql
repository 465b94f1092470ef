-- Name search by substring, through an index: trigram GIN indexes serve ILIKE '%term%' for terms
-- of three or more characters. pg_trgm ships with PostgreSQL and is a trusted extension: a user
-- who may create objects in the database may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX profiles_first_name_trgm_idx ON profiles USING gin (first_name gin_trgm_ops);
CREATE INDEX profiles_last_name_trgm_idx ON profiles USING gin (last_name gin_trgm_ops);
