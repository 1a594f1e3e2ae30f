/*
 * The part every synfin program shares (prog.h): options, the interface,
 * signals, drain, tracing, messages.
 */
#include "config.h"

#include "prog.h"

#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define PROG_DRAIN_TIMEOUT_MS 30000ull
#define PROG_REORDER_MS_DEFAULT 2ull

void prog_init(struct prog *p, const char *name) {
  memset(p, 0, sizeof(*p));
  p->name = name;
  p->drain_timeout_ms = PROG_DRAIN_TIMEOUT_MS;
  p->fault.seed = 1;
  clock_gettime(CLOCK_MONOTONIC, &p->t0_);
}

/* ------------------------------------------------------------- messages */

/* The attribute lets clang's -Wformat-nonliteral accept the vfprintf. */
static void vlog(const struct prog *p, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static void vlog(const struct prog *p, const char *fmt, va_list ap) {
  fprintf(stderr, "%s: ", p->name);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
}

void prog_log(const struct prog *p, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vlog(p, fmt, ap);
  va_end(ap);
}

int prog_usage_error(const struct prog *p, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vlog(p, fmt, ap);
  va_end(ap);
  fprintf(stderr, "Try '%s --help'.\n", p->name);
  return PROG_EXIT_USAGE;
}

static double elapsed(const struct prog *p) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)(t.tv_sec - p->t0_.tv_sec) +
         (double)(t.tv_nsec - p->t0_.tv_nsec) / 1e9;
}

void prog_trace(const struct prog *p, const char *fmt, ...) {
  if (!p->trace)
    return;
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "%s: %8.3f ", p->name, elapsed(p));
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

/* -------------------------------------------------------------- parsing */

int prog_parse_number(const struct prog *p, const char *opt, const char *s,
                      unsigned long long min, unsigned long long max,
                      unsigned long long *out) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (!*s || *end || errno || s[0] == '-' || v < min || v > max)
    return prog_usage_error(p, "%s '%s': expected a number from %llu to %llu",
                            opt, s, min, max);
  *out = v;
  return 0;
}

int prog_parse_port(const struct prog *p, const char *opt, const char *s,
                    int *out) {
  unsigned long long v;
  if (prog_parse_number(p, opt, s, 1, 65535, &v))
    return PROG_EXIT_USAGE;
  *out = (int)v;
  return 0;
}

int prog_parse_hostport(const struct prog *p, const char *opt, const char *s,
                        struct sockaddr_in *out) {
  const char *colon = strrchr(s, ':');
  char host[INET_ADDRSTRLEN];
  size_t n = colon ? (size_t)(colon - s) : 0;
  int port;
  if (!colon || n == 0 || n >= sizeof(host))
    return prog_usage_error(p, "%s '%s': expected ADDRESS:PORT, e.g. "
                               "198.18.0.1:80", opt, s);
  memcpy(host, s, n);
  host[n] = '\0';
  if (prog_parse_port(p, opt, colon + 1, &port))
    return PROG_EXIT_USAGE;
  if (sf_ip4_addr(host, port, out) < 0)
    return prog_usage_error(p, "%s '%s': '%s' is not an IPv4 address", opt, s,
                            host);
  return 0;
}

/* The options taking a value: where each one's value goes. */
static const char **string_option(struct prog *p, const char *o) {
  if (!strcmp(o, "--device"))
    return &p->device;
  if (!strcmp(o, "--tap"))
    return &p->tap;
  if (!strcmp(o, "--address"))
    return &p->address;
  if (!strcmp(o, "--gateway"))
    return &p->gateway;
  if (!strcmp(o, "--pcap"))
    return &p->pcap;
  return NULL;
}

/* "0.5" (percent, up to 4 decimals count) as parts per million. */
static int parse_percent_ppm(const struct prog *p, const char *opt,
                             const char *s, unsigned int *ppm) {
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (!*s || *end || errno || !(v >= 0.0 && v <= 100.0))
    return prog_usage_error(p, "%s '%s': expected a percentage from 0 to 100",
                            opt, s);
  *ppm = (unsigned int)(v * 10000.0 + 0.5);
  return 0;
}

/* The fault options (the same faults both ways: prog_open copies tx to
 * rx). 1 taken, 0 not a fault option, -1 bad value. */
static int fault_option(struct prog *p, const char *o, const char *v) {
  sf_fault_dir_t *d = &p->fault.tx;
  unsigned long long n = 0;
  int rc = 0;
  if (!strcmp(o, "--fault-loss"))
    rc = parse_percent_ppm(p, o, v, &d->loss_ppm);
  else if (!strcmp(o, "--fault-reorder"))
    rc = parse_percent_ppm(p, o, v, &d->reorder_ppm);
  else if (!strcmp(o, "--fault-duplicate"))
    rc = parse_percent_ppm(p, o, v, &d->dup_ppm);
  else if (!strcmp(o, "--fault-reorder-ms") || !strcmp(o, "--fault-delay-ms"))
    rc = prog_parse_number(p, o, v, 1, 10000, &n);
  else if (!strcmp(o, "--fault-seed"))
    rc = prog_parse_number(p, o, v, 0, ~0ull, &p->fault.seed);
  else
    return 0;
  if (rc)
    return -1;
  if (!strcmp(o, "--fault-reorder-ms"))
    d->reorder_max_delay_ns = n * 1000000ull;
  else if (!strcmp(o, "--fault-delay-ms"))
    d->delay_ns = n * 1000000ull;
  if (strcmp(o, "--fault-seed"))
    p->faulty = 1;
  return 1;
}

static int number_option(struct prog *p, const char *o, const char *v) {
  unsigned long long n;
  if (!strcmp(o, "--mtu")) {
    if (prog_parse_number(p, o, v, 68, 65521, &n))
      return -1;
    p->mtu = (unsigned)n;
  } else if (!strcmp(o, "--msl-ms")) {
    if (prog_parse_number(p, o, v, 1, 600000, &n))
      return -1;
    p->msl_ms = n;
  } else if (!strcmp(o, "--drain-timeout")) {
    if (prog_parse_number(p, o, v, 0, 86400, &n))
      return -1;
    p->drain_timeout_ms = n * 1000;
  } else {
    return fault_option(p, o, v);
  }
  return 1;
}

static int is_fault_option(const char *o) {
  return !strncmp(o, "--fault-", 8);
}

static int is_number_option(const char *o) {
  return !strcmp(o, "--mtu") || !strcmp(o, "--msl-ms") ||
         !strcmp(o, "--drain-timeout") || is_fault_option(o);
}

int prog_option(struct prog *p, int argc, char **argv, int *i) {
  const char *o = argv[*i];
  if (!strcmp(o, "--trace")) {
    p->trace = 1;
    return 1;
  }
  const char **dst = string_option(p, o);
  if (!dst && !is_number_option(o))
    return 0;
  if (*i + 1 >= argc) {
    prog_usage_error(p, "%s needs a value", o);
    return -1;
  }
  const char *v = argv[++*i];
  if (dst) {
    *dst = v;
    return 1;
  }
  return number_option(p, o, v);
}

void prog_usage_common(FILE *out) {
  fputs(
      "Interface (one of --device or --tap, and --address, are required):\n"
      "  --device DEV        attach to network device DEV with an AF_PACKET\n"
      "                      socket (DEV must have no kernel IPv4 address for\n"
      "                      --address; needs CAP_NET_RAW)\n"
      "  --tap NAME          create TAP device NAME instead (CAP_NET_ADMIN)\n"
      "  --address A/P       synfin's own IPv4 address and prefix, e.g.\n"
      "                      198.18.0.2/24\n"
      "  --gateway G         default gateway for off-link destinations\n"
      "  --mtu N             IP MTU (default: the device's)\n"
      "  --pcap FILE         record every frame sent and received\n"
      "  --msl-ms M          maximum segment lifetime; TIME-WAIT is 2*M ms\n"
      "  --trace             print every connection's lifecycle on stderr\n"
      "  --drain-timeout S   after SIGTERM, abort what is left after S\n"
      "                      seconds (default 30; 0: wait forever)\n"
      "Faults (synfin's fault-injecting link, on the frames the interface\n"
      "sends and on those it receives alike):\n"
      "  --fault-loss PCT    lose PCT percent of the frames (e.g. 0.5)\n"
      "  --fault-reorder PCT hold PCT percent back so later ones overtake\n"
      "  --fault-reorder-ms N  by up to N ms (default 2)\n"
      "  --fault-duplicate PCT  send PCT percent twice\n"
      "  --fault-delay-ms N  delay every frame by N ms (each way)\n"
      "  --fault-seed N      seed of the random draws (default 1)\n"
      "Signals: SIGTERM or SIGINT drains (no new connections, open ones\n"
      "finish), a second one aborts; SIGUSR1 prints the connection table\n"
      "and the counters that are not zero on stderr.\n",
      out);
}

/* ---------------------------------------------------------------- trace */

static const char *addr_text(const struct sockaddr_storage *sa, char *buf) {
  if (sf_addr_name((const struct sockaddr *)sa, buf, SF_ADDR_NAME_LEN) < 0)
    buf[0] = '\0';
  return buf;
}

/* "LOCAL PEER": which connection a trace line is about. */
static const char *conn_text(const sf_tcp_event_info_t *i, char *buf,
                             size_t len) {
  char l[SF_ADDR_NAME_LEN], r[SF_ADDR_NAME_LEN];
  snprintf(buf, len, "%s %s", addr_text(&i->local, l), addr_text(&i->peer, r));
  return buf;
}

/* Inside the stack: print, call nothing of synfin's. */
static sf_syn_verdict_t trace_syn(void *arg, const sf_syn_info_t *s) {
  char l[SF_ADDR_NAME_LEN], r[SF_ADDR_NAME_LEN];
  prog_trace(arg, "%s %s SYN", addr_text(&s->local, l), addr_text(&s->peer, r));
  return SF_SYN_ACCEPT;
}

static void trace_state(void *arg, const sf_tcp_event_info_t *i) {
  char c[2 * SF_ADDR_NAME_LEN + 2];
  prog_trace(arg, "%s %s -> %s", conn_text(i, c, sizeof(c)),
             sf_tcp_state_name(i->old_state), sf_tcp_state_name(i->new_state));
}

static void trace_fin(void *arg, const sf_tcp_event_info_t *i) {
  char c[2 * SF_ADDR_NAME_LEN + 2];
  prog_trace(arg, "%s FIN from the peer", conn_text(i, c, sizeof(c)));
}

static void trace_time_wait(void *arg, const sf_tcp_event_info_t *i) {
  char c[2 * SF_ADDR_NAME_LEN + 2];
  prog_trace(arg, "%s TIME-WAIT for %llu ms", conn_text(i, c, sizeof(c)),
             i->duration_ms);
}

static void trace_closed(void *arg, const sf_tcp_event_info_t *i) {
  char c[2 * SF_ADDR_NAME_LEN + 2];
  prog_trace(arg, "%s closed%s%s", conn_text(i, c, sizeof(c)),
             i->error ? ": " : "", i->error ? sf_strerror(i->error) : "");
}

static const sf_tcp_hooks_t trace_hooks = {
    .on_syn = trace_syn,
    .on_fin = trace_fin,
    .on_time_wait = trace_time_wait,
    .on_state = trace_state,
    .on_closed = trace_closed,
};

/* -------------------------------------------------------------- signals */

static int own_handle(const struct prog *p, const sf_handle_t *h) {
  return h == (const sf_handle_t *)&p->sig_term_ ||
         h == (const sf_handle_t *)&p->sig_int_ ||
         h == (const sf_handle_t *)&p->sig_usr1_ ||
         h == (const sf_handle_t *)&p->drain_timer_ ||
         h == (const sf_handle_t *)&p->iface;
}

static void close_one(sf_handle_t *h, void *arg) {
  if (!own_handle(arg, h) && !sf_is_closing(h))
    sf_close(h, NULL);
}

void prog_close_handles(struct prog *p) { sf_walk(&p->loop, close_one, p); }

static void prog_abort(struct prog *p) {
  if (p->aborted)
    return;
  p->aborted = 1;
  if (p->on_abort)
    p->on_abort(p);
  else
    prog_close_handles(p);
}

static void on_drain_timeout(sf_timer_t *t) {
  struct prog *p = t->data;
  prog_log(p, "drain: still busy after %llu s, aborting what is left",
           p->drain_timeout_ms / 1000);
  prog_abort(p);
}

static void on_stop_signal(sf_signal_t *h, int signum) {
  struct prog *p = h->data;
  if (p->draining) {
    prog_log(p, "%s again: aborting", strsignal(signum));
    prog_abort(p);
    return;
  }
  p->draining = 1;
  prog_trace(p, "%s: draining", strsignal(signum));
  if (p->drain_timeout_ms &&
      sf_timer_start(&p->drain_timer_, on_drain_timeout, p->drain_timeout_ms,
                     0) == 0)
    sf_unref((sf_handle_t *)&p->drain_timer_);
  if (p->on_drain)
    p->on_drain(p);
  else
    prog_abort(p);
}

/* The counters that moved, on one line: with the table, what a stuck
 * run needs to say why (drops by reason, retransmissions, probes). */
static void print_counters(const struct prog *p) {
  int n = sf_loop_counters(&p->loop, NULL, 0);
  sf_counter_t *all = n > 0 ? calloc((size_t)n, sizeof(*all)) : NULL;
  fprintf(stderr, "%s: counters", p->name);
  if (all && sf_loop_counters(&p->loop, all, (size_t)n) >= 0)
    for (int k = 0; k < n; k++)
      if (all[k].value)
        fprintf(stderr, " %s=%llu", all[k].name, all[k].value);
  fputc('\n', stderr);
  free(all);
}

static void report_faults(const struct prog *p);

static void on_usr1(sf_signal_t *h, int signum) {
  struct prog *p = h->data;
  (void)signum;
  sf_tcp_print_table(&p->loop, stderr);
  if (p->on_status)
    p->on_status(p);
  print_counters(p);
  report_faults(p);
  fflush(stderr);
}

/* Signal handles never keep the loop alive: the program's own do. */
static int watch_signal(struct prog *p, sf_signal_t *h, int signum,
                        sf_signal_cb cb) {
  int rc = sf_signal_init(&p->loop, h);
  if (rc < 0)
    return rc;
  h->data = p;
  if ((rc = sf_signal_start(h, cb, signum)) < 0)
    return rc;
  sf_unref((sf_handle_t *)h);
  return 0;
}

static int watch_signals(struct prog *p) {
  int rc;
  if ((rc = watch_signal(p, &p->sig_term_, SIGTERM, on_stop_signal)) < 0 ||
      (rc = watch_signal(p, &p->sig_int_, SIGINT, on_stop_signal)) < 0 ||
      (rc = watch_signal(p, &p->sig_usr1_, SIGUSR1, on_usr1)) < 0)
    return rc;
  if ((rc = sf_timer_init(&p->loop, &p->drain_timer_)) < 0)
    return rc;
  p->drain_timer_.data = p;
  return 0;
}

/* ------------------------------------------------------------ open, run */

static int copy_ip(struct prog *p) {
  size_t n = strcspn(p->address, "/");
  if (n >= sizeof(p->ip))
    return -1;
  memcpy(p->ip, p->address, n);
  p->ip[n] = '\0';
  return 0;
}

static int open_iface(struct prog *p) {
  sf_iface_config_t cfg = {.address = p->address,
                           .gateway = p->gateway,
                           .mtu = p->mtu,
                           .pcap_path = p->pcap,
                           .fault = p->faulty ? &p->fault : NULL};
  if (p->device) {
    sf_packet_options_t po = {.device = p->device};
    return sf_iface_open_packet(&p->loop, &p->iface, &cfg, &po);
  }
  return sf_iface_open_tap(&p->loop, &p->iface, &cfg, p->tap);
}

/* The fault options apply both ways; a reordered frame needs a bound
 * on how late it may come. */
static void finish_faults(struct prog *p) {
  if (p->fault.tx.reorder_ppm && !p->fault.tx.reorder_max_delay_ns)
    p->fault.tx.reorder_max_delay_ns = PROG_REORDER_MS_DEFAULT * 1000000ull;
  p->fault.rx = p->fault.tx;
}

int prog_open(struct prog *p, const sf_loop_options_t *opt) {
  if (!p->device == !p->tap)
    return prog_usage_error(p, "give one of --device or --tap");
  if (!p->address || !strchr(p->address, '/'))
    return prog_usage_error(p, "--address A/P is required, e.g. "
                               "198.18.0.2/24");
  if (copy_ip(p) < 0)
    return prog_usage_error(p, "--address '%s' is not an IPv4 address",
                            p->address);
  sf_loop_options_t o;
  if (opt)
    o = *opt;
  else
    sf_loop_options_default(&o);
  if (p->msl_ms)
    o.msl_ms = p->msl_ms;
  int rc = sf_loop_init_ex(&p->loop, NULL, &o);
  if (rc < 0) {
    prog_log(p, "loop: %s", sf_strerror(rc));
    return PROG_EXIT_FAIL;
  }
  p->opened_ = 1;
  p->loop.data = p;
  finish_faults(p);
  if ((rc = open_iface(p)) < 0) {
    const char *why = sf_loop_last_error(&p->loop);
    prog_log(p, "%s", *why ? why : sf_iface_error_hint(rc));
    return PROG_EXIT_FAIL;
  }
  if ((rc = watch_signals(p)) < 0 ||
      (p->trace && (rc = sf_loop_set_hooks(&p->loop, &trace_hooks, p)) < 0)) {
    prog_log(p, "setup: %s", sf_strerror(rc));
    return PROG_EXIT_FAIL;
  }
  prog_trace(p, "%s on %s", p->address, sf_iface_device(&p->iface));
  return 0;
}

void prog_run(struct prog *p) {
  if (p->opened_)
    sf_run(&p->loop, SF_RUN_DEFAULT);
}

static void close_all(sf_handle_t *h, void *arg) {
  (void)arg;
  if (!sf_is_closing(h))
    sf_close(h, NULL);
}

/* With faults: what they did (frames the fault link lost each way, and
 * what TCP saw), so a run shows it really was impaired. */
static void report_faults(const struct prog *p) {
  sf_iface_stats_t st;
  if (!p->faulty || sf_iface_stats(&p->iface, &st) < 0)
    return;
  prog_log(p, "faults: lost_tx=%llu lost_rx=%llu tcp_in_ooo_segs=%llu "
           "tcp_in_not_acceptable=%llu tcp_retrans_segs=%llu",
           st.fault_tx_lost, st.fault_rx_lost,
           sf_loop_counter(&p->loop, "tcp_in_ooo_segs"),
           sf_loop_counter(&p->loop, "tcp_in_not_acceptable"),
           sf_loop_counter(&p->loop, "tcp_retrans_segs"));
}

int prog_close(struct prog *p) {
  if (!p->opened_)
    return 0;
  report_faults(p);
  prog_abort(p);
  sf_walk(&p->loop, close_all, NULL);
  sf_run(&p->loop, SF_RUN_DEFAULT);
  int rc = sf_loop_close(&p->loop);
  p->opened_ = 0;
  if (rc < 0) {
    prog_log(p, "closing the loop: %s", sf_strerror(rc));
    return PROG_EXIT_FAIL;
  }
  return 0;
}
