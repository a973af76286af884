-- 0012_names_index: no pending list on the trigram index of employee names.
--
-- A GIN index normally collects new entries in a pending list that every
-- search scans sequentially until VACUUM (or autovacuum, often a minute
-- later) merges it. An import that brings tens of thousands of new names
-- left them all there: name searches took ~380 ms instead of ~10 ms at
-- 1,000,000 employees until autovacuum came by. Names are added rarely and
-- in one statement per import (employee_names_add), so they go straight
-- into the index instead; the pending list that exists now is merged.
ALTER INDEX employee_names_trgm SET (fastupdate = off);
SELECT pg_catalog.gin_clean_pending_list('employee_names_trgm'::regclass);
