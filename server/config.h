/* config: simpegd's settings, their defaults, and the table that maps INI
 * keys and command-line overrides onto them.
 *
 * Loading is pure (file -> struct) so that SIGHUP can build a new config in
 * the thread pool and the loop only swaps it in. Keys marked reloadable take
 * effect on SIGHUP; the others are compared and a change is logged as needing
 * a restart. */
#ifndef SIMPEGD_CONFIG_H
#define SIMPEGD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sp_log.h"

typedef struct srv_config {
  /* [server] */
  char listen_host[256];
  uint16_t listen_port;
  uint64_t max_connections;
  uint64_t max_in_flight;
  uint64_t max_frame;
  uint64_t handshake_timeout_ms;
  uint64_t idle_timeout_ms;
  uint64_t drain_timeout_ms;
  uint64_t write_high_water;
  /* [tls] */
  char tls_cert[1024];
  char tls_key[1024];
  char tls_ca[1024];
  char tls_crl[1024];
  uint64_t tls_min_version; /* 12 or 13 */
  bool tls_require_client_cert;
  /* [database] */
  char db_conninfo[2048];
  uint64_t db_pool_size;
  uint64_t db_max_queue;
  uint64_t db_connect_timeout_ms;
  uint64_t db_query_timeout_ms;
  uint64_t db_slow_ms; /* 0: no slow-batch warnings */
  bool db_migrate_on_start;
  /* [auth] */
  uint64_t auth_session_lifetime_s;
  uint64_t auth_session_idle_s;
  uint64_t auth_session_recheck_s;
  uint64_t auth_throttle_base_ms;
  uint64_t auth_throttle_addr_failures;
  /* [documents] */
  uint64_t doc_max_bytes;         /* largest evidence document accepted */
  uint64_t doc_max_pending_bytes; /* unfinished uploads held in memory, all connections together */
  uint64_t doc_upload_idle_s;     /* an upload without a chunk this long may be reclaimed */
  /* [search] */
  bool search_name_index;          /* names in memory (name_index.h); false: PostgreSQL alone */
  uint64_t search_name_refresh_ms; /* how often new names are fetched */
  /* [log] */
  sp_log_level_t log_level;
} srv_config_t;

void srv_config_defaults(srv_config_t *c);
/* Loads `path` over the defaults, then applies overrides ("section.key=value"
 * strings, in order). 0, or negative with a message naming file, line and key. */
int srv_config_load(srv_config_t *c, const char *path, const char *const *overrides, size_t n_overrides,
                    char *err, size_t errlen);
/* Checks cross-key rules (e.g. a certificate is required). 0 or negative. */
int srv_config_validate(const srv_config_t *c, char *err, size_t errlen);
/* Logs (as warnings) keys that differ between old and new but need a restart. */
void srv_config_warn_restart_needed(const srv_config_t *old, const srv_config_t *neu);
/* Prints every key with its value (secrets in conninfo masked) to stdout. */
void srv_config_dump(const srv_config_t *c);

#endif
