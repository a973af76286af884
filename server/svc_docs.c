/* svc_docs: documents, events, service times. PLACEHOLDER: replaced by its owner before landing. */
#include "dispatch.h"

void svc_service_times(srv_req_t *req) {
  req_fail(req, SIMPEG__V1__ERROR_CODE__ERROR_CODE_UNIMPLEMENTED, "unimplemented", "not built yet");
}
void svc_subscribe(srv_req_t *req) {
  req_fail(req, SIMPEG__V1__ERROR_CODE__ERROR_CODE_UNIMPLEMENTED, "unimplemented", "not built yet");
}
void svc_document_upload_begin(srv_req_t *req) {
  req_fail(req, SIMPEG__V1__ERROR_CODE__ERROR_CODE_UNIMPLEMENTED, "unimplemented", "not built yet");
}
void svc_document_upload_chunk(srv_req_t *req) {
  req_fail(req, SIMPEG__V1__ERROR_CODE__ERROR_CODE_UNIMPLEMENTED, "unimplemented", "not built yet");
}
void svc_document_upload_finish(srv_req_t *req) {
  req_fail(req, SIMPEG__V1__ERROR_CODE__ERROR_CODE_UNIMPLEMENTED, "unimplemented", "not built yet");
}
void svc_document_download(srv_req_t *req) {
  req_fail(req, SIMPEG__V1__ERROR_CODE__ERROR_CODE_UNIMPLEMENTED, "unimplemented", "not built yet");
}
