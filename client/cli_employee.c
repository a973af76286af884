/* cli_employee: formatting, parsing and printing for the employee registry
 * commands; see cli_employee.h. */
#include "cli_employee.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli_admin.h"
#include "sp_valid.h"

static const char *str(const char *s) { return s ? s : ""; }
static bool given(const char *s) { return s && *s; }

void cli_format_nip(char *out, size_t cap, const char *nip) {
  size_t n = nip ? strlen(nip) : 0;
  bool digits = n == 18;
  for (size_t i = 0; digits && i < n; i++) digits = nip[i] >= '0' && nip[i] <= '9';
  if (!digits) {
    snprintf(out, cap, "%s", str(nip));
    return;
  }
  snprintf(out, cap, "%.8s %.6s %.1s %.3s", nip, nip + 8, nip + 14, nip + 15);
}

void cli_format_rupiah(char *out, size_t cap, int64_t amount) {
  /* The magnitude as unsigned, so INT64_MIN needs no special case. */
  uint64_t v = amount < 0 ? (uint64_t)0 - (uint64_t)amount : (uint64_t)amount;
  char digits[32], grouped[48];
  int nd = snprintf(digits, sizeof(digits), "%llu", (unsigned long long)v);
  size_t g = 0;
  for (int i = 0; i < nd; i++) {
    if (i > 0 && (nd - i) % 3 == 0) grouped[g++] = '.';
    grouped[g++] = digits[i];
  }
  grouped[g] = '\0';
  snprintf(out, cap, "%sRp %s", amount < 0 ? "-" : "", grouped);
}

void cli_employee_full_name(char *out, size_t cap, const Simpeg__V1__Employee *e) {
  snprintf(out, cap, "%s%s%s%s%s", given(e->front_title) ? e->front_title : "", given(e->front_title) ? " " : "",
           str(e->name), given(e->back_title) ? ", " : "", given(e->back_title) ? e->back_title : "");
}

void cli_today(char out[11]) {
  time_t now = time(NULL);
  struct tm tm;
  localtime_r(&now, &tm);
  strftime(out, 11, "%Y-%m-%d", &tm);
}

bool cli_valid_rank_code(const char *s) {
  static const char *const grades[] = {"I",   "II",   "III", "IV", "V",   "VI",   "VII",   "VIII", "IX",
                                       "X",   "XI",   "XII", "XIII", "XIV", "XV", "XVI", "XVII"};
  if (!s) return false;
  /* Golongan ruang: I..IV, '/', a..d (IV: a..e). */
  const char *slash = strchr(s, '/');
  if (slash) {
    size_t n = (size_t)(slash - s);
    const char *room = slash + 1;
    if (strlen(room) != 1) return false;
    char last = 'd';
    if (n == 2 && strncmp(s, "IV", 2) == 0)
      last = 'e';
    else if (!((n == 1 && s[0] == 'I') || (n == 2 && strncmp(s, "II", 2) == 0) ||
               (n == 3 && strncmp(s, "III", 3) == 0)))
      return false;
    return room[0] >= 'a' && room[0] <= last;
  }
  for (size_t i = 0; i < sizeof(grades) / sizeof(grades[0]); i++)
    if (strcmp(s, grades[i]) == 0) return true;
  return false;
}

/* ---- enum names ---- */

typedef struct name_row {
  int value;
  const char *name;
  const char *label;
} name_row_t;

static const name_row_t employment_types[] = {
    {SIMPEG__V1__EMPLOYMENT_TYPE__EMPLOYMENT_TYPE_PNS, "pns", N_("PNS")},
    {SIMPEG__V1__EMPLOYMENT_TYPE__EMPLOYMENT_TYPE_CPNS, "cpns", N_("CPNS")},
    {SIMPEG__V1__EMPLOYMENT_TYPE__EMPLOYMENT_TYPE_PPPK, "pppk", N_("PPPK")},
    {0, NULL, NULL},
};
static const name_row_t sexes[] = {
    {SIMPEG__V1__SEX__SEX_MALE, "male", N_("male")},
    {SIMPEG__V1__SEX__SEX_FEMALE, "female", N_("female")},
    {0, NULL, NULL},
};
static const name_row_t statuses[] = {
    {SIMPEG__V1__EMPLOYEE_STATUS__EMPLOYEE_STATUS_ACTIVE, "active", N_("active")},
    {SIMPEG__V1__EMPLOYEE_STATUS__EMPLOYEE_STATUS_ON_LEAVE, "on_leave", N_("on leave (e.g. CLTN)")},
    {SIMPEG__V1__EMPLOYEE_STATUS__EMPLOYEE_STATUS_RETIRED, "retired", N_("retired")},
    {SIMPEG__V1__EMPLOYEE_STATUS__EMPLOYEE_STATUS_DISMISSED, "dismissed", N_("dismissed")},
    {SIMPEG__V1__EMPLOYEE_STATUS__EMPLOYEE_STATUS_DECEASED, "deceased", N_("deceased")},
    {SIMPEG__V1__EMPLOYEE_STATUS__EMPLOYEE_STATUS_TRANSFERRED_OUT, "transferred_out", N_("transferred out")},
    {0, NULL, NULL},
};
static const name_row_t position_kinds[] = {
    {SIMPEG__V1__POSITION_KIND__POSITION_KIND_JPT, "jpt", N_("JPT (pimpinan tinggi)")},
    {SIMPEG__V1__POSITION_KIND__POSITION_KIND_ADMINISTRATOR, "administrator", N_("administrator")},
    {SIMPEG__V1__POSITION_KIND__POSITION_KIND_PENGAWAS, "pengawas", N_("pengawas")},
    {SIMPEG__V1__POSITION_KIND__POSITION_KIND_PELAKSANA, "pelaksana", N_("pelaksana")},
    {SIMPEG__V1__POSITION_KIND__POSITION_KIND_FUNGSIONAL, "fungsional", N_("fungsional")},
    {0, NULL, NULL},
};

static bool parse_name(const name_row_t *t, const char *s, int *out) {
  char norm[64];
  if (!s) return false;
  snprintf(norm, sizeof(norm), "%s", s);
  for (char *p = norm; *p; p++) {
    if (*p == '-') *p = '_';
    if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
  }
  for (; t->name; t++)
    if (strcmp(t->name, norm) == 0) {
      *out = t->value;
      return true;
    }
  return false;
}

static const char *name_of(const name_row_t *t, int v) {
  for (; t->name; t++)
    if (t->value == v) return t->name;
  return "unspecified";
}

static const char *label_of(const name_row_t *t, int v) {
  for (; t->name; t++)
    if (t->value == v) return _(t->label);
  return "-";
}

#define PARSER(fn, table, type)                   \
  bool fn(const char *s, type *out) {             \
    int v;                                        \
    if (!parse_name(table, s, &v)) return false;  \
    *out = (type)v;                               \
    return true;                                  \
  }
PARSER(cli_parse_employment_type, employment_types, Simpeg__V1__EmploymentType)
PARSER(cli_parse_sex, sexes, Simpeg__V1__Sex)
PARSER(cli_parse_employee_status, statuses, Simpeg__V1__EmployeeStatus)
PARSER(cli_parse_position_kind, position_kinds, Simpeg__V1__PositionKind)

const char *cli_employment_type_name(Simpeg__V1__EmploymentType t) { return name_of(employment_types, t); }
const char *cli_sex_name(Simpeg__V1__Sex s) { return name_of(sexes, s); }
const char *cli_sex_label(Simpeg__V1__Sex s) { return label_of(sexes, s); }
const char *cli_employee_status_name(Simpeg__V1__EmployeeStatus s) { return name_of(statuses, s); }
const char *cli_employee_status_label(Simpeg__V1__EmployeeStatus s) { return label_of(statuses, s); }
const char *cli_position_kind_name(Simpeg__V1__PositionKind k) { return name_of(position_kinds, k); }
const char *cli_position_kind_label(Simpeg__V1__PositionKind k) { return label_of(position_kinds, k); }

/* ---- history kinds ---- */

static const struct {
  const char *name;
  const char *label;
} hkinds[CLI_HKIND_COUNT] = {
    [CLI_HKIND_RANK] = {"rank", N_("Rank history (golongan)")},
    [CLI_HKIND_POSITION] = {"position", N_("Position history (jabatan)")},
    [CLI_HKIND_EDUCATION] = {"education", N_("Education")},
    [CLI_HKIND_TRAINING] = {"training", N_("Training (diklat)")},
    [CLI_HKIND_PERFORMANCE] = {"performance", N_("Performance (SKP)")},
    [CLI_HKIND_SALARY] = {"salary", N_("Salary history (gaji pokok)")},
    [CLI_HKIND_FAMILY] = {"family", N_("Family")},
};

bool cli_parse_history_kind(const char *s, cli_hkind_t *out) {
  for (int k = CLI_HKIND_RANK; k < CLI_HKIND_COUNT; k++)
    if (s && strcmp(s, hkinds[k].name) == 0) {
      *out = (cli_hkind_t)k;
      return true;
    }
  return false;
}

const char *cli_history_kind_name(cli_hkind_t k) {
  return k > CLI_HKIND_NONE && k < CLI_HKIND_COUNT ? hkinds[k].name : "unknown";
}

const char *cli_history_kind_label(cli_hkind_t k) {
  return k > CLI_HKIND_NONE && k < CLI_HKIND_COUNT ? _(hkinds[k].label) : _("Other entries");
}

cli_hkind_t cli_history_kind_of(const Simpeg__V1__HistoryEntry *e) {
  switch (e->entry_case) {
    case SIMPEG__V1__HISTORY_ENTRY__ENTRY_RANK: return e->rank ? CLI_HKIND_RANK : CLI_HKIND_NONE;
    case SIMPEG__V1__HISTORY_ENTRY__ENTRY_POSITION: return e->position ? CLI_HKIND_POSITION : CLI_HKIND_NONE;
    case SIMPEG__V1__HISTORY_ENTRY__ENTRY_EDUCATION: return e->education ? CLI_HKIND_EDUCATION : CLI_HKIND_NONE;
    case SIMPEG__V1__HISTORY_ENTRY__ENTRY_TRAINING: return e->training ? CLI_HKIND_TRAINING : CLI_HKIND_NONE;
    case SIMPEG__V1__HISTORY_ENTRY__ENTRY_PERFORMANCE:
      return e->performance ? CLI_HKIND_PERFORMANCE : CLI_HKIND_NONE;
    case SIMPEG__V1__HISTORY_ENTRY__ENTRY_SALARY: return e->salary ? CLI_HKIND_SALARY : CLI_HKIND_NONE;
    case SIMPEG__V1__HISTORY_ENTRY__ENTRY_FAMILY: return e->family ? CLI_HKIND_FAMILY : CLI_HKIND_NONE;
    default: return CLI_HKIND_NONE;
  }
}

static const char *const hfield_options[CLI_HF_COUNT] = {
    [CLI_HF_RANK] = "--rank",
    [CLI_HF_TMT] = "--tmt",
    [CLI_HF_MKG] = "--mkg",
    [CLI_HF_MKG_MONTHS] = "--mkg-months",
    [CLI_HF_NAME] = "--name",
    [CLI_HF_POSITION_KIND] = "--position-kind",
    [CLI_HF_FUNCTIONAL_LEVEL] = "--functional-level",
    [CLI_HF_OFFICE] = "--office",
    [CLI_HF_LEVEL] = "--level",
    [CLI_HF_INSTITUTION] = "--institution",
    [CLI_HF_MAJOR] = "--major",
    [CLI_HF_GRADUATION_YEAR] = "--graduation-year",
    [CLI_HF_ORGANIZER] = "--organizer",
    [CLI_HF_START] = "--start",
    [CLI_HF_END] = "--end",
    [CLI_HF_JP] = "--jp",
    [CLI_HF_YEAR] = "--year",
    [CLI_HF_PERIOD] = "--period",
    [CLI_HF_RESULT] = "--result",
    [CLI_HF_BEHAVIOR] = "--behavior",
    [CLI_HF_RELATION] = "--relation",
    [CLI_HF_BIRTH_DATE] = "--birth-date",
    [CLI_HF_NIK] = "--nik",
    [CLI_HF_DECREE_NUMBER] = "--decree-number",
    [CLI_HF_DECREE_DATE] = "--decree-date",
};

const char *cli_history_option(cli_hfield_t f) { return f < CLI_HF_COUNT ? hfield_options[f] : "?"; }

#define BIT(f) (1u << (f))
/* Per kind: the options it requires and the ones it also accepts (the
 * decree number and date go with every kind). */
static const struct {
  uint32_t required, optional;
} hrules[CLI_HKIND_COUNT] = {
    [CLI_HKIND_RANK] = {BIT(CLI_HF_RANK) | BIT(CLI_HF_TMT), BIT(CLI_HF_MKG) | BIT(CLI_HF_MKG_MONTHS)},
    [CLI_HKIND_POSITION] = {BIT(CLI_HF_NAME) | BIT(CLI_HF_POSITION_KIND) | BIT(CLI_HF_TMT),
                            BIT(CLI_HF_FUNCTIONAL_LEVEL) | BIT(CLI_HF_OFFICE)},
    [CLI_HKIND_EDUCATION] = {BIT(CLI_HF_LEVEL),
                             BIT(CLI_HF_INSTITUTION) | BIT(CLI_HF_MAJOR) | BIT(CLI_HF_GRADUATION_YEAR)},
    [CLI_HKIND_TRAINING] = {BIT(CLI_HF_NAME) | BIT(CLI_HF_START) | BIT(CLI_HF_END) | BIT(CLI_HF_JP),
                            BIT(CLI_HF_ORGANIZER)},
    [CLI_HKIND_PERFORMANCE] = {BIT(CLI_HF_YEAR) | BIT(CLI_HF_RESULT) | BIT(CLI_HF_BEHAVIOR), BIT(CLI_HF_PERIOD)},
    [CLI_HKIND_SALARY] = {BIT(CLI_HF_RANK) | BIT(CLI_HF_MKG) | BIT(CLI_HF_TMT), 0},
    [CLI_HKIND_FAMILY] = {BIT(CLI_HF_RELATION) | BIT(CLI_HF_NAME), BIT(CLI_HF_BIRTH_DATE) | BIT(CLI_HF_NIK)},
};

static const char *const education_levels[] = {"SD", "SLTP", "SLTA", "D1", "D2", "D3", "D4", "S1", "S2", "S3", NULL};
static const char *const ratings[] = {"di_atas", "sesuai", "di_bawah", NULL};
static const char *const relations[] = {"suami", "istri", "anak", NULL};
static const char *const functional_levels[] = {"ahli_pertama", "ahli_muda", "ahli_madya", "ahli_utama", "pemula",
                                                "terampil", "mahir", "penyelia", NULL};

static bool in_list(const char *const *list, const char *s) {
  for (; *list; list++)
    if (strcmp(*list, s) == 0) return true;
  return false;
}

static int hint(int32_t *out, const char *arg, long min, long max, const char *option, char *err, size_t errlen) {
  char *end;
  errno = 0;
  long v = strtol(arg, &end, 10);
  if (!*arg || *end || errno || v < min || v > max) {
    snprintf(err, errlen, _("%s expects a whole number from %ld to %ld, not \"%s\""), option, min, max, arg);
    return -1;
  }
  *out = (int32_t)v;
  return 0;
}

int cli_history_build(const cli_history_args_t *a, const char *ref_date, cli_history_msg_t *m, char *err,
                      size_t errlen) {
  memset(m, 0, sizeof(*m));
  simpeg__v1__history_entry__init(&m->entry);
  cli_hkind_t kind;
  if (!a->kind) {
    snprintf(err, errlen, "%s",
             _("'employee history add' needs --kind (rank, position, education, training, performance, "
               "salary, family)"));
    return -1;
  }
  if (!cli_parse_history_kind(a->kind, &kind)) {
    snprintf(err, errlen,
             _("unknown history kind \"%s\" (rank, position, education, training, performance, salary, family)"),
             a->kind);
    return -1;
  }
  uint32_t req = hrules[kind].required;
  uint32_t ok = req | hrules[kind].optional | BIT(CLI_HF_DECREE_NUMBER) | BIT(CLI_HF_DECREE_DATE);
  for (int f = 0; f < CLI_HF_COUNT; f++) {
    const char *v = a->v[f];
    if ((req & BIT(f)) && !given(v)) {
      snprintf(err, errlen, _("--kind %s needs %s"), a->kind, hfield_options[f]);
      return -1;
    }
    if (v && !(ok & BIT(f))) {
      snprintf(err, errlen, _("%s does not apply to --kind %s"), hfield_options[f], a->kind);
      return -1;
    }
  }
  /* Dates, wherever they occur. */
  static const cli_hfield_t dates[] = {CLI_HF_TMT, CLI_HF_START, CLI_HF_END, CLI_HF_BIRTH_DATE, CLI_HF_DECREE_DATE};
  for (size_t i = 0; i < sizeof(dates) / sizeof(dates[0]); i++) {
    const char *v = a->v[dates[i]];
    if (given(v) && !sp_valid_date(v, NULL)) {
      snprintf(err, errlen, _("%s expects a date YYYY-MM-DD, not \"%s\""), hfield_options[dates[i]], v);
      return -1;
    }
  }
  if (given(a->v[CLI_HF_RANK]) && !cli_valid_rank_code(a->v[CLI_HF_RANK])) {
    snprintf(err, errlen, _("unknown rank \"%s\" (golongan I/a to IV/e, or PPPK grade I to XVII)"),
             a->v[CLI_HF_RANK]);
    return -1;
  }
  const char *const *v = a->v;
  m->entry.decree_number = (char *)str(v[CLI_HF_DECREE_NUMBER]);
  m->entry.decree_date = (char *)str(v[CLI_HF_DECREE_DATE]);
  switch (kind) {
    case CLI_HKIND_RANK:
      simpeg__v1__rank_entry__init(&m->rank);
      m->rank.rank_code = (char *)v[CLI_HF_RANK];
      m->rank.tmt = (char *)v[CLI_HF_TMT];
      if (v[CLI_HF_MKG] && hint(&m->rank.mkg_years, v[CLI_HF_MKG], 0, 50, "--mkg", err, errlen)) return -1;
      if (v[CLI_HF_MKG_MONTHS] &&
          hint(&m->rank.mkg_months, v[CLI_HF_MKG_MONTHS], 0, 11, "--mkg-months", err, errlen))
        return -1;
      m->entry.entry_case = SIMPEG__V1__HISTORY_ENTRY__ENTRY_RANK;
      m->entry.rank = &m->rank;
      break;
    case CLI_HKIND_POSITION:
      simpeg__v1__position_entry__init(&m->position);
      m->position.name = (char *)v[CLI_HF_NAME];
      if (!cli_parse_position_kind(v[CLI_HF_POSITION_KIND], &m->position.kind)) {
        snprintf(err, errlen,
                 _("unknown position kind \"%s\" (jpt, administrator, pengawas, pelaksana, fungsional)"),
                 v[CLI_HF_POSITION_KIND]);
        return -1;
      }
      if (m->position.kind == SIMPEG__V1__POSITION_KIND__POSITION_KIND_FUNGSIONAL) {
        if (!given(v[CLI_HF_FUNCTIONAL_LEVEL]) || !in_list(functional_levels, v[CLI_HF_FUNCTIONAL_LEVEL])) {
          snprintf(err, errlen, "%s",
                   _("--position-kind fungsional needs --functional-level (ahli_pertama, ahli_muda, ahli_madya, "
                     "ahli_utama, pemula, terampil, mahir, penyelia)"));
          return -1;
        }
      } else if (given(v[CLI_HF_FUNCTIONAL_LEVEL])) {
        snprintf(err, errlen, "%s", _("--functional-level goes with --position-kind fungsional only"));
        return -1;
      }
      m->position.functional_level = (char *)str(v[CLI_HF_FUNCTIONAL_LEVEL]);
      m->position.office_code = (char *)str(v[CLI_HF_OFFICE]);
      m->position.tmt = (char *)v[CLI_HF_TMT];
      m->entry.entry_case = SIMPEG__V1__HISTORY_ENTRY__ENTRY_POSITION;
      m->entry.position = &m->position;
      break;
    case CLI_HKIND_EDUCATION:
      simpeg__v1__education_entry__init(&m->education);
      if (!in_list(education_levels, v[CLI_HF_LEVEL])) {
        snprintf(err, errlen, _("unknown education level \"%s\" (SD, SLTP, SLTA, D1 to D4, S1, S2, S3)"),
                 v[CLI_HF_LEVEL]);
        return -1;
      }
      m->education.level = (char *)v[CLI_HF_LEVEL];
      m->education.institution = (char *)str(v[CLI_HF_INSTITUTION]);
      m->education.major = (char *)str(v[CLI_HF_MAJOR]);
      if (v[CLI_HF_GRADUATION_YEAR] &&
          hint(&m->education.graduation_year, v[CLI_HF_GRADUATION_YEAR], 1900, 2200, "--graduation-year", err,
               errlen))
        return -1;
      m->entry.entry_case = SIMPEG__V1__HISTORY_ENTRY__ENTRY_EDUCATION;
      m->entry.education = &m->education;
      break;
    case CLI_HKIND_TRAINING:
      simpeg__v1__training_entry__init(&m->training);
      m->training.name = (char *)v[CLI_HF_NAME];
      m->training.organizer = (char *)str(v[CLI_HF_ORGANIZER]);
      m->training.start_date = (char *)v[CLI_HF_START];
      m->training.end_date = (char *)str(v[CLI_HF_END]);
      if (given(v[CLI_HF_END]) && strcmp(v[CLI_HF_END], v[CLI_HF_START]) < 0) {
        snprintf(err, errlen, "%s", _("--end is before --start"));
        return -1;
      }
      if (v[CLI_HF_JP] && hint(&m->training.jp_hours, v[CLI_HF_JP], 1, 1000, "--jp", err, errlen)) return -1;
      m->entry.entry_case = SIMPEG__V1__HISTORY_ENTRY__ENTRY_TRAINING;
      m->entry.training = &m->training;
      break;
    case CLI_HKIND_PERFORMANCE:
      simpeg__v1__performance_entry__init(&m->performance);
      if (hint(&m->performance.year, v[CLI_HF_YEAR], 2000, 2200, "--year", err, errlen)) return -1;
      m->performance.period = (char *)(given(v[CLI_HF_PERIOD]) ? v[CLI_HF_PERIOD] : "annual");
      if (!in_list(ratings, v[CLI_HF_RESULT]) || !in_list(ratings, v[CLI_HF_BEHAVIOR])) {
        snprintf(err, errlen, "%s", _("--result and --behavior are one of di_atas, sesuai, di_bawah"));
        return -1;
      }
      m->performance.result_rating = (char *)v[CLI_HF_RESULT];
      m->performance.behavior_rating = (char *)v[CLI_HF_BEHAVIOR];
      m->performance.predicate = (char *)"";
      m->entry.entry_case = SIMPEG__V1__HISTORY_ENTRY__ENTRY_PERFORMANCE;
      m->entry.performance = &m->performance;
      break;
    case CLI_HKIND_SALARY:
      simpeg__v1__salary_entry__init(&m->salary);
      m->salary.rank_code = (char *)v[CLI_HF_RANK];
      if (hint(&m->salary.mkg_years, v[CLI_HF_MKG], 0, 50, "--mkg", err, errlen)) return -1;
      m->salary.tmt = (char *)v[CLI_HF_TMT];
      m->entry.entry_case = SIMPEG__V1__HISTORY_ENTRY__ENTRY_SALARY;
      m->entry.salary = &m->salary;
      break;
    case CLI_HKIND_FAMILY:
      simpeg__v1__family_entry__init(&m->family);
      if (!in_list(relations, v[CLI_HF_RELATION])) {
        snprintf(err, errlen, _("unknown relation \"%s\" (suami, istri, anak)"), v[CLI_HF_RELATION]);
        return -1;
      }
      m->family.relation = (char *)v[CLI_HF_RELATION];
      m->family.name = (char *)v[CLI_HF_NAME];
      m->family.birth_date = (char *)str(v[CLI_HF_BIRTH_DATE]);
      m->family.nik = (char *)str(v[CLI_HF_NIK]);
      if (given(v[CLI_HF_NIK])) {
        if (sp_nik_decode(v[CLI_HF_NIK], ref_date, NULL) != SP_NIK_OK) {
          snprintf(err, errlen, "%s", _("--nik is not a valid NIK (16 digits: area, birth date, serial)"));
          return -1;
        }
        if (given(v[CLI_HF_BIRTH_DATE]) &&
            sp_nik_matches(v[CLI_HF_NIK], ref_date, v[CLI_HF_BIRTH_DATE], SP_SEX_UNKNOWN) != SP_ID_MATCH) {
          snprintf(err, errlen, "%s", _("the birth date in --nik differs from --birth-date"));
          return -1;
        }
      }
      m->entry.entry_case = SIMPEG__V1__HISTORY_ENTRY__ENTRY_FAMILY;
      m->entry.family = &m->family;
      break;
    default: return -1;
  }
  return 0;
}

/* ---- JSON ---- */

static void jstr(json_out_t *j, const char *key, const char *v) {
  json_key(j, key);
  json_string(j, str(v));
}

static void jopt(json_out_t *j, const char *key, const char *v) {
  json_key(j, key);
  if (given(v))
    json_string(j, v);
  else
    json_null(j);
}

void cli_json_employee(json_out_t *j, const Simpeg__V1__Employee *e) {
  char when[64];
  json_begin_object(j);
  jstr(j, "nip", e->nip);
  jstr(j, "employment_type", cli_employment_type_name(e->employment_type));
  jopt(j, "front_title", e->front_title);
  jstr(j, "name", e->name);
  jopt(j, "back_title", e->back_title);
  jopt(j, "birth_place", e->birth_place);
  jopt(j, "birth_date", e->birth_date);
  jstr(j, "sex", cli_sex_name(e->sex));
  jopt(j, "religion", e->religion);
  jopt(j, "marital_status", e->marital_status);
  jstr(j, "status", cli_employee_status_name(e->status));
  jstr(j, "office_code", e->office_code);
  jopt(j, "office_name", e->office_name);
  jopt(j, "position_name", e->position_name);
  json_key(j, "position_kind");
  if (e->position_kind)
    json_string(j, cli_position_kind_name(e->position_kind));
  else
    json_null(j);
  jopt(j, "functional_level", e->functional_level);
  jopt(j, "rank_code", e->rank_code);
  jopt(j, "rank_tmt", e->rank_tmt);
  jopt(j, "education_level", e->education_level);
  jopt(j, "tmt_cpns", e->tmt_cpns);
  jopt(j, "email", e->email);
  jopt(j, "phone", e->phone);
  jopt(j, "address", e->address);
  jopt(j, "nik", e->nik);
  jopt(j, "nik_masked", e->nik_masked);
  jopt(j, "supervisor_nip", e->supervisor_nip);
  jopt(j, "supervisor_name", e->supervisor_name);
  json_key(j, "version");
  json_int(j, e->version);
  json_key(j, "updated_at");
  if (e->updated_at_us) {
    cli_format_time_utc(when, sizeof(when), e->updated_at_us);
    json_string(j, when);
  } else {
    json_null(j);
  }
  json_end_object(j);
}

static void jint(json_out_t *j, const char *key, int64_t v) {
  json_key(j, key);
  json_int(j, v);
}

void cli_json_history_entry(json_out_t *j, const Simpeg__V1__HistoryEntry *h) {
  cli_hkind_t k = cli_history_kind_of(h);
  json_begin_object(j);
  jint(j, "id", h->id);
  jstr(j, "kind", cli_history_kind_name(k));
  jopt(j, "decree_number", h->decree_number);
  jopt(j, "decree_date", h->decree_date);
  switch (k) {
    case CLI_HKIND_RANK:
      jstr(j, "rank_code", h->rank->rank_code);
      jstr(j, "tmt", h->rank->tmt);
      jint(j, "mkg_years", h->rank->mkg_years);
      jint(j, "mkg_months", h->rank->mkg_months);
      break;
    case CLI_HKIND_POSITION:
      jstr(j, "name", h->position->name);
      jstr(j, "position_kind", cli_position_kind_name(h->position->kind));
      jopt(j, "functional_level", h->position->functional_level);
      jopt(j, "office_code", h->position->office_code);
      jstr(j, "tmt", h->position->tmt);
      break;
    case CLI_HKIND_EDUCATION:
      jstr(j, "level", h->education->level);
      jopt(j, "institution", h->education->institution);
      jopt(j, "major", h->education->major);
      json_key(j, "graduation_year");
      if (h->education->graduation_year)
        json_int(j, h->education->graduation_year);
      else
        json_null(j);
      break;
    case CLI_HKIND_TRAINING:
      jstr(j, "name", h->training->name);
      jopt(j, "organizer", h->training->organizer);
      jstr(j, "start_date", h->training->start_date);
      jopt(j, "end_date", h->training->end_date);
      jint(j, "jp_hours", h->training->jp_hours);
      break;
    case CLI_HKIND_PERFORMANCE:
      jint(j, "year", h->performance->year);
      jstr(j, "period", h->performance->period);
      jstr(j, "result_rating", h->performance->result_rating);
      jstr(j, "behavior_rating", h->performance->behavior_rating);
      jopt(j, "predicate", h->performance->predicate);
      break;
    case CLI_HKIND_SALARY:
      jstr(j, "rank_code", h->salary->rank_code);
      jint(j, "mkg_years", h->salary->mkg_years);
      jint(j, "gaji_pokok", h->salary->gaji_pokok);
      jstr(j, "tmt", h->salary->tmt);
      break;
    case CLI_HKIND_FAMILY:
      jstr(j, "relation", h->family->relation);
      jstr(j, "name", h->family->name);
      jopt(j, "birth_date", h->family->birth_date);
      jopt(j, "nik", h->family->nik);
      break;
    default: break;
  }
  json_end_object(j);
}

/* ---- tables ---- */

static void employee_rows(cli_table_t *t, const Simpeg__V1__Employee *e) {
  char buf[512];
  cli_format_nip(buf, sizeof(buf), e->nip);
  cli_table_add(t, e->employment_type == SIMPEG__V1__EMPLOYMENT_TYPE__EMPLOYMENT_TYPE_PPPK ? _("NI PPPK") : _("NIP"),
                "%s", buf);
  cli_employee_full_name(buf, sizeof(buf), e);
  cli_table_add(t, _("Name"), "%s", buf);
  cli_table_add(t, _("Employment type"), "%s", label_of(employment_types, e->employment_type));
  cli_table_add(t, _("Status"), "%s", cli_employee_status_label(e->status));
  if (given(e->birth_place) || given(e->birth_date))
    cli_table_add(t, _("Place, date of birth"), "%s%s%s", str(e->birth_place),
                  given(e->birth_place) && given(e->birth_date) ? ", " : "", str(e->birth_date));
  cli_table_add(t, _("Sex"), "%s", cli_sex_label(e->sex));
  if (given(e->religion)) cli_table_add(t, _("Religion"), "%s", e->religion);
  if (given(e->marital_status)) cli_table_add(t, _("Marital status"), "%s", e->marital_status);
  if (given(e->nik))
    cli_table_add(t, _("NIK"), "%s", e->nik);
  else if (given(e->nik_masked))
    cli_table_add(t, _("NIK"), "%s", e->nik_masked);
  if (given(e->office_name))
    cli_table_add(t, _("Office"), "%s (%s)", e->office_name, str(e->office_code));
  else
    cli_table_add(t, _("Office"), "%s", str(e->office_code));
  if (given(e->rank_code))
    cli_table_add(t, _("Golongan"), "%s%s%s", e->rank_code, given(e->rank_tmt) ? _(", TMT ") : "",
                  str(e->rank_tmt));
  if (given(e->position_name)) {
    if (e->position_kind == SIMPEG__V1__POSITION_KIND__POSITION_KIND_FUNGSIONAL && given(e->functional_level))
      cli_table_add(t, _("Position"), "%s (%s, %s)", e->position_name, cli_position_kind_label(e->position_kind),
                    e->functional_level);
    else if (e->position_kind)
      cli_table_add(t, _("Position"), "%s (%s)", e->position_name, cli_position_kind_label(e->position_kind));
    else
      cli_table_add(t, _("Position"), "%s", e->position_name);
  }
  if (given(e->education_level)) cli_table_add(t, _("Education"), "%s", e->education_level);
  if (given(e->tmt_cpns)) cli_table_add(t, _("TMT CPNS"), "%s", e->tmt_cpns);
  if (given(e->email)) cli_table_add(t, _("E-mail"), "%s", e->email);
  if (given(e->phone)) cli_table_add(t, _("Phone"), "%s", e->phone);
  if (given(e->address)) cli_table_add(t, _("Address"), "%s", e->address);
  if (given(e->supervisor_nip)) {
    cli_format_nip(buf, sizeof(buf), e->supervisor_nip);
    cli_table_add(t, _("Supervisor"), "%s (%s)", str(e->supervisor_name), buf);
  }
  cli_table_add(t, _("Version"), "%lld", (long long)e->version);
}

void cli_print_employee(cli_ctx_t *ctx, const Simpeg__V1__Employee *e) {
  if (ctx->settings.output == CLI_OUTPUT_JSON) {
    json_out_t j;
    json_init(&j, ctx->out);
    json_begin_object(&j);
    json_key(&j, "employee");
    cli_json_employee(&j, e);
    json_end_object(&j);
    json_finish(&j);
    return;
  }
  cli_table_t t = {0};
  employee_rows(&t, e);
  cli_table_print(&t, ctx->out);
}

static void decree(char *out, size_t cap, const Simpeg__V1__HistoryEntry *h) {
  snprintf(out, cap, "%s%s%s", str(h->decree_number), given(h->decree_number) && given(h->decree_date) ? " / " : "",
           str(h->decree_date));
}

static void mkg(char *out, size_t cap, int years, int months) {
  /* TRANSLATORS: masa kerja golongan, years and months: "10 yr 3 mo". */
  snprintf(out, cap, _("%d yr %d mo"), years, months);
}

/* One group: the entries of kind k as columns. */
static void print_group(cli_ctx_t *ctx, cli_hkind_t k, Simpeg__V1__HistoryEntry *const *hs, size_t n, bool lead) {
  const char *heads[CLI_HKIND_COUNT][6] = {
      [CLI_HKIND_RANK] = {_("GOLONGAN"), _("TMT"), _("MKG"), _("SK"), NULL},
      [CLI_HKIND_POSITION] = {_("POSITION"), _("KIND"), _("OFFICE"), _("TMT"), _("SK"), NULL},
      [CLI_HKIND_EDUCATION] = {_("LEVEL"), _("INSTITUTION"), _("MAJOR"), _("GRADUATED"), NULL},
      [CLI_HKIND_TRAINING] = {_("TRAINING"), _("ORGANIZER"), _("FROM"), _("UNTIL"), _("JP"), NULL},
      [CLI_HKIND_PERFORMANCE] = {_("YEAR"), _("PERIOD"), _("RESULT"), _("BEHAVIOUR"), _("PREDICATE"), NULL},
      [CLI_HKIND_SALARY] = {_("GOLONGAN"), _("MKG"), _("GAJI POKOK"), _("TMT"), _("SK"), NULL},
      [CLI_HKIND_FAMILY] = {_("RELATION"), _("NAME"), _("DATE OF BIRTH"), _("NIK"), NULL},
  };
  size_t ncols = 0;
  while (ncols < 6 && heads[k][ncols]) ncols++;
  cli_cols_t c;
  cli_cols_init(&c, ncols, heads[k]);
  for (size_t i = 0; i < n; i++) {
    const Simpeg__V1__HistoryEntry *h = hs[i];
    if (cli_history_kind_of(h) != k) continue;
    char a[128], b[128], sk[256];
    decree(sk, sizeof(sk), h);
    switch (k) {
      case CLI_HKIND_RANK: {
        mkg(a, sizeof(a), h->rank->mkg_years, h->rank->mkg_months);
        const char *row[] = {h->rank->rank_code, h->rank->tmt, a, sk};
        cli_cols_add(&c, row);
        break;
      }
      case CLI_HKIND_POSITION: {
        if (given(h->position->functional_level))
          snprintf(a, sizeof(a), "%s, %s", cli_position_kind_label(h->position->kind), h->position->functional_level);
        else
          snprintf(a, sizeof(a), "%s", cli_position_kind_label(h->position->kind));
        const char *row[] = {h->position->name, a, h->position->office_code, h->position->tmt, sk};
        cli_cols_add(&c, row);
        break;
      }
      case CLI_HKIND_EDUCATION: {
        if (h->education->graduation_year)
          snprintf(a, sizeof(a), "%d", (int)h->education->graduation_year);
        else
          a[0] = '\0';
        const char *row[] = {h->education->level, h->education->institution, h->education->major, a};
        cli_cols_add(&c, row);
        break;
      }
      case CLI_HKIND_TRAINING: {
        snprintf(a, sizeof(a), "%d", (int)h->training->jp_hours);
        const char *row[] = {h->training->name, h->training->organizer, h->training->start_date,
                             h->training->end_date, a};
        cli_cols_add(&c, row);
        break;
      }
      case CLI_HKIND_PERFORMANCE: {
        snprintf(a, sizeof(a), "%d", (int)h->performance->year);
        const char *row[] = {a, h->performance->period, h->performance->result_rating,
                             h->performance->behavior_rating, h->performance->predicate};
        cli_cols_add(&c, row);
        break;
      }
      case CLI_HKIND_SALARY: {
        snprintf(a, sizeof(a), "%d", (int)h->salary->mkg_years);
        cli_format_rupiah(b, sizeof(b), h->salary->gaji_pokok);
        const char *row[] = {h->salary->rank_code, a, b, h->salary->tmt, sk};
        cli_cols_add(&c, row);
        break;
      }
      case CLI_HKIND_FAMILY: {
        const char *row[] = {h->family->relation, h->family->name, h->family->birth_date, h->family->nik};
        cli_cols_add(&c, row);
        break;
      }
      default: break;
    }
  }
  fprintf(ctx->out, "%s%s\n", lead ? "\n" : "", cli_history_kind_label(k));
  cli_cols_print(&c, ctx->out);
}

/* The groups, separated by blank lines (and one before the first when
 * `lead`: after the rows of a record). */
static void history_tables(cli_ctx_t *ctx, Simpeg__V1__HistoryEntry *const *h, size_t n, bool lead) {
  for (int k = CLI_HKIND_RANK; k < CLI_HKIND_COUNT; k++) {
    bool any = false;
    for (size_t i = 0; i < n && !any; i++) any = cli_history_kind_of(h[i]) == (cli_hkind_t)k;
    if (any) {
      print_group(ctx, (cli_hkind_t)k, h, n, lead);
      lead = true;
    }
  }
}

static void json_history_array(json_out_t *j, Simpeg__V1__HistoryEntry *const *h, size_t n) {
  json_begin_array(j);
  for (size_t i = 0; i < n; i++)
    if (cli_history_kind_of(h[i]) != CLI_HKIND_NONE) cli_json_history_entry(j, h[i]);
  json_end_array(j);
}

void cli_print_history(cli_ctx_t *ctx, Simpeg__V1__HistoryEntry *const *h, size_t n) {
  if (ctx->settings.output == CLI_OUTPUT_JSON) {
    json_out_t j;
    json_init(&j, ctx->out);
    json_begin_object(&j);
    json_key(&j, "history");
    json_history_array(&j, h, n);
    json_end_object(&j);
    json_finish(&j);
    return;
  }
  if (n == 0) {
    fprintf(ctx->out, "%s\n", _("No history entries."));
    return;
  }
  history_tables(ctx, h, n, false);
}

void cli_print_profile(cli_ctx_t *ctx, const Simpeg__V1__EmployeeProfile *p) {
  const Simpeg__V1__ServiceSummary *s = p->summary;
  char buf[128];
  if (ctx->settings.output == CLI_OUTPUT_JSON) {
    json_out_t j;
    json_init(&j, ctx->out);
    json_begin_object(&j);
    json_key(&j, "employee");
    if (p->employee)
      cli_json_employee(&j, p->employee);
    else
      json_null(&j);
    json_key(&j, "summary");
    if (s) {
      json_begin_object(&j);
      jopt(&j, "salary_grade", s->salary_grade);
      jint(&j, "gaji_pokok", s->gaji_pokok);
      jint(&j, "years_of_service", s->years_of_service);
      jint(&j, "months_of_service", s->months_of_service);
      jint(&j, "retirement_age", s->retirement_age);
      jopt(&j, "retirement_date", s->retirement_date);
      json_end_object(&j);
    } else {
      json_null(&j);
    }
    json_key(&j, "history");
    json_history_array(&j, p->history, p->n_history);
    json_end_object(&j);
    json_finish(&j);
    return;
  }
  cli_table_t t = {0};
  if (p->employee) employee_rows(&t, p->employee);
  cli_table_print(&t, ctx->out);
  if (s) {
    fprintf(ctx->out, "\n%s\n", _("Service summary"));
    if (given(s->salary_grade)) cli_table_add(&t, _("Salary grade"), "%s", s->salary_grade);
    if (s->gaji_pokok) {
      cli_format_rupiah(buf, sizeof(buf), s->gaji_pokok);
      cli_table_add(&t, _("Gaji pokok"), "%s", buf);
    }
    char years[64], months[64];
    /* TRANSLATORS: years of service, followed by the months ("11 years 3 months"). */
    snprintf(years, sizeof(years), ngettext("%d year", "%d years", (unsigned long)s->years_of_service),
             (int)s->years_of_service);
    snprintf(months, sizeof(months), ngettext("%d month", "%d months", (unsigned long)s->months_of_service),
             (int)s->months_of_service);
    cli_table_add(&t, _("Years of service"), "%s %s", years, months);
    if (s->retirement_age)
      cli_table_add(&t, _("Retirement age (BUP)"), ngettext("%d year", "%d years", (unsigned long)s->retirement_age),
                    (int)s->retirement_age);
    if (given(s->retirement_date)) cli_table_add(&t, _("Retirement date"), "%s", s->retirement_date);
    cli_table_print(&t, ctx->out);
  }
  history_tables(ctx, p->history, p->n_history, true);
}
