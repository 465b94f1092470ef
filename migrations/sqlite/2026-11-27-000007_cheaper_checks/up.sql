-- The names' CHECK against control characters, in a form SQLite checks cheaply. The pattern was
-- built for every row checked, from char() of 32 characters joined with ||, and GLOB then tried
-- each of the 32 at every character of the name: 7 % of a bulk insert. Now the same pattern,
-- `*[\x01-\x1f\x7f]*` (one range and one character), is a constant: a blob literal read as text.
-- The two accept exactly the same values (checked for every code point below U+D800 and every
-- seventh one above U+E000).
--
-- SQLite cannot alter a CHECK, and rebuilding the table would copy every row. Its documented
-- procedure for a constraint change that every row already satisfies
-- (https://sqlite.org/lang_altertable.html, "Making Other Kinds Of Table Schema Changes") edits
-- the table's definition in sqlite_schema inside the transaction instead. RESET reloads this
-- connection's schema; the table created and dropped after it moves the schema version, so that
-- every other connection reloads it too.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
SET sql = replace(sql, '(''*['' || char(1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,127) || '']*'')', 'CAST(x''2a5b012d1f7f5d2a'' AS TEXT)')
WHERE type = 'table' AND name = 'profiles';
PRAGMA writable_schema = RESET;
CREATE TABLE profile_schema_version_bump (x);
DROP TABLE profile_schema_version_bump;
