/* spc_error: error codes and their wording.
 *
 * The server sends codes and field names, never sentences for people; the
 * client turns codes, reasons and field violations into translated text
 * here (gettext domain "simpeg"), so every front end (CLI, TUI) words a
 * failure the same way. The English `detail` strings from libuv, OpenSSL
 * and the server are shown as they are: they are precise and have no
 * stable set to translate. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spc_internal.h"

void spc_error_set(spc_error_t *e, const spc_client_t *c, int code, const char *fmt, ...) {
  memset(e, 0, sizeof(*e));
  e->code = code;
  if (c) {
    snprintf(e->server_addr, sizeof(e->server_addr), "%s", c->server_addr);
    e->timeout_ms = code == SPC_ECONNTIMEOUT ? c->connect_timeout_ms : c->request_timeout_ms;
  }
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(e->detail, sizeof(e->detail), fmt, ap);
  va_end(ap);
}

const char *spc_code_name(int code) {
  switch (code) {
  case SPC_OK: return "SPC_OK";
  case SPC_EINVAL: return "SPC_EINVAL";
  case SPC_ETLSCONFIG: return "SPC_ETLSCONFIG";
  case SPC_EDNS: return "SPC_EDNS";
  case SPC_ECONNECT: return "SPC_ECONNECT";
  case SPC_ETLS: return "SPC_ETLS";
  case SPC_ECONNTIMEOUT: return "SPC_ECONNTIMEOUT";
  case SPC_ETIMEDOUT: return "SPC_ETIMEDOUT";
  case SPC_EPROTO: return "SPC_EPROTO";
  case SPC_ECLOSED: return "SPC_ECLOSED";
  case SPC_ESERVER: return "SPC_ESERVER";
  case SPC_EBUSY: return "SPC_EBUSY";
  case SPC_ETOOBIG: return "SPC_ETOOBIG";
  case SPC_ECANCELED: return "SPC_ECANCELED";
  default: return "SPC_EUNKNOWN";
  }
}

/* Server error codes: name and the sentence a person reads. */
static const struct {
  int code;
  const char *name;
  const char *text;
} server_codes[] = {
    {SIMPEG__V1__ERROR_CODE__ERROR_CODE_OK, "OK", N_("No error.")},
    {SIMPEG__V1__ERROR_CODE__ERROR_CODE_INVALID_ARGUMENT, "INVALID_ARGUMENT",
     N_("The request was rejected because some values are not valid.")},
    {SIMPEG__V1__ERROR_CODE__ERROR_CODE_NOT_FOUND, "NOT_FOUND", N_("The requested data was not found.")},
    {SIMPEG__V1__ERROR_CODE__ERROR_CODE_ALREADY_EXISTS, "ALREADY_EXISTS", N_("The data already exists.")},
    {SIMPEG__V1__ERROR_CODE__ERROR_CODE_PERMISSION_DENIED, "PERMISSION_DENIED",
     N_("You do not have permission to do this.")},
    {SIMPEG__V1__ERROR_CODE__ERROR_CODE_UNAUTHENTICATED, "UNAUTHENTICATED",
     N_("You are not logged in or your session has expired. Please log in again.")},
    {SIMPEG__V1__ERROR_CODE__ERROR_CODE_FAILED_PRECONDITION, "FAILED_PRECONDITION",
     N_("The request cannot be carried out in the current state of the data.")},
    {SIMPEG__V1__ERROR_CODE__ERROR_CODE_ABORTED, "ABORTED",
     N_("Someone else changed this data in the meantime. Reload it and try again.")},
    {SIMPEG__V1__ERROR_CODE__ERROR_CODE_RESOURCE_EXHAUSTED, "RESOURCE_EXHAUSTED",
     N_("The server is busy. Please try again shortly.")},
    {SIMPEG__V1__ERROR_CODE__ERROR_CODE_UNAVAILABLE, "UNAVAILABLE",
     N_("The service is temporarily unavailable. Please try again later.")},
    {SIMPEG__V1__ERROR_CODE__ERROR_CODE_INTERNAL, "INTERNAL",
     N_("The server encountered an internal error. Please contact the administrator.")},
    {SIMPEG__V1__ERROR_CODE__ERROR_CODE_UNIMPLEMENTED, "UNIMPLEMENTED",
     N_("The server does not support this request (it may be an older version).")},
    {SIMPEG__V1__ERROR_CODE__ERROR_CODE_DEADLINE_EXCEEDED, "DEADLINE_EXCEEDED",
     N_("The server could not finish the request in time.")},
    {SIMPEG__V1__ERROR_CODE__ERROR_CODE_PROTOCOL, "PROTOCOL",
     N_("The server could not understand the request (protocol error).")},
};

/* Error.reason refines a code; these reasons (sent by simpegd) have their
 * own wording. */
static const struct {
  const char *reason;
  const char *text;
} server_reasons[] = {
    {"draining", N_("The server is shutting down. Please try again shortly.")},
    {"login_required", N_("Please sign in first.")},
    {"bad_credentials", N_("Wrong username or password.")},
    {"login_throttled", N_("Too many failed sign-in attempts. Please wait a while and try again later.")},
    {"session_invalid", N_("Your session has ended (it expired, was signed out or the password was changed). "
                           "Please sign in again.")},
    {"server_busy", N_("The server is busy. Please try again shortly.")},
    {"outside_branch", N_("This computer serves one branch office only, and your account belongs to another "
                          "office.")},
    {"unknown_branch", N_("The server does not know the branch office named in this computer's client "
                          "certificate.")},
    {"role_lacks_permission", N_("Your role does not allow this action.")},
    {"protocol_version", N_("The server does not support this client's protocol version. "
                            "Please update simpeg.")},
    {"response_too_large", N_("The answer is too large for the server to send.")},
    {"unknown_method", N_("The server does not support this request (it may be an older version).")},
    /* users, offices, audit */
    {"user_not_found", N_("There is no such user account among the offices you can see.")},
    {"office_not_found", N_("There is no such office among the offices you can see.")},
    {"version_conflict", N_("Someone else changed this data after you read it. Show it again and repeat the "
                            "change if it still makes sense.")},
    {"concurrent_change", N_("Someone else changed this data at the same moment. Please try again.")},
    {"cannot_manage_role", N_("Your role cannot manage an account that has this role.")},
    {"role_not_grantable", N_("Your role cannot give this role to an account.")},
    {"cannot_disable_self", N_("You cannot disable your own account.")},
    {"cannot_change_own_role", N_("You cannot change your own role or office.")},
    {"use_change_password", N_("To change your own password, use 'simpeg passwd'.")},
    {"username_taken", N_("This user name is already taken.")},
    {"nip_taken", N_("This NIP is already in use (by another account or employee record).")},
    {"office_code_taken", N_("An office with this code already exists.")},
    {"too_many_offices", N_("There are too many offices to show at once; list a part of the tree "
                            "(--under, --max-depth).")},
    {"verify_running", N_("A verification of the audit log is already running. Please try again later.")},
    {"busy", N_("The server is busy. Please try again shortly.")},
    /* the employee registry */
    {"employee_not_found", N_("There is no such employee among the offices you can see.")},
    {"no_employee_record", N_("Your account is not linked to an employee record (NIP). Ask the personnel "
                              "office (BKPSDM) to link it.")},
    {"invalid_nip", N_("The NIP is not valid.")},
    {"nip_birth_date_mismatch", N_("The date of birth does not match the one in the NIP.")},
    {"nip_sex_mismatch", N_("The sex does not match the NIP (digit 15: 1 male, 2 female).")},
    {"invalid_nik", N_("The NIK is not valid.")},
    {"nik_mismatch", N_("The date of birth or sex does not match the NIK.")},
    /* BEGIN h3 promotion: promotion, KGB, retirement (top-level reasons) */
    {"not_eligible", N_("The employee is not eligible for this promotion at that period (the reasons follow; see "
                        "'simpeg promotion eligible --all').")},
    {"unknown_period", N_("There is no such promotion period (see 'simpeg promotion periods').")},
    {"no_next_period", N_("No promotion period is set ahead; it is added with 'simpeg promotion period-add'.")},
    {"already_filed", N_("A request of this kind is already open for this employee and date.")},
    {"kgb_not_due", N_("The periodic raise is not due: it is filed from two months before the date it falls due, "
                       "with that date as TMT (see 'simpeg kgb due').")},
    {"postpone_too_long", N_("A periodic raise is postponed by at most one year at a time.")},
    {"postpone_before_due", N_("A postponement must end after the date the raise was due.")},
    {"rank_changed", N_("The employee's rank changed after the proposal was made; file a new proposal.")},
    {"not_pns", N_("This service is not for the employee's employment type (promotion: PNS only; periodic raise: "
                   "PNS and CPNS).")},
    {"no_rank", N_("The employee has no rank recorded.")},
    {"national_data", N_("Promotion periods are national: only an account whose offices are the whole country sets "
                         "them.")},
    /* END h3 promotion */
    /* BEGIN h4 docs: documents, events, service times (top-level reasons) */
    {"document_too_big", N_("The document is too large.")},
    {"checksum_mismatch", N_("The document arrived damaged (its SHA-256 does not match); nothing was stored. "
                             "Please upload it again.")},
    {"size_mismatch", N_("The document's size does not match what was announced; nothing was stored.")},
    {"out_of_order_chunk", N_("A part of the document arrived out of order; nothing was stored. Please upload "
                              "it again.")},
    {"unsupported_type", N_("Only PDF, JPEG and PNG documents are accepted.")},
    {"upload_not_found", N_("The upload is no longer in progress (it failed or the connection was renewed). "
                            "Please upload the document again.")},
    {"upload_busy", N_("The previous part of this upload is still being processed.")},
    {"too_many_uploads", N_("Too many uploads are in progress on this connection.")},
    {"uploads_busy", N_("The server is receiving many documents right now. Please try again shortly.")},
    {"document_not_found", N_("There is no such document among the requests you can see.")},
    {"request_closed", N_("The request has been decided or cancelled; evidence can no longer be added.")},
    {"not_allowed_to_upload", N_("Only the applicant, the holder of the current approval step or HR may add "
                                 "evidence to this request.")},
    /* END h4 docs */
};

/* FieldViolation.reason codes. */
static const struct {
  const char *reason;
  const char *text;
} field_reasons[] = {
    {"required", N_("is required")},
    {"too_long", N_("is too long")},
    {"too_short", N_("is too short")},
    {"too_many", N_("has too many entries")},
    {"invalid_utf8", N_("contains invalid characters (not UTF-8)")},
    {"invalid_format", N_("has an invalid format")},
    {"out_of_range", N_("is out of the allowed range")},
    {"not_found", N_("refers to something that does not exist")},
    {"duplicate", N_("is already in use")},
    {"invalid_date", N_("is not a valid date")},
    {"in_future", N_("may not be in the future")},
    {"incorrect", N_("is incorrect")},
    {"same_as_username", N_("must not be the same as the user name")},
    {"same_as_old", N_("must differ from the current password")},
    /* users, offices, audit */
    {"not_a_date", N_("is not a valid date (YYYY-MM-DD)")},
    {"before_valid_from", N_("is before the start date")},
    {"before_from", N_("is before the start time")},
    {"kind_not_allowed_under_parent",
     N_("does not fit under the parent office (a province goes under the national office, a city or "
        "regency under a province, an agency under a province, city or regency, a unit under an agency "
        "or another unit)")},
    {"would_create_cycle", N_("would put the office below itself")},
    /* the employee registry */
    {"invalid_nip", N_("is not a valid NIP (18 digits: birth date, TMT, sex, number)")},
    {"nip_birth_date_mismatch", N_("does not match the date of birth in the NIP")},
    {"nip_sex_mismatch", N_("does not match the sex in the NIP (digit 15: 1 male, 2 female)")},
    {"nip_tmt_mismatch", N_("does not match the TMT in the NIP (digits 9-14)")},
    {"pppk_number_for_pns", N_("is an NI PPPK (digits 13-14 are 21-29), but the employee is not a PPPK")},
    {"nip_for_pppk", N_("is a PNS NIP, but a PPPK has an NI PPPK (digits 13-14 are 21-29)")},
    {"invalid_nik", N_("is not a valid NIK (16 digits: area code, birth date, serial number)")},
    {"unknown_province", N_("does not start with the code of an Indonesian province")},
    {"nik_mismatch", N_("does not match the date of birth or sex in the NIK")},
    {"unknown_rank", N_("is not a known golongan or PPPK grade")},
    {"not_for_employment_type", N_("does not fit the employment type (golongan I/a-IV/e for PNS and CPNS, grades "
                                   "I-XVII for PPPK)")},
    {"in_the_future", N_("may not be in the future")},
    {"tmt_in_the_future", N_("gives a TMT in the future")},
    {"tmt_before_birth", N_("gives a TMT before the date of birth")},
    {"before_start_date", N_("is before the start date")},
    {"only_for_fungsional", N_("applies to functional positions (fungsional) only")},
    {"unknown_value", N_("is not one of the allowed values")},
    {"unknown_kind", N_("is not a known kind of history entry")},
    {"invalid_cursor", N_("is not a cursor from a previous page")},
    {"too_large", N_("is too large")},
    /* BEGIN h1 requests: the request lifecycle, chains, corrections */
    {"request_not_found", N_("names no request you can see")},
    {"unknown_action", N_("is not a known action (submit, approve, return, reject, postpone, cancel, complete)")},
    {"comment_required", N_("is required: say why the request is returned, rejected or postponed")},
    {"postpone_until_required", N_("is required when postponing")},
    {"not_in_the_future", N_("must be a date after today")},
    {"decree_number_required", N_("is required to complete a request (the decree, SK)")},
    {"decree_date_required", N_("is required to complete a request (the date of the decree)")},
    {"invalid_state", N_("is not possible in the request's current state (see 'simpeg request show')")},
    {"not_applicant", N_("is for the applicant or whoever filed the request only")},
    {"own_request", N_("is not possible on your own request: someone else in the chain decides")},
    {"not_step_holder", N_("is for whoever holds the current step of the request (see 'simpeg request show')")},
    {"not_verifier", N_("is for an HR verifier of the request's office")},
    {"postpone_last_step_only", N_("is possible at the last step of the chain only")},
    {"documents_missing", N_("lacks required evidence: attach it (--attach KIND=FILE) or see 'simpeg request show'")},
    {"no_supervisor", N_("has no supervisor with an account: HR sets it with 'simpeg employee edit NIP --supervisor "
                         "NIP'")},
    {"supervisor_not_found", N_("names no employee you can see")},
    {"self", N_("cannot be the employee themself")},
    {"unknown_service", N_("is not a known service (CUTI, KP, KGB, KOREKSI)")},
    {"invalid_steps", N_("must be 1 to 6 of supervisor, verifier, official")},
    {"duplicate_step", N_("names a step twice")},
    {"no_official_step", N_("needs an official step in the chain")},
    {"official_not_found", N_("names no active account you can see")},
    {"correction_applied", N_("is not possible: the correction has been applied to the record; file a new correction "
                              "instead")},
    {"unknown_field", N_("names a field that cannot be corrected (name, front_title, back_title, birth_place, "
                         "religion, marital_status, email, phone, address, nik)")},
    {"duplicate_field", N_("is corrected twice in one request")},
    {"unchanged", N_("already has this value")},
    {"invalid_changes", N_("has too many or incomplete changes")},
    {"not_your_record", N_("is someone else's record: only HR files corrections for others")},
    {"no_linked_employee", N_("is needed: your account is not linked to an employee record")},
    /* END h1 requests */
    /* BEGIN h2 leave: leave, holidays, work calendars */
    {"end_before_start", N_("is before the start date")},
    {"date_out_of_range", N_("is too far away: leave starts at most a year back and two years ahead")},
    {"employee_not_active", N_("is not an active employee")},
    {"leave_type_not_allowed", N_("is not a leave type of this employment type (PPPK: tahunan, sakit, melahirkan "
                                  "only; CPNS: no cuti besar or CLTN)")},
    {"service_too_short", N_("is too early: the service years this leave needs are not complete by then")},
    {"first_hajj_only_for_cuti_besar", N_("applies to cuti besar only")},
    {"maternity_leave_women_only", N_("is for women only (melahirkan)")},
    {"birth_order_required", N_("is required for maternity leave (1, 2 or 3)")},
    {"fourth_birth_use_cuti_besar", N_("is the 4th birth or later: ask for cuti besar instead")},
    {"birth_order_only_for_birth", N_("applies to maternity leave or cuti besar only")},
    {"leave_too_long", N_("makes the leave longer than this leave type allows")},
    {"leave_overlaps", N_("overlaps another leave of the employee that is pending or approved")},
    {"leave_crosses_year", N_("is in the next year: annual leave is charged to one year, split it at 31 December")},
    {"no_working_days", N_("leaves no working day in the leave (weekends and holidays do not count)")},
    {"cuti_besar_this_year", N_("is in a year with cuti besar: no annual leave that year")},
    {"leave_balance_insufficient", N_("asks for more days than the annual leave left (see 'simpeg leave balance')")},
    {"annual_leave_taken_this_year", N_("is in a year in which annual leave was taken or asked for: no cuti besar "
                                        "that year")},
    {"national_holidays_need_whole_tree", N_("is national or cuti bersama: only a whole-country account sets those")},
    {"holiday_arrays_differ", N_("is incomplete")},
    {"invalid_workdays", N_("must be ISO days 1 (Monday) to 7 (Sunday)")},
    {"outside_replace_year", N_("is not in the year being replaced")},
    {"only_regional", N_("applies to regional holidays only")},
    {"leave_cannot_be_postponed", N_("is not possible: cuti besar for the first hajj or a 4th birth cannot be "
                                     "postponed")},
    /* END h2 leave */
    /* BEGIN h3 promotion: promotion, KGB, retirement (field reasons) */
    {"not_eligible", N_("is why the employee is not eligible")},
    {"unknown_period", N_("is not a promotion period (see 'simpeg promotion periods')")},
    {"no_next_period", N_("is needed: no promotion period is set ahead")},
    {"already_filed", N_("already has an open request for that date")},
    {"kgb_not_due", N_("is not the date the raise falls due, or that date is more than two months away")},
    {"postpone_too_long", N_("is more than a year after the date the raise was due")},
    {"postpone_before_due", N_("is not after the date the raise was due")},
    {"rank_changed", N_("has a different rank now than when the proposal was made")},
    {"not_pns", N_("is not of an employment type this service is for")},
    {"no_rank", N_("has no rank recorded")},
    {"unknown_promotion_kind", N_("is not a promotion kind (reguler, struktural, fungsional)")},
    {"before_submit_from", N_("is before the start of the submission window")},
    {"not_before_period", N_("must be before the period date")},
    /* END h3 promotion */
    /* BEGIN h4 docs: documents, events, service times (field reasons) */
    {"too_big", N_("is larger than the server accepts")},
    {"checksum_mismatch", N_("does not match the bytes received")},
    {"offset_mismatch", N_("does not follow the bytes already received")},
    {"size_mismatch", N_("does not match the bytes received")},
    {"unsupported_type", N_("is not a PDF, JPEG or PNG document")},
    {"after_to_date", N_("is after the end date")},
    {"unknown_topic", N_("names an unknown topic (only \"request\")")},
    {"request_closed", N_("names a request that is already decided or cancelled")},
    {"not_allowed_to_upload", N_("names a request you may see but not add evidence to")},
    /* END h4 docs */
};

/* Field names people see in messages. Unknown fields are shown as sent. */
static const struct {
  const char *field;
  const char *label;
} field_labels[] = {
    {"nip", N_("NIP")},
    {"nik", N_("NIK")},
    {"name", N_("name")},
    {"office_id", N_("office")},
    {"birth_date", N_("date of birth")},
    {"start_date", N_("start date")},
    {"end_date", N_("end date")},
    {"reason", N_("reason")},
    {"client_name", N_("client name")},
    {"protocol_version", N_("protocol version")},
    {"username", N_("user name")},
    {"password", N_("password")},
    {"old_password", N_("current password")},
    {"new_password", N_("new password")},
    {"token", N_("session token")},
    /* users, offices, audit */
    {"full_name", N_("full name")},
    {"role", N_("role")},
    {"office_code", N_("office")},
    {"code", N_("office code")},
    {"kind", N_("office kind")},
    /* BEGIN h3 promotion: promotion, KGB, retirement (field labels; before the
     * dotted fallback, which would read "kind" as the office kind) */
    {"promotion.kind", N_("promotion kind")},
    {"promotion.period_date", N_("promotion period")},
    {"period_date", N_("promotion period")},
    {"period.period_date", N_("promotion period")},
    {"period.submit_from", N_("start of the submission window")},
    {"period.submit_to", N_("end of the submission window")},
    {"kgb.tmt", N_("TMT")},
    {"months", N_("months")},
    {"years", N_("years")},
    /* END h3 promotion */
    {"parent_code", N_("parent office")},
    {"new_parent_code", N_("new parent office")},
    {"under_code", N_("office")},
    {"valid_from", N_("valid from")},
    {"valid_to", N_("valid until")},
    {"version", N_("version")},
    {"after_username", N_("starting user name")},
    {"from_us", N_("start time")},
    {"to_us", N_("end time")},
    /* the employee registry */
    {"employee", N_("employee")},
    {"employment_type", N_("employment type")},
    {"front_title", N_("front title")},
    {"back_title", N_("back title")},
    {"birth_place", N_("place of birth")},
    {"sex", N_("sex")},
    {"religion", N_("religion")},
    {"marital_status", N_("marital status")},
    {"status", N_("status")},
    {"tmt_cpns", N_("TMT CPNS")},
    {"email", N_("e-mail")},
    {"phone", N_("phone")},
    {"address", N_("address")},
    {"rank_code", N_("golongan")},
    {"tmt", N_("TMT")},
    {"mkg_years", N_("MKG (years)")},
    {"mkg_months", N_("MKG (months)")},
    {"decree_number", N_("SK number")},
    {"decree_date", N_("SK date")},
    {"position_kind", N_("position kind")},
    {"functional_level", N_("functional level")},
    {"level", N_("education level")},
    {"institution", N_("institution")},
    {"major", N_("major")},
    {"graduation_year", N_("graduation year")},
    {"organizer", N_("organizer")},
    {"jp_hours", N_("JP (lesson hours)")},
    {"year", N_("year")},
    {"period", N_("period")},
    {"result_rating", N_("work result rating")},
    {"behavior_rating", N_("work behaviour rating")},
    {"relation", N_("relation")},
    {"query", N_("search text")},
    {"after", N_("page cursor")},
    {"limit", N_("limit")},
    {"entry", N_("history entry")},
};

const char *spc_server_code_name(int server_code) {
  for (size_t i = 0; i < sizeof(server_codes) / sizeof(server_codes[0]); i++) {
    if (server_codes[i].code == server_code) return server_codes[i].name;
  }
  return "UNKNOWN";
}

static const char *server_code_text(int server_code) {
  for (size_t i = 0; i < sizeof(server_codes) / sizeof(server_codes[0]); i++) {
    if (server_codes[i].code == server_code) return _(server_codes[i].text);
  }
  return NULL;
}

static const char *lookup(const char *key, const void *table, size_t n, size_t stride) {
  if (!key || !*key) return NULL;
  for (size_t i = 0; i < n; i++) {
    const char *const *row = (const char *const *)((const char *)table + i * stride);
    if (strcmp(row[0], key) == 0) return _(row[1]);
  }
  return NULL;
}
#define LOOKUP(key, table) lookup((key), (table), sizeof(table) / sizeof((table)[0]), sizeof((table)[0]))

/* libuv errors people meet when connecting, in words. */
static const char *sys_text(int sys) {
  switch (sys) {
  case UV_ECONNREFUSED: return _("connection refused (is simpegd running on that port?)");
  case UV_ETIMEDOUT: return _("the network did not answer");
  case UV_EHOSTUNREACH: return _("host unreachable");
  case UV_ENETUNREACH: return _("network unreachable");
  case UV_ECONNRESET: return _("connection reset by the server");
  case UV_EPIPE: return _("connection broken");
  case UV_EAI_NONAME: return _("host name not found");
  case UV_EAI_AGAIN: return _("temporary DNS failure");
  case UV_EAI_FAIL: return _("DNS failure");
  case UV_EADDRNOTAVAIL: return _("address not available");
  default: return NULL;
  }
}

/* Appends printf output to a growing string. */
static void sappend(char **s, size_t *len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void sappend(char **s, size_t *len, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  *s = sp_xrealloc(*s, *len + (size_t)n + 1);
  va_start(ap, fmt);
  vsnprintf(*s + *len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  *len += (size_t)n;
}

static void append_server_error(char **s, size_t *len, const Simpeg__V1__Error *se) {
  const char *text = LOOKUP(se->reason, server_reasons);
  if (!text) text = server_code_text(se->code);
  if (text) {
    sappend(s, len, "%s", text);
  } else {
    sappend(s, len, _("The server reported an error (code %d)."), (int)se->code);
  }
  for (size_t i = 0; i < se->n_violations; i++) {
    const Simpeg__V1__FieldViolation *v = se->violations[i];
    if (!v) continue;
    const char *label = LOOKUP(v->field, field_labels);
    /* "login.username": a dotted path from the request; the last part names it. */
    const char *dot = v->field ? strrchr(v->field, '.') : NULL;
    if (!label && dot) label = LOOKUP(dot + 1, field_labels);
    if (!label) label = v->field && *v->field ? v->field : "?";
    const char *why = LOOKUP(v->reason, field_reasons);
    if (why) {
      /* TRANSLATORS: a field violation line, e.g. "  - NIP: is required". */
      sappend(s, len, _("\n  - %s: %s"), label, why);
    } else {
      sappend(s, len, _("\n  - %s: is not valid (%s)"), label, v->reason && *v->reason ? v->reason : "?");
    }
  }
}

char *spc_error_text(const spc_error_t *e) {
  char *s = NULL;
  size_t len = 0;
  const char *addr = e->server_addr[0] ? e->server_addr : "?";
  const char *sys = sys_text(e->sys);
  switch (e->code) {
  case SPC_OK:
    sappend(&s, &len, "%s", _("No error."));
    break;
  case SPC_EINVAL:
    sappend(&s, &len, _("Invalid server address \"%s\": use HOST:PORT or [IPv6-address]:PORT."), addr);
    break;
  case SPC_ETLSCONFIG:
    sappend(&s, &len, _("Cannot load the TLS certificate files: %s"), e->detail);
    sappend(&s, &len, "\n%s", _("Check the CA file and, for mutual TLS, the client certificate and key."));
    break;
  case SPC_EDNS:
    sappend(&s, &len, _("Cannot find server \"%s\": %s"), addr, sys ? sys : e->detail);
    sappend(&s, &len, "\n%s", _("Check the host name in the server address."));
    break;
  case SPC_ECONNECT:
    if (sys) {
      sappend(&s, &len, _("Cannot connect to server %s: %s"), addr, sys);
    } else {
      sappend(&s, &len, _("Cannot connect to server %s: %s"), addr, e->detail);
    }
    break;
  case SPC_ETLS:
    sappend(&s, &len, _("Secure connection (TLS) to server %s failed: %s"), addr, e->detail);
    if (e->tls_after_handshake)
      sappend(&s, &len, "\n%s",
              _("The server did not accept this computer's client certificate: check the client "
                "certificate and key, and that the server trusts the CA that signed them."));
    else
      sappend(&s, &len, "\n%s",
              _("Check that the CA file is the one that signed the server certificate and that the "
                "server name matches the certificate."));
    break;
  case SPC_ECONNTIMEOUT:
    sappend(&s, &len, _("Timed out connecting to server %s (%u ms passed %s)."), addr,
            e->timeout_ms, _(e->detail));
    sappend(&s, &len, "\n%s", _("Check the network and the server, or allow a longer time-out."));
    break;
  case SPC_ETIMEDOUT:
    sappend(&s, &len, _("The server did not answer within %u ms."), e->timeout_ms);
    break;
  case SPC_EPROTO:
    sappend(&s, &len, _("Protocol error while talking to server %s: %s"), addr, e->detail);
    break;
  case SPC_ECLOSED:
    if (sys) {
      sappend(&s, &len, _("The connection to server %s was closed: %s"), addr, sys);
    } else {
      sappend(&s, &len, _("The connection to server %s was closed: %s"), addr, e->detail);
    }
    break;
  case SPC_ESERVER:
    if (e->server) {
      append_server_error(&s, &len, e->server);
    } else {
      sappend(&s, &len, "%s", _("The server reported an error."));
    }
    break;
  case SPC_EBUSY:
    sappend(&s, &len, "%s", _("Too many requests are waiting to be sent."));
    break;
  case SPC_ETOOBIG:
    sappend(&s, &len, "%s", _("The request is too large for the server."));
    break;
  case SPC_ECANCELED:
    sappend(&s, &len, "%s", _("The request was cancelled."));
    break;
  default:
    sappend(&s, &len, _("Unknown error %d."), e->code);
    break;
  }
  return s;
}
