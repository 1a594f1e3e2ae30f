/*
 * TLS streams over the in-memory link (tests/api/fixture.h: two hosts in
 * one process), with certificates made at test time (certs.h): the
 * handshake and what it reports, every close path, every verification
 * failure with its words, client certificates, SNI, ALPN, resumption,
 * back-pressure, and 20 MB each way through a lossy, reordering link,
 * byte-exact (docs/BEHAVIOUR.md 32-36).
 */
#include <openssl/evp.h>
#include <openssl/ssl.h>

#include "api/fixture.h"
#include "tls/certs.h"

/* One end of a TLS connection and what it saw. */
struct end {
  sf_tls_t tls;
  const char *name;
  int hs_done, hs_status;
  char chunk[1 << 16];
  char got[1 << 16];
  size_t got_len, total;
  EVP_MD_CTX *sha; /* when set, everything read is hashed, not kept */
  int eof, err;
  int shut_done, shut_status;
  int writes_done, write_status;
  int hooks_heard;
};
static struct end cl, sv;
/* Faults on both interfaces for the next tls_start (NULL: none). */
static const sf_fault_config_t *link_fault;

static void reset_ends(void) {
  memset(&cl, 0, sizeof(cl));
  memset(&sv, 0, sizeof(sv));
  cl.name = "client";
  sv.name = "server";
}

static struct end *end_of(void *h) {
  return (struct end *)((sf_handle_t *)h)->data;
}

static void hs_cb(sf_tls_t *tls, int status) {
  struct end *e = end_of(tls);
  e->hs_done = 1;
  e->hs_status = status;
  fx_log(fx_current, "hs:%s:%s", e->name, status ? sf_err_name(status) : "0");
}

static void on_tls_hook(void *arg, const sf_tls_info_t *info) {
  (void)arg;
  end_of(info->tls)->hooks_heard++;
}
static const sf_tcp_hooks_t tls_hooks = {.on_tls_handshake = on_tls_hook};

static void alloc_cb(sf_handle_t *h, size_t size, sf_buf_t *buf) {
  (void)size;
  struct end *e = end_of(h);
  *buf = sf_buf_init(e->chunk, sizeof(e->chunk));
}

static void read_cb(sf_stream_t *s, ssize_t n, const sf_buf_t *buf) {
  struct end *e = end_of(s);
  if (n > 0) {
    e->total += (size_t)n;
    if (e->sha) {
      EVP_DigestUpdate(e->sha, buf->base, (size_t)n);
      return;
    }
    SF_CHECK(e->got_len + (size_t)n <= sizeof(e->got), "%s: too much",
             e->name);
    memcpy(e->got + e->got_len, buf->base, (size_t)n);
    e->got_len += (size_t)n;
  } else if (n == SF_EOF) {
    e->eof++;
    fx_log(fx_current, "eof:%s", e->name);
  } else if (n < 0) {
    e->err = (int)n;
    fx_log(fx_current, "read:%s:%s", e->name, sf_err_name((int)n));
  }
}

static void write_cb(sf_write_t *req, int status) {
  struct end *e = end_of(req->handle);
  e->writes_done++;
  if (status)
    e->write_status = status;
}

static void shut_cb(sf_shutdown_t *req, int status) {
  struct end *e = end_of(req->handle);
  e->shut_done = 1;
  e->shut_status = status;
  fx_log(fx_current, "shut:%s:%s", e->name, status ? sf_err_name(status) : "0");
}

/* ------------------------------------------------------------ contexts */

static sf_tls_ctx_t *client_ctx(sf_tls_ctx_options_t *o) {
  sf_tls_ctx_options_t d = {.role = SF_TLS_CLIENT};
  if (!o) {
    d.ca_file = cert_path("ca.pem");
    o = &d;
  }
  o->role = SF_TLS_CLIENT;
  sf_tls_ctx_t *ctx;
  char why[256];
  ck_assert_msg(sf_tls_ctx_new(&ctx, o, why, sizeof(why)) == 0, "%s", why);
  return ctx;
}

static sf_tls_ctx_t *server_ctx_with(const char *name,
                                     sf_tls_ctx_options_t *o) {
  sf_tls_ctx_options_t d = {0};
  char cert[64], key[64];
  snprintf(cert, sizeof(cert), "%s.pem", name);
  snprintf(key, sizeof(key), "%s.key", name);
  if (!o)
    o = &d;
  o->role = SF_TLS_SERVER;
  o->cert_file = cert_path(cert);
  o->key_file = cert_path(key);
  sf_tls_ctx_t *ctx;
  char why[256];
  ck_assert_msg(sf_tls_ctx_new(&ctx, o, why, sizeof(why)) == 0, "%s", why);
  return ctx;
}

/* TCP connected, both ends made TLS streams with these contexts (the
 * streams hold their own references; the caller keeps its own). */
static void tls_start_keep(struct fx *f, sf_tls_ctx_t *cctx,
                           sf_tls_ctx_t *sctx, const char *server_name) {
  reset_ends();
  sf_iface_config_t a = {.address = FX_ADDR_A "/24", .fault = link_fault};
  sf_iface_config_t b = {.address = FX_ADDR_B "/24", .fault = link_fault};
  fx_init_opts(f, NULL, &a, &b);
  fx_listen(f);
  ck_assert_int_eq(sf_tcp_set_hooks(&f->server, &tls_hooks, NULL), 0);
  fx_connect(f);
  ck_assert_int_eq(sf_tcp_set_hooks(&f->client, &tls_hooks, NULL), 0);
  ck_assert_int_eq(sf_tls_init(&f->loop, &cl.tls, &f->client, cctx,
                               server_name, hs_cb), 0);
  ck_assert_int_eq(sf_tls_init(&f->loopb, &sv.tls, &f->accepted, sctx, NULL,
                               hs_cb), 0);
  cl.tls.data = &cl;
  sv.tls.data = &sv;
}

/* The same, dropping the caller's references. */
static void tls_start(struct fx *f, sf_tls_ctx_t *cctx, sf_tls_ctx_t *sctx,
                      const char *server_name) {
  tls_start_keep(f, cctx, sctx, server_name);
  sf_tls_ctx_free(cctx);
  sf_tls_ctx_free(sctx);
}

static void run_handshakes(struct fx *f) {
  fx_run_until(f, &cl.hs_done);
  fx_run_until(f, &sv.hs_done);
}

static void tls_pair(struct fx *f) {
  tls_start(f, client_ctx(NULL), server_ctx_with("server", NULL),
            "server.test");
  run_handshakes(f);
  ck_assert_str_eq(f->log, "hs:client:0 hs:server:0");
  f->log[0] = '\0';
}

static void tls_finish(struct fx *f) {
  sf_close((sf_handle_t *)&cl.tls, fx_close_cb);
  sf_close((sf_handle_t *)&sv.tls, fx_close_cb);
  fx_finish(f);
  if (cl.sha)
    EVP_MD_CTX_free(cl.sha);
  if (sv.sha)
    EVP_MD_CTX_free(sv.sha);
}

static void send_text(struct end *e, sf_write_t *req, const char *text) {
  sf_buf_t b = sf_buf_init((char *)text, strlen(text));
  ck_assert_int_eq(sf_write(req, (sf_stream_t *)&e->tls, &b, 1, write_cb), 0);
}

static void start_reading(struct end *e) {
  ck_assert_int_eq(sf_read_start((sf_stream_t *)&e->tls, alloc_cb, read_cb),
                   0);
}

/* ---------------------------------------------------------- handshake */

START_TEST(test_handshake_reports) {
  struct fx f;
  sf_tls_ctx_options_t co = {.ca_file = cert_path("ca.pem"),
                             .alpn = "h2,http/1.1"};
  sf_tls_ctx_options_t so = {.alpn = "http/1.1,h2"};
  tls_start(&f, client_ctx(&co), server_ctx_with("server", &so),
            "server.test");
  run_handshakes(&f);
  ck_assert_int_eq(cl.hs_status, 0);
  ck_assert_int_eq(sv.hs_status, 0);
  sf_tls_info_t ci, si;
  ck_assert_int_eq(sf_tls_get_info(&cl.tls, &ci), 0);
  ck_assert_int_eq(sf_tls_get_info(&sv.tls, &si), 0);
  ck_assert_str_eq(ci.version, "TLSv1.3");
  ck_assert_str_eq(si.version, "TLSv1.3");
  ck_assert_str_eq(ci.cipher, si.cipher);
  ck_assert_str_eq(ci.alpn, "http/1.1"); /* the server's preference */
  ck_assert_str_eq(si.alpn, "http/1.1");
  ck_assert_str_eq(ci.server_name, "server.test");
  ck_assert_str_eq(si.server_name, "server.test");
  ck_assert_str_eq(ci.peer_subject, "/CN=server.test");
  ck_assert_str_eq(si.peer_subject, "");
  ck_assert_int_eq(ci.resumed, 0);
  ck_assert_str_eq(sf_tls_error_hint(&cl.tls), "");
  /* on_tls_handshake heard both, beside the TCP hooks */
  ck_assert_int_eq(cl.hooks_heard, 1);
  ck_assert_int_eq(sv.hooks_heard, 1);
  ck_assert_str_eq(sf_handle_type_name(cl.tls.type), "tls");
  ck_assert_ptr_eq(sf_tls_tcp(&cl.tls), &f.client);
  tls_finish(&f);
}
END_TEST

START_TEST(test_tls12) {
  struct fx f;
  sf_tls_ctx_options_t co = {.ca_file = cert_path("ca.pem"),
                             .max_version = SF_TLS_1_2};
  tls_start(&f, client_ctx(&co), server_ctx_with("server", NULL),
            "server.test");
  run_handshakes(&f);
  ck_assert_int_eq(cl.hs_status, 0);
  sf_tls_info_t i;
  ck_assert_int_eq(sf_tls_get_info(&sv.tls, &i), 0);
  ck_assert_str_eq(i.version, "TLSv1.2");
  tls_finish(&f);
}
END_TEST

/* ------------------------------------------------------- close paths */

/* first shuts down; the other reads SF_EOF, still sends, then shuts
 * down too; first reads that data, then SF_EOF. */
static void half_close_then_data(struct end *first, struct end *second,
                                 int max_version) {
  struct fx f;
  sf_tls_ctx_options_t co = {.ca_file = cert_path("ca.pem"),
                             .max_version = max_version};
  tls_start(&f, client_ctx(&co), server_ctx_with("server", NULL),
            "server.test");
  run_handshakes(&f);
  f.log[0] = '\0';
  start_reading(first);
  start_reading(second);
  sf_write_t w1, w2;
  sf_shutdown_t s1, s2;
  send_text(first, &w1, "before the end");
  ck_assert_int_eq(sf_shutdown(&s1, (sf_stream_t *)&first->tls, shut_cb), 0);
  ck_assert_int_eq(sf_write(&w2, (sf_stream_t *)&first->tls,
                            &(sf_buf_t){"x", 1}, 1, write_cb), SF_EPIPE);
  fx_run_until(&f, &second->eof);
  ck_assert_uint_eq(second->got_len, 14);
  ck_assert_int_eq(memcmp(second->got, "before the end", 14), 0);
  /* the other way still works */
  send_text(second, &w2, "after your end");
  ck_assert_int_eq(sf_shutdown(&s2, (sf_stream_t *)&second->tls, shut_cb),
                   0);
  fx_run_until(&f, &first->eof);
  fx_run_until(&f, &first->shut_done);
  fx_run_until(&f, &second->shut_done);
  ck_assert_uint_eq(first->got_len, 14);
  ck_assert_int_eq(memcmp(first->got, "after your end", 14), 0);
  ck_assert_int_eq(first->shut_status, 0);
  ck_assert_int_eq(second->shut_status, 0);
  ck_assert_int_eq(first->err, 0);
  ck_assert_int_eq(second->err, 0);
  ck_assert_int_eq(first->writes_done + second->writes_done, 2);
  ck_assert_int_eq(first->write_status + second->write_status, 0);
  tls_finish(&f);
}

START_TEST(test_client_closes_first) { half_close_then_data(&cl, &sv, 0); }
END_TEST
START_TEST(test_server_closes_first) { half_close_then_data(&sv, &cl, 0); }
END_TEST
START_TEST(test_half_close_tls12) {
  half_close_then_data(&cl, &sv, SF_TLS_1_2);
}
END_TEST

START_TEST(test_fin_without_close_notify) {
  struct fx f;
  tls_pair(&f);
  start_reading(&cl);
  sf_write_t w;
  sf_shutdown_t s;
  send_text(&sv, &w, "cut short");
  fx_run_until(&f, &sv.writes_done);
  /* TCP's FIN under the TLS stream, as a truncating attacker would */
  ck_assert_int_eq(sf_shutdown(&s, (sf_stream_t *)sf_tls_tcp(&sv.tls), NULL),
                   0);
  fx_run_until(&f, &cl.err);
  ck_assert_uint_eq(cl.got_len, 9);
  ck_assert_int_eq(cl.err, SF_ETRUNCATED);
  ck_assert_int_eq(cl.eof, 0);
  ck_assert_str_eq(sf_tls_error_hint(&cl.tls),
                   "the peer closed TCP without close_notify");
  tls_finish(&f);
}
END_TEST

START_TEST(test_rst_mid_record) {
  struct fx f;
  tls_pair(&f);
  start_reading(&cl);
  static char big[200000];
  memset(big, 'r', sizeof(big));
  sf_write_t w;
  sf_buf_t b = sf_buf_init(big, sizeof(big));
  ck_assert_int_eq(sf_write(&w, (sf_stream_t *)&sv.tls, &b, 1, write_cb), 0);
  fx_run_until(&f, &sv.writes_done);
  /* a reset while records are still on their way */
  ck_assert_int_eq(sf_tcp_close_reset(sf_tls_tcp(&sv.tls), NULL), 0);
  fx_run_until(&f, &cl.err);
  ck_assert_int_eq(cl.err, SF_ECONNRESET);
  ck_assert_uint_lt(cl.total, sizeof(big));
  ck_assert_int_eq(cl.eof, 0);
  tls_finish(&f);
}
END_TEST

/* The server reads the client's hello over plain TCP and sends FIN. */
START_TEST(test_fin_during_handshake) {
  struct fx f;
  reset_ends();
  fx_pair(&f);
  sf_tls_ctx_t *ctx = client_ctx(NULL);
  ck_assert_int_eq(sf_tls_init(&f.loop, &cl.tls, &f.client, ctx,
                               "server.test", hs_cb), 0);
  cl.tls.data = &cl;
  sf_tls_ctx_free(ctx);
  ck_assert_int_eq(sf_read_start((sf_stream_t *)&f.accepted, fx_alloc_cb,
                                 fx_read_cb), 0);
  while (!f.rlen[1])
    sf_run(&f.loop, SF_RUN_ONCE);
  sf_shutdown_t s;
  ck_assert_int_eq(sf_shutdown(&s, (sf_stream_t *)&f.accepted, NULL), 0);
  fx_run_until(&f, &cl.hs_done);
  ck_assert_int_eq(cl.hs_status, SF_ETRUNCATED);
  ck_assert_str_eq(sf_tls_error_hint(&cl.tls),
                   "the peer closed TCP during the handshake");
  sf_close((sf_handle_t *)&cl.tls, NULL);
  fx_finish(&f);
}
END_TEST

/* sf_close while the handshake runs: no handshake callback, a clean
 * close of both handles, and the peer's handshake fails. */
START_TEST(test_close_during_handshake) {
  struct fx f;
  tls_start(&f, client_ctx(NULL), server_ctx_with("server", NULL),
            "server.test");
  sf_run(&f.loop, SF_RUN_NOWAIT);
  ck_assert_int_eq(sf_close((sf_handle_t *)&cl.tls, fx_close_cb), 0);
  fx_run_until(&f, &sv.hs_done);
  ck_assert_int_eq(cl.hs_done, 0);
  ck_assert_msg(sv.hs_status == SF_ETRUNCATED || sv.hs_status == SF_ECONNRESET,
                "server: %s", sf_err_name(sv.hs_status));
  fx_run_until(&f, &f.closes);
  ck_assert_int_eq(sf_is_closing((sf_handle_t *)&f.client), 1);
  sf_close((sf_handle_t *)&sv.tls, NULL);
  fx_finish(&f);
}
END_TEST

/* Writes queued before the handshake go after it; close cancels
 * what is still queued. */
START_TEST(test_write_before_handshake_and_cancel) {
  struct fx f;
  tls_start(&f, client_ctx(NULL), server_ctx_with("server", NULL),
            "server.test");
  sf_write_t w;
  send_text(&cl, &w, "early");
  start_reading(&sv);
  run_handshakes(&f);
  while (sv.got_len < 5)
    sf_run(&f.loop, SF_RUN_ONCE);
  ck_assert_int_eq(memcmp(sv.got, "early", 5), 0);
  ck_assert_int_eq(cl.writes_done, 1);
  /* a write that can't go before close */
  static char big[1 << 20];
  sf_write_t w2;
  sf_buf_t b = sf_buf_init(big, sizeof(big));
  sf_read_stop((sf_stream_t *)&sv.tls);
  ck_assert_int_eq(sf_write(&w2, (sf_stream_t *)&cl.tls, &b, 1, write_cb), 0);
  ck_assert_uint_eq(sf_stream_get_write_queue_size((sf_stream_t *)&cl.tls),
                    sizeof(big));
  sf_close((sf_handle_t *)&cl.tls, fx_close_cb);
  fx_run_until(&f, &f.closes);
  ck_assert_int_eq(cl.write_status, SF_ECANCELED);
  sf_close((sf_handle_t *)&sv.tls, NULL);
  fx_finish(&f);
}
END_TEST

/* ------------------------------------------------------------ failures */

static void expect_failure(sf_tls_ctx_t *cctx, sf_tls_ctx_t *sctx,
                           const char *name, int client_code,
                           const char *client_hint, int server_code,
                           const char *server_hint) {
  struct fx f;
  tls_start(&f, cctx, sctx, name);
  start_reading(&cl);
  run_handshakes(&f);
  ck_assert_msg(cl.hs_status == client_code, "client: %s (%s)",
                sf_err_name(cl.hs_status), sf_tls_error_hint(&cl.tls));
  ck_assert_str_eq(sf_tls_error_hint(&cl.tls), client_hint);
  ck_assert_msg(sv.hs_status == server_code, "server: %s (%s)",
                sf_err_name(sv.hs_status), sf_tls_error_hint(&sv.tls));
  ck_assert_str_eq(sf_tls_error_hint(&sv.tls), server_hint);
  /* the reader hears it too, and writing is over */
  fx_run_until(&f, &cl.err);
  ck_assert_int_eq(cl.err, client_code);
  sf_write_t w;
  send_text(&cl, &w, "never");
  fx_run_until(&f, &cl.writes_done);
  ck_assert_int_eq(cl.write_status, client_code);
  sf_tls_info_t i;
  ck_assert_int_eq(sf_tls_get_info(&cl.tls, &i), 0);
  ck_assert_int_eq(i.status, client_code);
  tls_finish(&f);
}

START_TEST(test_expired_certificate) {
  expect_failure(client_ctx(NULL), server_ctx_with("expired", NULL),
                 "server.test", SF_ECERT,
                 "certificate verify failed: certificate has expired",
                 SF_ECERT, "alert from the peer: certificate expired");
}
END_TEST

START_TEST(test_wrong_host_name) {
  expect_failure(client_ctx(NULL), server_ctx_with("server", NULL),
                 "wrong.test", SF_ECERT,
                 "certificate verify failed: hostname mismatch (expected "
                 "wrong.test)",
                 SF_ECERT, "alert from the peer: bad certificate");
}
END_TEST

START_TEST(test_unknown_ca) {
  expect_failure(client_ctx(NULL), server_ctx_with("stranger", NULL),
                 "server.test", SF_ECERT,
                 "certificate verify failed: unable to get local issuer "
                 "certificate (unknown CA)",
                 SF_ECERT, "alert from the peer: unknown ca");
}
END_TEST

START_TEST(test_protocol_version) {
  sf_tls_ctx_options_t co = {.ca_file = cert_path("ca.pem"),
                             .max_version = SF_TLS_1_2};
  sf_tls_ctx_options_t so = {.min_version = SF_TLS_1_3};
  expect_failure(client_ctx(&co), server_ctx_with("server", &so),
                 "server.test", SF_ETLS, "alert from the peer: protocol version",
                 SF_ETLS, "unsupported protocol");
}
END_TEST

/* Contexts on the application's own SSL_CTX, with no cipher in common. */
START_TEST(test_no_shared_cipher) {
  SSL_CTX *c = SSL_CTX_new(TLS_client_method());
  SSL_CTX *s = SSL_CTX_new(TLS_server_method());
  ck_assert_int_eq(SSL_CTX_set_ciphersuites(c, "TLS_CHACHA20_POLY1305_SHA256"),
                   1);
  ck_assert_int_eq(SSL_CTX_set_ciphersuites(s, "TLS_AES_128_GCM_SHA256"), 1);
  ck_assert_int_eq(
      SSL_CTX_use_certificate_chain_file(s, cert_path("server.pem")), 1);
  ck_assert_int_eq(SSL_CTX_use_PrivateKey_file(s, cert_path("server.key"),
                                               SSL_FILETYPE_PEM), 1);
  sf_tls_ctx_t *cctx, *sctx;
  ck_assert_int_eq(sf_tls_ctx_from_ssl_ctx(&cctx, c, SF_TLS_CLIENT), 0);
  ck_assert_int_eq(sf_tls_ctx_from_ssl_ctx(&sctx, s, SF_TLS_SERVER), 0);
  SSL_CTX_free(c); /* the contexts hold their own references */
  SSL_CTX_free(s);
  expect_failure(cctx, sctx, "server.test", SF_ETLS,
                 "alert from the peer: handshake failure", SF_ETLS,
                 "no shared cipher");
}
END_TEST

/* Verification off: a server nobody vouches for is accepted, and the
 * context said so on stderr. */
START_TEST(test_insecure_client_accepts_anyone) {
  char log[] = "/tmp/synfin-tls-stderr-XXXXXX";
  int fd = mkstemp(log);
  ck_assert_int_ge(fd, 0);
  int saved = dup(2);
  dup2(fd, 2);
  sf_tls_ctx_options_t co = {.insecure_no_verify = 1};
  sf_tls_ctx_t *cctx = client_ctx(&co);
  dup2(saved, 2);
  close(saved);
  char said[512] = "";
  ck_assert_int_gt(pread(fd, said, sizeof(said) - 1, 0), 0);
  close(fd);
  unlink(log);
  ck_assert_ptr_nonnull(strstr(said, "WARNING: TLS client context without "
                                     "certificate verification"));
  struct fx f;
  tls_start(&f, cctx, server_ctx_with("stranger", NULL), "wrong.test");
  run_handshakes(&f);
  ck_assert_int_eq(cl.hs_status, 0);
  ck_assert_int_eq(sv.hs_status, 0);
  tls_finish(&f);
}
END_TEST

START_TEST(test_context_errors_name_the_file) {
  sf_tls_ctx_t *ctx = (sf_tls_ctx_t *)&ctx;
  char why[256];
  sf_tls_ctx_options_t o = {.role = SF_TLS_SERVER,
                            .cert_file = "/nonexistent/cert.pem",
                            .key_file = cert_path("server.key")};
  ck_assert_int_eq(sf_tls_ctx_new(&ctx, &o, why, sizeof(why)), SF_ENOENT);
  ck_assert_ptr_null(ctx);
  ck_assert_str_eq(why, "certificate file \"/nonexistent/cert.pem\": No such "
                        "file or directory");
  o.cert_file = cert_path("server.pem");
  o.key_file = cert_path("other.key");
  ck_assert_int_eq(sf_tls_ctx_new(&ctx, &o, why, sizeof(why)), SF_ETLS);
  ck_assert_msg(strstr(why, "mismatch") || strstr(why, "does not match"),
                "%s", why);
  ck_assert_ptr_nonnull(strstr(why, "other.key"));
  o.key_file = cert_path("ca.pem"); /* not a key */
  ck_assert_int_eq(sf_tls_ctx_new(&ctx, &o, why, sizeof(why)), SF_ETLS);
  ck_assert_ptr_nonnull(strstr(why, "ca.pem"));
  sf_tls_ctx_options_t c = {.role = SF_TLS_CLIENT, .ca_file = "/none/ca.pem"};
  ck_assert_int_eq(sf_tls_ctx_new(&ctx, &c, why, sizeof(why)), SF_ENOENT);
  ck_assert_str_eq(why, "CA file \"/none/ca.pem\": No such file or directory");
  sf_tls_ctx_options_t s = {.role = SF_TLS_SERVER};
  ck_assert_int_eq(sf_tls_ctx_new(&ctx, &s, why, sizeof(why)), SF_EINVAL);
  ck_assert_str_eq(why, "a server needs cert_file and key_file");
  c.ca_file = NULL;
  c.alpn = "h2,,x";
  ck_assert_int_eq(sf_tls_ctx_new(&ctx, &c, why, sizeof(why)), SF_EINVAL);
  ck_assert_int_eq(sf_tls_ctx_new(NULL, &c, NULL, 0), SF_EINVAL);
  ck_assert_int_eq(sf_tls_ctx_new(&ctx, NULL, NULL, 0), SF_EINVAL);
  c.alpn = NULL;
  c.role = 0;
  ck_assert_int_eq(sf_tls_ctx_new(&ctx, &c, NULL, 0), SF_EINVAL);
  ck_assert_int_eq(sf_tls_ctx_from_ssl_ctx(&ctx, NULL, SF_TLS_CLIENT),
                   SF_EINVAL);
  sf_tls_ctx_free(NULL);
}
END_TEST

START_TEST(test_init_misuse) {
  struct fx f;
  reset_ends();
  fx_init(&f);
  sf_tls_ctx_t *ctx = client_ctx(NULL);
  sf_tcp_t idle;
  ck_assert_int_eq(sf_tcp_init(&f.loop, &idle), 0);
  ck_assert_int_eq(sf_tls_init(&f.loop, &cl.tls, &idle, ctx, "x", NULL),
                   SF_ENOTCONN);
  ck_assert_int_eq(sf_tls_init(&f.loop, NULL, &idle, ctx, "x", NULL),
                   SF_EINVAL);
  ck_assert_int_eq(sf_tls_init(&f.loop, &cl.tls, NULL, ctx, "x", NULL),
                   SF_EINVAL);
  ck_assert_int_eq(sf_tls_init(&f.loop, &cl.tls, (sf_tcp_t *)&f.guard, ctx,
                               "x", NULL), SF_EINVAL);
  ck_assert_int_eq(sf_tls_init(&f.loop, &cl.tls, &idle, NULL, "x", NULL),
                   SF_EINVAL);
  ck_assert_int_eq(sf_tls_get_info(NULL, NULL), SF_EINVAL);
  ck_assert_str_eq(sf_tls_error_hint(NULL), "");
  ck_assert_ptr_null(sf_tls_tcp(NULL));
  ck_assert_str_eq(sf_strerror(SF_ETRUNCATED),
                   "TLS stream ended without close_notify (truncated)");
  ck_assert_str_eq(sf_err_name(SF_ECERT), "ECERT");
  sf_tls_ctx_free(ctx);
  fx_finish(&f);
}
END_TEST

/* ------------------------------------------------- SNI, resumption */

START_TEST(test_sni_picks_certificate) {
  struct fx f;
  sf_tls_sni_cert_t other = {"other.test", cert_path("other.pem"),
                             cert_path("other.key")};
  sf_tls_ctx_options_t so = {.sni = &other, .sni_count = 1};
  tls_start(&f, client_ctx(NULL), server_ctx_with("server", &so),
            "other.test");
  run_handshakes(&f);
  ck_assert_int_eq(cl.hs_status, 0);
  sf_tls_info_t ci, si;
  sf_tls_get_info(&cl.tls, &ci);
  sf_tls_get_info(&sv.tls, &si);
  ck_assert_str_eq(ci.peer_subject, "/CN=other.test");
  ck_assert_str_eq(si.server_name, "other.test");
  tls_finish(&f);
}
END_TEST

/* ------------------------------------------------- client certificates */

/* A server given ca_file demands a client certificate signed by it. */
static sf_tls_ctx_t *mutual_server(int max_version) {
  sf_tls_ctx_options_t so = {.ca_file = cert_path("ca.pem"),
                             .max_version = max_version};
  return server_ctx_with("server", &so);
}

/* A client presenting NAME.pem (NULL: no certificate). */
static sf_tls_ctx_t *client_presenting(const char *name, int max_version) {
  sf_tls_ctx_options_t co = {.ca_file = cert_path("ca.pem"),
                             .max_version = max_version};
  char cert[64], key[64];
  if (name) {
    snprintf(cert, sizeof(cert), "%s.pem", name);
    snprintf(key, sizeof(key), "%s.key", name);
    co.cert_file = cert_path(cert);
    co.key_file = cert_path(key);
  }
  return client_ctx(&co);
}

START_TEST(test_client_certificate_accepted) {
  static const int versions[] = {SF_TLS_1_3, SF_TLS_1_2};
  static const char *const names[] = {"TLSv1.3", "TLSv1.2"};
  for (size_t v = 0; v < 2; v++) {
    struct fx f;
    tls_start(&f, client_presenting("client", versions[v]),
              mutual_server(versions[v]), "server.test");
    start_reading(&sv);
    run_handshakes(&f);
    ck_assert_int_eq(cl.hs_status, 0);
    ck_assert_msg(sv.hs_status == 0, "server: %s (%s)",
                  sf_err_name(sv.hs_status), sf_tls_error_hint(&sv.tls));
    sf_tls_info_t ci, si;
    ck_assert_int_eq(sf_tls_get_info(&cl.tls, &ci), 0);
    ck_assert_int_eq(sf_tls_get_info(&sv.tls, &si), 0);
    ck_assert_str_eq(si.version, names[v]);
    ck_assert_str_eq(si.peer_subject, "/CN=client.test");
    ck_assert_str_eq(ci.peer_subject, "/CN=server.test");
    sf_write_t w;
    send_text(&cl, &w, "signed");
    while (sv.got_len < 6)
      sf_run(&f.loopb, SF_RUN_ONCE);
    ck_assert_int_eq(memcmp(sv.got, "signed", 6), 0);
    tls_finish(&f);
  }
}
END_TEST

/* The server refuses the client's certificate, or its absence. In TLS
 * 1.3 the client's handshake is over before the server has seen the
 * client's certificate, so the client hears the alert as a read error;
 * in TLS 1.2 its handshake fails. */
static void expect_client_refused(const char *cert, int version,
                                  int server_code, const char *server_hint,
                                  int client_code, const char *client_hint) {
  struct fx f;
  tls_start(&f, client_presenting(cert, version), mutual_server(version),
            "server.test");
  start_reading(&cl);
  run_handshakes(&f);
  ck_assert_msg(sv.hs_status == server_code, "server: %s (%s)",
                sf_err_name(sv.hs_status), sf_tls_error_hint(&sv.tls));
  ck_assert_str_eq(sf_tls_error_hint(&sv.tls), server_hint);
  ck_assert_int_eq(cl.hs_status, version == SF_TLS_1_3 ? 0 : client_code);
  fx_run_until(&f, &cl.err);
  ck_assert_msg(cl.err == client_code, "client: %s (%s)",
                sf_err_name(cl.err), sf_tls_error_hint(&cl.tls));
  ck_assert_str_eq(sf_tls_error_hint(&cl.tls), client_hint);
  tls_finish(&f);
}

START_TEST(test_client_without_certificate) {
  const char *why = "the peer sent no certificate, and one is required";
  expect_client_refused(NULL, SF_TLS_1_3, SF_ECERT, why, SF_ECERT,
                        "alert from the peer: certificate required");
  expect_client_refused(NULL, SF_TLS_1_2, SF_ECERT, why, SF_ETLS,
                        "alert from the peer: handshake failure");
}
END_TEST

START_TEST(test_client_certificate_unknown_ca) {
  expect_client_refused("stranger", SF_TLS_1_3, SF_ECERT,
                        "certificate verify failed: unable to get local "
                        "issuer certificate (unknown CA)",
                        SF_ECERT, "alert from the peer: unknown ca");
}
END_TEST

/* One connection with the client context; the client reads (so it gets
 * the ticket); returns whether the session was resumed. */
static int connect_once(sf_tls_ctx_t *cctx, sf_tls_ctx_t *sctx) {
  struct fx f;
  sf_tls_info_t ci, si;
  tls_start_keep(&f, cctx, sctx, "server.test");
  run_handshakes(&f);
  ck_assert_int_eq(cl.hs_status, 0);
  start_reading(&cl);
  sf_write_t w;
  send_text(&sv, &w, "ticket time");
  while (cl.got_len < 11)
    sf_run(&f.loop, SF_RUN_ONCE);
  sf_tls_get_info(&cl.tls, &ci);
  sf_tls_get_info(&sv.tls, &si);
  ck_assert_int_eq(ci.resumed, si.resumed);
  tls_finish(&f);
  return ci.resumed;
}

START_TEST(test_session_resumption) {
  sf_tls_ctx_t *c = client_ctx(NULL), *s = server_ctx_with("server", NULL);
  ck_assert_int_eq(connect_once(c, s), 0);
  ck_assert_int_eq(connect_once(c, s), 1);
  sf_tls_ctx_free(c);
  sf_tls_ctx_free(s);
  sf_tls_ctx_options_t co = {.ca_file = cert_path("ca.pem"), .no_tickets = 1};
  c = client_ctx(&co);
  s = server_ctx_with("server", NULL);
  ck_assert_int_eq(connect_once(c, s), 0);
  ck_assert_int_eq(connect_once(c, s), 0);
  sf_tls_ctx_free(c);
  sf_tls_ctx_free(s);
}
END_TEST

/* ------------------------------------------------------- KeyUpdate */

/* Counts the KeyUpdate messages (handshake type 24) an SSL receives. */
static int key_updates[2];
static void count_key_update(int write_p, int version, int content_type,
                             const void *buf, size_t len, SSL *ssl,
                             void *arg) {
  (void)version;
  (void)ssl;
  if (!write_p && content_type == SSL3_RT_HANDSHAKE && len > 0 &&
      ((const unsigned char *)buf)[0] == 24)
    key_updates[*(int *)arg]++;
}

START_TEST(test_key_update) {
  struct fx f;
  static int which[2] = {0, 1};
  tls_pair(&f);
  start_reading(&cl);
  start_reading(&sv);
  key_updates[0] = key_updates[1] = 0;
  SSL *cssl = sf_tls_ssl(&cl.tls), *sssl = sf_tls_ssl(&sv.tls);
  ck_assert_ptr_nonnull(cssl);
  SSL_set_msg_callback(cssl, count_key_update);
  SSL_set_msg_callback_arg(cssl, &which[0]);
  SSL_set_msg_callback(sssl, count_key_update);
  SSL_set_msg_callback_arg(sssl, &which[1]);
  /* the client asks for new keys both ways, then writes */
  ck_assert_int_eq(SSL_key_update(cssl, SSL_KEY_UPDATE_REQUESTED), 1);
  sf_write_t w1, w2;
  send_text(&cl, &w1, "after the update");
  while (sv.got_len < 16)
    sf_run(&f.loop, SF_RUN_ONCE);
  ck_assert_int_eq(key_updates[1], 1); /* the server got it */
  /* the server answered with its own, before its next records */
  send_text(&sv, &w2, "new keys here too");
  while (cl.got_len < 17)
    sf_run(&f.loop, SF_RUN_ONCE);
  ck_assert_int_eq(key_updates[0], 1);
  ck_assert_int_eq(memcmp(sv.got, "after the update", 16), 0);
  ck_assert_int_eq(memcmp(cl.got, "new keys here too", 17), 0);
  ck_assert_ptr_null(sf_tls_ssl(NULL));
  tls_finish(&f);
}
END_TEST

/* --------------------------------------------------- back-pressure */

START_TEST(test_back_pressure) {
  struct fx f;
  tls_pair(&f);
  static char big[8 << 20];
  for (size_t i = 0; i < sizeof(big); i++)
    big[i] = (char)(i * 7);
  sf_write_t w;
  sf_buf_t b = sf_buf_init(big, sizeof(big));
  ck_assert_int_eq(sf_write(&w, (sf_stream_t *)&cl.tls, &b, 1, write_cb), 0);
  fx_run_for(&f, 300); /* the server does not read */
  size_t queued = sf_stream_get_write_queue_size((sf_stream_t *)&cl.tls);
  size_t in_tcp = sf_stream_get_write_queue_size((sf_stream_t *)&f.client);
  ck_assert_uint_gt(queued, sizeof(big) / 2); /* mostly not encrypted */
  ck_assert_uint_le(in_tcp, 512 * 1024);      /* records: bounded */
  ck_assert_int_eq(cl.writes_done, 0);
  cl.sha = NULL;
  sv.sha = EVP_MD_CTX_new();
  EVP_DigestInit_ex(sv.sha, EVP_sha256(), NULL);
  start_reading(&sv);
  fx_run_until(&f, &cl.writes_done);
  while (sv.total < sizeof(big))
    sf_run(&f.loop, SF_RUN_ONCE);
  ck_assert_int_eq(cl.write_status, 0);
  ck_assert_uint_eq(sf_stream_get_write_queue_size((sf_stream_t *)&cl.tls), 0);
  unsigned char want[32], got[32];
  EVP_Digest(big, sizeof(big), want, NULL, EVP_sha256(), NULL);
  EVP_DigestFinal_ex(sv.sha, got, NULL);
  ck_assert_int_eq(memcmp(want, got, 32), 0);
  tls_finish(&f);
}
END_TEST

/* ------------------------------------------- 20 MB each way, faults */

#define BULK_BYTES (20u << 20)
#define BULK_WRITE (256u << 10)
#define BULK_SLOTS 4

/* A sender: BULK_SLOTS writes in flight, refilled from a seeded
 * generator, each byte hashed as it is handed over. */
struct sender {
  struct end *e;
  struct sf_test_rng rng;
  EVP_MD_CTX *sha;
  size_t sent;
  int shut;
  sf_write_t req[BULK_SLOTS];
  char buf[BULK_SLOTS][BULK_WRITE];
  sf_shutdown_t shut_req;
};
static struct sender *senders[2];
static size_t max_queue;

static void bulk_write_cb(sf_write_t *req, int status);

static void bulk_send(struct sender *s, unsigned slot) {
  size_t n = BULK_BYTES - s->sent;
  if (n > BULK_WRITE)
    n = BULK_WRITE;
  if (!n) {
    if (!s->shut++)
      SF_CHECK(sf_shutdown(&s->shut_req, (sf_stream_t *)&s->e->tls,
                           shut_cb) == 0, "shutdown");
    return;
  }
  sf_test_rng_fill(&s->rng, s->buf[slot], n);
  EVP_DigestUpdate(s->sha, s->buf[slot], n);
  s->sent += n;
  sf_buf_t b = sf_buf_init(s->buf[slot], n);
  s->req[slot].data = s;
  SF_CHECK(sf_write(&s->req[slot], (sf_stream_t *)&s->e->tls, &b, 1,
                    bulk_write_cb) == 0, "write");
  size_t q = sf_stream_get_write_queue_size(
      (sf_stream_t *)sf_tls_tcp(&s->e->tls));
  if (q > max_queue)
    max_queue = q;
}

static void bulk_write_cb(sf_write_t *req, int status) {
  struct sender *s = req->data;
  SF_CHECK(status == 0, "%s: write: %s", s->e->name, sf_err_name(status));
  bulk_send(s, (unsigned)(req - s->req));
}

static void sender_start(struct sender *s, struct end *e, uint64_t seed) {
  s->e = e;
  sf_test_rng_seed(&s->rng, seed);
  s->sha = EVP_MD_CTX_new();
  EVP_DigestInit_ex(s->sha, EVP_sha256(), NULL);
  e->sha = EVP_MD_CTX_new();
  EVP_DigestInit_ex(e->sha, EVP_sha256(), NULL);
  for (unsigned i = 0; i < BULK_SLOTS; i++)
    bulk_send(s, i);
}

/* What one end sent is what the other read, byte for byte. */
static void same_digest(struct sender *s, struct end *reader) {
  unsigned char a[32], b[32];
  EVP_DigestFinal_ex(s->sha, a, NULL);
  EVP_DigestFinal_ex(reader->sha, b, NULL);
  EVP_MD_CTX_free(s->sha);
  ck_assert_uint_eq(reader->total, BULK_BYTES);
  ck_assert_int_eq(memcmp(a, b, 32), 0);
}

static void bulk_both_ways(const sf_fault_config_t *fault) {
  struct fx f;
  link_fault = fault;
  tls_pair(&f);
  link_fault = NULL;
  ck_assert_int_eq(sf_timer_start(&f.guard, fx_guard_cb, 100000, 0), 0);
  struct sender *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
  senders[0] = a;
  senders[1] = b;
  max_queue = 0;
  start_reading(&cl);
  start_reading(&sv);
  sender_start(a, &cl, sf_test_seed(11));
  sender_start(b, &sv, 22);
  fx_run_until(&f, &cl.eof);
  fx_run_until(&f, &sv.eof);
  fx_run_until(&f, &cl.shut_done);
  fx_run_until(&f, &sv.shut_done);
  ck_assert_int_eq(cl.shut_status, 0);
  ck_assert_int_eq(sv.shut_status, 0);
  same_digest(a, &sv);
  same_digest(b, &cl);
  /* records waiting in TCP stay bounded (TCP_QUEUE_MAX + a step) */
  ck_assert_uint_le(max_queue, (256u << 10) + BULK_WRITE + (64u << 10));
  if (fault) { /* the faults did happen */
    sf_iface_stats_t st;
    ck_assert_int_eq(sf_iface_stats(&f.ifa, &st), 0);
    ck_assert_uint_gt(st.fault_tx_lost, 10);
    fprintf(stderr, "bulk: %llu frames lost on A's side\n", st.fault_tx_lost);
  }
  free(a);
  free(b);
  tls_finish(&f);
}

START_TEST(test_bulk_20mb_each_way) { bulk_both_ways(NULL); }
END_TEST

START_TEST(test_bulk_20mb_loss_and_reordering) {
  sf_fault_config_t fault = {
      .seed = sf_test_seed(7),
      .tx = {.loss_ppm = 5000, .reorder_ppm = 10000,
             .reorder_max_delay_ns = 2000000}};
  bulk_both_ways(&fault);
}
END_TEST

static Suite *tls_suite(void) {
  Suite *s = suite_create("tls");
  FX_ADD(s, test_handshake_reports);
  FX_ADD(s, test_tls12);
  FX_ADD(s, test_client_closes_first);
  FX_ADD(s, test_server_closes_first);
  FX_ADD(s, test_half_close_tls12);
  FX_ADD(s, test_fin_without_close_notify);
  FX_ADD(s, test_rst_mid_record);
  FX_ADD(s, test_fin_during_handshake);
  FX_ADD(s, test_close_during_handshake);
  FX_ADD(s, test_write_before_handshake_and_cancel);
  FX_ADD(s, test_expired_certificate);
  FX_ADD(s, test_wrong_host_name);
  FX_ADD(s, test_unknown_ca);
  FX_ADD(s, test_protocol_version);
  FX_ADD(s, test_no_shared_cipher);
  FX_ADD(s, test_insecure_client_accepts_anyone);
  FX_ADD(s, test_context_errors_name_the_file);
  FX_ADD(s, test_init_misuse);
  FX_ADD(s, test_sni_picks_certificate);
  FX_ADD(s, test_client_certificate_accepted);
  FX_ADD(s, test_client_without_certificate);
  FX_ADD(s, test_client_certificate_unknown_ca);
  FX_ADD(s, test_session_resumption);
  FX_ADD(s, test_back_pressure);
  FX_ADD(s, test_key_update);
  TCase *bulk = tcase_create("bulk");
  tcase_set_timeout(bulk, 120);
  tcase_add_test(bulk, test_bulk_20mb_each_way);
  tcase_add_test(bulk, test_bulk_20mb_loss_and_reordering);
  suite_add_tcase(s, bulk);
  return s;
}

int main(void) {
  certs_make();
  int rc = sf_test_run_suite(tls_suite());
  certs_remove();
  return rc;
}
