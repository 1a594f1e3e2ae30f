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

#endif /* SF_BASE_ERROR_H */
