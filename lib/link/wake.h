/*
 * The descriptor of a link that holds frames of its own besides those its
 * file descriptor delivers: the fault middleware's frames released after
 * a delay, TUN's faked ARP replies. A reactor watches one fd per link, so
 * that fd is an epoll set of two: the descriptor the link reads (the
 * wrapped link's, the TUN device) and an eventfd the link raises while it
 * holds frames that recv would return. Readable when either is.
 */
#ifndef SF_LINK_WAKE_H
#define SF_LINK_WAKE_H

#include <stdbool.h>

struct sf_link_wake {
  int efd;     /* raised while the link holds frames ready */
  int pfd;     /* the epoll set: the link's fd for the reactor */
  bool raised;
};

/* Not open: what a link starts with (set and close do nothing). */
#define SF_LINK_WAKE_NONE ((struct sf_link_wake){-1, -1, false})

/* Joins inner_fd (>= 0) and a new eventfd, lowered. Returns 0 or the
 * SF_E* code of the failing call (nothing is left open). */
int sf__link_wake_open(struct sf_link_wake *w, int inner_fd);
/* Raises or lowers the eventfd: ready says whether the link holds frames
 * recv would return. */
void sf__link_wake_set(struct sf_link_wake *w, bool ready);
/* Closes both descriptors; afterwards w is SF_LINK_WAKE_NONE. */
void sf__link_wake_close(struct sf_link_wake *w);

#endif /* SF_LINK_WAKE_H */
