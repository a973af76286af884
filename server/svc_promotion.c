/* svc_promotion: promotion, KGB, retirement. PLACEHOLDER: replaced by its owner before landing. */
#include "dispatch.h"

void svc_promotion_period_add(srv_req_t *req) {
  req_fail(req, SIMPEG__V1__ERROR_CODE__ERROR_CODE_UNIMPLEMENTED, "unimplemented", "not built yet");
}
void svc_promotion_period_list(srv_req_t *req) {
  req_fail(req, SIMPEG__V1__ERROR_CODE__ERROR_CODE_UNIMPLEMENTED, "unimplemented", "not built yet");
}
void svc_promotion_eligibility(srv_req_t *req) {
  req_fail(req, SIMPEG__V1__ERROR_CODE__ERROR_CODE_UNIMPLEMENTED, "unimplemented", "not built yet");
}
void svc_promotion_submit(srv_req_t *req) {
  req_fail(req, SIMPEG__V1__ERROR_CODE__ERROR_CODE_UNIMPLEMENTED, "unimplemented", "not built yet");
}
void svc_kgb_due(srv_req_t *req) {
  req_fail(req, SIMPEG__V1__ERROR_CODE__ERROR_CODE_UNIMPLEMENTED, "unimplemented", "not built yet");
}
void svc_kgb_submit(srv_req_t *req) {
  req_fail(req, SIMPEG__V1__ERROR_CODE__ERROR_CODE_UNIMPLEMENTED, "unimplemented", "not built yet");
}
void svc_retirement_projection(srv_req_t *req) {
  req_fail(req, SIMPEG__V1__ERROR_CODE__ERROR_CODE_UNIMPLEMENTED, "unimplemented", "not built yet");
}
#include "svc_request.h"
const svc_details_reader_t svc_promotion_details = {"KP", -1, NULL};
const svc_details_reader_t svc_kgb_details = {"KGB", -1, NULL};
