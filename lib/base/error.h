/*
 * The error table, for code below the public API. The SF_E* codes and
 * the prototypes of sf_strerror, sf_err_name and sf_translate_sys_error
 * are public (synfin.h, SF_ERRNO_MAP); their implementation lives here in
 * lib/base (error.c), so that every layer, link drivers included, can
 * return and explain a code without depending on lib/api.
 */
#ifndef SF_BASE_ERROR_H
#define SF_BASE_ERROR_H

#include "synfin.h"

/*
 * Why a call failed, for a person: the field, the value and what to do
 * about it ("address \"198.18.40.300/24\": 300 is not an octet ...").
 * Code that can explain a failure takes a struct sf_why * (NULL: nobody
 * asked) and fills it where it knows the reason; the loop keeps the
 * last one (sf_loop_last_error).
 */
#define SF_WHY_LEN 320
struct sf_why {
  char text[SF_WHY_LEN];
};

/* Formats the sentence into why (when not NULL) and returns err, so that
 * a failure reads `return sf__why(why, SF_EINVAL, "...", ...);`. */
int sf__why(struct sf_why *why, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif /* SF_BASE_ERROR_H */
