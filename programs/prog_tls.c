/*
 * TLS options for synfin's programs (prog_tls.h).
 */
#include "config.h"

#include "prog_tls.h"

#include <string.h>

/* The options taking a value: where each one's value goes. */
static const char **value_option(struct prog_tls *t, const char *o) {
  if (!strcmp(o, "--tls-cert"))
    return &t->cert;
  if (!strcmp(o, "--tls-key"))
    return &t->key;
  if (!strcmp(o, "--tls-ca"))
    return &t->ca;
  if (!strcmp(o, "--tls-name"))
    return &t->name;
  if (!strcmp(o, "--tls-alpn"))
    return &t->alpn;
  return NULL;
}

int prog_tls_option(const struct prog *p, struct prog_tls *t, int argc,
                    char **argv, int *i) {
  const char *o = argv[*i];
  const char **dst = value_option(t, o);
  if (!strcmp(o, "--tls")) {
    t->on = 1;
    return 1;
  }
  if (!strcmp(o, "--tls-insecure")) {
    t->on = t->insecure = 1;
    return 1;
  }
  if (!dst)
    return 0;
  if (*i + 1 >= argc) {
    prog_usage_error(p, "%s needs a value", o);
    return -1;
  }
  *dst = argv[++*i];
  t->on = 1;
  return 1;
}

void prog_tls_usage(FILE *out, int client) {
  fputs("TLS:\n", out);
  if (client)
    fputs("  --tls               use TLS (a client verifies the server's\n"
          "                      certificate and host name by default)\n",
          out);
  fputs(client ? "  --tls-cert FILE     certificate chain (PEM); a server's is\n"
                 "                      required, a client's is optional\n"
               : "  --tls-cert FILE     terminate TLS with this certificate\n"
                 "                      chain (PEM, the certificate first)\n",
        out);
  fputs("  --tls-key FILE      its private key (PEM)\n", out);
  if (!client)
    fputs("  --tls-ca FILE       CA certificates (PEM): clients must show a\n"
          "                      certificate they verify\n",
          out);
  if (client)
    fputs("  --tls-ca FILE       CA certificates (PEM) that verify the\n"
          "                      peer (default: the system store); for a\n"
          "                      server, clients must then show one\n"
          "  --tls-name NAME     host name sent (SNI) and verified\n"
          "                      (default: HOST)\n"
          "  --tls-insecure      do not verify the server (a warning says\n"
          "                      so)\n",
          out);
  fputs("  --tls-alpn LIST     ALPN protocols, comma separated, in order\n"
        "                      of preference (e.g. h2,http/1.1)\n",
        out);
}

int prog_tls_check(const struct prog *p, struct prog_tls *t,
                   sf_tls_role_t role) {
  t->role = role;
  if (!t->on)
    return 0;
  if (!t->cert != !t->key)
    return prog_usage_error(p, "--tls-cert and --tls-key go together");
  if (role == SF_TLS_CLIENT)
    return 0;
  if (!t->cert)
    return prog_usage_error(p, "a TLS server needs --tls-cert and "
                               "--tls-key");
  if (t->name || t->insecure)
    return prog_usage_error(p, "%s is for a TLS client",
                            t->name ? "--tls-name" : "--tls-insecure");
  return 0;
}

int prog_tls_open(const struct prog *p, struct prog_tls *t) {
  char why[512] = "";
  if (!t->on)
    return 0;
  sf_tls_ctx_options_t o = {.role = t->role,
                            .cert_file = t->cert,
                            .key_file = t->key,
                            .ca_file = t->ca,
                            .insecure_no_verify = t->insecure,
                            .alpn = t->alpn};
  int rc = sf_tls_ctx_new(&t->ctx, &o, why, sizeof(why));
  if (rc < 0) {
    prog_log(p, "TLS: %s", *why ? why : sf_strerror(rc));
    return PROG_EXIT_FAIL;
  }
  return 0;
}

void prog_tls_close(struct prog_tls *t) {
  sf_tls_ctx_free(t->ctx);
  t->ctx = NULL;
}

const char *prog_tls_reason(const sf_tls_t *tls, int err) {
  const char *hint = sf_tls_error_hint(tls);
  return *hint ? hint : sf_strerror(err);
}
