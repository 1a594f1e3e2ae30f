/*
 * synfin — a TCP/IP stack in user space with a libuv-style API.
 *
 * This header is the whole public interface. Conventions, as in libuv:
 *   - every call returns 0 (or a count) on success and a negative SF_E*
 *     code on failure; sf_strerror() and sf_err_name() explain any code;
 *   - the caller allocates handles and requests and owns their memory;
 *   - a call that returns an error never fires its callback.
 *
 * What is here today: error codes and version information. The loop, the
 * TCP handles and the lifecycle hooks follow (see the project's issues).
 */
#ifndef SYNFIN_H
#define SYNFIN_H

#include <errno.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Marks the functions libsynfin exports; everything else is hidden. */
#if defined(SF_BUILDING_LIBRARY) && defined(__GNUC__)
#define SF_EXTERN __attribute__((visibility("default")))
#else
#define SF_EXTERN /* nothing */
#endif

#define SF_VERSION_MAJOR 0
#define SF_VERSION_MINOR 1
#define SF_VERSION_PATCH 0

/*
 * Error codes. Each is the negated errno value of the same name, so a code
 * from the kernel (-errno) and a code from synfin compare equal; SF_EOF
 * stands outside errno's range, as libuv's UV_EOF does.
 *
 * XX(name, errno-or-value, message)
 */
#define SF_ERRNO_MAP(XX)                                                      \
  XX(E2BIG, -E2BIG, "argument list too long")                                 \
  XX(EACCES, -EACCES, "permission denied")                                    \
  XX(EADDRINUSE, -EADDRINUSE, "address already in use")                       \
  XX(EADDRNOTAVAIL, -EADDRNOTAVAIL, "address not available")                  \
  XX(EAFNOSUPPORT, -EAFNOSUPPORT, "address family not supported")             \
  XX(EAGAIN, -EAGAIN, "resource temporarily unavailable")                     \
  XX(EALREADY, -EALREADY, "operation already in progress")                    \
  XX(EBADF, -EBADF, "bad file descriptor")                                    \
  XX(EBUSY, -EBUSY, "resource busy or locked")                                \
  XX(ECANCELED, -ECANCELED, "operation canceled")                             \
  XX(ECONNABORTED, -ECONNABORTED, "software caused connection abort")         \
  XX(ECONNREFUSED, -ECONNREFUSED, "connection refused")                       \
  XX(ECONNRESET, -ECONNRESET, "connection reset by peer")                     \
  XX(EEXIST, -EEXIST, "file already exists")                                  \
  XX(EHOSTUNREACH, -EHOSTUNREACH, "host is unreachable")                      \
  XX(EINVAL, -EINVAL, "invalid argument")                                     \
  XX(EIO, -EIO, "i/o error")                                                  \
  XX(EISCONN, -EISCONN, "socket is already connected")                        \
  XX(EMFILE, -EMFILE, "too many open files")                                  \
  XX(EMSGSIZE, -EMSGSIZE, "message too long")                                 \
  XX(ENETDOWN, -ENETDOWN, "network is down")                                  \
  XX(ENETUNREACH, -ENETUNREACH, "network is unreachable")                     \
  XX(ENOBUFS, -ENOBUFS, "no buffer space available")                         \
  XX(ENODEV, -ENODEV, "no such device")                                       \
  XX(ENOENT, -ENOENT, "no such file or directory")                            \
  XX(ENOMEM, -ENOMEM, "not enough memory")                                    \
  XX(ENOSPC, -ENOSPC, "no space left on device")                              \
  XX(ENOSYS, -ENOSYS, "function not implemented")                             \
  XX(ENOTCONN, -ENOTCONN, "socket is not connected")                          \
  XX(ENOTSUP, -ENOTSUP, "operation not supported")                            \
  XX(EPERM, -EPERM, "operation not permitted")                                \
  XX(EPIPE, -EPIPE, "broken pipe")                                            \
  XX(EPROTO, -EPROTO, "protocol error")                                       \
  XX(ERANGE, -ERANGE, "result too large")                                     \
  XX(ETIMEDOUT, -ETIMEDOUT, "connection timed out")                           \
  XX(EOF, -4095, "end of file")

typedef enum {
#define SF_ERRNO_ENUM(name, value, msg) SF_##name = (value),
  SF_ERRNO_MAP(SF_ERRNO_ENUM)
#undef SF_ERRNO_ENUM
  SF__ERRNO_MAX = -4096 /* keeps the enum signed; not an error code */
} sf_errno_t;

/*
 * A human-readable message for an error code, e.g. "connection refused".
 * Never returns NULL: an unknown code gives "unknown error". The string is
 * static; the caller must not free it.
 */
SF_EXTERN const char *sf_strerror(int err);

/*
 * The code's name, e.g. "ECONNREFUSED" for SF_ECONNREFUSED. Never returns
 * NULL: an unknown code gives "UNKNOWN". The string is static.
 */
SF_EXTERN const char *sf_err_name(int err);

/*
 * Translates a (positive) system errno value into synfin's code for it:
 * sf_translate_sys_error(ECONNRESET) == SF_ECONNRESET. Zero stays zero;
 * an already negative value is returned unchanged.
 */
SF_EXTERN int sf_translate_sys_error(int sys_errno);

/* The library's version as "MAJOR.MINOR.PATCH"; the string is static. */
SF_EXTERN const char *sf_version_string(void);

/* The library's version as (MAJOR << 16) | (MINOR << 8) | PATCH. */
SF_EXTERN unsigned int sf_version(void);

#ifdef __cplusplus
}
#endif

#endif /* SYNFIN_H */
