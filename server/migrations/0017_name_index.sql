-- 0017_name_index: name search with the names in the daemon's memory.
--
-- At a million employees most of a name search was pg_trgm finding the
-- ~700-1,100 distinct names within similarity 0.3 of the query through the
-- GIN index and rechecking each (5-8 ms of the database's CPU a search).
-- Each daemon now keeps the distinct names (employee_names) in memory with
-- a posting list per trigram and computes pg_trgm's similarity itself
-- (server/name_index.c); PostgreSQL only orders those names and reads the
-- employees of the best of them, as employee_name_matches does.
--
-- The daemon loads the names once and then, every second, those added
-- since. So that a search never misses a name added in between, every name
-- row records the transaction that added it, and the daemon passes the
-- snapshot (pg_snapshot) its copy is complete for: PostgreSQL scores the
-- names that snapshot did not see itself (a few, through employee_names_xid).
-- It also scores the names that are not plain printable ASCII, whose
-- trigrams pg_trgm hashes and lower-cases by the database's locale (the
-- daemon leaves them out; a small partial trigram index finds them). The
-- results are exactly employee_name_matches' (test
-- name_search_in_the_daemon_finds_what_postgresql_finds).
--
-- Existing rows keep a NULL xid: they were committed before this migration,
-- so every snapshot a daemon takes afterwards sees them.
ALTER TABLE employee_names ADD COLUMN xid xid8;
ALTER TABLE employee_names ALTER COLUMN xid SET DEFAULT pg_current_xact_id();
CREATE INDEX employee_names_xid ON employee_names (xid);
CREATE INDEX employee_names_other_trgm ON employee_names USING gin (lname public.gin_trgm_ops)
  WITH (fastupdate = off) WHERE lname !~ '^[ -~]*$';

-- The daemons' copies rely on names only ever being added.
CREATE FUNCTION employee_names_insert_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'employee_names is insert-only: the daemons'' name indexes copy it (migration 0017)'
    USING ERRCODE = 'SP409';
END;
$$;
CREATE TRIGGER employee_names_insert_only BEFORE UPDATE OR DELETE OR TRUNCATE ON employee_names
  FOR EACH STATEMENT EXECUTE FUNCTION employee_names_insert_only();

-- As employee_name_matches (0016), with the similar names the daemon found
-- (p_names, p_scores: every name of employee_names visible to p_known that
-- is printable ASCII and similar to p_query) completed here by the names
-- p_known did not see and those that are not printable ASCII.
--
-- The names p_known did not see are looked for only when the newest name
-- is not older than p_known's xmin (max() reads one index entry), which is
-- rare: a daemon refreshes every second. They are then read by their xid
-- alone (a materialized CTE, planned for the actual xmin), as the planner
-- would otherwise prefer the trigram index for `~` and `%` and recheck
-- thousands of names: the very cost this migration removes.
CREATE FUNCTION employee_name_matches_known(p_query text, p_root text, p_scope text, p_branch text, p_limit integer,
                                            p_names text[], p_scores real[], p_known pg_snapshot)
RETURNS TABLE (employee_id bigint, score real)
LANGUAGE plpgsql STABLE ROWS 20 AS $$
DECLARE
  n record;
  got integer := 0;
  offs bigint[];
  everywhere boolean;
  names text[] := p_names;
  scores real[] := p_scores;
  d_names text[];
  d_scores real[];
BEGIN
  IF p_limit <= 0 THEN
    RETURN;
  END IF;
  SELECT array_agg(o.id), count(*) = (SELECT count(*) FROM offices) INTO offs, everywhere
    FROM offices o
   WHERE starts_with(o.path, p_root) AND starts_with(o.path, p_scope) AND starts_with(o.path, p_branch);
  IF offs IS NULL THEN
    RETURN;
  END IF;
  IF (SELECT max(x.xid) FROM employee_names x) >= pg_snapshot_xmin(p_known) THEN
    EXECUTE 'WITH d AS MATERIALIZED (SELECT x.lname, x.xid FROM employee_names x WHERE x.xid >= $2)'
            ' SELECT array_agg(d.lname), array_agg(public.similarity(d.lname, $1)) FROM d'
            ' WHERE NOT pg_visible_in_snapshot(d.xid, $3) AND d.lname ~ ''^[ -~]*$'''
            ' AND d.lname OPERATOR(public.%) $1'
      INTO d_names, d_scores USING p_query, pg_snapshot_xmin(p_known), p_known;
    names := names || d_names;
    scores := scores || d_scores;
  END IF;
  FOR n IN SELECT c.lname, c.s FROM (
             SELECT u.lname, u.s FROM unnest(names, scores) AS u (lname, s)
             UNION ALL
             SELECT x.lname, public.similarity(x.lname, p_query) FROM employee_names x
              WHERE x.lname !~ '^[ -~]*$' AND x.lname OPERATOR(public.%) p_query) c
           ORDER BY 2 DESC, 1 LOOP
    FOR employee_id IN SELECT e.id FROM employees e
                       WHERE lower(e.name) = n.lname AND (everywhere OR e.office_id = ANY (offs))
                       ORDER BY lower(e.name), e.nip LIMIT p_limit - got LOOP
      score := n.s;
      got := got + 1;
      RETURN NEXT;
    END LOOP;
    EXIT WHEN got >= p_limit;
  END LOOP;
END;
$$;
