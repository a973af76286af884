-- 0013_function_plans: the salary, BUP and summary lookups as PL/pgSQL.
--
-- A LANGUAGE sql function that PostgreSQL cannot inline (a WITH, an ORDER
-- BY ... LIMIT, a record result) is parsed and planned again for every
-- statement that calls it: a prepared statement's cached plan does not
-- cover it. EmployeeShow and MyProfile call employee_summary once per
-- request, which calls gaji_pokok and bup_age: 1.4 ms of planning for a
-- few microseconds of work, more than the rest of the profile together
-- (measured at 300,000 employees, docs/PERFORMANCE.md "fourth pass").
-- PL/pgSQL keeps the plans of its statements for the session, so the
-- same queries cost ~0.1 ms. Bodies, results and attributes are unchanged.

CREATE OR REPLACE FUNCTION gaji_pokok(p_rank text, p_mkg integer, p_on date) RETURNS bigint
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
  RETURN (WITH t AS (
            SELECT mkg_step, amount FROM ref_salary
            WHERE rank_code = p_rank AND berlaku_mulai = (SELECT max(berlaku_mulai) FROM ref_salary
                                                          WHERE rank_code = p_rank AND berlaku_mulai <= p_on))
          SELECT coalesce((SELECT amount FROM t WHERE mkg_step <= p_mkg ORDER BY mkg_step DESC LIMIT 1),
                          (SELECT amount FROM t ORDER BY mkg_step LIMIT 1)));
END;
$$;

CREATE OR REPLACE FUNCTION bup_age(p_kind smallint, p_level text) RETURNS integer
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
  RETURN (SELECT age::integer FROM ref_bup
          WHERE position_kind = p_kind AND functional_level = CASE WHEN p_kind = 5 THEN coalesce(p_level, '') ELSE '' END
            AND berlaku_mulai <= current_date
          ORDER BY berlaku_mulai DESC LIMIT 1);
END;
$$;

CREATE OR REPLACE FUNCTION employee_summary(p_id bigint, p_on date,
  OUT salary_grade text, OUT gaji_pokok bigint, OUT years_of_service integer, OUT months_of_service integer,
  OUT retirement_age integer, OUT retirement_date date)
LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
BEGIN
  SELECT CASE WHEN e.current_rank_code IS NULL THEN '' ELSE e.current_rank_code || ' MKG ' || m.mkg END,
         CASE WHEN e.employment_type = 2 THEN round(g.amount * 0.8)::bigint ELSE g.amount END,
         s.months / 12, s.months % 12, b.age, retirement_date(e.birth_date, b.age)
    INTO salary_grade, gaji_pokok, years_of_service, months_of_service, retirement_age, retirement_date
  FROM employees e
  CROSS JOIN LATERAL (SELECT (coalesce(e.current_mkg_years, 0) * 12 + coalesce(e.current_mkg_months, 0)
      + CASE WHEN e.current_rank_tmt IS NULL OR e.current_rank_tmt > p_on THEN 0
             ELSE (extract(year FROM age(p_on, e.current_rank_tmt)) * 12
                   + extract(month FROM age(p_on, e.current_rank_tmt)))::integer END) / 12 AS mkg) m
  CROSS JOIN LATERAL (SELECT gaji_pokok(e.current_rank_code, m.mkg, p_on) AS amount) g
  CROSS JOIN LATERAL (SELECT CASE WHEN e.tmt_cpns > p_on THEN 0
      ELSE (extract(year FROM age(p_on, e.tmt_cpns)) * 12 + extract(month FROM age(p_on, e.tmt_cpns)))::integer
      END AS months) s
  CROSS JOIN LATERAL (SELECT bup_age(e.current_position_kind, e.current_functional_level) AS age) b
  WHERE e.id = p_id;
END;
$$;

