-- 0008_promotion: promotion (kenaikan pangkat, DOMAIN §4), periodic raise
-- (KGB, DOMAIN §5.3) and the retirement projection (DOMAIN §6) (issue #5;
-- docs/internals/promotion.md). The lifecycle (0006_requests.sql) calls
-- promotion_effect / kgb_effect and promotion_missing / kgb_missing.
--
-- The rules, each one function used by every reader:
--   promotion_rules(...)          DOMAIN §4.2 one employee's facts -> next rank, reasons
--   promotion_candidates(...)     a page of a scope, one set-based query
--   promotion_counts(...)         the counts of a whole scope, one query
--   promotion_check(emp, period, kind)   one employee (PromotionSubmit)
--   promotion_mkg(...)            MKG carried into the new rank
--   kgb_due_of(emp, on)           DOMAIN §5.3 next raise, respecting postponements
--   retirement_projection(...)    DOMAIN §6 retirements per year

-- ---- promotion periods (DOMAIN §4.1) ----
-- Periods are data, not an enum of April/October: the regulation changed
-- twice in two years. Peraturan BKN 4/2023 (from 1 January 2024): six
-- periods a year, 1 Feb, 1 Apr, 1 Jun, 1 Aug, 1 Oct, 1 Dec; the periods are
-- submission windows. Peraturan BKN 4/2025 is reported (one secondary
-- source, DOMAIN §4.1: uncertain) to make every month a period from
-- 1 October 2025: if it is confirmed, the missing months are added with
-- PromotionPeriodAdd (`simpeg promotion period-add`), nothing else changes.
-- Submission windows: the sources give 15 Dec 2023 - 15 Jan 2024 for
-- 1 Feb 2024 and 1-28 Feb for 1 Apr; the seed uses that first example
-- for 1 Feb 2024 and, for the others, the month that starts two months
-- before the period (1 Feb - end of Feb for 1 Apr).
CREATE TABLE promotion_periods (
  period_date date        PRIMARY KEY,
  submit_from date        NOT NULL,
  submit_to   date        NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  CHECK (submit_from <= submit_to AND submit_to < period_date)
);
INSERT INTO promotion_periods (period_date, submit_from, submit_to)
SELECT d, CASE WHEN d = DATE '2024-02-01' THEN DATE '2023-12-15' ELSE (d - interval '2 months')::date END,
          CASE WHEN d = DATE '2024-02-01' THEN DATE '2024-01-15' ELSE (d - interval '1 month' - interval '1 day')::date END
FROM (SELECT make_date(y, m, 1) AS d FROM generate_series(2024, 2027) y, unnest(ARRAY[2, 4, 6, 8, 10, 12]) m) p;

-- ---- service exams (ujian dinas, DOMAIN §4.2) ----
-- Crossing a golongan by reguler or struktural promotion (II/d -> III/a,
-- III/d -> IV/a) needs the STLUD of the matching level: tingkat I (level 1)
-- for III/a, tingkat II (level 2) for IV/a; a higher level covers the lower
-- one. A pass is its own history (a row per certificate, with its decree)
-- rather than a kind of training row: trainings have no level and no
-- notion of passing. The other way across (a diploma whose starting rank,
-- ref_education.start_rank, is at least the next rank) is read from the
-- education history.
CREATE TABLE employee_service_exams (
  id            bigserial   PRIMARY KEY,
  employee_id   bigint      NOT NULL REFERENCES employees (id),
  level         smallint    NOT NULL CHECK (level IN (1, 2)),
  passed_on     date        NOT NULL,
  decree_number text        NOT NULL DEFAULT '' CHECK (length(decree_number) <= 100),
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX employee_service_exams_emp ON employee_service_exams (employee_id, level);

-- No index is added: a page walks employees by NIP (employees_nip_key)
-- and looks each one's SKP up by employee_performances_emp; the counts
-- find a scope's employees by employees_office_nip (all from 0003).

-- The kind of promotion an employee's current position leads to:
-- structural posts (1 JPT, 2 administrator, 3 pengawas) struktural,
-- functional posts fungsional, anyone else (pelaksana, unknown) reguler.
CREATE FUNCTION promotion_kind_of(p_position_kind smallint) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN p_position_kind IN (1, 2, 3) THEN 'struktural' WHEN p_position_kind = 5 THEN 'fungsional'
              ELSE 'reguler' END
$$;

-- Whether the last two annual SKP (the two years before the period's
-- year) are both at least Baik (DOMAIN §4.2, §7): both years recorded and
-- every annual row of them at least Baik (a year with two rows, e.g. one
-- entered twice, needs both good). Two forms of the one condition: per
-- employee here (an index lookup, for a page) and grouped over the
-- employees of a scope in promotion_counts (joined by hash); the planner
-- does not push a join condition into a grouped subquery, so one form
-- cannot serve both. tests/integration/test_promotion.c checks that the
-- counts and the pages agree.
CREATE FUNCTION promotion_performance_of(p_employee_id bigint, p_period date)
RETURNS TABLE (ok boolean)
LANGUAGE sql STABLE AS $$
  SELECT count(DISTINCT p.year) = 2 AND coalesce(bool_and(p.predicate IN ('baik', 'sangat_baik')), false)
  FROM employee_performances p
  WHERE p.employee_id = p_employee_id AND p.period = 'annual'
    AND p.year BETWEEN extract(year FROM p_period)::int - 2 AND extract(year FROM p_period)::int - 1
$$;
-- The highest STLUD level passed on or before the period date.
CREATE FUNCTION promotion_exams(p_period date)
RETURNS TABLE (employee_id bigint, level integer)
LANGUAGE sql STABLE AS $$
  SELECT x.employee_id, max(x.level)::integer FROM employee_service_exams x
  WHERE x.passed_on <= p_period GROUP BY x.employee_id
$$;

-- What the rules read of an employee, besides the period's facts: the
-- employee row with the reference data looked up (current and next PNS
-- rank, the ceiling and starting rank of the highest education, the
-- supervisor's rank) as plain joins, so that a page joins them by index and
-- a whole scope by hash. Joins to columns not used are removed by the
-- planner (each joined key is unique).
CREATE VIEW promotion_facts AS
SELECT e.id, e.nip, e.name, e.office_id, e.status, e.employment_type, e.current_rank_code, e.current_rank_tmt,
       e.current_position_kind, e.current_education_level, e.supervisor_id,
       promotion_kind_of(e.current_position_kind) AS natural_kind,
       c.ordinal AS rank_ordinal, n.code AS next_rank, n.ordinal AS next_ordinal,
       m.ordinal AS ceiling_ordinal, xs.ordinal AS diploma_ordinal, sr.ordinal AS supervisor_ordinal
FROM employees e
LEFT JOIN ref_ranks c ON c.code = e.current_rank_code AND c.kind = 'pns'
LEFT JOIN ref_ranks n ON n.kind = 'pns' AND n.ordinal = c.ordinal + 1
LEFT JOIN ref_education x ON x.level = e.current_education_level
LEFT JOIN ref_ranks m ON m.code = x.max_reguler
LEFT JOIN ref_ranks xs ON xs.code = x.start_rank
LEFT JOIN employees s ON s.id = e.supervisor_id
LEFT JOIN ref_ranks sr ON sr.code = s.current_rank_code AND sr.kind = 'pns';

-- The rules of DOMAIN §4.2 over one employee's facts (promotion_facts and
-- the period's: SKP, exams), for one kind (reguler, struktural,
-- fungsional). Returns the next rank, whole years in rank at the period
-- date, and the reasons it is not eligible (empty: eligible):
--   not_pns            CPNS and PPPK are not promoted (PPPK have grades)
--   no_rank            no PNS rank recorded
--   top_rank           IV/e
--   position           struktural without a structural post, fungsional
--                      without a functional one
--   years_in_rank      fewer than 4 years (fungsional: 2) in the rank at
--                      the period date
--   performance        the last two annual SKP not both at least Baik
--   education_ceiling  reguler: the next rank is above the ceiling of the
--                      highest education (ref_education.max_reguler)
--   supervisor_rank    reguler: the next rank is above the supervisor's
--                      rank (no supervisor, or one without a PNS rank: no cap)
--   service_exam       reguler/struktural crossing II/d -> III/a or
--                      III/d -> IV/a without the STLUD of that level or a
--                      diploma that starts at the next rank
-- Credit points (PAK) of functional promotion are not modelled: the
-- checklist asks for the PAK document instead. An expression over its
-- arguments, inlined into every caller's query.
CREATE FUNCTION promotion_rules(p_kind text, p_employment_type smallint, p_rank_code text, p_rank_ordinal smallint,
                                p_rank_tmt date, p_next_rank text, p_next_ordinal smallint,
                                p_ceiling_ordinal smallint, p_diploma_ordinal smallint,
                                p_supervisor_ordinal smallint, p_position_kind smallint, p_period date,
                                p_performance_ok boolean, p_exam_level integer)
RETURNS TABLE (next_rank text, years_in_rank integer, reasons text[])
LANGUAGE sql IMMUTABLE AS $$
  SELECT p_next_rank,
         CASE WHEN p_rank_tmt IS NULL OR p_rank_tmt > p_period THEN 0
              ELSE extract(year FROM age(p_period, p_rank_tmt))::integer END,
         array_remove(ARRAY[
           CASE WHEN p_employment_type <> 1 THEN 'not_pns' END,
           CASE WHEN p_rank_ordinal IS NULL OR p_rank_tmt IS NULL THEN 'no_rank' END,
           CASE WHEN p_rank_ordinal IS NOT NULL AND p_next_rank IS NULL THEN 'top_rank' END,
           CASE WHEN (p_kind = 'struktural' AND coalesce(p_position_kind, 0) NOT IN (1, 2, 3))
                  OR (p_kind = 'fungsional' AND coalesce(p_position_kind, 0) <> 5) THEN 'position' END,
           CASE WHEN p_rank_tmt IS NOT NULL AND p_rank_tmt
                  + make_interval(years => CASE WHEN p_kind = 'fungsional' THEN 2 ELSE 4 END) > p_period
                THEN 'years_in_rank' END,
           CASE WHEN NOT coalesce(p_performance_ok, false) THEN 'performance' END,
           CASE WHEN p_kind = 'reguler' AND p_next_ordinal > p_ceiling_ordinal THEN 'education_ceiling' END,
           CASE WHEN p_kind = 'reguler' AND p_next_ordinal > p_supervisor_ordinal THEN 'supervisor_rank' END,
           CASE WHEN p_kind IN ('reguler', 'struktural') AND p_rank_code IN ('II/d', 'III/d')
                 AND coalesce(p_exam_level, 0) < CASE p_rank_code WHEN 'II/d' THEN 1 ELSE 2 END
                 AND coalesce(p_diploma_ordinal, 0) < p_next_ordinal THEN 'service_exam' END
         ], NULL)
$$;

-- ---- eligibility over a scope ----

-- One page of the active employees of a subtree (p_root, inside the
-- caller's scope and branch) checked for the period, by NIP after p_after
-- (NULL: from the start), p_limit rows (NULL: all); p_all: every employee
-- with the reasons, else only the eligible ones. Each is checked for the
-- kind its current position leads to (promotion_kind_of). One query: the
-- planner walks the NIP index and looks each employee's facts up by index.
CREATE FUNCTION promotion_candidates(p_root text, p_scope text, p_branch text, p_period date,
                                     p_all boolean, p_after text, p_limit integer)
RETURNS TABLE (employee_id bigint, nip text, name text, office_code text, rank_code text, rank_tmt date,
               years_in_rank integer, next_rank text, kind text, eligible boolean, reasons text[])
LANGUAGE sql STABLE AS $$
  SELECT f.id, f.nip, f.name, o.code, f.current_rank_code, f.current_rank_tmt, r.years_in_rank, r.next_rank,
         f.natural_kind, cardinality(r.reasons) = 0, r.reasons
  FROM promotion_facts f
  JOIN offices o ON o.id = f.office_id
  CROSS JOIN LATERAL promotion_performance_of(f.id, p_period) pf
  LEFT JOIN LATERAL (SELECT max(x.level)::integer AS level FROM employee_service_exams x
                     WHERE x.employee_id = f.id AND x.passed_on <= p_period) x ON true
  CROSS JOIN LATERAL promotion_rules(f.natural_kind, f.employment_type, f.current_rank_code, f.rank_ordinal,
                                     f.current_rank_tmt, f.next_rank, f.next_ordinal, f.ceiling_ordinal,
                                     f.diploma_ordinal, f.supervisor_ordinal, f.current_position_kind, p_period,
                                     pf.ok, x.level) r
  WHERE f.status = 1 AND starts_with(o.path, p_root) AND starts_with(o.path, p_scope)
    AND starts_with(o.path, coalesce(p_branch, ''))
    AND (p_after IS NULL OR f.nip > p_after)
    AND (p_all OR cardinality(r.reasons) = 0)
  ORDER BY f.nip
  LIMIT p_limit
$$;

-- The counts of the same scope (the first page of PromotionEligibility):
-- eligible and checked (every active employee). Written for a whole
-- scope: the offices first (the employees by employees_office_nip), then
-- the SKP of just those employees grouped once and joined by hash.
-- (A set-returning function of one statement, so that the planner inlines
-- it and plans it with the actual scope.)
CREATE FUNCTION promotion_counts(p_root text, p_scope text, p_branch text, p_period date)
RETURNS TABLE (eligible bigint, checked bigint)
LANGUAGE sql STABLE AS $$
  WITH f AS (
    SELECT f.* FROM promotion_facts f
    WHERE f.status = 1 AND f.office_id = ANY (ARRAY(
      SELECT o.id FROM offices o WHERE starts_with(o.path, p_root) AND starts_with(o.path, p_scope)
         AND starts_with(o.path, coalesce(p_branch, ''))))),
  pf AS (
    SELECT p.employee_id, count(DISTINCT p.year) = 2 AND bool_and(p.predicate IN ('baik', 'sangat_baik')) AS ok
    FROM employee_performances p JOIN f ON f.id = p.employee_id
    WHERE p.period = 'annual'
      AND p.year BETWEEN extract(year FROM p_period)::int - 2 AND extract(year FROM p_period)::int - 1
    GROUP BY p.employee_id)
  SELECT count(*) FILTER (WHERE cardinality(r.reasons) = 0), count(*)
  FROM f
  LEFT JOIN pf ON pf.employee_id = f.id
  LEFT JOIN promotion_exams(p_period) x ON x.employee_id = f.id
  CROSS JOIN LATERAL promotion_rules(f.natural_kind, f.employment_type, f.current_rank_code, f.rank_ordinal,
                                     f.current_rank_tmt, f.next_rank, f.next_ordinal, f.ceiling_ordinal,
                                     f.diploma_ordinal, f.supervisor_ordinal, f.current_position_kind, p_period,
                                     pf.ok, x.level) r
$$;

-- One employee for one kind (PromotionSubmit and its re-checks).
CREATE FUNCTION promotion_check(p_employee_id bigint, p_period date, p_kind text)
RETURNS TABLE (rank_code text, next_rank text, years_in_rank integer, reasons text[])
LANGUAGE sql STABLE AS $$
  SELECT f.current_rank_code, r.next_rank, r.years_in_rank, r.reasons
  FROM promotion_facts f
  CROSS JOIN LATERAL promotion_performance_of(f.id, p_period) pf
  LEFT JOIN LATERAL (SELECT max(x.level)::integer AS level FROM employee_service_exams x
                     WHERE x.employee_id = f.id AND x.passed_on <= p_period) x ON true
  CROSS JOIN LATERAL promotion_rules(p_kind, f.employment_type, f.current_rank_code, f.rank_ordinal,
                                     f.current_rank_tmt, f.next_rank, f.next_ordinal, f.ceiling_ordinal,
                                     f.diploma_ordinal, f.supervisor_ordinal, f.current_position_kind, p_period,
                                     pf.ok, x.level) r
  WHERE f.id = p_employee_id
$$;

-- The period asked for ('' or NULL: the next one from today). SP400
-- unknown_period when it is not a period; SP412 no_next_period when none
-- is configured ahead.
CREATE FUNCTION promotion_period_pick(p_period text) RETURNS date
LANGUAGE plpgsql STABLE AS $$
DECLARE
  v date;
BEGIN
  IF coalesce(p_period, '') = '' THEN
    SELECT min(period_date) INTO v FROM promotion_periods WHERE period_date >= current_date;
    IF v IS NULL THEN
      PERFORM sp_fail('SP412', 'no_next_period', 'period_date');
    END IF;
    RETURN v;
  END IF;
  SELECT period_date INTO v FROM promotion_periods WHERE period_date = p_period::date;
  IF v IS NULL THEN
    PERFORM sp_fail('SP400', 'unknown_period', 'period_date');
  END IF;
  RETURN v;
END $$;

-- ---- promotion requests (KP) ----

CREATE TABLE promotion_requests (
  request_id  bigint PRIMARY KEY REFERENCES requests (id) ON DELETE CASCADE,
  employee_id bigint NOT NULL REFERENCES employees (id),
  kind        text   NOT NULL CHECK (kind IN ('reguler', 'struktural', 'fungsional')),
  period_date date   NOT NULL REFERENCES promotion_periods (period_date),
  from_rank   text   NOT NULL REFERENCES ref_ranks (code),
  to_rank     text   NOT NULL REFERENCES ref_ranks (code),
  checklist   text[] NOT NULL,
  rank_id     bigint REFERENCES employee_ranks (id) ON DELETE SET NULL,     -- written on approval
  salary_id   bigint REFERENCES employee_salaries (id) ON DELETE SET NULL
);
CREATE INDEX promotion_requests_emp ON promotion_requests (employee_id, period_date);

-- The documents a proposal needs (DOMAIN §4.3): for every kind the last
-- rank decree and the two years' SKP; the CPNS and PNS decrees for a
-- first promotion (one rank row so far); the STLUD (or the diploma that
-- replaces it) when crossing a golongan; the post's decree, the oath
-- statement and SPMT for struktural; the PAK and the functional
-- appointment decree for fungsional.
CREATE FUNCTION promotion_checklist(p_employee_id bigint, p_kind text, p_from_rank text, p_period date)
RETURNS text[] LANGUAGE sql STABLE AS $$
  SELECT ARRAY['sk_pangkat_terakhir', 'skp_2_tahun']
    || CASE WHEN (SELECT count(*) FROM employee_ranks r WHERE r.employee_id = p_employee_id) <= 1
            THEN ARRAY['sk_cpns', 'sk_pns'] ELSE '{}'::text[] END
    || CASE WHEN p_kind IN ('reguler', 'struktural') AND p_from_rank IN ('II/d', 'III/d')
            THEN CASE WHEN EXISTS (SELECT 1 FROM promotion_exams(p_period) x WHERE x.employee_id = p_employee_id
                                    AND x.level >= CASE p_from_rank WHEN 'II/d' THEN 1 ELSE 2 END)
                      THEN ARRAY['stlud'] ELSE ARRAY['ijazah'] END
            ELSE '{}'::text[] END
    || CASE p_kind WHEN 'struktural' THEN ARRAY['sk_jabatan', 'surat_pelantikan', 'spmt']
                   WHEN 'fungsional' THEN ARRAY['pak', 'sk_jabatan_fungsional']
                   ELSE '{}'::text[] END
$$;

-- Files a promotion proposal for an employee in the caller's scope (HR:
-- request_applicant with others allowed). Checks, in order: the kind
-- (SP400 unknown_promotion_kind), the period (SP400 unknown_period), the employee
-- (SP404/SP403), no other open proposal for that period (SP412
-- already_filed), eligibility (SP412 not_eligible; DETAIL: the reasons,
-- comma-separated). A retry with the same idempotency key returns the
-- first request. Submits at once unless p_draft.
CREATE FUNCTION promotion_request_create(p_user_id bigint, p_role smallint, p_scope text, p_branch text,
                                         p_nip text, p_kind text, p_period text, p_draft boolean,
                                         p_idem_key text, OUT request_id bigint, OUT created boolean)
LANGUAGE plpgsql AS $$
DECLARE
  v_emp bigint;
  v_period date;
  c record;
BEGIN
  IF coalesce(p_idem_key, '') <> '' THEN
    SELECT r.id INTO request_id FROM requests r WHERE r.created_by = p_user_id AND r.idem_key = p_idem_key;
    IF FOUND THEN
      created := false;
      RETURN;
    END IF;
  END IF;
  IF coalesce(p_kind, '') = '' THEN
    PERFORM sp_fail('SP400', 'required', 'promotion.kind');
  END IF;
  IF p_kind NOT IN ('reguler', 'struktural', 'fungsional') THEN
    PERFORM sp_fail('SP400', 'unknown_promotion_kind', 'promotion.kind');
  END IF;
  SELECT q.period_date INTO v_period FROM promotion_periods q WHERE q.period_date = p_period::date;
  IF v_period IS NULL THEN
    PERFORM sp_fail('SP400', 'unknown_period', 'promotion.period_date');
  END IF;
  v_emp := request_applicant(p_user_id, p_role, p_scope, p_branch, p_nip, true);
  -- One proposal at a time per employee and period, also between two
  -- officers filing at once.
  PERFORM 1 FROM employees e WHERE e.id = v_emp FOR UPDATE;
  IF EXISTS (SELECT 1 FROM promotion_requests q JOIN requests r ON r.id = q.request_id
              WHERE q.employee_id = v_emp AND q.period_date = v_period AND r.state NOT IN (6, 7, 9)) THEN
    PERFORM sp_fail('SP412', 'already_filed', 'nip');
  END IF;
  SELECT * INTO c FROM promotion_check(v_emp, v_period, p_kind);
  IF cardinality(c.reasons) > 0 THEN
    PERFORM sp_fail('SP412', 'not_eligible', array_to_string(c.reasons, ','));
  END IF;
  SELECT n.request_id, n.created INTO request_id, created
    FROM request_new('KP', v_emp, p_user_id, p_idem_key,
                     'kenaikan pangkat ' || p_kind || ' ' || c.rank_code || ' → ' || c.next_rank
                     || ' TMT ' || to_char(v_period, 'YYYY-MM-DD')) n;
  IF NOT created THEN
    RETURN;
  END IF;
  INSERT INTO promotion_requests (request_id, employee_id, kind, period_date, from_rank, to_rank, checklist)
  VALUES (request_id, v_emp, p_kind, v_period, c.rank_code, c.next_rank,
          promotion_checklist(v_emp, p_kind, c.rank_code, v_period));
  PERFORM request_audit(p_user_id, 'PromotionSubmit', 'request', (SELECT number FROM requests WHERE id = request_id),
                        NULL, jsonb_build_object('nip', (SELECT nip FROM employees WHERE id = v_emp), 'kind', p_kind,
                                                 'period_date', v_period, 'to_rank', c.next_rank, 'draft', p_draft));
  IF NOT p_draft THEN
    PERFORM request_submit(request_id, p_user_id);
  END IF;
END $$;

CREATE FUNCTION promotion_missing(p_request_id bigint)
RETURNS text[] LANGUAGE sql STABLE AS $$
  SELECT coalesce(array_agg(k ORDER BY o), '{}')
  FROM promotion_requests q CROSS JOIN LATERAL unnest(q.checklist) WITH ORDINALITY AS c (k, o)
  WHERE q.request_id = p_request_id
    AND NOT EXISTS (SELECT 1 FROM documents d WHERE d.request_id = p_request_id AND d.kind = c.k)
$$;

-- MKG carried into the new rank at the period date: the current rank's
-- MKG at its TMT plus the time since, less 6 years when moving from
-- golongan I to II and 5 years from II to III (PP 7/1977 salary tables:
-- II/b starts at MKG 3 where I/d reaches 9, III/a at 0 where II/d reaches
-- 5), never below 0. Returns whole years and months.
CREATE FUNCTION promotion_mkg(p_from_rank text, p_to_rank text, p_mkg_years integer, p_mkg_months integer,
                              p_rank_tmt date, p_on date, OUT years integer, OUT months integer)
LANGUAGE sql IMMUTABLE AS $$
  SELECT t.m / 12, t.m % 12
  FROM (SELECT greatest(0, coalesce(p_mkg_years, 0) * 12 + coalesce(p_mkg_months, 0)
          + CASE WHEN p_rank_tmt IS NULL OR p_rank_tmt > p_on THEN 0
                 ELSE (extract(year FROM age(p_on, p_rank_tmt)) * 12 + extract(month FROM age(p_on, p_rank_tmt)))::int END
          - CASE WHEN split_part(p_from_rank, '/', 1) = 'I' AND split_part(p_to_rank, '/', 1) = 'II' THEN 72
                 WHEN split_part(p_from_rank, '/', 1) = 'II' AND split_part(p_to_rank, '/', 1) = 'III' THEN 60
                 ELSE 0 END) AS m) t
$$;

-- The lifecycle's hook. submit: re-check eligibility (the record may have
-- changed since the draft). approve (last step): the rank history row at
-- the period date with the carried MKG, and the salary row that puts gaji
-- pokok on the new rank's table (employee_salary_fill); the current rank
-- follows (0003's triggers). Refused when the employee's rank is no longer
-- the one proposed from (SP412 rank_changed). cancel after approval:
-- those rows are removed again.
CREATE FUNCTION promotion_effect(p_request_id bigint, p_action text, p_from_state smallint, p_actor bigint)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  q promotion_requests%ROWTYPE;
  e employees%ROWTYPE;
  c record;
  m record;
BEGIN
  SELECT * INTO q FROM promotion_requests WHERE request_id = p_request_id FOR UPDATE;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  IF p_action = 'cancel' AND p_from_state = 5 THEN
    DELETE FROM employee_salaries WHERE id = q.salary_id;
    DELETE FROM employee_ranks WHERE id = q.rank_id;
    UPDATE promotion_requests SET rank_id = NULL, salary_id = NULL WHERE request_id = p_request_id;
    RETURN;
  END IF;
  IF p_action NOT IN ('submit', 'approve') THEN
    RETURN;
  END IF;
  SELECT * INTO e FROM employees WHERE id = q.employee_id FOR UPDATE;
  IF e.current_rank_code IS DISTINCT FROM q.from_rank THEN
    PERFORM sp_fail('SP412', 'rank_changed', 'nip');
  END IF;
  IF p_action = 'submit' THEN
    SELECT * INTO c FROM promotion_check(q.employee_id, q.period_date, q.kind);
    IF cardinality(c.reasons) > 0 THEN
      PERFORM sp_fail('SP412', 'not_eligible', array_to_string(c.reasons, ','));
    END IF;
    RETURN;
  END IF;
  SELECT * INTO m FROM promotion_mkg(q.from_rank, q.to_rank, e.current_mkg_years, e.current_mkg_months,
                                     e.current_rank_tmt, q.period_date);
  INSERT INTO employee_ranks (employee_id, rank_code, tmt, mkg_years, mkg_months)
  VALUES (q.employee_id, q.to_rank, q.period_date, m.years, m.months) RETURNING id INTO q.rank_id;
  INSERT INTO employee_salaries (employee_id, rank_code, mkg_years, tmt)
  VALUES (q.employee_id, q.to_rank, m.years, q.period_date) RETURNING id INTO q.salary_id;
  UPDATE promotion_requests SET rank_id = q.rank_id, salary_id = q.salary_id WHERE request_id = p_request_id;
END $$;

-- ---- periodic raise (KGB, DOMAIN §5.3) ----

-- A raise granted after a postponement takes effect at the end of the
-- postponement, but the postponed time counts for the next raise (PP
-- 7/1977 art. 13): the series goes on from the date it was due. series_tmt
-- keeps that date on the salary row (NULL: the row's own TMT).
ALTER TABLE employee_salaries ADD COLUMN series_tmt date;

CREATE TABLE kgb_requests (
  request_id      bigint  PRIMARY KEY REFERENCES requests (id) ON DELETE CASCADE,
  employee_id     bigint  NOT NULL REFERENCES employees (id),
  series_date     date    NOT NULL,  -- when the raise fell due (the 2-year series)
  tmt             date    NOT NULL,  -- when it takes effect (later after a postponement)
  rank_code       text    NOT NULL REFERENCES ref_ranks (code),
  from_mkg        integer NOT NULL,
  to_mkg          integer NOT NULL,
  from_gaji       bigint,
  to_gaji         bigint,
  postponed_until date,              -- the postponement decided on this request
  salary_id       bigint  REFERENCES employee_salaries (id) ON DELETE SET NULL
);
CREATE INDEX kgb_requests_emp ON kgb_requests (employee_id, tmt);

-- The next raise of one employee on or after p_on (PNS and CPNS):
-- kgb_next (0004) from the latest salary or rank row up to p_on (a salary
-- row's series date standing for its TMT), unless a raise of the series
-- after that row was postponed (the last step of its request decided
-- `postpone`): then it falls due at the end of the postponement, with the
-- MKG it was due for. from_mkg: the step before (2 years less; raises
-- missed in the records count as given), at least the MKG recorded.
CREATE FUNCTION kgb_due_of(p_id bigint, p_on date)
RETURNS TABLE (due date, series_date date, rank_code text, from_mkg integer, to_mkg integer)
LANGUAGE sql STABLE AS $$
  SELECT coalesce(pp.until, k.due), coalesce(pp.series_date, k.due), ref.rank_code,
         greatest(coalesce(ref.mkg_years, 0), coalesce(pp.to_mkg, k.mkg_years) - 2), coalesce(pp.to_mkg, k.mkg_years)
  FROM employees e
  LEFT JOIN LATERAL (
    SELECT * FROM (
      SELECT s.tmt, coalesce(s.series_tmt, s.tmt) AS series, s.rank_code, s.mkg_years, 0 AS mkg_months, 1 AS pri
        FROM employee_salaries s WHERE s.employee_id = e.id
      UNION ALL
      SELECT r.tmt, r.tmt, r.rank_code, r.mkg_years, r.mkg_months, 0 FROM employee_ranks r WHERE r.employee_id = e.id
    ) h WHERE h.tmt <= p_on ORDER BY h.tmt DESC, h.pri DESC LIMIT 1) ref ON true
  CROSS JOIN LATERAL kgb_next(e.tmt_cpns, ref.series, ref.rank_code, ref.mkg_years, ref.mkg_months, p_on) k
  LEFT JOIN LATERAL (
    SELECT q.postponed_until AS until, q.series_date, q.to_mkg FROM kgb_requests q JOIN requests r ON r.id = q.request_id
     WHERE q.employee_id = e.id AND r.state = 6 AND q.series_date > coalesce(ref.series, '-infinity'::date)
       AND NOT EXISTS (SELECT 1 FROM employee_salaries s2 WHERE s2.employee_id = e.id
                        AND coalesce(s2.series_tmt, s2.tmt) = q.series_date)
     ORDER BY q.postponed_until DESC LIMIT 1) pp ON true
  WHERE e.id = p_id AND e.employment_type IN (1, 2) AND ref.rank_code IS NOT NULL
$$;

-- KgbDue: the active PNS/CPNS of a subtree whose next raise falls due on or
-- before today + p_months (the notice goes out 2 months ahead, PP 7/1977
-- art. 12), by due date then NIP after the cursor, with the amounts from
-- the table in force on the due date and the request already filed for
-- that date (not rejected or cancelled), if any.
CREATE FUNCTION kgb_due_list(p_root text, p_scope text, p_branch text, p_months integer,
                             p_after_due date, p_after_nip text, p_limit integer)
RETURNS TABLE (employee_id bigint, nip text, name text, office_code text, rank_code text, due date,
               from_mkg integer, to_mkg integer, from_gaji bigint, to_gaji bigint, request_number text)
LANGUAGE sql STABLE AS $$
  SELECT e.id, e.nip, e.name, o.code, k.rank_code, k.due, k.from_mkg, k.to_mkg,
         gaji_pokok(k.rank_code, k.from_mkg, k.due), gaji_pokok(k.rank_code, k.to_mkg, k.due),
         (SELECT r.number FROM kgb_requests q JOIN requests r ON r.id = q.request_id
           WHERE q.employee_id = e.id AND q.tmt = k.due AND r.state NOT IN (6, 7, 9) ORDER BY r.id DESC LIMIT 1)
  FROM employees e
  JOIN offices o ON o.id = e.office_id
  CROSS JOIN LATERAL kgb_due_of(e.id, current_date) k
  WHERE e.status = 1 AND e.employment_type IN (1, 2)
    AND starts_with(o.path, p_root) AND starts_with(o.path, p_scope) AND starts_with(o.path, coalesce(p_branch, ''))
    AND k.due <= current_date + make_interval(months => p_months)
    AND (p_after_due IS NULL OR (k.due, e.nip) > (p_after_due, p_after_nip))
  ORDER BY k.due, e.nip
  LIMIT p_limit
$$;

-- Files the KGB of an employee in the caller's scope (HR). The raise must
-- fall due within the 2-month notice period (SP412 kgb_not_due, field nip)
-- and p_tmt, when given, must be its due date (SP412 kgb_not_due, field
-- kgb.tmt); one request per due date (SP412 already_filed). PPPK: SP412
-- not_pns (no salary table). Submits at once unless p_draft.
CREATE FUNCTION kgb_request_create(p_user_id bigint, p_role smallint, p_scope text, p_branch text,
                                   p_nip text, p_tmt text, p_draft boolean, p_idem_key text,
                                   OUT request_id bigint, OUT created boolean)
LANGUAGE plpgsql AS $$
DECLARE
  v_emp bigint;
  v_type smallint;
  k record;
BEGIN
  IF coalesce(p_idem_key, '') <> '' THEN
    SELECT r.id INTO request_id FROM requests r WHERE r.created_by = p_user_id AND r.idem_key = p_idem_key;
    IF FOUND THEN
      created := false;
      RETURN;
    END IF;
  END IF;
  v_emp := request_applicant(p_user_id, p_role, p_scope, p_branch, p_nip, true);
  SELECT e.employment_type INTO v_type FROM employees e WHERE e.id = v_emp FOR UPDATE;
  IF v_type NOT IN (1, 2) THEN
    PERFORM sp_fail('SP412', 'not_pns', 'nip');
  END IF;
  SELECT * INTO k FROM kgb_due_of(v_emp, current_date);
  IF k.due IS NULL THEN
    PERFORM sp_fail('SP412', 'no_rank', 'nip');
  END IF;
  IF k.due > current_date + interval '2 months' THEN
    PERFORM sp_fail('SP412', 'kgb_not_due', 'nip');
  END IF;
  IF coalesce(p_tmt, '') <> '' AND p_tmt::date <> k.due THEN
    PERFORM sp_fail('SP412', 'kgb_not_due', 'kgb.tmt');
  END IF;
  IF EXISTS (SELECT 1 FROM kgb_requests q JOIN requests r ON r.id = q.request_id
              WHERE q.employee_id = v_emp AND q.tmt = k.due AND r.state NOT IN (6, 7, 9)) THEN
    PERFORM sp_fail('SP412', 'already_filed', 'nip');
  END IF;
  SELECT n.request_id, n.created INTO request_id, created
    FROM request_new('KGB', v_emp, p_user_id, p_idem_key,
                     'kenaikan gaji berkala ' || k.rank_code || ' MKG ' || k.from_mkg || ' → ' || k.to_mkg
                     || ' TMT ' || to_char(k.due, 'YYYY-MM-DD')) n;
  IF NOT created THEN
    RETURN;
  END IF;
  INSERT INTO kgb_requests (request_id, employee_id, series_date, tmt, rank_code, from_mkg, to_mkg, from_gaji, to_gaji)
  VALUES (request_id, v_emp, k.series_date, k.due, k.rank_code, k.from_mkg, k.to_mkg,
          gaji_pokok(k.rank_code, k.from_mkg, k.due), gaji_pokok(k.rank_code, k.to_mkg, k.due));
  PERFORM request_audit(p_user_id, 'KgbSubmit', 'request', (SELECT number FROM requests WHERE id = request_id),
                        NULL, jsonb_build_object('nip', (SELECT nip FROM employees WHERE id = v_emp),
                                                 'tmt', k.due, 'to_mkg', k.to_mkg, 'draft', p_draft));
  IF NOT p_draft THEN
    PERFORM request_submit(request_id, p_user_id);
  END IF;
END $$;

-- KGB is prepared by HR from the registry, which already holds the rank
-- and salary decrees and the SKP: no evidence is required to submit (any
-- may be attached).
CREATE FUNCTION kgb_missing(p_request_id bigint)
RETURNS text[] LANGUAGE sql STABLE AS $$
  SELECT '{}'::text[] WHERE p_request_id IS NOT NULL
$$;

-- approve: the salary row (new MKG, TMT, gaji pokok from the table by
-- employee_salary_fill; series_tmt when it takes effect after its due
-- date). postpone: at most 1 year after the date it was to take effect
-- (SP400 postpone_too_long) and after it (SP400 postpone_before_due);
-- recorded on the request, so that kgb_due_of moves the due date. cancel
-- after approval removes the salary row.
CREATE FUNCTION kgb_effect(p_request_id bigint, p_action text, p_from_state smallint, p_actor bigint)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  q kgb_requests%ROWTYPE;
  v_until date;
BEGIN
  SELECT * INTO q FROM kgb_requests WHERE request_id = p_request_id FOR UPDATE;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  IF p_action = 'cancel' AND p_from_state = 5 THEN
    DELETE FROM employee_salaries WHERE id = q.salary_id;
    UPDATE kgb_requests SET salary_id = NULL WHERE request_id = p_request_id;
  ELSIF p_action = 'approve' THEN
    INSERT INTO employee_salaries (employee_id, rank_code, mkg_years, tmt, series_tmt)
    VALUES (q.employee_id, q.rank_code, q.to_mkg, q.tmt, CASE WHEN q.series_date <> q.tmt THEN q.series_date END)
    RETURNING id, gaji_pokok INTO q.salary_id, q.to_gaji;
    UPDATE kgb_requests SET salary_id = q.salary_id, to_gaji = q.to_gaji WHERE request_id = p_request_id;
  ELSIF p_action = 'postpone' THEN
    SELECT r.postpone_until INTO v_until FROM requests r WHERE r.id = p_request_id;
    IF v_until <= q.tmt THEN
      PERFORM sp_fail('SP400', 'postpone_before_due', 'postpone_until');
    END IF;
    IF v_until > (q.tmt + interval '1 year')::date THEN
      PERFORM sp_fail('SP400', 'postpone_too_long', 'postpone_until');
    END IF;
    UPDATE kgb_requests SET postponed_until = v_until WHERE request_id = p_request_id;
  END IF;
END $$;

-- ---- retirement projection (DOMAIN §6) ----

-- Active employees of a subtree reaching BUP (pension TMT from the
-- current position's BUP, retirement_date) in each of p_years calendar
-- years from this one; every year is listed, 0 included. Employees whose
-- position (hence BUP) is unknown are not counted; pension dates already
-- past (still active) are not in any year (EarlyWarnings lists them).
CREATE FUNCTION retirement_projection(p_root text, p_scope text, p_branch text, p_years integer)
RETURNS TABLE (year integer, count bigint)
LANGUAGE sql STABLE AS $$
  SELECT y.y, count(t.d)
  FROM generate_series(extract(year FROM current_date)::int, extract(year FROM current_date)::int + p_years - 1) y (y)
  LEFT JOIN (
    SELECT extract(year FROM retirement_date(e.birth_date, bup_age(e.current_position_kind, e.current_functional_level)))::int AS d
    FROM employees e JOIN offices o ON o.id = e.office_id
    WHERE e.status = 1 AND e.current_position_kind IS NOT NULL
      AND starts_with(o.path, p_root) AND starts_with(o.path, p_scope) AND starts_with(o.path, coalesce(p_branch, ''))
  ) t ON t.d = y.y
  GROUP BY y.y ORDER BY y.y
$$;
