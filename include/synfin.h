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

/* ------------------------------------------------------------ TCP states */

/*
 * The eleven states of the RFC 9293 state diagram (section 3.3.2), in the
 * order Linux numbers them is NOT kept: CLOSED is 0 so a zeroed control
 * block is closed. sf_tcp_state_name() gives the RFC's spelling.
 */
typedef enum {
  SF_TCP_CLOSED = 0,
  SF_TCP_LISTEN,
  SF_TCP_SYN_SENT,
  SF_TCP_SYN_RECEIVED,
  SF_TCP_ESTABLISHED,
  SF_TCP_FIN_WAIT_1,
  SF_TCP_FIN_WAIT_2,
  SF_TCP_CLOSE_WAIT,
  SF_TCP_CLOSING,
  SF_TCP_LAST_ACK,
  SF_TCP_TIME_WAIT,
  SF_TCP_STATE_COUNT /* not a state */
} sf_tcp_state_t;

/*
 * The state's name as RFC 9293 writes it ("SYN-RECEIVED", "TIME-WAIT");
 * "UNKNOWN" for a value outside the enum. The string is static.
 */
SF_EXTERN const char *sf_tcp_state_name(int state);

/* What on_syn decides for an arriving SYN (see the lifecycle hooks). */
typedef enum {
  SF_SYN_ACCEPT = 0, /* go on with the handshake */
  SF_SYN_RESET,      /* answer with RST, keep nothing */
  SF_SYN_DROP        /* say nothing, keep nothing */
} sf_syn_verdict_t;

/* Bits of sf_syn_info.options and sf_tcp_info.options. */
#define SF_TCPI_OPT_MSS 0x01
#define SF_TCPI_OPT_WSCALE 0x02
#define SF_TCPI_OPT_SACK 0x04
#define SF_TCPI_OPT_TIMESTAMPS 0x08

/*
 * An arriving SYN as on_syn sees it, before any state is kept. Addresses
 * are IPv4 in host byte order; ports in host byte order.
 */
typedef struct {
  unsigned int local_addr;
  unsigned short local_port;
  unsigned int peer_addr;
  unsigned short peer_port;
  unsigned int options; /* SF_TCPI_OPT_* the SYN carried */
  unsigned short mss;   /* valid with SF_TCPI_OPT_MSS */
  unsigned char wscale; /* valid with SF_TCPI_OPT_WSCALE */
  unsigned int syn_queue_len; /* half-open connections on this listener */
  unsigned int accept_queue_len;
} sf_syn_info_t;

/*
 * A snapshot of one connection, like Linux's struct tcp_info. Times are
 * in microseconds; windows and sizes in bytes.
 */
typedef struct {
  int state;                 /* sf_tcp_state_t */
  unsigned int options;      /* SF_TCPI_OPT_* negotiated */
  unsigned char snd_wscale;  /* shift applied to the peer's windows */
  unsigned char rcv_wscale;  /* shift we apply to ours */
  unsigned int snd_mss;      /* effective send MSS */
  unsigned int rcv_mss;      /* MSS the peer announced (or 536) */
  unsigned long long rtt_us; /* smoothed RTT (0 before the first sample) */
  unsigned long long rttvar_us;
  unsigned long long rto_us;
  unsigned int cwnd;     /* congestion window, bytes */
  unsigned int ssthresh; /* slow-start threshold, bytes */
  unsigned int snd_wnd;  /* the peer's window, bytes, scaled */
  unsigned int rcv_wnd;  /* the window we announce, bytes */
  unsigned int bytes_in_flight;
  unsigned int unsent;   /* in the send buffer, not yet sent */
  unsigned int unread;   /* received, not yet read by the application */
  unsigned long long bytes_sent;     /* payload, first transmissions */
  unsigned long long bytes_retrans;  /* payload, retransmissions */
  unsigned long long bytes_received; /* payload delivered in order */
  unsigned long long retransmits;    /* segments retransmitted */
  unsigned int rto_backoff;          /* consecutive RTO expirations */
} sf_tcp_info_t;

#ifdef __cplusplus
}
#endif

#endif /* SYNFIN_H */
