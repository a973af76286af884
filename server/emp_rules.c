/* emp_rules: the validation rules of an employee record (contract in
 * emp_rules.h), shared by svc_employee.c and svc_import.c. */
#include "emp_rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ETYPE_(x) SIMPEG__V1__EMPLOYMENT_TYPE__EMPLOYMENT_TYPE_##x

static size_t utf8_len(const char *s) {
  size_t n = 0;
  for (; *s; s++) n += ((unsigned char)*s & 0xC0) != 0x80;
  return n;
}

void emp_viol_add(emp_viol_t *vs, const char *field, const char *reason) {
  if (vs->n >= EMP_MAX_VIOLATIONS) return;
  Simpeg__V1__FieldViolation *v = &vs->items[vs->n];
  simpeg__v1__field_violation__init(v);
  v->field = (char *)field;
  v->reason = (char *)reason;
  vs->ptrs[vs->n] = v;
  vs->n++;
}

bool emp_rank_is_pns(const char *code) { return strchr(code, '/') != NULL; }

const char *const emp_religions[] = {"islam", "protestan", "katolik", "hindu", "buddha", "konghucu", "kepercayaan", NULL};
const char *const emp_maritals[] = {"belum_kawin", "kawin", "cerai_hidup", "cerai_mati", NULL};
const char *const emp_educations[] = {"SD", "SLTP", "SLTA", "D1", "D2", "D3", "D4", "S1", "S2", "S3", NULL};
const char *const emp_functional_levels[] = {"ahli_pertama", "ahli_muda", "ahli_madya", "ahli_utama", "pemula",
                                                "terampil",     "mahir",     "penyelia",   NULL};
const char *const emp_rank_codes[] = {
    "I/a",  "I/b",  "I/c",   "I/d",  "II/a", "II/b", "II/c", "II/d", "III/a", "III/b", "III/c", "III/d",
    "IV/a", "IV/b", "IV/c",  "IV/d", "IV/e", "I",    "II",   "III",  "IV",    "V",     "VI",    "VII",
    "VIII", "IX",   "X",     "XI",   "XII",  "XIII", "XIV",  "XV",   "XVI",   "XVII",  NULL};

bool emp_in_set(const char *s, const char *const *set) {
  for (; *set; set++)
    if (strcmp(s, *set) == 0) return true;
  return false;
}

bool emp_all_digits(const char *s) {
  if (!*s) return false;
  for (; *s; s++)
    if (*s < '0' || *s > '9') return false;
  return true;
}

void emp_check_text(emp_viol_t *vs, const char *field, const char *s, size_t max_chars, bool required) {
  if (required && !*s)
    emp_viol_add(vs, field, "required");
  else if (utf8_len(s) > max_chars)
    emp_viol_add(vs, field, "too_long");
}

/* An optional date: "" is fine; anything else must be real. */
bool emp_check_date(emp_viol_t *vs, const char *field, const char *s, bool required, long *day) {
  if (!*s) {
    if (required) emp_viol_add(vs, field, "required");
    return false;
  }
  if (!sp_valid_date(s, day)) {
    emp_viol_add(vs, field, "not_a_date");
    return false;
  }
  return true;
}

void emp_check_nik(emp_viol_t *vs, const char *field, const char *nik, const char *today, const char *birth_date,
                      sp_sex_t sex) {
  if (!*nik) return;
  switch (sp_nik_decode(nik, today, NULL)) {
    case SP_NIK_OK: break;
    case SP_NIK_FORMAT: emp_viol_add(vs, field, "invalid_format"); return;
    case SP_NIK_PROVINCE: emp_viol_add(vs, field, "unknown_province"); return;
    default: emp_viol_add(vs, field, "not_a_date"); return;
  }
  if (birth_date && sp_nik_matches(nik, today, birth_date, sex) != SP_ID_MATCH) emp_viol_add(vs, field, "nik_mismatch");
}

/* The fields EmployeeAdd and EmployeeEdit share. */
void emp_check_common(emp_viol_t *vs, const Simpeg__V1__Employee *e) {
  emp_check_text(vs, "name", e->name, EMP_NAME_MAX_CHARS, true);
  emp_check_text(vs, "front_title", e->front_title, 50, false);
  emp_check_text(vs, "back_title", e->back_title, 100, false);
  emp_check_text(vs, "birth_place", e->birth_place, 100, false);
  emp_check_text(vs, "email", e->email, 200, false);
  emp_check_text(vs, "phone", e->phone, 30, false);
  emp_check_text(vs, "address", e->address, 500, false);
  if (*e->religion && !emp_in_set(e->religion, emp_religions)) emp_viol_add(vs, "religion", "unknown_value");
  if (*e->marital_status && !emp_in_set(e->marital_status, emp_maritals)) emp_viol_add(vs, "marital_status", "unknown_value");
  if ((int)e->status < 0 || e->status > SIMPEG__V1__EMPLOYEE_STATUS__EMPLOYEE_STATUS_TRANSFERRED_OUT)
    emp_viol_add(vs, "status", "out_of_range");
}

void emp_check_new(emp_viol_t *vs, const Simpeg__V1__Employee *e, const char *today, char tmt_cpns[11]) {
  long today_day = 0, birth_day = 0, tmt_day = 0;
  sp_valid_date(today, &today_day);

  bool type_ok = e->employment_type >= ETYPE_(PNS) && e->employment_type <= ETYPE_(PPPK);
  if (!type_ok) emp_viol_add(vs, "employment_type", e->employment_type == 0 ? "required" : "out_of_range");
  bool sex_ok = e->sex == SIMPEG__V1__SEX__SEX_MALE || e->sex == SIMPEG__V1__SEX__SEX_FEMALE;
  if (!sex_ok) emp_viol_add(vs, "sex", e->sex == 0 ? "required" : "out_of_range");
  bool birth_ok = emp_check_date(vs, "birth_date", e->birth_date, true, &birth_day);
  if (birth_ok && birth_day > today_day) {
    emp_viol_add(vs, "birth_date", "in_the_future");
    birth_ok = false;
  }

  /* NIP or NI PPPK (DOMAIN §1.1, §1.2) and its agreement with the record. */
  sp_nip_info_t ni;
  sp_nip_kind_t kind = SP_NIP_INVALID;
  if (!*e->nip)
    emp_viol_add(vs, "nip", "required");
  else if ((kind = sp_nip_decode(e->nip, &ni)) == SP_NIP_INVALID)
    emp_viol_add(vs, "nip", "invalid_format");
  else {
    if (type_ok && kind == SP_NIP_PPPK && e->employment_type != ETYPE_(PPPK)) emp_viol_add(vs, "nip", "pppk_number_for_pns");
    if (type_ok && kind == SP_NIP_PNS && e->employment_type == ETYPE_(PPPK)) emp_viol_add(vs, "nip", "nip_for_pppk");
    if (birth_ok && strcmp(ni.birth_date, e->birth_date) != 0) emp_viol_add(vs, "nip", "nip_birth_date_mismatch");
    if (sex_ok && (int)ni.sex != (int)e->sex) emp_viol_add(vs, "nip", "nip_sex_mismatch");
  }

  /* TMT of the first appointment: the NIP's YYYYMM for PNS/CPNS (day 1),
   * given for PPPK (its year is in the NI). */
  snprintf(tmt_cpns, 11, "%s", e->tmt_cpns);
  if (*e->tmt_cpns) {
    if (emp_check_date(vs, "tmt_cpns", e->tmt_cpns, true, &tmt_day) && kind != SP_NIP_INVALID) {
      int y = atoi(e->tmt_cpns), m = atoi(e->tmt_cpns + 5);
      if (y != ni.appointment_year || (kind == SP_NIP_PNS && m != ni.tmt_month)) emp_viol_add(vs, "tmt_cpns", "nip_tmt_mismatch");
    }
  } else if (kind == SP_NIP_PNS) {
    snprintf(tmt_cpns, 11, "%04u-%02u-01", (unsigned)ni.appointment_year % 10000u, (unsigned)ni.tmt_month % 100u);
    if (!sp_valid_date(tmt_cpns, &tmt_day)) emp_viol_add(vs, "nip", "invalid_format");
  } else if (kind == SP_NIP_PPPK) {
    emp_viol_add(vs, "tmt_cpns", "required");
  }
  if (tmt_day) {
    if (tmt_day > today_day) emp_viol_add(vs, *e->tmt_cpns ? "tmt_cpns" : "nip", "tmt_in_the_future");
    if (birth_ok && tmt_day <= birth_day) emp_viol_add(vs, *e->tmt_cpns ? "tmt_cpns" : "nip", "tmt_before_birth");
  }

  emp_check_nik(vs, "nik", e->nik, today, birth_ok ? e->birth_date : NULL, sex_ok ? (sp_sex_t)e->sex : SP_SEX_UNKNOWN);
  emp_check_common(vs, e);
  if (!*e->office_code) emp_viol_add(vs, "office_code", "required");
}
