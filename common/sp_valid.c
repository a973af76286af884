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

bool sp_valid_nip(const char *s) {
  if (!s || strlen(s) != 18 || !all_digits(s, 18)) return false;
  if (!real_date(num(s, 4), num(s + 4, 2), num(s + 6, 2))) return false;
  /* Digits 13-14: a TMT month (PNS) or '2' + contract count (PPPK); the
   * two ranges do not overlap, which is how the formats are told apart. */
  int m = num(s + 12, 2);
  bool pns = m >= 1 && m <= 12;
  bool pppk = s[12] == '2' && s[13] >= '1' && s[13] <= '9';
  if (!pns && !pppk) return false;
  if (s[14] != '1' && s[14] != '2') return false;
  return num(s + 15, 3) >= 1;
}
