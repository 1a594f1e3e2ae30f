/*
 * A link's own readiness joined to its descriptor's (wake.h).
 */
#include "config.h"

#include <errno.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "synfin.h"
#include "link/wake.h"

static int watch(int pfd, int fd) {
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
  return epoll_ctl(pfd, EPOLL_CTL_ADD, fd, &ev);
}

int sf__link_wake_open(struct sf_link_wake *w, int inner_fd) {
  *w = SF_LINK_WAKE_NONE;
  w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  w->pfd = epoll_create1(EPOLL_CLOEXEC);
  if (w->efd < 0 || w->pfd < 0 || watch(w->pfd, w->efd) != 0 ||
      watch(w->pfd, inner_fd) != 0) {
    int err = sf_translate_sys_error(errno);
    sf__link_wake_close(w);
    return err;
  }
  return 0;
}

void sf__link_wake_set(struct sf_link_wake *w, bool ready) {
  if (w->efd < 0 || ready == w->raised)
    return;
  w->raised = ready;
  eventfd_t drained;
  if (ready)
    (void)eventfd_write(w->efd, 1);
  else
    (void)eventfd_read(w->efd, &drained);
}

void sf__link_wake_close(struct sf_link_wake *w) {
  if (w->efd >= 0)
    close(w->efd);
  if (w->pfd >= 0)
    close(w->pfd);
  *w = SF_LINK_WAKE_NONE;
}
