/*
 * synfin — a TCP/IP stack in user space with a libuv-style API.
 *
 * This header is the whole public interface. Conventions, as in libuv:
 *   - every call returns 0 (or a count) on success and a negative SF_E*
 *     code on failure; sf_strerror() and sf_err_name() explain any code;
 *   - the caller allocates handles and requests and owns their memory;
 *   - a call that returns an error never fires its callback.
 *
 * Contents, in order: error codes; TCP states and the info structs; the
 * loop (sf_loop_*, sf_run); handles (sf_close, sf_ref, ...); timers
 * (sf_timer_*); signals, fd polls, async wakeups, idle, prepare and check
 * handles (sf_signal_*, sf_poll_*, ...); interfaces (sf_iface_*, which
 * attach a link and give the stack an IPv4 address); streams
 * (sf_stream_t, the base of TCP handles: sf_read_start, sf_write,
 * sf_shutdown, ...); TCP handles and requests (sf_tcp_*, sf_listen,
 * sf_accept, ...); lifecycle hooks (sf_tcp_set_hooks) and introspection
 * (sf_tcp_state, sf_tcp_info, sf_loop_counters); loop-wide hooks
 * (sf_loop_set_hooks), the graceful drain, and the table of every
 * control block (sf_tcp_walk).
 *
 * Threads: a loop and everything on it belong to one thread (only
 * sf_async_send may be called from another).
 */
#ifndef SYNFIN_H
#define SYNFIN_H

#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/types.h>

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
 * stands outside errno's range, as libuv's UV_EOF does, and so do the TLS
 * codes (SF_ETLS, SF_ECERT, SF_ETRUNCATED; sf_tls_error_hint explains
 * them).
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
  XX(EOF, -4095, "end of file")                                               \
  XX(ETLS, -4094, "TLS protocol error")                                       \
  XX(ECERT, -4093, "TLS peer certificate not accepted")                       \
  XX(ETRUNCATED, -4092, "TLS stream ended without close_notify (truncated)")

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
 * are socket addresses with their ports (IPv4: a struct sockaddr_in);
 * sf_addr_name writes one as text.
 */
typedef struct {
  struct sockaddr_storage local, peer;
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
  char congestion[16]; /* the congestion control: "newreno", "cubic" */
} sf_tcp_info_t;

/* ================================================================= loop */

struct ev_loop; /* libev's loop; synfin.h does not need <ev.h> */

typedef struct sf_loop_s sf_loop_t;
typedef struct sf_handle_s sf_handle_t;
typedef struct sf_timer_s sf_timer_t;
typedef struct sf_iface_s sf_iface_t;
typedef struct sf_stream_s sf_stream_t;
typedef struct sf_tcp_s sf_tcp_t;
typedef struct sf_req_s sf_req_t;
typedef struct sf_connect_s sf_connect_t;
typedef struct sf_write_s sf_write_t;
typedef struct sf_shutdown_s sf_shutdown_t;
typedef struct sf_tls_s sf_tls_t;
typedef struct sf_tls_info_s sf_tls_info_t;

/* A loop. Only data is for the application; the rest is private. */
struct sf_loop_s {
  void *data;
  struct sf__loop_impl *impl_; /* private */
};

/*
 * The stack's limits and timeouts. sf_loop_options_default fills in the
 * defaults (shown after each field); change what you need and pass the
 * struct to sf_loop_init_ex. Times are in milliseconds.
 */
typedef struct {
  size_t sndbuf;                /* send buffer per connection: 262144 */
  size_t rcvbuf;                /* receive buffer per connection: 262144 */
  unsigned long long msl_ms;    /* TIME-WAIT lasts 2 * msl: 30000 */
  unsigned long long rto_initial_ms; /* 1000 (RFC 6298 2.1) */
  unsigned long long rto_min_ms;     /* 200 */
  unsigned long long rto_max_ms;     /* 60000 */
  unsigned int syn_retries;          /* SYN retransmissions: 6 */
  unsigned int synack_retries;       /* SYN-ACK retransmissions: 5 */
  unsigned int data_retries;         /* RTOs in a row before ETIMEDOUT: 15 */
  unsigned long long fin_wait2_timeout_ms; /* orphaned FIN-WAIT-2: 60000 */
  unsigned long long delack_ms;            /* delayed ACK, <= 200: 40 */
  unsigned long long keepalive_idle_ms;    /* 7200000 */
  unsigned long long keepalive_interval_ms; /* 75000 */
  unsigned int keepalive_probes;            /* 9 */
  unsigned int timewait_max;   /* connections in TIME-WAIT: 262144 */
  unsigned int backlog_max;    /* ceiling for any listen backlog: 4096 */
  int syncookies;              /* SYN cookies when a SYN queue is full: 1 */
  unsigned short port_lo;      /* ephemeral port range: 49152 */
  unsigned short port_hi;      /* ... to 65535 */
  unsigned int arp_retries;    /* ARP requests before EHOSTUNREACH: 3 */
  unsigned long long arp_retry_interval_ms; /* 1000 */
  /* 0: secrets (ISN and cookie keys) from OpenSSL's RAND_bytes; else
   * derived from this seed, for reproducible tests only. */
  unsigned long long secret_seed;
  /* new connections' congestion control (see sf_tcp_congestion); the
   * string is read by sf_loop_init_ex only: "newreno" */
  const char *congestion;
  /* graceful drain: sf_run waits for connections whose handles were
   * closed while their data and FIN are still on the way (see "Drain"
   * below): 1; 0 returns as soon as no handle or request is left */
  int linger;
  /* with linger, how long sf_run waits for them alone, once nothing
   * else keeps it alive; 0: as long as the retransmission limits let
   * them live. 0 */
  unsigned long long linger_max_ms;
  /* RACK loss detection (RFC 8985) where SACK is negotiated; 0: three
   * duplicate ACKs there too: 1 */
  int rack;
  /* the send and receive buffers of all connections together, never
   * exceeded; past 3/4 of it new connections get smaller buffers and
   * windows shrink (docs/limits.md): 536870912 */
  unsigned long long mem_max;
  /* zero-window probes a closed connection still closing gets before it
   * is reset, answered or not: 8 */
  unsigned int orphan_retries;
  /* closed connections still closing; past it the oldest is reset: 4096 */
  unsigned int max_orphans;
  /* busy polling: before sleeping, poll the interfaces for up to this
   * many microseconds since the last frame, while frames arrived in the
   * last 10 ms. Trades a core's idle time for latency (no wake-up from
   * sleep per frame); an idle loop still sleeps. At most 1000000. 0 */
  unsigned int busy_poll_us;
} sf_loop_options_t;

/* Fills o with the defaults. Returns 0, or SF_EINVAL if o is NULL. */
SF_EXTERN int sf_loop_options_default(sf_loop_options_t *o);

/*
 * Initializes loop with its own libev loop and default options. The
 * caller owns the sf_loop_t memory; it must stay in place until
 * sf_loop_close returns 0. Returns 0, SF_EINVAL (loop NULL), SF_ENOMEM,
 * or SF_EIO (no entropy for the stack's secrets).
 */
SF_EXTERN int sf_loop_init(sf_loop_t *loop);

/*
 * As sf_loop_init, with these options (NULL: the defaults; the struct is
 * copied) and, if ev is not NULL, on the application's libev loop, which
 * is borrowed: synfin adds its watchers to it (they never keep ev_run
 * alive on their own; synfin's live handles do) and never destroys it.
 * The application may then run ev_run itself instead of sf_run. Returns
 * 0, SF_EINVAL (loop NULL, or an option out of range: rcvbuf 0 or above
 * 1 GiB, rto_min 0 or above rto_max, delack_ms above 200, port_lo 0 or
 * above port_hi, backlog_max 0, congestion not an algorithm's name),
 * SF_ENOMEM, SF_EIO.
 */
SF_EXTERN int sf_loop_init_ex(sf_loop_t *loop, struct ev_loop *ev,
                              const sf_loop_options_t *options);

/* sf_loop_init_ex(loop, ev, NULL). ev NULL gives SF_EINVAL here. */
SF_EXTERN int sf_loop_init_ev(sf_loop_t *loop, struct ev_loop *ev);

/*
 * Releases everything the loop holds: the stack (connections the
 * application already closed, TIME-WAIT records), its libev loop if it
 * owns one. Connections still closing are freed silently, without RST
 * or FIN: their interfaces are closed already, so nothing can be sent.
 * Returns 0; SF_EBUSY while any handle is open or closing, or a request
 * is pending (close them and run the loop first); SF_EINVAL (NULL or not
 * initialized). After 0, the loop may be initialized again.
 */
SF_EXTERN int sf_loop_close(sf_loop_t *loop);

typedef enum {
  SF_RUN_DEFAULT = 0, /* until no live handle or request is left */
  SF_RUN_ONCE,        /* one round, blocking for events if need be */
  SF_RUN_NOWAIT       /* one round, never blocking */
} sf_run_mode;

/*
 * Runs the loop. Callbacks are only ever called from here (or from
 * ev_run on a borrowed loop). A live handle is one that is active and
 * referenced (sf_ref); pending requests and closing handles keep the loop
 * alive too, and so, with the linger option, do closed connections still
 * delivering their data and FIN (see "Drain"); interfaces never do.
 * Returns 1 if something is still alive (ONCE/NOWAIT, or after sf_stop),
 * else 0; SF_EINVAL (NULL, bad mode), SF_EBUSY (called from inside a
 * callback of the same loop). sf_run runs the libev loop: every synfin
 * loop (and watcher) on that libev loop runs with it, and DEFAULT goes
 * on while any of them is alive.
 */
SF_EXTERN int sf_run(sf_loop_t *loop, sf_run_mode mode);

/* Makes sf_run return after the current round. Returns 0 or SF_EINVAL. */
SF_EXTERN int sf_stop(sf_loop_t *loop);

/* 1 if a live handle, a pending request, a closing handle or (with
 * linger) a closed connection still draining exists, 0 if not,
 * SF_EINVAL for NULL. */
SF_EXTERN int sf_loop_alive(const sf_loop_t *loop);

/* The loop's cached time in milliseconds (arbitrary epoch), as the stack
 * sees it; 0 for NULL. Updated at the start of each round. */
SF_EXTERN unsigned long long sf_now(const sf_loop_t *loop);
/* The same clock in nanoseconds. */
SF_EXTERN unsigned long long sf_now_ns(const sf_loop_t *loop);
/* Refreshes the cached time (libev's ev_now_update). */
SF_EXTERN int sf_update_time(sf_loop_t *loop);

/* The libev loop under this loop (owned or borrowed), or NULL. */
SF_EXTERN struct ev_loop *sf_loop_backend(const sf_loop_t *loop);

typedef void (*sf_walk_cb)(sf_handle_t *handle, void *arg);
/*
 * Calls cb for every handle of the loop (open or closing), oldest first.
 * cb may close the handle it is given, but no other. Returns 0 or
 * SF_EINVAL (NULL loop or cb).
 */
SF_EXTERN int sf_walk(sf_loop_t *loop, sf_walk_cb cb, void *arg);

/* One of the stack's counters (like `netstat -s`). */
typedef struct {
  const char *name;        /* static, e.g. "tcp_active_opens" */
  const char *description; /* static */
  unsigned long long value;
} sf_counter_t;

/*
 * Copies up to max counters (name, description, value) into out and
 * returns how many there are in all (call with max 0 to size out);
 * SF_EINVAL (loop NULL, or out NULL with max > 0), SF_ENOMEM.
 */
SF_EXTERN int sf_loop_counters(const sf_loop_t *loop, sf_counter_t *out,
                               size_t max);
/* One counter by name; ULLONG_MAX if loop or name is NULL or unknown. */
SF_EXTERN unsigned long long sf_loop_counter(const sf_loop_t *loop,
                                             const char *name);

/* ============================================================== handles */

typedef enum {
  SF_UNKNOWN_HANDLE = 0,
  SF_TIMER,
  SF_IFACE,
  SF_TCP,
  SF_SIGNAL,
  SF_POLL,
  SF_ASYNC,
  SF_IDLE,
  SF_PREPARE,
  SF_CHECK,
  SF_TLS,
  SF_HANDLE_TYPE_MAX
} sf_handle_type;

typedef enum {
  SF_UNKNOWN_REQ = 0,
  SF_CONNECT,
  SF_WRITE,
  SF_SHUTDOWN,
  SF_REQ_TYPE_MAX
} sf_req_type;

typedef void (*sf_close_cb)(sf_handle_t *handle);

/*
 * Fields every handle starts with. data is the application's; loop and
 * type are set by the init function and read-only; the rest is private.
 */
#define SF_HANDLE_FIELDS                                                     \
  void *data;                                                                \
  sf_loop_t *loop;                                                           \
  sf_handle_type type;                                                       \
  unsigned int flags;           /* private: see sf_is_active & co. */        \
  sf_close_cb close_cb_;        /* private */                                \
  sf_handle_t *next_, *prev_;   /* private: the loop's handle list */        \
  sf_handle_t *next_closing_;   /* private */

struct sf_handle_s {
  SF_HANDLE_FIELDS
};

/*
 * Closes a handle of any type. Everything pending on it ends first, each
 * with its callback (writes the stack has not taken, a connect, a
 * shutdown: SF_ECANCELED), then close_cb (may be NULL) fires exactly once
 * from a later round of the loop, never from inside sf_close. Only in or
 * after close_cb may the handle's memory be freed or reused. A TCP
 * connection is closed like close(2): FIN after the data already taken
 * (or RST if received data was never read); the stack finishes the
 * connection and keeps its TIME-WAIT on its own. Returns 0, SF_EINVAL
 * (NULL, or not an initialized handle), SF_EALREADY (already closing).
 */
SF_EXTERN int sf_close(sf_handle_t *handle, sf_close_cb close_cb);

/* Referenced handles (the default) keep sf_run alive while active. NULL
 * is ignored. */
SF_EXTERN void sf_ref(sf_handle_t *handle);
SF_EXTERN void sf_unref(sf_handle_t *handle);
/* 1 or 0 (0 for NULL). */
SF_EXTERN int sf_has_ref(const sf_handle_t *handle);
/*
 * Active: a timer that is started, an open interface, a TCP handle that
 * is listening, reading, connecting, or has writes or a shutdown pending.
 * 1 or 0 (0 for NULL or a closing handle).
 */
SF_EXTERN int sf_is_active(const sf_handle_t *handle);
/* 1 once sf_close was called on the handle, 0 otherwise (and for NULL). */
SF_EXTERN int sf_is_closing(const sf_handle_t *handle);
/* "timer", "iface", "tcp", "signal", "poll", "async", "idle", "prepare",
 * "check", "tls"; "unknown" for anything else. Static. */
SF_EXTERN const char *sf_handle_type_name(sf_handle_type type);

/* Fields every request starts with: data is the application's. */
#define SF_REQ_FIELDS                                                        \
  void *data;                                                                \
  sf_req_type type;   /* set when submitted; read-only */                    \
  sf_req_t *next_;    /* private */                                          \
  int status_;        /* private */

struct sf_req_s {
  SF_REQ_FIELDS
};

/* ============================================================== timers */

typedef void (*sf_timer_cb)(sf_timer_t *timer);

struct sf_timer_s {
  SF_HANDLE_FIELDS
  struct sf__timer_impl *impl_; /* private */
};

/*
 * Initializes a timer on loop (stopped). Returns 0, SF_EINVAL (NULL),
 * SF_ENOMEM. Close it with sf_close.
 */
SF_EXTERN int sf_timer_init(sf_loop_t *loop, sf_timer_t *timer);
/*
 * Calls cb after timeout ms, then every repeat ms (0: once). Restarts an
 * already started timer. Returns 0, SF_EINVAL (NULL timer or cb, not a
 * timer, closing).
 */
SF_EXTERN int sf_timer_start(sf_timer_t *timer, sf_timer_cb cb,
                             unsigned long long timeout,
                             unsigned long long repeat);
/* Stops the timer (no-op if stopped). Returns 0 or SF_EINVAL. */
SF_EXTERN int sf_timer_stop(sf_timer_t *timer);
/*
 * Restarts a repeating timer with its repeat as timeout. Returns 0,
 * SF_EINVAL (NULL, not a timer, closing, never started).
 */
SF_EXTERN int sf_timer_again(sf_timer_t *timer);
/* Changes the repeat interval. As in libuv, an expiry already scheduled
 * with the old interval still happens. NULL or closing is ignored. */
SF_EXTERN void sf_timer_set_repeat(sf_timer_t *timer,
                                   unsigned long long repeat);
SF_EXTERN unsigned long long sf_timer_get_repeat(const sf_timer_t *timer);
/* Milliseconds until the timer fires; 0 when stopped (or NULL). */
SF_EXTERN unsigned long long sf_timer_get_due_in(const sf_timer_t *timer);

/* ======================================================= other handles */

/*
 * The other handles a program needs, on the same loop, so that it never
 * has to use libev itself; libuv's uv_signal_t, uv_poll_t, uv_async_t,
 * uv_idle_t, uv_prepare_t and uv_check_t are the model. Each is an
 * sf_handle_t: sf_close stops it and its close_cb fires once, from a
 * later round; while active and referenced (sf_ref, sf_unref) it keeps
 * sf_run going; sf_walk sees it. Their callbacks run from sf_run (or
 * ev_run on a borrowed loop) and may call any synfin function.
 */
typedef struct sf_signal_s sf_signal_t;
typedef struct sf_poll_s sf_poll_t;
typedef struct sf_async_s sf_async_t;
typedef struct sf_idle_s sf_idle_t;
typedef struct sf_prepare_s sf_prepare_t;
typedef struct sf_check_s sf_check_t;

/* ---------------------------------------------------------------- signals */

typedef void (*sf_signal_cb)(sf_signal_t *handle, int signum);

struct sf_signal_s {
  SF_HANDLE_FIELDS
  int signum; /* read-only: the signal watched (0 before the first start) */
  struct sf__signal_impl *impl_; /* private */
};

/*
 * Initializes a signal handle on loop (stopped). Returns 0, SF_EINVAL
 * (NULL), SF_ENOMEM.
 */
SF_EXTERN int sf_signal_init(sf_loop_t *loop, sf_signal_t *handle);
/*
 * Calls cb(handle, signum) from the loop each time signum (SIGTERM,
 * SIGINT, SIGUSR1, ...) arrives; deliveries before the loop gets to run
 * coalesce into one callback. The handle is active until stopped.
 * Several handles may watch one signal, each gets its callback. While
 * any handle watches a signal, synfin's handler is installed for it;
 * after the last one stops, the signal's action is the default again.
 * Starting an active handle changes its callback and signal. libev
 * delivers a signal to one libev loop at a time: loops on one libev loop
 * (sf_loop_init_ev) share signals, loops with libev loops of their own
 * do not. (A program that uses libev's default loop itself must leave
 * SIGCHLD to it.) Returns 0, SF_EINVAL (NULL handle or cb, not a signal
 * handle, closing, signum not a signal, SIGKILL or SIGSTOP), SF_EBUSY
 * (handles on another libev loop watch signum; the handle is stopped).
 */
SF_EXTERN int sf_signal_start(sf_signal_t *handle, sf_signal_cb cb,
                              int signum);
/*
 * As sf_signal_start, but the handle stops when the signal arrives,
 * before cb runs (so cb may start it again).
 */
SF_EXTERN int sf_signal_start_oneshot(sf_signal_t *handle, sf_signal_cb cb,
                                      int signum);
/* Stops watching (no-op if stopped). Returns 0 or SF_EINVAL. */
SF_EXTERN int sf_signal_stop(sf_signal_t *handle);

/* ------------------------------------------------- file descriptor polls */

/* sf_poll_start's events and sf_poll_cb's ready events. */
#define SF_READABLE 1
#define SF_WRITABLE 2

typedef void (*sf_poll_cb)(sf_poll_t *handle, int status, int events);

struct sf_poll_s {
  SF_HANDLE_FIELDS
  int fd; /* read-only */
  struct sf__poll_impl *impl_; /* private */
};

/*
 * Initializes a handle (stopped) that watches the readiness of fd: any
 * descriptor poll(2) accepts, such as stdin, a pipe or a kernel socket.
 * As in libuv, fd is put in non-blocking mode. fd stays the caller's:
 * synfin never reads, writes or closes it; close the handle before the
 * fd. Returns 0, SF_EINVAL (NULL, fd < 0), SF_EBADF (fd not open),
 * SF_ENOMEM.
 */
SF_EXTERN int sf_poll_init(sf_loop_t *loop, sf_poll_t *handle, int fd);
/*
 * Watches fd for events (SF_READABLE, SF_WRITABLE or both) and calls
 * cb(handle, 0, ready) in every round where some of them are ready
 * (ready says which): level-triggered, as poll(2). If the reactor finds
 * fd closed, cb(handle, SF_EBADF, 0) fires once and the handle stops.
 * The handle is active until stopped. Starting an active handle changes
 * its events and callback; events 0 stops it. Returns 0, SF_EINVAL (NULL
 * handle, NULL cb with events, not a poll handle, closing, bits other
 * than SF_READABLE and SF_WRITABLE), SF_EBADF (fd is no longer open).
 */
SF_EXTERN int sf_poll_start(sf_poll_t *handle, int events, sf_poll_cb cb);
/* Stops watching (no-op if stopped). Returns 0 or SF_EINVAL. */
SF_EXTERN int sf_poll_stop(sf_poll_t *handle);

/* --------------------------------------------------- wakeups from threads */

typedef void (*sf_async_cb)(sf_async_t *handle);

struct sf_async_s {
  SF_HANDLE_FIELDS
  struct sf__async_impl *impl_; /* private */
};

/*
 * Initializes an async handle, active at once (as in libuv, it keeps the
 * loop alive until closed or unreferenced). cb runs on the loop's thread
 * after sf_async_send; NULL: a send only wakes the loop. Returns 0,
 * SF_EINVAL (NULL loop or handle), SF_ENOMEM.
 */
SF_EXTERN int sf_async_init(sf_loop_t *loop, sf_async_t *handle,
                            sf_async_cb cb);
/*
 * Wakes the loop, which then calls the handle's cb. The one call that
 * may come from any thread (or a signal handler). Sends coalesce: any
 * number of them before the loop gets to run give at least one
 * callback; a send during the callback gives another. No thread may
 * send once sf_close has been called on the handle. Returns 0 or
 * SF_EINVAL (NULL, not an async handle, closed).
 */
SF_EXTERN int sf_async_send(sf_async_t *handle);

/* ------------------------------------------------- idle, prepare, check */

/*
 * Callbacks at fixed points of every round of the loop, as in libuv:
 * idle callbacks, then prepare callbacks, just before the loop polls
 * for I/O (frames they queue are sent before it blocks); check callbacks
 * just after, once the round's I/O and timer callbacks have run. While
 * an idle handle is active, referenced or not, the loop polls without
 * blocking, so its callback runs round after round. The order among
 * handles of one kind is not specified.
 *
 * _init: a stopped handle. Returns 0, SF_EINVAL (NULL), SF_ENOMEM.
 * _start: cb from the next such point on; the handle is active until
 *   stopped. Starting an active handle does nothing (its callback stays,
 *   as in libuv). Returns 0, SF_EINVAL (NULL handle or cb, wrong handle
 *   type, closing).
 * _stop: no-op if stopped. Returns 0 or SF_EINVAL.
 */
typedef void (*sf_idle_cb)(sf_idle_t *handle);
typedef void (*sf_prepare_cb)(sf_prepare_t *handle);
typedef void (*sf_check_cb)(sf_check_t *handle);

struct sf_idle_s {
  SF_HANDLE_FIELDS
  struct sf__idle_impl *impl_; /* private */
};
struct sf_prepare_s {
  SF_HANDLE_FIELDS
  struct sf__prepare_impl *impl_; /* private */
};
struct sf_check_s {
  SF_HANDLE_FIELDS
  struct sf__check_impl *impl_; /* private */
};

SF_EXTERN int sf_idle_init(sf_loop_t *loop, sf_idle_t *handle);
SF_EXTERN int sf_idle_start(sf_idle_t *handle, sf_idle_cb cb);
SF_EXTERN int sf_idle_stop(sf_idle_t *handle);
SF_EXTERN int sf_prepare_init(sf_loop_t *loop, sf_prepare_t *handle);
SF_EXTERN int sf_prepare_start(sf_prepare_t *handle, sf_prepare_cb cb);
SF_EXTERN int sf_prepare_stop(sf_prepare_t *handle);
SF_EXTERN int sf_check_init(sf_loop_t *loop, sf_check_t *handle);
SF_EXTERN int sf_check_start(sf_check_t *handle, sf_check_cb cb);
SF_EXTERN int sf_check_stop(sf_check_t *handle);

/* ========================================================== interfaces */

/*
 * Faults injected at an interface, in one direction (parts per million,
 * nanoseconds). All zero: none. See also sf_fault_config_t.
 */
typedef struct {
  unsigned int loss_ppm;
  unsigned int dup_ppm;
  unsigned int corrupt_ppm;
  unsigned int reorder_ppm;
  unsigned long long reorder_max_delay_ns; /* > 0 when reorder_ppm > 0 */
  unsigned long long delay_ns;
  unsigned long long jitter_ns;
  unsigned long long rate_bytes_per_sec; /* 0: no limit */
} sf_fault_dir_t;

/* Seeded (reproducible) faults on the frames an interface sends (tx) and
 * receives (rx). */
typedef struct {
  unsigned long long seed;
  sf_fault_dir_t tx;
  sf_fault_dir_t rx;
} sf_fault_config_t;

/* How an interface is configured. Zeroed fields mean "the default". */
typedef struct {
  /* Our IPv4 address and on-link prefix, "198.18.0.1/24" (required). */
  const char *address;
  /* Default gateway "a.b.c.d", or NULL for none. */
  const char *gateway;
  /* IP MTU; 0: the link's (1500 for the memory pair). */
  unsigned int mtu;
  /* Ethernet address; all zero: the link's own. */
  unsigned char mac[6];
  /* Record every frame the interface sends and receives into this pcap
   * file (created or truncated), or NULL. */
  const char *pcap_path;
  /* Fault injection at this interface, or NULL. Copied. */
  const sf_fault_config_t *fault;
} sf_iface_config_t;

struct sf_iface_s {
  SF_HANDLE_FIELDS
  struct sf__iface_impl *impl_; /* private */
};

/*
 * Opens two interfaces joined by synfin's in-memory link: a on loop_a and
 * b on loop_b. With two loops these are two hosts (two stacks) in one
 * process; the loops may share one libev loop (sf_loop_init_ev with
 * sf_loop_backend of the other), so one sf_run drives both. loop_a may
 * equal loop_b (a stack with two interfaces wired together; note a stack
 * does not route to its own addresses, so it cannot connect to itself
 * that way). The configs are read during the call only. Both handles are
 * open (active, unreferenced: they never keep sf_run alive) until
 * sf_close. The link MTU is the larger of the two mtu fields (default
 * 1500). Returns 0 (both open) or, with neither open: SF_EINVAL (NULL,
 * a == b, bad address/prefix/gateway, MTU outside 68..65521, bad fault
 * config), SF_EADDRINUSE (address already used by an interface of that
 * loop), SF_ENOSPC (too many interfaces: 8 per loop), SF_ENOMEM,
 * SF_EMFILE, or the error of opening a pcap file (SF_ENOENT, SF_EACCES).
 *
 * The other link kinds have constructors of their own taking the same
 * sf_iface_config_t: sf_iface_open_packet (AF_PACKET raw sockets),
 * sf_iface_open_tap and sf_iface_open_tun, below. After opening, every
 * interface behaves alike.
 */
SF_EXTERN int sf_iface_open_memory_pair(sf_loop_t *loop_a, sf_iface_t *a,
                                        const sf_iface_config_t *config_a,
                                        sf_loop_t *loop_b, sf_iface_t *b,
                                        const sf_iface_config_t *config_b);

/*
 * How an AF_PACKET interface attaches to its network device. Zero (or a
 * NULL pointer) means the defaults: the TPACKET_V2 ring, offload metadata
 * on.
 */
#define SF_PACKET_RING_V3 1
#define SF_PACKET_RING_V2 2
#define SF_PACKET_RECVMMSG 3

typedef struct {
  /* The network device to bind to, e.g. "veth1" (required). synfin owns
   * its address there: give the device no kernel IPv4 address, or the
   * kernel will answer (and reset) for synfin's connections too. */
  const char *device;
  /* How frames are received: 0 (the default) or SF_PACKET_RING_V2, a
   * TPACKET_V2 ring of MTU-sized slots (8 MiB): each frame is ready as
   * soon as the kernel wrote it, and the stack reads it in its slot,
   * without a copy or a system call (frames larger than a slot, GSO
   * super-frames from an offloading peer, come through the socket's
   * queue instead); with 0, if the kernel refuses the ring (no memory
   * for it, a frame too large for a slot), recvmmsg instead.
   * SF_PACKET_RECVMMSG: recvmmsg, a copy per frame and one system call
   * per batch. SF_PACKET_RING_V3, a TPACKET_V3 ring: about 1 ms more
   * latency when idle (a block is handed up when full or after 1 ms).
   * Any other value: SF_EINVAL. */
  int ring;
  /* Transmit past the device's qdisc (PACKET_QDISC_BYPASS). */
  int qdisc_bypass;
  /* Turn off PACKET_VNET_HDR (then frames with unfinished checksums from
   * an offloading kernel are verified like any other, and may fail). */
  int no_offload_metadata;
} sf_packet_options_t;

/*
 * Opens an interface on a raw AF_PACKET socket bound to options->device:
 * the production attachment. synfin answers ARP and ICMP for
 * config->address itself and ignores its own outgoing frames. With
 * config->mac set, that address is used and the device is put in
 * promiscuous mode for the socket's lifetime; otherwise the device's own
 * MAC. config->mtu 0 takes the device's MTU (a smaller value lowers it).
 * The socket receives frames with unfinished checksums and GSO
 * super-frames up to 64 KiB from an offloading peer (PACKET_VNET_HDR).
 *
 * Returns 0, or SF_EINVAL (NULL, bad config, a loopback or non-Ethernet
 * device), SF_EPERM (no CAP_NET_RAW: run as root or grant the
 * capability), SF_ENODEV (no such device), SF_ENETDOWN (the device is
 * down), SF_EADDRINUSE (the kernel owns config->address on the device),
 * SF_ENOSPC, SF_ENOMEM, or the code of the failing socket call.
 * sf_loop_last_error says which, with the fix.
 */
SF_EXTERN int sf_iface_open_packet(sf_loop_t *loop, sf_iface_t *iface,
                                   const sf_iface_config_t *config,
                                   const sf_packet_options_t *options);

/*
 * Opens an interface on a TAP device (Ethernet frames) named name, or a
 * new "tapN" when name is NULL: the classic user-space stack attachment.
 * The kernel side of the device needs an address in config->address's
 * subnet to reach synfin. Needs CAP_NET_ADMIN. Errors as
 * sf_iface_open_packet (SF_EPERM without the capability, SF_ENOENT
 * without /dev/net/tun).
 */
SF_EXTERN int sf_iface_open_tap(sf_loop_t *loop, sf_iface_t *iface,
                                const sf_iface_config_t *config,
                                const char *name);

/*
 * Opens an interface on a TUN device (IP packets, no Ethernet): synfin
 * adds and removes an Ethernet header inside the driver and answers its
 * own ARP requests, so the stack above works unchanged. Otherwise as
 * sf_iface_open_tap.
 */
SF_EXTERN int sf_iface_open_tun(sf_loop_t *loop, sf_iface_t *iface,
                                const sf_iface_config_t *config,
                                const char *name);

/*
 * The name of the device an interface is attached to (for TAP and TUN,
 * the one the kernel chose), or NULL for the in-memory pair or a handle
 * that is not an open interface. The string lives as long as the
 * interface.
 */
SF_EXTERN const char *sf_iface_device(const sf_iface_t *iface);

/*
 * A sentence explaining what to do about err from opening an interface,
 * e.g. for SF_EPERM "raw sockets need CAP_NET_RAW (AF_PACKET) or
 * CAP_NET_ADMIN (TAP/TUN): run as root or grant the capability";
 * sf_strerror(err) for anything else. Never NULL.
 */
SF_EXTERN const char *sf_iface_error_hint(int err);

/*
 * Why the last failed sf_iface_open_* or sf_tcp_connect on loop failed,
 * in a sentence naming the field, its value and the fix, e.g.
 *   address "198.18.40.300/24": 300 is not an octet (0..255) ...
 *   device vs is down: bring it up with `ip link set vs up`
 *   device vs: the kernel owns 198.18.40.2/24 there, so it would answer
 *   and reset synfin's connections: `ip addr del 198.18.40.2/24 dev vs`
 * Each of those calls clears it when it starts, so after a success it is
 * "". The string lives in the loop until its next such call. "" for a
 * NULL or closed loop. Never NULL.
 */
SF_EXTERN const char *sf_loop_last_error(const sf_loop_t *loop);

/* Frame counters of an interface (at its edge, before faults). */
typedef struct {
  unsigned long long tx_frames, tx_bytes, rx_frames, rx_bytes;
  unsigned long long tx_dropped, rx_truncated;
  unsigned long long fault_tx_lost, fault_rx_lost; /* with fault config */
} sf_iface_stats_t;

/* Returns 0, SF_EINVAL (NULL, not an open interface). */
SF_EXTERN int sf_iface_stats(const sf_iface_t *iface, sf_iface_stats_t *out);

/* ============================================================= streams */

/*
 * A stream is a handle that carries bytes both ways: reading
 * (sf_read_start), writing (sf_write, sf_try_write) and half-closing
 * (sf_shutdown). As libuv's uv_stream_t, sf_stream_t is a base type:
 * every stream handle (today sf_tcp_t) starts with its fields, so a
 * pointer to one converts by a cast, and code written against sf_stream_t
 * works on every stream type:
 *
 *   sf_tcp_t conn;
 *   sf_stream_t *stream = (sf_stream_t *)&conn;
 *   sf_read_start(stream, alloc_cb, read_cb);
 *
 * A stream is a handle too: (sf_handle_t *)stream for sf_close and the
 * other handle calls. Every call below gives SF_EINVAL for a handle that
 * is not a stream (a timer, an interface); its other errors come from the
 * stream's type, and each call lists those of TCP.
 */

/* A buffer: base and length. The memory is the caller's. */
typedef struct {
  char *base;
  size_t len;
} sf_buf_t;

SF_EXTERN sf_buf_t sf_buf_init(char *base, size_t len);

/* handle is the stream reading. */
typedef void (*sf_alloc_cb)(sf_handle_t *handle, size_t suggested_size,
                            sf_buf_t *buf);
/* stream is the one that reads (for a TCP handle, its own address). */
typedef void (*sf_read_cb)(sf_stream_t *stream, ssize_t nread,
                           const sf_buf_t *buf);
typedef void (*sf_write_cb)(sf_write_t *req, int status);
typedef void (*sf_shutdown_cb)(sf_shutdown_t *req, int status);

/* Fields every stream handle has after SF_HANDLE_FIELDS. */
#define SF_STREAM_FIELDS                                                     \
  const struct sf__stream_ops *ops_; /* private: its type's implementation */

struct sf_stream_s {
  SF_HANDLE_FIELDS
  SF_STREAM_FIELDS
};

#define SF__WRITE_INLINE_BUFS 4
struct sf_write_s {
  SF_REQ_FIELDS
  sf_stream_t *handle; /* read-only */
  sf_write_cb cb_;     /* private, and the rest */
  sf_buf_t *bufs_;
  unsigned int nbufs_;
  unsigned int index_;
  size_t offset_;
  sf_buf_t bufsml_[SF__WRITE_INLINE_BUFS];
};

struct sf_shutdown_s {
  SF_REQ_FIELDS
  sf_stream_t *handle; /* read-only */
  sf_shutdown_cb cb_;  /* private */
};

/*
 * Starts reading. For each chunk, alloc_cb supplies a buffer (suggested
 * size 64 KiB) and read_cb gets it back with nread > 0 bytes; nread < 0
 * is an error: SF_EOF once at the peer's FIN (the handle stays open and
 * may still write), SF_ECONNRESET (even after SF_EOF, after the data that
 * came before the reset), SF_ETIMEDOUT, SF_ENOBUFS (alloc_cb gave an
 * empty buffer). A connection's failure (reset, timeout) reaches read_cb
 * even after sf_read_stop — typically a reset after SF_EOF — once no
 * unread data comes before it; with data unread, it waits for reading to
 * resume. nread 0 means nothing and is never end-of-stream. The
 * buffer is the application's: read_cb is handed back every buffer
 * alloc_cb gave (whatever nread), and the stream keeps no pointer to it
 * afterwards. Callbacks start in a later round, never inside this call.
 * While not reading, the stack keeps the data and its receive window
 * closes. Returns 0, SF_EINVAL (NULL stream or callback, not a stream,
 * closing); for TCP, SF_ENOTCONN (listening or not connected),
 * SF_EALREADY (already reading).
 */
SF_EXTERN int sf_read_start(sf_stream_t *stream, sf_alloc_cb alloc_cb,
                            sf_read_cb read_cb);
/* Stops reading; idempotent, allowed while closing. Returns 0 or
 * SF_EINVAL (NULL, not a stream). */
SF_EXTERN int sf_read_stop(sf_stream_t *stream);

/*
 * Queues the nbufs buffers (their contents stay the caller's and must
 * stay unchanged until cb; the array itself is copied) after earlier
 * writes. cb (may be NULL) fires, in order, once the stack has copied all
 * the bytes into its send buffer (status 0), or with SF_ECANCELED
 * (closed, or the connection failed while connecting), or the
 * connection's error (SF_ECONNRESET, SF_ETIMEDOUT, SF_EPIPE), or
 * SF_ENOMEM (no memory for the send buffer: this write and those queued
 * after it fail; the connection stays open). Allowed
 * while connecting. req is the caller's and must stay valid until cb;
 * req->handle is the stream from then on. Returns 0, or without calling
 * cb: SF_EINVAL (NULL req/stream/bufs, nbufs 0, a buffer with NULL base
 * and len > 0, not a stream, closing), SF_ENOMEM; for TCP, SF_ENOTCONN
 * (listening or not connected), SF_EPIPE (after sf_shutdown).
 */
SF_EXTERN int sf_write(sf_write_t *req, sf_stream_t *stream,
                       const sf_buf_t bufs[], unsigned int nbufs,
                       sf_write_cb cb);

/*
 * Writes what fits now, without queueing: the bytes taken are copied
 * before the call returns, and bufs stay the caller's. Returns the bytes
 * taken (> 0), or SF_EINVAL (as sf_write's, without req); for TCP,
 * SF_EAGAIN (nothing fits, earlier writes wait, or still connecting),
 * SF_EPIPE (after sf_shutdown or once our side is closed), the
 * connection's error, SF_ENOTCONN, SF_ENOMEM (no memory for the send
 * buffer).
 */
SF_EXTERN int sf_try_write(sf_stream_t *stream, const sf_buf_t bufs[],
                           unsigned int nbufs);

/* Bytes queued by sf_write that the stream has not taken yet (0 for NULL
 * or a handle that is not a stream). */
SF_EXTERN size_t sf_stream_get_write_queue_size(const sf_stream_t *stream);

/*
 * Half-closes: after every queued write, the stream sends its end (TCP:
 * FIN). Unlike libuv, cb (may be NULL) fires when the peer has
 * acknowledged the FIN (status 0), or with the error that prevented it
 * (SF_ECONNRESET, SF_ETIMEDOUT, the connection's earlier error,
 * SF_ECANCELED on close). req is the caller's and must stay valid until
 * cb; req->handle is the stream from then on. Returns 0, or without
 * calling cb: SF_EINVAL (NULL req/stream, not a stream), SF_ENOTCONN
 * (closing; for TCP also listening, not connected, or shut down
 * already).
 */
SF_EXTERN int sf_shutdown(sf_shutdown_t *req, sf_stream_t *stream,
                          sf_shutdown_cb cb);

/* 1 if reading could yield data or an end (TCP: connected, not read to
 * the end), else 0 (also for NULL, not a stream, closing). */
SF_EXTERN int sf_is_readable(const sf_stream_t *stream);
/* 1 if sf_write is allowed (TCP: connected or connecting, not shut down,
 * no error), else 0 (also for NULL, not a stream, closing). */
SF_EXTERN int sf_is_writable(const sf_stream_t *stream);

/* ================================================================= TCP */

/*
 * Fills out with ip ("198.18.0.1") and port, as libuv's uv_ip4_addr.
 * Returns 0 or SF_EINVAL (NULL, not a dotted quad, port outside 0..65535).
 */
SF_EXTERN int sf_ip4_addr(const char *ip, int port, struct sockaddr_in *out);
/* Writes the dotted quad of addr into dst. 0, SF_EINVAL, SF_ENOSPC. */
SF_EXTERN int sf_ip4_name(const struct sockaddr_in *addr, char *dst,
                          size_t size);
/*
 * Writes a socket address with its port into buf: "198.18.0.1:8080" for
 * AF_INET, "[2001:db8::1]:80" for AF_INET6 (RFC 5952 text, the brackets
 * of RFC 3986). At most SF_ADDR_NAME_LEN bytes with the NUL. Returns 0,
 * SF_EINVAL (NULL sa or buf, another family), SF_ENOSPC (len too small
 * for the text and its NUL; buf is then left untouched).
 */
#define SF_ADDR_NAME_LEN 64
SF_EXTERN int sf_addr_name(const struct sockaddr *sa, char *buf, size_t len);

typedef void (*sf_connect_cb)(sf_connect_t *req, int status);
typedef void (*sf_connection_cb)(sf_tcp_t *server, int status);

/* A TCP handle is a stream: (sf_stream_t *)tcp reads, writes and shuts
 * down a connection with the stream calls above. */
struct sf_tcp_s {
  SF_HANDLE_FIELDS
  SF_STREAM_FIELDS
  struct sf__tcp_impl *impl_; /* private */
};

struct sf_connect_s {
  SF_REQ_FIELDS
  sf_tcp_t *handle; /* read-only */
  sf_connect_cb cb_; /* private */
};
/*
 * Initializes a TCP handle (neither bound, listening nor connected).
 * Returns 0, SF_EINVAL (NULL), SF_ENOMEM.
 */
SF_EXTERN int sf_tcp_init(sf_loop_t *loop, sf_tcp_t *tcp);

/*
 * Chooses the local address (0.0.0.0: any of ours) and port (0: an
 * ephemeral one) for a later sf_listen or sf_tcp_connect. addr must be a
 * struct sockaddr_in; flags must be 0. Returns 0, SF_EINVAL (NULL, flags,
 * closing, already bound, listening or connected), SF_EAFNOSUPPORT (not
 * AF_INET), SF_EADDRNOTAVAIL (the address is no interface's). A port
 * already in use is found by sf_listen (SF_EADDRINUSE).
 */
SF_EXTERN int sf_tcp_bind(sf_tcp_t *tcp, const struct sockaddr *addr,
                          unsigned int flags);

/*
 * Listens on the bound address (unbound: any address, an ephemeral
 * port). cb is called (status 0) each time a connection is ready for
 * sf_accept. backlog bounds the SYN and accept queues (clamped to
 * 1..backlog_max). Returns 0, SF_EINVAL (NULL tcp or cb, closing,
 * connected or connecting), SF_EALREADY (already listening),
 * SF_EADDRINUSE (another listener has that address and port), SF_ENOMEM.
 */
SF_EXTERN int sf_listen(sf_tcp_t *tcp, int backlog, sf_connection_cb cb);

/*
 * Takes the oldest ready connection of server into client, which must be
 * freshly initialized (sf_tcp_init) on the same loop. The connection
 * inherits the listener's hooks. Returns 0, SF_EINVAL (NULL, not TCP,
 * server not listening, either closing, client in use or on another
 * loop), SF_EAGAIN (no connection ready).
 */
SF_EXTERN int sf_accept(sf_tcp_t *server, sf_tcp_t *client);

/*
 * Connects tcp to addr (a struct sockaddr_in). cb fires once: 0 when the
 * handshake is done, or SF_ECONNREFUSED, SF_ETIMEDOUT (no answer after
 * syn_retries), SF_EHOSTUNREACH (no ARP answer), SF_ECANCELED (closed
 * first). After an error the handle stays open for the user (close it).
 * Writes may be queued before cb fires. req must stay valid until cb.
 * Returns 0, or without calling cb: SF_EINVAL (NULL, closing, address or
 * port 0), SF_EAFNOSUPPORT, SF_EALREADY (connecting), SF_EISCONN
 * (connected or listening), SF_ENETUNREACH (no interface routes there),
 * SF_EADDRNOTAVAIL (bound address gone, no free port), SF_EADDRINUSE
 * (the 4-tuple is taken), SF_ENOMEM.
 */
SF_EXTERN int sf_tcp_connect(sf_connect_t *req, sf_tcp_t *tcp,
                             const struct sockaddr *addr, sf_connect_cb cb);

/*
 * Aborts the connection (exactly one RST) and closes the handle: pending
 * writes, a pending connect and a pending shutdown end with SF_ECANCELED,
 * then close_cb fires once. Returns 0, SF_EINVAL (NULL, not TCP),
 * SF_EALREADY (closing), SF_ENOTCONN (not connected: use sf_close).
 */
SF_EXTERN int sf_tcp_close_reset(sf_tcp_t *tcp, sf_close_cb close_cb);

/* Nagle off (enable 1) or on. Kept for a later connect. 0 or SF_EINVAL. */
SF_EXTERN int sf_tcp_nodelay(sf_tcp_t *tcp, int enable);
/*
 * Keepalive probes after delay seconds idle (0: the loop's default).
 * Kept for a later connect. 0 or SF_EINVAL.
 */
SF_EXTERN int sf_tcp_keepalive(sf_tcp_t *tcp, int enable, unsigned int delay);
/*
 * The congestion control algorithm, like Linux's TCP_CONGESTION: "newreno"
 * (RFC 5681, RFC 6582; the default) or "cubic" (RFC 9438). Kept for a
 * later connect; on a listening handle, its connections use it (an
 * accepted handle's own setting, if any, replaces it at sf_accept); on a
 * connection, it takes over at once with the current window. Reported in
 * sf_tcp_info_t.congestion. Returns 0, or SF_EINVAL (NULL tcp or name,
 * not TCP, closing, or an unknown name).
 */
SF_EXTERN int sf_tcp_congestion(sf_tcp_t *tcp, const char *name);

/*
 * Local / peer address of the handle into name (a struct sockaddr_in;
 * *namelen in: its size, out: the size used). Returns 0, SF_EINVAL
 * (NULL, namelen too small), SF_ENOTCONN (peer of an unconnected handle;
 * local name of a handle neither bound nor connected nor listening).
 */
SF_EXTERN int sf_tcp_getsockname(const sf_tcp_t *tcp, struct sockaddr *name,
                                 int *namelen);
SF_EXTERN int sf_tcp_getpeername(const sf_tcp_t *tcp, struct sockaddr *name,
                                 int *namelen);

/* =========================================================== lifecycle */

/*
 * What a hook learns about its connection. The handle may be gone (the
 * application closed it, or a TIME-WAIT record outlives it): tcp is then
 * NULL, and the tuple says which connection it was.
 */
typedef struct {
  sf_tcp_t *tcp; /* the open handle, or NULL */
  /* with their ports (IPv4: a struct sockaddr_in); see sf_addr_name */
  struct sockaddr_storage local, peer;
  int old_state, new_state;         /* on_state */
  unsigned long long duration_ms;   /* on_time_wait: TIME-WAIT length */
  int error;                        /* on_closed: why, or 0 */
} sf_tcp_event_info_t;

/*
 * Lifecycle hooks; any may be NULL. Except on_syn, hooks are called from
 * the loop after the stack finished the work that caused them, in the
 * order things happened; they may call synfin functions.
 *   on_syn: a SYN arrived at a listener, before any state is kept.
 *     Called synchronously inside the stack: it must decide on the spot
 *     and must NOT call any synfin function. Only on a listener's hooks.
 *   on_established: the handshake completed.
 *   on_fin: the peer's FIN arrived after all its data (reading will end;
 *     writing may go on). It reports the wire: for a reading handle it
 *     comes after read_cb has had the data before the FIN (SF_EOF may
 *     come just before or just after it), but data that arrived before
 *     sf_accept, or while reading was stopped, may still be unread.
 *   on_time_wait: TIME-WAIT entered; duration_ms says for how long.
 *   on_state: every transition of the RFC 9293 diagram, old -> new.
 *   on_closed: the connection is over (CLOSED, or TIME-WAIT expired).
 *   on_tls_handshake: a TLS stream over the connection (sf_tls_init)
 *     finished its handshake, or failed it (info->status); the TCP hooks
 *     above keep firing underneath.
 */
typedef struct {
  sf_syn_verdict_t (*on_syn)(void *arg, const sf_syn_info_t *syn);
  void (*on_established)(void *arg, const sf_tcp_event_info_t *info);
  void (*on_fin)(void *arg, const sf_tcp_event_info_t *info);
  void (*on_time_wait)(void *arg, const sf_tcp_event_info_t *info);
  void (*on_state)(void *arg, const sf_tcp_event_info_t *info);
  void (*on_closed)(void *arg, const sf_tcp_event_info_t *info);
  void (*on_tls_handshake)(void *arg, const sf_tls_info_t *info);
} sf_tcp_hooks_t;

/*
 * Sets the hooks of a listener (every connection it accepts from then on
 * inherits them, from its SYN to the end of its TIME-WAIT) or of one
 * connection (replacing inherited ones). Either replaces the loop's
 * hooks (sf_loop_set_hooks) for that handle. hooks is copied; NULL
 * removes them, and the loop's apply again. The hooks keep firing after the handle is closed, while the
 * stack still finishes the connection; arg must stay valid that long (at
 * most until sf_loop_close). Returns 0, SF_EINVAL (NULL tcp, not TCP,
 * closing), SF_ENOMEM.
 */
SF_EXTERN int sf_tcp_set_hooks(sf_tcp_t *tcp, const sf_tcp_hooks_t *hooks,
                               void *arg);

/* The handle's sf_tcp_state_t (LISTEN for a listener, CLOSED when not
 * connected), or SF_EINVAL. */
SF_EXTERN int sf_tcp_state(const sf_tcp_t *tcp);

/* A snapshot of the connection. Returns 0, SF_EINVAL, SF_ENOTCONN (no
 * connection: never connected, or listening). */
SF_EXTERN int sf_tcp_info(const sf_tcp_t *tcp, sf_tcp_info_t *info);

/* ==================================== loop-wide hooks, drain, the table */

/*
 * Hooks for every connection of the loop, accepted or connected, and
 * every listener (on_syn), like sf_tcp_set_hooks on each. A handle's own
 * hooks (sf_tcp_set_hooks on the connection, or on the listener that
 * accepted it) override the loop's wholesale, not callback by callback:
 * a handle with its own hooks hears only those. The loop's hooks apply
 * at once to open handles without their own (a connection already past
 * its SYN but not yet accepted keeps those it had at the SYN), and
 * sf_tcp_set_hooks(tcp, NULL) falls back to them. hooks is copied; NULL
 * removes them. arg must stay valid as long as connections may report
 * (at most until sf_loop_close). Returns 0, SF_EINVAL (NULL loop or not
 * initialized), SF_ENOMEM.
 */
SF_EXTERN int sf_loop_set_hooks(sf_loop_t *loop, const sf_tcp_hooks_t *hooks,
                                void *arg);

/*
 * Drain. sf_close on a connection is close(2): the stack goes on
 * delivering the data already taken, then FIN, after the handle is gone.
 * With sf_loop_options_t.linger (the default), such a connection keeps
 * sf_run alive while it is in FIN-WAIT-1, CLOSING or LAST-ACK — until the
 * peer acknowledges our FIN, or the retransmission limits (data_retries)
 * end it, or linger_max_ms passes with nothing else alive. So a server
 * that closes every handle and returns from sf_run has had every byte
 * acknowledged (or given up on). What does not keep it alive:
 *   - TIME-WAIT (2 * msl_ms): our FIN is acknowledged and the peer's is
 *     in; only a retransmitted FIN of the peer's could still come.
 *   - FIN-WAIT-2: our FIN is acknowledged; what is left waits for the
 *     peer alone, which may never close (a half-open client), so it
 *     would hold the loop for fin_wait2_timeout_ms at the peer's whim.
 *   - a connection whose interface was closed: it cannot finish.
 * When the process exits (after sf_loop_close, or without it) these
 * records vanish with it. synfin owns its address on the link, so no
 * one answers for it any more: a FIN the peer retransmits gets neither
 * ACK nor RST, and the peer's own timers end its side (its LAST-ACK
 * retransmits until it gives up). A RST comes only if the kernel also
 * holds that address, which synfin's setup forbids.
 */

/* The timer a control block waits on. */
typedef enum {
  SF_TCP_TIMER_NONE = 0,
  SF_TCP_TIMER_RETRANSMIT, /* data, SYN or FIN retransmission, loss probe */
  SF_TCP_TIMER_PERSIST,    /* zero-window probe */
  SF_TCP_TIMER_TIMEWAIT,   /* end of TIME-WAIT, or of FIN-WAIT-2 (closed) */
  SF_TCP_TIMER_KEEPALIVE,
  SF_TCP_TIMER_DELACK      /* delayed ACK */
} sf_tcp_timer_t;

/*
 * One TCP control block of the loop as sf_tcp_walk sees it. Addresses
 * are socket addresses with their ports (IPv4: a struct sockaddr_in).
 * A listener on every address has the family's any address (INADDR_ANY)
 * as local, and a listener's peer is that any address with port 0.
 */
typedef struct {
  int state; /* sf_tcp_state_t: LISTEN for a listener */
  struct sockaddr_storage local, peer;
  /* a connection: received bytes not read yet, and bytes in the send
   * buffer (unacknowledged or unsent); a listener: connections waiting
   * for sf_accept, and its backlog (as `ss` shows them) */
  unsigned int recv_q, send_q;
  unsigned long long rtt_us; /* smoothed RTT, 0 before a sample */
  int timer;                 /* sf_tcp_timer_t: the one `ss` would show */
  unsigned long long timer_ms; /* until it fires (0: due, or none) */
  unsigned int backoff;        /* RTO expirations in a row */
  /* 1 while an open handle holds it; 0 for a connection closed and
   * still finishing, one not yet accepted, and a TIME-WAIT record */
  int handle;
} sf_tcp_walk_info_t;

typedef void (*sf_tcp_walk_cb)(const sf_tcp_walk_info_t *info, void *arg);
/*
 * Calls cb for every TCP control block of the loop: listeners, then
 * connections (open, not yet accepted, or closed and still finishing),
 * then TIME-WAIT records. The walk is a snapshot taken before the first
 * call, so cb may call any synfin function. Returns 0, SF_EINVAL (NULL
 * loop or cb), SF_ENOMEM.
 */
SF_EXTERN int sf_tcp_walk(sf_loop_t *loop, sf_tcp_walk_cb cb, void *arg);

/*
 * Prints the walk to out as `ss -tan` does: a header, then one line per
 * control block with State (ss's names: ESTAB, SYN-RECV...), Recv-Q,
 * Send-Q, Local Address:Port, Peer Address:Port and the Timer, as
 * "timer:(on,200ms,0)" (on, persist, timewait, keepalive, delack; the
 * time left; RTO expirations in a row). Returns 0, SF_EINVAL (NULL),
 * SF_ENOMEM, SF_EIO (writing to out failed).
 */
SF_EXTERN int sf_tcp_print_table(sf_loop_t *loop, FILE *out);

/* =============================================================== relay */

/*
 * A relay joins two streams (any stream types, in any combination) and
 * copies bytes both ways until both directions have ended, as a proxy
 * does. Direction 0 reads a and writes b; direction 1 reads b and
 * writes a. Each direction ends on its own:
 *   - the source's end of stream (SF_EOF) becomes sf_shutdown of the
 *     destination, which sends its end only after every byte relayed
 *     before it; the direction ends (SF_RELAY_EOF) when the destination's
 *     peer has acknowledged that end (the shutdown's callback);
 *   - a reset (SF_ECONNRESET) or another failure of either stream ends
 *     both directions (SF_RELAY_RESET, SF_RELAY_ERROR) and resets the
 *     other stream (sf_tcp_close_reset for TCP; other types are closed);
 *   - an idle timeout (no byte moved either way for idle_timeout_ms)
 *     ends the open directions with SF_RELAY_IDLE; sf_relay_stop with
 *     SF_RELAY_STOPPED; both close the streams (sf_close).
 * Back-pressure: bytes read from one stream that the other has not
 * taken yet (its write callbacks have not fired) never exceed
 * high_water; at high_water the relay stops reading that source, and
 * resumes when they fall to low_water, so a slow reader on one side
 * slows the sender on the other instead of filling memory.
 *
 * When both streams are synfin TCP handles (sf_tcp_t, not TLS), the
 * relay buffers nothing at all: bytes move from one connection's receive
 * buffer straight into the other's send buffer, as far as that send
 * buffer has room (the loop's sndbuf); while it is full they wait in the
 * receive buffer, whose window closes on the sender. high_water and
 * low_water do not apply and sf_relay_buffered is 0. Every other
 * behaviour above is the same. Writes of the caller's own still queued
 * on a stream when the relay starts go before the relayed bytes.
 *
 * The relay owns both streams from sf_relay_start on: it uses their
 * data fields (the caller's values are restored before done_cb), starts
 * and stops their reading, and closes both when it ends (gracefully once
 * both directions ended by EOF). done_cb fires once, after both
 * streams' close callbacks: the caller may then free the streams and
 * the relay.
 */
typedef struct sf_relay_s sf_relay_t;

/* How a direction of a relay ended. */
typedef enum {
  SF_RELAY_RUNNING = 0, /* not ended (only while the relay runs) */
  SF_RELAY_EOF,         /* source's end passed on and acknowledged */
  SF_RELAY_RESET,       /* a stream was reset (SF_ECONNRESET) */
  SF_RELAY_ERROR,       /* a stream failed otherwise (error says how) */
  SF_RELAY_IDLE,        /* the idle timeout passed */
  SF_RELAY_STOPPED      /* sf_relay_stop */
} sf_relay_end_t;

typedef struct {
  /* Bytes read from a that b has not taken, and the reverse, never
   * exceed high_water (0: 256 KiB); reading resumes at low_water
   * (0: high_water / 4; must be below high_water). Unused between two
   * TCP streams, which the relay joins without buffering (still
   * checked). */
  size_t high_water, low_water;
  /* Ends the relay when no byte moved either way for this long (0: no
   * timeout). */
  unsigned long long idle_timeout_ms;
} sf_relay_options_t;

/* What a relay did: index 0 is a -> b, 1 is b -> a. */
typedef struct {
  unsigned long long bytes[2]; /* taken by the destination stream */
  sf_relay_end_t end[2];
  int error[2]; /* the SF_E* code that ended it (0 for EOF, IDLE, STOPPED) */
} sf_relay_result_t;

typedef void (*sf_relay_cb)(sf_relay_t *relay, const sf_relay_result_t *res);

/* The caller's; data is the application's, the rest private. */
struct sf_relay_s {
  void *data;
  struct sf__relay_impl *impl_; /* private */
};

/* Fills o with the defaults. Returns 0, or SF_EINVAL if o is NULL. */
SF_EXTERN int sf_relay_options_default(sf_relay_options_t *o);

/*
 * Starts relaying between streams a and b of loop (connected, open, not
 * reading). opts NULL: the defaults. done_cb (may be NULL) fires once
 * when the relay has ended and closed both streams. Returns 0, or
 * without starting (the streams are untouched): SF_EINVAL (NULL relay,
 * loop or stream, a == b, a stream on another loop or not a stream,
 * closing, low_water >= high_water), SF_ENOMEM, or the error of
 * sf_read_start on either stream (SF_ENOTCONN, SF_EALREADY).
 */
SF_EXTERN int sf_relay_start(sf_loop_t *loop, sf_relay_t *relay,
                             sf_stream_t *a, sf_stream_t *b,
                             const sf_relay_options_t *opts,
                             sf_relay_cb done_cb);

/*
 * Ends a running relay: its open directions end with SF_RELAY_STOPPED
 * and both streams are closed (sf_close: data already taken is still
 * delivered); done_cb follows from the loop. Returns 0, SF_EINVAL (NULL,
 * never started or already finished), SF_EALREADY (already ending).
 */
SF_EXTERN int sf_relay_stop(sf_relay_t *relay);

/* Bytes the relay holds now (read, not yet taken by the other stream),
 * both directions together; 0 for NULL, a relay not running, or one
 * between two TCP streams (it holds none). */
SF_EXTERN size_t sf_relay_buffered(const sf_relay_t *relay);

/* "running", "eof", "reset", "error", "idle", "stopped"; "unknown". */
SF_EXTERN const char *sf_relay_end_name(sf_relay_end_t end);

/* ================================================================= TLS */

/*
 * TLS over a synfin TCP connection: an sf_tls_t is a stream (sf_read_start,
 * sf_write, sf_shutdown, sf_close work on it as on TCP) layered on a
 * connected or accepted sf_tcp_t. OpenSSL runs the protocol through memory
 * BIOs fed from the TCP stream; no kernel socket is involved.
 *
 * Ownership: sf_tls_init takes the TCP handle. From then on the TLS stream
 * reads, writes and closes it, and uses its data field; the application
 * must not call stream functions or sf_close on it, but may still read its
 * state, info and counters and set its hooks. sf_close on the TLS handle
 * closes both: the TCP handle's close completes first, then the TLS
 * handle's close_cb fires; from then on both may be freed. OpenSSL's
 * state is freed before close_cb.
 *
 * Close semantics:
 *   - sf_shutdown(tls) sends close_notify after every queued write, then
 *     TCP's FIN: a half-close, reading goes on. Its callback fires when
 *     the peer acknowledged the FIN (as for TCP).
 *   - The peer's close_notify reads as SF_EOF; writing may go on (TLS 1.3
 *     half-close; a TLS 1.2 peer may not accept data after its own
 *     close_notify).
 *   - A TCP FIN without close_notify reads as SF_ETRUNCATED, never SF_EOF:
 *     the data may have been cut by an attacker.
 *   - A TCP reset reads as SF_ECONNRESET; a fatal alert from the peer, or
 *     a record that does not decrypt, reads as SF_ETLS (or SF_ECERT for a
 *     certificate alert), with the alert's description in
 *     sf_tls_error_hint.
 *   - sf_close after a completed handshake sends close_notify if it was
 *     not sent (when TCP has room for it), then closes the TCP handle
 *     (FIN after the data TCP has taken, or RST if received data was
 *     unread).
 * Writing: sf_write's callback fires when the TCP stream has taken every
 * record carrying the request's bytes (TCP's write callback for them).
 * Plaintext is encrypted only while TCP's own queue is short (256 KiB), so
 * a slow peer holds back the application as for TCP: the TLS stream's
 * sf_stream_get_write_queue_size is the plaintext not yet encrypted plus
 * the records TCP has not taken. KeyUpdate and session tickets are
 * handled inside OpenSSL while the stream reads (a stream that does not
 * read does not see them).
 */

typedef struct sf_tls_ctx_s sf_tls_ctx_t;

typedef enum { SF_TLS_CLIENT = 1, SF_TLS_SERVER = 2 } sf_tls_role_t;

/* Protocol versions for sf_tls_ctx_options_t.min_version/max_version. */
#define SF_TLS_1_2 0x0303
#define SF_TLS_1_3 0x0304

/* A server certificate for one SNI name (sf_tls_ctx_options_t.sni). */
typedef struct {
  const char *name; /* the exact host name the client sends */
  const char *cert_file, *key_file; /* PEM, as the options' own */
} sf_tls_sni_cert_t;

typedef struct {
  sf_tls_role_t role;
  /* PEM files: the certificate first, then its chain; the private key.
   * Required for a server, optional for a client. */
  const char *cert_file, *key_file;
  /* CA certificates (PEM) that verify the peer; NULL: the system store.
   * A server given ca_file demands a client certificate signed by one of
   * them: without one, or with another, its handshake fails with
   * SF_ECERT (a TLS 1.3 client's handshake has completed by then: it
   * reads the alert as SF_ECERT); the client's subject is in
   * sf_tls_info_t.peer_subject. NULL for a server: no client
   * certificates asked for. */
  const char *ca_file;
  /* A client verifies the server by default (chain and host name). 1
   * turns that off, and sf_tls_ctx_new says so on stderr each time. */
  int insecure_no_verify;
  /* ALPN protocols in preference order, comma separated
   * ("h2,http/1.1"), or NULL. A server picks the first of its own the
   * client offers; none in common: the server goes on without ALPN. */
  const char *alpn;
  /* 0: OpenSSL's defaults (TLS 1.2 up to 1.3). */
  int min_version, max_version;
  /* Server: a certificate per SNI name (a client naming none of them
   * gets cert_file); sni_count entries. */
  const sf_tls_sni_cert_t *sni;
  unsigned int sni_count;
  /* 1: no session tickets (the server issues none; a client does not
   * resume). By default a server issues tickets and a client context
   * keeps the last session per server name and offers it again. */
  int no_tickets;
} sf_tls_ctx_options_t;

/*
 * Makes a context from opts. On failure *ctx is NULL and why (if not
 * NULL) gets a sentence naming the file or option and OpenSSL's reason,
 * e.g. `certificate file "/x/cert.pem": No such file or directory`.
 * Returns 0, SF_EINVAL (NULL ctx or opts, bad role, a server without
 * certificate, a bad ALPN list or version), SF_ENOENT (a file missing),
 * SF_ETLS (OpenSSL refused a file or option), SF_ENOMEM.
 */
SF_EXTERN int sf_tls_ctx_new(sf_tls_ctx_t **ctx,
                             const sf_tls_ctx_options_t *opts, char *why,
                             size_t why_len);

/*
 * A context on the application's own SSL_CTX * (passed as void * so that
 * synfin.h needs no OpenSSL header), for everything the options do not
 * cover. synfin takes a reference (SSL_CTX_up_ref) and leaves its
 * settings alone: verification, ALPN and certificates are the
 * application's. Returns 0, SF_EINVAL (NULL, bad role), SF_ENOMEM.
 */
SF_EXTERN int sf_tls_ctx_from_ssl_ctx(sf_tls_ctx_t **ctx, void *ssl_ctx,
                                      sf_tls_role_t role);

/* Releases the application's reference: TLS streams still using the
 * context keep it until they are closed. NULL is ignored. */
SF_EXTERN void sf_tls_ctx_free(sf_tls_ctx_t *ctx);

/* What a handshake gave (sf_tls_get_info, on_tls_handshake). */
struct sf_tls_info_s {
  sf_tls_t *tls;
  int status;              /* 0, or why the handshake failed */
  char version[16];        /* "TLSv1.3" */
  char cipher[64];         /* "TLS_AES_256_GCM_SHA384" */
  char alpn[64];           /* the protocol agreed, or "" */
  char server_name[256];   /* SNI: sent (client) or received (server) */
  char peer_subject[256];  /* the peer certificate's subject, or "" */
  int resumed;             /* 1 if the session was resumed */
  char reason[256];        /* sf_tls_error_hint when status != 0 */
};

/* status 0: the handshake completed (sf_tls_get_info has the details);
 * else SF_ECERT, SF_ETLS, SF_ETRUNCATED, SF_ECONNRESET... with
 * sf_tls_error_hint explaining. */
typedef void (*sf_tls_handshake_cb)(sf_tls_t *tls, int status);

struct sf_tls_s {
  SF_HANDLE_FIELDS
  SF_STREAM_FIELDS
  struct sf__tls_impl *impl_; /* private */
};

/*
 * Makes tls a TLS stream over tcp (connected, or accepted), in ctx's role,
 * and starts the handshake (a client sends its hello from the loop, never
 * inside this call). server_name: a client sends it as SNI and verifies
 * the server's certificate against it (NULL: no SNI and no host name
 * check, which verification then refuses unless turned off); ignored for
 * a server. cb (may be NULL) fires once, with the handshake's result;
 * the tcp handle's hooks hear it too (on_tls_handshake). Writes queued
 * before the handshake completes are sent after it. The TLS handle is
 * active while the handshake runs, and then as a TCP handle. Returns 0,
 * SF_EINVAL (NULL, tcp not a TCP handle, closing or already under TLS),
 * SF_ENOTCONN (tcp not connected), SF_ENOMEM, SF_ETLS (OpenSSL could not
 * make its state).
 */
SF_EXTERN int sf_tls_init(sf_loop_t *loop, sf_tls_t *tls, sf_tcp_t *tcp,
                          sf_tls_ctx_t *ctx, const char *server_name,
                          sf_tls_handshake_cb cb);

/* The handshake's result; before it completes, status is SF_EAGAIN.
 * Returns 0, SF_EINVAL. */
SF_EXTERN int sf_tls_get_info(const sf_tls_t *tls, sf_tls_info_t *info);

/*
 * Why the stream's TLS failed, in OpenSSL's words with what it means:
 * "certificate verify failed: certificate has expired",
 * "certificate verify failed: hostname mismatch (expected www.example)",
 * "certificate verify failed: unable to get local issuer certificate
 * (unknown CA)", "alert from the peer: protocol version",
 * "no shared cipher", "the peer closed TCP without close_notify". ""
 * when nothing failed, or for NULL. The string lives in the handle.
 */
SF_EXTERN const char *sf_tls_error_hint(const sf_tls_t *tls);

/* The TCP handle under tls (NULL for NULL or not a TLS handle). */
SF_EXTERN sf_tcp_t *sf_tls_tcp(const sf_tls_t *tls);

/*
 * The stream's SSL * (as void *), for what the API does not cover: a
 * KeyUpdate (SSL_key_update: it goes out with the next write, and the
 * peer's answer is handled while reading), message callbacks, export of
 * keying material. Do not read, write, shut down or free it. NULL for
 * NULL or not a TLS handle.
 */
SF_EXTERN void *sf_tls_ssl(const sf_tls_t *tls);

#ifdef __cplusplus
}
#endif

#endif /* SYNFIN_H */
