/*
 * TLS options shared by synfin's programs (sfcat, sfproxy): parsing
 * --tls, --tls-cert, --tls-key, --tls-ca, --tls-name, --tls-insecure and
 * --tls-alpn, checking that they fit the program's role, and building
 * the sf_tls_ctx_t from them with a message that names the file at
 * fault (sf_tls_ctx_new's why).
 *
 * A program: prog_tls_option for each argument its own options and
 * prog_option did not take, prog_tls_check once the role is known,
 * prog_tls_open after prog_open, prog_tls_close at exit.
 */
#ifndef SF_PROGRAMS_PROG_TLS_H
#define SF_PROGRAMS_PROG_TLS_H

#include <stdio.h>

#include "prog.h"

struct prog_tls {
  int on; /* --tls, or a --tls-* option that implies it */
  /* as given (NULL: not given) */
  const char *cert, *key, *ca, *name, *alpn;
  int insecure;
  sf_tls_role_t role; /* set by prog_tls_check */
  sf_tls_ctx_t *ctx;  /* prog_tls_open */
};

/*
 * If argv[*i] is a TLS option, takes it (and its value, advancing *i)
 * and returns 1; 0 for any other argument; -1 after printing why a value
 * is missing.
 */
int prog_tls_option(const struct prog *p, struct prog_tls *t, int argc,
                    char **argv, int *i);

/* The TLS options' lines for a --help text: a client's and a server's
 * (client), or a server's only (!client). */
void prog_tls_usage(FILE *out, int client);

/*
 * Checks the options given against the role (a server needs --tls-cert
 * and --tls-key; --tls-name and --tls-insecure are a client's). Returns
 * 0, or PROG_EXIT_USAGE after saying what is wrong. Without any TLS
 * option, 0 and nothing else happens.
 */
int prog_tls_check(const struct prog *p, struct prog_tls *t,
                   sf_tls_role_t role);

/* Builds t->ctx when TLS is on. 0, or PROG_EXIT_FAIL after printing
 * why (the file and OpenSSL's reason). */
int prog_tls_open(const struct prog *p, struct prog_tls *t);

/* Releases the context (streams still using it keep it). */
void prog_tls_close(struct prog_tls *t);

/* Why the TLS stream failed with err: sf_tls_error_hint when it has one,
 * else sf_strerror(err). */
const char *prog_tls_reason(const sf_tls_t *tls, int err);

#endif /* SF_PROGRAMS_PROG_TLS_H */
