-- 0007_leave: leave (cuti) as a personnel service (issue #5;
-- docs/internals/leave.md, DOMAIN §3): the leave types as data, the
-- holiday calendar, per-office working days, the leave details of a
-- request, the annual-leave ledger, and the functions the request
-- lifecycle calls (leave_request_create, leave_effect, leave_missing;
-- docs/internals/services.md).
--
-- Errors use sp_fail (0006): SP400 invalid argument, SP403, SP404, SP412
-- failed precondition; MESSAGE is the reason code, DETAIL the field.

-- ---- reference data ----

-- One row per leave type (PP 11/2017 jo. PP 17/2020, Peraturan BKN
-- 24/2017 jo. 7/2021 for PNS; Peraturan BKN 7/2022 for PPPK). max_length
-- caps one request (end_date < start_date + max_length); NULL: no fixed
-- cap (annual leave is capped by the balance). The PPPK column overrides
-- it for PPPK (sick leave: 1 month instead of 1 year + 6 months).
-- CPNS: annual, sick, maternity and CAP (cuti besar and CLTN need 5 years
-- of service, which a CPNS does not have).
CREATE TABLE leave_types (
  code              text     PRIMARY KEY CHECK (code ~ '^[a-z_]{1,30}$'),
  sort              smallint NOT NULL,
  name_id           text     NOT NULL,
  name_en           text     NOT NULL,
  for_pns           boolean  NOT NULL,
  for_cpns          boolean  NOT NULL,
  for_pppk          boolean  NOT NULL,
  unit              text     NOT NULL CHECK (unit IN ('working_days', 'calendar_days')),
  max_length        interval,
  max_length_pppk   interval,
  min_service_years integer  NOT NULL DEFAULT 0
);
INSERT INTO leave_types VALUES
  ('tahunan',        1, 'Cuti tahunan',                  'Annual leave',               true, true,  true,  'working_days',  NULL,                 NULL,      1),
  ('besar',          2, 'Cuti besar',                    'Long service leave',         true, false, false, 'calendar_days', '3 months',           NULL,      5),
  ('sakit',          3, 'Cuti sakit',                    'Sick leave',                 true, true,  true,  'calendar_days', '1 year 6 months',    '1 month', 0),
  ('melahirkan',     4, 'Cuti melahirkan',               'Maternity leave',            true, true,  true,  'calendar_days', '3 months',           NULL,      0),
  ('alasan_penting', 5, 'Cuti karena alasan penting',    'Leave for important reasons', true, true, false, 'calendar_days', '1 month',            NULL,      0),
  ('cltn',           6, 'Cuti di luar tanggungan negara', 'Unpaid leave (CLTN)',       true, false, false, 'calendar_days', '3 years',            NULL,      5);

-- Evidence a request must carry before it can be submitted: kind is
-- required when the request counts at least min_days (in the type's
-- unit), and for cuti besar only when first_hajj says so.
--   sakit: surat_dokter from the first day (DOMAIN §3.2: one day needs
--   the atasan told and a doctor's note); > 14 days also a government
--   doctor's note; alasan_penting: a letter for the
--   reason (inpatient letter, death certificate, RT letter, ...);
--   melahirkan: a doctor's or midwife's note of the expected birth;
--   besar for the first hajj: proof of the hajj registration;
--   cltn: the letter stating the personal reason (BKN's technical
--   consideration is the official's part, not the applicant's).
CREATE TABLE leave_evidence (
  leave_type    text    NOT NULL REFERENCES leave_types (code),
  kind          text    NOT NULL CHECK (kind ~ '^[a-z0-9_]{1,60}$'),
  min_days      integer NOT NULL DEFAULT 1,
  first_hajj    boolean NOT NULL DEFAULT false,
  PRIMARY KEY (leave_type, kind)
);
INSERT INTO leave_evidence VALUES
  ('sakit',          'surat_dokter',             1,  false),
  ('sakit',          'surat_dokter_pemerintah',  15, false),
  ('alasan_penting', 'surat_keterangan',         1,  false),
  ('melahirkan',     'surat_dokter',             1,  false),
  ('besar',          'bukti_pendaftaran_haji',   1,  true),
  ('cltn',           'surat_keterangan',         1,  false);

-- Holidays: kind 1 national (libur nasional), 2 cuti bersama, 3 regional
-- (libur daerah of office_id's subtree). Editable by HR (HolidayImport):
-- the SKB 3 Menteri list changes during the year.
CREATE TABLE holidays (
  id         bigserial   PRIMARY KEY,
  day        date        NOT NULL,
  kind       smallint    NOT NULL CHECK (kind BETWEEN 1 AND 3),
  name       text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  office_id  bigint      REFERENCES offices (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  version    integer     NOT NULL DEFAULT 1,
  CHECK ((kind = 3) = (office_id IS NOT NULL))
);
-- One row per day and place (national and cuti bersama share place 0).
CREATE UNIQUE INDEX holidays_day_place ON holidays (day, coalesce(office_id, 0));
CREATE TRIGGER holidays_touch BEFORE UPDATE ON holidays
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Working days of an office's subtree (ISO days, 1 Monday .. 7 Sunday);
-- the nearest configured ancestor applies; none: Monday..Friday
-- (Perpres 21/2023). Hospitals, puskesmas, fire service work weekends.
CREATE TABLE work_calendars (
  office_id  bigint      PRIMARY KEY REFERENCES offices (id),
  workdays   smallint[]  NOT NULL CHECK (cardinality(workdays) BETWEEN 1 AND 7
                           AND workdays <@ '{1,2,3,4,5,6,7}'::smallint[]),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  version    integer     NOT NULL DEFAULT 1
);
CREATE TRIGGER work_calendars_touch BEFORE UPDATE ON work_calendars
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- ---- leave requests and the annual-leave ledger ----

-- The details of a CUTI request. days/unit/year are computed when it is
-- created and again at each submission (the holiday list may change).
CREATE TABLE leave_requests (
  request_id    bigint   PRIMARY KEY REFERENCES requests (id) ON DELETE CASCADE,
  employee_id   bigint   NOT NULL REFERENCES employees (id),
  leave_type    text     NOT NULL REFERENCES leave_types (code),
  start_date    date     NOT NULL,
  end_date      date     NOT NULL,
  days          integer  NOT NULL CHECK (days >= 0),
  unit          text     NOT NULL,
  year          integer  NOT NULL,  -- the balance year charged (annual leave); else the start's year
  reason        text     NOT NULL DEFAULT '' CHECK (length(reason) <= 500),
  address       text     NOT NULL DEFAULT '' CHECK (length(address) <= 500),
  hard_to_reach boolean  NOT NULL DEFAULT false,
  birth_order   smallint NOT NULL DEFAULT 0 CHECK (birth_order BETWEEN 0 AND 20),
  first_hajj    boolean  NOT NULL DEFAULT false,
  CHECK (end_date >= start_date)
);
CREATE INDEX leave_requests_employee ON leave_requests (employee_id, start_date);

-- Annual leave as a ledger: the entitlement and carry-over are computed
-- (leave_balance); what happened is written here, never updated.
--   taken     annual leave approved (days > 0), charged to `year`
--   restored  an approved annual leave cancelled: the days come back
--   postponed annual leave postponed by the official (ditangguhkan): the
--             next year's total may reach 24 (DOMAIN §3.2)
-- request_id NULL: history entered by HR (leave taken before simpeg).
CREATE TABLE leave_ledger (
  id          bigserial   PRIMARY KEY,
  employee_id bigint      NOT NULL REFERENCES employees (id),
  year        integer     NOT NULL CHECK (year BETWEEN 1950 AND 2200),
  kind        text        NOT NULL CHECK (kind IN ('taken', 'restored', 'postponed')),
  days        integer     NOT NULL CHECK (days > 0),
  request_id  bigint      REFERENCES requests (id),
  on_date     date        NOT NULL DEFAULT current_date,
  note        text        NOT NULL DEFAULT '',
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX leave_ledger_employee ON leave_ledger (employee_id, year);

-- ---- working days ----

-- The working days (ISO) of an office: its own calendar or the nearest
-- ancestor's, else Monday..Friday.
CREATE FUNCTION office_workdays(p_office_id bigint) RETURNS smallint[]
LANGUAGE sql STABLE AS $$
  SELECT coalesce(
    (SELECT w.workdays FROM offices o JOIN offices a ON starts_with(o.path, a.path)
       JOIN work_calendars w ON w.office_id = a.id
      WHERE o.id = p_office_id ORDER BY length(a.path) DESC LIMIT 1),
    '{1,2,3,4,5}'::smallint[])
$$;

-- Working days from p_from to p_to (both included) for someone working in
-- p_office_id: days of its calendar, less national holidays, cuti bersama
-- (PP 11/2017 art. 333: it does not reduce annual leave) and regional
-- holidays of the office or any office above it.
-- (The holidays of the range are read once and anti-joined: a probe per
-- day made a year's count ~15 ms.)
CREATE FUNCTION leave_office_working_days(p_office_id bigint, p_from date, p_to date) RETURNS integer
LANGUAGE sql STABLE AS $$
  WITH o AS (SELECT path, office_workdays(id) AS wd FROM offices WHERE id = p_office_id),
  off AS (SELECT h.day FROM o, holidays h LEFT JOIN offices ho ON ho.id = h.office_id
           WHERE h.day BETWEEN p_from AND p_to AND (h.kind IN (1, 2) OR starts_with(o.path, ho.path)))
  SELECT count(*)::integer
    FROM o, generate_series(p_from, p_to, interval '1 day') AS g(d)
   WHERE extract(isodow FROM g.d)::smallint = ANY (o.wd)
     AND g.d::date NOT IN (SELECT day FROM off)
$$;

-- The same for an employee (the calendar of the employee's office).
CREATE FUNCTION leave_working_days(p_employee_id bigint, p_from date, p_to date) RETURNS integer
LANGUAGE sql STABLE AS $$
  SELECT leave_office_working_days(e.office_id, p_from, p_to) FROM employees e WHERE e.id = p_employee_id
$$;

-- ---- the annual-leave balance ----

-- States of a request whose leave is live: submitted, returned, verified
-- (pending) and approved, completed (taken). Drafts are not requests yet
-- (they are checked when submitted); postponed, rejected and cancelled
-- leave does not happen.
CREATE FUNCTION leave_live_state(p_state smallint) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$ SELECT p_state IN (2, 3, 4, 5, 8) $$;

-- A year in which the employee has (live) cuti besar: no annual leave in
-- that year (PP 11/2017; DOMAIN §3.2).
CREATE FUNCTION leave_besar_year(p_employee_id bigint, p_year integer, p_exclude bigint DEFAULT NULL)
RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT EXISTS (
    SELECT 1 FROM leave_requests l JOIN requests r ON r.id = l.request_id
     WHERE l.employee_id = p_employee_id AND l.leave_type = 'besar' AND leave_live_state(r.state)
       AND r.id IS DISTINCT FROM p_exclude
       AND l.start_date <= make_date(p_year, 12, 31) AND l.end_date >= make_date(p_year, 1, 1))
$$;

-- Net annual leave taken in a year (ledger: taken - restored).
CREATE FUNCTION leave_taken(p_employee_id bigint, p_year integer) RETURNS integer
LANGUAGE sql STABLE AS $$
  SELECT coalesce(sum(CASE kind WHEN 'taken' THEN days WHEN 'restored' THEN -days ELSE 0 END), 0)::integer
    FROM leave_ledger WHERE employee_id = p_employee_id AND year = p_year
$$;

-- The balance of year p_year, computed from up to four earlier years:
--   entitlement 12 when one year of service is complete within the year
--     (tmt_cpns + 1 year <= 31 Dec) and the year has no cuti besar;
--   carried_over: what was left of last year, at most 6 (total <= 18);
--     at most 12 (total <= 24) when the two previous years each had an
--     entitlement and no annual leave was taken in them, or when annual
--     leave was postponed by the official last year; nothing in a year
--     without entitlement;
--   forfeited: what was left of last year beyond the carry-over;
--   taken: net approved (ledger); pending: submitted, returned or
--     verified annual leave charged to the year (p_exclude left out);
--   remaining = entitlement + carried_over - taken - pending.
-- Older history than four years only matters through the carry-over,
-- which the caps bound, so the walk starts with nothing carried.
CREATE FUNCTION leave_balance(p_employee_id bigint, p_year integer, p_exclude bigint DEFAULT NULL,
                              OUT eligible boolean, OUT entitlement integer, OUT carried_over integer,
                              OUT taken integer, OUT pending integer, OUT remaining integer,
                              OUT blocked_by_cuti_besar boolean, OUT forfeited integer)
LANGUAGE plpgsql STABLE AS $$
DECLARE
  v_tmt date;
  y integer;
  v_ent integer;
  v_taken integer;
  v_carry integer;
  v_cap integer;
  v_prev_left integer := 0;
  v_ent1 integer := 0; v_ent2 integer := 0;      -- entitlement of y-1, y-2
  v_taken1 integer := 0; v_taken2 integer := 0;  -- taken in y-1, y-2
BEGIN
  SELECT e.tmt_cpns INTO v_tmt FROM employees e WHERE e.id = p_employee_id;
  IF NOT FOUND THEN
    PERFORM sp_fail('SP404', 'employee_not_found', 'nip');
  END IF;
  FOR y IN p_year - 4 .. p_year LOOP
    v_ent := CASE WHEN (v_tmt + interval '1 year')::date <= make_date(y, 12, 31)
                   AND NOT leave_besar_year(p_employee_id, y, p_exclude) THEN 12 ELSE 0 END;
    v_taken := leave_taken(p_employee_id, y);
    v_cap := 18;
    IF (v_ent1 > 0 AND v_ent2 > 0 AND v_taken1 = 0 AND v_taken2 = 0)
       OR EXISTS (SELECT 1 FROM leave_ledger g WHERE g.employee_id = p_employee_id
                   AND g.year = y - 1 AND g.kind = 'postponed') THEN
      v_cap := 24;
    END IF;
    v_carry := CASE WHEN v_ent > 0 THEN least(v_cap - v_ent, greatest(v_prev_left, 0)) ELSE 0 END;
    forfeited := greatest(v_prev_left, 0) - v_carry;
    v_prev_left := v_ent + v_carry - v_taken;
    v_ent2 := v_ent1; v_taken2 := v_taken1;
    v_ent1 := v_ent;  v_taken1 := v_taken;
  END LOOP;
  eligible := (v_tmt + interval '1 year')::date <= make_date(p_year, 12, 31);
  blocked_by_cuti_besar := leave_besar_year(p_employee_id, p_year, p_exclude);
  entitlement := v_ent;
  carried_over := v_carry;
  taken := v_taken;
  SELECT coalesce(sum(l.days), 0)::integer INTO pending
    FROM leave_requests l JOIN requests r ON r.id = l.request_id
   WHERE l.employee_id = p_employee_id AND l.leave_type = 'tahunan' AND l.year = p_year
     AND r.state IN (2, 3, 4) AND r.id IS DISTINCT FROM p_exclude;
  remaining := entitlement + carried_over - taken - pending;
END $$;

-- ---- the rules of a leave request ----

-- Checks a leave of p_type from p_start to p_end for employee p_emp
-- against every rule (p_request: the request itself, left out of the
-- overlap and balance checks). Returns the days counted, the unit and
-- the year charged; raises the first rule broken.
CREATE FUNCTION leave_check(p_emp bigint, p_request bigint, p_type text, p_start date, p_end date,
                            p_birth_order integer, p_first_hajj boolean,
                            OUT days integer, OUT unit text, OUT year integer)
LANGUAGE plpgsql STABLE AS $$
DECLARE
  e employees;
  t leave_types;
  v_cap interval;
  v_bal record;
BEGIN
  SELECT * INTO e FROM employees x WHERE x.id = p_emp;
  SELECT * INTO t FROM leave_types x WHERE x.code = p_type;
  IF NOT FOUND THEN
    PERFORM sp_fail('SP400', 'unknown_leave_type', 'leave_type');
  END IF;
  IF p_start IS NULL OR p_end IS NULL OR p_end < p_start THEN
    PERFORM sp_fail('SP400', 'end_before_start', 'end_date');
  END IF;
  -- late records (sick leave, HR catching up) up to a year back; plans
  -- up to two years ahead
  IF p_start < current_date - interval '1 year' OR p_start > current_date + interval '2 years' THEN
    PERFORM sp_fail('SP400', 'date_out_of_range', 'start_date');
  END IF;
  IF e.status <> 1 THEN
    PERFORM sp_fail('SP412', 'employee_not_active', 'nip');
  END IF;
  -- the types of the employment type (DOMAIN §3.2, §3.3)
  IF NOT (CASE e.employment_type WHEN 1 THEN t.for_pns WHEN 2 THEN t.for_cpns ELSE t.for_pppk END) THEN
    PERFORM sp_fail('SP412', 'leave_type_not_allowed', 'leave_type');
  END IF;
  -- years of continuous service at the start (cuti besar for the first
  -- hajj: no minimum)
  IF t.min_service_years > 0 AND NOT (p_type = 'besar' AND p_first_hajj)
     AND p_start < (e.tmt_cpns + make_interval(years => t.min_service_years))::date THEN
    PERFORM sp_fail('SP412', 'service_too_short', 'start_date');
  END IF;
  IF p_first_hajj AND p_type <> 'besar' THEN
    PERFORM sp_fail('SP400', 'first_hajj_only_for_cuti_besar', 'first_hajj');
  END IF;
  IF p_type = 'melahirkan' THEN
    IF e.sex <> 2 THEN
      PERFORM sp_fail('SP412', 'maternity_leave_women_only', 'leave_type');
    END IF;
    IF coalesce(p_birth_order, 0) < 1 THEN
      PERFORM sp_fail('SP400', 'birth_order_required', 'birth_order');
    END IF;
    IF p_birth_order > 3 THEN  -- 4th birth onwards: cuti besar
      PERFORM sp_fail('SP412', 'fourth_birth_use_cuti_besar', 'birth_order');
    END IF;
  ELSIF coalesce(p_birth_order, 0) <> 0 AND p_type <> 'besar' THEN
    PERFORM sp_fail('SP400', 'birth_order_only_for_birth', 'birth_order');
  END IF;
  v_cap := CASE WHEN e.employment_type = 3 THEN coalesce(t.max_length_pppk, t.max_length) ELSE t.max_length END;
  IF v_cap IS NOT NULL AND p_end >= (p_start + v_cap)::date THEN
    PERFORM sp_fail('SP412', 'leave_too_long', 'end_date');
  END IF;
  -- one live leave at a time
  IF EXISTS (SELECT 1 FROM leave_requests l JOIN requests r ON r.id = l.request_id
              WHERE l.employee_id = p_emp AND leave_live_state(r.state) AND r.id IS DISTINCT FROM p_request
                AND l.start_date <= p_end AND l.end_date >= p_start) THEN
    PERFORM sp_fail('SP412', 'leave_overlaps', 'start_date');
  END IF;
  unit := t.unit;
  year := extract(year FROM p_start)::integer;
  IF t.unit = 'working_days' THEN
    days := leave_working_days(p_emp, p_start, p_end);
  ELSE
    days := p_end - p_start + 1;
  END IF;
  IF p_type = 'tahunan' THEN
    -- charged to one year's balance: it may not run into the next year
    IF extract(year FROM p_end) <> extract(year FROM p_start) THEN
      PERFORM sp_fail('SP400', 'leave_crosses_year', 'end_date');
    END IF;
    IF days < 1 THEN
      PERFORM sp_fail('SP412', 'no_working_days', 'end_date');
    END IF;
    SELECT * INTO v_bal FROM leave_balance(p_emp, year, p_request);
    IF v_bal.blocked_by_cuti_besar THEN
      PERFORM sp_fail('SP412', 'cuti_besar_this_year', 'start_date');
    END IF;
    IF days > v_bal.remaining THEN
      PERFORM sp_fail('SP412', 'leave_balance_insufficient', 'end_date');
    END IF;
  ELSIF p_type = 'besar' THEN
    -- no annual leave in a year of cuti besar: refused when annual leave
    -- was taken (or is pending) in a year the cuti besar touches
    IF EXISTS (SELECT 1 FROM generate_series(extract(year FROM p_start)::integer,
                                             extract(year FROM p_end)::integer) AS g(y)
                WHERE leave_taken(p_emp, g.y) > 0
                   OR EXISTS (SELECT 1 FROM leave_requests l JOIN requests r ON r.id = l.request_id
                               WHERE l.employee_id = p_emp AND l.leave_type = 'tahunan' AND l.year = g.y
                                 AND r.state IN (2, 3, 4) AND r.id IS DISTINCT FROM p_request)) THEN
      PERFORM sp_fail('SP412', 'annual_leave_taken_this_year', 'start_date');
    END IF;
  END IF;
END $$;

-- "cuti tahunan 2026-12-07..2026-12-11 (5 hari kerja)"
CREATE FUNCTION leave_summary(p_type text, p_start date, p_end date, p_days integer, p_unit text)
RETURNS text LANGUAGE sql STABLE AS $$
  SELECT lower(t.name_id) || ' ' || to_char(p_start, 'YYYY-MM-DD') || '..' || to_char(p_end, 'YYYY-MM-DD')
         || ' (' || p_days || CASE p_unit WHEN 'working_days' THEN ' hari kerja)' ELSE ' hari)' END
    FROM leave_types t WHERE t.code = p_type
$$;

-- Creates a leave request (docs/internals/services.md): the applicant
-- (own record, or HR for someone in scope), every rule, the request and
-- its details, then the submission unless p_draft. A retry with the same
-- idempotency key returns the first request (created = false) before any
-- rule is checked again (the first request would overlap itself).
CREATE FUNCTION leave_request_create(p_user_id bigint, p_role smallint, p_scope text, p_branch text,
                                     p_nip text, p_type text, p_start date, p_end date,
                                     p_reason text, p_address text, p_hard_to_reach boolean,
                                     p_birth_order integer, p_first_hajj boolean,
                                     p_draft boolean, p_idem_key text)
RETURNS TABLE (request_id bigint, created boolean)
LANGUAGE plpgsql AS $$
DECLARE
  v_emp bigint;
  v_id bigint;
  v_new boolean;
  c record;
BEGIN
  IF coalesce(p_idem_key, '') <> '' THEN
    SELECT r.id INTO v_id FROM requests r WHERE r.created_by = p_user_id AND r.idem_key = p_idem_key;
    IF FOUND THEN
      RETURN QUERY SELECT v_id, false;
      RETURN;
    END IF;
  END IF;
  v_emp := request_applicant(p_user_id, p_role, p_scope, p_branch, p_nip, true);
  -- one leave decision per employee at a time (overlap and balance)
  PERFORM 1 FROM employees e WHERE e.id = v_emp FOR NO KEY UPDATE;
  SELECT * INTO c FROM leave_check(v_emp, NULL, p_type, p_start, p_end, p_birth_order, p_first_hajj);
  SELECT n.request_id, n.created INTO v_id, v_new
    FROM request_new('CUTI', v_emp, p_user_id, p_idem_key,
                     leave_summary(p_type, p_start, p_end, c.days, c.unit)) n;
  IF v_new THEN
    INSERT INTO leave_requests (request_id, employee_id, leave_type, start_date, end_date, days, unit, year,
                                reason, address, hard_to_reach, birth_order, first_hajj)
    VALUES (v_id, v_emp, p_type, p_start, p_end, c.days, c.unit, c.year, coalesce(p_reason, ''),
            coalesce(p_address, ''), coalesce(p_hard_to_reach, false), coalesce(p_birth_order, 0),
            coalesce(p_first_hajj, false));
    PERFORM request_audit(p_user_id, 'LeaveSubmit', 'request', (SELECT r.number FROM requests r WHERE r.id = v_id),
                          NULL, jsonb_build_object('leave_type', p_type, 'start_date', p_start, 'end_date', p_end,
                                                   'days', c.days, 'draft', p_draft));
    IF NOT p_draft THEN
      PERFORM request_submit(v_id, p_user_id);
    END IF;
  END IF;
  RETURN QUERY SELECT v_id, v_new;
END $$;

-- The lifecycle's hook (docs/internals/services.md), inside the
-- transition:
--   submit   checks every rule again (the holidays, the balance and the
--            other requests may have changed since the draft) and
--            refreshes days and summary;
--   approve  the final approval charges annual leave to the ledger;
--   postpone annual leave postponed by the official raises next year's
--            cap; cuti besar for the first hajj or a 4th+ birth is refused;
--   cancel   after approval: the days come back;
--   reject, complete: nothing.
CREATE FUNCTION leave_effect(p_request_id bigint, p_action text, p_from_state smallint, p_actor bigint)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  l leave_requests;
  c record;
  v_net integer;
BEGIN
  SELECT * INTO l FROM leave_requests x WHERE x.request_id = p_request_id;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  -- days of this request still charged to the ledger
  v_net := (SELECT coalesce(sum(CASE kind WHEN 'taken' THEN days WHEN 'restored' THEN -days END), 0)
              FROM leave_ledger g WHERE g.request_id = p_request_id);
  IF p_action = 'submit' THEN
    PERFORM 1 FROM employees e WHERE e.id = l.employee_id FOR NO KEY UPDATE;
    SELECT * INTO c FROM leave_check(l.employee_id, p_request_id, l.leave_type, l.start_date, l.end_date,
                                     l.birth_order, l.first_hajj);
    UPDATE leave_requests SET days = c.days, year = c.year WHERE request_id = p_request_id;
    UPDATE requests SET summary = leave_summary(l.leave_type, l.start_date, l.end_date, c.days, c.unit)
     WHERE id = p_request_id AND summary IS DISTINCT FROM
           leave_summary(l.leave_type, l.start_date, l.end_date, c.days, c.unit);
  ELSIF p_action = 'approve' THEN
    -- only the final approval charges (called for the last step; the
    -- check keeps a second call from charging twice)
    IF l.leave_type = 'tahunan' AND v_net = 0 AND l.days > 0 THEN
      INSERT INTO leave_ledger (employee_id, year, kind, days, request_id)
      VALUES (l.employee_id, l.year, 'taken', l.days, p_request_id);
    END IF;
  ELSIF p_action = 'postpone' THEN
    -- cuti besar for the first hajj or a 4th+ birth cannot wait (DOMAIN §3.2)
    IF l.leave_type = 'besar' AND (l.first_hajj OR l.birth_order >= 4) THEN
      PERFORM sp_fail('SP412', 'leave_cannot_be_postponed', 'action');
    END IF;
    IF l.leave_type = 'tahunan' AND l.days > 0 THEN
      INSERT INTO leave_ledger (employee_id, year, kind, days, request_id)
      VALUES (l.employee_id, l.year, 'postponed', l.days, p_request_id);
    END IF;
  ELSIF p_action = 'cancel' THEN
    IF l.leave_type = 'tahunan' AND p_from_state IN (5, 8) AND v_net > 0 THEN
      INSERT INTO leave_ledger (employee_id, year, kind, days, request_id)
      VALUES (l.employee_id, l.year, 'restored', v_net, p_request_id);
    END IF;
  END IF;
END $$;

-- Evidence kinds the request needs and does not have yet.
CREATE FUNCTION leave_missing(p_request_id bigint) RETURNS text[]
LANGUAGE sql STABLE AS $$
  SELECT coalesce(array_agg(v.kind ORDER BY v.min_days, v.kind), '{}')
    FROM leave_requests l JOIN leave_evidence v ON v.leave_type = l.leave_type
   WHERE l.request_id = p_request_id AND l.days >= v.min_days AND (NOT v.first_hajj OR l.first_hajj)
     AND NOT EXISTS (SELECT 1 FROM documents d WHERE d.request_id = p_request_id AND d.kind = v.kind)
$$;

-- ---- holidays ----

-- Writes holidays (HolidayImport): arrays of one element per holiday
-- (kind 1..3, office code '' for national and cuti bersama). A row for a
-- day and place that exists replaces its kind and name. p_replace_year
-- (non-zero) first removes that year's rows the caller may manage:
-- national and cuti bersama rows only for a caller whose scope is the
-- whole tree, regional rows of offices in scope. Regional holidays need
-- an office in scope; national ones a whole-tree scope. One audit row.
CREATE FUNCTION holiday_import(p_user_id bigint, p_actor text, p_actor_office text, p_addr text,
                               p_scope text, p_branch text,
                               p_days date[], p_kinds smallint[], p_names text[], p_offices text[],
                               p_replace_year integer)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  v_all boolean := p_scope = '/ID/' AND coalesce(p_branch, '') = '';
  v_n integer;
  v_removed integer := 0;
  v_bad integer;
BEGIN
  IF cardinality(p_days) IS DISTINCT FROM cardinality(p_kinds) OR cardinality(p_days) IS DISTINCT FROM cardinality(p_names)
     OR cardinality(p_days) IS DISTINCT FROM cardinality(p_offices) THEN
    PERFORM sp_fail('SP400', 'holiday_arrays_differ', 'holidays');
  END IF;
  -- every regional row names an office in scope
  SELECT min(i) INTO v_bad FROM generate_subscripts(p_days, 1) AS i
   WHERE p_kinds[i] = 3 AND NOT EXISTS (SELECT 1 FROM offices o WHERE o.code = p_offices[i]
                                         AND starts_with(o.path, p_scope) AND starts_with(o.path, coalesce(p_branch, '')));
  IF v_bad IS NOT NULL THEN
    PERFORM sp_fail('SP404', 'office_not_found', 'holidays.office_code');
  END IF;
  IF NOT v_all AND EXISTS (SELECT 1 FROM unnest(p_kinds) k WHERE k IN (1, 2)) THEN
    PERFORM sp_fail('SP403', 'national_holidays_need_whole_tree', 'holidays.kind');
  END IF;
  IF coalesce(p_replace_year, 0) <> 0 THEN
    WITH d AS (
      DELETE FROM holidays h
       WHERE h.day BETWEEN make_date(p_replace_year, 1, 1) AND make_date(p_replace_year, 12, 31)
         AND ((h.kind IN (1, 2) AND v_all)
              OR (h.kind = 3 AND EXISTS (SELECT 1 FROM offices o WHERE o.id = h.office_id
                                          AND starts_with(o.path, p_scope)
                                          AND starts_with(o.path, coalesce(p_branch, '')))))
       RETURNING 1)
    SELECT count(*) INTO v_removed FROM d;
  END IF;
  WITH src AS (
    SELECT DISTINCT ON (x.day, coalesce(o.id, 0)) x.day, x.kind, x.name, o.id AS office_id
      FROM unnest(p_days, p_kinds, p_names, p_offices) WITH ORDINALITY AS x(day, kind, name, office, ord)
      LEFT JOIN offices o ON x.kind = 3 AND o.code = x.office
     ORDER BY x.day, coalesce(o.id, 0), x.ord DESC),
  w AS (
    INSERT INTO holidays (day, kind, name, office_id)
    SELECT day, kind, name, office_id FROM src
    ON CONFLICT (day, coalesce(office_id, 0)) DO UPDATE SET kind = excluded.kind, name = excluded.name
    RETURNING 1)
  SELECT count(*) INTO v_n FROM w;
  INSERT INTO audit_log (actor_user_id, actor, actor_office, client_addr, method, entity, entity_id, after)
  VALUES (p_user_id, p_actor, p_actor_office, p_addr, 'HolidayImport', 'holiday',
          coalesce(nullif(p_replace_year, 0)::text, ''),
          jsonb_build_object('written', v_n, 'removed', v_removed, 'replace_year', p_replace_year,
                             'first', (SELECT min(d) FROM unnest(p_days) d), 'last', (SELECT max(d) FROM unnest(p_days) d)));
  RETURN v_n;
END $$;

-- Sets an office's working days (WorkCalendarSet), audited; the office
-- must be in the caller's scope.
CREATE FUNCTION work_calendar_set(p_user_id bigint, p_actor text, p_actor_office text, p_addr text,
                                  p_scope text, p_branch text, p_office text, p_workdays smallint[])
RETURNS smallint[] LANGUAGE plpgsql AS $$
DECLARE
  v_office bigint;
  v_before smallint[];
  v_days smallint[];
BEGIN
  SELECT o.id INTO v_office FROM offices o
   WHERE o.code = p_office AND starts_with(o.path, p_scope) AND starts_with(o.path, coalesce(p_branch, ''));
  IF NOT FOUND THEN
    PERFORM sp_fail('SP404', 'office_not_found', 'office_code');
  END IF;
  SELECT array_agg(DISTINCT d ORDER BY d) INTO v_days FROM unnest(p_workdays) d;
  IF v_days IS NULL OR NOT v_days <@ '{1,2,3,4,5,6,7}'::smallint[] THEN
    PERFORM sp_fail('SP400', 'invalid_workdays', 'workdays');
  END IF;
  SELECT w.workdays INTO v_before FROM work_calendars w WHERE w.office_id = v_office;
  INSERT INTO work_calendars (office_id, workdays) VALUES (v_office, v_days)
  ON CONFLICT (office_id) DO UPDATE SET workdays = excluded.workdays;
  INSERT INTO audit_log (actor_user_id, actor, actor_office, client_addr, method, entity, entity_id, before, after)
  VALUES (p_user_id, p_actor, p_actor_office, p_addr, 'WorkCalendarSet', 'office', p_office,
          CASE WHEN v_before IS NULL THEN NULL ELSE jsonb_build_object('workdays', v_before) END,
          jsonb_build_object('workdays', v_days));
  RETURN v_days;
END $$;
