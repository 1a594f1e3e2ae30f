/*
 * Error codes: names and messages for every SF_E* code, from the one
 * table in synfin.h (SF_ERRNO_MAP), so a code can never lack either.
 */
#include "config.h"

#include <stddef.h>

#include "synfin.h"

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

#define SF_STR2(x) #x
#define SF_STR(x) SF_STR2(x)

const char *sf_version_string(void) {
  return SF_STR(SF_VERSION_MAJOR) "." SF_STR(SF_VERSION_MINOR) "." SF_STR(
      SF_VERSION_PATCH);
}

unsigned int sf_version(void) {
  return (SF_VERSION_MAJOR << 16) | (SF_VERSION_MINOR << 8) | SF_VERSION_PATCH;
}
