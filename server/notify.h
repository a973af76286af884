/* notify: readiness and status messages to systemd (sd_notify protocol),
 * without linking libsystemd. A no-op when $NOTIFY_SOCKET is unset. */
#ifndef SIMPEGD_NOTIFY_H
#define SIMPEGD_NOTIFY_H

/* Sends "KEY=VALUE\n..." lines; returns 0, or negative errno (ignored by callers). */
int srv_notify(const char *state);

#endif
