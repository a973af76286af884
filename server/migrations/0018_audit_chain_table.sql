-- 0018: the audit chain moves to a table of its own; audit_log rows are
-- never updated any more.
--
-- Since 0010 the chainer (audit_chain_pending, run by every daemon's timer)
-- linked finished transactions' rows by updating each one: its place
-- (chain_pos) and its two hashes. Every such update wrote a new version of
-- a wide row into the heap and all six indexes of audit_log and ran a
-- row trigger: ~50 us a row on a quiet machine, and 0.3-0.6 ms a row on
-- two cores busy with 32 clients' reads (every EmployeeShow and search
-- writes an audit row). There the chainer fell behind, its runs grew to
-- the 5,000-row cap and took 7-8 s each (docs/PERFORMANCE.md, sixth pass).
--
-- Now a run hashes its rows in memory and appends one narrow row per
-- linked audit row to audit_chain, in one INSERT (~5 us a row), and
-- audit_log is purely insert-only. The chain itself is unchanged: the rows
-- of finished transactions, in (xid, seq) order, numbered gaplessly, each
--   hash = sha256(prev_hash || audit_row_text(row))
-- with the same head row. The chainer finds the rows to link by a
-- watermark instead of a partial index: audit_head keeps the (xid, seq) of
-- the last row linked. Every row at or below it is linked, since its
-- transaction was over when it was linked (xid < the snapshot's xmin), so
-- no row can appear below it later; every row above it is not yet.
--
-- Verification walks audit_chain in chain_pos order joined to the rows: a
-- changed row no longer matches its hash, a deleted row or chain entry
-- leaves a gap (chain_break at the next row), a lost tail no longer
-- matches the head. Rows without a chain entry are the unchained ones.

-- Rows from before 0010 have no xid; they were all linked by then, in seq
-- order, ahead of every row that has one.
ALTER TABLE audit_head ADD COLUMN last_xid xid8 NOT NULL DEFAULT '0';
ALTER TABLE audit_head ADD COLUMN last_seq bigint NOT NULL DEFAULT 0;

CREATE TABLE audit_chain (
  chain_pos bigint PRIMARY KEY,
  seq       bigint NOT NULL UNIQUE, -- the audit_log row (no foreign key: verify reports a row gone)
  prev_hash bytea  NOT NULL,
  hash      bytea  NOT NULL
);

INSERT INTO audit_chain (chain_pos, seq, prev_hash, hash)
  SELECT chain_pos, seq, prev_hash, hash FROM audit_log WHERE chain_pos IS NOT NULL;
-- The chainer linked rows as a prefix of (xid, seq) order: the watermark is
-- the last row it linked.
UPDATE audit_head h SET last_xid = coalesce(a.xid, '0'), last_seq = CASE WHEN a.xid IS NULL THEN 0 ELSE a.seq END
  FROM (SELECT xid, seq FROM audit_log WHERE chain_pos = (SELECT max(chain_pos) FROM audit_log)) a
 WHERE h.one;

-- Writers cannot choose a row's number, time or transaction.
CREATE OR REPLACE FUNCTION audit_stamp() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.seq := nextval('audit_log_seq');
  NEW.at := clock_timestamp();
  NEW.xid := pg_current_xact_id();
  RETURN NEW;
END;
$$;

-- Nothing of the log or of the chain ever changes or goes away.
CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_chain_append_only BEFORE UPDATE OR DELETE ON audit_chain
  FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_chain_no_truncate BEFORE TRUNCATE ON audit_chain
  FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();

DROP INDEX audit_log_chain_pos;
DROP INDEX audit_log_unchained;
ALTER TABLE audit_log DROP COLUMN chain_pos, DROP COLUMN prev_hash, DROP COLUMN hash;
-- The chainer's walk from the watermark.
CREATE INDEX audit_log_xid ON audit_log (xid, seq);

-- Links up to p_max rows of finished transactions; returns how many, or -1
-- when another chainer holds the head (it will take these rows too). Safe
-- with any number of daemons: the head row is the lock, taken only when
-- there is work, so an idle chainer writes nothing (and costs no fsync).
-- Every statement is planned with its values (force_custom_plan): a generic
-- plan cannot tell how few rows lie above the watermark, and for an
-- EXISTS it chose a scan of the whole log (measured: 133 ms at 600,000
-- rows, every 200 ms). The reads go through the (xid, seq) index in its
-- order, which the planner keeps even then.
CREATE OR REPLACE FUNCTION audit_chain_pending(p_max integer) RETURNS integer
LANGUAGE plpgsql SET plan_cache_mode = force_custom_plan AS $$
DECLARE
  head audit_head%ROWTYPE;
  r audit_log%ROWTYPE;
  first_xid xid8;
  n integer := 0;
  seqs bigint[] := '{}';
  prevs bytea[] := '{}';
  hashes bytea[] := '{}';
BEGIN
  SELECT * INTO head FROM audit_head WHERE one;
  SELECT a.xid INTO first_xid FROM audit_log a
   WHERE (a.xid, a.seq) > (head.last_xid, head.last_seq) ORDER BY a.xid, a.seq LIMIT 1;
  IF first_xid IS NULL OR first_xid >= pg_snapshot_xmin(pg_current_snapshot()) THEN
    RETURN 0;
  END IF;
  -- Locked, the head is read again: a chainer that held it before us may
  -- have moved it.
  SELECT * INTO head FROM audit_head WHERE one FOR UPDATE SKIP LOCKED;
  IF NOT FOUND THEN
    RETURN -1;
  END IF;
  -- A fresh snapshot (READ COMMITTED, new statement): its xmin bounds the
  -- rows whose transactions are all over.
  FOR r IN SELECT * FROM audit_log
           WHERE (xid, seq) > (head.last_xid, head.last_seq)
             AND xid < pg_snapshot_xmin(pg_current_snapshot())
           ORDER BY xid, seq LIMIT p_max LOOP
    n := n + 1;
    seqs[n] := r.seq;
    prevs[n] := head.hash;
    head.hash := sha256(head.hash || convert_to(audit_row_text(r), 'UTF8'));
    hashes[n] := head.hash;
    head.last_xid := r.xid;
    head.last_seq := r.seq;
  END LOOP;
  IF n > 0 THEN
    INSERT INTO audit_chain (chain_pos, seq, prev_hash, hash)
      SELECT head.seq + u.k, u.seq, u.prev_hash, u.hash
        FROM unnest(seqs, prevs, hashes) WITH ORDINALITY AS u(seq, prev_hash, hash, k);
    UPDATE audit_head SET seq = head.seq + n, hash = head.hash, last_xid = head.last_xid, last_seq = head.last_seq
     WHERE one;
  END IF;
  RETURN n;
END;
$$;

-- Verification walks the chain in chain_pos order: the first row whose
-- content, link or place is wrong, or (head_mismatch) a head that does not
-- match the last linked row. first_broken is the seq of the row at fault
-- (for a missing row or chain entry: the row after the gap; for
-- head_mismatch: the last linked row's seq, 0 if none). Rows without a
-- chain entry are counted (unchained); those older than p_stale are a
-- problem of their own (stale_unchained, first_broken = the oldest one's
-- seq): the chainer is not running, or a transaction has been open that
-- long.
CREATE OR REPLACE FUNCTION audit_verify(p_stale interval DEFAULT interval '1 hour',
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
  SELECT count(*) INTO unchained FROM audit_log a
   WHERE NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.seq = a.seq);
  FOR r IN SELECT a AS row, a.seq, c.chain_pos, c.prev_hash, c.hash
             FROM audit_chain c JOIN audit_log a ON a.seq = c.seq ORDER BY c.chain_pos LOOP
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
  SELECT min(a.seq) INTO first_broken FROM audit_log a
   WHERE a.at < now() - p_stale AND NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.seq = a.seq);
  IF first_broken IS NOT NULL THEN
    problem := 'stale_unchained';
  ELSE
    first_broken := 0;
  END IF;
END;
$$;
