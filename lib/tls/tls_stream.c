/*
 * sf_tls_t: a stream whose bytes go through OpenSSL on their way to and
 * from the TCP stream below, with two memory BIOs in between.
 *
 * Reading: TCP's data is written into the read BIO; each drive runs the
 * handshake while it lasts, then SSL_read into the application's buffers
 * (alloc_cb, read_cb). TCP reads while the handshake runs or the
 * application reads, so a stream that does not read stops its peer.
 *
 * Writing: sf_write queues the request; the pump encrypts it 16 KiB at a
 * time (SSL_write) while TCP's queue is short, and hands each batch of
 * records to TCP as one sf_write of a chunk. The chunk carrying a
 * request's last byte finishes the request when TCP has taken it.
 *
 * Work that ends in an application callback runs from the loop: TCP's
 * callbacks, or a "kick" (an internal request finished at once, so
 * delivery calls back into drive) when a public call has work to do.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "api/stream.h"
#include "api/tcp_impl.h"
#include "tls/tls.h"

#define READ_SUGGESTED (64 * 1024)
#define TCP_READ_BUF (64 * 1024)
#define PLAINTEXT_STEP (16 * 1024)  /* one full record per SSL_write */
#define TCP_QUEUE_MAX (256 * 1024)  /* encrypt no further ahead */

struct sf__tls_impl {
  sf_tls_t *tls;
  sf_tcp_t *tcp;
  sf_tls_ctx_t *ctx;
  SSL *ssl;
  BIO *rbio, *wbio; /* ciphertext in from TCP, out to TCP */
  char *tcp_buf;
  char server_name[256];
  sf_tls_handshake_cb hs_cb;
  sf_alloc_cb alloc_cb;
  sf_read_cb read_cb;
  bool reading, tcp_reading;
  bool hs_done;
  bool tcp_eof;          /* TCP's FIN was read */
  int tcp_error;         /* TCP's failure, as read */
  int error;             /* the stream's failure: writes end with it */
  bool eof_reported, err_reported;
  bool notify_sent;      /* close_notify is on its way */
  bool kick_queued;
  sf_write_t kick;
  sf_write_t *wq_head, *wq_tail; /* linked through next_ */
  size_t wq_plain;       /* plaintext queued, not yet encrypted */
  unsigned chunks;       /* record batches TCP has not taken */
  sf_shutdown_t *shut_req;
  bool shut_passed;      /* sf_shutdown called on TCP */
  sf_shutdown_t tcp_shut;
  sf_tls_info_t info;
};

/* A batch of records on its way through TCP. */
struct chunk {
  sf_write_t req;
  struct sf__tls_impl *t;
  sf_write_t *done; /* the user's request it finishes, or NULL */
  char data[];
};

static void drive(struct sf__tls_impl *t);

static struct sf__tls_impl *impl_of(sf_stream_t *s) {
  return ((sf_tls_t *)s)->impl_;
}
static const struct sf__tls_impl *const_impl_of(const sf_stream_t *s) {
  return ((const sf_tls_t *)s)->impl_;
}
static bool closing(const struct sf__tls_impl *t) {
  return sf__handle_closing((const sf_handle_t *)t->tls);
}
static sf_stream_t *tcp_stream(struct sf__tls_impl *t) {
  return (sf_stream_t *)t->tcp;
}

static void set_reason(struct sf__tls_impl *t, const char *text) {
  snprintf(t->info.reason, sizeof(t->info.reason), "%s", text);
}

static void update_active(struct sf__tls_impl *t) {
  bool busy = t->reading || t->wq_head || t->shut_req || t->chunks ||
              (!t->hs_done && !t->error);
  sf__handle_set_active((sf_handle_t *)t->tls, busy && !closing(t));
}

/* Drive from the loop later (never call back inside a public call). */
static void kick_cb(sf_write_t *req, int status) {
  (void)status;
  struct sf__tls_impl *t = ((sf_tls_t *)req->handle)->impl_;
  t->kick_queued = false;
  if (!closing(t))
    drive(t);
}

static void kick(struct sf__tls_impl *t) {
  if (t->kick_queued)
    return;
  t->kick_queued = true;
  sf_loop_t *loop = t->tls->loop;
  sf__req_start(loop, (sf_req_t *)&t->kick, SF_WRITE);
  t->kick.handle = (sf_stream_t *)t->tls;
  t->kick.cb_ = kick_cb;
  sf__req_done(loop, (sf_req_t *)&t->kick, 0);
}

/* ------------------------------------------------------------- writing */

static void fail_writes(struct sf__tls_impl *t, int status) {
  while (t->wq_head) {
    sf_write_t *req = t->wq_head;
    t->wq_head = (sf_write_t *)req->next_;
    sf__write_req_release(req);
    sf__req_done(t->tls->loop, (sf_req_t *)req, status);
  }
  t->wq_tail = NULL;
  t->wq_plain = 0;
  if (t->shut_req && !t->shut_passed) {
    sf__req_done(t->tls->loop, (sf_req_t *)t->shut_req, status);
    t->shut_req = NULL;
  }
}

/* The stream failed: queued writes end with the error; TCP carries on
 * with what it has (an alert, maybe). */
static void fail(struct sf__tls_impl *t, int code) {
  if (!t->error)
    t->error = code;
  fail_writes(t, t->error);
}

static void chunk_written(sf_write_t *req, int status) {
  struct chunk *c = (struct chunk *)req;
  struct sf__tls_impl *t = c->t;
  t->chunks--;
  if (c->done)
    sf__req_done(t->tls->loop, (sf_req_t *)c->done, status);
  free(c);
  if (closing(t))
    return;
  if (status < 0 && !t->error) {
    set_reason(t, "TCP could not send the records");
    fail(t, status);
  }
  drive(t);
}

/* Hands what OpenSSL wrote (records, alerts) to TCP, finishing done
 * when TCP takes it. */
static void flush_records(struct sf__tls_impl *t, sf_write_t *done) {
  size_t n = BIO_ctrl_pending(t->wbio);
  if (!n && !done)
    return;
  struct chunk *c = malloc(sizeof(*c) + n);
  int rc = SF_ENOMEM;
  if (c) {
    c->t = t;
    c->done = done;
    BIO_read(t->wbio, c->data, (int)n);
    sf_buf_t b = sf_buf_init(c->data, n);
    rc = sf_write(&c->req, tcp_stream(t), &b, 1, chunk_written);
  }
  if (rc == 0) {
    t->chunks++;
    return;
  }
  free(c);
  BIO_reset(t->wbio);
  if (done)
    sf__req_done(t->tls->loop, (sf_req_t *)done, rc);
  set_reason(t, "TCP refused the records");
  fail(t, rc);
}

static void pop_write(struct sf__tls_impl *t) {
  sf_write_t *req = t->wq_head;
  t->wq_head = (sf_write_t *)req->next_;
  if (!t->wq_head)
    t->wq_tail = NULL;
  sf__write_req_release(req);
  flush_records(t, req);
}

/* Encrypts the next step of the head request; false when it can't. */
static bool encrypt_step(struct sf__tls_impl *t) {
  sf_write_t *req = t->wq_head;
  sf_buf_t *b = &req->bufs_[req->index_];
  size_t n = b->len - req->offset_;
  if (n > PLAINTEXT_STEP)
    n = PLAINTEXT_STEP;
  ERR_clear_error();
  int r = SSL_write(t->ssl, b->base + req->offset_, (int)n);
  if (r <= 0) {
    int e = SSL_get_error(t->ssl, r);
    if (e == SSL_ERROR_WANT_READ)
      return false; /* OpenSSL waits for the peer first */
    fail(t, sf__tls_classify(t->ssl, e, NULL, t->info.reason,
                             sizeof(t->info.reason)));
    return false;
  }
  req->offset_ += (size_t)r;
  t->wq_plain -= (size_t)r;
  return true;
}

static void send_close_notify(struct sf__tls_impl *t) {
  ERR_clear_error();
  SSL_shutdown(t->ssl);
  ERR_clear_error();
  t->notify_sent = true;
}

static void tcp_shutdown_cb(sf_shutdown_t *req, int status) {
  struct sf__tls_impl *t = ((sf_tls_t *)req->data)->impl_;
  if (t->shut_req)
    sf__req_done(t->tls->loop, (sf_req_t *)t->shut_req, status);
  t->shut_req = NULL;
  if (!closing(t))
    update_active(t);
}

/* After the last queued write: close_notify, then TCP's FIN. */
static void pass_shutdown(struct sf__tls_impl *t) {
  send_close_notify(t);
  flush_records(t, NULL);
  t->shut_passed = true;
  t->tcp_shut.data = t->tls;
  int rc = sf_shutdown(&t->tcp_shut, tcp_stream(t), tcp_shutdown_cb);
  if (rc) {
    sf__req_done(t->tls->loop, (sf_req_t *)t->shut_req, rc);
    t->shut_req = NULL;
  }
}

static void pump_writes(struct sf__tls_impl *t) {
  while (t->wq_head && !t->error &&
         sf_stream_get_write_queue_size(tcp_stream(t)) < TCP_QUEUE_MAX) {
    sf_write_t *req = t->wq_head;
    if (req->index_ == req->nbufs_) {
      pop_write(t);
    } else if (req->offset_ == req->bufs_[req->index_].len) {
      req->index_++;
      req->offset_ = 0;
    } else if (encrypt_step(t)) {
      if (sf__write_req_left(req))
        flush_records(t, NULL);
    } else {
      return;
    }
  }
  if (!t->wq_head && t->shut_req && !t->shut_passed && !t->error)
    pass_shutdown(t);
}

/* ------------------------------------------------------------ handshake */

static void fill_info(struct sf__tls_impl *t) {
  sf_tls_info_t *i = &t->info;
  snprintf(i->version, sizeof(i->version), "%s", SSL_get_version(t->ssl));
  snprintf(i->cipher, sizeof(i->cipher), "%s",
           SSL_CIPHER_get_name(SSL_get_current_cipher(t->ssl)));
  const unsigned char *alpn = NULL;
  unsigned alen = 0;
  SSL_get0_alpn_selected(t->ssl, &alpn, &alen);
  snprintf(i->alpn, sizeof(i->alpn), "%.*s", (int)alen,
           alpn ? (const char *)alpn : "");
  const char *sni = SSL_get_servername(t->ssl, TLSEXT_NAMETYPE_host_name);
  snprintf(i->server_name, sizeof(i->server_name), "%s", sni ? sni : "");
  X509 *peer = SSL_get1_peer_certificate(t->ssl);
  i->peer_subject[0] = '\0';
  if (peer) {
    X509_NAME_oneline(X509_get_subject_name(peer), i->peer_subject,
                      sizeof(i->peer_subject));
    X509_free(peer);
  }
  i->resumed = SSL_session_reused(t->ssl);
}

/* The handshake's end, to the TCP handle's hooks then to cb. */
static void handshake_over(struct sf__tls_impl *t, int status) {
  t->info.status = status;
  struct sf_hooks_obj *h = sf__tcp_hooks(t->tcp);
  if (h && h->hooks.on_tls_handshake)
    h->hooks.on_tls_handshake(h->arg, &t->info);
  if (t->hs_cb && !closing(t))
    t->hs_cb(t->tls, status);
}

static void handshake_failed(struct sf__tls_impl *t, int code) {
  flush_records(t, NULL); /* the alert, if OpenSSL made one */
  fail(t, code);
  handshake_over(t, code);
}

static void handshake_step(struct sf__tls_impl *t) {
  ERR_clear_error();
  int r = SSL_do_handshake(t->ssl);
  if (r == 1) {
    flush_records(t, NULL);
    t->hs_done = true;
    fill_info(t);
    handshake_over(t, 0);
    return;
  }
  int e = SSL_get_error(t->ssl, r);
  if (e != SSL_ERROR_WANT_READ) {
    handshake_failed(t, sf__tls_classify(t->ssl, e, t->server_name,
                                         t->info.reason,
                                         sizeof(t->info.reason)));
    return;
  }
  flush_records(t, NULL);
  if (t->tcp_error) {
    set_reason(t, "the TCP connection failed during the handshake");
    handshake_failed(t, t->tcp_error);
  } else if (t->tcp_eof) {
    set_reason(t, "the peer closed TCP during the handshake");
    handshake_failed(t, SF_ETRUNCATED);
  }
}

/* ------------------------------------------------------------- reading */

static void report(struct sf__tls_impl *t, ssize_t code, const sf_buf_t *b) {
  if (code == SF_EOF)
    t->eof_reported = true;
  else if (code < 0 && code != SF_ENOBUFS)
    t->err_reported = true;
  t->read_cb((sf_stream_t *)t->tls, code, b);
}

static bool still_reading(const struct sf__tls_impl *t) {
  return t->reading && !closing(t) && !t->err_reported;
}

/* An SSL_read that gave nothing: why, as read_cb will hear it. */
static ssize_t read_end(struct sf__tls_impl *t, int r) {
  int e = SSL_get_error(t->ssl, r);
  if (e == SSL_ERROR_ZERO_RETURN)
    return SF_EOF; /* close_notify */
  if (e == SSL_ERROR_WANT_READ) {
    if (t->tcp_error) {
      set_reason(t, "the TCP connection failed");
      return t->tcp_error;
    }
    if (!t->tcp_eof)
      return 0;
    set_reason(t, "the peer closed TCP without close_notify");
    return SF_ETRUNCATED;
  }
  int code = sf__tls_classify(t->ssl, e, NULL, t->info.reason,
                              sizeof(t->info.reason));
  flush_records(t, NULL);
  fail(t, code);
  return code;
}

static bool have_input(const struct sf__tls_impl *t) {
  return SSL_pending(t->ssl) > 0 || BIO_ctrl_pending(t->rbio) > 0 ||
         t->tcp_eof || t->tcp_error;
}

static void read_pass(struct sf__tls_impl *t) {
  sf_buf_t empty = {NULL, 0};
  while (still_reading(t)) {
    if (!t->hs_done) {
      if (t->error)
        report(t, t->error, &empty);
      return;
    }
    if (t->eof_reported) {
      if (t->tcp_error) /* a reset after the end is still news */
        report(t, t->tcp_error, &empty);
      return;
    }
    if (t->error) {
      report(t, t->error, &empty);
      return;
    }
    if (!have_input(t))
      return;
    sf_buf_t buf = {NULL, 0};
    t->alloc_cb((sf_handle_t *)t->tls, READ_SUGGESTED, &buf);
    if (!still_reading(t))
      return;
    if (!buf.base || !buf.len) {
      report(t, SF_ENOBUFS, &buf);
      return;
    }
    ERR_clear_error();
    int r = SSL_read(t->ssl, buf.base,
                     buf.len > INT32_MAX ? INT32_MAX : (int)buf.len);
    flush_records(t, NULL); /* a KeyUpdate's answer */
    ssize_t n = r > 0 ? r : read_end(t, r);
    report(t, n, &buf);
    if (n == 0)
      return;
  }
}

/* ----------------------------------------------------- the TCP stream */

static void tcp_alloc_cb(sf_handle_t *h, size_t size, sf_buf_t *buf) {
  (void)size;
  struct sf__tls_impl *t = ((sf_tls_t *)h->data)->impl_;
  *buf = sf_buf_init(t->tcp_buf, TCP_READ_BUF);
}

static void tcp_read_cb(sf_stream_t *s, ssize_t n, const sf_buf_t *buf) {
  struct sf__tls_impl *t = ((sf_tls_t *)s->data)->impl_;
  if (n > 0)
    BIO_write(t->rbio, buf->base, (int)n);
  else if (n == SF_EOF)
    t->tcp_eof = true;
  else if (n < 0 && !t->tcp_error)
    t->tcp_error = (int)n;
  if (n != 0 && !closing(t))
    drive(t);
}

/* TCP reads while the handshake runs or the application reads. */
static void update_tcp_reading(struct sf__tls_impl *t) {
  bool want = !t->tcp_eof && !t->tcp_error &&
              ((!t->hs_done && !t->error) || t->reading);
  if (want && !t->tcp_reading)
    t->tcp_reading =
        sf_read_start(tcp_stream(t), tcp_alloc_cb, tcp_read_cb) == 0;
  else if (!want && t->tcp_reading) {
    sf_read_stop(tcp_stream(t));
    t->tcp_reading = false;
  }
}

static void drive(struct sf__tls_impl *t) {
  if (!t->hs_done && !t->error)
    handshake_step(t);
  if (closing(t))
    return;
  if (t->hs_done)
    pump_writes(t);
  read_pass(t);
  if (closing(t))
    return;
  update_tcp_reading(t);
  update_active(t);
}

/* ----------------------------------------------------------- stream ops */

static int tls_read_start(sf_stream_t *s, sf_alloc_cb alloc_cb,
                          sf_read_cb read_cb) {
  struct sf__tls_impl *t = impl_of(s);
  if (t->reading)
    return SF_EALREADY;
  t->alloc_cb = alloc_cb;
  t->read_cb = read_cb;
  t->reading = true;
  update_active(t);
  kick(t);
  return 0;
}

static int tls_read_stop(sf_stream_t *s) {
  struct sf__tls_impl *t = impl_of(s);
  if (!t)
    return 0; /* closed: nothing reads */
  t->reading = false;
  if (!closing(t)) {
    update_tcp_reading(t);
    update_active(t);
  }
  return 0;
}

static int tls_write(sf_write_t *req, sf_stream_t *s, const sf_buf_t bufs[],
                     unsigned nbufs, sf_write_cb cb) {
  struct sf__tls_impl *t = impl_of(s);
  if (t->shut_req || t->shut_passed || t->notify_sent)
    return SF_EPIPE;
  int rc = sf__write_req_start(req, s, bufs, nbufs, cb);
  if (rc)
    return rc;
  t->wq_plain += sf__write_req_left(req);
  if (t->wq_tail)
    t->wq_tail->next_ = (sf_req_t *)req;
  else
    t->wq_head = req;
  t->wq_tail = req;
  if (t->error)
    fail_writes(t, t->error); /* reported through write_cb */
  update_active(t);
  kick(t);
  return 0;
}

/* Encrypts up to one record's worth of the first buffer at once, when
 * nothing waits before it and TCP's queue is short; the records go to
 * TCP as a chunk, so the bytes taken are the application's no more. */
static int tls_try_write(sf_stream_t *s, const sf_buf_t bufs[],
                         unsigned nbufs) {
  struct sf__tls_impl *t = impl_of(s);
  if (t->error)
    return t->error;
  if (t->shut_req || t->notify_sent)
    return SF_EPIPE;
  if (!t->hs_done || t->wq_head ||
      sf_stream_get_write_queue_size(tcp_stream(t)) >= TCP_QUEUE_MAX)
    return SF_EAGAIN;
  size_t len = nbufs ? bufs[0].len : 0;
  if (len > PLAINTEXT_STEP)
    len = PLAINTEXT_STEP;
  if (!len)
    return SF_EAGAIN;
  ERR_clear_error();
  int r = SSL_write(t->ssl, bufs[0].base, (int)len);
  if (r <= 0) {
    fail(t, sf__tls_classify(t->ssl, SSL_get_error(t->ssl, r), NULL,
                             t->info.reason, sizeof(t->info.reason)));
    return t->error;
  }
  flush_records(t, NULL);
  return r;
}

static int tls_shutdown(sf_shutdown_t *req, sf_stream_t *s,
                        sf_shutdown_cb cb) {
  struct sf__tls_impl *t = impl_of(s);
  if (t->shut_req || t->shut_passed || t->notify_sent)
    return SF_ENOTCONN;
  sf__req_start(s->loop, (sf_req_t *)req, SF_SHUTDOWN);
  req->handle = s;
  req->cb_ = cb;
  t->shut_req = req;
  if (t->error)
    fail_writes(t, t->error);
  update_active(t);
  kick(t);
  return 0;
}

static size_t tls_write_queue_size(const sf_stream_t *s) {
  const struct sf__tls_impl *t = const_impl_of(s);
  if (!t)
    return 0;
  return t->wq_plain +
         sf_stream_get_write_queue_size((const sf_stream_t *)t->tcp);
}

static bool tls_readable(const sf_stream_t *s) {
  const struct sf__tls_impl *t = const_impl_of(s);
  return !t->error && !t->eof_reported;
}

static bool tls_writable(const sf_stream_t *s) {
  const struct sf__tls_impl *t = const_impl_of(s);
  return !t->error && !t->shut_req && !t->notify_sent;
}

/* sf_close: pending writes end with SF_ECANCELED; after a handshake,
 * close_notify goes if TCP takes it at once; TCP is closed (its writes
 * not taken are canceled, finishing our chunks before our close_cb). */
static void tls_close(sf_stream_t *s) {
  struct sf__tls_impl *t = impl_of(s);
  t->reading = false;
  fail_writes(t, SF_ECANCELED);
  if (t->hs_done && !t->notify_sent && !t->error && !t->chunks) {
    send_close_notify(t);
    size_t n = BIO_ctrl_pending(t->wbio);
    char alert[128];
    if (n && n <= sizeof(alert)) {
      BIO_read(t->wbio, alert, (int)n);
      sf_buf_t b = sf_buf_init(alert, n);
      sf_try_write(tcp_stream(t), &b, 1);
    }
  }
  sf_close((sf_handle_t *)t->tcp, NULL);
}

static void tls_free(sf_stream_t *s) {
  struct sf__tls_impl *t = impl_of(s);
  SSL_free(t->ssl); /* and its BIOs */
  sf__tls_ctx_release(t->ctx);
  free(t->tcp_buf);
  free(t);
  ((sf_tls_t *)s)->impl_ = NULL;
}

static const struct sf__stream_ops tls_ops = {
    .read_start = tls_read_start,
    .read_stop = tls_read_stop,
    .write = tls_write,
    .try_write = tls_try_write,
    .shutdown = tls_shutdown,
    .write_queue_size = tls_write_queue_size,
    .readable = tls_readable,
    .writable = tls_writable,
    .close = tls_close,
    .free = tls_free,
};

/* --------------------------------------------------------------- public */

static bool make_ssl(struct sf__tls_impl *t, const char *server_name) {
  t->ssl = SSL_new(t->ctx->ssl_ctx);
  t->rbio = BIO_new(BIO_s_mem());
  t->wbio = BIO_new(BIO_s_mem());
  if (!t->ssl || !t->rbio || !t->wbio) {
    BIO_free(t->rbio);
    BIO_free(t->wbio);
    return false;
  }
  BIO_set_mem_eof_return(t->rbio, -1); /* empty: "retry", not EOF */
  SSL_set_bio(t->ssl, t->rbio, t->wbio);
  if (t->ctx->role == SF_TLS_CLIENT)
    SSL_set_connect_state(t->ssl);
  else
    SSL_set_accept_state(t->ssl);
  return sf__tls_ctx_prepare(t->ctx, t->ssl, server_name);
}

static void free_impl(struct sf__tls_impl *t) {
  SSL_free(t->ssl);
  free(t->tcp_buf);
  free(t);
}

int sf_tls_init(sf_loop_t *loop, sf_tls_t *tls, sf_tcp_t *tcp,
                sf_tls_ctx_t *ctx, const char *server_name,
                sf_tls_handshake_cb cb) {
  if (!loop || !tls || !ctx || !loop->impl_ ||
      !sf__handle_ok((sf_handle_t *)tcp, SF_TCP) ||
      sf__handle_closing((sf_handle_t *)tcp) || tcp->loop != loop ||
      (server_name && strlen(server_name) >= 256))
    return SF_EINVAL;
  if (tcp->impl_->listener || !tcp->impl_->tcb ||
      !(tcp->impl_->tflags & SF__T_CONNECTED))
    return SF_ENOTCONN;
  if (tcp->impl_->read_cb == tcp_read_cb)
    return SF_EINVAL; /* already under TLS */
  sf_read_stop((sf_stream_t *)tcp); /* TLS reads it from now on */
  struct sf__tls_impl *t = calloc(1, sizeof(*t));
  if (!t || !(t->tcp_buf = malloc(TCP_READ_BUF))) {
    free(t);
    return SF_ENOMEM;
  }
  t->tls = tls;
  t->tcp = tcp;
  t->ctx = ctx;
  t->hs_cb = cb;
  if (!make_ssl(t, server_name)) {
    free_impl(t);
    ERR_clear_error();
    return SF_ETLS;
  }
  if (server_name)
    snprintf(t->server_name, sizeof(t->server_name), "%s", server_name);
  sf__tls_ctx_retain(ctx);
  memset(tls, 0, sizeof(*tls));
  sf__stream_init(loop, (sf_stream_t *)tls, SF_TLS, &tls_ops);
  tls->impl_ = t;
  tcp->data = tls;
  t->info.tls = tls;
  t->info.status = SF_EAGAIN;
  update_active(t);
  kick(t);
  return 0;
}

/* The state of an initialized TLS handle, or NULL (also once its
 * close_cb runs: the state is freed just before). */
static const struct sf__tls_impl *live(const sf_tls_t *tls) {
  if (!sf__handle_ok((const sf_handle_t *)tls, SF_TLS))
    return NULL;
  return tls->impl_;
}

int sf_tls_get_info(const sf_tls_t *tls, sf_tls_info_t *info) {
  const struct sf__tls_impl *t = live(tls);
  if (!t || !info)
    return SF_EINVAL;
  *info = t->info;
  return 0;
}

const char *sf_tls_error_hint(const sf_tls_t *tls) {
  const struct sf__tls_impl *t = live(tls);
  return t ? t->info.reason : "";
}

void *sf_tls_ssl(const sf_tls_t *tls) {
  const struct sf__tls_impl *t = live(tls);
  return t ? t->ssl : NULL;
}

sf_tcp_t *sf_tls_tcp(const sf_tls_t *tls) {
  const struct sf__tls_impl *t = live(tls);
  return t ? t->tcp : NULL;
}
