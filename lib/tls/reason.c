/*
 * A failed SSL call in words: the verification result when the peer's
 * certificate was refused (with what it means: an unknown CA, the name
 * expected), the description of an alert the peer sent, or OpenSSL's own
 * reason ("no shared cipher", "unsupported protocol"); a client
 * certificate a server demands and did not get counts as refused.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509_vfy.h>

#include "tls/tls.h"

/* What a verification error means, where OpenSSL's words don't say. */
static const char *verify_gloss(long v) {
  switch (v) {
  case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
  case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
  case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
  case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    return " (unknown CA)";
  default:
    return "";
  }
}

/* Alerts about the certificate count as SF_ECERT. */
static bool certificate_alert(const char *r) {
  static const char *const words[] = {"certificate", "unknown ca",
                                      "bad certificate"};
  for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
    if (strstr(r, words[i]))
      return true;
  return false;
}

/* "sslv3 alert certificate expired" -> "certificate expired", or NULL
 * when r is not an alert received. */
static const char *alert_text(const char *r) {
  static const char *const prefixes[] = {"sslv3 alert ", "tlsv1 alert ",
                                         "tlsv13 alert "};
  for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
    if (strncmp(r, prefixes[i], strlen(prefixes[i])) == 0)
      return r + strlen(prefixes[i]);
  return NULL;
}

static int verify_failure(SSL *ssl, const char *name, char *out,
                          size_t len) {
  long v = SSL_get_verify_result(ssl);
  if (v == X509_V_ERR_HOSTNAME_MISMATCH && name)
    snprintf(out, len, "certificate verify failed: %s (expected %s)",
             X509_verify_cert_error_string(v), name);
  else
    snprintf(out, len, "certificate verify failed: %s%s",
             X509_verify_cert_error_string(v), verify_gloss(v));
  return SF_ECERT;
}

int sf__tls_classify(SSL *ssl, int ssl_error, const char *name, char *out,
                     size_t len) {
  unsigned long e = ERR_peek_error();
  int rc = SF_ETLS;
  if (e && ERR_GET_LIB(e) == ERR_LIB_SSL &&
      ERR_GET_REASON(e) == SSL_R_CERTIFICATE_VERIFY_FAILED &&
      SSL_get_verify_result(ssl) != X509_V_OK) {
    rc = verify_failure(ssl, name, out, len);
  } else if (e && ERR_GET_LIB(e) == ERR_LIB_SSL &&
             ERR_GET_REASON(e) == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE) {
    /* a server whose ca_file demands a client certificate got none: a
     * refused certificate as much as a bad one */
    snprintf(out, len, "the peer sent no certificate, and one is required");
    rc = SF_ECERT;
  } else if (e) {
    const char *r = ERR_reason_error_string(e);
    const char *alert = r ? alert_text(r) : NULL;
    if (alert) {
      snprintf(out, len, "alert from the peer: %s", alert);
      if (certificate_alert(alert))
        rc = SF_ECERT;
    } else {
      snprintf(out, len, "%s", r ? r : "an error OpenSSL does not name");
    }
  } else {
    snprintf(out, len, "TLS failed (SSL_get_error %d) without a reason",
             ssl_error);
  }
  ERR_clear_error();
  return rc;
}
