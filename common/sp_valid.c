/* sp_valid: text validators; see sp_valid.h. */
#include "sp_valid.h"

#include <string.h>

static bool all_digits(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

static int num(const char *s, size_t n) {
  int v = 0;
  for (size_t i = 0; i < n; i++) v = v * 10 + (s[i] - '0');
  return v;
}

static bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static bool real_date(int y, int m, int d) {
  static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1000 || m < 1 || m > 12 || d < 1) return false;
  return d <= mdays[m - 1] + (m == 2 && leap(y));
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil). */
static long days_from_civil(int y, int m, int d) {
  y -= m <= 2;
  long era = (y >= 0 ? y : y - 399) / 400;
  long yoe = y - era * 400;
  long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

bool sp_valid_date(const char *s, long *days) {
  if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-') return false;
  if (!all_digits(s, 4) || !all_digits(s + 5, 2) || !all_digits(s + 8, 2)) return false;
  int y = num(s, 4), m = num(s + 5, 2), d = num(s + 8, 2);
  if (!real_date(y, m, d)) return false;
  if (days) *days = days_from_civil(y, m, d);
  return true;
}

/* "YYYY-MM-DD" of a date real_date accepted (years up to 9999). */
static void format_date(char out[11], int y, int m, int d) {
  const int v[3] = {y, m, d}, w[3] = {4, 2, 2};
  char *p = out;
  for (int i = 0; i < 3; i++) {
    if (i) *p++ = '-';
    for (int k = w[i] - 1, x = v[i]; k >= 0; k--, x /= 10) p[k] = (char)('0' + x % 10);
    p += w[i];
  }
  *p = '\0';
}

sp_nip_kind_t sp_nip_decode(const char *s, sp_nip_info_t *out) {
  sp_nip_info_t info;
  memset(&info, 0, sizeof(info));
  if (out) memset(out, 0, sizeof(*out));
  if (!s || strlen(s) != 18 || !all_digits(s, 18)) return SP_NIP_INVALID;
  int y = num(s, 4), m = num(s + 4, 2), d = num(s + 6, 2);
  if (!real_date(y, m, d)) return SP_NIP_INVALID;
  /* Digits 13-14: a TMT month (PNS) or '2' + contract count (PPPK); the
   * two ranges do not overlap, which is how the formats are told apart. */
  int tm = num(s + 12, 2);
  if (tm >= 1 && tm <= 12) {
    info.kind = SP_NIP_PNS;
    info.tmt_month = tm;
  } else if (s[12] == '2' && s[13] >= '1' && s[13] <= '9') {
    info.kind = SP_NIP_PPPK;
    info.contract_count = s[13] - '0';
  } else {
    return SP_NIP_INVALID;
  }
  if (s[14] != '1' && s[14] != '2') return SP_NIP_INVALID;
  info.sex = s[14] == '1' ? SP_SEX_MALE : SP_SEX_FEMALE;
  info.sequence = num(s + 15, 3);
  if (info.sequence < 1) return SP_NIP_INVALID;
  info.appointment_year = num(s + 8, 4);
  format_date(info.birth_date, y, m, d);
  if (out) *out = info;
  return info.kind;
}

bool sp_valid_nip(const char *s) { return sp_nip_decode(s, NULL) != SP_NIP_INVALID; }

/* The province codes of Kemendagri's area code list (Kepmendagri
 * 100.1.1-6117/2022 and its updates): 38 provinces since the Papua
 * splits of 2022 (93-96 new; NIKs issued earlier in Papua keep 91/94).
 * This table is the one place the list lives; a new province is one line. */
static const struct {
  int code;
  const char *name;
} nik_provinces[] = {
    {11, "Aceh"},
    {12, "Sumatera Utara"},
    {13, "Sumatera Barat"},
    {14, "Riau"},
    {15, "Jambi"},
    {16, "Sumatera Selatan"},
    {17, "Bengkulu"},
    {18, "Lampung"},
    {19, "Kepulauan Bangka Belitung"},
    {21, "Kepulauan Riau"},
    {31, "DKI Jakarta"},
    {32, "Jawa Barat"},
    {33, "Jawa Tengah"},
    {34, "DI Yogyakarta"},
    {35, "Jawa Timur"},
    {36, "Banten"},
    {51, "Bali"},
    {52, "Nusa Tenggara Barat"},
    {53, "Nusa Tenggara Timur"},
    {61, "Kalimantan Barat"},
    {62, "Kalimantan Tengah"},
    {63, "Kalimantan Selatan"},
    {64, "Kalimantan Timur"},
    {65, "Kalimantan Utara"},
    {71, "Sulawesi Utara"},
    {72, "Sulawesi Tengah"},
    {73, "Sulawesi Selatan"},
    {74, "Sulawesi Tenggara"},
    {75, "Gorontalo"},
    {76, "Sulawesi Barat"},
    {81, "Maluku"},
    {82, "Maluku Utara"},
    {91, "Papua"},
    {92, "Papua Barat"},
    {93, "Papua Selatan"},
    {94, "Papua Tengah"},
    {95, "Papua Pegunungan"},
    {96, "Papua Barat Daya"},
};

const char *sp_nik_province_name(int code) {
  for (size_t i = 0; i < sizeof(nik_provinces) / sizeof(nik_provinces[0]); i++)
    if (nik_provinces[i].code == code) return nik_provinces[i].name;
  return NULL;
}

sp_nik_status_t sp_nik_decode(const char *nik, const char *ref_date, sp_nik_info_t *out) {
  if (out) memset(out, 0, sizeof(*out));
  if (!nik || strlen(nik) != 16 || !all_digits(nik, 16)) return SP_NIK_FORMAT;
  int prov = num(nik, 2);
  if (!sp_nik_province_name(prov)) return SP_NIK_PROVINCE;
  long ref;
  if (!sp_valid_date(ref_date, &ref)) return SP_NIK_DATE;
  int d = num(nik + 6, 2), m = num(nik + 8, 2), yy = num(nik + 10, 2);
  sp_sex_t sex = SP_SEX_MALE;
  if (d > 40) {
    d -= 40;
    sex = SP_SEX_FEMALE;
  }
  /* The century: 20YY unless that is after the reference date. The date
   * is checked after choosing it (29 February 00 is real in 2000 only). */
  int y = 2000 + yy;
  if (m >= 1 && m <= 12 && d >= 1 && d <= 31 && days_from_civil(y, m, d) > ref) y -= 100;
  if (!real_date(y, m, d)) return SP_NIK_DATE;
  if (out) {
    out->province = prov;
    out->sex = sex;
    format_date(out->birth_date, y, m, d);
  }
  return SP_NIK_OK;
}

static sp_id_match_t compare(const char *decoded_birth, sp_sex_t decoded_sex, const char *birth_date, sp_sex_t sex) {
  if (birth_date && *birth_date && strcmp(decoded_birth, birth_date) != 0) return SP_ID_BIRTH_DATE_MISMATCH;
  if (sex != SP_SEX_UNKNOWN && sex != decoded_sex) return SP_ID_SEX_MISMATCH;
  return SP_ID_MATCH;
}

sp_id_match_t sp_nip_matches(const char *nip, const char *birth_date, sp_sex_t sex) {
  sp_nip_info_t info;
  if (sp_nip_decode(nip, &info) == SP_NIP_INVALID) return SP_ID_INVALID;
  return compare(info.birth_date, info.sex, birth_date, sex);
}

sp_id_match_t sp_nik_matches(const char *nik, const char *ref_date, const char *birth_date, sp_sex_t sex) {
  sp_nik_info_t info;
  if (sp_nik_decode(nik, ref_date, &info) != SP_NIK_OK) return SP_ID_INVALID;
  return compare(info.birth_date, info.sex, birth_date, sex);
}
