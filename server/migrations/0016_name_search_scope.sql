-- 0016_name_search_scope: a city's name search reads no employee rows it
-- does not return.
--
-- employee_name_matches (0010) walks the matching names best first and,
-- for each, the employees bearing it in NIP order until the page is full,
-- joining each to its office to test the caller's scope. An HR officer of
-- one city skips most of them (they work elsewhere), and every one skipped
-- cost a heap fetch and an office lookup. Now the offices in scope are
-- read once per search, and the index on (lower(name), nip) also carries
-- office_id and id, so the per-name walk is an index-only scan that tests
-- the office in the index entry: at 300,000 employees a search scoped to
-- Binjai went from 7.2 to 4.0 ms in the matching function, a search over
-- everything from 3.5 to 3.2 ms, with the same results (checked on 900
-- query and scope pairs; docs/PERFORMANCE.md "fourth pass"). A caller
-- whose scope covers every office skips the test.
CREATE INDEX employees_lname_nip_cover ON employees (lower(name), nip) INCLUDE (office_id, id);
DROP INDEX employees_lname_nip;

CREATE OR REPLACE FUNCTION employee_name_matches(p_query text, p_root text, p_scope text, p_branch text, p_limit integer)
RETURNS TABLE (employee_id bigint, score real)
LANGUAGE plpgsql STABLE ROWS 20 AS $$
DECLARE
  n record;
  got integer := 0;
  offs bigint[];
  everywhere boolean;
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
  FOR n IN SELECT x.lname, public.similarity(x.lname, p_query) AS s FROM employee_names x
           WHERE x.lname OPERATOR(public.%) p_query ORDER BY 2 DESC, x.lname LOOP
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
