/* svc_request: the request lifecycle (issue #5). PLACEHOLDER: replaced by its owner before landing. */
#include "dispatch.h"

void svc_request_show(srv_req_t *req) {
  req_fail(req, SIMPEG__V1__ERROR_CODE__ERROR_CODE_UNIMPLEMENTED, "unimplemented", "not built yet");
}
void svc_request_list(srv_req_t *req) {
  req_fail(req, SIMPEG__V1__ERROR_CODE__ERROR_CODE_UNIMPLEMENTED, "unimplemented", "not built yet");
}
void svc_request_timeline(srv_req_t *req) {
  req_fail(req, SIMPEG__V1__ERROR_CODE__ERROR_CODE_UNIMPLEMENTED, "unimplemented", "not built yet");
}
void svc_request_act(srv_req_t *req) {
  req_fail(req, SIMPEG__V1__ERROR_CODE__ERROR_CODE_UNIMPLEMENTED, "unimplemented", "not built yet");
}
void svc_inbox(srv_req_t *req) {
  req_fail(req, SIMPEG__V1__ERROR_CODE__ERROR_CODE_UNIMPLEMENTED, "unimplemented", "not built yet");
}
void svc_chain_set(srv_req_t *req) {
  req_fail(req, SIMPEG__V1__ERROR_CODE__ERROR_CODE_UNIMPLEMENTED, "unimplemented", "not built yet");
}
void svc_chain_show(srv_req_t *req) {
  req_fail(req, SIMPEG__V1__ERROR_CODE__ERROR_CODE_UNIMPLEMENTED, "unimplemented", "not built yet");
}
void svc_correction_submit(srv_req_t *req) {
  req_fail(req, SIMPEG__V1__ERROR_CODE__ERROR_CODE_UNIMPLEMENTED, "unimplemented", "not built yet");
}
