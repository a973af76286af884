/* server: listener, connection set, signals, drain and reload.
 *
 * Shutdown (SIGTERM or SIGINT): STOPPING=1, close the listener, send GoAway
 * to every connection, let requests in flight finish, and close each
 * connection when it has nothing left; a deadline timer closes whatever
 * remains. Then the pool closes and the last handles, and uv_run returns. A
 * second signal skips the wait.
 *
 * Reload (SIGHUP): the config file is read and the new TLS context built in
 * the thread pool (file I/O never runs on the loop); back on the loop the
 * reloadable keys and the context are swapped in. Any failure keeps the old
 * configuration running and says why. */
#include "server.h"

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_reads.h"
#include "name_index.h"
#include "name_sync.h"
#include "ticker.h"
#include "conn.h"
#include "db.h"
#include "listen.h"
#include "notify.h"
#include "sp_log.h"
#include "sp_time.h"

static void srv_close_remaining(srv_t *s);

/* The audit chainer (h5): one per daemon process, as srv_t is. */
static ticker_t *audit_chainer, *notify_flusher;
static name_sync_t *names_sync;
/* The LISTEN connection for pushed request events (listen.h): one per
 * daemon, started with the pool, closed when draining begins. */
static srv_listen_t *g_listen;

static void on_connection(uv_stream_t *listener, int status) {
  srv_t *s = listener->data;
  if (status < 0) {
    sp_log_warning("accept: %s", uv_strerror(status));
    return;
  }
  conn_accept(s);
}

void srv_conn_gone(srv_t *s, conn_t *c) {
  if (c->prev) c->prev->next = c->next;
  else s->conns = c->next;
  if (c->next) c->next->prev = c->prev;
  s->nconns--;
  if (s->draining && s->nconns == 0) srv_close_remaining(s);
}

static void on_pool_closed(void *ud) {
  srv_t *s = ud;
  s->db = NULL;
  uv_close((uv_handle_t *)&s->sig_term, NULL);
  uv_close((uv_handle_t *)&s->sig_int, NULL);
  uv_close((uv_handle_t *)&s->sig_hup, NULL);
  uv_close((uv_handle_t *)&s->drain_timer, NULL);
  sp_log_info("stopped");
}

/* Called once no connection is left (or the drain deadline passed). */
static void srv_close_remaining(srv_t *s) {
  if (s->stopping) return;
  s->stopping = true;
  uv_timer_stop(&s->drain_timer);
  srv_listen_close(g_listen);
  g_listen = NULL;
  ticker_stop(audit_chainer);
  audit_chainer = NULL;
  ticker_stop(notify_flusher);
  notify_flusher = NULL;
  name_sync_stop(names_sync);
  names_sync = NULL;
  audit_reads_stop(s->audit_reads);
  s->audit_reads = NULL;
  if (s->db) db_pool_close(s->db, on_pool_closed, s);
  else on_pool_closed(s);
}

static void on_drain_deadline(uv_timer_t *t) {
  srv_t *s = t->data;
  sp_log_warning("drain deadline passed: closing %u connection(s)", s->nconns);
  for (conn_t *c = s->conns; c; c = c->next) conn_close(c, "drain deadline", false);
  if (s->nconns == 0) srv_close_remaining(s);
}

void srv_drain(srv_t *s, const char *why) {
  if (s->draining) return;
  s->draining = true;
  sp_log_info("draining (%s): %u connection(s) open", why, s->nconns);
  srv_notify("STOPPING=1\nSTATUS=draining");
  srv_listen_close(g_listen); /* draining connections get no more events */
  g_listen = NULL;
  if (s->listener_open) {
    uv_close((uv_handle_t *)&s->listener, NULL);
    s->listener_open = false;
  }
  /* conn_goaway may close a connection at once; fetch next first. */
  conn_t *next;
  for (conn_t *c = s->conns; c; c = next) {
    next = c->next;
    conn_goaway(c, "server shutting down");
  }
  if (s->nconns == 0) {
    srv_close_remaining(s);
    return;
  }
  uv_timer_start(&s->drain_timer, on_drain_deadline, s->cfg.drain_timeout_ms, 0);
}

static void on_stop_signal(uv_signal_t *h, int signum) {
  srv_t *s = h->data;
  if (s->draining) {
    sp_log_warning("second %s: closing now", signum == SIGINT ? "SIGINT" : "SIGTERM");
    on_drain_deadline(&s->drain_timer);
    return;
  }
  srv_drain(s, signum == SIGINT ? "SIGINT" : "SIGTERM");
}

/* ---- reload ---- */

typedef struct reload_job {
  srv_t *srv;
  srv_config_t cfg;
  sp_tls_ctx_t *tls;
  char err[1024];
} reload_job_t;

static sp_tls_ctx_t *make_tls(const srv_config_t *cfg, char *err, size_t errlen) {
  sp_tls_config_t tc = {
      .cert_file = cfg->tls_cert,
      .key_file = cfg->tls_key,
      .ca_file = cfg->tls_ca[0] ? cfg->tls_ca : NULL,
      .crl_file = cfg->tls_crl[0] ? cfg->tls_crl : NULL,
      .min_version = (int)cfg->tls_min_version,
      .require_client_cert = cfg->tls_require_client_cert,
  };
  return sp_tls_ctx_new_server(&tc, err, errlen);
}

static void reload_work(uv_work_t *w) {
  reload_job_t *j = w->data;
  srv_t *s = j->srv;
  srv_config_defaults(&j->cfg);
  if (srv_config_load(&j->cfg, s->config_path, s->overrides, s->n_overrides, j->err, sizeof(j->err)) < 0) return;
  if (srv_config_validate(&j->cfg, j->err, sizeof(j->err)) < 0) return;
  j->tls = make_tls(&j->cfg, j->err, sizeof(j->err));
}

static void reload_done(uv_work_t *w, int status) {
  reload_job_t *j = w->data;
  srv_t *s = j->srv;
  s->reloading = false;
  if (!j->tls) {
    sp_log_error("reload failed, keeping the running configuration: %s", j->err[0] ? j->err : "cancelled");
    srv_notify("READY=1\nSTATUS=reload failed; running with the previous configuration");
    free(j);
    return;
  }
  srv_config_warn_restart_needed(&s->cfg, &j->cfg);
  /* Only reloadable keys move; the rest keep their running values. */
  srv_config_t *c = &s->cfg;
  c->max_in_flight = j->cfg.max_in_flight;
  c->handshake_timeout_ms = j->cfg.handshake_timeout_ms;
  c->idle_timeout_ms = j->cfg.idle_timeout_ms;
  c->drain_timeout_ms = j->cfg.drain_timeout_ms;
  c->write_high_water = j->cfg.write_high_water;
  memcpy(c->tls_cert, j->cfg.tls_cert, sizeof(c->tls_cert));
  memcpy(c->tls_key, j->cfg.tls_key, sizeof(c->tls_key));
  memcpy(c->tls_ca, j->cfg.tls_ca, sizeof(c->tls_ca));
  memcpy(c->tls_crl, j->cfg.tls_crl, sizeof(c->tls_crl));
  c->tls_min_version = j->cfg.tls_min_version;
  c->tls_require_client_cert = j->cfg.tls_require_client_cert;
  c->auth_session_lifetime_s = j->cfg.auth_session_lifetime_s;
  c->auth_session_idle_s = j->cfg.auth_session_idle_s;
  c->auth_session_recheck_s = j->cfg.auth_session_recheck_s;
  c->auth_throttle_base_ms = j->cfg.auth_throttle_base_ms;
  c->auth_throttle_addr_failures = j->cfg.auth_throttle_addr_failures;
  c->doc_max_bytes = j->cfg.doc_max_bytes;
  c->doc_max_pending_bytes = j->cfg.doc_max_pending_bytes;
  c->doc_upload_idle_s = j->cfg.doc_upload_idle_s;
  c->log_level = j->cfg.log_level;
  sp_log_set_level(c->log_level);
  sp_tls_ctx_unref(s->tls); /* live connections keep their own reference */
  s->tls = j->tls;
  free(j);
  sp_log_info("configuration reloaded; new connections use the new certificates");
  srv_notify("READY=1\nSTATUS=serving");
}

static void on_hup(uv_signal_t *h, int signum) {
  srv_t *s = h->data;
  if (s->reloading || s->draining) return;
  char msg[96];
  snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu", (unsigned long long)sp_mono_us());
  srv_notify(msg);
  sp_log_info("SIGHUP: reloading %s", s->config_path ? s->config_path : "(no config file)");
  reload_job_t *j = sp_xcalloc(1, sizeof(*j));
  j->srv = s;
  s->reload_work.data = j;
  s->reloading = true;
  if (uv_queue_work(s->loop, &s->reload_work, reload_work, reload_done) != 0) {
    s->reloading = false;
    free(j);
  }
}

/* ---- start ---- */

static int resolve_listen(const srv_config_t *cfg, struct sockaddr_storage *ss) {
  const char *host = cfg->listen_host[0] ? cfg->listen_host : "0.0.0.0";
  if (uv_ip4_addr(host, cfg->listen_port, (struct sockaddr_in *)ss) == 0) return 0;
  if (uv_ip6_addr(host, cfg->listen_port, (struct sockaddr_in6 *)ss) == 0) return 0;
  struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE};
  struct addrinfo *res = NULL;
  int rc = getaddrinfo(host, NULL, &hints, &res); /* loop-safe: runs once before the event loop starts */
  if (rc != 0 || !res) {
    sp_log_error("cannot resolve listen address '%s': %s", host, gai_strerror(rc));
    return -1;
  }
  memcpy(ss, res->ai_addr, res->ai_addrlen);
  ((struct sockaddr_in *)ss)->sin_port = htons(cfg->listen_port);
  freeaddrinfo(res);
  return 0;
}

int srv_start(srv_t *s) {
  char err[1024];
  s->started_us = sp_mono_us();
  unsigned char rnd[8];
  uv_random(NULL, NULL, rnd, sizeof(rnd), 0, NULL);
  for (int i = 0; i < 8; i++) snprintf(s->instance_id + 2 * i, 3, "%02x", rnd[i]);

  s->tls = make_tls(&s->cfg, err, sizeof(err));
  if (!s->tls) {
    sp_log_error("TLS: %s", err);
    return -1;
  }

  struct sockaddr_storage ss;
  if (resolve_listen(&s->cfg, &ss) < 0) return -1;
  uv_tcp_init(s->loop, &s->listener);
  s->listener.data = s;
  s->listener_open = true;
  int rc = uv_tcp_bind(&s->listener, (struct sockaddr *)&ss, 0);
  if (rc == 0) rc = uv_listen((uv_stream_t *)&s->listener, 1024, on_connection);
  if (rc != 0) {
    sp_log_error("cannot listen on %s:%u: %s", s->cfg.listen_host, s->cfg.listen_port, uv_strerror(rc));
    return -1;
  }

  db_config_t dc = {
      .conninfo = s->cfg.db_conninfo,
      .pool_size = (int)s->cfg.db_pool_size,
      .max_queue = (int)s->cfg.db_max_queue,
      .connect_timeout_ms = (int)s->cfg.db_connect_timeout_ms,
      .query_timeout_ms = (int)s->cfg.db_query_timeout_ms,
      .slow_ms = s->cfg.db_slow_ms ? (int)s->cfg.db_slow_ms : -1,
  };
  s->db = db_pool_new(s->loop, &dc);
  if (!s->db || db_pool_start(s->db) != 0) {
    sp_log_error("cannot start the database pool");
    return -1;
  }
  if (!(audit_chainer = ticker_start(s->loop, s->db, "audit chain", DB_STMT_AUDIT_CHAIN, AUDIT_CHAIN_PERIOD_MS,
                                     AUDIT_CHAIN_BATCH)) ||
      !(notify_flusher = ticker_start(s->loop, s->db, "request events", DB_STMT_NOTIFY_FLUSH, NOTIFY_FLUSH_PERIOD_MS,
                                      NOTIFY_FLUSH_BATCH)))
    return -1;
  if (!(s->audit_reads = audit_reads_new(s->db))) return -1;
  if (s->cfg.search_name_index) {
    s->names = name_index_new();
    if (!(names_sync = name_sync_start(s->loop, s->db, s->names, (unsigned)s->cfg.search_name_refresh_ms)))
      return -1;
  }
  /* pushed request events (listen.c); a conninfo the pool accepted parses here too */
  g_listen = srv_listen_start(s);

  uv_signal_init(s->loop, &s->sig_term);
  uv_signal_init(s->loop, &s->sig_int);
  uv_signal_init(s->loop, &s->sig_hup);
  uv_timer_init(s->loop, &s->drain_timer);
  s->sig_term.data = s->sig_int.data = s->sig_hup.data = s->drain_timer.data = s;
  uv_signal_start(&s->sig_term, on_stop_signal, SIGTERM);
  uv_signal_start(&s->sig_int, on_stop_signal, SIGINT);
  uv_signal_start(&s->sig_hup, on_hup, SIGHUP);

  char where[300];
  snprintf(where, sizeof(where), strchr(s->cfg.listen_host, ':') ? "[%s]:%u" : "%s:%u", s->cfg.listen_host,
           s->cfg.listen_port);
  sp_log_info("listening on %s (TLS %s+, instance %s, pool %llu)", where, s->cfg.tls_min_version == 12 ? "1.2" : "1.3",
              s->instance_id, (unsigned long long)s->cfg.db_pool_size);
  char ready[400];
  snprintf(ready, sizeof(ready), "READY=1\nSTATUS=serving on %s", where);
  srv_notify(ready);
  return 0;
}
