/* sp_valid: validators for identifiers and dates that arrive as text, shared
 * by the daemon (which refuses bad input) and the client (which can say so
 * before a round trip). Pure functions, no allocation.
 *
 * Rules come from DOMAIN.md §1 (NIP and NI PPPK layouts). */
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

#endif
