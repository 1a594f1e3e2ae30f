/*
 * lib/tls, TLS streams over synfin's TCP handles. It sits above lib/api
 * (it includes lib/api headers; nothing under lib/ includes it):
 *
 *   context.c  sf_tls_ctx_t: an SSL_CTX from files and options (PEM
 *              chains, verification, ALPN, SNI certificates, tickets)
 *              or from the application's own SSL_CTX
 *   reason.c   OpenSSL's error queue and verification result turned into
 *              a code and a sentence (sf_tls_error_hint)
 *   tls_stream.c  sf_tls_t: the stream ops; the record pump between the
 *              TCP stream and OpenSSL's memory BIOs
 */
#ifndef SF_TLS_TLS_H
#define SF_TLS_TLS_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/ssl.h>

#include "synfin.h"

#define SF__TLS_REASON_LEN 256

struct sf__tls_session; /* context.c: a client's session per server name */

struct sf_tls_ctx_s {
  unsigned refs; /* the application's, and one per TLS stream */
  sf_tls_role_t role;
  SSL_CTX *ssl_ctx;
  SSL_CTX **sni_ctx; /* per-name certificates (server) */
  char **sni_names;
  unsigned sni_count;
  unsigned char *alpn; /* wire format: length-prefixed names */
  size_t alpn_len;
  bool resume; /* client: offer the last session per server name */
  struct sf__tls_session *sessions;
};

/* context.c */
void sf__tls_ctx_retain(sf_tls_ctx_t *ctx);
void sf__tls_ctx_release(sf_tls_ctx_t *ctx);
/* A new SSL of ctx: for a client with server_name, SNI, the host name
 * check and a session to resume. false: OpenSSL refused (no memory). */
bool sf__tls_ctx_prepare(sf_tls_ctx_t *ctx, SSL *ssl,
                         const char *server_name);

/* reason.c: the code for a failed SSL call (ssl_error from
 * SSL_get_error) and its explanation in reason; empties the error
 * queue. */
int sf__tls_classify(SSL *ssl, int ssl_error, const char *server_name,
                     char *reason, size_t len);

#endif /* SF_TLS_TLS_H */
