/* demo_gen: the record generator behind simpeg-demo (client/demo.c).
 *
 * Pure and deterministic: the same seed, reference date and office list
 * give the same records in the same order. No I/O; allocation failure
 * aborts (sp_xmalloc). Rules from DOMAIN.md: identifiers §1 (NIP, NI PPPK,
 * NIK), start rank and reguler ceiling by education §2.2, PPPK entry
 * grades §2.4, BUP §6 (as loaded in ref_bup by migration 0003). */
#ifndef DEMO_GEN_H
#define DEMO_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DEMO_MAX_RANKS 12

typedef struct demo_rank {
  char code[8];  /* "III/a" or PPPK "IX" */
  char tmt[11];  /* YYYY-MM-DD */
  int mkg_years; /* masa kerja golongan at tmt */
} demo_rank_t;

typedef struct demo_employee {
  char nip[19];
  int employment_type; /* simpeg.v1.EmploymentType: 1 PNS, 2 CPNS, 3 PPPK */
  char front_title[16];
  char name[96];
  char back_title[48];
  char birth_place[40];
  char birth_date[11];
  int sex; /* 1 male, 2 female */
  const char *religion;
  const char *marital_status;
  const char *office_code;
  char tmt_cpns[11];
  int n_ranks; /* history, oldest first; the last is the current rank */
  demo_rank_t ranks[DEMO_MAX_RANKS];
  char position_name[96];
  int position_kind; /* simpeg.v1.PositionKind */
  const char *functional_level; /* "" unless fungsional */
  char position_tmt[11];
  const char *education_level;  /* SD .. S3 */
  char institution[80];
  int graduation_year;
  char email[80];
  char phone[16];
  char address[96];
  char nik[17]; /* "" when not given */
  int age;      /* whole years on the reference date */
  int bup;      /* retirement age for the position (ref_bup) */
} demo_employee_t;

typedef struct demo_gen demo_gen_t;

/* `offices`: codes of the offices employees work in (agencies and units;
 * their first two dot-separated parts are the province and city codes, as
 * in deploy/demo/offices.tsv). `today`: the reference date "YYYY-MM-DD"
 * (ages, "not in the future"). `expected`: how many records will be asked
 * for (sizes the NIP sequence table; more is allowed). NULL on a bad date
 * or an empty office list. */
demo_gen_t *demo_gen_new(uint64_t seed, const char *today, const char *const *offices, size_t n_offices,
                         size_t expected);
void demo_gen_free(demo_gen_t *g);
/* The next record. */
void demo_gen_next(demo_gen_t *g, demo_employee_t *e);

/* Rank helpers for tests: ordinal 1..17 of a PNS rank code (0: unknown);
 * the reguler ceiling and start rank of an education level (DOMAIN §2.2). */
int demo_rank_ordinal(const char *code);
const char *demo_education_ceiling(const char *level);
const char *demo_education_start(const char *level);

/* The CSV header of docs/IMPORT.md and one record as a CSV line (with the
 * trailing LF). Returns the bytes written, or 0 if `cap` is too small. */
extern const char demo_csv_header[];
size_t demo_csv_line(const demo_employee_t *e, char *buf, size_t cap);

#endif
