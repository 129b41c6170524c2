/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One error message per thread, set where the failure is understood and printed once by the
 * command that can act on it.  Functions return 0 or -errno as usual; err__set() records the
 * sentence that explains the failure and names the fix.
 */
#ifndef VMSCOPE_ERR_H
#define VMSCOPE_ERR_H

#include <errno.h>

/* Record a message for this thread and return -errnum (errnum is positive). */
int err__set(int errnum, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prefix the current message with context: "loading guest.elf: <old message>". */
int err__wrap(int ret, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The last message of this thread, or a generic text built from errnum if none was set. */
const char *err__msg(int ret);

/* Forget the last message. */
void err__clear(void);

#endif
