-- Indexes still noted here (a bulk load that stopped half-way) are lost with the table: open the
-- database once with this version (which builds them) before going back.
DROP TABLE profile_deferred_indexes;
