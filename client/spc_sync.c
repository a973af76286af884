/* spc_sync: blocking calls for command-line tools, on a private loop.
 *
 * Each call runs the loop until its callback has fired; the loop belongs
 * to the session and is closed (uv_loop_close == 0) by spc_sync_close. */
#include <stdlib.h>
#include <string.h>

#include "spc_internal.h"

#define SYNC_EVENTS_MAX 1024

struct spc_sync {
  uv_loop_t loop;
  spc_client_t *client;
  /* pushed events not yet taken (spc_sync_next_event), a ring */
  Simpeg__V1__Event *events[SYNC_EVENTS_MAX];
  size_t ev_head, ev_count;
  bool ev_waiting;
};

typedef struct sync_wait {
  uv_loop_t *loop;
  bool done;
  int status;
  Simpeg__V1__Response *resp;
  spc_error_t err;
} sync_wait_t;

/* Every callback that ends a wait also calls uv_stop: a timer callback
 * that sets `done` at the start of a loop iteration would otherwise leave
 * uv_run blocked in poll on a silent connection. */
static void wait_done(sync_wait_t *w) {
  w->done = true;
  uv_stop(w->loop);
}

static void on_sync_state(spc_client_t *c, spc_state_t st, const spc_error_t *err,
                          const Simpeg__V1__GoAway *ga, void *ud) {
  sync_wait_t *w = ud;
  (void)c;
  (void)ga;
  if (!w || w->done) return;
  if (st == SPC_STATE_READY) {
    w->status = 0;
    wait_done(w);
  } else if ((st == SPC_STATE_FAILED || st == SPC_STATE_BACKOFF) && err) {
    w->status = err->code;
    w->err = *err;
    wait_done(w);
  }
}

static void run_until(uv_loop_t *loop, const bool *done) {
  while (!*done && uv_run(loop, UV_RUN_ONCE) != 0) {
  }
}

static void on_sync_closed(void *ud) { wait_done(ud); }

/* The event lives only during the callback: keep a copy. */
static void on_sync_event(spc_client_t *c, const Simpeg__V1__Event *ev, void *ud) {
  spc_sync_t *s = ud;
  (void)c;
  size_t n = simpeg__v1__event__get_packed_size(ev);
  uint8_t *buf = sp_xmalloc(n ? n : 1);
  simpeg__v1__event__pack(ev, buf);
  Simpeg__V1__Event *copy = simpeg__v1__event__unpack(NULL, n, buf);
  free(buf);
  if (!copy) return;
  if (s->ev_count == SYNC_EVENTS_MAX) { /* drop the oldest */
    simpeg__v1__event__free_unpacked(s->events[s->ev_head], NULL);
    s->ev_head = (s->ev_head + 1) % SYNC_EVENTS_MAX;
    s->ev_count--;
  }
  s->events[(s->ev_head + s->ev_count) % SYNC_EVENTS_MAX] = copy;
  s->ev_count++;
  if (s->ev_waiting) uv_stop(&s->loop);
}

static void sync_free(spc_sync_t *s) {
  while (s->ev_count) {
    simpeg__v1__event__free_unpacked(s->events[s->ev_head], NULL);
    s->ev_head = (s->ev_head + 1) % SYNC_EVENTS_MAX;
    s->ev_count--;
  }
  if (s->client) {
    sync_wait_t w = {.loop = &s->loop};
    spc_client_close(s->client, on_sync_closed, &w);
    run_until(&s->loop, &w.done);
    s->client = NULL;
  }
  uv_run(&s->loop, UV_RUN_DEFAULT);
  uv_loop_close(&s->loop);
  free(s);
}

spc_sync_t *spc_sync_open(const spc_options_t *opt, spc_error_t *err) {
  spc_sync_t *s = sp_xcalloc(1, sizeof(*s));
  int rc = uv_loop_init(&s->loop);
  if (rc < 0) {
    spc_error_set(err, NULL, SPC_EINVAL, "uv_loop_init: %s", uv_strerror(rc));
    free(s);
    return NULL;
  }
  spc_options_t o = *opt;
  o.reconnect = false; /* a failure should reach the caller, not a back-off */
  s->client = spc_client_new(&s->loop, &o, err);
  if (!s->client) {
    sync_free(s);
    return NULL;
  }
  sync_wait_t w;
  memset(&w, 0, sizeof(w));
  w.loop = &s->loop;
  spc_client_set_callbacks(s->client, on_sync_state, NULL, &w);
  rc = spc_client_connect(s->client);
  if (rc == 0) run_until(&s->loop, &w.done);
  spc_client_set_callbacks(s->client, NULL, on_sync_event, s);
  if (rc != 0 || w.status != 0 || !w.done) {
    if (w.done) {
      *err = w.err;
    } else {
      spc_error_set(err, s->client, rc ? rc : SPC_ECLOSED, "connection ended");
    }
    sync_free(s);
    return NULL;
  }
  memset(err, 0, sizeof(*err));
  return s;
}

static void on_sync_response(spc_client_t *c, int status, Simpeg__V1__Response *resp,
                             const spc_error_t *err, void *ud) {
  sync_wait_t *w = ud;
  (void)c;
  w->status = status;
  w->resp = resp;
  if (err) w->err = *err;
  wait_done(w);
}

int spc_sync_call(spc_sync_t *s, Simpeg__V1__Request *req, Simpeg__V1__Response **resp, spc_error_t *err) {
  sync_wait_t w;
  memset(&w, 0, sizeof(w));
  w.loop = &s->loop;
  *resp = NULL;
  memset(err, 0, sizeof(*err));
  int rc = spc_client_call(s->client, req, on_sync_response, &w, NULL);
  if (rc < 0) {
    spc_error_set(err, s->client, rc, "request not sent");
    if (rc == s->client->last_error.code) *err = s->client->last_error;
    return rc;
  }
  run_until(&s->loop, &w.done);
  *resp = w.resp;
  if (w.status != 0) {
    *err = w.err;
    /* The server Error lives in the Response the caller now owns. */
    if (w.status == SPC_ESERVER && w.resp) err->server = w.resp->error;
  }
  return w.status;
}

static void on_sleep_timer(uv_timer_t *t) { wait_done(t->data); }
static void on_sleep_closed(uv_handle_t *h) { wait_done(h->data); }

void spc_sync_sleep(spc_sync_t *s, uint32_t ms) {
  uv_timer_t t;
  sync_wait_t w = {.loop = &s->loop};
  uv_timer_init(&s->loop, &t);
  t.data = &w;
  uv_timer_start(&t, on_sleep_timer, ms, 0);
  run_until(&s->loop, &w.done);
  w.done = false;
  uv_close((uv_handle_t *)&t, on_sleep_closed);
  run_until(&s->loop, &w.done);
}

int spc_sync_next_event(spc_sync_t *s, uint32_t timeout_ms, Simpeg__V1__Event **ev, spc_error_t *err) {
  *ev = NULL;
  memset(err, 0, sizeof(*err));
  uv_timer_t t;
  sync_wait_t w = {.loop = &s->loop};
  uv_timer_init(&s->loop, &t);
  t.data = &w;
  uv_timer_start(&t, on_sleep_timer, timeout_ms, 0);
  s->ev_waiting = true;
  int rc = SPC_ETIMEDOUT;
  for (;;) {
    if (s->ev_count) {
      *ev = s->events[s->ev_head];
      s->ev_head = (s->ev_head + 1) % SYNC_EVENTS_MAX;
      s->ev_count--;
      rc = 0;
      break;
    }
    spc_state_t st = spc_client_state(s->client);
    if (st == SPC_STATE_FAILED || st == SPC_STATE_CLOSED) {
      *err = s->client->last_error;
      rc = err->code ? err->code : SPC_ECLOSED;
      if (!err->code) spc_error_set(err, s->client, rc, "connection ended");
      break;
    }
    if (w.done) break;
    uv_run(&s->loop, UV_RUN_ONCE);
  }
  s->ev_waiting = false;
  if (rc == SPC_ETIMEDOUT) spc_error_set(err, s->client, rc, "no event within %u ms", timeout_ms);
  w.done = false;
  uv_close((uv_handle_t *)&t, on_sleep_closed);
  run_until(&s->loop, &w.done);
  return rc;
}

const spc_server_info_t *spc_sync_server_info(const spc_sync_t *s) { return spc_client_server_info(s->client); }

void spc_sync_close(spc_sync_t *s) {
  if (s) sync_free(s);
}
