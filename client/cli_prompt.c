/* cli_prompt: asking a person for a line (user name) or a secret
 * (password) on the terminal, and reading secrets from a pipe for scripts.
 *
 * Questions go to /dev/tty, not stdout/stderr, so `simpeg login >file`
 * still asks on the screen. For a secret, echo is turned off on /dev/tty
 * with termios; the old settings come back when the line is read, and
 * also when a signal (Ctrl-C, Ctrl-\, hang-up, termination) ends the
 * program meanwhile: the handler restores the terminal and re-raises the
 * signal with its default action. Ctrl-Z restores the terminal before
 * stopping and turns echo off again on resume.
 *
 * Lines are read one byte at a time with read(2), so no stdio buffer keeps
 * a copy of a password and nothing after the line is consumed from a
 * pipe. Buffers that held secrets are wiped by the callers
 * (explicit_bzero). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"

ssize_t cli_read_line_fd(int fd, char *buf, size_t cap) {
  size_t n = 0;
  bool too_long = false, any = false;
  for (;;) {
    char c;
    ssize_t r = read(fd, &c, 1);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      explicit_bzero(buf, cap);
      return CLI_LINE_ERROR;
    }
    if (r == 0) {
      if (!any) return CLI_LINE_EOF;
      break;
    }
    any = true;
    if (c == '\n') break;
    if (n + 1 < cap)
      buf[n++] = c;
    else
      too_long = true; /* read on to the end of the line, keep nothing */
    c = 0;
  }
  if (too_long) {
    explicit_bzero(buf, cap);
    return CLI_LINE_TOO_LONG;
  }
  if (n > 0 && buf[n - 1] == '\r') n--; /* a line from a Windows editor */
  buf[n] = '\0';
  return (ssize_t)n;
}

/* ---- the terminal ---- */

static volatile sig_atomic_t tty_fd = -1;
static struct termios tty_saved;   /* what to restore */
static struct termios tty_noecho;  /* what we set */

static const int caught_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP};
#define N_CAUGHT (sizeof(caught_signals) / sizeof(caught_signals[0]))
static struct sigaction old_actions[N_CAUGHT];

static void on_signal(int sig);

static void install_handlers(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  for (size_t i = 0; i < N_CAUGHT; i++) sigaction(caught_signals[i], &sa, &old_actions[i]);
}

static void restore_handlers(void) {
  for (size_t i = 0; i < N_CAUGHT; i++) sigaction(caught_signals[i], &old_actions[i], NULL);
}

/* Only async-signal-safe calls here: tcsetattr, write, sigaction,
 * sigprocmask, raise. */
static void on_signal(int sig) {
  int saved_errno = errno;
  int fd = tty_fd;
  if (fd >= 0) {
    tcsetattr(fd, TCSANOW, &tty_saved);
    (void)!write(fd, "\n", 1);
  }
  struct sigaction dfl;
  memset(&dfl, 0, sizeof(dfl));
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  sigaction(sig, &dfl, NULL);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, sig);
  sigprocmask(SIG_UNBLOCK, &set, NULL);
  raise(sig); /* default action: terminate, or stop for SIGTSTP */
  if (sig == SIGTSTP) {
    /* Resumed: ask again without echo. */
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGTSTP, &sa, NULL);
    if (fd >= 0) tcsetattr(fd, TCSAFLUSH, &tty_noecho);
  }
  errno = saved_errno;
}

int cli_prompt(cli_ctx_t *ctx, const char *prompt, bool secret, char *buf, size_t cap) {
  int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) {
    fprintf(ctx->err, "simpeg: %s\n",
            secret ? _("cannot ask for the password: there is no terminal (use --password-stdin in scripts)")
                   : _("cannot ask for the user name: there is no terminal (give it as an argument)"));
    return CLI_EXIT_USAGE;
  }
  bool echo_off = false;
  if (secret && tcgetattr(fd, &tty_saved) == 0) {
    tty_noecho = tty_saved;
    tty_noecho.c_lflag &= ~(tcflag_t)ECHO;
    tty_noecho.c_lflag |= ICANON;
    tty_fd = fd;
    install_handlers();
    echo_off = tcsetattr(fd, TCSAFLUSH, &tty_noecho) == 0;
    if (!echo_off) {
      restore_handlers();
      tty_fd = -1;
    }
  }
  (void)!write(fd, prompt, strlen(prompt));
  ssize_t n = cli_read_line_fd(fd, buf, cap);
  if (echo_off) {
    tcsetattr(fd, TCSAFLUSH, &tty_saved);
    tty_fd = -1;
    restore_handlers();
    (void)!write(fd, "\n", 1); /* the Enter the user typed was not echoed */
  }
  close(fd);
  if (n == CLI_LINE_TOO_LONG) {
    fprintf(ctx->err, _("simpeg: the input is too long (at most %zu bytes)\n"), cap - 1);
    return CLI_EXIT_USAGE;
  }
  if (n < 0) {
    fprintf(ctx->err, "simpeg: %s\n", _("cancelled"));
    return CLI_EXIT_USAGE;
  }
  return 0;
}

int cli_read_secret_stdin(cli_ctx_t *ctx, const char *what, char *buf, size_t cap) {
  ssize_t n = cli_read_line_fd(STDIN_FILENO, buf, cap);
  if (n == CLI_LINE_TOO_LONG) {
    /* TRANSLATORS: %s is what was read, e.g. "the new password". */
    fprintf(ctx->err, _("simpeg: %s on standard input is too long (at most %zu bytes)\n"), what, cap - 1);
    return CLI_EXIT_USAGE;
  }
  if (n < 0) {
    /* TRANSLATORS: %s is what was expected, e.g. "the new password". */
    fprintf(ctx->err, _("simpeg: %s is missing on standard input\n"), what);
    return CLI_EXIT_USAGE;
  }
  return 0;
}
