/* sp_valid: validators for identifiers and dates that arrive as text, shared
 * by the daemon (which refuses bad input) and the client (which can say so
 * before a round trip). Pure functions, no allocation.
 *
 * Rules come from DOMAIN.md §1 (NIP and NI PPPK layouts, NIK). */
#ifndef SP_VALID_H
#define SP_VALID_H

#include <stdbool.h>

/* A real calendar date written "YYYY-MM-DD" (years 1000..9999, leap years
 * by the Gregorian rule). *days, when not NULL, receives a day number that
 * orders dates (later date, larger number). */
bool sp_valid_date(const char *s, long *days);

/* An 18-digit NIP (PNS: birth date YYYYMMDD, TMT YYYYMM with month 01-12,
 * sex 1/2, sequence 001-999) or NI PPPK (birth date, appointment year,
 * '2', contract count 1-9, sex 1/2, sequence 001-999). The embedded birth
 * date must be a real date. Digits only, no spaces. */
bool sp_valid_nip(const char *s);

/* Sex as the identifiers encode it (NIP digit 15; NIK day + 40). Values
 * equal simpeg.v1.Sex. */
typedef enum sp_sex { SP_SEX_UNKNOWN = 0, SP_SEX_MALE = 1, SP_SEX_FEMALE = 2 } sp_sex_t;

/* Which of the two 18-digit layouts a number has (DOMAIN.md §1.1, §1.2):
 * digits 13-14 are a TMT month "01".."12" for PNS/CPNS and "21".."29"
 * ('2' + contract count) for PPPK. */
typedef enum sp_nip_kind { SP_NIP_INVALID = 0, SP_NIP_PNS = 1, SP_NIP_PPPK = 2 } sp_nip_kind_t;

typedef struct sp_nip_info {
  sp_nip_kind_t kind;
  char birth_date[11]; /* "YYYY-MM-DD" */
  int appointment_year;
  int tmt_month;       /* PNS: TMT month 1..12; PPPK: 0 */
  int contract_count;  /* PPPK: 1..9; PNS: 0 */
  sp_sex_t sex;
  int sequence;        /* 1..999 */
} sp_nip_info_t;

/* Decodes a NIP / NI PPPK (same rules as sp_valid_nip). SP_NIP_INVALID
 * (and *out zeroed) when it is neither; `out` may be NULL. */
sp_nip_kind_t sp_nip_decode(const char *s, sp_nip_info_t *out);

/* NIK (DOMAIN.md §1.3): `PP KK CC DD MM YY SSSS`, 16 digits. The day has 40
 * added for women (41..71); the two-digit year is resolved against a
 * reference date (normally today): 20YY unless that is after the
 * reference, then 19YY; the result must be a real date. PP must be one of
 * the 38 province codes, kept as data in one table (`nik_provinces` in
 * sp_valid.c, Kemendagri area codes; see sp_nik_province_name). */
typedef enum sp_nik_status {
  SP_NIK_OK = 0,
  SP_NIK_FORMAT,    /* not 16 digits */
  SP_NIK_PROVINCE,  /* unknown province code */
  SP_NIK_DATE,      /* day/month/year is not a real date */
} sp_nik_status_t;

typedef struct sp_nik_info {
  int province;        /* 11..96 */
  char birth_date[11]; /* "YYYY-MM-DD" */
  sp_sex_t sex;
} sp_nik_info_t;

/* `ref_date` is "YYYY-MM-DD" (a bad or NULL reference: SP_NIK_DATE).
 * `out` may be NULL; it is zeroed unless the result is SP_NIK_OK. */
sp_nik_status_t sp_nik_decode(const char *nik, const char *ref_date, sp_nik_info_t *out);
/* The province a NIK code stands for ("Sumatera Utara"), NULL if unknown. */
const char *sp_nik_province_name(int code);

/* Whether an identifier agrees with a record's birth date ("YYYY-MM-DD")
 * and sex. An empty/NULL birth date or SP_SEX_UNKNOWN is not compared. The
 * birth date is compared first. */
typedef enum sp_id_match {
  SP_ID_MATCH = 0,
  SP_ID_INVALID,             /* the identifier itself is not valid */
  SP_ID_BIRTH_DATE_MISMATCH, /* server reason nip_birth_date_mismatch / nik_mismatch */
  SP_ID_SEX_MISMATCH,        /* server reason nip_sex_mismatch / nik_mismatch */
} sp_id_match_t;

sp_id_match_t sp_nip_matches(const char *nip, const char *birth_date, sp_sex_t sex);
sp_id_match_t sp_nik_matches(const char *nik, const char *ref_date, const char *birth_date, sp_sex_t sex);

#endif
