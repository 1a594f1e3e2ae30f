/* Delivery of everything lib/api queued (deliver.c). */
#ifndef SF_API_DELIVER_H
#define SF_API_DELIVER_H

#include <stdbool.h>

/*
 * The reactor's work callback (arg: the struct sf__loop_impl): delivers
 * queued events, then finished requests, then close callbacks, until
 * none is left. Sets *delivered when it called the application; returns
 * whether the loop is still alive.
 */
bool sf__api_work(void *arg, bool *delivered);

#endif /* SF_API_DELIVER_H */
