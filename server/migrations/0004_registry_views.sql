-- 0004_registry_views: the rules behind the registry views (issue #4;
-- DOMAIN.md §4, §5.3, §6): DukList, Headcount and EarlyWarnings
-- (server/svc_views.c). Lists and single records share these functions:
--   position_kind_order(kind)                DUK order of position kinds
--   kgb_next(...)                            DOMAIN §5.3 next periodic raise
--   employee_next_kgb(id, date)              the same from the histories
--   promotion_eligible(...)                  DOMAIN §4.2 reguler years in rank
--                                            and §2.2 education ceiling
--   employee_retirement(id)                  DOMAIN §6 pension TMT
-- docs/internals/registry.md ("Registry views") documents the
-- simplifications.

-- DUK order of position kinds (simpeg.v1.PositionKind 1 JPT, 2
-- administrator, 3 pengawas, 4 pelaksana, 5 fungsional): JPT,
-- administrator, pengawas, fungsional, pelaksana; unknown last.
CREATE FUNCTION position_kind_order(p_kind smallint) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE p_kind WHEN 1 THEN 1 WHEN 2 THEN 2 WHEN 3 THEN 3 WHEN 5 THEN 4 WHEN 4 THEN 5 ELSE 6 END
$$;

-- The next KGB on or after p_on (DOMAIN §5.3): every 2 years of MKG from
-- the last recorded salary or rank event (p_ref_tmt, with its MKG); with
-- none, from the TMT of first appointment (MKG 0). An initial II/a
-- appointment (the reference is a II/a rank at MKG 0) reaches its first
-- step after 1 year, then every 2 years. Raises missed in the records are
-- not reported as overdue: the series continues to the first date not
-- before p_on (d0 + 24k months, k = ceil(months from d0 to p_on / 24)).
-- Returns the date and the whole MKG years reached then.
-- The functions below return TABLE and are single SELECTs, neither STRICT
-- nor VOLATILE, so the planner inlines them into a list's query (one plan
-- for the list instead of one query per employee).
CREATE FUNCTION kgb_next(p_tmt_cpns date, p_ref_tmt date, p_ref_rank text, p_ref_mkg_years integer,
                         p_ref_mkg_months integer, p_on date)
RETURNS TABLE (due date, mkg_years integer)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT (c.d0 + make_interval(months => 24 * c.k))::date, (c.mkg0 + c.first_months + 24 * c.k) / 12
  FROM (SELECT b.*, CASE WHEN b.m <= 0 THEN 0 ELSE (b.m + 23) / 24 END AS k
        FROM (SELECT a.*,
                     (extract(year FROM p_on)::int - extract(year FROM a.d0)::int) * 12
                     + extract(month FROM p_on)::int - extract(month FROM a.d0)::int
                     + CASE WHEN extract(day FROM p_on) > extract(day FROM a.d0) THEN 1 ELSE 0 END AS m
              FROM (SELECT x.*, (x.base + make_interval(months => x.first_months))::date AS d0
                    FROM (SELECT coalesce(p_ref_tmt, p_tmt_cpns) AS base,
                                 CASE WHEN p_ref_tmt IS NOT NULL
                                      THEN coalesce(p_ref_mkg_years, 0) * 12 + coalesce(p_ref_mkg_months, 0)
                                      ELSE 0 END AS mkg0,
                                 CASE WHEN p_ref_tmt IS NOT NULL AND p_ref_rank = 'II/a'
                                       AND coalesce(p_ref_mkg_years, 0) = 0 AND coalesce(p_ref_mkg_months, 0) = 0
                                      THEN 12 ELSE 24 END AS first_months) x) a) b) c
$$;

-- kgb_next for one employee: the reference is the latest salary (KGB) or
-- rank row by TMT (a salary row wins a tie: it is the later decree of the
-- two on one day). PNS and CPNS only (PPPK have no salary table yet).
CREATE FUNCTION employee_next_kgb(p_id bigint, p_on date)
RETURNS TABLE (due date, rank_code text, mkg_years integer)
LANGUAGE sql STABLE AS $$
  SELECT k.due, coalesce(e.current_rank_code, ''), k.mkg_years
  FROM employees e
  LEFT JOIN LATERAL (
    SELECT * FROM (
      SELECT s.tmt, s.rank_code, s.mkg_years, 0 AS mkg_months, 1 AS pri FROM employee_salaries s WHERE s.employee_id = e.id
      UNION ALL
      SELECT r.tmt, r.rank_code, r.mkg_years, r.mkg_months, 0 FROM employee_ranks r WHERE r.employee_id = e.id
    ) h WHERE h.tmt <= p_on ORDER BY h.tmt DESC, h.pri DESC LIMIT 1) ref ON true
  CROSS JOIN LATERAL kgb_next(e.tmt_cpns, ref.tmt, ref.rank_code, ref.mkg_years, ref.mkg_months, p_on) k
  WHERE e.id = p_id AND e.employment_type IN (1, 2)
$$;

-- Reguler promotion (DOMAIN §4.2, §2.2): eligible 4 years after the TMT of
-- the current rank, to the next rank of the same kind, unless the current
-- rank is already at the ceiling of the highest education (ref_education
-- in force). Unknown education: no ceiling is applied. NULL when not
-- eligible (no rank, PPPK grade, at the ceiling, IV/e).
CREATE FUNCTION promotion_eligible(p_rank text, p_rank_tmt date, p_education text)
RETURNS TABLE (due date, next_rank text)
LANGUAGE sql STABLE AS $$
  SELECT (p_rank_tmt + interval '4 years')::date, n.code
  FROM ref_ranks c
  JOIN ref_ranks n ON n.kind = c.kind AND n.ordinal = c.ordinal + 1
  LEFT JOIN ref_education x ON x.level = p_education
  LEFT JOIN ref_ranks m ON m.code = x.max_reguler
  WHERE c.code = p_rank AND c.kind = 'pns' AND p_rank_tmt IS NOT NULL
    AND (m.code IS NULL OR c.ordinal < m.ordinal)
$$;

-- Pension TMT of one employee from the current position's BUP (NULL when
-- the position is unknown).
CREATE FUNCTION employee_retirement(p_id bigint)
RETURNS TABLE (due date, bup integer)
LANGUAGE sql STABLE AS $$
  SELECT retirement_date(e.birth_date, b.age), b.age
  FROM employees e CROSS JOIN LATERAL (SELECT bup_age(e.current_position_kind, e.current_functional_level) AS age) b
  WHERE e.id = p_id AND b.age IS NOT NULL
$$;
