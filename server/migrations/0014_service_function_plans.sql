-- 0014_service_function_plans: the service paths' SQL helper functions as
-- PL/pgSQL.
--
-- The same trap as 0013: a LANGUAGE sql function that PostgreSQL cannot
-- inline (a FROM clause, a subquery, a WITH, a void result) is parsed and
-- planned again each time a statement that calls it runs, cached plan or
-- not. The request lifecycle and leave rules call these once or more per
-- request (visibility, step holder, audit row, working days, balance
-- parts, missing documents, the NOTIFY payload of every state change), so
-- every submission and approval planned a dozen small queries. PL/pgSQL
-- keeps its statements' plans for the session. Bodies, results and
-- attributes are unchanged; each scalar body returns its one row (these
-- queries select by a key, so there is never more than one). Functions
-- PostgreSQL does inline (single expressions: leave_live_state,
-- skp_predicate, promotion_kind_of, correction_check, ...) stay SQL.
-- `#variable_conflict use_column` keeps SQL's rule that a column name wins
-- over a parameter of the same name (none share one today).

-- request_visible (0006_requests.sql)
CREATE OR REPLACE FUNCTION request_visible(p_request_id bigint, p_user_id bigint, p_role smallint,
                                p_scope text, p_branch text)
RETURNS boolean LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
BEGIN
  RETURN (
    SELECT EXISTS (
        SELECT 1 FROM requests r
          JOIN employees e ON e.id = r.employee_id
          JOIN offices o ON o.id = r.office_id
         WHERE r.id = p_request_id
           AND starts_with(o.path, coalesce(p_branch, ''))
           AND (r.created_by = p_user_id
                OR EXISTS (SELECT 1 FROM users u WHERE u.id = p_user_id AND u.nip = e.nip)
                OR EXISTS (SELECT 1 FROM request_steps s WHERE s.request_id = r.id
                            AND (s.holder_user_id = p_user_id OR s.acted_by = p_user_id))
                OR (p_role IN (3, 4, 5, 6) AND starts_with(o.path, p_scope)))));
END;
$$;

-- request_audit (0006_requests.sql)
CREATE OR REPLACE FUNCTION request_audit(p_user_id bigint, p_method text, p_entity text, p_entity_id text,
                              p_before jsonb, p_after jsonb)
RETURNS void LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
  INSERT INTO audit_log (actor_user_id, actor, actor_office, client_addr, method, entity, entity_id, before, after)
    SELECT p_user_id, coalesce(u.username, ''), coalesce(o.code, ''),
           coalesce(current_setting('simpeg.client_addr', true), ''), p_method, p_entity, p_entity_id,
           p_before, p_after
      FROM (SELECT 1) one
      LEFT JOIN users u ON u.id = p_user_id
      LEFT JOIN offices o ON o.id = u.office_id;
END;
$$;

-- request_step_holder (0006_requests.sql)
CREATE OR REPLACE FUNCTION request_step_holder(p_holder_user_id bigint, p_kind text, p_holder_office_id bigint,
                                    p_user_id bigint, p_role smallint, p_scope text, p_branch text)
RETURNS boolean LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
BEGIN
  RETURN (
    SELECT CASE
        WHEN p_holder_user_id IS NOT NULL THEN p_holder_user_id = p_user_id
        WHEN p_kind = 'verifier' AND p_role NOT IN (3, 5) THEN false
        WHEN p_kind = 'official' AND p_role NOT IN (4, 5) THEN false
        WHEN p_kind = 'supervisor' THEN false
        ELSE EXISTS (SELECT 1 FROM offices o WHERE o.id = p_holder_office_id
                      AND starts_with(o.path, p_scope) AND starts_with(o.path, coalesce(p_branch, '')))
      END);
END;
$$;

-- employee_refresh_current (0003_registry.sql)
CREATE OR REPLACE FUNCTION employee_refresh_current(p_id bigint)
RETURNS void
LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
  UPDATE employees e SET
      current_rank_code = r.rank_code, current_rank_tmt = r.tmt,
      current_mkg_years = r.mkg_years, current_mkg_months = r.mkg_months,
      current_position_name = p.name, current_position_kind = p.kind,
      current_functional_level = p.functional_level,
      current_education_level = d.level
    FROM (SELECT p_id AS id) k
    LEFT JOIN LATERAL (SELECT rank_code, tmt, mkg_years, mkg_months FROM employee_ranks
                       WHERE employee_id = p_id ORDER BY tmt DESC, id DESC LIMIT 1) r ON true
    LEFT JOIN LATERAL (SELECT name, kind, functional_level FROM employee_positions
                       WHERE employee_id = p_id ORDER BY tmt DESC, id DESC LIMIT 1) p ON true
    LEFT JOIN LATERAL (SELECT x.level FROM employee_educations x JOIN ref_education l ON l.level = x.level
                       WHERE x.employee_id = p_id ORDER BY l.ordinal DESC, x.id DESC LIMIT 1) d ON true
    WHERE e.id = k.id
      AND (e.current_rank_code, e.current_rank_tmt, e.current_mkg_years, e.current_mkg_months,
           e.current_position_name, e.current_position_kind, e.current_functional_level,
           e.current_education_level)
          IS DISTINCT FROM (r.rank_code, r.tmt, r.mkg_years, r.mkg_months, p.name, p.kind,
                            p.functional_level, d.level);
END;
$$;

-- office_workdays (0007_leave.sql)
CREATE OR REPLACE FUNCTION office_workdays(p_office_id bigint)
RETURNS smallint[]
LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
BEGIN
  RETURN (
    SELECT coalesce(
        (SELECT w.workdays FROM offices o JOIN offices a ON starts_with(o.path, a.path)
           JOIN work_calendars w ON w.office_id = a.id
          WHERE o.id = p_office_id ORDER BY length(a.path) DESC LIMIT 1),
        '{1,2,3,4,5}'::smallint[]));
END;
$$;

-- leave_office_working_days (0007_leave.sql)
CREATE OR REPLACE FUNCTION leave_office_working_days(p_office_id bigint, p_from date, p_to date)
RETURNS integer
LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
BEGIN
  RETURN (
    WITH o AS (SELECT path, office_workdays(id) AS wd FROM offices WHERE id = p_office_id),
      off AS (SELECT h.day FROM o, holidays h LEFT JOIN offices ho ON ho.id = h.office_id
               WHERE h.day BETWEEN p_from AND p_to AND (h.kind IN (1, 2) OR starts_with(o.path, ho.path)))
      SELECT count(*)::integer
        FROM o, generate_series(p_from, p_to, interval '1 day') AS g(d)
       WHERE extract(isodow FROM g.d)::smallint = ANY (o.wd)
         AND g.d::date NOT IN (SELECT day FROM off));
END;
$$;

-- leave_working_days (0007_leave.sql)
CREATE OR REPLACE FUNCTION leave_working_days(p_employee_id bigint, p_from date, p_to date)
RETURNS integer
LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
BEGIN
  RETURN (
    SELECT leave_office_working_days(e.office_id, p_from, p_to) FROM employees e WHERE e.id = p_employee_id);
END;
$$;

-- leave_besar_year (0007_leave.sql)
CREATE OR REPLACE FUNCTION leave_besar_year(p_employee_id bigint, p_year integer, p_exclude bigint DEFAULT NULL)
RETURNS boolean LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
BEGIN
  RETURN (
    SELECT EXISTS (
        SELECT 1 FROM leave_requests l JOIN requests r ON r.id = l.request_id
         WHERE l.employee_id = p_employee_id AND l.leave_type = 'besar' AND leave_live_state(r.state)
           AND r.id IS DISTINCT FROM p_exclude
           AND l.start_date <= make_date(p_year, 12, 31) AND l.end_date >= make_date(p_year, 1, 1)));
END;
$$;

-- leave_taken (0007_leave.sql)
CREATE OR REPLACE FUNCTION leave_taken(p_employee_id bigint, p_year integer)
RETURNS integer
LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
BEGIN
  RETURN (
    SELECT coalesce(sum(CASE kind WHEN 'taken' THEN days WHEN 'restored' THEN -days ELSE 0 END), 0)::integer
        FROM leave_ledger WHERE employee_id = p_employee_id AND year = p_year);
END;
$$;

-- leave_summary (0007_leave.sql)
CREATE OR REPLACE FUNCTION leave_summary(p_type text, p_start date, p_end date, p_days integer, p_unit text)
RETURNS text LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
BEGIN
  RETURN (
    SELECT lower(t.name_id) || ' ' || to_char(p_start, 'YYYY-MM-DD') || '..' || to_char(p_end, 'YYYY-MM-DD')
             || ' (' || p_days || CASE p_unit WHEN 'working_days' THEN ' hari kerja)' ELSE ' hari)' END
        FROM leave_types t WHERE t.code = p_type);
END;
$$;

-- leave_missing (0007_leave.sql)
CREATE OR REPLACE FUNCTION leave_missing(p_request_id bigint)
RETURNS text[]
LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
BEGIN
  RETURN (
    SELECT coalesce(array_agg(v.kind ORDER BY v.min_days, v.kind), '{}')
        FROM leave_requests l JOIN leave_evidence v ON v.leave_type = l.leave_type
       WHERE l.request_id = p_request_id AND l.days >= v.min_days AND (NOT v.first_hajj OR l.first_hajj)
         AND NOT EXISTS (SELECT 1 FROM documents d WHERE d.request_id = p_request_id AND d.kind = v.kind));
END;
$$;

-- request_notify_payload (0009_documents.sql)
CREATE OR REPLACE FUNCTION request_notify_payload(p_event request_events)
RETURNS text LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
BEGIN
  RETURN (
    SELECT concat_ws(chr(31),
        '1', r.number, r.service, r.state::text, p_event.action,
        coalesce((SELECT u.username FROM users u WHERE u.id = p_event.actor_user_id), ''),
        r.step::text, coalesce(s.kind, ''),
        replace(left(r.summary, 300), chr(31), ' '),
        (SELECT string_agg(DISTINCT x::text, ',') FROM (
           SELECT r.created_by AS x
           UNION SELECT u.id FROM users u JOIN employees e ON e.nip = u.nip WHERE e.id = r.employee_id) a),
        coalesce(s.holder_user_id::text, ''),
        CASE WHEN s.holder_user_id IS NOT NULL OR s.kind IS NULL THEN ''
             WHEN s.kind = 'verifier' THEN '3,5'
             WHEN s.kind = 'official' THEN '4,5'
             ELSE '' END,
        coalesce(o.path, ''),
        (extract(epoch FROM p_event.at) * 1000000)::bigint::text)
      FROM requests r
      LEFT JOIN request_steps s ON s.request_id = r.id AND s.step_no = r.step AND r.step > 0
      LEFT JOIN offices o ON o.id = s.holder_office_id
      WHERE r.id = p_event.request_id);
END;
$$;

-- correction_current (0006_requests.sql)
CREATE OR REPLACE FUNCTION correction_current(p_employee_id bigint, p_field text)
RETURNS text LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
BEGIN
  RETURN (
    SELECT CASE p_field
        WHEN 'name' THEN e.name WHEN 'front_title' THEN e.front_title WHEN 'back_title' THEN e.back_title
        WHEN 'birth_place' THEN e.birth_place WHEN 'religion' THEN e.religion
        WHEN 'marital_status' THEN e.marital_status WHEN 'email' THEN e.email WHEN 'phone' THEN e.phone
        WHEN 'address' THEN e.address WHEN 'nik' THEN coalesce(e.nik, '') END
      FROM employees e WHERE e.id = p_employee_id);
END;
$$;

-- correction_missing (0006_requests.sql)
CREATE OR REPLACE FUNCTION correction_missing(p_request_id bigint)
RETURNS text[] LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
BEGIN
  RETURN (
    SELECT CASE WHEN EXISTS (SELECT 1 FROM documents d WHERE d.request_id = p_request_id AND d.kind = 'bukti_koreksi')
                  THEN '{}'::text[] ELSE '{bukti_koreksi}'::text[] END);
END;
$$;

-- promotion_checklist (0008_promotion.sql)
CREATE OR REPLACE FUNCTION promotion_checklist(p_employee_id bigint, p_kind text, p_from_rank text, p_period date)
RETURNS text[] LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
BEGIN
  RETURN (
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
                       ELSE '{}'::text[] END);
END;
$$;

-- promotion_missing (0008_promotion.sql)
CREATE OR REPLACE FUNCTION promotion_missing(p_request_id bigint)
RETURNS text[] LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
BEGIN
  RETURN (
    SELECT coalesce(array_agg(k ORDER BY o), '{}')
      FROM promotion_requests q CROSS JOIN LATERAL unnest(q.checklist) WITH ORDINALITY AS c (k, o)
      WHERE q.request_id = p_request_id
        AND NOT EXISTS (SELECT 1 FROM documents d WHERE d.request_id = p_request_id AND d.kind = c.k));
END;
$$;

-- kgb_missing (0008_promotion.sql)
CREATE OR REPLACE FUNCTION kgb_missing(p_request_id bigint)
RETURNS text[] LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
BEGIN
  RETURN (
    SELECT '{}'::text[] WHERE p_request_id IS NOT NULL);
END;
$$;
