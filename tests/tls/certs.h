/*
 * Throwaway certificates for the TLS suites, made with OpenSSL's API at
 * test time into a fresh temporary directory (EC P-256 keys, SHA-256):
 *   ca.pem                 the test CA (and other_ca.pem, a CA nobody
 *                          trusts)
 *   server.pem/.key        CN and DNS name server.test, signed by the CA
 *   other.pem/.key         other.test (a second SNI name)
 *   expired.pem/.key       server.test, valid until yesterday
 *   stranger.pem/.key      server.test, signed by other_ca
 *   client.pem/.key        CN and DNS name client.test, signed by the CA
 *                          (a client certificate)
 * certs_make() fills certs_dir; certs_remove() deletes it.
 */
#ifndef SF_TESTS_TLS_CERTS_H
#define SF_TESTS_TLS_CERTS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

static char certs_dir[256];

/* certs_dir/name, in one of a few rotating buffers. */
static inline const char *cert_path(const char *name) {
  static char paths[8][512];
  static unsigned next;
  char *p = paths[next++ % 8];
  snprintf(p, 512, "%s/%s", certs_dir, name);
  return p;
}

static inline void certs_add_ext(X509 *x, X509 *issuer, int nid,
                                 const char *value) {
  X509V3_CTX v3;
  X509V3_set_ctx(&v3, issuer ? issuer : x, x, NULL, NULL, 0);
  X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
  if (!e || !X509_add_ext(x, e, -1))
    abort();
  X509_EXTENSION_free(e);
}

/* A certificate for key named cn, valid from..to (seconds from now),
 * signed by issuer (NULL: self-signed CA). */
static inline X509 *certs_issue(EVP_PKEY *key, const char *cn, X509 *issuer,
                                EVP_PKEY *issuer_key, long from, long to) {
  static long serial = 1;
  X509 *x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
  X509_gmtime_adj(X509_getm_notBefore(x), from);
  X509_gmtime_adj(X509_getm_notAfter(x), to);
  X509_set_pubkey(x, key);
  X509_NAME *n = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn,
                             -1, -1, 0);
  X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : n);
  if (issuer) {
    char san[300];
    snprintf(san, sizeof(san), "DNS:%s", cn);
    certs_add_ext(x, issuer, NID_subject_alt_name, san);
    certs_add_ext(x, issuer, NID_basic_constraints, "CA:FALSE");
  } else {
    certs_add_ext(x, NULL, NID_basic_constraints, "critical,CA:TRUE");
    certs_add_ext(x, NULL, NID_key_usage, "critical,keyCertSign,cRLSign");
  }
  if (!X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256()))
    abort();
  return x;
}

static inline void certs_write(const char *name, X509 *x, EVP_PKEY *key) {
  char file[300];
  snprintf(file, sizeof(file), "%s.pem", name);
  FILE *f = fopen(cert_path(file), "w");
  if (!f || !PEM_write_X509(f, x))
    abort();
  fclose(f);
  if (!key)
    return;
  snprintf(file, sizeof(file), "%s.key", name);
  f = fopen(cert_path(file), "w");
  if (!f || !PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL))
    abort();
  fclose(f);
}

static inline void certs_leaf(const char *file, const char *cn, X509 *ca,
                              EVP_PKEY *ca_key, long from, long to) {
  EVP_PKEY *k = EVP_EC_gen("P-256");
  X509 *x = certs_issue(k, cn, ca, ca_key, from, to);
  certs_write(file, x, k);
  X509_free(x);
  EVP_PKEY_free(k);
}

static inline void certs_make(void) {
  snprintf(certs_dir, sizeof(certs_dir), "/tmp/synfin-tls-XXXXXX");
  if (!mkdtemp(certs_dir))
    abort();
  const long day = 86400;
  EVP_PKEY *ca_key = EVP_EC_gen("P-256");
  EVP_PKEY *other_key = EVP_EC_gen("P-256");
  X509 *ca = certs_issue(ca_key, "synfin test CA", NULL, NULL, -day, day);
  X509 *other = certs_issue(other_key, "untrusted CA", NULL, NULL, -day, day);
  certs_write("ca", ca, NULL);
  certs_write("other_ca", other, NULL);
  certs_leaf("server", "server.test", ca, ca_key, -day, day);
  certs_leaf("other", "other.test", ca, ca_key, -day, day);
  certs_leaf("expired", "server.test", ca, ca_key, -2 * day, -day);
  certs_leaf("stranger", "server.test", other, other_key, -day, day);
  certs_leaf("client", "client.test", ca, ca_key, -day, day);
  X509_free(ca);
  X509_free(other);
  EVP_PKEY_free(ca_key);
  EVP_PKEY_free(other_key);
}

static inline void certs_remove(void) {
  static const char *const files[] = {
      "ca.pem",      "other_ca.pem", "server.pem",   "server.key",
      "other.pem",   "other.key",    "expired.pem",  "expired.key",
      "stranger.pem", "stranger.key", "client.pem",   "client.key"};
  for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
    unlink(cert_path(files[i]));
  rmdir(certs_dir);
}

#endif /* SF_TESTS_TLS_CERTS_H */
