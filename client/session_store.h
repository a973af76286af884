/* session_store: where the `simpeg` CLI keeps its session token between
 * runs.
 *
 * One file, $XDG_STATE_HOME/simpeg/session (an absolute XDG_STATE_HOME;
 * otherwise ~/.local/state/simpeg/session), holds the server address the
 * session belongs to and the token:
 *
 *   # simpeg session: secret, do not share or copy
 *   server=simpeg.example.go.id:7443
 *   token=...
 *
 * Rules, all enforced here so no command can get them wrong:
 *   - the directory is ours (owner = effective uid, mode 0700 when we
 *     create it, never writable by others), the file is a regular file we
 *     own with mode 0600; anything else is refused with a message saying
 *     why, and the token in it is not used;
 *   - the file is replaced atomically (temporary file in the same
 *     directory, fsync, rename, fsync of the directory), so a reader sees
 *     the old session or the new one, never half of one;
 *   - a token is only handed out for the server it was issued by (exact
 *     address string), so it is never sent anywhere else.
 * Messages are translated (gettext) and never contain the token. */
#ifndef SIMPEG_SESSION_STORE_H
#define SIMPEG_SESSION_STORE_H

#include <stddef.h>

#define SESSION_TOKEN_MAX 512  /* buffer size: tokens are at most 511 bytes */
#define SESSION_SERVER_MAX 256 /* buffer size for a server address */

enum {
  SESSION_STORE_OK = 0,     /* found / saved / removed */
  SESSION_STORE_NONE = 1,   /* nothing stored for this server (no file, or one for another server) */
  SESSION_STORE_ERROR = -1, /* unusable (permissions, owner, damage, I/O): message in err */
};

/* The file's path. 0, or -1 when neither XDG_STATE_HOME nor HOME gives a
 * place (or the path does not fit). */
int session_store_path(char *out, size_t cap);

/* The token stored for `server` into token[cap] (cap >= SESSION_TOKEN_MAX).
 * SESSION_STORE_OK; SESSION_STORE_NONE, with the address the stored
 * session belongs to in stored_server (may be NULL; "" when there is no
 * file); or SESSION_STORE_ERROR with a message in err. */
int session_store_load(const char *server, char *token, size_t cap, char *stored_server, size_t stored_cap,
                       char *err, size_t errlen);

/* Replaces the stored session with `token` for `server`, creating the
 * directories as needed. SESSION_STORE_OK or SESSION_STORE_ERROR. */
int session_store_save(const char *server, const char *token, char *err, size_t errlen);

/* Removes the stored session if it belongs to `server` and, when `token`
 * is not NULL, still holds that token (so a session stored meanwhile by
 * another `simpeg login` survives). SESSION_STORE_OK when removed,
 * SESSION_STORE_NONE when nothing matched, SESSION_STORE_ERROR. */
int session_store_remove(const char *server, const char *token, char *err, size_t errlen);

#endif
