/*
 * sfcat, netcat on synfin: one connection (made, or accepted), stdin to
 * it and it to stdout. sfcat.c has the options, connecting, listening,
 * timeouts and exit statuses; sfcat_io.c moves the bytes between the
 * connection and the standard descriptors.
 */
#ifndef SF_PROGRAMS_SFCAT_H
#define SF_PROGRAMS_SFCAT_H

#include <stddef.h>

#include "prog.h"
#include "prog_tls.h"

/* Exit statuses beyond prog.h's 0, 1 and 2 (documented in --help and
 * sfcat.1). */
enum {
  SFCAT_EXIT_REFUSED = 3,
  SFCAT_EXIT_RESET = 4,
  SFCAT_EXIT_TIMEOUT = 5,
  SFCAT_EXIT_TLS = 6,       /* handshake or TLS protocol failure */
  SFCAT_EXIT_TRUNCATED = 7, /* TLS: the peer's FIN came without
                             * close_notify */
};

/* One read of stdin, and the largest piece of the connection written to
 * stdout at a time. */
#define SFCAT_CHUNK 65536

struct sfcat {
  struct prog p;
  /* options */
  int listen, quiet;
  struct sockaddr_in peer; /* connect mode */
  int port;                /* listen mode */
  unsigned long long connect_timeout_ms, idle_timeout_ms; /* 0: none */

  const char *host;         /* HOST as given: the default --tls-name */
  struct prog_tls tls_opt;

  sf_tcp_t server, conn;
  sf_tls_t tls;      /* with --tls: over conn, from the connection on */
  int tls_used;      /* tls is initialized (and owns conn) */
  int session;   /* conn is established and the pumps run */
  sf_connect_t connect_req;
  sf_shutdown_t shutdown_req;
  sf_timer_t connect_timer, idle_timer;

  /* stdin -> connection */
  sf_poll_t in_poll;
  int in_ok;     /* in_poll was initialized */
  int in_flags;  /* stdin's file status flags before, restored at exit */
  int in_eof;    /* stdin ended (or the drain ended it): FIN asked */
  unsigned int writes_in_flight;
  int fin_acked; /* the peer acknowledged our FIN */

  /* connection -> stdout */
  sf_poll_t out_poll;
  int out_ok, out_flags;
  int reading;   /* sf_read_start is in effect */
  int peer_eof;  /* the peer's FIN arrived */
  int out_done;  /* everything the peer sent is on stdout, and it closed */
  char rbuf[SFCAT_CHUNK];
  size_t out_off, out_len; /* what of rbuf still waits for stdout */

  int status; /* the exit status; the first failure sets it */
};

/* Prepares stdin and stdout (poll handles, non-blocking); 0 or a
 * PROG_EXIT_* status after saying why. */
int sfcat_io_init(struct sfcat *c);
/* The connection is established: start both directions. */
void sfcat_io_start(struct sfcat *c);
/* Stop taking stdin and half-close once what was read is sent (stdin's
 * end, or a drain). */
void sfcat_io_end_input(struct sfcat *c);
/* Puts stdin's and stdout's flags back as they were. */
void sfcat_io_restore(struct sfcat *c);

/* Both directions are over: the connection can close (sfcat.c). */
void sfcat_session_done(struct sfcat *c);
/* Data moved one way or the other: the idle timeout starts again. */
void sfcat_touch(struct sfcat *c);
/* Ends everything; status is kept unless an earlier failure set one. */
void sfcat_end(struct sfcat *c, int status);
/* Prints "what: why" and ends everything with the status err (an SF_E*
 * code) calls for; a TLS failure's why is the stream's own reason. */
void sfcat_fail(struct sfcat *c, int err, const char *what);
/* The stream the session runs on: the TLS stream, or the connection. */
sf_stream_t *sfcat_stream(struct sfcat *c);

#endif /* SF_PROGRAMS_SFCAT_H */
