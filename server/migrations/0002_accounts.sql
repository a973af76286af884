-- 0002_accounts: the office tree, user accounts, sessions, login throttling,
-- and the tamper-evident audit log (issue #3; DESIGN.md §5).

-- Offices form a tree: national -> province -> city/regency -> agency (OPD)
-- -> unit. `path` holds the codes from the root down, each followed by '/'
-- ('/ID/12/12.75/' is Kota Binjai), so "inside this subtree" is a prefix
-- test, the same in SQL (starts_with) and in the daemon (authz.c). Codes
-- are upper-case letters, digits, '.' and '-': they never contain '/'.
-- kind follows simpeg.v1.OfficeKind: 1 national, 2 province, 3 city,
-- 4 regency, 5 agency, 6 unit.
CREATE TABLE offices (
  id         bigserial   PRIMARY KEY,
  code       text        NOT NULL UNIQUE CHECK (code ~ '^[A-Z0-9][A-Z0-9.-]{0,62}$'),
  name       text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  kind       smallint    NOT NULL CHECK (kind BETWEEN 1 AND 6),
  parent_id  bigint      REFERENCES offices (id),
  path       text        NOT NULL UNIQUE,
  valid_from date        NOT NULL DEFAULT current_date,
  valid_to   date,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  version    integer     NOT NULL DEFAULT 1,
  CHECK ((parent_id IS NULL) = (kind = 1)),
  CHECK (valid_to IS NULL OR valid_to >= valid_from),
  CHECK (path LIKE '%/' || code || '/')
);
CREATE INDEX offices_parent ON offices (parent_id);
CREATE INDEX offices_path ON offices (path text_pattern_ops);
CREATE TRIGGER offices_touch BEFORE UPDATE ON offices
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- The root every other office hangs from; the first system admin
-- (simpegd bootstrap-admin) belongs to it.
INSERT INTO offices (code, name, kind, parent_id, path, valid_from)
VALUES ('ID', 'Indonesia', 1, NULL, '/ID/', '1945-08-17');

-- Accounts. role follows simpeg.v1.Role: 1 employee, 2 supervisor,
-- 3 hr_officer, 4 regional_admin, 5 system_admin, 6 auditor.
-- password_hash is "scrypt$<N>$<r>$<p>$<salt b64>$<hash b64>": the KDF
-- parameters live with each hash so they can be raised later; a login
-- with an older parameter set may re-hash. Never sent to clients, never
-- written to the audit log.
CREATE TABLE users (
  id                  bigserial   PRIMARY KEY,
  username            text        NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9][a-z0-9._-]{1,62}$'),
  full_name           text        NOT NULL CHECK (length(full_name) BETWEEN 1 AND 200),
  role                smallint    NOT NULL CHECK (role BETWEEN 1 AND 6),
  office_id           bigint      NOT NULL REFERENCES offices (id),
  nip                 text        UNIQUE CHECK (nip ~ '^[0-9]{18}$'),
  password_hash       text        NOT NULL,
  password_changed_at timestamptz NOT NULL DEFAULT now(),
  disabled            boolean     NOT NULL DEFAULT false,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  version             integer     NOT NULL DEFAULT 1
);
CREATE INDEX users_office ON users (office_id);
CREATE TRIGGER users_touch BEFORE UPDATE ON users
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Last successful login, kept apart from users so that signing in does not
-- bump the account's version (an admin editing it would get a false conflict).
CREATE TABLE user_logins (
  user_id       bigint      PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  last_login_at timestamptz NOT NULL,
  last_addr     text        NOT NULL DEFAULT ''
);

-- Sessions. The token (256 random bits) is shown to the client once; only
-- its SHA-256 is stored. A session ends at expires_at, after idle_timeout
-- without use, or when revoked (logout, password change, disable).
CREATE TABLE sessions (
  id           bigserial   PRIMARY KEY,
  token_hash   bytea       NOT NULL UNIQUE CHECK (length(token_hash) = 32),
  user_id      bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  idle_timeout interval    NOT NULL,
  revoked_at   timestamptz,
  client_addr  text        NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user_live ON sessions (user_id) WHERE revoked_at IS NULL;

-- Login throttling: one row per account name tried (whether or not it
-- exists, so the answer reveals nothing) and per client address. Each
-- failure doubles the wait before the next attempt is even checked.
CREATE TABLE auth_throttle (
  key             text        PRIMARY KEY,  -- 'user:<name>' or 'addr:<ip>'
  failures        integer     NOT NULL DEFAULT 0,
  last_failure_at timestamptz NOT NULL DEFAULT now(),
  blocked_until   timestamptz NOT NULL DEFAULT now()
);

-- The audit log: append-only and hash-chained.
--
-- Every audited change inserts its row in the same transaction as the
-- change (a data-modifying CTE in the same statement, or a statement of the
-- same batch). The BEFORE INSERT trigger locks the single audit_head row,
-- which serializes writers in commit order, numbers the row gaplessly
-- (head.seq + 1), links it to the previous row's hash and computes
--   hash = sha256(prev_hash || audit_row_text(row))
-- then moves the head. Editing or deleting any row breaks the recomputed
-- hash, the link of the next row, the gapless numbering, or the head: the
-- verify query (statement "audit_verify") reports the first broken row.
-- Updates and deletes are refused by a trigger as well; only someone who
-- disables triggers can change rows, and that is what verify detects.
-- Reads of another person's personal data are logged here too (UU 27/2022).
CREATE TABLE audit_log (
  seq           bigint      PRIMARY KEY,
  at            timestamptz NOT NULL DEFAULT now(),
  actor_user_id bigint,               -- NULL: anonymous or the system
  actor         text        NOT NULL DEFAULT '',
  actor_office  text        NOT NULL DEFAULT '',
  client_addr   text        NOT NULL DEFAULT '',
  method        text        NOT NULL,
  entity        text        NOT NULL,
  entity_id     text        NOT NULL DEFAULT '',
  before        jsonb,
  after         jsonb,
  prev_hash     bytea       NOT NULL,
  hash          bytea       NOT NULL
);
CREATE INDEX audit_log_actor ON audit_log (actor, seq);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id, seq);
CREATE INDEX audit_log_at ON audit_log (at);

CREATE TABLE audit_head (
  one  boolean PRIMARY KEY DEFAULT true CHECK (one),
  seq  bigint  NOT NULL,
  hash bytea   NOT NULL
);
INSERT INTO audit_head (seq, hash) VALUES (0, '\x0000000000000000000000000000000000000000000000000000000000000000');

-- The exact text a row's hash covers. Immutable: verify recomputes it.
CREATE FUNCTION audit_row_text(a audit_log) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT concat_ws(E'\x1f',
    a.seq::text,
    (extract(epoch FROM a.at) * 1000000)::bigint::text,
    coalesce(a.actor_user_id::text, ''),
    a.actor, a.actor_office, a.client_addr, a.method, a.entity, a.entity_id,
    coalesce(a.before::text, ''), coalesce(a.after::text, ''))
$$;

CREATE FUNCTION audit_chain() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  head audit_head%ROWTYPE;
BEGIN
  SELECT * INTO head FROM audit_head WHERE one FOR UPDATE;
  NEW.seq := head.seq + 1;
  NEW.at := clock_timestamp();
  NEW.prev_hash := head.hash;
  NEW.hash := sha256(head.hash || convert_to(audit_row_text(NEW), 'UTF8'));
  UPDATE audit_head SET seq = NEW.seq, hash = NEW.hash WHERE one;
  RETURN NEW;
END;
$$;
CREATE TRIGGER audit_chain BEFORE INSERT ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_chain();

CREATE FUNCTION audit_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_head_append_only BEFORE DELETE ON audit_head
  FOR EACH ROW EXECUTE FUNCTION audit_append_only();

-- Verification: the first row whose content, link or number is wrong, or
-- (seq 0 / head_mismatch) a head that does not match the last row.
CREATE FUNCTION audit_verify(OUT rows_checked bigint, OUT first_broken bigint, OUT problem text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
  r record;
  expect_seq bigint := 1;
  expect_prev bytea := '\x0000000000000000000000000000000000000000000000000000000000000000';
  h audit_head%ROWTYPE;
BEGIN
  rows_checked := 0;
  first_broken := 0;
  problem := '';
  FOR r IN SELECT a AS row, a.seq, a.prev_hash, a.hash FROM audit_log a ORDER BY a.seq LOOP
    rows_checked := rows_checked + 1;
    IF r.seq <> expect_seq OR r.prev_hash <> expect_prev THEN
      first_broken := expect_seq; problem := 'chain_break'; RETURN;
    END IF;
    IF r.hash <> sha256(r.prev_hash || convert_to(audit_row_text(r.row), 'UTF8')) THEN
      first_broken := r.seq; problem := 'hash_mismatch'; RETURN;
    END IF;
    expect_seq := r.seq + 1;
    expect_prev := r.hash;
  END LOOP;
  SELECT * INTO h FROM audit_head WHERE one;
  IF h.seq <> expect_seq - 1 OR h.hash <> expect_prev THEN
    first_broken := expect_seq; problem := 'head_mismatch';
  END IF;
END;
$$;
