/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Formatted output shared by the guest kernel and the user programs' libc: %d %i %u %x %X
 * %p %s %c %%, with flags '-' and '0', a field width, and the length modifiers l, ll, z.
 */
#ifndef GUEST_FMT_H
#define GUEST_FMT_H

#include <stdarg.h>
#include <stddef.h>

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
