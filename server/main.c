/* simpegd: command line, start-up and the event loop.
 *
 *   simpegd [run] [options]       serve
 *   simpegd migrate [options]     apply database migrations and exit
 *   simpegd check-config [opts]   validate the configuration and exit
 *   simpegd bootstrap-admin [opts] create the first system administrator
 *
 * Exit codes: 0 success, 1 runtime failure, 2 usage or configuration error. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <uv.h>

#include <openssl/crypto.h>

#include "bootstrap.h"
#include "config.h"
#include "kdf.h"
#include "migrate.h"
#include "name_index.h"
#include "server.h"
#include "sp_config.h"
#include "sp_log.h"
#include "sp_tls.h"

#define MAX_OVERRIDES 64

static void usage(FILE *f) {
  fprintf(f,
          "Usage: simpegd [COMMAND] [OPTIONS]\n"
          "\n"
          "The simpeg daemon: serves the simpeg protocol over TLS and keeps its data in PostgreSQL.\n"
          "\n"
          "Commands:\n"
          "  run             serve (the default)\n"
          "  migrate         apply pending database migrations, then exit\n"
          "  check-config    validate the configuration (files, certificates), then exit\n"
          "  bootstrap-admin create the first system administrator (at the root office) in a\n"
          "                  migrated database, then exit; refused once one exists. The password\n"
          "                  is read from standard input (one line, at least 10 characters),\n"
          "                  which must not be a terminal, or generated and printed once\n"
          "\n"
          "Options:\n"
          "  -c, --config FILE        configuration file (INI); see deploy/simpegd.conf.example\n"
          "      --listen HOST:PORT   override server.listen\n"
          "      --db CONNINFO        override database.conninfo\n"
          "      --log-level LEVEL    override log.level (debug, info, notice, warning, error)\n"
          "      --set SECTION.KEY=VALUE  override any configuration key (repeatable)\n"
          "      --dump               with check-config: print the effective configuration\n"
          "      --username NAME      with bootstrap-admin: the account name (default: admin)\n"
          "      --full-name TEXT     with bootstrap-admin: the person's name (default: Administrator)\n"
          "      --generate-password  with bootstrap-admin: generate the password and print it\n"
          "  -h, --help               show this help\n"
          "  -V, --version            show the version\n"
          "\n"
          "Signals: SIGTERM/SIGINT drain and stop (a second one stops at once); SIGHUP reloads\n"
          "the configuration and certificates.\n");
}

typedef struct opts {
  const char *command;
  const char *config;
  const char *overrides[MAX_OVERRIDES];
  char *owned[MAX_OVERRIDES];
  size_t n;
  int dump;
  /* bootstrap-admin */
  const char *username;
  const char *full_name;
  int generate_password;
} opts_t;

static int add_override(opts_t *o, const char *prefix, const char *value) {
  if (o->n >= MAX_OVERRIDES) {
    fprintf(stderr, "simpegd: too many overrides\n");
    return -1;
  }
  size_t len = strlen(prefix) + strlen(value) + 1;
  char *s = malloc(len);
  if (!s) return -1;
  snprintf(s, len, "%s%s", prefix, value);
  o->owned[o->n] = s;
  o->overrides[o->n++] = s;
  return 0;
}

static int parse_args(int argc, char **argv, opts_t *o) {
  static const struct option longopts[] = {
      {"config", required_argument, NULL, 'c'},   {"listen", required_argument, NULL, 'l'},
      {"db", required_argument, NULL, 'd'},       {"log-level", required_argument, NULL, 'L'},
      {"set", required_argument, NULL, 's'},      {"dump", no_argument, NULL, 'D'},
      {"help", no_argument, NULL, 'h'},           {"version", no_argument, NULL, 'V'},
      {"username", required_argument, NULL, 'u'}, {"full-name", required_argument, NULL, 'F'},
      {"generate-password", no_argument, NULL, 'G'},
      {NULL, 0, NULL, 0},
  };
  o->command = "run";
  int first = 1;
  if (argc > 1 && argv[1][0] != '-') {
    o->command = argv[1];
    first = 2;
  }
  optind = first;
  int ch;
  while ((ch = getopt_long(argc, argv, "c:hV", longopts, NULL)) != -1) {
    switch (ch) {
      case 'c':
        o->config = optarg;
        break;
      case 'l':
        if (add_override(o, "server.listen=", optarg)) return 2;
        break;
      case 'd':
        if (add_override(o, "database.conninfo=", optarg)) return 2;
        break;
      case 'L':
        if (add_override(o, "log.level=", optarg)) return 2;
        break;
      case 's':
        if (add_override(o, "", optarg)) return 2;
        break;
      case 'D':
        o->dump = 1;
        break;
      case 'u':
        o->username = optarg;
        break;
      case 'F':
        o->full_name = optarg;
        break;
      case 'G':
        o->generate_password = 1;
        break;
      case 'h':
        usage(stdout);
        return 0;
      case 'V':
        printf("simpegd %s\n", SIMPEG_VERSION);
        return 0;
      default:
        usage(stderr);
        return 2;
    }
  }
  if (optind < argc) {
    fprintf(stderr, "simpegd: unexpected argument '%s'\n", argv[optind]);
    return 2;
  }
  if (strcmp(o->command, "run") && strcmp(o->command, "migrate") && strcmp(o->command, "check-config") &&
      strcmp(o->command, "bootstrap-admin")) {
    fprintf(stderr, "simpegd: unknown command '%s' (try --help)\n", o->command);
    return 2;
  }
  if ((o->username || o->full_name || o->generate_password) && strcmp(o->command, "bootstrap-admin")) {
    fprintf(stderr, "simpegd: --username, --full-name and --generate-password belong to bootstrap-admin\n");
    return 2;
  }
  return -1; /* continue */
}

static int load_config(const opts_t *o, srv_config_t *cfg) {
  char err[1024];
  srv_config_defaults(cfg);
  if (srv_config_load(cfg, o->config, o->overrides, o->n, err, sizeof(err)) < 0 ||
      srv_config_validate(cfg, err, sizeof(err)) < 0) {
    fprintf(stderr, "simpegd: configuration error: %s\n", err);
    return -1;
  }
  sp_log_set_level(cfg->log_level);
  return 0;
}

static int cmd_check_config(const opts_t *o, const srv_config_t *cfg) {
  char err[1024];
  sp_tls_config_t tc = {
      .cert_file = cfg->tls_cert,
      .key_file = cfg->tls_key,
      .ca_file = cfg->tls_ca[0] ? cfg->tls_ca : NULL,
      .crl_file = cfg->tls_crl[0] ? cfg->tls_crl : NULL,
      .min_version = (int)cfg->tls_min_version,
      .require_client_cert = cfg->tls_require_client_cert,
  };
  sp_tls_ctx_t *ctx = sp_tls_ctx_new_server(&tc, err, sizeof(err));
  if (!ctx) {
    fprintf(stderr, "simpegd: configuration error: TLS: %s\n", err);
    return 2;
  }
  sp_tls_ctx_unref(ctx);
  if (o->dump) srv_config_dump(cfg);
  printf("%s: configuration OK\n", o->config ? o->config : "(defaults)");
  return 0;
}

static int cmd_migrate(const srv_config_t *cfg) {
  char err[1024];
  int from = 0, to = 0;
  if (sp_migrate(cfg->db_conninfo, &from, &to, err, sizeof(err)) < 0) {
    fprintf(stderr, "simpegd: migrate failed: %s\n", err);
    return 1;
  }
  if (from == to) printf("database schema is up to date (version %d)\n", to);
  else printf("database schema migrated from version %d to %d\n", from, to);
  return 0;
}

/* One line of standard input, without its line end. */
static bool read_line(char *out, size_t cap) {
  if (!fgets(out, (int)cap, stdin)) return false;
  size_t n = strlen(out);
  if (n > 0 && out[n - 1] == '\n') out[--n] = '\0';
  else if (!feof(stdin)) return false; /* longer than any password may be */
  if (n > 0 && out[n - 1] == '\r') out[--n] = '\0';
  return true;
}

static int cmd_bootstrap_admin(const opts_t *o, const srv_config_t *cfg) {
  char password[KDF_PASSWORD_MAX + 3]; /* + line end + NUL */
  int rc = 0;
  if (o->generate_password) {
    kdf_generate_password(password);
    if (!password[0]) {
      fprintf(stderr, "simpegd: bootstrap-admin: the system has no random numbers to make a password from\n");
      return 1;
    }
  } else if (isatty(STDIN_FILENO)) {
    /* Typed at a terminal it would echo (and land in scroll-back). */
    fprintf(stderr, "simpegd: bootstrap-admin: give the password on standard input (a pipe or file, one line),\n"
                    "or use --generate-password\n");
    return 2;
  } else if (!read_line(password, sizeof(password))) {
    fprintf(stderr, "simpegd: bootstrap-admin: expected the password as one line of at most %d bytes on "
                    "standard input\n", KDF_PASSWORD_MAX);
    rc = 2;
  }
  if (rc == 0) {
    char err[1024];
    bootstrap_admin_t a = {
        .username = o->username ? o->username : "admin",
        .full_name = o->full_name ? o->full_name : "Administrator",
        .password = password,
    };
    int brc = sp_bootstrap_admin(cfg->db_conninfo, &a, err, sizeof(err));
    if (brc < 0) {
      fprintf(stderr, "simpegd: bootstrap-admin: %s\n", err);
      rc = brc == -EINVAL ? 2 : 1;
    } else {
      printf("created system administrator '%s' at the root office\n", a.username);
      if (o->generate_password)
        printf("password: %s\n(shown only this once: keep it safe, and change it after the first sign-in)\n",
               password);
    }
  }
  OPENSSL_cleanse(password, sizeof(password));
  return rc;
}

static void close_walk(uv_handle_t *h, void *arg) {
  if (!uv_is_closing(h)) uv_close(h, NULL);
}

static int cmd_run(const opts_t *o, const srv_config_t *cfg) {
  if (cfg->db_migrate_on_start) {
    char err[1024];
    int from = 0, to = 0;
    if (sp_migrate(cfg->db_conninfo, &from, &to, err, sizeof(err)) < 0) {
      sp_log_error("migrate on start failed: %s", err);
      return 1;
    }
    if (from != to) sp_log_info("database schema migrated from version %d to %d", from, to);
  }
  /* One descriptor per client plus the pool: take what the hard limit allows
   * and say so when max_connections cannot fit. */
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
    if (rl.rlim_cur < rl.rlim_max) {
      rl.rlim_cur = rl.rlim_max;
      setrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < cfg->max_connections + cfg->db_pool_size + 32)
      sp_log_warning("open-file limit %llu is below server.max_connections; raise LimitNOFILE",
                     (unsigned long long)rl.rlim_cur);
  }
  static srv_t s; /* large (read buffer): not on the stack */
  memset(&s, 0, sizeof(s));
  uv_loop_t loop;
  uv_loop_init(&loop);
  s.loop = &loop;
  s.cfg = *cfg;
  s.config_path = o->config;
  s.overrides = o->overrides;
  s.n_overrides = o->n;
  int rc = 0;
  if (srv_start(&s) != 0) {
    rc = 1;
    uv_walk(&loop, close_walk, NULL);
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  /* The signal handles are closed: a late SIGTERM must not turn a clean
   * exit into a kill. */
  signal(SIGTERM, SIG_IGN);
  signal(SIGINT, SIG_IGN);
  if (s.tls) sp_tls_ctx_unref(s.tls);
  name_index_free(s.names); /* no search job is left once uv_run has returned */
  if (uv_loop_close(&loop) != 0) {
    sp_log_warning("event loop closed with handles still open");
    uv_walk(&loop, close_walk, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
  }
  return rc;
}

int main(int argc, char **argv) {
  signal(SIGPIPE, SIG_IGN);
  sp_log_init("simpegd");
  opts_t o = {0};
  int rc = parse_args(argc, argv, &o);
  if (rc < 0) {
    srv_config_t cfg;
    if (load_config(&o, &cfg) < 0) {
      rc = 2;
    } else if (strcmp(o.command, "check-config") == 0) {
      rc = cmd_check_config(&o, &cfg);
    } else if (strcmp(o.command, "migrate") == 0) {
      rc = cmd_migrate(&cfg);
    } else if (strcmp(o.command, "bootstrap-admin") == 0) {
      rc = cmd_bootstrap_admin(&o, &cfg);
    } else {
      rc = cmd_run(&o, &cfg);
    }
  }
  for (size_t i = 0; i < o.n; i++) free(o.owned[i]);
  return rc;
}
