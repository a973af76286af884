/* session_store: the CLI's saved session token; see session_store.h. */
#include "session_store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

#define FILE_MAX 4096 /* a real session file is well under 1 KiB */

int session_store_path(char *out, size_t cap) {
  const char *xdg = getenv("XDG_STATE_HOME");
  const char *home = getenv("HOME");
  int n;
  /* The XDG spec says to ignore a relative XDG_STATE_HOME. */
  if (xdg && xdg[0] == '/')
    n = snprintf(out, cap, "%s/simpeg/session", xdg);
  else if (home && home[0] == '/')
    n = snprintf(out, cap, "%s/.local/state/simpeg/session", home);
  else
    return -1;
  return n < 0 || (size_t)n >= cap ? -1 : 0;
}

static int no_path(char *err, size_t errlen) {
  snprintf(err, errlen, "%s",
           _("there is no place for the session file: set HOME (or XDG_STATE_HOME) to an absolute directory"));
  return SESSION_STORE_ERROR;
}

/* dir = the directory part of path. */
static void dir_of(const char *path, char *dir, size_t cap) {
  snprintf(dir, cap, "%s", path);
  char *slash = strrchr(dir, '/');
  if (slash) *slash = '\0';
}

/* Tokens and addresses go into a line-based file: printable ASCII only,
 * no spaces, so nothing can inject a line. */
static bool printable_word(const char *s, size_t max) {
  size_t n = 0;
  for (; s[n]; n++) {
    unsigned char c = (unsigned char)s[n];
    if (c <= 0x20 || c >= 0x7F || n + 1 >= max) return false;
  }
  return n > 0;
}

/* The directory must be ours and not writable by anyone else (another
 * user could otherwise swap the file). With `fix`, a directory of ours
 * with a looser mode is made 0700. SESSION_STORE_NONE when it does not
 * exist. */
static int check_dir(const char *dir, bool fix, char *err, size_t errlen) {
  struct stat st;
  if (lstat(dir, &st) != 0) {
    if (errno == ENOENT) return SESSION_STORE_NONE;
    snprintf(err, errlen, _("cannot examine the session directory %s: %s"), dir, strerror(errno));
    return SESSION_STORE_ERROR;
  }
  if (!S_ISDIR(st.st_mode)) {
    snprintf(err, errlen, _("the session directory %s is not a directory; it is not used"), dir);
    return SESSION_STORE_ERROR;
  }
  if (st.st_uid != geteuid()) {
    snprintf(err, errlen, _("the session directory %s belongs to another user; it is not used"), dir);
    return SESSION_STORE_ERROR;
  }
  if (fix && (st.st_mode & 077) != 0) {
    if (chmod(dir, 0700) != 0) {
      snprintf(err, errlen, _("cannot make the session directory %s private: %s"), dir, strerror(errno));
      return SESSION_STORE_ERROR;
    }
  } else if ((st.st_mode & 022) != 0) {
    snprintf(err, errlen,
             _("the session directory %s can be changed by other users (mode %04o); make it private "
               "with 'chmod 700 %s'"),
             dir, (unsigned)(st.st_mode & 07777), dir);
    return SESSION_STORE_ERROR;
  }
  return SESSION_STORE_OK;
}

typedef struct stored {
  char server[SESSION_SERVER_MAX];
  char token[SESSION_TOKEN_MAX];
} stored_t;

/* Reads and checks the file. SESSION_STORE_OK with *out filled,
 * SESSION_STORE_NONE when there is no file, or SESSION_STORE_ERROR. */
static int read_stored(const char *path, stored_t *out, char *err, size_t errlen) {
  memset(out, 0, sizeof(*out));
  char dir[4096];
  dir_of(path, dir, sizeof(dir));
  int rc = check_dir(dir, false, err, errlen);
  if (rc != SESSION_STORE_OK) return rc;

  int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) {
    if (errno == ENOENT) return SESSION_STORE_NONE;
    if (errno == ELOOP)
      snprintf(err, errlen, _("the session file %s is a symbolic link; it is not used"), path);
    else
      snprintf(err, errlen, _("cannot read the session file %s: %s"), path, strerror(errno));
    return SESSION_STORE_ERROR;
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    snprintf(err, errlen, _("cannot read the session file %s: %s"), path, strerror(errno));
    close(fd);
    return SESSION_STORE_ERROR;
  }
  if (!S_ISREG(st.st_mode)) {
    snprintf(err, errlen, _("the session file %s is not a regular file; it is not used"), path);
    close(fd);
    return SESSION_STORE_ERROR;
  }
  if (st.st_uid != geteuid()) {
    snprintf(err, errlen,
             _("the session file %s belongs to another user; it is not used. Remove it and sign in "
               "again with 'simpeg login'"),
             path);
    close(fd);
    return SESSION_STORE_ERROR;
  }
  if ((st.st_mode & 077) != 0) {
    snprintf(err, errlen,
             _("the session file %s can be read or changed by other users (mode %04o); it is not used, "
               "as the session may have been exposed. Remove it and sign in again with 'simpeg login'"),
             path, (unsigned)(st.st_mode & 07777));
    close(fd);
    return SESSION_STORE_ERROR;
  }

  char buf[FILE_MAX + 1];
  size_t n = 0;
  for (;;) {
    ssize_t r = read(fd, buf + n, sizeof(buf) - 1 - n);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      snprintf(err, errlen, _("cannot read the session file %s: %s"), path, strerror(errno));
      close(fd);
      explicit_bzero(buf, sizeof(buf));
      return SESSION_STORE_ERROR;
    }
    if (r == 0 || n + (size_t)r >= sizeof(buf) - 1) {
      n += (size_t)r;
      break;
    }
    n += (size_t)r;
  }
  close(fd);
  buf[n] = '\0';

  bool ok = n < FILE_MAX;
  for (char *line = buf, *next; ok && line && *line; line = next) {
    next = strchr(line, '\n');
    if (next) *next++ = '\0';
    if (line[0] == '#' || line[0] == '\0') continue;
    char *dst = NULL;
    size_t cap = 0;
    if (strncmp(line, "server=", 7) == 0) {
      dst = out->server, cap = sizeof(out->server);
      line += 7;
    } else if (strncmp(line, "token=", 6) == 0) {
      dst = out->token, cap = sizeof(out->token);
      line += 6;
    } else {
      continue; /* a key from a later version */
    }
    ok = dst[0] == '\0' && printable_word(line, cap);
    if (ok) memcpy(dst, line, strlen(line) + 1);
  }
  explicit_bzero(buf, sizeof(buf));
  if (!ok || !out->server[0] || !out->token[0]) {
    explicit_bzero(out, sizeof(*out));
    snprintf(err, errlen,
             _("the session file %s is damaged; remove it and sign in again with 'simpeg login'"), path);
    return SESSION_STORE_ERROR;
  }
  return SESSION_STORE_OK;
}

int session_store_load(const char *server, char *token, size_t cap, char *stored_server, size_t stored_cap,
                       char *err, size_t errlen) {
  if (cap) token[0] = '\0';
  if (stored_server && stored_cap) stored_server[0] = '\0';
  char path[4096];
  if (session_store_path(path, sizeof(path)) < 0) return no_path(err, errlen);
  stored_t st;
  int rc = read_stored(path, &st, err, errlen);
  if (rc != SESSION_STORE_OK) return rc;
  if (stored_server && stored_cap) snprintf(stored_server, stored_cap, "%s", st.server);
  if (strcmp(st.server, server) != 0) {
    rc = SESSION_STORE_NONE;
  } else if (strlen(st.token) >= cap) {
    snprintf(err, errlen, _("the session file %s is damaged; remove it and sign in again with 'simpeg login'"),
             path);
    rc = SESSION_STORE_ERROR;
  } else {
    memcpy(token, st.token, strlen(st.token) + 1);
  }
  explicit_bzero(&st, sizeof(st));
  return rc;
}

/* mkdir -p with mode 0700 for what it creates (the XDG spec asks for
 * 0700 on state directories it has to create). */
static int make_dirs(const char *dir, char *err, size_t errlen) {
  char tmp[4096];
  snprintf(tmp, sizeof(tmp), "%s", dir);
  for (char *p = tmp + 1;; p++) {
    if (*p != '/' && *p != '\0') continue;
    char c = *p;
    *p = '\0';
    if (mkdir(tmp, 0700) != 0 && errno != EEXIST) {
      snprintf(err, errlen, _("cannot create the session directory %s: %s"), tmp, strerror(errno));
      return SESSION_STORE_ERROR;
    }
    *p = c;
    if (c == '\0') break;
  }
  return SESSION_STORE_OK;
}

static void sync_dir(const char *dir) {
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    (void)fsync(fd);
    close(fd);
  }
}

static bool write_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= (size_t)w;
  }
  return true;
}

int session_store_save(const char *server, const char *token, char *err, size_t errlen) {
  if (!printable_word(server, SESSION_SERVER_MAX)) {
    snprintf(err, errlen, _("cannot save the session: the server address \"%s\" is not usable in the session file"),
             server);
    return SESSION_STORE_ERROR;
  }
  if (!printable_word(token, SESSION_TOKEN_MAX)) {
    snprintf(err, errlen, "%s", _("cannot save the session: the server sent a session token of an unexpected form"));
    return SESSION_STORE_ERROR;
  }
  char path[4096], dir[4096], tmp[4200];
  if (session_store_path(path, sizeof(path)) < 0) return no_path(err, errlen);
  dir_of(path, dir, sizeof(dir));
  if (make_dirs(dir, err, errlen) != SESSION_STORE_OK) return SESSION_STORE_ERROR;
  if (check_dir(dir, true, err, errlen) != SESSION_STORE_OK) return SESSION_STORE_ERROR;

  snprintf(tmp, sizeof(tmp), "%s/.session.XXXXXX", dir);
  int fd = mkostemp(tmp, O_CLOEXEC); /* mode 0600, O_EXCL */
  if (fd < 0) {
    snprintf(err, errlen, _("cannot save the session in %s: %s"), dir, strerror(errno));
    return SESSION_STORE_ERROR;
  }
  char buf[SESSION_SERVER_MAX + SESSION_TOKEN_MAX + 128];
  int n = snprintf(buf, sizeof(buf), "# simpeg session: secret, do not share or copy\nserver=%s\ntoken=%s\n",
                   server, token);
  bool ok = n > 0 && (size_t)n < sizeof(buf) && fchmod(fd, 0600) == 0 && write_all(fd, buf, (size_t)n) &&
            fsync(fd) == 0;
  int saved_errno = errno;
  explicit_bzero(buf, sizeof(buf));
  if (close(fd) != 0 && ok) {
    ok = false;
    saved_errno = errno;
  }
  if (ok && rename(tmp, path) != 0) {
    ok = false;
    saved_errno = errno;
  }
  if (!ok) {
    unlink(tmp);
    snprintf(err, errlen, _("cannot save the session in %s: %s"), path, strerror(saved_errno));
    return SESSION_STORE_ERROR;
  }
  sync_dir(dir);
  return SESSION_STORE_OK;
}

int session_store_remove(const char *server, const char *token, char *err, size_t errlen) {
  char path[4096];
  if (session_store_path(path, sizeof(path)) < 0) return no_path(err, errlen);
  stored_t st;
  int rc = read_stored(path, &st, err, errlen);
  if (rc != SESSION_STORE_OK) return rc;
  bool match = strcmp(st.server, server) == 0 && (!token || strcmp(st.token, token) == 0);
  explicit_bzero(&st, sizeof(st));
  if (!match) return SESSION_STORE_NONE;
  if (unlink(path) != 0) {
    if (errno == ENOENT) return SESSION_STORE_NONE;
    snprintf(err, errlen, _("cannot remove the session file %s: %s"), path, strerror(errno));
    return SESSION_STORE_ERROR;
  }
  char dir[4096];
  dir_of(path, dir, sizeof(dir));
  sync_dir(dir);
  return SESSION_STORE_OK;
}
