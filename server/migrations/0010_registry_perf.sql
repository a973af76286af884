-- 0010_registry_perf: the audit chain off the write path, and name search
-- over the distinct names (issue #4 performance; docs/PERFORMANCE.md,
-- docs/internals/auth.md "Audit log", docs/internals/registry.md).
--
-- ---- the audit chain, linked after commit ----
--
-- Until now a BEFORE INSERT trigger linked each row to the previous one
-- while it was inserted: it locked the single audit_head row until the
-- writer's commit, so every audited write and read of the whole daemon
-- (UU 27/2022 read logging) queued behind one row lock and one WAL flush.
--
-- Now a row is inserted unchained: the trigger only stamps it (seq from a
-- sequence, at, and the inserting top-level transaction xid) and takes no
-- lock. A chainer (audit_chain_pending, called by every daemon's timer,
-- server/audit_chain.c) links the rows of finished transactions: those
-- whose xid is older than its snapshot's xmin, so no transaction that could
-- still add a row before them is running. It numbers them gaplessly
-- (chain_pos), in (xid, seq) order, so each transaction's rows stay
-- together and in insertion order, and sets
--   hash = sha256(prev_hash || audit_row_text(row))
-- exactly as before (the text covers seq, at and the content). Each run
-- takes all finished rows, and a transaction older than a run's xmin can
-- add no row later, so later runs only ever append.
--
-- seq stays the row's identity and the cursor of AuditList; it is no
-- longer gapless (a rolled-back insert uses a number). Gapless is now
-- chain_pos, which verify checks. Rows from before this migration were
-- chained by the old trigger: their chain_pos is their seq.
ALTER TABLE audit_log ADD COLUMN chain_pos bigint;
ALTER TABLE audit_log ADD COLUMN xid xid8;
ALTER TABLE audit_log DISABLE TRIGGER audit_append_only;
UPDATE audit_log SET chain_pos = seq;
ALTER TABLE audit_log ENABLE TRIGGER audit_append_only;
ALTER TABLE audit_log ALTER COLUMN prev_hash DROP NOT NULL;
ALTER TABLE audit_log ALTER COLUMN hash DROP NOT NULL;
CREATE UNIQUE INDEX audit_log_chain_pos ON audit_log (chain_pos);
-- What the chainer looks for; small, as rows leave it within a second.
CREATE INDEX audit_log_unchained ON audit_log (xid, seq) WHERE chain_pos IS NULL;

CREATE SEQUENCE audit_log_seq;
SELECT setval('audit_log_seq', greatest((SELECT seq FROM audit_head), 1), (SELECT seq FROM audit_head) > 0);

DROP TRIGGER audit_chain ON audit_log;
DROP FUNCTION audit_chain();

-- Writers cannot choose a row's number, time or place in the chain.
CREATE FUNCTION audit_stamp() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.seq := nextval('audit_log_seq');
  NEW.at := clock_timestamp();
  NEW.xid := pg_current_xact_id();
  NEW.chain_pos := NULL;
  NEW.prev_hash := NULL;
  NEW.hash := NULL;
  RETURN NEW;
END;
$$;
CREATE TRIGGER audit_stamp BEFORE INSERT ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_stamp();

-- Still append-only: a chained row never changes and no row is deleted.
-- The one update allowed is the chainer's: an unchained row gets its place
-- in the chain and its hashes, and nothing else of it changes.
CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'audit_log' AND OLD.chain_pos IS NULL
     AND NEW.chain_pos IS NOT NULL AND NEW.prev_hash IS NOT NULL AND NEW.hash IS NOT NULL
     AND NEW.seq = OLD.seq AND NEW.xid IS NOT DISTINCT FROM OLD.xid
     AND audit_row_text(NEW) = audit_row_text(OLD) THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
END;
$$;

-- Links up to p_max rows of finished transactions; returns how many, or -1
-- when another chainer holds the head (it will take these rows too). Safe
-- with any number of daemons: the head row is the lock, taken only when
-- there is work, so an idle chainer writes nothing (and costs no fsync).
CREATE FUNCTION audit_chain_pending(p_max integer) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  head audit_head%ROWTYPE;
  r audit_log%ROWTYPE;
  n integer := 0;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM audit_log
                 WHERE chain_pos IS NULL AND xid < pg_snapshot_xmin(pg_current_snapshot())) THEN
    RETURN 0;
  END IF;
  SELECT * INTO head FROM audit_head WHERE one FOR UPDATE SKIP LOCKED;
  IF NOT FOUND THEN
    RETURN -1;
  END IF;
  -- A fresh snapshot (READ COMMITTED, new statement): it sees what a
  -- chainer that held the head before us committed, and its xmin bounds
  -- the rows whose transactions are all over.
  FOR r IN SELECT * FROM audit_log
           WHERE chain_pos IS NULL AND xid < pg_snapshot_xmin(pg_current_snapshot())
           ORDER BY xid, seq LIMIT p_max LOOP
    r.prev_hash := head.hash;
    head.seq := head.seq + 1;
    r.chain_pos := head.seq;
    head.hash := sha256(head.hash || convert_to(audit_row_text(r), 'UTF8'));
    UPDATE audit_log SET chain_pos = head.seq, prev_hash = r.prev_hash, hash = head.hash WHERE seq = r.seq;
    n := n + 1;
  END LOOP;
  IF n > 0 THEN
    UPDATE audit_head SET seq = head.seq, hash = head.hash WHERE one;
  END IF;
  RETURN n;
END;
$$;

-- Verification walks the chain in chain_pos order: the first row whose
-- content, link or place is wrong, or (head_mismatch) a head that does not
-- match the last chained row. first_broken is the seq of the row at fault
-- (for a missing row: the row after the gap; for head_mismatch: the last
-- chained row's seq, 0 if none). Rows not yet chained are counted
-- (unchained); those older than p_stale are a problem of their own
-- (stale_unchained, first_broken = the oldest one's seq): the chainer is
-- not running, or a transaction has been open that long.
DROP FUNCTION audit_verify();
CREATE FUNCTION audit_verify(p_stale interval DEFAULT interval '1 hour',
                             OUT rows_checked bigint, OUT first_broken bigint, OUT problem text,
                             OUT unchained bigint)
LANGUAGE plpgsql STABLE AS $$
DECLARE
  r record;
  expect_pos bigint := 1;
  expect_prev bytea := '\x0000000000000000000000000000000000000000000000000000000000000000';
  last_seq bigint := 0;
  h audit_head%ROWTYPE;
BEGIN
  rows_checked := 0;
  first_broken := 0;
  problem := '';
  SELECT count(*) INTO unchained FROM audit_log WHERE chain_pos IS NULL;
  FOR r IN SELECT a AS row, a.seq, a.chain_pos, a.prev_hash, a.hash FROM audit_log a
           WHERE a.chain_pos IS NOT NULL ORDER BY a.chain_pos LOOP
    rows_checked := rows_checked + 1;
    IF r.chain_pos <> expect_pos OR r.prev_hash IS DISTINCT FROM expect_prev THEN
      first_broken := r.seq; problem := 'chain_break'; RETURN;
    END IF;
    IF r.hash IS DISTINCT FROM sha256(r.prev_hash || convert_to(audit_row_text(r.row), 'UTF8')) THEN
      first_broken := r.seq; problem := 'hash_mismatch'; RETURN;
    END IF;
    expect_pos := r.chain_pos + 1;
    expect_prev := r.hash;
    last_seq := r.seq;
  END LOOP;
  SELECT * INTO h FROM audit_head WHERE one;
  IF h.seq <> expect_pos - 1 OR h.hash <> expect_prev THEN
    first_broken := last_seq; problem := 'head_mismatch'; RETURN;
  END IF;
  SELECT min(seq) INTO first_broken FROM audit_log WHERE chain_pos IS NULL AND at < now() - p_stale;
  IF first_broken IS NOT NULL THEN
    problem := 'stale_unchained';
  ELSE
    first_broken := 0;
  END IF;
END;
$$;

-- ---- name search over the distinct names ----
--
-- Name search matches by trigram similarity (pg_trgm's %, threshold 0.3)
-- of the lower-cased full name, which tolerates typos and word order. With
-- the trigram index on employees, a common query ("Wa Rrmadhani") made the
-- index walk posting lists of a million rows and recheck ~10k of them,
-- then sort them all: seconds at 1M employees. Many employees share a
-- name, so the trigram index now covers the distinct lower-cased names
-- (employee_names: ~41k for the 1M demo employees; more in real data, at
-- most one per employee), and the matching employees are read by an
-- ordinary b-tree on (lower(name), nip), best name first, until the page
-- is full (employee_name_matches). A GiST index with k-NN ordering (`<->`)
-- was tried first: its signatures bound the distance so loosely that it
-- read the whole index (~400 ms at 1M). The b-tree is also much cheaper to
-- keep up on insert and import than a trigram index on every employee.
--
-- A name is added when an employee with it is inserted or renamed (a
-- statement trigger, so an import of a million rows adds its names in one
-- INSERT ... SELECT DISTINCT). A name nobody bears any longer stays: it
-- matches no employee and costs one index probe when it is a candidate.
CREATE TABLE employee_names (
  lname text PRIMARY KEY
);
INSERT INTO employee_names SELECT DISTINCT lower(name) FROM employees;
CREATE INDEX employee_names_trgm ON employee_names USING gin (lname public.gin_trgm_ops);
CREATE INDEX employees_lname_nip ON employees (lower(name), nip);
DROP INDEX employees_name_trgm;

CREATE FUNCTION employee_names_add() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO employee_names (lname)
    SELECT DISTINCT lower(n.name) FROM new_rows n
    WHERE NOT EXISTS (SELECT 1 FROM employee_names x WHERE x.lname = lower(n.name))
    ON CONFLICT DO NOTHING;
  RETURN NULL;
END;
$$;
CREATE TRIGGER employee_names_insert AFTER INSERT ON employees
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION employee_names_add();
CREATE TRIGGER employee_names_update AFTER UPDATE ON employees
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION employee_names_add();

-- The employees in scope (offices under all three paths) whose name is
-- similar to p_query (lower-cased by the caller), best name first and by
-- NIP within a name, at most p_limit. Stops as soon as the page is full, so
-- a common query reads a page of employees, not all who match.
CREATE FUNCTION employee_name_matches(p_query text, p_root text, p_scope text, p_branch text, p_limit integer)
RETURNS TABLE (employee_id bigint, score real)
LANGUAGE plpgsql STABLE AS $$
DECLARE
  n record;
  got integer := 0;
BEGIN
  IF p_limit <= 0 THEN
    RETURN;
  END IF;
  FOR n IN SELECT x.lname, public.similarity(x.lname, p_query) AS s FROM employee_names x
           WHERE x.lname OPERATOR(public.%) p_query ORDER BY 2 DESC, x.lname LOOP
    FOR employee_id IN SELECT e.id FROM employees e JOIN offices o ON o.id = e.office_id
                       WHERE lower(e.name) = n.lname AND starts_with(o.path, p_root)
                         AND starts_with(o.path, p_scope) AND starts_with(o.path, p_branch)
                       ORDER BY e.nip LIMIT p_limit - got LOOP
      score := n.s;
      got := got + 1;
      RETURN NEXT;
    END LOOP;
    EXIT WHEN got >= p_limit;
  END LOOP;
END;
$$;

-- ---- fewer indexes for every insert ----
--
-- NIPs are 18 digits: those starting with given digits form one range of
-- the NIP's unique b-tree in any collation (emp_search_nip asks for the
-- range), so the text_pattern_ops copy of that index goes.
DROP INDEX employees_nip_prefix;

-- ---- import: employee ids given at staging ----
--
-- A staged row takes its employee id when it is staged (chunk by chunk,
-- while the file still streams in), so the commit inserts the history rows
-- straight from the staged rows instead of joining them back by NIP to the
-- employees it has just inserted. Ids of an import that is thrown away are
-- simply not used (ids have gaps anyway).
ALTER TABLE import_staging ADD COLUMN employee_id bigint NOT NULL DEFAULT nextval('employees_id_seq');
