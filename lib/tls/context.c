/*
 * sf_tls_ctx_t: the SSL_CTX a TLS stream is made from. From options it
 * loads PEM certificate chains and keys (naming the file that fails),
 * sets up verification (a client checks the server's chain against the
 * system store or a CA file, and its host name), ALPN both ways, a
 * certificate per SNI name, and session tickets (a client context keeps
 * the last session per server name to offer again).
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>

#include "tls/tls.h"

#define MAX_SESSIONS 16

struct sf__tls_session {
  struct sf__tls_session *next;
  char *name;
  SSL_SESSION *session;
};

static int why(char *buf, size_t len, int err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int why(char *buf, size_t len, int err, const char *fmt, ...) {
  if (buf && len) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, len, fmt, ap);
    va_end(ap);
  }
  return err;
}

/* OpenSSL's reason for the last failure, "" if it gave none. */
static const char *openssl_reason(void) {
  unsigned long e = ERR_peek_last_error();
  const char *r = e ? ERR_reason_error_string(e) : NULL;
  return r ? r : "";
}

static int ssl_index(void) {
  static int index = -1;
  if (index < 0)
    index = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
  return index;
}

/* ------------------------------------------------------------- files */

/* A missing or unreadable file is named with errno's words, before
 * OpenSSL's less direct reasons. */
static int check_readable(const char *what, const char *path, char *w,
                          size_t wl) {
  if (access(path, R_OK) == 0)
    return 0;
  int e = errno;
  return why(w, wl, e == ENOENT ? SF_ENOENT : SF_EACCES, "%s \"%s\": %s",
             what, path, strerror(e));
}

static int load_pair(SSL_CTX *c, const char *cert, const char *key,
                     char *w, size_t wl) {
  int rc;
  if ((rc = check_readable("certificate file", cert, w, wl)) ||
      (rc = check_readable("key file", key, w, wl)))
    return rc;
  ERR_clear_error();
  if (SSL_CTX_use_certificate_chain_file(c, cert) != 1)
    return why(w, wl, SF_ETLS, "certificate file \"%s\": %s", cert,
               openssl_reason());
  if (SSL_CTX_use_PrivateKey_file(c, key, SSL_FILETYPE_PEM) != 1)
    return why(w, wl, SF_ETLS, "key file \"%s\": %s", key, openssl_reason());
  if (SSL_CTX_check_private_key(c) != 1)
    return why(w, wl, SF_ETLS,
               "key file \"%s\" does not match certificate file \"%s\"", key,
               cert);
  return 0;
}

/* -------------------------------------------------------------- ALPN */

/* "h2,http/1.1" -> "\x02h2\x08http/1.1"; false for an empty name or one
 * longer than 255 bytes. */
static bool alpn_wire(const char *list, unsigned char **out, size_t *len) {
  size_t n = strlen(list);
  unsigned char *w = malloc(n + 1);
  if (!w)
    return false;
  size_t at = 0;
  for (const char *p = list;;) {
    const char *end = strchr(p, ',');
    size_t l = end ? (size_t)(end - p) : strlen(p);
    if (l == 0 || l > 255) {
      free(w);
      return false;
    }
    w[at++] = (unsigned char)l;
    memcpy(w + at, p, l);
    at += l;
    if (!end)
      break;
    p = end + 1;
  }
  *out = w;
  *len = at;
  return true;
}

static int alpn_select(SSL *ssl, const unsigned char **out,
                       unsigned char *outlen, const unsigned char *in,
                       unsigned inlen, void *arg) {
  (void)ssl;
  sf_tls_ctx_t *ctx = arg;
  unsigned char *o;
  if (SSL_select_next_proto(&o, outlen, ctx->alpn, (unsigned)ctx->alpn_len,
                            in, inlen) != OPENSSL_NPN_NEGOTIATED)
    return SSL_TLSEXT_ERR_NOACK; /* no protocol in common: go on without */
  *out = o;
  return SSL_TLSEXT_ERR_OK;
}

/* ------------------------------------------------------------ SNI */

static int servername_cb(SSL *ssl, int *alert, void *arg) {
  (void)alert;
  sf_tls_ctx_t *ctx = arg;
  const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  for (unsigned i = 0; name && i < ctx->sni_count; i++)
    if (strcasecmp(name, ctx->sni_names[i]) == 0) {
      SSL_set_SSL_CTX(ssl, ctx->sni_ctx[i]);
      break;
    }
  return SSL_TLSEXT_ERR_OK;
}

/* ------------------------------------------------------------ sessions */

static struct sf__tls_session **find_session(sf_tls_ctx_t *ctx,
                                             const char *name) {
  struct sf__tls_session **p = &ctx->sessions;
  while (*p && strcmp((*p)->name, name) != 0)
    p = &(*p)->next;
  return p;
}

static void drop_session(struct sf__tls_session **p) {
  struct sf__tls_session *s = *p;
  *p = s->next;
  SSL_SESSION_free(s->session);
  free(s->name);
  free(s);
}

/* A client got a session (a TLS 1.3 ticket, or 1.2's at the end of the
 * handshake): it replaces the last one for that server name. */
static int new_session_cb(SSL *ssl, SSL_SESSION *session) {
  sf_tls_ctx_t *ctx = SSL_get_ex_data(ssl, ssl_index());
  const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  if (!ctx || !name)
    return 0;
  struct sf__tls_session **p = find_session(ctx, name);
  if (*p)
    drop_session(p);
  struct sf__tls_session *s = calloc(1, sizeof(*s));
  if (!s || !(s->name = strdup(name))) {
    free(s);
    return 0;
  }
  s->session = session;
  s->next = ctx->sessions;
  ctx->sessions = s;
  /* Bounded: the oldest goes. */
  unsigned n = 0;
  for (p = &ctx->sessions; *p; p = &(*p)->next)
    if (++n > MAX_SESSIONS) {
      drop_session(p);
      break;
    }
  return 1; /* the session is ours now */
}

/* ------------------------------------------------------------ contexts */

static int set_versions(SSL_CTX *c, const sf_tls_ctx_options_t *o, char *w,
                        size_t wl) {
  if ((o->min_version && !SSL_CTX_set_min_proto_version(c, o->min_version)) ||
      (o->max_version && !SSL_CTX_set_max_proto_version(c, o->max_version)))
    return why(w, wl, SF_EINVAL,
               "min_version/max_version: use SF_TLS_1_2 or SF_TLS_1_3");
  return 0;
}

/* What a server context and each of its per-name contexts share. */
static int setup_server(sf_tls_ctx_t *ctx, SSL_CTX *c,
                        const sf_tls_ctx_options_t *o, char *w, size_t wl) {
  int rc = set_versions(c, o, w, wl);
  if (rc)
    return rc;
  if (ctx->alpn)
    SSL_CTX_set_alpn_select_cb(c, alpn_select, ctx);
  if (o->no_tickets) {
    SSL_CTX_set_options(c, SSL_OP_NO_TICKET);
    SSL_CTX_set_num_tickets(c, 0);
  }
  return 0;
}

static int setup_sni(sf_tls_ctx_t *ctx, const sf_tls_ctx_options_t *o,
                     char *w, size_t wl) {
  if (!o->sni_count)
    return 0;
  if (!o->sni)
    return why(w, wl, SF_EINVAL, "sni_count %u with sni NULL", o->sni_count);
  ctx->sni_ctx = calloc(o->sni_count, sizeof(*ctx->sni_ctx));
  ctx->sni_names = calloc(o->sni_count, sizeof(*ctx->sni_names));
  if (!ctx->sni_ctx || !ctx->sni_names)
    return SF_ENOMEM;
  for (unsigned i = 0; i < o->sni_count; i++) {
    const sf_tls_sni_cert_t *s = &o->sni[i];
    if (!s->name || !s->cert_file || !s->key_file)
      return why(w, wl, SF_EINVAL, "sni[%u]: name, cert_file and key_file "
                 "are required", i);
    SSL_CTX *c = SSL_CTX_new(TLS_server_method());
    if (!c)
      return SF_ENOMEM;
    ctx->sni_ctx[ctx->sni_count] = c;
    if (!(ctx->sni_names[ctx->sni_count++] = strdup(s->name)))
      return SF_ENOMEM;
    int rc = setup_server(ctx, c, o, w, wl);
    if (rc || (rc = load_pair(c, s->cert_file, s->key_file, w, wl)))
      return rc;
  }
  SSL_CTX_set_tlsext_servername_callback(ctx->ssl_ctx, servername_cb);
  SSL_CTX_set_tlsext_servername_arg(ctx->ssl_ctx, ctx);
  return 0;
}

static int setup_client(sf_tls_ctx_t *ctx, const sf_tls_ctx_options_t *o,
                        char *w, size_t wl) {
  SSL_CTX *c = ctx->ssl_ctx;
  int rc = set_versions(c, o, w, wl);
  if (rc)
    return rc;
  if (o->cert_file &&
      (rc = load_pair(c, o->cert_file, o->key_file ? o->key_file
                                                   : o->cert_file, w, wl)))
    return rc;
  if (o->insecure_no_verify) {
    fprintf(stderr, "synfin: WARNING: TLS client context without "
                    "certificate verification: any server, or anyone in "
                    "between, is accepted\n");
    SSL_CTX_set_verify(c, SSL_VERIFY_NONE, NULL);
  } else {
    SSL_CTX_set_verify(c, SSL_VERIFY_PEER, NULL);
    if (o->ca_file) {
      if ((rc = check_readable("CA file", o->ca_file, w, wl)))
        return rc;
      ERR_clear_error();
      if (SSL_CTX_load_verify_locations(c, o->ca_file, NULL) != 1)
        return why(w, wl, SF_ETLS, "CA file \"%s\": %s", o->ca_file,
                   openssl_reason());
    } else if (SSL_CTX_set_default_verify_paths(c) != 1) {
      return why(w, wl, SF_ETLS, "the system CA store: %s", openssl_reason());
    }
  }
  if (ctx->alpn && SSL_CTX_set_alpn_protos(c, ctx->alpn,
                                           (unsigned)ctx->alpn_len) != 0)
    return SF_ENOMEM;
  ctx->resume = !o->no_tickets;
  if (ctx->resume) {
    SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_CLIENT |
                                          SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(c, new_session_cb);
  } else {
    SSL_CTX_set_options(c, SSL_OP_NO_TICKET);
  }
  return 0;
}

static int setup_server_main(sf_tls_ctx_t *ctx, const sf_tls_ctx_options_t *o,
                             char *w, size_t wl) {
  if (!o->cert_file || !o->key_file)
    return why(w, wl, SF_EINVAL, "a server needs cert_file and key_file");
  int rc = setup_server(ctx, ctx->ssl_ctx, o, w, wl);
  if (rc || (rc = load_pair(ctx->ssl_ctx, o->cert_file, o->key_file, w, wl)))
    return rc;
  if (o->ca_file) { /* client certificates, checked against ca_file */
    if ((rc = check_readable("CA file", o->ca_file, w, wl)))
      return rc;
    if (SSL_CTX_load_verify_locations(ctx->ssl_ctx, o->ca_file, NULL) != 1)
      return why(w, wl, SF_ETLS, "CA file \"%s\": %s", o->ca_file,
                 openssl_reason());
    SSL_CTX_set_verify(ctx->ssl_ctx,
                       SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                       NULL);
  }
  return setup_sni(ctx, o, w, wl);
}

static sf_tls_ctx_t *ctx_alloc(sf_tls_role_t role, SSL_CTX *c) {
  sf_tls_ctx_t *ctx = calloc(1, sizeof(*ctx));
  if (!ctx)
    return NULL;
  ctx->refs = 1;
  ctx->role = role;
  ctx->ssl_ctx = c;
  return ctx;
}

int sf_tls_ctx_new(sf_tls_ctx_t **out, const sf_tls_ctx_options_t *o,
                   char *w, size_t wl) {
  if (w && wl)
    w[0] = '\0';
  if (!out)
    return why(w, wl, SF_EINVAL, "ctx is NULL");
  *out = NULL;
  if (!o)
    return why(w, wl, SF_EINVAL, "opts is NULL");
  if (o->role != SF_TLS_CLIENT && o->role != SF_TLS_SERVER)
    return why(w, wl, SF_EINVAL, "role must be SF_TLS_CLIENT or "
                                 "SF_TLS_SERVER");
  SSL_CTX *c = SSL_CTX_new(o->role == SF_TLS_CLIENT ? TLS_client_method()
                                                    : TLS_server_method());
  sf_tls_ctx_t *ctx = c ? ctx_alloc(o->role, c) : NULL;
  if (!ctx) {
    SSL_CTX_free(c);
    return why(w, wl, SF_ENOMEM, "no memory for the TLS context");
  }
  int rc = 0;
  if (o->alpn && !alpn_wire(o->alpn, &ctx->alpn, &ctx->alpn_len))
    rc = why(w, wl, SF_EINVAL, "alpn \"%s\": names of 1 to 255 bytes, "
             "separated by commas", o->alpn);
  if (!rc)
    rc = o->role == SF_TLS_CLIENT ? setup_client(ctx, o, w, wl)
                                  : setup_server_main(ctx, o, w, wl);
  if (rc) {
    if (w && wl && !w[0])
      why(w, wl, rc, "%s", sf_strerror(rc));
    sf__tls_ctx_release(ctx);
    ERR_clear_error();
    return rc;
  }
  *out = ctx;
  return 0;
}

int sf_tls_ctx_from_ssl_ctx(sf_tls_ctx_t **out, void *ssl_ctx,
                            sf_tls_role_t role) {
  if (!out || !ssl_ctx || (role != SF_TLS_CLIENT && role != SF_TLS_SERVER))
    return SF_EINVAL;
  *out = NULL;
  if (!SSL_CTX_up_ref(ssl_ctx))
    return SF_ENOMEM;
  sf_tls_ctx_t *ctx = ctx_alloc(role, ssl_ctx);
  if (!ctx) {
    SSL_CTX_free(ssl_ctx);
    return SF_ENOMEM;
  }
  *out = ctx;
  return 0;
}

void sf__tls_ctx_retain(sf_tls_ctx_t *ctx) { ctx->refs++; }

void sf__tls_ctx_release(sf_tls_ctx_t *ctx) {
  if (!ctx || --ctx->refs > 0)
    return;
  while (ctx->sessions)
    drop_session(&ctx->sessions);
  for (unsigned i = 0; i < ctx->sni_count; i++) {
    SSL_CTX_free(ctx->sni_ctx[i]);
    free(ctx->sni_names[i]);
  }
  free(ctx->sni_ctx);
  free(ctx->sni_names);
  free(ctx->alpn);
  SSL_CTX_free(ctx->ssl_ctx);
  free(ctx);
}

void sf_tls_ctx_free(sf_tls_ctx_t *ctx) { sf__tls_ctx_release(ctx); }

bool sf__tls_ctx_prepare(sf_tls_ctx_t *ctx, SSL *ssl, const char *name) {
  if (!SSL_set_ex_data(ssl, ssl_index(), ctx))
    return false;
  if (ctx->role != SF_TLS_CLIENT || !name)
    return true;
  if (!SSL_set_tlsext_host_name(ssl, name) || !SSL_set1_host(ssl, name))
    return false;
  struct sf__tls_session **p = find_session(ctx, name);
  if (ctx->resume && *p)
    SSL_set_session(ssl, (*p)->session);
  return true;
}
