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

-- ---------------------------------------------------------------------
-- The lifecycle (docs/internals/requests.md). Everything below is called
-- inside one statement of a batch: a transition locks the request row,
-- checks who may act, moves the state, writes the timeline, the step rows
-- and an audit row, and runs the service's hook, or raises and changes
-- nothing.
-- ---------------------------------------------------------------------

-- Audit rows written by these functions: the client address is what the
-- daemon put in the transaction-local setting simpeg.client_addr (the
-- first statement of its batch); '' when a caller did not.
CREATE FUNCTION request_audit(p_user_id bigint, p_method text, p_entity text, p_entity_id text,
                              p_before jsonb, p_after jsonb)
RETURNS void LANGUAGE sql AS $$
  INSERT INTO audit_log (actor_user_id, actor, actor_office, client_addr, method, entity, entity_id, before, after)
  SELECT p_user_id, coalesce(u.username, ''), coalesce(o.code, ''),
         coalesce(current_setting('simpeg.client_addr', true), ''), p_method, p_entity, p_entity_id,
         p_before, p_after
    FROM (SELECT 1) one
    LEFT JOIN users u ON u.id = p_user_id
    LEFT JOIN offices o ON o.id = u.office_id
$$;

-- The chain in force for an office and service: the nearest office up the
-- tree (itself included) with an approval_chains row, else the service's
-- default (office_id NULL, version 0). inherited: not configured on the
-- office itself.
CREATE FUNCTION request_chain(p_office_id bigint, p_service text,
                              OUT office_id bigint, OUT steps text[], OUT official_user_id bigint,
                              OUT inherited boolean, OUT version integer)
LANGUAGE plpgsql STABLE AS $$
DECLARE
  v_path text;
BEGIN
  SELECT o.path INTO v_path FROM offices o WHERE o.id = p_office_id;
  SELECT c.office_id, c.steps, c.official_user_id, c.office_id <> p_office_id, c.version
    INTO office_id, steps, official_user_id, inherited, version
    FROM approval_chains c JOIN offices a ON a.id = c.office_id
   WHERE c.service = p_service AND starts_with(v_path, a.path)
   ORDER BY length(a.path) DESC LIMIT 1;
  IF NOT FOUND THEN
    SELECT NULL, k.default_steps, NULL, true, 0 INTO office_id, steps, official_user_id, inherited, version
      FROM service_kinds k WHERE k.code = p_service;
  END IF;
END $$;

-- Does this user hold step `s` of a request (the current one, when asked)?
-- A named holder only; else by role and scope: verifier = hr_officer,
-- official = regional_admin, and system_admin for either, whose subtree
-- (and branch) holds the step's office.
CREATE FUNCTION request_step_holder(p_holder_user_id bigint, p_kind text, p_holder_office_id bigint,
                                    p_user_id bigint, p_role smallint, p_scope text, p_branch text)
RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT CASE
    WHEN p_holder_user_id IS NOT NULL THEN p_holder_user_id = p_user_id
    WHEN p_kind = 'verifier' AND p_role NOT IN (3, 5) THEN false
    WHEN p_kind = 'official' AND p_role NOT IN (4, 5) THEN false
    WHEN p_kind = 'supervisor' THEN false
    ELSE EXISTS (SELECT 1 FROM offices o WHERE o.id = p_holder_office_id
                  AND starts_with(o.path, p_scope) AND starts_with(o.path, coalesce(p_branch, '')))
  END
$$;

-- The service hooks (docs/internals/services.md). Only the branch of the
-- request's service runs, so a service's functions may come from a later
-- migration.
CREATE FUNCTION request_effect(p_request_id bigint, p_action text, p_from_state smallint, p_actor bigint)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  v_service text;
BEGIN
  SELECT r.service INTO v_service FROM requests r WHERE r.id = p_request_id;
  CASE v_service
    WHEN 'CUTI' THEN PERFORM leave_effect(p_request_id, p_action, p_from_state, p_actor);
    WHEN 'KP' THEN PERFORM promotion_effect(p_request_id, p_action, p_from_state, p_actor);
    WHEN 'KGB' THEN PERFORM kgb_effect(p_request_id, p_action, p_from_state, p_actor);
    WHEN 'KOREKSI' THEN PERFORM correction_effect(p_request_id, p_action, p_from_state, p_actor);
    ELSE NULL;
  END CASE;
END $$;

CREATE FUNCTION request_missing(p_request_id bigint)
RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
  v_service text;
BEGIN
  SELECT r.service INTO v_service FROM requests r WHERE r.id = p_request_id;
  -- One statement per branch: a statement is planned only when it runs.
  CASE v_service
    WHEN 'CUTI' THEN RETURN coalesce(leave_missing(p_request_id), '{}');
    WHEN 'KP' THEN RETURN coalesce(promotion_missing(p_request_id), '{}');
    WHEN 'KGB' THEN RETURN coalesce(kgb_missing(p_request_id), '{}');
    WHEN 'KOREKSI' THEN RETURN coalesce(correction_missing(p_request_id), '{}');
    ELSE RETURN '{}';
  END CASE;
END $$;

-- One timeline row, one audit row.
CREATE FUNCTION request_record(p_request_id bigint, p_actor bigint, p_action text, p_from smallint,
                               p_to smallint, p_step smallint, p_kind text, p_comment text, p_method text)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  v_number text;
BEGIN
  INSERT INTO request_events (request_id, actor_user_id, action, from_state, to_state, step_no, step_kind, comment)
  VALUES (p_request_id, p_actor, p_action, p_from, p_to, coalesce(p_step, 0), p_kind, coalesce(p_comment, ''));
  SELECT r.number INTO v_number FROM requests r WHERE r.id = p_request_id;
  PERFORM request_audit(p_actor, p_method, 'request', v_number,
                        jsonb_build_object('state', p_from, 'step', p_step),
                        jsonb_build_object('action', p_action, 'state', p_to, 'comment', coalesce(p_comment, '')));
END $$;

-- Submits a draft or returned request: only its applicant (users.nip of
-- the employee) or whoever filed it. Refuses while documents are missing
-- (SP412 documents_missing), lets the service re-check (its effect with
-- action 'submit'), then copies the chain in force into request_steps with
-- the holders resolved and puts the request at step 1.
CREATE FUNCTION request_submit(p_request_id bigint, p_user_id bigint)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  r requests%ROWTYPE;
  v_applicant boolean;
  v_chain record;
  v_missing text[];
  v_sup_emp bigint;
  v_sup_user bigint;
  v_sup_office bigint;
  i integer;
BEGIN
  SELECT * INTO r FROM requests WHERE id = p_request_id FOR UPDATE;
  IF NOT FOUND THEN
    PERFORM sp_fail('SP404', 'request_not_found', 'number');
  END IF;
  SELECT EXISTS (SELECT 1 FROM users u JOIN employees e ON e.nip = u.nip
                  WHERE u.id = p_user_id AND e.id = r.employee_id) INTO v_applicant;
  IF NOT v_applicant AND r.created_by <> p_user_id THEN
    PERFORM sp_fail('SP403', 'not_applicant', 'number');
  END IF;
  IF r.state NOT IN (1, 3) THEN
    PERFORM sp_fail('SP412', 'invalid_state', 'action');
  END IF;
  v_missing := request_missing(p_request_id);
  IF cardinality(v_missing) > 0 THEN
    PERFORM sp_fail('SP412', 'documents_missing', 'documents');
  END IF;
  PERFORM request_effect(p_request_id, 'submit', r.state, p_user_id);

  SELECT * INTO v_chain FROM request_chain(r.office_id, r.service);
  DELETE FROM request_steps WHERE request_id = p_request_id;
  FOR i IN 1 .. cardinality(v_chain.steps) LOOP
    IF v_chain.steps[i] = 'supervisor' THEN
      SELECT e.supervisor_id INTO v_sup_emp FROM employees e WHERE e.id = r.employee_id;
      v_sup_user := NULL;
      SELECT u.id, s.office_id INTO v_sup_user, v_sup_office
        FROM employees s JOIN users u ON u.nip = s.nip AND NOT u.disabled
       WHERE s.id = v_sup_emp ORDER BY u.id LIMIT 1;
      IF v_sup_user IS NULL THEN
        PERFORM sp_fail('SP412', 'no_supervisor', 'supervisor');
      END IF;
      INSERT INTO request_steps (request_id, step_no, kind, holder_user_id, holder_office_id)
      VALUES (p_request_id, i, 'supervisor', v_sup_user, v_sup_office);
    ELSIF v_chain.steps[i] = 'official' THEN
      INSERT INTO request_steps (request_id, step_no, kind, holder_user_id, holder_office_id)
      VALUES (p_request_id, i, 'official', v_chain.official_user_id, r.office_id);
    ELSE
      INSERT INTO request_steps (request_id, step_no, kind, holder_user_id, holder_office_id)
      VALUES (p_request_id, i, 'verifier', NULL, r.office_id);
    END IF;
  END LOOP;
  UPDATE request_steps SET reached_at = now() WHERE request_id = p_request_id AND step_no = 1;
  UPDATE requests SET state = 2, step = 1, state_since = now(), submitted_at = coalesce(submitted_at, now()),
                      decided_at = NULL
   WHERE id = p_request_id;
  PERFORM request_record(p_request_id, p_user_id, 'submit', r.state, 2::smallint, 1::smallint,
                         v_chain.steps[1], '', 'RequestSubmit');
END $$;

-- Every other transition (and submit) by the request's readable number.
-- Returns the request id. Checks, in order: the request exists and the
-- caller may see it (else SP404 request_not_found), the action and its
-- arguments (SP400), the version read (SP409 version_conflict), the state
-- (SP412 invalid_state), who may act (SP403).
CREATE FUNCTION request_act(p_number text, p_user_id bigint, p_role smallint, p_scope text, p_branch text,
                            p_action text, p_comment text, p_version integer, p_decree_number text,
                            p_decree_date date, p_postpone_until date)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  r requests%ROWTYPE;
  s request_steps%ROWTYPE;
  v_applicant boolean;
  v_last smallint;
  v_path text;
  v_to smallint;
  v_next smallint;
  v_verifier_in_scope boolean;
BEGIN
  SELECT * INTO r FROM requests WHERE number = p_number FOR UPDATE;
  IF NOT FOUND OR NOT request_visible(r.id, p_user_id, p_role, p_scope, p_branch) THEN
    PERFORM sp_fail('SP404', 'request_not_found', 'number');
  END IF;
  IF p_action IS NULL OR p_action NOT IN ('submit', 'approve', 'return', 'reject', 'postpone', 'cancel', 'complete') THEN
    PERFORM sp_fail('SP400', 'unknown_action', 'action');
  END IF;
  IF p_action IN ('return', 'reject', 'postpone') AND coalesce(btrim(p_comment), '') = '' THEN
    PERFORM sp_fail('SP400', 'comment_required', 'comment');
  END IF;
  IF length(coalesce(p_comment, '')) > 2000 THEN
    PERFORM sp_fail('SP400', 'too_long', 'comment');
  END IF;
  IF p_action = 'postpone' AND p_postpone_until IS NULL THEN
    PERFORM sp_fail('SP400', 'postpone_until_required', 'postpone_until');
  END IF;
  IF p_action = 'postpone' AND p_postpone_until <= current_date THEN
    PERFORM sp_fail('SP400', 'not_in_the_future', 'postpone_until');
  END IF;
  IF p_action = 'complete' AND coalesce(btrim(p_decree_number), '') = '' THEN
    PERFORM sp_fail('SP400', 'decree_number_required', 'decree_number');
  END IF;
  IF p_action = 'complete' AND p_decree_date IS NULL THEN
    PERFORM sp_fail('SP400', 'decree_date_required', 'decree_date');
  END IF;
  IF coalesce(p_version, 0) <> 0 AND p_version <> r.version THEN
    PERFORM sp_fail('SP409', 'version_conflict', 'version');
  END IF;

  IF p_action = 'submit' THEN
    PERFORM request_submit(r.id, p_user_id);
    RETURN r.id;
  END IF;

  SELECT EXISTS (SELECT 1 FROM users u JOIN employees e ON e.nip = u.nip
                  WHERE u.id = p_user_id AND e.id = r.employee_id) INTO v_applicant;
  SELECT o.path INTO v_path FROM offices o WHERE o.id = r.office_id;
  v_verifier_in_scope := p_role IN (3, 5) AND starts_with(v_path, p_scope)
                         AND starts_with(v_path, coalesce(p_branch, ''));

  IF p_action = 'cancel' THEN
    IF r.state IN (1, 2, 3, 4) THEN
      IF NOT v_applicant AND r.created_by <> p_user_id THEN
        PERFORM sp_fail('SP403', 'not_applicant', 'number');
      END IF;
    ELSIF r.state = 5 THEN
      IF NOT v_applicant AND NOT v_verifier_in_scope THEN
        PERFORM sp_fail('SP403', 'not_applicant', 'number');
      END IF;
    ELSE
      PERFORM sp_fail('SP412', 'invalid_state', 'action');
    END IF;
    SELECT * INTO s FROM request_steps WHERE request_id = r.id AND step_no = r.step;
    UPDATE requests SET state = 9, step = 0, state_since = now() WHERE id = r.id;
    PERFORM request_effect(r.id, 'cancel', r.state, p_user_id);
    PERFORM request_record(r.id, p_user_id, 'cancel', r.state, 9::smallint, r.step, s.kind, p_comment, 'RequestAct');
    RETURN r.id;
  END IF;

  IF p_action = 'complete' THEN
    IF r.state <> 5 THEN
      PERFORM sp_fail('SP412', 'invalid_state', 'action');
    END IF;
    IF v_applicant OR NOT v_verifier_in_scope THEN
      PERFORM sp_fail('SP403', 'not_verifier', 'number');
    END IF;
    UPDATE requests SET state = 8, state_since = now(), completed_at = now(),
                        decree_number = btrim(p_decree_number), decree_date = p_decree_date
     WHERE id = r.id;
    PERFORM request_effect(r.id, 'complete', r.state, p_user_id);
    PERFORM request_record(r.id, p_user_id, 'complete', r.state, 8::smallint, 0::smallint, NULL, p_comment,
                           'RequestAct');
    RETURN r.id;
  END IF;

  -- approve, return, reject, postpone: the holder of the current step.
  IF r.state NOT IN (2, 4) OR r.step = 0 THEN
    PERFORM sp_fail('SP412', 'invalid_state', 'action');
  END IF;
  SELECT * INTO s FROM request_steps WHERE request_id = r.id AND step_no = r.step;
  IF v_applicant THEN
    PERFORM sp_fail('SP403', 'own_request', 'number');
  END IF;
  IF NOT request_step_holder(s.holder_user_id, s.kind, s.holder_office_id, p_user_id, p_role, p_scope, p_branch) THEN
    PERFORM sp_fail('SP403', 'not_step_holder', 'number');
  END IF;
  SELECT max(step_no) INTO v_last FROM request_steps WHERE request_id = r.id;
  UPDATE request_steps SET acted_by = p_user_id, acted_at = now(), outcome = p_action
   WHERE request_id = r.id AND step_no = r.step;

  IF p_action = 'approve' THEN
    IF r.step < v_last THEN
      v_next := r.step + 1;
      v_to := CASE WHEN s.kind = 'verifier' THEN 4 ELSE r.state END;
      UPDATE request_steps SET reached_at = now(), acted_by = NULL, acted_at = NULL, outcome = NULL
       WHERE request_id = r.id AND step_no = v_next;
      -- state_since: since the request is where it is (state and step),
      -- which is what "waiting since" shows.
      UPDATE requests SET state = v_to, step = v_next, state_since = now() WHERE id = r.id;
    ELSE
      v_to := 5;
      UPDATE requests SET state = 5, step = 0, state_since = now(), decided_at = now() WHERE id = r.id;
      PERFORM request_effect(r.id, 'approve', r.state, p_user_id);
    END IF;
  ELSIF p_action = 'return' THEN
    v_to := 3;
    UPDATE requests SET state = 3, step = 0, state_since = now() WHERE id = r.id;
  ELSIF p_action = 'reject' THEN
    v_to := 7;
    UPDATE requests SET state = 7, step = 0, state_since = now(), decided_at = now() WHERE id = r.id;
    PERFORM request_effect(r.id, 'reject', r.state, p_user_id);
  ELSE -- postpone
    IF r.step <> v_last THEN
      PERFORM sp_fail('SP412', 'postpone_last_step_only', 'action');
    END IF;
    v_to := 6;
    UPDATE requests SET state = 6, step = 0, state_since = now(), decided_at = now(),
                        postpone_until = p_postpone_until
     WHERE id = r.id;
    PERFORM request_effect(r.id, 'postpone', r.state, p_user_id);
  END IF;
  PERFORM request_record(r.id, p_user_id, p_action, r.state, v_to, r.step, s.kind, p_comment, 'RequestAct');
  RETURN r.id;
END $$;

-- Configures the chain of an office and service. p_version: the version
-- read (0: do not check). Returns the office id.
CREATE FUNCTION chain_set(p_user_id bigint, p_office_code text, p_scope text, p_branch text, p_service text,
                          p_steps text[], p_official_username text, p_version integer)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  v_office offices%ROWTYPE;
  v_official bigint;
  v_old approval_chains%ROWTYPE;
  v_new approval_chains%ROWTYPE;
BEGIN
  SELECT * INTO v_office FROM offices WHERE code = p_office_code;
  IF NOT FOUND OR NOT starts_with(v_office.path, p_scope) OR NOT starts_with(v_office.path, coalesce(p_branch, '')) THEN
    PERFORM sp_fail('SP404', 'office_not_found', 'office_code');
  END IF;
  IF NOT EXISTS (SELECT 1 FROM service_kinds WHERE code = p_service) THEN
    PERFORM sp_fail('SP400', 'unknown_service', 'service');
  END IF;
  IF cardinality(p_steps) IS NULL OR cardinality(p_steps) = 0 THEN
    PERFORM sp_fail('SP400', 'required', 'steps');
  END IF;
  IF cardinality(p_steps) > 6 OR NOT p_steps <@ '{supervisor,verifier,official}'::text[] THEN
    PERFORM sp_fail('SP400', 'invalid_steps', 'steps');
  END IF;
  IF (SELECT count(DISTINCT x) FROM unnest(p_steps) x) <> cardinality(p_steps) THEN
    PERFORM sp_fail('SP400', 'duplicate_step', 'steps');
  END IF;
  IF coalesce(p_official_username, '') <> '' THEN
    IF NOT 'official' = ANY (p_steps) THEN
      PERFORM sp_fail('SP400', 'no_official_step', 'official_username');
    END IF;
    SELECT u.id INTO v_official FROM users u JOIN offices o ON o.id = u.office_id
     WHERE u.username = p_official_username AND NOT u.disabled
       AND (starts_with(v_office.path, o.path) OR starts_with(o.path, p_scope));
    IF v_official IS NULL THEN
      PERFORM sp_fail('SP404', 'official_not_found', 'official_username');
    END IF;
  END IF;
  SELECT * INTO v_old FROM approval_chains WHERE office_id = v_office.id AND service = p_service FOR UPDATE;
  IF FOUND THEN
    IF coalesce(p_version, 0) <> 0 AND p_version <> v_old.version THEN
      PERFORM sp_fail('SP409', 'version_conflict', 'version');
    END IF;
    UPDATE approval_chains SET steps = p_steps, official_user_id = v_official
     WHERE office_id = v_office.id AND service = p_service RETURNING * INTO v_new;
  ELSE
    IF coalesce(p_version, 0) > 1 THEN
      PERFORM sp_fail('SP409', 'version_conflict', 'version');
    END IF;
    INSERT INTO approval_chains (office_id, service, steps, official_user_id)
    VALUES (v_office.id, p_service, p_steps, v_official) RETURNING * INTO v_new;
  END IF;
  PERFORM request_audit(p_user_id, 'ChainSet', 'approval_chain', p_office_code || '/' || p_service,
                        CASE WHEN v_old.office_id IS NULL THEN NULL ELSE to_jsonb(v_old) END, to_jsonb(v_new));
  RETURN v_office.id;
END $$;

-- ---------------------------------------------------------------------
-- Data corrections (KOREKSI): the employee proposes, HR verifies (DOMAIN
-- §12.2, the MyASN pattern). The changes are applied to the record only
-- when the request is approved.
-- ---------------------------------------------------------------------
CREATE TABLE correction_requests (
  request_id bigint PRIMARY KEY REFERENCES requests (id) ON DELETE CASCADE,
  reason     text   NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000)
);
CREATE TABLE correction_changes (
  request_id bigint   NOT NULL REFERENCES correction_requests (request_id) ON DELETE CASCADE,
  ord        smallint NOT NULL,
  field      text     NOT NULL CHECK (field IN ('name', 'front_title', 'back_title', 'birth_place', 'religion',
                                                 'marital_status', 'email', 'phone', 'address', 'nik')),
  old_value  text     NOT NULL,
  new_value  text     NOT NULL,
  PRIMARY KEY (request_id, ord),
  UNIQUE (request_id, field)
);

-- The current value of a correctable field of an employee, as text.
CREATE FUNCTION correction_current(p_employee_id bigint, p_field text)
RETURNS text LANGUAGE sql STABLE AS $$
  SELECT CASE p_field
    WHEN 'name' THEN e.name WHEN 'front_title' THEN e.front_title WHEN 'back_title' THEN e.back_title
    WHEN 'birth_place' THEN e.birth_place WHEN 'religion' THEN e.religion
    WHEN 'marital_status' THEN e.marital_status WHEN 'email' THEN e.email WHEN 'phone' THEN e.phone
    WHEN 'address' THEN e.address WHEN 'nik' THEN coalesce(e.nik, '') END
  FROM employees e WHERE e.id = p_employee_id
$$;

-- The same rules as EmployeeEdit (the daemon checks them first, with the
-- NIK's agreement with the birth date and sex; these are the ones the
-- table would not catch itself or would catch only when applying).
CREATE FUNCTION correction_check(p_field text, p_value text)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN p_field IS NULL OR p_field NOT IN ('name', 'front_title', 'back_title', 'birth_place', 'religion',
                                            'marital_status', 'email', 'phone', 'address', 'nik') THEN 'unknown_field'
    WHEN p_value IS NULL THEN 'required'
    WHEN p_field IN ('name', 'nik') AND btrim(p_value) = '' THEN 'required'
    WHEN p_field = 'nik' AND p_value !~ '^[0-9]{16}$' THEN 'invalid_format'
    WHEN p_field = 'religion' AND p_value NOT IN ('', 'islam', 'protestan', 'katolik', 'hindu', 'buddha',
                                                  'konghucu', 'kepercayaan') THEN 'unknown_value'
    WHEN p_field = 'marital_status' AND p_value NOT IN ('', 'belum_kawin', 'kawin', 'cerai_hidup', 'cerai_mati')
      THEN 'unknown_value'
    WHEN length(p_value) > CASE p_field WHEN 'name' THEN 200 WHEN 'front_title' THEN 50 WHEN 'back_title' THEN 100
                                        WHEN 'birth_place' THEN 100 WHEN 'email' THEN 200 WHEN 'phone' THEN 30
                                        ELSE 500 END THEN 'too_long'
    ELSE NULL END
$$;

-- Files a correction: p_nip '' = the caller's own record; HR (and admins)
-- may file for employees in their scope. p_fields/p_values pair up.
-- Submits at once unless p_draft (the evidence is attached to a draft
-- first: correction_missing wants a 'bukti_koreksi' document).
CREATE FUNCTION correction_request_create(p_user_id bigint, p_role smallint, p_scope text, p_branch text,
                                          p_nip text, p_fields text[], p_values text[], p_reason text,
                                          p_draft boolean, p_idem_key text,
                                          OUT request_id bigint, OUT created boolean)
LANGUAGE plpgsql AS $$
DECLARE
  v_emp bigint;
  v_bad text;
  v_old text;
  i integer;
BEGIN
  v_emp := request_applicant(p_user_id, p_role, p_scope, p_branch, p_nip, true);
  IF coalesce(cardinality(p_fields), 0) = 0 THEN
    PERFORM sp_fail('SP400', 'required', 'changes');
  END IF;
  IF cardinality(p_fields) <> coalesce(cardinality(p_values), 0) OR cardinality(p_fields) > 10 THEN
    PERFORM sp_fail('SP400', 'invalid_changes', 'changes');
  END IF;
  IF coalesce(btrim(p_reason), '') = '' THEN
    PERFORM sp_fail('SP400', 'required', 'reason');
  END IF;
  IF length(p_reason) > 2000 THEN
    PERFORM sp_fail('SP400', 'too_long', 'reason');
  END IF;
  FOR i IN 1 .. cardinality(p_fields) LOOP
    v_bad := correction_check(p_fields[i], p_values[i]);
    IF v_bad IS NOT NULL THEN
      PERFORM sp_fail('SP400', v_bad, 'changes.' || coalesce(p_fields[i], ''));
    END IF;
    IF p_fields[i] = ANY (p_fields[1:i - 1]) THEN
      PERFORM sp_fail('SP400', 'duplicate_field', 'changes.' || p_fields[i]);
    END IF;
    IF correction_current(v_emp, p_fields[i]) = p_values[i] THEN
      PERFORM sp_fail('SP400', 'unchanged', 'changes.' || p_fields[i]);
    END IF;
  END LOOP;
  SELECT n.request_id, n.created INTO request_id, created
    FROM request_new('KOREKSI', v_emp, p_user_id, p_idem_key,
                     'perbaikan data: ' || array_to_string(p_fields, ', ')) n;
  IF NOT created THEN
    RETURN;
  END IF;
  INSERT INTO correction_requests (request_id, reason) VALUES (request_id, btrim(p_reason));
  FOR i IN 1 .. cardinality(p_fields) LOOP
    v_old := coalesce(correction_current(v_emp, p_fields[i]), '');
    INSERT INTO correction_changes (request_id, ord, field, old_value, new_value)
    VALUES (request_id, i, p_fields[i], v_old, p_values[i]);
  END LOOP;
  -- The audit row names the fields, never their values (a NIK must not
  -- reach the log).
  PERFORM request_audit(p_user_id, 'CorrectionSubmit', 'request', (SELECT number FROM requests WHERE id = request_id),
                        NULL, jsonb_build_object('fields', to_jsonb(p_fields), 'draft', p_draft));
  IF NOT p_draft THEN
    PERFORM request_submit(request_id, p_user_id);
  END IF;
END $$;

CREATE FUNCTION correction_missing(p_request_id bigint)
RETURNS text[] LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN EXISTS (SELECT 1 FROM documents d WHERE d.request_id = p_request_id AND d.kind = 'bukti_koreksi')
              THEN '{}'::text[] ELSE '{bukti_koreksi}'::text[] END
$$;

-- Approval applies the changes (one update: version bump, updated_at) with
-- an audit row of the record before and after, without the NIK. A
-- correction already applied cannot be cancelled: the record may have
-- changed since, so undoing it is a new correction.
CREATE FUNCTION correction_effect(p_request_id bigint, p_action text, p_from_state smallint, p_actor bigint)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  v_emp bigint;
  v_before jsonb;
  v_after jsonb;
  v_nip text;
  v_bad text;
  c record;
BEGIN
  IF p_action = 'cancel' AND p_from_state = 5 THEN
    PERFORM sp_fail('SP412', 'correction_applied', 'action');
  END IF;
  IF p_action NOT IN ('submit', 'approve') THEN
    RETURN;
  END IF;
  SELECT r.employee_id INTO v_emp FROM requests r WHERE r.id = p_request_id;
  FOR c IN SELECT field, new_value FROM correction_changes WHERE request_id = p_request_id LOOP
    v_bad := correction_check(c.field, c.new_value);
    IF v_bad IS NOT NULL THEN
      PERFORM sp_fail('SP400', v_bad, 'changes.' || c.field);
    END IF;
  END LOOP;
  IF p_action = 'submit' THEN
    RETURN;
  END IF;
  SELECT to_jsonb(e) - 'nik' - 'nik_hash' || jsonb_build_object('has_nik', e.nik IS NOT NULL),
         (SELECT jsonb_object_agg(field, new_value) FROM correction_changes WHERE request_id = p_request_id)
    INTO v_before, v_after
    FROM employees e WHERE e.id = v_emp FOR UPDATE;
  UPDATE employees x SET
    name = coalesce(v_after->>'name', x.name),
    front_title = coalesce(v_after->>'front_title', x.front_title),
    back_title = coalesce(v_after->>'back_title', x.back_title),
    birth_place = coalesce(v_after->>'birth_place', x.birth_place),
    religion = coalesce(v_after->>'religion', x.religion),
    marital_status = coalesce(v_after->>'marital_status', x.marital_status),
    email = coalesce(v_after->>'email', x.email),
    phone = coalesce(v_after->>'phone', x.phone),
    address = coalesce(v_after->>'address', x.address),
    nik = coalesce(v_after->>'nik', x.nik)
   WHERE x.id = v_emp
   RETURNING x.nip, to_jsonb(x) - 'nik' - 'nik_hash'
             || jsonb_build_object('has_nik', x.nik IS NOT NULL, 'nik_changed', v_after ? 'nik',
                                   'request', (SELECT number FROM requests WHERE id = p_request_id))
   INTO v_nip, v_after;
  PERFORM request_audit(p_actor, 'CorrectionApply', 'employee', v_nip, v_before, v_after);
END $$;
