/*
 * tls_kernel: OpenSSL on the kernel's TCP sockets, for bench/bench_tls.sh.
 *
 *   tls_kernel server PORT CERT KEY
 *       the baseline server: accepts one connection at a time and echoes
 *       what it reads until the client's close_notify (as samples/tls_echo
 *       server does on synfin), until killed. Says "ready" once listening.
 *   tls_kernel bulk IP PORT BYTES [tls12]
 *       the bulk client for both servers: one connection, TLS 1.3 with
 *       TLS_AES_128_GCM_SHA256 (tls12: TLS 1.2 with
 *       ECDHE-ECDSA-AES128-GCM-SHA256), writes BYTES and reads them back
 *       through poll(), then prints
 *       "result bytes=N mbyte_s=R cpu_s=C cipher=NAME": R counts the bytes
 *       one way over the time from the end of the handshake to the last
 *       echoed byte, C is the client's own CPU time (getrusage).
 * The client does not verify the server: both servers present the same
 * certificate, and checking it would cost the client alone.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "bench_clock.h"

#define CHUNK (64 * 1024)

static const char suite13[] = "TLS_AES_128_GCM_SHA256";
static const char cipher12[] = "ECDHE-ECDSA-AES128-GCM-SHA256";

static int fail(const char *what) {
  fprintf(stderr, "tls_kernel: %s\n", what);
  ERR_print_errors_fp(stderr);
  return 1;
}

/* ------------------------------------------------------------- server */

static int listen_on(int port) {
  struct sockaddr_in sa = {.sin_family = AF_INET,
                           .sin_port = htons((unsigned short)port)};
  int one = 1;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
                           sizeof(one)) < 0 ||
      bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 64) < 0)
    return -1;
  return fd;
}

/* Echoes until the peer's close_notify (answered with ours) or an error. */
static void echo(SSL *ssl) {
  static char buf[CHUNK];
  int n;
  if (SSL_accept(ssl) != 1)
    return;
  while ((n = SSL_read(ssl, buf, sizeof(buf))) > 0)
    if (SSL_write(ssl, buf, n) != n)
      return;
  if (SSL_get_error(ssl, n) == SSL_ERROR_ZERO_RETURN)
    SSL_shutdown(ssl);
}

static int server(int port, const char *cert, const char *key) {
  SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
  if (!ctx || SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
      SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1)
    return fail("certificate or key refused");
  int l = listen_on(port);
  if (l < 0)
    return fail("cannot listen");
  printf("ready\n");
  fflush(stdout);
  for (;;) {
    int c = accept(l, NULL, NULL);
    if (c < 0)
      continue;
    SSL *ssl = SSL_new(ctx);
    if (ssl && SSL_set_fd(ssl, c) == 1)
      echo(ssl);
    SSL_free(ssl);
    ERR_clear_error();
    close(c);
  }
}

/* --------------------------------------------------------------- bulk */

static SSL *client_connect(const char *ip, int port, int tls12) {
  SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
  struct sockaddr_in sa = {.sin_family = AF_INET,
                           .sin_port = htons((unsigned short)port)};
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  int v = tls12 ? TLS1_2_VERSION : TLS1_3_VERSION;
  if (!ctx || fd < 0 || inet_pton(AF_INET, ip, &sa.sin_addr) != 1 ||
      !SSL_CTX_set_min_proto_version(ctx, v) ||
      !SSL_CTX_set_max_proto_version(ctx, v) ||
      SSL_CTX_set_ciphersuites(ctx, suite13) != 1 ||
      SSL_CTX_set_cipher_list(ctx, cipher12) != 1 ||
      connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
    return NULL;
  SSL *ssl = SSL_new(ctx);
  SSL_CTX_free(ctx); /* the SSL holds its own reference */
  if (!ssl || SSL_set_fd(ssl, fd) != 1 || SSL_connect(ssl) != 1) {
    SSL_free(ssl);
    return NULL;
  }
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  return ssl;
}

/* false on an error other than "try again later" */
static int again(SSL *ssl, int r) {
  int e = SSL_get_error(ssl, r);
  return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE;
}

/* Writes total bytes while reading the echo; 0 once all came back. */
static int pump(SSL *ssl, unsigned long long total) {
  static char out[CHUNK], in[CHUNK];
  unsigned long long sent = 0, got = 0;
  memset(out, 'x', sizeof(out));
  while (got < total) {
    struct pollfd p = {SSL_get_fd(ssl), POLLIN, 0};
    if (sent < total)
      p.events |= POLLOUT;
    if (poll(&p, 1, 10000) <= 0)
      return fail("no progress for 10 s");
    if (sent < total) {
      /* the same length again after a retry, as OpenSSL asks */
      int len = total - sent < CHUNK ? (int)(total - sent) : CHUNK;
      int n = SSL_write(ssl, out, len);
      if (n > 0)
        sent += (unsigned long long)n;
      else if (!again(ssl, n))
        return fail("write failed");
    }
    for (;;) {
      int n = SSL_read(ssl, in, sizeof(in));
      if (n > 0) {
        got += (unsigned long long)n;
        continue;
      }
      if (!again(ssl, n))
        return fail("read failed");
      break;
    }
  }
  return 0;
}

static int bulk(const char *ip, int port, unsigned long long bytes,
                int tls12) {
  SSL *ssl = client_connect(ip, port, tls12);
  if (!ssl)
    return fail("connect or handshake failed");
  double c0 = cpu_s(), t0 = now_s();
  int rc = pump(ssl, bytes);
  double secs = now_s() - t0;
  if (rc == 0)
    printf("result bytes=%llu mbyte_s=%.1f cpu_s=%.3f cipher=%s\n", bytes,
           secs > 0 ? (double)bytes / secs / 1e6 : 0.0, cpu_s() - c0,
           SSL_get_cipher_name(ssl));
  SSL_shutdown(ssl);
  close(SSL_get_fd(ssl));
  SSL_free(ssl);
  return rc;
}

int main(int argc, char **argv) {
  signal(SIGPIPE, SIG_IGN); /* a client gone mid-write is an error, not the end */
  if (argc == 5 && !strcmp(argv[1], "server"))
    return server(atoi(argv[2]), argv[3], argv[4]);
  if ((argc == 5 || argc == 6) && !strcmp(argv[1], "bulk"))
    return bulk(argv[2], atoi(argv[3]), strtoull(argv[4], NULL, 10),
                argc == 6 && !strcmp(argv[5], "tls12"));
  fprintf(stderr, "usage: tls_kernel server PORT CERT KEY\n"
                  "       tls_kernel bulk IP PORT BYTES [tls12]\n");
  return 2;
}
