/* svc_leave: leave (cuti). PLACEHOLDER: replaced by its owner before landing. */
#include "dispatch.h"

void svc_leave_submit(srv_req_t *req) {
  req_fail(req, SIMPEG__V1__ERROR_CODE__ERROR_CODE_UNIMPLEMENTED, "unimplemented", "not built yet");
}
void svc_leave_balance(srv_req_t *req) {
  req_fail(req, SIMPEG__V1__ERROR_CODE__ERROR_CODE_UNIMPLEMENTED, "unimplemented", "not built yet");
}
void svc_leave_types(srv_req_t *req) {
  req_fail(req, SIMPEG__V1__ERROR_CODE__ERROR_CODE_UNIMPLEMENTED, "unimplemented", "not built yet");
}
void svc_holiday_import(srv_req_t *req) {
  req_fail(req, SIMPEG__V1__ERROR_CODE__ERROR_CODE_UNIMPLEMENTED, "unimplemented", "not built yet");
}
void svc_holiday_list(srv_req_t *req) {
  req_fail(req, SIMPEG__V1__ERROR_CODE__ERROR_CODE_UNIMPLEMENTED, "unimplemented", "not built yet");
}
void svc_work_calendar_set(srv_req_t *req) {
  req_fail(req, SIMPEG__V1__ERROR_CODE__ERROR_CODE_UNIMPLEMENTED, "unimplemented", "not built yet");
}
#include "svc_request.h"
const svc_details_reader_t svc_leave_details = {"CUTI", -1, NULL};
