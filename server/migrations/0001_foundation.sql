-- 0001_foundation: shared machinery the domain tables of later migrations
-- build on. No domain tables here.
--
-- Migrations run inside one transaction opened by simpegd (never BEGIN or
-- COMMIT here), and an applied migration never changes: its checksum is
-- recorded in schema_migrations and checked at every start.

-- Row bookkeeping (DESIGN.md §4). Every domain table has
--   created_at timestamptz NOT NULL DEFAULT now(),
--   updated_at timestamptz NOT NULL DEFAULT now(),
--   version    integer     NOT NULL DEFAULT 1,
-- and this trigger function BEFORE UPDATE FOR EACH ROW. It keeps created_at
-- as it was, stamps updated_at and bumps version, so no statement can forget
-- either. Optimistic concurrency then needs nothing more than
--   UPDATE t SET ... WHERE id = $1 AND version = $2 RETURNING version
-- where zero rows back means someone else changed the row first (ABORTED).
CREATE FUNCTION set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.created_at := OLD.created_at;
  NEW.updated_at := now();
  NEW.version := OLD.version + 1;
  RETURN NEW;
END;
$$;

COMMENT ON FUNCTION set_updated_at() IS
  'BEFORE UPDATE row trigger: keeps created_at, stamps updated_at, bumps version';

-- The change feed: one row per committed change that connected clients may
-- want pushed (DESIGN.md §3). A mutation inserts its row in the same
-- transaction as the change itself, so the feed holds exactly the committed
-- changes. Payloads carry ids and small summaries, never personal data the
-- subscriber could not read anyway; readers fetch the rest with their own
-- permissions.
CREATE TABLE change_feed (
  seq        bigserial   PRIMARY KEY,
  topic      text        NOT NULL,   -- routing key subscribers ask for, e.g. 'leave'
  entity     text        NOT NULL,   -- kind of thing changed, e.g. 'leave_request'
  entity_id  text        NOT NULL,   -- the id users see (NIP, request number)
  created_at timestamptz NOT NULL DEFAULT now(),
  payload    jsonb       NOT NULL DEFAULT '{}'::jsonb
);

-- "What happened on this topic since seq N" is the only query the feed serves.
CREATE INDEX change_feed_topic_seq ON change_feed (topic, seq);

-- Wakes the daemons: every insert sends NOTIFY simpeg_changes with the new
-- seq as payload. PostgreSQL delivers it only when (and if) the transaction
-- commits, to every session that LISTENs, so all daemon instances sharing
-- the database learn of the change. The payload is just the seq (well under
-- NOTIFY's 8000-byte limit); listeners read the rows themselves, and after a
-- reconnect they re-read from the last seq they handled, since notifications
-- sent while they were away are lost. Note that seq values are handed out at
-- insert time, so a lower seq can commit after a higher one: a reader that
-- pages with "seq > last" should look back a little or use the notified seq.
CREATE FUNCTION change_feed_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('simpeg_changes', NEW.seq::text);
  RETURN NULL;
END;
$$;

CREATE TRIGGER change_feed_notify
  AFTER INSERT ON change_feed
  FOR EACH ROW EXECUTE FUNCTION change_feed_notify();
