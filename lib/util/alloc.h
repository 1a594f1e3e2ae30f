/*
 * Allocation of what comes and goes while connections run (connection
 * blocks, TIME-WAIT records, the send and receive rings, the timer heap,
 * the API's handles and event queue), through one door, so that a test
 * can make an allocation fail on purpose and show that its caller copes:
 * the failure surfaces, nothing is corrupted. What is allocated once when
 * an engine, a link or a loop is made fails in its constructor, which
 * returns an error, and does not go through here.
 */
#ifndef SF_UTIL_ALLOC_H
#define SF_UTIL_ALLOC_H

#include <stddef.h>

/* malloc(n), calloc(n, size) and realloc(p, n), or NULL when the seam
 * below says so. */
void *sf__alloc(size_t n);
void *sf__calloc(size_t n, size_t size);
void *sf__realloc(void *p, size_t n);

/*
 * Test seam: after the next `ok` calls of sf__alloc / sf__realloc
 * succeed, the `fail` calls after them return NULL (realloc leaves p as
 * it was); then all succeed again. sf__alloc_fail_after(0, 0) disarms.
 * Process-wide and not thread-safe: for tests only.
 */
void sf__alloc_fail_after(unsigned long ok, unsigned long fail);

/* How many allocations went through the door since the process started:
 * a test counts a scenario's allocations, then fails each in turn. */
unsigned long sf__alloc_count(void);

#endif /* SF_UTIL_ALLOC_H */
