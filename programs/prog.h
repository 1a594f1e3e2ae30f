/*
 * What every synfin program (sfcat, sfhttpd, sfproxy) shares, so that they
 * behave alike:
 *
 *   - the interface options: --device D (AF_PACKET on an existing device)
 *     or --tap NAME (a TAP device synfin creates), --address A/P,
 *     --gateway G, --mtu N, --pcap FILE, --msl-ms M, and --trace (every
 *     lifecycle event of every connection on stderr);
 *   - the fault options: --fault-loss, --fault-reorder, --fault-duplicate,
 *     --fault-delay-ms, --fault-seed (synfin's fault-injecting link on
 *     the interface, the same faults on the frames sent and received);
 *   - signals: SIGTERM or SIGINT asks the program to drain (its on_drain
 *     stops taking new work and lets what is open finish; the loop ends
 *     when nothing is left), a second one, or --drain-timeout seconds
 *     after the first, aborts what is left (on_abort); SIGUSR1 prints the
 *     connection table (sf_tcp_print_table), the program's own state
 *     (on_status), the counters that are not zero and, with faults, the
 *     fault line on stderr;
 *   - messages: "NAME: text" on stderr, usage errors followed by a hint
 *     to --help, and exit statuses PROG_EXIT_*.
 *
 * A program: prog_init, then for each argument prog_option (the common
 * ones) or its own, prog_open, its own setup, prog_run (which returns
 * when the loop ends), prog_close.
 */
#ifndef SF_PROGRAMS_PROG_H
#define SF_PROGRAMS_PROG_H

#include <netinet/in.h>
#include <stdio.h>
#include <time.h>

#include "synfin.h"

enum {
  PROG_EXIT_OK = 0,
  PROG_EXIT_FAIL = 1,  /* a runtime failure (the message says which) */
  PROG_EXIT_USAGE = 2, /* bad arguments */
};

struct prog {
  const char *name;
  /* The common options, as given (NULL or 0: not given). */
  const char *device, *tap, *address, *gateway, *pcap;
  unsigned int mtu;
  unsigned long long msl_ms;
  unsigned long long drain_timeout_ms; /* default 30 s; 0: wait forever */
  int trace;
  sf_fault_config_t fault; /* the --fault-* options, both directions */
  int faulty;              /* a --fault-* option was given */
  char ip[INET_ADDRSTRLEN]; /* address without its prefix (prog_open) */

  sf_loop_t loop;
  sf_iface_t iface;
  /* Called once, from the loop, at the first SIGTERM or SIGINT. */
  void (*on_drain)(struct prog *p);
  /* Called when a drain is cut short (a second signal, the drain
   * timeout): end everything now. The default closes every handle that
   * is not closing with sf_close(h, NULL); a program whose handles own
   * memory sets its own. */
  void (*on_abort)(struct prog *p);
  /* Called at SIGUSR1 after the connection table and before the
   * counters: the program's own state on stderr (NULL: nothing). */
  void (*on_status)(struct prog *p);
  void *data; /* the program's */
  int draining, aborted;

  /* private */
  sf_signal_t sig_term_, sig_int_, sig_usr1_;
  sf_timer_t drain_timer_;
  struct timespec t0_;
  int opened_;
};

/* Sets defaults; name is the program's name for messages. */
void prog_init(struct prog *p, const char *name);

/*
 * If argv[*i] is a common option, takes it (and its value, advancing *i)
 * and returns 1; returns 0 for any other argument, and -1 after printing
 * the reason for a missing or bad value.
 */
int prog_option(struct prog *p, int argc, char **argv, int *i);

/* The common options' lines for a --help text. */
void prog_usage_common(FILE *out);

/* Prints "NAME: message" and "Try 'NAME --help'." on stderr; returns
 * PROG_EXIT_USAGE. */
int prog_usage_error(const struct prog *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prints "NAME: message" on stderr. */
void prog_log(const struct prog *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* With --trace: "NAME: 1.234 event text" on stderr; otherwise nothing. */
void prog_trace(const struct prog *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Checks that the required common options were given, then opens the
 * loop (with opt, or the defaults when NULL; --msl-ms overrides its
 * msl_ms), the interface, the signal handles and, with --trace, the
 * loop's lifecycle hooks. Prints why on failure and returns
 * PROG_EXIT_USAGE (a missing option) or PROG_EXIT_FAIL; 0 on success.
 */
int prog_open(struct prog *p, const sf_loop_options_t *opt);

/* Runs the loop until nothing keeps it alive. The signal handles do not:
 * a program ends when its own handles are done. */
void prog_run(struct prog *p);

/* Closes what is left (on_abort), the interface and the loop. Returns
 * 0, or PROG_EXIT_FAIL if the loop could not close. */
int prog_close(struct prog *p);

/* Closes every handle of the loop that is not closing, with
 * sf_close(h, NULL), except the program's own signal and timer handles
 * and the interface. */
void prog_close_handles(struct prog *p);

/*
 * Parsers that say what is wrong (through prog_usage_error) and return
 * PROG_EXIT_USAGE, or 0 with *out set: an unsigned number within
 * [min, max] for option opt; "A.B.C.D:PORT"; a port 1..65535.
 */
int prog_parse_number(const struct prog *p, const char *opt, const char *s,
                      unsigned long long min, unsigned long long max,
                      unsigned long long *out);
int prog_parse_hostport(const struct prog *p, const char *opt, const char *s,
                        struct sockaddr_in *out);
int prog_parse_port(const struct prog *p, const char *opt, const char *s,
                    int *out);

#endif /* SF_PROGRAMS_PROG_H */
