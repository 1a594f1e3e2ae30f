/*
 * Error codes: names and messages for every SF_E* code, from the one
 * table in synfin.h (SF_ERRNO_MAP), so a code can never lack either; and
 * the translation of errno values, which the link drivers use too.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include "base/error.h"

const char *sf_strerror(int err) {
  switch (err) {
#define SF_STRERROR_CASE(name, value, msg) \
  case SF_##name:                          \
    return msg;
    SF_ERRNO_MAP(SF_STRERROR_CASE)
#undef SF_STRERROR_CASE
  default:
    return "unknown error";
  }
}

const char *sf_err_name(int err) {
  switch (err) {
#define SF_ERR_NAME_CASE(name, value, msg) \
  case SF_##name:                          \
    return #name;
    SF_ERRNO_MAP(SF_ERR_NAME_CASE)
#undef SF_ERR_NAME_CASE
  default:
    return "UNKNOWN";
  }
}

int sf_translate_sys_error(int sys_errno) {
  return sys_errno <= 0 ? sys_errno : -sys_errno;
}

int sf__why(struct sf_why *why, int err, const char *fmt, ...) {
  if (why) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why->text, sizeof(why->text), fmt, ap);
    va_end(ap);
  }
  return err;
}
