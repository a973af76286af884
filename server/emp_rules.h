/* emp_rules: the validation rules of an employee record, shared by
 * EmployeeAdd/EmployeeEdit (svc_employee.c) and the bulk import
 * (svc_import.c), so a rule is written once and a file row is judged
 * exactly as a form would be.
 *
 * Checks collect every problem of a record as field violations (field name
 * = the proto field = the CSV column of docs/IMPORT.md, reason = a stable
 * token the client translates). Nothing here touches the database. */
#ifndef SIMPEGD_EMP_RULES_H
#define SIMPEGD_EMP_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include "simpeg.pb-c.h"
#include "sp_valid.h"

#define EMP_MAX_VIOLATIONS 32
#define EMP_NAME_MAX_CHARS 200

typedef struct emp_viol {
  Simpeg__V1__FieldViolation items[EMP_MAX_VIOLATIONS];
  Simpeg__V1__FieldViolation *ptrs[EMP_MAX_VIOLATIONS];
  size_t n;
} emp_viol_t;

/* Adds one violation (field and reason must outlive the list: literals). */
void emp_viol_add(emp_viol_t *vs, const char *field, const char *reason);

/* Value sets (NULL-terminated). */
extern const char *const emp_religions[];
extern const char *const emp_maritals[];
extern const char *const emp_educations[];
extern const char *const emp_functional_levels[];
extern const char *const emp_rank_codes[];
bool emp_in_set(const char *s, const char *const *set);
bool emp_all_digits(const char *s);
/* A PNS/CPNS rank ("III/a") rather than a PPPK grade ("IX"). */
bool emp_rank_is_pns(const char *code);

void emp_check_text(emp_viol_t *vs, const char *field, const char *s, size_t max_chars, bool required);
/* An optional date ("" is fine unless required); true when given and real. */
bool emp_check_date(emp_viol_t *vs, const char *field, const char *s, bool required, long *day);
void emp_check_nik(emp_viol_t *vs, const char *field, const char *nik, const char *today, const char *birth_date,
                   sp_sex_t sex);
/* The fields EmployeeAdd and EmployeeEdit share. */
void emp_check_common(emp_viol_t *vs, const Simpeg__V1__Employee *e);

/* Every rule of a new record (EmployeeAdd, an import row): identity (NIP
 * or NI PPPK and its agreement with type, birth date, sex and TMT), NIK,
 * texts, value sets, office given. `today` is YYYY-MM-DD. tmt_cpns gets the
 * first appointment date to store: the given one, or the one the NIP
 * encodes ("" when neither). */
void emp_check_new(emp_viol_t *vs, const Simpeg__V1__Employee *e, const char *today, char tmt_cpns[11]);

#endif
