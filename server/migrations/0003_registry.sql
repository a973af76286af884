-- 0003_registry: the employee registry (issue #4; DOMAIN.md §1, §2, §5-§8).
--
-- Reference data carries `berlaku_mulai` (in force from) so that a new
-- regulation is a new set of rows, never an edit (DOMAIN §14.2); lookups
-- take the newest rows in force on the date asked about.
-- The rules of the domain live here as SQL functions so that every reader
-- (EmployeeShow's summary, reports, tests) computes them the same way:
--   skp_predicate(hasil, perilaku)           DOMAIN §7 matrix
--   gaji_pokok(rank_code, mkg_years, date)   DOMAIN §5.1/§5.2 lookup
--   bup_age(position_kind, functional_level) DOMAIN §6
--   retirement_date(birth_date, bup_age)     DOMAIN §6 date rule
-- docs/internals/registry.md maps each rule to its place.

-- Name search tolerant of typos and word order. pg_trgm is a trusted
-- extension (PG 13+): the database owner that runs migrations may create it.
-- An extension exists once per database, in one schema: it goes to public
-- (owned by the database owner since PG 15) and every use names it
-- public.*, so a schema-per-test search_path (tests/integration) and an
-- existing installation elsewhere both work.
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;

-- ---- reference tables ----

-- Ranks: golongan ruang of PNS/CPNS (kind 'pns', ordinal 1..17) and PPPK
-- grades (kind 'pppk', ordinal 1..17). "Higher rank" is an ordinal
-- comparison within one kind.
CREATE TABLE ref_ranks (
  code          text     PRIMARY KEY CHECK (code ~ '^(I|II|III|IV)/[a-e]$' OR code ~ '^[IVX]{1,5}$'),
  kind          text     NOT NULL CHECK (kind IN ('pns', 'pppk')),
  name          text     NOT NULL,
  ordinal       smallint NOT NULL CHECK (ordinal BETWEEN 1 AND 17),
  berlaku_mulai date     NOT NULL,
  UNIQUE (kind, ordinal)
);
INSERT INTO ref_ranks (code, kind, name, ordinal, berlaku_mulai) VALUES
  ('I/a', 'pns', 'Juru Muda', 1, '2000-01-01'),
  ('I/b', 'pns', 'Juru Muda Tingkat I', 2, '2000-01-01'),
  ('I/c', 'pns', 'Juru', 3, '2000-01-01'),
  ('I/d', 'pns', 'Juru Tingkat I', 4, '2000-01-01'),
  ('II/a', 'pns', 'Pengatur Muda', 5, '2000-01-01'),
  ('II/b', 'pns', 'Pengatur Muda Tingkat I', 6, '2000-01-01'),
  ('II/c', 'pns', 'Pengatur', 7, '2000-01-01'),
  ('II/d', 'pns', 'Pengatur Tingkat I', 8, '2000-01-01'),
  ('III/a', 'pns', 'Penata Muda', 9, '2000-01-01'),
  ('III/b', 'pns', 'Penata Muda Tingkat I', 10, '2000-01-01'),
  ('III/c', 'pns', 'Penata', 11, '2000-01-01'),
  ('III/d', 'pns', 'Penata Tingkat I', 12, '2000-01-01'),
  ('IV/a', 'pns', 'Pembina', 13, '2000-01-01'),
  ('IV/b', 'pns', 'Pembina Tingkat I', 14, '2000-01-01'),
  ('IV/c', 'pns', 'Pembina Utama Muda', 15, '2000-01-01'),
  ('IV/d', 'pns', 'Pembina Utama Madya', 16, '2000-01-01'),
  ('IV/e', 'pns', 'Pembina Utama', 17, '2000-01-01'),
  ('I', 'pppk', 'Golongan I', 1, '2020-01-01'),
  ('II', 'pppk', 'Golongan II', 2, '2020-01-01'),
  ('III', 'pppk', 'Golongan III', 3, '2020-01-01'),
  ('IV', 'pppk', 'Golongan IV', 4, '2020-01-01'),
  ('V', 'pppk', 'Golongan V', 5, '2020-01-01'),
  ('VI', 'pppk', 'Golongan VI', 6, '2020-01-01'),
  ('VII', 'pppk', 'Golongan VII', 7, '2020-01-01'),
  ('VIII', 'pppk', 'Golongan VIII', 8, '2020-01-01'),
  ('IX', 'pppk', 'Golongan IX', 9, '2020-01-01'),
  ('X', 'pppk', 'Golongan X', 10, '2020-01-01'),
  ('XI', 'pppk', 'Golongan XI', 11, '2020-01-01'),
  ('XII', 'pppk', 'Golongan XII', 12, '2020-01-01'),
  ('XIII', 'pppk', 'Golongan XIII', 13, '2020-01-01'),
  ('XIV', 'pppk', 'Golongan XIV', 14, '2020-01-01'),
  ('XV', 'pppk', 'Golongan XV', 15, '2020-01-01'),
  ('XVI', 'pppk', 'Golongan XVI', 16, '2020-01-01'),
  ('XVII', 'pppk', 'Golongan XVII', 17, '2020-01-01');

-- Education levels (DOMAIN §2.2): the starting rank at appointment and the
-- ceiling of reguler promotion, where the table gives them (D4 shares S1's
-- row, D1 SLTA's; S3 and S2 their own).
CREATE TABLE ref_education (
  level         text     PRIMARY KEY,
  ordinal       smallint NOT NULL UNIQUE,
  start_rank    text     REFERENCES ref_ranks (code),
  max_reguler   text     REFERENCES ref_ranks (code),
  berlaku_mulai date     NOT NULL
);
INSERT INTO ref_education (level, ordinal, start_rank, max_reguler, berlaku_mulai) VALUES
  ('SD', 1, 'I/a', 'II/a', '2002-01-01'),
  ('SLTP', 2, 'I/c', 'II/c', '2002-01-01'),
  ('SLTA', 3, 'II/a', 'III/b', '2002-01-01'),
  ('D1', 4, 'II/a', 'III/b', '2002-01-01'),
  ('D2', 5, 'II/b', 'III/b', '2002-01-01'),
  ('D3', 6, 'II/c', 'III/c', '2002-01-01'),
  ('D4', 7, 'III/a', 'III/d', '2002-01-01'),
  ('S1', 8, 'III/a', 'III/d', '2002-01-01'),
  ('S2', 9, 'III/b', 'IV/a', '2002-01-01'),
  ('S3', 10, 'III/c', 'IV/b', '2002-01-01');

-- Gaji pokok (PP 5/2024, DOMAIN §5.2): step points only; the amount for an
-- MKG is the largest step <= MKG (the smallest step below the first one,
-- the largest above the last).
CREATE TABLE ref_salary (
  rank_code     text    NOT NULL REFERENCES ref_ranks (code),
  mkg_step      integer NOT NULL CHECK (mkg_step BETWEEN 0 AND 40),
  amount        bigint  NOT NULL CHECK (amount > 0),
  berlaku_mulai date    NOT NULL,
  PRIMARY KEY (rank_code, berlaku_mulai, mkg_step)
);
INSERT INTO ref_salary (rank_code, mkg_step, amount, berlaku_mulai)
SELECT r, s, a, DATE '2024-01-01' FROM (VALUES
  ('I/a', 0, 1685700),
  ('I/a', 2, 1738800),
  ('I/a', 4, 1793500),
  ('I/a', 6, 1850000),
  ('I/a', 8, 1908300),
  ('I/a', 10, 1968400),
  ('I/a', 12, 2030400),
  ('I/a', 14, 2094300),
  ('I/a', 16, 2160300),
  ('I/a', 18, 2228300),
  ('I/a', 20, 2298500),
  ('I/a', 22, 2370900),
  ('I/a', 24, 2445500),
  ('I/a', 26, 2522600),
  ('I/b', 3, 1840800),
  ('I/b', 5, 1898800),
  ('I/b', 7, 1958600),
  ('I/b', 9, 2020300),
  ('I/b', 11, 2083900),
  ('I/b', 13, 2149600),
  ('I/b', 15, 2217300),
  ('I/b', 17, 2287100),
  ('I/b', 19, 2359100),
  ('I/b', 21, 2433400),
  ('I/b', 23, 2510100),
  ('I/b', 25, 2589100),
  ('I/b', 27, 2670700),
  ('I/c', 3, 1918700),
  ('I/c', 5, 1979100),
  ('I/c', 7, 2041500),
  ('I/c', 9, 2105800),
  ('I/c', 11, 2172100),
  ('I/c', 13, 2240500),
  ('I/c', 15, 2311100),
  ('I/c', 17, 2383900),
  ('I/c', 19, 2458900),
  ('I/c', 21, 2536400),
  ('I/c', 23, 2616300),
  ('I/c', 25, 2698700),
  ('I/c', 27, 2783700),
  ('I/d', 3, 1999900),
  ('I/d', 5, 2062900),
  ('I/d', 7, 2127800),
  ('I/d', 9, 2194800),
  ('I/d', 11, 2264000),
  ('I/d', 13, 2335300),
  ('I/d', 15, 2408800),
  ('I/d', 17, 2484700),
  ('I/d', 19, 2562900),
  ('I/d', 21, 2643700),
  ('I/d', 23, 2726900),
  ('I/d', 25, 2812800),
  ('I/d', 27, 2901400),
  ('II/a', 0, 2184000),
  ('II/a', 1, 2218400),
  ('II/a', 3, 2288200),
  ('II/a', 5, 2360300),
  ('II/a', 7, 2434600),
  ('II/a', 9, 2511300),
  ('II/a', 11, 2590400),
  ('II/a', 13, 2672000),
  ('II/a', 15, 2756200),
  ('II/a', 17, 2843000),
  ('II/a', 19, 2932500),
  ('II/a', 21, 3024900),
  ('II/a', 23, 3120100),
  ('II/a', 25, 3218400),
  ('II/a', 27, 3319800),
  ('II/a', 29, 3424300),
  ('II/a', 31, 3532200),
  ('II/a', 33, 3643400),
  ('II/b', 3, 2385000),
  ('II/b', 5, 2460100),
  ('II/b', 7, 2537600),
  ('II/b', 9, 2617500),
  ('II/b', 11, 2700000),
  ('II/b', 13, 2785000),
  ('II/b', 15, 2872700),
  ('II/b', 17, 2963200),
  ('II/b', 19, 3056500),
  ('II/b', 21, 3152800),
  ('II/b', 23, 3252100),
  ('II/b', 25, 3354500),
  ('II/b', 27, 3460200),
  ('II/b', 29, 3569200),
  ('II/b', 31, 3681600),
  ('II/b', 33, 3797500),
  ('II/c', 3, 2485900),
  ('II/c', 5, 2564200),
  ('II/c', 7, 2645000),
  ('II/c', 9, 2728300),
  ('II/c', 11, 2814200),
  ('II/c', 13, 2902800),
  ('II/c', 15, 2994300),
  ('II/c', 17, 3088600),
  ('II/c', 19, 3185800),
  ('II/c', 21, 3286200),
  ('II/c', 23, 3389700),
  ('II/c', 25, 3496400),
  ('II/c', 27, 3606500),
  ('II/c', 29, 3720100),
  ('II/c', 31, 3837300),
  ('II/c', 33, 3958200),
  ('II/d', 3, 2591100),
  ('II/d', 5, 2672700),
  ('II/d', 7, 2756800),
  ('II/d', 9, 2843700),
  ('II/d', 11, 2933200),
  ('II/d', 13, 3025600),
  ('II/d', 15, 3120900),
  ('II/d', 17, 3219200),
  ('II/d', 19, 3320600),
  ('II/d', 21, 3425200),
  ('II/d', 23, 3533100),
  ('II/d', 25, 3644300),
  ('II/d', 27, 3759100),
  ('II/d', 29, 3877500),
  ('II/d', 31, 3999600),
  ('II/d', 33, 4125600),
  ('III/a', 0, 2785700),
  ('III/a', 2, 2873500),
  ('III/a', 4, 2964000),
  ('III/a', 6, 3057300),
  ('III/a', 8, 3153600),
  ('III/a', 10, 3252900),
  ('III/a', 12, 3355400),
  ('III/a', 14, 3461100),
  ('III/a', 16, 3570100),
  ('III/a', 18, 3682500),
  ('III/a', 20, 3798500),
  ('III/a', 22, 3918100),
  ('III/a', 24, 4041500),
  ('III/a', 26, 4168800),
  ('III/a', 28, 4300100),
  ('III/a', 30, 4435500),
  ('III/a', 32, 4575200),
  ('III/b', 0, 2903600),
  ('III/b', 2, 2995000),
  ('III/b', 4, 3089300),
  ('III/b', 6, 3186600),
  ('III/b', 8, 3287000),
  ('III/b', 10, 3390500),
  ('III/b', 12, 3497300),
  ('III/b', 14, 3607500),
  ('III/b', 16, 3721100),
  ('III/b', 18, 3838300),
  ('III/b', 20, 3959200),
  ('III/b', 22, 4083900),
  ('III/b', 24, 4212500),
  ('III/b', 26, 4345100),
  ('III/b', 28, 4482000),
  ('III/b', 30, 4623200),
  ('III/b', 32, 4768800),
  ('III/c', 0, 3026400),
  ('III/c', 2, 3121700),
  ('III/c', 4, 3220000),
  ('III/c', 6, 3321400),
  ('III/c', 8, 3426000),
  ('III/c', 10, 3533900),
  ('III/c', 12, 3645200),
  ('III/c', 14, 3760100),
  ('III/c', 16, 3878500),
  ('III/c', 18, 4000600),
  ('III/c', 20, 4126600),
  ('III/c', 22, 4256600),
  ('III/c', 24, 4390700),
  ('III/c', 26, 4528900),
  ('III/c', 28, 4671600),
  ('III/c', 30, 4818700),
  ('III/c', 32, 4970500),
  ('III/d', 0, 3154400),
  ('III/d', 2, 3253700),
  ('III/d', 4, 3356200),
  ('III/d', 6, 3461900),
  ('III/d', 8, 3571000),
  ('III/d', 10, 3683400),
  ('III/d', 12, 3799400),
  ('III/d', 14, 3919100),
  ('III/d', 16, 4042500),
  ('III/d', 18, 4169900),
  ('III/d', 20, 4301200),
  ('III/d', 22, 4436700),
  ('III/d', 24, 4576400),
  ('III/d', 26, 4720500),
  ('III/d', 28, 4869200),
  ('III/d', 30, 5022500),
  ('III/d', 32, 5180700),
  ('IV/a', 0, 3287800),
  ('IV/a', 2, 3391400),
  ('IV/a', 4, 3498200),
  ('IV/a', 6, 3608400),
  ('IV/a', 8, 3722000),
  ('IV/a', 10, 3839200),
  ('IV/a', 12, 3960200),
  ('IV/a', 14, 4084900),
  ('IV/a', 16, 4213500),
  ('IV/a', 18, 4346200),
  ('IV/a', 20, 4483100),
  ('IV/a', 22, 4624300),
  ('IV/a', 24, 4770000),
  ('IV/a', 26, 4920200),
  ('IV/a', 28, 5075200),
  ('IV/a', 30, 5235000),
  ('IV/a', 32, 5399900),
  ('IV/b', 0, 3426900),
  ('IV/b', 2, 3534800),
  ('IV/b', 4, 3646200),
  ('IV/b', 6, 3761000),
  ('IV/b', 8, 3879500),
  ('IV/b', 10, 4001600),
  ('IV/b', 12, 4127700),
  ('IV/b', 14, 4257700),
  ('IV/b', 16, 4391800),
  ('IV/b', 18, 4530100),
  ('IV/b', 20, 4672800),
  ('IV/b', 22, 4819900),
  ('IV/b', 24, 4971700),
  ('IV/b', 26, 5128300),
  ('IV/b', 28, 5289800),
  ('IV/b', 30, 5456400),
  ('IV/b', 32, 5628300),
  ('IV/c', 0, 3571900),
  ('IV/c', 2, 3684400),
  ('IV/c', 4, 3800400),
  ('IV/c', 6, 3920100),
  ('IV/c', 8, 4043600),
  ('IV/c', 10, 4170900),
  ('IV/c', 12, 4302300),
  ('IV/c', 14, 4437800),
  ('IV/c', 16, 4577500),
  ('IV/c', 18, 4721700),
  ('IV/c', 20, 4870400),
  ('IV/c', 22, 5023800),
  ('IV/c', 24, 5182000),
  ('IV/c', 26, 5345200),
  ('IV/c', 28, 5513600),
  ('IV/c', 30, 5687200),
  ('IV/c', 32, 5866400),
  ('IV/d', 0, 3723000),
  ('IV/d', 2, 3840200),
  ('IV/d', 4, 3961200),
  ('IV/d', 6, 4085900),
  ('IV/d', 8, 4214600),
  ('IV/d', 10, 4347300),
  ('IV/d', 12, 4484300),
  ('IV/d', 14, 4625500),
  ('IV/d', 16, 4771200),
  ('IV/d', 18, 4921400),
  ('IV/d', 20, 5076400),
  ('IV/d', 22, 5236300),
  ('IV/d', 24, 5401200),
  ('IV/d', 26, 5571400),
  ('IV/d', 28, 5746800),
  ('IV/d', 30, 5927800),
  ('IV/d', 32, 6114500),
  ('IV/e', 0, 3880400),
  ('IV/e', 2, 4002700),
  ('IV/e', 4, 4128700),
  ('IV/e', 6, 4258700),
  ('IV/e', 8, 4392900),
  ('IV/e', 10, 4531200),
  ('IV/e', 12, 4673900),
  ('IV/e', 14, 4821100),
  ('IV/e', 16, 4973000),
  ('IV/e', 18, 5129600),
  ('IV/e', 20, 5291200),
  ('IV/e', 22, 5457800),
  ('IV/e', 24, 5629700),
  ('IV/e', 26, 5807000),
  ('IV/e', 28, 5989900),
  ('IV/e', 30, 6178600),
  ('IV/e', 32, 6373200)
) AS v (r, s, a);

-- Retirement age (BUP, DOMAIN §6) by position kind (simpeg.v1.PositionKind:
-- 1 JPT, 2 administrator, 3 pengawas, 4 pelaksana, 5 fungsional) and, for
-- functional positions, the level ('' for the other kinds). PP 11/2017.
CREATE TABLE ref_bup (
  position_kind    smallint NOT NULL CHECK (position_kind BETWEEN 1 AND 5),
  functional_level text     NOT NULL DEFAULT '',
  age              smallint NOT NULL CHECK (age BETWEEN 50 AND 70),
  berlaku_mulai    date     NOT NULL,
  PRIMARY KEY (position_kind, functional_level, berlaku_mulai),
  CHECK ((position_kind = 5) = (functional_level <> ''))
);
INSERT INTO ref_bup (position_kind, functional_level, age, berlaku_mulai) VALUES
  (1, '', 60, '2017-04-07'),
  (2, '', 58, '2017-04-07'),
  (3, '', 58, '2017-04-07'),
  (4, '', 58, '2017-04-07'),
  (5, 'ahli_pertama', 58, '2017-04-07'),
  (5, 'ahli_muda', 58, '2017-04-07'),
  (5, 'ahli_madya', 60, '2017-04-07'),
  (5, 'ahli_utama', 65, '2017-04-07'),
  (5, 'pemula', 58, '2017-04-07'),
  (5, 'terampil', 58, '2017-04-07'),
  (5, 'mahir', 58, '2017-04-07'),
  (5, 'penyelia', 58, '2017-04-07');

-- ---- the rules ----

-- SKP predicate from the two ratings (PermenPANRB 6/2022; DOMAIN §7).
-- Ratings: di_atas, sesuai, di_bawah. NULL for anything else.
CREATE FUNCTION skp_predicate(hasil text, perilaku text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE
    WHEN hasil NOT IN ('di_atas', 'sesuai', 'di_bawah') OR perilaku NOT IN ('di_atas', 'sesuai', 'di_bawah') THEN NULL
    WHEN hasil = 'di_bawah' THEN CASE WHEN perilaku = 'di_bawah' THEN 'sangat_kurang' ELSE 'butuh_perbaikan' END
    WHEN perilaku = 'di_bawah' THEN 'kurang'
    WHEN hasil = 'di_atas' AND perilaku = 'di_atas' THEN 'sangat_baik'
    ELSE 'baik'
  END
$$;

-- Gaji pokok for a rank and MKG on a date, from the table in force then:
-- the largest step <= MKG, capped at both ends. NULL when no table covers
-- the rank (PPPK grades: amounts not loaded yet, DOMAIN §2.4).
CREATE FUNCTION gaji_pokok(p_rank text, p_mkg integer, p_on date) RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  WITH t AS (
    SELECT mkg_step, amount FROM ref_salary
    WHERE rank_code = p_rank AND berlaku_mulai = (SELECT max(berlaku_mulai) FROM ref_salary
                                                  WHERE rank_code = p_rank AND berlaku_mulai <= p_on))
  SELECT coalesce((SELECT amount FROM t WHERE mkg_step <= p_mkg ORDER BY mkg_step DESC LIMIT 1),
                  (SELECT amount FROM t ORDER BY mkg_step LIMIT 1))
$$;

-- BUP for the current position; NULL when the position is unknown.
CREATE FUNCTION bup_age(p_kind smallint, p_level text) RETURNS integer
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT age::integer FROM ref_bup
  WHERE position_kind = p_kind AND functional_level = CASE WHEN p_kind = 5 THEN coalesce(p_level, '') ELSE '' END
    AND berlaku_mulai <= current_date
  ORDER BY berlaku_mulai DESC LIMIT 1
$$;

-- Pension TMT: the first day of the month after the month of the BUP
-- birthday (a 29 February birthday falls on 28 February in common years).
CREATE FUNCTION retirement_date(p_birth date, p_bup integer) RETURNS date
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT (date_trunc('month', p_birth + make_interval(years => p_bup)) + interval '1 month')::date
$$;

-- ---- employees ----

-- One row per ASN (PNS, CPNS, PPPK). Codes follow simpeg.v1:
-- employment_type 1 PNS, 2 CPNS, 3 PPPK; sex 1 male, 2 female; status
-- 1 active .. 6 transferred out. religion and marital_status are text
-- codes ('' = not recorded).
-- NIK: kept in `nik` (needed in full by HR for BPJS/Taspen/Dukcapil work,
-- sent only to roles allowed to see it) and as nik_hash = sha256 of the 16
-- digits for lookups by NIK without scanning or exposing the column. An
-- unsalted hash of 16 digits is not secret against brute force: it is an
-- index key, not protection; protection is the column never leaving the
-- database for other roles (docs/internals/registry.md).
-- current_*: derived from the histories by employee_refresh_current()
-- (triggers on the history tables); never written by a handler.
CREATE TABLE employees (
  id                       bigserial   PRIMARY KEY,
  nip                      text        NOT NULL UNIQUE CHECK (nip ~ '^[0-9]{18}$'),
  employment_type          smallint    NOT NULL CHECK (employment_type BETWEEN 1 AND 3),
  front_title              text        NOT NULL DEFAULT '' CHECK (length(front_title) <= 50),
  name                     text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  back_title               text        NOT NULL DEFAULT '' CHECK (length(back_title) <= 100),
  birth_place              text        NOT NULL DEFAULT '' CHECK (length(birth_place) <= 100),
  birth_date               date        NOT NULL,
  sex                      smallint    NOT NULL CHECK (sex IN (1, 2)),
  religion                 text        NOT NULL DEFAULT '' CHECK (religion IN ('', 'islam', 'protestan', 'katolik',
                                         'hindu', 'buddha', 'konghucu', 'kepercayaan')),
  marital_status           text        NOT NULL DEFAULT '' CHECK (marital_status IN ('', 'belum_kawin', 'kawin',
                                         'cerai_hidup', 'cerai_mati')),
  status                   smallint    NOT NULL DEFAULT 1 CHECK (status BETWEEN 1 AND 6),
  office_id                bigint      NOT NULL REFERENCES offices (id),
  tmt_cpns                 date        NOT NULL,
  email                    text        NOT NULL DEFAULT '' CHECK (length(email) <= 200),
  phone                    text        NOT NULL DEFAULT '' CHECK (length(phone) <= 30),
  address                  text        NOT NULL DEFAULT '' CHECK (length(address) <= 500),
  nik                      text        CHECK (nik ~ '^[0-9]{16}$'),
  nik_hash                 bytea       GENERATED ALWAYS AS (sha256(decode(nik, 'escape'))) STORED,
  current_rank_code        text        REFERENCES ref_ranks (code),
  current_rank_tmt         date,
  current_mkg_years        integer,
  current_mkg_months       integer,
  current_position_name    text,
  current_position_kind    smallint,
  current_functional_level text,
  current_education_level  text,
  created_at               timestamptz NOT NULL DEFAULT now(),
  updated_at               timestamptz NOT NULL DEFAULT now(),
  version                  integer     NOT NULL DEFAULT 1,
  CHECK (tmt_cpns > birth_date)
);
CREATE INDEX employees_nip_prefix ON employees (nip text_pattern_ops);
CREATE INDEX employees_name_trgm ON employees USING gin (lower(name) public.gin_trgm_ops);
CREATE INDEX employees_office_nip ON employees (office_id, nip);
CREATE INDEX employees_nik_hash ON employees (nik_hash);
CREATE TRIGGER employees_touch BEFORE UPDATE ON employees
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- ---- histories (riwayat) ----
-- Every row carries the decree (SK) that made it; rows are added, not edited.

CREATE TABLE employee_ranks (
  id            bigserial   PRIMARY KEY,
  employee_id   bigint      NOT NULL REFERENCES employees (id),
  rank_code     text        NOT NULL REFERENCES ref_ranks (code),
  tmt           date        NOT NULL,
  mkg_years     integer     NOT NULL DEFAULT 0 CHECK (mkg_years BETWEEN 0 AND 50),
  mkg_months    integer     NOT NULL DEFAULT 0 CHECK (mkg_months BETWEEN 0 AND 11),
  decree_number text        NOT NULL DEFAULT '' CHECK (length(decree_number) <= 100),
  decree_date   date,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX employee_ranks_emp ON employee_ranks (employee_id, tmt);

CREATE TABLE employee_positions (
  id               bigserial   PRIMARY KEY,
  employee_id      bigint      NOT NULL REFERENCES employees (id),
  name             text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  kind             smallint    NOT NULL CHECK (kind BETWEEN 1 AND 5),
  functional_level text        NOT NULL DEFAULT '',
  office_id        bigint      REFERENCES offices (id),
  tmt              date        NOT NULL,
  decree_number    text        NOT NULL DEFAULT '' CHECK (length(decree_number) <= 100),
  decree_date      date,
  created_at       timestamptz NOT NULL DEFAULT now(),
  CHECK ((kind = 5) = (functional_level IN ('ahli_pertama', 'ahli_muda', 'ahli_madya', 'ahli_utama',
                                            'pemula', 'terampil', 'mahir', 'penyelia')))
);
CREATE INDEX employee_positions_emp ON employee_positions (employee_id, tmt);

CREATE TABLE employee_educations (
  id              bigserial   PRIMARY KEY,
  employee_id     bigint      NOT NULL REFERENCES employees (id),
  level           text        NOT NULL REFERENCES ref_education (level),
  institution     text        NOT NULL DEFAULT '' CHECK (length(institution) <= 200),
  major           text        NOT NULL DEFAULT '' CHECK (length(major) <= 200),
  graduation_year integer     CHECK (graduation_year BETWEEN 1900 AND 2200),
  decree_number   text        NOT NULL DEFAULT '' CHECK (length(decree_number) <= 100),
  decree_date     date,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX employee_educations_emp ON employee_educations (employee_id);

CREATE TABLE employee_trainings (
  id            bigserial   PRIMARY KEY,
  employee_id   bigint      NOT NULL REFERENCES employees (id),
  name          text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  organizer     text        NOT NULL DEFAULT '' CHECK (length(organizer) <= 200),
  start_date    date        NOT NULL,
  end_date      date        NOT NULL,
  jp_hours      integer     NOT NULL CHECK (jp_hours BETWEEN 1 AND 1000),
  decree_number text        NOT NULL DEFAULT '' CHECK (length(decree_number) <= 100),
  decree_date   date,
  created_at    timestamptz NOT NULL DEFAULT now(),
  CHECK (end_date >= start_date)
);
CREATE INDEX employee_trainings_emp ON employee_trainings (employee_id, start_date);

CREATE TABLE employee_performances (
  id              bigserial   PRIMARY KEY,
  employee_id     bigint      NOT NULL REFERENCES employees (id),
  year            integer     NOT NULL CHECK (year BETWEEN 2000 AND 2200),
  period          text        NOT NULL DEFAULT 'annual' CHECK (length(period) BETWEEN 1 AND 20),
  result_rating   text        NOT NULL CHECK (result_rating IN ('di_atas', 'sesuai', 'di_bawah')),
  behavior_rating text        NOT NULL CHECK (behavior_rating IN ('di_atas', 'sesuai', 'di_bawah')),
  predicate       text        GENERATED ALWAYS AS (skp_predicate(result_rating, behavior_rating)) STORED,
  decree_number   text        NOT NULL DEFAULT '' CHECK (length(decree_number) <= 100),
  decree_date     date,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX employee_performances_emp ON employee_performances (employee_id, year);

-- gaji_pokok is looked up from ref_salary at insert (employee_salary_fill).
CREATE TABLE employee_salaries (
  id            bigserial   PRIMARY KEY,
  employee_id   bigint      NOT NULL REFERENCES employees (id),
  rank_code     text        NOT NULL REFERENCES ref_ranks (code),
  mkg_years     integer     NOT NULL CHECK (mkg_years BETWEEN 0 AND 50),
  gaji_pokok    bigint,
  tmt           date        NOT NULL,
  decree_number text        NOT NULL DEFAULT '' CHECK (length(decree_number) <= 100),
  decree_date   date,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX employee_salaries_emp ON employee_salaries (employee_id, tmt);

CREATE TABLE employee_families (
  id            bigserial   PRIMARY KEY,
  employee_id   bigint      NOT NULL REFERENCES employees (id),
  relation      text        NOT NULL CHECK (relation IN ('suami', 'istri', 'anak')),
  name          text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  birth_date    date,
  nik           text        CHECK (nik ~ '^[0-9]{16}$'),
  decree_number text        NOT NULL DEFAULT '' CHECK (length(decree_number) <= 100),
  decree_date   date,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX employee_families_emp ON employee_families (employee_id);

CREATE FUNCTION employee_salary_fill() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.gaji_pokok := gaji_pokok(NEW.rank_code, NEW.mkg_years, NEW.tmt);
  RETURN NEW;
END;
$$;
CREATE TRIGGER employee_salaries_fill BEFORE INSERT OR UPDATE ON employee_salaries
  FOR EACH ROW EXECUTE FUNCTION employee_salary_fill();

-- The derived current values of one employee, recomputed from the
-- histories: rank and position = the row with the latest TMT (then the
-- latest added); education = the highest level. The row (and its version)
-- changes only when a value does.
CREATE FUNCTION employee_refresh_current(p_id bigint) RETURNS void
LANGUAGE sql AS $$
  UPDATE employees e SET
    current_rank_code = r.rank_code, current_rank_tmt = r.tmt,
    current_mkg_years = r.mkg_years, current_mkg_months = r.mkg_months,
    current_position_name = p.name, current_position_kind = p.kind,
    current_functional_level = p.functional_level,
    current_education_level = d.level
  FROM (SELECT p_id AS id) k
  LEFT JOIN LATERAL (SELECT rank_code, tmt, mkg_years, mkg_months FROM employee_ranks
                     WHERE employee_id = p_id ORDER BY tmt DESC, id DESC LIMIT 1) r ON true
  LEFT JOIN LATERAL (SELECT name, kind, functional_level FROM employee_positions
                     WHERE employee_id = p_id ORDER BY tmt DESC, id DESC LIMIT 1) p ON true
  LEFT JOIN LATERAL (SELECT x.level FROM employee_educations x JOIN ref_education l ON l.level = x.level
                     WHERE x.employee_id = p_id ORDER BY l.ordinal DESC, x.id DESC LIMIT 1) d ON true
  WHERE e.id = k.id
    AND (e.current_rank_code, e.current_rank_tmt, e.current_mkg_years, e.current_mkg_months,
         e.current_position_name, e.current_position_kind, e.current_functional_level,
         e.current_education_level)
        IS DISTINCT FROM (r.rank_code, r.tmt, r.mkg_years, r.mkg_months, p.name, p.kind,
                          p.functional_level, d.level)
$$;

CREATE FUNCTION employee_history_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    PERFORM employee_refresh_current(OLD.employee_id);
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    PERFORM employee_refresh_current(NEW.employee_id);
  END IF;
  RETURN NULL;
END;
$$;
CREATE TRIGGER employee_ranks_current AFTER INSERT OR UPDATE OR DELETE ON employee_ranks
  FOR EACH ROW EXECUTE FUNCTION employee_history_changed();
CREATE TRIGGER employee_positions_current AFTER INSERT OR UPDATE OR DELETE ON employee_positions
  FOR EACH ROW EXECUTE FUNCTION employee_history_changed();
CREATE TRIGGER employee_educations_current AFTER INSERT OR UPDATE OR DELETE ON employee_educations
  FOR EACH ROW EXECUTE FUNCTION employee_history_changed();

-- What EmployeeShow and MyProfile report (simpeg.v1.ServiceSummary), on a
-- date: MKG = the current rank's MKG at its TMT plus the time since; gaji
-- pokok from the table in force on that date (CPNS receive 80 %, PP 7/1977
-- art. 5); service since tmt_cpns; BUP of the current position and the
-- pension TMT.
CREATE FUNCTION employee_summary(p_id bigint, p_on date,
  OUT salary_grade text, OUT gaji_pokok bigint, OUT years_of_service integer, OUT months_of_service integer,
  OUT retirement_age integer, OUT retirement_date date)
LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN e.current_rank_code IS NULL THEN '' ELSE e.current_rank_code || ' MKG ' || m.mkg END,
         CASE WHEN e.employment_type = 2 THEN round(g.amount * 0.8)::bigint ELSE g.amount END,
         s.months / 12, s.months % 12, b.age, retirement_date(e.birth_date, b.age)
  FROM employees e
  CROSS JOIN LATERAL (SELECT (coalesce(e.current_mkg_years, 0) * 12 + coalesce(e.current_mkg_months, 0)
      + CASE WHEN e.current_rank_tmt IS NULL OR e.current_rank_tmt > p_on THEN 0
             ELSE (extract(year FROM age(p_on, e.current_rank_tmt)) * 12
                   + extract(month FROM age(p_on, e.current_rank_tmt)))::integer END) / 12 AS mkg) m
  CROSS JOIN LATERAL (SELECT gaji_pokok(e.current_rank_code, m.mkg, p_on) AS amount) g
  CROSS JOIN LATERAL (SELECT CASE WHEN e.tmt_cpns > p_on THEN 0
      ELSE (extract(year FROM age(p_on, e.tmt_cpns)) * 12 + extract(month FROM age(p_on, e.tmt_cpns)))::integer
      END AS months) s
  CROSS JOIN LATERAL (SELECT bup_age(e.current_position_kind, e.current_functional_level) AS age) b
  WHERE e.id = p_id
$$;
