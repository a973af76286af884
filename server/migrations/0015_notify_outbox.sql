-- 0015_notify_outbox: request events are queued, and sent as NOTIFY after
-- the transaction that made them has committed.
--
-- A transaction that sends NOTIFY takes one database-wide lock at commit
-- and holds it until its commit record is flushed, so every submission and
-- approval (each NOTIFYs its state change, 0009) committed one after
-- another, one WAL flush each: at 64 clients the backends spent 54-69 % of
-- their time waiting for that lock (docs/PERFORMANCE.md). Now the deferred
-- trigger only inserts the payload into an UNLOGGED outbox (no lock, no
-- WAL), and every daemon runs request_notify_flush every 50 ms
-- (server/ticker.c): it takes what is queued (SKIP LOCKED, so several
-- daemons share the work and send each event once), deletes it and sends
-- it, in queue order. That transaction writes only unlogged rows, so its
-- commit is not flushed and holds the NOTIFY lock only for an instant.
-- The price: an event is pushed up to ~50 ms later, and events queued when
-- the database crashes are lost with the unlogged table (pushes are a
-- convenience: the inbox and the request stay the truth, as before).

CREATE UNLOGGED TABLE request_notify_outbox (
  id      bigserial PRIMARY KEY,
  payload text      NOT NULL
);

CREATE OR REPLACE FUNCTION request_events_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM request_events e WHERE e.request_id = NEW.request_id AND e.id > NEW.id) THEN
    INSERT INTO request_notify_outbox (payload) VALUES (coalesce(request_notify_payload(NEW), ''));
  END IF;
  RETURN NULL;
END $$;

-- Sends at most p_max queued events, oldest first; returns how many.
CREATE FUNCTION request_notify_flush(p_max integer) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  ev record;
  n integer := 0;
BEGIN
  FOR ev IN
    WITH d AS (DELETE FROM request_notify_outbox
                WHERE id IN (SELECT id FROM request_notify_outbox ORDER BY id LIMIT p_max FOR UPDATE SKIP LOCKED)
               RETURNING id, payload)
    SELECT payload FROM d ORDER BY id
  LOOP
    PERFORM pg_notify('simpeg_request', ev.payload);
    n := n + 1;
  END LOOP;
  RETURN n;
END $$;
