ALTER TABLE profiles DROP COLUMN search_name;
