/* server: the daemon's process-wide state and lifecycle: listener, the set of
 * connections, TLS context, database pool, signals (drain on SIGTERM/SIGINT,
 * reload on SIGHUP) and readiness reporting to systemd.
 *
 * Everything here runs on the one libuv loop thread. */
#ifndef SIMPEGD_SERVER_H
#define SIMPEGD_SERVER_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "config.h"
#include "sp_tls.h"

typedef struct conn conn_t;
typedef struct db_pool db_pool_t;

#define SRV_READ_BUF (64 * 1024)

typedef struct srv {
  uv_loop_t *loop;
  srv_config_t cfg;
  const char *config_path;        /* NULL: defaults and overrides only */
  const char *const *overrides;   /* --set/--listen/... as section.key=value */
  size_t n_overrides;
  sp_tls_ctx_t *tls;              /* current context; connections hold refs */
  db_pool_t *db;
  struct audit_reads *audit_reads; /* reads' audit rows, batched (audit_reads.h) */
  /* Employee names for name search (name_index.h), or NULL ([search]
   * name_index = false). Kept until uv_run returns: searches use it in the
   * thread pool. */
  struct name_index *names;
  uint64_t name_searches; /* searches the index answered (Status) */

  uv_tcp_t listener;
  uv_signal_t sig_term, sig_int, sig_hup;
  uv_timer_t drain_timer;
  uv_work_t reload_work;
  bool reloading;
  bool listener_open;

  conn_t *conns; /* intrusive list of live connections */
  uint32_t nconns;
  uint64_t next_conn_id;
  bool draining;
  bool stopping; /* handles are being closed; the loop is about to end */
  int exit_code;

  uint64_t started_us;
  char instance_id[17];
  uint8_t read_buf[SRV_READ_BUF]; /* shared: read_cb consumes it before the next alloc */
} srv_t;

/* Binds, starts the pool, installs signal handlers, reports READY=1.
 * 0, or negative after logging why. */
int srv_start(srv_t *s);
/* Begins a graceful drain (as on SIGTERM). */
void srv_drain(srv_t *s, const char *why);
/* Called by conn.c when a connection is gone for good. */
void srv_conn_gone(srv_t *s, conn_t *c);

#endif
