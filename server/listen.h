/* listen: the daemon's LISTEN connection for pushed request events
 * (docs/internals/documents.md, "Pushed events").
 *
 * One libpq connection of its own, outside the pool (a pooled connection
 * runs in pipeline mode and is shared by batches; notifications must not
 * wait behind them), driven non-blocking on the loop: PQconnectStart +
 * PQconnectPoll under a uv_poll_t on PQsocket, then `LISTEN
 * simpeg_request`, then PQconsumeInput / PQnotifies on every readable
 * event. A lost connection is rebuilt with backoff (100 ms doubling to
 * 5 s, jittered); notifications sent while it was down are lost (they are
 * a convenience: the inbox and the request itself stay the truth).
 *
 * Each notification (payload written by request_notify_payload in
 * 0009_documents.sql) is routed without a query: an Event with topic
 * "request" and a packed RequestNotice goes to every subscribed
 * connection whose signed-in user is the request's applicant or filer, or
 * now holds its current step (named, or by role with the step's office in
 * the user's scope and branch). Several daemons sharing one database each
 * LISTEN, so every client is reached whichever daemon it is connected to. */
#ifndef SIMPEGD_LISTEN_H
#define SIMPEGD_LISTEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server.h"

typedef struct srv_listen srv_listen_t;

/* Starts connecting (returns at once). NULL on no memory or a conninfo
 * libpq cannot parse (logged). */
srv_listen_t *srv_listen_start(srv_t *s);
/* Closes the connection and frees everything once its handles are closed.
 * NULL is ignored. */
void srv_listen_close(srv_listen_t *l);

/* A parsed notification (pointers into the payload text). */
typedef struct srv_notice {
  const char *number, *service, *action, *actor, *step_kind, *summary;
  int state;
  unsigned step_no;
  const char *applicants;   /* "12,40" */
  int64_t holder_user_id;   /* 0: unnamed or none */
  const char *holder_roles; /* "3,5" or "" */
  const char *holder_path;  /* the step office's path, or "" */
  uint64_t at_us;
} srv_notice_t;

/* Splits `payload` (modified in place) into n. false when it is not the
 * format this daemon knows (logged by the caller). */
bool srv_notice_parse(char *payload, srv_notice_t *n);
/* Should the user (id, role, scope path, branch path) get this notice? */
bool srv_notice_concerns(const srv_notice_t *n, int64_t user_id, int role, const char *scope, const char *branch);
/* Pushes the notice to every subscribed connection concerned; returns how
 * many got it. */
size_t srv_notice_deliver(srv_t *s, const srv_notice_t *n);

#endif
