-- 0005_import: staging for the bulk import of employees (svc_import.c,
-- docs/IMPORT.md, docs/internals/registry.md "Bulk import").
--
-- Good rows of a file are staged here chunk by chunk while the file is
-- read; the last chunk moves them into employees (and their first history
-- rows) in one transaction, or throws them away. UNLOGGED: the rows are a
-- scratch copy of a file still on the client, so they need no WAL and a
-- crash may lose them (the import is then simply repeated).
CREATE UNLOGGED TABLE import_staging (
  import_id        text        NOT NULL,
  line             bigint      NOT NULL,
  nip              text        NOT NULL,
  employment_type  smallint    NOT NULL,
  front_title      text        NOT NULL,
  name             text        NOT NULL,
  back_title       text        NOT NULL,
  birth_place      text        NOT NULL,
  birth_date       date        NOT NULL,
  sex              smallint    NOT NULL,
  religion         text        NOT NULL,
  marital_status   text        NOT NULL,
  status           smallint    NOT NULL,
  office_id        bigint      NOT NULL,
  tmt_cpns         date        NOT NULL,
  email            text        NOT NULL,
  phone            text        NOT NULL,
  address          text        NOT NULL,
  nik              text,
  rank_code        text,
  rank_tmt         date,
  mkg_years        integer,
  position_name    text,
  position_kind    smallint,
  functional_level text,
  position_tmt     date,
  education_level  text,
  staged_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX import_staging_id ON import_staging (import_id);

-- The import writes the derived current values itself (they follow from
-- the one history row of each kind it inserts), so the history triggers'
-- per-row refresh is skipped while `simpeg.import` is on (set local to
-- the import's transaction). A WHEN condition, so that a bulk insert does
-- not even call the trigger function per row.
DROP TRIGGER employee_ranks_current ON employee_ranks;
DROP TRIGGER employee_positions_current ON employee_positions;
DROP TRIGGER employee_educations_current ON employee_educations;
CREATE TRIGGER employee_ranks_current AFTER INSERT OR UPDATE OR DELETE ON employee_ranks
  FOR EACH ROW WHEN (current_setting('simpeg.import', true) IS DISTINCT FROM 'on')
  EXECUTE FUNCTION employee_history_changed();
CREATE TRIGGER employee_positions_current AFTER INSERT OR UPDATE OR DELETE ON employee_positions
  FOR EACH ROW WHEN (current_setting('simpeg.import', true) IS DISTINCT FROM 'on')
  EXECUTE FUNCTION employee_history_changed();
CREATE TRIGGER employee_educations_current AFTER INSERT OR UPDATE OR DELETE ON employee_educations
  FOR EACH ROW WHEN (current_setting('simpeg.import', true) IS DISTINCT FROM 'on')
  EXECUTE FUNCTION employee_history_changed();
