/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One error message per thread, set where the failure is understood and printed once by the
 * command that can act on it.  Functions return 0 or -errno as usual; err__set() records the
 * sentence that explains the failure and names the fix, with its error number, so that the
 * message is printed for that error only: a later failure with another number that set no
 * message of its own gets its strerror() text, never an older sentence.
 */
#ifndef VMSCOPE_ERR_H
#define VMSCOPE_ERR_H

#include <errno.h>

/*
 * Record a message and its error number for this thread; set errno to it (a function that
 * returns NULL leaves it for its caller) and return -errnum (errnum is positive).
 */
int err__set(int errnum, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Prefix the message of error ret with context: "loading guest.elf: <old message>" (the
 * strerror() text of ret when the message recorded is another error's).  Returns ret.
 */
int err__wrap(int ret, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The message recorded for error ret (-errno), else the strerror() text of ret. */
const char *err__msg(int ret);

/* The last message of this thread whatever its error ("" if none): for tests. */
const char *err__last(void);

/* Forget the last message (an error survived: the run goes on). */
void err__clear(void);

#endif
