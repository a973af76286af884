/* cli_employee: what `simpeg employee` (cmd_employee.c) and `simpeg me`
 * (cmd_me.c) share: formatting NIPs and Rupiah amounts, names of the
 * registry's enums, building a history entry from `history add` options,
 * and printing a record, a profile and history rows (table and JSON).
 * The formatting and parsing functions are pure (unit-tested in
 * tests/unit/test_client_employee.c). */
#ifndef CLI_EMPLOYEE_H
#define CLI_EMPLOYEE_H

#include <stdbool.h>
#include <stdint.h>

#include "cli.h"

/* "19860926 201505 1 001" for an 18-digit NIP or NI PPPK (both are
 * grouped 8-6-1-3 on paper); anything else is copied as it is. */
void cli_format_nip(char *out, size_t cap, const char *nip);
/* "Rp 2.785.700": dots between thousands, no decimals, the same in every
 * locale (the convention of Indonesian salary documents). */
void cli_format_rupiah(char *out, size_t cap, int64_t amount);
/* "Dr. Budi Santoso, S.Kom., M.Si.": the name with its titles. */
void cli_employee_full_name(char *out, size_t cap, const Simpeg__V1__Employee *e);
/* Today's local date "YYYY-MM-DD" (the reference for a NIK's two-digit year). */
void cli_today(char out[11]);

/* Golongan ruang "I/a".."IV/e" (PNS, CPNS) or PPPK grade "I".."XVII". */
bool cli_valid_rank_code(const char *s);

/* Enum names for options and JSON ("pns", "female", "on_leave", "jpt");
 * parsing accepts '-' for '_'. Labels are translated words for tables. */
bool cli_parse_employment_type(const char *s, Simpeg__V1__EmploymentType *out);
bool cli_parse_sex(const char *s, Simpeg__V1__Sex *out);
bool cli_parse_employee_status(const char *s, Simpeg__V1__EmployeeStatus *out);
bool cli_parse_position_kind(const char *s, Simpeg__V1__PositionKind *out);
const char *cli_employment_type_name(Simpeg__V1__EmploymentType t);
const char *cli_sex_name(Simpeg__V1__Sex s);
const char *cli_sex_label(Simpeg__V1__Sex s);
const char *cli_employee_status_name(Simpeg__V1__EmployeeStatus s);
const char *cli_employee_status_label(Simpeg__V1__EmployeeStatus s);
const char *cli_position_kind_name(Simpeg__V1__PositionKind k);
const char *cli_position_kind_label(Simpeg__V1__PositionKind k);

/* ---- history kinds and `employee history add` options ---- */

typedef enum cli_hkind {
  CLI_HKIND_NONE = 0,
  CLI_HKIND_RANK,
  CLI_HKIND_POSITION,
  CLI_HKIND_EDUCATION,
  CLI_HKIND_TRAINING,
  CLI_HKIND_PERFORMANCE,
  CLI_HKIND_SALARY,
  CLI_HKIND_FAMILY,
  CLI_HKIND_COUNT,
} cli_hkind_t;

/* "rank", "position", "education", "training", "performance", "salary",
 * "family" (the names EmployeeHistoryList.kind uses). */
bool cli_parse_history_kind(const char *s, cli_hkind_t *out);
const char *cli_history_kind_name(cli_hkind_t k);
/* Translated section title ("Rank history (golongan)"). */
const char *cli_history_kind_label(cli_hkind_t k);
cli_hkind_t cli_history_kind_of(const Simpeg__V1__HistoryEntry *e);

/* The options of `history add`, one slot each; cli_history_option names
 * them ("--rank"). */
typedef enum cli_hfield {
  CLI_HF_RANK,
  CLI_HF_TMT,
  CLI_HF_MKG,
  CLI_HF_MKG_MONTHS,
  CLI_HF_NAME,
  CLI_HF_POSITION_KIND,
  CLI_HF_FUNCTIONAL_LEVEL,
  CLI_HF_OFFICE,
  CLI_HF_LEVEL,
  CLI_HF_INSTITUTION,
  CLI_HF_MAJOR,
  CLI_HF_GRADUATION_YEAR,
  CLI_HF_ORGANIZER,
  CLI_HF_START,
  CLI_HF_END,
  CLI_HF_JP,
  CLI_HF_YEAR,
  CLI_HF_PERIOD,
  CLI_HF_RESULT,
  CLI_HF_BEHAVIOR,
  CLI_HF_RELATION,
  CLI_HF_BIRTH_DATE,
  CLI_HF_NIK,
  CLI_HF_DECREE_NUMBER,
  CLI_HF_DECREE_DATE,
  CLI_HF_COUNT,
} cli_hfield_t;

const char *cli_history_option(cli_hfield_t f);

typedef struct cli_history_args {
  const char *kind;             /* --kind, as given */
  const char *v[CLI_HF_COUNT];  /* NULL: not given */
} cli_history_args_t;

/* The entry and the one sub-message it points to. */
typedef struct cli_history_msg {
  Simpeg__V1__HistoryEntry entry;
  Simpeg__V1__RankEntry rank;
  Simpeg__V1__PositionEntry position;
  Simpeg__V1__EducationEntry education;
  Simpeg__V1__TrainingEntry training;
  Simpeg__V1__PerformanceEntry performance;
  Simpeg__V1__SalaryEntry salary;
  Simpeg__V1__FamilyEntry family;
} cli_history_msg_t;

/* Checks the options for the kind (required ones present, none of another
 * kind, dates real, numbers in range, codes known) and fills `m` (pointing
 * into `a`'s strings). `ref_date` ("YYYY-MM-DD") resolves a family NIK's
 * year. 0, or -1 with a translated message in err. */
int cli_history_build(const cli_history_args_t *a, const char *ref_date, cli_history_msg_t *m, char *err,
                      size_t errlen);

/* ---- printing ---- */

void cli_json_employee(json_out_t *j, const Simpeg__V1__Employee *e);
void cli_json_history_entry(json_out_t *j, const Simpeg__V1__HistoryEntry *h);
/* A record (table rows, or {"employee": ...}). */
void cli_print_employee(cli_ctx_t *ctx, const Simpeg__V1__Employee *e);
/* History rows, grouped by kind in the order of cli_hkind_t, each group
 * under its title (or {"history": [...]}). */
void cli_print_history(cli_ctx_t *ctx, Simpeg__V1__HistoryEntry *const *h, size_t n);
/* A profile: identity, office, rank/position/education, the service
 * summary, then the histories by kind (or one JSON document). */
void cli_print_profile(cli_ctx_t *ctx, const Simpeg__V1__EmployeeProfile *p);

/* registry views (cmd_employee_views.c): `employee duk|headcount|warnings`;
 * NULL or 0 arguments mean "not given". Each returns an exit code. */
int cli_employee_duk(cli_ctx_t *ctx, const char *office, const char *after, uint32_t limit);
int cli_employee_headcount(cli_ctx_t *ctx, const char *office, const char *by);
int cli_employee_warnings(cli_ctx_t *ctx, const char *office, const char *kind, uint32_t months, const char *after,
                          uint32_t limit);

/* import/export (cmd_employee_import.c): `employee import FILE` (chunk 0:
 * the server's maximum) and `employee export` (NULL: not given; path NULL:
 * standard output). Each returns an exit code. */
int cli_employee_import(cli_ctx_t *ctx, const char *path, uint32_t chunk);
int cli_employee_export(cli_ctx_t *ctx, const char *office, const char *format, const char *path);

#endif
