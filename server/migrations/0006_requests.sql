-- 0006_requests: one lifecycle for every personnel service (issue #5;
-- docs/internals/services.md): requests, their approval steps and
-- timeline, configurable approval chains, and documents.
--
-- States follow simpeg.v1.RequestState: 1 draft, 2 submitted, 3 returned,
-- 4 verified, 5 approved, 6 postponed, 7 rejected, 8 completed,
-- 9 cancelled. Step kinds follow simpeg.v1.StepKind and are stored as text:
-- 'supervisor', 'verifier', 'official'.
--
-- Errors raised by the functions of this and later service migrations use
-- SQLSTATEs of class SP (svc_fail_db maps them): MESSAGE is a stable reason
-- code (e.g. 'leave_overlaps'), DETAIL names the field when there is one.
--   SP400 INVALID_ARGUMENT   SP403 PERMISSION_DENIED   SP404 NOT_FOUND
--   SP409 ABORTED (version)  SP412 FAILED_PRECONDITION

-- The services. default_steps is the chain used where no office up the
-- tree configured one.
CREATE TABLE service_kinds (
  code          text    PRIMARY KEY CHECK (code ~ '^[A-Z]{2,10}$'),
  name_id       text    NOT NULL,
  name_en       text    NOT NULL,
  default_steps text[]  NOT NULL
);
INSERT INTO service_kinds (code, name_id, name_en, default_steps) VALUES
  ('CUTI',    'Cuti',                   'Leave',               '{supervisor,verifier,official}'),
  ('KP',      'Kenaikan pangkat',       'Promotion',           '{supervisor,verifier,official}'),
  ('KGB',     'Kenaikan gaji berkala',  'Periodic raise',      '{verifier,official}'),
  ('KOREKSI', 'Perbaikan data',         'Data correction',     '{verifier}');

-- Approval chains per office and service; an office without one uses its
-- nearest ancestor's, then the service default. official_user_id names the
-- official (PYBMC or delegate); NULL: any regional admin in scope.
CREATE TABLE approval_chains (
  office_id        bigint      NOT NULL REFERENCES offices (id),
  service          text        NOT NULL REFERENCES service_kinds (code),
  steps            text[]      NOT NULL CHECK (cardinality(steps) BETWEEN 1 AND 6
                                 AND steps <@ '{supervisor,verifier,official}'::text[]),
  official_user_id bigint      REFERENCES users (id),
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  version          integer     NOT NULL DEFAULT 1,
  PRIMARY KEY (office_id, service)
);
CREATE TRIGGER approval_chains_touch BEFORE UPDATE ON approval_chains
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- The atasan langsung of an employee: who gives the first consideration.
ALTER TABLE employees ADD COLUMN supervisor_id bigint REFERENCES employees (id)
  CHECK (supervisor_id <> id);
CREATE INDEX employees_supervisor ON employees (supervisor_id) WHERE supervisor_id IS NOT NULL;

-- Readable numbers: <SERVICE>-<year>-<6 digits>. One sequence per service,
-- so numbering never takes a lock; numbers are unique and increasing but
-- may skip (a rolled-back submission uses one up).
CREATE SEQUENCE request_no_cuti;
CREATE SEQUENCE request_no_kp;
CREATE SEQUENCE request_no_kgb;
CREATE SEQUENCE request_no_koreksi;

CREATE TABLE requests (
  id             bigserial   PRIMARY KEY,
  number         text        NOT NULL UNIQUE,
  service        text        NOT NULL REFERENCES service_kinds (code),
  employee_id    bigint      NOT NULL REFERENCES employees (id),  -- whom it is about
  office_id      bigint      NOT NULL REFERENCES offices (id),    -- the employee's office when filed
  created_by     bigint      NOT NULL REFERENCES users (id),
  state          smallint    NOT NULL DEFAULT 1 CHECK (state BETWEEN 1 AND 9),
  step           smallint    NOT NULL DEFAULT 0,  -- request_steps.step_no holding it; 0: none
  idem_key       text        CHECK (length(idem_key) BETWEEN 1 AND 100),
  summary        text        NOT NULL DEFAULT '',
  decree_number  text,
  decree_date    date,
  postpone_until date,
  state_since    timestamptz NOT NULL DEFAULT now(),
  submitted_at   timestamptz,  -- first submission
  decided_at     timestamptz,  -- approved, postponed or rejected
  completed_at   timestamptz,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  version        integer     NOT NULL DEFAULT 1,
  UNIQUE (created_by, idem_key)
);
CREATE INDEX requests_employee ON requests (employee_id, id);
CREATE INDEX requests_office_state ON requests (office_id, state, id);
CREATE INDEX requests_service_state ON requests (service, state, id);
CREATE TRIGGER requests_touch BEFORE UPDATE ON requests
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- The chain of a request, copied from the chain in force when it was
-- submitted (a later configuration change does not move requests already
-- in flight). holder_user_id: a named person (the supervisor's account, the
-- configured official); NULL: any verifier / regional admin whose subtree
-- holds holder_office_id.
CREATE TABLE request_steps (
  request_id       bigint      NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
  step_no          smallint    NOT NULL CHECK (step_no >= 1),
  kind             text        NOT NULL CHECK (kind IN ('supervisor', 'verifier', 'official')),
  holder_user_id   bigint      REFERENCES users (id),
  holder_office_id bigint      NOT NULL REFERENCES offices (id),
  reached_at       timestamptz,  -- when the request last arrived at this step
  acted_by         bigint      REFERENCES users (id),
  acted_at         timestamptz,
  outcome          text,
  PRIMARY KEY (request_id, step_no)
);
CREATE INDEX request_steps_holder ON request_steps (holder_user_id) WHERE holder_user_id IS NOT NULL;

-- The timeline: one row per action, never updated.
CREATE TABLE request_events (
  id            bigserial   PRIMARY KEY,
  request_id    bigint      NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
  at            timestamptz NOT NULL DEFAULT clock_timestamp(),
  actor_user_id bigint      REFERENCES users (id),
  action        text        NOT NULL,
  from_state    smallint,
  to_state      smallint    NOT NULL,
  step_no       smallint    NOT NULL DEFAULT 0,
  step_kind     text,
  comment       text        NOT NULL DEFAULT '' CHECK (length(comment) <= 2000)
);
CREATE INDEX request_events_request ON request_events (request_id, id);
CREATE INDEX request_events_at ON request_events (at);

-- Evidence documents, stored in the database (one source of truth, backed
-- up with everything else). Written only by a finished, checked upload.
CREATE TABLE documents (
  id           bigserial   PRIMARY KEY,
  request_id   bigint      NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
  kind         text        NOT NULL CHECK (kind ~ '^[a-z0-9_]{1,60}$'),
  filename     text        NOT NULL CHECK (length(filename) BETWEEN 1 AND 255),
  content_type text        NOT NULL CHECK (content_type IN ('application/pdf', 'image/jpeg', 'image/png')),
  size_bytes   integer     NOT NULL CHECK (size_bytes > 0),
  sha256       bytea       NOT NULL CHECK (length(sha256) = 32),
  content      bytea       NOT NULL,
  uploaded_by  bigint      NOT NULL REFERENCES users (id),
  created_at   timestamptz NOT NULL DEFAULT now(),
  CHECK (length(content) = size_bytes)
);
CREATE INDEX documents_request ON documents (request_id, id);
ALTER TABLE documents ALTER COLUMN content SET STORAGE EXTERNAL;  -- already compressed formats

-- Raises an error of the SP class (see the top of this file).
CREATE FUNCTION sp_fail(p_state text, p_reason text, p_field text DEFAULT '')
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION USING ERRCODE = p_state, MESSAGE = p_reason, DETAIL = p_field;
END $$;

-- Creates a request in state draft, or returns the one an earlier call
-- with the same (created_by, idem_key) made: `created` tells which. The
-- service functions (leave_request_create, ...) call this first and add
-- their details only when created.
CREATE FUNCTION request_new(p_service text, p_employee_id bigint, p_created_by bigint,
                            p_idem_key text, p_summary text,
                            OUT request_id bigint, OUT created boolean)
LANGUAGE plpgsql AS $$
DECLARE
  v_office bigint;
  v_year text := to_char(current_date, 'YYYY');
BEGIN
  IF p_idem_key IS NOT NULL AND p_idem_key <> '' THEN
    SELECT r.id INTO request_id FROM requests r
     WHERE r.created_by = p_created_by AND r.idem_key = p_idem_key;
    IF FOUND THEN
      created := false;
      RETURN;
    END IF;
  END IF;
  SELECT e.office_id INTO v_office FROM employees e WHERE e.id = p_employee_id;
  IF NOT FOUND THEN
    PERFORM sp_fail('SP404', 'employee_not_found', 'nip');
  END IF;
  INSERT INTO requests (number, service, employee_id, office_id, created_by, idem_key, summary)
  VALUES (p_service || '-' || v_year || '-' ||
            lpad(nextval('request_no_' || lower(p_service))::text, 6, '0'),
          p_service, p_employee_id, v_office, p_created_by, nullif(p_idem_key, ''), p_summary)
  RETURNING id INTO request_id;
  INSERT INTO request_events (request_id, actor_user_id, action, from_state, to_state)
  VALUES (request_id, p_created_by, 'create', NULL, 1);
  created := true;
END $$;

-- The employee a request is filed for, checked against who files it:
-- p_nip '' means the caller's own record (users.nip); another person's
-- record needs p_others_allowed and an HR role (3 hr_officer,
-- 4 regional_admin, 5 system_admin) whose scope (and branch) holds the
-- employee's office. Out of scope looks like not found.
CREATE FUNCTION request_applicant(p_user_id bigint, p_role smallint, p_scope text, p_branch text,
                                  p_nip text, p_others_allowed boolean)
RETURNS bigint LANGUAGE plpgsql STABLE AS $$
DECLARE
  v_own text;
  v_id bigint;
  v_path text;
BEGIN
  SELECT u.nip INTO v_own FROM users u WHERE u.id = p_user_id;
  IF coalesce(p_nip, '') = '' OR p_nip = v_own THEN
    IF v_own IS NULL THEN
      PERFORM sp_fail('SP412', 'no_linked_employee', 'nip');
    END IF;
    SELECT e.id INTO v_id FROM employees e WHERE e.nip = v_own;
    IF NOT FOUND THEN
      PERFORM sp_fail('SP404', 'employee_not_found', 'nip');
    END IF;
    RETURN v_id;
  END IF;
  SELECT e.id, o.path INTO v_id, v_path FROM employees e JOIN offices o ON o.id = e.office_id
   WHERE e.nip = p_nip;
  IF NOT FOUND OR NOT starts_with(v_path, p_scope) OR NOT starts_with(v_path, coalesce(p_branch, '')) THEN
    PERFORM sp_fail('SP404', 'employee_not_found', 'nip');
  END IF;
  IF NOT p_others_allowed OR p_role NOT IN (3, 4, 5) THEN
    PERFORM sp_fail('SP403', 'not_your_record', 'nip');
  END IF;
  RETURN v_id;
END $$;

-- May this user see the request (show, timeline, documents)? Its
-- applicant, whoever filed it, whoever holds or held one of its steps, and
-- HR, admins and auditors whose scope (and branch) holds its office.
CREATE FUNCTION request_visible(p_request_id bigint, p_user_id bigint, p_role smallint,
                                p_scope text, p_branch text)
RETURNS boolean LANGUAGE sql STABLE AS $$
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
            OR (p_role IN (3, 4, 5, 6) AND starts_with(o.path, p_scope))))
$$;
