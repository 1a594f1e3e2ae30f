/*
 * The allocation door and its test seam (alloc.h).
 */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>

#include "util/alloc.h"

static unsigned long ok_left;   /* successes before the failures */
static unsigned long fail_left; /* failures still to come */
static unsigned long calls;     /* every allocation, for sf__alloc_count */

/* Whether this allocation is one the seam makes fail. */
static bool seam_fails(void) {
  calls++;
  if (!fail_left)
    return false;
  if (ok_left) {
    ok_left--;
    return false;
  }
  fail_left--;
  return true;
}

void *sf__alloc(size_t n) { return seam_fails() ? NULL : malloc(n); }

void *sf__calloc(size_t n, size_t size) {
  return seam_fails() ? NULL : calloc(n, size);
}

void *sf__realloc(void *p, size_t n) {
  return seam_fails() ? NULL : realloc(p, n);
}

void sf__alloc_fail_after(unsigned long ok, unsigned long fail) {
  ok_left = ok;
  fail_left = fail;
}

unsigned long sf__alloc_count(void) { return calls; }
