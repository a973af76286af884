-- 0009_documents: evidence documents, pushed request events and the
-- service-time report (issue #5; docs/internals/documents.md).
--
-- Documents. An upload is held by the daemon (per connection) until it is
-- whole and checked; only then does document_store write it, in the one
-- statement that also writes its timeline row and (in the daemon's CTE)
-- its audit row. An abandoned upload therefore never reaches the database.
--
-- Events. Every committed timeline row (request_events) sends one
-- NOTIFY simpeg_request whose payload says everything a daemon needs to
-- route it to the connections concerned without a query of its own (see
-- request_notify_payload), so every daemon sharing the database pushes it.
--
-- Service times. service_times() aggregates requests, their decision time
-- and the time each step held them, per service and office.

-- May this caller add evidence to the request now? Returns its id or raises:
-- SP404 request_not_found (absent or not visible to the caller),
-- SP412 request_closed (no longer draft, submitted, returned or verified),
-- SP403 not_allowed_to_upload (visible, e.g. to an auditor or a former step
-- holder, but neither its applicant, whoever filed it, the holder of its
-- current step, nor HR / an admin whose scope holds its office).
-- p_lock: lock the request row against a concurrent transition (the store
-- does; the check at DocumentUploadBegin only reads).
CREATE FUNCTION document_upload_check(p_number text, p_user_id bigint, p_role smallint, p_scope text,
                                      p_branch text, p_lock boolean)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  r requests%ROWTYPE;
  v_path text;
  v_ok boolean;
BEGIN
  IF p_lock THEN
    SELECT * INTO r FROM requests WHERE number = p_number FOR SHARE;
  ELSE
    SELECT * INTO r FROM requests WHERE number = p_number;
  END IF;
  IF NOT FOUND OR NOT request_visible(r.id, p_user_id, p_role, p_scope, p_branch) THEN
    PERFORM sp_fail('SP404', 'request_not_found', 'request_number');
  END IF;
  IF r.state NOT IN (1, 2, 3, 4) THEN
    PERFORM sp_fail('SP412', 'request_closed', 'request_number');
  END IF;
  SELECT o.path INTO v_path FROM offices o WHERE o.id = r.office_id;
  v_ok := r.created_by = p_user_id
    OR EXISTS (SELECT 1 FROM users u JOIN employees e ON e.nip = u.nip
                WHERE u.id = p_user_id AND e.id = r.employee_id)
    OR (p_role IN (3, 4, 5) AND starts_with(v_path, p_scope) AND starts_with(v_path, coalesce(p_branch, '')))
    OR EXISTS (SELECT 1 FROM request_steps s WHERE s.request_id = r.id AND s.step_no = r.step AND r.step > 0
                AND request_step_holder(s.holder_user_id, s.kind, s.holder_office_id, p_user_id, p_role,
                                        p_scope, p_branch));
  IF NOT v_ok THEN
    PERFORM sp_fail('SP403', 'not_allowed_to_upload', 'request_number');
  END IF;
  RETURN r.id;
END $$;

-- Stores a finished, checked upload: the document and its timeline row
-- ('document', the state unchanged; the comment names kind and file).
-- Does not touch the request row (its version stays: a draft that gets its
-- evidence can still be submitted with the version read before).
CREATE FUNCTION document_store(p_number text, p_user_id bigint, p_role smallint, p_scope text, p_branch text,
                               p_kind text, p_filename text, p_content_type text, p_sha256 bytea,
                               p_content bytea)
RETURNS TABLE (id bigint, request_number text, kind text, filename text, content_type text, size_bytes integer,
               sha256 bytea, uploaded_by text, uploaded_at_us bigint)
LANGUAGE plpgsql AS $$
DECLARE
  v_req bigint;
  r requests%ROWTYPE;
  v_kind text;
  d documents%ROWTYPE;
BEGIN
  v_req := document_upload_check(p_number, p_user_id, p_role, p_scope, p_branch, true);
  SELECT * INTO r FROM requests x WHERE x.id = v_req;
  SELECT s.kind INTO v_kind FROM request_steps s WHERE s.request_id = v_req AND s.step_no = r.step;
  INSERT INTO documents (request_id, kind, filename, content_type, size_bytes, sha256, content, uploaded_by)
  VALUES (v_req, p_kind, p_filename, p_content_type, length(p_content), p_sha256, p_content, p_user_id)
  RETURNING * INTO d;
  INSERT INTO request_events (request_id, actor_user_id, action, from_state, to_state, step_no, step_kind, comment)
  VALUES (v_req, p_user_id, 'document', r.state, r.state, r.step, v_kind,
          left(p_kind || ': ' || p_filename, 2000));
  RETURN QUERY SELECT d.id, r.number, d.kind, d.filename, d.content_type, d.size_bytes, d.sha256,
                      (SELECT u.username FROM users u WHERE u.id = p_user_id),
                      (extract(epoch FROM d.created_at) * 1000000)::bigint;
END $$;

-- ---- pushed events ----

-- The NOTIFY payload of a timeline row: fields separated by U+001F, in
-- this order (listen.c parses it; keep them in step):
--   1 format ("1")      2 number          3 service        4 state (1..9)
--   5 action            6 actor username  7 current step   8 its kind
--   9 summary (<= 300 characters, no U+001F)
--  10 user ids concerned as applicant: accounts linked to the employee and
--     whoever filed it, comma separated
--  11 holder user id of the current step ('' when unnamed or no step)
--  12 roles that hold it when unnamed, comma separated (verifier 3,5;
--     official 4,5)  13 the step office's path (unnamed holders' scope
--     must contain it)  14 event time, microseconds since the epoch
-- Well under NOTIFY's 8000-byte limit (numbers, a short summary, ids).
CREATE FUNCTION request_notify_payload(p_event request_events)
RETURNS text LANGUAGE sql STABLE AS $$
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
  WHERE r.id = p_event.request_id
$$;

-- Runs at commit (a deferred constraint trigger), so the request row and
-- its steps are read as the transaction leaves them, whatever order the
-- lifecycle function wrote them in. When one transaction writes several
-- timeline rows of a request (create then submit), only the last one is
-- announced: the earlier ones would describe a state already gone.
CREATE FUNCTION request_events_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM request_events e WHERE e.request_id = NEW.request_id AND e.id > NEW.id) THEN
    PERFORM pg_notify('simpeg_request', request_notify_payload(NEW));
  END IF;
  RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER request_events_notify
  AFTER INSERT ON request_events
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION request_events_notify();

-- ---- service times ----

-- Per service and office (the request's office) in the caller's scope
-- and under p_root: counts by state, how many were decided, the median and
-- 90th percentile hours from (first) submission to decision, and per step
-- kind the median and 90th percentile hours a step held a request
-- (reached_at -> acted_at of the steps acted on). Percentiles interpolate
-- (percentile_cont). Requests count when submitted (drafts: created) in
-- [p_from, p_to] (dates in the server's time zone).
CREATE FUNCTION service_times(p_root text, p_scope text, p_branch text, p_service text, p_from date, p_to date)
RETURNS TABLE (service text, office_code text, office_name text, states bigint[], decided bigint,
               median_hours double precision, p90_hours double precision, step_kinds text[],
               step_counts bigint[], step_median double precision[], step_p90 double precision[])
LANGUAGE sql STABLE AS $$
  WITH r AS (
    SELECT r.id, r.service, r.office_id, r.state, r.submitted_at, r.decided_at
      FROM requests r JOIN offices o ON o.id = r.office_id
     WHERE starts_with(o.path, p_root) AND starts_with(o.path, p_scope) AND starts_with(o.path, p_branch)
       AND (p_service = '' OR r.service = p_service)
       AND coalesce(r.submitted_at, r.created_at) >= p_from::timestamptz
       AND coalesce(r.submitted_at, r.created_at) < (p_to + 1)::timestamptz),
  g AS (
    SELECT r.service, r.office_id,
           ARRAY[count(*) FILTER (WHERE r.state = 1), count(*) FILTER (WHERE r.state = 2),
                 count(*) FILTER (WHERE r.state = 3), count(*) FILTER (WHERE r.state = 4),
                 count(*) FILTER (WHERE r.state = 5), count(*) FILTER (WHERE r.state = 6),
                 count(*) FILTER (WHERE r.state = 7), count(*) FILTER (WHERE r.state = 8),
                 count(*) FILTER (WHERE r.state = 9)] AS states,
           count(*) FILTER (WHERE r.decided_at IS NOT NULL AND r.submitted_at IS NOT NULL) AS decided,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM r.decided_at - r.submitted_at) / 3600)
             FILTER (WHERE r.decided_at IS NOT NULL AND r.submitted_at IS NOT NULL) AS median_hours,
           percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM r.decided_at - r.submitted_at) / 3600)
             FILTER (WHERE r.decided_at IS NOT NULL AND r.submitted_at IS NOT NULL) AS p90_hours
      FROM r GROUP BY r.service, r.office_id),
  st AS (
    SELECT r.service, r.office_id, s.kind, count(*) AS n,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM s.acted_at - s.reached_at) / 3600) AS med,
           percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM s.acted_at - s.reached_at) / 3600) AS p90
      FROM r JOIN request_steps s ON s.request_id = r.id
     WHERE s.acted_at IS NOT NULL AND s.reached_at IS NOT NULL
     GROUP BY r.service, r.office_id, s.kind)
  SELECT g.service, o.code, o.name, g.states, g.decided, g.median_hours, g.p90_hours,
         coalesce(array_agg(st.kind ORDER BY array_position('{supervisor,verifier,official}'::text[], st.kind))
                    FILTER (WHERE st.kind IS NOT NULL), '{}'),
         coalesce(array_agg(st.n ORDER BY array_position('{supervisor,verifier,official}'::text[], st.kind))
                    FILTER (WHERE st.kind IS NOT NULL), '{}'),
         coalesce(array_agg(st.med ORDER BY array_position('{supervisor,verifier,official}'::text[], st.kind))
                    FILTER (WHERE st.kind IS NOT NULL), '{}'),
         coalesce(array_agg(st.p90 ORDER BY array_position('{supervisor,verifier,official}'::text[], st.kind))
                    FILTER (WHERE st.kind IS NOT NULL), '{}')
    FROM g JOIN offices o ON o.id = g.office_id
    LEFT JOIN st ON st.service = g.service AND st.office_id = g.office_id
   GROUP BY g.service, o.code, o.name, o.path, g.states, g.decided, g.median_hours, g.p90_hours
   ORDER BY o.path, g.service
$$;
