/* The library's version, from the SF_VERSION_* macros of synfin.h. */
#include "config.h"

#include "synfin.h"

#define SF_STR2(x) #x
#define SF_STR(x) SF_STR2(x)

const char *sf_version_string(void) {
  return SF_STR(SF_VERSION_MAJOR) "." SF_STR(SF_VERSION_MINOR) "." SF_STR(
      SF_VERSION_PATCH);
}

unsigned int sf_version(void) {
  return (SF_VERSION_MAJOR << 16) | (SF_VERSION_MINOR << 8) | SF_VERSION_PATCH;
}
