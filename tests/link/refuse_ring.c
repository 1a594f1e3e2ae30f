/*
 * An LD_PRELOAD shim for test_iface_errors.sh: setsockopt refuses
 * PACKET_RX_RING with ENOMEM, as a kernel without the memory for a ring
 * would, and appends a line to $SF_REFUSE_RING_LOG (when set) so the test
 * knows a ring was asked for. Every other option goes to libc's.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

typedef int (*setsockopt_fn)(int, int, int, const void *, socklen_t);

static void note_refusal(void) {
  const char *path = getenv("SF_REFUSE_RING_LOG");
  FILE *f = path ? fopen(path, "a") : NULL;
  if (!f)
    return;
  fputs("refused PACKET_RX_RING\n", f);
  fclose(f);
}

/* exported even where the build hides symbols by default */
__attribute__((visibility("default"))) int
setsockopt(int fd, int level, int name, const void *value, socklen_t len) {
  static setsockopt_fn real;
  if (level == SOL_PACKET && name == PACKET_RX_RING) {
    note_refusal();
    errno = ENOMEM;
    return -1;
  }
  if (!real)
    real = (setsockopt_fn)dlsym(RTLD_NEXT, "setsockopt");
  if (!real) {
    errno = ENOSYS;
    return -1;
  }
  return real(fd, level, name, value, len);
}
