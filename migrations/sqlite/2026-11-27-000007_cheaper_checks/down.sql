PRAGMA writable_schema = ON;
UPDATE sqlite_schema
SET sql = replace(sql, 'CAST(x''2a5b012d1f7f5d2a'' AS TEXT)', '(''*['' || char(1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,127) || '']*'')')
WHERE type = 'table' AND name = 'profiles';
PRAGMA writable_schema = RESET;
CREATE TABLE profile_schema_version_bump (x);
DROP TABLE profile_schema_version_bump;
