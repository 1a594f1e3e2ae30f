/* Closing handles of every type (close.c; sf_close is public). */
#ifndef SF_API_CLOSE_H
#define SF_API_CLOSE_H

#include "api/handle.h"

/* Frees what the closing handle h still holds (by its type), takes it
 * off the loop and calls its close_cb. */
void sf__handle_finish_close(sf_handle_t *h);

#endif /* SF_API_CLOSE_H */
